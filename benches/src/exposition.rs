//! Reads Prometheus text exposition format the way a scraper does: families, samples, label
//! pairs with their escapes, and values, so that two libraries' outputs can be compared.

use std::collections::BTreeMap;

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The sample name (`x_bucket` for a histogram bucket).
    pub name: String,
    /// The label pairs, unescaped, in the order written.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

/// A family: its `# HELP` and `# TYPE` lines and the samples after them.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedFamily {
    /// The family name.
    pub name: String,
    /// The HELP text, unescaped (empty without a HELP line).
    pub help: String,
    /// The TYPE (`untyped` without a TYPE line).
    pub kind: String,
    /// The samples, in the order written.
    pub samples: Vec<Sample>,
}

/// A parsed exposition text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exposition {
    /// The families, in the order written.
    pub families: Vec<ParsedFamily>,
}

/// Parses a sample value (`1`, `0.5`, `1e-5`, `+Inf`, `-Inf`, `NaN`).
///
/// # Errors
///
/// When the text is not a number.
pub fn parse_value(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .map_err(|_| format!("`{text}` is not a sample value"))
}

/// Parses an exposition text (0.0.4, or OpenMetrics without exemplars).
///
/// # Errors
///
/// The first line that cannot be read, with its number.
pub fn parse(text: &str) -> Result<Exposition, String> {
    let mut out = Exposition::default();
    for (number, line) in text.lines().enumerate() {
        let err = |what: String| format!("line {}: {what}: `{line}`", number + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            family(&mut out, name).help = unescape_help(help);
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .ok_or_else(|| err("a TYPE line without a type".into()))?;
            family(&mut out, name).kind = kind.to_owned();
        } else if line.starts_with('#') {
            // `# EOF`, `# UNIT` and comments carry no sample.
        } else {
            let sample = parse_sample(line).map_err(err)?;
            let owner = out.families.last_mut().filter(|f| {
                sample.name == f.name
                    || sample
                        .name
                        .strip_prefix(f.name.as_str())
                        .is_some_and(|s| matches!(s, "_bucket" | "_sum" | "_count" | "_total"))
            });
            match owner {
                Some(f) => f.samples.push(sample),
                None => out.families.push(ParsedFamily {
                    name: sample.name.clone(),
                    help: String::new(),
                    kind: "untyped".into(),
                    samples: vec![sample],
                }),
            }
        }
    }
    Ok(out)
}

/// The family `name`: the last one if it has that name, else a new one.
fn family<'a>(out: &'a mut Exposition, name: &str) -> &'a mut ParsedFamily {
    if out.families.last().is_none_or(|f| f.name != name) {
        out.families.push(ParsedFamily {
            name: name.to_owned(),
            help: String::new(),
            kind: "untyped".into(),
            samples: Vec::new(),
        });
    }
    let last = out.families.len() - 1;
    &mut out.families[last]
}

fn unescape_help(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Parses `name{a="x",b="y"} value [timestamp]`.
fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| "a sample without a value".to_owned())?;
    let name = &line[..name_end];
    let mut labels = Vec::new();
    let mut rest = &line[name_end..];
    if let Some(body) = rest.strip_prefix('{') {
        let mut chars = body.char_indices().peekable();
        loop {
            // label name
            while chars.peek().is_some_and(|(_, c)| *c == ',' || *c == ' ') {
                chars.next();
            }
            if let Some(&(i, '}')) = chars.peek() {
                rest = &body[i + 1..];
                break;
            }
            let mut key = String::new();
            loop {
                match chars.next() {
                    Some((_, '=')) => break,
                    Some((_, c)) => key.push(c),
                    None => return Err("an unterminated label set".into()),
                }
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err(format!("label `{key}` without a quoted value"));
            }
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => value.push('\n'),
                        Some((_, c)) => value.push(c),
                        None => return Err("an unterminated label value".into()),
                    },
                    Some((_, c)) => value.push(c),
                    None => return Err("an unterminated label value".into()),
                }
            }
            labels.push((key, value));
        }
    }
    let value = rest
        .split_whitespace()
        .next()
        .ok_or_else(|| "a sample without a value".to_owned())?;
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value: parse_value(value)?,
    })
}

/// Every sample of a text as Prometheus stores it: keyed by name and label pairs sorted by
/// name, `le` and `quantile` values read as numbers (so `1e-05`, `0.00001` and `1e-5` are one
/// bucket), and HELP and TYPE of each family that has a sample kept as `# HELP name` /
/// `# TYPE name` keys mapped to their text in the second map (a family without samples
/// stores nothing).
///
/// # Errors
///
/// As [`parse`], and a sample written twice.
pub fn sample_set(text: &str) -> Result<SampleSet, String> {
    let parsed = parse(text)?;
    let mut set = SampleSet::default();
    for f in parsed
        .families
        .into_iter()
        .filter(|f| !f.samples.is_empty())
    {
        set.meta
            .insert(format!("# TYPE {}", f.name), f.kind.clone());
        set.meta
            .insert(format!("# HELP {}", f.name), f.help.clone());
        for s in f.samples {
            let mut labels: Vec<(String, String)> = s
                .labels
                .into_iter()
                .map(|(k, v)| {
                    if k == "le" || k == "quantile" {
                        let v = parse_value(&v).map(|n| n.to_string()).unwrap_or(v);
                        (k, v)
                    } else {
                        (k, v)
                    }
                })
                .collect();
            labels.sort();
            let key = format!("{}{:?}", s.name, labels);
            if set.samples.insert(key.clone(), s.value).is_some() {
                return Err(format!("the sample {key} is written twice"));
            }
        }
    }
    Ok(set)
}

/// What [`sample_set`] returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SampleSet {
    /// `name[(label, value), ..]` to value.
    pub samples: BTreeMap<String, f64>,
    /// `# HELP name` and `# TYPE name` to their text.
    pub meta: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_label_values_and_special_floats_are_read() {
        let text = "# HELP m_total A \\\\ help\\nline.\n# TYPE m_total counter\n\
                    m_total{a=\"x\\\"y\\\\z\\n\",b=\"\"} +Inf\nm_total NaN 1700000000\n";
        let parsed = parse(text).expect("valid");
        let f = &parsed.families[0];
        assert_eq!(f.help, "A \\ help\nline.");
        assert_eq!(
            f.samples[0].labels,
            vec![
                ("a".to_owned(), "x\"y\\z\n".to_owned()),
                ("b".to_owned(), String::new())
            ]
        );
        assert_eq!(f.samples[0].value, f64::INFINITY);
        assert!(f.samples[1].value.is_nan());
    }

    #[test]
    fn bucket_bounds_are_compared_as_numbers() {
        let a = sample_set("h_bucket{le=\"1e-5\"} 1\n").expect("valid");
        let b = sample_set("h_bucket{le=\"0.00001\"} 1\n").expect("valid");
        assert_eq!(a.samples, b.samples);
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let err = parse("# TYPE a counter\na{x=\"1} 2\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
