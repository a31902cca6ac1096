//! Exemplars: the latest observation of a histogram bucket together with the trace it belongs
//! to, exposed in OpenMetrics text and protobuf (never in text 0.0.4).
//!
//! An exemplar is written only by [`Histogram::observe_with_exemplar`] and
//! [`Histogram::observe_traced`] (what `#[time_block]` calls); a plain
//! [`observe`](super::Histogram::observe) never touches them. Each bucket keeps its latest exemplar
//! in a small seqlock of atomics: writing one is a compare-and-swap, five stores and a clock
//! read, with no lock and no allocation after the first exemplar of a histogram.
//!
//! [`Histogram::observe_with_exemplar`]: super::Histogram::observe_with_exemplar
//! [`Histogram::observe_traced`]: super::Histogram::observe_traced

use std::sync::atomic::{fence, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

pub use crate::exposition::exemplar::{Exemplar, TraceId};

static SOURCE: OnceLock<fn() -> Option<TraceId>> = OnceLock::new();

/// Installs the function that names the current trace (for example one that reads the
/// OpenTelemetry context of the current span); the first call wins and returns true. Without
/// one, [`current_trace_id`] takes the id of the current `tracing` span.
pub fn set_trace_id_source(source: fn() -> Option<TraceId>) -> bool {
    SOURCE.set(source).is_ok()
}

/// The trace of the code running now: from the source installed with
/// [`set_trace_id_source`]; else, with the `opentelemetry` feature, the trace id of the current
/// OpenTelemetry context (its active span, valid ids only: what `Context::attach` or a tracer's
/// `in_span` made current); else the id of the current `tracing` span (none without a
/// subscriber that tracks spans, or outside every span).
#[inline]
pub fn current_trace_id() -> Option<TraceId> {
    if let Some(source) = SOURCE.get() {
        return source();
    }
    #[cfg(feature = "opentelemetry")]
    if let Some(id) = opentelemetry_trace_id() {
        return Some(id);
    }
    // One relaxed load when no subscriber was ever installed (globally or scoped): then no
    // span can be current, and asking the no-op dispatcher costs more than the load.
    if !tracing::dispatcher::has_been_set() {
        return None;
    }
    tracing::dispatcher::get_default(|d| {
        d.current_span()
            .id()
            .map(|id| TraceId::from_u64(id.into_u64()))
    })
}

/// The trace id of the current OpenTelemetry context, when it has a valid span context.
#[cfg(feature = "opentelemetry")]
pub fn opentelemetry_trace_id() -> Option<TraceId> {
    use opentelemetry::trace::TraceContextExt as _;
    opentelemetry::Context::map_current(|cx| {
        let span = cx.span();
        let sc = span.span_context();
        sc.is_valid()
            .then(|| TraceId::from_u128(u128::from_be_bytes(sc.trace_id().to_bytes())))
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The latest exemplar of one bucket: a seqlock over atomics (odd sequence while written; a
/// writer that finds another one writing leaves the slot to it, the latest wins either way).
#[derive(Debug, Default)]
pub(crate) struct ExemplarSlot {
    seq: AtomicU64,
    value: AtomicU64,
    hi: AtomicU64,
    lo: AtomicU64,
    /// Milliseconds since the epoch, shifted left by one; the low bit is `wide`.
    stamp: AtomicU64,
}

impl ExemplarSlot {
    /// An empty slot, constructible in a `static`.
    pub(crate) const fn new() -> Self {
        Self {
            seq: AtomicU64::new(0),
            value: AtomicU64::new(0),
            hi: AtomicU64::new(0),
            lo: AtomicU64::new(0),
            stamp: AtomicU64::new(0),
        }
    }

    #[inline]
    pub(crate) fn store(&self, value: f64, trace_id: TraceId) {
        let stamp = (now_ms() << 1) | u64::from(trace_id.wide);
        let seq = self.seq.load(Ordering::Relaxed);
        if seq & 1 == 1
            || self
                .seq
                .compare_exchange(seq, seq + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        self.value.store(value.to_bits(), Ordering::Relaxed);
        self.hi.store(trace_id.hi, Ordering::Relaxed);
        self.lo.store(trace_id.lo, Ordering::Relaxed);
        self.stamp.store(stamp, Ordering::Relaxed);
        self.seq.store(seq + 2, Ordering::Release);
    }

    /// The stored exemplar, or `None` when there is none (or a writer kept it busy).
    pub(crate) fn load(&self) -> Option<Exemplar> {
        for _ in 0..8 {
            let before = self.seq.load(Ordering::Acquire);
            if before == 0 {
                return None;
            }
            if before & 1 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let value = f64::from_bits(self.value.load(Ordering::Relaxed));
            let hi = self.hi.load(Ordering::Relaxed);
            let lo = self.lo.load(Ordering::Relaxed);
            let stamp = self.stamp.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            if self.seq.load(Ordering::Relaxed) == before {
                return Some(Exemplar {
                    value,
                    trace_id: TraceId {
                        hi,
                        lo,
                        wide: stamp & 1 == 1,
                    },
                    timestamp_ms: stamp >> 1,
                });
            }
        }
        None
    }

    pub(crate) fn clear(&self) {
        self.seq.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_print_as_fixed_width_hex() {
        assert_eq!(TraceId::from_u64(0xab).to_hex(), "00000000000000ab");
        assert_eq!(
            TraceId::from_u128(1 << 64 | 2).to_hex(),
            "00000000000000010000000000000002"
        );
    }

    #[test]
    fn a_slot_keeps_the_latest_exemplar() {
        let s = ExemplarSlot::default();
        assert_eq!(s.load(), None);
        s.store(0.5, TraceId::from_u64(7));
        s.store(0.25, TraceId::from_u128(9));
        let e = s.load().unwrap();
        assert_eq!(e.value, 0.25);
        assert_eq!(e.trace_id, TraceId::from_u128(9));
        assert!(e.timestamp_ms > 1_600_000_000_000);
        s.clear();
        assert_eq!(s.load(), None);
    }

    #[cfg(feature = "opentelemetry")]
    #[test]
    fn the_opentelemetry_context_names_the_trace_and_tracing_is_the_fallback() {
        use opentelemetry::trace::{
            SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceState,
        };

        let trace = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736u128;
        let cx = opentelemetry::Context::new().with_remote_span_context(SpanContext::new(
            opentelemetry::trace::TraceId::from_bytes(trace.to_be_bytes()),
            SpanId::from_bytes(0x00f0_67aa_0ba9_02b7u64.to_be_bytes()),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        ));
        {
            let _attached = cx.attach();
            let id = current_trace_id().expect("the attached context's trace");
            assert_eq!(id, TraceId::from_u128(trace));
            assert_eq!(id.to_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        }
        // Detached: no OpenTelemetry span, so the `tracing` span's id, or none outside it.
        assert_eq!(opentelemetry_trace_id(), None);
        let subscriber = tracing_subscriber::registry();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("fallback");
            let _entered = span.enter();
            let span_id = span.id().expect("a span the registry tracks").into_u64();
            assert_eq!(current_trace_id(), Some(TraceId::from_u64(span_id)));
        });
    }
}
