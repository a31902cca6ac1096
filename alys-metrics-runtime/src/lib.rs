//! Runtime of [`alys-metrics`](https://docs.rs/alys-metrics): metric families, the standard
//! label enums, the registry and the standard catalogue. Use it through the `alys_metrics`
//! crate, which re-exports everything here together with the macros.
//!
//! # Features
//!
//! The features and what each gives and brings are described once, in the crate documentation of
//! `alys-metrics`, which has the same features with the same defaults.

#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The macros name this crate's items as `::alys_metrics::...`; this makes those paths resolve
// inside the runtime itself (its standard enums and catalogue use the macros too).
extern crate self as alys_metrics;

pub mod actor;
#[cfg(feature = "testing")]
mod capture;
pub mod catalogue;
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
pub mod chain;
pub mod clock;
pub mod collector;
pub mod encode;
#[cfg(feature = "exporter")]
#[cfg_attr(docsrs, doc(cfg(feature = "exporter")))]
pub mod exporter;
pub mod exposition;
pub mod labels;
pub mod metric;
#[cfg(feature = "process-collector")]
mod race;
mod registry;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

// The actor system's scopes, CPU and heap attribution, dependencies and breakers.
pub mod actor_system;

pub use actor_system::TrackingAllocator;

pub use alys_metrics_macros::{alys_metric, instrument_actor, time_block, LabelValue};
#[cfg(feature = "exporter")]
pub use exporter::{serve, MetricsConfig, MetricsServer};
pub use labels::{Dynamic, LabelValue};
pub use metric::{exemplar, Counter, FloatCounter, Gauge, Histogram, IntGauge};
pub use registry::{init, registry, set_build_info, Include, Registry, RegistryError, Source};

pub mod prelude {
    //! What code that declares and updates metrics imports: `use alys_metrics::prelude::*;`.
    //!
    //! It holds, by name (no glob, so a new label type in a later release never collides with
    //! a type of yours):
    //!
    //! - the four macros: [`alys_metric`](macro@alys_metric),
    //!   [`instrument_actor`](macro@instrument_actor), [`time_block`](macro@time_block) and
    //!   [`#[derive(LabelValue)]`](derive@LabelValue);
    //! - the metric value types a declaration names: [`Counter`], [`FloatCounter`], [`Gauge`],
    //!   [`IntGauge`], [`Histogram`];
    //! - the label traits and types a declaration or a `with(..)` call names: [`LabelValue`](trait@LabelValue)
    //!   and [`Dynamic`];
    //! - the standard enums that the standard label names bind without naming them
    //!   (`labels(phase, error_type, actor_type, message_type, sync_state, region, operation,
    //!   direction, event)`): a `with(..)` call on such a metric names their variants, so they are
    //!   here. Their names say what they label ([`MigrationPhase`], [`ErrorType`], [`ActorType`],
    //!   [`MessageType`], [`SyncState`], [`PeerRegion`], [`IoOperation`], [`IoDirection`],
    //!   [`LifecycleEvent`]);
    //! - [`serve`] and [`MetricsConfig`], the exporter's
    //!   one-line start (with the `exporter` feature).
    //!
    //! Left out on purpose: [`Status`](crate::labels::Status), the enum of the `status` label,
    //! whose name HTTP, RPC and actor crates use too, and every other label enum
    //! (`ChangeType`, `ConfigSource`, `CacheStatus`, ...): import them from
    //! [`alys_metrics::labels`](crate::labels) when you use them.
    //!
    //! ```
    //! # extern crate alys_metrics_runtime as alys_metrics;
    //! use alys_metrics::labels::Status;
    //! use alys_metrics::prelude::*;
    //!
    //! /// Requests served.
    //! #[alys_metric(counter, labels(status))]
    //! static REQUESTS: Counter;
    //!
    //! REQUESTS.with(Status::Success).inc();
    //! assert_eq!(REQUESTS.with(Status::Success).get(), 1);
    //! ```

    #[cfg(feature = "exporter")]
    pub use crate::exporter::{serve, MetricsConfig};
    pub use crate::labels::{
        ActorType, Dynamic, ErrorType, IoDirection, IoOperation, LabelValue, LifecycleEvent,
        MessageType, MigrationPhase, PeerRegion, SyncState,
    };
    pub use crate::metric::{Counter, FloatCounter, Gauge, Histogram, IntGauge};
    pub use alys_metrics_macros::{alys_metric, instrument_actor, time_block, LabelValue};
}

/// Items the macros' generated code refers to. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "chain")]
    pub use crate::chain::time_block;
    /// The macros' vocabulary: standard label names, actor types, message types.
    pub use crate::labels::vocab::{
        actor_types, message_types, standard_labels, StandardLabel, TypeName,
    };
    pub use crate::labels::LabelDim;
    pub use crate::labels::{Dynamic, LabelSet, LabelValue, MAX_CARDINALITY, MAX_CHILDREN};
    pub use crate::metric::declared::{kind_mismatch, ValueType};
    pub use crate::metric::{
        Counter, Descriptor, FloatCounter, Gauge, Histogram, IntGauge, Kind, Metric, NativeConfig,
        DEFAULT_BUCKETS,
    };
    pub use crate::metric::{MetricCore, NamedLabels};
    pub use crate::registry::Registration;
    pub use inventory;

    pub use crate::actor::__private::*;
    #[cfg(feature = "actor")]
    pub use crate::actor::Instrumented;
    pub use crate::actor::{
        ByFn, ByOutcome, HandlerSite, MessageGuard, NeverError, SiteRegistration,
    };
    /// What `#[instrument_actor]`'s handler wrappers open around each call and each poll.
    pub use crate::actor_system::current::{enter as enter_actor_scope, ActorScope};
    pub use crate::labels::{ActorType, MessageType};
    #[cfg(feature = "actor")]
    pub use actix;
    /// `#[alys_metric]` names a `name: Type` label as `<Type as Label>::Type`: the type itself
    /// for a label type; for any other type one error on the user's token (without a list of
    /// every label enum), which also silences the static's later uses.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a label: it does not implement `LabelValue`",
        label = "not a label type",
        note = "derive it on a field-less enum: `#[derive(Clone, Copy, LabelValue)]`, or use `dynamic(max = N)` for a capped string"
    )]
    pub trait Label {
        /// `Self`.
        type Type: LabelValue;
    }

    #[diagnostic::do_not_recommend]
    impl<T: LabelValue> Label for T {
        type Type = T;
    }

    /// The descriptor of a declaration that failed to compile (never registered).
    pub static FALLBACK_DESCRIPTOR: Descriptor = Descriptor::new(
        "alys_invalid_declaration",
        "A declaration with compile errors.",
        Kind::Gauge,
    );
}
