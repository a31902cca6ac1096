//! Reading a text exposition (format 0.0.4) back: families, samples, selectors, nearest names.

use std::fmt;

/// One sample line: `name{labels} value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The sample's name (a histogram's are `_bucket`, `_sum` and `_count`).
    pub name: String,
    /// Its labels, in the order written, values unescaped.
    pub labels: Vec<(String, String)>,
    /// Its value.
    pub value: f64,
}

impl Sample {
    /// The value of label `name`, if the sample has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the sample has every label of `wanted` with its value.
    pub fn matches(&self, wanted: &[(String, String)]) -> bool {
        wanted
            .iter()
            .all(|(n, v)| self.label(n) == Some(v.as_str()))
    }
}

/// Writes a label set as `{a="x",b="y"}` (`{}` when empty).
pub(crate) struct LabelSet<'a>(pub(crate) &'a [(String, String)]);

impl fmt::Display for LabelSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (n, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{n}=\"")?;
            for c in v.chars() {
                match c {
                    '\\' => f.write_str("\\\\")?,
                    '"' => f.write_str("\\\"")?,
                    '\n' => f.write_str("\\n")?,
                    c => write!(f, "{c}")?,
                }
            }
            f.write_str("\"")?;
        }
        f.write_str("}")
    }
}

/// One family: its `# HELP` and `# TYPE` lines and the samples under them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Family {
    /// The family's name.
    pub name: String,
    /// Its HELP text (unescaped), if a `# HELP` line gave one.
    pub help: Option<String>,
    /// Its type (`counter`, `gauge`, `histogram`, `summary`, `untyped`), if a `# TYPE` line
    /// gave one.
    pub kind: Option<String>,
    /// Its samples, in the order written.
    pub samples: Vec<Sample>,
}

/// A text exposition, read back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exposition {
    families: Vec<Family>,
}

/// A series selector: a sample name and the labels a series must have (others may be there).
#[derive(Clone, Debug, PartialEq)]
pub struct Selector {
    /// The sample name.
    pub name: String,
    /// The labels the selected series have.
    pub labels: Vec<(String, String)>,
}

impl Selector {
    /// Reads `name` or `name{label="value",..}` (values escaped as in the exposition).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (name, rest) = match text.find('{') {
            Some(i) => (&text[..i], &text[i..]),
            None => (text, ""),
        };
        if name.is_empty() {
            return Err(format!("`{text}` names no metric"));
        }
        let labels = if rest.is_empty() {
            Vec::new()
        } else {
            let (labels, after) = parse_labels(rest).map_err(|e| format!("`{text}`: {e}"))?;
            if !after.trim().is_empty() {
                return Err(format!("`{text}`: `{after}` after the labels"));
            }
            labels
        };
        Ok(Self {
            name: name.trim().to_owned(),
            labels,
        })
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.labels.is_empty() {
            write!(f, "{}", LabelSet(&self.labels))?;
        }
        Ok(())
    }
}

/// Label names and values, in the order written.
type Labels = Vec<(String, String)>;

/// Reads `{a="x",b="y"}` at the start of `s`; returns the labels and the rest.
fn parse_labels(s: &str) -> Result<(Labels, &str), String> {
    let mut rest = s.strip_prefix('{').ok_or("labels start with `{`")?;
    let mut labels = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((labels, r));
        }
        let eq = rest.find('=').ok_or("a label without `=`")?;
        let name = rest[..eq].trim().to_owned();
        rest = rest[eq + 1..].trim_start();
        rest = rest
            .strip_prefix('"')
            .ok_or_else(|| format!("the value of `{name}` is not quoted"))?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err(format!("the value of `{name}` is not closed")),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c)) => value.push(c),
                    None => return Err(format!("the value of `{name}` is not closed")),
                },
                Some((_, c)) => value.push(c),
            }
        };
        labels.push((name, value));
        rest = rest[end + 1..].trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        }
    }
}

fn unescape_help(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some('n')) => {
                out.push('\n');
                chars.next();
            }
            ('\\', Some('\\')) => {
                out.push('\\');
                chars.next();
            }
            (c, _) => out.push(c),
        }
    }
    out
}

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        s => s.parse().ok(),
    }
}

/// Whether a sample named `sample` belongs to the family `family` of type `kind`.
fn belongs(sample: &str, family: &str, kind: Option<&str>) -> bool {
    if sample == family {
        return true;
    }
    let Some(suffix) = sample.strip_prefix(family) else {
        return false;
    };
    match kind {
        Some("histogram") => ["_bucket", "_sum", "_count"].contains(&suffix),
        Some("summary") => ["_sum", "_count"].contains(&suffix),
        _ => false,
    }
}

impl Exposition {
    /// The text exposition of the process's registry, read back.
    pub fn scrape() -> Self {
        let text = crate::registry().encode_to_string();
        // The registry writes what this reads; a line it cannot read is left out.
        Self::parse_lenient(&text)
    }

    /// Reads a text exposition; the first line it cannot read is an `Err` naming it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut e = Self::default();
        for (n, line) in text.lines().enumerate() {
            e.line(line)
                .map_err(|why| format!("line {}: {why}: `{line}`", n + 1))?;
        }
        Ok(e)
    }

    fn parse_lenient(text: &str) -> Self {
        let mut e = Self::default();
        for line in text.lines() {
            let _ = e.line(line);
        }
        e
    }

    fn family_mut(&mut self, name: &str) -> &mut Family {
        match self.families.iter().rposition(|f| f.name == name) {
            Some(i) => &mut self.families[i],
            None => {
                self.families.push(Family {
                    name: name.to_owned(),
                    ..Family::default()
                });
                self.families.last_mut().expect("just pushed")
            }
        }
    }

    fn line(&mut self, line: &str) -> Result<(), String> {
        let line = line.trim_end();
        if line.is_empty() {
            return Ok(());
        }
        if let Some(rest) = line.strip_prefix('#') {
            let rest = rest.trim_start();
            if let Some(h) = rest.strip_prefix("HELP ") {
                let (name, help) = h.split_once(' ').unwrap_or((h, ""));
                self.family_mut(name).help = Some(unescape_help(help));
            } else if let Some(t) = rest.strip_prefix("TYPE ") {
                let (name, kind) = t.split_once(' ').ok_or("a TYPE line without a type")?;
                self.family_mut(name).kind = Some(kind.trim().to_owned());
            }
            return Ok(());
        }
        let name_end = line
            .find(|c: char| c == '{' || c.is_whitespace())
            .ok_or("a sample without a value")?;
        let name = &line[..name_end];
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end..])?
        } else {
            (Vec::new(), &line[name_end..])
        };
        let value_text = rest
            .split_whitespace()
            .next()
            .ok_or("a sample without a value")?;
        let value =
            parse_value(value_text).ok_or_else(|| format!("`{value_text}` is not a number"))?;
        let sample = Sample {
            name: name.to_owned(),
            labels,
            value,
        };
        match self
            .families
            .last_mut()
            .filter(|f| belongs(name, &f.name, f.kind.as_deref()))
        {
            Some(f) => f.samples.push(sample),
            None => self.family_mut(name).samples.push(sample),
        }
        Ok(())
    }

    /// The families, in the order written.
    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// The family named `name`, or the family of the sample named `name`.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name).or_else(|| {
            self.families
                .iter()
                .find(|f| belongs(name, &f.name, f.kind.as_deref()))
        })
    }

    /// The samples `sel` selects.
    pub fn samples<'a>(&'a self, sel: &'a Selector) -> impl Iterator<Item = &'a Sample> + 'a {
        self.family(&sel.name)
            .into_iter()
            .flat_map(|f| f.samples.iter())
            .filter(move |s| s.name == sel.name && s.matches(&sel.labels))
    }

    /// The sum of the series `sel` selects; an `Err` saying what exists instead when it
    /// selects none.
    pub fn select(&self, sel: &Selector) -> Result<f64, String> {
        let mut found = false;
        let mut sum = 0.0;
        for s in self.samples(sel) {
            found = true;
            sum += s.value;
        }
        if found {
            Ok(sum)
        } else {
            Err(self.explain_missing(sel))
        }
    }

    /// The value of the series `selector` (`name` or `name{label="value",..}`) selects,
    /// summed over the series that have those labels.
    pub fn value(&self, selector: &str) -> Result<f64, String> {
        self.select(&Selector::parse(selector)?)
    }

    /// The value of the one series with exactly the name and labels of `series` (written as in
    /// the exposition, `name{a="x",b="y"}`; label order does not matter), or `None` when no
    /// such series is exported or `series` cannot be read. [`explain`](Self::explain) says
    /// why.
    pub fn get(&self, series: &str) -> Option<f64> {
        let sel = Selector::parse(series).ok()?;
        let mut want = sel.labels.clone();
        want.sort();
        let found = self.samples(&sel).find(|s| {
            let mut have = s.labels.clone();
            have.sort();
            have == want
        });
        found.map(|s| s.value)
    }

    /// Why [`get`](Self::get) or [`value`](Self::value) finds nothing for `selector`: the
    /// nearest name when no series has the name, else the label sets that exist.
    pub fn explain(&self, selector: &str) -> String {
        match Selector::parse(selector) {
            Ok(sel) => self.explain_missing(&sel),
            Err(e) => e,
        }
    }

    /// The label sets of the samples named `name`.
    pub fn label_sets(&self, name: &str) -> Vec<String> {
        self.family(name)
            .into_iter()
            .flat_map(|f| f.samples.iter())
            .filter(|s| s.name == name)
            .map(|s| format!("{} {}", LabelSet(&s.labels), s.value))
            .collect()
    }

    /// Every sample name written, each once.
    pub fn sample_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .families
            .iter()
            .flat_map(|f| f.samples.iter().map(|s| s.name.as_str()))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Why `sel` selects nothing: the name's nearest neighbour, or the label sets that exist.
    pub(crate) fn explain_missing(&self, sel: &Selector) -> String {
        let sets = self.label_sets(&sel.name);
        if sets.is_empty() {
            let mut msg = format!("no series named `{}` is exported", sel.name);
            let names = self.sample_names();
            if let Some(n) = nearest(&sel.name, names.iter().copied()) {
                msg.push_str(&format!("; did you mean `{n}`?"));
            }
            return msg;
        }
        let mut msg = format!(
            "no series of `{}` has the labels {}; the label sets that exist ({}):",
            sel.name,
            LabelSet(&sel.labels),
            sets.len()
        );
        for s in sets.iter().take(40) {
            msg.push_str("\n    ");
            msg.push_str(s);
        }
        if sets.len() > 40 {
            msg.push_str(&format!("\n    .. and {} more", sets.len() - 40));
        }
        msg
    }
}

/// Edit distance between two strings (insertions, deletions, substitutions).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The candidate nearest to `wanted` by edit distance, when it is near enough to be a typo
/// (at most a third of the name's length away).
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .map(|c| (distance(wanted, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# HELP alys_x_total Things, by \\\\ kind.\n# TYPE alys_x_total counter\n\
alys_x_total{kind=\"a\",who=\"q\\\"z\"} 3\nalys_x_total{kind=\"b\",who=\"p\"} 4\n\
# HELP alys_h_seconds H.\n# TYPE alys_h_seconds histogram\n\
alys_h_seconds_bucket{le=\"0.1\"} 1\nalys_h_seconds_bucket{le=\"+Inf\"} 2\n\
alys_h_seconds_sum 0.3\nalys_h_seconds_count 2\n";

    #[test]
    fn reads_families_samples_and_escapes() {
        let e = Exposition::parse(TEXT).unwrap();
        assert_eq!(e.families().len(), 2);
        let x = e.family("alys_x_total").unwrap();
        assert_eq!(x.help.as_deref(), Some("Things, by \\ kind."));
        assert_eq!(x.samples[0].label("who"), Some("q\"z"));
        assert_eq!(
            e.family("alys_h_seconds_count").unwrap().name,
            "alys_h_seconds"
        );
        assert_eq!(e.value("alys_x_total").unwrap(), 7.0);
        assert_eq!(e.value("alys_x_total{who=\"q\\\"z\"}").unwrap(), 3.0);
        assert_eq!(e.value("alys_h_seconds_bucket{le=\"+Inf\"}").unwrap(), 2.0);
        assert!(Exposition::parse("alys_x_total{kind=\"a} 3").is_err());
    }

    #[test]
    fn a_missing_series_names_the_nearest_name_or_the_label_sets() {
        let e = Exposition::parse(TEXT).unwrap();
        let typo = e.value("alys_x_totl").unwrap_err();
        assert!(typo.contains("did you mean `alys_x_total`?"), "{typo}");
        let labels = e.value("alys_x_total{kind=\"c\"}").unwrap_err();
        assert!(labels.contains("{kind=\"a\",who=\"q\\\"z\"} 3"), "{labels}");
        assert!(labels.contains("{kind=\"b\",who=\"p\"} 4"), "{labels}");
        assert_eq!(nearest("alys_zzz", ["alys_x_total"]), None);
    }
}
