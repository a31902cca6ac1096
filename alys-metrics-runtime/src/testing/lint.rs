//! A lint of the exposition, run from a test: what `promtool check metrics` reports (Prometheus's
//! `promlint`) and what the crate's naming rules add (a duration is in seconds).

use std::fmt;

use super::exposition::{Exposition, Family, LabelSet};

/// One problem [`lint`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The family's name.
    pub family: String,
    /// Which rule it breaks.
    pub rule: Rule,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.family, self.message)
    }
}

/// The rules [`lint`] checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A name outside `^[a-z_][a-z0-9_]*$`: camelCase, colons (recording rules only), a
    /// leading `__` (reserved), characters the format does not allow.
    Name,
    /// A suffix that belongs to another type: a counter without `_total`, `_total` on another
    /// type, `_count`/`_sum`/`_bucket` on a family that is not a histogram or summary, or the
    /// type's name inside the metric's name.
    TypeSuffix,
    /// A unit that is not the base unit (`milliseconds`, `kilobytes`), an abbreviated unit
    /// (`_ms`, `_sec`), or a duration (`_duration`, `_latency`, `_time`) not in `_seconds`.
    Unit,
    /// No HELP text, or an empty one.
    Help,
    /// A histogram whose series are malformed: `le` bounds not increasing or without `+Inf`,
    /// counts that go down, `_count` not the `+Inf` bucket, `_sum` or `_count` missing, no
    /// bound at all; or `le`/`quantile` used as an ordinary label.
    Buckets,
    /// A bucket no observation can ever reach, so its series can never move: a bound below 0
    /// in a unit that cannot be negative (`_seconds`, `_bytes`, a count).
    Unreachable,
}

/// Abbreviations promlint refuses as name parts.
const ABBREVIATED: &[&str] = &[
    "s", "ms", "us", "ns", "sec", "secs", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d",
];

/// Units that have a base unit, and that base (promlint's list of time and size units).
const NON_BASE: &[(&str, &str)] = &[
    ("nanoseconds", "seconds"),
    ("microseconds", "seconds"),
    ("milliseconds", "seconds"),
    ("minutes", "seconds"),
    ("hours", "seconds"),
    ("days", "seconds"),
    ("weeks", "seconds"),
    ("kilobytes", "bytes"),
    ("megabytes", "bytes"),
    ("gigabytes", "bytes"),
    ("terabytes", "bytes"),
    ("kibibytes", "bytes"),
    ("mebibytes", "bytes"),
    ("gibibytes", "bytes"),
];

/// Words that mark a duration: a name ending in one must end in `<word>_seconds`.
const DURATION_WORDS: &[&str] = &["duration", "latency", "time"];

/// Lints the process registry's exposition and leaves out what the catalogue documents as
/// accepted ([`LINT_EXCEPTIONS`](crate::catalogue::LINT_EXCEPTIONS): names ending in `_count`
/// that are gauges). An empty list is a clean exposition.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// let problems = alys_metrics::testing::lint();
/// assert!(problems.is_empty(), "{problems:#?}");
/// ```
pub fn lint() -> Vec<Problem> {
    let text = crate::registry().encode_to_string();
    let mut problems = lint_text(&text).unwrap_or_else(|e| {
        vec![Problem {
            family: String::new(),
            rule: Rule::Name,
            message: format!("the exposition cannot be read: {e}"),
        }]
    });
    problems.retain(|p| {
        !(p.rule == Rule::TypeSuffix
            && crate::catalogue::LINT_EXCEPTIONS.contains(&p.family.as_str())
            && p.family.ends_with("_count"))
    });
    problems
}

/// Lints a text exposition (format 0.0.4): every problem, in the order of the families. `Err`
/// when the text cannot be read.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// let text = "# TYPE requestLatencyMs gauge\nrequestLatencyMs 3\n";
/// let problems = alys_metrics::testing::lint_text(text).unwrap();
/// let rules: Vec<_> = problems.iter().map(|p| p.rule).collect();
/// use alys_metrics::testing::Rule;
/// assert!(rules.contains(&Rule::Name) && rules.contains(&Rule::Help));
/// ```
pub fn lint_text(text: &str) -> Result<Vec<Problem>, String> {
    let e = Exposition::parse(text)?;
    let mut out = Vec::new();
    for f in e.families() {
        lint_family(f, &mut out);
    }
    Ok(out)
}

fn push(out: &mut Vec<Problem>, f: &Family, rule: Rule, message: String) {
    out.push(Problem {
        family: f.name.clone(),
        rule,
        message,
    });
}

fn lint_family(f: &Family, out: &mut Vec<Problem>) {
    let name = f.name.as_str();
    let kind = f.kind.as_deref().unwrap_or("untyped");
    // Names.
    let valid = !name.is_empty()
        && name.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_alphabetic() || b == b'_' || b == b':' || (i > 0 && b.is_ascii_digit())
        });
    if !valid {
        push(
            out,
            f,
            Rule::Name,
            format!("`{name}` is not a valid metric name"),
        );
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        push(
            out,
            f,
            Rule::Name,
            "metric names are written in snake_case, not camelCase".to_owned(),
        );
    }
    if name.contains(':') {
        push(
            out,
            f,
            Rule::Name,
            "colons are reserved for recording rules".to_owned(),
        );
    }
    if name.starts_with("__") {
        push(
            out,
            f,
            Rule::Name,
            "names starting with `__` are reserved by Prometheus".to_owned(),
        );
    }
    // Suffixes of another type.
    let lower = name.to_ascii_lowercase();
    if kind == "counter" && !lower.ends_with("_total") {
        push(
            out,
            f,
            Rule::TypeSuffix,
            "a counter's name ends in `_total`".to_owned(),
        );
    }
    if kind != "counter" && lower.ends_with("_total") {
        push(
            out,
            f,
            Rule::TypeSuffix,
            format!("`_total` is for counters, and this is a {kind}"),
        );
    }
    if !["histogram", "summary"].contains(&kind) {
        for s in ["_count", "_sum", "_bucket"] {
            if lower.ends_with(s) {
                push(
                    out,
                    f,
                    Rule::TypeSuffix,
                    format!("`{s}` is for histograms and summaries, and this is a {kind}"),
                );
            }
        }
    }
    let parts: Vec<&str> = lower.split('_').collect();
    for t in ["counter", "gauge", "histogram", "summary"] {
        if parts.contains(&t) {
            push(
                out,
                f,
                Rule::TypeSuffix,
                format!("the name contains the type `{t}`"),
            );
        }
    }
    // Units.
    for p in &parts {
        if ABBREVIATED.contains(p) {
            push(
                out,
                f,
                Rule::Unit,
                format!("`_{p}` is an abbreviated unit: spell the base unit (`seconds`, `bytes`)"),
            );
        }
        if let Some((unit, base)) = NON_BASE.iter().find(|(u, _)| u == p) {
            push(
                out,
                f,
                Rule::Unit,
                format!("use the base unit `{base}` instead of `{unit}`"),
            );
        }
    }
    let stem = lower.strip_suffix("_total").unwrap_or(&lower);
    if let Some(w) = DURATION_WORDS
        .iter()
        .find(|w| parts.len() > 1 && stem.ends_with(&format!("_{w}")))
    {
        push(
            out,
            f,
            Rule::Unit,
            format!("a duration is in seconds: end the name in `_{w}_seconds`"),
        );
    }
    // HELP.
    if f.help.as_deref().is_none_or(|h| h.trim().is_empty()) {
        push(out, f, Rule::Help, "no HELP text".to_owned());
    }
    // Reserved labels.
    let reserved = match kind {
        "histogram" => None,
        "summary" => Some("le"),
        _ => Some("le"),
    };
    for s in &f.samples {
        if reserved.is_some_and(|r| s.label(r).is_some()) {
            push(
                out,
                f,
                Rule::Buckets,
                format!("`le` on a {kind}: it is a histogram's bucket label"),
            );
            break;
        }
        if kind != "summary" && s.label("quantile").is_some() {
            push(
                out,
                f,
                Rule::Buckets,
                format!("`quantile` on a {kind}: it is a summary's label"),
            );
            break;
        }
    }
    if kind == "histogram" {
        lint_histogram(f, out);
    }
}

/// One histogram series: its labels but `le`, its buckets, sum and count.
#[derive(Default)]
struct HistSeries {
    labels: Vec<(String, String)>,
    buckets: Vec<(f64, f64)>,
    bad_le: bool,
    sum: Option<f64>,
    count: Option<f64>,
}

fn lint_histogram(f: &Family, out: &mut Vec<Problem>) {
    let name = f.name.as_str();
    let mut series: Vec<HistSeries> = Vec::new();
    for s in &f.samples {
        let labels: Vec<(String, String)> = s
            .labels
            .iter()
            .filter(|(n, _)| n != "le")
            .cloned()
            .collect();
        let i = match series.iter().position(|h| h.labels == labels) {
            Some(i) => i,
            None => {
                series.push(HistSeries {
                    labels,
                    ..HistSeries::default()
                });
                series.len() - 1
            }
        };
        let h = &mut series[i];
        match s.name.strip_prefix(name) {
            Some("_bucket") => match s.label("le").and_then(|le| match le {
                "+Inf" | "Inf" => Some(f64::INFINITY),
                le => le.parse::<f64>().ok(),
            }) {
                Some(le) => h.buckets.push((le, s.value)),
                None => h.bad_le = true,
            },
            Some("_sum") => h.sum = Some(s.value),
            Some("_count") => h.count = Some(s.value),
            _ => {}
        }
    }
    let non_negative = ["_seconds", "_bytes", "_total"]
        .iter()
        .any(|u| name.ends_with(u))
        || ["_count", "_size", "_hashes", "_processed"]
            .iter()
            .any(|u| name.ends_with(u));
    let mut reported_unreachable = false;
    for h in &series {
        let at = LabelSet(&h.labels);
        let mut problems = Vec::new();
        if h.bad_le {
            problems.push("a bucket whose `le` is not a number".to_owned());
        }
        if h.buckets.windows(2).any(|w| w[0].0 >= w[1].0) {
            problems.push("bucket bounds that do not increase".to_owned());
        }
        if h.buckets.windows(2).any(|w| w[0].1 > w[1].1) {
            problems.push("bucket counts that go down".to_owned());
        }
        match h.buckets.last() {
            Some((le, inf)) if *le == f64::INFINITY => {
                if h.buckets.len() == 1 {
                    problems.push("no bucket bound but `+Inf`".to_owned());
                }
                if h.count.is_some_and(|c| c != *inf) {
                    problems.push(format!(
                        "`_count` {} is not the `+Inf` bucket {inf}",
                        h.count.unwrap_or_default()
                    ));
                }
            }
            _ => problems.push("no `+Inf` bucket".to_owned()),
        }
        if h.sum.is_none() {
            problems.push("no `_sum`".to_owned());
        }
        if h.count.is_none() {
            problems.push("no `_count`".to_owned());
        }
        for p in problems {
            push(out, f, Rule::Buckets, format!("series {at}: {p}"));
        }
        if non_negative && !reported_unreachable {
            if let Some((b, _)) = h.buckets.iter().find(|(b, _)| *b < 0.0) {
                push(
                    out,
                    f,
                    Rule::Unreachable,
                    format!(
                        "the bucket `le=\"{b}\"` is below 0 in a unit that cannot be negative: \
                         no observation reaches it, its series can never move"
                    ),
                );
                reported_unreachable = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<(String, Rule)> {
        lint_text(text)
            .unwrap()
            .into_iter()
            .map(|p| (p.family, p.rule))
            .collect()
    }

    #[test]
    fn a_clean_family_has_no_problem() {
        let text = "# HELP alys_x_seconds X.\n# TYPE alys_x_seconds histogram\n\
alys_x_seconds_bucket{a=\"1\",le=\"0.1\"} 1\nalys_x_seconds_bucket{a=\"1\",le=\"+Inf\"} 2\n\
alys_x_seconds_sum{a=\"1\"} 0.3\nalys_x_seconds_count{a=\"1\"} 2\n\
# HELP alys_y_total Y.\n# TYPE alys_y_total counter\nalys_y_total 3\n";
        assert_eq!(rules(text), []);
    }

    #[test]
    fn each_rule_catches_its_mistake() {
        let r = |t: &str| rules(t).into_iter().map(|(_, r)| r).collect::<Vec<_>>();
        assert_eq!(
            r("# HELP fooBar F.\n# TYPE fooBar gauge\nfooBar 1\n"),
            [Rule::Name]
        );
        assert_eq!(
            r("# HELP a_ops A.\n# TYPE a_ops counter\na_ops 1\n"),
            [Rule::TypeSuffix]
        );
        assert_eq!(
            r("# HELP a_count A.\n# TYPE a_count gauge\na_count 1\n"),
            [Rule::TypeSuffix]
        );
        assert_eq!(
            r("# HELP a_ms A.\n# TYPE a_ms gauge\na_ms 1\n"),
            [Rule::Unit]
        );
        assert_eq!(
            r("# HELP a_milliseconds A.\n# TYPE a_milliseconds gauge\na_milliseconds 1\n"),
            [Rule::Unit]
        );
        assert_eq!(
            r("# HELP a_latency A.\n# TYPE a_latency gauge\na_latency 1\n"),
            [Rule::Unit]
        );
        assert_eq!(r("# TYPE a gauge\na 1\n"), [Rule::Help]);
        assert_eq!(
            r("# HELP a A.\n# TYPE a gauge\na{le=\"1\"} 1\n"),
            [Rule::Buckets]
        );
        let bad = "# HELP h_seconds H.\n# TYPE h_seconds histogram\n\
h_seconds_bucket{le=\"-1\"} 0\nh_seconds_bucket{le=\"0.5\"} 3\nh_seconds_bucket{le=\"0.2\"} 2\n\
h_seconds_sum 1\nh_seconds_count 9\n";
        let found = r(bad);
        assert!(found.contains(&Rule::Unreachable), "{found:?}");
        let messages: Vec<String> = lint_text(bad)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        for m in [
            "do not increase",
            "counts that go down",
            "no `+Inf` bucket",
            "can never move",
        ] {
            assert!(messages.iter().any(|x| x.contains(m)), "{m}: {messages:#?}");
        }
    }
}
