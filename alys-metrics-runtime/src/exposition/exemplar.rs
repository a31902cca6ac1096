//! An exemplar as the formats write it: the observed value, its trace and when. Histograms
//! keep them (`metric::exemplar`); OpenMetrics and protobuf write them.

/// The trace an observation belongs to, exported as the exemplar label `trace_id` in lower-case
/// hex: 16 digits for a 64-bit id (a `tracing` span id), 32 for a 128-bit one (an
/// OpenTelemetry trace id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceId {
    pub(crate) hi: u64,
    pub(crate) lo: u64,
    pub(crate) wide: bool,
}

impl TraceId {
    /// A 64-bit id (16 hex digits).
    pub const fn from_u64(id: u64) -> Self {
        Self {
            hi: 0,
            lo: id,
            wide: false,
        }
    }

    /// A 128-bit id (32 hex digits), such as an OpenTelemetry trace id.
    pub const fn from_u128(id: u128) -> Self {
        Self {
            hi: (id >> 64) as u64,
            lo: id as u64,
            wide: true,
        }
    }

    /// Appends the id in lower-case hex.
    pub fn write_hex(&self, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut push = |v: u64| {
            for shift in (0..16).rev() {
                out.push(HEX[((v >> (shift * 4)) & 0xf) as usize]);
            }
        };
        if self.wide {
            push(self.hi);
        }
        push(self.lo);
    }

    /// The id in lower-case hex.
    pub fn to_hex(&self) -> String {
        let mut v = Vec::with_capacity(32);
        self.write_hex(&mut v);
        String::from_utf8(v).unwrap_or_default()
    }
}

impl std::fmt::Display for TraceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// One stored exemplar: the observed value, its trace and when it was observed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exemplar {
    /// The observed value.
    pub value: f64,
    /// The trace it belongs to.
    pub trace_id: TraceId,
    /// When it was observed, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
}
