//! Feature-flag system metrics.

use super::prelude::*;

/// Feature-flag evaluations, by flag, status and result: `success` with the flag's value, or
/// `failure` (the evaluation failed and the flag reads as `disabled`); see
/// [`is_flag_evaluation`].
#[alys_metric(
    counter,
    labels(flag_name: dynamic(max = 256), status, result: FlagResult),
    combinations = is_flag_evaluation
)]
pub static FEATURE_FLAG_EVALUATIONS: Counter;

/// Time to evaluate a feature flag, in seconds, by flag and cache result.
#[alys_metric(
    histogram,
    labels(flag_name: dynamic(max = 256), cache_status: CacheStatus),
    buckets = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0]
)]
pub static FEATURE_FLAG_EVALUATION_DURATION: Histogram;

/// Feature-flag cache operations, by operation and flag.
#[alys_metric(counter, labels(operation: CacheOperation, flag_name: dynamic(max = 256)))]
pub static FEATURE_FLAG_CACHE_OPERATIONS: Counter;

/// Feature flags defined.
#[alys_metric(gauge)]
pub static FEATURE_FLAGS_ACTIVE_COUNT: IntGauge;

/// Feature flags enabled.
#[alys_metric(gauge)]
pub static FEATURE_FLAGS_ENABLED_COUNT: IntGauge;

/// Hot-reload events of the feature-flag configuration, by status (`success` or `failure`:
/// [`succeeds_or_fails`]).
#[alys_metric(counter, labels(status), combinations = succeeds_or_fails)]
pub static FEATURE_FLAG_HOT_RELOAD_EVENTS: Counter;

/// Feature-flag configuration reloads, by source.
#[alys_metric(counter, labels(source: ConfigSource))]
pub static FEATURE_FLAG_CONFIG_RELOADS: Counter;

/// Feature-flag audit events, by type.
#[alys_metric(counter, labels(event_type: AuditEventType))]
pub static FEATURE_FLAG_AUDIT_EVENTS: Counter;

/// Feature-flag changes, by flag and kind of change.
#[alys_metric(counter, labels(flag_name: dynamic(max = 256), change_type: ChangeType))]
pub static FEATURE_FLAG_CHANGES: Counter;

/// Feature-flag validation errors, by error category and flag.
#[alys_metric(counter, labels(error_type, flag_name: dynamic(max = 256)))]
pub static FEATURE_FLAG_VALIDATION_ERRORS: Counter;

/// Hits of the feature-flag macro cache, by flag.
#[alys_metric(counter, labels(flag_name: dynamic(max = 256)))]
pub static FEATURE_FLAG_MACRO_CACHE_HITS: Counter;

/// Evaluation contexts built, by status (`success` or `failure`: [`succeeds_or_fails`]).
#[alys_metric(counter, labels(status), combinations = succeeds_or_fails)]
pub static FEATURE_FLAG_CONTEXT_BUILDS: Counter;
