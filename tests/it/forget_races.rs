//! `Metric::forget` racing with updates and scrapes. These are stress tests: each runs a
//! bounded number of iterations and fails as soon as one interleaving shows the race.

use std::sync::atomic::{AtomicBool, Ordering};

use alys_metrics::prelude::*;

/// Sets the flag when dropped, so a failing assertion also stops the other thread (a scope
/// waits for its threads before it reports the panic).
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// One slot, fought over.
#[alys_metric(counter, labels(peer: dynamic(max = 1)))]
static RACE_COUNTS: Counter;

/// Two values swapping one slot.
#[alys_metric(gauge, labels(peer: dynamic(max = 1)))]
static RACE_SCORES: IntGauge;

#[test]
fn a_slot_is_zeroed_before_another_value_can_take_it() {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                RACE_COUNTS.with("a").inc();
                RACE_COUNTS.forget("a");
            }
        });
        let _stop = StopOnDrop(&stop);
        for i in 0..50_000 {
            let c = RACE_COUNTS.with("b");
            c.inc();
            // Whether "b" holds the slot or was folded into "other", it was just incremented:
            // a reset of the slot after "b" took it would show 0 here.
            assert!(
                c.get() >= 1,
                "iteration {i}: an increment of \"b\" was wiped"
            );
            RACE_COUNTS.forget("b");
        }
    });
}

#[test]
fn a_scrape_never_shows_one_values_sample_under_anothers_label() {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                RACE_SCORES.forget("x");
                RACE_SCORES.with("y").set(2);
                RACE_SCORES.forget("y");
                RACE_SCORES.with("x").set(1);
            }
        });
        let _stop = StopOnDrop(&stop);
        let mut out = Vec::new();
        for i in 0..20_000 {
            out.clear();
            alys_metrics::metric::Collect::encode(
                &RACE_SCORES,
                &mut alys_metrics::metric::encoder::Encoder::new(
                    &mut out,
                    alys_metrics::metric::encoder::Target::Text,
                ),
            );
            let text = std::str::from_utf8(&out).unwrap();
            for line in text.lines().filter(|l| l.starts_with("alys_race_scores{")) {
                // A fresh slot starts at 0; otherwise x is 1 and y is 2.
                let ok = matches!(
                    line,
                    "alys_race_scores{peer=\"x\"} 0"
                        | "alys_race_scores{peer=\"x\"} 1"
                        | "alys_race_scores{peer=\"y\"} 0"
                        | "alys_race_scores{peer=\"y\"} 2"
                        | "alys_race_scores{peer=\"other\"} 0"
                        | "alys_race_scores{peer=\"other\"} 1"
                        | "alys_race_scores{peer=\"other\"} 2"
                );
                assert!(ok, "scrape {i}: mislabelled sample `{line}`");
            }
        }
    });
}
