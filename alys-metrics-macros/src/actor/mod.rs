//! `#[instrument_actor]`: parse (`ast`) -> choose and check the handlers, giving the plan of what
//! to rewrite (`valid::check`, a `plan::Plan`) -> rewrite each as planned (`expand::apply`); on
//! any mistake, the errors and the item unchanged (`fallback`).
//
// Input:
//     #[instrument_actor]
//     impl Handler<ProcessPegIn> for BridgeActor {
//         type Result = ResponseFuture<Result<(), BridgeError>>;
//         fn handle(&mut self, msg: ProcessPegIn, _ctx: &mut Context<Self>) -> Self::Result { .. }
//     }
// Output: `type Result = Instrumented<ResponseFuture<..>, ProcessPegIn>` and `handle` rewritten
// by `expand::instrument` with the site
//     actor = "BridgeActor", message = "ProcessPegIn",
//     actor_type   = `BridgeActor`'s `ActorKind`, else the words of its name (`bridge`), else
//                    `unclassified`: resolved once, at run time, never a compile error,
//     message_type = `ProcessPegIn`'s `MessageKind`, else its words (`bridge`), else
//                    `unclassified`,
// and the outcome of `<ProcessPegIn as Message>::Result` read by its type (an `Err` at any
// depth is an error).

mod ast;
mod expand;
mod fallback;
mod plan;
mod valid;

use proc_macro2::TokenStream;
use syn::Item;

use crate::util::Errors;
use ast::Args;
use fallback::fallback;

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
    match valid::check(&parsed, &args, &mut errors) {
        Some(plan) if !errors.unchanged() => expand::apply(parsed, &plan),
        _ => fallback(errors, item),
    }
}
