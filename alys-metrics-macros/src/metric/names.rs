//! Metric naming rules: the derived name and the checks on an explicit `name = ".."`.

use super::ast::MetricKind;

/// Suffixes that mark a duration; such names must end in `_seconds`.
const DURATION_WORDS: &[&str] = &["_duration", "_latency", "_time"];

/// `alys_` + the static's name in lower case + the suffix rules:
/// - a `unit` is appended unless the name already ends with it;
/// - a name ending in `_duration`, `_latency` or `_time` gets `_seconds`;
/// - a counter ends in `_total`.
pub fn derive(static_name: &str, kind: MetricKind, unit: Option<&str>) -> String {
    let mut base = static_name.to_ascii_lowercase();
    if kind == MetricKind::Counter {
        if let Some(stripped) = base.strip_suffix("_total") {
            base = stripped.to_owned();
        }
    }
    if !base.starts_with("alys_") {
        base.insert_str(0, "alys_");
    }
    match unit {
        Some(u) if !base.ends_with(&format!("_{u}")) => {
            base.push('_');
            base.push_str(u);
        }
        Some(_) => {}
        None if DURATION_WORDS.iter().any(|w| base.ends_with(w)) => base.push_str("_seconds"),
        None => {}
    }
    if kind == MetricKind::Counter {
        base.push_str("_total");
    }
    base
}

/// Checks a metric name (explicit or derived) against the exposition format and the naming
/// rules; returns the reason it is refused.
pub fn check(name: &str, kind: MetricKind) -> Result<(), String> {
    let valid_chars = name.bytes().enumerate().all(|(i, b)| {
        b.is_ascii_alphabetic() || b == b'_' || b == b':' || (i > 0 && b.is_ascii_digit())
    });
    if name.is_empty() || !valid_chars {
        return Err(format!(
            "`{name}` is not a valid metric name: it must match `^[a-zA-Z_:][a-zA-Z0-9_:]*$`"
        ));
    }
    if name.starts_with("__") {
        return Err(format!(
            "`{name}`: names starting with `__` are reserved by Prometheus"
        ));
    }
    if name.contains("alys_alys_") {
        return Err(format!(
            "`{name}` repeats the `alys_` prefix; write it once"
        ));
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "`{name}`: metric names are lower-case snake_case; write `{}`",
            name.to_ascii_lowercase()
        ));
    }
    match kind {
        MetricKind::Counter if !name.ends_with("_total") => {
            return Err(format!(
                "counter `{name}` must end in `_total`: write `{name}_total`"
            ));
        }
        MetricKind::Gauge | MetricKind::Histogram if name.ends_with("_total") => {
            return Err(format!(
                "`{name}` ends in `_total`, which Prometheus reserves for counters; drop the suffix or declare a `counter`"
            ));
        }
        MetricKind::Histogram
            if ["_bucket", "_sum", "_count"]
                .iter()
                .any(|s| name.ends_with(s)) =>
        {
            return Err(format!("histogram `{name}` must not end in `_bucket`, `_sum` or `_count`: those are its series"));
        }
        _ => {}
    }
    let stem = name.strip_suffix("_total").unwrap_or(name);
    if let Some(w) = DURATION_WORDS.iter().find(|w| stem.ends_with(*w)) {
        return Err(format!(
            "`{name}` measures a duration (`{w}`): durations are in seconds, end the name in `{w}_seconds`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_follow_the_seed_suffix_rules() {
        assert_eq!(
            derive("MIGRATION_ERRORS", MetricKind::Counter, None),
            "alys_migration_errors_total"
        );
        assert_eq!(
            derive("MIGRATION_ERRORS_TOTAL", MetricKind::Counter, None),
            "alys_migration_errors_total"
        );
        assert_eq!(
            derive("ACTOR_MESSAGE_LATENCY", MetricKind::Histogram, None),
            "alys_actor_message_latency_seconds"
        );
        assert_eq!(
            derive("DISK_IO", MetricKind::Counter, Some("bytes")),
            "alys_disk_io_bytes_total"
        );
        assert_eq!(
            derive("ALYS_PEER_COUNT", MetricKind::Gauge, None),
            "alys_peer_count"
        );
        assert_eq!(
            derive("MEMORY_USAGE_BYTES", MetricKind::Gauge, Some("bytes")),
            "alys_memory_usage_bytes"
        );
    }

    #[test]
    fn checks_refuse_what_prometheus_or_the_rules_refuse() {
        assert!(check("alys_x_total", MetricKind::Counter).is_ok());
        assert!(check("alys_x", MetricKind::Counter)
            .unwrap_err()
            .contains("_total"));
        assert!(check("alys_x_total", MetricKind::Gauge).is_err());
        assert!(check("9x", MetricKind::Gauge).is_err());
        assert!(check("alys-x", MetricKind::Gauge).is_err());
        assert!(check("alys_alys_x", MetricKind::Gauge).is_err());
        assert!(check("alys_block_duration", MetricKind::Histogram)
            .unwrap_err()
            .contains("_seconds"));
        assert!(check("alys_h_count", MetricKind::Histogram).is_err());
        assert!(check("alys_peer_count", MetricKind::Gauge).is_ok());
        assert!(check("process_cpu_seconds_total", MetricKind::Counter).is_ok());
    }
}
