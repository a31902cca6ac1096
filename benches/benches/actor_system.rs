//! The actor system's per-thread costs, each against a baseline in the same run.
//!
//! - `tracking_alloc/{1,2}_threads/*`: an allocation-heavy loop (64 live blocks of 1 to
//!   4 KiB, freed in a shuffled order) through `System`, through `TrackingAllocator<System>`
//!   inside an actor scope (every block attributed and counted) and through `stats_alloc`'s
//!   `StatsAlloc<System>` (a counting allocator with shared atomic counters). With two threads
//!   both loop at once, so the counters' contention shows.
//! - `actor_scope/enter_exit`: opening and closing one actor scope, against reading the
//!   monotonic clock once.
//! - `actor_cpu_pass/{8,64}_threads`: the collector's CPU attribution pass over that many
//!   registered threads.
//!
//! `cargo bench -p alys-metrics-benches --bench actor_system`. The allocators are called
//! directly through `GlobalAlloc` (a criterion binary has one global allocator, which stays
//! `System` here), so all three run the same loop in one process.

// The allocators are called through `GlobalAlloc`, which is `unsafe`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use alys_metrics::actor_system::{collect_actor_cpu, enter, TrackingAllocator};
use alys_metrics::labels::ActorType;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use stats_alloc::StatsAlloc;

static TRACKING: TrackingAllocator<System> = TrackingAllocator::new(System);
static STATS: StatsAlloc<System> = StatsAlloc::system();

/// Live blocks per round.
const BLOCKS: usize = 64;

/// Block sizes 1..=4 KiB and a free order, from a fixed xorshift sequence.
struct Plan {
    layouts: [Layout; BLOCKS],
    free_order: [usize; BLOCKS],
}

impl Plan {
    fn new(seed: u64) -> Self {
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let layouts = std::array::from_fn(|_| {
            Layout::from_size_align(1024 + (next() % 3073) as usize, 8).unwrap()
        });
        let mut free_order: [usize; BLOCKS] = std::array::from_fn(|i| i);
        for i in (1..BLOCKS).rev() {
            free_order.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        Self {
            layouts,
            free_order,
        }
    }
}

/// One round: allocate every block, touch it, free them all in the plan's order.
fn round<A: GlobalAlloc>(a: &A, plan: &Plan, ptrs: &mut [*mut u8; BLOCKS]) {
    for (p, layout) in ptrs.iter_mut().zip(&plan.layouts) {
        // SAFETY: non-zero sizes; every block is freed below with its own layout.
        let block = unsafe { a.alloc(*layout) };
        assert!(!block.is_null());
        // SAFETY: the block holds at least 1024 bytes.
        unsafe { block.write(1) };
        *p = block;
    }
    for &i in &plan.free_order {
        // SAFETY: allocated above by `a` with this layout, freed once.
        unsafe { a.dealloc(black_box(ptrs[i]), plan.layouts[i]) };
    }
}

/// `iters` rounds on each of `threads` threads at once (each inside an actor scope, as a
/// handler would be); the wall time of the slowest.
fn run<A: GlobalAlloc + Sync>(a: &'static A, threads: usize, iters: u64) -> Duration {
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let plan = Plan::new(0x9E37_79B9 + t as u64);
                let mut ptrs = [std::ptr::null_mut(); BLOCKS];
                let _scope = enter(if t == 0 {
                    ActorType::Chain
                } else {
                    ActorType::Sync
                });
                round(a, &plan, &mut ptrs); // warm the thread's slot and the inner allocator
                barrier.wait();
                let started = Instant::now();
                for _ in 0..iters {
                    round(a, &plan, &mut ptrs);
                }
                started.elapsed()
            })
        })
        .collect();
    barrier.wait();
    handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .max()
        .unwrap_or_default()
}

fn tracking_alloc(c: &mut Criterion) {
    let mut group = c.benchmark_group("tracking_alloc");
    for threads in [1usize, 2] {
        let id = |name| BenchmarkId::new(format!("{threads}_threads"), name);
        group.bench_function(id("system"), |b| {
            b.iter_custom(|iters| run(&System, threads, iters))
        });
        group.bench_function(id("tracking"), |b| {
            b.iter_custom(|iters| run(&TRACKING, threads, iters))
        });
        group.bench_function(id("stats_alloc"), |b| {
            b.iter_custom(|iters| run(&STATS, threads, iters))
        });
    }
    group.finish();
    // The tracked blocks were all freed: nothing stays attributed.
    assert_eq!(
        alys_metrics::actor_system::actor_memory_bytes(ActorType::Chain),
        0
    );
}

fn actor_scope(c: &mut Criterion) {
    let mut group = c.benchmark_group("actor_scope");
    group.bench_function("clock_read", |b| b.iter(|| black_box(Instant::now())));
    group.bench_function("enter_exit", |b| {
        b.iter(|| drop(black_box(enter(black_box(ActorType::Network)))))
    });
    group.finish();
}

fn actor_cpu_pass(c: &mut Criterion) {
    let mut group = c.benchmark_group("actor_cpu_pass");
    let mut parked = Vec::new();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    for threads in [8usize, 64] {
        // Registered threads (each opened a scope once), idle while the pass runs.
        while parked.len() < threads {
            let ready = Arc::new(Barrier::new(2));
            let (r, s) = (Arc::clone(&ready), Arc::clone(&stop));
            parked.push(std::thread::spawn(move || {
                drop(enter(ActorType::Storage));
                r.wait();
                while !s.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::park();
                }
            }));
            ready.wait();
        }
        let first = collect_actor_cpu();
        assert!(first.threads + first.unreadable >= threads, "{first:?}");
        group.bench_function(
            BenchmarkId::from_parameter(format!("{threads}_threads")),
            |b| b.iter(|| black_box(collect_actor_cpu())),
        );
    }
    group.finish();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in parked {
        t.thread().unpark();
        t.join().unwrap();
    }
}

criterion_group!(benches, tracking_alloc, actor_scope, actor_cpu_pass);
criterion_main!(benches);
