//! OpenMetrics text 1.0.0: the sample lines of text 0.0.4, with OpenMetrics headers (a
//! counter's family is named without `_total`, `# UNIT` when the name ends in a base unit,
//! `"` escaped in HELP, `untyped` called `unknown`), exemplars after histogram bucket lines
//! and `# EOF` at the end.

use super::text::unescape_help;

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

/// Rewrites text 0.0.4 (as a scrape-time `Collect` writes it) as
/// OpenMetrics, without `# EOF`: for collectors that only write text. A counter named without
/// `_total` becomes `unknown`, its samples keeping their name (as
/// [`family::write_openmetrics`](super::family::write_openmetrics) writes it), so every format
/// gives Prometheus the same series names.
pub fn from_text(text: &[u8], out: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(text);
    let mut help: Option<(&str, String)> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, h) = rest.split_once(' ').unwrap_or((rest, ""));
            help = Some((name, unescape_help(h)));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            let h = match &help {
                Some((n, h)) if *n == name => h.as_str(),
                _ => "",
            };
            let kind = if kind == "counter" && !name.ends_with("_total") {
                "unknown"
            } else {
                kind
            };
            write_header(out, name, h, kind);
            help = None;
        } else if line.starts_with('#') || line.is_empty() {
            continue;
        } else {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
}

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

    #[test]
    fn text_is_rewritten() {
        let text = "# HELP x_total X \"q\" a\\\\b.\n# TYPE x_total counter\nx_total{a=\"1\"} 3\n\
                    # HELP y Y.\n# TYPE y counter\ny 2\ny{b=\"2\"} 1\n# HELP g G.\n# TYPE g gauge\ng 1.5\n";
        let mut o = Vec::new();
        from_text(text.as_bytes(), &mut o);
        assert_eq!(
            String::from_utf8(o).unwrap(),
            "# HELP x X \\\"q\\\" a\\\\b.\n# TYPE x counter\nx_total{a=\"1\"} 3\n\
             # HELP y Y.\n# TYPE y unknown\ny 2\ny{b=\"2\"} 1\n\
             # HELP g G.\n# TYPE g gauge\ng 1.5\n"
        );
    }
}
