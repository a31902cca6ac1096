use alys_metrics::prelude::*;

/// RPC requests, by peer and method.
#[alys_metric(
    counter,
    labels(peer: dynamic(max = 64), method: dynamic(max = 32)),
    named = RpcRequestLabels
)]
pub static RPC_REQUESTS: Counter;

fn main() {
    // A misspelt label is refused, not taken for another one.
    RPC_REQUESTS.with_named(RpcRequestLabels { peer: "peer-1", metod: "eth_call" }).inc();
}
