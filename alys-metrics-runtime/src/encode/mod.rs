//! The exposition formats `/metrics` serves, chosen by the request's `Accept` header
//! ([`Format::negotiate`]):
//!
//! | format | `Content-Type` | carries |
//! |---|---|---|
//! | text 0.0.4 (default) | [`TEXT_CONTENT_TYPE`] | classic buckets; never exemplars |
//! | [OpenMetrics 1.0.0](openmetrics) | [`OPENMETRICS_CONTENT_TYPE`] | classic buckets with exemplars, `# UNIT`, `# EOF` |
//! | [protobuf] | [`PROTOBUF_CONTENT_TYPE`] | classic and native buckets, exemplars |
//!
//! Each can be gzipped ([`render`]).

pub use crate::exposition::{family, openmetrics, proto, protobuf};
pub use crate::exposition::{
    write_exemplar, write_f64, write_header, write_i64, write_label_value, write_u64,
    ExemplarWriter, LinePrefixes, LineWriter, SampleSink, SampleWriter, TEXT_CONTENT_TYPE,
};

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

    /// The format an `Accept` header asks for, as Prometheus sends it: the acceptable media
    /// range with the highest q-value, the first one listed among equals. Protobuf needs
    /// `application/vnd.google.protobuf` (its `proto` and `encoding` parameters, when given,
    /// must be `io.prometheus.client.MetricFamily` and `delimited`); OpenMetrics needs
    /// `application/openmetrics-text` without a version or with `version=1.0.0`; text 0.0.4
    /// is `text/plain` (no version or `0.0.4`), `text/*` or `*/*`. Anything else (no header,
    /// nothing acceptable) gets text 0.0.4, which every scraper reads.
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
    /// ```
    pub fn negotiate<'a>(accept: impl IntoIterator<Item = &'a str>) -> Format {
        let mut best: Option<(f32, Format)> = None;
        for header in accept {
            for range in header.split(',') {
                let Some((format, q)) = media_range(range) else {
                    continue;
                };
                if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, format));
                }
            }
        }
        best.map_or(Format::Text, |(_, f)| f)
    }
}

/// The format one media range of an `Accept` header names, and its q-value.
fn media_range(range: &str) -> Option<(Format, f32)> {
    let mut parts = range.split(';');
    let media = parts.next()?.trim();
    let mut q = 1.0f32;
    let (mut version, mut proto, mut encoding) = (None, None, None);
    for p in parts {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"');
        match k.trim().to_ascii_lowercase().as_str() {
            "q" => q = v.parse().ok().filter(|q: &f32| q.is_finite())?,
            "version" => version = Some(v),
            "proto" => proto = Some(v),
            "encoding" => encoding = Some(v),
            _ => {}
        }
    }
    let format = if media.eq_ignore_ascii_case("application/vnd.google.protobuf") {
        let proto_ok = proto.is_none_or(|p| p == "io.prometheus.client.MetricFamily");
        let encoding_ok = encoding.is_none_or(|e| e.eq_ignore_ascii_case("delimited"));
        (proto_ok && encoding_ok).then_some(Format::Protobuf)?
    } else if media.eq_ignore_ascii_case("application/openmetrics-text") {
        version
            .is_none_or(|v| v == "1.0.0")
            .then_some(Format::OpenMetrics)?
    } else if media.eq_ignore_ascii_case("text/plain") {
        version
            .is_none_or(|v| v == "0.0.4")
            .then_some(Format::Text)?
    } else if media == "*/*" || media.eq_ignore_ascii_case("text/*") {
        Format::Text
    } else {
        return None;
    };
    Some((format, q))
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
}
