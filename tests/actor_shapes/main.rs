//! `#[instrument_actor]` on every reply shape actix allows, one module per shape, each on a
//! real actix actor: messages counted, latency count and sum (at least the awaited work),
//! outcome, in-flight 1 while running and 0 after.

// Each test holds the serial lock for its whole run on its own runtime thread: the point is to
// keep the other tests of this binary out while it runs.
#![allow(clippy::await_holding_lock)]

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
mod no_lying_zeros;
mod once_per_message;
mod plain_value;
mod response_future;
mod tracked_inherent;
mod user_reply;
mod wrap_future_map;
