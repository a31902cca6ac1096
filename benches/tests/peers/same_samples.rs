//! Every library in the scrape benchmark exports the same samples for the same registry, and
//! ours exports exactly what the prometheus crate does, read the way Prometheus reads them.

use alys_metrics_benches::exposition::{sample_set, SampleSet};
use alys_metrics_benches::peers::{measured_peer, metrics_rs, ours, prom, prom_client};
use alys_metrics_benches::spec::RegistrySpec;

/// The families every alys-metrics registry adds on its own.
const BUILTIN: [&str; 2] = ["alys_build_info", "alys_label_overflow_total"];

fn without_builtins(mut set: SampleSet) -> SampleSet {
    set.samples
        .retain(|k, _| !BUILTIN.iter().any(|b| k.starts_with(b)));
    set.meta
        .retain(|k, _| !BUILTIN.iter().any(|b| k.ends_with(&format!(" {b}"))));
    set
}

fn prometheus_text(spec: &RegistrySpec) -> String {
    let registry = prom::build(spec).expect("the prometheus crate builds the spec");
    let mut out = Vec::new();
    prom::scrape(&registry, &mut out).expect("the prometheus crate encodes");
    String::from_utf8(out).expect("UTF-8")
}

/// The first HELP or TYPE line that differs, for a readable failure.
fn first_meta_difference(a: &SampleSet, b: &SampleSet) -> Option<String> {
    let keys = a.meta.keys().chain(b.meta.keys());
    keys.filter(|k| a.meta.get(*k) != b.meta.get(*k))
        .map(|k| format!("{k}: {:?} vs {:?}", a.meta.get(k), b.meta.get(k)))
        .next()
}

/// The first key whose value differs, for a readable failure.
fn first_difference(a: &SampleSet, b: &SampleSet) -> Option<String> {
    let keys = a.samples.keys().chain(b.samples.keys());
    for k in keys {
        let (x, y) = (a.samples.get(k), b.samples.get(k));
        let same = match (x, y) {
            (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
            _ => false,
        };
        if !same {
            return Some(format!("{k}: {x:?} vs {y:?}"));
        }
    }
    None
}

#[test]
fn ours_and_the_prometheus_crate_export_the_same_synthetic_samples() {
    let spec = RegistrySpec::synthetic(1_000);
    let ours = ours::build(&spec).expect("ours builds the spec");
    let text = ours.encode_to_string();
    let a = without_builtins(sample_set(&text).expect("ours parses"));
    let b = sample_set(&prometheus_text(&spec)).expect("prometheus parses");
    assert_eq!(a.samples.len(), b.samples.len());
    assert_eq!(first_difference(&a, &b), None);
    assert_eq!(first_meta_difference(&a, &b), None, "HELP and TYPE lines");
    // 950 counter and gauge samples, 50 histograms of 13 samples (10 buckets, +Inf, sum,
    // count).
    assert_eq!(a.samples.len(), 950 + 50 * 13);
}

#[test]
fn every_peer_exports_the_synthetic_samples() {
    let spec = RegistrySpec::synthetic(100);
    let expected = sample_set(&prometheus_text(&spec)).expect("prometheus parses");

    let registry = prom_client::build(&spec);
    let mut text = String::new();
    prom_client::scrape(&registry, &mut text).expect("prometheus-client encodes");
    let got = sample_set(&text).expect("prometheus-client parses");
    assert_eq!(first_difference(&expected, &got), None, "prometheus-client");

    let handle = metrics_rs::build(&spec).expect("metrics builds the spec");
    let mut out = Vec::new();
    metrics_rs::scrape(&handle, &mut out).expect("metrics renders");
    let got = sample_set(std::str::from_utf8(&out).expect("UTF-8")).expect("metrics parses");
    assert_eq!(first_difference(&expected, &got), None, "metrics");

    let registry = measured_peer::build(&spec).expect("measured builds the spec");
    let mut enc = measured::text::BufferedTextEncoder::new();
    let bytes = measured_peer::scrape(&registry, &mut enc);
    let got = sample_set(std::str::from_utf8(&bytes).expect("UTF-8")).expect("measured parses");
    assert_eq!(first_difference(&expected, &got), None, "measured");
}

#[test]
fn ours_and_the_prometheus_crate_export_the_same_catalogue_samples() {
    let registry = alys_metrics::init().expect("the catalogue registers");
    let text = registry.encode_to_string();
    let spec = RegistrySpec::from_exposition(&text).expect("our text parses");
    assert_eq!(spec.series_count(), registry.series_count());
    let a = sample_set(&text).expect("ours parses");
    let b = sample_set(&prometheus_text(&spec)).expect("prometheus parses");
    assert_eq!(first_difference(&a, &b), None);
    assert_eq!(first_meta_difference(&a, &b), None, "HELP and TYPE lines");
}

#[test]
fn promtool_accepts_our_synthetic_scrape() {
    let text = ours::build(&RegistrySpec::synthetic(1_000))
        .expect("ours builds the spec")
        .encode_to_string();
    let Some(crate::lint::PromtoolReport { success, report }) = crate::lint::check_metrics(&text)
    else {
        return;
    };
    assert!(success, "promtool: {report}");
    assert!(report.trim().is_empty(), "promtool: {report}");
}
