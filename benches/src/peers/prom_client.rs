//! The registry of a spec in `prometheus-client`: one `Family` per family, keyed by the label
//! pairs, encoded by `encoding::text::encode` (OpenMetrics text).

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use crate::spec::{Kind, RegistrySpec};

/// The label set of every family: name-value pairs known at run time.
type Labels = Vec<(String, String)>;

fn labels(names: &[String], values: &[String]) -> Labels {
    names.iter().cloned().zip(values.iter().cloned()).collect()
}

/// Builds `spec` in a new `prometheus_client::registry::Registry`. Counter names lose their
/// `_total`, which the library appends itself.
pub fn build(spec: &RegistrySpec) -> Registry {
    let mut registry = Registry::default();
    for f in &spec.families {
        match f.kind {
            Kind::Counter => {
                let family = Family::<Labels, Counter<f64, AtomicU64>>::default();
                for s in &f.series {
                    family
                        .get_or_create(&labels(&f.label_names, &s.labels))
                        .inc_by(s.value);
                }
                let name = f.name.strip_suffix("_total").unwrap_or(&f.name);
                registry.register(name, f.help.clone(), family);
            }
            Kind::Gauge => {
                let family = Family::<Labels, Gauge<f64, AtomicU64>>::default();
                for s in &f.series {
                    family
                        .get_or_create(&labels(&f.label_names, &s.labels))
                        .set(s.value);
                }
                registry.register(f.name.clone(), f.help.clone(), family);
            }
            Kind::Histogram => {
                let buckets = f.buckets.clone();
                let family = Family::<Labels, Histogram, _>::new_with_constructor(move || {
                    Histogram::new(buckets.clone())
                });
                for s in &f.series {
                    let child = family.get_or_create(&labels(&f.label_names, &s.labels));
                    for o in &s.observations {
                        child.observe(*o);
                    }
                }
                registry.register(f.name.clone(), f.help.clone(), family);
            }
        }
    }
    registry
}

/// One scrape: `encode` into `out` (cleared first).
///
/// # Errors
///
/// What the encoder reports.
pub fn scrape(registry: &Registry, out: &mut String) -> Result<(), String> {
    out.clear();
    encode(out, registry).map_err(|e| e.to_string())
}
