//! [`Dependency`]: an actor's calls to an external dependency (the execution engine's RPC, a
//! Bitcoin node, the database), measured where they are made.
//!
//! - `alys_actor_dependency_response_time_seconds{actor,dependency,operation}`: each call that
//!   was made, from its start to its result (a call the breaker refused has no response time).
//! - `alys_actor_dependency_health_status{actor,dependency,dependency_type}`: 1 when the last
//!   call (or the last [`Dependency::set_health`] report) succeeded, 0 when it failed; no
//!   sample before the first.
//! - With [`with_breaker`](Dependency::with_breaker), calls go through a [`CircuitBreaker`] and
//!   `alys_actor_circuit_breaker_state{actor,dependency}` follows it.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::actor_system::{BreakerConfig, Dependency};
//! use alys_metrics::labels::{ActorType, DependencyType};
//!
//! let engine = Dependency::new(ActorType::Engine, "geth", DependencyType::ExecutionEngine)
//!     .with_breaker(BreakerConfig::default());
//!
//! let head = engine.call("eth_block_number", || Ok::<u64, std::io::Error>(42));
//! assert_eq!(head.unwrap(), 42);
//!
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains(
//!     "alys_actor_dependency_health_status{actor=\"engine\",dependency=\"geth\",dependency_type=\"execution_engine\"} 1\n"
//! ));
//! assert!(text.contains(
//!     "alys_actor_dependency_response_time_seconds_count{actor=\"engine\",dependency=\"geth\",operation=\"eth_block_number\"} 1\n"
//! ));
//! ```
//!
//! # Bounds
//!
//! `dependency` and `operation` are free-form label values: sanitised, at most 16 dependencies
//! and 16 operations per metric (beyond, `"other"`, counted in `alys_label_overflow_total`).
//! The health and breaker gauges export exactly the (actor, dependency) pairs that were
//! created, up to 64 in the process; later pairs are logged once and not exported. Series
//! exist only for pairs that were created: no gauge ever reports a dependency nobody declared.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::breaker::{BreakerConfig, CallError, CircuitBreaker, Permit};
use super::dependency_pairs::{entry, Entry};
pub use super::dependency_pairs::{DependencyGauge, DependencyGaugeKind, MAX_DEPENDENCY_PAIRS};
use crate::catalogue::actor_system::ACTOR_DEPENDENCY_RESPONSE_TIME;
use crate::clock::Clock;
use crate::labels::{ActorType, DependencyType, LabelValue};

/// An external dependency of one actor type (see the [module](self) docs).
#[derive(Debug)]
pub struct Dependency {
    actor: ActorType,
    name: Box<str>,
    kind: DependencyType,
    exported: Option<Arc<Entry>>,
    breaker: Option<CircuitBreaker>,
}

impl Dependency {
    /// `actor`'s dependency `name` (a label value, e.g. `"geth"`, `"bitcoind"`), of `kind`.
    pub fn new(actor: ActorType, name: &str, kind: DependencyType) -> Self {
        Self {
            actor,
            name: name.into(),
            kind,
            exported: entry(actor, name, Some(kind)),
            breaker: None,
        }
    }

    /// Sends every call through a [`CircuitBreaker`] with `config`, on tokio's clock.
    pub fn with_breaker(mut self, config: BreakerConfig) -> Self {
        self.breaker = Some(CircuitBreaker::new(self.actor, &self.name, config));
        self
    }

    /// Sends every call through a [`CircuitBreaker`] with `config`, on `clock`.
    pub fn with_breaker_clock(mut self, config: BreakerConfig, clock: Arc<dyn Clock>) -> Self {
        self.breaker = Some(CircuitBreaker::with_clock(
            self.actor, &self.name, config, clock,
        ));
        self
    }

    /// The breaker, when there is one.
    pub fn breaker(&self) -> Option<&CircuitBreaker> {
        self.breaker.as_ref()
    }

    /// The actor type that calls the dependency.
    pub fn actor(&self) -> ActorType {
        self.actor
    }

    /// The dependency's name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The dependency's kind.
    pub fn kind(&self) -> DependencyType {
        self.kind
    }

    /// Reports the dependency's health from elsewhere (a periodic probe, a health endpoint).
    pub fn set_health(&self, healthy: bool) {
        if let Some(e) = &self.exported {
            e.health.store(i64::from(healthy), Ordering::Relaxed);
        }
    }

    /// Records a call the caller timed itself: its response time under `operation`, and the
    /// health from its outcome. Does not go through the breaker.
    pub fn record(&self, operation: &str, elapsed: Duration, ok: bool) {
        ACTOR_DEPENDENCY_RESPONSE_TIME
            .with(self.actor.as_str(), &self.name, operation)
            .observe(elapsed.as_secs_f64());
        self.set_health(ok);
    }

    /// Makes the call `f` (operation `operation`, e.g. `"eth_get_block_by_number"`): through
    /// the breaker if there is one, timed, its outcome setting the health.
    ///
    /// # Errors
    ///
    /// [`CallError::Rejected`] when the breaker refused the call (`f` is not called),
    /// [`CallError::Failed`] with `f`'s error.
    pub fn call<T, E>(
        &self,
        operation: &str,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, CallError<E>> {
        let permit = self.permit()?;
        let started = Instant::now();
        let result = f();
        self.finish(operation, started, permit, result)
    }

    /// Awaits the call `call` like [`call`](Self::call). The response time runs from the
    /// first poll of the returned future to the call's result; a future dropped before the
    /// call finishes records nothing.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    pub async fn call_async<T, E>(
        &self,
        operation: &str,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, CallError<E>> {
        let permit = self.permit()?;
        let started = Instant::now();
        let result = call.await;
        self.finish(operation, started, permit, result)
    }

    /// The breaker's permit for one call (none without a breaker); `Rejected` while it is open.
    fn permit<E>(&self) -> Result<Option<Permit<'_>>, CallError<E>> {
        match &self.breaker {
            Some(b) => Ok(Some(b.try_acquire().map_err(|_| CallError::Rejected)?)),
            None => Ok(None),
        }
    }

    /// Records a finished call started at `started` and tells the breaker how it went.
    fn finish<T, E>(
        &self,
        operation: &str,
        started: Instant,
        permit: Option<Permit<'_>>,
        result: Result<T, E>,
    ) -> Result<T, CallError<E>> {
        self.record(operation, started.elapsed(), result.is_ok());
        if let Some(p) = permit {
            if result.is_ok() {
                p.success();
            } else {
                p.failure();
            }
        }
        result.map_err(CallError::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::dependency_pairs::entries;
    use super::*;
    use crate::metric::encoder::{Encoder, Target};
    use crate::metric::{Collect, Descriptor};

    #[test]
    fn the_exported_pairs_are_bounded_and_a_pair_is_exported_once() {
        let a = entry(
            ActorType::Network,
            "Peer-Store!",
            Some(DependencyType::Network),
        )
        .unwrap();
        let b = entry(ActorType::Network, "peer-store", None).unwrap();
        assert!(
            Arc::ptr_eq(&a, &b),
            "one entry per sanitised (actor, dependency)"
        );
        assert_eq!(&*a.dependency, "peer-store");
        for i in 0..MAX_DEPENDENCY_PAIRS {
            let _ = entry(ActorType::Network, &format!("bound_{i}"), None);
        }
        assert_eq!(entries().len(), MAX_DEPENDENCY_PAIRS);
        assert!(entry(ActorType::Network, "one_too_many", None).is_none());
        // A dependency beyond the bound still works; it is only not exported.
        let d = Dependency::new(ActorType::Network, "beyond", DependencyType::External);
        assert_eq!(d.call("op", || Ok::<_, ()>(3)), Ok(3));
        let mut text = Vec::new();
        DependencyGauge::new(&HEALTH, DependencyGaugeKind::Health)
            .encode(&mut Encoder::new(&mut text, Target::Text));
        assert!(!String::from_utf8(text).unwrap().contains("beyond"));
    }

    static HEALTH: Descriptor = Descriptor::new("test_health", "h", crate::metric::Kind::Gauge);
}
