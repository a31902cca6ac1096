//! Which fns are handlers, what each is called, and the checks that keep a wrong measure from
//! compiling. Every mistake of an item is collected and reported together.
//
// - `impl Trait<M> for Actor`: the methods `handle` and `handle_*`; the message is `M`. With
//   `type Result = R` (actix's `Handler`), the reply is relayed (`expand::Relay`).
// - `impl Actor`: the methods `handle` and `handle_*`; the message is the type of the first
//   argument after `self`, else the method's name.
// - a lone fn (or a method with the attribute on it): that fn; `for = ActorType` names its
//   actor, since the attribute cannot see the `impl` around it.
// - `impl Actor for X` / `impl Supervised for X`: the lifecycle hooks; with `actor = ..`, also
//   `impl ActorKind for X`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ImplItem, Item, ItemFn, ItemImpl, Signature, Type};

use super::ast::Args;
use super::expand::{self, actor_type_expr, Handler, Lifecycle, Relay};
use crate::util::{describe_item, Errors};

/// The items the attribute cannot instrument, with where it belongs instead.
pub fn cannot_apply(item: &Item) -> syn::Error {
    let (span, what) = describe_item(item);
    syn::Error::new(
        span,
        format!(
            "`#[instrument_actor]` cannot be applied to {what}: it instruments actor message handlers. \
             Put it on `impl Handler<M> for Actor`, on an `impl` with `handle` or `handle_*` methods, \
             or on a handler fn with `for = ActorType`"
        ),
    )
}

/// Checks that a fn can be measured; false (with an error) when it cannot.
fn check_fn(sig: &Signature, errors: &mut Errors) -> bool {
    if let Some(c) = &sig.constness {
        errors.error(
            c.span,
            format!(
                "a `const fn` cannot be instrumented: time cannot be measured during const evaluation. \
                 Write `fn {}(..)` without `const`, or remove the attribute",
                sig.ident
            ),
        );
        return false;
    }
    true
}

/// The last identifier of a path type, through references.
fn type_name(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| &s.ident),
        Type::Reference(r) => type_name(&r.elem),
        Type::Paren(p) => type_name(&p.elem),
        Type::Group(g) => type_name(&g.elem),
        _ => None,
    }
}

/// The type itself, through references, parentheses and macro groups.
fn referent(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) => referent(&r.elem),
        Type::Paren(p) => referent(&p.elem),
        Type::Group(g) if !matches!(*g.elem, Type::Path(_)) => referent(&g.elem),
        other => other,
    }
}

/// `ty` when a `static` can name it: no lifetime, no `Self`, no `impl`, no `_` and none of the
/// type parameters in scope (a `static` inside a fn sees none of them).
fn nameable_in_static(ty: &Type, params: &[String]) -> Option<Type> {
    let mut ok = true;
    fn walk(ts: TokenStream, params: &[String], ok: &mut bool) {
        for t in ts {
            match &t {
                TokenTree::Group(g) => walk(g.stream(), params, ok),
                TokenTree::Punct(p) if p.as_char() == '\'' || p.as_char() == '&' => *ok = false,
                TokenTree::Ident(i)
                    if i == "Self"
                        || i == "impl"
                        || i == "_"
                        || params.contains(&i.to_string()) =>
                {
                    *ok = false
                }
                _ => {}
            }
        }
    }
    walk(ty.to_token_stream(), params, &mut ok);
    ok.then(|| ty.clone())
}

/// The message of an inherent method or lone fn: the type of its first argument after `self`
/// (its name, and the type when a `static` can name it), else the fn's name.
fn message_of_fn(sig: &Signature, params: &[String]) -> ((String, Span), Option<Type>) {
    sig.inputs
        .iter()
        .find_map(|a| match a {
            FnArg::Typed(t) => type_name(&t.ty).map(|i| {
                (
                    (i.to_string(), i.span()),
                    nameable_in_static(referent(&t.ty), params),
                )
            }),
            FnArg::Receiver(_) => None,
        })
        .unwrap_or_else(|| ((sig.ident.to_string(), sig.ident.span()), None))
}

/// The type parameters a fn sees: its impl's and its own.
fn type_params(impl_generics: Option<&syn::Generics>, sig: &Signature) -> Vec<String> {
    impl_generics
        .into_iter()
        .chain([&sig.generics])
        .flat_map(|g| g.type_params().map(|p| p.ident.to_string()))
        .collect()
}

/// A method that carries `#[instrument_actor]` itself inside an instrumented impl.
fn instrumented_twice(attrs: &[syn::Attribute]) -> Option<Span> {
    attrs
        .iter()
        .find(|a| {
            a.path()
                .segments
                .last()
                .is_some_and(|s| s.ident == "instrument_actor")
        })
        .map(|a| a.span())
}

/// The handler fn of a lone fn (or a method carrying the attribute itself).
pub fn expand_fn(f: &mut ItemFn, args: &Args, errors: &mut Errors) {
    let measurable = check_fn(&f.sig, errors);
    let Some(actor) = &args.for_type else {
        errors.error(
            f.sig.ident.span(),
            format!(
                "the attribute on a fn cannot see which actor the fn belongs to: name it with \
                 `#[instrument_actor(for = YourActor)]` above `fn {}` (the type whose handler this is)",
                f.sig.ident
            ),
        );
        return;
    };
    let Some(last) = actor.segments.last() else {
        return;
    };
    if !measurable {
        return;
    }
    let params = type_params(None, &f.sig);
    let actor_ty: Type = syn::parse_quote!(#actor);
    let (message_name, message_ty) = message_of_fn(&f.sig, &params);
    let h = Handler {
        actor_name: (last.ident.to_string(), last.ident.span()),
        message_name,
        actor_ty: nameable_in_static(&actor_ty, &params),
        message_ty,
        actor_word: args.actor.as_ref(),
        message_word: args.message.as_ref(),
        error: args.error.as_ref(),
        relay: None,
        type_params: params,
    };
    if let Err(es) = expand::instrument(&mut f.sig, &mut f.block, &h) {
        if es.is_empty() {
            errors.leave_unchanged();
        }
        for e in es {
            errors.push(e);
        }
    }
}

/// The lifecycle trait an impl implements, by the last segment of its path.
fn lifecycle_of(imp: &ItemImpl) -> Option<Lifecycle> {
    let (_, path, _) = imp.trait_.as_ref()?;
    let last = path.segments.last()?;
    if !matches!(last.arguments, syn::PathArguments::None) {
        return None;
    }
    if last.ident == "Actor" {
        Some(Lifecycle::Actor)
    } else if last.ident == "Supervised" {
        Some(Lifecycle::Supervised)
    } else {
        None
    }
}

/// `impl Actor for X` / `impl Supervised for X`: every hook of the trait records its
/// transition; the hooks the user did not write are added with actix's default behaviour.
/// Returns the items to write after the impl: `impl ActorKind for X` with `actor = ..`.
fn expand_lifecycle_impl(
    imp: &mut ItemImpl,
    which: Lifecycle,
    args: &Args,
    errors: &mut Errors,
) -> TokenStream {
    let trait_name = match which {
        Lifecycle::Actor => "Actor",
        Lifecycle::Supervised => "Supervised",
    };
    let misplaced = [
        ("for", args.for_type.as_ref().map(Spanned::span)),
        ("message", args.message.as_ref().map(|m| m.word.span())),
        ("error", args.error.as_ref().map(Spanned::span)),
    ];
    let mut bad = false;
    for (arg, span) in misplaced {
        if let Some(span) = span {
            bad = true;
            errors.error(
                span,
                format!(
                    "`{arg} = ..` is not expected on `impl {trait_name}`: its hooks handle no message. \
                     Only `actor = ..` applies here; `{arg}` belongs on the actor's `impl Handler<M>`"
                ),
            );
        }
    }
    let Some(self_ident) = type_name(&imp.self_ty) else {
        errors.error(
            imp.self_ty.span(),
            format!(
                "cannot name the actor `{}`: instrument an `impl {trait_name}` for a named type",
                imp.self_ty.to_token_stream()
            ),
        );
        return TokenStream::new();
    };
    let has_context = imp
        .items
        .iter()
        .any(|i| matches!(i, ImplItem::Type(t) if t.ident == "Context"));
    if which == Lifecycle::Actor && !has_context {
        let span = imp
            .trait_
            .as_ref()
            .map_or_else(|| imp.self_ty.span(), |t| t.1.span());
        errors.error(
            span,
            "this `impl Actor` declares no `type Context`, so it is not actix's `Actor`: `#[instrument_actor]` on \
             `impl Actor for X` records actix's lifecycle hooks (`started`, `stopping`, `stopped`). \
             For another trait, put the attribute on each method to measure: `#[instrument_actor(for = X)]`",
        );
        bad = true;
    }
    let actor_name = (self_ident.to_string(), self_ident.span());
    let mut twice = false;
    for item in &imp.items {
        if let ImplItem::Fn(f) = item {
            if which.hooks().contains(&f.sig.ident.to_string().as_str()) {
                if let Some(span) = instrumented_twice(&f.attrs) {
                    twice = true;
                    errors.error(
                        span,
                        format!("this hook is already instrumented by `#[instrument_actor]` on its `impl {trait_name}`: remove the attribute here"),
                    );
                }
            }
        }
    }
    if bad || twice {
        return TokenStream::new();
    }
    let params: Vec<String> = imp
        .generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    let actor_ty = nameable_in_static(&imp.self_ty, &params);
    let actor_type = actor_type_expr(args.actor.as_ref(), actor_ty.as_ref(), &actor_name);
    for hook in which.hooks() {
        let written = imp
            .items
            .iter()
            .any(|i| matches!(i, ImplItem::Fn(f) if f.sig.ident == hook));
        if !written {
            imp.items.push(ImplItem::Fn(expand::default_hook(hook)));
        }
    }
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        let name = f.sig.ident.to_string();
        if which.hooks().contains(&name.as_str()) {
            expand::lifecycle_hook(&name, &mut f.block, &actor_name, &actor_type);
        }
    }
    // `actor = ..` on `impl Actor for X` says X's type once, for all its handlers.
    match (&args.actor, which) {
        (Some(word), Lifecycle::Actor) => {
            let self_ty = &imp.self_ty;
            let (impl_generics, _, where_clause) = imp.generics.split_for_impl();
            let value = quote_spanned!(word.span()=> ::alys_metrics::__private::actor_types::#word);
            quote! {
                impl #impl_generics ::alys_metrics::actor::ActorKind for #self_ty #where_clause {
                    const ACTOR_TYPE: ::alys_metrics::__private::ActorType = #value;
                }
            }
        }
        _ => TokenStream::new(),
    }
}

/// The handlers of an impl block; the items to write after it.
pub fn expand_impl(imp: &mut ItemImpl, args: &Args, errors: &mut Errors) -> TokenStream {
    if let Some(which) = lifecycle_of(imp) {
        return expand_lifecycle_impl(imp, which, args, errors);
    }
    if let Some(p) = &args.for_type {
        errors.error(
            p.span(),
            "`for = ..` names the actor of a lone fn; on an `impl` the actor is its `Self` type: remove `for`",
        );
    }
    let Some(self_ident) = type_name(&imp.self_ty) else {
        errors.error(
            imp.self_ty.span(),
            format!(
                "cannot name the actor `{}`: instrument an `impl` for a named type",
                imp.self_ty.to_token_stream()
            ),
        );
        return TokenStream::new();
    };
    let actor_name = (self_ident.to_string(), self_ident.span());
    let impl_params: Vec<String> = imp
        .generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    // `impl Trait<M> for Actor`: the message type `M`.
    let trait_message: Option<Type> = imp.trait_.as_ref().and_then(|(_, path, _)| {
        path.segments.last().and_then(|s| match &s.arguments {
            syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            }),
            _ => None,
        })
    });
    let mut message_ok = true;
    let message_name = match &trait_message {
        Some(t) => match type_name(t) {
            Some(i) if impl_params.contains(&i.to_string()) => {
                message_ok = false;
                errors.error(
                    i.span(),
                    format!(
                        "`{i}` is a type parameter: a handler generic over its message has no message name to label. \
                         Instrument the handler of each message type: `impl Handler<YourMessage> for {}`",
                        actor_name.0
                    ),
                );
                None
            }
            Some(i) => Some((i.to_string(), i.span())),
            None => {
                message_ok = false;
                errors.error(
                    t.span(),
                    "cannot name this message type: give the message a named type (`struct YourMessage(..)`) \
                     and write `impl Handler<YourMessage> for ..`",
                );
                None
            }
        },
        None => None,
    };
    // actix's `Handler<M>`: `type Result = R` is relayed.
    let result_ty = imp.items.iter().find_map(|i| match i {
        ImplItem::Type(t) if t.ident == "Result" => Some(t.ty.clone()),
        _ => None,
    });
    let has_handle = imp
        .items
        .iter()
        .any(|i| matches!(i, ImplItem::Fn(f) if f.sig.ident == "handle"));
    let relay = match (&trait_message, result_ty, has_handle) {
        (Some(m), Some(reply), true) => Some(Relay {
            reply,
            message: m.clone(),
        }),
        _ => None,
    };
    let actor_ty = nameable_in_static(&imp.self_ty, &impl_params);
    let mut found = 0;
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        let name = f.sig.ident.to_string();
        if name != "handle" && !name.starts_with("handle_") {
            continue;
        }
        found += 1;
        if let Some(span) = instrumented_twice(&f.attrs) {
            errors.error(
                span,
                "this handler is already instrumented by `#[instrument_actor]` on its `impl`: remove one of the two",
            );
            continue;
        }
        if !check_fn(&f.sig, errors) || (name == "handle" && !message_ok) {
            continue;
        }
        let params = type_params(Some(&imp.generics), &f.sig);
        let (message, message_ty) = match (&message_name, &trait_message) {
            (Some(m), Some(t)) if name == "handle" => {
                (m.clone(), nameable_in_static(referent(t), &params))
            }
            _ => message_of_fn(&f.sig, &params),
        };
        let h = Handler {
            actor_name: actor_name.clone(),
            message_name: message,
            actor_ty: actor_ty.clone(),
            message_ty,
            actor_word: args.actor.as_ref(),
            message_word: args.message.as_ref(),
            error: args.error.as_ref(),
            relay: relay.as_ref().filter(|_| name == "handle"),
            type_params: params,
        };
        if let Err(es) = expand::instrument(&mut f.sig, &mut f.block, &h) {
            if es.is_empty() {
                errors.leave_unchanged();
            }
            for e in es {
                errors.push(e);
            }
        }
    }
    if found == 0 {
        let span = match &imp.trait_ {
            Some((_, path, _)) => path.span(),
            None => imp.self_ty.span(),
        };
        errors.error(
            span,
            format!(
                "no method of this `impl` is named `handle` or `handle_*`, so `#[instrument_actor]` has nothing to measure here. \
                 Put the attribute on each method to measure instead: `#[instrument_actor(for = {actor})]`; \
                 for lifecycle and restarts, put it on `impl Actor for {actor}` or `impl Supervised for {actor}`",
                actor = actor_name.0
            ),
        );
        return TokenStream::new();
    }
    if let Some(r) = &relay {
        for item in &mut imp.items {
            if let ImplItem::Type(t) = item {
                if t.ident == "Result" {
                    let (reply, message) = (&r.reply, &r.message);
                    t.ty = syn::parse_quote_spanned!(reply.span()=>
                        ::alys_metrics::__private::Instrumented<#reply, #message>
                    );
                }
            }
        }
    }
    TokenStream::new()
}
