//! `#[instrument_actor]`: parse (`ast`) -> choose and check the handlers (`valid`) -> rewrite
//! each (`expand`); on any mistake, the errors and the item unchanged (`fallback`).
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
//     actor_type   = the runtime's `actor_type_by_words("BridgeActor")`, evaluated at compile
//                    time (a compile error naming the line to write when no word says it),
//     message_type = the runtime's `message_type_by_words("ProcessPegIn")`, likewise.

mod ast;
mod expand;
mod fallback;
mod valid;

use proc_macro2::TokenStream;
use quote::ToTokens;
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
    let out = match parsed {
        Item::Impl(mut imp) => {
            valid::expand_impl(&mut imp, &args, &mut errors);
            imp.into_token_stream()
        }
        Item::Fn(mut f) => {
            valid::expand_fn(&mut f, &args, &mut errors);
            f.into_token_stream()
        }
        other => {
            errors.push(valid::cannot_apply(&other));
            return fallback(errors, item);
        }
    };
    if errors.is_empty() {
        out
    } else {
        fallback(errors, item)
    }
}
