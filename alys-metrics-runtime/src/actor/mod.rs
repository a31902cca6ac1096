//! The actor metrics runtime (seed ALYS-003-11 ... -15, Phase 2) and `#[instrument_actor]`.
//!
//! - [`MessageGuard`]: measures one message; what `#[instrument_actor]` expands to.
//! - [`ActorMetrics`]: what one actor measures about itself, with the seed's health rules.
//! - [`mailbox::bounded`]: an instrumented bounded mailbox counting into [`MailboxMetrics`].
//! - [`ActorMetricsBridge`]: exports registered actors' [`ActorMetrics`] as deltas, with
//!   lifecycle events, restart and health detection, throughput and aggregate health.
//!
//! # `#[instrument_actor]`
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::prelude::*;
//! # trait Handler<M> { type Result; fn handle(&mut self, msg: M, ctx: &mut ()) -> Self::Result; }
//! # type ResponseFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;
//! # #[derive(Debug)] struct BridgeError;
//! # struct ProcessPegIn;
//! struct BridgeActor;
//!
//! #[instrument_actor]          // actor_type "bridge" (from `BridgeActor`)
//! impl Handler<ProcessPegIn> for BridgeActor {
//!     type Result = ResponseFuture<Result<(), BridgeError>>;
//!
//!     // message_type "bridge" (from `ProcessPegIn`); the future is timed to completion
//!     fn handle(&mut self, msg: ProcessPegIn, _ctx: &mut ()) -> Self::Result {
//!         Box::pin(async move { Err(BridgeError) })
//!     }
//! }
//! # use std::future::Future;
//! # let mut fut = BridgeActor.handle(ProcessPegIn, &mut ());
//! # let _ = fut.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
//!
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("alys_actor_messages_total{actor_type=\"bridge\",message_type=\"bridge\"} 1\n"));
//! assert!(text.contains("alys_actor_message_outcomes_total{actor_type=\"bridge\",outcome=\"error\"} 1\n"));
//! assert!(text.contains("alys_actor_messages_in_flight{actor_type=\"bridge\"} 0\n"));
//! ```
//!
//! ## Where it goes
//!
//! - On `impl Trait<M> for Actor` (actix's `impl Handler<M> for Actor`, also
//!   `StreamHandler<M>`): the `handle` method is instrumented.
//! - On an inherent `impl Actor`: the methods named `handle` or `handle_*` are instrumented,
//!   the others left alone.
//! - On a lone fn (also a method, with the attribute on the method): that fn; `actor = ..` is
//!   then required, since the attribute cannot see the `impl`.
//!
//! Sync and `async` fns are both instrumented. On anything else (a struct, a trait, a
//! `const fn`, an impl without handlers) the attribute is a compile error saying where it
//! belongs.
//!
//! ## Arguments
//!
//! - `actor = TYPE`: the `actor_type` label, one of `chain`, `engine`, `network`, `bridge`,
//!   `storage`, `sync`, `stream`, `supervisor`, `system` (or the `ActorType` variant name).
//!   By default it is inferred at compile time from the `Self` type's name by the rules of
//!   [`ActorType::from_name`](crate::labels::ActorType::from_name) ([`actor_type_of`]).
//! - `message = TYPE`: the `message_type` label, one of `lifecycle`, `sync`, `network`,
//!   `mining`, `governance`, `bridge`, `storage`, `system` or `custom(N)` (or the
//!   `MessageType` variant name). By default it is the message type's name classified by
//!   [`message_type_of`] (its table is there), at compile time. The message type's name is
//!   the `M` of `Handler<M>`, else the type of the fn's first argument after `self`, else the
//!   fn's name.
//! - `metrics = EXPR`: an `Arc<ActorMetrics>` (e.g. `self.metrics`) that each message is
//!   also recorded into, for the actor's health and the [`ActorMetricsBridge`].
//!
//! ## What each message records
//!
//! On arrival `alys_actor_messages_total{actor_type, message_type}`; when it finishes
//! `alys_actor_message_outcomes_total{actor_type, outcome}` with the outcome `ok`, `error`
//! (the handler returned `Err`), `panicked` or `cancelled` (its future was dropped before it
//! finished), the latency of *this* message in `alys_actor_message_latency_seconds`
//! (not for cancelled ones), and `alys_actor_messages_processed_total` (ok) or
//! `alys_actor_message_errors_total` (error, panicked). `alys_actor_messages_in_flight` is
//! the messages started minus those finished, computed when scraped; the guard finishes on
//! every path, so it returns to 0.
//!
//! ## Futures are timed, not the call that builds them
//!
//! - An `async fn`: its body is awaited inside the guard (the clock starts at the first
//!   poll, since an `async fn` runs nothing before).
//! - A sync fn whose tail is `Box::pin(async ..)`, `async ..`, or a method chain on one
//!   (`async move {..}.into_actor(self).map(..)`, `.boxed()`; async-trait's expansion has
//!   this shape too): the guard starts at the call and moves into the async block, which
//!   finishes it when it completes.
//! - A sync fn returning a boxed future built some other way (`ResponseFuture<O>`,
//!   `Pin<Box<dyn Future<Output = O>>>`, `BoxFuture<'_, O>`, also through `Self::Result`):
//!   the future is wrapped in a new box that finishes the guard (one more allocation).
//! - Anything else (including actix's `ResponseActFuture` without an async block in its
//!   tail) is measured as a sync call.
//!
//! A sync body runs in a closure called at once, so `return` and `?` still report their
//! value. When the return type cannot be written on a closure (it borrows with an elided
//! lifetime, `-> &str`, or is `impl Trait`), the body runs in place and each `return` is
//! rewritten to report its value (or wrap its boxed future) first. A `return` before a tail
//! async block returns a future of its own: it is wrapped like the tail when the return type
//! is one of the boxed futures above; with another type (`ResponseActFuture`) it cannot be,
//! and is counted as `cancelled`. A `return` written inside a macro call is not seen.
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
mod guard;
mod in_flight;
pub mod mailbox;
mod measure;
mod metrics;
mod outcome;
mod site;

pub use bridge::{ActorHandle, ActorMetricsBridge, AggregateStats, CollectionSummary, NoRuntime};
pub use classify::{actor_type_by_words, actor_type_of, message_type_by_words, message_type_of};
pub use context::current_actor;
pub use guard::{MessageGuard, Track, Tracked, Untracked};
pub use in_flight::InFlightGauge;
pub use mailbox::{MailboxMetrics, MailboxSnapshot};
#[cfg(feature = "actor")]
pub use measure::{Instrumented, MeasuredActorFuture};
pub use measure::{MeasuredAsync, MeasuredFuture};
pub use metrics::{ActorMetrics, MetricsSnapshot};
pub use outcome::{ByFn, ByOutcome, Classify, ReplyOutcome};
pub use site::{sites, HandlerSite, LatencyHistogram, SiteFamily, SiteRegistration, LATENCY_BUCKETS};

#[doc(hidden)]
pub use support::{track, MetricsSource};
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "actor")]
    pub use super::measure::MeasureRelay;
    pub use super::context::Scope;
    pub use super::measure::{
        measure_async, start, MeasureKnown, MeasureRefused, MeasureValue, Tag,
    };
}
mod support;

use crate::LabelValue;

/// How the handling of one message ended (`outcome` label of
/// `alys_actor_message_outcomes_total`; 4 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum MessageOutcome {
    /// The handler returned, and not an `Err`.
    Ok,
    /// The handler returned `Err`.
    Error,
    /// The handler panicked.
    Panicked,
    /// The handler's future was dropped before it finished.
    Cancelled,
}
