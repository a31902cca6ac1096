//! `#[instrument_actor]`: parse -> choose the handlers -> rewrite each.
//
// Input:
//     #[instrument_actor]
//     impl Handler<ProcessPegIn> for BridgeActor {
//         type Result = ResponseFuture<Result<(), BridgeError>>;
//         fn handle(&mut self, msg: ProcessPegIn, _ctx: &mut Context<Self>) -> Self::Result { .. }
//     }
// Output: the same impl, `handle` rewritten by `rewrite::instrument` with
//     actor   = actor_type_of("BridgeActor")      (a `const` evaluation: `bridge`)
//     message = message_type_of("ProcessPegIn")   (a `const` evaluation: `bridge`)
//
// Which fns are handlers:
// - `impl Trait<M> for Actor`: the method `handle`; the message type's name is `M`'s.
// - `impl Actor`: the methods named `handle` or `handle_*`; the message type's name is the
//   type of the first argument after `self`, else the method's name.
// - a lone fn: that fn; `actor = TYPE` is required (the attribute cannot see the impl).
//
// Any mistake: the errors plus the user's item unchanged, so nothing else breaks.

mod args;
mod rewrite;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ImplItem, Item, ItemImpl, Signature, Type};

use crate::util::Errors;
use args::{Args, Message, ACTOR_TYPES};
use rewrite::Handler;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = match syn::parse2::<Args>(args) {
        Ok(mut a) => {
            for e in a.errors.drain(..) {
                errors.push(e);
            }
            Some(a)
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let parsed = match syn::parse2::<Item>(item.clone()) {
        Ok(i) => i,
        Err(e) => {
            errors.push(e);
            return fallback(errors, item);
        }
    };
    let Some(args) = args else {
        return fallback(errors, item);
    };
    let out = match parsed {
        Item::Impl(mut imp) => {
            expand_impl(&mut imp, &args, &mut errors);
            imp.into_token_stream()
        }
        Item::Fn(mut f) => {
            if check_fn(&f.sig, &mut errors) {
                match &args.actor {
                    Some(_) => {
                        let h = handler(&args, None, &message_name(&f.sig, None), &[]);
                        rewrite::instrument(&f.sig, &mut f.block, &h);
                    }
                    None => errors.error(
                        f.sig.ident.span(),
                        format!(
                            "cannot infer the actor type of a lone fn: the attribute sees this fn, not the `impl` it is in. \
                             Add `actor = TYPE` (one of {}), or put `#[instrument_actor]` on the `impl` block",
                            actor_list()
                        ),
                    ),
                }
            }
            f.into_token_stream()
        }
        other => {
            errors.push(cannot_apply(&other));
            return fallback(errors, item);
        }
    };
    if errors.is_empty() {
        out
    } else {
        fallback(errors, item)
    }
}

fn fallback(errors: Errors, item: TokenStream) -> TokenStream {
    let errs = errors.into_compile_error();
    quote!(#errs #item)
}

fn actor_list() -> String {
    ACTOR_TYPES
        .iter()
        .map(|(v, _)| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The items the attribute cannot instrument, with where it belongs instead.
fn cannot_apply(item: &Item) -> syn::Error {
    let (span, what) = match item {
        Item::Struct(s) => (s.struct_token.span, "a struct"),
        Item::Enum(e) => (e.enum_token.span, "an enum"),
        Item::Trait(t) => (t.trait_token.span, "a trait definition"),
        Item::Static(s) => (s.static_token.span, "a `static`"),
        Item::Const(c) => (c.const_token.span, "a `const`"),
        Item::Mod(m) => (m.mod_token.span, "a module"),
        Item::Type(t) => (t.type_token.span, "a type alias"),
        Item::Union(u) => (u.union_token.span, "a union"),
        Item::Use(u) => (u.use_token.span, "a `use` declaration"),
        other => (
            other
                .to_token_stream()
                .into_iter()
                .next()
                .map_or_else(Span::call_site, |t| t.span()),
            "this item",
        ),
    };
    syn::Error::new(
        span,
        format!(
            "`#[instrument_actor]` cannot be applied to {what}: it instruments actor message handlers. \
             Put it on `impl Handler<M> for Actor`, on an inherent `impl Actor` (its `handle` and `handle_*` methods) \
             or on a handler fn"
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

/// The actor type, message type and tracking of one handler.
fn handler<'a>(
    args: &'a Args,
    self_name: Option<&Ident>,
    message_name: &str,
    assoc: &'a [(Ident, Type)],
) -> Handler<'a> {
    let actor = match (&args.actor, self_name) {
        (Some(v), _) => quote_spanned!(v.span()=> ::alys_metrics::__private::ActorType::#v),
        (None, Some(name)) => {
            let s = name.to_string();
            quote!(::alys_metrics::__private::actor_type_of(#s))
        }
        // Callers report the missing actor type before asking.
        (None, None) => quote!(::alys_metrics::__private::ActorType::System),
    };
    let message = match &args.message {
        Some(Message::Variant(v)) => {
            quote_spanned!(v.span()=> ::alys_metrics::__private::MessageType::#v)
        }
        Some(Message::Custom(word, code)) => {
            quote_spanned!(word.span()=> ::alys_metrics::__private::MessageType::Custom(#code))
        }
        None => quote!(::alys_metrics::__private::message_type_of(#message_name)),
    };
    Handler {
        actor,
        message,
        metrics: args.metrics.as_ref(),
        assoc,
    }
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

/// The name the message type is classified by: `trait_message` (the `M` of `Handler<M>`),
/// else the type of the first argument after `self`, else the fn's name.
fn message_name(sig: &Signature, trait_message: Option<&Ident>) -> String {
    trait_message
        .or_else(|| {
            sig.inputs.iter().find_map(|a| match a {
                FnArg::Typed(t) => Some(type_name(&t.ty)),
                FnArg::Receiver(_) => None,
            })?
        })
        .map_or_else(|| sig.ident.to_string(), Ident::to_string)
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

fn expand_impl(imp: &mut ItemImpl, args: &Args, errors: &mut Errors) {
    let self_name = type_name(&imp.self_ty).cloned();
    if args.actor.is_none() && self_name.is_none() {
        errors.error(
            imp.self_ty.span(),
            format!(
                "cannot infer the actor type from `{}`: add `actor = TYPE` (one of {})",
                imp.self_ty.to_token_stream(),
                actor_list()
            ),
        );
        return;
    }
    let assoc: Vec<(Ident, Type)> = imp
        .items
        .iter()
        .filter_map(|i| match i {
            ImplItem::Type(t) => Some((t.ident.clone(), t.ty.clone())),
            _ => None,
        })
        .collect();
    let trait_message: Option<Option<Ident>> = imp.trait_.as_ref().map(|(_, path, _)| {
        path.segments.last().and_then(|s| match &s.arguments {
            syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => type_name(t).cloned(),
                _ => None,
            }),
            _ => None,
        })
    });
    let is_trait = trait_message.is_some();
    let mut found = 0;
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        let name = f.sig.ident.to_string();
        let selected = if is_trait {
            name == "handle"
        } else {
            name == "handle" || name.starts_with("handle_")
        };
        if !selected {
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
        let msg = message_name(&f.sig, trait_message.as_ref().and_then(Option::as_ref));
        let h = handler(args, self_name.as_ref(), &msg, &assoc);
        rewrite::instrument(&f.sig, &mut f.block, &h);
    }
    if found == 0 {
        match &imp.trait_ {
            Some((_, path, _)) => errors.error(
                path.span(),
                format!(
                    "`#[instrument_actor]` instruments the `handle` method of a handler impl (`impl Handler<M> for Actor`); \
                     this impl of `{}` has no `handle` method",
                    path.to_token_stream()
                ),
            ),
            None => errors.error(
                imp.self_ty.span(),
                "this `impl` has no handler method: on an inherent `impl`, `#[instrument_actor]` instruments the methods \
                 named `handle` or `handle_*`; rename the handlers, or put the attribute on each handler fn with `actor = TYPE`",
            ),
        }
    }
}
