//! The registry of a spec in alys-metrics: a [`Registry::new`] with one runtime-built family
//! per spec family, each with one capped dynamic label.

use std::sync::Arc;

use alys_metrics::metric::{Descriptor, Kind, Metric};
use alys_metrics::{Counter, Dynamic, Gauge, Histogram, Registry};

use crate::spec::{self, RegistrySpec, SERIES_PER_FAMILY};

/// The label dimension of every runtime-built family: room for exactly the synthetic series.
type Peer = (Dynamic<SERIES_PER_FAMILY>,);

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// Builds `spec` in a registry of its own. The descriptors live for the rest of the program
/// (they are leaked, as a static's would be).
///
/// # Errors
///
/// A family that does not have exactly one label and at most [`SERIES_PER_FAMILY`] series
/// (the shape of [`RegistrySpec::synthetic`]), or a name registered twice.
pub fn build(spec: &RegistrySpec) -> Result<Registry, String> {
    let registry = Registry::new();
    for f in &spec.families {
        if f.label_names.len() != 1 || f.series.len() > SERIES_PER_FAMILY {
            return Err(format!(
                "`{}`: runtime-built families here have one label and at most \
                 {SERIES_PER_FAMILY} series; use RegistrySpec::synthetic",
                f.name
            ));
        }
        let desc: &'static Descriptor = Box::leak(Box::new(
            Descriptor::new(
                leak(&f.name),
                leak(&f.help),
                match f.kind {
                    spec::Kind::Counter => Kind::Counter,
                    spec::Kind::Gauge => Kind::Gauge,
                    spec::Kind::Histogram => Kind::Histogram,
                },
            )
            .labels(
                Box::leak(vec![leak(&f.label_names[0])].into_boxed_slice()),
                &["dynamic(max = 5)"],
            )
            .buckets(Box::leak(f.buckets.clone().into_boxed_slice()))
            .declared_at("alys_metrics_benches::peers::ours::build", file!(), line!()),
        ));
        let registered = match f.kind {
            spec::Kind::Counter => {
                let m = Arc::new(Metric::<Counter, Peer>::new(desc));
                for s in &f.series {
                    m.with(&s.labels[0]).inc_by(s.value as u64);
                }
                registry.register(m)
            }
            spec::Kind::Gauge => {
                let m = Arc::new(Metric::<Gauge, Peer>::new(desc));
                for s in &f.series {
                    m.with(&s.labels[0]).set(s.value);
                }
                registry.register(m)
            }
            spec::Kind::Histogram => {
                let m = Arc::new(Metric::<Histogram, Peer>::new(desc));
                for s in &f.series {
                    let child = m.with(&s.labels[0]);
                    for v in &s.observations {
                        child.observe(*v);
                    }
                }
                registry.register(m)
            }
        };
        registered.map_err(|e| e.to_string())?;
    }
    Ok(registry)
}
