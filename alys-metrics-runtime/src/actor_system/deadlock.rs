//! Deadlock detection over measured sends ([`SendMeasured`](super::SendMeasured)) and watched
//! mailboxes.
//!
//! # Wait cycles
//!
//! Every measured request is an edge of a wait-for graph between actor types: while it is in
//! flight, the sender's type waits for the recipient's. The [`DeadlockDetector`] samples each
//! edge's requests in flight and the count of its requests that ended. An edge is *stuck*
//! while it has requests in flight and none of its requests ended; a set of actor types whose
//! stuck edges form a cycle (a strongly connected component of the stuck graph, or one type
//! awaiting itself) for at least the threshold counts
//! `alys_actor_deadlock_detections_total{detection_type="wait_cycle",actors_involved="a-b"}`
//! once, logs the cycle (`tracing` warning), and is not counted again until it has cleared.
//!
//! Approximations: the graph's nodes are actor *types* (two instances of one type are one
//! node), and an edge on which other requests keep ending is not stuck even if one of its
//! requests never ends. `external` senders are never awaited, so they are in no cycle.
//!
//! # Stalled mailboxes
//!
//! [`DeadlockDetector::watch_mailbox`] adds an instrumented mailbox
//! ([`mailbox::bounded`](crate::actor::mailbox::bounded)); one that holds messages and
//! processed none for the threshold counts `detection_type="stalled_mailbox"` with its actor
//! type as `actors_involved`, once per episode (until it processes a message or empties).
//!
//! # Running it
//!
//! [`DeadlockDetector::spawn`] runs [`check`](DeadlockDetector::check) every `interval` on a
//! tokio task of its own (inside an actix `System` or any tokio runtime); or call `check`
//! from a task of yours. Run one detector per process: each counts what it finds. The default threshold is 30 s ([`DEFAULT_THRESHOLD`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::send::{involved, EDGES, ENDPOINTS};
use crate::actor::MailboxMetrics;
use crate::catalogue::actor_traffic::ACTOR_DEADLOCK_DETECTIONS;
use crate::labels::{ActorEndpoint, ActorType, DeadlockKind, LabelValue};

/// How long a wait cycle or a stalled mailbox must last to be counted, by default.
pub const DEFAULT_THRESHOLD: Duration = Duration::from_secs(30);

/// One detection, as counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    /// A wait cycle or a stalled mailbox.
    pub kind: DeadlockKind,
    /// The `actors_involved` label: sorted actor types, joined by `-` (the capped label's sanitiser keeps no commas).
    pub actors_involved: String,
}

#[derive(Clone, Copy, Debug, Default)]
struct EdgeState {
    /// Settled count at the last sample.
    settled: u64,
    /// Since when the edge has been stuck, if it is.
    stuck_since: Option<Instant>,
}

#[derive(Debug)]
struct Watched {
    actor_type: ActorType,
    mailbox: Arc<MailboxMetrics>,
    processed: u64,
    stalled_since: Option<Instant>,
    reported: bool,
}

/// Finds wait cycles and stalled mailboxes (see the [module docs](self)).
#[derive(Debug)]
pub struct DeadlockDetector {
    threshold: Duration,
    edges: [[EdgeState; ENDPOINTS]; ENDPOINTS],
    /// Cycles (as endpoint bit masks) already counted and still present.
    reported: Vec<u16>,
    mailboxes: Vec<Watched>,
}

impl Default for DeadlockDetector {
    fn default() -> Self {
        Self::new(DEFAULT_THRESHOLD)
    }
}

impl DeadlockDetector {
    /// A detector counting cycles and stalls that last `threshold`.
    pub fn new(threshold: Duration) -> Self {
        Self {
            threshold,
            edges: [[EdgeState::default(); ENDPOINTS]; ENDPOINTS],
            reported: Vec::new(),
            mailboxes: Vec::new(),
        }
    }

    /// The threshold.
    pub fn threshold(&self) -> Duration {
        self.threshold
    }

    /// Watches an instrumented mailbox of an actor of `actor_type` for stalls. Its series
    /// `{detection_type="stalled_mailbox",actors_involved="<actor_type>"}` exists at 0 from now.
    pub fn watch_mailbox(&mut self, actor_type: ActorType, mailbox: Arc<MailboxMetrics>) {
        let _ = ACTOR_DEADLOCK_DETECTIONS.with(DeadlockKind::StalledMailbox, actor_type.as_str());
        let processed = mailbox.processed();
        self.mailboxes.push(Watched {
            actor_type,
            mailbox,
            processed,
            stalled_since: None,
            reported: false,
        });
    }

    /// Samples the edges and mailboxes at `now`, counts and logs what lasted the threshold
    /// for the first time, and returns those detections.
    pub fn check(&mut self, now: Instant) -> Vec<Detection> {
        let mut found = Vec::new();
        // The stuck graph: adj[from] = bit mask of recipients awaited for the threshold.
        let mut adj = [0u16; ENDPOINTS];
        for (from, row) in EDGES.iter().enumerate() {
            for (to, cell) in row.iter().enumerate() {
                let state = &mut self.edges[from][to];
                let Some(edge) = cell.get() else { continue };
                let settled = edge.settled();
                let in_flight = edge.queue.get();
                if in_flight > 0 && settled == state.settled {
                    let since = *state.stuck_since.get_or_insert(now);
                    if now.duration_since(since) >= self.threshold {
                        adj[from] |= 1 << to;
                    }
                } else {
                    state.stuck_since = None;
                }
                state.settled = settled;
            }
        }
        let cycles = cycles(&adj);
        self.reported.retain(|m| cycles.contains(m));
        for mask in cycles {
            if self.reported.contains(&mask) {
                continue;
            }
            self.reported.push(mask);
            let actors = involved(mask);
            tracing::warn!(
                actors_involved = %actors,
                threshold_s = self.threshold.as_secs_f64(),
                "wait cycle between actors: each awaits a reply from the next and none came"
            );
            found.push(self.count(DeadlockKind::WaitCycle, actors));
        }
        let threshold = self.threshold;
        let mut stalls = Vec::new();
        for w in &mut self.mailboxes {
            let processed = w.mailbox.processed();
            if w.mailbox.current_size() > 0 && processed == w.processed {
                let since = *w.stalled_since.get_or_insert(now);
                if !w.reported && now.duration_since(since) >= threshold {
                    w.reported = true;
                    stalls.push(w.actor_type);
                }
            } else {
                w.stalled_since = None;
                w.reported = false;
            }
            w.processed = processed;
        }
        for t in stalls {
            tracing::warn!(
                actor_type = t.as_str(),
                "stalled mailbox: messages queued and none processed"
            );
            found.push(self.count(DeadlockKind::StalledMailbox, t.as_str().to_owned()));
        }
        found
    }

    fn count(&self, kind: DeadlockKind, actors_involved: String) -> Detection {
        ACTOR_DEADLOCK_DETECTIONS.with(kind, &actors_involved).inc();
        Detection {
            kind,
            actors_involved,
        }
    }

    /// Runs [`check`](Self::check) every `interval` on a tokio task of its own, until the
    /// runtime shuts down or the handle is aborted. Must be called inside a tokio runtime
    /// (an actix `System` is one).
    pub fn spawn(mut self, interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                self.check(Instant::now());
            }
        })
    }
}

/// The cycles of the graph `adj` (bit masks of nodes): each strongly connected component with
/// more than one node, or one node with an edge to itself. `external` never waits in a cycle.
fn cycles(adj: &[u16; ENDPOINTS]) -> Vec<u16> {
    // Reachability by repeated squaring over 10 nodes: reach[i] = nodes reachable from i.
    let mut reach = *adj;
    loop {
        let mut changed = false;
        for i in 0..ENDPOINTS {
            let mut r = reach[i];
            for (j, rj) in reach.iter().enumerate() {
                if r & (1 << j) != 0 {
                    r |= rj;
                }
            }
            if r != reach[i] {
                reach[i] = r;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let external = ActorEndpoint::External.index();
    let mut out: Vec<u16> = Vec::new();
    for i in 0..ENDPOINTS {
        if i == external || reach[i] & (1 << i) == 0 {
            continue;
        }
        // The component of i: the nodes reachable from i that reach i.
        let comp = (0..ENDPOINTS)
            .filter(|&j| j == i || (reach[i] & (1 << j) != 0 && reach[j] & (1 << i) != 0))
            .fold(0u16, |m, j| m | 1 << j);
        if !out.contains(&comp) {
            out.push(comp);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_components_and_self_loops() {
        let mut adj = [0u16; ENDPOINTS];
        adj[0] = 1 << 4; // chain -> storage
        adj[4] = 1 << 0; // storage -> chain
        adj[1] = 1 << 2; // engine -> network, no cycle
        adj[5] = 1 << 5; // sync -> sync
        let mut c = cycles(&adj);
        c.sort_unstable();
        assert_eq!(c, vec![0b1_0001, 1 << 5]);
        assert_eq!(involved(0b1_0001), "chain-storage");
    }
}
