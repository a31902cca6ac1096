//! The actor metrics runtime and `#[instrument_actor]`.
//!
//! - [`MessageGuard`]: measures one message at one [`HandlerSite`]; what `#[instrument_actor]`
//!   expands to.
//! - [`ReplyOutcome`]: an optional refinement of whether a reply is an error.
//! - [`ActorKind`], [`MessageKind`]: an actor's or a message's category, said once per type.
//! - [`current_actor`]: the instrumented handler running on this thread.
//! - [`ActorMetrics`]: what one actor reports about itself that no handler sees (its mailbox,
//!   restarts, memory).
//! - [`mailbox::bounded`]: an instrumented bounded mailbox counting into [`MailboxMetrics`].
//! - [`ActorMetricsBridge`]: exports registered actors' [`ActorMetrics`] as deltas, with
//!   spawn and stop events and restart detection.
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
//! #[instrument_actor] // actor "BridgeActor", actor_type "bridge" (the word `Bridge`); no arguments
//! impl Handler<ProcessPegIn> for BridgeActor {
//!     type Result = ResponseActFuture<Self, Result<(), BridgeError>>;
//!
//!     // message "ProcessPegIn", message_type "bridge" (the word `Peg`); `Err` is an error
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
//! - On `impl Actor for X` / `impl Supervised for X`: the lifecycle hooks (see [`lifecycle`]).
//! - Inside a `macro_rules!` that writes handlers for several actors: on the macro's `impl`,
//!   unchanged; every actor the macro is invoked for gets its own handler's series.
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
//!   `self`, else the fn's name); exact, they say which handler it was.
//! - `actor_type` and `message_type`: coarse categories, resolved once per handler (see
//!   [`ActorKind`]): `actor = ..`/`message = ..` on the attribute if given; else the type's own
//!   declaration ([`ActorKind`] on the actor, [`MessageKind`] on the message; the attribute on
//!   `impl Actor for X` with `actor = ..` writes the [`ActorKind`]); else the name's whole
//!   words ([`ActorType::by_words`](crate::labels::ActorType::by_words): `PeerActor` is
//!   `network`; [`MessageType::by_words`](crate::labels::MessageType::by_words)); else
//!   `unclassified`. Never a compile error: counts, latencies and outcomes are exact whatever
//!   the category.
//!
//! ## Arguments
//!
//! All optional: `actor = chain` (or `Chain`, or `"chain"`; one of `chain`, `engine`,
//! `network`, `bridge`, `storage`, `sync`, `stream`, `supervisor`, `system`, `unclassified`),
//! `message = sync` (one of `lifecycle`, `sync`, `network`, `mining`, `governance`, `bridge`,
//! `storage`, `system`, `unclassified` or `custom(N)`), `for = ActorType` (on a fn), `error =
//! path` (a `fn(&Reply) -> bool` saying which replies are errors, instead of the reply's type).
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
//! A reply that cannot be measured is a compile error naming what to write: a type parameter,
//! `impl Trait`, `_`, or, outside an actix `Handler` impl, a future that is not boxed.
//!
//! ## Outcomes
//!
//! The value the caller receives (`<M as Message>::Result` in an actix `Handler` impl) decides,
//! by its type, with no impl required (see [`outcome`](ReplyOutcome)): an `Err` at any depth
//! of nested `Result`s (through `Option`, `Box`, `Arc`, `Rc`) is an error; any other value is
//! `ok`, unless its type implements [`ReplyOutcome`] (`ImportBlockResult { imported: false }`
//! can be an error) or the handler says `error = path`. A message ends `ok`, `error`,
//! `panicked` or `cancelled` (the future was dropped first); all but `cancelled` observe the
//! latency of *this* message.
//!
//! ## One place counts a message
//!
//! The handler's site is the only writer of message counts, latency and outcomes. Every
//! family about messages is read from the sites when scraped: per handler
//! `alys_actor_messages_total` and `alys_actor_message_latency_seconds`; per actor type
//! `alys_actor_message_outcomes_total`, `alys_actor_messages_processed_total`,
//! `alys_actor_message_errors_total`, `alys_actor_messages_in_flight` (started minus
//! finished: it returns to 0 on every path) and `alys_actor_message_throughput_per_second`.
//! The [`ActorMetricsBridge`] exports only what it alone sees: registered actors, their
//! mailboxes and the restarts reported to their [`ActorMetrics`].
//!
//! ## Once per message
//!
//! While a handler runs (its call, and each poll of its future), it is the thread's
//! [`current_actor`]. Instrumented code of the same message called from it (an inherent
//! `handle_*` helper the `Handler` impl calls) is not counted again.

mod bridge;
mod context;
mod families;
mod guard;
mod handler_site;
mod kind;
pub mod lifecycle;
pub mod mailbox;
mod measure;
mod metrics;
mod outcome;
pub mod supervision;

pub use bridge::{ActorHandle, ActorMetricsBridge, AggregateStats, CollectionSummary, NoRuntime};
pub use context::current_actor;
pub use families::{Derived, InFlightGauge, OutcomeCounts};
pub use guard::MessageGuard;
pub use handler_site::{
    sites, HandlerSite, SiteFamily, SiteRegistration, LATENCY_BUCKETS, LATENCY_NATIVE,
};
pub use kind::{ActorKind, MessageKind};
pub use mailbox::{MailboxMetrics, MailboxSnapshot};
#[cfg(feature = "actor")]
pub use measure::{Instrumented, MeasuredActorFuture};
pub use measure::{MeasuredAsync, MeasuredFuture};
pub use metrics::{ActorMetrics, MetricsSnapshot};
pub use outcome::{
    ByFn, ByOutcome, Classify, DerefOf, NeverError, OptionOf, ReplyOutcome, ResultOf,
};

/// What a measured send (feature `actor`) reads of the sites.
#[cfg(feature = "actor")]
pub(crate) use handler_site::{actor_type_of_actor, message_type_of_message};

#[doc(hidden)]
pub mod __private {
    pub use super::context::Scope;
    pub use super::kind::{ActorDeclared, ActorNamed, MessageDeclared, MessageNamed};
    #[cfg(feature = "actor")]
    pub use super::measure::MeasureRelay;
    pub use super::measure::{
        close_sync, measure_async, start_sync, MeasurableLater, MeasureKnown, MeasureRefused,
        MeasureValue, Tag, Unmeasurable, ValueLater, ValueNow, ValueUnmeasurable,
    };
    pub use super::outcome::{For, Probe, Rule, Step, StepInto, StepPlain, StepRefined};
    pub use super::{lifecycle, supervision};
}

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

/// `alys_actor_message_throughput_per_second{actor_type}`: messages handled per second, derived
/// from the messages instrumented handlers finished (see [`Derived`]).
pub static ACTOR_MESSAGE_THROUGHPUT_PER_SECOND: Derived =
    Derived::throughput(&cat::ACTOR_MESSAGE_THROUGHPUT_PER_SECOND_DESCRIPTOR);

/// `alys_actor_healthy_count`: instrumented actors that handled a message and are healthy
/// (success rate above 95 %, error rate below 5 %; see [`Derived`]).
pub static ACTOR_HEALTHY_COUNT: Derived = Derived::healthy(&cat::ACTOR_HEALTHY_COUNT_DESCRIPTOR);

/// `alys_actor_total_count`: instrumented actors that handled a message.
pub static ACTOR_TOTAL_COUNT: Derived = Derived::total(&cat::ACTOR_TOTAL_COUNT_DESCRIPTOR);

/// `alys_actor_last_activity_timestamp_seconds{actor_type, actor}`: when each instrumented
/// actor last finished a message (Unix seconds; 0 before its first).
pub static ACTOR_LAST_ACTIVITY: Derived =
    Derived::last_activity(&cat::ACTOR_LAST_ACTIVITY_DESCRIPTOR);

/// `alys_actor_messages_in_flight{actor_type}`: messages being handled now, derived at scrape
/// time as the messages started minus the messages finished.
pub static ACTOR_MESSAGES_IN_FLIGHT: InFlightGauge =
    InFlightGauge::new(&cat::ACTOR_MESSAGES_IN_FLIGHT_DESCRIPTOR);

/// `alys_actor_message_outcomes_total{actor_type, outcome}`: how the handling of actor messages
/// ended, summed over the handler sites of each actor type.
pub static ACTOR_MESSAGE_OUTCOMES: OutcomeCounts =
    OutcomeCounts::outcomes(&cat::ACTOR_MESSAGE_OUTCOMES_DESCRIPTOR);

/// `alys_actor_messages_processed_total{actor_type}`: messages handled successfully (`ok`).
pub static ACTOR_MESSAGES_PROCESSED: OutcomeCounts =
    OutcomeCounts::processed(&cat::ACTOR_MESSAGES_PROCESSED_DESCRIPTOR);

/// `alys_actor_message_errors_total{actor_type}`: messages whose handler failed (`error`,
/// `panicked`).
pub static ACTOR_MESSAGE_ERRORS: OutcomeCounts =
    OutcomeCounts::errors(&cat::ACTOR_MESSAGE_ERRORS_DESCRIPTOR);

inventory::submit! { Registration(&ACTOR_MESSAGES) }
inventory::submit! { Registration(&ACTOR_MESSAGE_OUTCOMES) }
inventory::submit! { Registration(&ACTOR_MESSAGES_PROCESSED) }
inventory::submit! { Registration(&ACTOR_MESSAGE_ERRORS) }
inventory::submit! { Registration(&ACTOR_MESSAGE_LATENCY) }
inventory::submit! { Registration(&ACTOR_MESSAGE_THROUGHPUT_PER_SECOND) }
inventory::submit! { Registration(&ACTOR_HEALTHY_COUNT) }
inventory::submit! { Registration(&ACTOR_TOTAL_COUNT) }
inventory::submit! { Registration(&ACTOR_LAST_ACTIVITY) }
inventory::submit! { Registration(&ACTOR_MESSAGES_IN_FLIGHT) }

use crate::catalogue::actor as cat;
use crate::registry::Registration;
