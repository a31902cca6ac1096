//! Issue 23: the example node's default exposition stays within its series budget, exports no
//! structurally impossible lifecycle transition, no series of an actor type it does not have
//! or of a migration phase it has not entered, and still exports every series that moved
//! before the budget (`tests/data/node_moved_series.txt`: the non-zero series of two 600 s
//! runs of the node at the commit before it).
//!
//! One node (the test binary in node mode, `--seed 42`) runs for [`RUN`], then one scrape is
//! read. A series of the reference is checked when the scrape has its family and the values
//! of its dynamic and gated labels (a peer that left, a governance endpoint between
//! connections, an operation not called yet, a migration phase not entered yet is not the
//! budget's business); every series of a family without such labels is checked. The test fails when too few could be checked to mean anything.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use alys_metrics::catalogue::SeriesReport;
use alys_metrics::labels::{LabelValue, MigrationPhase, LIFECYCLE_EDGES};

use crate::harness::{http_get, start_node, TempDir};

/// The most samples one scrape of the example node may hold after [`RUN`]. Issue 23 asks
/// for 3,000; before it the node exported 6,046, after declared combinations about 3,930,
/// with the families by `actor_type` and by migration `phase` gated about 3,390, and with the
/// combinations Alys v2's code allows (governance errors by message direction, feature-flag
/// evaluations, gossip, block production, Aura statuses) about 3,220 at this point (one
/// migration phase entered; 3,501 at 600 s, eight) (BENCHMARKS.md, section 14.3). The
/// 3,000 is not reached: what is left can be non-zero in the real node (handler sites'
/// latency, federation update stages, correlated requests, feature-flag evaluation times,
/// start-up times, the execution client's RPC), and going lower would drop buckets or series
/// that moved. This is the measured ceiling (3,217 and 3,226 on seed 42) with room for the
/// churn of peers and governance endpoints between runs. A new family or label that widens
/// the scrape past it fails here.
const BUDGET: usize = 3_250;

/// The actor types of the example node's handlers and actors: the only `actor_type` values
/// its scrape may carry (the other four can never move in it).
const LIVE_ACTOR_TYPES: [&str; 6] = ["chain", "engine", "network", "bridge", "storage", "sync"];

/// How long the node runs before the scrape: its actors started, its dependencies called,
/// its governance endpoints connected, a storage actor replaced.
const RUN: Duration = Duration::from_secs(75);

/// The reference set.
const MOVED: &str = include_str!("../data/node_moved_series.txt");

/// `name{a="x",b="y"}` as the name and its label pairs.
fn parse(series: &str) -> (&str, Vec<(String, String)>) {
    let Some((name, rest)) = series.split_once('{') else {
        return (series, Vec::new());
    };
    let mut labels = Vec::new();
    let mut chars = rest.trim_end_matches('}').chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        chars.next(); // the opening quote
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.extend(chars.next()),
                '"' => break,
                c => value.push(c),
            }
        }
        if chars.peek() == Some(&',') {
            chars.next();
        }
        labels.push((key.trim().to_owned(), value));
    }
    (name, labels)
}

/// The series of a scrape: the part of each sample line before its value.
fn series_of(text: &str) -> BTreeSet<&str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.rsplit_once(' ').map(|(s, _)| s))
        .collect()
}

/// For each family of the catalogue, the names of its labels whose values come and go with
/// the process: dynamic labels, and the gated enums (`actor_type` and the migration `phase`,
/// whose series exist once the actor type is live or the phase entered).
fn dynamic_labels() -> BTreeMap<&'static str, Vec<&'static str>> {
    let gated = |n: &str, t: &str| {
        matches!(n, "actor_type" | "phase") || matches!(t, "ActorType" | "MigrationPhase")
    };
    alys_metrics::catalogue::all()
        .into_iter()
        .map(|d| {
            let dynamic = d
                .label_names
                .iter()
                .zip(d.label_types)
                .filter(|(n, t)| t.starts_with("dynamic") || gated(n, t))
                .map(|(n, _)| *n)
                .collect();
            (d.name, dynamic)
        })
        .collect()
}

/// The family of a sample name: itself, or without a histogram's suffix.
fn family_of<'a>(name: &'a str, known: &BTreeMap<&'static str, Vec<&'static str>>) -> &'a str {
    if known.contains_key(name) {
        return name;
    }
    ["_bucket", "_sum", "_count"]
        .iter()
        .find_map(|s| name.strip_suffix(s).filter(|f| known.contains_key(f)))
        .unwrap_or(name)
}

/// The family and the dynamic label values of a series: what must be live for it to exist.
fn key(series: &str, known: &BTreeMap<&'static str, Vec<&'static str>>) -> (String, Vec<String>) {
    let (name, labels) = parse(series);
    let family = family_of(name, known);
    let dynamic = known.get(family).map(Vec::as_slice).unwrap_or_default();
    let values = labels
        .into_iter()
        .filter(|(k, _)| dynamic.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    (family.to_owned(), values)
}

#[test]
fn the_example_node_stays_within_its_series_budget_and_keeps_every_series_that_moved() {
    let _turn = crate::machine_shared();
    let dir = TempDir::new("budget");
    let node = start_node(&dir, "budget", "--seed 42");
    std::thread::sleep(RUN);
    let (status, text) = http_get(node.addr, "/metrics").expect("scrape the node");
    assert_eq!(status, 200, "{text}");
    let report = SeriesReport::from_text(text.as_bytes());
    println!("{report}");

    // The budget.
    assert!(
        report.samples() <= BUDGET,
        "{} samples, more than the budget of {BUDGET}:\n{report}",
        report.samples()
    );

    // No series of an actor type the node does not have, and every type it has.
    let mut types = BTreeSet::new();
    for s in series_of(&text) {
        let (name, labels) = parse(s);
        for (_, v) in labels.iter().filter(|(k, _)| k == "actor_type") {
            assert!(
                LIVE_ACTOR_TYPES.contains(&v.as_str()),
                "{name}: actor_type {v:?}, which no handler or actor of the node has"
            );
            types.insert(v.clone());
        }
    }
    assert_eq!(types.len(), LIVE_ACTOR_TYPES.len(), "{types:?}");

    // Migration series only for the phases entered: up to the current one, which is there.
    let current = text
        .lines()
        .find_map(|l| l.strip_prefix("alys_migration_phase "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .expect("alys_migration_phase in the scrape") as usize;
    let mut phases = BTreeSet::new();
    for s in series_of(&text) {
        let (name, labels) = parse(s);
        for (_, v) in labels.iter().filter(|(k, _)| k == "phase") {
            let n = MigrationPhase::VALUES
                .iter()
                .position(|p| p.as_str() == v)
                .unwrap_or_else(|| panic!("{s}: not a migration phase"));
            assert!(
                n <= current,
                "{name}: phase {v:?}, not entered (now {current})"
            );
            phases.insert(n);
        }
    }
    assert!(
        phases.contains(&current),
        "the current phase's series: {phases:?}"
    );

    // Lifecycle transitions: each actor has the lifecycle's eight edges and nothing else.
    let mut per_actor: BTreeMap<String, usize> = BTreeMap::new();
    for s in series_of(&text) {
        let (name, labels) = parse(s);
        if name != "alys_actor_lifecycle_transitions_total" {
            continue;
        }
        let get = |k: &str| {
            labels
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("no `{k}` in {s}"))
        };
        let edge = (get("from_state"), get("to_state"), get("transition_reason"));
        assert!(
            LIFECYCLE_EDGES
                .iter()
                .any(|(f, t, r)| (f.as_str(), t.as_str(), r.as_str()) == edge),
            "{s}: not an edge of the actor lifecycle"
        );
        *per_actor.entry(get("actor").to_owned()).or_default() += 1;
    }
    assert!(per_actor.len() >= 6, "the node's actors: {per_actor:?}");
    for (actor, n) in &per_actor {
        assert_eq!(*n, LIFECYCLE_EDGES.len(), "{actor}: {n} transition series");
    }

    // Every series that moved before the budget still exists, where its labels are live.
    let known = dynamic_labels();
    let exported = series_of(&text);
    let live: BTreeSet<(String, Vec<String>)> = exported.iter().map(|s| key(s, &known)).collect();
    let reference: Vec<&str> = MOVED
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let mut checked = 0;
    let mut lost = Vec::new();
    for r in &reference {
        if !live.contains(&key(r, &known)) {
            continue;
        }
        checked += 1;
        if !exported.contains(r) {
            lost.push(*r);
        }
    }
    assert!(
        lost.is_empty(),
        "{} series that moved before the budget are gone:\n{}",
        lost.len(),
        lost.join("\n")
    );
    assert!(
        checked * 100 >= reference.len() * 85,
        "only {checked} of the {} reference series could be checked",
        reference.len()
    );
    println!(
        "{checked} of {} reference series checked, none lost",
        reference.len()
    );
}
