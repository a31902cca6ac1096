//! A thread's cached validator child must not outlive the validator's slot: once a validator
//! is forgotten and its slot goes to another, the first thread's timings of the old validator
//! must not land under the new one's label.

use std::sync::mpsc;

use alys_metrics::catalogue::chain::BLOCK_PRODUCTION_DURATION;
use alys_metrics::prelude::*;

#[time_block(production, validator = validator)]
fn produce(validator: &str) -> u64 {
    7
}

/// Runs `f` on a thread of its own, returning when it is done, so that each step's thread and
/// order are fixed.
fn on(worker: &mpsc::Sender<Box<dyn FnOnce() + Send>>, f: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = mpsc::channel();
    worker
        .send(Box::new(move || {
            f();
            let _ = done_tx.send(());
        }))
        .unwrap();
    done_rx.recv().unwrap();
}

fn worker() -> mpsc::Sender<Box<dyn FnOnce() + Send>> {
    let (tx, rx) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
    std::thread::spawn(move || {
        for job in rx {
            job();
        }
    });
    tx
}

fn count(text: &str, validator: &str) -> Option<u64> {
    let series =
        format!("alys_block_production_duration_seconds_count{{validator=\"{validator}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(series.as_str()))
        .map(|v| v.parse().unwrap())
}

#[test]
fn a_forgotten_validator_does_not_keep_its_old_slot_in_a_threads_cache() {
    let (one, two) = (worker(), worker());
    on(&one, || {
        produce("val-a");
    });
    assert!(BLOCK_PRODUCTION_DURATION.forget("val-a"));
    on(&two, || {
        produce("val-b"); // takes val-a's freed slot
    });
    on(&one, || {
        produce("val-a"); // thread one's cache still names the old slot
    });
    let text = alys_metrics::registry().encode_to_string();
    assert_eq!(count(&text, "val-b"), Some(1), "val-b timed once");
    assert_eq!(
        count(&text, "val-a"),
        Some(1),
        "val-a timed once since it was forgotten"
    );
}
