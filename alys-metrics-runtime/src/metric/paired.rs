//! [`PairedGauge`]: a gauge family whose two labels come in pairs (one series per key).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use super::encoder::Encoder;
use super::{Collect, Descriptor};
use crate::labels::{sanitize_into, MAX_LABEL_VALUE_LEN};

/// One series of a [`PairedGauge`]: a first-label value, the second label it came with, its
/// value.
#[derive(Debug)]
pub struct PairedGaugeEntry {
    key: Box<str>,
    companion: Box<str>,
    pub(crate) value: AtomicI64,
}

/// A gauge family with two labels that come in pairs, such as
/// `alys_governance_connection_status{endpoint,node_id}` (an endpoint serves one node id).
///
/// A family with two independent capped labels would export every combination of the values
/// it has seen (most of them 0, which reads as "disconnected"); this one exports exactly one
/// series per admitted first-label value, with the second label value it came with, plus
/// `other`/`other` (the last value set for a key beyond the cap) once used. The label names
/// are the descriptor's two; the owner admits and releases keys and keeps the cap.
#[derive(Debug)]
pub struct PairedGauge {
    desc: &'static Descriptor,
    entries: RwLock<Vec<Arc<PairedGaugeEntry>>>,
    other: AtomicI64,
    other_used: AtomicBool,
    overflow: AtomicU64,
}

// The recording side (`admit`, `release`, ..) is used by `chain::governance` only.
#[cfg_attr(not(feature = "chain"), allow(dead_code))]
impl PairedGauge {
    /// An empty family described by `desc`.
    pub const fn new(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            entries: RwLock::new(Vec::new()),
            other: AtomicI64::new(0),
            other_used: AtomicBool::new(false),
            overflow: AtomicU64::new(0),
        }
    }

    /// The value exported for `key` (sanitised as label values are), if it has a series of
    /// its own.
    pub fn get(&self, key: &str) -> Option<i64> {
        let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
        let key = sanitize_into(key, &mut buf);
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|e| &*e.key == key)
            .map(|e| e.value.load(Ordering::Relaxed))
    }

    /// Adds the series of `key` (already sanitised) with `companion`, at 0.
    pub(crate) fn admit(&self, key: &str, companion: &str) -> Arc<PairedGaugeEntry> {
        let entry = Arc::new(PairedGaugeEntry {
            key: key.into(),
            companion: companion.into(),
            value: AtomicI64::new(0),
        });
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::clone(&entry));
        entry
    }

    /// Removes the series of `key`.
    pub(crate) fn release(&self, key: &str) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|e| &*e.key != key);
    }

    /// Sets the `other` series.
    pub(crate) fn set_other(&self, value: i64) {
        self.other.store(value, Ordering::Relaxed);
        self.other_used.store(true, Ordering::Relaxed);
    }

    /// Counts a key folded into `other` and makes that series exported.
    pub(crate) fn fold(&self) {
        self.overflow.fetch_add(1, Ordering::Relaxed);
        self.other_used.store(true, Ordering::Relaxed);
    }
}

impl Collect for PairedGauge {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {}

    fn encode(&self, enc: &mut Encoder<'_>) {
        let mut family = enc.family(self.desc);
        let (first, second) = match self.desc.label_names {
            [first, second] => (*first, *second),
            _ => ("key", "value"),
        };
        for e in self
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            let labels = [(first, &*e.key), (second, &*e.companion)];
            family.sample(&labels, e.value.load(Ordering::Relaxed));
        }
        if self.other_used.load(Ordering::Relaxed) {
            let labels = [(first, "other"), (second, "other")];
            family.sample(&labels, self.other.load(Ordering::Relaxed));
        }
    }

    fn series_count(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
            + usize::from(self.other_used.load(Ordering::Relaxed))
    }

    fn overflowed(&self) -> u64 {
        self.overflow.load(Ordering::Relaxed)
    }

    fn has_dynamic_labels(&self) -> bool {
        true
    }
}
