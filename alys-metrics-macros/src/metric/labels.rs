//! The standard label names and what each maps to. The enums' sizes are *not* here: the
//! generated code asks the runtime for them, so the runtime stays the single source of truth.

/// Standard label name -> the runtime enum (a name under `::alys_metrics::labels`).
pub const STANDARD: &[(&str, &str)] = &[
    ("phase", "MigrationPhase"),
    ("error_type", "ErrorType"),
    ("actor_type", "ActorType"),
    ("message_type", "MessageType"),
    ("sync_state", "SyncState"),
    ("region", "PeerRegion"),
    ("operation", "IoOperation"),
    ("direction", "IoDirection"),
    ("event", "LifecycleEvent"),
    ("status", "Status"),
];

/// Labels whose enum depends on the metric: the declaration must name it.
pub const TYPED: &[(&str, &str)] = &[(
    "reason",
    "RejectionReason, RollbackReason, RestartReason, BlockRejectReason or BuildBlockReason",
)];

/// Well-known free-form labels: they need `dynamic(max = N)`.
pub const FREE_FORM: &[&str] = &[
    "validator",
    "peer_id",
    "method",
    "flag_name",
    "authority_index",
    "node_id",
];

/// Label names Prometheus reserves for itself.
pub const RESERVED: &[&str] = &["le", "quantile"];

pub fn standard(name: &str) -> Option<&'static str> {
    STANDARD.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

pub fn all_names() -> impl Iterator<Item = &'static str> {
    STANDARD
        .iter()
        .map(|(n, _)| *n)
        .chain(TYPED.iter().map(|(n, _)| *n))
        .chain(FREE_FORM.iter().copied())
}

pub fn standard_list() -> String {
    STANDARD
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
