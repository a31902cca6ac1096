//! Every label form: standard names, `reason: Enum`, `name: MyEnum` with a derived enum,
//! `dynamic(max = N)`, keywords and raw identifiers as label names, and all six at once.

use alys_metrics::{labels::{RejectionReason, Status}, prelude::*};

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
pub enum Outcome {
    Accepted,
    #[label = "denied"]
    Rejected,
}

/// Every standard label name, each bound to its standard enum.
#[alys_metric(counter, labels(phase, error_type))]
pub static MIGRATION_FAILURES: Counter;

/// The remaining standard names.
#[alys_metric(gauge, labels(region, operation, direction, event))]
pub static MIXED: IntGauge;

/// Transactions rejected, by reason.
#[alys_metric(counter, labels(reason: RejectionReason))]
pub static REJECTIONS: Counter;

/// Outcomes, by a user enum.
#[alys_metric(counter, labels(outcome: Outcome, status))]
pub static OUTCOMES: Counter;

/// Blocks produced, by validator (capped).
#[alys_metric(counter, labels(validator: dynamic(max = 64), outcome: Outcome))]
pub static PRODUCED: Counter;

/// A path to the enum, a keyword and a raw identifier as label names.
#[alys_metric(counter, labels(type: crate::Outcome, r#match: self::Outcome))]
pub static KEYWORDS: Counter;

/// Six labels, the most a metric may have.
#[alys_metric(
    counter,
    labels(
        operation,
        direction,
        outcome: Outcome,
        event,
        peer_id: dynamic(max = 4),
        status,
    ),
)]
pub static SIX: Counter;

fn main() {
    MIGRATION_FAILURES
        .with(MigrationPhase::Foundation, ErrorType::Timeout)
        .inc();
    MIXED
        .with(
            PeerRegion::Europe,
            IoOperation::Read,
            IoDirection::Received,
            LifecycleEvent::Spawn,
        )
        .add(2);
    REJECTIONS.with(RejectionReason::InvalidNonce).inc();
    OUTCOMES.with(Outcome::Rejected, Status::Failure).inc();
    PRODUCED.with("validator-1", Outcome::Accepted).inc();
    let name = String::from("validator-2");
    PRODUCED.with(&name, Outcome::Accepted).inc_by(3);
    KEYWORDS.with(Outcome::Accepted, Outcome::Rejected).inc();
    SIX.with(
        IoOperation::Write,
        IoDirection::Transmitted,
        Outcome::Accepted,
        LifecycleEvent::Stop,
        "peer",
        Status::Success,
    )
    .inc();

    let text = alys_metrics::init()
        .expect("no two metrics share a name")
        .encode_to_string();
    for line in [
        "alys_rejections_total{reason=\"invalid_nonce\"} 1",
        "alys_outcomes_total{outcome=\"denied\",status=\"failure\"} 1",
        "alys_outcomes_total{outcome=\"accepted\",status=\"success\"} 0",
        "alys_produced_total{validator=\"validator-2\",outcome=\"accepted\"} 3",
        "alys_keywords_total{type=\"accepted\",match=\"denied\"} 1",
        "alys_mixed{region=\"europe\",operation=\"read\",direction=\"received\",event=\"spawn\"} 2",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in:\n{text}"
        );
    }
}
