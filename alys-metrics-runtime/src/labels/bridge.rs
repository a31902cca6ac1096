//! Label enums of the bridge (peg-ins, peg-outs, the UTXO set, federation signatures), the
//! execution client and the execution library's v4 -> v5 migration.

use crate::LabelValue;

/// Why a peg-in ended without being minted (`reason` label of
/// `alys_bridge_pegin_failures_total`; 8 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum PegInFailure {
    /// The deposit does not pay the federation address or carries no valid destination.
    InvalidDeposit,
    /// The deposit is below the smallest amount the bridge accepts.
    BelowMinimum,
    /// The deposit transaction left the Bitcoin chain (a reorganisation).
    Reorg,
    /// The sidechain refused the mint.
    MintFailed,
    /// The Bitcoin node could not be asked about the deposit.
    BitcoinRpc,
    /// The peg-in did not complete within the bridge's deadline.
    Timeout,
    /// The handle was dropped without an outcome (the code holding it returned early).
    Abandoned,
    /// The handle was dropped while its thread panicked.
    Panicked,
}

/// Why a peg-out ended without being confirmed (`reason` label of
/// `alys_bridge_pegout_failures_total`; 9 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum PegOutFailure {
    /// The request is invalid (an unparsable Bitcoin address, a zero amount).
    InvalidRequest,
    /// The UTXO set cannot fund the amount and its fee.
    InsufficientFunds,
    /// Too few federation members signed before the deadline.
    SignatureTimeout,
    /// The Bitcoin network refused the transaction (fee too low, a conflict).
    BroadcastRejected,
    /// The Bitcoin node could not be reached.
    BitcoinRpc,
    /// The transaction left the Bitcoin chain after it was broadcast (a reorganisation).
    Reorg,
    /// The peg-out did not complete within the bridge's deadline.
    Timeout,
    /// The handle was dropped without an outcome (the code holding it returned early).
    Abandoned,
    /// The handle was dropped while its thread panicked.
    Panicked,
}

/// A bridge operation (`operation` label of `alys_bridge_retries_total`; 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum BridgeOperation {
    /// A peg-in: Bitcoin deposited to the federation, minted on the sidechain.
    #[label = "pegin"]
    PegIn,
    /// A peg-out: burnt on the sidechain, paid out on Bitcoin.
    #[label = "pegout"]
    PegOut,
}

/// A connection the bridge depends on (`link` label of `alys_bridge_connection_status`;
/// 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum BridgeLink {
    /// The Bitcoin node (its RPC).
    BitcoinNode,
    /// The governance nodes (signatures, federation updates).
    Governance,
}

/// How bad a bridge error is (`severity` label of `alys_bridge_errors_total`; 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum BridgeErrorSeverity {
    /// An error the bridge recovers from (a retried RPC call).
    Error,
    /// An error that stops bridge operations or risks funds (a key unavailable, an invalid
    /// federation state).
    Critical,
}

/// An RPC method of the execution client (`method` label of the `alys_engine_rpc_*`
/// families; 9 values). The Engine API's methods start with `engine_`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum EngineMethod {
    /// `engine_newPayloadV*`: hand a payload to the client to execute.
    EngineNewPayload,
    /// `engine_forkchoiceUpdatedV*`: move the head, and start building a payload.
    EngineForkchoiceUpdated,
    /// `engine_getPayloadV*`: fetch a built payload.
    EngineGetPayload,
    /// `engine_exchangeCapabilities`.
    EngineExchangeCapabilities,
    /// `eth_syncing`: the usual health check.
    EthSyncing,
    /// `eth_blockNumber`.
    EthBlockNumber,
    /// `eth_getBlockByNumber`.
    EthGetBlockByNumber,
    /// `eth_chainId`.
    EthChainId,
    /// Any other method.
    Other,
}

impl EngineMethod {
    /// True for the Engine API's methods (`engine_*`).
    pub fn is_engine_api(self) -> bool {
        self.as_str().starts_with("engine_")
    }
}

/// The result of one health check of the execution client (`result` label of
/// `alys_engine_client_health_checks_total`; 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ClientHealth {
    /// The client answered and is usable.
    Healthy,
    /// The client did not answer, or answered that it cannot serve (syncing, erroring).
    Unhealthy,
}

impl ClientHealth {
    /// `Healthy` for `true`.
    pub fn from_healthy(healthy: bool) -> Self {
        if healthy {
            ClientHealth::Healthy
        } else {
            ClientHealth::Unhealthy
        }
    }
}

/// A major version of the execution/consensus library (Lighthouse) the node runs on
/// (`version` label of `alys_lighthouse_operations_total`; 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum LighthouseVersion {
    /// Lighthouse v4.
    V4,
    /// Lighthouse v5.
    V5,
}

impl LighthouseVersion {
    /// The major version number (4 or 5): the value of `alys_lighthouse_active_version`.
    pub fn number(self) -> i64 {
        match self {
            LighthouseVersion::V4 => 4,
            LighthouseVersion::V5 => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_the_spellings_rules_and_alerts_match() {
        assert_eq!(BridgeOperation::PegIn.as_str(), "pegin");
        assert_eq!(BridgeOperation::PegOut.as_str(), "pegout");
        assert_eq!(BridgeLink::BitcoinNode.as_str(), "bitcoin_node");
        assert_eq!(PegInFailure::InvalidDeposit.as_str(), "invalid_deposit");
        assert_eq!(LighthouseVersion::V4.as_str(), "v4");
        assert_eq!(LighthouseVersion::V5.number(), 5);
        // ops/spellings.yml selects the Engine API by `method=~"engine_.+"`.
        let engine: Vec<&str> = EngineMethod::VALUES
            .iter()
            .filter(|m| m.is_engine_api())
            .map(|m| m.as_str())
            .collect();
        assert_eq!(
            engine,
            [
                "engine_new_payload",
                "engine_forkchoice_updated",
                "engine_get_payload",
                "engine_exchange_capabilities"
            ]
        );
        assert!(EngineMethod::VALUES
            .iter()
            .filter(|m| !m.is_engine_api())
            .all(|m| !m.as_str().starts_with("engine")));
        assert_eq!(ClientHealth::from_healthy(false), ClientHealth::Unhealthy);
    }
}
