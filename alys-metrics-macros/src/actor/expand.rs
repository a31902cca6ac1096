//! Rewriting the item as `valid` planned it: each handler fn so that it measures each message,
//! by the type of its reply; each lifecycle hook so that it records its transition. Only
//! writes: every check is `valid`'s.
//
// Input (an actix handler; any reply type, through `Self::Result` or any alias):
//     impl Handler<ImportBlock> for ChainActor {
//         type Result = R;
//         fn handle(&mut self, msg: ImportBlock, ctx: &mut Context<Self>) -> Self::Result { body }
//     }
// Output:
//     impl Handler<ImportBlock> for ChainActor {
//         type Result = Instrumented<R, ImportBlock>;
//         fn handle(&mut self, msg: ImportBlock, ctx: &mut Context<Self>) -> Self::Result {
//             // The categories, resolved once: `ChainActor`'s `ActorKind` if it has one, else
//             // its name's words, else `unclassified`; likewise `ImportBlock`'s `MessageKind`.
//             static __ALYS_SITE: HandlerSite = HandlerSite::deferred("ChainActor", "ImportBlock", || (
//                 (&&Probe::<ChainActor>::new()).__alys_actor_type("ChainActor"),
//                 (&&Probe::<ImportBlock>::new()).__alys_message_type("ImportBlock"),
//             ));
//             inventory::submit! { SiteRegistration(&__ALYS_SITE) }
//             // The value the caller receives, `<ImportBlock as Message>::Result`, classified by
//             // its type four levels deep (`Result<Result<T, E1>, E2>`: `ResultOf<ResultOf<NeverError>>`).
//             let __alys_classify = { let p0 = Probe::<<ImportBlock as Message>::Result>::new(); .. For::of(&p0, ..) };
//             // Both `None` inside a handler of `ImportBlock`; the scope makes this the current handler.
//             let (mut __alys_slot, __alys_scope) = start_sync(&__ALYS_SITE);
//             let __alys_reply: R = (move || -> R { body })();         // `return` and `?` stay inside
//             close_sync(__alys_scope, &mut __alys_slot); // one clock reading ends the scope and notes the call's end
//             let __alys_reply = (&&&Tag::new(__alys_reply, __alys_classify)).__alys_measure(&mut __alys_slot);
//             Instrumented::new(__alys_reply, __alys_slot, __alys_classify)
//         }
//     }
// `__alys_measure` is resolved by R's type (see the runtime's `actor::measure`): futures and
// actor futures are wrapped so the guard finishes on the value the caller receives, the value
// itself finishes now, anything else is relayed by `Instrumented`.
//
// Elsewhere (an inherent `handle_*` method, a lone fn, a trait impl without `type Result`) the
// return type is kept, the value is the return type (or a boxed future's output), and a reply
// that completes later without being boxed is a compile error.
//
// An `async fn` is measured as its future, from the first poll:
//     let __alys_fut = pin!(async move { body });
//     let __alys_out: R = measure_async(&__ALYS_SITE, __alys_classify, __alys_fut).await;
//     __alys_out

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Block, FnArg, Ident, ImplItem, Item, ItemImpl, ReturnType, Signature, Type};

use super::ast::Message;
use super::plan::{self_lifetime, Handler, Hooks, Plan, Relay};

/// Rewrites the item as the plan says; the items to write after it follow it.
pub fn apply(item: Item, plan: &Plan) -> TokenStream {
    match (item, plan) {
        (Item::Fn(mut f), Plan::Fn(h)) => {
            instrument(&mut f.sig, &mut f.block, h);
            f.into_token_stream()
        }
        (Item::Impl(mut imp), Plan::Impl { handlers, relay }) => {
            for (index, h) in handlers {
                if let Some(ImplItem::Fn(f)) = imp.items.get_mut(*index) {
                    instrument(&mut f.sig, &mut f.block, h);
                }
            }
            if let Some(r) = relay {
                relay_result(&mut imp, r);
            }
            imp.into_token_stream()
        }
        (Item::Impl(mut imp), Plan::Lifecycle(hooks)) => {
            let after = lifecycle_impl(&mut imp, hooks);
            let mut out = imp.into_token_stream();
            out.extend(after);
            out
        }
        // `valid` plans a fn for a fn and an impl for an impl.
        (item, _) => item.into_token_stream(),
    }
}

/// `type Result = R` becomes `type Result = Instrumented<R, M>`.
fn relay_result(imp: &mut ItemImpl, r: &Relay) {
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

/// `impl Actor for X` / `impl Supervised for X`: every hook of the trait records its
/// transition, the missing ones added with actix's default behaviour. Returns the items to
/// write after the impl: `impl ActorKind for X` with `actor = ..` on `impl Actor`.
fn lifecycle_impl(imp: &mut ItemImpl, hooks: &Hooks) -> TokenStream {
    let actor_type = actor_type_expr(hooks.actor_word, hooks.actor_ty.as_ref(), &hooks.actor_name);
    for hook in &hooks.missing {
        imp.items.push(ImplItem::Fn(default_hook(hook)));
    }
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        let name = f.sig.ident.to_string();
        if hooks.which.hooks().contains(&name.as_str()) {
            lifecycle_hook(&name, &mut f.block, &hooks.actor_name, &actor_type);
        }
    }
    // `actor = ..` on `impl Actor for X` says X's type once, for all its handlers.
    let Some(word) = hooks.actor_kind else {
        return TokenStream::new();
    };
    let self_ty = &imp.self_ty;
    let (impl_generics, _, where_clause) = imp.generics.split_for_impl();
    let value = quote_spanned!(word.span()=> ::alys_metrics::__private::actor_types::#word);
    quote! {
        impl #impl_generics ::alys_metrics::actor::ActorKind for #self_ty #where_clause {
            const ACTOR_TYPE: ::alys_metrics::__private::ActorType = #value;
        }
    }
}

fn local(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::mixed_site())
}

/// The `actor_type` of a site: `actor = ..`; else the actor's `ActorKind` when the type can be
/// named; else its name's words, else `unclassified`.
fn actor_type_expr(word: Option<&Ident>, ty: Option<&Type>, name: &(String, Span)) -> TokenStream {
    if let Some(w) = word {
        return quote_spanned!(w.span()=> ::alys_metrics::__private::actor_types::#w);
    }
    let s = syn::LitStr::new(&name.0, name.1);
    match ty {
        Some(ty) => quote! {
            (&&::alys_metrics::__private::Probe::<#ty>::new()).__alys_actor_type(#s)
        },
        None => quote!(::alys_metrics::__private::ActorType::from_name(#s)),
    }
}

/// The `message_type` of a site, as [`actor_type_expr`] (`message = custom(7)` is a call).
fn message_type_expr(h: &Handler) -> TokenStream {
    if let Some(Message { word, args }) = h.message_word {
        let call = args.as_ref().map(|a| quote_spanned!(word.span()=> (#a)));
        return quote_spanned!(word.span()=> ::alys_metrics::__private::message_types::#word #call);
    }
    let s = syn::LitStr::new(&h.message_name.0, h.message_name.1);
    match &h.message_ty {
        Some(ty) => quote! {
            (&&::alys_metrics::__private::Probe::<#ty>::new()).__alys_message_type(#s)
        },
        None => quote!(::alys_metrics::__private::MessageType::from_name(#s)),
    }
}

/// The site declaration.
fn prologue(h: &Handler) -> TokenStream {
    let site = local("__ALYS_SITE");
    let actor = syn::LitStr::new(&h.actor_name.0, h.actor_name.1);
    let message = syn::LitStr::new(&h.message_name.0, h.message_name.1);
    let at = actor_type_expr(h.actor_word, h.actor_ty.as_ref(), &h.actor_name);
    let mt = message_type_expr(h);
    quote! {
        static #site: ::alys_metrics::__private::HandlerSite =
            ::alys_metrics::__private::HandlerSite::deferred(#actor, #message, || {
                #[allow(unused_imports)]
                use ::alys_metrics::__private::{
                    ActorDeclared as _, ActorNamed as _, MessageDeclared as _, MessageNamed as _,
                };
                (#at, #mt)
            });
        ::alys_metrics::__private::inventory::submit! {
            ::alys_metrics::__private::SiteRegistration(&#site)
        }
    }
}

/// How many levels of `Result`, `Option` and pointers the classifier looks into.
const DEPTH: usize = 4;

/// The classifier of the value the caller receives, whose probe `p0` is: the handler's
/// `error = path`, else the composition of its type's rules, `DEPTH` levels deep.
fn classifier(h: &Handler, value_probe: TokenStream, span: Span) -> TokenStream {
    let p = quote!(::alys_metrics::__private);
    let p0 = local("__alys_p0");
    if let Some(path) = h.error {
        let by_fn = quote_spanned!(path.span()=> #p::For::by_fn(&#p0, #path));
        return quote! {{
            #[allow(unused_imports)]
            use #p::{ValueLater as _, ValueNow as _, ValueUnmeasurable as _};
            let #p0 = #value_probe;
            #by_fn
        }};
    }
    let mut steps = TokenStream::new();
    let mut probe = p0.clone();
    let mut wraps = Vec::new();
    for i in 0..DEPTH {
        let s = local(&format!("__alys_s{i}"));
        let next = local(&format!("__alys_p{}", i + 1));
        steps.extend(quote! { let #s = (&&&#probe).__alys_step(); });
        if i + 1 < DEPTH {
            steps.extend(quote! { let #next = #s.inner(); });
        }
        wraps.push(s);
        probe = next;
    }
    let mut composed = quote!(#p::NeverError);
    for s in wraps.iter().rev() {
        composed = quote!(#s.wrap(#composed));
    }
    let of = quote_spanned!(span=> #p::For::of(&#p0, #composed));
    quote! {{
        #[allow(unused_imports)]
        use #p::{
            StepInto as _, StepPlain as _, StepRefined as _, ValueLater as _, ValueNow as _,
            ValueUnmeasurable as _,
        };
        let #p0 = #value_probe;
        #steps
        #of
    }}
}

/// Replaces `sig`'s body `block` by its instrumented version (the checks are `valid`'s).
fn instrument(sig: &mut Signature, block: &mut Block, h: &Handler) {
    let slot = local("__alys_slot");
    let classify = local("__alys_classify");
    name_elided_lifetimes(sig, h.named_output.as_ref());
    let ret_span = match &sig.output {
        ReturnType::Default => sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let reply = &h.reply;
    let p = quote!(::alys_metrics::__private);
    let prologue = prologue(h);
    let value_probe = match &h.relay {
        Some(r) => {
            let m = &r.message;
            quote!(#p::Probe::<<#m as #p::actix::Message>::Result>::new())
        }
        None if sig.asyncness.is_some() => quote!(#p::Probe::<#reply>::new()),
        None => quote!((&&&#p::Probe::<#reply>::new()).__alys_value()),
    };
    let classifier = classifier(h, value_probe, ret_span);
    let site = local("__ALYS_SITE");

    if sig.asyncness.is_some() {
        let fut = local("__alys_fut");
        let out = local("__alys_out");
        let measured = quote_spanned! {ret_span=>
            #p::measure_async(&#site, #classify, #fut)
        };
        *block = syn::parse_quote!({
            #prologue
            let #classify = #classifier;
            let #fut = ::core::pin::pin!(async move #block);
            let #out: #reply = #measured.await;
            #out
        });
        return;
    }

    let scope = local("__alys_scope");
    let value = local("__alys_reply");
    let traits = if h.relay.is_some() {
        quote!(MeasureKnown as _, MeasureValue as _, MeasureRelay as _)
    } else {
        quote!(MeasureKnown as _, MeasureValue as _, MeasureRefused as _)
    };
    let measure = quote_spanned! {ret_span=>
        (&&&#p::Tag::new(#value, #classify)).__alys_measure(&mut #slot)
    };
    let tail = match &h.relay {
        Some(r) => {
            let (reply_ty, message) = (&r.reply, &r.message);
            sig.output = syn::parse_quote_spanned!(ret_span=> -> Self::Result);
            quote_spanned! {ret_span=>
                #p::Instrumented::<#reply_ty, #message>::new(#value, #slot, #classify)
            }
        }
        None => quote!(#value),
    };
    *block = syn::parse_quote!({
        #prologue
        let #classify = #classifier;
        #[allow(unused_mut)]
        let (mut #slot, #scope) = #p::start_sync(&#site);
        #[allow(clippy::redundant_closure_call)]
        let #value: #reply = (move || -> #reply #block)();
        #p::close_sync(#scope, &mut #slot);
        let #value = {
            #[allow(unused_imports)]
            use #p::{#traits};
            #measure
        };
        #tail
    });
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
//         static __ALYS_LIFE: LifecycleSite = LifecycleSite::deferred("EngineActor", || <actor type>);
//         let __alys_hook = lifecycle::started(&__ALYS_LIFE);   // records `failed` if dropped unfinished
//         (move || { body })();
//         __alys_hook.finish();
//     }
//     fn stopping(&mut self, _: &mut <Self as Actor>::Context) -> Running { .. Running::Stop }
//     fn stopped(&mut self, _: &mut <Self as Actor>::Context) {}
// With `actor = network`, also `impl ActorKind for EngineActor { const ACTOR_TYPE = network; }`,
// which every handler of the actor reads.

/// The default of a hook the user did not write, as actix defines it.
fn default_hook(name: &str) -> syn::ImplItemFn {
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

/// Rewrites the body of the lifecycle hook `name` so that it records its transition;
/// `actor_type` is an expression of the actor's `ActorType` (see [`actor_type_expr`]).
fn lifecycle_hook(
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
    let resolve = quote! {|| {
        #[allow(unused_imports)]
        use #p::{ActorDeclared as _, ActorNamed as _};
        #actor_type
    }};
    let (site_ty, declare) = match name {
        "restarting" => (
            quote!(#p::supervision::SupervisionSite),
            quote!(#p::supervision::SupervisionSite::deferred(#actor, #resolve)),
        ),
        _ => (
            quote!(#p::lifecycle::LifecycleSite),
            quote!(#p::lifecycle::LifecycleSite::deferred(#actor, #resolve)),
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
/// elision rules, with a lifetime the measuring code can name; `named` is the return type so
/// renamed (see [`Handler::named_output`]).
fn name_elided_lifetimes(sig: &mut Signature, named: Option<&Type>) {
    let Some(named) = named else {
        return;
    };
    let Some(FnArg::Receiver(recv)) = sig.inputs.first_mut() else {
        return;
    };
    let ReturnType::Type(_, out) = &mut sig.output else {
        return;
    };
    **out = named.clone();
    let name = self_lifetime();
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
