//! Bounded free-form label values (`labels(validator: dynamic(max = 256))`).

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{OnceLock, RwLock};

use super::LabelDim;

/// Longest label value kept after sanitising, in bytes.
pub const MAX_LABEL_VALUE_LEN: usize = 64;

/// The value that inputs beyond a dynamic label's cap fold into.
pub const OVERFLOW_VALUE: &str = "other";

/// The value that an input with no allowed character becomes.
pub const EMPTY_VALUE: &str = "unknown";

/// A bounded free-form string label holding at most `MAX` distinct values.
///
/// The first `MAX` distinct (sanitised) values each get a series of their own, for the life of
/// the process; every later value is folded into the series `"other"` and counted in
/// `alys_label_overflow_total{metric="..."}`. Memory is therefore bounded by `MAX` whatever a
/// remote party sends. Declared as `labels(peer_id: dynamic(max = 256))`.
///
/// Resolving a dynamic value costs a sanitising pass and a read-locked map lookup; hold on to
/// the returned child where the same value is updated often.
pub struct Dynamic<const MAX: usize>(PhantomData<()>);

/// The state of one dynamic label dimension of one metric.
pub struct DynamicState<const MAX: usize> {
    map: RwLock<HashMap<Box<str>, usize>>,
    names: Box<[OnceLock<Box<str>>]>,
    overflow: AtomicU64,
    other_used: AtomicBool,
}

impl<const MAX: usize> DynamicState<MAX> {
    fn new() -> Self {
        Self {
            map: RwLock::new(HashMap::new()),
            names: (0..MAX).map(|_| OnceLock::new()).collect(),
            overflow: AtomicU64::new(0),
            other_used: AtomicBool::new(false),
        }
    }

    /// Number of distinct values that hold a slot of their own.
    pub fn assigned(&self) -> usize {
        self.map
            .read()
            .map(|m| m.len())
            .unwrap_or_else(|p| p.into_inner().len())
    }

    fn lookup(&self, value: &str) -> Option<usize> {
        let map = self.map.read().unwrap_or_else(|p| p.into_inner());
        map.get(value).copied()
    }

    fn resolve(&self, input: &str) -> usize {
        let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
        let value = sanitize_into(input, &mut buf);
        if value == OVERFLOW_VALUE {
            self.other_used.store(true, Ordering::Relaxed);
            return MAX;
        }
        if let Some(slot) = self.lookup(value) {
            return slot;
        }
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = map.get(value) {
            return *slot;
        }
        let slot = map.len();
        if slot < MAX {
            // The slot's name is written before the slot becomes reachable through the map.
            let _ = self.names[slot].set(value.into());
            map.insert(value.into(), slot);
            slot
        } else {
            drop(map);
            self.overflow.fetch_add(1, Ordering::Relaxed);
            self.other_used.store(true, Ordering::Relaxed);
            MAX
        }
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

    fn slot_value(state: &Self::State, slot: usize) -> Option<&str> {
        if slot == MAX {
            state
                .other_used
                .load(Ordering::Relaxed)
                .then_some(OVERFLOW_VALUE)
        } else {
            state.names.get(slot)?.get().map(|s| &**s)
        }
    }

    fn overflowed(state: &Self::State) -> u64 {
        state.overflow.load(Ordering::Relaxed)
    }
}

/// Sanitises a free-form label value by the seed's rule, into `buf`, without allocating:
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
        assert_eq!(<Dynamic<3> as LabelDim>::slot_value(&state, 1), Some("b"));
        assert_eq!(
            <Dynamic<3> as LabelDim>::slot_value(&state, 3),
            Some("other")
        );
        assert_eq!(state.assigned(), 3);
    }

    #[test]
    fn literal_other_goes_to_the_overflow_slot_without_counting() {
        let state = <Dynamic<2> as LabelDim>::new_state();
        assert_eq!(<Dynamic<2> as LabelDim>::slot_value(&state, 2), None);
        assert_eq!(state.resolve("Other"), 2);
        assert_eq!(<Dynamic<2> as LabelDim>::overflowed(&state), 0);
        assert_eq!(
            <Dynamic<2> as LabelDim>::slot_value(&state, 2),
            Some("other")
        );
    }
}
