//! The Prometheus protobuf format: one varint-length-delimited `MetricFamily` ([`proto`]) per
//! family. Families write their messages from their values (native buckets and exemplars
//! included, see `metric::encoder`); the text of an included registry is parsed
//! ([`parse_text`]).

use prost::Message as _;

use super::exemplar::Exemplar;
use super::proto;
use super::text::unescape_help;

/// Writing protobuf fields directly, without building messages: how declared families write
/// their `MetricFamily` (no allocation per series). Field numbers are `metrics.proto`'s.
pub mod wire {
    use prost::encoding::{encode_varint, encoded_len_varint};

    /// A varint.
    #[inline]
    pub fn varint(out: &mut Vec<u8>, v: u64) {
        encode_varint(v, out);
    }

    /// A field key: `tag` and wire type (0 varint, 1 64-bit, 2 length-delimited).
    #[inline]
    pub fn key(out: &mut Vec<u8>, tag: u32, wire_type: u8) {
        varint(out, u64::from(tag << 3 | u32::from(wire_type)));
    }

    /// A string or bytes field.
    #[inline]
    pub fn bytes(out: &mut Vec<u8>, tag: u32, b: &[u8]) {
        key(out, tag, 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }

    /// A `double` field.
    #[inline]
    pub fn double(out: &mut Vec<u8>, tag: u32, v: f64) {
        key(out, tag, 1);
        out.extend_from_slice(&v.to_le_bytes());
    }

    /// A `uint64` (or enum) field.
    #[inline]
    pub fn uint(out: &mut Vec<u8>, tag: u32, v: u64) {
        key(out, tag, 0);
        varint(out, v);
    }

    /// A `LabelPair` as field 1 of a `Metric`.
    #[inline]
    pub fn label_pair(out: &mut Vec<u8>, name: &str, value: &str) {
        let len = 2
            + encoded_len_varint(name.len() as u64)
            + name.len()
            + encoded_len_varint(value.len() as u64)
            + value.len();
        key(out, 1, 2);
        varint(out, len as u64);
        bytes(out, 1, name.as_bytes());
        bytes(out, 2, value.as_bytes());
    }

    /// The `counter` field of a `Metric` (field 3) with its value.
    #[inline]
    pub fn counter(out: &mut Vec<u8>, v: f64) {
        key(out, 3, 2);
        varint(out, 9);
        double(out, 1, v);
    }

    /// The `counter` field of a `Metric` (field 3) with its value and its
    /// `created_timestamp` (field 3 of `Counter`), `created` being a `Timestamp`'s body.
    #[inline]
    pub fn counter_created(out: &mut Vec<u8>, v: f64, created: &[u8]) {
        let len = 9 + 1 + encoded_len_varint(created.len() as u64) + created.len();
        key(out, 3, 2);
        varint(out, len as u64);
        double(out, 1, v);
        bytes(out, 3, created);
    }

    /// The `gauge` field of a `Metric` (field 2) with its value.
    #[inline]
    pub fn gauge(out: &mut Vec<u8>, v: f64) {
        key(out, 2, 2);
        varint(out, 9);
        double(out, 1, v);
    }

    /// A message field whose body is written already.
    #[inline]
    pub fn message(out: &mut Vec<u8>, tag: u32, body: &[u8]) {
        bytes(out, tag, body);
    }

    /// A `sint32`/`sint64` field (zigzag).
    #[inline]
    pub fn sint(out: &mut Vec<u8>, tag: u32, v: i64) {
        key(out, tag, 0);
        varint(out, ((v << 1) ^ (v >> 63)) as u64);
    }

    /// An `Exemplar` as field `tag`: label `trace_id`, value, timestamp.
    pub fn exemplar(out: &mut Vec<u8>, tag: u32, e: &super::Exemplar) {
        let mut id = Vec::with_capacity(32);
        e.trace_id.write_hex(&mut id);
        let mut ts = Vec::with_capacity(16);
        uint(&mut ts, 1, e.timestamp_ms / 1000);
        uint(&mut ts, 2, (e.timestamp_ms % 1000) * 1_000_000);
        let mut body = Vec::with_capacity(80);
        let pair_len = 2 + 8 + 1 + id.len() + 1; // "trace_id" and the id, with their keys
        key(&mut body, 1, 2);
        varint(&mut body, pair_len as u64);
        bytes(&mut body, 1, b"trace_id");
        bytes(&mut body, 2, &id);
        double(&mut body, 2, e.value);
        message(&mut body, 3, &ts);
        message(out, tag, &body);
    }

    /// A built message as field `tag`.
    pub fn prost_message(out: &mut Vec<u8>, tag: u32, m: &impl prost::Message) {
        key(out, tag, 2);
        varint(out, m.encoded_len() as u64);
        m.encode_raw(out);
    }
}

/// Appends one family, length-delimited.
pub fn write_family(out: &mut Vec<u8>, family: &proto::MetricFamily) {
    // Writing into a Vec cannot run out of space.
    let _ = family.encode_length_delimited(out);
}

/// A `LabelPair`.
pub fn label(name: &str, value: &str) -> proto::LabelPair {
    proto::LabelPair {
        name: Some(name.to_owned()),
        value: Some(value.to_owned()),
    }
}

/// An exemplar as the protobuf format carries it: label `trace_id`, value and timestamp.
pub fn exemplar(e: &Exemplar) -> proto::Exemplar {
    proto::Exemplar {
        label: vec![label("trace_id", &e.trace_id.to_hex())],
        value: Some(e.value),
        timestamp: Some(proto::Timestamp {
            seconds: (e.timestamp_ms / 1000) as i64,
            nanos: ((e.timestamp_ms % 1000) * 1_000_000) as i32,
        }),
    }
}

/// The protobuf type of a text `# TYPE`.
pub fn metric_type(kind: &str) -> proto::MetricType {
    match kind {
        "counter" => proto::MetricType::Counter,
        "gauge" => proto::MetricType::Gauge,
        "histogram" => proto::MetricType::Histogram,
        "summary" => proto::MetricType::Summary,
        _ => proto::MetricType::Untyped,
    }
}

/// One parsed sample line.
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
    timestamp_ms: Option<i64>,
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// Parses `name{a="x",b="y"} value [timestamp]`; `None` for a malformed line.
fn parse_sample(line: &str) -> Option<Sample> {
    let name_end = line.find(['{', ' '])?;
    let name = line[..name_end].to_owned();
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(r) = rest.strip_prefix('{') {
        let mut r = r;
        loop {
            r = r.trim_start_matches([',', ' ']);
            if let Some(after) = r.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = r.find('=')?;
            let key = r[..eq].trim().to_owned();
            r = r[eq + 1..].strip_prefix('"')?;
            let mut value = String::new();
            let mut chars = r.char_indices();
            let end = loop {
                let (i, c) = chars.next()?;
                match c {
                    '\\' => match chars.next()?.1 {
                        'n' => value.push('\n'),
                        o => value.push(o),
                    },
                    '"' => break i,
                    c => value.push(c),
                }
            };
            labels.push((key, value));
            r = &r[end + 1..];
        }
    }
    let mut fields = rest.split_whitespace();
    let value = parse_value(fields.next()?)?;
    let timestamp_ms = match fields.next() {
        Some(t) => Some(t.parse().ok()?),
        None => None,
    };
    Some(Sample {
        name,
        labels,
        value,
        timestamp_ms,
    })
}

/// Builds the metrics of one family from its samples.
fn build(name: &str, kind: proto::MetricType, samples: Vec<Sample>) -> Vec<proto::Metric> {
    let pairs = |labels: &[(String, String)]| -> Vec<proto::LabelPair> {
        labels.iter().map(|(k, v)| label(k, v)).collect()
    };
    let mut metrics: Vec<(Vec<(String, String)>, proto::Metric)> = Vec::new();
    for s in samples {
        let suffix = s.name.strip_prefix(name).unwrap_or("");
        match kind {
            proto::MetricType::Histogram | proto::MetricType::Summary => {
                let mut labels = s.labels.clone();
                let special = if kind == proto::MetricType::Histogram {
                    "le"
                } else {
                    "quantile"
                };
                let bound = labels
                    .iter()
                    .position(|(k, _)| k == special)
                    .map(|i| labels.remove(i).1);
                let at = match metrics.iter().position(|(l, _)| *l == labels) {
                    Some(i) => i,
                    None => {
                        let m = proto::Metric {
                            label: pairs(&labels),
                            timestamp_ms: s.timestamp_ms,
                            ..Default::default()
                        };
                        metrics.push((labels, m));
                        metrics.len() - 1
                    }
                };
                let m = &mut metrics[at].1;
                if kind == proto::MetricType::Histogram {
                    let h = m.histogram.get_or_insert_with(Default::default);
                    match (suffix, bound.as_deref().and_then(parse_value)) {
                        ("_bucket", Some(le)) => h.bucket.push(proto::Bucket {
                            cumulative_count: Some(s.value as u64),
                            upper_bound: Some(le),
                            ..Default::default()
                        }),
                        ("_sum", _) => h.sample_sum = Some(s.value),
                        ("_count", _) => h.sample_count = Some(s.value as u64),
                        _ => {}
                    }
                } else {
                    let q = m.summary.get_or_insert_with(Default::default);
                    match (suffix, bound.as_deref().and_then(parse_value)) {
                        ("", Some(quantile)) => q.quantile.push(proto::Quantile {
                            quantile: Some(quantile),
                            value: Some(s.value),
                        }),
                        ("_sum", _) => q.sample_sum = Some(s.value),
                        ("_count", _) => q.sample_count = Some(s.value as u64),
                        _ => {}
                    }
                }
            }
            _ => {
                let mut m = proto::Metric {
                    label: pairs(&s.labels),
                    timestamp_ms: s.timestamp_ms,
                    ..Default::default()
                };
                match kind {
                    proto::MetricType::Counter => {
                        m.counter = Some(proto::Counter {
                            value: Some(s.value),
                            ..Default::default()
                        })
                    }
                    proto::MetricType::Gauge => {
                        m.gauge = Some(proto::Gauge {
                            value: Some(s.value),
                        })
                    }
                    _ => {
                        m.untyped = Some(proto::Untyped {
                            value: Some(s.value),
                        })
                    }
                }
                metrics.push((s.labels, m));
            }
        }
    }
    metrics.into_iter().map(|(_, m)| m).collect()
}

/// Parses text 0.0.4 (as a `prometheus` crate's `TextEncoder` writes it, or another
/// library's text an included registry gives: `# HELP` and `# TYPE` before each family's samples) into its families, in
/// order. Malformed sample lines are skipped; a sample before any `# TYPE` starts an untyped
/// family of its name.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::encode::protobuf;
/// let text = "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total{q=\"a\"} 3\n";
/// let families = protobuf::parse_text(text.as_bytes());
/// assert_eq!(families[0].name.as_deref(), Some("jobs_total"));
/// assert_eq!(families[0].metric[0].counter.as_ref().unwrap().value, Some(3.0));
/// ```
pub fn parse_text(text: &[u8]) -> Vec<proto::MetricFamily> {
    let text = String::from_utf8_lossy(text);
    let mut families = Vec::new();
    let mut family: Option<(String, String, proto::MetricType)> = None;
    let mut help: Option<(String, String)> = None;
    let mut samples = Vec::new();
    let flush = |family: &mut Option<(String, String, proto::MetricType)>,
                 samples: &mut Vec<Sample>,
                 families: &mut Vec<proto::MetricFamily>| {
        if let Some((name, help, kind)) = family.take() {
            let metric = build(&name, kind, std::mem::take(samples));
            families.push(proto::MetricFamily {
                name: Some(name),
                help: Some(help),
                r#type: Some(kind as i32),
                metric,
                unit: None,
            });
        }
        samples.clear();
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, h) = rest.split_once(' ').unwrap_or((rest, ""));
            help = Some((name.to_owned(), unescape_help(h)));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            flush(&mut family, &mut samples, &mut families);
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            let h = match help.take() {
                Some((n, h)) if n == name => h,
                _ => String::new(),
            };
            family = Some((name.to_owned(), h, metric_type(kind.trim())));
        } else if line.starts_with('#') || line.trim().is_empty() {
            continue;
        } else if let Some(s) = parse_sample(line) {
            if family.is_none() {
                family = Some((s.name.clone(), String::new(), proto::MetricType::Untyped));
            }
            samples.push(s);
        }
    }
    flush(&mut family, &mut samples, &mut families);
    families
}

/// Decodes a delimited protobuf body back into its families (for tests and tools).
///
/// # Errors
///
/// When the body is not a sequence of delimited `MetricFamily` messages.
pub fn decode(mut body: &[u8]) -> Result<Vec<proto::MetricFamily>, prost::DecodeError> {
    let mut out = Vec::new();
    while !body.is_empty() {
        out.push(proto::MetricFamily::decode_length_delimited(&mut body)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_parses_into_families() {
        let text = "# HELP h H \\\\ x.\n# TYPE h histogram\nh_bucket{a=\"x\\\"y\",le=\"0.5\"} 1\n\
                    h_bucket{a=\"x\\\"y\",le=\"+Inf\"} 2\nh_sum{a=\"x\\\"y\"} 1.5\nh_count{a=\"x\\\"y\"} 2\n\
                    # HELP c_total C.\n# TYPE c_total counter\nc_total 3\nc_total{k=\"v\"} 4\n";
        let fams = parse_text(text.as_bytes());
        assert_eq!(fams.len(), 2);
        assert_eq!(fams[0].help.as_deref(), Some("H \\ x."));
        let h = fams[0].metric[0].histogram.as_ref().unwrap();
        assert_eq!(fams[0].metric[0].label, vec![label("a", "x\"y")]);
        assert_eq!(h.bucket.len(), 2);
        assert_eq!(h.bucket[1].upper_bound, Some(f64::INFINITY));
        assert_eq!((h.sample_count, h.sample_sum), (Some(2), Some(1.5)));
        assert_eq!(fams[1].metric.len(), 2);
        assert_eq!(fams[1].metric[1].counter.as_ref().unwrap().value, Some(4.0));
    }
}
