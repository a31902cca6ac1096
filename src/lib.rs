//! # alys-metrics
//!
//! Compile-time checked Prometheus metrics for the Alys V2 node.
//!
//! ```
//! use alys_metrics::prelude::*;
//!
//! /// Total migration errors encountered.
//! #[alys_metric(counter, labels(phase, error_type))]
//! pub static MY_MIGRATION_ERRORS: Counter;
//!
//! MY_MIGRATION_ERRORS.with(MigrationPhase::Foundation, ErrorType::Timeout).inc();
//!
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains(
//!     "alys_my_migration_errors_total{phase=\"foundation\",error_type=\"timeout\"} 1\n"
//! ));
//! // Every enum-labelled series exists before it moves, at 0: from start-up, or for the
//! // gated `phase` and `actor_type` once the phase is entered or the actor type is live.
//! assert!(text.contains(
//!     "alys_my_migration_errors_total{phase=\"foundation\",error_type=\"system\"} 0\n"
//! ));
//! assert!(!text.contains("phase=\"final_validation\""), "not entered: no series");
//! ```
//!
//! ## Features
//!
//! Every feature but `prometheus`, `prometheus-0_13`, `opentelemetry` and `testing` is on by default
//! (`alys-metrics-runtime` has the same features with the same defaults). With `default-features = false` a crate keeps the core: `#[alys_metric]`,
//! `#[derive(LabelValue)]`, the standard labels, the actor catalogue, the registry and the
//! encoders ([`Registry::encode_to_string`], OpenMetrics, protobuf), and compiles no tokio,
//! hyper, flate2, sysinfo or rustix.
//!
//! | feature | gives | brings |
//! |---|---|---|
//! | `exporter` | [`serve`], [`MetricsServer`]: `/metrics` (gzip), `/health`, `/ready`; `encode::render` | hyper, hyper-util, http-body-util, flate2, tokio `net`; implies `process-collector` |
//! | `process-collector` | [`collector::ProcessCollector`] and `catalogue::system` (`process_*`, `alys_collector_*`) | sysinfo, rustix, tokio `rt`/`time`/`sync` |
//! | `actor` | actix replies under `#[instrument_actor]`, `actor::mailbox`, `ActorMetricsBridge::start_collection`, measured sends, deadlock detection | actix, tokio `rt`/`time`/`sync` |
//! | `chain` | `chain::*` (blocks, consensus, sync, peers, pool, migration, storage, governance, bridge, engine, lighthouse), `#[time_block]`, their catalogue | nothing |
//! | `tls` | TLS and `basic_auth_users` from an exporter-toolkit `web-config.yml` ([`WebConfig`](exporter::WebConfig)) | rustls (ring), tokio-rustls, bcrypt, serde_norway; implies `exporter` |
//! | `prometheus` (off) | [`Registry::include`] of `prometheus` 0.14 registries on the same endpoint | prometheus 0.14 |
//! | `prometheus-0_13` (off) | [`Registry::include`] of `prometheus` 0.13 registries (the Alys node's 0.13.4) | prometheus 0.13 |
//! | `opentelemetry` (off) | exemplars take the trace id of the current OpenTelemetry context | opentelemetry |
//! | `testing` (off; for `[dev-dependencies]`) | the `testing` module: captures scoped to a test, typed readings of handlers and declared metrics, `assert_metric!`, a lint of the exposition | nothing (one relaxed load added to each counter, histogram and handler update) |
//!
//! The exporter always runs the process collector: `/health` reports the collector's state and
//! the process's health from it, and `/ready` waits for its first tick, so `exporter` switches
//! `process-collector` on rather than serving a `/health` that knows nothing.
//!
//! ## Declaring metrics
//!
//! `#[alys_metric(KIND, ...)]` goes on a `static NAME: Type;` item whose doc comment is the
//! metric's HELP text. `KIND` is `counter` (`Counter`, `FloatCounter`), `gauge` (`Gauge`,
//! `IntGauge`) or `histogram` (`Histogram`). The exposed name is `alys_` + the static's name in
//! lower case, with `_total` appended to counters and `_seconds` to names ending in
//! `_duration`, `_latency` or `_time`; `unit = "bytes"` appends a unit; `name = "..."`
//! overrides the whole name and is checked against the same rules.
//!
//! Labels are typed. Standard names map to the standard enums in [`labels`]:
//!
//! | label | enum | values |
//! |---|---|---|
//! | `phase` | [`MigrationPhase`](labels::MigrationPhase) | 10 |
//! | `error_type` | [`ErrorType`](labels::ErrorType) | 10 |
//! | `actor_type` | [`ActorType`](labels::ActorType) | 9 |
//! | `message_type` | [`MessageType`](labels::MessageType) | 9 |
//! | `sync_state` | [`SyncState`](labels::SyncState) | 6 |
//! | `region` | [`PeerRegion`](labels::PeerRegion) | 7 |
//! | `operation` | [`IoOperation`](labels::IoOperation) | 2 |
//! | `direction` | [`IoDirection`](labels::IoDirection) | 2 |
//! | `event` | [`LifecycleEvent`](labels::LifecycleEvent) | 4 |
//! | `status` | [`Status`](labels::Status) | 5 |
//!
//! `reason` must name its enum (`reason: RejectionReason`); any label can bind an enum that
//! derives [`LabelValue`](derive@LabelValue) (`outcome: MyOutcome`); a free-form string
//! needs a cap (`peer_id: dynamic(max = 256)`), beyond which values fold into `"other"` and
//! are counted in `alys_label_overflow_total{metric}`.
//!
//! The number of series of a metric, the product of its labels' value counts, may not exceed
//! [`MAX_CARDINALITY`](labels::MAX_CARDINALITY); that, unknown labels, bad names, bad buckets and a missing doc comment
//! are compile errors on the offending token.
//!
//! ## Updating metrics
//!
//! `NAME.with(v1, v2, ..)` takes one value per label, in declaration order, and returns the
//! child: for enum labels that is an array index, no hashing, no lock, no allocation. The
//! child has `inc`, `inc_by`, `get`, `set`, `add`, `sub`, `observe`, `start_timer`. An
//! unlabelled metric has them directly (`SYNC_STATE.set(4)`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use alys_metrics_runtime::*;

/// The README's Rust examples, compiled (and, where not `no_run`, run) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../docs/guide.md")]
pub struct GuideDoctests;
