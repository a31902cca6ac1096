//! The (actor, dependency) pairs whose health and circuit-breaker state are exported: a
//! bounded table shared by [`Dependency`](super::Dependency) and
//! [`CircuitBreaker`](super::CircuitBreaker), and the scrape-time gauges that read it.

use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::labels::{sanitize_label_value, ActorType, DependencyType, LabelValue};
use crate::metric::encoder::Encoder;
use crate::metric::{Collect, Descriptor};

/// Most (actor, dependency) pairs whose health and breaker state are exported.
pub const MAX_DEPENDENCY_PAIRS: usize = 64;

/// Value of a gauge cell that has nothing to export yet.
const UNSET: i64 = -1;
const NO_TYPE: u8 = u8::MAX;

/// One exported (actor, dependency) pair.
#[derive(Debug)]
pub(crate) struct Entry {
    actor: ActorType,
    /// Sanitised, like the dynamic labels of the other dependency metrics.
    pub(crate) dependency: Box<str>,
    kind: AtomicU8,
    pub(crate) health: AtomicI64,
    pub(crate) breaker: AtomicI64,
}

pub(crate) fn entries() -> MutexGuard<'static, Vec<Arc<Entry>>> {
    static ENTRIES: Mutex<Vec<Arc<Entry>>> = Mutex::new(Vec::new());
    ENTRIES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The exported entry of (`actor`, `dependency`), created if there is room; `kind` is set
/// when given.
pub(crate) fn entry(
    actor: ActorType,
    dependency: &str,
    kind: Option<DependencyType>,
) -> Option<Arc<Entry>> {
    let name = sanitize_label_value(dependency);
    let mut all = entries();
    let found = all
        .iter()
        .find(|e| e.actor == actor && *e.dependency == *name)
        .cloned();
    let e = match found {
        Some(e) => e,
        None if all.len() < MAX_DEPENDENCY_PAIRS => {
            let e = Arc::new(Entry {
                actor,
                dependency: name.into(),
                kind: AtomicU8::new(NO_TYPE),
                health: AtomicI64::new(UNSET),
                breaker: AtomicI64::new(UNSET),
            });
            all.push(Arc::clone(&e));
            e
        }
        None => {
            drop(all);
            tracing::warn!(
                actor = actor.as_str(),
                dependency,
                max = MAX_DEPENDENCY_PAIRS,
                "too many (actor, dependency) pairs: this one's health and breaker state are not exported"
            );
            return None;
        }
    };
    if let Some(kind) = kind {
        e.kind.store(kind.index() as u8, Ordering::Relaxed);
    }
    Some(e)
}

/// Which value of each exported (actor, dependency) pair a [`DependencyGauge`] exports.
#[derive(Clone, Copy, Debug)]
pub enum DependencyGaugeKind {
    /// `alys_actor_dependency_health_status{actor,dependency,dependency_type}`.
    Health,
    /// `alys_actor_circuit_breaker_state{actor,dependency}`.
    BreakerState,
}

/// The health and breaker-state gauges: one sample per exported (actor, dependency) pair
/// that has a value, read at scrape time.
#[derive(Debug)]
pub struct DependencyGauge {
    desc: &'static Descriptor,
    kind: DependencyGaugeKind,
}

impl DependencyGauge {
    /// The gauge described by `desc`, exporting `kind`.
    pub const fn new(desc: &'static Descriptor, kind: DependencyGaugeKind) -> Self {
        Self { desc, kind }
    }
}

impl Collect for DependencyGauge {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {}

    fn encode(&self, enc: &mut Encoder<'_>) {
        let mut family = enc.family(self.desc);
        for e in entries().iter() {
            let (value, kind) = match self.kind {
                DependencyGaugeKind::Health => {
                    let kind = DependencyType::VALUES
                        .get(usize::from(e.kind.load(Ordering::Relaxed)))
                        .copied();
                    (e.health.load(Ordering::Relaxed), kind)
                }
                DependencyGaugeKind::BreakerState => (e.breaker.load(Ordering::Relaxed), None),
            };
            if value == UNSET {
                continue;
            }
            let pairs = [("actor", e.actor.as_str()), ("dependency", &*e.dependency)];
            match (self.kind, kind) {
                (DependencyGaugeKind::Health, None) => continue,
                (_, Some(kind)) => {
                    let labels = [pairs[0], pairs[1], ("dependency_type", kind.as_str())];
                    family.sample(&labels, value);
                }
                (_, None) => family.sample(&pairs, value),
            }
        }
    }

    fn series_count(&self) -> usize {
        entries()
            .iter()
            .filter(|e| match self.kind {
                DependencyGaugeKind::Health => {
                    e.health.load(Ordering::Relaxed) != UNSET
                        && e.kind.load(Ordering::Relaxed) != NO_TYPE
                }
                DependencyGaugeKind::BreakerState => e.breaker.load(Ordering::Relaxed) != UNSET,
            })
            .count()
    }
}
