//! Start timestamps end to end (issue 22): Prometheus 3.5 with
//! `--enable-feature=created-timestamp-zero-ingestion`, scraping the example node in protobuf,
//! stores a zero at each counter's `created_timestamp`. The node runs, pauses its activity
//! (`--pause-after`), is killed and started again on the same address, and pauses again;
//! `increase(..)` over the whole run, evaluated at the last scrape, then equals exactly what the
//! two runs counted (the sum of their final values): the events before each run's first
//! scrape are counted (the zero at the start time), the restart is a counter reset, and the
//! extrapolation adds nothing (the first sample of each series is that zero, the range ends
//! at the last scrape).
//!
//! Prometheus 2.x has no created-timestamp ingestion: the test runs on 3.x only.

use std::time::Duration;

use crate::harness::{
    eventually, free_port, on_release, prometheus_releases, scrape_sum, start_node,
    start_prometheus_with, unix_now, wait_until_frozen, TempDir,
};

/// A counter of the example node that moves from its start (in [`crate::harness::SUMMED`],
/// so `wait_until_frozen` waits for it to stop).
const FAMILY: &str = "alys_actor_messages_total";

#[test]
fn increase_across_a_node_restart_counts_every_event_with_created_timestamps() {
    let _machine = crate::machine_alone();
    let Some(release) = prometheus_releases().into_iter().find(|r| r.major >= 3) else {
        eprintln!("SKIPPED: no Prometheus 3 (run scripts/prometheus3.sh)");
        return;
    };
    on_release(&release, || {
        let dir = TempDir::new("created");
        let port = free_port();
        let prom = start_prometheus_with(
            &release,
            &dir,
            "prometheus-ct",
            &["--enable-feature=created-timestamp-zero-ingestion"],
            |_| {
                format!(
                    "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
                     scrape_configs:\n  - job_name: node\n    scrape_protocols: [PrometheusProto]\n\
                     \x20   static_configs:\n      - targets: [\"127.0.0.1:{port}\"]\n"
                )
            },
        );
        let mut counted = 0.0;
        for run in 0..2 {
            let mut node = start_node(
                &dir,
                &format!("node-{run}"),
                &format!("--port {port} --seed {} --pause-after 3", 21 + run),
            );
            wait_until_frozen(std::slice::from_mut(&mut node));
            let frozen_at = unix_now();
            let total = scrape_sum(node.addr, FAMILY);
            assert!(total > 0.0, "run {run} counted messages");
            eventually(
                "Prometheus holds the frozen node's total",
                Duration::from_secs(30),
                || {
                    let have = prom.value(&format!("sum({FAMILY})"))?;
                    let at = prom.value(&format!("min(timestamp({FAMILY}))"))?;
                    if have == total && at > frozen_at {
                        Ok(())
                    } else {
                        Err(format!(
                            "run {run}: {have} at {at}; the node counted {total}, frozen at {frozen_at}"
                        ))
                    }
                },
            );
            counted += total;
            // Killed: the restart.
            drop(node);
        }
        let last = prom
            .value(&format!("max(timestamp({FAMILY}))"))
            .expect("the last scrape's time");
        let increase = prom
            .value(&format!("sum(increase({FAMILY}[10m] @ {last}))"))
            .expect("increase over both runs");
        assert_eq!(
            increase, counted,
            "increase across the restart equals the events the two runs counted"
        );
    });
}
