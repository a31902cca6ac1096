//! Our output against the peer libraries': the same samples as every peer of the scrape
//! benchmark (`same_samples`), and the same native histogram buckets as prometheus-client
//! (`native_histogram`). One binary: neither changes the process's registry.
//!
//! `tests/prometheus_bridge.rs` is a binary of its own: it includes a `prometheus` crate
//! registry in the process's registry for good, and `same_samples` compares that registry's
//! series count with its own exposition's.

#[path = "../../../tests/support/lint.rs"]
mod lint;

mod native_histogram;
mod same_samples;
