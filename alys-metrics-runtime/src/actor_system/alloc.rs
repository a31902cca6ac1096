//! [`TrackingAllocator`]: live heap bytes per actor type, for
//! `alys_actor_memory_usage_bytes{actor_type}` and `alys_sync_memory_usage_bytes`.
//!
//! # How the attribution follows an allocation
//!
//! Every block gets a small header in front of it: `max(8, align)` bytes, so the pointer
//! handed out keeps the requested alignment. The header's first byte holds the actor type
//! that was current ([`enter`](crate::actor_system::enter)) when the block was allocated, or
//! "none". At the free the allocator reads the byte back and subtracts the block's size from
//! *that* type, whichever thread or actor frees it. `realloc` is a free of the old block and
//! an allocation of the new one: the block moves to the type current at the `realloc`
//! (`Vec` growth inside a handler is that handler's memory). Blocks allocated outside any
//! scope are not counted.
//!
//! # What the figure means
//!
//! The bytes the program asked for (`Layout::size`) in live blocks allocated inside a scope of
//! each type. Not included: the header (8 bytes per block, more for alignments above 8), the
//! inner allocator's own rounding and bookkeeping, memory obtained without the global
//! allocator (`mmap` by a library, thread stacks) and everything allocated outside scopes, so
//! the sum over types is below the resident memory (`alys_memory_usage_bytes`).
//!
//! # Cost
//!
//! The counters are per thread: each thread that has opened an actor scope owns one of 256
//! slots of counters (claimed when the thread registers, released when it exits) and updates
//! it with a plain load and store, no atomic read-modify-write and no shared cache line. Other
//! threads (and threads beyond 256) share one slot updated with `fetch_add`. A scrape sums
//! the slots. The allocator never allocates and never locks; `BENCHMARKS.md` holds its cost
//! against `System` and `stats_alloc`.
//!
//! # Installing it
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use std::alloc::System;
//!
//! #[global_allocator]
//! static ALLOC: alys_metrics::TrackingAllocator<System> =
//!     alys_metrics::TrackingAllocator::new(System);
//! # fn main() {}
//! ```
//!
//! Without it both gauges are absent from the exposition (their HELP and TYPE lines stay, with
//! no sample), so `absent(alys_actor_memory_usage_bytes)` tells the two cases apart.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, Ordering};

use super::alloc_slots::{count, live_sum};
use super::current::{current_raw, NO_ACTOR};
use crate::labels::{ActorType, LabelValue};
use crate::metric::encoder::Encoder;
use crate::metric::{Collect, Descriptor};

/// A global allocator that wraps `A` and counts live heap bytes per actor type (see the
/// [module](self) docs).
#[derive(Debug, Default)]
pub struct TrackingAllocator<A> {
    inner: A,
}

impl<A> TrackingAllocator<A> {
    /// Wraps `inner`.
    pub const fn new(inner: A) -> Self {
        Self { inner }
    }
}

/// Set by the first allocation through any [`TrackingAllocator`].
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// True once a [`TrackingAllocator`] has allocated: the memory gauges are exported only then.
pub fn tracking_allocator_installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Live bytes attributed to `actor` now (0 when the allocator is not installed).
///
/// The per-thread counters are read one after another while other threads go on allocating,
/// so a block allocated on one thread and freed on another can be seen freed but not yet
/// allocated; such a transient negative sum is reported as 0.
pub fn actor_memory_bytes(actor: ActorType) -> u64 {
    u64::try_from(live_sum(actor.index())).unwrap_or(0)
}

/// `alys_actor_memory_usage_bytes{actor_type}` (all types) or `alys_sync_memory_usage_bytes`
/// (one type, no label): read from the allocator's counters at scrape time, and without
/// samples until a [`TrackingAllocator`] has allocated.
#[derive(Debug)]
pub struct ActorMemoryGauge {
    desc: &'static Descriptor,
    only: Option<ActorType>,
}

impl ActorMemoryGauge {
    /// The gauge described by `desc`: every actor type (labelled `actor_type`), or only `only`
    /// (unlabelled).
    pub const fn new(desc: &'static Descriptor, only: Option<ActorType>) -> Self {
        Self { desc, only }
    }
}

impl Collect for ActorMemoryGauge {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {}

    fn encode(&self, enc: &mut Encoder<'_>) {
        let mut family = enc.family(self.desc);
        if !tracking_allocator_installed() {
            return;
        }
        if let Some(actor) = self.only {
            family.sample(&[], actor_memory_bytes(actor));
            return;
        }
        for actor in ActorType::live() {
            family.sample(
                &[("actor_type", actor.as_str())],
                actor_memory_bytes(*actor),
            );
        }
    }

    fn series_count(&self) -> usize {
        match (tracking_allocator_installed(), self.only) {
            (false, _) => 0,
            (true, Some(_)) => 1,
            (true, None) => ActorType::live().count(),
        }
    }
}

/// Bytes in front of a block of alignment `align`: room for the tag, a multiple of `align`.
#[inline(always)]
fn header(align: usize) -> usize {
    align.max(8)
}

/// The layout asked of the inner allocator for a block of `size` bytes aligned to `align`.
#[inline(always)]
fn outer_layout(size: usize, align: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(header(align))?, align).ok()
}

#[inline(always)]
fn note_installed() {
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}

impl<A: GlobalAlloc> TrackingAllocator<A> {
    /// Tags a fresh block at `base` and returns the pointer handed out.
    ///
    /// # Safety
    ///
    /// `base` is null or the start of a block of at least `header(layout.align()) +
    /// layout.size()` bytes aligned to `layout.align()`.
    #[inline(always)]
    unsafe fn finish(base: *mut u8, layout: Layout) -> *mut u8 {
        if base.is_null() {
            return base;
        }
        note_installed();
        let tag = current_raw();
        // SAFETY: `base` points to at least `header(align) >= 8` writable bytes of the block.
        unsafe { base.write(tag) };
        if tag != NO_ACTOR {
            count(tag, layout.size() as i64);
        }
        // SAFETY: the block is `header + size` bytes long, so `base + header` is inside it (or
        // one past its end for a zero-sized request), and aligned because `header` is a
        // multiple of the alignment.
        unsafe { base.add(header(layout.align())) }
    }
}

// SAFETY: every block handed out lies inside a block of the inner allocator, which stays
// allocated until the matching `dealloc`; the layout given to the inner allocator is the same
// one (`outer_layout`) at allocation, reallocation and free, computed from the caller's layout,
// which `GlobalAlloc`'s contract requires to be the same at each of those calls. The header
// keeps the caller's alignment (its size is a multiple of the alignment). Nothing here
// allocates, locks or unwinds.
unsafe impl<A: GlobalAlloc> GlobalAlloc for TrackingAllocator<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(outer) = outer_layout(layout.size(), layout.align()) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `outer` has a non-zero size (at least the header).
        let base = unsafe { self.inner.alloc(outer) };
        // SAFETY: `base` is null or a block of `outer.size()` bytes aligned to the alignment.
        unsafe { Self::finish(base, layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let Some(outer) = outer_layout(layout.size(), layout.align()) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `outer` has a non-zero size.
        let base = unsafe { self.inner.alloc_zeroed(outer) };
        // SAFETY: as in `alloc`.
        unsafe { Self::finish(base, layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let h = header(layout.align());
        // SAFETY: `ptr` came from `alloc`/`realloc` with this layout, so the block starts `h`
        // bytes before it and its first byte is the tag written there.
        let base = unsafe { ptr.sub(h) };
        // SAFETY: see above; the tag byte is initialised.
        let tag = unsafe { base.read() };
        if tag != NO_ACTOR {
            count(tag, -(layout.size() as i64));
        }
        // The same computation succeeded when the block was allocated.
        let outer = outer_layout(layout.size(), layout.align()).unwrap_or(layout);
        // SAFETY: `base` was returned by the inner allocator with layout `outer`.
        unsafe { self.inner.dealloc(base, outer) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let h = header(layout.align());
        let Some(new_outer) = outer_layout(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        let outer = outer_layout(layout.size(), layout.align()).unwrap_or(layout);
        // SAFETY: as in `dealloc`.
        let base = unsafe { ptr.sub(h) };
        // SAFETY: the tag byte of a live block.
        let old_tag = unsafe { base.read() };
        // SAFETY: `base` was allocated by the inner allocator with `outer`; `new_outer.size()`
        // is non-zero and, rounded up to the alignment, fits in `isize` (`Layout` checked it).
        let new_base = unsafe { self.inner.realloc(base, outer, new_outer.size()) };
        if new_base.is_null() {
            // The old block is untouched and still counted where it was.
            return new_base;
        }
        if old_tag != NO_ACTOR {
            count(old_tag, -(layout.size() as i64));
        }
        // SAFETY: `new_base` is a block of `h + new_size` bytes aligned like the old one.
        unsafe {
            Self::finish(
                new_base,
                Layout::from_size_align_unchecked(new_size, layout.align()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;

    #[test]
    fn blocks_keep_their_alignment_contents_and_attribution() {
        let a = TrackingAllocator::new(System);
        for align in [1usize, 2, 8, 16, 64, 4096] {
            let layout = Layout::from_size_align(100, align).unwrap();
            // SAFETY: a non-zero-sized layout; the block is freed with the same layout.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0, "align {align}");
                p.write_bytes(7, 100);
                let q = a.realloc(p, layout, 5000);
                assert_eq!(q as usize % align, 0, "realloc keeps align {align}");
                assert!((0..100).all(|i| *q.add(i) == 7));
                let big = Layout::from_size_align(5000, align).unwrap();
                let r = a.realloc(q, big, 10);
                assert!((0..10).all(|i| *r.add(i) == 7));
                a.dealloc(r, Layout::from_size_align(10, align).unwrap());
                let z = a.alloc_zeroed(layout);
                assert!((0..100).all(|i| *z.add(i) == 0));
                a.dealloc(z, layout);
            }
        }
        assert!(tracking_allocator_installed());

        // Counted under the type current at allocation, subtracted at the free from that
        // type, whoever frees it.
        let before = actor_memory_bytes(ActorType::Stream);
        let layout = Layout::from_size_align(1000, 8).unwrap();
        let scope = crate::actor_system::enter(ActorType::Stream);
        // SAFETY: freed below with the same layout.
        let p = unsafe { a.alloc(layout) };
        drop(scope);
        assert_eq!(actor_memory_bytes(ActorType::Stream), before + 1000);
        let other = crate::actor_system::enter(ActorType::Supervisor);
        // SAFETY: `p` was allocated by `a` with `layout`.
        unsafe { a.dealloc(p, layout) };
        drop(other);
        assert_eq!(actor_memory_bytes(ActorType::Stream), before);

        // SAFETY: an absurd size must fail cleanly rather than overflow.
        let huge = Layout::from_size_align(isize::MAX as usize - 15, 8).unwrap();
        assert!(unsafe { a.alloc(huge) }.is_null());
    }
}
