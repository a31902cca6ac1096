//! Metric families: the value types (`Counter<N>`, `Gauge<N>`, `Histogram`) and
//! [`Metric`], the type every `#[alys_metric]` static has.

mod counter;
pub mod exemplar;
mod family;
mod gauge;
mod histogram;
pub mod native;
mod number;

pub use counter::{Counter, FloatCounter};
pub use family::{Collect, Metric};
pub use gauge::{Gauge, IntGauge};
pub use histogram::{Histogram, HistogramTimer, DEFAULT_BUCKETS};
pub use native::NativeConfig;
pub use number::{CounterValue, GaugeValue};

use crate::encode::SampleSink;

/// The Prometheus type of a metric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A monotonically increasing count (`_total`).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A distribution of observations in buckets.
    Histogram,
}

impl Kind {
    /// The name used in `# TYPE` lines.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything known about a declared metric: written by `#[alys_metric]`, read by the
/// registry, the encoder and [`catalogue()`](crate::catalogue()).
#[derive(Debug)]
pub struct Descriptor {
    /// The exposed metric family name (`alys_migration_errors_total`).
    pub name: &'static str,
    /// The HELP text: the declaration's doc comment.
    pub help: &'static str,
    /// The Prometheus type.
    pub kind: Kind,
    /// Label names, in the order `with(..)` takes their values.
    pub label_names: &'static [&'static str],
    /// The Rust type of each label (`MigrationPhase`, `dynamic(max = 256)`), for docs and tools.
    pub label_types: &'static [&'static str],
    /// Histogram bucket upper bounds (without `+Inf`); empty for other kinds.
    pub buckets: &'static [f64],
    /// The Rust path of the static that declares it.
    pub rust_path: &'static str,
    /// Source file of the declaration.
    pub file: &'static str,
    /// Source line of the declaration.
    pub line: u32,
}

/// A metric value type: one child of a family, updated with atomic operations only.
///
/// Implemented by [`Counter<N>`](Counter) (`u64`, and `f64` as [`FloatCounter`]),
/// [`Gauge<N>`](Gauge) (`f64`, and `i64` as [`IntGauge`]) and [`Histogram`].
pub trait MetricCore: Send + Sync + 'static {
    /// The family's Prometheus type.
    const KIND: Kind;
    /// Data shared by all children of one family, built once (rendered bucket bounds).
    type Shared: Send + Sync + 'static;
    /// Builds the shared data of the family described by `desc`.
    fn new_shared(desc: &'static Descriptor) -> Self::Shared;
    /// Creates a zeroed child.
    fn new_child(desc: &'static Descriptor) -> Self;
    /// Creates a zeroed child with native histogram buckets when `native` is set (histograms
    /// only; the other kinds ignore it).
    fn new_child_native(desc: &'static Descriptor, native: Option<NativeConfig>) -> Self
    where
        Self: Sized,
    {
        let _ = native;
        Self::new_child(desc)
    }
    /// Sets the child back to zero (its series was removed and its slot is reused).
    fn reset(&self);
    /// Writes this child's samples: always the same lines, in the same order, so that a
    /// family can pre-render their names and labels.
    fn encode(&self, shared: &Self::Shared, w: &mut impl SampleSink);
    /// Appends this child's value field to a protobuf `Metric` message being written (its
    /// `counter`, `gauge` or `histogram`, see [`wire`](crate::encode::protobuf::wire)).
    fn encode_proto(&self, shared: &Self::Shared, m: &mut Vec<u8>);
}
