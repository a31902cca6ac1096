//! `alys_actor_cpu_seconds_total{actor_type}`: each thread's CPU time, attributed to the actor
//! types whose scopes ([`enter`](crate::actor_system::enter)) kept that thread busy.
//!
//! # What the figure means
//!
//! Every collector tick ([`collect_actor_cpu`]) reads, for each thread that has ever opened an
//! actor scope, its CPU time from the kernel and the busy time per actor type that the thread
//! recorded since the previous pass. The thread's CPU time of the interval is split between
//! the actor types in proportion to their busy time, up to the total busy time:
//!
//! ```text
//! attributed = min(cpu delta, sum of busy deltas)
//! type's share = attributed × busy delta of the type / sum of busy deltas
//! ```
//!
//! The rest of the thread's CPU time (work outside any scope: the runtime, timers, other
//! libraries) stays unattributed, and threads that never opened a scope are not read at all;
//! `process_cpu_seconds_total` counts everything.
//!
//! The figure is exact for a thread that does nothing but instrumented handlers, and for
//! handlers that compute without blocking. It is an approximation where a thread mixes
//! handlers that *block* (sleep, synchronous I/O, a lock) with other CPU work in the same
//! interval: busy time then holds time the handler spent off the CPU, and up to that much of
//! the other work's CPU time is credited to the handler's type. A thread that exits loses its
//! last interval (between the previous pass and its exit).
//!
//! # Where the CPU time comes from
//!
//! `/proc/self/task/<tid>/schedstat`, whose first field is the scheduler's
//! `sum_exec_runtime` in nanoseconds: one short file and one number per thread, precise to the
//! nanosecond (it may lag a running thread by up to one scheduler tick).
//! `/proc/self/task/<tid>/stat` (`utime + stime`) is read instead where the kernel reports no
//! scheduler statistics (`0 0 0`); it counts in clock ticks of 10 ms (`USER_HZ` = 100 on
//! every Linux architecture Rust supports except Alpha). `getrusage(RUSAGE_THREAD)` is not
//! used: it reports only the calling thread. On other systems there is no per-thread CPU
//! time and nothing is attributed.

use std::sync::atomic::Ordering;
use std::sync::PoisonError;

use super::current::{threads, Baseline, TYPES};
#[cfg(test)]
use super::thread_cpu::{parse_stat_ticks, read_thread_cpu_nanos};
use crate::catalogue::actor_system::ACTOR_CPU_SECONDS;
use crate::labels::{ActorType, LabelValue};
use crate::metric::encoder::Encoder;
use crate::metric::{Collect, Descriptor};

/// What one CPU pass saw.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CpuPass {
    /// Registered threads whose CPU time was read and compared with a previous reading.
    pub threads: usize,
    /// Registered threads whose CPU time could not be read (the thread exited meanwhile, or
    /// the system has no per-thread CPU time).
    pub unreadable: usize,
    /// CPU seconds attributed to each actor type in this pass, by [`ActorType::index`].
    pub attributed: [f64; TYPES],
    /// CPU seconds of the same threads in the same intervals that no actor type was credited.
    pub unattributed: f64,
}

impl CpuPass {
    /// CPU seconds attributed to `actor` in this pass.
    pub fn attributed_to(&self, actor: ActorType) -> f64 {
        self.attributed[actor.index()]
    }
}

/// Reads every registered thread's CPU time and adds each actor type's share since the
/// previous pass to `alys_actor_cpu_seconds_total` (see the [module](self) docs for what the
/// share is). The collector calls it every tick; calling it more often only makes the
/// intervals shorter: every nanosecond of CPU time is attributed at most once.
pub fn collect_actor_cpu() -> CpuPass {
    let mut pass = CpuPass::default();
    let mut attributed = [0u64; TYPES];
    let mut unattributed = 0u64;
    {
        let mut threads = threads();
        threads.retain(|t| t.alive.load(Ordering::Relaxed));
        for slot in threads.iter() {
            let mut state = slot.pass.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(cpu) = slot.tid.and_then(|tid| state.reader.read(tid)) else {
                pass.unreadable += 1;
                continue;
            };
            let busy = slot.busy_now();
            let base = state
                .last
                .or(slot.cpu_at_register.map(|cpu_nanos| Baseline {
                    cpu_nanos,
                    busy: [0; TYPES],
                }));
            state.last = Some(Baseline {
                cpu_nanos: cpu,
                busy,
            });
            let Some(base) = base else {
                continue;
            };
            pass.threads += 1;
            let cpu_delta = cpu.saturating_sub(base.cpu_nanos);
            let busy_delta: [u64; TYPES] =
                std::array::from_fn(|i| busy[i].saturating_sub(base.busy[i]));
            let busy_total: u64 = busy_delta.iter().sum();
            let shared = cpu_delta.min(busy_total);
            unattributed += cpu_delta - shared;
            if shared == 0 {
                continue;
            }
            for (to, delta) in attributed.iter_mut().zip(busy_delta) {
                // u128: a product of two nanosecond counts overflows u64 after ~4 s each.
                *to += (u128::from(shared) * u128::from(delta) / u128::from(busy_total)) as u64;
            }
        }
    }
    for (i, nanos) in attributed.iter().enumerate() {
        let seconds = *nanos as f64 / 1e9;
        pass.attributed[i] = seconds;
        if *nanos > 0 {
            ACTOR_CPU_SECONDS.with(ActorType::VALUES[i]).inc_by(seconds);
        }
    }
    pass.unattributed = unattributed as f64 / 1e9;
    pass
}

/// `alys_sync_cpu_seconds_total`: derived at scrape time from
/// `alys_actor_cpu_seconds_total{actor_type="sync"}`, so the two are one figure.
#[derive(Debug)]
pub struct SyncCpuCounter {
    desc: &'static Descriptor,
}

impl SyncCpuCounter {
    /// The counter described by `desc`.
    pub const fn new(desc: &'static Descriptor) -> Self {
        Self { desc }
    }

    /// CPU seconds attributed to the sync actor type so far.
    pub fn get(&self) -> f64 {
        // A read makes no actor type live (`with` would): until sync is live, nothing has
        // run under it, so its share is 0.
        if ActorType::live().any(|t| *t == ActorType::Sync) {
            ACTOR_CPU_SECONDS.with(ActorType::Sync).get()
        } else {
            0.0
        }
    }
}

impl Collect for SyncCpuCounter {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        ACTOR_CPU_SECONDS.init();
    }

    fn encode(&self, enc: &mut Encoder<'_>) {
        enc.family(self.desc).sample(&[], self.get());
    }

    fn series_count(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_after_a_command_name_with_parentheses() {
        let line = "4242 (a (b) c) S 1 2 3 0 -1 4194560 10 0 0 0 37 5 0 0 20 0 1 0 99 0 0";
        assert_eq!(parse_stat_ticks(line), Some(42));
        assert_eq!(parse_stat_ticks("4242 (x) S 1"), None);
        assert_eq!(parse_stat_ticks("no parenthesis"), None);
    }

    #[test]
    fn reads_this_threads_cpu_time() {
        let tid: u32 = std::fs::read_link("/proc/thread-self")
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let before = read_thread_cpu_nanos(tid).expect("readable");
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < std::time::Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let after = read_thread_cpu_nanos(tid).expect("readable");
        assert!(after > before, "{before} -> {after}");
        assert_eq!(read_thread_cpu_nanos(u32::MAX), None);
    }

    #[test]
    fn an_exited_thread_is_dropped_with_its_open_file() {
        let tid = std::thread::spawn(|| {
            drop(crate::actor_system::enter(ActorType::Supervisor));
            let tid = std::fs::read_link("/proc/thread-self").unwrap();
            collect_actor_cpu(); // opens its file
            tid.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .parse::<u32>()
                .unwrap()
        })
        .join()
        .unwrap();
        // The registration's destructor has run by the time `join` returns.
        collect_actor_cpu();
        assert!(
            !threads().iter().any(|t| t.tid == Some(tid)),
            "the exited thread's slot is gone"
        );
    }
}
