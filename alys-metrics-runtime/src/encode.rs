//! Prometheus text exposition format 0.0.4: the low-level writers every family uses.

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
