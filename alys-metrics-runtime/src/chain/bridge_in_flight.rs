//! What the bridge's scrape-time gauges read: the operations in flight and the last activity.
//!
//! Each peg-in or peg-out handle holds one slot of a lock-free table while it lives: the
//! slot holds the instant the operation started. A scrape counts the occupied slots (the
//! pending operations) and takes the earliest instant (the oldest pending operation), so both
//! are exact whatever way a handle ends, drop and panic included. The table grows in chunks
//! of 64 slots, allocated the first time more operations are in flight at once than ever
//! before, and never shrinks; claiming a slot scans from the start for a free one (a few
//! loads while few operations are pending).
//!
//! Instants become Unix seconds through one anchor, a pair of `Instant` and `SystemTime` read
//! together on first use: [`unix_time_of`] is the conversion every timestamp gauge of the
//! bridge uses, so a test can compute the exact value a scrape writes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::metric::encoder::Encoder;
use crate::metric::{Collect, Descriptor};

/// Added to a signed offset (nanoseconds from the anchor) so that every stored instant is
/// positive and 0 can mean "free": instants within 146 years of the anchor either way.
const BIAS: i64 = 1 << 62;

/// The anchor: an instant and the Unix time it was, in seconds.
fn anchor() -> &'static (Instant, f64) {
    static ANCHOR: OnceLock<(Instant, f64)> = OnceLock::new();
    ANCHOR.get_or_init(|| {
        let now = Instant::now();
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        (now, unix)
    })
}

/// `at` as a stored value: its signed offset from the anchor plus [`BIAS`], never 0.
fn stored(at: Instant) -> u64 {
    let (base, _) = *anchor();
    let offset = match at.checked_duration_since(base) {
        Some(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        None => -i64::try_from(base.duration_since(at).as_nanos()).unwrap_or(i64::MAX),
    };
    let clamped = offset.clamp(1 - BIAS, BIAS - 1);
    // Positive: BIAS + clamped is in 1 ..= 2 * BIAS - 1.
    (BIAS + clamped) as u64
}

/// The Unix seconds of a stored value.
#[allow(clippy::cast_precision_loss)] // nanoseconds to seconds: a float either way
fn unix_of_stored(v: u64) -> f64 {
    let offset = v as i64 - BIAS;
    anchor().1 + offset as f64 / 1e9
}

/// The Unix time of `at`, in seconds, exactly as the bridge's timestamp gauges write it
/// (`alys_bridge_oldest_pending_pegin_timestamp_seconds`, `..._pegout_...`,
/// `alys_bridge_last_activity_timestamp_seconds`, `alys_bridge_start_time_seconds`).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::{Duration, Instant};
/// use alys_metrics::chain::bridge::unix_time_of;
///
/// let t = Instant::now();
/// let later = unix_time_of(t + Duration::from_secs(90)) - unix_time_of(t);
/// assert!((later - 90.0).abs() < 1e-6);
/// ```
pub fn unix_time_of(at: Instant) -> f64 {
    unix_of_stored(stored(at))
}

/// A chunk of the table: 64 slots and, once needed, the next chunk.
struct Chunk {
    slots: [AtomicU64; 64],
    next: OnceLock<Box<Chunk>>,
}

impl Chunk {
    const fn new() -> Self {
        Self {
            slots: [const { AtomicU64::new(0) }; 64],
            next: OnceLock::new(),
        }
    }

    fn chunks(&self) -> impl Iterator<Item = &Chunk> {
        std::iter::successors(Some(self), |c| c.next.get().map(|b| &**b))
    }
}

/// The start instants of the operations of one kind in flight.
pub(crate) struct InFlight {
    head: Chunk,
}

impl InFlight {
    pub(crate) const fn new() -> Self {
        Self { head: Chunk::new() }
    }

    /// Takes a free slot for an operation started at `at`. Never fails: a full table grows.
    pub(crate) fn claim(&'static self, at: Instant) -> &'static AtomicU64 {
        let v = stored(at);
        let mut chunk = &self.head;
        loop {
            for slot in &chunk.slots {
                if slot.load(Ordering::Relaxed) == 0
                    && slot
                        .compare_exchange(0, v, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    return slot;
                }
            }
            chunk = chunk.next.get_or_init(|| Box::new(Chunk::new()));
        }
    }

    /// Frees a slot [`claim`](Self::claim) returned.
    pub(crate) fn release(slot: &AtomicU64) {
        slot.store(0, Ordering::Relaxed);
    }

    /// The number of operations in flight, and the stored start of the oldest.
    pub(crate) fn snapshot(&self) -> (u64, Option<u64>) {
        let mut count = 0;
        let mut oldest: Option<u64> = None;
        for chunk in self.head.chunks() {
            for slot in &chunk.slots {
                let v = slot.load(Ordering::Relaxed);
                if v != 0 {
                    count += 1;
                    oldest = Some(oldest.map_or(v, |o| o.min(v)));
                }
            }
        }
        (count, oldest)
    }

    /// The number of operations in flight.
    pub(crate) fn count(&self) -> u64 {
        self.snapshot().0
    }

    /// When the oldest operation in flight started, if any.
    pub(crate) fn oldest(&self) -> Option<Instant> {
        let (_, oldest) = self.snapshot();
        oldest.map(|v| {
            let offset = v as i64 - BIAS;
            let (base, _) = *anchor();
            if offset >= 0 {
                base + Duration::from_nanos(offset.unsigned_abs())
            } else {
                base.checked_sub(Duration::from_nanos(offset.unsigned_abs()))
                    .unwrap_or(base)
            }
        })
    }
}

/// Peg-ins in flight.
pub(crate) static PEGINS: InFlight = InFlight::new();
/// Peg-outs in flight.
pub(crate) static PEGOUTS: InFlight = InFlight::new();

/// The latest activity, stored as an instant is in the table (0: none yet).
static LAST_ACTIVITY: AtomicU64 = AtomicU64::new(0);

/// Records bridge activity at `at`: the last activity moves forward only.
#[inline]
pub(crate) fn touch(at: Instant) {
    let v = stored(at);
    if v > LAST_ACTIVITY.load(Ordering::Relaxed) {
        LAST_ACTIVITY.fetch_max(v, Ordering::Relaxed);
    }
}

/// Which gauge a [`BridgeGauge`] writes.
#[derive(Clone, Copy, Debug)]
enum Which {
    Pending(Operation),
    Oldest(Operation),
    LastActivity,
}

#[derive(Clone, Copy, Debug)]
enum Operation {
    PegIn,
    PegOut,
}

impl Operation {
    fn table(self) -> &'static InFlight {
        match self {
            Operation::PegIn => &PEGINS,
            Operation::PegOut => &PEGOUTS,
        }
    }
}

/// One of the bridge's gauges computed at scrape time: the pending peg-ins or peg-outs, the
/// start of the oldest of them, the last activity.
#[derive(Debug)]
pub struct BridgeGauge {
    desc: &'static Descriptor,
    which: Which,
}

impl BridgeGauge {
    pub(crate) const fn pending_pegins(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::Pending(Operation::PegIn),
        }
    }

    pub(crate) const fn pending_pegouts(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::Pending(Operation::PegOut),
        }
    }

    pub(crate) const fn oldest_pegin(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::Oldest(Operation::PegIn),
        }
    }

    pub(crate) const fn oldest_pegout(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::Oldest(Operation::PegOut),
        }
    }

    pub(crate) const fn last_activity(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::LastActivity,
        }
    }
}

impl Collect for BridgeGauge {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        anchor();
    }

    fn encode(&self, enc: &mut Encoder<'_>) {
        let mut family = enc.family(self.desc);
        match self.which {
            Which::Pending(op) => {
                family.sample(&[], i64::try_from(op.table().count()).unwrap_or(i64::MAX));
            }
            Which::Oldest(op) => {
                let oldest = op.table().snapshot().1;
                family.sample(&[], oldest.map_or(0.0, unix_of_stored));
            }
            Which::LastActivity => {
                let v = LAST_ACTIVITY.load(Ordering::Relaxed);
                family.sample(&[], if v == 0 { 0.0 } else { unix_of_stored(v) });
            }
        }
    }

    fn series_count(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_before_and_after_the_anchor_keep_their_order_and_distance() {
        let (base, unix) = *anchor();
        let later = base + Duration::from_secs(3600);
        assert!(stored(later) > stored(base));
        assert_eq!(unix_time_of(base), unix);
        assert_eq!(unix_time_of(later), unix + 3600.0);
        if let Some(earlier) = base.checked_sub(Duration::from_secs(5)) {
            assert!(stored(earlier) < stored(base) && stored(earlier) > 0);
            assert_eq!(unix_time_of(earlier), unix - 5.0);
        }
    }

    #[test]
    fn a_table_grows_past_a_chunk_and_counts_exactly() {
        static TABLE: InFlight = InFlight::new();
        let t0 = Instant::now();
        let slots: Vec<&AtomicU64> = (0..150u64)
            .map(|i| TABLE.claim(t0 + Duration::from_millis(i)))
            .collect();
        assert_eq!(TABLE.count(), 150);
        assert_eq!(TABLE.oldest(), Some(t0));
        InFlight::release(slots[0]);
        assert_eq!(TABLE.count(), 149);
        assert_eq!(TABLE.oldest(), Some(t0 + Duration::from_millis(1)));
        // A freed slot is reused before the table grows again.
        let again = TABLE.claim(t0 + Duration::from_secs(1));
        assert!(std::ptr::eq(again, slots[0]));
        for s in slots.iter().skip(1) {
            InFlight::release(s);
        }
        InFlight::release(again);
        assert_eq!(TABLE.snapshot(), (0, None));
    }
}
