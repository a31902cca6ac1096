//! The integration tests that need the process to themselves: every test here holds
//! [`serial`] for its whole run, so they run one at a time, and none of them shares the process
//! with the tests of `tests/it/`, which update metrics at any moment.
//!
//! Why each is here and not in `tests/it/`:
//!
//! - `exposition_formats`: scrapes the whole registry in each format and compares the samples;
//!   any update between two scrapes would differ.
//! - `no_lying_zeros`: the throughput the attribute derives is computed at scrape time over the
//!   time since the last derivation, and every scrape of any test moves that window.
//! - `actor_cpu`: the CPU pass splits a thread's CPU time by the wall time its scopes were
//!   open; a spin preempted by other tests' work is credited less than it burned (20 % off
//!   with 8 test threads in `it`).
//! - `collector`: compares the sysinfo source's thread and open-descriptor counts of this process
//!   with `/proc`'s, and opens 3 files expecting 3 more descriptors; other tests start threads
//!   and open and close sockets at any time (in `it`: "14 -> 16" descriptors once in 5 runs).
//! - `exporter_lockout`: 20 scrapes must each be answered in under a second while about 460
//!   attacking sockets press on the exporter; it raises the process's descriptor limit.
//! - `exporter_auth`: wrong passwords timed by medians of checks of a few milliseconds, and a
//!   flood whose latencies must stay under a second; other tests' work would be measured too.
//! - `time_block_cap`, `governance_cap`, `chain_peer_bound`: each fills a process-wide cap
//!   (validators of the block timings, governance endpoints, peer ids) that tests of `it` use
//!   below it. They fill different families, and run one at a time here like the rest.
//! - `actor_alloc`: heap per actor type needs the `TrackingAllocator` as the global allocator
//!   (below), and its deltas are exact only while no other test allocates inside an actor
//!   scope. `it` must not have the allocator: `actor_memory` checks that without it the memory
//!   gauges have no sample. The other tests here do not mind it (the node runs with it).
//!   `scripts/valgrind.sh` (run by `scripts/test.sh`) runs `actor_alloc` under valgrind memcheck.
//!
//! None leaves state another one reads: each asserts on its own families or on deltas, and
//! `exposition_formats` compares scrapes taken within its own run. (`tests/exporter.rs`
//! compares scrapes byte for byte, which the last-activity timestamps of the actors these
//! tests run would break: it is a binary of its own.)

// `serial()` is a std mutex held for a test's whole run, also across the awaits of async tests:
// each test runs on its own thread and runtime, and the lock only keeps the others out.
#![allow(clippy::await_holding_lock)]

use std::alloc::System;
use std::sync::{Mutex, MutexGuard, PoisonError};

#[path = "../support/answer.rs"]
mod answer;
#[path = "../support/attack.rs"]
mod attack;
#[path = "../support/client.rs"]
mod client;
#[path = "../support/lint.rs"]
mod lint;
#[path = "../support/readers.rs"]
mod readers;
#[path = "../support/samples.rs"]
mod samples;
#[path = "../support/shapes.rs"]
mod shapes;
#[path = "../support/tls.rs"]
mod tls;

mod actor_alloc;
mod actor_cpu;
mod chain_peer_bound;
mod collector;
mod exporter_auth;
mod exporter_lockout;
mod exposition_formats;
mod governance_cap;
mod no_lying_zeros;
mod time_block_cap;

/// For `actor_alloc`: heap per actor type is counted by the global allocator.
#[global_allocator]
static ALLOC: alys_metrics::TrackingAllocator<System> =
    alys_metrics::TrackingAllocator::new(System);

/// The one lock of this binary, held by every test for its whole run. A test that fails while
/// holding it poisons it; the next one takes it all the same.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}
