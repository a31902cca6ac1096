//! The series budget: how many samples and bytes each family puts in one scrape
//! ([`Registry::series_report`](super::Registry::series_report), [`series_report`](super::series_report)).

/// One family's share of a text scrape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilySeries {
    /// The family's name (as in its `# HELP` line).
    pub name: String,
    /// Its sample lines: each one series in Prometheus (a histogram child is its buckets,
    /// `_sum` and `_count`).
    pub samples: usize,
    /// Its bytes in the text format 0.0.4, HELP and TYPE lines included.
    pub bytes: usize,
}

/// Samples and bytes per family of one text scrape, in scrape order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesReport {
    /// Every family of the scrape, in the order it was written.
    pub families: Vec<FamilySeries>,
}

impl SeriesReport {
    /// The report of an exposition text (format 0.0.4): a family starts at its `# HELP` (or,
    /// without one, `# TYPE`) line; every other non-comment line is a sample of the family
    /// before it. Bytes that are not UTF-8 are counted; lines before the first header count
    /// under the empty name.
    pub fn from_text(text: &[u8]) -> Self {
        let mut families: Vec<FamilySeries> = Vec::new();
        for line in text.split_inclusive(|b| *b == b'\n') {
            let header = line
                .strip_prefix(b"# HELP ")
                .or_else(|| line.strip_prefix(b"# TYPE "));
            if let Some(rest) = header {
                let name = rest
                    .split(|b| *b == b' ' || *b == b'\n')
                    .next()
                    .unwrap_or_default();
                let name = String::from_utf8_lossy(name);
                if families.last().is_none_or(|f| f.name != name) {
                    families.push(FamilySeries {
                        name: name.into_owned(),
                        samples: 0,
                        bytes: 0,
                    });
                }
            }
            if families.is_empty() {
                families.push(FamilySeries {
                    name: String::new(),
                    samples: 0,
                    bytes: 0,
                });
            }
            let Some(f) = families.last_mut() else {
                continue;
            };
            f.bytes += line.len();
            let blank = line.iter().all(u8::is_ascii_whitespace);
            if !line.starts_with(b"#") && !blank {
                f.samples += 1;
            }
        }
        Self { families }
    }

    /// Samples of the whole scrape.
    pub fn samples(&self) -> usize {
        self.families.iter().map(|f| f.samples).sum()
    }

    /// Bytes of the whole scrape (text format 0.0.4, uncompressed).
    pub fn bytes(&self) -> usize {
        self.families.iter().map(|f| f.bytes).sum()
    }

    /// The family named `name`, if the scrape has it.
    pub fn family(&self, name: &str) -> Option<&FamilySeries> {
        self.families.iter().find(|f| f.name == name)
    }

    /// The families, widest (most samples) first; ties by name.
    pub fn widest(&self) -> Vec<&FamilySeries> {
        let mut all: Vec<&FamilySeries> = self.families.iter().collect();
        all.sort_by(|a, b| b.samples.cmp(&a.samples).then_with(|| a.name.cmp(&b.name)));
        all
    }
}

impl std::fmt::Display for SeriesReport {
    /// One line per family, widest first (`samples bytes name`), then the totals.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{:>8} {:>9} family", "samples", "bytes")?;
        for fam in self.widest() {
            writeln!(f, "{:>8} {:>9} {}", fam.samples, fam.bytes, fam.name)?;
        }
        write!(f, "{:>8} {:>9} total", self.samples(), self.bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_split_at_their_headers_and_count_sample_lines() {
        let text =
            b"# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 0\na_total{x=\"2\"} 3\n\
                     # HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\nh_count 1\n\
                     # TYPE bare gauge\nbare 1\n";
        let r = SeriesReport::from_text(text);
        let names: Vec<&str> = r.families.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a_total", "h", "bare"]);
        assert_eq!(r.family("a_total").map(|f| f.samples), Some(2));
        assert_eq!(r.family("h").map(|f| f.samples), Some(3));
        assert_eq!(r.family("bare").map(|f| f.samples), Some(1));
        assert_eq!(r.samples(), 6);
        assert_eq!(r.bytes(), text.len());
        assert_eq!(r.widest()[0].name, "h");
        assert!(
            r.to_string()
                .ends_with(&format!("{:>8} {:>9} total", 6, text.len())),
            "{r}"
        );
    }
}
