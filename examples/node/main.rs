//! The example Alys node: a simulated node instrumented with `alys-metrics`, serving
//! `/metrics`, `/health` and `/ready`.
//!
//! ```text
//! cargo run --release --example node                          # http://127.0.0.1:9001/metrics
//! cargo run --release --example node -- --port 9002 --seed 7  # a second node, another run
//! cargo run --release --example node -- --help
//! ```
//!
//! Ctrl-C or SIGTERM stops it gracefully: `/ready` turns 503, in-flight scrapes finish, the
//! collector stops. What it simulates is described in `sim/mod.rs`.

mod sim;

use std::process::ExitCode;

/// Live heap bytes per actor type (`alys_actor_memory_usage_bytes`).
#[global_allocator]
static ALLOC: alys_metrics::TrackingAllocator<std::alloc::System> =
    alys_metrics::TrackingAllocator::new(std::alloc::System);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    sim::main_with_args(&args)
}
