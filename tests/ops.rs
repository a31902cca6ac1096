//! The operations bundle in `ops/`: rules, their unit tests, the Prometheus and Alertmanager
//! configs, and the Grafana dashboard, checked with the real `promtool`/`amtool` and against the
//! catalogue. With `ALYS_REQUIRE_PROMTOOL=1` (set by scripts/test.sh and CI) a missing tool is
//! a failure, not a skip.

use std::path::{Path, PathBuf};
use std::process::Command;

fn ops(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ops").join(file)
}

/// The tool's path, or `None` (with a notice) when it is missing and not required.
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("ALYS_REQUIRE_PROMTOOL").as_deref() != Ok("1"),
            "`{name}` is required (ALYS_REQUIRE_PROMTOOL=1) but not on PATH: apt-get install prometheus prometheus-alertmanager"
        );
        eprintln!("skipping: `{name}` is not installed");
    }
    found
}

fn run(tool: &Path, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().expect("tool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{} {:?} failed:\n{text}",
        tool.display(),
        args
    );
    text
}

#[test]
fn alert_rules_are_valid() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let text = run(
        &promtool,
        &["check", "rules", ops("alerts.yml").to_str().unwrap()],
    );
    assert!(text.contains("SUCCESS"), "{text}");
}

#[test]
fn every_alert_has_a_firing_and_a_quiet_unit_test() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    let text = run(
        &promtool,
        &["test", "rules", ops("alerts_test.yml").to_str().unwrap()],
    );
    assert!(text.contains("SUCCESS"), "{text}");
    // Every alert of alerts.yml is the subject of at least one test.
    let rules = std::fs::read_to_string(ops("alerts.yml")).unwrap();
    let tests = std::fs::read_to_string(ops("alerts_test.yml")).unwrap();
    let alerts: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .collect();
    assert!(
        alerts.len() >= 18,
        "the seed's 18 alerts at least, found {}",
        alerts.len()
    );
    for a in &alerts {
        assert!(
            tests.contains(&format!("alertname: {a}\n")),
            "no unit test for {a}"
        );
    }
    // Each test names a "good" (or otherwise quiet) instance whose series must not fire.
    for block in tests.split("  - name: ").skip(1) {
        let quiet = [
            "instance=\"good\"",
            "instance=\"idle\"",
            "instance=\"done\"",
            "instance=\"synced\"",
        ];
        assert!(
            quiet.iter().any(|q| block.contains(q)),
            "test without a quiet case:\n{block}"
        );
    }
}

#[test]
fn prometheus_config_is_valid_and_scrapes_only_metrics() {
    let Some(promtool) = tool("promtool") else {
        return;
    };
    run(
        &promtool,
        &["check", "config", ops("prometheus.yml").to_str().unwrap()],
    );
    let cfg = std::fs::read_to_string(ops("prometheus.yml")).unwrap();
    assert!(
        !cfg.contains("metrics_path: /health"),
        "/health is JSON, not a scrape target"
    );
}

#[test]
fn alertmanager_config_is_valid() {
    let Some(amtool) = tool("amtool") else { return };
    run(
        &amtool,
        &["check-config", ops("alertmanager.yml").to_str().unwrap()],
    );
}

/// Metric names (`alys_*`, `process_*`) that a text mentions.
fn metric_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        .filter(|t| t.starts_with("alys_") || t.starts_with("process_"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

fn assert_all_in_catalogue(file: &str) {
    let text = std::fs::read_to_string(ops(file)).unwrap();
    let catalogue = alys_metrics::catalogue();
    let known = |n: &str| {
        catalogue.iter().any(|d| {
            d.name == n
                || (d.kind == alys_metrics::Kind::Histogram
                    && ["_bucket", "_sum", "_count"]
                        .iter()
                        .any(|s| n.strip_suffix(s) == Some(d.name)))
        })
    };
    let names = metric_names(&text);
    assert!(names.len() >= 10, "{file} names only {names:?}");
    let unknown: Vec<_> = names.iter().filter(|n| !known(n)).collect();
    assert!(
        unknown.is_empty(),
        "{file} references metrics that are not in the catalogue: {unknown:?}"
    );
}

#[test]
fn rules_reference_only_catalogue_metrics() {
    assert_all_in_catalogue("alerts.yml");
}

#[test]
fn dashboard_references_only_catalogue_metrics() {
    assert_all_in_catalogue("grafana/alys-node.json");
}

#[test]
fn dashboard_rates_use_rate_interval_and_every_row_exists() {
    let text = std::fs::read_to_string(ops("grafana/alys-node.json")).unwrap();
    for line in text.lines().filter(|l| l.contains("\"expr\"")) {
        if line.contains("rate(") || line.contains("increase(") {
            assert!(
                line.contains("[$__rate_interval]"),
                "rate without $__rate_interval: {line}"
            );
        }
    }
    for row in [
        "Migration",
        "Actors",
        "Sync and blocks",
        "Transaction pool",
        "Peers",
        "Process and collector",
    ] {
        assert!(text.contains(&format!("\"title\": \"{row}\"")), "row {row}");
    }
}

#[test]
fn rules_never_rate_a_gauge_nor_quantile_a_raw_histogram() {
    let rules = std::fs::read_to_string(ops("alerts.yml")).unwrap();
    let catalogue = alys_metrics::catalogue();
    for d in catalogue
        .iter()
        .filter(|d| d.kind == alys_metrics::Kind::Gauge)
    {
        for f in ["rate(", "irate(", "increase("] {
            assert!(
                !rules.contains(&format!("{f}{}[", d.name)),
                "{f} over the gauge {}",
                d.name
            );
            assert!(
                !rules.contains(&format!("{f}{}{{", d.name)),
                "{f} over the gauge {}",
                d.name
            );
        }
    }
    for d in catalogue
        .iter()
        .filter(|d| d.kind == alys_metrics::Kind::Histogram)
    {
        assert!(!rules.contains(&format!("histogram_quantile(0.99, {}", d.name)));
        assert!(!rules.contains(&format!("histogram_quantile(0.95, {}", d.name)));
    }
    assert!(!rules.contains("rate(alys_migration_progress_percent"));
}
