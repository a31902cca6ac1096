//! Rewriting one handler fn so that it measures each message.
//
// Input (a sync handler):
//     fn handle(&mut self, msg: Ping, ctx: &mut Context<Self>) -> usize { body }
// Output:
//     fn handle(&mut self, msg: Ping, ctx: &mut Context<Self>) -> usize {
//         const __ALYS_SITE: ActorSite = ActorSite::new(actor_type_of("ChainActor"), message_type_of("Ping"));
//         let __alys_guard = MessageGuard::start(__ALYS_SITE);
//         let __alys_out: usize = (move || -> usize { body })();   // `return` and `?` stay inside
//         __alys_guard.finish(/* `Err`? */);
//         __alys_out
//     }
//
// Input (the actix shape; also `async move {..}.into_actor(self)...` and async-trait's shape):
//     fn handle(&mut self, ..) -> Self::Result { stmts; Box::pin(async move { body }) }
// Output: the *future* is measured, from the call to its completion:
//     fn handle(&mut self, ..) -> Self::Result {
//         const __ALYS_SITE: ActorSite = ..;
//         let __alys_guard = MessageGuard::start(__ALYS_SITE);
//         stmts;
//         Box::pin(async move {
//             let mut __alys_guard = __alys_guard;
//             let __alys_fut = pin!(async move { body });
//             let __alys_out: O = Polled::new(__alys_fut, &mut __alys_guard).await;  // sees panics
//             __alys_guard.finish(/* `Err`? */);
//             __alys_out
//         })
//     }
//
// An `async fn` gets the same wrapper around its body (the clock starts at the first poll).
// A sync fn returning a boxed future (`ResponseFuture<O>`, `Pin<Box<dyn Future<Output = O>>>`,
// `BoxFuture<'_, O>`) built some other way has its future wrapped in a new box.
// An unfinished guard records `panicked` or `cancelled` when dropped, so a `return` that would
// leave the fn past the measuring code (an early `return Box::pin(..)` before the tail future,
// or any `return` of a body that cannot run in a closure) is rewritten to measure its value
// too: `return wrap(e)`, `wrap` being the same wrapper (see `EarlyReturns`).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, GenericArgument, Ident, PathArguments, ReturnType, Signature, Stmt, Type};

/// What one handler needs to know besides its own signature and body.
pub struct Handler<'a> {
    /// An expression of type `ActorType`.
    pub actor: TokenStream,
    /// An expression of type `MessageType`.
    pub message: TokenStream,
    /// `metrics = EXPR`.
    pub metrics: Option<&'a Expr>,
    /// The associated types of the enclosing trait impl, to see through `Self::Result`.
    pub assoc: &'a [(Ident, Type)],
}

fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// Replaces `block` by its instrumented version.
pub fn instrument(sig: &Signature, block: &mut Block, h: &Handler) {
    let site = local("__ALYS_SITE");
    let guard = local("__alys_guard");
    let (actor, message) = (&h.actor, &h.message);
    let start = match h.metrics {
        None => quote!(::alys_metrics::__private::MessageGuard::start(#site)),
        Some(e) => {
            // Postfix expressions (`self.metrics`, `metrics()`) bind tighter than `&`, and a
            // type error then covers the whole expression; others get parentheses.
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
            quote!(::alys_metrics::__private::MessageGuard::start_tracked(#site, #track))
        }
    };
    let prologue = quote! {
        const #site: ::alys_metrics::__private::ActorSite =
            ::alys_metrics::__private::ActorSite::new(#actor, #message);
    };
    let ret: Type = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };

    if sig.asyncness.is_some() {
        let body = measured_future(quote!(async move #block), let_safe(&ret).then_some(&ret));
        *block = syn::parse_quote!({
            #prologue
            let mut #guard = #start;
            #body
        });
        return;
    }

    let resolved = resolve(&ret, h.assoc);
    let output = future_output(resolved).filter(|o| let_safe(o));
    if let Some(o) = output {
        if tail_async(block).is_some() {
            // Returns before the tail future leave the fn with a future of their own.
            let n = block.stmts.len();
            for (i, stmt) in block.stmts.iter_mut().enumerate() {
                match stmt {
                    // The tail `return Box::pin(async ..);` itself is measured below.
                    Stmt::Expr(Expr::Return(_), _) if i + 1 == n => {}
                    _ => wrap_returns(stmt, &ret, Some(o)),
                }
            }
        }
    }
    if let Some((found, direct)) = tail_async(block) {
        let original = found.to_token_stream();
        let body = measured_future(original, if direct { output } else { None });
        *found = syn::parse_quote!(async move {
            let mut #guard = #guard;
            #body
        });
        let stmts = std::mem::take(&mut block.stmts);
        *block = syn::parse_quote!({
            #prologue
            let #guard = #start;
            #(#stmts)*
        });
        return;
    }

    if matches!(ret, Type::Never(_)) {
        // A diverging handler never finishes: its guard records a panic when it unwinds.
        let stmts = std::mem::take(&mut block.stmts);
        *block = syn::parse_quote!({
            #prologue
            let #guard = #start;
            #(#stmts)*
        });
        return;
    }
    let out = local("__alys_out");
    if !closure_safe(&ret) {
        // The body runs as a plain block: its `return`s would skip the measuring code.
        for stmt in &mut block.stmts {
            wrap_returns(stmt, &ret, output);
        }
    }
    let run = run_body(block, &ret);
    if let Some(output) = output {
        let inner = local("__alys_inner");
        let body = measured_future(quote!(#inner), Some(output));
        *block = syn::parse_quote!({
            #prologue
            let #guard = #start;
            #[allow(clippy::redundant_closure_call)]
            let #inner: #ret = #run;
            ::std::boxed::Box::pin(async move {
                let mut #guard = #guard;
                #body
            })
        });
        return;
    }
    let finish = finish();
    let ann = let_safe(&ret).then(|| quote!(: #ret));
    *block = syn::parse_quote!({
        #prologue
        let #guard = #start;
        #[allow(clippy::redundant_closure_call)]
        let #out #ann = #run;
        #finish
        #out
    });
}

/// The body run so that `return` and `?` stay inside it: a closure called at once when the
/// return type can be written on a closure, the block itself otherwise.
fn run_body(block: &Block, ret: &Type) -> TokenStream {
    if closure_safe(ret) {
        quote!((move || -> #ret #block)())
    } else {
        block.to_token_stream()
    }
}

/// Rewrites each `return e` of `stmt` that returns from the handler itself (not those of
/// closures, async blocks or nested items) so that the guard measures its value: the future
/// is wrapped when `output` (the boxed future's output) is known, else the outcome of `e` is
/// recorded before it is returned.
fn wrap_returns(stmt: &mut Stmt, ret: &Type, output: Option<&Type>) {
    EarlyReturns { ret, output }.visit_stmt_mut(stmt);
}

struct EarlyReturns<'a> {
    ret: &'a Type,
    output: Option<&'a Type>,
}

impl EarlyReturns<'_> {
    fn wrap(&self, value: Option<&Expr>) -> TokenStream {
        let (guard, out, ret) = (local("__alys_guard"), local("__alys_out"), self.ret);
        let value = value.map_or_else(|| quote!(()), ToTokens::to_token_stream);
        let ann = let_safe(ret).then(|| quote!(: #ret));
        match self.output {
            Some(o) => {
                let inner = local("__alys_inner");
                let body = measured_future(quote!(#inner), Some(o));
                quote!({
                    let #inner #ann = #value;
                    ::std::boxed::Box::pin(async move {
                        let mut #guard = #guard;
                        #body
                    })
                })
            }
            None => {
                let finish = finish();
                quote!({
                    let #out #ann = #value;
                    #finish
                    #out
                })
            }
        }
    }
}

impl VisitMut for EarlyReturns<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            // Their `return`s leave the closure or the async block, not the handler.
            Expr::Closure(_) | Expr::Async(_) => {}
            Expr::Return(r) => {
                let wrapped = self.wrap(r.expr.as_deref());
                r.expr = Some(Box::new(Expr::Verbatim(wrapped)));
            }
            _ => visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Statements that await `future` through the guard `__alys_guard` (which must be a mutable
/// local), record the outcome and yield the output.
fn measured_future(future: TokenStream, output: Option<&Type>) -> TokenStream {
    let (guard, fut, out) = (
        local("__alys_guard"),
        local("__alys_fut"),
        local("__alys_out"),
    );
    let ann = output.map(|o| quote!(: #o));
    let finish = finish();
    quote! {
        let #fut = ::core::pin::pin!(#future);
        let #out #ann = ::alys_metrics::__private::Polled::new(#fut, &mut #guard).await;
        #finish
        #out
    }
}

/// Records the outcome of `__alys_out` on `__alys_guard`: `error` when it is an `Err`.
fn finish() -> TokenStream {
    let (guard, out, err) = (
        local("__alys_guard"),
        local("__alys_out"),
        local("__alys_err"),
    );
    quote! {
        #[allow(unreachable_code)]
        let #err = {
            #[allow(unused_imports)]
            use ::alys_metrics::__private::{OutputKind as _, ResultKind as _};
            (&#out).__alys_kind().is_err(&#out)
        };
        #guard.finish(#err);
    }
}

/// `Self::X` -> the impl's `type X = ..;`, anything else unchanged.
fn resolve<'a>(ty: &'a Type, assoc: &'a [(Ident, Type)]) -> &'a Type {
    if let Type::Path(p) = ty {
        let segs = &p.path.segments;
        if p.qself.is_none() && segs.len() == 2 && segs[0].ident == "Self" {
            if let Some((_, t)) = assoc.iter().find(|(n, _)| *n == segs[1].ident) {
                return t;
            }
        }
    }
    ty
}

/// The type arguments of the last segment of a path type.
fn type_args(ty: &Type) -> Option<(&Ident, Vec<&Type>)> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let args = match &last.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((&last.ident, args))
}

/// The output type of a boxed future type: `ResponseFuture<O>`, `BoxFuture<'_, O>`,
/// `LocalBoxFuture<'_, O>`, `Pin<Box<dyn Future<Output = O> + ..>>`.
fn future_output(ty: &Type) -> Option<&Type> {
    let (ident, args) = type_args(ty)?;
    match ident.to_string().as_str() {
        "ResponseFuture" | "BoxFuture" | "LocalBoxFuture" => args.last().copied(),
        "Pin" => {
            let (boxed, inner) = type_args(args.first()?)?;
            if boxed != "Box" {
                return None;
            }
            let Type::TraitObject(obj) = inner.first()? else {
                return None;
            };
            obj.bounds.iter().find_map(|b| match b {
                syn::TypeParamBound::Trait(t) => {
                    let seg = t.path.segments.last()?;
                    if seg.ident != "Future" {
                        return None;
                    }
                    match &seg.arguments {
                        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|a| match a {
                            GenericArgument::AssocType(at) if at.ident == "Output" => Some(&at.ty),
                            _ => None,
                        }),
                        _ => None,
                    }
                }
                _ => None,
            })
        }
        _ => None,
    }
}

/// The async block a sync fn returns as its tail: `Box::pin(async ..)`, `async ..`, through
/// method chains (`.into_actor(self).map(..)`, `.boxed()`). `direct` when the async block is
/// the whole future (its output is the boxed future's output).
fn tail_async(block: &mut Block) -> Option<(&mut Expr, bool)> {
    let expr = match block.stmts.last_mut()? {
        Stmt::Expr(e, None) => e,
        Stmt::Expr(Expr::Return(r), Some(_)) => r.expr.as_deref_mut()?,
        _ => return None,
    };
    find_async(expr, true)
}

fn find_async(expr: &mut Expr, direct: bool) -> Option<(&mut Expr, bool)> {
    match expr {
        Expr::Async(_) => Some((expr, direct)),
        Expr::Paren(p) => find_async(&mut p.expr, direct),
        Expr::Group(g) => find_async(&mut g.expr, direct),
        Expr::Return(r) => find_async(r.expr.as_deref_mut()?, direct),
        Expr::MethodCall(m) => find_async(&mut m.receiver, false),
        Expr::Call(c) if c.args.len() == 1 && is_box_pin(&c.func) => {
            find_async(c.args.first_mut()?, direct)
        }
        _ => None,
    }
}

fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(p) = func else { return false };
    let segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    matches!(segs.as_slice(), [.., b, pin] if b == "Box" && pin == "pin")
}

/// A type that may annotate a `let`: anything without `impl Trait` or `!`.
fn let_safe(ty: &Type) -> bool {
    !matches!(ty, Type::Never(_))
        && !tokens_any(
            ty.to_token_stream(),
            &mut |t, _| matches!(t, TokenTree::Ident(i) if i == "impl"),
        )
}

/// A type that may be a closure's return type: no `impl Trait`, no `!`, no elided lifetime
/// (`&T`, `'_`), no `_`.
fn closure_safe(ty: &Type) -> bool {
    let_safe(ty)
        && !tokens_any(ty.to_token_stream(), &mut |t, next| match t {
            TokenTree::Ident(i) => i == "impl" || i == "_",
            TokenTree::Punct(p) if p.as_char() == '&' => {
                !matches!(next, Some(TokenTree::Punct(n)) if n.as_char() == '\'')
            }
            TokenTree::Punct(p) if p.as_char() == '\'' => {
                matches!(next, Some(TokenTree::Ident(n)) if n == "_")
            }
            _ => false,
        })
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
    fn boxed_future_outputs_are_found() {
        for (t, o) in [
            ("ResponseFuture<Result<(), E>>", "Result < () , E >"),
            ("actix::ResponseFuture<u8>", "u8"),
            ("BoxFuture<'a, u8>", "u8"),
            ("Pin<Box<dyn Future<Output = u8> + Send + 'a>>", "u8"),
            (
                "std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>",
                "()",
            ),
        ] {
            let t = ty(t);
            let found = future_output(&t).map(|o| o.to_token_stream().to_string());
            assert_eq!(found.as_deref(), Some(o));
        }
        assert!(future_output(&ty("Result<u8, E>")).is_none());
        assert!(future_output(&ty("ResponseActFuture<Self, u8>")).is_none());
        assert!(future_output(&ty("Pin<Box<u8>>")).is_none());
    }

    #[test]
    fn closures_get_only_types_they_can_name() {
        assert!(closure_safe(&ty("Result<(), E>")));
        assert!(closure_safe(&ty("Self::Result")));
        assert!(closure_safe(&ty("&'static str")));
        assert!(closure_safe(&ty("Pin<Box<dyn Future<Output = u8> + 'a>>")));
        assert!(!closure_safe(&ty("&str")));
        assert!(!closure_safe(&ty("Cow<'_, str>")));
        assert!(!closure_safe(&ty("impl Display")));
        assert!(!closure_safe(&ty("Vec<_>")));
        assert!(let_safe(&ty("&str")));
        assert!(!let_safe(&ty("Box<impl Display>")));
    }

    #[test]
    fn tail_futures_are_found_through_box_pin_and_method_chains() {
        let mut b: Block = syn::parse_quote!({
            let a = 1;
            Box::pin(async move { a })
        });
        assert!(matches!(tail_async(&mut b), Some((_, true))));
        let mut b: Block =
            syn::parse_quote!({ Box::pin(async move { 1 }.into_actor(self).map(|r, _, _| r)) });
        assert!(matches!(tail_async(&mut b), Some((_, false))));
        let mut b: Block = syn::parse_quote!({
            return std::boxed::Box::pin(async { 1 });
        });
        assert!(matches!(tail_async(&mut b), Some((_, true))));
        let mut b: Block = syn::parse_quote!({ Box::pin(fut) });
        assert!(tail_async(&mut b).is_none());
        let mut b: Block = syn::parse_quote!({ Ok(()) });
        assert!(tail_async(&mut b).is_none());
    }
}
