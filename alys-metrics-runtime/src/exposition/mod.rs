//! The exposition formats' building blocks, below the metric types that write with them:
//! text 0.0.4 writers and pre-rendered line prefixes ([`SampleSink`], [`LinePrefixes`]),
//! OpenMetrics headers ([`openmetrics`]), both texts of a
//! protobuf family ([`family`]: what included registries are written with), the protobuf messages
//! ([`proto`]) and their wire encoding ([`protobuf`]), the exemplar record (`exemplar.rs`)
//! and the start times of families ([`created`]).
//! Nothing here knows a metric type or the registry: `metric/` writes its families with these,
//! and `encode` (format negotiation, rendering a registry, gzip) sits above both. `encode`
//! re-exports every item here under its old paths (`encode::openmetrics`, `encode::SampleSink`).

pub mod created;
pub(crate) mod exemplar;
pub mod family;
pub mod openmetrics;
pub mod proto;
pub mod protobuf;
mod text;

pub use text::*;
