//! The governance stream: the StreamActor's links to three Anduro governance nodes, with a
//! local task standing in for the nodes. Every 100 ms each link moves:
//!
//! - connected: a heartbeat every 5 s (answered in about 40 ms, now and then not at all);
//!   signature requests about twice a second across the links, answered in about 350 ms, 3 %
//!   never (they time out after 10 s and count as errors); federation-state and proposal
//!   queries; proposals, attestations and federation updates arriving (each update processed
//!   in five timed stages); chain events sent through a send buffer of 256 drained at 50 a
//!   second, so a burst of attestations (every 10 minutes or so per link, at 400 a second)
//!   fills it: backpressure by severity, and drops when full;
//! - about once in 5 minutes a link drops (connection lost, stream error, the node shutting
//!   down): its open requests fail, its messages wait in the buffer, and it reconnects with
//!   the library's exponential backoff (1, 2, 4 ... 60 s, plus jitter), 60 % of attempts
//!   succeeding;
//! - about every 10 minutes the last endpoint is retired (its series are forgotten) and a new
//!   one takes its place.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use alys_metrics::chain::governance::{
    add_endpoint, expire_overdue_requests, reconnect_backoff, record_federation_update,
    remove_endpoint, GovernanceEndpoint,
};
use alys_metrics::labels::{
    FederationStage, FederationUpdateKind, GovernanceErrorKind, GovernanceMessageKind,
    GovernanceRequestKind, ReconnectReason,
};
use alys_metrics::prelude::*;

use super::control::{every, tick, Activity, Dice};

/// Requests' timeout.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The send buffer's capacity, in messages.
const BUFFER: usize = 256;
/// Messages the stream sends per 100 ms tick while connected.
const DRAIN_PER_TICK: usize = 5;

/// What the remote node will do, and when.
#[derive(Clone, Copy, Debug)]
enum Due {
    /// Answer request `id`.
    Answer(u64),
    /// Answer the heartbeat sent at `sent`.
    Heartbeat(Instant),
    /// The heartbeat sent then went unanswered.
    HeartbeatLost,
}

enum State {
    Connected,
    Down {
        retry_at: Instant,
        attempt: u32,
        reason: ReconnectReason,
    },
}

struct Link {
    gov: GovernanceEndpoint,
    endpoint: String,
    state: State,
    /// Connection epoch: what the remote scheduled on an older connection never arrives.
    epoch: u64,
    scheduled: Vec<(Instant, u64, Due)>,
    buffer: VecDeque<GovernanceMessageKind>,
    /// Attestations of a burst still to be queued.
    burst: u64,
    next_heartbeat: Instant,
    next_id: u64,
}

impl Link {
    fn new(n: u32) -> Self {
        let endpoint = format!("gov-{n}.anduro.local:50051");
        let gov = add_endpoint(&endpoint, &format!("anduro-node-{n}"));
        gov.set_connected(true);
        Self {
            gov,
            endpoint,
            state: State::Connected,
            epoch: 0,
            scheduled: Vec::new(),
            buffer: VecDeque::new(),
            burst: 0,
            next_heartbeat: Instant::now(),
            next_id: 0,
        }
    }

    fn schedule(&mut self, at: Instant, due: Due) {
        self.scheduled.push((at, self.epoch, due));
    }

    /// Queues an outbound message; a full buffer drops it.
    fn enqueue(&mut self, kind: GovernanceMessageKind) {
        self.gov.observe_send_buffer(self.buffer.len(), BUFFER);
        if self.buffer.len() >= BUFFER {
            self.gov
                .message_error(GovernanceErrorKind::BufferFull, kind);
        } else {
            self.buffer.push_back(kind);
        }
    }

    fn export_buffer(&self) {
        for kind in GovernanceMessageKind::VALUES {
            let n = self.buffer.iter().filter(|k| *k == kind).count();
            self.gov.set_buffer_size(*kind, n);
        }
    }

    fn disconnect(&mut self, reason: ReconnectReason, now: Instant, dice: &mut Dice) {
        self.gov.set_connected(false);
        self.epoch += 1;
        self.scheduled.clear();
        self.state = State::Down {
            retry_at: now + jitter(reconnect_backoff(0), dice),
            attempt: 0,
            reason,
        };
        tracing::info!(endpoint = %self.endpoint, reason = reason.as_str(), "governance stream dropped");
    }

    fn step(&mut self, now: Instant, dice: &mut Dice) {
        match self.state {
            State::Down {
                retry_at,
                attempt,
                reason,
            } => {
                if now >= retry_at {
                    self.gov.reconnect_attempt(reason);
                    if dice.chance(0.6) {
                        self.gov.set_connected(true);
                        self.state = State::Connected;
                        self.next_heartbeat = now;
                        self.register(now, dice);
                    } else {
                        let attempt = attempt + 1;
                        self.state = State::Down {
                            retry_at: now + jitter(reconnect_backoff(attempt), dice),
                            attempt,
                            reason: ReconnectReason::RetryFailed,
                        };
                    }
                }
                // Chain events keep coming while down: they wait in the buffer.
                if dice.chance(0.2) {
                    self.enqueue(GovernanceMessageKind::ChainEvent);
                }
            }
            State::Connected => self.connected_step(now, dice),
        }
        self.export_buffer();
    }

    /// Registers with the node after (re)connecting: a request answered at once.
    fn register(&mut self, now: Instant, dice: &mut Dice) {
        let id = self.request(GovernanceRequestKind::Registration, now);
        let at = now + dice.latency(Duration::from_millis(60), 0.4);
        self.schedule(at, Due::Answer(id));
    }

    fn request(&mut self, kind: GovernanceRequestKind, now: Instant) -> u64 {
        self.next_id += 1;
        self.gov.request_sent_at(self.next_id, kind, TIMEOUT, now);
        self.next_id
    }

    fn connected_step(&mut self, now: Instant, dice: &mut Dice) {
        // What the remote node does now.
        let epoch = self.epoch;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.scheduled)
            .into_iter()
            .partition(|(at, e, _)| *at <= now && *e == epoch);
        self.scheduled = later;
        for (at, _, d) in due {
            match d {
                Due::Answer(id) => {
                    if self.gov.response_received_at(id, at).is_some() && dice.chance(0.01) {
                        // A signature that does not verify.
                        self.gov.message_error(
                            GovernanceErrorKind::InvalidSignature,
                            GovernanceMessageKind::SignatureResponse,
                        );
                    }
                }
                Due::Heartbeat(sent) => self.gov.heartbeat_answered(at - sent),
                Due::HeartbeatLost => self.gov.heartbeat_missed(),
            }
        }

        if now >= self.next_heartbeat {
            self.next_heartbeat = now + Duration::from_secs(5);
            self.gov.heartbeat_sent();
            if dice.chance(0.98) {
                let at = now + dice.latency(Duration::from_millis(40), 0.5);
                self.schedule(at, Due::Heartbeat(now));
            } else {
                self.schedule(now + Duration::from_secs(3), Due::HeartbeatLost);
            }
        }
        for _ in 0..dice.poisson(0.07) {
            let id = self.request(GovernanceRequestKind::Signature, now);
            if dice.chance(0.97) {
                let at = now + dice.latency(Duration::from_millis(350), 0.6);
                self.schedule(at, Due::Answer(id));
            }
        }
        if dice.chance(0.005) {
            let id = self.request(GovernanceRequestKind::FederationState, now);
            if dice.chance(0.99) {
                let at = now + dice.latency(Duration::from_millis(120), 0.5);
                self.schedule(at, Due::Answer(id));
            }
        }
        if dice.chance(0.01) {
            let id = self.request(GovernanceRequestKind::ProposalStatus, now);
            if dice.chance(0.99) {
                let at = now + dice.latency(Duration::from_millis(90), 0.5);
                self.schedule(at, Due::Answer(id));
            }
        }
        // Inbound traffic.
        if dice.chance(0.02) {
            self.gov.message_received(GovernanceMessageKind::Proposal);
        }
        for _ in 0..dice.poisson(0.1) {
            self.gov
                .message_received(GovernanceMessageKind::Attestation);
        }
        if dice.chance(0.001) {
            self.gov.message_error(
                GovernanceErrorKind::Decode,
                GovernanceMessageKind::Attestation,
            );
        }
        if dice.chance(1.0 / 300.0) {
            self.gov
                .message_received(GovernanceMessageKind::FederationUpdate);
            process_federation_update(dice);
        }
        // Outbound: chain events, and now and then a burst of attestations.
        if dice.chance(0.2) {
            self.enqueue(GovernanceMessageKind::ChainEvent);
        }
        if self.burst == 0 && dice.chance(1.0 / 6000.0) {
            self.burst = dice.int(250, 400);
            tracing::info!(endpoint = %self.endpoint, burst = self.burst, "burst of attestations to send");
        }
        // A burst arrives at 400 a second, eight times what the stream drains.
        for _ in 0..self.burst.min(40) {
            self.burst -= 1;
            self.enqueue(GovernanceMessageKind::Attestation);
        }
        for _ in 0..DRAIN_PER_TICK {
            match self.buffer.pop_front() {
                Some(kind) => self.gov.message_sent(kind),
                None => break,
            }
        }
        if dice.chance(1.0 / 3000.0) {
            let reasons = [
                (ReconnectReason::ConnectionLost, 60.0),
                (ReconnectReason::StreamError, 25.0),
                (ReconnectReason::ServerShutdown, 15.0),
            ];
            let reason = *dice.pick(&reasons);
            self.disconnect(reason, now, dice);
        }
    }
}

/// Up to a quarter more than `wait`, so that nodes do not reconnect in step.
fn jitter(wait: Duration, dice: &mut Dice) -> Duration {
    wait.mul_f64(1.0 + dice.uniform(0.0, 0.25))
}

/// Processes a federation update in its five stages, each timed as it runs.
fn process_federation_update(dice: &mut Dice) {
    const KINDS: [(FederationUpdateKind, f64); 5] = [
        (FederationUpdateKind::ConfigChanged, 40.0),
        (FederationUpdateKind::KeyRotation, 25.0),
        (FederationUpdateKind::MemberAdded, 15.0),
        (FederationUpdateKind::MemberRemoved, 10.0),
        (FederationUpdateKind::ThresholdChanged, 10.0),
    ];
    let kind = *dice.pick(&KINDS);
    let stages = [
        (
            FederationStage::Decode,
            dice.latency(Duration::from_millis(1), 0.5),
        ),
        (
            FederationStage::Validate,
            dice.latency(Duration::from_millis(6), 0.5),
        ),
        (
            FederationStage::VerifySignatures,
            dice.latency(Duration::from_millis(35), 0.5),
        ),
        (
            FederationStage::Apply,
            dice.latency(Duration::from_millis(12), 0.5),
        ),
        (
            FederationStage::Persist,
            dice.latency(Duration::from_millis(25), 0.6),
        ),
    ];
    actix_rt::spawn(async move {
        for (stage, work) in stages {
            let started = Instant::now();
            tokio::time::sleep(work).await;
            record_federation_update(kind, stage, started.elapsed());
        }
    });
}

/// Runs the governance links.
pub async fn governance(mut dice: Dice, mut activity: Activity) {
    let mut ticks = every(Duration::from_millis(100));
    let mut links: Vec<Link> = (1..=3).map(Link::new).collect();
    let mut next_endpoint = 4;
    let mut n = 0u64;
    loop {
        tick(&mut ticks, &mut activity).await;
        n += 1;
        let now = Instant::now();
        for link in &mut links {
            link.step(now, &mut dice);
        }
        if n.is_multiple_of(10) {
            // Requests whose answer never comes time out here even on a quiet link.
            expire_overdue_requests();
        }
        if dice.chance(1.0 / 6000.0) {
            if let Some(old) = links.pop() {
                remove_endpoint(&old.endpoint);
                tracing::info!(endpoint = %old.endpoint, "governance endpoint retired");
            }
            links.push(Link::new(next_endpoint));
            next_endpoint += 1;
        }
    }
}
