//! `alys_metrics::testing` from a user's seat: real actix actors with bare `#[instrument_actor]`
//! handlers, asserted on from tests that all run at once (`cargo test`'s default threads), with
//! no serial lock. The README's "Testing" section is the first test here.
//!
//! Its own binary: these tests send messages to actors whose `actor_type` (`chain`) the
//! per-type families of `tests/it/` sum over, and they deliberately run in parallel with no
//! lock; `tests/it/` asserts on those sums under its `serial()` lock, which these tests do not
//! take.

use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::prelude::*;
use alys_metrics::testing::{self, Comparison};

// --- The README's example, word for word ---------------------------------------------------

struct ChainActor;

impl Actor for ChainActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "Result<u64, String>")]
struct ImportBlock {
    height: u64,
    valid: bool,
}

#[instrument_actor]
impl Handler<ImportBlock> for ChainActor {
    type Result = ResponseFuture<Result<u64, String>>;

    fn handle(&mut self, block: ImportBlock, _: &mut Context<Self>) -> Self::Result {
        Box::pin(async move {
            actix_rt::time::sleep(Duration::from_millis(20)).await;
            if block.valid {
                Ok(block.height)
            } else {
                Err(format!("block {} is invalid", block.height))
            }
        })
    }
}

#[actix_rt::test]
async fn an_invalid_block_is_one_error_that_took_at_least_20_ms() {
    let cap = testing::capture();
    let chain = ChainActor.start();

    let reply = chain
        .send(ImportBlock {
            height: 7,
            valid: false,
        })
        .await;
    assert!(reply.unwrap().is_err());

    let import = cap.handler::<ChainActor, ImportBlock>();
    assert_eq!(import.started, 1);
    assert_eq!(import.outcome(MessageOutcome::Error), 1);
    assert_eq!(import.in_flight(), 0);
    assert_eq!(import.latency.count, 1);
    assert!(import.latency.min.unwrap() >= 0.020, "{:?}", import.latency);
}

// --- Many tests on one handler at once --------------------------------------------------------

/// Sends `ok` valid and `bad` invalid blocks and checks the capture saw exactly those: the
/// tests below run at once on the same handler site, each in its own `System`.
async fn exactly_my_messages(ok: u64, bad: u64) {
    let cap = testing::capture();
    assert!(cap.follows_actix_system());
    let chain = ChainActor.start();
    let mut replies = Vec::new();
    for i in 0..ok + bad {
        replies.push(chain.send(ImportBlock {
            height: i,
            valid: i < ok,
        }));
    }
    for r in replies {
        let _ = r.await.expect("the actor replies");
    }
    let import = cap.handler::<ChainActor, ImportBlock>();
    assert_eq!(
        (
            import.started,
            import.ok(),
            import.errors(),
            import.latency.count
        ),
        (ok + bad, ok, bad, ok + bad),
        "{import:?}"
    );
}

#[actix_rt::test]
async fn parallel_one() {
    exactly_my_messages(1, 0).await;
}

#[actix_rt::test]
async fn parallel_two() {
    exactly_my_messages(2, 3).await;
}

#[actix_rt::test]
async fn parallel_three() {
    exactly_my_messages(5, 1).await;
}

#[actix_rt::test]
async fn parallel_four() {
    exactly_my_messages(0, 4).await;
}

/// A `System` on another thread sends to its own actor while this test's capture is alive:
/// the capture sees none of it, though both use the one handler site.
#[test]
fn another_systems_messages_are_not_seen() {
    let cap = testing::capture();
    std::thread::spawn(|| {
        actix_rt::System::new().block_on(async {
            let chain = ChainActor.start();
            for h in 0..3 {
                let _ = chain
                    .send(ImportBlock {
                        height: h,
                        valid: true,
                    })
                    .await;
            }
        });
    })
    .join()
    .expect("the other System ran");
    let import = cap.handler::<ChainActor, ImportBlock>();
    assert_eq!(import, testing::HandlerCounts::default());
    // The process-wide totals did move: the handler is the same.
    assert!(
        testing::handler::<ChainActor, ImportBlock>()
            .totals()
            .started
            >= 3
    );
}

// --- Declared metrics, names, the lint ---------------------------------------------------------

/// Blocks a peer sent us, by the operation that read them (the test's own family).
#[alys_metric(counter, labels(operation: IoOperation))]
static TESTING_PEER_BLOCKS: Counter;

/// Time to check one block, in seconds (the test's own family).
#[alys_metric(histogram, buckets = [0.01, 0.1, 1.0])]
static TESTING_BLOCK_CHECK_DURATION: Histogram;

#[test]
fn a_declared_metrics_child_and_its_name() {
    let cap = testing::capture();
    TESTING_PEER_BLOCKS.with(IoOperation::Read).inc_by(3);
    TESTING_BLOCK_CHECK_DURATION.observe(0.05);
    TESTING_BLOCK_CHECK_DURATION.observe(0.5);

    assert_eq!(
        cap.counter(TESTING_PEER_BLOCKS.with(IoOperation::Read)),
        3.0
    );
    assert_eq!(
        cap.counter(TESTING_PEER_BLOCKS.with(IoOperation::Write)),
        0.0
    );
    let checks = cap.histogram(&TESTING_BLOCK_CHECK_DURATION);
    assert_eq!(
        (checks.count, checks.min, checks.max),
        (2, Some(0.05), Some(0.5))
    );

    alys_metrics::assert_metric!(cap, "alys_testing_peer_blocks_total{operation=\"read\"}", == 3);
    alys_metrics::assert_metric!("alys_testing_block_check_duration_seconds_count", >= 2);
    alys_metrics::assert_metric!(cap, "alys_testing_block_check_duration_seconds_bucket{le=\"0.1\"}", == 1);
    // Every comparison, with and without a capture.
    alys_metrics::assert_metric!(cap, "alys_testing_block_check_duration_seconds_sum", > 0.5);
    alys_metrics::assert_metric!(cap, "alys_testing_block_check_duration_seconds_sum", < 0.6);
    alys_metrics::assert_metric!(cap, "alys_testing_block_check_duration_seconds_count", <= 2,);
    alys_metrics::assert_metric!("alys_testing_peer_blocks_total", > 2u64);
    alys_metrics::assert_metric!("alys_testing_block_check_duration_seconds_bucket{le=\"+Inf\"}", >= 2);
}

#[test]
fn a_failed_assertion_says_what_exists() {
    TESTING_PEER_BLOCKS.with(IoOperation::Write).inc();
    let typo = testing::check_metric(None, "alys_testing_peer_blokcs_total", Comparison::Eq, 1.0)
        .unwrap_err();
    assert!(
        typo.contains("did you mean `alys_testing_peer_blocks_total`?"),
        "{typo}"
    );

    let labels = testing::check_metric(
        None,
        "alys_testing_peer_blocks_total{operation=\"delete\"}",
        Comparison::Eq,
        1.0,
    )
    .unwrap_err();
    assert!(labels.contains("{operation=\"read\"}"), "{labels}");
    assert!(labels.contains("{operation=\"write\"}"), "{labels}");

    let value = testing::check_metric(
        None,
        "alys_testing_peer_blocks_total{operation=\"write\"}",
        Comparison::Ge,
        1e9,
    )
    .unwrap_err();
    assert!(value.contains("expected: >= 1000000000"), "{value}");
    assert!(value.contains("actual: "), "{value}");
    assert!(value.contains("* {operation=\"write\"}"), "{value}");

    let handler = testing::try_handler::<ChainActor, String>().unwrap_err();
    assert!(handler.contains("handlers of `ChainActor`"), "{handler}");
    assert!(handler.contains("ChainActor/ImportBlock"), "{handler}");
}

/// Blocks gossiped to us, by the operation that read them (the guide's failure example, docs/guide.md).
#[alys_metric(counter, labels(operation: IoOperation))]
static TESTING_GOSSIP_BLOCKS: Counter;

#[test]
fn the_readme_failure_message() {
    let cap = testing::capture();
    TESTING_GOSSIP_BLOCKS.with(IoOperation::Read).inc_by(3);
    TESTING_GOSSIP_BLOCKS.with(IoOperation::Write).inc();
    let msg = testing::check_metric(
        Some(&cap),
        "alys_testing_gossip_blocks_total{operation=\"read\"}",
        Comparison::Eq,
        4.0,
    )
    .unwrap_err();
    assert_eq!(
        msg,
        "assert_metric!(alys_testing_gossip_blocks_total{operation=\"read\"} == 4) failed
  expected: == 4
    actual: 3 (the change since the capture began: 0 -> 3)
  the series of `alys_testing_gossip_blocks_total` now (1 of 2 selected):
   * {operation=\"read\"} 3
     {operation=\"write\"} 1"
    );
}

#[test]
fn the_registry_lints_clean() {
    let problems = testing::lint();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[cfg(feature = "chain")]
#[test]
fn a_time_block_validators_timings() {
    use alys_metrics::chain::BlockTimerKind;

    #[time_block(validation, validator = "testing-v1")]
    fn validate(valid: bool) -> Result<(), String> {
        std::thread::sleep(Duration::from_millis(2));
        if valid {
            Ok(())
        } else {
            Err("invalid".into())
        }
    }

    let cap = testing::capture();
    validate(true).unwrap();
    validate(false).unwrap_err();
    let v = cap.time_block(BlockTimerKind::Validation, "testing-v1");
    assert_eq!(
        (v.timings.count, v.succeeded, v.failed, v.dropped),
        (2, 1, 1, 0)
    );
    assert!(v.timings.min.unwrap() >= 0.002);
}
