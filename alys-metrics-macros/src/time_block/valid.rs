//! The checks of a timed function: what its shape is (sync, `async`, `#[async_trait]`'s boxed
//! future), and the shapes that cannot be timed right (a `const fn`, a non-`async` fn returning
//! a future, a validation that returns nothing).

use syn::spanned::Spanned;
use syn::{Expr, ExprAsync, ItemFn, ReturnType, Stmt, Type};

use super::ast::{Args, TimerKind};
use crate::util::Errors;

/// How the function's work runs, which decides what is timed.
pub enum Shape<'a> {
    /// A plain function: its body.
    Sync,
    /// An `async fn`: its future.
    Async,
    /// The `Box::pin(async move { .. })` that `#[async_trait]` makes of an `async fn`: the
    /// inner future.
    BoxedAsync {
        call: &'a syn::ExprCall,
        block: &'a ExprAsync,
    },
}

/// A function that can be timed: its timer kind, its validator and its shape.
pub struct Timed<'a> {
    pub kind: TimerKind,
    pub validator: &'a Expr,
    pub shape: Shape<'a>,
}

/// Checks the arguments and the function together; `None` (with the errors) when the function
/// cannot be timed as written.
pub fn validate<'a>(func: &'a ItemFn, args: &'a Args, errors: &mut Errors) -> Option<Timed<'a>> {
    let shape = shape(func, args.kind.map(|(k, _)| k), errors);
    let (kind, kind_span) = args.kind?;
    let Some(validator) = &args.validator else {
        if errors.is_empty() {
            errors.error(
                kind_span,
                "missing `validator = <expr>`: block timings are labelled by validator, \
                 e.g. `#[time_block(production, validator = self.id)]`",
            );
        }
        return None;
    };
    Some(Timed {
        kind,
        validator: &validator.expr,
        shape: shape?,
    })
}

/// The shape of the function; `None` (with an error) when it cannot be timed right.
fn shape<'a>(func: &'a ItemFn, kind: Option<TimerKind>, errors: &mut Errors) -> Option<Shape<'a>> {
    let sig = &func.sig;
    if let Some(c) = &sig.constness {
        errors.error(
            c.span,
            "`#[time_block]` cannot time a `const fn`: there is no clock at compile time; remove `const` or the attribute",
        );
        return None;
    }
    if let Some((call, block)) = boxed_async(func) {
        if sig.asyncness.is_none() {
            return Some(Shape::BoxedAsync { call, block });
        }
    }
    if let (None, ReturnType::Type(_, ty)) = (&sig.asyncness, &sig.output) {
        if returns_future(ty) {
            errors.error(
                ty.span(),
                "this function returns a future without being `async`: `#[time_block]` would time only the creation \
                 of the future, not its work; write it as an `async fn`",
            );
            return None;
        }
    }
    if kind == Some(TimerKind::Validation) && matches!(sig.output, ReturnType::Default) {
        errors.error(
            sig.ident.span(),
            format!(
                "`#[time_block(validation)]` needs a return value that tells success from failure: `{}` returns nothing; \
                 return `Result<_, _>` or `bool`, or use `#[time_block(production, ..)]`",
                sig.ident
            ),
        );
        return None;
    }
    Some(if sig.asyncness.is_some() {
        Shape::Async
    } else {
        Shape::Sync
    })
}

/// `-> impl Future<..>` or `-> impl IntoFuture<..>`.
fn returns_future(ty: &Type) -> bool {
    match ty {
        Type::ImplTrait(t) => t.bounds.iter().any(|b| match b {
            syn::TypeParamBound::Trait(t) => t
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Future" || s.ident == "IntoFuture"),
            _ => false,
        }),
        Type::Paren(p) => returns_future(&p.elem),
        Type::Group(g) => returns_future(&g.elem),
        _ => false,
    }
}

/// The body `{ Box::pin(async move { .. }) }` of a function `#[async_trait]` rewrote.
fn boxed_async(func: &ItemFn) -> Option<(&syn::ExprCall, &ExprAsync)> {
    let [Stmt::Expr(Expr::Call(call), None)] = func.block.stmts.as_slice() else {
        return None;
    };
    let Expr::Path(path) = &*call.func else {
        return None;
    };
    let segs: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !segs.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
        return None;
    }
    match call.args.first() {
        Some(Expr::Async(block)) if block.capture.is_some() => Some((call, block)),
        _ => None,
    }
}
