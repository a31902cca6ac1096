//! `promtool check metrics` on a real scrape of the running exporter: no problem beyond the
//! naming exceptions in `alys_metrics::catalogue::LINT_EXCEPTIONS`. It holds
//! `crate::serial()`: its exporter's collector tick writes process-wide gauges and state.
//!
//! It runs on each release of `crate::tools::releases`: the system's promtool 2.42 and
//! Prometheus 3.5's (`scripts/prometheus3.sh`). Without promtool this test prints a notice and
//! passes, unless `ALYS_REQUIRE_PROMTOOL=1` (set by `scripts/test.sh` and CI), which makes it
//! fail.

use alys_metrics::catalogue::LINT_EXCEPTIONS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_finds_no_problem_beyond_the_listed_exceptions() {
    let _serial = crate::serial();
    let server = crate::client::start_exporter().await;
    let (head, scrape) = crate::client::get(server.local_addr(), "/metrics", &[]).await;
    let status = head.lines().next().unwrap_or_default().to_owned();
    let scrape = String::from_utf8(scrape).expect("a UTF-8 scrape");
    server.shutdown().await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(scrape.contains("\nprocess_resident_memory_bytes "));

    // The system's promtool 2.42 and Prometheus 3.5's: each finds nothing beyond the
    // exceptions; a failure names the release.
    for promtool in crate::tools::releases("promtool") {
        let Some(crate::lint::PromtoolReport { report, .. }) =
            crate::lint::check_metrics_with(&promtool.path, &scrape)
        else {
            continue;
        };

        // Each problem is a line `metric_name problem`; anything else is an error of promtool's.
        let mut unexpected = Vec::new();
        let mut flagged = Vec::new();
        for line in report.lines().filter(|l| !l.trim().is_empty()) {
            let name = line.split_whitespace().next().unwrap_or_default();
            if LINT_EXCEPTIONS.contains(&name) && line.contains("_count") {
                flagged.push(name.to_owned());
            } else {
                unexpected.push(line.to_owned());
            }
        }
        assert!(
            unexpected.is_empty(),
            "{promtool}: promtool check metrics reports problems beyond the lint exceptions:\n{}",
            unexpected.join("\n")
        );
        println!(
            "{promtool}: {} lint exceptions flagged, as expected: {}",
            flagged.len(),
            flagged.join(", ")
        );
    }
}
