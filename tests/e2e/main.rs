//! The end-to-end tests: example nodes, real Prometheus servers and agents, node_exporter.
//!
//! A binary of its own, for three reasons:
//!
//! - It is the node. The tests start example nodes by running this binary again in "node mode"
//!   (the `node_process` test below, with `ALYS_E2E_NODE_ARGS` set), so it includes the
//!   example's simulation (`examples/node/sim/`) and, as `examples/node/main.rs` does, installs
//!   the `TrackingAllocator` as its global allocator. A node's registry is this binary's: a
//!   test `#[alys_metric]` static linked in here would be a family of every node (and of
//!   `catalogue::all()`, which `prometheus_e2e` checks against Prometheus), so none is.
//! - The processes it starts (six nodes and three Prometheus servers and agents at the most)
//!   load the machine for a minute and a half; no timing test should share it.
//! - `health_version` needs a process whose registry nobody scraped before it
//!   (`set_build_info` must come first), and the tests here read only their nodes' scrapes and
//!   `catalogue::all()`, never this process's own exposition.

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

// The harness reads which ops files to run and which tools are installed.
#[path = "../support/tools.rs"]
mod tools;

// The names the Alys node's own code declares, which prometheus_e2e finds in Prometheus.
#[path = "../support/alys_code.rs"]
mod alys_code;

mod harness;

/// The example node's simulation, run by [`node_process`] in node mode.
#[path = "../../examples/node/sim/mod.rs"]
mod sim;

mod budget;
mod created_e2e;
mod fleet_e2e;
mod health_version;
mod prometheus_e2e;
mod prometheus_native_e2e;

/// As in `examples/node/main.rs`: this binary is the node.
#[global_allocator]
static ALLOC: alys_metrics::TrackingAllocator<std::alloc::System> =
    alys_metrics::TrackingAllocator::new(std::alloc::System);

/// The entry point of the node processes the tests start: they run this binary again with
/// [`harness::NODE_ARGS_ENV`] set, and this runs the example node until SIGTERM. Without the
/// variable (a normal test run) it returns at once.
#[test]
fn node_process() {
    harness::node_mode(sim::main_with_args);
}

/// The machine, taken in turns by the tests that start nodes and Prometheus servers, as when
/// each module was a binary of its own: the two tests of `prometheus_e2e` side by side (four
/// nodes), `fleet_e2e` (six nodes, three Prometheus) and `prometheus_native_e2e` each alone.
static MACHINE: RwLock<()> = RwLock::new(());

/// A turn shared with the other tests that take [`machine_shared`].
pub fn machine_shared() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().unwrap_or_else(PoisonError::into_inner)
}

/// A turn of one's own.
pub fn machine_alone() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().unwrap_or_else(PoisonError::into_inner)
}
