//! Live heap bytes per actor type: this test binary installs the `TrackingAllocator` as its
//! global allocator (`tests/solo/main.rs`), and real actix actors allocate, keep, free and hand
//! over memory inside actor scopes; the figures are read back from the exposition text.
//!
//! The counters are process-wide, so the tests run one at a time and assert on deltas.

use actix::prelude::*;
use alys_metrics::actor_system::enter;
use alys_metrics::labels::ActorType;
use alys_metrics::LabelValue;

const TEN_MB: usize = 10 * 1024 * 1024;

/// The value of one series in the exposition text, as Prometheus would read it.
fn value(series: &str) -> i64 {
    let text = alys_metrics::registry().encode_to_string();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no series `{series}` in:\n{text}"))
}

fn memory(t: ActorType) -> i64 {
    value(&format!(
        "alys_actor_memory_usage_bytes{{actor_type=\"{}\"}}",
        t.as_str()
    ))
}

/// Holds buffers it allocated, inside a scope of its type.
struct Holder {
    kind: ActorType,
    kept: Vec<Vec<u8>>,
}

impl Actor for Holder {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct Keep(usize);

impl Handler<Keep> for Holder {
    type Result = ();

    fn handle(&mut self, msg: Keep, _: &mut Context<Self>) {
        let _scope = enter(self.kind);
        let mut buf = Vec::with_capacity(msg.0);
        buf.resize(msg.0, 0xA5);
        self.kept.push(buf);
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct FreeAll;

impl Handler<FreeAll> for Holder {
    type Result = ();

    fn handle(&mut self, _: FreeAll, _: &mut Context<Self>) {
        let _scope = enter(self.kind);
        self.kept.clear();
        self.kept.shrink_to_fit();
    }
}

/// Allocates a buffer and hands it over in the reply.
#[derive(Message)]
#[rtype(result = "Vec<u8>")]
struct Make(usize);

impl Handler<Make> for Holder {
    type Result = MessageResult<Make>;

    fn handle(&mut self, msg: Make, _: &mut Context<Self>) -> Self::Result {
        let _scope = enter(self.kind);
        MessageResult(vec![7u8; msg.0])
    }
}

/// Takes a buffer allocated elsewhere and drops it inside its own scope.
#[derive(Message)]
#[rtype(result = "()")]
struct Drop_(Vec<u8>);

impl Handler<Drop_> for Holder {
    type Result = ();

    fn handle(&mut self, msg: Drop_, _: &mut Context<Self>) {
        let _scope = enter(self.kind);
        drop(msg.0);
    }
}

fn holder(kind: ActorType) -> (Addr<Holder>, Arbiter) {
    let arbiter = Arbiter::new();
    let addr = Holder::start_in_arbiter(&arbiter.handle(), move |_| Holder {
        kind,
        kept: Vec::new(),
    });
    (addr, arbiter)
}

#[actix::test]
async fn an_actor_keeping_10_mb_shows_them_and_freeing_brings_it_back() {
    let _s = crate::serial();
    let (addr, arbiter) = holder(ActorType::Chain);
    addr.send(Keep(1)).await.unwrap(); // the thread registers; its own bookkeeping is not the test's
    addr.send(FreeAll).await.unwrap();
    let before = memory(ActorType::Chain);

    addr.send(Keep(TEN_MB)).await.unwrap();
    let kept = memory(ActorType::Chain);
    assert!(
        kept - before >= TEN_MB as i64,
        "{before} -> {kept}: at least 10 MiB more"
    );

    addr.send(FreeAll).await.unwrap();
    assert_eq!(memory(ActorType::Chain), before, "freed: back where it was");
    arbiter.stop();
}

/// An actor whose handler carries `#[instrument_actor]` and opens no scope itself: the
/// attribute's entry attributes what it allocates to `stream`.
struct StreamActor {
    kept: Vec<Vec<u8>>,
}

impl Actor for StreamActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct KeepInstrumented(usize);

#[alys_metrics::instrument_actor(message = storage)]
impl Handler<KeepInstrumented> for StreamActor {
    type Result = ();

    fn handle(&mut self, msg: KeepInstrumented, _: &mut Context<Self>) {
        if msg.0 == 0 {
            self.kept.clear();
            self.kept.shrink_to_fit();
        } else {
            self.kept.push(vec![0x5A; msg.0]);
        }
    }
}

#[actix::test]
async fn an_instrumented_handler_keeping_10_mb_shows_them_under_its_type() {
    let _s = crate::serial();
    let arbiter = Arbiter::new();
    let addr =
        StreamActor::start_in_arbiter(&arbiter.handle(), |_| StreamActor { kept: Vec::new() });
    addr.send(KeepInstrumented(1)).await.unwrap(); // the thread registers
    addr.send(KeepInstrumented(0)).await.unwrap();
    let before = memory(ActorType::Stream);

    addr.send(KeepInstrumented(TEN_MB)).await.unwrap();
    let kept = memory(ActorType::Stream);
    assert!(
        kept - before >= TEN_MB as i64,
        "{before} -> {kept}: at least 10 MiB more under `stream`"
    );

    addr.send(KeepInstrumented(0)).await.unwrap();
    assert_eq!(
        memory(ActorType::Stream),
        before,
        "freed: back where it was"
    );
    arbiter.stop();
}

#[actix::test]
async fn memory_freed_by_another_actor_is_subtracted_from_the_one_that_allocated_it() {
    let _s = crate::serial();
    let (maker, a1) = holder(ActorType::Bridge);
    let (taker, a2) = holder(ActorType::Storage);
    // Register both threads first.
    maker.send(Make(1)).await.unwrap();
    taker.send(Drop_(Vec::new())).await.unwrap();
    let (bridge0, storage0) = (memory(ActorType::Bridge), memory(ActorType::Storage));

    let buf = maker.send(Make(TEN_MB)).await.unwrap();
    assert_eq!(buf.len(), TEN_MB);
    assert_eq!(memory(ActorType::Bridge) - bridge0, TEN_MB as i64);
    assert_eq!(memory(ActorType::Storage), storage0);

    taker.send(Drop_(buf)).await.unwrap();
    assert_eq!(
        memory(ActorType::Bridge),
        bridge0,
        "subtracted from the allocator"
    );
    assert_eq!(
        memory(ActorType::Storage),
        storage0,
        "not from the actor that freed it"
    );
    a1.stop();
    a2.stop();
}

#[actix::test]
async fn the_sync_share_is_served_under_its_own_name() {
    let _s = crate::serial();
    let (addr, arbiter) = holder(ActorType::Sync);
    addr.send(Keep(1)).await.unwrap();
    addr.send(FreeAll).await.unwrap();
    let before = value("alys_sync_memory_usage_bytes");
    assert_eq!(before, memory(ActorType::Sync));

    addr.send(Keep(3 * 1024 * 1024)).await.unwrap();
    let after = value("alys_sync_memory_usage_bytes");
    assert!(after - before >= 3 * 1024 * 1024, "{before} -> {after}");
    assert_eq!(after, memory(ActorType::Sync));
    addr.send(FreeAll).await.unwrap();
    arbiter.stop();
}

#[test]
fn growth_moves_a_block_to_the_type_that_reallocates_it() {
    let _s = crate::serial();
    let (engine0, network0) = (memory(ActorType::Engine), memory(ActorType::Network));
    let mut v: Vec<u8> = {
        let _scope = enter(ActorType::Engine);
        Vec::with_capacity(1000)
    };
    assert_eq!(memory(ActorType::Engine) - engine0, 1000);
    {
        let _scope = enter(ActorType::Network);
        v.reserve_exact(5000); // realloc to exactly 5000 bytes
    }
    assert_eq!(v.capacity(), 5000);
    assert_eq!(memory(ActorType::Engine), engine0);
    assert_eq!(memory(ActorType::Network) - network0, 5000);
    drop(v); // outside any scope: still subtracted from network
    assert_eq!(memory(ActorType::Network), network0);
}

/// `promtool check metrics` on a scrape where every family of the actor system has samples
/// (memory with the allocator installed, a dependency behind a breaker, CPU): no problem
/// reported for any of them. Fails without promtool when `ALYS_REQUIRE_PROMTOOL=1`.
#[test]
fn promtool_accepts_the_actor_system_families() {
    use alys_metrics::actor_system::{collect_actor_cpu, BreakerConfig, Dependency};
    use alys_metrics::labels::DependencyType;

    let _s = crate::serial();
    let kept = {
        let _scope = enter(ActorType::Sync);
        vec![1u8; 4096]
    };
    let db = Dependency::new(ActorType::Storage, "rocksdb", DependencyType::Database)
        .with_breaker(BreakerConfig::default());
    let _ = db.call("get", || Err::<(), _>("busy"));
    collect_actor_cpu();
    let scrape = alys_metrics::registry().encode_to_string();
    drop(kept);
    for family in [
        "alys_actor_memory_usage_bytes{",
        "alys_sync_memory_usage_bytes ",
        "alys_actor_cpu_seconds_total{",
        "alys_sync_cpu_seconds_total ",
        "alys_actor_dependency_health_status{",
        "alys_actor_dependency_response_time_seconds_bucket{",
        "alys_actor_circuit_breaker_state{",
        "alys_actor_circuit_breaker_transitions_total{",
        "alys_actor_circuit_breaker_rejections_total{",
    ] {
        assert!(
            scrape.lines().any(|l| l.starts_with(family)),
            "{family} has samples"
        );
    }

    let Some(crate::lint::PromtoolReport { report, .. }) = crate::lint::check_metrics(&scrape)
    else {
        return;
    };
    let ours: Vec<_> = report
        .lines()
        .filter(|l| {
            [
                "alys_actor_memory",
                "alys_sync_",
                "alys_actor_cpu",
                "dependency",
                "breaker",
            ]
            .iter()
            .any(|f| l.contains(f))
        })
        .collect();
    assert!(ours.is_empty(), "promtool: {ours:?}\n{report}");
    assert!(
        report.lines().all(|l| l.trim().is_empty()
            || alys_metrics::catalogue::LINT_EXCEPTIONS
                .iter()
                .any(|x| l.starts_with(x))),
        "promtool found more than the listed exceptions:\n{report}"
    );
}
