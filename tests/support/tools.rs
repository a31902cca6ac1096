//! The ops bundle's files and the external tools the tests run (promtool, amtool, Prometheus,
//! node_exporter): shared by `tests/it/ops.rs` and the end-to-end harness
//! (`tests/e2e/harness.rs`), which include this file with `#[path]`. Each uses a part of it,
//! hence the `dead_code` allowance.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The path of `name` on the PATH, or `None` (with a notice) when it is missing and not
/// required; with `ALYS_REQUIRE_PROMTOOL=1` a missing binary fails the test.
pub fn required_binary(name: &str, package: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("ALYS_REQUIRE_PROMTOOL").as_deref() != Ok("1"),
            "`{name}` is required (ALYS_REQUIRE_PROMTOOL=1) but not on PATH: install the \
             Debian package `{package}` (apt-get install {package})"
        );
        eprintln!("SKIPPED: `{name}` is not installed (Debian package `{package}`)");
    }
    found
}

/// The path of a file of `ops/`.
pub fn ops(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ops").join(file)
}
