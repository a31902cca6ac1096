//! [`Source`] for the `prometheus` crate's `Registry`: 0.14 (feature `prometheus`) and 0.13
//! (feature `prometheus-0_13`, the Alys node's 0.13.4). Each gathers the registry (its prefix
//! applied, as its own `TextEncoder` would serve it) into the protobuf model, which the text,
//! OpenMetrics and protobuf writers serve. A 0.13 family is copied field by field with the
//! accessors 0.13's own `TextEncoder` uses, which exist whether or not its `protobuf` feature
//! is on (the node's `prometheus = "0.13.4"` switches it on; ours leaves it off).

#[cfg(any(feature = "prometheus", feature = "prometheus-0_13"))]
use super::include::Source;
#[cfg(any(feature = "prometheus", feature = "prometheus-0_13"))]
use crate::exposition::proto;

/// Copies a 0.13 `MetricFamily` into ours.
#[cfg(feature = "prometheus-0_13")]
#[allow(deprecated)]
fn from_0_13(mf: &prometheus_0_13::proto::MetricFamily) -> proto::MetricFamily {
    use prometheus_0_13::proto::MetricType as T;
    let kind = mf.get_field_type();
    let r#type = match kind {
        T::COUNTER => proto::MetricType::Counter,
        T::GAUGE => proto::MetricType::Gauge,
        T::HISTOGRAM => proto::MetricType::Histogram,
        T::SUMMARY => proto::MetricType::Summary,
        T::UNTYPED => proto::MetricType::Untyped,
    };
    let metric = mf
        .get_metric()
        .iter()
        .map(|m| {
            let mut out = proto::Metric {
                label: m
                    .get_label()
                    .iter()
                    .map(|l| proto::LabelPair {
                        name: Some(l.get_name().to_owned()),
                        value: Some(l.get_value().to_owned()),
                    })
                    .collect(),
                timestamp_ms: Some(m.get_timestamp_ms()).filter(|&t| t != 0),
                ..Default::default()
            };
            match kind {
                T::COUNTER => {
                    out.counter = Some(proto::Counter {
                        value: Some(m.get_counter().get_value()),
                        ..Default::default()
                    });
                }
                T::GAUGE => {
                    out.gauge = Some(proto::Gauge {
                        value: Some(m.get_gauge().get_value()),
                    });
                }
                T::UNTYPED => {
                    out.untyped = Some(proto::Untyped {
                        value: Some(m.get_untyped().get_value()),
                    });
                }
                T::HISTOGRAM => {
                    let h = m.get_histogram();
                    out.histogram = Some(proto::Histogram {
                        sample_count: Some(h.get_sample_count()),
                        sample_sum: Some(h.get_sample_sum()),
                        bucket: h
                            .get_bucket()
                            .iter()
                            .map(|b| proto::Bucket {
                                cumulative_count: Some(b.get_cumulative_count()),
                                upper_bound: Some(b.get_upper_bound()),
                                ..Default::default()
                            })
                            .collect(),
                        ..Default::default()
                    });
                }
                T::SUMMARY => {
                    let s = m.get_summary();
                    out.summary = Some(proto::Summary {
                        sample_count: Some(s.get_sample_count()),
                        sample_sum: Some(s.get_sample_sum()),
                        quantile: s
                            .get_quantile()
                            .iter()
                            .map(|q| proto::Quantile {
                                quantile: Some(q.get_quantile()),
                                value: Some(q.get_value()),
                            })
                            .collect(),
                        ..Default::default()
                    });
                }
            }
            out
        })
        .collect();
    proto::MetricFamily {
        name: Some(mf.get_name().to_owned()),
        help: Some(mf.get_help().to_owned()),
        r#type: Some(r#type as i32),
        metric,
        unit: None,
    }
}

/// A `prometheus` 0.14 registry (`prometheus::default_registry().clone()`, or one of the
/// program's own), served as its `gather()` returns it. Its families are written with its own
/// `TextEncoder` and read back ([`protobuf::parse_text`](crate::exposition::protobuf::parse_text)):
/// 0.14 has no accessor of a counter's or gauge's value common to its two models (`protobuf`
/// on or off), which a node's other dependencies choose.
#[cfg(feature = "prometheus")]
impl Source for prometheus::Registry {
    fn gather(&self, out: &mut Vec<proto::MetricFamily>) {
        use prometheus::Encoder as _;
        let encoder = prometheus::TextEncoder::new();
        let mut text = Vec::new();
        for mf in prometheus::Registry::gather(self) {
            // One family at a time: the encoder stops at the first family it refuses.
            let start = text.len();
            if let Err(e) = encoder.encode(std::slice::from_ref(&mf), &mut text) {
                text.truncate(start);
                tracing::error!(error = %e, "a prometheus 0.14 family cannot be encoded; left out");
            }
        }
        out.extend(crate::exposition::protobuf::parse_text(&text));
    }

    fn describe(&self) -> String {
        "prometheus 0.14 Registry".to_owned()
    }
}

/// A `prometheus` 0.13 registry (the Alys node's `ALYS_REGISTRY`, or
/// `prometheus::default_registry().clone()` of 0.13), served as its `gather()` returns it.
#[cfg(feature = "prometheus-0_13")]
impl Source for prometheus_0_13::Registry {
    fn gather(&self, out: &mut Vec<proto::MetricFamily>) {
        out.extend(
            prometheus_0_13::Registry::gather(self)
                .iter()
                .map(from_0_13),
        );
    }

    fn describe(&self) -> String {
        "prometheus 0.13 Registry".to_owned()
    }
}
