//! Prometheus text exposition format 0.0.4: the low-level writers every family uses (the
//! OpenMetrics text differs only in its headers, exemplars and `# EOF`).

use super::exemplar::Exemplar;

/// The `Content-Type` of the text exposition format this crate writes.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Appends a float the way Prometheus clients print them: integral values without a
/// fraction (`1`, `30`), others in shortest round-trip form (`0.005`), `+Inf`, `-Inf`, `NaN`.
#[inline]
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        write_i64(out, v as i64);
    } else {
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    }
}

/// Appends an unsigned integer.
#[inline]
pub fn write_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends a signed integer.
#[inline]
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends `# HELP name text` (escaping `\` and newlines) and `# TYPE name kind`.
pub fn write_header(out: &mut Vec<u8>, name: &str, help: &str, kind: &str) {
    out.extend_from_slice(b"# HELP ");
    out.extend_from_slice(name.as_bytes());
    out.push(b' ');
    if !help.bytes().any(|b| b == b'\\' || b == b'\n') {
        out.extend_from_slice(help.as_bytes());
    } else {
        for b in help.bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                _ => out.push(b),
            }
        }
    }
    out.extend_from_slice(b"\n# TYPE ");
    out.extend_from_slice(name.as_bytes());
    out.push(b' ');
    out.extend_from_slice(kind.as_bytes());
    out.push(b'\n');
}

/// Appends a label value, escaping `\`, `"` and newlines.
pub fn write_label_value(out: &mut Vec<u8>, value: &str) {
    if !value.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.extend_from_slice(value.as_bytes());
        return;
    }
    for b in value.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

/// Where a family's samples go: the output buffer and the rendered label pairs of the child
/// being written (`a="x",b="y"`, without braces).
pub struct SampleWriter<'a> {
    /// The exposition text being built.
    pub out: &'a mut Vec<u8>,
    /// The metric family name.
    pub name: &'a str,
    /// The child's label pairs, rendered.
    pub labels: &'a [u8],
}

impl SampleWriter<'_> {
    /// Starts a sample line: `name[suffix]{labels[,extra]} `.
    #[inline]
    fn start(&mut self, suffix: &str, extra: Option<(&str, &[u8])>) {
        let out = &mut *self.out;
        out.extend_from_slice(self.name.as_bytes());
        out.extend_from_slice(suffix.as_bytes());
        if !self.labels.is_empty() || extra.is_some() {
            out.push(b'{');
            out.extend_from_slice(self.labels);
            if let Some((k, v)) = extra {
                if !self.labels.is_empty() {
                    out.push(b',');
                }
                out.extend_from_slice(k.as_bytes());
                out.extend_from_slice(b"=\"");
                out.extend_from_slice(v);
                out.push(b'"');
            }
            out.push(b'}');
        }
        out.push(b' ');
    }

    /// Writes an integer sample.
    #[inline]
    pub fn u64(&mut self, suffix: &str, extra: Option<(&str, &[u8])>, v: u64) {
        self.start(suffix, extra);
        write_u64(self.out, v);
        self.out.push(b'\n');
    }

    /// Writes a signed integer sample.
    #[inline]
    pub fn i64(&mut self, suffix: &str, v: i64) {
        self.start(suffix, None);
        write_i64(self.out, v);
        self.out.push(b'\n');
    }

    /// Writes a float sample.
    #[inline]
    pub fn f64(&mut self, suffix: &str, v: f64) {
        self.start(suffix, None);
        write_f64(self.out, v);
        self.out.push(b'\n');
    }
}

/// Where a child writes its samples, one call per sample line: a [`SampleWriter`] renders
/// each line's name and labels, a [`LineWriter`] copies them pre-rendered.
pub trait SampleSink {
    /// Writes an integer sample: `name[suffix]{labels[,extra]} v`.
    fn u64(&mut self, suffix: &str, extra: Option<(&str, &[u8])>, v: u64);
    /// Writes a signed integer sample.
    fn i64(&mut self, suffix: &str, v: i64);
    /// Writes a float sample.
    fn f64(&mut self, suffix: &str, v: f64);
    /// True when the output carries exemplars (OpenMetrics); a family skips reading its
    /// exemplars otherwise.
    fn wants_exemplars(&self) -> bool {
        false
    }
    /// Attaches an exemplar to the sample line written last. Ignored unless
    /// [`wants_exemplars`](SampleSink::wants_exemplars).
    fn exemplar(&mut self, exemplar: &Exemplar) {
        let _ = exemplar;
    }
}

/// Appends ` # {trace_id="..."} value timestamp` to the sample line that ends `out` (before
/// its newline), as OpenMetrics writes an exemplar.
pub fn write_exemplar(out: &mut Vec<u8>, e: &Exemplar) {
    if out.last() == Some(&b'\n') {
        out.pop();
    }
    out.extend_from_slice(b" # {trace_id=\"");
    e.trace_id.write_hex(out);
    out.extend_from_slice(b"\"} ");
    write_f64(out, e.value);
    out.push(b' ');
    write_u64(out, e.timestamp_ms / 1000);
    out.push(b'.');
    let ms = e.timestamp_ms % 1000;
    out.extend_from_slice(&[
        b'0' + (ms / 100) as u8,
        b'0' + (ms / 10 % 10) as u8,
        b'0' + (ms % 10) as u8,
    ]);
    out.push(b'\n');
}

impl SampleSink for SampleWriter<'_> {
    #[inline]
    fn u64(&mut self, suffix: &str, extra: Option<(&str, &[u8])>, v: u64) {
        SampleWriter::u64(self, suffix, extra, v);
    }

    #[inline]
    fn i64(&mut self, suffix: &str, v: i64) {
        SampleWriter::i64(self, suffix, v);
    }

    #[inline]
    fn f64(&mut self, suffix: &str, v: f64) {
        SampleWriter::f64(self, suffix, v);
    }
}

/// The sample lines of a family without their values: every line's `name{labels} ` prefix,
/// back to back, and where each one ends. Rendered once from a scrape; a family whose
/// children and labels never change then writes a line as one copy and one number.
#[derive(Debug, Default)]
pub struct LinePrefixes {
    text: Box<[u8]>,
    ends: Box<[usize]>,
}

impl LinePrefixes {
    /// Splits sample lines (`prefix value\n`, as a [`SampleWriter`] writes them) into their
    /// prefixes. The value is what follows the last space, which label values (quoted, their
    /// newlines escaped) cannot hide.
    pub fn from_samples(samples: &[u8]) -> Self {
        let mut text = Vec::with_capacity(samples.len());
        let mut ends = Vec::new();
        for line in samples.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let cut = line.iter().rposition(|b| *b == b' ').map_or(0, |i| i + 1);
            text.extend_from_slice(&line[..cut]);
            ends.push(text.len());
        }
        Self {
            text: text.into_boxed_slice(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is no line.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// A writer that writes the values after these prefixes, in order.
    pub fn writer<'a>(&'a self, out: &'a mut Vec<u8>) -> LineWriter<'a> {
        LineWriter {
            out,
            prefixes: self,
            next: 0,
            start: 0,
            missing: false,
            exemplars: false,
        }
    }

    /// A writer like [`writer`](Self::writer) that also writes exemplars (OpenMetrics).
    pub fn writer_with_exemplars<'a>(&'a self, out: &'a mut Vec<u8>) -> LineWriter<'a> {
        LineWriter {
            exemplars: true,
            ..self.writer(out)
        }
    }
}

/// Writes sample values after pre-rendered [`LinePrefixes`], one line per call, ignoring the
/// suffix and extra label the call names (they are in the prefix). Check
/// [`complete`](LineWriter::complete) afterwards: false when the calls did not match the
/// prefixes one to one, and the text written is then wrong.
pub struct LineWriter<'a> {
    out: &'a mut Vec<u8>,
    prefixes: &'a LinePrefixes,
    next: usize,
    start: usize,
    missing: bool,
    exemplars: bool,
}

impl LineWriter<'_> {
    #[inline]
    fn prefix(&mut self) {
        let Some(&end) = self.prefixes.ends.get(self.next) else {
            self.missing = true;
            return;
        };
        match self.prefixes.text.get(self.start..end) {
            Some(p) => self.out.extend_from_slice(p),
            None => self.missing = true,
        }
        self.start = end;
        self.next += 1;
    }

    /// True when every prefix was used exactly once.
    pub fn complete(&self) -> bool {
        !self.missing && self.next == self.prefixes.ends.len()
    }
}

impl SampleSink for LineWriter<'_> {
    #[inline]
    fn u64(&mut self, _: &str, _: Option<(&str, &[u8])>, v: u64) {
        self.prefix();
        write_u64(self.out, v);
        self.out.push(b'\n');
    }

    #[inline]
    fn i64(&mut self, _: &str, v: i64) {
        self.prefix();
        write_i64(self.out, v);
        self.out.push(b'\n');
    }

    #[inline]
    fn f64(&mut self, _: &str, v: f64) {
        self.prefix();
        write_f64(self.out, v);
        self.out.push(b'\n');
    }

    fn wants_exemplars(&self) -> bool {
        self.exemplars
    }

    fn exemplar(&mut self, e: &Exemplar) {
        if self.exemplars {
            write_exemplar(self.out, e);
        }
    }
}

/// A [`SampleWriter`] that also writes exemplars (OpenMetrics).
pub struct ExemplarWriter<'a>(pub SampleWriter<'a>);

impl SampleSink for ExemplarWriter<'_> {
    #[inline]
    fn u64(&mut self, suffix: &str, extra: Option<(&str, &[u8])>, v: u64) {
        self.0.u64(suffix, extra, v);
    }

    #[inline]
    fn i64(&mut self, suffix: &str, v: i64) {
        self.0.i64(suffix, v);
    }

    #[inline]
    fn f64(&mut self, suffix: &str, v: f64) {
        self.0.f64(suffix, v);
    }

    fn wants_exemplars(&self) -> bool {
        true
    }

    fn exemplar(&mut self, e: &Exemplar) {
        write_exemplar(self.0.out, e);
    }
}

/// A `# HELP` text with its escapes (`\\`, `\n`) undone: what [`parse_text`] reads from an
/// included registry's text.
///
/// [`parse_text`]: super::protobuf::parse_text
pub(crate) fn unescape_help(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let mut chars = h.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: f64) -> String {
        let mut o = Vec::new();
        write_f64(&mut o, v);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn floats_print_like_prometheus_clients() {
        assert_eq!(f(1.0), "1");
        assert_eq!(f(0.005), "0.005");
        assert_eq!(f(-3.0), "-3");
        assert_eq!(f(f64::INFINITY), "+Inf");
        assert_eq!(f(f64::NEG_INFINITY), "-Inf");
        assert_eq!(f(f64::NAN), "NaN");
        assert_eq!(f(1e20), "1e20");
        assert_eq!(f(12.5), "12.5");
    }

    #[test]
    fn replayed_prefixes_write_the_same_lines() {
        let mut first = Vec::new();
        let labels = br#"a="x y",b="q\"""#;
        let mut w = SampleWriter {
            out: &mut first,
            name: "m",
            labels,
        };
        w.u64("_bucket", Some(("le", b"0.5")), 3);
        w.f64("_sum", 1.25);
        w.i64("_count", -3);
        let prefixes = LinePrefixes::from_samples(&first);
        assert_eq!(prefixes.len(), 3);
        let mut again = Vec::new();
        let mut r = prefixes.writer(&mut again);
        SampleSink::u64(&mut r, "_bucket", Some(("le", b"0.5")), 3);
        SampleSink::f64(&mut r, "_sum", 1.25);
        SampleSink::i64(&mut r, "_count", -3);
        assert!(r.complete());
        assert_eq!(
            String::from_utf8(again).unwrap(),
            String::from_utf8(first).unwrap()
        );
    }

    #[test]
    fn a_writer_that_runs_out_of_prefixes_says_so() {
        let prefixes = LinePrefixes::from_samples(b"m 1\n");
        let mut out = Vec::new();
        let mut r = prefixes.writer(&mut out);
        SampleSink::u64(&mut r, "", None, 1);
        assert!(r.complete());
        SampleSink::u64(&mut r, "", None, 2);
        assert!(!r.complete());
    }

    #[test]
    fn help_and_label_values_are_escaped() {
        let mut o = Vec::new();
        write_header(&mut o, "m", "a\\b\nc \"q\"", "counter");
        assert_eq!(
            String::from_utf8(o).unwrap(),
            "# HELP m a\\\\b\\nc \"q\"\n# TYPE m counter\n"
        );
        let mut o = Vec::new();
        write_label_value(&mut o, "x\"y\\z\n");
        assert_eq!(String::from_utf8(o).unwrap(), "x\\\"y\\\\z\\n");
    }
}
