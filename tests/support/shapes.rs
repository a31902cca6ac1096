//! What every shape asserts: messages counted, latency count and sum, outcome, in-flight 1
//! while running and 0 after, read from the handler's own series. Shared by the shapes of
//! `tests/it/actor_shapes/` and `tests/solo/no_lying_zeros.rs`, which include this file with
//! `#[path]`; the latter uses a part of it, hence the `dead_code` allowance.

#![allow(dead_code)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use alys_metrics::actor::ACTOR_MESSAGES_IN_FLIGHT;
use alys_metrics::actor::{sites, MessageOutcome};
use alys_metrics::catalogue::actor::ACTOR_MESSAGE_OUTCOMES;
use alys_metrics::labels::{ActorType, LabelValue};

/// The work each handler awaits (or sleeps, when it is sync).
pub const WORK: Duration = Duration::from_millis(20);

/// In-flight messages of `t`, as seen from inside a handler (the highest value seen).
pub struct InFlightProbe(AtomicI64);

impl InFlightProbe {
    pub const fn new() -> Self {
        Self(AtomicI64::new(i64::MIN))
    }

    /// Records the in-flight gauge of `t` now; call it while the message is being handled.
    pub fn look(&self, t: ActorType) {
        self.0
            .fetch_max(ACTOR_MESSAGES_IN_FLIGHT.get(t), Ordering::Relaxed);
    }

    fn reset(&self) {
        self.0.store(i64::MIN, Ordering::Relaxed);
    }

    pub fn seen(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The counts of one actor type's outcomes.
pub fn outcomes(t: ActorType) -> [u64; 4] {
    let mut out = [0; 4];
    for o in MessageOutcome::VALUES {
        out[o.index()] = ACTOR_MESSAGE_OUTCOMES.with(t, *o).get();
    }
    out
}

/// Messages, latency count and latency sum (seconds) of one handler's series.
pub fn series(actor: &str, message: &str) -> (u64, u64, f64) {
    let mut found = false;
    let (mut n, mut count, mut sum) = (0, 0, 0.0);
    for s in sites().filter(|s| s.actor == actor && s.message == message) {
        found = true;
        n += s.messages();
        count += s.latency().count();
        sum += s.latency().sum_seconds();
    }
    assert!(found, "no site registered for {actor}/{message}");
    (n, count, sum)
}

/// A baseline taken before a shape runs.
pub struct Before {
    t: ActorType,
    outcomes: [u64; 4],
    actor: &'static str,
    message: &'static str,
    series: (u64, u64, f64),
    probe: &'static InFlightProbe,
}

pub fn before(
    t: ActorType,
    actor: &'static str,
    message: &'static str,
    probe: &'static InFlightProbe,
) -> Before {
    assert_eq!(
        ACTOR_MESSAGES_IN_FLIGHT.get(t),
        0,
        "{t:?} busy before the test"
    );
    probe.reset();
    Before {
        probe,
        t,
        outcomes: outcomes(t),
        actor,
        message,
        series: series(actor, message),
    }
}

impl Before {
    /// Asserts that exactly `n` messages were measured since, each of at least `WORK`, all
    /// with `outcome`, with 1 in flight while running (`probe`) and 0 now.
    pub fn assert(&self, n: u64, outcome: MessageOutcome) {
        self.assert_mixed(n, &[(outcome, n)]);
    }

    /// As [`assert`](Self::assert), with `n` messages split between outcomes.
    pub fn assert_mixed(&self, n: u64, outcomes_seen: &[(MessageOutcome, u64)]) {
        let probe = self.probe;
        let (m, count, sum) = series(self.actor, self.message);
        let (m0, c0, s0) = self.series;
        assert_eq!(m - m0, n, "messages counted");
        assert_eq!(count - c0, n, "latency observations");
        assert!(
            sum - s0 >= WORK.as_secs_f64() * n as f64,
            "latency sum {} below the awaited work",
            sum - s0
        );
        let now = outcomes(self.t);
        for o in MessageOutcome::VALUES {
            let expected = outcomes_seen
                .iter()
                .filter(|(seen, _)| seen == o)
                .map(|(_, k)| k)
                .sum::<u64>();
            assert_eq!(
                now[o.index()] - self.outcomes[o.index()],
                expected,
                "outcome {o:?}"
            );
        }
        assert_eq!(probe.seen(), 1, "in flight while running");
        assert_eq!(ACTOR_MESSAGES_IN_FLIGHT.get(self.t), 0, "in flight after");
    }
}
