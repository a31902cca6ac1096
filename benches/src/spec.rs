//! A registry described as plain data, so that every library can be handed the same families,
//! label sets and values.

use crate::exposition::{parse, Sample};

/// The Prometheus type of a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A monotonically increasing count.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations counted in buckets.
    Histogram,
}

/// One series of a family: its label values and what was recorded into it.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesSpec {
    /// One value per label name of the family, in order.
    pub labels: Vec<String>,
    /// The counter or gauge value (unused for histograms).
    pub value: f64,
    /// The observations of a histogram series (empty for the other kinds).
    pub observations: Vec<f64>,
}

/// One metric family.
#[derive(Clone, Debug, PartialEq)]
pub struct FamilySpec {
    /// The exposed name, with its `_total` or unit suffix.
    pub name: String,
    /// The HELP text.
    pub help: String,
    /// The Prometheus type.
    pub kind: Kind,
    /// The label names, in order.
    pub label_names: Vec<String>,
    /// Histogram bucket upper bounds without `+Inf` (empty for the other kinds).
    pub buckets: Vec<f64>,
    /// Every series the family exports.
    pub series: Vec<SeriesSpec>,
}

/// A whole registry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RegistrySpec {
    /// The families, in the order they are registered.
    pub families: Vec<FamilySpec>,
}

/// Series per family in [`RegistrySpec::synthetic`]; one label, `peer`, with this many values.
pub const SERIES_PER_FAMILY: usize = 5;

/// Bucket bounds of the histograms in [`RegistrySpec::synthetic`]: 10 buckets.
pub const SYNTHETIC_BUCKETS: [f64; 10] =
    [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0];

/// Observations recorded into each histogram series of [`RegistrySpec::synthetic`].
pub const OBSERVATIONS_PER_HISTOGRAM: usize = 20;

/// A small deterministic generator (SplitMix64), so that every run builds the same values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl RegistrySpec {
    /// A registry of about `series` series in families of [`SERIES_PER_FAMILY`] series each
    /// (one `peer` label): every 20th family is a histogram with the 10 buckets of
    /// [`SYNTHETIC_BUCKETS`] (5 % of the series), the others alternate between counters with
    /// integer values and gauges with fractional ones.
    pub fn synthetic(series: usize) -> Self {
        let mut rng = Rng(series as u64);
        let families = series.div_ceil(SERIES_PER_FAMILY);
        let families = (0..families)
            .map(|f| {
                let kind = if f % 20 == 19 {
                    Kind::Histogram
                } else if f % 2 == 0 {
                    Kind::Counter
                } else {
                    Kind::Gauge
                };
                let (name, help) = match kind {
                    Kind::Counter => (
                        format!("bench_requests_{f:04}_total"),
                        format!("Requests handled by subsystem {f}."),
                    ),
                    Kind::Gauge => (
                        format!("bench_queue_{f:04}_bytes"),
                        format!("Bytes queued in subsystem {f}."),
                    ),
                    Kind::Histogram => (
                        format!("bench_latency_{f:04}_seconds"),
                        format!("Latency of subsystem {f}."),
                    ),
                };
                let series = (0..SERIES_PER_FAMILY)
                    .map(|s| SeriesSpec {
                        labels: vec![format!("peer-{s}")],
                        value: match kind {
                            Kind::Counter => (rng.next() % 10_000_000) as f64,
                            Kind::Gauge => (rng.unit() * 1e6 * 1000.0).round() / 1000.0,
                            Kind::Histogram => 0.0,
                        },
                        observations: match kind {
                            Kind::Histogram => (0..OBSERVATIONS_PER_HISTOGRAM)
                                .map(|_| (rng.unit() * 2.0 * 1e6).round() / 1e6)
                                .collect(),
                            _ => Vec::new(),
                        },
                    })
                    .collect();
                FamilySpec {
                    name,
                    help,
                    kind,
                    label_names: vec!["peer".to_owned()],
                    buckets: match kind {
                        Kind::Histogram => SYNTHETIC_BUCKETS.to_vec(),
                        _ => Vec::new(),
                    },
                    series,
                }
            })
            .collect();
        Self { families }
    }

    /// The families, series and values of an exposition text, to build the same registry in
    /// another library. A histogram series gets, for each bucket, as many observations as
    /// the bucket added, each equal to the bucket's bound (the `+Inf` ones to twice the last
    /// bound): its bucket counts match, its `_sum` may not. A family without samples (a
    /// dynamic label never used yet) is left out: the peers would export nothing for it.
    ///
    /// # Errors
    ///
    /// The first line that is not valid exposition text, or a sample without a family.
    pub fn from_exposition(text: &str) -> Result<Self, String> {
        let parsed = parse(text)?;
        let mut families = Vec::with_capacity(parsed.families.len());
        for fam in parsed
            .families
            .into_iter()
            .filter(|f| !f.samples.is_empty())
        {
            let kind = match fam.kind.as_str() {
                "counter" => Kind::Counter,
                "gauge" => Kind::Gauge,
                "histogram" => Kind::Histogram,
                other => return Err(format!("`{}`: unsupported type `{other}`", fam.name)),
            };
            let mut spec = FamilySpec {
                name: fam.name.clone(),
                help: fam.help.clone(),
                kind,
                label_names: Vec::new(),
                buckets: Vec::new(),
                series: Vec::new(),
            };
            if kind != Kind::Histogram {
                for s in &fam.samples {
                    spec.label_names = s.labels.iter().map(|(k, _)| k.clone()).collect();
                    spec.series.push(SeriesSpec {
                        labels: s.labels.iter().map(|(_, v)| v.clone()).collect(),
                        value: s.value,
                        observations: Vec::new(),
                    });
                }
            } else {
                histogram_series(&fam.name, &fam.samples, &mut spec)?;
            }
            families.push(spec);
        }
        Ok(Self { families })
    }

    /// Number of series (a histogram series counts once).
    pub fn series_count(&self) -> usize {
        self.families.iter().map(|f| f.series.len()).sum()
    }
}

/// A series' label pairs without `le`.
type Labels = Vec<(String, String)>;
/// A series' `(bound, cumulative count)` pairs.
type Buckets = Vec<(f64, f64)>;

/// Rebuilds the series of one histogram family from its `_bucket` samples.
fn histogram_series(name: &str, samples: &[Sample], spec: &mut FamilySpec) -> Result<(), String> {
    let bucket = format!("{name}_bucket");
    let mut rows: Vec<(Labels, Buckets)> = Vec::new();
    for s in samples.iter().filter(|s| s.name == bucket) {
        let le = s
            .labels
            .iter()
            .find(|(k, _)| k == "le")
            .ok_or_else(|| format!("`{bucket}` sample without `le`"))?;
        let bound = crate::exposition::parse_value(&le.1)?;
        let others: Vec<(String, String)> = s
            .labels
            .iter()
            .filter(|(k, _)| k != "le")
            .cloned()
            .collect();
        match rows.iter_mut().find(|(l, _)| *l == others) {
            Some((_, b)) => b.push((bound, s.value)),
            None => rows.push((others, vec![(bound, s.value)])),
        }
    }
    for (labels, buckets) in rows {
        spec.label_names = labels.iter().map(|(k, _)| k.clone()).collect();
        spec.buckets = buckets
            .iter()
            .map(|(b, _)| *b)
            .filter(|b| b.is_finite())
            .collect();
        let last = spec.buckets.last().copied().unwrap_or(1.0);
        let mut observations = Vec::new();
        let mut before = 0.0;
        for (bound, cumulative) in buckets {
            let at = if bound.is_finite() { bound } else { last * 2.0 };
            let added = (cumulative - before).max(0.0) as usize;
            observations.extend(std::iter::repeat_n(at, added));
            before = cumulative;
        }
        spec.series.push(SeriesSpec {
            labels: labels.into_iter().map(|(_, v)| v).collect(),
            value: 0.0,
            observations,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_registries_have_the_asked_series_and_5_percent_histograms() {
        for n in [100, 1_000, 5_000] {
            let spec = RegistrySpec::synthetic(n);
            assert_eq!(spec.series_count(), n);
            let histogram_series: usize = spec
                .families
                .iter()
                .filter(|f| f.kind == Kind::Histogram)
                .map(|f| f.series.len())
                .sum();
            assert_eq!(histogram_series * 20, n);
            assert!(spec
                .families
                .iter()
                .filter(|f| f.kind == Kind::Histogram)
                .all(|f| f.buckets.len() == 10));
        }
    }

    #[test]
    fn an_exposition_text_becomes_the_same_families() {
        let text = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n\
                    # HELP h_seconds H.\n# TYPE h_seconds histogram\n\
                    h_seconds_bucket{le=\"0.5\"} 1\nh_seconds_bucket{le=\"1\"} 3\n\
                    h_seconds_bucket{le=\"+Inf\"} 4\nh_seconds_sum 4.5\nh_seconds_count 4\n";
        let spec = RegistrySpec::from_exposition(text).expect("valid text");
        assert_eq!(spec.families.len(), 2);
        assert_eq!(spec.families[0].series[0].labels, vec!["1".to_owned()]);
        assert_eq!(spec.families[0].series[0].value, 3.0);
        assert_eq!(spec.families[1].buckets, vec![0.5, 1.0]);
        assert_eq!(
            spec.families[1].series[0].observations,
            vec![0.5, 1.0, 1.0, 2.0]
        );
    }
}
