//! The exposition formats `/metrics` serves, chosen by the request's `Accept` header
//! ([`Format::negotiate`]):
//!
//! | format | `Content-Type` | carries |
//! |---|---|---|
//! | text 0.0.4 (default) | [`TEXT_CONTENT_TYPE`] | classic buckets; never exemplars |
//! | text 1.0.0 | [`TEXT_1_0_0_CONTENT_TYPE`] | the same bytes as 0.0.4 (every name here is legacy-valid) |
//! | [OpenMetrics 1.0.0](openmetrics) | [`OPENMETRICS_CONTENT_TYPE`] | classic buckets with exemplars, `# UNIT`, `# EOF` |
//! | [protobuf] | [`PROTOBUF_CONTENT_TYPE`] | classic and native buckets, exemplars |
//!
//! Each can be gzipped ([`render`]).

pub use crate::exposition::{created, family, openmetrics, proto, protobuf};
pub use crate::exposition::{
    write_exemplar, write_f64, write_header, write_i64, write_label_value, write_u64,
    ExemplarWriter, LinePrefixes, LineWriter, SampleSink, SampleWriter, TEXT_CONTENT_TYPE,
};

/// The `Content-Type` of Prometheus text format 1.0.0 (Prometheus 3's text format, which may
/// quote UTF-8 names; with legacy-valid names, as every name here is, the bytes are those of
/// 0.0.4).
pub const TEXT_1_0_0_CONTENT_TYPE: &str = "text/plain; version=1.0.0; charset=utf-8";

/// The `Content-Type` of OpenMetrics text 1.0.0.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `Content-Type` of the Prometheus protobuf format: varint-length-delimited
/// `io.prometheus.client.MetricFamily` messages.
pub const PROTOBUF_CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// What [`render`] writes: a set of families that can write themselves in any [`Format`]
/// (the registry). The registry sits above this module, so `render` names only this trait.
pub trait EncodeFormat {
    /// Appends every family in `format`.
    fn encode_format(&self, format: Format, out: &mut Vec<u8>);
}

/// An exposition format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Prometheus text format 0.0.4.
    Text,
    /// OpenMetrics text 1.0.0.
    OpenMetrics,
    /// Prometheus protobuf, delimited `MetricFamily` messages.
    Protobuf,
}

impl Format {
    /// The response's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text => TEXT_CONTENT_TYPE,
            Format::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
            Format::Protobuf => PROTOBUF_CONTENT_TYPE,
        }
    }

    /// The format an `Accept` header asks for ([`Negotiated::from_accept`]'s format), as
    /// Prometheus sends it: the acceptable media
    /// range with the highest q-value, the first one listed among equals. Protobuf needs
    /// `application/vnd.google.protobuf` (its `proto` and `encoding` parameters, when given,
    /// must be `io.prometheus.client.MetricFamily` and `delimited`); OpenMetrics needs
    /// `application/openmetrics-text` without a version or with `version=1.0.0`; text 0.0.4
    /// is `text/plain` (no version or `0.0.4`), `text/*` or `*/*`. Anything else (no header,
    /// nothing acceptable) gets text 0.0.4, which every scraper reads.
    ///
    /// A media range that is not well formed by RFC 9110 is ignored, as the RFC asks: a `q`
    /// that is not a weight (`0` to `1` with at most three decimals, so not `2`, `1.5`, `-1`
    /// or `"0.5"`), a parameter given twice (`q`, `version`, `proto` or `encoding`), or a
    /// parameter without `=` or with an empty name or value.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::encode::Format;
    ///
    /// // Prometheus 2.42 with --enable-feature=native-histograms:
    /// let accept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
    ///     encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,\
    ///     application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /// assert_eq!(Format::negotiate([accept]), Format::Protobuf);
    /// assert_eq!(
    ///     Format::negotiate(["application/openmetrics-text;version=1.0.0,text/plain;q=0.5"]),
    ///     Format::OpenMetrics
    /// );
    /// assert_eq!(Format::negotiate(["text/plain;version=0.0.4"]), Format::Text);
    /// assert_eq!(Format::negotiate(Vec::<&str>::new()), Format::Text);
    /// // q=5 is no weight: that range is ignored, not preferred.
    /// assert_eq!(
    ///     Format::negotiate(["application/vnd.google.protobuf;q=5,application/openmetrics-text;q=0.5"]),
    ///     Format::OpenMetrics
    /// );
    /// ```
    pub fn negotiate<'a>(accept: impl IntoIterator<Item = &'a str>) -> Format {
        Negotiated::from_accept(accept).format
    }
}

/// A metric-name escaping scheme, the `escaping` parameter of the exposition formats
/// (Prometheus 3 asks `escaping=allow-utf-8`): how a scraper wants names that are not
/// legacy-valid (`[a-zA-Z_:][a-zA-Z0-9_:]*`) written. Every name this crate exposes is
/// legacy-valid, and so is every name of an included `prometheus` registry (that crate
/// rejects any other at registration), so each scheme leaves the names as they are; the
/// response names the scheme in its `Content-Type`, as the exposition format asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Escaping {
    /// `allow-utf-8`: names are written as they are (a non-legacy one quoted).
    AllowUtf8,
    /// `underscores`: each character not legacy-valid becomes `_`.
    Underscores,
    /// `dots`: `.` becomes `_dot_`, `_` becomes `__`, other invalid characters `__`.
    Dots,
    /// `values`: a non-legacy name becomes `U__` and its characters, invalid ones as `_HEX_`.
    Values,
}

impl Escaping {
    /// The scheme a parameter value names; `None` for an unknown one (which is ignored, as
    /// client_golang does).
    pub fn from_param(value: &str) -> Option<Escaping> {
        match value {
            "allow-utf-8" => Some(Escaping::AllowUtf8),
            "underscores" => Some(Escaping::Underscores),
            "dots" => Some(Escaping::Dots),
            "values" => Some(Escaping::Values),
            _ => None,
        }
    }

    /// The parameter value: `allow-utf-8`, `underscores`, `dots` or `values`.
    pub fn as_str(self) -> &'static str {
        match self {
            Escaping::AllowUtf8 => "allow-utf-8",
            Escaping::Underscores => "underscores",
            Escaping::Dots => "dots",
            Escaping::Values => "values",
        }
    }
}

/// What a scrape's `Accept` header asks for: the [`Format`], for text the format version
/// (0.0.4 or 1.0.0) and the escaping scheme of the chosen media range, if it names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Negotiated {
    /// The format to write.
    pub format: Format,
    /// For [`Format::Text`]: whether the scraper asked for text format 1.0.0
    /// (`text/plain;version=1.0.0`) rather than 0.0.4. The body is the same; the
    /// `Content-Type` says which.
    pub text_1_0_0: bool,
    /// The `escaping` parameter of the chosen media range, when it names a known scheme.
    pub escaping: Option<Escaping>,
}

impl Negotiated {
    /// Negotiates as [`Format::negotiate`] does (the acceptable media range with the highest
    /// q-value, the first among equals; text 0.0.4 without one), and also reads the chosen
    /// range's text version (`text/plain` with `version=1.0.0` is text 1.0.0; no version is
    /// 0.0.4, the default for old scrapers) and its `escaping` parameter.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::encode::{Escaping, Format, Negotiated};
    ///
    /// // Prometheus 3.5's default Accept.
    /// let accept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
    ///     application/openmetrics-text;version=0.0.1;q=0.5,\
    ///     text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
    ///     text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
    /// let n = Negotiated::from_accept([accept]);
    /// assert_eq!(n.format, Format::OpenMetrics);
    /// assert_eq!(n.escaping, Some(Escaping::AllowUtf8));
    /// assert_eq!(
    ///     n.content_type(),
    ///     "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
    /// );
    /// // Prometheus 3 with scrape_protocols: [PrometheusText1.0.0].
    /// let n = Negotiated::from_accept(["text/plain;version=1.0.0;escaping=underscores"]);
    /// assert_eq!(n.content_type(), "text/plain; version=1.0.0; charset=utf-8; escaping=underscores");
    /// // No Accept: text 0.0.4, as before.
    /// assert_eq!(Negotiated::from_accept(Vec::<&str>::new()).content_type(), "text/plain; version=0.0.4; charset=utf-8");
    /// ```
    pub fn from_accept<'a>(accept: impl IntoIterator<Item = &'a str>) -> Negotiated {
        let mut best: Option<(f32, Negotiated)> = None;
        for header in accept {
            for range in header.split(',') {
                let Some((n, q)) = media_range(range) else {
                    continue;
                };
                if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, n));
                }
            }
        }
        best.map_or(
            Negotiated {
                format: Format::Text,
                text_1_0_0: false,
                escaping: None,
            },
            |(_, n)| n,
        )
    }

    /// The response's `Content-Type`: the format's ([`Format::content_type`], or
    /// [`TEXT_1_0_0_CONTENT_TYPE`] for text 1.0.0), with `; escaping=SCHEME` when the scraper
    /// named one.
    pub fn content_type(&self) -> String {
        let base = match self.format {
            Format::Text if self.text_1_0_0 => TEXT_1_0_0_CONTENT_TYPE,
            f => f.content_type(),
        };
        match self.escaping {
            Some(e) => format!("{base}; escaping={}", e.as_str()),
            None => base.to_owned(),
        }
    }
}

/// What one media range of an `Accept` header asks for, and its q-value; `None` when the
/// range names no format served here or is malformed.
fn media_range(range: &str) -> Option<(Negotiated, f32)> {
    let mut parts = range.split(';');
    let media = parts.next()?.trim();
    let (mut q, mut version, mut proto, mut encoding, mut escaping) =
        (None, None, None, None, None);
    for p in parameters(parts) {
        let (name, value) = p?;
        let slot = if name.eq_ignore_ascii_case("q") {
            &mut q
        } else if name.eq_ignore_ascii_case("version") {
            &mut version
        } else if name.eq_ignore_ascii_case("proto") {
            &mut proto
        } else if name.eq_ignore_ascii_case("encoding") {
            &mut encoding
        } else if name.eq_ignore_ascii_case("escaping") {
            &mut escaping
        } else {
            continue;
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    let q = match q {
        Some(q) => qvalue(q)?,
        None => 1.0,
    };
    fn unquote(v: &str) -> &str {
        v.trim_matches('"')
    }
    let (version, proto, encoding) = (
        version.map(unquote),
        proto.map(unquote),
        encoding.map(unquote),
    );
    let mut text_1_0_0 = false;
    let format = if media.eq_ignore_ascii_case("application/vnd.google.protobuf") {
        let proto_ok = proto.is_none_or(|p| p == "io.prometheus.client.MetricFamily");
        let encoding_ok = encoding.is_none_or(|e| e.eq_ignore_ascii_case("delimited"));
        (proto_ok && encoding_ok).then_some(Format::Protobuf)?
    } else if media.eq_ignore_ascii_case("application/openmetrics-text") {
        version
            .is_none_or(|v| v == "1.0.0")
            .then_some(Format::OpenMetrics)?
    } else if media.eq_ignore_ascii_case("text/plain") {
        text_1_0_0 = version == Some("1.0.0");
        version
            .is_none_or(|v| v == "0.0.4" || v == "1.0.0")
            .then_some(Format::Text)?
    } else if media == "*/*" || media.eq_ignore_ascii_case("text/*") {
        Format::Text
    } else {
        return None;
    };
    let escaping = escaping.map(unquote).and_then(Escaping::from_param);
    Some((
        Negotiated {
            format,
            text_1_0_0,
            escaping,
        },
        q,
    ))
}

/// The parameters after the value of an `Accept` or `Accept-Encoding` list member (RFC 9110,
/// section 5.6.6): `name=value` pairs, empty ones skipped; `None` for a malformed one (no `=`,
/// a name that is not a token, an empty value, white space around the `=`).
pub(crate) fn parameters<'a>(
    parts: impl Iterator<Item = &'a str>,
) -> impl Iterator<Item = Option<(&'a str, &'a str)>> {
    parts.map(str::trim).filter(|p| !p.is_empty()).map(|p| {
        let (name, value) = p.split_once('=')?;
        let token = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        };
        let spaced = value.starts_with([' ', '\t']);
        (token(name) && !value.is_empty() && !spaced).then_some((name, value))
    })
}

/// A weight, as RFC 9110 writes it (section 12.4.2): `0` to `1` with at most three decimals
/// (`0`, `0.5`, `0.125`, `1`, `1.000`); `None` for anything else (`2`, `1.5`, `-1`, `0.1234`,
/// `"0.5"`, `.5`).
pub(crate) fn qvalue(s: &str) -> Option<f32> {
    let (whole, decimals) = s.split_once('.').unwrap_or((s, ""));
    if decimals.len() > 3 || !decimals.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match whole {
        "1" if decimals.bytes().all(|b| b == b'0') => Some(1.0),
        "0" => {
            let mut thousandths = 0u32;
            for (i, b) in decimals.bytes().enumerate() {
                thousandths += u32::from(b - b'0') * [100, 10, 1][i];
            }
            Some(thousandths as f32 / 1000.0)
        }
        _ => None,
    }
}

#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
/// The gzip level of scrape bodies: 1 (fastest), see BENCHMARKS.md for the measurement.
pub const GZIP_LEVEL: u32 = 1;

#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
/// The whole `registry` in `format`, gzipped when `gzip`.
///
/// # Errors
///
/// Only when compressing fails.
pub fn render(
    registry: &(impl EncodeFormat + ?Sized),
    format: Format,
    gzip: bool,
) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    registry.encode_format(format, &mut body);
    if !gzip {
        return Ok(body);
    }
    gzip_body(&body)
}

#[cfg(feature = "exporter")]
thread_local! {
    /// The deflate state of this thread's last gzip, reset and used again: setting one up
    /// allocates and clears a few hundred kilobytes, about as long as compressing 5 KB.
    static DEFLATE: std::cell::RefCell<Option<flate2::Compress>> = const { std::cell::RefCell::new(None) };
}

#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
/// Compresses a body with gzip at [`GZIP_LEVEL`] (flate2 with its zlib-rs backend), reusing
/// the thread's deflate state. Nothing of the body is kept.
///
/// # Errors
///
/// When the compressor fails (it does not on memory buffers).
pub fn gzip_body(body: &[u8]) -> std::io::Result<Vec<u8>> {
    use flate2::{Compress, Compression, Crc, FlushCompress, Status};
    // RFC 1952 header: deflate, no flags, no time, fastest, unknown OS.
    let mut out = Vec::with_capacity(body.len() / 6 + 64);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff]);
    let deflated = DEFLATE.with(|cell| -> std::io::Result<()> {
        let mut cell = cell.borrow_mut();
        let c = cell.get_or_insert_with(|| Compress::new(Compression::new(GZIP_LEVEL), false));
        c.reset();
        loop {
            let consumed = usize::try_from(c.total_in()).unwrap_or(body.len());
            let rest = body.get(consumed..).unwrap_or_default();
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity() / 2 + 64);
            }
            match c.compress_vec(rest, &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(std::io::Error::other(e)),
            }
        }
    });
    deflated?;
    let mut crc = Crc::new();
    crc.update(body);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "exporter")]
    #[test]
    fn gzip_bodies_decode_to_the_body_again_and_again() {
        use std::io::Read as _;
        for body in [
            &b""[..],
            b"a",
            &b"alys_x_total 1\n".repeat(20_000),
            b"# HELP y Y.\n",
        ] {
            let gz = gzip_body(body).unwrap();
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, body);
        }
    }

    #[test]
    fn negotiation_follows_q_values_and_parameters() {
        let n = |s: &str| Format::negotiate([s]);
        assert_eq!(n(""), Format::Text);
        assert_eq!(n("application/json"), Format::Text);
        assert_eq!(n("application/openmetrics-text"), Format::OpenMetrics);
        assert_eq!(
            n("application/openmetrics-text;version=0.0.1"),
            Format::Text
        );
        assert_eq!(
            n("application/openmetrics-text; version=\"1.0.0\"; q=0.4, text/plain;q=0.5"),
            Format::Text
        );
        assert_eq!(
            n("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text"),
            Format::Text
        );
        assert_eq!(
            n("application/vnd.google.protobuf;q=0.7,application/openmetrics-text;version=1.0.0"),
            Format::OpenMetrics
        );
        assert_eq!(
            n("application/vnd.google.protobuf;q=0,text/plain;q=0.1"),
            Format::Text
        );
        assert_eq!(n("application/vnd.google.protobuf;q=bogus"), Format::Text);
        assert_eq!(
            Format::negotiate(["text/plain;q=0.5", "application/openmetrics-text"]),
            Format::OpenMetrics
        );
    }

    #[test]
    fn text_1_0_0_and_the_escaping_scheme_are_negotiated() {
        let n = |s: &str| Negotiated::from_accept([s]);
        assert_eq!(
            n("text/plain;version=1.0.0"),
            Negotiated {
                format: Format::Text,
                text_1_0_0: true,
                escaping: None
            }
        );
        assert!(!n("text/plain").text_1_0_0);
        assert!(!n("text/plain;version=0.0.4").text_1_0_0);
        assert_eq!(n("text/plain;version=1.1.0").format, Format::Text);
        assert!(
            !n("text/plain;version=1.1.0").text_1_0_0,
            "not acceptable: the default"
        );
        // The escaping of the chosen range only.
        let m = n("text/plain;version=1.0.0;escaping=dots;q=0.4,application/openmetrics-text;version=1.0.0;q=0.6");
        assert_eq!((m.format, m.escaping), (Format::OpenMetrics, None));
        let m = n("text/plain;version=1.0.0;escaping=\"values\"");
        assert_eq!(m.escaping, Some(Escaping::Values));
        assert_eq!(n("text/plain;escaping=unknown").escaping, None);
        // A duplicated escaping parameter is malformed: the range is dropped.
        let m = n("application/openmetrics-text;escaping=dots;escaping=values,text/plain;q=0.1");
        assert_eq!(m.format, Format::Text);
        for e in [
            Escaping::AllowUtf8,
            Escaping::Underscores,
            Escaping::Dots,
            Escaping::Values,
        ] {
            assert_eq!(Escaping::from_param(e.as_str()), Some(e));
        }
        assert_eq!(
            n("application/vnd.google.protobuf;escaping=underscores").content_type(),
            format!("{PROTOBUF_CONTENT_TYPE}; escaping=underscores")
        );
    }

    #[test]
    fn weights_follow_rfc_9110_and_a_bad_one_drops_its_range() {
        for (q, want) in [
            ("0", Some(0.0)),
            ("0.", Some(0.0)),
            ("0.5", Some(0.5)),
            ("0.125", Some(0.125)),
            ("0.001", Some(0.001)),
            ("1", Some(1.0)),
            ("1.000", Some(1.0)),
            ("1.", Some(1.0)),
        ] {
            assert_eq!(qvalue(q), want, "{q}");
        }
        for bad in [
            "2", "1.5", "1.001", "-1", "-0", "0.1234", ".5", "\"0.5\"", "", "NaN", "inf", "1e0",
            "0.5 ", " 0.5", "+0.5", "01", "0x1",
        ] {
            assert_eq!(qvalue(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn malformed_or_duplicated_parameters_drop_their_range() {
        let n = |s: &str| Format::negotiate([s]);
        let om = "application/openmetrics-text";
        // Before: q=5 made protobuf the favourite; a weight above 1 is invalid, so that range
        // is ignored and the next one wins.
        assert_eq!(
            n(&format!("application/vnd.google.protobuf;q=5,{om};q=0.5")),
            Format::OpenMetrics
        );
        assert_eq!(
            n(&format!("application/vnd.google.protobuf;q=1.5,{om};q=0.1")),
            Format::OpenMetrics
        );
        assert_eq!(n("application/vnd.google.protobuf;q=1.0001"), Format::Text);
        assert_eq!(n("application/vnd.google.protobuf;q=-1"), Format::Text);
        assert_eq!(n("application/vnd.google.protobuf;q=\"1\""), Format::Text);
        // A parameter given twice is ambiguous: the range is ignored.
        assert_eq!(n(&format!("{om};q=0.1;q=1,text/plain;q=0.5")), Format::Text);
        assert_eq!(n(&format!("{om};q=1;Q=0")), Format::Text);
        assert_eq!(
            n(&format!("{om};version=1.0.0;version=0.0.1")),
            Format::Text
        );
        assert_eq!(
            n("application/vnd.google.protobuf;encoding=delimited;encoding=text"),
            Format::Text
        );
        // Malformed parameters: no `=`, an empty name or value, space around `=`.
        for bad in [
            format!("{om};q"),
            format!("{om};=1"),
            format!("{om};q="),
            format!("{om};q= 1"),
            format!("{om};q =1"),
            format!("{om};version"),
        ] {
            assert_eq!(n(&bad), Format::Text, "{bad}");
        }
        // Empty parameters are allowed; an unknown one given twice changes nothing.
        assert_eq!(n(&format!("{om};;q=1;")), Format::OpenMetrics);
        assert_eq!(n(&format!("{om};x=1;x=2")), Format::OpenMetrics);
        // A valid range still wins next to a broken one in the same header.
        assert_eq!(
            n(&format!(
                "application/vnd.google.protobuf;q=9;q=9,{om};q=0.9,text/plain;q=0.5"
            )),
            Format::OpenMetrics
        );
    }
}
