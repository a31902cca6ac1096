use alys_metrics::labels::LabelValue;
use alys_metrics::prelude::*;

/// The migration errors each phase can raise: two per phase.
const fn raisable(phase: MigrationPhase, error: ErrorType) -> bool {
    match phase {
        MigrationPhase::Foundation => matches!(error, ErrorType::Storage | ErrorType::Parsing),
        _ => matches!(error, ErrorType::Timeout | ErrorType::Migration),
    }
}

/// Migration errors by node, phase and error type: 201 x 10 x 10 = 20,100 children, more than
/// `MAX_CARDINALITY`, but 201 x 20 = 4,020 combinations that can happen, which the check counts.
#[alys_metric(
    counter,
    labels(node: dynamic(max = 200), phase, error_type),
    combinations = raisable
)]
pub static NODE_MIGRATION_ERRORS: Counter;

/// Calls by actor and operation: only the pairs used are series.
#[alys_metric(
    counter,
    labels(actor: dynamic(max = 8), operation: dynamic(max = 8)),
    dynamic_tuples
)]
pub static CALLS: Counter;

fn main() {
    NODE_MIGRATION_ERRORS
        .with("n1", MigrationPhase::Foundation, ErrorType::Storage)
        .inc();
    CALLS.with("engine", "get").inc();
    CALLS.with("bridge", "put").inc();
    let text = alys_metrics::registry().encode_to_string();
    assert!(text.contains(
        "alys_node_migration_errors_total{node=\"n1\",phase=\"foundation\",error_type=\"parsing\"} 0\n"
    ));
    assert!(!text.contains(
        "alys_node_migration_errors_total{node=\"n1\",phase=\"foundation\",error_type=\"timeout\"}"
    ));
    // `phase` is gated: only the phases entered (here by the record) have series.
    assert_eq!(NODE_MIGRATION_ERRORS.series_count(), 2);
    MigrationPhase::Validation.mark_live();
    assert_eq!(NODE_MIGRATION_ERRORS.series_count(), 4);
    assert!(!text.contains("actor=\"engine\",operation=\"put\""));
    assert_eq!(CALLS.series_count(), 2);
}
