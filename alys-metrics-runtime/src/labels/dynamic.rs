//! Bounded free-form label values (`labels(validator: dynamic(max = 256))`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use super::LabelDim;

/// Longest label value kept after sanitising, in bytes.
pub const MAX_LABEL_VALUE_LEN: usize = 64;

/// The value that inputs beyond a dynamic label's cap fold into.
pub const OVERFLOW_VALUE: &str = "other";

/// The value that an input with no allowed character becomes.
pub const EMPTY_VALUE: &str = "unknown";

/// A bounded free-form string label holding at most `MAX` distinct values at a time.
///
/// Each distinct (sanitised) value takes one of `MAX` slots and has series of its own; once all
/// slots are taken, every new value is folded into the series `"other"` and counted in
/// `alys_label_overflow_total{metric="..."}`. Memory is therefore bounded by `MAX` whatever a
/// remote party sends. A value that is gone for good (a disconnected peer) can give its slot
/// back with `Metric::forget`, which removes its series. Declared as
/// `labels(peer_id: dynamic(max = 256))`.
///
/// Resolving a dynamic value costs a sanitising pass and a read-locked map lookup; hold on to
/// the returned child where the same value is updated often.
pub struct Dynamic<const MAX: usize>(PhantomData<()>);

/// The state of one dynamic label dimension of one metric.
pub struct DynamicState<const MAX: usize> {
    slots: RwLock<Slots>,
    overflow: AtomicU64,
    other_used: AtomicBool,
    /// Bumped by every release, so that cached renderings of the slots can tell they changed.
    generation: AtomicU64,
    /// Number of values holding a slot, kept beside the map so a scrape need not lock it.
    assigned: AtomicUsize,
}

/// Which value holds which slot.
struct Slots {
    by_value: HashMap<Box<str>, usize>,
    /// The value of each slot, `None` while it is free.
    names: Vec<Option<Box<str>>>,
    /// Released slots, reused before untouched ones.
    free: Vec<usize>,
    /// When each slot took its value (Unix nanoseconds): the start of its series.
    since: Vec<u64>,
}

impl<const MAX: usize> DynamicState<MAX> {
    fn new() -> Self {
        Self {
            slots: RwLock::new(Slots {
                by_value: HashMap::new(),
                names: Vec::new(),
                free: Vec::new(),
                since: Vec::new(),
            }),
            overflow: AtomicU64::new(0),
            other_used: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            assigned: AtomicUsize::new(0),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Slots> {
        self.slots.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Slots> {
        self.slots.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Number of distinct values that hold a slot of their own.
    pub fn assigned(&self) -> usize {
        self.assigned.load(Ordering::Relaxed)
    }

    fn resolve(&self, input: &str) -> usize {
        let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
        let value = sanitize_into(input, &mut buf);
        if value == OVERFLOW_VALUE {
            self.other_used.store(true, Ordering::Relaxed);
            return MAX;
        }
        if let Some(slot) = self.read().by_value.get(value) {
            return *slot;
        }
        let mut slots = self.write();
        if let Some(slot) = slots.by_value.get(value) {
            return *slot;
        }
        let slot = match slots.free.pop() {
            Some(slot) => slot,
            None if slots.names.len() < MAX => {
                slots.names.push(None);
                slots.since.push(0);
                slots.names.len() - 1
            }
            None => {
                drop(slots);
                self.overflow.fetch_add(1, Ordering::Relaxed);
                self.other_used.store(true, Ordering::Relaxed);
                return MAX;
            }
        };
        slots.names[slot] = Some(value.into());
        // The slow path that gives a value its slot: the start of the value's series (the
        // hot path, a value already holding its slot, never reads the clock).
        slots.since[slot] = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        slots.by_value.insert(value.into(), slot);
        self.assigned.store(slots.by_value.len(), Ordering::Relaxed);
        slot
    }

    fn release(&self, input: &str, reset: &mut dyn FnMut(usize)) -> Option<usize> {
        let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
        let value = sanitize_into(input, &mut buf);
        let mut slots = self.write();
        let slot = slots.by_value.remove(value)?;
        // First, so that a scrape that saw the old generation and reads it again afterwards
        // knows that something changed under it.
        self.generation.fetch_add(1, Ordering::AcqRel);
        slots.names[slot] = None;
        self.assigned.store(slots.by_value.len(), Ordering::Relaxed);
        // Zeroed while the lock is held: no other value can take the slot before.
        reset(slot);
        slots.free.push(slot);
        Some(slot)
    }
}

impl<const MAX: usize> LabelDim for Dynamic<MAX> {
    type Input<'a> = &'a str;
    type State = DynamicState<MAX>;
    const SIZE: usize = MAX + 1;
    const STATIC: bool = false;

    fn new_state() -> Self::State {
        DynamicState::new()
    }

    #[inline]
    fn resolve(state: &Self::State, input: &str) -> usize {
        state.resolve(input)
    }

    fn slot_live(state: &Self::State, slot: usize) -> bool {
        if slot == MAX {
            state.other_used.load(Ordering::Relaxed)
        } else {
            state.read().names.get(slot).is_some_and(Option::is_some)
        }
    }

    fn slot_value(state: &Self::State, slot: usize) -> Option<Cow<'_, str>> {
        if slot == MAX {
            Self::slot_live(state, slot).then_some(Cow::Borrowed(OVERFLOW_VALUE))
        } else {
            let slots = state.read();
            let name = slots.names.get(slot)?.as_deref()?;
            Some(Cow::Owned(name.to_owned()))
        }
    }

    fn live_slots(state: &Self::State) -> usize {
        state.assigned() + usize::from(state.other_used.load(Ordering::Relaxed))
    }

    fn overflowed(state: &Self::State) -> u64 {
        state.overflow.load(Ordering::Relaxed)
    }

    fn release(state: &Self::State, value: &str, reset: &mut dyn FnMut(usize)) -> Option<usize> {
        state.release(value, reset)
    }

    fn generation(state: &Self::State) -> u64 {
        state.generation.load(Ordering::Acquire)
    }

    fn slot_since(state: &Self::State, slot: usize) -> Option<u64> {
        let slots = state.read();
        slots.names.get(slot)?.as_ref()?;
        slots.since.get(slot).copied()
    }
}

/// Sanitises a free-form label value into `buf`, without allocating:
/// keeps ASCII letters, digits, `_` and `-`, lower-cases them, and keeps at most
/// [`MAX_LABEL_VALUE_LEN`] of them. A value with no allowed character becomes `"unknown"`.
pub fn sanitize_into<'b>(value: &str, buf: &'b mut [u8; MAX_LABEL_VALUE_LEN]) -> &'b str {
    let mut len = 0;
    for b in value.bytes() {
        if len == MAX_LABEL_VALUE_LEN {
            break;
        }
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            buf[len] = b.to_ascii_lowercase();
            len += 1;
        }
    }
    if len == 0 {
        return EMPTY_VALUE;
    }
    // Only ASCII bytes were written.
    std::str::from_utf8(&buf[..len]).unwrap_or(EMPTY_VALUE)
}

/// Sanitises a free-form label value (see [`sanitize_into`]) into an owned `String`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::labels::sanitize_label_value;
/// assert_eq!(sanitize_label_value("Peer/12D3Koo W"), "peer12d3koow");
/// assert_eq!(sanitize_label_value("a\"b\\c\n"), "abc");
/// assert_eq!(sanitize_label_value(""), "unknown");
/// assert_eq!(sanitize_label_value(&"x".repeat(100)).len(), 64);
/// ```
pub fn sanitize_label_value(value: &str) -> String {
    let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
    sanitize_into(value, &mut buf).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitising_keeps_only_safe_ascii() {
        assert_eq!(sanitize_label_value("Validator-01_A"), "validator-01_a");
        assert_eq!(sanitize_label_value("ünïcödé"), "ncd");
        assert_eq!(sanitize_label_value("{}=\","), "unknown");
        let long = "A".repeat(1000);
        assert_eq!(sanitize_label_value(&long), "a".repeat(64));
    }

    #[test]
    fn dynamic_values_fold_into_other_past_the_cap() {
        let state = <Dynamic<3> as LabelDim>::new_state();
        let a = state.resolve("a");
        assert_eq!(state.resolve("A"), a, "sanitised values share a slot");
        let b = state.resolve("b");
        let c = state.resolve("c");
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(state.resolve("d"), 3);
        assert_eq!(state.resolve("e"), 3);
        assert_eq!(<Dynamic<3> as LabelDim>::overflowed(&state), 2);
        assert_eq!(
            <Dynamic<3> as LabelDim>::slot_value(&state, 1).as_deref(),
            Some("b")
        );
        assert_eq!(
            <Dynamic<3> as LabelDim>::slot_value(&state, 3).as_deref(),
            Some("other")
        );
        assert_eq!(state.assigned(), 3);
    }

    #[test]
    fn literal_other_goes_to_the_overflow_slot_without_counting() {
        let state = <Dynamic<2> as LabelDim>::new_state();
        assert_eq!(<Dynamic<2> as LabelDim>::slot_value(&state, 2), None);
        assert!(!<Dynamic<2> as LabelDim>::slot_live(&state, 2));
        assert_eq!(state.resolve("Other"), 2);
        assert_eq!(<Dynamic<2> as LabelDim>::overflowed(&state), 0);
        assert_eq!(
            <Dynamic<2> as LabelDim>::slot_value(&state, 2).as_deref(),
            Some("other")
        );
    }

    #[test]
    fn released_slots_are_reused_and_memory_stays_bounded() {
        type D = Dynamic<2>;
        let state = <D as LabelDim>::new_state();
        assert_eq!(state.resolve("peer-a"), 0);
        assert_eq!(state.resolve("peer-b"), 1);
        assert_eq!(state.resolve("peer-c"), 2, "full: folds into other");
        assert_eq!(<D as LabelDim>::generation(&state), 0);
        assert_eq!(
            <D as LabelDim>::release(&state, "Peer-A", &mut |_| {}),
            Some(0),
            "sanitised like resolve"
        );
        assert_eq!(
            <D as LabelDim>::release(&state, "peer-a", &mut |_| {}),
            None,
            "released once"
        );
        assert_eq!(
            <D as LabelDim>::release(&state, "never-seen", &mut |_| {}),
            None
        );
        assert_eq!(<D as LabelDim>::generation(&state), 1);
        assert!(!<D as LabelDim>::slot_live(&state, 0));
        assert_eq!(<D as LabelDim>::slot_value(&state, 0), None);
        assert_eq!(
            state.resolve("peer-c"),
            0,
            "the freed slot goes to the next value"
        );
        assert_eq!(
            <D as LabelDim>::slot_value(&state, 0).as_deref(),
            Some("peer-c")
        );
        <D as LabelDim>::release(&state, "peer-b", &mut |_| {});
        <D as LabelDim>::release(&state, "peer-c", &mut |_| {});
        for i in 0..10_000 {
            let id = format!("churn-{i}");
            let slot = state.resolve(&id);
            assert!(slot < 2, "a departed value's slot is free for the next");
            assert_eq!(
                <D as LabelDim>::release(&state, &id, &mut |_| {}),
                Some(slot)
            );
        }
        assert!(state.assigned() <= 2);
        assert!(state.read().names.len() <= 2 && state.read().free.len() <= 2);
    }
}
