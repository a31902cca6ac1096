//! The example node: serves `/metrics`, `/health` and `/ready` with the resource collector
//! running, and drives a little simulated activity.
//!
//! ```text
//! cargo run --release --example node            # http://127.0.0.1:9001/metrics
//! ALYS_METRICS_BIND=0.0.0.0:9001 cargo run --release --example node
//! RUST_LOG=debug cargo run --release --example node   # also the process trend data points
//! ```
//!
//! Ctrl-C or SIGTERM stops it gracefully: `/ready` turns 503, in-flight scrapes finish, the
//! collector stops.

use std::process::ExitCode;
use std::time::Duration;

use alys_metrics::prelude::*;
use tracing_subscriber::filter::LevelFilter;

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let mut config = MetricsConfig::default();
    if let Ok(bind) = std::env::var("ALYS_METRICS_BIND") {
        match bind.parse() {
            Ok(addr) => config.bind = addr,
            Err(e) => {
                eprintln!(
                    "error: ALYS_METRICS_BIND={bind:?} is not an address like 127.0.0.1:9001: {e}"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let server = match alys_metrics::serve(config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = server.local_addr();
    println!("alys example node: http://{addr}/metrics, http://{addr}/health, http://{addr}/ready");

    let activity = tokio::spawn(simulate_activity());
    stop_signal().await;
    activity.abort();
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// Logs to stderr; `RUST_LOG` may name a level (`error` ... `trace`), INFO by default.
fn init_logging() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Completes on Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The node's simulated work: a chain that syncs a block a second, a transaction pool and a
/// peer set that drift. Everything that stands in for a real node lives here, apart from the
/// serving code above.
async fn simulate_activity() {
    use alys_metrics::catalogue::chain::{
        PEER_COUNT, SYNC_BLOCKS_PROCESSED, SYNC_CURRENT_HEIGHT, SYNC_TARGET_HEIGHT,
        TXPOOL_PROCESSED, TXPOOL_SIZE,
    };

    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    let mut height: i64 = 0;
    let target: i64 = 1_000;
    SYNC_TARGET_HEIGHT.set(target);
    loop {
        ticker.tick().await;
        if height < target {
            height += 1;
            SYNC_CURRENT_HEIGHT.set(height);
            SYNC_BLOCKS_PROCESSED.inc();
        }
        let txs = 20 + (height % 7) as u64;
        TXPOOL_PROCESSED.inc_by(txs);
        TXPOOL_SIZE.set(100 + (height * 13) % 50);
        PEER_COUNT.set(8 + (height / 10) % 5);
    }
}
