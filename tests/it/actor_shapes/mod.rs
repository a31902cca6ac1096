//! `#[instrument_actor]` on every reply shape actix allows, one module per shape, each on a
//! real actix actor: messages counted, latency count and sum (at least the awaited work),
//! outcome, in-flight 1 while running and 0 after. (The shape with no bridge, whose throughput,
//! health and last activity are derived at scrape time, is `tests/solo/no_lying_zeros.rs`.)

// Each test holds `crate::serial()`: the outcome and in-flight families are per actor type,
// shared by the shapes and by the other actor modules of the binary.

#[path = "../../support/shapes.rs"]
mod common;

mod actor_future_call;
mod actor_response;
mod async_trait_method;
mod atomic_response;
mod error_override;
mod lifecycle;
mod lone_fn;
mod macro_rules_handler;
mod map_after_into_actor;
mod message_result;
mod nested_results;
mod once_per_message;
mod plain_value;
mod response_future;
mod tracked_inherent;
mod user_reply;
mod wrap_future_map;
