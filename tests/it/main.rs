//! The integration tests that can share one process: one module per area, the shared helpers
//! beside them, one binary (a test binary links the whole crate, so each one more costs a link
//! and about 80 MB of `target/`).
//!
//! The tests of every module run at once on one registry and one set of process-wide state
//! (the collector's, the actor system's, the chain's). A test that asserts on something a test
//! of another module may change at the same time holds [`serial`] for its whole run: tests that
//! start an exporter or tick a collector (process gauges, `/ready`, the CPU pass), that run
//! actors (per-type outcomes, in-flight, lifecycle states, edges, the bridge's report), and the
//! chain tests whose families another module also writes. The rest owns the series it asserts
//! on (its own statics, label values, endpoints or validators). A test that leaves state behind
//! that another module counts undoes it before it ends (`chain` forgets the peers it scored,
//! the bridge tests unregister their actors).
//!
//! What cannot share this process is in other binaries, each saying why at its top:
//! `tests/solo/` (tests that need the process to themselves), `tests/exporter.rs` (scrapes
//! compared byte for byte), `tests/e2e/` (the end-to-end tests, which are the node) and
//! `tests/duplicate_names.rs` (whose `init()` must fail).

// `serial()` is a std mutex held for a test's whole run, also across the awaits of async tests:
// each test runs on its own thread and runtime, and the lock only keeps the others out.
#![allow(clippy::await_holding_lock)]

use std::sync::{Mutex, MutexGuard, PoisonError};

#[path = "../support/alys_code.rs"]
mod alys_code;
#[path = "../support/answer.rs"]
mod answer;
#[path = "../support/client.rs"]
mod client;
#[path = "../support/lint.rs"]
mod lint;
#[path = "../support/samples.rs"]
mod samples;
#[path = "../support/tls.rs"]
mod tls;
#[path = "../support/tools.rs"]
mod tools;

mod actor_bridge;
mod actor_corpus;
mod actor_deadlock;
mod actor_dependency;
mod actor_lifecycle;
mod actor_mailbox;
mod actor_memory;
mod actor_shapes;
mod actor_traffic;
mod bridge;
mod catalogue;
mod chain;
mod chain_consensus;
mod chain_migration;
mod chain_network_pool;
mod chain_peer_churn;
mod exporter_tls;
mod forget_races;
mod governance;
mod layers;
mod metrics;
mod ops;
mod promtool;
mod storage;
mod testing_lint;
mod time_block;
mod time_block_forget;

/// The one lock of this binary: held for its whole run by every test that must not overlap
/// another module's tests (see the top of this file). A test that fails while holding it
/// poisons it; the next one takes it all the same.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}
