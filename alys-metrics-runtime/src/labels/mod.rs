//! Typed label values, label dimensions and cardinality rules.
//!
//! A metric's labels are a tuple of *dimensions*. A dimension is either a closed enum that
//! implements [`LabelValue`] (the standard enums in [`standard`](crate::labels) or any enum with
//! `#[derive(LabelValue)]`), or a bounded free-form string, [`Dynamic<MAX>`]. Every dimension has
//! a fixed number of slots, so a metric's children live in one array and a label tuple is turned
//! into an index with a few multiplications: no hashing and no lock on the update path.

mod actor;
mod actor_lifecycle;
mod actor_system;
mod actor_traffic;
mod bridge;
mod chain;
mod dynamic;
mod governance;
mod standard;
pub(crate) mod vocab;
pub(crate) mod words;

use std::borrow::Cow;

pub use actor::{MessageOutcome, RegistrationEvent};
pub use actor_lifecycle::{
    is_lifecycle_edge, ActorState, EscalationType, StartupPhase, TransitionReason, LIFECYCLE_EDGES,
};
pub use actor_system::{BreakerState, DependencyType};
pub use actor_traffic::{ActorEndpoint, CommunicationPattern, DeadlockKind};
pub use bridge::*;
pub use chain::*;
pub use dynamic::{
    sanitize_into, sanitize_label_value, Dynamic, DynamicState, MAX_LABEL_VALUE_LEN,
};
pub use governance::*;
pub use standard::*;

/// The largest number of series (label combinations) one metric may have.
///
/// `#[alys_metric]` checks every declaration against this number at compile time, through a
/// `const` assertion over the label types' [`LabelDim::SIZE`]s.
pub const MAX_CARDINALITY: usize = 10_000;

/// The largest number of children (the product of the label value counts) a metric that
/// declares its valid combinations (`combinations = ..`) may hold in memory: only the
/// declared combinations count against [`MAX_CARDINALITY`], but every child of the product is
/// allocated, so that `with` stays an index computation.
pub const MAX_CHILDREN: usize = 100_000;

/// A closed set of label values: an enum whose variants are the values a label may take.
///
/// Derive it with `#[derive(LabelValue)]` on a field-less enum: each variant's value is its
/// name in `snake_case`, or the string given by `#[label = "..."]` on the variant.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::prelude::*;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
/// enum Outcome { Accepted, #[label = "rejected_by_peer"] Rejected }
///
/// assert_eq!(Outcome::COUNT, 2);
/// assert_eq!(Outcome::Rejected.as_str(), "rejected_by_peer");
/// assert_eq!(Outcome::Accepted.index(), 0);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a label: it does not implement `LabelValue`",
    label = "not a label type",
    note = "derive it on a field-less enum: `#[derive(Clone, Copy, LabelValue)]`, or use `dynamic(max = N)` for a capped string"
)]
pub trait LabelValue: Copy + Send + Sync + 'static {
    /// How many distinct values the label can take.
    const COUNT: usize;
    /// One representative of every value, in index order (`VALUES[i].index() == i`).
    const VALUES: &'static [Self];
    /// The position of this value, in `0..COUNT`.
    fn index(self) -> usize;
    /// The exported label value: lower-case ASCII letters, digits and `_`.
    fn as_str(self) -> &'static str;
    /// True when a value's series exist only once the value is live in the process
    /// ([`is_live`](LabelValue::is_live)) rather than from start-up: for a label like
    /// [`ActorType`], whose values a program may never have. False by default.
    const GATED: bool = false;
    /// True when the value at `index` is live (always, unless [`GATED`](LabelValue::GATED)).
    fn is_live(index: usize) -> bool {
        index < Self::COUNT
    }
    /// How many values are live (all of them, unless [`GATED`](LabelValue::GATED)).
    fn live_count() -> usize {
        Self::COUNT
    }
    /// Makes this value live for good (nothing, unless [`GATED`](LabelValue::GATED)).
    /// Recording under a value makes it live.
    #[inline(always)]
    fn mark_live(self) {}
}

/// One label dimension of a metric: how a label's input becomes a slot index.
///
/// Implemented for every [`LabelValue`] (one slot per value, stateless) and for
/// [`Dynamic<MAX>`] (`MAX` slots assigned to strings as they arrive, plus one `"other"` slot).
pub trait LabelDim: 'static {
    /// What a caller passes for this label: the enum value, or `&str` for dynamic labels.
    type Input<'a>;
    /// Per-metric state of the dimension (`()` for enums).
    type State: Send + Sync;
    /// Number of slots: the dimension's contribution to the metric's cardinality.
    const SIZE: usize;
    /// True when every slot exists from start-up (enums); false when slots appear as they are
    /// first used (dynamic labels).
    const STATIC: bool;
    /// True for an enum whose values' series exist only once the value is live
    /// ([`LabelValue::GATED`]); false for other enums and dynamic labels.
    const GATED: bool = false;
    /// Creates the state for one metric.
    fn new_state() -> Self::State;
    /// Turns an input into a slot in `0..SIZE`.
    fn resolve(state: &Self::State, input: Self::Input<'_>) -> usize;
    /// True when `slot` holds a value now (always, for enums).
    fn slot_live(state: &Self::State, slot: usize) -> bool;
    /// Number of slots that hold a value now, without looking at each (`SIZE` for enums).
    fn live_slots(_state: &Self::State) -> usize {
        Self::SIZE
    }
    /// The label value of `slot`, or `None` while the slot is unused.
    fn slot_value(state: &Self::State, slot: usize) -> Option<Cow<'_, str>>;
    /// How many inputs were folded into the overflow slot (always 0 for enums).
    fn overflowed(_state: &Self::State) -> u64 {
        0
    }
    /// Frees the slot of `value` so that another value can take it; returns the slot. `reset`
    /// is called with the slot while it is still reserved, before any other value can take
    /// it. Enum values are never released.
    fn release(_state: &Self::State, _value: &str, _reset: &mut dyn FnMut(usize)) -> Option<usize> {
        None
    }
    /// A number that changes whenever a slot is released (always 0 for enums): with the
    /// number of live slots it tells whether the set of exported children changed.
    fn generation(_state: &Self::State) -> u64 {
        0
    }
    /// When `slot` took the value it holds, in nanoseconds since the Unix epoch: the start of
    /// its series. `None` for slots that exist from start-up (enums; a dynamic label's
    /// `"other"`), and while the slot is free.
    fn slot_since(_state: &Self::State, _slot: usize) -> Option<u64> {
        None
    }
}

impl<T: LabelValue> LabelDim for T {
    type Input<'a> = T;
    type State = ();
    const SIZE: usize = T::COUNT;
    const STATIC: bool = true;
    const GATED: bool = T::GATED;
    #[inline]
    fn new_state() {}
    #[inline(always)]
    fn resolve(_: &(), input: T) -> usize {
        if T::GATED {
            input.mark_live();
        }
        input.index()
    }
    #[inline]
    fn slot_live(_: &(), slot: usize) -> bool {
        slot < T::COUNT && (!T::GATED || T::is_live(slot))
    }
    #[inline]
    fn live_slots(_: &()) -> usize {
        if T::GATED {
            T::live_count()
        } else {
            T::COUNT
        }
    }
    #[inline]
    fn slot_value(_: &(), slot: usize) -> Option<Cow<'_, str>> {
        T::VALUES.get(slot).map(|v| Cow::Borrowed(v.as_str()))
    }
}

/// A tuple of label dimensions: the full label set of one metric.
///
/// Implemented for `()` and for tuples of up to six [`LabelDim`]s. `CARDINALITY` is the product
/// of the dimensions' sizes, which is what [`MAX_CARDINALITY`] limits.
pub trait LabelSet: 'static {
    /// The dimensions' states.
    type State: Send + Sync;
    /// Number of dimensions.
    const ARITY: usize;
    /// Product of the dimensions' sizes: the number of children the metric holds.
    const CARDINALITY: usize;
    /// True when all dimensions are enums (their slots are known up front).
    const STATIC: bool;
    /// True when a dimension is a gated enum ([`LabelValue::GATED`]): its series exist only
    /// for the values live in the process, so the family's children change as values go live.
    const GATED: bool = false;
    /// Creates the states.
    fn new_state() -> Self::State;
    /// Size of dimension `dim`.
    fn dim_size(dim: usize) -> usize;
    /// True when dimension `dim` is an enum (its slots exist from start-up); false for a
    /// dynamic one. By default [`STATIC`](LabelSet::STATIC), which is right when every
    /// dimension is an enum.
    fn dim_static(_dim: usize) -> bool {
        Self::STATIC
    }
    /// True when `slot` of dimension `dim` holds a value now.
    fn slot_live(state: &Self::State, dim: usize, slot: usize) -> bool;
    /// Number of live slots of dimension `dim`.
    fn live_slots(state: &Self::State, dim: usize) -> usize;
    /// Label value of `slot` in dimension `dim`, or `None` while unused.
    fn slot_value(state: &Self::State, dim: usize, slot: usize) -> Option<Cow<'_, str>>;
    /// Values folded into overflow slots, summed over the dimensions.
    fn overflowed(state: &Self::State) -> u64;
    /// Releases `value` in every dynamic dimension that holds it, calling `reset(dim, slot)`
    /// before each freed slot can be taken again; true when any dimension held it.
    fn release(state: &Self::State, value: &str, reset: &mut dyn FnMut(usize, usize)) -> bool;
    /// Sum of the dimensions' release generations.
    fn generation(state: &Self::State) -> u64;
    /// When `slot` of dimension `dim` took its value ([`LabelDim::slot_since`]).
    fn slot_since(_state: &Self::State, _dim: usize, _slot: usize) -> Option<u64> {
        None
    }
}

impl LabelSet for () {
    type State = ();
    const ARITY: usize = 0;
    const CARDINALITY: usize = 1;
    const STATIC: bool = true;
    fn new_state() {}
    fn dim_size(_: usize) -> usize {
        1
    }
    fn slot_live(_: &(), _: usize, _: usize) -> bool {
        false
    }
    fn live_slots(_: &(), _: usize) -> usize {
        1
    }
    fn slot_value(_: &(), _: usize, _: usize) -> Option<Cow<'_, str>> {
        None
    }
    fn overflowed(_: &()) -> u64 {
        0
    }
    fn release(_: &(), _: &str, _: &mut dyn FnMut(usize, usize)) -> bool {
        false
    }
    fn generation(_: &()) -> u64 {
        0
    }
}

macro_rules! label_set_tuple {
    ($n:expr; $($T:ident $i:tt),+) => {
        impl<$($T: LabelDim),+> LabelSet for ($($T,)+) {
            type State = ($($T::State,)+);
            const ARITY: usize = $n;
            const CARDINALITY: usize = 1 $(* $T::SIZE)+;
            const STATIC: bool = true $(&& $T::STATIC)+;
            const GATED: bool = false $(|| $T::GATED)+;
            fn new_state() -> Self::State {
                ($($T::new_state(),)+)
            }
            fn dim_size(dim: usize) -> usize {
                match dim {
                    $($i => $T::SIZE,)+
                    _ => 1,
                }
            }
            fn dim_static(dim: usize) -> bool {
                match dim {
                    $($i => $T::STATIC,)+
                    _ => true,
                }
            }
            fn slot_live(state: &Self::State, dim: usize, slot: usize) -> bool {
                match dim {
                    $($i => $T::slot_live(&state.$i, slot),)+
                    _ => false,
                }
            }
            fn live_slots(state: &Self::State, dim: usize) -> usize {
                match dim {
                    $($i => $T::live_slots(&state.$i),)+
                    _ => 1,
                }
            }
            fn slot_value(state: &Self::State, dim: usize, slot: usize) -> Option<Cow<'_, str>> {
                match dim {
                    $($i => $T::slot_value(&state.$i, slot),)+
                    _ => None,
                }
            }
            fn overflowed(state: &Self::State) -> u64 {
                0 $(+ $T::overflowed(&state.$i))+
            }
            fn release(
                state: &Self::State,
                value: &str,
                reset: &mut dyn FnMut(usize, usize),
            ) -> bool {
                let mut any = false;
                $( any |= $T::release(&state.$i, value, &mut |slot| reset($i, slot)).is_some(); )+
                any
            }
            fn generation(state: &Self::State) -> u64 {
                0 $(+ $T::generation(&state.$i))+
            }
            fn slot_since(state: &Self::State, dim: usize, slot: usize) -> Option<u64> {
                match dim {
                    $($i => $T::slot_since(&state.$i, slot),)+
                    _ => None,
                }
            }
        }
    };
}

label_set_tuple!(1; A 0);
label_set_tuple!(2; A 0, B 1);
label_set_tuple!(3; A 0, B 1, C 2);
label_set_tuple!(4; A 0, B 1, C 2, D 3);
label_set_tuple!(5; A 0, B 1, C 2, D 3, E 4);
label_set_tuple!(6; A 0, B 1, C 2, D 3, E 4, F 5);

/// Cardinality of a label set given as the number of values of each label: the product of the
/// value-set sizes (saturating), which is what Prometheus stores as series.
///
/// It multiplies how many *values* each
/// label can take, not the lengths of the label names.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::labels::{cardinality, validate_cardinality, MigrationPhase, ErrorType, LabelValue};
/// assert_eq!(cardinality(&[MigrationPhase::COUNT, ErrorType::COUNT]), 100);
/// assert!(validate_cardinality("alys_migration_errors_total", &[10, 10]).is_ok());
/// assert!(validate_cardinality("too_many", &[1000, 11]).is_err());
/// ```
pub fn cardinality(value_counts: &[usize]) -> usize {
    value_counts
        .iter()
        .fold(1usize, |acc, n| acc.saturating_mul(*n))
}

/// Error returned by [`validate_cardinality`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardinalityError {
    /// The metric that was checked.
    pub metric: String,
    /// Its cardinality (product of the value counts).
    pub cardinality: usize,
}

impl std::fmt::Display for CardinalityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "metric `{}` has {} label combinations, more than the limit of {}",
            self.metric, self.cardinality, MAX_CARDINALITY
        )
    }
}

impl std::error::Error for CardinalityError {}

/// Checks at run time that a label set of the given value counts stays within
/// [`MAX_CARDINALITY`]. `#[alys_metric]` does the same check at compile time.
///
/// # Errors
///
/// [`CardinalityError`] when the product of `value_counts` exceeds [`MAX_CARDINALITY`].
pub fn validate_cardinality(
    metric: &str,
    value_counts: &[usize],
) -> Result<usize, CardinalityError> {
    let c = cardinality(value_counts);
    if c > MAX_CARDINALITY {
        Err(CardinalityError {
            metric: metric.to_owned(),
            cardinality: c,
        })
    } else {
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinality_is_product_of_value_counts_not_name_lengths() {
        // Not the product of label-name lengths: "phase" (5) x "error_type" (10) = 50.
        assert_eq!(cardinality(&[MigrationPhase::COUNT, ErrorType::COUNT]), 100);
        assert_eq!(cardinality(&[]), 1);
        assert_eq!(cardinality(&[usize::MAX, 2]), usize::MAX);
        assert_eq!(validate_cardinality("m", &[100, 100]), Ok(10_000));
        let err = validate_cardinality("m", &[100, 101]).unwrap_err();
        assert_eq!(err.cardinality, 10_100);
        assert!(err.to_string().contains("10000"));
    }

    #[test]
    fn tuple_label_sets_multiply_sizes() {
        assert_eq!(<(MigrationPhase, ErrorType) as LabelSet>::CARDINALITY, 100);
        assert_eq!(<(ActorType, Dynamic<10>) as LabelSet>::CARDINALITY, 10 * 11);
        const { assert!(<(ActorType,) as LabelSet>::STATIC) };
        const { assert!(!<(ActorType, Dynamic<10>) as LabelSet>::STATIC) };
        assert_eq!(<() as LabelSet>::CARDINALITY, 1);
    }
}
