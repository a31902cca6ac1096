//! Which fns are handlers, what each is called, and the checks that keep a wrong measure from
//! compiling.
//
// - `impl Trait<M> for Actor`: the methods `handle` and `handle_*`; the message is `M`. With
//   `type Result = R` (actix's `Handler`), the reply is relayed (`expand::Relay`).
// - `impl Actor`: the methods `handle` and `handle_*`; the message is the type of the first
//   argument after `self`, else the method's name.
// - a lone fn (or a method with the attribute on it): that fn; `for = ActorType` names its
//   actor, since the attribute cannot see the `impl` around it.

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ImplItem, Item, ItemFn, ItemImpl, Signature, Type};

use super::ast::{Args, Message};
use super::expand::{self, Handler, Lifecycle, Relay};
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
            "a `const fn` cannot be instrumented: time cannot be measured during const evaluation; remove `const` or the attribute",
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

/// The message of an inherent method or lone fn: the type of its first argument after `self`,
/// else the fn's name.
fn message_of_fn(sig: &Signature) -> (String, Span) {
    sig.inputs
        .iter()
        .find_map(|a| match a {
            FnArg::Typed(t) => type_name(&t.ty).map(|i| (i.to_string(), i.span())),
            FnArg::Receiver(_) => None,
        })
        .unwrap_or_else(|| (sig.ident.to_string(), sig.ident.span()))
}

/// The `actor_type` of a handler: `actor = ..` (a word of the runtime's
/// `__private::actor_types`, spanned on the user's token, so an unknown one is rustc's "cannot
/// find value" there), else the actor's name, by its words, at compile time (the runtime's
/// message when no word says it).
fn actor_type(args: &Args, name: &(String, Span)) -> TokenStream {
    if let Some(v) = &args.actor {
        return quote_spanned!(v.span()=> ::alys_metrics::__private::actor_types::#v);
    }
    let (s, span) = (&name.0, name.1);
    quote_spanned! {span=>
        match ::alys_metrics::__private::actor_type_by_words(#s) {
            ::core::option::Option::Some(t) => t,
            ::core::option::Option::None => ::core::panic!("{}", ::alys_metrics::__private::actor_types::NOT_INFERRED),
        }
    }
}

/// The `message_type` of a handler: `message = ..` (a word of `__private::message_types`, or a
/// call of one: `custom(7)`), else the message's name, by its words.
fn message_type(args: &Args, name: &(String, Span)) -> TokenStream {
    if let Some(Message { word, args }) = &args.message {
        let call = args.as_ref().map(|a| quote_spanned!(word.span()=> (#a)));
        return quote_spanned!(word.span()=> ::alys_metrics::__private::message_types::#word #call);
    }
    let (s, span) = (&name.0, name.1);
    quote_spanned! {span=>
        match ::alys_metrics::__private::message_type_by_words(#s) {
            ::core::option::Option::Some(t) => t,
            ::core::option::Option::None => ::core::panic!("{}", ::alys_metrics::__private::message_types::NOT_INFERRED),
        }
    }
}

fn handler<'a>(
    args: &'a Args,
    actor_name: (String, Span),
    message_name: (String, Span),
    relay: Option<&'a Relay>,
) -> Handler<'a> {
    Handler {
        actor_type: actor_type(args, &actor_name),
        message_type: message_type(args, &message_name),
        actor_name,
        message_name,
        metrics: args.metrics.as_ref(),
        error: args.error.as_ref(),
        relay,
    }
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
    if !check_fn(&f.sig, errors) {
        return;
    }
    let Some(actor) = &args.for_type else {
        errors.error(
            f.sig.ident.span(),
            "the attribute on a fn cannot see which actor the fn belongs to: name it with \
             `#[instrument_actor(for = YourActor)]` (the type whose handler this is)",
        );
        return;
    };
    let Some(last) = actor.segments.last() else {
        return;
    };
    let actor_name = (last.ident.to_string(), last.ident.span());
    let h = handler(args, actor_name, message_of_fn(&f.sig), None);
    if let Err(e) = expand::instrument(&mut f.sig, &mut f.block, &h) {
        errors.push(e);
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
fn expand_lifecycle_impl(imp: &mut ItemImpl, which: Lifecycle, args: &Args, errors: &mut Errors) {
    let trait_name = match which {
        Lifecycle::Actor => "Actor",
        Lifecycle::Supervised => "Supervised",
    };
    let misplaced = [
        ("for", args.for_type.as_ref().map(Spanned::span)),
        ("message", args.message.as_ref().map(|m| m.word.span())),
        ("error", args.error.as_ref().map(Spanned::span)),
        ("metrics", args.metrics.as_ref().map(Spanned::span)),
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
    if bad {
        return;
    }
    let Some(self_ident) = type_name(&imp.self_ty) else {
        errors.error(
            imp.self_ty.span(),
            format!(
                "cannot name the actor `{}`: instrument an `impl {trait_name}` for a named type",
                imp.self_ty.to_token_stream()
            ),
        );
        return;
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
        return;
    }
    let actor_name = (self_ident.to_string(), self_ident.span());
    // The first hook checks that the actor type is known (one error when it is not); the
    // others read the same value without a second check.
    let checked = actor_type(args, &actor_name);
    let unchecked = match &args.actor {
        Some(_) => checked.clone(),
        None => {
            let s = &actor_name.0;
            quote::quote!(::alys_metrics::labels::ActorType::from_name(#s))
        }
    };
    let mut first = true;
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
        if !which.hooks().contains(&name.as_str()) {
            continue;
        }
        if let Some(span) = instrumented_twice(&f.attrs) {
            errors.error(
                span,
                format!("this hook is already instrumented by `#[instrument_actor]` on its `impl {trait_name}`: remove the attribute here"),
            );
            continue;
        }
        let actor_type = if std::mem::take(&mut first) {
            &checked
        } else {
            &unchecked
        };
        expand::lifecycle_hook(&name, &mut f.block, &actor_name, actor_type);
    }
}

/// The handlers of an impl block.
pub fn expand_impl(imp: &mut ItemImpl, args: &Args, errors: &mut Errors) {
    if let Some(which) = lifecycle_of(imp) {
        return expand_lifecycle_impl(imp, which, args, errors);
    }
    if let Some(p) = &args.for_type {
        errors.error(
            p.span(),
            "`for = ..` names the actor of a lone fn; on an `impl` the actor is its `Self` type: remove `for`",
        );
        return;
    }
    let Some(self_ident) = type_name(&imp.self_ty) else {
        errors.error(
            imp.self_ty.span(),
            format!(
                "cannot name the actor `{}`: instrument an `impl` for a named type",
                imp.self_ty.to_token_stream()
            ),
        );
        return;
    };
    let actor_name = (self_ident.to_string(), self_ident.span());
    let generics: Vec<String> = imp
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
    let message_name = match &trait_message {
        Some(t) => match type_name(t) {
            Some(i) if generics.contains(&i.to_string()) => {
                errors.error(
                    i.span(),
                    format!(
                        "`{i}` is a type parameter: a handler generic over its message has no message name to label. \
                         Instrument the handler of each message type"
                    ),
                );
                return;
            }
            Some(i) => Some((i.to_string(), i.span())),
            None => {
                errors.error(
                    t.span(),
                    "cannot name this message type: give the message a named type",
                );
                return;
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
        if !check_fn(&f.sig, errors) {
            continue;
        }
        let message = match &message_name {
            Some(m) if name == "handle" => m.clone(),
            _ => message_of_fn(&f.sig),
        };
        let relay = relay.as_ref().filter(|_| name == "handle");
        let h = handler(args, actor_name.clone(), message, relay);
        if let Err(e) = expand::instrument(&mut f.sig, &mut f.block, &h) {
            errors.push(e);
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
        return;
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
}
