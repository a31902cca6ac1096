//! The registry of a spec in `metrics` with `metrics-exporter-prometheus`: the exporter's
//! recorder (no HTTP listener), each family described and each series registered through
//! the `metrics::Recorder` trait, rendered by `PrometheusHandle::render`.

use metrics::{Key, KeyName, Label, Level, Metadata, Recorder as _, SharedString};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::spec::{Kind, RegistrySpec};

static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, None);

/// Builds `spec` in a new recorder and returns its render handle (which keeps the recorder's
/// state alive). Counter values are rounded to integers (`metrics` counters are `u64`).
///
/// # Errors
///
/// What the builder reports for a histogram's buckets.
pub fn build(spec: &RegistrySpec) -> Result<PrometheusHandle, String> {
    let mut builder = PrometheusBuilder::new();
    for f in spec.families.iter().filter(|f| f.kind == Kind::Histogram) {
        builder = builder
            .set_buckets_for_metric(Matcher::Full(f.name.clone()), &f.buckets)
            .map_err(|e| format!("`{}`: {e}", f.name))?;
    }
    let recorder = builder.build_recorder();
    for f in &spec.families {
        let help = SharedString::from(f.help.clone());
        let name = KeyName::from(f.name.clone());
        match f.kind {
            Kind::Counter => recorder.describe_counter(name, None, help),
            Kind::Gauge => recorder.describe_gauge(name, None, help),
            Kind::Histogram => recorder.describe_histogram(name, None, help),
        }
        for s in &f.series {
            let labels: Vec<Label> = f
                .label_names
                .iter()
                .zip(&s.labels)
                .map(|(k, v)| Label::new(k.clone(), v.clone()))
                .collect();
            let key = Key::from_parts(f.name.clone(), labels);
            match f.kind {
                Kind::Counter => recorder
                    .register_counter(&key, &METADATA)
                    .absolute(s.value.round() as u64),
                Kind::Gauge => recorder.register_gauge(&key, &METADATA).set(s.value),
                Kind::Histogram => {
                    let h = recorder.register_histogram(&key, &METADATA);
                    for o in &s.observations {
                        h.record(*o);
                    }
                }
            }
        }
    }
    Ok(recorder.handle())
}

/// One scrape: `render_to_write` into `out` (cleared first).
///
/// # Errors
///
/// What the writer reports (never, for a `Vec`).
pub fn scrape(handle: &PrometheusHandle, out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    handle.render_to_write(out).map_err(|e| e.to_string())
}
