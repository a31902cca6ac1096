//! Native histogram buckets against prometheus-client's native histogram (a port of
//! client_golang's, the reference implementation) on the same observations: same schema,
//! zero bucket, spans and deltas, read from both libraries' Prometheus protobuf output.
//!
//! With a bucket limit the two differ by design in one way, shown by the last test:
//! client_golang (and prometheus-client) halve the resolution once each time a new bucket
//! goes over the limit and may stay above it; ours halves it at scrape time until the
//! buckets fit, as the Prometheus server does with its own bucket limit.

use alys_metrics::encode::{proto, protobuf};
use alys_metrics::metric::native::{spans_and_deltas, MIN_SCHEMA};
use alys_metrics::metric::NativeConfig;
use alys_metrics::Histogram;
use prometheus_client::metrics::histogram::{Histogram as PcHistogram, NativeHistogramConfig};
use prometheus_client::registry::Registry as PcRegistry;

/// What both libraries export for one native histogram.
#[derive(Debug, PartialEq)]
struct Native {
    schema: i32,
    zero_threshold: f64,
    zero_count: u64,
    count: u64,
    positive: (Vec<(i32, u32)>, Vec<i64>),
    negative: (Vec<(i32, u32)>, Vec<i64>),
}

fn spans(s: &[proto::BucketSpan], d: &[i64]) -> (Vec<(i32, u32)>, Vec<i64>) {
    (
        s.iter()
            .map(|s| (s.offset.unwrap_or(0), s.length.unwrap_or(0)))
            .filter(|s| *s != (0, 0))
            .collect(),
        d.to_vec(),
    )
}

fn theirs(schema: i8, max_buckets: usize, values: &[f64]) -> Native {
    let h = PcHistogram::new_native(
        NativeHistogramConfig::with_schema(schema).max_buckets(max_buckets),
    );
    for v in values {
        h.observe(*v);
    }
    let mut registry = PcRegistry::default();
    registry.register("h", "H.", h);
    let body = prometheus_client::encoding::prometheus_protobuf::encode_to_vec(&registry)
        .expect("prometheus-client encodes");
    let families = protobuf::decode(&body).expect("our prost types decode theirs");
    let h = families[0].metric[0]
        .histogram
        .clone()
        .expect("a histogram");
    Native {
        schema: h.schema.unwrap_or(0),
        zero_threshold: h.zero_threshold.unwrap_or(0.0),
        zero_count: h.zero_count.unwrap_or(0),
        count: h.sample_count.unwrap_or(0),
        positive: spans(&h.positive_span, &h.positive_delta),
        negative: spans(&h.negative_span, &h.negative_delta),
    }
}

fn ours(schema: i8, max_buckets: u32, values: &[f64]) -> Native {
    let h = Histogram::with_native(&[], NativeConfig::new(schema, max_buckets));
    for v in values {
        h.observe(*v);
    }
    let n = h.native().expect("native buckets");
    Native {
        schema: i32::from(n.schema),
        zero_threshold: n.zero_threshold,
        zero_count: n.zero_count,
        count: n.count(),
        positive: spans_and_deltas(&n.positive),
        negative: spans_and_deltas(&n.negative),
    }
}

/// A small deterministic generator (xorshift), so that failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Latency-like values over many orders of magnitude, some negative, some zero.
    fn value(&mut self) -> f64 {
        let r = self.next();
        match r % 20 {
            0 => 0.0,
            1 => -((r >> 8) as f64 / (1u64 << 40) as f64),
            2 => 2f64.powi((r >> 8) as i32 % 60 - 30), // exact powers of two: bucket bounds
            _ => 1e-6 * 1e9f64.powf((r >> 11) as f64 / (1u64 << 53) as f64),
        }
    }
}

#[test]
fn buckets_match_prometheus_client_at_every_schema() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for schema in MIN_SCHEMA..=8 {
        for round in 0..20 {
            let values: Vec<f64> = (0..200).map(|_| rng.value()).collect();
            assert_eq!(
                ours(schema, 1_000_000, &values),
                theirs(schema, 0, &values),
                "schema {schema}, round {round}: {values:?}"
            );
        }
    }
}

#[test]
fn hand_computed_buckets() {
    // Schema 0: bucket i is (2^(i-1), 2^i]. 1 -> 0, 1.5 and 2 -> 1, 3 -> 2, 1024 -> 10.
    let n = ours(0, 100, &[1.0, 1.5, 2.0, 3.0, 1024.0, 0.0, -0.75]);
    assert_eq!(n.zero_count, 1);
    assert_eq!(n.positive, (vec![(0, 3), (7, 1)], vec![1, 1, -1, 0]));
    // -0.75 is in negative bucket 0, (0.5, 1].
    assert_eq!(n.negative, (vec![(0, 1)], vec![1]));
    assert_eq!(n.count, 7);
    assert_eq!(n.zero_threshold, 2f64.powi(-128));
    // Schema 3: eight buckets per power of two; 1.1 is in (2^(1/8), 2^(2/8)] = bucket 2,
    // 1.09 in (1, 2^(1/8) = 1.0905] = bucket 1.
    let n = ours(3, 100, &[1.09, 1.1]);
    assert_eq!(n.positive, (vec![(1, 2)], vec![1, 0]));
    // Schema -2: buckets span 4 powers of two: (1, 16] is bucket 1, (16, 256] bucket 2.
    let n = ours(-2, 100, &[2.0, 16.0, 17.0]);
    assert_eq!(n.positive, (vec![(1, 2)], vec![2, -1]));
}

#[test]
fn schema_reduction_matches_where_one_halving_fits() {
    // Four buckets at schema 2 (1, 1.1, 1.3, 1.5 -> 0, 1, 2, 3), limit 3: both halve once
    // to schema 1 (buckets 0, 1, 2: three).
    let values = [1.0, 1.1, 1.3, 1.5];
    let a = ours(2, 3, &values);
    assert_eq!(a, theirs(2, 3, &values));
    assert_eq!(a.schema, 1);
    assert_eq!(a.positive, (vec![(0, 3)], vec![1, 1, -1]));
    let mut rng = Rng(42);
    for round in 0..50 {
        let values: Vec<f64> = (0..40)
            .map(|_| 0.01 * (1.0 + (rng.next() % 1000) as f64 / 1000.0))
            .collect();
        let a = ours(8, 64, &values);
        let b = theirs(8, 64, &values);
        // Values within one power of two: each halving at least halves the buckets, so
        // client_golang's one-step reductions end where ours does.
        assert_eq!(a, b, "round {round}: {values:?}");
    }
}

#[test]
fn over_the_limit_ours_keeps_halving_where_client_golang_stops() {
    // Three far-apart values at schema 0, limit 1: a halving does not merge them, so
    // client_golang halves once per new bucket (twice) and stays at three buckets; ours
    // goes down to schema -4, where 1 and 1000 share bucket 0 and 1e9 is in bucket 1 (the
    // most it can merge), the same counts at a coarser schema.
    let values = [1.0, 1e3, 1e9];
    let a = ours(0, 1, &values);
    let b = theirs(0, 1, &values);
    assert_eq!(b.schema, -2);
    assert_eq!(a.schema, -4);
    assert_eq!(a.count, b.count);
    assert!(a.positive.1.len() < b.positive.1.len());
}
