//! One sample of the exposition text, read the way Prometheus reads it; shared by the tests of
//! the chain, governance and storage metrics (`tests/it/`, and the caps in `tests/solo/`),
//! whose binaries include this file with `#[path]`. Each uses a part of it, hence the
//! `dead_code` allowance.

#![allow(dead_code)]

/// The text exposition of this binary's registry.
pub fn exposition() -> String {
    alys_metrics::registry().encode_to_string()
}

/// The value of one series (name and labels as exposed), or `None` when it is not exported.
pub fn series(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().expect("a sample value"))
}

/// The value of one series now; panics when it is not exported.
pub fn value(series_name: &str) -> f64 {
    series(&exposition(), series_name).unwrap_or_else(|| panic!("{series_name} is exported"))
}
