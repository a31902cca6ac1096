//! Sync progress: heights, speed, state and the blocks-processed counter.

use std::time::Duration;

use crate::catalogue::chain::{
    SYNC_BLOCKS_PER_SECOND, SYNC_BLOCKS_PROCESSED, SYNC_CURRENT_HEIGHT, SYNC_STATE,
    SYNC_TARGET_HEIGHT,
};
use crate::labels::SyncState;
use crate::LabelValue;

/// Converts a height to the gauge's `i64`, saturating (heights beyond `i64::MAX` do not occur).
fn height(h: u64) -> i64 {
    i64::try_from(h).unwrap_or(i64::MAX)
}

/// A finite, non-negative speed; anything else is 0.
fn clean_speed(speed: f64) -> f64 {
    if speed.is_finite() && speed > 0.0 {
        speed
    } else {
        0.0
    }
}

/// Percentage of the target height reached, in `0..=100`: 0 when the target is 0 (not known
/// yet), 100 once the current height reaches the target.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::sync_completion_percent;
/// assert_eq!(sync_completion_percent(500_000, 1_000_000), 50.0);
/// assert_eq!(sync_completion_percent(10, 0), 0.0);
/// assert_eq!(sync_completion_percent(12, 10), 100.0);
/// ```
pub fn sync_completion_percent(current_height: u64, target_height: u64) -> f64 {
    if target_height == 0 {
        return 0.0;
    }
    (current_height as f64 / target_height as f64 * 100.0).clamp(0.0, 100.0)
}

/// Blocks per second between two heights `elapsed` apart, over fractional seconds: 0 when no
/// time passed or the height did not increase (a reorg).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::chain::sync_speed;
/// assert_eq!(sync_speed(100, 150, Duration::from_millis(500)), 100.0);
/// assert_eq!(sync_speed(100, 150, Duration::ZERO), 0.0);
/// assert_eq!(sync_speed(150, 100, Duration::from_secs(1)), 0.0);
/// ```
pub fn sync_speed(previous_height: u64, current_height: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 && current_height > previous_height {
        (current_height - previous_height) as f64 / secs
    } else {
        0.0
    }
}

/// Sets the sync gauges: current and target height, speed (blocks per second; NaN, infinite
/// or negative speeds are exported as 0) and state (a change of state is logged). Returns the
/// completion percentage ([`sync_completion_percent`]).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::{sync_state, update_sync_progress};
/// use alys_metrics::labels::SyncState;
///
/// let percent = update_sync_progress(250, 1_000, 12.5, SyncState::Blocks);
/// assert_eq!(percent, 25.0);
/// assert_eq!(sync_state(), SyncState::Blocks);
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_sync_current_height 250\n"));
/// assert!(text.contains("alys_sync_state 2\n"));
/// ```
pub fn update_sync_progress(
    current_height: u64,
    target_height: u64,
    speed: f64,
    state: SyncState,
) -> f64 {
    SYNC_CURRENT_HEIGHT.set(height(current_height));
    SYNC_TARGET_HEIGHT.set(height(target_height));
    SYNC_BLOCKS_PER_SECOND.set(clean_speed(speed));
    set_sync_state(state);
    let percent = sync_completion_percent(current_height, target_height);
    tracing::debug!(
        current_height,
        target_height,
        speed,
        sync_state = state.as_str(),
        completion_percent = percent,
        "sync progress updated"
    );
    percent
}

/// Sets `alys_sync_blocks_per_second` from two heights `elapsed` apart ([`sync_speed`]) and
/// adds the blocks between them to `alys_sync_blocks_processed_total`. Returns the speed.
///
/// Call it once per measurement window, with the previous window's end height as
/// `previous_height`, so that every block is counted once.
pub fn record_sync_speed(previous_height: u64, current_height: u64, elapsed: Duration) -> f64 {
    let speed = sync_speed(previous_height, current_height, elapsed);
    SYNC_BLOCKS_PER_SECOND.set(speed);
    SYNC_BLOCKS_PROCESSED.inc_by(current_height.saturating_sub(previous_height));
    tracing::trace!(
        previous_height,
        current_height,
        elapsed_secs = elapsed.as_secs_f64(),
        speed,
        "sync speed calculated"
    );
    speed
}

/// Adds `blocks` to `alys_sync_blocks_processed_total`, for callers that count blocks as they
/// import them rather than through [`record_sync_speed`] (do not use both for the same blocks).
pub fn record_blocks_processed(blocks: u64) {
    SYNC_BLOCKS_PROCESSED.inc_by(blocks);
}

/// Sets `alys_sync_state` and returns the previous state; a change is logged at `info`.
pub fn set_sync_state(state: SyncState) -> SyncState {
    let previous = state_of(SYNC_STATE.get());
    SYNC_STATE.set(state as i64);
    if previous != state {
        tracing::info!(
            from_state = previous.as_str(),
            to_state = state.as_str(),
            "sync state transition"
        );
    }
    previous
}

/// The sync state as exported by `alys_sync_state`. A value outside `0..=5` (written to the
/// gauge directly) reads as [`SyncState::Discovering`], the start-up state.
pub fn sync_state() -> SyncState {
    state_of(SYNC_STATE.get())
}

fn state_of(v: i64) -> SyncState {
    u8::try_from(v)
        .ok()
        .and_then(SyncState::from_u8)
        .unwrap_or(SyncState::Discovering)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_is_bounded_and_safe_at_zero() {
        assert_eq!(sync_completion_percent(0, 0), 0.0);
        assert_eq!(sync_completion_percent(0, 10), 0.0);
        assert_eq!(sync_completion_percent(u64::MAX, 1), 100.0);
        assert!((sync_completion_percent(1, 3) - 100.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn speed_uses_fractional_seconds() {
        // Whole seconds (`as_secs()`) would turn 900 ms into 0 s and report nothing.
        assert_eq!(sync_speed(0, 90, Duration::from_millis(900)), 100.0);
        assert!((sync_speed(0, 1, Duration::from_nanos(1)) - 1e9).abs() < 1e-3);
        assert_eq!(sync_speed(5, 5, Duration::from_secs(1)), 0.0);
    }

    #[test]
    fn speeds_that_are_not_finite_or_negative_export_as_zero() {
        assert_eq!(clean_speed(f64::NAN), 0.0);
        assert_eq!(clean_speed(f64::INFINITY), 0.0);
        assert_eq!(clean_speed(-1.0), 0.0);
        assert_eq!(clean_speed(2.5), 2.5);
    }

    #[test]
    fn out_of_range_gauge_values_read_as_discovering() {
        assert_eq!(state_of(4), SyncState::Synced);
        assert_eq!(state_of(6), SyncState::Discovering);
        assert_eq!(state_of(-1), SyncState::Discovering);
        assert_eq!(height(u64::MAX), i64::MAX);
    }
}
