//! Label enums of the actor system's dependencies and circuit breakers.

use crate::LabelValue;

/// Kind of external dependency an actor calls (`dependency_type` label; 6 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum DependencyType {
    /// The execution engine's RPC (Geth, Reth: engine API, JSON-RPC).
    ExecutionEngine,
    /// A Bitcoin node's RPC.
    BitcoinRpc,
    /// A database (the node's storage).
    Database,
    /// The Anduro governance nodes.
    Governance,
    /// A peer-to-peer service.
    Network,
    /// Any other external service.
    External,
}

/// State of a circuit breaker (`state` label; 3 values). The index is the value of
/// `alys_actor_circuit_breaker_state`: 0 closed, 1 half-open, 2 open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum BreakerState {
    /// Calls go through; failures are counted.
    Closed,
    /// The cool-down is over: a limited number of trial calls go through; a success closes
    /// the breaker, a failure opens it again.
    HalfOpen,
    /// Calls are refused without reaching the dependency until the cool-down ends.
    Open,
}
