//! Procedural macros of [`alys-metrics`](https://docs.rs/alys-metrics). Use them through the
//! `alys_metrics` crate (`use alys_metrics::prelude::*;`): the code they generate names the
//! runtime by absolute `::alys_metrics::...` paths.
//!
//! - [`macro@alys_metric`] declares a metric on a `static NAME: Kind;` item.
//! - [`macro@instrument_actor`] instruments actor message handlers.
//! - [`macro@time_block`] times block production and validation functions.
//! - [`derive@LabelValue`] makes a field-less enum usable as a label.
//!
//! Every mistake is a compile error spanned on the offending token.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use proc_macro::TokenStream;

mod actor;
mod label_value;
mod metric;
mod time_block;
mod util;

/// Declares a Prometheus metric on a `static NAME: Kind;` item.
///
/// ```text
/// /// Total migration errors encountered.          <- HELP text (required)
/// #[alys_metric(counter, labels(phase, error_type))]
/// pub static MIGRATION_ERRORS: Counter;
/// ```
///
/// Arguments, after the kind (`counter`, `gauge` or `histogram`):
/// - `labels(name, name: Type, name: dynamic(max = N))`: standard label names map to the
///   standard enums; `name: Type` binds any `LabelValue` enum; `dynamic(max = N)` is a
///   free-form string capped at `N` values.
/// - `name = "..."`: overrides the derived name (`alys_` + the static's name in lower case +
///   `_total` for counters, `_seconds` for names ending in `_duration`, `_latency`, `_time`).
/// - `unit = "seconds"` (or `bytes`, ...): appends the unit to the derived name.
/// - `buckets = [..]`, `buckets = exponential(start, factor, count)`,
///   `buckets = linear(start, width, count)` for histograms.
///
/// Names must match `^[a-zA-Z_][a-zA-Z0-9_]*$` (colons are for recording rules), counters end
/// in `_total`, durations in `_seconds`, and an explicit `name` ends in its `unit`; units are
/// base units (`seconds`, `bytes`, ...). See the `alys_metrics` crate documentation for the
/// full rules.
#[proc_macro_attribute]
pub fn alys_metric(args: TokenStream, item: TokenStream) -> TokenStream {
    metric::expand(args.into(), item.into()).into()
}

/// Instruments actor message handlers: per message it counts `alys_actor_messages_total`,
/// observes this message's latency, tracks in-flight messages and records the outcome (ok,
/// error, panicked, cancelled), each handler under its own `actor` and `message` labels.
/// Replies are measured by their type, on the value the caller receives: futures and actor
/// futures to completion (after every combinator), `AtomicResponse` and other actix replies
/// when the reply is sent.
///
/// ```text
/// #[instrument_actor]                         // actor "ChainActor", actor_type "chain"
/// impl Handler<SyncBlocks> for ChainActor { .. }
///
/// #[instrument_actor(actor = sync, message = network)]
/// impl SyncActor {
///     async fn handle_peer_status(&mut self, msg: PeerStatus) -> Result<(), SyncError> { .. }
/// }
///
/// #[instrument_actor(for = SyncActor, message = network, error = status_is_error)]
/// fn handle_status(msg: Status) -> PeerState { .. }
/// ```
///
/// Goes on `impl Handler<M> for Actor` (instruments `handle`), on any other `impl` (the methods
/// named `handle` or `handle_*`), or on one fn with `for = ActorType`. Arguments: `actor = ..`
/// (an `ActorType`), `message = ..` (a `MessageType` or `custom(N)`), `for = Type`,
/// `error = path` (`fn(&Reply) -> bool`), `metrics = EXPR` (an `Arc<ActorMetrics>`). The full
/// rules are in `alys_metrics::actor`.
#[proc_macro_attribute]
pub fn instrument_actor(args: TokenStream, item: TokenStream) -> TokenStream {
    actor::expand(args.into(), item.into()).into()
}

/// Times a block production or validation function into
/// `alys_block_production_duration_seconds` / `alys_block_validation_duration_seconds`.
///
/// ```text
/// #[time_block(production, validator = self.id)]
/// fn produce_block(&self) -> Block { .. }
///
/// #[time_block(validation, validator = self.id)]
/// async fn validate_block(&self, block: &Block) -> Result<(), Invalid> { .. }
/// ```
///
/// `validator = EXPR` is evaluated once at entry (a capped dynamic label). Sync and async
/// functions and methods; an async body's *future* is timed. A validation's `Result` (or
/// `bool`) is counted as success or failure. A panic or a dropped future records no duration
/// sample. The full rules are in `alys_metrics::chain`.
#[proc_macro_attribute]
pub fn time_block(args: TokenStream, item: TokenStream) -> TokenStream {
    time_block::expand(args.into(), item.into()).into()
}

/// Derives `LabelValue` for a field-less enum: each variant's label value is its name in
/// `snake_case`, or the string of `#[label = "..."]` on the variant.
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    label_value::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
