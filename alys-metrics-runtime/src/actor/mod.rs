//! Actor metrics runtime (`ActorMetrics`, instrumented mailboxes, `ActorMetricsBridge`) and the
//! support code of `#[instrument_actor]`.
