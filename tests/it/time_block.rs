//! Behaviour of `#[time_block]`, read from the exposition text: sync and async functions and
//! methods, early returns and `?`, validation outcomes, panics, dropped futures and discarded
//! samples.
//!
//! Tests that read the counters shared by all validators (`alys_block_validations_total`,
//! `alys_block_timings_dropped_total`, which `chain` writes too) hold `crate::serial()` and
//! assert on deltas; the others use validators of their own.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use alys_metrics::chain::discard_block_sample;
use alys_metrics::prelude::*;

/// The value of one series in the exposition text, 0 when it is not exported.
fn sample(series: &str) -> f64 {
    crate::samples::series(&crate::samples::exposition(), series).unwrap_or(0.0)
}

fn production_count(validator: &str) -> f64 {
    sample(&format!(
        "alys_block_production_duration_seconds_count{{validator=\"{validator}\"}}"
    ))
}

fn validation_count(validator: &str) -> f64 {
    sample(&format!(
        "alys_block_validation_duration_seconds_count{{validator=\"{validator}\"}}"
    ))
}

fn validations(result: &str) -> f64 {
    sample(&format!(
        "alys_block_validations_total{{result=\"{result}\"}}"
    ))
}

fn dropped(timer: &str, cause: &str) -> f64 {
    sample(&format!(
        "alys_block_timings_dropped_total{{timer=\"{timer}\",cause=\"{cause}\"}}"
    ))
}

/// Polls a future once with a waker that does nothing.
fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// A future that is pending once, then ready.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[derive(Debug, PartialEq)]
struct Invalid(&'static str);

impl From<std::num::ParseIntError> for Invalid {
    fn from(_: std::num::ParseIntError) -> Self {
        Invalid("not a number")
    }
}

#[time_block(production, validator = "tb_sync_fn")]
fn produce(n: u32) -> u32 {
    n * 2
}

#[test]
fn a_sync_function_is_timed_once_per_call() {
    assert_eq!(produce(2), 4);
    assert_eq!(produce(3), 6);
    assert_eq!(production_count("tb_sync_fn"), 2.0);
    let text = alys_metrics::registry().encode_to_string();
    assert!(text.contains(
        "alys_block_production_duration_seconds_bucket{validator=\"tb_sync_fn\",le=\"+Inf\"} 2\n"
    ));
}

struct Node {
    id: String,
    index: u32,
    height: u64,
}

impl Node {
    #[time_block(production, validator = self.id)]
    fn produce(&self) -> u64 {
        self.height + 1
    }

    /// Returns a borrow of `self`: the body runs in a `FnOnce` closure.
    #[time_block(production, validator = self.index)]
    fn height_mut(&mut self) -> &mut u64 {
        &mut self.height
    }

    #[time_block(validation, validator = self.id.as_str())]
    fn validate(&self, raw: &str) -> Result<u64, Invalid> {
        let height: u64 = raw.parse()?;
        if height == 0 {
            return Err(Invalid("genesis"));
        }
        if height == self.height {
            return Ok(height); // early return
        }
        Ok(height)
    }

    #[time_block(validation, validator = self.id)]
    async fn validate_async(&mut self, raw: &str) -> Result<u64, Invalid> {
        YieldOnce(false).await;
        let height: u64 = raw.parse()?;
        self.height = height;
        Ok(height)
    }

    #[time_block(production, validator = self.id)]
    fn consume(self) -> String {
        self.id
    }
}

#[test]
fn methods_take_the_validator_from_self() {
    let mut node = Node {
        id: "TB-Method".into(),
        index: 7_001,
        height: 10,
    };
    assert_eq!(node.produce(), 11);
    *node.height_mut() += 5;
    assert_eq!(node.height, 15);
    assert_eq!(
        production_count("tb-method"),
        1.0,
        "sanitised to lower case"
    );
    assert_eq!(production_count("7001"), 1.0, "an integer validator");
    assert_eq!(node.consume(), "TB-Method");
    assert_eq!(production_count("tb-method"), 2.0);
}

#[test]
fn validation_counts_success_and_failure_from_the_result() {
    let _g = crate::serial();
    let node = Node {
        id: "tb_validate".into(),
        index: 0,
        height: 5,
    };
    let (ok, failed) = (validations("success"), validations("failure"));
    assert_eq!(node.validate("5"), Ok(5), "early return");
    assert_eq!(node.validate("6"), Ok(6), "tail");
    assert_eq!(
        node.validate("0"),
        Err(Invalid("genesis")),
        "early return of an error"
    );
    assert_eq!(node.validate("x"), Err(Invalid("not a number")), "`?`");
    assert_eq!(validations("success") - ok, 2.0);
    assert_eq!(validations("failure") - failed, 2.0);
    assert_eq!(
        validation_count("tb_validate"),
        4.0,
        "failures are timed too"
    );
}

#[time_block(validation, validator = "tb_bool")]
fn check(ok: bool) -> bool {
    ok
}

#[test]
fn a_bool_is_a_validation_outcome() {
    let _g = crate::serial();
    let (ok, failed) = (validations("success"), validations("failure"));
    assert!(check(true));
    assert!(!check(false));
    assert_eq!(validations("success") - ok, 1.0);
    assert_eq!(validations("failure") - failed, 1.0);
}

fn block_on<F: Future>(fut: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(fut)
}

#[test]
fn an_async_method_is_timed_and_counted() {
    let _g = crate::serial();
    let mut node = Node {
        id: "tb_async".into(),
        index: 0,
        height: 0,
    };
    let (ok, failed) = (validations("success"), validations("failure"));
    assert_eq!(block_on(node.validate_async("42")), Ok(42));
    assert_eq!(node.height, 42);
    assert_eq!(
        block_on(node.validate_async("x")),
        Err(Invalid("not a number"))
    );
    assert_eq!(validation_count("tb_async"), 2.0);
    assert_eq!(validations("success") - ok, 1.0);
    assert_eq!(validations("failure") - failed, 1.0);
}

#[time_block(production, validator = "tb_future")]
async fn produce_slowly() -> u8 {
    YieldOnce(false).await;
    7
}

#[test]
fn the_future_is_timed_not_its_creation() {
    let fut = produce_slowly();
    assert_eq!(
        production_count("tb_future"),
        0.0,
        "creating it records nothing"
    );
    let mut fut = pin!(fut);
    assert_eq!(poll_once(fut.as_mut()), Poll::Pending);
    assert_eq!(
        production_count("tb_future"),
        0.0,
        "pending records nothing"
    );
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(poll_once(fut.as_mut()), Poll::Ready(7));
    assert_eq!(production_count("tb_future"), 1.0);
    let sum = sample("alys_block_production_duration_seconds_sum{validator=\"tb_future\"}");
    assert!(sum >= 0.02, "the time between polls is included: {sum}");
}

#[time_block(production, validator = "tb_dropped")]
async fn never_finishes() {
    YieldOnce(false).await;
}

#[test]
fn a_dropped_future_records_no_duration() {
    let _g = crate::serial();
    let before = dropped("production", "abandoned");
    {
        let mut fut = pin!(never_finishes());
        assert_eq!(poll_once(fut.as_mut()), Poll::Pending);
    }
    assert_eq!(production_count("tb_dropped"), 0.0);
    assert_eq!(dropped("production", "abandoned") - before, 1.0);
    // A future never polled was never started: nothing to count.
    drop(never_finishes());
    assert_eq!(dropped("production", "abandoned") - before, 1.0);
}

#[time_block(validation, validator = "tb_panic")]
fn validate_or_panic(panic: bool) -> Result<(), Invalid> {
    if panic {
        panic!("validator bug");
    }
    Ok(())
}

#[test]
fn a_panic_records_no_duration() {
    let _g = crate::serial();
    let (before, ok, failed) = (
        dropped("validation", "panicked"),
        validations("success"),
        validations("failure"),
    );
    let r = std::panic::catch_unwind(|| validate_or_panic(true));
    assert!(r.is_err());
    assert_eq!(validation_count("tb_panic"), 0.0);
    assert_eq!(dropped("validation", "panicked") - before, 1.0);
    assert_eq!(validations("success"), ok);
    assert_eq!(validations("failure"), failed);
    // The thread's state is restored: the next call is timed normally.
    assert_eq!(validate_or_panic(false), Ok(()));
    assert_eq!(validation_count("tb_panic"), 1.0);
}

#[time_block(production, validator = "tb_async_panic")]
async fn async_panic() {
    YieldOnce(false).await;
    panic!("producer bug");
}

#[test]
fn a_panicking_task_counts_as_panicked() {
    let _g = crate::serial();
    let before = dropped("production", "panicked");
    // The executor catches the panic and drops the future after the unwind has ended.
    let r = block_on(async { tokio::spawn(async_panic()).await });
    assert!(r.is_err_and(|e| e.is_panic()));
    assert_eq!(production_count("tb_async_panic"), 0.0);
    assert_eq!(dropped("production", "panicked") - before, 1.0);
}

#[time_block(validation, validator = "tb_discard")]
fn validate_discarding(duplicate: bool) -> Result<(), Invalid> {
    if duplicate {
        assert!(discard_block_sample());
        return Ok(());
    }
    Ok(())
}

#[test]
fn the_body_can_discard_its_sample() {
    let _g = crate::serial();
    let (before, ok) = (dropped("validation", "discarded"), validations("success"));
    assert_eq!(validate_discarding(true), Ok(()));
    assert_eq!(validation_count("tb_discard"), 0.0);
    assert_eq!(dropped("validation", "discarded") - before, 1.0);
    assert_eq!(
        validations("success"),
        ok,
        "a discarded validation is not counted"
    );
    assert_eq!(validate_discarding(false), Ok(()));
    assert_eq!(validation_count("tb_discard"), 1.0);
    assert!(!discard_block_sample(), "nothing is timed outside");
}

/// Discards from a plain helper that the timed future awaits.
async fn skip_duplicate() {
    YieldOnce(false).await;
    discard_block_sample();
}

#[time_block(production, validator = "tb_async_discard")]
async fn produce_duplicate() {
    skip_duplicate().await;
    YieldOnce(false).await;
}

#[time_block(production, validator = "tb_async_discard_other")]
async fn produce_normally() {
    YieldOnce(false).await;
}

#[test]
fn an_async_discard_follows_its_future_across_polls() {
    let _g = crate::serial();
    let before = dropped("production", "discarded");
    let mut a = pin!(produce_duplicate());
    let mut b = pin!(produce_normally());
    // Interleave the two futures on one thread: the discard stays with `a`.
    let (mut a_done, mut b_done) = (false, false);
    while !(a_done && b_done) {
        a_done = a_done || poll_once(a.as_mut()).is_ready();
        b_done = b_done || poll_once(b.as_mut()).is_ready();
    }
    assert_eq!(production_count("tb_async_discard"), 0.0);
    assert_eq!(production_count("tb_async_discard_other"), 1.0);
    assert_eq!(dropped("production", "discarded") - before, 1.0);
    assert!(!discard_block_sample());
}

#[time_block(production, validator = "tb_inner")]
fn inner(discard: bool) {
    if discard {
        discard_block_sample();
    }
}

#[time_block(production, validator = "tb_outer")]
fn outer(discard_inner: bool) {
    inner(discard_inner);
    if !discard_inner {
        discard_block_sample();
    }
}

#[test]
fn a_discard_applies_to_the_innermost_timed_function() {
    let _g = crate::serial();
    outer(true);
    assert_eq!(production_count("tb_inner"), 0.0);
    assert_eq!(production_count("tb_outer"), 1.0);
    outer(false);
    assert_eq!(production_count("tb_inner"), 1.0);
    assert_eq!(production_count("tb_outer"), 1.0);
}

static EVALUATIONS: AtomicUsize = AtomicUsize::new(0);

fn validator_name() -> &'static str {
    EVALUATIONS.fetch_add(1, Ordering::SeqCst);
    "tb_once"
}

#[time_block(production, validator = validator_name())]
fn evaluated_before_the_body() -> usize {
    EVALUATIONS.load(Ordering::SeqCst)
}

#[test]
fn the_validator_is_evaluated_once_at_entry() {
    assert_eq!(evaluated_before_the_body(), 1);
    assert_eq!(EVALUATIONS.load(Ordering::SeqCst), 1);
    assert_eq!(production_count("tb_once"), 1.0);
}

#[time_block(production, validator = label)]
fn generic<'a, T: Clone>(label: &str, items: &'a [T]) -> impl Iterator<Item = T> + 'a {
    items.iter().cloned()
}

#[test]
fn generic_functions_returning_impl_trait() {
    let v: Vec<u8> = generic("tb_generic", &[1, 2]).collect();
    assert_eq!(v, [1, 2]);
    assert_eq!(production_count("tb_generic"), 1.0);
}

trait Validate {
    async fn validate(&self) -> Result<(), Invalid>;
    fn validate_boxed<'a>(&'a self) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
}

struct Light(&'static str);

impl Validate for Light {
    #[time_block(validation, validator = self.0)]
    async fn validate(&self) -> Result<(), Invalid> {
        Ok(())
    }

    // The shape `#[async_trait]` gives an `async fn`: the boxed future is timed.
    #[time_block(validation, validator = self.0)]
    fn validate_boxed<'a>(&'a self) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move {
            YieldOnce(false).await;
            self.0.is_empty()
        })
    }
}

#[test]
fn trait_methods_and_async_trait_shapes() {
    let _g = crate::serial();
    let light = Light("tb_trait");
    let failed = validations("failure");
    let mut fut = pin!(light.validate());
    assert_eq!(poll_once(fut.as_mut()), Poll::Ready(Ok(())));
    let boxed = light.validate_boxed();
    assert_eq!(
        validation_count("tb_trait"),
        1.0,
        "the boxed future is not started yet"
    );
    let mut boxed = pin!(boxed);
    assert_eq!(poll_once(boxed.as_mut()), Poll::Pending);
    assert_eq!(poll_once(boxed.as_mut()), Poll::Ready(false));
    assert_eq!(validation_count("tb_trait"), 2.0);
    assert_eq!(validations("failure") - failed, 1.0);
}
