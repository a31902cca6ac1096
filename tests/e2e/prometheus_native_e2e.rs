//! End to end with Prometheus 2.42's own feature flags: the example node scraped by two real
//! Prometheus servers (the Debian package's `/usr/bin/prometheus`) on loopback ports, each
//! with a temporary data directory.
//!
//! - One runs with `--enable-feature=native-histograms,exemplar-storage`, so it asks for the
//!   protobuf format: `histogram_quantile(0.9, rate(alys_block_production_duration_seconds[1m]))`
//!   over the native series returns a value, the series holds native histogram samples,
//!   `/api/v1/query_exemplars` returns block-production exemplars whose `trace_id` is a
//!   16-digit hex span id, the actor message latency of a handler is native with exemplars
//!   too, and every family the node exports is there (native histograms
//!   under their own name, the others as in text).
//! - The other runs without flags, so it asks for OpenMetrics 1.0.0 (its own OpenMetrics
//!   parser reads our text, exemplars included): every sample name of the node's text scrape
//!   is there.
//!
//! The node is this test binary run again in node mode with the example node's simulation
//! (`examples/node/sim/`), as `prometheus_e2e.rs` does. Without `prometheus` on the
//! PATH the test prints a notice and passes, unless `ALYS_REQUIRE_PROMTOOL=1` (set by
//! `scripts/test.sh` and CI), which makes it fail.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::harness::{
    encode, http_get_with, on_release, prometheus_releases, start_node, start_prometheus_with,
    Prometheus, Release, TempDir,
};
use alys_metrics::encode::{protobuf, PROTOBUF_CONTENT_TYPE};
use serde_json::Value;

/// Starts Prometheus scraping `node` every second, with `flags` (and, when given, only the
/// `scrape_protocols` listed), and waits until it is ready.
fn start_prometheus(
    release: &Release,
    dir: &TempDir,
    name: &str,
    node: SocketAddr,
    flags: &[&str],
    protocols: Option<&str>,
) -> Prometheus {
    let protocols = protocols
        .map(|p| format!("    scrape_protocols: [{p}]\n"))
        .unwrap_or_default();
    start_prometheus_with(release, dir, name, flags, |_| {
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: node\n{protocols}    static_configs:\n      - targets: [\"{node}\"]\n"
        )
    })
}

/// What this test asks of Prometheus beyond `tests/e2e/harness.rs`: raw query results (native
/// histogram samples are not plain values), exemplars, and retries that show its log.
impl Prometheus {
    /// Evaluates `q` now; the `result` array of the answer as Prometheus gives it.
    fn raw_query(&self, q: &str) -> Result<Vec<Value>, String> {
        let data = self.api(&format!("/api/v1/query?query={}", encode(q)))?;
        Ok(data["result"].as_array().cloned().unwrap_or_default())
    }

    /// The `trace_id`s of the exemplars Prometheus holds for `selector` over the last ten
    /// minutes; an error while there is none.
    fn exemplar_ids(&self, selector: &str) -> Result<Vec<String>, String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs();
        let data = self.api(&format!(
            "/api/v1/query_exemplars?query={}&start={}&end={}",
            encode(selector),
            now - 600,
            now + 60
        ))?;
        let ids: Vec<String> = data
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["exemplars"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e["labels"]["trace_id"].as_str().map(str::to_owned))
            .collect();
        if ids.is_empty() {
            return Err(format!("no exemplar yet: {data}"));
        }
        Ok(ids)
    }

    /// The metric names Prometheus holds for the node.
    fn names(&self) -> Result<BTreeSet<String>, String> {
        Ok(self
            .raw_query("group by (__name__) ({job=\"node\"})")?
            .iter()
            .filter_map(|s| s["metric"]["__name__"].as_str().map(str::to_owned))
            .collect())
    }

    /// Retries `check` until it returns `Ok` or `within` has passed.
    fn eventually<T>(
        &self,
        within: Duration,
        what: &str,
        mut check: impl FnMut(&Self) -> Result<T, String>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            match check(self) {
                Ok(v) => return v,
                Err(e) if Instant::now() >= deadline => panic!(
                    "{what} within {within:?}: {e}\n{} log ends:\n{}",
                    self.proc.name,
                    self.proc.log_tail()
                ),
                Err(_) => std::thread::sleep(Duration::from_millis(500)),
            }
        }
    }
}

#[test]
fn prometheus_sees_native_histograms_and_exemplars() {
    let _machine = crate::machine_alone();
    let releases = prometheus_releases();
    if releases.is_empty() {
        return;
    }
    let dir = TempDir::new("native");
    // Held (with its stdout) until the test ends.
    let node_proc = start_node(&dir, "node", "--seed 11");
    let node = node_proc.addr;
    // Two Prometheus servers of each release, all scraping at once; each release is checked
    // in turn. Native histograms are a feature flag in 2.x and in 3.0 to 3.7 alike.
    // Prometheus 3 also gets a server that asks for text format 1.0.0 only.
    let servers: Vec<(Prometheus, Vec<Prometheus>)> = releases
        .iter()
        .map(|r| {
            let native = start_prometheus(
                r,
                &dir,
                "prometheus-native",
                node,
                &["--enable-feature=native-histograms,exemplar-storage"],
                None,
            );
            let mut text = vec![start_prometheus(
                r,
                &dir,
                "prometheus-plain",
                node,
                &[],
                None,
            )];
            if r.major >= 3 {
                text.push(start_prometheus(
                    r,
                    &dir,
                    "prometheus-text1",
                    node,
                    &[],
                    Some("PrometheusText1.0.0"),
                ));
            }
            (native, text)
        })
        .collect();
    for (release, (native, text)) in releases.iter().zip(&servers) {
        on_release(release, || native_checks(native, text, node));
    }
}

/// The checks of [`prometheus_sees_native_histograms_and_exemplars`] on one release: `native`
/// runs with native histograms and exemplars, each of `text_servers` without flags (its default
/// protocols, or text format 1.0.0 only), all scraping `node`.
fn native_checks(native: &Prometheus, text_servers: &[Prometheus], node: SocketAddr) {
    let q = "histogram_quantile(0.9, rate(alys_block_production_duration_seconds[1m]))";
    let p90 = native.eventually(
        Duration::from_secs(90),
        "a 0.9 quantile of native block production",
        |p| {
            let result = p.raw_query(q)?;
            let v = result
                .iter()
                .filter_map(|s| s["value"][1].as_str()?.parse::<f64>().ok())
                .find(|v| v.is_finite())
                .ok_or_else(|| format!("{q} returned {result:?}"))?;
            Ok(v)
        },
    );
    assert!(p90 > 0.0 && p90 < 30.0, "{q} = {p90}");
    // The series holds native histogram samples (the classic one would be `_bucket`).
    let raw = native
        .raw_query("alys_block_production_duration_seconds")
        .expect("an instant query");
    assert!(
        raw.iter().any(|s| s["histogram"][1]["count"].is_string()),
        "native histogram samples: {raw:?}"
    );
    assert!(
        native
            .raw_query("alys_block_production_duration_seconds_bucket")
            .expect("a query")
            .is_empty(),
        "a native histogram scraped over protobuf has no classic `_bucket` series"
    );

    let exemplars = native.eventually(Duration::from_secs(60), "block production exemplars", |p| {
        p.exemplar_ids("alys_block_production_duration_seconds")
    });
    eprintln!(
        "{q} = {p90}; {} exemplars, e.g. trace_id {:?}",
        exemplars.len(),
        exemplars.first()
    );
    for id in &exemplars {
        assert!(
            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "trace_id {id:?}"
        );
    }

    // Actor message latency (`#[instrument_actor]`'s handler sites): native too, and the
    // handler the example runs in a span (`SubmitTransactions`) gives its exemplars.
    let q = "histogram_quantile(0.9, rate(alys_actor_message_latency_seconds{message=\"SubmitTransactions\"}[1m]))";
    let actor_p90 = native.eventually(
        Duration::from_secs(60),
        "a 0.9 quantile of native actor message latency",
        |p| {
            let result = p.raw_query(q)?;
            result
                .iter()
                .filter_map(|s| s["value"][1].as_str()?.parse::<f64>().ok())
                .find(|v| v.is_finite())
                .ok_or_else(|| format!("{q} returned {result:?}"))
        },
    );
    assert!(actor_p90 > 0.0 && actor_p90 < 10.0, "{q} = {actor_p90}");
    let raw = native
        .raw_query("alys_actor_message_latency_seconds{message=\"SubmitTransactions\"}")
        .expect("an instant query");
    assert!(
        !raw.is_empty() && raw.iter().all(|s| s["histogram"][1]["count"].is_string()),
        "native actor latency samples: {raw:?}"
    );
    let actor_exemplars = native.eventually(
        Duration::from_secs(60),
        "actor message latency exemplars",
        |p| p.exemplar_ids("alys_actor_message_latency_seconds{message=\"SubmitTransactions\"}"),
    );
    for id in &actor_exemplars {
        assert!(
            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "trace_id {id:?}"
        );
    }
    eprintln!(
        "{q} = {actor_p90}; {} exemplars, e.g. trace_id {:?}",
        actor_exemplars.len(),
        actor_exemplars.first()
    );

    // Every family: the node's own scrapes say what there is.
    let (_, text) = http_get_with(node, "/metrics", &[]).expect("a text scrape");
    let text = String::from_utf8(text).expect("UTF-8");
    let sample_names: BTreeSet<String> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split(['{', ' ']).next().map(str::to_owned))
        .collect();
    let (_, pb) = http_get_with(node, "/metrics", &[("Accept", PROTOBUF_CONTENT_TYPE)])
        .expect("a protobuf scrape");
    let native_families: BTreeSet<String> = protobuf::decode(&pb)
        .expect("protobuf")
        .into_iter()
        .filter(|f| {
            f.metric
                .iter()
                .any(|m| m.histogram.as_ref().is_some_and(|h| h.schema.is_some()))
        })
        .filter_map(|f| f.name)
        .collect();
    assert!(native_families.contains("alys_block_production_duration_seconds"));
    let expected_native: BTreeSet<String> = sample_names
        .iter()
        .map(|n| {
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| n.strip_suffix(s).filter(|b| native_families.contains(*b)))
                .unwrap_or(n)
                .to_owned()
        })
        .collect();
    eprintln!(
        "{} sample names in text, {} native families: {native_families:?}",
        sample_names.len(),
        native_families.len()
    );
    native.eventually(
        Duration::from_secs(20),
        "every family in the native Prometheus",
        |p| {
            let have = p.names()?;
            let missing: Vec<_> = expected_native.difference(&have).collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("missing {missing:?}"))
            }
        },
    );
    for plain in text_servers {
        plain.eventually(
            Duration::from_secs(20),
            &format!("every family in {}", plain.proc.name),
            |p| {
                let up = p.raw_query("up")?;
                if up.first().and_then(|s| s["value"][1].as_str()) != Some("1") {
                    return Err(format!("up = {up:?}"));
                }
                let have = p.names()?;
                let missing: Vec<_> = sample_names.difference(&have).collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!("missing {missing:?}"))
                }
            },
        );
    }
}
