//! The heap counters of the tracking allocator: one cache-line-aligned slot of per-type
//! counters per registered thread (claimed when the thread registers, `current.rs`; handed
//! back when it exits) and one shared slot for every other thread. `alloc.rs` counts into
//! them and sums them.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use crate::labels::{ActorType, LabelValue};

const TYPES: usize = ActorType::COUNT;

/// Slots owned by one thread each.
const PRIVATE_SLOTS: usize = 256;
/// The slot every thread without one of its own updates with atomic read-modify-writes.
const SHARED: u16 = PRIVATE_SLOTS as u16;

/// One set of counters, on cache lines of its own.
#[repr(align(128))]
struct Slot {
    claimed: AtomicBool,
    live: [AtomicI64; TYPES],
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY_SLOT: Slot = Slot {
    claimed: AtomicBool::new(false),
    live: [const { AtomicI64::new(0) }; TYPES],
};

static SLOTS: [Slot; PRIVATE_SLOTS + 1] = [EMPTY_SLOT; PRIVATE_SLOTS + 1];

thread_local! {
    /// The slot this thread updates. `const`-initialised and without a destructor: reading it
    /// never allocates, registers nothing and works while the thread is being torn down.
    static OWN_SLOT: Cell<u16> = const { Cell::new(SHARED) };
}

/// Gives the calling thread a private slot if one is free. Called when the thread registers
/// its first actor scope (outside the allocator).
pub(crate) fn claim_thread_slot() {
    for (i, slot) in SLOTS[..PRIVATE_SLOTS].iter().enumerate() {
        if slot
            .claimed
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            let _ = OWN_SLOT.try_with(|s| s.set(i as u16));
            return;
        }
    }
}

/// Hands the calling thread's private slot back (its counts stay: the next owner goes on
/// from them). Called when the thread exits.
pub(crate) fn release_thread_slot() {
    let own = OWN_SLOT.try_with(|s| s.replace(SHARED)).unwrap_or(SHARED);
    if let Some(slot) = SLOTS[..PRIVATE_SLOTS].get(usize::from(own)) {
        slot.claimed.store(false, Ordering::Release);
    }
}

/// Adds `delta` bytes to actor type `tag` in the calling thread's slot.
#[inline(always)]
pub(crate) fn count(tag: u8, delta: i64) {
    let own = OWN_SLOT.try_with(Cell::get).unwrap_or(SHARED);
    let slot = &SLOTS[usize::from(own).min(PRIVATE_SLOTS)];
    let Some(counter) = slot.live.get(usize::from(tag)) else {
        return;
    };
    if own == SHARED {
        counter.fetch_add(delta, Ordering::Relaxed);
    } else {
        // Only this thread writes its slot: no read-modify-write needed.
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(delta),
            Ordering::Relaxed,
        );
    }
}

/// The live bytes of actor type `index`, summed over every slot (may be transiently negative).
pub(crate) fn live_sum(index: usize) -> i64 {
    SLOTS
        .iter()
        .filter_map(|s| s.live.get(index))
        .map(|c| c.load(Ordering::Relaxed))
        .fold(0i64, i64::wrapping_add)
}
