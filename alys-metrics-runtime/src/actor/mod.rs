//! The actor metrics runtime and `#[instrument_actor]`.
//!
//! - [`MessageGuard`]: measures one message at one [`HandlerSite`]; what `#[instrument_actor]`
//!   expands to.
//! - [`ReplyOutcome`]: whether a reply is an error, by type.
//! - [`current_actor`]: the instrumented handler running on this thread.
//! - [`ActorMetrics`]: what one actor measures about itself, with its health rules.
//! - [`mailbox::bounded`]: an instrumented bounded mailbox counting into [`MailboxMetrics`].
//! - [`ActorMetricsBridge`]: exports registered actors' [`ActorMetrics`] as deltas, with
//!   lifecycle events, restart and health detection, throughput and aggregate health.
//!
//! # `#[instrument_actor]`
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use actix::prelude::*;
//! use alys_metrics::prelude::*;
//!
//! #[derive(Debug)]
//! struct BridgeError;
//! struct ProcessPegIn;
//! impl Message for ProcessPegIn {
//!     type Result = Result<(), BridgeError>;
//! }
//!
//! struct BridgeActor;
//! impl Actor for BridgeActor {
//!     type Context = Context<Self>;
//! }
//!
//! #[instrument_actor] // actor "BridgeActor", actor_type "bridge" (the word `Bridge`)
//! impl Handler<ProcessPegIn> for BridgeActor {
//!     type Result = ResponseActFuture<Self, Result<(), BridgeError>>;
//!
//!     // message "ProcessPegIn", message_type "bridge" (the word `Peg`)
//!     fn handle(&mut self, _msg: ProcessPegIn, _ctx: &mut Context<Self>) -> Self::Result {
//!         Box::pin(async { Err(BridgeError) }.into_actor(self).map(|r, _act, _ctx| r))
//!     }
//! }
//!
//! actix::System::new().block_on(async {
//!     let addr = BridgeActor.start();
//!     assert!(addr.send(ProcessPegIn).await.unwrap().is_err());
//! });
//!
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("alys_actor_messages_total{actor_type=\"bridge\",message_type=\"bridge\",actor=\"BridgeActor\",message=\"ProcessPegIn\"} 1\n"));
//! assert!(text.contains("alys_actor_message_outcomes_total{actor_type=\"bridge\",outcome=\"error\"} 1\n"));
//! assert!(text.contains("alys_actor_messages_in_flight{actor_type=\"bridge\"} 0\n"));
//! ```
//!
//! ## Where it goes
//!
//! - On `impl Handler<M> for Actor` (also `StreamHandler<M>` and other traits with a `handle`
//!   method): `handle` is instrumented. With `type Result = R` (actix's `Handler`), the
//!   attribute declares `type Result = Instrumented<R, M>` (see [`Instrumented`]); code that
//!   calls `handle` directly gets its reply back with `.into_inner()`.
//! - On any other `impl` (inherent, or a trait such as an `#[async_trait]` one): the methods
//!   named `handle` or `handle_*`.
//! - On a fn (a free fn, or a method with the attribute on it): that fn; `for = ActorType`
//!   names the actor, since the attribute cannot see the `impl` around it.
//!
//! Sync and `async` fns are both instrumented. On anything else (a struct, a trait, a
//! `const fn`, an impl without handlers) the attribute is a compile error saying what to write.
//!
//! ## Labels
//!
//! Every handler is a [`HandlerSite`], a `static` registered at start-up, so its series exist
//! at 0 from the start and the label values are the handlers compiled into the binary:
//!
//! - `actor`: the actor type's name (`ChainActor`), `message`: the message type's name
//!   (`ImportBlock`: the `M` of `Handler<M>`, else the type of the fn's first argument after
//!   `self`, else the fn's name); on `alys_actor_messages_total` and
//!   `alys_actor_message_latency_seconds`, with `actor_type` and `message_type`.
//! - `actor_type`: `actor = chain` (or `Chain`, or `"chain"`: one of `chain`, `engine`,
//!   `network`, `bridge`, `storage`, `sync`, `stream`, `supervisor`, `system`); by default the
//!   first whole word of the actor's name that is one ([`actor_type_by_words`]: `ChainActor`
//!   and `ChainSupervisor` are `chain`, `ExampleBlockchainActor` is none).
//! - `message_type`: `message = sync` (one of `lifecycle`, `sync`, `network`, `mining`,
//!   `governance`, `bridge`, `storage`, `system` or `custom(N)`); by default the first whole
//!   word of the message's name that says one ([`message_type_by_words`]).
//!
//! When no word says it, the handler does not compile, and the error shows the argument to add.
//!
//! ## Arguments
//!
//! `actor = ..`, `message = ..` (above), `for = ActorType` (on a fn),
//! `error = path` (a `fn(&Reply) -> bool` saying which replies are errors, instead of the
//! reply's [`ReplyOutcome`]), `metrics = EXPR` (an `Arc<ActorMetrics>`, e.g. `self.metrics`,
//! that each message is also recorded into, for the actor's health and the
//! [`ActorMetricsBridge`]).
//!
//! ## Measured by type, on the value the caller receives
//!
//! Whatever the handler returns, through any alias or `Self::Result`, is measured by its type:
//!
//! | reply | measured |
//! |---|---|
//! | a plain value, `Result`, `MessageResult<M>` | when the handler returns |
//! | `ResponseFuture<T>`, `Pin<Box<dyn Future<Output = T> (+ Send)>>`, `BoxFuture`, `LocalBoxFuture` | when the future completes (wrapped in a new box) |
//! | `ResponseActFuture<A, T>` (`Pin<Box<dyn ActorFuture<A, Output = T>>>`) | when the actor future completes, after every combinator (wrapped in a new box) |
//! | `AtomicResponse`, `ActorResponse`, `Response`, your own `MessageResponse` (in an actix `Handler` impl) | when the reply reaches the caller's channel (relayed by [`Instrumented`]) |
//! | an `async fn` | its future, from the first poll to completion |
//!
//! A reply that cannot be measured is a compile error: a generic type parameter, `impl Trait`,
//! or outside an actix `Handler` impl a type none of the rows above covers, or a reply type
//! without a [`ReplyOutcome`] (the error says to implement it or to write `error = path`).
//!
//! ## Outcomes
//!
//! On arrival `alys_actor_messages_total`; when the caller's value is ready
//! `alys_actor_message_outcomes_total{actor_type, outcome}` with `ok`, `error` (the reply's
//! [`ReplyOutcome`]: an `Err` at any depth of nested `Result`s; or `error = path`), `panicked`
//! or `cancelled` (the future was dropped first), the latency of *this* message (not for
//! cancelled ones), and `alys_actor_messages_processed_total` (ok) or
//! `alys_actor_message_errors_total` (error, panicked). `alys_actor_messages_in_flight` is the
//! messages started minus those finished, computed when scraped; it returns to 0 on every path.
//!
//! ## Once per message
//!
//! While a handler runs (its call, and each poll of its future), it is the thread's
//! [`current_actor`]. Instrumented code of the same message called from it (an inherent
//! `handle_*` helper the `Handler` impl calls) is not counted again.
//!
//! # Who writes the processed and error counters
//!
//! Each message is counted in `alys_actor_messages_processed_total` or
//! `alys_actor_message_errors_total` exactly once: by its [`MessageGuard`] when nothing
//! tracks the actor, or, when the message goes into an [`ActorMetrics`]
//! (`#[instrument_actor(metrics = self.metrics)]`, [`ActorMetricsBridge::record_message_event`],
//! [`ActorMetrics::record_message`]), by the bridge that metrics is registered with, as a
//! delta at its next collection. Register such metrics with a bridge.

mod bridge;
mod classify;
mod context;
mod derived;
mod guard;
mod in_flight;
pub mod lifecycle;
pub mod mailbox;
mod measure;
mod metrics;
mod outcome;
mod site;
pub mod supervision;

pub use bridge::{ActorHandle, ActorMetricsBridge, AggregateStats, CollectionSummary, NoRuntime};
pub use classify::{actor_type_by_words, actor_type_of, message_type_by_words};
pub use context::current_actor;
pub use derived::Derived;
pub use guard::{MessageGuard, Track, Tracked, Untracked};
pub use in_flight::InFlightGauge;
pub use mailbox::{MailboxMetrics, MailboxSnapshot};
#[cfg(feature = "actor")]
pub use measure::{Instrumented, MeasuredActorFuture};
pub use measure::{MeasuredAsync, MeasuredFuture};
pub use metrics::{ActorMetrics, MetricsSnapshot};
pub use outcome::{ByFn, ByOutcome, Classify, ReplyOutcome};
pub use site::{
    sites, HandlerSite, LatencyHistogram, SiteFamily, SiteRegistration, LATENCY_BUCKETS,
    LATENCY_NATIVE,
};

#[doc(hidden)]
pub use support::{track, MetricsSource};
#[doc(hidden)]
pub mod __private {
    pub use super::context::Scope;
    #[cfg(feature = "actor")]
    pub use super::measure::MeasureRelay;
    pub use super::measure::{
        close_sync, measure_async, start, start_sync, MeasureKnown, MeasureRefused, MeasureValue,
        Tag,
    };
    pub use super::{lifecycle, supervision};
}
mod support;

// The label enum lives with the labels; this keeps its old path.
pub use crate::labels::MessageOutcome;

// The families computed at scrape time from this module's state. Their descriptors (names,
// help, labels) are declared in `catalogue::actor`; the statics live here, beside the state
// they read, so that the catalogue names nothing above it.

/// `alys_actor_messages_total{actor_type, message_type, actor, message}`: messages received
/// by actors, counted when handling starts, one series per instrumented handler (`actor` and
/// `message` are the Rust type names), each at 0 from start-up.
pub static ACTOR_MESSAGES: SiteFamily = SiteFamily::messages(&cat::ACTOR_MESSAGES_DESCRIPTOR);

/// `alys_actor_message_latency_seconds{actor_type, message_type, actor, message}`: the time to
/// handle one actor message, per instrumented handler.
pub static ACTOR_MESSAGE_LATENCY: SiteFamily =
    SiteFamily::latency(&cat::ACTOR_MESSAGE_LATENCY_DESCRIPTOR);

/// `alys_actor_message_throughput_per_second{actor_type}`: messages handled per second, from
/// the bridge's collection window for the actor types it tracks, otherwise derived from the
/// messages instrumented handlers finished (see [`Derived`]).
pub static ACTOR_MESSAGE_THROUGHPUT_PER_SECOND: Derived =
    Derived::throughput(&cat::ACTOR_MESSAGE_THROUGHPUT_PER_SECOND_DESCRIPTOR);

/// `alys_actor_healthy_count`: actors that are healthy (success rate above 95 %, error rate
/// below 5 %): the bridge's registered actors, or else the instrumented actors that handled a
/// message (see [`Derived`]).
pub static ACTOR_HEALTHY_COUNT: Derived = Derived::healthy(&cat::ACTOR_HEALTHY_COUNT_DESCRIPTOR);

/// `alys_actor_total_count`: the bridge's registered actors, or else the instrumented actors
/// that handled a message.
pub static ACTOR_TOTAL_COUNT: Derived = Derived::total(&cat::ACTOR_TOTAL_COUNT_DESCRIPTOR);

/// `alys_actor_last_activity_timestamp_seconds{actor_type, actor}`: when each instrumented
/// actor last finished a message (Unix seconds; 0 before its first).
pub static ACTOR_LAST_ACTIVITY: Derived =
    Derived::last_activity(&cat::ACTOR_LAST_ACTIVITY_DESCRIPTOR);

/// `alys_actor_messages_in_flight{actor_type}`: messages being handled now, derived at scrape
/// time as the messages started minus the messages finished.
pub static ACTOR_MESSAGES_IN_FLIGHT: InFlightGauge =
    InFlightGauge::new(&cat::ACTOR_MESSAGES_IN_FLIGHT_DESCRIPTOR);

inventory::submit! { Registration(&ACTOR_MESSAGES) }
inventory::submit! { Registration(&ACTOR_MESSAGE_LATENCY) }
inventory::submit! { Registration(&ACTOR_MESSAGE_THROUGHPUT_PER_SECOND) }
inventory::submit! { Registration(&ACTOR_HEALTHY_COUNT) }
inventory::submit! { Registration(&ACTOR_TOTAL_COUNT) }
inventory::submit! { Registration(&ACTOR_LAST_ACTIVITY) }
inventory::submit! { Registration(&ACTOR_MESSAGES_IN_FLIGHT) }

use crate::catalogue::actor as cat;
use crate::registry::Registration;
