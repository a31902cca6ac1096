//! Which actor type's handler runs on this thread now, and how long each actor type kept each
//! thread busy.
//!
//! [`enter`] marks the start of a handler's work on the current thread and returns an
//! [`ActorScope`] that marks its end when dropped. While a scope is open,
//! [`current_actor_type`] names its actor type; the [`TrackingAllocator`](crate::TrackingAllocator)
//! attributes heap allocations to it, and the collector's CPU pass
//! ([`collect_actor_cpu`](crate::actor_system::collect_actor_cpu)) attributes the thread's CPU
//! time to it in proportion to the time spent inside scopes.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::actor_system::{current_actor_type, enter};
//! use alys_metrics::labels::ActorType;
//!
//! assert_eq!(current_actor_type(), None);
//! {
//!     let _chain = enter(ActorType::Chain);
//!     assert_eq!(current_actor_type(), Some(ActorType::Chain));
//!     {
//!         let _storage = enter(ActorType::Storage); // a nested call
//!         assert_eq!(current_actor_type(), Some(ActorType::Storage));
//!     }
//!     assert_eq!(current_actor_type(), Some(ActorType::Chain));
//! }
//! assert_eq!(current_actor_type(), None);
//! ```
//!
//! # Busy time
//!
//! Each thread that ever opens a scope gets a slot of its own (registered on its first
//! [`enter`], released when the thread exits) with one cumulative busy-time counter per actor
//! type, written only by that thread. Time is exclusive: while a nested scope is open, the
//! time goes to the inner scope's type, not to both. A scope that is still open counts up to
//! the instant the collector reads it. The slot is updated under a sequence counter, so the
//! collector reads a consistent set of counters without a lock.
//!
//! An `async` handler's future must open a scope around each *poll*, never across an `.await`
//! (the future may move to another thread, and the time spent waiting is not busy time);
//! [`ActorScope`] is neither `Send` nor `Sync`, so it cannot be held across an `.await` in a
//! future that must be `Send`.
//!
//! # Cost
//!
//! Opening and closing a scope: two thread-local reads and writes, two reads of the monotonic
//! clock and a few relaxed stores to the thread's own slot; no allocation and no lock after
//! the thread's first scope. An instrumented handler's scope shares its clock readings with
//! the message's guard (the guard's start is the scope's entry, and a message that finishes
//! with its call or poll ends at the scope's exit), so it adds no clock reads of its own there.

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::actor::HandlerSite;
use crate::labels::{ActorType, LabelValue};

/// The raw value of "no actor scope open".
pub(crate) const NO_ACTOR: u8 = u8::MAX;

/// Number of actor types, the length of every per-type array here.
pub(crate) const TYPES: usize = ActorType::COUNT;

/// What runs on this thread now: the instrumented handler (if any) and the actor type its
/// work is attributed to. One thread-local holds both, so a handler's entry reads and writes
/// them with one access.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Current {
    /// The instrumented handler running, if any.
    pub(crate) site: Option<&'static HandlerSite>,
    /// The actor type of the innermost open scope, or [`NO_ACTOR`].
    pub(crate) actor: u8,
}

impl Current {
    const NONE: Self = Self {
        site: None,
        actor: NO_ACTOR,
    };
}

thread_local! {
    /// The handler and actor type of the innermost open scope. `const`-initialised and without
    /// a destructor, so the allocator may read it at any time, even while the thread's other
    /// thread-locals are being destroyed.
    static CURRENT: Cell<Current> = const { Cell::new(Current::NONE) };

    /// The thread's busy-time slot, registered on its first scope.
    static SLOT: Registration = Registration::new();
}

/// Marks the current thread as running a handler of `actor` until the returned scope is
/// dropped. Nesting is allowed: dropping a scope restores the type that was current before.
///
/// The first call on a thread registers the thread (a small allocation and one read of the
/// thread's CPU time); every later call allocates nothing. Makes `actor` live: the families by
/// `actor_type` export it from then on.
#[inline]
pub fn enter(actor: ActorType) -> ActorScope {
    actor.mark_live();
    let raw = actor.index() as u8;
    let prev = CURRENT.try_with(Cell::get).unwrap_or(Current::NONE);
    // Before `CURRENT` changes: the thread's registration allocates, and those bytes belong to
    // whoever was current, not to `actor`.
    switch(prev.actor, raw);
    let _ = CURRENT.try_with(|c| c.set(Current { actor: raw, ..prev }));
    ActorScope {
        prev,
        _not_send: PhantomData,
    }
}

/// Closes the busy time of `from` and opens `to` on this thread's slot; nothing when they are
/// the same type (the time goes on to that type either way).
#[inline(always)]
fn switch(from: u8, to: u8) {
    if from != to {
        let _ = SLOT.try_with(|s| s.slot.switch(from, to));
    }
}

/// As [`switch`], at `at` (`clock::ticks`), a clock reading the caller shares with its
/// own measurement.
#[inline(always)]
fn switch_at(from: u8, to: u8, at: u64) {
    if from != to {
        let _ = SLOT.try_with(|s| s.slot.switch_at(from, to, at));
    }
}

/// The instrumented handler running on this thread, if any.
#[inline]
pub(crate) fn current_site() -> Option<&'static HandlerSite> {
    CURRENT.try_with(|c| c.get().site).ok().flatten()
}

/// True when `cur`, the handler running, handles the same message as `site`: `site` is then
/// part of that message's handling, already measured.
#[inline]
pub(crate) fn same_message(cur: Option<&'static HandlerSite>, site: &'static HandlerSite) -> bool {
    match cur {
        None => false,
        Some(cur) => std::ptr::eq(cur, site) || cur.message == site.message,
    }
}

/// Makes `site` the running handler and opens a scope of its actor type, unless `unless_nested`
/// and a handler of the same message runs on this thread (then `None`): one access to the
/// thread's state for the check and the entry, and one to its busy-time slot when the actor
/// type changes.
#[inline]
pub(crate) fn enter_site(site: &'static HandlerSite, unless_nested: bool) -> Option<SiteScope> {
    let (prev, raw) = set_site(site, unless_nested)?;
    // After `CURRENT` changed, unlike `enter`: a first registration's bytes go to `site`'s type
    // (once per thread, a few hundred bytes).
    switch(prev.actor, raw);
    Some(SiteScope {
        prev,
        _not_send: PhantomData,
    })
}

/// As [`enter_site`], also returning the one clock reading the entry made: the scope's busy
/// time of `site`'s type starts there (when the type changed), and the caller's message guard
/// starts there too.
#[inline]
pub(crate) fn enter_site_timed(
    site: &'static HandlerSite,
    unless_nested: bool,
) -> Option<(SiteScope, u64)> {
    let (prev, raw) = set_site(site, unless_nested)?;
    let now = now_nanos();
    switch_at(prev.actor, raw, now);
    Some((
        SiteScope {
            prev,
            _not_send: PhantomData,
        },
        now,
    ))
}

/// Makes `site` the running handler (see [`enter_site`]); returns what was current before and
/// `site`'s actor type, the busy-time switch still to do.
#[inline(always)]
fn set_site(site: &'static HandlerSite, unless_nested: bool) -> Option<(Current, u8)> {
    let raw = site.actor_index();
    let prev = CURRENT
        .try_with(|c| {
            let cur = c.get();
            if unless_nested && same_message(cur.site, site) {
                None
            } else {
                c.set(Current {
                    site: Some(site),
                    actor: raw,
                });
                Some(cur)
            }
        })
        .ok()??;
    Some((prev, raw))
}

/// An instrumented handler's scope (see `enter_site`): dropping it restores the handler and
/// actor type that were current before.
#[must_use = "the scope ends when it is dropped"]
#[derive(Debug)]
pub struct SiteScope {
    prev: Current,
    _not_send: PhantomData<*const ()>,
}

impl SiteScope {
    /// Ends the scope as dropping it does, closing its busy time at `at` (`clock::ticks`,
    /// a reading the caller shares with its message guard) instead of reading the clock again.
    #[inline]
    pub(crate) fn close_at(self, at: u64) {
        let this = std::mem::ManuallyDrop::new(self);
        let now = this.restore();
        switch_at(now, this.prev.actor, at);
    }

    /// Restores the handler and actor type current before; returns the actor type it replaced.
    #[inline(always)]
    fn restore(&self) -> u8 {
        CURRENT
            .try_with(|c| c.replace(self.prev))
            .map_or(NO_ACTOR, |c| c.actor)
    }
}

impl Drop for SiteScope {
    #[inline]
    fn drop(&mut self) {
        let now = self.restore();
        switch(now, self.prev.actor);
    }
}

/// The actor type whose scope is open on this thread, if any.
#[inline]
pub fn current_actor_type() -> Option<ActorType> {
    ActorType::VALUES.get(usize::from(current_raw())).copied()
}

/// [`current_actor_type`] as its index, [`NO_ACTOR`] for none; safe to call from the allocator.
#[inline(always)]
pub(crate) fn current_raw() -> u8 {
    CURRENT.try_with(|c| c.get().actor).unwrap_or(NO_ACTOR)
}

/// An open actor scope (see [`enter`]); dropping it closes the scope and makes the type that
/// was current before it current again. Scopes nest like the locals that hold them: drop them
/// in the reverse order of opening (a scope dropped out of order restores the type that was
/// current when *it* opened).
#[must_use = "the scope closes as soon as it is dropped"]
#[derive(Debug)]
pub struct ActorScope {
    prev: Current,
    /// Scopes belong to the thread that opened them.
    _not_send: PhantomData<*const ()>,
}

impl Drop for ActorScope {
    #[inline]
    fn drop(&mut self) {
        let now_current = CURRENT
            .try_with(|c| {
                let now = c.get();
                // The handler is left as it is now: only the actor type was this scope's.
                c.set(Current {
                    actor: self.prev.actor,
                    ..now
                });
                now.actor
            })
            .unwrap_or(NO_ACTOR);
        switch(now_current, self.prev.actor);
    }
}

/// The busy-time clock: `clock::ticks`, the handlers' clock (a reading, not nanoseconds: see
/// `clock::nanos_between`).
#[inline]
pub(crate) fn now_nanos() -> u64 {
    crate::clock::ticks()
}

/// One thread's busy-time counters.
#[derive(Debug)]
pub(crate) struct ThreadSlot {
    /// The thread's kernel id (`/proc/self/task/<tid>`), when it could be read.
    pub(crate) tid: Option<u32>,
    /// The thread's CPU time when it registered, in nanoseconds: the baseline of its first
    /// CPU interval.
    pub(crate) cpu_at_register: Option<u64>,
    /// False once the thread has exited.
    pub(crate) alive: AtomicBool,
    /// Odd while the owning thread updates the fields below.
    seq: AtomicU32,
    /// Closed busy time per actor type, in clock ticks (`busy_now` gives nanoseconds).
    busy: [AtomicU64; TYPES],
    /// The type of the open scope, or [`NO_ACTOR`].
    open: AtomicU8,
    /// When the open scope started (or resumed), a reading of [`now_nanos`].
    open_since: AtomicU64,
    /// The CPU pass's open file on the thread's CPU time and what it saw last time.
    pub(crate) pass: Mutex<PassState>,
}

/// What the CPU pass keeps about one thread.
#[derive(Debug, Default)]
pub(crate) struct PassState {
    pub(crate) reader: super::thread_cpu::CpuReader,
    pub(crate) last: Option<Baseline>,
}

/// A thread's CPU and busy times at the previous CPU pass.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Baseline {
    pub(crate) cpu_nanos: u64,
    pub(crate) busy: [u64; TYPES],
}

impl ThreadSlot {
    pub(crate) fn new(tid: Option<u32>, cpu_at_register: Option<u64>) -> Self {
        Self {
            tid,
            cpu_at_register,
            alive: AtomicBool::new(true),
            seq: AtomicU32::new(0),
            busy: std::array::from_fn(|_| AtomicU64::new(0)),
            open: AtomicU8::new(NO_ACTOR),
            open_since: AtomicU64::new(0),
            pass: Mutex::new(PassState::default()),
        }
    }

    /// Closes the time of `from` (if any) and opens `to` (if any). Called only by the owner.
    #[inline]
    pub(crate) fn switch(&self, from: u8, to: u8) {
        self.switch_at(from, to, now_nanos());
    }

    /// As [`switch`](ThreadSlot::switch), at `now` (in [`now_nanos`]).
    #[inline]
    pub(crate) fn switch_at(&self, from: u8, to: u8, now: u64) {
        // A sequence lock with one writer: odd while writing, so a reader that saw the same
        // even value before and after its reads saw no write in between.
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        if let Some(busy) = self.busy.get(usize::from(from)) {
            let since = self.open_since.load(Ordering::Relaxed);
            // In ticks: turned into nanoseconds when read, off the hot path.
            let spent = now.saturating_sub(since);
            busy.store(
                busy.load(Ordering::Relaxed).wrapping_add(spent),
                Ordering::Relaxed,
            );
        }
        self.open.store(to, Ordering::Relaxed);
        self.open_since.store(now, Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
    }

    /// The busy time per actor type up to now, including the open scope's time so far.
    pub(crate) fn busy_now(&self) -> [u64; TYPES] {
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before & 1 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let mut busy: [u64; TYPES] =
                std::array::from_fn(|i| self.busy[i].load(Ordering::Relaxed));
            let open = self.open.load(Ordering::Relaxed);
            let since = self.open_since.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) != before {
                continue;
            }
            if let Some(b) = busy.get_mut(usize::from(open)) {
                *b = b.wrapping_add(now_nanos().saturating_sub(since));
            }
            return busy.map(crate::clock::ticks_as_nanos);
        }
    }
}

/// Every registered thread's slot; the CPU pass walks it under this lock.
pub(crate) fn threads() -> MutexGuard<'static, Vec<Arc<ThreadSlot>>> {
    static THREADS: Mutex<Vec<Arc<ThreadSlot>>> = Mutex::new(Vec::new());
    THREADS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A thread's registration: its busy-time slot, and its private allocation-counter slot.
struct Registration {
    slot: Arc<ThreadSlot>,
}

impl Registration {
    fn new() -> Self {
        let tid = own_tid();
        let cpu = tid.and_then(super::thread_cpu::read_thread_cpu_nanos);
        let slot = Arc::new(ThreadSlot::new(tid, cpu));
        threads().push(Arc::clone(&slot));
        super::alloc_slots::claim_thread_slot();
        Self { slot }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.slot.alive.store(false, Ordering::Relaxed);
        super::alloc_slots::release_thread_slot();
    }
}

/// The calling thread's kernel id, from the `/proc/thread-self` link (`<pid>/task/<tid>`).
fn own_tid() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_restores_and_time_is_exclusive() {
        assert_eq!(current_actor_type(), None);
        let outer = enter(ActorType::Chain);
        let slot = SLOT.with(|s| Arc::clone(&s.slot));
        std::thread::sleep(std::time::Duration::from_millis(20));
        {
            let _inner = enter(ActorType::Storage);
            assert_eq!(current_actor_type(), Some(ActorType::Storage));
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
        assert_eq!(current_actor_type(), Some(ActorType::Chain));
        let open = slot.busy_now();
        assert!(open[ActorType::Chain.index()] >= 20_000_000, "{open:?}");
        drop(outer);
        assert_eq!(current_actor_type(), None);
        let busy = slot.busy_now();
        let (chain, storage) = (
            busy[ActorType::Chain.index()],
            busy[ActorType::Storage.index()],
        );
        assert!(
            (20_000_000..30_000_000 + 20_000_000).contains(&chain),
            "{busy:?}"
        );
        assert!((30_000_000..80_000_000).contains(&storage), "{busy:?}");
        // Closed: reading again later adds nothing.
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(slot.busy_now(), busy);
        assert!(slot.tid.is_some());
    }
}
