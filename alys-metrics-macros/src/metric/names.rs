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
    if name.is_empty() {
        return Err("a metric name cannot be empty: remove `name = \"\"` to derive it from the static's name".to_owned());
    }
    if !valid_chars {
        let bad: Vec<String> = name
            .chars()
            .enumerate()
            .filter(|(i, c)| {
                !(c.is_ascii_alphabetic()
                    || *c == '_'
                    || *c == ':'
                    || (*i > 0 && c.is_ascii_digit()))
            })
            .map(|(_, c)| format!("`{c}`"))
            .fold(Vec::new(), |mut acc, c| {
                if !acc.contains(&c) {
                    acc.push(c);
                }
                acc
            });
        return Err(format!(
            "`{name}` is not a valid metric name: {} not allowed (a name matches `^[a-zA-Z_:][a-zA-Z0-9_:]*$`); write e.g. `{}`",
            if bad.len() == 1 {
                format!("{} is", bad[0])
            } else {
                format!("{} are", bad.join(", "))
            },
            suggest(name)
        ));
    }
    if name.contains(':') {
        return Err(format!(
            "`{name}`: colons are reserved for recording rules; use `_` in instrumented metrics"
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

/// A valid name close to `name`: every other character becomes `_`, lower case.
fn suggest(name: &str) -> String {
    let mut out = crate::util::lower_alnum_underscore(name);
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Checks that an explicit name carries its declared unit (before `_total` for counters).
pub fn check_unit(name: &str, kind: MetricKind, unit: &str) -> Result<(), String> {
    let stem = match kind {
        MetricKind::Counter => name.strip_suffix("_total").unwrap_or(name),
        _ => name,
    };
    if stem.ends_with(&format!("_{unit}")) {
        return Ok(());
    }
    let total = if kind == MetricKind::Counter {
        "_total"
    } else {
        ""
    };
    Err(format!(
        "`{name}` does not end in its unit: write `{stem}_{unit}{total}`, or drop `unit = \"{unit}\"`"
    ))
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
        assert!(check("alys:x", MetricKind::Gauge)
            .unwrap_err()
            .contains("recording rules"));
        assert!(check("Alys_x", MetricKind::Gauge)
            .unwrap_err()
            .contains("`alys_x`"));
        assert!(check("", MetricKind::Gauge).is_err());
        let e = check("alys-requests_total", MetricKind::Counter).unwrap_err();
        assert!(
            e.contains("`-` is not allowed") && e.contains("`alys_requests_total`"),
            "{e}"
        );
        let e = check("9 lives.total", MetricKind::Counter).unwrap_err();
        assert!(
            e.contains("`9`, ` `, `.` are not allowed") && e.contains("`_9_lives_total`"),
            "{e}"
        );
        assert!(check("__x", MetricKind::Gauge).is_err());
    }

    #[test]
    fn an_explicit_name_carries_its_unit() {
        assert!(check_unit("alys_heap_bytes", MetricKind::Gauge, "bytes").is_ok());
        assert!(check_unit("alys_io_bytes_total", MetricKind::Counter, "bytes").is_ok());
        let e = check_unit("alys_io_total", MetricKind::Counter, "bytes").unwrap_err();
        assert!(e.contains("`alys_io_bytes_total`"), "{e}");
        let e = check_unit("alys_heap", MetricKind::Gauge, "bytes").unwrap_err();
        assert!(e.contains("`alys_heap_bytes`"), "{e}");
    }

    #[test]
    fn every_derived_name_passes_the_checks() {
        for (ident, kind, unit) in [
            ("MIGRATION_ERRORS", MetricKind::Counter, None),
            ("BLOCK_TIME", MetricKind::Histogram, None),
            ("DISK_IO", MetricKind::Counter, Some("bytes")),
            ("RPC_LATENCY", MetricKind::Histogram, Some("seconds")),
            ("sync_state", MetricKind::Gauge, None),
        ] {
            let name = derive(ident, kind, unit);
            assert_eq!(check(&name, kind), Ok(()), "{name}");
            if let Some(u) = unit {
                assert_eq!(check_unit(&name, kind, u), Ok(()), "{name}");
            }
        }
    }
}
