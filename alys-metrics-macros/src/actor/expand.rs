//! Rewriting one handler fn so that it measures each message, by the type of its reply.
//
// Input (an actix handler; any reply type, through `Self::Result` or any alias):
//     impl Handler<Ping> for ChainActor {
//         type Result = R;
//         fn handle(&mut self, msg: Ping, ctx: &mut Context<Self>) -> Self::Result { body }
//     }
// Output:
//     impl Handler<Ping> for ChainActor {
//         type Result = Instrumented<R, Ping>;
//         fn handle(&mut self, msg: Ping, ctx: &mut Context<Self>) -> Self::Result {
//             static __ALYS_SITE: HandlerSite = HandlerSite::new("ChainActor", "Ping", <actor type>, <message type>);
//             inventory::submit! { SiteRegistration(&__ALYS_SITE) }
//             // Both `None` inside a handler of `Ping`; the scope makes this the current handler.
//             let (mut __alys_slot, __alys_scope) = start_sync(&__ALYS_SITE, || Untracked);
//             let __alys_reply: R = (move || -> R { body })();         // `return` and `?` stay inside
//             close_sync(__alys_scope, &mut __alys_slot); // one clock reading ends the scope and notes the call's end
//             let __alys_reply = (&&&Tag::new(__alys_reply, ByOutcome)).__alys_measure(&mut __alys_slot);
//             Instrumented::new(__alys_reply, __alys_slot, ByOutcome)
//         }
//     }
// `__alys_measure` is resolved by R's type (see the runtime's `actor::measure`): futures and
// actor futures are wrapped so the guard finishes on the value the caller receives, plain
// values finish now, anything else is relayed by `Instrumented`.
//
// Elsewhere (an inherent `handle_*` method, a lone fn, a trait impl without `type Result`) the
// return type is kept, and a reply that cannot be measured by its type is a compile error.
//
// An `async fn` is measured as its future, from the first poll:
//     let __alys_slot = start(..);
//     let __alys_fut = pin!(async move { body });
//     let __alys_out: R = measure_async(__alys_slot, ByOutcome, __alys_fut).await;
//     __alys_out

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, FnArg, Path, ReturnType, Signature, Type};

/// The reply of an actix `Handler` impl: its declared `type Result` and the message type.
pub struct Relay {
    /// The type the user declared as `type Result`.
    pub reply: Type,
    /// The `M` of `Handler<M>`.
    pub message: Type,
}

/// What one handler needs to know besides its own signature and body.
pub struct Handler<'a> {
    /// The `actor` label and the token it comes from.
    pub actor_name: (String, Span),
    /// The `message` label and the token it comes from.
    pub message_name: (String, Span),
    /// A const expression of type `ActorType`.
    pub actor_type: TokenStream,
    /// A const expression of type `MessageType`.
    pub message_type: TokenStream,
    /// `metrics = EXPR`.
    pub metrics: Option<&'a Expr>,
    /// `error = path`.
    pub error: Option<&'a Path>,
    /// Set in an actix `Handler` impl with `type Result`.
    pub relay: Option<&'a Relay>,
}

fn local(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::mixed_site())
}

/// The site declaration.
fn prologue(h: &Handler) -> TokenStream {
    let site = local("__ALYS_SITE");
    let (actor, message) = (&h.actor_name.0, &h.message_name.0);
    let actor = syn::LitStr::new(actor, h.actor_name.1);
    let message = syn::LitStr::new(message, h.message_name.1);
    let (at, mt) = (&h.actor_type, &h.message_type);
    quote! {
        static #site: ::alys_metrics::__private::HandlerSite =
            ::alys_metrics::__private::HandlerSite::new(#actor, #message, #at, #mt);
        ::alys_metrics::__private::inventory::submit! {
            ::alys_metrics::__private::SiteRegistration(&#site)
        }
    }
}

/// The tracker of `metrics = EXPR`, as a closure called when the message is measured.
fn track(h: &Handler) -> TokenStream {
    match h.metrics {
        None => quote!(|| ::alys_metrics::actor::Untracked),
        Some(e) => {
            let e = match e {
                Expr::Path(_)
                | Expr::Field(_)
                | Expr::MethodCall(_)
                | Expr::Call(_)
                | Expr::Index(_)
                | Expr::Paren(_)
                | Expr::Macro(_) => e.to_token_stream(),
                _ => quote_spanned!(e.span()=> (#e)),
            };
            let track = quote_spanned!(e.span()=> ::alys_metrics::__private::track(&#e));
            quote!(|| #track)
        }
    }
}

/// The guard's start: `start` for an `async fn` (the current handler is set at each poll),
/// `start_sync` otherwise (also the scope that sets it while the body runs).
fn start(h: &Handler, sync: bool) -> TokenStream {
    let site = local("__ALYS_SITE");
    let slot = local("__alys_slot");
    let scope = local("__alys_scope");
    let track = track(h);
    if sync {
        quote! {
            #[allow(unused_mut)]
            let (mut #slot, #scope) = ::alys_metrics::__private::start_sync(&#site, #track);
        }
    } else {
        quote! {
            let #slot = ::alys_metrics::__private::start(&#site, #track);
        }
    }
}

/// The classifier of the reply: the handler's `error = path`, else the reply's `ReplyOutcome`.
fn classifier(h: &Handler, span: Span) -> TokenStream {
    match h.error {
        Some(p) => quote_spanned!(p.span()=> ::alys_metrics::__private::ByFn(#p)),
        None => quote_spanned!(span=> ::alys_metrics::__private::ByOutcome),
    }
}

/// Replaces `sig`'s body `block` by its instrumented version; an error when the return type
/// cannot be measured.
pub fn instrument(sig: &mut Signature, block: &mut Block, h: &Handler) -> syn::Result<()> {
    let slot = local("__alys_slot");
    let prologue = prologue(h);
    name_elided_lifetimes(sig);
    let declared: Type = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let ret_span = match &sig.output {
        ReturnType::Default => sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    // The type the body produces: in a relayed impl, the declared `type Result` (the fn's
    // `Self::Result` now names the instrumented reply).
    let reply: Type = match h.relay {
        Some(r) if is_self_result(&declared) => r.reply.clone(),
        _ => declared.clone(),
    };
    if let Some(why) = unmeasurable(&reply) {
        return Err(syn::Error::new(
            ret_span,
            format!("`#[instrument_actor]` cannot measure this handler: its return type {why}"),
        ));
    }
    let classify = classifier(h, ret_span);

    if sig.asyncness.is_some() {
        let fut = local("__alys_fut");
        let out = local("__alys_out");
        let measured = quote_spanned! {ret_span=>
            ::alys_metrics::__private::measure_async(#slot, #classify, #fut)
        };
        let start = start(h, false);
        *block = syn::parse_quote!({
            #prologue
            #start
            let #fut = ::core::pin::pin!(async move #block);
            let #out: #reply = #measured.await;
            #out
        });
        return Ok(());
    }

    let scope = local("__alys_scope");
    let value = local("__alys_reply");
    let traits = if h.relay.is_some() {
        quote!(MeasureKnown as _, MeasureValue as _, MeasureRelay as _)
    } else {
        quote!(MeasureKnown as _, MeasureValue as _, MeasureRefused as _)
    };
    let measure = quote_spanned! {ret_span=>
        (&&&::alys_metrics::__private::Tag::new(#value, #classify)).__alys_measure(&mut #slot)
    };
    let tail = match h.relay {
        Some(r) => {
            let (reply_ty, message) = (&r.reply, &r.message);
            sig.output = syn::parse_quote_spanned!(ret_span=> -> Self::Result);
            quote_spanned! {ret_span=>
                ::alys_metrics::__private::Instrumented::<#reply_ty, #message>::new(#value, #slot, #classify)
            }
        }
        None => quote!(#value),
    };
    let start = start(h, true);
    *block = syn::parse_quote!({
        #prologue
        #start
        #[allow(clippy::redundant_closure_call)]
        let #value: #reply = (move || -> #reply #block)();
        ::alys_metrics::__private::close_sync(#scope, &mut #slot);
        let #value = {
            #[allow(unused_imports)]
            use ::alys_metrics::__private::{#traits};
            #measure
        };
        #tail
    });
    Ok(())
}

/// The lifecycle trait an `impl` instruments: actix's `Actor` or `Supervised`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// `impl Actor for X`: `started`, `stopping`, `stopped`.
    Actor,
    /// `impl Supervised for X`: `restarting`.
    Supervised,
}

impl Lifecycle {
    /// The hooks of the trait.
    pub fn hooks(self) -> &'static [&'static str] {
        match self {
            Lifecycle::Actor => &["started", "stopping", "stopped"],
            Lifecycle::Supervised => &["restarting"],
        }
    }
}

// Input:
//     #[instrument_actor]
//     impl Actor for EngineActor {
//         type Context = Context<Self>;
//         fn started(&mut self, ctx: &mut Self::Context) { body }
//     }
// Output: every hook of the trait, the missing ones added with actix's default behaviour,
// each recording its transition:
//     fn started(&mut self, ctx: &mut Self::Context) {
//         static __ALYS_LIFE: LifecycleSite = LifecycleSite::new("EngineActor", <actor type>);
//         let __alys_hook = lifecycle::started(&__ALYS_LIFE);   // records `failed` if dropped unfinished
//         (move || { body })();
//         __alys_hook.finish();
//     }
//     fn stopping(&mut self, _: &mut <Self as Actor>::Context) -> Running { .. Running::Stop }
//     fn stopped(&mut self, _: &mut <Self as Actor>::Context) {}

/// The default of a hook the user did not write, as actix defines it.
pub fn default_hook(name: &str) -> syn::ImplItemFn {
    let ctx = quote!(<Self as ::alys_metrics::__private::actix::Actor>::Context);
    match name {
        "stopping" => syn::parse_quote! {
            fn stopping(&mut self, _: &mut #ctx) -> ::alys_metrics::__private::actix::Running {
                ::alys_metrics::__private::actix::Running::Stop
            }
        },
        other => {
            let ident = syn::Ident::new(other, Span::call_site());
            syn::parse_quote! { fn #ident(&mut self, _: &mut #ctx) {} }
        }
    }
}

/// Rewrites the body of the lifecycle hook `name` so that it records its transition.
pub fn lifecycle_hook(
    name: &str,
    block: &mut Block,
    actor_name: &(String, Span),
    actor_type: &TokenStream,
) {
    let site = local("__ALYS_LIFE");
    let hook = local("__alys_hook");
    let reply = local("__alys_running");
    let actor = syn::LitStr::new(&actor_name.0, actor_name.1);
    let p = quote!(::alys_metrics::__private);
    let (site_ty, declare) = match name {
        "restarting" => (
            quote!(#p::supervision::SupervisionSite),
            quote!(#p::supervision::SupervisionSite::new(#actor, #actor_type)),
        ),
        _ => (
            quote!(#p::lifecycle::LifecycleSite),
            quote!(#p::lifecycle::LifecycleSite::new(#actor, #actor_type)),
        ),
    };
    let prologue = quote! { static #site: #site_ty = #declare; };
    *block = match name {
        "started" => syn::parse_quote!({
            #prologue
            let #hook = #p::lifecycle::started(&#site);
            #[allow(clippy::redundant_closure_call)]
            (move || #block)();
            #hook.finish();
        }),
        "restarting" => syn::parse_quote!({
            #prologue
            let #hook = #p::supervision::restarting(&#site);
            #[allow(clippy::redundant_closure_call)]
            (move || #block)();
            #hook.finish();
        }),
        "stopping" => syn::parse_quote!({
            #prologue
            #[allow(clippy::redundant_closure_call)]
            let #reply: #p::actix::Running = (move || -> #p::actix::Running #block)();
            #p::lifecycle::stopping(
                &#site,
                ::core::matches!(#reply, #p::actix::Running::Stop),
            );
            #reply
        }),
        _ => syn::parse_quote!({
            #prologue
            #[allow(clippy::redundant_closure_call)]
            (move || #block)();
            #p::lifecycle::stopped(&#site);
        }),
    };
}

/// A method `fn f(&self, ..) -> Fut<'_>` (or `-> &T`) becomes
/// `fn f<'__alys_self>(&'__alys_self self, ..) -> Fut<'__alys_self>`: the same signature by the
/// elision rules, with a lifetime the measuring code can name.
fn name_elided_lifetimes(sig: &mut Signature) {
    let Some(FnArg::Receiver(recv)) = sig.inputs.first_mut() else {
        return;
    };
    let Some((_, None)) = &recv.reference else {
        return;
    };
    let ReturnType::Type(_, out) = &mut sig.output else {
        return;
    };
    if unmeasurable(out).is_none() {
        return;
    }
    let name = syn::Lifetime::new("'__alys_self", Span::mixed_site());
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
    **out = renamed;
    if let Some((_, lt)) = &mut recv.reference {
        *lt = Some(name.clone());
    }
    if let Type::Reference(r) = &mut *recv.ty {
        r.lifetime = Some(name.clone());
    }
    sig.generics.params.insert(
        0,
        syn::GenericParam::Lifetime(syn::LifetimeParam::new(name)),
    );
}

/// `Self::Result`.
fn is_self_result(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let segs = &p.path.segments;
    p.qself.is_none() && segs.len() == 2 && segs[0].ident == "Self" && segs[1].ident == "Result"
}

/// Why a return type cannot be measured (it cannot be named where the reply is measured).
fn unmeasurable(ty: &Type) -> Option<&'static str> {
    if matches!(ty, Type::Never(_)) {
        return Some("is `!`: a handler that never returns has no reply to measure");
    }
    let mut why = None;
    tokens_any(ty.to_token_stream(), &mut |t, next| {
        why = match t {
            TokenTree::Ident(i) if i == "impl" => Some(
                "is `impl Trait`, whose value cannot be measured by its type: return a boxed future (`ResponseFuture<T>`, `Pin<Box<dyn Future<Output = T>>>`) or make the fn `async`",
            ),
            TokenTree::Ident(i) if i == "_" => Some("has `_`: write the type out"),
            TokenTree::Punct(p)
                if p.as_char() == '&'
                    && !matches!(next, Some(TokenTree::Punct(n)) if n.as_char() == '\'') =>
            {
                Some("borrows with an elided lifetime: name it (`&'a T`)")
            }
            TokenTree::Punct(p)
                if p.as_char() == '\''
                    && matches!(next, Some(TokenTree::Ident(n)) if n == "_") =>
            {
                Some("has the elided lifetime `'_`: name it (`'a`)")
            }
            _ => None,
        };
        why.is_some()
    });
    why
}

/// True when `f(token, next token)` holds for some token, looking into groups.
fn tokens_any(ts: TokenStream, f: &mut dyn FnMut(&TokenTree, Option<&TokenTree>) -> bool) -> bool {
    let tokens: Vec<TokenTree> = ts.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        if f(t, tokens.get(i + 1)) {
            return true;
        }
        if let TokenTree::Group(g) = t {
            if tokens_any(g.stream(), f) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(s: &str) -> Type {
        syn::parse_str(s).expect("type")
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
            assert!(unmeasurable(&ty(ok)).is_none(), "{ok}");
        }
        for bad in [
            "&str",
            "Cow<'_, str>",
            "impl Future<Output = u8>",
            "Vec<_>",
            "!",
        ] {
            assert!(unmeasurable(&ty(bad)).is_some(), "{bad}");
        }
        assert!(is_self_result(&ty("Self::Result")));
        assert!(!is_self_result(&ty("Self::Output")));
    }
}
