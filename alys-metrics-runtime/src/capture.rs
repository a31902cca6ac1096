//! What the `testing` feature adds under the metric types: captures scoped to a test, and the
//! one check the hot path makes for them.
//!
//! A counter increment, a histogram observation and a handler site's message start and finish
//! call [`active`] (one relaxed load of [`ACTIVE`], a count of the live captures). While no
//! capture is alive it is 0 and nothing else happens. While one is, the update also goes to
//! [`record`] (cold, test-only: a lock and a map), which adds it to every live capture whose
//! scope holds the calling thread: the thread that took the capture, and every thread of the
//! actix `System` it was taken in (the arbiters of `#[actix_rt::test]`), and whatever thread
//! polls a future the capture wraps ([`polling`]). The public face is
//! the `testing` module (layer 8, above every other module).
//!
//! A layer-0 leaf: the metric types (layer 2) and the actor sites (layer 6) call it, it names
//! no module of this crate.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// How many captures are alive, process-wide.
pub(crate) static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// True while any capture is alive: the hot path's one check.
#[inline(always)]
pub(crate) fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed) != 0
}

/// How many outcomes a handler site counts (`MessageOutcome::COUNT`, kept here so that this
/// leaf names no label type; `testing` checks the two agree).
pub(crate) const OUTCOMES: usize = 4;

/// One update, as the hot path reports it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    /// A counter increment.
    Add(f64),
    /// A histogram observation, in the histogram's unit (seconds for durations).
    Observe(f64),
    /// A message started at a handler site.
    Started,
    /// A message finished at a handler site with the outcome of this index.
    Finished(usize),
}

/// What one capture saw of one metric (a counter, a histogram or a handler site, by address).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Seen {
    pub(crate) added: f64,
    pub(crate) observations: u64,
    pub(crate) sum: f64,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    pub(crate) started: u64,
    pub(crate) outcomes: [u64; OUTCOMES],
}

impl Seen {
    fn apply(&mut self, e: Event) {
        match e {
            Event::Add(v) => self.added += v,
            Event::Observe(v) => {
                self.observations += 1;
                self.sum += v;
                self.min = Some(self.min.map_or(v, |m| m.min(v)));
                self.max = Some(self.max.map_or(v, |m| m.max(v)));
            }
            Event::Started => self.started += 1,
            Event::Finished(i) => {
                if let Some(o) = self.outcomes.get_mut(i) {
                    *o += 1;
                }
            }
        }
    }
}

/// The thread's id for scopes (std's `ThreadId` cannot be read while the thread's locals are
/// torn down; this one can, and is 0 then).
fn thread_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static ID: Cell<u64> = const { Cell::new(0) };
    }
    ID.try_with(|id| {
        if id.get() == 0 {
            id.set(NEXT.fetch_add(1, Ordering::Relaxed));
        }
        id.get()
    })
    .unwrap_or(0)
}

/// The id of the actix `System` the thread runs in, if any.
fn system_id() -> Option<usize> {
    #[cfg(feature = "actor")]
    {
        actix::System::try_current().map(|s| s.id())
    }
    #[cfg(not(feature = "actor"))]
    {
        None
    }
}

/// The threads a capture sees.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    threads: Vec<u64>,
    system: Option<usize>,
}

impl Scope {
    /// The calling thread, and its actix `System` when it runs in one.
    pub(crate) fn current() -> Self {
        Self {
            threads: vec![thread_id()],
            system: system_id(),
        }
    }

    fn holds(&self, thread: u64, system: Option<usize>) -> bool {
        self.threads.contains(&thread) || (self.system.is_some() && self.system == system)
    }
}

/// One live capture: its scope and what it saw, by the metric's address.
#[derive(Debug)]
pub(crate) struct Sink {
    scope: Mutex<Scope>,
    seen: Mutex<HashMap<usize, Seen>>,
}

impl Sink {
    /// What the capture saw of the metric at `key` (zero when nothing).
    pub(crate) fn seen(&self, key: usize) -> Seen {
        lock(&self.seen).get(&key).copied().unwrap_or_default()
    }

    /// Adds the calling thread to the scope (threads the test starts itself).
    pub(crate) fn add_current_thread(&self) {
        let t = thread_id();
        let mut s = lock(&self.scope);
        if !s.threads.contains(&t) {
            s.threads.push(t);
        }
    }

    /// The actix `System` the capture follows, if any.
    pub(crate) fn system(&self) -> Option<usize> {
        lock(&self.scope).system
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

thread_local! {
    /// The captures whose wrapped futures are being polled on this thread, innermost last (by
    /// the sink's address).
    static POLLING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Marks `sink`'s wrapped future as being polled on this thread until the guard drops.
pub(crate) fn polling(sink: &Arc<Sink>) -> PollGuard {
    let addr = Arc::as_ptr(sink) as usize;
    let _ = POLLING.try_with(|p| p.borrow_mut().push(addr));
    PollGuard(addr)
}

/// Ends one poll of a wrapped future (also when the poll panics).
#[derive(Debug)]
pub(crate) struct PollGuard(usize);

impl Drop for PollGuard {
    fn drop(&mut self) {
        let _ = POLLING.try_with(|p| {
            let mut p = p.borrow_mut();
            if let Some(i) = p.iter().rposition(|a| *a == self.0) {
                p.remove(i);
            }
        });
    }
}

fn polled_here(sink: &Arc<Sink>) -> bool {
    let addr = Arc::as_ptr(sink) as usize;
    POLLING
        .try_with(|p| p.borrow().contains(&addr))
        .unwrap_or(false)
}

/// The live captures.
static SINKS: Mutex<Vec<Arc<Sink>>> = Mutex::new(Vec::new());

/// Starts a capture of the calling thread's scope; [`close`] ends it.
pub(crate) fn open() -> Arc<Sink> {
    let sink = Arc::new(Sink {
        scope: Mutex::new(Scope::current()),
        seen: Mutex::new(HashMap::new()),
    });
    let mut sinks = lock(&SINKS);
    sinks.push(Arc::clone(&sink));
    ACTIVE.fetch_add(1, Ordering::Relaxed);
    drop(sinks);
    sink
}

/// Ends a capture: later updates no longer reach it (what it saw stays readable).
pub(crate) fn close(sink: &Arc<Sink>) {
    let mut sinks = lock(&SINKS);
    if let Some(i) = sinks.iter().position(|s| Arc::ptr_eq(s, sink)) {
        sinks.swap_remove(i);
        ACTIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Adds one update of the metric at `key` to every live capture whose scope holds the calling
/// thread, or whose wrapped future the thread is polling. Called only while [`active`].
#[cold]
#[inline(never)]
pub(crate) fn record(key: usize, event: Event) {
    let thread = thread_id();
    let system = system_id();
    let sinks = lock(&SINKS);
    for s in sinks.iter() {
        if lock(&s.scope).holds(thread, system) || polled_here(s) {
            lock(&s.seen).entry(key).or_default().apply(event);
        }
    }
}

/// The address of a metric, the key of what captures saw of it.
#[inline(always)]
pub(crate) fn key<T>(metric: &T) -> usize {
    std::ptr::from_ref(metric) as usize
}
