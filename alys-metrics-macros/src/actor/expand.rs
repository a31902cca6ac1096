//! Rewriting one handler fn so that it measures each message, by the type of its reply.
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

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, FnArg, Ident, Path, ReturnType, Signature, Type};

use super::ast::Message;

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
    /// The actor's type, when a `static` can name it (to read its `ActorKind`).
    pub actor_ty: Option<Type>,
    /// The message's type, when a `static` can name it (to read its `MessageKind`).
    pub message_ty: Option<Type>,
    /// `actor = ..`.
    pub actor_word: Option<&'a Ident>,
    /// `message = ..`.
    pub message_word: Option<&'a Message>,
    /// `error = path`.
    pub error: Option<&'a Path>,
    /// Set in an actix `Handler` impl with `type Result`.
    pub relay: Option<&'a Relay>,
    /// The type parameters in scope (the impl's and the fn's), which a reply cannot be.
    pub type_params: Vec<String>,
}

fn local(name: &str) -> syn::Ident {
    syn::Ident::new(name, Span::mixed_site())
}

/// The `actor_type` of a site: `actor = ..`; else the actor's `ActorKind` when the type can be
/// named; else its name's words, else `unclassified`.
pub fn actor_type_expr(
    word: Option<&Ident>,
    ty: Option<&Type>,
    name: &(String, Span),
) -> TokenStream {
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

/// Replaces `sig`'s body `block` by its instrumented version; the errors (each at the user's
/// token) when the return type cannot be measured.
pub fn instrument(
    sig: &mut Signature,
    block: &mut Block,
    h: &Handler,
) -> Result<(), Vec<syn::Error>> {
    let slot = local("__alys_slot");
    let classify = local("__alys_classify");
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
    if has_placeholder(&declared) {
        return Err(Vec::new());
    }
    let mut errors = unmeasurable(&reply);
    if h.relay.is_none() && h.error.is_none() {
        errors.extend(type_parameter_reply(&reply, &h.type_params));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let p = quote!(::alys_metrics::__private);
    let prologue = prologue(h);
    let value_probe = match h.relay {
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
        (&&&#p::Tag::new(#value, #classify)).__alys_measure(&mut #slot)
    };
    let tail = match h.relay {
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

/// Rewrites the body of the lifecycle hook `name` so that it records its transition;
/// `actor_type` is an expression of the actor's `ActorType` (see [`actor_type_expr`]).
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
    if !has_elided_lifetime(out) {
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
