//! One sample of the exposition text, read back by `alys_metrics::testing::Exposition`; shared by the tests of
//! the chain, governance and storage metrics (`tests/it/`, and the caps in `tests/solo/`),
//! whose binaries include this file with `#[path]`. Each uses a part of it, hence the
//! `dead_code` allowance.

#![allow(dead_code)]

use alys_metrics::testing::Exposition;

/// The text exposition of this binary's registry.
pub fn exposition() -> String {
    alys_metrics::registry().encode_to_string()
}

/// The value of one series (name and labels as exposed), or `None` when it is not exported.
pub fn series(text: &str, series: &str) -> Option<f64> {
    Exposition::parse(text)
        .expect("the exposition reads back")
        .get(series)
}

/// The value of one series now; panics when it is not exported, with the nearest name or the
/// label sets that exist.
pub fn value(series_name: &str) -> f64 {
    let e = Exposition::scrape();
    e.get(series_name)
        .unwrap_or_else(|| panic!("{series_name} is not exported: {}", e.explain(series_name)))
}
