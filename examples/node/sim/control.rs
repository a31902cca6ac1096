//! What every part of the simulated node shares: the activity switch, the address slots that
//! survive restarts, mailbox tickets, and the random numbers.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use alys_metrics::actor::{ActorMetrics, MailboxMetrics};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;

/// Pauses and resumes the simulated work. Paused, no driver sends a message, so every
/// counter the simulation drives stops; the exporter and the resource collector go on.
#[derive(Clone, Debug)]
pub struct Activity {
    paused: watch::Receiver<bool>,
}

/// The switch of an [`Activity`].
#[derive(Debug)]
pub struct ActivitySwitch {
    paused: watch::Sender<bool>,
}

/// A running activity and its switch.
pub fn activity() -> (ActivitySwitch, Activity) {
    let (tx, rx) = watch::channel(false);
    (ActivitySwitch { paused: tx }, Activity { paused: rx })
}

impl ActivitySwitch {
    /// Stops every driver at its next tick.
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }
}

impl Activity {
    /// Returns at once while running; waits while paused. A dropped switch counts as running.
    pub async fn running(&mut self) {
        let _ = self.paused.wait_for(|paused| !*paused).await;
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }
}

/// Waits for the next tick of `ticks` while the activity runs.
pub async fn tick(ticks: &mut tokio::time::Interval, activity: &mut Activity) {
    ticks.tick().await;
    activity.running().await;
}

/// A ticker that skips missed ticks instead of bursting to catch up.
pub fn every(period: Duration) -> tokio::time::Interval {
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks
}

/// The current address of an actor and the metrics of its mailbox. The supervisor puts a new
/// address in when it restarts a dead actor, so holders of the slot never keep a dead one.
pub struct Slot<A: Actor> {
    addr: RefCell<Addr<A>>,
    metrics: Arc<ActorMetrics>,
}

impl<A: Actor> Slot<A> {
    /// A slot holding `addr`, whose actor records into `metrics`.
    pub fn new(addr: Addr<A>, metrics: Arc<ActorMetrics>) -> Rc<Self> {
        Rc::new(Self {
            addr: RefCell::new(addr),
            metrics,
        })
    }

    /// The actor's current address.
    pub fn addr(&self) -> Addr<A> {
        self.addr.borrow().clone()
    }

    /// Puts the address of a restarted actor in.
    pub fn replace(&self, addr: Addr<A>) {
        *self.addr.borrow_mut() = addr;
    }

    /// The metrics the actor records into.
    pub fn metrics(&self) -> &Arc<ActorMetrics> {
        &self.metrics
    }

    /// A ticket for one message to this actor (counted as queued in its mailbox).
    pub fn ticket(&self) -> Ticket {
        Ticket::new(self.metrics.mailbox())
    }
}

impl<A: Actor<Context = Context<A>>> Slot<A> {
    /// Sends a message without waiting for room: a full mailbox refuses it, and the refusal
    /// is counted as a dropped message. Returns whether the message was queued.
    pub fn offer<M>(&self, make: impl FnOnce(Ticket) -> M) -> bool
    where
        M: Message + Send + Carries + 'static,
        M::Result: Send,
        A: Handler<M>,
    {
        // Through the slot's own sender: actix gives every clone of an address a slot of
        // its own beyond the capacity, so a fresh clone would never see a full mailbox.
        let sent = self.addr.borrow().try_send(make(self.ticket()));
        match sent {
            Ok(()) => true,
            Err(SendError::Full(msg)) => {
                msg.into_ticket().refused();
                false
            }
            Err(SendError::Closed(_)) => false,
        }
    }
}

/// A message that carries a [`Ticket`].
pub trait Carries {
    /// The message's ticket.
    fn into_ticket(self) -> Ticket;
}

/// One message's place in an actor's mailbox: counted as queued when made, as taken out when
/// the handler opens it or when the message is dropped unhandled (its actor died), and as
/// dropped when a full mailbox refused it. This keeps `alys_actor_mailbox_size` exact for
/// actix mailboxes, which count nothing themselves.
#[derive(Debug)]
pub struct Ticket {
    mailbox: Arc<MailboxMetrics>,
    queued: Instant,
    open: bool,
}

impl Ticket {
    fn new(mailbox: &Arc<MailboxMetrics>) -> Self {
        mailbox.on_enqueue();
        Self {
            mailbox: Arc::clone(mailbox),
            queued: Instant::now(),
            open: true,
        }
    }

    /// The handler took the message out of the mailbox.
    pub fn received(self) {}

    /// A full mailbox refused the message.
    fn refused(self) {
        self.mailbox.on_drop();
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if std::mem::take(&mut self.open) {
            self.mailbox.on_dequeue(self.queued.elapsed());
        }
    }
}

/// Implements [`Carries`] for messages with a `ticket` field.
macro_rules! carries_ticket {
    ($($msg:ty),+ $(,)?) => {$(
        impl $crate::sim::control::Carries for $msg {
            fn into_ticket(self) -> $crate::sim::control::Ticket {
                self.ticket
            }
        }
    )+};
}
pub(crate) use carries_ticket;

/// The seeded random numbers of one part of the node. Each part has its own stream, derived
/// from the node's seed and the part's name, so runs with one seed repeat each other.
pub struct Dice(SmallRng);

impl Dice {
    /// The stream of `part` for `seed`.
    pub fn new(seed: u64, part: &str) -> Self {
        // FNV-1a of the name, mixed into the seed.
        let salt = part.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Self(SmallRng::seed_from_u64(seed ^ salt))
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.0.random_bool(p.clamp(0.0, 1.0))
    }

    /// A uniform number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    /// A uniform integer in `lo..=hi`.
    pub fn int(&mut self, lo: u64, hi: u64) -> u64 {
        self.0.random_range(lo..=hi.max(lo))
    }

    /// A uniform float in `lo..hi`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// A standard normal number (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A log-normal duration around `median` (half of them shorter, half longer), spread by
    /// `sigma` (0.5 keeps 95 % within about 0.4x..2.7x of the median).
    pub fn latency(&mut self, median: Duration, sigma: f64) -> Duration {
        let factor = (sigma * self.normal()).exp();
        median.mul_f64(factor.clamp(0.01, 100.0))
    }

    /// A Poisson count with mean `lambda` (Knuth's method; fine for the small means here).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        let limit = (-lambda.max(0.0)).exp();
        let mut k = 0;
        let mut p = self.unit();
        while p > limit && k < 10_000 {
            k += 1;
            p *= self.unit();
        }
        k
    }

    /// One of `items`, chosen by weight; the first when every weight is 0.
    pub fn pick<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let total: f64 = items.iter().map(|(_, w)| w.max(0.0)).sum();
        let mut x = self.unit() * total;
        for (item, w) in items {
            x -= w.max(0.0);
            if x < 0.0 {
                return item;
            }
        }
        &items[0].0
    }
}
