//! `#[time_block]`: parse -> validate -> expand.
//
// Input:
//     #[time_block(validation, validator = self.id)]
//     fn validate(&self, block: &Block) -> Result<(), Invalid> { BODY }
// Output:
//     fn validate(&self, block: &Block) -> Result<(), Invalid> {
//         let __alys_guard = ::alys_metrics::__private::time_block::Guard::enter(
//             ::alys_metrics::__private::time_block::BlockTimerTarget::validation(&(self.id)), // spanned on `self.id`
//         );
//         let __alys_out = ::alys_metrics::__private::time_block::call_once(move || { BODY });
//         #[allow(unused_braces)]
//         let __alys_out = __alys_guard.finish_validation({ __alys_out });          // spanned on the return type
//         __alys_out
//     }
//
// Input:
//     #[time_block(production, validator = self.id)]
//     async fn produce(&self) -> Block { BODY }
// Output:
//     async fn produce(&self) -> Block {
//         let __alys_target = ::alys_metrics::__private::time_block::BlockTimerTarget::production(&(self.id));
//         let __alys_fut = ::core::pin::pin!(async move { BODY });
//         #[allow(unused_braces)]
//         let __alys_fut = ::alys_metrics::__private::time_block::Timed::production(__alys_target, { __alys_fut });
//         __alys_fut.await
//     }
//
// A sync production ends in `__alys_guard.finish(call_once(move || { BODY }))`.
//
// Input (what `#[async_trait]` makes of an `async fn`):
//     fn produce<'a>(&'a self) -> Pin<Box<dyn Future<Output = Block> + Send + 'a>> {
//         Box::pin(async move { BODY })
//     }
// Output: the validator is resolved in the outer function, the inner future is timed:
//     fn produce<'a>(&'a self) -> Pin<Box<dyn Future<Output = Block> + Send + 'a>> {
//         let __alys_target = ..BlockTimerTarget::production(&(self.id));
//         Box::pin(async move {
//             let __alys_fut = ::core::pin::pin!(async move { BODY });
//             ..Timed::production(__alys_target, { __alys_fut }).await
//         })
//     }
//
// The locals are `Span::mixed_site()`: the body cannot see them, nor they the body's.

mod ast;
mod expand;
mod fallback;
mod valid;

use proc_macro2::TokenStream;
use syn::ItemFn;

use ast::Args;
use fallback::fallback;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(e) => return fallback::not_a_function(item, e),
    };
    // `Args` collects its mistakes in `errors`; an `Err` is syn's own, passed through.
    let mut args = match syn::parse2::<Args>(args) {
        Ok(a) => a,
        Err(e) => return fallback(&func, e.into()),
    };
    let mut errors = std::mem::take(&mut args.errors);
    match valid::validate(&func, &args, &mut errors) {
        Some(timed) if errors.is_empty() => expand::emit(&func, &timed),
        _ => fallback(&func, errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn an_item_syn_cannot_parse_gets_syns_own_error() {
        let out = expand(
            quote!(production, validator = 1),
            quote!(fn f() { let = 1; }),
        )
        .to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(
            !out.contains("times a function"),
            "syn's error, not ours: {out}"
        );
    }

    #[test]
    fn another_item_is_named_by_the_shared_description() {
        let out = expand(
            quote!(production, validator = 1),
            quote!(
                static X: u8 = 1;
            ),
        )
        .to_string();
        assert!(out.contains("cannot be applied to a `static`"), "{out}");
    }
}
