//! The standard label enums. Their sizes are the single source of truth for the compile-time
//! cardinality checks that `#[alys_metric]` emits.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::LabelValue;

/// Migration phase of the V2 migration (`phase` label; 10 values).
///
/// A gated label ([`LabelValue::GATED`]): a family's series for a phase exist once the node
/// has entered it (`chain::migration::set_migration_phase`, or anything recorded under the
/// phase), at 0 until they move; a phase not reached can have no duration, error, rollback
/// or validation yet, and exports nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MigrationPhase {
    /// Foundation setup.
    Foundation,
    /// Actor system introduction.
    ActorSystem,
    /// Sync engine migration.
    SyncEngine,
    /// Federation V2.
    FederationV2,
    /// Lighthouse V2.
    LighthouseV2,
    /// The migration itself.
    Migration,
    /// Post-migration validation.
    Validation,
    /// Rollback safety checks.
    RollbackSafety,
    /// Performance verification.
    PerformanceVerification,
    /// Final validation.
    FinalValidation,
}

/// The migration phases entered in the process, one bit per [`MigrationPhase::index`].
static ENTERED_MIGRATION_PHASES: AtomicU32 = AtomicU32::new(0);

impl LabelValue for MigrationPhase {
    const COUNT: usize = 10;
    const VALUES: &'static [Self] = &[
        MigrationPhase::Foundation,
        MigrationPhase::ActorSystem,
        MigrationPhase::SyncEngine,
        MigrationPhase::FederationV2,
        MigrationPhase::LighthouseV2,
        MigrationPhase::Migration,
        MigrationPhase::Validation,
        MigrationPhase::RollbackSafety,
        MigrationPhase::PerformanceVerification,
        MigrationPhase::FinalValidation,
    ];
    const GATED: bool = true;
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
    fn as_str(self) -> &'static str {
        [
            "foundation",
            "actor_system",
            "sync_engine",
            "federation_v2",
            "lighthouse_v2",
            "migration",
            "validation",
            "rollback_safety",
            "performance_verification",
            "final_validation",
        ][self.index()]
    }
    fn is_live(index: usize) -> bool {
        index < Self::COUNT && ENTERED_MIGRATION_PHASES.load(Ordering::Relaxed) & (1 << index) != 0
    }
    fn live_count() -> usize {
        ENTERED_MIGRATION_PHASES
            .load(Ordering::Relaxed)
            .count_ones() as usize
    }
    /// One relaxed load; an atomic `or` the first time the phase is entered.
    #[inline(always)]
    fn mark_live(self) {
        let bit = 1u32 << self.index();
        if ENTERED_MIGRATION_PHASES.load(Ordering::Relaxed) & bit == 0 {
            ENTERED_MIGRATION_PHASES.fetch_or(bit, Ordering::Relaxed);
        }
    }
}

impl MigrationPhase {
    /// The phase's number as exported by `alys_migration_phase` (0-9).
    pub fn number(self) -> i64 {
        self.index() as i64
    }

    /// The phase of a number as exported by `alys_migration_phase`.
    pub fn from_number(n: i64) -> Option<Self> {
        usize::try_from(n)
            .ok()
            .and_then(|i| Self::VALUES.get(i).copied())
    }
}

/// Error category (`error_type` label; 10 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ErrorType {
    /// An operation timed out.
    Timeout,
    /// A connection failed.
    Connection,
    /// Data failed validation.
    Validation,
    /// Data could not be parsed.
    Parsing,
    /// The storage layer failed.
    Storage,
    /// The network layer failed.
    Network,
    /// Consensus rules were violated.
    Consensus,
    /// Execution (EVM) failed.
    Execution,
    /// A migration step failed.
    Migration,
    /// Anything else inside the node.
    System,
}

/// Kind of actor (`actor_type` label; 10 values).
///
/// `#[instrument_actor]` infers it from the actor's type name by whole words
/// ([`ActorType::by_words`]); an actor type can say it once for all its handlers with
/// `impl alys_metrics::actor::ActorKind`; an actor no rule classifies is
/// [`ActorType::Unclassified`], whose counts, latencies and outcomes are as exact as any other.
///
/// A gated label ([`LabelValue::GATED`]): a family's series for an actor type exist once that
/// type is live in the process, from start-up for a type with an instrumented handler (its
/// site resolves when the registry starts), or from the moment an actor of the type registers
/// or anything is recorded under it. A type the program never has exports nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActorType {
    /// `ChainActor`: block processing.
    Chain,
    /// `EngineActor`: execution layer.
    Engine,
    /// `NetworkActor`: P2P communication.
    Network,
    /// `BridgeActor`: peg operations.
    Bridge,
    /// `StorageActor`: database operations.
    Storage,
    /// `SyncActor`: block synchronisation.
    Sync,
    /// `StreamActor`: event streaming.
    Stream,
    /// Supervision tree actors.
    Supervisor,
    /// Internal system actors: health monitors, registries, shutdown coordinators.
    System,
    /// An actor whose name says no actor type and that declares none
    /// (`impl ActorKind for X`): the honest default, label value `unclassified`.
    Unclassified,
}

impl ActorType {
    /// The actor type an actor's type name says by its whole words, case-insensitively: the
    /// first word (or run of words) of the name that says one decides; whole words only, so a
    /// word that merely contains one (`Blockchain`, `Async`, `Peerless`) does not count. `None`
    /// when no word says one. The rule `#[instrument_actor]` infers with when the actor type
    /// declares no `alys_metrics::actor::ActorKind`.
    ///
    /// | words | actor type |
    /// |---|---|
    /// | `Chain` | `chain` |
    /// | `Engine`, `Execution` | `engine` |
    /// | `Network`, `Peer`, `Peers`, `P2p` | `network` |
    /// | `Bridge` | `bridge` |
    /// | `Storage`, `Database` | `storage` |
    /// | `Sync` | `sync` |
    /// | `Stream` | `stream` |
    /// | `Supervisor`, `Supervision` | `supervisor` |
    /// | `System`, `Health`, `Shutdown`, `Registry`, `Monitor` | `system` |
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::labels::ActorType;
    /// const CHAIN: Option<ActorType> = ActorType::by_words("ChainSupervisor");
    /// assert_eq!(CHAIN, Some(ActorType::Chain));
    /// assert_eq!(ActorType::by_words("RootSupervisor"), Some(ActorType::Supervisor));
    /// assert_eq!(ActorType::by_words("PeerActor"), Some(ActorType::Network));
    /// assert_eq!(ActorType::by_words("HealthMonitor"), Some(ActorType::System));
    /// assert_eq!(ActorType::by_words("ExampleBlockchainActor"), None); // `Blockchain` is one word
    /// assert_eq!(ActorType::by_words("ValidationWorker"), None);
    /// ```
    pub const fn by_words(name: &str) -> Option<Self> {
        super::words::by_words(name, &super::words::ACTOR_WORDS)
    }

    /// Classifies an actor by its type name at run time: [`ActorType::by_words`], and
    /// [`ActorType::Unclassified`] when no word of the name is an actor type.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::labels::ActorType;
    /// assert_eq!(ActorType::from_name("ChainActor"), ActorType::Chain);
    /// assert_eq!(ActorType::from_name("PegInBridgeActor"), ActorType::Bridge);
    /// assert_eq!(ActorType::from_name("PeerActor"), ActorType::Network);
    /// assert_eq!(ActorType::from_name("ExampleBlockchainActor"), ActorType::Unclassified);
    /// assert_eq!(ActorType::from_name("Metronome"), ActorType::Unclassified);
    /// ```
    pub const fn from_name(name: &str) -> Self {
        match Self::by_words(name) {
            Some(t) => t,
            None => Self::Unclassified,
        }
    }
}

/// Kind of actor message (`message_type` label; 10 values).
///
/// `#[instrument_actor]` infers it from the message's type name by whole words; a message
/// type can say it once with `impl alys_metrics::actor::MessageKind`; a message no rule
/// classifies is [`MessageType::Unclassified`].
///
/// `Custom(code)` keeps its code for logs and matching, but is exported as the single label
/// value `custom`, so custom codes cannot grow the number of series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// Start, stop, restart, health check.
    Lifecycle,
    /// Block sync, peer coordination.
    Sync,
    /// P2P messages, broadcasts.
    Network,
    /// Block template, submission.
    Mining,
    /// Proposal, voting.
    Governance,
    /// Peg operations.
    Bridge,
    /// Database operations.
    Storage,
    /// Internal system messages.
    System,
    /// An application-specific message kind; exported as `custom`.
    Custom(u16),
    /// A message whose name says no message type and that declares none
    /// (`impl MessageKind for M`): the honest default, label value `unclassified`.
    Unclassified,
}

impl MessageType {
    /// The message type a message type's name says by its whole words, case-insensitively:
    /// the first word (or run of words) that is a keyword decides; whole words only. `None`
    /// when no word is one. The rule `#[instrument_actor]` infers with when the message type
    /// declares no `alys_metrics::actor::MessageKind`.
    ///
    /// | words | message type |
    /// |---|---|
    /// | `Start`, `Started`, `Stop`, `Stopped`, `Shutdown`, `Restart`, `Health`, `Heartbeat`, `Lifecycle` | `lifecycle` |
    /// | `Sync` | `sync` |
    /// | `Network`, `Peer`, `Peers`, `Gossip`, `Broadcast`, `Publish`, `Subscribe`, `Unsubscribe`, `Discovery`, `Connection` | `network` |
    /// | `Mining`, `AuxPow`, `Template`, `Produce`, `Production` | `mining` |
    /// | `Governance`, `Proposal`, `Vote`, `Federation` | `governance` |
    /// | `Peg`, `PegIn(s)`, `PegOut(s)`, `Bridge` | `bridge` |
    /// | `Storage`, `Store`, `Database`, `Checkpoint`, `Snapshot`, `Backup`, `Archive`, `Cache` | `storage` |
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::labels::MessageType;
    /// assert_eq!(MessageType::by_words("PegInStarted"), Some(MessageType::Bridge));
    /// assert_eq!(MessageType::by_words("HealthCheck"), Some(MessageType::Lifecycle));
    /// assert_eq!(MessageType::by_words("SubmitAuxPow"), Some(MessageType::Mining));
    /// assert_eq!(MessageType::by_words("ProduceBlock"), Some(MessageType::Mining));
    /// assert_eq!(MessageType::by_words("RestoreCheckpoint"), Some(MessageType::Storage));
    /// assert_eq!(MessageType::by_words("ImportBlock"), None);
    /// ```
    pub const fn by_words(name: &str) -> Option<Self> {
        super::words::by_words(name, &super::words::MESSAGE_WORDS)
    }

    /// Classifies a message by its type name at run time: [`MessageType::by_words`], and
    /// [`MessageType::Unclassified`] when no word of the name says a message type.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::labels::MessageType;
    /// assert_eq!(MessageType::from_name("GetPeers"), MessageType::Network);
    /// assert_eq!(MessageType::from_name("ImportBlock"), MessageType::Unclassified);
    /// ```
    pub const fn from_name(name: &str) -> Self {
        match Self::by_words(name) {
            Some(t) => t,
            None => Self::Unclassified,
        }
    }
}

impl ActorType {
    /// The actor types live in the process now (see the [type](ActorType) docs), in index
    /// order: what the families by `actor_type` computed at scrape time export.
    pub fn live() -> impl Iterator<Item = &'static ActorType> {
        Self::VALUES.iter().filter(|t| Self::is_live(t.index()))
    }
}

/// The actor types live in the process, one bit per [`ActorType::index`].
static LIVE_ACTOR_TYPES: AtomicU32 = AtomicU32::new(0);

impl LabelValue for ActorType {
    const COUNT: usize = 10;
    const VALUES: &'static [Self] = &[
        ActorType::Chain,
        ActorType::Engine,
        ActorType::Network,
        ActorType::Bridge,
        ActorType::Storage,
        ActorType::Sync,
        ActorType::Stream,
        ActorType::Supervisor,
        ActorType::System,
        ActorType::Unclassified,
    ];
    const GATED: bool = true;
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
    fn as_str(self) -> &'static str {
        [
            "chain",
            "engine",
            "network",
            "bridge",
            "storage",
            "sync",
            "stream",
            "supervisor",
            "system",
            "unclassified",
        ][self.index()]
    }
    fn is_live(index: usize) -> bool {
        index < Self::COUNT && LIVE_ACTOR_TYPES.load(Ordering::Relaxed) & (1 << index) != 0
    }
    fn live_count() -> usize {
        LIVE_ACTOR_TYPES.load(Ordering::Relaxed).count_ones() as usize
    }
    /// One relaxed load; an atomic `or` the first time a type goes live.
    #[inline(always)]
    fn mark_live(self) {
        let bit = 1u32 << self.index();
        if LIVE_ACTOR_TYPES.load(Ordering::Relaxed) & bit == 0 {
            LIVE_ACTOR_TYPES.fetch_or(bit, Ordering::Relaxed);
        }
    }
}

impl LabelValue for MessageType {
    const COUNT: usize = 10;
    const VALUES: &'static [Self] = &[
        MessageType::Lifecycle,
        MessageType::Sync,
        MessageType::Network,
        MessageType::Mining,
        MessageType::Governance,
        MessageType::Bridge,
        MessageType::Storage,
        MessageType::System,
        MessageType::Custom(0),
        MessageType::Unclassified,
    ];
    #[inline]
    fn index(self) -> usize {
        match self {
            MessageType::Lifecycle => 0,
            MessageType::Sync => 1,
            MessageType::Network => 2,
            MessageType::Mining => 3,
            MessageType::Governance => 4,
            MessageType::Bridge => 5,
            MessageType::Storage => 6,
            MessageType::System => 7,
            MessageType::Custom(_) => 8,
            MessageType::Unclassified => 9,
        }
    }
    fn as_str(self) -> &'static str {
        [
            "lifecycle",
            "sync",
            "network",
            "mining",
            "governance",
            "bridge",
            "storage",
            "system",
            "custom",
            "unclassified",
        ][self.index()]
    }
}

/// State of the sync engine (`sync_state` label and the `alys_sync_state` gauge; 6 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[repr(u8)]
pub enum SyncState {
    /// Peer discovery.
    Discovering = 0,
    /// Header synchronisation.
    Headers = 1,
    /// Block data synchronisation.
    Blocks = 2,
    /// Catching up to the chain tip.
    Catchup = 3,
    /// Fully synchronised.
    Synced = 4,
    /// Synchronisation failed.
    Failed = 5,
}

impl SyncState {
    /// The state of a gauge value, `None` outside `0..=5`.
    pub fn from_u8(value: u8) -> Option<Self> {
        Self::VALUES.get(usize::from(value)).copied()
    }
}

/// Why the transaction pool rejected a transaction (`reason` label of
/// `alys_txpool_rejections_total`; 12 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum RejectionReason {
    /// Fee too low for the current market.
    InsufficientFee,
    /// Incorrect nonce sequence.
    InvalidNonce,
    /// Account lacks sufficient funds.
    InsufficientBalance,
    /// Transaction gas limit exceeded.
    GasLimitExceeded,
    /// Signature invalid.
    InvalidSignature,
    /// Sender account not found.
    AccountNotFound,
    /// Pool at capacity.
    PoolFull,
    /// Transaction already in the pool.
    DuplicateTransaction,
    /// Transaction format invalid.
    InvalidTransaction,
    /// Back-pressure from network congestion.
    NetworkCongestion,
    /// Sender rate limited.
    RateLimited,
    /// Any other reason.
    Other,
}

/// Geographic region of a peer (`region` label; 7 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum PeerRegion {
    /// US, Canada, Mexico.
    NorthAmerica,
    /// Europe.
    Europe,
    /// Asia.
    Asia,
    /// South America.
    SouthAmerica,
    /// Africa.
    Africa,
    /// Australia, New Zealand, the Pacific.
    Oceania,
    /// Unidentified, private or loopback addresses.
    Unknown,
}

/// Error of parsing a [`PeerRegion`] from a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownRegion(pub String);

impl std::fmt::Display for UnknownRegion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown region `{}`: expected north_america (na, us, ca), europe (eu), asia (ap), \
             south_america (sa), africa (af), oceania (oc, au) or unknown",
            self.0
        )
    }
}

impl std::error::Error for UnknownRegion {}

impl std::str::FromStr for PeerRegion {
    type Err = UnknownRegion;

    /// Parses a region name or code, case-insensitively.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::labels::PeerRegion;
    /// assert_eq!("EU".parse(), Ok(PeerRegion::Europe));
    /// assert!("mars".parse::<PeerRegion>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "north_america" | "na" | "us" | "ca" => PeerRegion::NorthAmerica,
            "europe" | "eu" => PeerRegion::Europe,
            "asia" | "ap" => PeerRegion::Asia,
            "south_america" | "sa" => PeerRegion::SouthAmerica,
            "africa" | "af" => PeerRegion::Africa,
            "oceania" | "oc" | "au" => PeerRegion::Oceania,
            "unknown" => PeerRegion::Unknown,
            _ => return Err(UnknownRegion(s.to_owned())),
        })
    }
}

/// Actor lifecycle event (`event` label; 4 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum LifecycleEvent {
    /// The actor was started and registered.
    Spawn,
    /// The actor stopped and was unregistered.
    Stop,
    /// The actor was restarted.
    Restart,
    /// The actor's health recovered.
    Recover,
}

/// Direction of an I/O operation on disk (`operation` label; 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum IoOperation {
    /// Bytes read.
    Read,
    /// Bytes written.
    Write,
}

/// Direction of network traffic (`direction` label; 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum IoDirection {
    /// Bytes received.
    Received,
    /// Bytes transmitted.
    Transmitted,
}

/// Outcome of a call or operation (`status` label; 5 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum Status {
    /// The call was made (counted before its outcome is known).
    Attempted,
    /// It succeeded.
    Success,
    /// It failed.
    Failure,
    /// It was rejected as invalid.
    Rejected,
    /// It timed out.
    Timeout,
}

/// Why a migration was rolled back (`reason` label of `alys_migration_rollbacks_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum RollbackReason {
    /// Post-phase validation failed.
    ValidationFailed,
    /// A phase exceeded its time budget.
    Timeout,
    /// Too many errors in the phase.
    ErrorThreshold,
    /// Consensus diverged.
    ConsensusFailure,
    /// Data corruption detected.
    DataCorruption,
    /// An operator asked for it.
    Manual,
    /// Any other reason.
    Other,
}

/// Why an actor restarted (`reason` label of `alys_actor_restarts_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum RestartReason {
    /// The actor failed (returned an error from a lifecycle hook).
    Failure,
    /// A handler panicked.
    Panic,
    /// A health check or message timed out.
    Timeout,
    /// Its supervisor restarted it.
    Supervisor,
    /// An operator asked for it.
    Manual,
    /// Any other reason.
    Other,
}

/// Why a block failed processing (`reason` label of `alys_chain_process_block_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum BlockRejectReason {
    /// No reason: the block was accepted.
    None,
    /// Its parent is unknown.
    UnknownParent,
    /// Already imported.
    AlreadyKnown,
    /// Signature invalid.
    InvalidSignature,
    /// AuxPoW invalid.
    InvalidAuxpow,
    /// Execution payload invalid.
    InvalidPayload,
    /// From the wrong slot or author.
    WrongSlot,
    /// Execution failed.
    Execution,
    /// Storage failed.
    Storage,
    /// Any other reason.
    Other,
}

/// Why the engine failed to build a block (`reason` label of
/// `alys_engine_build_block_calls_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum BuildBlockReason {
    /// No reason: the block was built.
    None,
    /// The engine returned no payload id.
    NoPayloadId,
    /// The engine returned an error.
    EngineError,
    /// The payload was invalid.
    InvalidPayload,
    /// The call timed out.
    Timeout,
    /// Any other reason.
    Other,
}

/// The `(status, reason)` pairs of `alys_chain_process_block_total` that can happen: reason
/// `none` for an attempt or a success, a reason other than `none` for a failure, a
/// rejection or a timeout (the `combinations` of that family: 29 series, not 5 x 10).
pub const fn is_block_outcome(status: Status, reason: BlockRejectReason) -> bool {
    matches!(status, Status::Attempted | Status::Success)
        == matches!(reason, BlockRejectReason::None)
}

/// The `(status, reason)` pairs of `alys_engine_build_block_calls_total` that can happen, as
/// `chain::PayloadBuild` records them: `none` for an attempt or a success, `timeout` for a
/// timeout, `invalid_payload` for a rejection, any other reason for a failure (7 series, not
/// 5 x 6).
pub const fn is_build_outcome(status: Status, reason: BuildBlockReason) -> bool {
    match status {
        Status::Attempted | Status::Success => matches!(reason, BuildBlockReason::None),
        Status::Timeout => matches!(reason, BuildBlockReason::Timeout),
        Status::Rejected => matches!(reason, BuildBlockReason::InvalidPayload),
        Status::Failure => matches!(
            reason,
            BuildBlockReason::NoPayloadId | BuildBlockReason::EngineError | BuildBlockReason::Other
        ),
    }
}

/// Kind of gossip message (`message_type` label of `alys_chain_network_gossip_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum GossipKind {
    /// A signed block.
    Block,
    /// An approval of a block.
    Approval,
    /// An AuxPoW header.
    Auxpow,
    /// A peg-in notification.
    Pegin,
    /// A transaction.
    Transaction,
    /// Anything else.
    Other,
}

/// Stage of block production (`message_type` label of `alys_chain_block_production_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ProductionStage {
    /// Preparing the block (pegins, parent).
    Prepare,
    /// Building the payload with the engine.
    Build,
    /// Signing.
    Sign,
    /// Broadcasting.
    Broadcast,
    /// Committing to storage.
    Commit,
}

/// The statuses of a step counted once, with its outcome, that can only succeed or fail, as
/// Alys v2 counts them: `alys_chain_network_gossip_total` (`chain.rs` counts a gossip
/// message `success` or `error`), `alys_aura_slot_author_retrievals_total` (`aura.rs`'s
/// `slot_author` counts `success` with the author's index, `failure` when there are no
/// authorities), `alys_aura_produced_blocks_total` (`success` or `error`), and the feature
/// flags' `alys_feature_flag_context_builds_total` (`success`/`error`) and
/// `alys_feature_flag_hot_reload_events_total` (`success`, or `error` or `file_deleted`: the
/// previous configuration stays). Nothing is counted before the outcome, so `attempted` never occurs; a
/// received message or a look-up neither times out nor is rejected.
pub const fn succeeds_or_fails(status: Status) -> bool {
    matches!(status, Status::Success | Status::Failure)
}

/// The statuses of `alys_aura_verify_signed_block_total`: Alys v2's
/// `Aura::check_signed_by_author` counts `called` (our `attempted`) on entry, then `success`
/// or `error` (our `failure`); a verification neither times out nor is rejected apart from
/// failing.
pub const fn is_verification_status(status: Status) -> bool {
    matches!(
        status,
        Status::Attempted | Status::Success | Status::Failure
    )
}

/// The `(stage, status)` pairs of `alys_chain_block_production_total` that can happen: each
/// stage counted once with its outcome, `success` or `failure` (Alys v2's `chain.rs` counts
/// `success` and `failed` for each step of producing a block), and `timeout` for the build,
/// the one stage that waits on the execution client (11 series, not 5 x 5).
pub const fn is_production_outcome(stage: ProductionStage, status: Status) -> bool {
    match status {
        Status::Success | Status::Failure => true,
        Status::Timeout => matches!(stage, ProductionStage::Build),
        Status::Attempted | Status::Rejected => false,
    }
}

/// The `(message_type, status)` pairs of `alys_chain_network_gossip_total` that can happen:
/// [`succeeds_or_fails`] for every kind (12 series, not 6 x 5).
pub const fn is_gossip_outcome(_kind: GossipKind, status: Status) -> bool {
    succeeds_or_fails(status)
}

/// Result of a feature-flag evaluation (`result` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum FlagResult {
    /// The flag evaluated to enabled.
    Enabled,
    /// The flag evaluated to disabled.
    Disabled,
}

/// The `(status, result)` pairs of `alys_feature_flag_evaluations_total` that can happen, as
/// the Alys v2 feature-flag system records them (`FeatureFlagMetrics::record_evaluation`
/// counts `success` with `enabled` or `disabled`; `record_evaluation_error` counts an error,
/// our `failure`, with the flag off, our `disabled`): 3 series per flag, not 5 x 2. An
/// evaluation is counted once, with its outcome, so `attempted`, `rejected` and `timeout`
/// never occur.
pub const fn is_flag_evaluation(status: Status, result: FlagResult) -> bool {
    match status {
        Status::Success => true,
        Status::Failure => matches!(result, FlagResult::Disabled),
        Status::Attempted | Status::Rejected | Status::Timeout => false,
    }
}

/// Cache result of a feature-flag evaluation (`cache_status` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum CacheStatus {
    /// Served from the cache.
    Hit,
    /// Not in the cache.
    Miss,
}

/// Operation on the feature-flag cache (`operation` label of
/// `alys_feature_flag_cache_operations_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum CacheOperation {
    /// A read.
    Get,
    /// A write.
    Set,
    /// An invalidation.
    Invalidate,
    /// An eviction.
    Evict,
}

/// Where a feature-flag configuration reload came from (`source` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ConfigSource {
    /// The configuration file.
    File,
    /// Environment variables.
    Environment,
    /// The admin API.
    Api,
    /// Built-in defaults.
    Default,
}

/// Kind of feature-flag audit event (`event_type` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum AuditEventType {
    /// A flag was created.
    Created,
    /// A flag was updated.
    Updated,
    /// A flag was deleted.
    Deleted,
    /// Configuration was reloaded.
    Reloaded,
    /// Access was denied.
    AccessDenied,
}

/// Kind of feature-flag change (`change_type` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ChangeType {
    /// Turned on.
    Enabled,
    /// Turned off.
    Disabled,
    /// Rollout percentage changed.
    Rollout,
    /// Targeting conditions changed.
    Conditions,
    /// Created.
    Created,
    /// Removed.
    Removed,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: LabelValue + std::fmt::Debug + PartialEq>(count: usize) {
        assert_eq!(T::COUNT, count);
        assert_eq!(T::VALUES.len(), count);
        let mut seen = std::collections::HashSet::new();
        for (i, v) in T::VALUES.iter().enumerate() {
            assert_eq!(v.index(), i, "{v:?}");
            let s = v.as_str();
            assert!(seen.insert(s), "duplicate value {s}");
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{s}"
            );
        }
    }

    #[test]
    fn standard_enums_have_the_seed_sizes_and_distinct_values() {
        check::<MigrationPhase>(10);
        check::<ErrorType>(10);
        check::<ActorType>(10);
        check::<MessageType>(10);
        check::<SyncState>(6);
        check::<RejectionReason>(12);
        check::<PeerRegion>(7);
        check::<LifecycleEvent>(4);
        check::<IoOperation>(2);
        check::<IoDirection>(2);
        check::<Status>(5);
    }

    #[test]
    fn values_match_the_seed_strings() {
        assert_eq!(MigrationPhase::FederationV2.as_str(), "federation_v2");
        assert_eq!(
            MigrationPhase::PerformanceVerification.as_str(),
            "performance_verification"
        );
        assert_eq!(
            RejectionReason::GasLimitExceeded.as_str(),
            "gas_limit_exceeded"
        );
        assert_eq!(PeerRegion::NorthAmerica.as_str(), "north_america");
        assert_eq!(SyncState::Catchup.as_str(), "catchup");
        assert_eq!(MessageType::Custom(77).as_str(), "custom");
        assert_eq!(MessageType::Custom(77).index(), 8);
    }

    #[test]
    fn sync_state_round_trips_through_u8() {
        for s in SyncState::VALUES {
            assert_eq!(SyncState::from_u8(*s as u8), Some(*s));
        }
        assert_eq!(SyncState::from_u8(6), None);
    }

    #[test]
    fn actor_type_from_name_is_by_whole_words() {
        assert_eq!(ActorType::from_name("EngineActor"), ActorType::Engine);
        assert_eq!(ActorType::from_name("ChainActor"), ActorType::Chain);
        assert_eq!(ActorType::from_name("ChainSupervisor"), ActorType::Chain);
        for none in ["ExampleBlockchainActor", "RestoreCheckpoint", "AsyncWorker"] {
            assert_eq!(ActorType::by_words(none), None, "{none}");
            assert_eq!(
                ActorType::from_name(none),
                ActorType::Unclassified,
                "{none}"
            );
        }
        assert_eq!(ActorType::from_name("SYNC"), ActorType::Sync);
        assert_eq!(
            ActorType::from_name("RootSupervisor"),
            ActorType::Supervisor
        );
        assert_eq!(ActorType::from_name(""), ActorType::Unclassified);
        assert_eq!(ActorType::Unclassified.as_str(), "unclassified");
        assert_eq!(MessageType::Unclassified.as_str(), "unclassified");
    }

    #[test]
    fn regions_parse_codes_and_names() {
        assert_eq!("us".parse(), Ok(PeerRegion::NorthAmerica));
        assert_eq!("Oceania".parse(), Ok(PeerRegion::Oceania));
        assert_eq!("unknown".parse(), Ok(PeerRegion::Unknown));
        let err = "xx".parse::<PeerRegion>().unwrap_err();
        assert!(err.to_string().contains("expected north_america"));
    }

    #[test]
    fn migration_phase_numbers_round_trip() {
        assert_eq!(MigrationPhase::FinalValidation.number(), 9);
        assert_eq!(
            MigrationPhase::from_number(3),
            Some(MigrationPhase::FederationV2)
        );
        assert_eq!(MigrationPhase::from_number(-1), None);
        assert_eq!(MigrationPhase::from_number(10), None);
    }
}
