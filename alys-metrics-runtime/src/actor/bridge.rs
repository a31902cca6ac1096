//! [`ActorMetricsBridge`]: exports the [`ActorMetrics`] of registered actors to Prometheus.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::metrics::Exported;
use super::{ActorMetrics, MessageOutcome};
use crate::catalogue::actor::{
    ACTOR_LIFECYCLE_EVENTS, ACTOR_MAILBOX_DROPPED, ACTOR_MAILBOX_SIZE, ACTOR_MESSAGES_PROCESSED,
    ACTOR_MESSAGE_ERRORS, ACTOR_MESSAGE_OUTCOMES, ACTOR_RESTARTS,
};
use crate::labels::{ActorType, LabelValue, LifecycleEvent, MessageType, RestartReason};

const TYPES: usize = <ActorType as LabelValue>::COUNT;

/// Counts exported by one actor in one collection.
#[derive(Clone, Copy, Debug, Default)]
struct Delta {
    processed: u64,
    failed: u64,
    dropped: u64,
    mailbox: u64,
}

#[derive(Debug)]
struct Registered {
    name: Arc<str>,
    actor_type: ActorType,
    metrics: Arc<ActorMetrics>,
    registered_at: Instant,
    healthy: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Registered {
    /// Exports what changed since the previous export: restarts and lifecycle events here,
    /// the message and drop counts returned for the caller to add up per actor type.
    fn export(&self) -> Delta {
        let snap = self.metrics.snapshot();
        // The mark lives on the metrics: registering them again exports only what is new.
        let mut last = self.metrics.exported();
        let t = self.actor_type;
        let delta = Delta {
            processed: snap.messages_processed.saturating_sub(last.processed),
            failed: snap.messages_failed.saturating_sub(last.failed),
            dropped: snap.mailbox.dropped.saturating_sub(last.dropped),
            mailbox: snap.mailbox.current_size,
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
            ACTOR_LIFECYCLE_EVENTS
                .with(t, LifecycleEvent::Restart)
                .inc_by(restarted);
            tracing::warn!(
                actor = &*self.name,
                actor_type = t.as_str(),
                restart_count = restarted,
                "actor restart detected"
            );
        }
        *last = Exported {
            processed: snap.messages_processed,
            failed: snap.messages_failed,
            dropped: snap.mailbox.dropped,
            restarts: snap.restarts_by_reason,
        };
        drop(last);

        let now_healthy = snap.is_healthy();
        let was_healthy = self.healthy.swap(now_healthy, Ordering::Relaxed);
        if was_healthy && !now_healthy {
            tracing::warn!(
                actor = &*self.name,
                actor_type = t.as_str(),
                success_rate = snap.success_rate(),
                error_rate = snap.error_rate(),
                "actor health degraded"
            );
        } else if !was_healthy && now_healthy {
            ACTOR_LIFECYCLE_EVENTS
                .with(t, LifecycleEvent::Recover)
                .inc();
            tracing::info!(
                actor = &*self.name,
                actor_type = t.as_str(),
                "actor health recovered"
            );
        }
        delta
    }
}

/// A registered actor: records messages without looking its name up.
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

    /// Records one handled message, as
    /// [`ActorMetricsBridge::record_message_event`] does, without the name look-up.
    pub fn record_message(
        &self,
        message_type: MessageType,
        processing_time: Duration,
        success: bool,
    ) {
        record_event(&self.entry, message_type, processing_time, success);
    }
}

/// The per-message families are written at the event; processed and failed counts go into
/// the actor's metrics, which the collection exports as deltas.
fn record_event(entry: &Registered, message_type: MessageType, time: Duration, success: bool) {
    let t = entry.actor_type;
    let outcome = if success {
        MessageOutcome::Ok
    } else {
        MessageOutcome::Error
    };
    ACTOR_MESSAGE_OUTCOMES.with(t, outcome).inc();
    super::site::record_unsited(
        t,
        message_type,
        u64::try_from(time.as_nanos()).unwrap_or(u64::MAX),
    );
    entry.metrics.record_outcome(time, outcome);
}

/// Totals over every registered actor.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateStats {
    /// Registered actors.
    pub total_actors: usize,
    /// Registered actors that are healthy.
    pub healthy_actors: usize,
    /// Messages processed by all of them.
    pub total_messages_processed: u64,
    /// Messages failed by all of them.
    pub total_messages_failed: u64,
    /// Restarts of all of them.
    pub total_restarts: u64,
    /// Processing time per processed or failed message, over all of them.
    pub avg_response_time: Duration,
    /// The sum of their peak memory use, in bytes.
    pub total_memory_usage: u64,
    /// Processed over processed plus failed, over all of them; 1.0 with no messages.
    pub overall_success_rate: f64,
}

/// What one collection did.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectionSummary {
    /// Registered actors.
    pub actors: usize,
    /// Healthy actors among them.
    pub healthy: usize,
    /// Processed and failed messages exported by this collection.
    pub messages: u64,
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
/// actor catalogue.
///
/// - [`register`](Self::register) and [`unregister`](Self::unregister) count `spawn` and
///   `stop` lifecycle events and keep `alys_actor_total_count`.
/// - [`collect`](Self::collect) (every `interval` once
///   [`start_collection`](Self::start_collection) runs) exports what changed since the
///   previous collection: processed, failed and dropped messages and restarts are *added as
///   deltas*, so repeated collections never re-add a total; it detects restarts and health
///   changes (logged; a recovery is a `recover` event), sets `alys_actor_mailbox_size` to the
///   sum over the actors of each type, the throughput to the messages per second over the
///   window, and `alys_actor_healthy_count`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::sync::Arc;
/// use std::time::Duration;
/// use alys_metrics::actor::{ActorMetrics, ActorMetricsBridge};
/// use alys_metrics::labels::ActorType;
///
/// let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
/// let metrics = Arc::new(ActorMetrics::new());
/// bridge.register("doc-engine-1", ActorType::Engine, Arc::clone(&metrics));
/// metrics.record_message(Duration::from_millis(1), true);
/// bridge.collect();
/// bridge.collect(); // nothing new: nothing added
/// assert!(bridge.is_system_healthy());
/// assert_eq!(bridge.aggregate_stats().total_messages_processed, 1);
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
            healthy: AtomicBool::new(metrics.is_healthy()),
            metrics,
            registered_at: Instant::now(),
        });
        let (replaced, total) = {
            let mut actors = self.actors_mut();
            let replaced = actors.insert(name, Arc::clone(&entry));
            (replaced, actors.len())
        };
        if let Some(old) = replaced {
            self.finish(&old);
            ACTOR_LIFECYCLE_EVENTS
                .with(old.actor_type, LifecycleEvent::Stop)
                .inc();
        }
        super::derived::bridge_actors(total);
        ACTOR_LIFECYCLE_EVENTS
            .with(actor_type, LifecycleEvent::Spawn)
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
        let (removed, total) = {
            let mut actors = self.actors_mut();
            let removed = actors.remove(name);
            (removed, actors.len())
        };
        let Some(entry) = removed else {
            return false;
        };
        self.finish(&entry);
        super::derived::bridge_actors(total);
        ACTOR_LIFECYCLE_EVENTS
            .with(entry.actor_type, LifecycleEvent::Stop)
            .inc();
        tracing::debug!(actor = name, "actor unregistered");
        true
    }

    /// Exports the last counts of an actor leaving the bridge.
    fn finish(&self, entry: &Registered) {
        let _serial = lock(&self.last_collection);
        let d = entry.export();
        let t = entry.actor_type;
        ACTOR_MESSAGES_PROCESSED.with(t).inc_by(d.processed);
        ACTOR_MESSAGE_ERRORS.with(t).inc_by(d.failed);
        ACTOR_MAILBOX_DROPPED.with(t).inc_by(d.dropped);
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

    /// Records one handled message of a registered actor: counts it in
    /// `alys_actor_messages_total`, observes its latency and outcome, and adds it to the
    /// actor's metrics (exported by the next collection). Returns false, recording nothing,
    /// when no actor has that name. Keep the [`ActorHandle`] to skip the look-up.
    pub fn record_message_event(
        &self,
        name: &str,
        message_type: MessageType,
        processing_time: Duration,
        success: bool,
    ) -> bool {
        match self.actors().get(name) {
            Some(entry) => {
                record_event(entry, message_type, processing_time, success);
                true
            }
            None => false,
        }
    }

    /// Records a lifecycle event of a registered actor. `restart` is added to the actor's
    /// metrics (reason `other`) so that the collection counts it once, in
    /// `alys_actor_restarts_total` and as a `restart` event; other events are counted at
    /// once. Returns false when no actor has that name.
    pub fn record_lifecycle_event(&self, name: &str, event: LifecycleEvent) -> bool {
        let Some(entry) = self.actors().get(name).cloned() else {
            return false;
        };
        match event {
            LifecycleEvent::Restart => entry.metrics.record_restart(RestartReason::Other),
            other => ACTOR_LIFECYCLE_EVENTS.with(entry.actor_type, other).inc(),
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
        let mut registered = [false; TYPES];
        let (actors, healthy) = {
            let actors = self.actors();
            let mut healthy = 0;
            for entry in actors.values() {
                let d = entry.export();
                registered[entry.actor_type.index()] = true;
                let acc = &mut per_type[entry.actor_type.index()];
                acc.processed += d.processed;
                acc.failed += d.failed;
                acc.dropped += d.dropped;
                acc.mailbox += d.mailbox;
                healthy += usize::from(entry.healthy.load(Ordering::Relaxed));
            }
            (actors.len(), healthy)
        };

        let secs = window.as_secs_f64();
        let mut messages = 0;
        for t in ActorType::VALUES {
            let d = per_type[t.index()];
            ACTOR_MESSAGES_PROCESSED.with(*t).inc_by(d.processed);
            ACTOR_MESSAGE_ERRORS.with(*t).inc_by(d.failed);
            ACTOR_MAILBOX_DROPPED.with(*t).inc_by(d.dropped);
            ACTOR_MAILBOX_SIZE
                .with(*t)
                .set(i64::try_from(d.mailbox).unwrap_or(i64::MAX));
            if secs > 0.0 {
                super::derived::bridge_throughput(
                    *t,
                    registered[t.index()],
                    (d.processed + d.failed) as f64 / secs,
                );
            }
            messages += d.processed + d.failed;
        }
        super::derived::bridge_counts(actors, healthy);
        CollectionSummary {
            actors,
            healthy,
            messages,
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
            healthy_actors: 0,
            total_messages_processed: 0,
            total_messages_failed: 0,
            total_restarts: 0,
            avg_response_time: Duration::ZERO,
            total_memory_usage: 0,
            overall_success_rate: 1.0,
        };
        let mut time = Duration::ZERO;
        for entry in self.actors().values() {
            let snap = entry.metrics.snapshot();
            s.total_actors += 1;
            s.healthy_actors += usize::from(snap.is_healthy());
            s.total_messages_processed += snap.messages_processed;
            s.total_messages_failed += snap.messages_failed;
            s.total_restarts += snap.restarts;
            s.total_memory_usage += snap.peak_memory_usage;
            time += snap.total_processing_time;
        }
        let handled = s.total_messages_processed + s.total_messages_failed;
        if handled > 0 {
            s.avg_response_time = Duration::from_nanos(
                u64::try_from(time.as_nanos() / u128::from(handled)).unwrap_or(u64::MAX),
            );
            s.overall_success_rate = s.total_messages_processed as f64 / handled as f64;
        }
        s
    }

    /// True with no actors, or when at least 80 % of the actors are healthy and at least
    /// 95 % of all their messages succeeded.
    pub fn is_system_healthy(&self) -> bool {
        let s = self.aggregate_stats();
        if s.total_actors == 0 {
            return true;
        }
        let ratio = s.healthy_actors as f64 / s.total_actors as f64;
        let healthy = ratio >= 0.8 && s.overall_success_rate >= 0.95;
        tracing::debug!(
            total_actors = s.total_actors,
            healthy_actors = s.healthy_actors,
            success_rate = s.overall_success_rate,
            healthy,
            "actor system health check"
        );
        healthy
    }
}
