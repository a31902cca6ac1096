//! [`ActorMetricsBridge`]: exports the [`ActorMetrics`] of registered actors to Prometheus.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::metrics::Exported;
use super::ActorMetrics;
use crate::catalogue::actor::{
    ACTOR_MAILBOX_DROPPED, ACTOR_MAILBOX_SIZE, ACTOR_REGISTRATION_EVENTS, ACTOR_RESTARTS,
};
use crate::labels::{ActorType, LabelValue, LifecycleEvent, RegistrationEvent, RestartReason};

const TYPES: usize = <ActorType as LabelValue>::COUNT;

/// Counts exported by one actor in one collection.
#[derive(Clone, Copy, Debug, Default)]
struct Delta {
    dropped: u64,
    mailbox: u64,
    restarts: u64,
}

#[derive(Debug)]
struct Registered {
    name: Arc<str>,
    actor_type: ActorType,
    metrics: Arc<ActorMetrics>,
    registered_at: Instant,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Registered {
    /// Exports what changed since the previous export: restarts here, the drop count and the
    /// mailbox size returned for the caller to add up per actor type.
    fn export(&self) -> Delta {
        let snap = self.metrics.snapshot();
        // The mark lives on the metrics: registering them again exports only what is new.
        let mut last = self.metrics.exported();
        let t = self.actor_type;
        let mut delta = Delta {
            dropped: snap.mailbox.dropped.saturating_sub(last.dropped),
            mailbox: snap.mailbox.current_size,
            restarts: 0,
        };
        let mut restarted = 0;
        for reason in RestartReason::VALUES {
            let i = reason.index();
            let d = snap.restarts_by_reason[i].saturating_sub(last.restarts[i]);
            if d > 0 {
                ACTOR_RESTARTS.with(t, *reason).inc_by(d);
                restarted += d;
            }
        }
        if restarted > 0 {
            tracing::warn!(
                actor = &*self.name,
                actor_type = t.as_str(),
                restart_count = restarted,
                "actor restart detected"
            );
        }
        *last = Exported {
            dropped: snap.mailbox.dropped,
            restarts: snap.restarts_by_reason,
        };
        delta.restarts = restarted;
        delta
    }
}

/// A registered actor.
///
/// Returned by [`ActorMetricsBridge::register`]; cheap to clone.
#[derive(Clone, Debug)]
pub struct ActorHandle {
    entry: Arc<Registered>,
}

impl ActorHandle {
    /// The name the actor was registered under.
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// The actor's type.
    pub fn actor_type(&self) -> ActorType {
        self.entry.actor_type
    }

    /// The actor's metrics.
    pub fn metrics(&self) -> &Arc<ActorMetrics> {
        &self.entry.metrics
    }

    /// When the actor was registered.
    pub fn registered_at(&self) -> Instant {
        self.entry.registered_at
    }
}

/// Totals over every registered actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AggregateStats {
    /// Registered actors.
    pub total_actors: usize,
    /// Restarts of all of them.
    pub total_restarts: u64,
    /// Messages in all their mailboxes.
    pub total_mailbox_size: u64,
    /// The sum of their peak memory use, in bytes.
    pub total_memory_usage: u64,
}

/// What one collection did.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectionSummary {
    /// Registered actors.
    pub actors: usize,
    /// Restarts exported by this collection.
    pub restarts: u64,
    /// The window since the previous collection.
    pub window: Duration,
}

/// Without tokio (no `actor` feature) the system's clock.
#[cfg(not(feature = "actor"))]
use std::time::Instant as Now;
/// Tokio's clock (the system's unless a test pauses it) where tokio is built in.
#[cfg(feature = "actor")]
use tokio::time::Instant as Now;

/// The collection runs in the background only while a tokio runtime is there to run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoRuntime;

impl std::fmt::Display for NoRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "no tokio runtime: call `start_collection` from inside a tokio (or actix) runtime, \
             or call `collect()` yourself on a timer",
        )
    }
}

impl std::error::Error for NoRuntime {}

/// Exports the [`ActorMetrics`] of registered actors to the Prometheus families of the
/// actor catalogue: what no handler sees.
///
/// - [`register`](Self::register) and [`unregister`](Self::unregister) count `spawn` and
///   `stop` events (`alys_actor_registration_events_total`).
/// - [`collect`](Self::collect) (every `interval` once
///   [`start_collection`](Self::start_collection) runs) exports what changed since the
///   previous collection: dropped messages and restarts are *added as deltas*, so repeated
///   collections never re-add a total, and `alys_actor_mailbox_size` is set to the sum over
///   the actors of each type.
///
/// Messages are counted by the handlers' `#[instrument_actor]` sites, never here.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::sync::Arc;
/// use std::time::Duration;
/// use alys_metrics::actor::{ActorMetrics, ActorMetricsBridge};
/// use alys_metrics::labels::{ActorType, RestartReason};
///
/// let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
/// let metrics = Arc::new(ActorMetrics::new());
/// bridge.register("doc-engine-1", ActorType::Engine, Arc::clone(&metrics));
/// metrics.record_restart(RestartReason::Timeout);
/// assert_eq!(bridge.collect().restarts, 1);
/// assert_eq!(bridge.collect().restarts, 0); // nothing new: nothing added
/// assert_eq!(bridge.aggregate_stats().total_restarts, 1);
/// ```
#[derive(Debug)]
pub struct ActorMetricsBridge {
    interval: Duration,
    actors: RwLock<HashMap<Arc<str>, Arc<Registered>>>,
    /// Serialises exports; holds the end of the previous collection window (tokio's clock,
    /// which is the system's unless a test pauses it).
    last_collection: Mutex<Now>,
}

impl ActorMetricsBridge {
    /// A bridge that collects every `interval` once started (at least every millisecond).
    pub fn new(interval: Duration) -> Self {
        Self {
            interval: interval.max(Duration::from_millis(1)),
            actors: RwLock::new(HashMap::new()),
            last_collection: Mutex::new(Now::now()),
        }
    }

    /// The collection interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    fn actors(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Arc<str>, Arc<Registered>>> {
        self.actors.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn actors_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Arc<str>, Arc<Registered>>> {
        self.actors.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers an actor (a `spawn` event). Counts its metrics hold that were never exported
    /// are exported by the next collection; metrics registered again (a supervisor restart,
    /// or unregister then register) remember what was exported and add only what is new. A
    /// name registered again replaces the earlier actor: its last counts are exported and it
    /// is counted as stopped.
    pub fn register(
        &self,
        name: impl Into<String>,
        actor_type: ActorType,
        metrics: Arc<ActorMetrics>,
    ) -> ActorHandle {
        let name: Arc<str> = Arc::from(name.into());
        let entry = Arc::new(Registered {
            name: Arc::clone(&name),
            actor_type,
            metrics,
            registered_at: Instant::now(),
        });
        let replaced = self.actors_mut().insert(name, Arc::clone(&entry));
        if let Some(old) = replaced {
            self.finish(&old);
            ACTOR_REGISTRATION_EVENTS
                .with(old.actor_type, RegistrationEvent::Stop)
                .inc();
        }
        ACTOR_REGISTRATION_EVENTS
            .with(actor_type, RegistrationEvent::Spawn)
            .inc();
        tracing::debug!(
            actor = &*entry.name,
            actor_type = actor_type.as_str(),
            "actor registered"
        );
        ActorHandle { entry }
    }

    /// Unregisters an actor (a `stop` event) after exporting its last counts. Returns false
    /// when no actor has that name.
    pub fn unregister(&self, name: &str) -> bool {
        let Some(entry) = self.actors_mut().remove(name) else {
            return false;
        };
        self.finish(&entry);
        ACTOR_REGISTRATION_EVENTS
            .with(entry.actor_type, RegistrationEvent::Stop)
            .inc();
        tracing::debug!(actor = name, "actor unregistered");
        true
    }

    /// Exports the last counts of an actor leaving the bridge.
    fn finish(&self, entry: &Registered) {
        let _serial = lock(&self.last_collection);
        let d = entry.export();
        ACTOR_MAILBOX_DROPPED
            .with(entry.actor_type)
            .inc_by(d.dropped);
    }

    /// The handle of a registered actor.
    pub fn handle(&self, name: &str) -> Option<ActorHandle> {
        self.actors().get(name).map(|entry| ActorHandle {
            entry: Arc::clone(entry),
        })
    }

    /// Number of registered actors.
    pub fn len(&self) -> usize {
        self.actors().len()
    }

    /// True when no actor is registered.
    pub fn is_empty(&self) -> bool {
        self.actors().is_empty()
    }

    /// Records a lifecycle event of a registered actor. `restart` is added to the actor's
    /// metrics (reason `other`) so that the collection counts it once, in
    /// `alys_actor_restarts_total`; the others are counted at once. Returns false when no
    /// actor has that name.
    pub fn record_lifecycle_event(&self, name: &str, event: LifecycleEvent) -> bool {
        let Some(entry) = self.actors().get(name).cloned() else {
            return false;
        };
        let counted = match event {
            LifecycleEvent::Restart => {
                entry.metrics.record_restart(RestartReason::Other);
                None
            }
            LifecycleEvent::Spawn => Some(RegistrationEvent::Spawn),
            LifecycleEvent::Stop => Some(RegistrationEvent::Stop),
            LifecycleEvent::Recover => Some(RegistrationEvent::Recover),
        };
        if let Some(e) = counted {
            ACTOR_REGISTRATION_EVENTS.with(entry.actor_type, e).inc();
        }
        tracing::debug!(
            actor = name,
            event = event.as_str(),
            "actor lifecycle event"
        );
        true
    }

    /// One collection pass: exports what changed since the previous one (see the type's
    /// documentation).
    pub fn collect(&self) -> CollectionSummary {
        let mut last = lock(&self.last_collection);
        let now = Now::now();
        let window = now.saturating_duration_since(*last);
        *last = now;

        let mut per_type = [Delta::default(); TYPES];
        let mut restarts = 0;
        let actors = {
            let actors = self.actors();
            for entry in actors.values() {
                let d = entry.export();
                restarts += d.restarts;
                let acc = &mut per_type[entry.actor_type.index()];
                acc.dropped += d.dropped;
                acc.mailbox += d.mailbox;
            }
            actors.len()
        };
        for t in ActorType::live() {
            let d = per_type[t.index()];
            ACTOR_MAILBOX_DROPPED.with(*t).inc_by(d.dropped);
            ACTOR_MAILBOX_SIZE
                .with(*t)
                .set(i64::try_from(d.mailbox).unwrap_or(i64::MAX));
        }
        CollectionSummary {
            actors,
            restarts,
            window,
        }
    }

    /// Runs [`collect`](Self::collect) every interval on the current tokio runtime until the
    /// bridge is dropped or the task is aborted.
    ///
    /// # Errors
    ///
    /// [`NoRuntime`] when called outside a tokio runtime (actix runs one).
    #[cfg(feature = "actor")]
    #[cfg_attr(docsrs, doc(cfg(feature = "actor")))]
    pub fn start_collection(self: &Arc<Self>) -> Result<tokio::task::JoinHandle<()>, NoRuntime> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| NoRuntime)?;
        let bridge: std::sync::Weak<Self> = Arc::downgrade(self);
        let period = self.interval;
        Ok(runtime.spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                match bridge.upgrade() {
                    Some(b) => {
                        b.collect();
                    }
                    None => break,
                }
            }
        }))
    }

    /// Totals over every registered actor, from their current metrics.
    pub fn aggregate_stats(&self) -> AggregateStats {
        let mut s = AggregateStats {
            total_actors: 0,
            total_restarts: 0,
            total_mailbox_size: 0,
            total_memory_usage: 0,
        };
        for entry in self.actors().values() {
            let snap = entry.metrics.snapshot();
            s.total_actors += 1;
            s.total_restarts += snap.restarts;
            s.total_mailbox_size += snap.mailbox.current_size;
            s.total_memory_usage += snap.peak_memory_usage;
        }
        s
    }
}
