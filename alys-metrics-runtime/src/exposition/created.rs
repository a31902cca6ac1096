//! When a family's series began ("created" or start timestamps): the Unix time, written
//! once in each format's form, so that a scrape copies bytes rather than formatting a time
//! for every series.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use super::proto;
use super::protobuf::wire;

/// A start time: protobuf's `created_timestamp` (a `google.protobuf.Timestamp`) and
/// OpenMetrics' `_created` value (seconds since the Unix epoch), rendered when made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    unix_nanos: u64,
    proto: Box<[u8]>,
    seconds: Box<str>,
}

impl Created {
    /// The wall clock now (the Unix epoch if the clock is set before it).
    pub fn now() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        Self::at_unix_nanos(nanos)
    }

    /// The time `nanos` nanoseconds after the Unix epoch.
    pub fn at_unix_nanos(nanos: u64) -> Self {
        let (secs, sub) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
        let mut proto = Vec::with_capacity(16);
        write_timestamp(&mut proto, nanos);
        let seconds = if sub == 0 {
            format!("{secs}")
        } else {
            let frac = format!("{sub:09}");
            format!("{secs}.{}", frac.trim_end_matches('0'))
        };
        Self {
            unix_nanos: nanos,
            proto: proto.into_boxed_slice(),
            seconds: seconds.into_boxed_str(),
        }
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(&self) -> u64 {
        self.unix_nanos
    }

    /// The body of the `google.protobuf.Timestamp` message (fields `seconds` and `nanos`).
    pub fn proto_body(&self) -> &[u8] {
        &self.proto
    }

    /// The `google.protobuf.Timestamp` message.
    pub fn timestamp(&self) -> proto::Timestamp {
        proto::Timestamp {
            seconds: i64::try_from(self.unix_nanos / 1_000_000_000).unwrap_or(i64::MAX),
            nanos: (self.unix_nanos % 1_000_000_000) as i32,
        }
    }

    /// Seconds since the Unix epoch as OpenMetrics writes them (`1765152000.25`).
    pub fn seconds(&self) -> &str {
        &self.seconds
    }
}

/// Appends the body of the `google.protobuf.Timestamp` of `nanos` nanoseconds after the Unix
/// epoch (`seconds`, and `nanos` when not 0).
pub fn write_timestamp(out: &mut Vec<u8>, nanos: u64) {
    let (secs, sub) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
    wire::uint(out, 1, secs);
    if sub != 0 {
        wire::uint(out, 2, sub);
    }
}

static PROCESS_START: OnceLock<Created> = OnceLock::new();

/// The start time of the families computed at scrape time (scrape-time `Collect`s and the
/// built-in counters): the first call, which the registry makes when it starts.
pub fn process_start() -> &'static Created {
    PROCESS_START.get_or_init(Created::now)
}

/// Which formats the registry writes start times in: protobuf's `created_timestamp` (on by
/// default; Prometheus ignores it unless `--enable-feature=created-timestamp-zero-ingestion`)
/// and OpenMetrics' `_created` lines (off by default, as in client_golang: a Prometheus
/// without that feature stores each `_created` line as a series of its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CreatedTimestamps {
    /// Write `created_timestamp` in protobuf. Default true.
    pub protobuf: bool,
    /// Write a `<family>_created` line after each counter and histogram series in
    /// OpenMetrics. Default false.
    pub openmetrics: bool,
}

impl Default for CreatedTimestamps {
    fn default() -> Self {
        Self {
            protobuf: true,
            openmetrics: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::proto;
    use prost::Message as _;

    #[test]
    fn a_start_time_is_a_protobuf_timestamp_and_openmetrics_seconds() {
        let c = Created::at_unix_nanos(1_765_152_000_250_000_000);
        let ts = proto::Timestamp::decode(c.proto_body()).unwrap();
        assert_eq!((ts.seconds, ts.nanos), (1_765_152_000, 250_000_000));
        assert_eq!(c.seconds(), "1765152000.25");
        let whole = Created::at_unix_nanos(1_765_152_000_000_000_000);
        assert_eq!(whole.seconds(), "1765152000");
        assert_eq!(
            proto::Timestamp::decode(whole.proto_body()).unwrap().nanos,
            0
        );
        assert!(Created::now().unix_nanos() > 1_700_000_000_000_000_000);
    }
}
