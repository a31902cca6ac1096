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

/// Why `name` cannot be a Prometheus label name, if it cannot.
pub fn invalid_name(name: &str) -> Option<String> {
    let ascii = name
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_alphabetic() || b == b'_' || (i > 0 && b.is_ascii_digit()));
    if !ascii {
        return Some(format!(
            "`{name}` is not a valid label name: it must match `^[a-zA-Z_][a-zA-Z0-9_]*$`"
        ));
    }
    if RESERVED.contains(&name) || name.starts_with("__") {
        return Some(format!(
            "`{name}` is a label name reserved by Prometheus (`le`, `quantile` and names starting with `__`); choose another"
        ));
    }
    None
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_follow_the_exposition_format() {
        assert!(invalid_name("phase").is_none());
        assert!(invalid_name("_x9").is_none());
        assert!(invalid_name("phäse").is_some());
        assert!(invalid_name("le").is_some());
        assert!(invalid_name("__name__").is_some());
    }

    #[test]
    fn the_three_tables_do_not_overlap() {
        let names: Vec<&str> = all_names().collect();
        for (i, n) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(n), "`{n}` is listed twice");
        }
        assert_eq!(standard("region"), Some("PeerRegion"));
        assert_eq!(standard("reason"), None);
    }
}
