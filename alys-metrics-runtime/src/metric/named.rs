//! Label values by name: for a metric with two labels of one type (two `&str` dynamic labels,
//! two labels of one enum), where positional [`Metric::with`] would accept them swapped.

use super::{Metric, MetricCore};
use crate::labels::LabelSet;

/// A struct of label values with one field per label name, which `#[alys_metric(.., named =
/// Name)]` declares beside the metric: its fields are named, so they cannot be swapped.
pub trait NamedLabels<M: MetricCore, L: LabelSet> {
    /// The child of `metric` for these label values.
    fn child(self, metric: &Metric<M, L>) -> &M;
}

impl<M: MetricCore, L: LabelSet> Metric<M, L> {
    /// The child for these label values, given by name: the struct that `named = Name`
    /// declares, with one field per label. The same child as [`with`](Metric::with), and as
    /// cheap; a field left out or misspelt is a compile error, and fields are matched by name,
    /// not position.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::prelude::*;
    ///
    /// /// RPC requests, by peer and method.
    /// #[alys_metric(
    ///     counter,
    ///     labels(peer: dynamic(max = 64), method: dynamic(max = 32)),
    ///     named = RpcRequestLabels
    /// )]
    /// static RPC_REQUESTS: Counter;
    ///
    /// RPC_REQUESTS.with_named(RpcRequestLabels { peer: "peer-1", method: "eth_call" }).inc();
    /// assert_eq!(RPC_REQUESTS.with("peer-1", "eth_call").get(), 1);
    /// ```
    #[inline(always)]
    pub fn with_named<N: NamedLabels<M, L>>(&self, labels: N) -> &M {
        labels.child(self)
    }
}
