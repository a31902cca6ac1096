//! `promtool check metrics` on an exposition, shared by the tests that lint what they export
//! (`tests/it/promtool.rs`, `tests/it/governance.rs`, `tests/solo/actor_alloc.rs`) and by
//! `benches/tests/peers/same_samples.rs`; each binary includes this file with `#[path]`. Tests
//! that allow promtool's lint exceptions do not read its exit status, hence the `dead_code`
//! allowance.

#![allow(dead_code)]

use std::io::Write as _;
use std::process::{Command, Stdio};

/// What `promtool check metrics` said of an exposition.
pub struct PromtoolReport {
    /// Whether promtool exited with status 0.
    pub success: bool,
    /// Its stdout, then its stderr.
    pub report: String,
}

/// Runs `promtool check metrics` on `text`. `None` (with a notice) when promtool is not
/// installed and not required; with `ALYS_REQUIRE_PROMTOOL=1` a missing promtool fails the
/// test.
pub fn check_metrics(text: &str) -> Option<PromtoolReport> {
    check_metrics_with(std::path::Path::new("promtool"), text)
}

/// Runs `promtool check metrics` of the binary `promtool` (a path, or a name on the PATH) on
/// `text`; as [`check_metrics`] when it is missing.
pub fn check_metrics_with(promtool: &std::path::Path, text: &str) -> Option<PromtoolReport> {
    let child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var("ALYS_REQUIRE_PROMTOOL").as_deref() != Ok("1"),
                "promtool is missing and ALYS_REQUIRE_PROMTOOL=1: install the Debian package \
                 `prometheus` (apt-get install prometheus)"
            );
            eprintln!("SKIPPED: promtool is not installed (Debian package `prometheus`)");
            return None;
        }
        Err(e) => panic!("running promtool failed: {e}"),
    };
    child
        .stdin
        .take()
        .expect("promtool's stdin")
        .write_all(text.as_bytes())
        .expect("promtool reads the exposition");
    let out = child.wait_with_output().expect("promtool runs");
    Some(PromtoolReport {
        success: out.status.success(),
        report: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    })
}
