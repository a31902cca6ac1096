//! The generated code names everything by absolute path: it compiles with the prelude
//! disabled and with `std`, `core`, `Result`, `Option` and friends shadowed.

#![no_implicit_prelude]

extern crate alys_metrics;

mod empty {}

mod shadowed {
    #![allow(dead_code, unused_imports, non_camel_case_types)]

    use super::empty as std;
    use super::empty as core;
    use super::empty as inventory;
    use ::alys_metrics::prelude::*;

    type Result = ();
    type Option = ();
    type Some = ();
    type Vec = ();
    type String = ();
    type Box = ();
    type usize = ();
    struct Descriptor;
    struct Metric;
    struct Registration;
    trait LabelSet {}
    trait LabelValue {}

    #[derive(Clone, Copy, ::alys_metrics::LabelValue)]
    pub enum Outcome {
        Accepted,
        Rejected,
    }

    /// Requests, by outcome and phase.
    #[alys_metric(counter, labels(outcome: Outcome, phase))]
    pub static REQUESTS: Counter;

    /// Peer scores.
    #[alys_metric(gauge, labels(peer_id: dynamic(max = 8)))]
    pub static SCORES: Gauge;

    /// Import time.
    #[alys_metric(histogram, buckets = [0.1, 1.0])]
    pub static IMPORT_DURATION: Histogram;

    pub fn touch() {
        REQUESTS
            .with(Outcome::Rejected, MigrationPhase::Foundation)
            .inc();
        SCORES.with("peer").set(1.0);
        IMPORT_DURATION.observe(0.5);
    }
}

fn main() {
    shadowed::touch();
    let _: u64 = shadowed::REQUESTS
        .with(
            shadowed::Outcome::Rejected,
            ::alys_metrics::labels::MigrationPhase::Foundation,
        )
        .get();
}
