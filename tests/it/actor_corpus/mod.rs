//! A corpus of real Alys v2 actix handlers (AnduroProject/alys, branch `v2`, `app/src/actors`
//! and `crates/actor_system`), each under a **bare** `#[instrument_actor]`, with what they call
//! stubbed, plus the actix reply shapes the node does not use. Every handler runs on a real
//! actix actor and asserts exactly: messages counted, latency count and sum (at least the
//! awaited or slept [`WORK`] where it does), the outcome of each message, in flight 1 while it
//! runs and 0 after, and its `actor_type`/`message_type` (inferred, declared once per type, or
//! `unclassified`).
//!
//! The handler bodies keep the Alys shapes (`Box::pin(async move {..}.into_actor(self))`,
//! `ResponseFuture` arms with early `return Box::pin(..)`, nested `NetworkActorResult`s, a
//! `macro_rules!` shared by two actors, ...); where the upstream code moves `&mut self` into a
//! `'static` future (it does not compile as written), the state the future needs is cloned in.
//! No handler of the corpus takes an argument: [`ARGUMENTS_NEEDED`] counts them.

// The stubs keep the fields of the Alys types they stand for, read or not.
#![allow(dead_code)]

mod actor_system;
mod chain;
mod engine;
mod foundation;
mod network;
mod shapes;
mod storage;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use alys_metrics::actor::{
    sites, HandlerSite, MessageOutcome, ACTOR_MESSAGES_IN_FLIGHT, ACTOR_MESSAGE_OUTCOMES,
};
use alys_metrics::labels::{ActorType, LabelValue, MessageType};

/// How many handlers of the corpus needed an argument of `#[instrument_actor]` (each file
/// below has its handlers under a bare attribute; `grep -c "instrument_actor("` over them is
/// this number).
pub const ARGUMENTS_NEEDED: usize = 0;

/// The work a handler awaits (or sleeps, when it is sync).
pub const WORK: Duration = Duration::from_millis(20);

/// The highest in-flight count seen from inside a handler, for the handler's actor type and
/// for its own site.
pub struct InFlightProbe {
    family: AtomicI64,
    site: AtomicI64,
}

pub static PROBE: InFlightProbe = InFlightProbe {
    family: AtomicI64::new(i64::MIN),
    site: AtomicI64::new(i64::MIN),
};

impl InFlightProbe {
    fn reset(&self) {
        self.family.store(i64::MIN, Ordering::Relaxed);
        self.site.store(i64::MIN, Ordering::Relaxed);
    }
}

/// Looks at the in-flight gauges from inside the running handler (of `actor`/`message`).
pub fn look(t: ActorType, actor: &str, message: &str) {
    PROBE
        .family
        .fetch_max(ACTOR_MESSAGES_IN_FLIGHT.get(t), Ordering::Relaxed);
    let c = counts(actor, message, None);
    let own = i64::try_from(c.messages - c.finished).unwrap_or(i64::MAX);
    PROBE.site.fetch_max(own, Ordering::Relaxed);
}

/// The highest in-flight count of the actor type a handler saw since the last baseline.
pub fn seen_in_flight() -> i64 {
    PROBE.family.load(Ordering::Relaxed)
}

/// The awaited work of an async handler: looks at the gauges, then waits [`WORK`].
pub async fn work(t: ActorType, actor: &str, message: &str) {
    look(t, actor, message);
    tokio::time::sleep(WORK).await;
}

/// The work of a sync handler: looks at the gauges, then sleeps [`WORK`].
pub fn work_sync(t: ActorType, actor: &str, message: &str) {
    look(t, actor, message);
    std::thread::sleep(WORK);
}

/// The sites of one handler's labels: the corpus's, and any other module's of this binary
/// with the same names (they export one series; the serial lock keeps their tests apart).
pub fn group(actor: &str, message: &str) -> Vec<&'static HandlerSite> {
    let found: Vec<_> = sites()
        .filter(|s| s.actor == actor && s.message == message)
        .collect();
    assert!(
        !found.is_empty(),
        "no site registered for {actor}/{message}"
    );
    found
}

/// The site of one handler, where one is enough (its categories).
pub fn site(actor: &str, message: &str) -> &'static HandlerSite {
    group(actor, message)[0]
}

/// Messages started, finished by outcome, latency count and sum of a handler's sites.
#[derive(Clone, Copy)]
struct Counts {
    messages: u64,
    finished: u64,
    outcomes: [u64; 4],
    latency_count: u64,
    latency_sum: f64,
}

/// The counts of `actor`/`message`'s sites, those of the categories `of` when given (one
/// exported series).
fn counts(actor: &str, message: &str, of: Option<(ActorType, MessageType)>) -> Counts {
    let mut c = Counts {
        messages: 0,
        finished: 0,
        outcomes: [0; 4],
        latency_count: 0,
        latency_sum: 0.0,
    };
    let series = group(actor, message)
        .into_iter()
        .filter(|s| of.is_none_or(|(a, m)| s.actor_type() == a && s.message_type() == m));
    for s in series {
        c.messages += s.messages();
        c.finished += s.finished_total();
        for o in MessageOutcome::VALUES {
            c.outcomes[o.index()] += s.outcome(*o);
        }
        c.latency_count += s.latency().sample_count();
        c.latency_sum += s.latency().sample_sum();
    }
    c
}

/// What a handler's counters were before a test sent its messages.
pub struct Before {
    actor: &'static str,
    message: &'static str,
    actor_type: ActorType,
    message_type: MessageType,
    counts: Counts,
    family: [u64; 4],
}

/// Takes the baseline of `actor`/`message`, whose categories must be `actor_type` and
/// `message_type`; nothing of its actor type may be in flight.
pub fn before(
    actor: &'static str,
    message: &'static str,
    actor_type: ActorType,
    message_type: MessageType,
) -> Before {
    // Ours has these categories (a handler of the same names elsewhere in this binary may
    // say others: another series, not counted below).
    let categories: Vec<_> = group(actor, message)
        .iter()
        .map(|s| (s.actor_type(), s.message_type()))
        .collect();
    assert!(
        categories.contains(&(actor_type, message_type)),
        "{actor}/{message}: categories {categories:?}, expected ({actor_type:?}, {message_type:?})"
    );
    assert_eq!(
        ACTOR_MESSAGES_IN_FLIGHT.get(actor_type),
        0,
        "{actor_type:?} busy before the test"
    );
    PROBE.reset();
    Before {
        actor,
        message,
        actor_type,
        message_type,
        counts: counts(actor, message, Some((actor_type, message_type))),
        family: std::array::from_fn(|i| {
            ACTOR_MESSAGE_OUTCOMES.get_outcome(actor_type, MessageOutcome::VALUES[i])
        }),
    }
}

impl Before {
    /// Exactly the messages of `outcomes` since, `awaited` of them each at least [`WORK`]
    /// long; in flight 1 while running (`looked`: a handler looked) and 0 now.
    pub fn assert(&self, outcomes: &[(MessageOutcome, u64)], awaited: u64, looked: bool) {
        self.assert_beside(outcomes, awaited, looked, &[]);
    }

    /// As [`assert`](Self::assert), while other handlers of the same actor type finished
    /// `beside` meanwhile (the actor type's outcomes count both).
    pub fn assert_beside(
        &self,
        outcomes: &[(MessageOutcome, u64)],
        awaited: u64,
        looked: bool,
        beside: &[(MessageOutcome, u64)],
    ) {
        let now = counts(
            self.actor,
            self.message,
            Some((self.actor_type, self.message_type)),
        );
        let was = self.counts;
        let n: u64 = outcomes.iter().map(|(_, k)| k).sum();
        let name = format!("{}/{}", self.actor, self.message);
        assert_eq!(now.messages - was.messages, n, "{name}: messages counted");
        let cancelled = outcomes
            .iter()
            .filter(|(o, _)| *o == MessageOutcome::Cancelled)
            .map(|(_, k)| k)
            .sum::<u64>();
        assert_eq!(
            now.latency_count - was.latency_count,
            n - cancelled,
            "{name}: latency observations"
        );
        let sum = now.latency_sum - was.latency_sum;
        assert!(
            sum >= WORK.as_secs_f64() * awaited as f64,
            "{name}: latency sum {sum} below {awaited} x the awaited work"
        );
        for o in MessageOutcome::VALUES {
            let expected: u64 = outcomes
                .iter()
                .filter(|(x, _)| x == o)
                .map(|(_, k)| k)
                .sum();
            assert_eq!(
                now.outcomes[o.index()] - was.outcomes[o.index()],
                expected,
                "{name}: outcome {o:?}"
            );
            let others: u64 = beside.iter().filter(|(x, _)| x == o).map(|(_, k)| k).sum();
            assert_eq!(
                ACTOR_MESSAGE_OUTCOMES.get_outcome(self.actor_type, *o) - self.family[o.index()],
                expected + others,
                "{name}: alys_actor_message_outcomes_total{{outcome={o:?}}}"
            );
        }
        if looked {
            assert_eq!(
                PROBE.family.load(Ordering::Relaxed),
                1,
                "{name}: in flight while running (actor type)"
            );
            assert_eq!(
                PROBE.site.load(Ordering::Relaxed),
                1,
                "{name}: in flight while running (site)"
            );
        }
        assert_eq!(
            ACTOR_MESSAGES_IN_FLIGHT.get(self.actor_type),
            0,
            "{name}: in flight after"
        );
        assert_eq!(now.messages, now.finished, "{name}: site in flight after");
    }
}

/// Every corpus handler under a bare attribute: the source files of the corpus hold no
/// `#[instrument_actor(` with arguments.
#[test]
fn the_corpus_needs_no_argument() {
    let dir = std::path::Path::new(file!())
        .parent()
        .expect("the corpus folder");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut handlers = 0;
    let mut with_arguments = 0;
    for entry in std::fs::read_dir(&dir).expect("reads the corpus folder") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("reads a corpus file");
        for line in text.lines().map(str::trim) {
            if line == "#[instrument_actor]" {
                handlers += 1;
            } else if line.starts_with("#[instrument_actor(") {
                with_arguments += 1;
            }
        }
    }
    assert!(
        handlers >= 30,
        "{handlers} instrumented impls in the corpus"
    );
    assert_eq!(with_arguments, ARGUMENTS_NEEDED);
}
