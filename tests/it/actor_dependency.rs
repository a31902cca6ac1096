//! An actor's external dependencies and circuit breakers: real actix actors call a simulated
//! RPC dependency through `Dependency` with a breaker on a manual clock; response times,
//! health and every breaker transition are read back from the exposition text, exactly.
//!
//! Each test uses dependency names of its own, so the tests may run in parallel.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor_system::{BreakerConfig, CallError, CircuitBreaker, Dependency};
use alys_metrics::collector::ManualClock;
use alys_metrics::labels::{ActorType, BreakerState, DependencyType};

// The value of one series (panics, saying what exists, when it is not exported).
use crate::samples::value;

/// The value of one series, `None` when it is not exported.
fn sample(series: &str) -> Option<f64> {
    crate::samples::series(&crate::samples::exposition(), series)
}

fn breaker_state(actor: &str, dep: &str) -> f64 {
    value(&format!(
        "alys_actor_circuit_breaker_state{{actor=\"{actor}\",dependency=\"{dep}\"}}"
    ))
}

fn transitions(actor: &str, dep: &str, to: &str) -> f64 {
    value(&format!(
        "alys_actor_circuit_breaker_transitions_total{{actor=\"{actor}\",dependency=\"{dep}\",state=\"{to}\"}}"
    ))
}

fn calls(actor: &str, dep: &str, op: &str) -> f64 {
    value(&format!(
        "alys_actor_dependency_response_time_seconds_count{{actor=\"{actor}\",dependency=\"{dep}\",operation=\"{op}\"}}"
    ))
}

/// An engine actor whose RPC fails while `failing` is set.
struct EngineActor {
    rpc: Arc<Dependency>,
}

impl Actor for EngineActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "Result<u64, CallError<String>>")]
struct ForkchoiceUpdated {
    fail: bool,
}

impl Handler<ForkchoiceUpdated> for EngineActor {
    type Result = Result<u64, CallError<String>>;

    fn handle(&mut self, msg: ForkchoiceUpdated, _: &mut Context<Self>) -> Self::Result {
        self.rpc.call("forkchoice_updated", || {
            if msg.fail {
                Err("connection refused".to_owned())
            } else {
                Ok(7)
            }
        })
    }
}

/// The same call, awaited: the response time covers the await.
#[derive(Message)]
#[rtype(result = "Result<u64, CallError<String>>")]
struct GetPayload;

impl Handler<GetPayload> for EngineActor {
    type Result = ResponseFuture<Result<u64, CallError<String>>>;

    fn handle(&mut self, _: GetPayload, _: &mut Context<Self>) -> Self::Result {
        let rpc = Arc::clone(&self.rpc);
        Box::pin(async move {
            rpc.call_async("get_payload", async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok::<_, String>(9)
            })
            .await
        })
    }
}

#[actix::test]
async fn a_breaker_driven_by_an_actors_calls_records_every_transition() {
    let clock = Arc::new(ManualClock::new());
    let config = BreakerConfig {
        failure_threshold: 3,
        open_for: Duration::from_secs(30),
        ..BreakerConfig::default()
    };
    let rpc = Arc::new(
        Dependency::new(ActorType::Engine, "geth", DependencyType::ExecutionEngine)
            .with_breaker_clock(config, clock.clone()),
    );
    let addr = EngineActor {
        rpc: Arc::clone(&rpc),
    }
    .start();
    let health = "alys_actor_dependency_health_status{actor=\"engine\",dependency=\"geth\",dependency_type=\"execution_engine\"}";
    let fcu = |fail| addr.send(ForkchoiceUpdated { fail });

    assert_eq!(sample(health), None, "no health before the first call");
    assert_eq!(breaker_state("engine", "geth"), 0.0, "closed");

    assert_eq!(fcu(false).await.unwrap(), Ok(7));
    assert_eq!(fcu(false).await.unwrap(), Ok(7));
    assert_eq!(value(health), 1.0);

    // Three failures in a row open it.
    for i in 0..3 {
        let r = fcu(true).await.unwrap();
        assert_eq!(
            r,
            Err(CallError::Failed("connection refused".to_owned())),
            "{i}"
        );
    }
    assert_eq!(value(health), 0.0);
    assert_eq!(breaker_state("engine", "geth"), 2.0, "open");
    assert_eq!(transitions("engine", "geth", "open"), 1.0);
    assert_eq!(calls("engine", "geth", "forkchoice_updated"), 5.0);

    // Open: refused without calling, counted, no response time.
    assert_eq!(fcu(false).await.unwrap(), Err(CallError::Rejected));
    assert_eq!(fcu(false).await.unwrap(), Err(CallError::Rejected));
    assert_eq!(
        value("alys_actor_circuit_breaker_rejections_total{actor=\"engine\",dependency=\"geth\"}"),
        2.0
    );
    assert_eq!(calls("engine", "geth", "forkchoice_updated"), 5.0);

    // Cool-down not over yet.
    clock.advance(Duration::from_secs(29));
    assert_eq!(fcu(false).await.unwrap(), Err(CallError::Rejected));
    assert_eq!(breaker_state("engine", "geth"), 2.0);

    // Over: half-open; the trial fails and it opens again.
    clock.advance(Duration::from_secs(1));
    assert_eq!(rpc.breaker().unwrap().state(), BreakerState::HalfOpen);
    assert_eq!(breaker_state("engine", "geth"), 1.0, "half-open");
    assert!(fcu(true).await.unwrap().is_err());
    assert_eq!(breaker_state("engine", "geth"), 2.0);
    assert_eq!(transitions("engine", "geth", "open"), 2.0);

    // Another cool-down; the trial succeeds and closes it.
    clock.advance(Duration::from_secs(30));
    assert_eq!(fcu(false).await.unwrap(), Ok(7));
    assert_eq!(breaker_state("engine", "geth"), 0.0, "closed again");
    assert_eq!(value(health), 1.0);
    assert_eq!(transitions("engine", "geth", "half_open"), 2.0);
    assert_eq!(transitions("engine", "geth", "closed"), 1.0);
    assert_eq!(transitions("engine", "geth", "open"), 2.0);
    assert_eq!(
        value("alys_actor_circuit_breaker_rejections_total{actor=\"engine\",dependency=\"geth\"}"),
        3.0
    );
    assert_eq!(calls("engine", "geth", "forkchoice_updated"), 7.0);
}

#[actix::test]
async fn an_awaited_call_is_timed_to_its_result() {
    let rpc = Arc::new(Dependency::new(
        ActorType::Engine,
        "reth",
        DependencyType::ExecutionEngine,
    ));
    let addr = EngineActor { rpc }.start();
    assert_eq!(addr.send(GetPayload).await.unwrap(), Ok(9));
    assert_eq!(calls("engine", "reth", "get_payload"), 1.0);
    let sum = value(
        "alys_actor_dependency_response_time_seconds_sum{actor=\"engine\",dependency=\"reth\",operation=\"get_payload\"}",
    );
    assert!(sum >= 0.02, "the 20 ms await is inside: {sum}");
    assert!(
        sample("alys_actor_circuit_breaker_state{actor=\"engine\",dependency=\"reth\"}").is_none(),
        "no breaker, no breaker state"
    );
}

#[test]
fn a_standalone_breaker_and_health_reports() {
    let clock = Arc::new(ManualClock::new());
    let breaker = CircuitBreaker::with_clock(
        ActorType::Storage,
        "rocksdb",
        BreakerConfig {
            failure_threshold: 1,
            open_for: Duration::from_secs(5),
            ..BreakerConfig::default()
        },
        clock.clone(),
    );
    breaker.try_acquire().unwrap().failure();
    assert_eq!(breaker_state("storage", "rocksdb"), 2.0);
    clock.advance(Duration::from_secs(5));
    let trial = breaker.try_acquire().unwrap();
    assert!(trial.is_trial());
    assert_eq!(breaker_state("storage", "rocksdb"), 1.0);
    trial.success();
    assert_eq!(breaker_state("storage", "rocksdb"), 0.0);

    let db = Dependency::new(ActorType::Storage, "rocksdb", DependencyType::Database);
    db.set_health(false);
    assert_eq!(
        value("alys_actor_dependency_health_status{actor=\"storage\",dependency=\"rocksdb\",dependency_type=\"database\"}"),
        0.0
    );
    db.record("compaction", Duration::from_millis(3), true);
    assert_eq!(
        value("alys_actor_dependency_health_status{actor=\"storage\",dependency=\"rocksdb\",dependency_type=\"database\"}"),
        1.0
    );
    assert_eq!(calls("storage", "rocksdb", "compaction"), 1.0);
    // Only the declared pair, never a phantom (actor, dependency) or dependency type.
    let text = alys_metrics::registry().encode_to_string();
    let rocks: Vec<_> = text
        .lines()
        .filter(|l| l.starts_with("alys_actor_dependency_health_status{") && l.contains("rocksdb"))
        .collect();
    assert_eq!(rocks.len(), 1, "{rocks:?}");
}
