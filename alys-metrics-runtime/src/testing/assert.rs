//! `assert_metric!` and the check behind it.

use std::fmt;

use super::exposition::{Exposition, LabelSet, Selector};
use super::Capture;

/// How [`check_metric`] compares the actual value with the expected one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// `==` (floats compared exactly; the values a test asserts are counts and sums it caused).
    Eq,
    /// `>=`.
    Ge,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `<`.
    Lt,
}

impl Comparison {
    fn holds(self, actual: f64, expected: f64) -> bool {
        match self {
            Self::Eq => actual == expected,
            Self::Ge => actual >= expected,
            Self::Le => actual <= expected,
            Self::Gt => actual > expected,
            Self::Lt => actual < expected,
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Eq => "==",
            Self::Ge => ">=",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Lt => "<",
        })
    }
}

/// What `assert_metric!` checks: the series `selector` selects (summed
/// over the series with its labels), now or as the change since `capture` began, compared with
/// `expected`. `Err` is the failure message.
pub fn check_metric(
    capture: Option<&Capture>,
    selector: &str,
    cmp: Comparison,
    expected: f64,
) -> Result<(), String> {
    let sel = Selector::parse(selector).map_err(|e| format!("assert_metric!: {e}"))?;
    let now = Exposition::scrape();
    let head = format!("assert_metric!({sel} {cmp} {expected}) failed");
    let current = now.select(&sel).map_err(|why| format!("{head}: {why}"))?;
    let (actual, how) = match capture {
        None => (current, String::new()),
        Some(c) => {
            let before = c.start_exposition().select(&sel).unwrap_or(0.0);
            (
                current - before,
                format!(" (the change since the capture began: {before} -> {current})"),
            )
        }
    };
    if cmp.holds(actual, expected) {
        return Ok(());
    }
    let mut msg = format!("{head}\n  expected: {cmp} {expected}\n    actual: {actual}{how}");
    let family = now.family(&sel.name);
    let series: Vec<_> = family
        .into_iter()
        .flat_map(|f| f.samples.iter())
        .filter(|s| s.name == sel.name)
        .collect();
    let selected = series.iter().filter(|s| s.matches(&sel.labels)).count();
    msg.push_str(&format!(
        "\n  the series of `{}` now ({} of {} selected):",
        sel.name,
        selected,
        series.len()
    ));
    for s in series.iter().take(40) {
        let mark = if s.matches(&sel.labels) { "*" } else { " " };
        msg.push_str(&format!("\n   {mark} {} {}", LabelSet(&s.labels), s.value));
    }
    if series.len() > 40 {
        msg.push_str(&format!("\n    .. and {} more", series.len() - 40));
    }
    Err(msg)
}

/// Asserts on one series of the process's registry, by its exposed name and labels, with a
/// readable failure: the expected and actual values, every label set the metric has (the
/// selected ones starred), or the nearest name when the name is misspelt.
///
/// ```text
/// assert_metric!("name{label=\"value\",..}", == 3);        // the value now
/// assert_metric!(cap, "name{label=\"value\",..}", == 1);   // its change since `cap` began
/// ```
///
/// The selector is the sample's name (a histogram's `_count`, `_sum` or
/// `_bucket{le="0.5"}`) with the labels the series must have; several series with them are
/// summed. The comparisons are `==`, `>=`, `<=`, `>` and `<` against any number (`as f64`).
/// Readings by name compare expositions (see [`testing`](crate::testing) for when that is
/// exact under parallel tests); the typed readings of a [`Capture`](crate::testing::Capture)
/// are always exact.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::prelude::*;
/// use alys_metrics::{assert_metric, testing};
///
/// /// Peers scored in the doc example.
/// #[alys_metric(counter, labels(operation: IoOperation))]
/// static DOC_SCORED: Counter;
///
/// let cap = testing::capture();
/// DOC_SCORED.with(IoOperation::Read).inc();
/// assert_metric!(cap, "alys_doc_scored_total{operation=\"read\"}", == 1);
/// assert_metric!("alys_doc_scored_total", >= 1);
///
/// let typo = testing::check_metric(None, "alys_doc_scorde_total", testing::Comparison::Eq, 1.0);
/// assert!(typo.unwrap_err().contains("did you mean `alys_doc_scored_total`?"));
/// ```
#[macro_export]
macro_rules! assert_metric {
    ($sel:expr, == $v:expr $(,)?) => {
        $crate::__assert_metric!(None, $sel, Eq, $v)
    };
    ($sel:expr, >= $v:expr $(,)?) => {
        $crate::__assert_metric!(None, $sel, Ge, $v)
    };
    ($sel:expr, <= $v:expr $(,)?) => {
        $crate::__assert_metric!(None, $sel, Le, $v)
    };
    ($sel:expr, > $v:expr $(,)?) => {
        $crate::__assert_metric!(None, $sel, Gt, $v)
    };
    ($sel:expr, < $v:expr $(,)?) => {
        $crate::__assert_metric!(None, $sel, Lt, $v)
    };
    ($cap:expr, $sel:expr, == $v:expr $(,)?) => {
        $crate::__assert_metric!(Some(&$cap), $sel, Eq, $v)
    };
    ($cap:expr, $sel:expr, >= $v:expr $(,)?) => {
        $crate::__assert_metric!(Some(&$cap), $sel, Ge, $v)
    };
    ($cap:expr, $sel:expr, <= $v:expr $(,)?) => {
        $crate::__assert_metric!(Some(&$cap), $sel, Le, $v)
    };
    ($cap:expr, $sel:expr, > $v:expr $(,)?) => {
        $crate::__assert_metric!(Some(&$cap), $sel, Gt, $v)
    };
    ($cap:expr, $sel:expr, < $v:expr $(,)?) => {
        $crate::__assert_metric!(Some(&$cap), $sel, Lt, $v)
    };
}

/// The body of [`assert_metric!`]; not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __assert_metric {
    ($cap:expr, $sel:expr, $cmp:ident, $v:expr) => {
        if let ::core::result::Result::Err(msg) = $crate::testing::check_metric(
            $cap,
            $sel,
            $crate::testing::Comparison::$cmp,
            ($v) as f64,
        ) {
            ::core::panic!("{}", msg);
        }
    };
}
