use alys_metrics::prelude::*;

/// RPC requests, by peer and method: two `&str` labels, given by name.
#[alys_metric(
    counter,
    labels(peer: dynamic(max = 64), method: dynamic(max = 32)),
    named = RpcRequestLabels
)]
pub static RPC_REQUESTS: Counter;

/// Migration errors, by phase, and an enum label next to a keyword-named one.
#[alys_metric(counter, labels(phase, r#type: ErrorType), named = MigrationErrorLabels)]
pub static MIGRATION_ERRORS: Counter;

fn main() {
    // Fields match by name, in any order.
    RPC_REQUESTS
        .with_named(RpcRequestLabels { method: "eth_call", peer: "peer-1" })
        .inc();
    assert_eq!(RPC_REQUESTS.with("peer-1", "eth_call").get(), 1);
    MIGRATION_ERRORS
        .with_named(MigrationErrorLabels { phase: MigrationPhase::Foundation, r#type: ErrorType::Timeout })
        .inc();
}
