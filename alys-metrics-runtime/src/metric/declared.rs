//! What `#[alys_metric]` checks a declaration's type against: the type's kind
//! ([`MetricCore::KIND`]), never its name, so any value type of the declared kind is accepted
//! (`Counter`, `FloatCounter`, `Gauge`, `IntGauge`, a gauge or counter of any number type).

use super::{Kind, MetricCore};

/// The value type of a declaration, named through this trait by the generated code: `T` itself
/// for every [`MetricCore`], and one error on the user's type for any other.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a metric value type",
    label = "not a metric type",
    note = "a counter is declared `Counter` (u64) or `FloatCounter` (f64), a gauge `Gauge` (f64) or `IntGauge` (i64), a histogram `Histogram`"
)]
pub trait ValueType {
    /// `Self`.
    type Type: MetricCore;
}

#[diagnostic::do_not_recommend]
impl<T: MetricCore> ValueType for T {
    type Type = T;
}

/// Why a metric declared as `declared` cannot have a value type of kind `ty`; `None` when the
/// kinds agree. `#[alys_metric]` panics with it in a `const`, spanned on the declared type.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::__private::kind_mismatch;
/// use alys_metrics::{Counter, Gauge};
/// use alys_metrics::metric::{Kind, MetricCore};
/// assert_eq!(kind_mismatch(Kind::Counter, <Counter as MetricCore>::KIND), None);
/// assert!(kind_mismatch(Kind::Counter, <Gauge as MetricCore>::KIND)
///     .is_some_and(|m| m.contains("#[alys_metric(gauge, ..)]")));
/// ```
pub const fn kind_mismatch(declared: Kind, ty: Kind) -> Option<&'static str> {
    Some(match (declared, ty) {
        (Kind::Counter, Kind::Counter)
        | (Kind::Gauge, Kind::Gauge)
        | (Kind::Histogram, Kind::Histogram) => return None,
        (Kind::Counter, Kind::Gauge) => {
            "a `counter` metric is declared as `Counter` (u64) or `FloatCounter` (f64), not as a gauge: \
             change the type, or declare it `#[alys_metric(gauge, ..)]`"
        }
        (Kind::Counter, Kind::Histogram) => {
            "a `counter` metric is declared as `Counter` (u64) or `FloatCounter` (f64), not as a histogram: \
             change the type, or declare it `#[alys_metric(histogram, ..)]`"
        }
        (Kind::Gauge, Kind::Counter) => {
            "a `gauge` metric is declared as `Gauge` (f64) or `IntGauge` (i64), not as a counter: \
             change the type, or declare it `#[alys_metric(counter, ..)]`"
        }
        (Kind::Gauge, Kind::Histogram) => {
            "a `gauge` metric is declared as `Gauge` (f64) or `IntGauge` (i64), not as a histogram: \
             change the type, or declare it `#[alys_metric(histogram, ..)]`"
        }
        (Kind::Histogram, Kind::Counter) => {
            "a `histogram` metric is declared as `Histogram` (f64 observations), not as a counter: \
             change the type, or declare it `#[alys_metric(counter, ..)]`"
        }
        (Kind::Histogram, Kind::Gauge) => {
            "a `histogram` metric is declared as `Histogram` (f64 observations), not as a gauge: \
             change the type, or declare it `#[alys_metric(gauge, ..)]`"
        }
    })
}
