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

/// One release of a Prometheus tool (`prometheus` or `promtool`) the tests run against: the
/// system's (Debian bookworm's 2.42, on the PATH) and Prometheus 3.5 LTS (Debian sid's packages
/// unpacked by `scripts/prometheus3.sh`, found through `ALYS_PROMETHEUS3_BIN` or that script's
/// cache directory).
#[derive(Clone, Debug)]
pub struct Release {
    /// The binary.
    pub path: PathBuf,
    /// Its major version: 2 or 3.
    pub major: u32,
    /// `name version` as the binary reports it, e.g. `promtool 3.5.3+ds1`: what a failure names.
    pub label: String,
}

impl std::fmt::Display for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

impl Release {
    /// The flags that start Prometheus in agent mode: a feature flag in 2.x, `--agent` in 3.x.
    pub fn agent_flag(&self) -> &'static str {
        if self.major >= 3 {
            "--agent"
        } else {
            "--enable-feature=agent"
        }
    }
}

/// The directory `scripts/prometheus3.sh` unpacks Prometheus 3.5's binaries into:
/// `ALYS_PROMETHEUS3_BIN` when set, else the script's default cache directory when it exists.
fn prometheus3_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ALYS_PROMETHEUS3_BIN").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
    let dir = cache.join("alys-metrics/prometheus3/root/usr/bin");
    dir.is_dir().then_some(dir)
}

/// Which major versions to run: `ALYS_PROMETHEUS_VERSIONS` (`2`, `3` or `2,3`; both by default).
fn wanted_majors() -> Vec<u32> {
    match std::env::var("ALYS_PROMETHEUS_VERSIONS") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .filter_map(|v| v.trim().parse().ok())
            .filter(|v| [2, 3].contains(v))
            .collect(),
        _ => vec![2, 3],
    }
}

/// The first line of `bin --version`, without the trailing details: `prometheus, version 2.42.0+ds
/// (branch…)` becomes `prometheus 2.42.0+ds`. `None` when the binary does not run.
fn version_label(bin: &Path, name: &str) -> Option<(String, u32)> {
    let out = std::process::Command::new(bin)
        .arg("--version")
        .output()
        .ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let version = text
        .lines()
        .next()?
        .split("version ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .to_owned();
    let major = version.split('.').next()?.parse().ok()?;
    Some((format!("{name} {version}"), major))
}

/// Every release of `name` (`prometheus` or `promtool`) to test against: the system's 2.x from
/// the PATH and Prometheus 3.5 from [`prometheus3_dir`], those `ALYS_PROMETHEUS_VERSIONS`
/// selects. A missing one is skipped with a notice, or fails the test with
/// `ALYS_REQUIRE_PROMTOOL=1`. A test loops over them and names the release in each failure.
pub fn releases(name: &str) -> Vec<Release> {
    let required = std::env::var("ALYS_REQUIRE_PROMTOOL").as_deref() == Ok("1");
    let mut out = Vec::new();
    for major in wanted_majors() {
        let path = if major == 2 {
            required_binary(name, "prometheus")
        } else {
            let found = prometheus3_dir()
                .map(|d| d.join(name))
                .filter(|p| p.is_file());
            if found.is_none() {
                assert!(
                    !required,
                    "Prometheus 3's `{name}` is required (ALYS_REQUIRE_PROMTOOL=1) but missing: \
                     run `bash scripts/prometheus3.sh` and set ALYS_PROMETHEUS3_BIN to the \
                     directory it prints (scripts/test.sh does both)"
                );
                eprintln!(
                    "SKIPPED for Prometheus 3: no `{name}` (run scripts/prometheus3.sh, or set \
                     ALYS_PROMETHEUS3_BIN)"
                );
            }
            found
        };
        let Some(path) = path else { continue };
        let (label, found_major) = version_label(&path, name)
            .unwrap_or_else(|| panic!("`{} --version` does not run", path.display()));
        assert_eq!(
            found_major,
            major,
            "{} is {label}, not Prometheus {major}",
            path.display()
        );
        out.push(Release { path, major, label });
    }
    out
}

/// Runs `check` for `release`; a failure inside it fails the test with the release named
/// first (`prometheus 3.5.3+ds1: …`), whatever check failed.
pub fn on_release<R>(release: &Release, check: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(a panic without a message)");
            panic!("{release}: {msg}")
        }
    }
}
