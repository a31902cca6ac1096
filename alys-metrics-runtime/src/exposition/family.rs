//! Text 0.0.4 and OpenMetrics of a protobuf [`MetricFamily`](proto::MetricFamily): how the
//! families of included registries (another library's, gathered into the protobuf model) are
//! written in the text formats, and which names a family takes in any format
//! ([`occupied_names`]), the set two families must not share.

use super::openmetrics;
use super::proto::{self, MetricType};
use super::text::{write_f64, write_header, write_i64, write_label_value, write_u64};

/// A family's type; an unknown number is untyped.
pub fn kind_of(family: &proto::MetricFamily) -> MetricType {
    family
        .r#type
        .and_then(|t| MetricType::try_from(t).ok())
        .unwrap_or(MetricType::Untyped)
}

/// The text 0.0.4 `# TYPE` word of a type.
pub fn type_word(kind: MetricType) -> &'static str {
    match kind {
        MetricType::Counter => "counter",
        MetricType::Gauge => "gauge",
        MetricType::Summary => "summary",
        MetricType::Histogram | MetricType::GaugeHistogram => "histogram",
        MetricType::Untyped => "untyped",
    }
}

/// Every name a family of this name and type takes in some format: its name, its sample
/// names (`_bucket`, `_sum`, `_count` of a histogram; `_sum`, `_count` of a summary) and its
/// OpenMetrics family name (a counter's without `_total`). Two families served together must
/// not share one: Prometheus would read the same series twice, or an OpenMetrics parser two
/// families of one name.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::encode::{family::occupied_names, proto::MetricType};
/// assert_eq!(occupied_names("rpc_total", MetricType::Counter), ["rpc_total", "rpc"]);
/// assert_eq!(
///     occupied_names("lag_seconds", MetricType::Histogram),
///     ["lag_seconds", "lag_seconds_bucket", "lag_seconds_sum", "lag_seconds_count"]
/// );
/// ```
pub fn occupied_names(name: &str, kind: MetricType) -> Vec<String> {
    let mut names = vec![name.to_owned()];
    let suffixes: &[&str] = match kind {
        MetricType::Histogram | MetricType::GaugeHistogram => &["_bucket", "_sum", "_count"],
        MetricType::Summary => &["_sum", "_count"],
        MetricType::Counter => {
            if let Some(base) = name.strip_suffix("_total") {
                names.push(base.to_owned());
            }
            &[]
        }
        MetricType::Gauge | MetricType::Untyped => &[],
    };
    names.extend(suffixes.iter().map(|s| format!("{name}{s}")));
    names
}

/// The OpenMetrics type of a family: a counter named without `_total` is `unknown` (its
/// samples keep the name text 0.0.4 and protobuf give them; OpenMetrics allows no counter
/// sample without `_total`), `untyped` is `unknown`.
pub fn openmetrics_type(name: &str, kind: MetricType) -> &'static str {
    match kind {
        MetricType::Counter if !name.ends_with("_total") => "unknown",
        MetricType::Untyped => "unknown",
        k => type_word(k),
    }
}

/// Appends one family in text 0.0.4: `# HELP`, `# TYPE` and its samples (a histogram gets
/// its `+Inf` bucket when the family lacks it, as the `prometheus` crate's `TextEncoder`
/// adds it).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::encode::{family, proto, protobuf};
/// let f = proto::MetricFamily {
///     name: Some("jobs_total".into()),
///     help: Some("Jobs.".into()),
///     r#type: Some(proto::MetricType::Counter as i32),
///     metric: vec![proto::Metric {
///         label: vec![protobuf::label("queue", "a\"b")],
///         counter: Some(proto::Counter { value: Some(3.0), ..Default::default() }),
///         ..Default::default()
///     }],
///     unit: None,
/// };
/// let mut text = Vec::new();
/// family::write_text(&mut text, &f);
/// assert_eq!(
///     String::from_utf8(text).unwrap(),
///     "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total{queue=\"a\\\"b\"} 3\n"
/// );
/// ```
pub fn write_text(out: &mut Vec<u8>, family: &proto::MetricFamily) {
    let name = family.name.as_deref().unwrap_or_default();
    let kind = kind_of(family);
    write_header(
        out,
        name,
        family.help.as_deref().unwrap_or_default(),
        type_word(kind),
    );
    write_samples(out, name, kind, &family.metric, false);
}

/// Appends one family in OpenMetrics text 1.0.0 (without `# EOF`): its headers
/// ([`openmetrics::write_header`], the type by [`openmetrics_type`]) and the same sample
/// lines as text 0.0.4, timestamps in seconds.
pub fn write_openmetrics(out: &mut Vec<u8>, family: &proto::MetricFamily) {
    let name = family.name.as_deref().unwrap_or_default();
    let kind = kind_of(family);
    openmetrics::write_header(
        out,
        name,
        family.help.as_deref().unwrap_or_default(),
        openmetrics_type(name, kind),
    );
    write_samples(out, name, kind, &family.metric, true);
}

fn write_samples(
    out: &mut Vec<u8>,
    name: &str,
    kind: MetricType,
    metrics: &[proto::Metric],
    om: bool,
) {
    let mut bound = Vec::with_capacity(24);
    let (no_histogram, no_summary) = (proto::Histogram::default(), proto::Summary::default());
    for m in metrics {
        let mut line = Line {
            out: &mut *out,
            name,
            labels: &m.label,
            timestamp_ms: m.timestamp_ms,
            om,
        };
        match kind {
            MetricType::Histogram | MetricType::GaugeHistogram => {
                let h = m.histogram.as_ref().unwrap_or(&no_histogram);
                let count = h.sample_count.unwrap_or(0);
                let mut inf = false;
                for b in &h.bucket {
                    let le = b.upper_bound.unwrap_or(f64::INFINITY);
                    inf |= le == f64::INFINITY;
                    bound.clear();
                    write_f64(&mut bound, le);
                    line.sample("_bucket", Some(("le", &bound)), |o| {
                        write_u64(o, b.cumulative_count.unwrap_or(0));
                    });
                }
                if !inf {
                    line.sample("_bucket", Some(("le", b"+Inf")), |o| write_u64(o, count));
                }
                line.sample("_sum", None, |o| write_f64(o, h.sample_sum.unwrap_or(0.0)));
                line.sample("_count", None, |o| write_u64(o, count));
            }
            MetricType::Summary => {
                let s = m.summary.as_ref().unwrap_or(&no_summary);
                for q in &s.quantile {
                    bound.clear();
                    write_f64(&mut bound, q.quantile.unwrap_or(0.0));
                    line.sample("", Some(("quantile", &bound)), |o| {
                        write_f64(o, q.value.unwrap_or(0.0));
                    });
                }
                line.sample("_sum", None, |o| write_f64(o, s.sample_sum.unwrap_or(0.0)));
                line.sample("_count", None, |o| {
                    write_u64(o, s.sample_count.unwrap_or(0));
                });
            }
            MetricType::Counter | MetricType::Gauge | MetricType::Untyped => {
                let v = m
                    .counter
                    .as_ref()
                    .and_then(|c| c.value)
                    .or_else(|| m.gauge.as_ref().and_then(|g| g.value))
                    .or_else(|| m.untyped.as_ref().and_then(|u| u.value))
                    .unwrap_or(0.0);
                line.sample("", None, |o| write_f64(o, v));
            }
        }
    }
}

/// One metric's sample lines.
struct Line<'a> {
    out: &'a mut Vec<u8>,
    name: &'a str,
    labels: &'a [proto::LabelPair],
    timestamp_ms: Option<i64>,
    om: bool,
}

impl Line<'_> {
    /// `name[suffix]{labels[,extra]} value[ timestamp]`.
    fn sample(
        &mut self,
        suffix: &str,
        extra: Option<(&str, &[u8])>,
        value: impl FnOnce(&mut Vec<u8>),
    ) {
        let out = &mut *self.out;
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(suffix.as_bytes());
        if !self.labels.is_empty() || extra.is_some() {
            out.push(b'{');
            for (i, l) in self.labels.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(l.name.as_deref().unwrap_or_default().as_bytes());
                out.extend_from_slice(b"=\"");
                write_label_value(out, l.value.as_deref().unwrap_or_default());
                out.push(b'"');
            }
            if let Some((k, v)) = extra {
                if !self.labels.is_empty() {
                    out.push(b',');
                }
                out.extend_from_slice(k.as_bytes());
                out.extend_from_slice(b"=\"");
                out.extend_from_slice(v);
                out.push(b'"');
            }
            out.push(b'}');
        }
        out.push(b' ');
        value(out);
        if let Some(ts) = self.timestamp_ms.filter(|&t| t != 0) {
            out.push(b' ');
            if self.om {
                write_f64(out, ts as f64 / 1000.0);
            } else {
                write_i64(out, ts);
            }
        }
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::protobuf;

    fn histogram() -> proto::MetricFamily {
        proto::MetricFamily {
            name: Some("lag_seconds".into()),
            help: Some("Lag, \\ \"quoted\".".into()),
            r#type: Some(MetricType::Histogram as i32),
            metric: vec![proto::Metric {
                label: vec![protobuf::label("peer", "p1")],
                histogram: Some(proto::Histogram {
                    sample_count: Some(3),
                    sample_sum: Some(1.25),
                    bucket: vec![
                        proto::Bucket {
                            cumulative_count: Some(1),
                            upper_bound: Some(0.005),
                            ..Default::default()
                        },
                        proto::Bucket {
                            cumulative_count: Some(2),
                            upper_bound: Some(1.0),
                            ..Default::default()
                        },
                    ],
                    ..Default::default()
                }),
                timestamp_ms: Some(1_700_000_000_123),
                ..Default::default()
            }],
            unit: None,
        }
    }

    #[test]
    fn a_histogram_gets_its_inf_bucket_in_both_texts() {
        let mut text = Vec::new();
        write_text(&mut text, &histogram());
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "# HELP lag_seconds Lag, \\\\ \"quoted\".\n# TYPE lag_seconds histogram\n\
             lag_seconds_bucket{peer=\"p1\",le=\"0.005\"} 1 1700000000123\n\
             lag_seconds_bucket{peer=\"p1\",le=\"1\"} 2 1700000000123\n\
             lag_seconds_bucket{peer=\"p1\",le=\"+Inf\"} 3 1700000000123\n\
             lag_seconds_sum{peer=\"p1\"} 1.25 1700000000123\n\
             lag_seconds_count{peer=\"p1\"} 3 1700000000123\n"
        );
        let mut om = Vec::new();
        write_openmetrics(&mut om, &histogram());
        let om = String::from_utf8(om).unwrap();
        assert!(om.starts_with(
            "# HELP lag_seconds Lag, \\\\ \\\"quoted\\\".\n# TYPE lag_seconds histogram\n\
             # UNIT lag_seconds seconds\nlag_seconds_bucket{peer=\"p1\",le=\"0.005\"} 1 1700000000.123\n"
        ));
    }

    #[test]
    fn a_counter_without_total_is_unknown_in_openmetrics_under_its_own_name() {
        let f = proto::MetricFamily {
            name: Some("pegin_totals".into()),
            help: Some("Peg-ins.".into()),
            r#type: Some(MetricType::Counter as i32),
            metric: vec![proto::Metric {
                counter: Some(proto::Counter {
                    value: Some(2.0),
                    ..Default::default()
                }),
                ..Default::default()
            }],
            unit: None,
        };
        let mut om = Vec::new();
        write_openmetrics(&mut om, &f);
        assert_eq!(
            String::from_utf8(om).unwrap(),
            "# HELP pegin_totals Peg-ins.\n# TYPE pegin_totals unknown\npegin_totals 2\n"
        );
        assert_eq!(
            occupied_names("pegin_totals", MetricType::Counter),
            ["pegin_totals"]
        );
    }

    #[test]
    fn a_summary_writes_its_quantiles() {
        let f = proto::MetricFamily {
            name: Some("rtt".into()),
            help: Some("RTT.".into()),
            r#type: Some(MetricType::Summary as i32),
            metric: vec![proto::Metric {
                summary: Some(proto::Summary {
                    sample_count: Some(4),
                    sample_sum: Some(2.0),
                    quantile: vec![proto::Quantile {
                        quantile: Some(0.5),
                        value: Some(0.25),
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            }],
            unit: None,
        };
        let mut text = Vec::new();
        write_text(&mut text, &f);
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "# HELP rtt RTT.\n# TYPE rtt summary\nrtt{quantile=\"0.5\"} 0.25\nrtt_sum 2\nrtt_count 4\n"
        );
    }
}
