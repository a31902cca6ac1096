//! Metric families: the value types (`Counter<N>`, `Gauge<N>`, `Histogram`, the bitcoin
//! amounts `BtcCounter` and `BtcGauge`) and
//! [`Metric`], the type every `#[alys_metric]` static has.

mod btc;
mod counter;
pub(crate) mod declared;
pub mod encoder;
pub mod exemplar;
mod family;
mod gauge;
mod histogram;
mod named;
pub mod native;
mod number;
mod paired;

pub use btc::{sat_to_btc, BtcCounter, BtcGauge, SATOSHIS_PER_BTC};
pub use counter::{Counter, FloatCounter};
pub use family::{Collect, Metric, ValidCombination};
pub use gauge::{Gauge, IntGauge};
pub use histogram::{nanos_of, Histogram, HistogramTimer, DEFAULT_BUCKETS};
pub use named::NamedLabels;
pub use native::NativeConfig;
pub use number::{CounterValue, GaugeValue};
pub use paired::{PairedGauge, PairedGaugeEntry};

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
/// registry, the encoder and `catalogue::all()`.
///
/// Its fields are public to read. It is `#[non_exhaustive]`, so outside this crate it is
/// built with [`Descriptor::new`] and the `const` builder methods, which keep working when a
/// field is added:
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::metric::{Descriptor, Kind};
///
/// static QUEUE_WAIT: Descriptor = Descriptor::new(
///     "alys_queue_wait_seconds",
///     "Time a job waits in the queue, in seconds.",
///     Kind::Histogram,
/// )
/// .labels(&["queue"], &["dynamic(max = 8)"])
/// .buckets(&[0.001, 0.01, 0.1, 1.0])
/// .declared_at("my_node::QUEUE_WAIT", file!(), line!());
///
/// assert_eq!(QUEUE_WAIT.label_names, ["queue"]);
/// assert_eq!(QUEUE_WAIT.buckets.len(), 4);
/// assert_eq!(QUEUE_WAIT.rust_path, "my_node::QUEUE_WAIT");
/// ```
#[derive(Debug)]
#[non_exhaustive]
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

impl Descriptor {
    /// A family named `name` with HELP text `help`, of type `kind`: no labels, no buckets, and
    /// no declaration site until [`declared_at`](Descriptor::declared_at) gives one.
    pub const fn new(name: &'static str, help: &'static str, kind: Kind) -> Self {
        Descriptor {
            name,
            help,
            kind,
            label_names: &[],
            label_types: &[],
            buckets: &[],
            rust_path: "",
            file: "",
            line: 0,
        }
    }

    /// The label names, in the order `with(..)` takes their values, and how each label's type
    /// is described (`MigrationPhase`, `dynamic(max = 256)`).
    ///
    /// # Panics
    ///
    /// When the two lists differ in length (at compile time, in a `static`).
    pub const fn labels(
        self,
        names: &'static [&'static str],
        types: &'static [&'static str],
    ) -> Self {
        assert!(
            names.len() == types.len(),
            "a Descriptor describes the type of each of its labels: give as many types as names"
        );
        Descriptor {
            label_names: names,
            label_types: types,
            ..self
        }
    }

    /// The histogram bucket upper bounds (without `+Inf`).
    pub const fn buckets(self, buckets: &'static [f64]) -> Self {
        Descriptor { buckets, ..self }
    }

    /// Where the family is declared: the Rust path of its static, and the source file and line.
    pub const fn declared_at(self, rust_path: &'static str, file: &'static str, line: u32) -> Self {
        Descriptor {
            rust_path,
            file,
            line,
            ..self
        }
    }
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
    /// Writes this child's value, once, whatever the format (see
    /// [`SeriesWriter`](encoder::SeriesWriter)): always the same samples, in the same order,
    /// so that a family can pre-render their text lines' names and labels.
    fn encode(&self, shared: &Self::Shared, w: &mut impl encoder::SeriesWriter);
}
