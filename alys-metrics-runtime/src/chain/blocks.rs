//! Block production and validation timing: [`BlockTimer`], the traits that
//! `#[time_block]` relies on, and the block pipeline throughput.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::catalogue::chain::{
    BLOCK_BYTES_PER_SECOND, BLOCK_PRODUCTION_DURATION, BLOCK_TIMINGS_DROPPED,
    BLOCK_TRANSACTIONS_PER_SECOND, BLOCK_VALIDATIONS, BLOCK_VALIDATION_DURATION,
};
use crate::labels::{Dynamic, MAX_LABEL_VALUE_LEN};
use crate::metric::{Collect, Histogram, Metric};
use crate::LabelValue;

// The label enums live with the labels; these keep their old paths.
pub use crate::labels::{BlockTimerKind, DropCause, ValidationResult};

/// A value that can name a validator in the bounded `validator` label.
///
/// Implemented for string types and integers; implement it for your own validator id type
/// (a public key, an index) to pass it to `#[time_block(.., validator = ..)]` or
/// [`BlockTimer::start`] directly. The text is sanitised by the label rule (ASCII letters,
/// digits, `_`, `-`; lower case; at most 64 bytes) and the label keeps at most 64 distinct
/// validators; later ones share the series `other`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::ValidatorLabel;
///
/// struct ValidatorIndex(u16);
///
/// impl ValidatorLabel for ValidatorIndex {
///     fn with_label<R>(&self, f: impl FnOnce(&str) -> R) -> R {
///         self.0.with_label(f)
///     }
/// }
/// assert_eq!(ValidatorIndex(7).with_label(|s| s.to_owned()), "7");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot name a validator: it does not implement `ValidatorLabel`",
    label = "this validator expression",
    note = "pass a string or an integer (`validator = self.id.as_str()`), or implement \
            `alys_metrics::chain::ValidatorLabel` for `{Self}`"
)]
pub trait ValidatorLabel {
    /// Calls `f` with the validator's text, without allocating where possible.
    fn with_label<R>(&self, f: impl FnOnce(&str) -> R) -> R;
}

impl ValidatorLabel for str {
    #[inline]
    fn with_label<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self)
    }
}

macro_rules! deref_str_label {
    ($($t:ty),*) => {$(
        impl ValidatorLabel for $t {
            #[inline]
            fn with_label<R>(&self, f: impl FnOnce(&str) -> R) -> R {
                f(self)
            }
        }
    )*};
}
deref_str_label!(String, Box<str>, Arc<str>, Rc<str>, Cow<'_, str>);

impl<T: ValidatorLabel + ?Sized> ValidatorLabel for &T {
    #[inline]
    fn with_label<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        (**self).with_label(f)
    }
}

impl<T: ValidatorLabel + ?Sized> ValidatorLabel for &mut T {
    #[inline]
    fn with_label<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        (**self).with_label(f)
    }
}

macro_rules! int_label {
    ($($t:ty),*) => {$(
        impl ValidatorLabel for $t {
            #[inline]
            fn with_label<R>(&self, f: impl FnOnce(&str) -> R) -> R {
                f(itoa::Buffer::new().format(*self))
            }
        }
    )*};
}
int_label!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

/// How the return value of a validation tells success from failure, for
/// `#[time_block(validation, ..)]`.
///
/// Implemented for `Result<T, E>` (`Err` is a failure, and `Ok(false)` of a `Result<bool, E>`)
/// and `bool` (`false` is a failure).
/// Implement it for your own verdict type.
#[diagnostic::on_unimplemented(
    message = "`#[time_block(validation)]` cannot tell whether `{Self}` is a success or a failure",
    label = "this return type",
    note = "return `Result<_, _>` or `bool`, or implement `alys_metrics::chain::ValidationOutcome` \
            for `{Self}`; to time without an outcome use `#[time_block(production, ..)]`"
)]
pub trait ValidationOutcome {
    /// True when the validation succeeded.
    fn is_success(&self) -> bool;
}

/// `Err` is a failure, and so is `Ok(false)` (a `Result<bool, _>` whose `false` says "invalid").
impl<T: 'static, E> ValidationOutcome for Result<T, E> {
    #[inline]
    fn is_success(&self) -> bool {
        match self {
            // By type: the check is a constant for each `T`.
            Ok(v) => (v as &dyn std::any::Any)
                .downcast_ref::<bool>()
                .is_none_or(|valid| *valid),
            Err(_) => false,
        }
    }
}

impl ValidationOutcome for bool {
    #[inline]
    fn is_success(&self) -> bool {
        *self
    }
}

/// The duration histogram child of `validator` for `kind`.
///
/// Each thread remembers the last validator text it resolved per kind and that text's child,
/// so a node timing blocks for its own validator compares a few bytes instead of sanitising and
/// looking the text up in the label's read-locked table on every block. A text that was folded
/// into `other` is not remembered, so every fold is still counted in
/// `alys_label_overflow_total`.
#[inline]
pub(crate) fn duration_child<V: ValidatorLabel + ?Sized>(
    kind: BlockTimerKind,
    validator: &V,
) -> &'static Histogram {
    validator.with_label(|s| cached_child(kind, s))
}

/// The last validator text a thread resolved for one timer kind, its child, and the label's
/// release generation then: once a validator is forgotten its slot may belong to another, so
/// the child is only reused while the generation is unchanged.
struct LastValidator {
    len: usize,
    text: [u8; MAX_LABEL_VALUE_LEN],
    child: Option<&'static Histogram>,
    generation: u64,
}

impl LastValidator {
    const EMPTY: Self = Self {
        len: 0,
        text: [0; MAX_LABEL_VALUE_LEN],
        child: None,
        generation: 0,
    };

    #[inline]
    fn get(&self, text: &str, generation: u64) -> Option<&'static Histogram> {
        self.child
            .filter(|_| self.generation == generation && self.text[..self.len] == *text.as_bytes())
    }
}

/// The duration metric of a timer kind.
#[inline]
fn duration_metric(kind: BlockTimerKind) -> &'static Metric<Histogram, (Dynamic<64>,)> {
    match kind {
        BlockTimerKind::Production => &BLOCK_PRODUCTION_DURATION,
        BlockTimerKind::Validation => &BLOCK_VALIDATION_DURATION,
    }
}

thread_local! {
    static LAST_VALIDATOR: [RefCell<LastValidator>; BlockTimerKind::COUNT] =
        const { [RefCell::new(LastValidator::EMPTY), RefCell::new(LastValidator::EMPTY)] };
}

#[inline]
fn cached_child(kind: BlockTimerKind, text: &str) -> &'static Histogram {
    let generation = duration_metric(kind).generation();
    let hit = LAST_VALIDATOR
        .try_with(|last| {
            last[kind.index()]
                .try_borrow()
                .ok()
                .and_then(|l| l.get(text, generation))
        })
        .ok()
        .flatten();
    match hit {
        Some(child) => child,
        None => resolve_child(kind, text),
    }
}

#[cold]
fn resolve_child(kind: BlockTimerKind, text: &str) -> &'static Histogram {
    let metric = duration_metric(kind);
    // Read before resolving: a forget in between only costs a cache miss next time.
    let generation = metric.generation();
    let folded_before = metric.overflowed();
    let child = metric.with(text);
    // A concurrent fold on another thread only costs a cache miss here.
    if text.len() <= MAX_LABEL_VALUE_LEN && metric.overflowed() == folded_before {
        let _ = LAST_VALIDATOR.try_with(|last| {
            if let Ok(mut l) = last[kind.index()].try_borrow_mut() {
                l.len = text.len();
                l.text[..text.len()].copy_from_slice(text.as_bytes());
                l.child = Some(child);
                l.generation = generation;
            }
        });
    }
    child
}

/// Records a finished timing: the duration, and the outcome of a validation.
#[inline]
pub(crate) fn record(kind: BlockTimerKind, child: &Histogram, elapsed: Duration, success: bool) {
    child.observe(elapsed.as_secs_f64());
    if kind == BlockTimerKind::Validation {
        BLOCK_VALIDATIONS
            .with(ValidationResult::from_success(success))
            .inc();
    }
}

/// Counts a timing that recorded no duration.
#[inline]
pub(crate) fn record_dropped(kind: BlockTimerKind, cause: DropCause) {
    BLOCK_TIMINGS_DROPPED.with(kind, cause).inc();
}

/// The cause of a timing dropped unfinished: a panic when the thread is unwinding.
pub(crate) fn unfinished_cause() -> DropCause {
    if std::thread::panicking() {
        DropCause::Panicked
    } else {
        DropCause::Abandoned
    }
}

/// Times one block production or validation by hand (what `#[time_block]` does for a whole
/// function).
///
/// The validator label is resolved when the timer starts. Finish it with
/// [`finish_and_record`](Self::finish_and_record), [`finish_with_result`](Self::finish_with_result)
/// or [`discard`](Self::discard); a timer dropped unfinished records no duration and counts
/// in `alys_block_timings_dropped_total{cause="abandoned"}` (`"panicked"` while unwinding).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::{BlockTimer, BlockTimerKind};
///
/// let timer = BlockTimer::start(BlockTimerKind::Validation, "validator_001");
/// let block_is_valid = true; // ... validate ...
/// let took = timer.finish_with_result(block_is_valid);
/// assert!(took.as_secs() < 60);
///
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains(
///     "alys_block_validation_duration_seconds_count{validator=\"validator_001\"} 1\n"
/// ));
/// ```
#[must_use = "a block timer records only when it is finished"]
#[derive(Debug)]
pub struct BlockTimer {
    kind: BlockTimerKind,
    child: &'static Histogram,
    start: Instant,
    done: bool,
}

impl BlockTimer {
    /// Starts timing a block production or validation by `validator`.
    pub fn start<V: ValidatorLabel + ?Sized>(kind: BlockTimerKind, validator: &V) -> Self {
        let child = duration_child(kind, validator);
        Self {
            kind,
            child,
            start: Instant::now(),
            done: false,
        }
    }

    /// Starts timing a block production.
    pub fn production<V: ValidatorLabel + ?Sized>(validator: &V) -> Self {
        Self::start(BlockTimerKind::Production, validator)
    }

    /// Starts timing a block validation.
    pub fn validation<V: ValidatorLabel + ?Sized>(validator: &V) -> Self {
        Self::start(BlockTimerKind::Validation, validator)
    }

    /// What this timer measures.
    pub fn kind(&self) -> BlockTimerKind {
        self.kind
    }

    /// Time since the timer started.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Records the elapsed time (a validation counts as a success) and returns it.
    pub fn finish_and_record(self) -> Duration {
        self.finish_with_result(true)
    }

    /// Records the elapsed time and returns it; a validation is counted in
    /// `alys_block_validations_total` under `success` or `failure`. A production timer
    /// records its duration whatever `success` is.
    pub fn finish_with_result(mut self, success: bool) -> Duration {
        self.done = true;
        let elapsed = self.start.elapsed();
        record(self.kind, self.child, elapsed, success);
        tracing::trace!(
            kind = self.kind.as_str(),
            duration_secs = elapsed.as_secs_f64(),
            success,
            "block timing recorded"
        );
        elapsed
    }

    /// Records no duration (a duplicate block, say), counts the timing under
    /// `alys_block_timings_dropped_total{cause="discarded"}` and returns the elapsed time.
    pub fn discard(mut self) -> Duration {
        self.done = true;
        record_dropped(self.kind, DropCause::Discarded);
        self.start.elapsed()
    }
}

impl Drop for BlockTimer {
    fn drop(&mut self) {
        if !self.done {
            record_dropped(self.kind, unfinished_cause());
        }
    }
}

/// Records a block production time for `validator`.
pub fn record_block_production_time<V: ValidatorLabel + ?Sized>(validator: &V, duration: Duration) {
    let child = duration_child(BlockTimerKind::Production, validator);
    record(BlockTimerKind::Production, child, duration, true);
}

/// Records a block validation time for `validator` and counts its outcome.
pub fn record_block_validation_time<V: ValidatorLabel + ?Sized>(
    validator: &V,
    duration: Duration,
    success: bool,
) {
    let child = duration_child(BlockTimerKind::Validation, validator);
    record(BlockTimerKind::Validation, child, duration, success);
}

/// Throughput of one block through the pipeline.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BlockThroughput {
    /// Transactions of the block divided by the pipeline's total time.
    pub transactions_per_second: f64,
    /// Bytes of the block divided by the pipeline's total time.
    pub bytes_per_second: f64,
}

impl BlockThroughput {
    /// Throughput of a block of `block_size_bytes` and `transaction_count` transactions that
    /// took `total_time`, in fractional seconds. A zero `total_time` gives 0, never NaN or
    /// infinity.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use std::time::Duration;
    /// use alys_metrics::chain::BlockThroughput;
    ///
    /// let t = BlockThroughput::compute(Duration::from_millis(250), 1_000, 50);
    /// assert_eq!(t.transactions_per_second, 200.0);
    /// assert_eq!(t.bytes_per_second, 4_000.0);
    /// assert_eq!(BlockThroughput::compute(Duration::ZERO, 1_000, 50), BlockThroughput::default());
    /// ```
    pub fn compute(total_time: Duration, block_size_bytes: u64, transaction_count: u64) -> Self {
        let secs = total_time.as_secs_f64();
        if secs > 0.0 {
            Self {
                transactions_per_second: transaction_count as f64 / secs,
                bytes_per_second: block_size_bytes as f64 / secs,
            }
        } else {
            Self::default()
        }
    }
}

/// Records one block's trip through the pipeline: its production and validation times
/// (the validation as a success) for `validator`, and its throughput over `total_time` in
/// `alys_block_transactions_per_second` and `alys_block_bytes_per_second`.
///
/// It observes the duration histograms itself: for a block whose production or validation is
/// already timed by `#[time_block]` or a [`BlockTimer`], use [`record_block_throughput`]
/// instead so the durations are not counted twice.
pub fn record_block_pipeline_metrics<V: ValidatorLabel + ?Sized>(
    validator: &V,
    production_time: Duration,
    validation_time: Duration,
    total_time: Duration,
    block_size_bytes: u64,
    transaction_count: u64,
) -> BlockThroughput {
    record_block_production_time(validator, production_time);
    record_block_validation_time(validator, validation_time, true);
    let t = record_block_throughput(total_time, block_size_bytes, transaction_count);
    validator.with_label(|v| {
        tracing::debug!(
            validator = v,
            production_secs = production_time.as_secs_f64(),
            validation_secs = validation_time.as_secs_f64(),
            total_secs = total_time.as_secs_f64(),
            block_size_bytes,
            transaction_count,
            transactions_per_second = t.transactions_per_second,
            bytes_per_second = t.bytes_per_second,
            "block pipeline metrics recorded"
        );
    });
    t
}

/// Sets `alys_block_transactions_per_second` and `alys_block_bytes_per_second` from one block
/// (see [`BlockThroughput::compute`]) and returns them.
pub fn record_block_throughput(
    total_time: Duration,
    block_size_bytes: u64,
    transaction_count: u64,
) -> BlockThroughput {
    let t = BlockThroughput::compute(total_time, block_size_bytes, transaction_count);
    BLOCK_TRANSACTIONS_PER_SECOND.set(t.transactions_per_second);
    BLOCK_BYTES_PER_SECOND.set(t.bytes_per_second);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_false_is_a_failed_validation() {
        assert!(!Ok::<bool, ()>(false).is_success());
        assert!(Ok::<bool, ()>(true).is_success());
        assert!(Ok::<(), ()>(()).is_success());
        assert!(!Err::<bool, ()>(()).is_success());
    }

    #[test]
    fn throughput_of_a_zero_duration_is_zero() {
        let t = BlockThroughput::compute(Duration::ZERO, u64::MAX, u64::MAX);
        assert_eq!(t, BlockThroughput::default());
        let t = BlockThroughput::compute(Duration::from_nanos(1), 0, 0);
        assert_eq!(t.transactions_per_second, 0.0);
        assert_eq!(t.bytes_per_second, 0.0);
    }

    #[test]
    fn throughput_uses_fractional_seconds() {
        // `as_secs()` would make this 0 s and divide by zero.
        let t = BlockThroughput::compute(Duration::from_millis(500), 2_048, 10);
        assert_eq!(t.transactions_per_second, 20.0);
        assert_eq!(t.bytes_per_second, 4_096.0);
        let t = BlockThroughput::compute(Duration::from_micros(1), 1, 1);
        assert!(t.transactions_per_second.is_finite());
        assert!((t.transactions_per_second - 1e6).abs() < 1e-3);
    }

    #[test]
    fn validator_labels_format_without_allocating_for_ints() {
        assert_eq!(42u64.with_label(str::to_owned), "42");
        assert_eq!((-3i32).with_label(str::to_owned), "-3");
        let s = String::from("val");
        assert_eq!((&&s).with_label(str::to_owned), "val");
        assert_eq!(Cow::Borrowed("c").with_label(str::to_owned), "c");
    }

    #[test]
    fn outcomes_read_results_and_bools() {
        assert!(Ok::<(), ()>(()).is_success());
        assert!(!Err::<(), ()>(()).is_success());
        assert!(true.is_success());
        assert!(!false.is_success());
        assert_eq!(
            ValidationResult::from_success(false),
            ValidationResult::Failure
        );
    }
}
