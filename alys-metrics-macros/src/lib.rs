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
/// ```
/// use alys_metrics::prelude::*;
///
/// /// Migration errors of this component.
/// #[alys_metric(counter, labels(phase, error_type))] // the doc comment above is the HELP text
/// pub static IMPORTER_MIGRATION_ERRORS: Counter;
///
/// /// Peers by the client they run.
/// #[alys_metric(gauge, labels(client: dynamic(max = 16)))]
/// pub static PEERS: IntGauge;
///
/// /// Time to import a block.
/// #[alys_metric(histogram, buckets = exponential(0.001, 2.0, 12))]
/// pub static BLOCK_IMPORT_DURATION: Histogram; // exposed as ..._duration_seconds
///
/// IMPORTER_MIGRATION_ERRORS
///     .with(MigrationPhase::Foundation, ErrorType::Timeout)
///     .inc();
/// PEERS.with("lighthouse").set(3);
/// BLOCK_IMPORT_DURATION.observe(0.042);
///
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains(
///     "alys_importer_migration_errors_total{phase=\"foundation\",error_type=\"timeout\"} 1\n"
/// ));
/// assert!(text.contains("alys_peers{client=\"lighthouse\"} 3\n"));
/// assert!(text.contains("alys_block_import_duration_seconds_count 1\n"));
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
/// - `combinations = path`: only the label combinations that can happen are series. `path`
///   names a `const fn` taking the value of each enum label (dynamic labels skipped), in
///   order, and returning whether that combination can happen (a state machine's edges, the
///   reasons a status can have). The cardinality check counts the accepted combinations
///   times the dynamic labels' slots (`<= MAX_CARDINALITY`), not the product (which only has
///   to stay `<= MAX_CHILDREN`).
/// - `dynamic_tuples`: the values of the dynamic labels are series only in the tuples
///   `with(..)` was called with (an (actor, dependency, operation) triple), not in every
///   combination of the values in use.
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
/// ```no_run
/// use actix::prelude::*;
/// use alys_metrics::prelude::*;
///
/// struct ChainActor;
/// impl Actor for ChainActor {
///     type Context = Context<Self>;
/// }
///
/// #[derive(Message)]
/// #[rtype(result = "Result<u64, String>")]
/// struct SyncBlocks(u64);
///
/// // actor "ChainActor", actor_type "chain" (the word `Chain`), message "SyncBlocks" with
/// // message_type "sync" (the word `Sync`); an `Err` reply counts as outcome "error".
/// #[instrument_actor]
/// impl Handler<SyncBlocks> for ChainActor {
///     type Result = Result<u64, String>;
///     fn handle(&mut self, msg: SyncBlocks, _: &mut Context<Self>) -> Self::Result {
///         Ok(msg.0)
///     }
/// }
///
/// struct PeerStatus;
/// struct SyncActor;
///
/// // Any other impl: each `handle` / `handle_*` method, sync or async.
/// #[instrument_actor(actor = sync, message = network)]
/// impl SyncActor {
///     async fn handle_peer_status(&mut self, _msg: PeerStatus) -> Result<(), String> {
///         Ok(())
///     }
/// }
///
/// #[derive(PartialEq)]
/// enum PeerState {
///     Good,
///     Banned,
/// }
///
/// // A reply that is not a `Result`: `error = path` says which replies are errors.
/// fn banned(state: &PeerState) -> bool {
///     *state == PeerState::Banned
/// }
///
/// // One fn, for a named actor.
/// #[instrument_actor(for = SyncActor, message = network, error = banned)]
/// fn handle_status(_msg: PeerStatus) -> PeerState {
///     PeerState::Good
/// }
/// ```
///
/// Goes on `impl Handler<M> for Actor` (instruments `handle`), on any other `impl` (the methods
/// named `handle` or `handle_*`), on `impl Actor` / `impl Supervised` (the lifecycle hooks), or
/// on one fn with `for = ActorType`. No argument is needed: the outcome is read from the reply's
/// type (an `Err` at any depth is an error), `actor_type`/`message_type` from the types'
/// `ActorKind`/`MessageKind`, else their names' words, else `unclassified`. Optional arguments
/// say what the code cannot: `actor = ..` (an `ActorType`; on `impl Actor` it also writes the
/// actor's `ActorKind`), `message = ..` (a `MessageType` or `custom(N)`), `for = Type`,
/// `error = path` (`fn(&Reply) -> bool`). The full rules are in `alys_metrics::actor`.
#[proc_macro_attribute]
pub fn instrument_actor(args: TokenStream, item: TokenStream) -> TokenStream {
    actor::expand(args.into(), item.into()).into()
}

/// Times a block production or validation function into
/// `alys_block_production_duration_seconds` / `alys_block_validation_duration_seconds`.
///
/// ```
/// use alys_metrics::prelude::*;
///
/// struct Block(u64);
/// struct Invalid;
/// struct Validator {
///     id: String,
/// }
///
/// impl Validator {
///     #[time_block(production, validator = self.id)]
///     fn produce_block(&self) -> Block {
///         Block(1)
///     }
///
///     // The future is timed, to completion; `Err` counts as a failed validation.
///     #[time_block(validation, validator = self.id)]
///     async fn validate_block(&self, block: &Block) -> Result<(), Invalid> {
///         if block.0 > 0 { Ok(()) } else { Err(Invalid) }
///     }
/// }
///
/// let v = Validator { id: "validator-1".into() };
/// let block = v.produce_block();
/// let _validation = v.validate_block(&block); // a future, timed when it is awaited
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains(
///     "alys_block_production_duration_seconds_count{validator=\"validator-1\"} 1\n"
/// ));
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
///
/// ```
/// use alys_metrics::prelude::*;
///
/// #[derive(Clone, Copy, LabelValue)]
/// enum Origin {
///     Gossip,          // "gossip"
///     RpcRequest,      // "rpc_request"
///     #[label = "p2p"]
///     PeerToPeer,      // "p2p"
/// }
///
/// /// Blocks received, by where they came from.
/// #[alys_metric(counter, labels(origin: Origin))]
/// static BLOCKS_RECEIVED: Counter;
///
/// BLOCKS_RECEIVED.with(Origin::PeerToPeer).inc();
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_blocks_received_total{origin=\"p2p\"} 1\n"));
/// assert!(text.contains("alys_blocks_received_total{origin=\"rpc_request\"} 0\n"));
/// # let _ = (Origin::Gossip, Origin::RpcRequest);
/// ```
#[proc_macro_derive(LabelValue, attributes(label))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    label_value::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
