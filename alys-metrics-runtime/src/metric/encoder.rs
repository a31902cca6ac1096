//! One way for a family to describe itself, whatever the format: a [`Collect`](super::Collect)
//! writes its family once, through an [`Encoder`], as a header
//! ([`Encoder::family`]) and its series ([`FamilyEncoder::sample`],
//! [`FamilyEncoder::histogram`]); the encoder writes text 0.0.4, OpenMetrics or protobuf from
//! that one description (as client_rust's `EncodeMetric` and `MetricEncoder` divide the work).
//! Below the family, a series writes its value through a [`SeriesWriter`]: the same writers
//! serve a `#[alys_metric]` family's children and the series handed to a [`FamilyEncoder`].
//!
//! A family computed when it is scraped (here, the depth of queues another part of the
//! program owns) implements [`Collect`](super::Collect) and is registered at run time:
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use std::sync::atomic::{AtomicI64, Ordering};
//! use std::sync::Arc;
//!
//! use alys_metrics::encode::Format;
//! use alys_metrics::metric::encoder::Encoder;
//! use alys_metrics::metric::{Collect, Descriptor, Kind};
//! use alys_metrics::Registry;
//!
//! static QUEUED: Descriptor = Descriptor::new("jobs_queued", "Jobs waiting, by queue.", Kind::Gauge)
//!     .labels(&["queue"], &["fast, slow"]);
//!
//! struct QueueDepths {
//!     fast: AtomicI64,
//!     slow: AtomicI64,
//! }
//!
//! impl Collect for QueueDepths {
//!     fn descriptor(&self) -> &'static Descriptor {
//!         &QUEUED
//!     }
//!     fn init(&self) {}
//!     fn encode(&self, enc: &mut Encoder<'_>) {
//!         let mut family = enc.family(&QUEUED);
//!         family.sample(&[("queue", "fast")], self.fast.load(Ordering::Relaxed));
//!         family.sample(&[("queue", "slow")], self.slow.load(Ordering::Relaxed));
//!     }
//!     fn series_count(&self) -> usize {
//!         2
//!     }
//! }
//!
//! let registry = Registry::new();
//! let depths = Arc::new(QueueDepths { fast: AtomicI64::new(3), slow: AtomicI64::new(0) });
//! registry.register(depths.clone()).unwrap();
//!
//! let mut text = Vec::new();
//! registry.encode_format(Format::Text, &mut text);
//! let text = String::from_utf8(text).unwrap();
//! assert!(text.contains(
//!     "# HELP jobs_queued Jobs waiting, by queue.\n# TYPE jobs_queued gauge\n\
//!      jobs_queued{queue=\"fast\"} 3\njobs_queued{queue=\"slow\"} 0\n"
//! ));
//! // The same description, in the other formats.
//! let mut pb = Vec::new();
//! registry.encode_format(Format::Protobuf, &mut pb);
//! let families = alys_metrics::encode::protobuf::decode(&pb).unwrap();
//! let queued = families.iter().find(|f| f.name.as_deref() == Some("jobs_queued")).unwrap();
//! assert_eq!(queued.metric[0].gauge.as_ref().unwrap().value, Some(3.0));
//! let mut om = Vec::new();
//! registry.encode_format(Format::OpenMetrics, &mut om);
//! assert!(String::from_utf8(om).unwrap().contains("jobs_queued{queue=\"slow\"} 0\n"));
//! ```

use super::exemplar::Exemplar;
use super::native::NativeSnapshot;
use super::{Descriptor, Kind};
use crate::exposition::created::{self, Created};
use crate::exposition::protobuf::{self, wire};
use crate::exposition::{self, proto};
use crate::exposition::{
    openmetrics, write_f64, write_header, write_label_value, ExemplarWriter, SampleSink,
    SampleWriter,
};

/// The format an [`Encoder`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// Prometheus text exposition format 0.0.4.
    Text,
    /// OpenMetrics text 1.0.0 (the caller writes `# EOF`): exemplars on histogram buckets,
    /// `_created` lines when start times are asked for.
    OpenMetrics,
    /// Delimited protobuf `MetricFamily` messages: native buckets, exemplars, and
    /// `created_timestamp` when start times are asked for.
    Protobuf,
}

/// Writes families in one [`Target`] format into a buffer. Made by the registry for each
/// scrape and handed to every family's [`Collect::encode`](super::Collect::encode).
#[derive(Debug)]
pub struct Encoder<'o> {
    out: &'o mut Vec<u8>,
    target: Target,
    created: bool,
    /// Reused by every family: a protobuf `MetricFamily` body being written.
    msg: Vec<u8>,
    /// Reused by every family: rendered labels (text) or a `Metric` body (protobuf).
    scratch: Vec<u8>,
}

impl<'o> Encoder<'o> {
    /// An encoder appending to `out` in `target`, without start times.
    pub fn new(out: &'o mut Vec<u8>, target: Target) -> Self {
        Self {
            out,
            target,
            created: false,
            msg: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// With `created`, counters and histograms carry their start time: protobuf's
    /// `created_timestamp`, an OpenMetrics `_created` line after each series (text 0.0.4 has
    /// no place for it and ignores this).
    #[must_use]
    pub fn with_created(mut self, created: bool) -> Self {
        self.created = created && self.target != Target::Text;
        self
    }

    /// The format written.
    pub fn target(&self) -> Target {
        self.target
    }

    /// True when counters and histograms carry their start time.
    pub fn created(&self) -> bool {
        self.created
    }

    /// Starts the family of `desc` (its name, help and kind): writes its header; its series
    /// follow through the returned [`FamilyEncoder`], which ends the family when dropped.
    pub fn family(&mut self, desc: &Descriptor) -> FamilyEncoder<'_> {
        self.family_of(desc.name, desc.help, desc.kind)
    }

    /// As [`family`](Self::family), for a family without a [`Descriptor`].
    pub fn family_of<'e>(
        &'e mut self,
        name: &'e str,
        help: &'e str,
        kind: Kind,
    ) -> FamilyEncoder<'e> {
        let target = self.target;
        let started = self.created.then(created::process_start);
        let msg = &mut self.msg;
        msg.clear();
        match target {
            Target::Text => write_header(self.out, name, help, kind.as_str()),
            Target::OpenMetrics => {
                let om_kind = if kind == Kind::Counter && !name.ends_with("_total") {
                    "unknown"
                } else {
                    kind.as_str()
                };
                openmetrics::write_header(self.out, name, help, om_kind);
            }
            Target::Protobuf => {
                wire::bytes(msg, 1, name.as_bytes());
                wire::bytes(msg, 2, help.as_bytes());
                wire::uint(msg, 3, protobuf::metric_type(kind.as_str()) as u64);
            }
        }
        FamilyEncoder {
            out: &mut *self.out,
            target,
            name,
            kind,
            started,
            msg,
            scratch: &mut self.scratch,
        }
    }

    /// Writes a family of an included registry (another library's, gathered into the
    /// protobuf model).
    pub(crate) fn included(&mut self, family: &proto::MetricFamily) {
        match self.target {
            Target::Text => exposition::family::write_text(self.out, family),
            Target::OpenMetrics => exposition::family::write_openmetrics(self.out, family),
            Target::Protobuf => protobuf::write_family(self.out, family),
        }
    }

    /// The buffer, for a family that writes `target` itself (a `#[alys_metric]` family
    /// copies its pre-rendered lines).
    pub(crate) fn out(&mut self) -> &mut Vec<u8> {
        self.out
    }
}

/// A sample's value, written as the formats write numbers: integers without a fraction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A float (`+Inf`, `-Inf`, `NaN` allowed).
    F64(f64),
}

impl Value {
    fn as_f64(self) -> f64 {
        match self {
            Value::U64(v) => v as f64,
            Value::I64(v) => v as f64,
            Value::F64(v) => v,
        }
    }
}

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::U64(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::I64(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::F64(v)
    }
}

/// One histogram series as a family hands it over ([`FamilyEncoder::histogram`],
/// [`SeriesWriter::histogram`]).
#[derive(Clone, Copy)]
pub struct HistogramSeries<'a> {
    bounds: &'a [f64],
    /// The bounds rendered (`+Inf` last), when the family keeps them; else rendered here.
    le: &'a [Box<[u8]>],
    counts: &'a [u64],
    sum: f64,
    exemplars: Exemplars<'a>,
    native: Option<&'a NativeSnapshot>,
}

/// A histogram's exemplars: given, or read from its slots while being written (only for the
/// formats that carry them).
#[derive(Clone, Copy)]
enum Exemplars<'a> {
    Given(&'a [Option<Exemplar>]),
    Read(&'a dyn Fn(usize) -> Option<Exemplar>),
}

impl std::fmt::Debug for HistogramSeries<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HistogramSeries")
            .field("bounds", &self.bounds)
            .field(
                "counts",
                &(0..=self.bounds.len())
                    .map(|i| self.count(i))
                    .collect::<Vec<_>>(),
            )
            .field("sum", &self.sum())
            .finish_non_exhaustive()
    }
}

impl<'a> HistogramSeries<'a> {
    /// The classic buckets: `counts[i]` observations (not cumulative) at most `bounds[i]`
    /// and above the bound before; `counts` has one more entry than `bounds`, the `+Inf`
    /// bucket (a missing count is 0, extra ones are ignored). `sum` is the sum of the
    /// observations.
    pub fn new(bounds: &'a [f64], counts: &'a [u64], sum: f64) -> Self {
        Self {
            bounds,
            le: &[],
            counts,
            sum,
            exemplars: Exemplars::Given(&[]),
            native: None,
        }
    }

    /// A live child's histogram: its counts and sum read just before, its exemplars read as
    /// they are written (`le`: the bounds rendered once by the family, `+Inf` last).
    pub(crate) fn live(
        bounds: &'a [f64],
        le: &'a [Box<[u8]>],
        counts: &'a [u64],
        sum: f64,
        exemplar: &'a dyn Fn(usize) -> Option<Exemplar>,
    ) -> Self {
        Self {
            bounds,
            le,
            counts,
            sum,
            exemplars: Exemplars::Read(exemplar),
            native: None,
        }
    }

    /// The exemplar of each classic bucket (index as `counts`), written in OpenMetrics and
    /// protobuf.
    #[must_use]
    pub fn exemplars(mut self, exemplars: &'a [Option<Exemplar>]) -> Self {
        self.exemplars = Exemplars::Given(exemplars);
        self
    }

    /// The native buckets, written in protobuf.
    #[must_use]
    pub fn native(mut self, native: Option<&'a NativeSnapshot>) -> Self {
        self.native = native;
        self
    }

    #[inline]
    fn count(&self, i: usize) -> u64 {
        self.counts.get(i).copied().unwrap_or(0)
    }

    fn sum(&self) -> f64 {
        self.sum
    }

    fn exemplar(&self, i: usize) -> Option<Exemplar> {
        match self.exemplars {
            Exemplars::Given(e) => e.get(i).copied().flatten(),
            Exemplars::Read(f) => f(i),
        }
    }

    fn bound(&self, i: usize) -> f64 {
        self.bounds.get(i).copied().unwrap_or(f64::INFINITY)
    }

    /// Each bucket's own count, upper bound and exemplar, `+Inf` last.
    fn buckets(&self) -> impl ExactSizeIterator<Item = (u64, f64, Option<Exemplar>)> + '_ {
        (0..self.bounds.len() + 1).map(|i| (self.count(i), self.bound(i), self.exemplar(i)))
    }
}

/// Where one series writes its value, whatever the format: what a family's child
/// ([`MetricCore::encode`](super::MetricCore::encode)) and a [`FamilyEncoder`] write through.
/// The text writers put each value after its line's name and labels (rendered then, or
/// copied from the family's pre-rendered prefixes), the protobuf writer into the series'
/// `Metric` message.
pub trait SeriesWriter {
    /// The format written: a child skips reading what it does not carry (exemplars in text
    /// 0.0.4, native buckets outside protobuf).
    fn target(&self) -> Target;
    /// A counter's or gauge's value, and a counter's exemplar (OpenMetrics, protobuf).
    fn value(&mut self, v: Value, exemplar: Option<&Exemplar>);
    /// A histogram: its buckets, sum and count, exemplars (OpenMetrics, protobuf) and native
    /// buckets (protobuf).
    fn histogram(&mut self, h: &HistogramSeries<'_>);
}

/// The text writer of one series: each sample through a [`SampleSink`] (a line rendered
/// whole, or a value after a pre-rendered prefix), exemplars when the sink takes them.
pub(crate) struct TextSeries<'s, S: SampleSink>(pub(crate) &'s mut S);

impl<S: SampleSink> SeriesWriter for TextSeries<'_, S> {
    fn target(&self) -> Target {
        if self.0.wants_exemplars() {
            Target::OpenMetrics
        } else {
            Target::Text
        }
    }

    #[inline]
    fn value(&mut self, v: Value, exemplar: Option<&Exemplar>) {
        match v {
            Value::U64(v) => self.0.u64("", None, v),
            Value::I64(v) => self.0.i64("", v),
            Value::F64(v) => self.0.f64("", v),
        }
        if let Some(e) = exemplar {
            self.0.exemplar(e);
        }
    }

    fn histogram(&mut self, h: &HistogramSeries<'_>) {
        let exemplars = self.0.wants_exemplars();
        let mut acc: u64 = 0;
        let mut rendered = Vec::new();
        for i in 0..=h.bounds.len() {
            acc += h.count(i);
            let le = match h.le.get(i) {
                Some(le) => &le[..],
                None => {
                    rendered.clear();
                    write_f64(&mut rendered, h.bound(i));
                    &rendered[..]
                }
            };
            self.0.u64("_bucket", Some(("le", le)), acc);
            if exemplars {
                if let Some(e) = h.exemplar(i) {
                    self.0.exemplar(&e);
                }
            }
        }
        self.0.f64("_sum", h.sum());
        self.0.u64("_count", None, acc);
    }
}

/// The protobuf writer of one series: its value field appended to the `Metric` message
/// being written, with the series' start time (a `Timestamp`'s body) for a counter or a
/// histogram when given.
pub(crate) struct ProtoSeries<'m> {
    pub(crate) m: &'m mut Vec<u8>,
    pub(crate) kind: Kind,
    pub(crate) created: Option<&'m [u8]>,
}

impl SeriesWriter for ProtoSeries<'_> {
    fn target(&self) -> Target {
        Target::Protobuf
    }

    fn value(&mut self, v: Value, exemplar: Option<&Exemplar>) {
        let v = v.as_f64();
        match (self.kind, exemplar, self.created) {
            (Kind::Counter, None, None) => wire::counter(self.m, v),
            (Kind::Counter, None, Some(c)) => wire::counter_created(self.m, v, c),
            (Kind::Counter, Some(e), created) => {
                let mut c = Vec::with_capacity(112);
                wire::double(&mut c, 1, v);
                wire::exemplar(&mut c, 2, e);
                if let Some(created) = created {
                    wire::message(&mut c, 3, created);
                }
                wire::message(self.m, 3, &c);
            }
            _ => wire::gauge(self.m, v),
        }
    }

    fn histogram(&mut self, h: &HistogramSeries<'_>) {
        write_histogram_proto(self.m, h.native, h.buckets(), || h.sum(), self.created);
    }
}

/// Writes the `histogram` field (7) of a protobuf `Metric` being written: the native buckets
/// when there are some (read them before the classic ones, so that the count covers them),
/// then each classic bucket from `buckets` (its own count, not cumulative; its upper bound,
/// `+Inf` last; its exemplar), the count (the sum of the bucket counts), `sum()` and, when
/// given, the `created_timestamp` (field 15; `created` is a `Timestamp`'s body).
fn write_histogram_proto(
    m: &mut Vec<u8>,
    native: Option<&NativeSnapshot>,
    buckets: impl ExactSizeIterator<Item = (u64, f64, Option<Exemplar>)>,
    sum: impl FnOnce() -> f64,
    created: Option<&[u8]>,
) {
    let mut h = Vec::with_capacity(64 + 24 * buckets.len());
    if let Some(n) = native {
        wire::sint(&mut h, 5, i64::from(n.schema));
        wire::double(&mut h, 6, n.zero_threshold);
        wire::uint(&mut h, 7, n.zero_count);
        let mut span = Vec::with_capacity(16);
        for (buckets, span_tag, delta_tag) in [(&n.negative, 9, 10), (&n.positive, 12, 13)] {
            let (spans, deltas) = super::native::spans_and_deltas(buckets);
            for (offset, length) in spans {
                span.clear();
                wire::sint(&mut span, 1, i64::from(offset));
                wire::uint(&mut span, 2, u64::from(length));
                wire::message(&mut h, span_tag, &span);
            }
            for d in deltas {
                wire::sint(&mut h, delta_tag, d);
            }
        }
    }
    let mut acc = 0;
    let mut bucket = Vec::with_capacity(24);
    // A native histogram's exemplars also go in its own `exemplars` field (16, each with its
    // timestamp), as client_golang writes them: Prometheus 3 reads that field for native
    // histograms and, without it, keeps the bucket exemplars of only some series of a family;
    // Prometheus 2 reads the bucket exemplars.
    let mut native_exemplars = Vec::new();
    for (count, bound, exemplar) in buckets {
        acc += count;
        bucket.clear();
        wire::uint(&mut bucket, 1, acc);
        wire::double(&mut bucket, 2, bound);
        if let Some(e) = exemplar {
            wire::exemplar(&mut bucket, 3, &e);
            if native.is_some() {
                wire::exemplar(&mut native_exemplars, 16, &e);
            }
        }
        wire::message(&mut h, 3, &bucket);
    }
    wire::uint(&mut h, 1, acc);
    wire::double(&mut h, 2, sum());
    if let Some(c) = created {
        wire::message(&mut h, 15, c);
    }
    h.extend_from_slice(&native_exemplars);
    wire::message(m, 7, &h);
}

/// The series of one family being written (see [`Encoder::family`]). Dropping it ends the
/// family (protobuf writes the `MetricFamily` then).
#[derive(Debug)]
pub struct FamilyEncoder<'e> {
    out: &'e mut Vec<u8>,
    target: Target,
    name: &'e str,
    kind: Kind,
    /// The start time of the family's counters and histograms, when asked for.
    started: Option<&'static Created>,
    /// Protobuf: the `MetricFamily` body.
    msg: &'e mut Vec<u8>,
    /// Rendered labels (text) or a `Metric` body (protobuf).
    scratch: &'e mut Vec<u8>,
}

impl FamilyEncoder<'_> {
    /// The format written: a family can skip reading what it does not carry (exemplars in
    /// text 0.0.4, native buckets outside protobuf).
    pub fn target(&self) -> Target {
        self.target
    }

    /// Writes one counter or gauge series: its label pairs (names as declared, values
    /// escaped here) and its value. A histogram family's series go through
    /// [`histogram`](Self::histogram); a sample given one is written as a gauge would be in
    /// protobuf and as a plain line in text.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: impl Into<Value>) {
        let value = value.into();
        self.series(labels, |w| w.value(value, None));
    }

    /// Writes one histogram series: its label pairs and buckets (text 0.0.4 writes the
    /// classic buckets, sum and count; OpenMetrics adds the exemplars; protobuf also the
    /// native buckets).
    pub fn histogram(&mut self, labels: &[(&str, &str)], h: &HistogramSeries<'_>) {
        self.series(labels, |w| w.histogram(h));
    }

    /// Writes one series: its labels, then `write` with the writer of the format, then (in
    /// OpenMetrics with start times) its `_created` line.
    fn series(&mut self, labels: &[(&str, &str)], write: impl FnOnce(&mut dyn SeriesWriter)) {
        match self.target {
            Target::Text | Target::OpenMetrics => {
                self.render_labels(labels);
                let w = SampleWriter {
                    out: &mut *self.out,
                    name: self.name,
                    labels: self.scratch,
                };
                if self.target == Target::OpenMetrics {
                    write(&mut TextSeries(&mut ExemplarWriter(w)));
                } else {
                    write(&mut TextSeries(&mut { w }));
                }
                if matches!(self.kind, Kind::Counter | Kind::Histogram) {
                    self.created_line();
                }
            }
            Target::Protobuf => {
                self.scratch.clear();
                for (name, value) in labels {
                    wire::label_pair(self.scratch, name, value);
                }
                write(&mut ProtoSeries {
                    m: &mut *self.scratch,
                    kind: self.kind,
                    created: self.started.map(Created::proto_body),
                });
                wire::message(self.msg, 4, self.scratch);
            }
        }
    }

    /// Renders `a="x",b="y"` into the scratch buffer.
    fn render_labels(&mut self, labels: &[(&str, &str)]) {
        self.scratch.clear();
        for (i, (name, value)) in labels.iter().enumerate() {
            if i > 0 {
                self.scratch.push(b',');
            }
            self.scratch.extend_from_slice(name.as_bytes());
            self.scratch.extend_from_slice(b"=\"");
            write_label_value(self.scratch, value);
            self.scratch.push(b'"');
        }
    }

    /// OpenMetrics with start times: `<family>_created{labels} seconds` after a series.
    fn created_line(&mut self) {
        let Some(c) = self.started else { return };
        if self.kind == Kind::Counter && !self.name.ends_with("_total") {
            // Written as `unknown` (see `family_of`): OpenMetrics has no `_created` for it.
            return;
        }
        let family = openmetrics::family_name(self.name, self.kind.as_str());
        let out = &mut *self.out;
        out.extend_from_slice(family.as_bytes());
        out.extend_from_slice(b"_created");
        if !self.scratch.is_empty() {
            out.push(b'{');
            out.extend_from_slice(self.scratch);
            out.push(b'}');
        }
        out.push(b' ');
        out.extend_from_slice(c.seconds().as_bytes());
        out.push(b'\n');
    }
}

impl Drop for FamilyEncoder<'_> {
    fn drop(&mut self) {
        if self.target == Target::Protobuf {
            wire::varint(self.out, self.msg.len() as u64);
            self.out.extend_from_slice(self.msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::exemplar::TraceId;

    static JOBS: Descriptor = Descriptor::new("jobs_total", "Jobs \"done\".", Kind::Counter);
    static WAIT: Descriptor = Descriptor::new("wait_seconds", "Wait.", Kind::Histogram);

    fn write(target: Target, created: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, target).with_created(created);
        enc.family(&JOBS).sample(&[("queue", "a\"b")], 3_u64);
        let e = Exemplar {
            value: 0.2,
            trace_id: TraceId::from_u64(0xab),
            timestamp_ms: 1_700_000_000_123,
        };
        let exemplars = [None, Some(e), None];
        enc.family(&WAIT).histogram(
            &[],
            &HistogramSeries::new(&[0.1, 1.0], &[1, 2, 0], 0.45).exemplars(&exemplars),
        );
        out
    }

    #[test]
    fn text_is_text_0_0_4() {
        assert_eq!(
            String::from_utf8(write(Target::Text, true)).unwrap(),
            "# HELP jobs_total Jobs \"done\".\n# TYPE jobs_total counter\n\
             jobs_total{queue=\"a\\\"b\"} 3\n\
             # HELP wait_seconds Wait.\n# TYPE wait_seconds histogram\n\
             wait_seconds_bucket{le=\"0.1\"} 1\nwait_seconds_bucket{le=\"1\"} 3\n\
             wait_seconds_bucket{le=\"+Inf\"} 3\nwait_seconds_sum 0.45\nwait_seconds_count 3\n"
        );
    }

    #[test]
    fn openmetrics_has_its_headers_exemplars_and_created_lines_when_asked() {
        let plain = String::from_utf8(write(Target::OpenMetrics, false)).unwrap();
        assert!(plain.starts_with("# HELP jobs Jobs \\\"done\\\".\n# TYPE jobs counter\n"));
        assert!(plain.contains(
            "wait_seconds_bucket{le=\"1\"} 3 # {trace_id=\"00000000000000ab\"} 0.2 1700000000.123\n"
        ));
        assert!(plain.contains("# UNIT wait_seconds seconds\n"));
        assert!(!plain.contains("_created"));
        let created = String::from_utf8(write(Target::OpenMetrics, true)).unwrap();
        let start = created::process_start().seconds();
        assert!(created.contains(&format!(
            "jobs_total{{queue=\"a\\\"b\"}} 3\njobs_created{{queue=\"a\\\"b\"}} {start}\n"
        )));
        assert!(created.contains(&format!(
            "wait_seconds_count 3\nwait_seconds_created {start}\n"
        )));
    }

    #[test]
    fn a_counter_named_without_total_is_unknown_in_openmetrics_with_no_created_line() {
        static LEGACY: Descriptor = Descriptor::new("legacy_pegins", "Old name.", Kind::Counter);
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, Target::OpenMetrics).with_created(true);
        enc.family(&LEGACY).sample(&[], 2_u64);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "# HELP legacy_pegins Old name.\n# TYPE legacy_pegins unknown\nlegacy_pegins 2\n"
        );
    }

    #[test]
    fn protobuf_carries_the_same_values_and_start_times_when_asked() {
        let families = protobuf::decode(&write(Target::Protobuf, true)).unwrap();
        assert_eq!(families.len(), 2);
        let c = families[0].metric[0].counter.as_ref().unwrap();
        assert_eq!(c.value, Some(3.0));
        assert_eq!(
            c.created_timestamp,
            Some(created::process_start().timestamp())
        );
        assert_eq!(
            families[0].metric[0].label[0].value.as_deref(),
            Some("a\"b")
        );
        assert_eq!(
            families[1].r#type,
            Some(proto::MetricType::Histogram as i32)
        );
        let h = families[1].metric[0].histogram.as_ref().unwrap();
        assert_eq!((h.sample_count, h.sample_sum), (Some(3), Some(0.45)));
        let cumulative: Vec<_> = h.bucket.iter().map(|b| b.cumulative_count).collect();
        assert_eq!(cumulative, [Some(1), Some(3), Some(3)]);
        assert!(h.bucket[1].exemplar.is_some());
        let plain = protobuf::decode(&write(Target::Protobuf, false)).unwrap();
        assert_eq!(
            plain[0].metric[0]
                .counter
                .as_ref()
                .unwrap()
                .created_timestamp,
            None
        );
    }
}
