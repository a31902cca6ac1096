//! OpenMetrics text 1.0.0: the sample lines of text 0.0.4, with OpenMetrics headers (a
//! counter's family is named without `_total`, `# UNIT` when the name ends in a base unit,
//! `"` escaped in HELP, `untyped` called `unknown`), exemplars after histogram bucket lines
//! and `# EOF` at the end.

/// The units `# UNIT` names: Prometheus's base units, taken from the end of a family's name
/// (after `_total` of a counter).
pub const UNITS: &[&str] = &[
    "seconds", "bytes", "ratio", "meters", "volts", "amperes", "joules", "grams", "celsius",
];

/// The family name OpenMetrics uses: a counter's without its `_total`.
pub fn family_name<'a>(name: &'a str, kind: &str) -> &'a str {
    if kind == "counter" {
        name.strip_suffix("_total").unwrap_or(name)
    } else {
        name
    }
}

/// The unit of a family, read from the end of its OpenMetrics name (`alys_x_seconds` ->
/// `seconds`).
pub fn unit_of(family: &str) -> Option<&'static str> {
    UNITS.iter().copied().find(|u| {
        family
            .strip_suffix(u)
            .is_some_and(|rest| rest.ends_with('_'))
    })
}

/// Appends `# HELP`, `# TYPE` and, when the name ends in a unit, `# UNIT` for a family
/// whose text 0.0.4 name and type are `name` and `kind`; `help` is unescaped.
pub fn write_header(out: &mut Vec<u8>, name: &str, help: &str, kind: &str) {
    let family = family_name(name, kind);
    let kind = if kind == "untyped" { "unknown" } else { kind };
    out.extend_from_slice(b"# HELP ");
    out.extend_from_slice(family.as_bytes());
    out.push(b' ');
    for b in help.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'"' => out.extend_from_slice(b"\\\""),
            _ => out.push(b),
        }
    }
    out.extend_from_slice(b"\n# TYPE ");
    out.extend_from_slice(family.as_bytes());
    out.push(b' ');
    out.extend_from_slice(kind.as_bytes());
    out.push(b'\n');
    if let Some(unit) = unit_of(family) {
        out.extend_from_slice(b"# UNIT ");
        out.extend_from_slice(family.as_bytes());
        out.push(b' ');
        out.extend_from_slice(unit.as_bytes());
        out.push(b'\n');
    }
}

/// The terminator every OpenMetrics exposition ends with.
pub const EOF: &[u8] = b"# EOF\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_follow_openmetrics() {
        let mut o = Vec::new();
        write_header(&mut o, "a_seconds_total", "Time \"spent\".", "counter");
        write_header(&mut o, "b_bytes", "B.", "gauge");
        write_header(&mut o, "c", "C.", "untyped");
        assert_eq!(
            String::from_utf8(o).unwrap(),
            "# HELP a_seconds Time \\\"spent\\\".\n# TYPE a_seconds counter\n# UNIT a_seconds seconds\n\
             # HELP b_bytes B.\n# TYPE b_bytes gauge\n# UNIT b_bytes bytes\n\
             # HELP c C.\n# TYPE c unknown\n"
        );
        assert_eq!(unit_of("x_seconds"), Some("seconds"));
        assert_eq!(unit_of("seconds"), None);
        assert_eq!(unit_of("x_ratio_max"), None);
    }
}
