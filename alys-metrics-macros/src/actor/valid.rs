//! Which fns are handlers, what each is called, and the checks that keep a wrong measure from
//! compiling: reads the item and the arguments and returns the [`Plan`] of what to rewrite.
//! Every mistake of an item is collected and reported together.
//
// - `impl Trait<M> for Actor`: the methods `handle` and `handle_*`; the message is `M`. With
//   `type Result = R` (actix's `Handler`), the reply is relayed (`plan::Relay`).
// - `impl Actor`: the methods `handle` and `handle_*`; the message is the type of the first
//   argument after `self`, else the method's name.
// - a lone fn (or a method with the attribute on it): that fn; `for = ActorType` names its
//   actor, since the attribute cannot see the `impl` around it.
// - `impl Actor for X` / `impl Supervised for X`: the lifecycle hooks; with `actor = ..`, also
//   `impl ActorKind for X`.
// A handler's reply is checked as the rewritten fn will name it (`Handler::reply`).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{FnArg, Ident, ImplItem, Item, ItemFn, ItemImpl, Path, ReturnType, Signature, Type};

use super::ast::Args;
use super::plan::{self_lifetime, Handler, Hooks, Lifecycle, Plan, Relay};
use crate::util::{describe_item, Errors};

/// The plan of the item: what to rewrite, when it can be; the mistakes go to `errors`.
pub fn check<'a>(item: &Item, args: &'a Args, errors: &mut Errors) -> Option<Plan<'a>> {
    match item {
        Item::Impl(imp) => match lifecycle_of(imp) {
            Some(which) => lifecycle_impl(imp, which, args, errors).map(Plan::Lifecycle),
            None => handler_impl(imp, args, errors),
        },
        Item::Fn(f) => lone_fn(f, args, errors).map(|h| Plan::Fn(Box::new(h))),
        other => {
            errors.push(cannot_apply(other));
            None
        }
    }
}

/// The items the attribute cannot instrument, with where it belongs instead.
fn cannot_apply(item: &Item) -> syn::Error {
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

/// The reply of a handler fn as the rewritten fn names it (its return type with the elided
/// lifetimes named, or the relayed `type Result`), and that renamed return type; `None` when it
/// cannot be measured: with the errors, or with none when `_` leaves it to rustc.
fn reply_of(
    sig: &Signature,
    relay: Option<&Relay>,
    error: Option<&Path>,
    type_params: &[String],
    errors: &mut Errors,
) -> Option<(Type, Option<Type>)> {
    let named_output = output_with_named_lifetime(sig);
    let declared: Type = match (&named_output, &sig.output) {
        (Some(named), _) => named.clone(),
        (None, ReturnType::Default) => syn::parse_quote!(()),
        (None, ReturnType::Type(_, ty)) => (**ty).clone(),
    };
    // In a relayed impl, `Self::Result` names the instrumented reply: the body produces the
    // declared `type Result`.
    let reply: Type = match relay {
        Some(r) if is_self_result(&declared) => r.reply.clone(),
        _ => declared.clone(),
    };
    if has_placeholder(&declared) {
        errors.leave_unchanged();
        return None;
    }
    let mut found = unmeasurable(&reply);
    if relay.is_none() && error.is_none() {
        found.extend(type_parameter_reply(&reply, type_params));
    }
    if !found.is_empty() {
        for e in found {
            errors.push(e);
        }
        return None;
    }
    Some((reply, named_output))
}

/// The handler of a lone fn (or a method carrying the attribute itself).
fn lone_fn<'a>(f: &ItemFn, args: &'a Args, errors: &mut Errors) -> Option<Handler<'a>> {
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
        return None;
    };
    let last = actor.segments.last()?;
    if !measurable {
        return None;
    }
    let params = type_params(None, &f.sig);
    let actor_ty: Type = syn::parse_quote!(#actor);
    let (message_name, message_ty) = message_of_fn(&f.sig, &params);
    let (reply, named_output) = reply_of(&f.sig, None, args.error.as_ref(), &params, errors)?;
    Some(Handler {
        actor_name: (last.ident.to_string(), last.ident.span()),
        message_name,
        actor_ty: nameable_in_static(&actor_ty, &params),
        message_ty,
        actor_word: args.actor.as_ref(),
        message_word: args.message.as_ref(),
        error: args.error.as_ref(),
        relay: None,
        reply,
        named_output,
    })
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
/// transition; the hooks the user did not write are added with actix's default behaviour, and
/// `actor = ..` on `impl Actor` declares X's `ActorKind`.
fn lifecycle_impl<'a>(
    imp: &ItemImpl,
    which: Lifecycle,
    args: &'a Args,
    errors: &mut Errors,
) -> Option<Hooks<'a>> {
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
        return None;
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
        return None;
    }
    let params: Vec<String> = imp
        .generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    let missing = which
        .hooks()
        .iter()
        .copied()
        .filter(|hook| {
            !imp.items
                .iter()
                .any(|i| matches!(i, ImplItem::Fn(f) if f.sig.ident == hook))
        })
        .collect();
    Some(Hooks {
        which,
        actor_name,
        actor_ty: nameable_in_static(&imp.self_ty, &params),
        actor_word: args.actor.as_ref(),
        missing,
        actor_kind: args.actor.as_ref().filter(|_| which == Lifecycle::Actor),
    })
}

/// The handlers of an impl block.
fn handler_impl<'a>(imp: &ItemImpl, args: &'a Args, errors: &mut Errors) -> Option<Plan<'a>> {
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
        return None;
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
    let mut handlers = Vec::new();
    for (index, item) in imp.items.iter().enumerate() {
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
        let relay = relay.as_ref().filter(|_| name == "handle");
        let Some((reply, named_output)) =
            reply_of(&f.sig, relay, args.error.as_ref(), &params, errors)
        else {
            continue;
        };
        handlers.push((
            index,
            Handler {
                actor_name: actor_name.clone(),
                message_name: message,
                actor_ty: actor_ty.clone(),
                message_ty,
                actor_word: args.actor.as_ref(),
                message_word: args.message.as_ref(),
                error: args.error.as_ref(),
                relay: relay.cloned(),
                reply,
                named_output,
            },
        ));
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
        return None;
    }
    Some(Plan::Impl { handlers, relay })
}

/// The return type of a `&self` method with its elided lifetimes (`'_`, `&T`) named
/// [`self_lifetime`], when it elides one: the same signature by the elision rules, with a
/// lifetime the measuring code can name (`expand` renames the receiver to match).
fn output_with_named_lifetime(sig: &Signature) -> Option<Type> {
    let Some(FnArg::Receiver(recv)) = sig.inputs.first() else {
        return None;
    };
    let Some((_, None)) = &recv.reference else {
        return None;
    };
    let ReturnType::Type(_, out) = &sig.output else {
        return None;
    };
    if !has_elided_lifetime(out) {
        return None;
    }
    let name = self_lifetime();
    struct Elided<'a>(&'a syn::Lifetime);
    impl VisitMut for Elided<'_> {
        fn visit_lifetime_mut(&mut self, l: &mut syn::Lifetime) {
            if l.ident == "_" {
                *l = self.0.clone();
            }
        }
        fn visit_type_reference_mut(&mut self, r: &mut syn::TypeReference) {
            if r.lifetime.is_none() {
                r.lifetime = Some(self.0.clone());
            }
            visit_mut::visit_type_reference_mut(self, r);
        }
        // `dyn Fn(&T)` and `fn(&T)` have lifetimes of their own.
        fn visit_type_bare_fn_mut(&mut self, _: &mut syn::TypeBareFn) {}
        fn visit_parenthesized_generic_arguments_mut(
            &mut self,
            _: &mut syn::ParenthesizedGenericArguments,
        ) {
        }
    }
    let mut renamed = (**out).clone();
    Elided(&name).visit_type_mut(&mut renamed);
    Some(renamed)
}

/// `Self::Result`.
fn is_self_result(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let segs = &p.path.segments;
    p.qself.is_none() && segs.len() == 2 && segs[0].ident == "Self" && segs[1].ident == "Result"
}

/// True when the type has the placeholder `_` (not `'_`).
fn has_placeholder(ty: &Type) -> bool {
    let mut found = false;
    let mut after_quote = false;
    tokens_each(ty.to_token_stream(), &mut |t, _| {
        found |= matches!(t, TokenTree::Ident(i) if i == "_") && !after_quote;
        after_quote = matches!(t, TokenTree::Punct(p) if p.as_char() == '\'');
    });
    found
}

/// True when the type has an elided lifetime (`&T`, `'_`).
fn has_elided_lifetime(ty: &Type) -> bool {
    let mut found = false;
    tokens_each(ty.to_token_stream(), &mut |t, next| {
        found |= match t {
            TokenTree::Punct(p) if p.as_char() == '&' => {
                !matches!(next, Some(TokenTree::Punct(n)) if n.as_char() == '\'')
            }
            TokenTree::Punct(p) if p.as_char() == '\'' => {
                matches!(next, Some(TokenTree::Ident(n)) if n == "_")
            }
            _ => false,
        };
    });
    found
}

/// Why a return type cannot be measured (it cannot be named where the reply is measured): one
/// error per offending token, each saying what to write.
fn unmeasurable(ty: &Type) -> Vec<syn::Error> {
    if let Type::Never(n) = ty {
        return vec![syn::Error::new(
            n.span(),
            "`#[instrument_actor]` cannot measure a handler that never returns: it has no reply to \
             measure. Remove the attribute, or return the value the caller receives",
        )];
    }
    let mut errors = Vec::new();
    tokens_each(ty.to_token_stream(), &mut |t, next| {
        let msg = match t {
            TokenTree::Ident(i) if i == "impl" => Some(
                "`#[instrument_actor]` cannot measure an `impl Trait` reply: its value cannot be \
                 named. Write `-> Pin<Box<dyn Future<Output = T> + Send>>` (or actix's \
                 `ResponseFuture<T>`) and return `Box::pin(async move { .. })`, or make the fn \
                 `async fn .. -> T`",
            ),
            TokenTree::Punct(p)
                if p.as_char() == '&'
                    && !matches!(next, Some(TokenTree::Punct(n)) if n.as_char() == '\'') =>
            {
                Some(
                    "`#[instrument_actor]` needs this reply's lifetime named: write `&'a T` and \
                     declare `'a` on the fn (`fn handle<'a>(&'a self, ..)`)",
                )
            }
            TokenTree::Punct(p)
                if p.as_char() == '\'' && matches!(next, Some(TokenTree::Ident(n)) if n == "_") =>
            {
                Some(
                    "`#[instrument_actor]` needs this reply's lifetime named: write `'a` for `'_` \
                     and declare it on the fn (`fn handle<'a>(&'a self, ..)`)",
                )
            }
            _ => None,
        };
        if let Some(msg) = msg {
            errors.push(syn::Error::new(t.span(), msg));
        }
    });
    errors
}

/// A type parameter where the reply's classifier would look (the reply itself, or what a
/// `Result`, `Option`, `Box`, `Arc`, `Rc` or a boxed future holds): its outcome cannot be
/// known, so it is an error at the parameter, saying what to write.
fn type_parameter_reply(ty: &Type, params: &[String]) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    look_for_parameter(ty, params, &mut errors);
    errors
}

fn look_for_parameter(ty: &Type, params: &[String], errors: &mut Vec<syn::Error>) {
    match ty {
        Type::Group(g) => look_for_parameter(&g.elem, params, errors),
        Type::Paren(p) => look_for_parameter(&p.elem, params, errors),
        Type::Path(p) if p.qself.is_none() => {
            if let Some(id) = p.path.get_ident() {
                if params.contains(&id.to_string()) {
                    errors.push(syn::Error::new(
                        id.span(),
                        format!(
                            "`{id}` is a type parameter: `#[instrument_actor]` cannot tell whether \
                             its values are errors. Name the reply type here, or say it with \
                             `#[instrument_actor(error = path::to::is_error)]` and \
                             `fn is_error(reply: &{id}) -> bool`"
                        ),
                    ));
                    return;
                }
            }
            let Some(last) = p.path.segments.last() else {
                return;
            };
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return;
            };
            let name = last.ident.to_string();
            let inner = args.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            });
            match name.as_str() {
                "Result" | "Option" | "Box" | "Arc" | "Rc" => {
                    if let Some(t) = inner {
                        look_for_parameter(t, params, errors);
                    }
                }
                // `Pin<Box<dyn Future<Output = T>>>`, `ResponseFuture<T>`, `BoxFuture<'_, T>`.
                "Pin" | "ResponseFuture" | "BoxFuture" | "LocalBoxFuture" | "ResponseActFuture" => {
                    let last_ty = args.args.iter().rev().find_map(|a| match a {
                        syn::GenericArgument::Type(t) => Some(t),
                        _ => None,
                    });
                    if let Some(t) = last_ty {
                        look_for_parameter(t, params, errors);
                    }
                }
                _ => {}
            }
        }
        Type::TraitObject(o) => {
            for b in &o.bounds {
                let syn::TypeParamBound::Trait(t) = b else {
                    continue;
                };
                let Some(last) = t.path.segments.last() else {
                    continue;
                };
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    for a in &args.args {
                        if let syn::GenericArgument::AssocType(at) = a {
                            if at.ident == "Output" {
                                look_for_parameter(&at.ty, params, errors);
                            }
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// Calls `f(token, next token)` for every token, looking into groups.
fn tokens_each(ts: TokenStream, f: &mut dyn FnMut(&TokenTree, Option<&TokenTree>)) {
    let tokens: Vec<TokenTree> = ts.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        f(t, tokens.get(i + 1));
        if let TokenTree::Group(g) = t {
            tokens_each(g.stream(), f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use quote::quote;

    fn ty(s: &str) -> Type {
        syn::parse_str(s).expect("type")
    }

    fn args(tokens: TokenStream) -> Args {
        syn::parse2(tokens).expect("arguments")
    }

    fn text(t: &impl ToTokens) -> String {
        t.to_token_stream().to_string()
    }

    #[test]
    fn an_actix_handler_is_planned_with_its_relayed_reply() {
        let item: Item = syn::parse_quote! {
            impl Handler<ProcessPegIn> for BridgeActor {
                type Result = Result<(), BridgeError>;
                fn handle(&mut self, msg: ProcessPegIn, _: &mut Context<Self>) -> Self::Result { self.process(msg) }
                fn helper(&self) {}
            }
        };
        let args = args(quote!());
        let mut errors = Errors::default();
        let plan = check(&item, &args, &mut errors);
        assert!(!errors.unchanged());
        let Some(Plan::Impl { handlers, relay }) = plan else {
            panic!("an impl of handlers is planned as one")
        };
        let relay = relay.expect("`type Result` is relayed");
        assert_eq!(text(&relay.reply), "Result < () , BridgeError >");
        assert_eq!(text(&relay.message), "ProcessPegIn");
        assert_eq!(handlers.len(), 1, "`helper` is no handler");
        let (index, h) = &handlers[0];
        assert_eq!(*index, 1, "the index of `handle` in the impl's items");
        assert_eq!(h.actor_name.0, "BridgeActor");
        assert_eq!(h.message_name.0, "ProcessPegIn");
        assert_eq!(
            h.actor_ty.as_ref().map(text).as_deref(),
            Some("BridgeActor")
        );
        assert_eq!(
            h.message_ty.as_ref().map(text).as_deref(),
            Some("ProcessPegIn")
        );
        // The body produces the declared `type Result`, which `Self::Result` no longer names.
        assert_eq!(text(&h.reply), "Result < () , BridgeError >");
        assert!(h.relay.is_some() && h.named_output.is_none());
        assert!(h.actor_word.is_none() && h.message_word.is_none() && h.error.is_none());
    }

    #[test]
    fn an_impl_actor_is_planned_with_its_missing_hooks_and_actor_kind() {
        let item: Item = syn::parse_quote! {
            impl<T> Actor for EngineActor<T> {
                type Context = Context<Self>;
                fn stopping(&mut self, _: &mut Self::Context) -> Running { Running::Stop }
            }
        };
        let args = args(quote!(actor = Engine));
        let mut errors = Errors::default();
        let Some(Plan::Lifecycle(hooks)) = check(&item, &args, &mut errors) else {
            panic!("an `impl Actor` is planned as its hooks")
        };
        assert!(!errors.unchanged());
        assert_eq!(hooks.which, Lifecycle::Actor);
        assert_eq!(hooks.actor_name.0, "EngineActor");
        assert_eq!(hooks.missing, ["started", "stopped"]);
        assert!(hooks.actor_ty.is_none(), "`T` cannot be named in a static");
        assert_eq!(
            hooks.actor_word.map(ToString::to_string).as_deref(),
            Some("engine")
        );
        assert_eq!(
            hooks.actor_kind.map(ToString::to_string).as_deref(),
            Some("engine")
        );
        // `impl Supervised` declares no `ActorKind`.
        let item: Item = syn::parse_quote!(impl Supervised for EngineActor {});
        let Some(Plan::Lifecycle(hooks)) = check(&item, &args, &mut errors) else {
            panic!("an `impl Supervised` is planned as its hooks")
        };
        assert_eq!(hooks.missing, ["restarting"]);
        assert!(hooks.actor_kind.is_none());
        assert_eq!(
            hooks.actor_ty.as_ref().map(text).as_deref(),
            Some("EngineActor")
        );
    }

    #[test]
    fn a_lone_fn_is_planned_for_its_actor_with_the_lifetimes_named() {
        let item: Item = syn::parse_quote! {
            fn import(&self, block: &SignedBlock) -> BoxFuture<'_, Result<(), ChainError>> { self.queue(block) }
        };
        let args = args(quote!(for = crate::actors::ChainActor, message = sync));
        let mut errors = Errors::default();
        let Some(Plan::Fn(h)) = check(&item, &args, &mut errors) else {
            panic!("a lone fn is planned as one handler")
        };
        assert!(!errors.unchanged());
        assert_eq!(h.actor_name.0, "ChainActor");
        assert_eq!(
            h.actor_ty.as_ref().map(text).as_deref(),
            Some("crate :: actors :: ChainActor")
        );
        assert_eq!(h.message_name.0, "SignedBlock");
        assert_eq!(
            h.message_ty.as_ref().map(text).as_deref(),
            Some("SignedBlock")
        );
        assert!(h.message_word.is_some_and(|m| m.word == "sync"));
        let named = "BoxFuture < '__alys_self , Result < () , ChainError > >";
        assert_eq!(h.named_output.as_ref().map(text).as_deref(), Some(named));
        assert_eq!(text(&h.reply), named);
        assert!(h.relay.is_none());
    }

    #[test]
    fn every_mistake_is_reported_and_nothing_is_planned_for_it() {
        let item: Item = syn::parse_quote! {
            impl ChainActor {
                const fn handle_a(&self) -> u8 { 1 }
                fn handle_b(&self) -> impl Future<Output = u8> { async { 1 } }
            }
        };
        let args = args(quote!());
        let mut errors = Errors::default();
        let Some(Plan::Impl { handlers, .. }) = check(&item, &args, &mut errors) else {
            panic!("the impl is planned")
        };
        assert!(handlers.is_empty());
        let all = errors.into_compile_error().to_string();
        let (a, b) = (all.find("const fn"), all.find("impl Trait"));
        assert!(a.is_some() && b.is_some() && a < b, "both, in order: {all}");
        // `_` leaves the item to rustc: no error of ours, nothing planned, the item unchanged.
        let item: Item = syn::parse_quote!(
            fn f() -> Vec<_> {
                Vec::new()
            }
        );
        let args = self::args(quote!(for = A));
        let mut errors = Errors::default();
        assert!(check(&item, &args, &mut errors).is_none());
        assert!(errors.is_empty() && errors.unchanged());
    }

    #[test]
    fn only_nameable_types_are_measured() {
        for ok in [
            "Result<(), E>",
            "Self::Result",
            "&'static str",
            "Pin<Box<dyn Future<Output = u8> + 'a>>",
            "ResponseActFuture<Self, Result<u8, E>>",
        ] {
            assert!(unmeasurable(&ty(ok)).is_empty(), "{ok}");
        }
        for bad in ["&str", "Cow<'_, str>", "impl Future<Output = u8>", "!"] {
            assert_eq!(unmeasurable(&ty(bad)).len(), 1, "{bad}");
        }
        assert_eq!(unmeasurable(&ty("Result<&u8, impl Error>")).len(), 2);
        assert!(has_placeholder(&ty("Vec<_>")));
        assert!(!has_placeholder(&ty("Cow<'_, str>")));
        assert!(is_self_result(&ty("Self::Result")));
        assert!(!is_self_result(&ty("Self::Output")));
    }

    #[test]
    fn a_type_parameter_is_refused_where_the_outcome_is_read() {
        let params = vec!["T".to_string()];
        for bad in [
            "T",
            "Result<T, E>",
            "Option<Box<T>>",
            "Pin<Box<dyn Future<Output = Result<T, E>> + Send>>",
            "ResponseFuture<T>",
        ] {
            assert_eq!(type_parameter_reply(&ty(bad), &params).len(), 1, "{bad}");
        }
        for ok in ["Vec<T>", "Result<u8, T>", "HashMap<T, u8>", "U"] {
            assert!(type_parameter_reply(&ty(ok), &params).is_empty(), "{ok}");
        }
    }
}
