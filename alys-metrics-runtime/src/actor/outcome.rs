//! Whether a handler's reply is an error: decided by the reply's *type*, at the handler.
//!
//! `#[instrument_actor]` classifies the value the caller receives (in an actix
//! `impl Handler<M>`, `<M as Message>::Result`; elsewhere the fn's return type, or the output
//! of the future it returns) with no impl required of the user:
//!
//! - a type with a [`ReplyOutcome`] of its own: that decides (the user's refinement wins);
//! - `Result<T, E>`: `Err` is an error, an `Ok` is what `T` says;
//! - `Option<T>`: `None` is not an error, `Some` is what `T` says;
//! - `Box<T>`, `Arc<T>`, `Rc<T>`: what `T` says;
//! - anything else: never an error.
//!
//! So `Result<MyStruct, MyError>` and `Result<Result<BroadcastResponse, NetworkError>,
//! ActorError>` need nothing. The rules are applied four levels deep (at the fourth, a
//! `Result` counts its `Err` only).
//!
//! The expansion asks the compiler, level by level, which rule a type falls under (the method
//! resolution of `(&&&Probe::<T>::new()).__alys_step()` prefers the first rule that applies:
//! autoref specialisation), and composes the answers into one zero-sized classifier type, e.g.
//! `ResultOf<ResultOf<NeverError>>`, whose [`Classify`] is statically dispatched and inlined.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// Says whether a reply is an error, for the `outcome` of the message that produced it.
///
/// Optional: `#[instrument_actor]` classifies `Result`, `Option`, `Box`, `Arc`, `Rc` and every
/// other type without it (see `alys_metrics::actor`, "Outcomes"). Implement it for a reply type
/// some of whose values are failures although they are not `Err`:
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::ReplyOutcome;
///
/// struct ImportBlockResult { imported: bool }
/// impl ReplyOutcome for ImportBlockResult {
///     fn is_error(&self) -> bool {
///         !self.imported
///     }
/// }
///
/// let nested: Result<Result<u8, &str>, ()> = Ok(Err("peer gone"));
/// assert!(nested.is_error());
/// assert!(ImportBlockResult { imported: false }.is_error());
/// let reply: Result<ImportBlockResult, ()> = Ok(ImportBlockResult { imported: true });
/// assert!(!reply.is_error());
/// ```
///
/// A handler can also say it for itself: `#[instrument_actor(error = path::to::fn)]`, with
/// `fn(&Reply) -> bool`.
pub trait ReplyOutcome {
    /// True when the reply reports a failure.
    #[inline]
    fn is_error(&self) -> bool {
        false
    }
}

impl<T: ReplyOutcome, E> ReplyOutcome for Result<T, E> {
    #[inline]
    fn is_error(&self) -> bool {
        match self {
            Ok(v) => v.is_error(),
            Err(_) => true,
        }
    }
}

impl<T: ReplyOutcome> ReplyOutcome for Option<T> {
    #[inline]
    fn is_error(&self) -> bool {
        self.as_ref().is_some_and(ReplyOutcome::is_error)
    }
}

macro_rules! through {
    ($($t:ident),*) => {$(
        impl<T: ReplyOutcome + ?Sized> ReplyOutcome for $t<T> {
            #[inline]
            fn is_error(&self) -> bool {
                (**self).is_error()
            }
        }
    )*};
}
through!(Box, Arc, Rc);

macro_rules! never {
    ($($t:ty),*) => {$(
        impl ReplyOutcome for $t {}
    )*};
}
never!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    String,
    str,
    Duration
);

impl<T> ReplyOutcome for Vec<T> {}
impl<T> ReplyOutcome for VecDeque<T> {}
impl<T> ReplyOutcome for [T] {}
impl<T, const N: usize> ReplyOutcome for [T; N] {}
impl<K, V, S> ReplyOutcome for HashMap<K, V, S> {}
impl<K, S> ReplyOutcome for HashSet<K, S> {}
impl<K, V> ReplyOutcome for BTreeMap<K, V> {}
impl<K> ReplyOutcome for BTreeSet<K> {}
impl<T: ?Sized> ReplyOutcome for &T {}

macro_rules! tuples {
    ($(($($n:ident),+)),*) => {$(
        impl<$($n),+> ReplyOutcome for ($($n,)+) {}
    )*};
}
tuples!((A), (A, B), (A, B, C), (A, B, C, D));

/// How a reply of type `T` is classified: statically, by a zero-sized classifier the handler's
/// expansion composes from `T`'s type, or by the handler's `error = path` ([`ByFn`]).
pub trait Classify<T: ?Sized>: Copy {
    /// The classifier as a function pointer (for a reply relayed through a channel).
    fn classifier(self) -> fn(&T) -> bool;
    /// True when `reply` is an error (statically dispatched on the update path).
    fn is_error(self, reply: &T) -> bool;
}

/// `C::default().is_error(v)` as a function pointer, for the zero-sized classifiers.
fn by_default<T: ?Sized, C: Classify<T> + Default>(v: &T) -> bool {
    C::default().is_error(v)
}

/// The reply type's own [`ReplyOutcome`] decides.
#[derive(Clone, Copy, Debug, Default)]
pub struct ByOutcome;

impl<T: ReplyOutcome + ?Sized> Classify<T> for ByOutcome {
    #[inline]
    fn classifier(self) -> fn(&T) -> bool {
        <T as ReplyOutcome>::is_error
    }
    #[inline(always)]
    fn is_error(self, reply: &T) -> bool {
        reply.is_error()
    }
}

/// Never an error: a value with no error state.
#[derive(Clone, Copy, Debug, Default)]
pub struct NeverError;

impl<T: ?Sized> Classify<T> for NeverError {
    #[inline]
    fn classifier(self) -> fn(&T) -> bool {
        |_| false
    }
    #[inline(always)]
    fn is_error(self, _: &T) -> bool {
        false
    }
}

/// `Err` is an error; an `Ok` is classified by `C`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResultOf<C>(C);

impl<T, E, C: Classify<T> + Default> Classify<Result<T, E>> for ResultOf<C> {
    #[inline]
    fn classifier(self) -> fn(&Result<T, E>) -> bool {
        by_default::<Result<T, E>, Self>
    }
    #[inline(always)]
    fn is_error(self, reply: &Result<T, E>) -> bool {
        match reply {
            Ok(v) => self.0.is_error(v),
            Err(_) => true,
        }
    }
}

/// `None` is not an error; a `Some` is classified by `C`.
#[derive(Clone, Copy, Debug, Default)]
pub struct OptionOf<C>(C);

impl<T, C: Classify<T> + Default> Classify<Option<T>> for OptionOf<C> {
    #[inline]
    fn classifier(self) -> fn(&Option<T>) -> bool {
        by_default::<Option<T>, Self>
    }
    #[inline(always)]
    fn is_error(self, reply: &Option<T>) -> bool {
        match reply {
            Some(v) => self.0.is_error(v),
            None => false,
        }
    }
}

/// A `Box`, `Arc` or `Rc` is classified by `C` on what it points to.
#[derive(Clone, Copy, Debug, Default)]
pub struct DerefOf<C>(C);

macro_rules! deref_of {
    ($($t:ident),*) => {$(
        impl<T: ?Sized, C: Classify<T> + Default> Classify<$t<T>> for DerefOf<C> {
            #[inline]
            fn classifier(self) -> fn(&$t<T>) -> bool {
                by_default::<$t<T>, Self>
            }
            #[inline(always)]
            fn is_error(self, reply: &$t<T>) -> bool {
                self.0.is_error(reply)
            }
        }
    )*};
}
deref_of!(Box, Arc, Rc);

/// Classifies with the handler's `error = path`.
#[derive(Debug)]
pub struct ByFn<T: ?Sized>(pub fn(&T) -> bool);

impl<T: ?Sized> Clone for ByFn<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for ByFn<T> {}

impl<T: ?Sized> Classify<T> for ByFn<T> {
    #[inline]
    fn classifier(self) -> fn(&T) -> bool {
        self.0
    }
    #[inline]
    fn is_error(self, reply: &T) -> bool {
        (self.0)(reply)
    }
}

/// A classifier of the value the caller receives, `V`, tagged with that type: what a handler's
/// expansion passes to the measuring code, which measures a reply now only when the reply *is*
/// that value, and wraps futures whose output it is.
#[derive(Debug)]
pub struct For<V: ?Sized, C> {
    classify: C,
    _value: PhantomData<fn(&V)>,
}

impl<V: ?Sized, C: Copy> Clone for For<V, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<V: ?Sized, C: Copy> Copy for For<V, C> {}

impl<V: ?Sized, C: Classify<V>> For<V, C> {
    /// `classify`, for the values of `V` (the type of the probe).
    #[inline(always)]
    pub fn of(_: &Probe<V>, classify: C) -> Self {
        Self {
            classify,
            _value: PhantomData,
        }
    }
}

impl<V: ?Sized> For<V, ByFn<V>> {
    /// The handler's `error = path`, for the values of `V` (the type of the probe).
    #[inline(always)]
    pub fn by_fn(_: &Probe<V>, is_error: fn(&V) -> bool) -> Self {
        Self {
            classify: ByFn(is_error),
            _value: PhantomData,
        }
    }
}

impl<V: ?Sized, C: Classify<V>> Classify<V> for For<V, C> {
    #[inline]
    fn classifier(self) -> fn(&V) -> bool {
        self.classify.classifier()
    }
    #[inline(always)]
    fn is_error(self, reply: &V) -> bool {
        self.classify.is_error(reply)
    }
}

/// A type, as a value the expansion's method calls resolve on (nothing is stored).
pub struct Probe<T: ?Sized>(PhantomData<fn(&T)>);

impl<T: ?Sized> Probe<T> {
    /// The probe of `T`.
    #[inline(always)]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: ?Sized> std::fmt::Debug for Probe<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(std::any::type_name::<T>())
    }
}

/// The rule one level of a reply type falls under, and the probe of the next level.
pub struct Step<K, T: ?Sized>(PhantomData<K>, Probe<T>);

impl<K: Rule, T: ?Sized> Step<K, T> {
    #[inline(always)]
    const fn new() -> Self {
        Self(PhantomData, Probe::new())
    }

    /// The probe of the next level.
    #[inline(always)]
    pub fn inner(&self) -> Probe<T> {
        Probe::new()
    }

    /// This level's classifier around the next level's.
    #[inline(always)]
    pub fn wrap<C: Default>(&self, _inner: C) -> K::Out<C> {
        Default::default()
    }
}

/// What one level's rule makes of the next level's classifier.
pub trait Rule {
    /// The classifier of this level.
    type Out<C: Default>: Default;
}

/// The type has a [`ReplyOutcome`]: it decides.
#[derive(Debug)]
pub enum Refined {}
/// `Result<T, E>`.
#[derive(Debug)]
pub enum AResult {}
/// `Option<T>`.
#[derive(Debug)]
pub enum AnOption {}
/// `Box<T>`, `Arc<T>`, `Rc<T>`.
#[derive(Debug)]
pub enum APointer {}
/// Anything else.
#[derive(Debug)]
pub enum Plain {}

impl Rule for Refined {
    type Out<C: Default> = ByOutcome;
}
impl Rule for AResult {
    type Out<C: Default> = ResultOf<C>;
}
impl Rule for AnOption {
    type Out<C: Default> = OptionOf<C>;
}
impl Rule for APointer {
    type Out<C: Default> = DerefOf<C>;
}
impl Rule for Plain {
    type Out<C: Default> = NeverError;
}

/// First choice: the type's own [`ReplyOutcome`].
pub trait StepRefined {
    /// This level's rule.
    fn __alys_step(self) -> Step<Refined, ()>;
}

impl<T: ReplyOutcome + ?Sized> StepRefined for &&&Probe<T> {
    #[inline(always)]
    fn __alys_step(self) -> Step<Refined, ()> {
        Step::new()
    }
}

/// Second choice: a `Result`, `Option` or pointer, looked into.
pub trait StepInto {
    /// This level's rule.
    type Rule;
    /// The next level's type.
    type Inner: ?Sized;
    /// This level's rule.
    fn __alys_step(self) -> Step<Self::Rule, Self::Inner>;
}

impl<T, E> StepInto for &&Probe<Result<T, E>> {
    type Rule = AResult;
    type Inner = T;
    #[inline(always)]
    fn __alys_step(self) -> Step<AResult, T> {
        Step::new()
    }
}

impl<T> StepInto for &&Probe<Option<T>> {
    type Rule = AnOption;
    type Inner = T;
    #[inline(always)]
    fn __alys_step(self) -> Step<AnOption, T> {
        Step::new()
    }
}

macro_rules! step_pointer {
    ($($t:ident),*) => {$(
        impl<T: ?Sized> StepInto for &&Probe<$t<T>> {
            type Rule = APointer;
            type Inner = T;
            #[inline(always)]
            fn __alys_step(self) -> Step<APointer, T> {
                Step::new()
            }
        }
    )*};
}
step_pointer!(Box, Arc, Rc);

/// Last choice: a plain value, never an error.
pub trait StepPlain {
    /// This level's rule.
    fn __alys_step(self) -> Step<Plain, ()>;
}

impl<T: ?Sized> StepPlain for &Probe<T> {
    #[inline(always)]
    fn __alys_step(self) -> Step<Plain, ()> {
        Step::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the expansion writes for a reply type `$v` (four levels).
    macro_rules! classify {
        ($v:ty) => {{
            #[allow(unused_imports)]
            use super::{StepInto as _, StepPlain as _, StepRefined as _};
            let p0 = Probe::<$v>::new();
            let s0 = (&&&p0).__alys_step();
            let p1 = s0.inner();
            let s1 = (&&&p1).__alys_step();
            let p2 = s1.inner();
            let s2 = (&&&p2).__alys_step();
            let p3 = s2.inner();
            let s3 = (&&&p3).__alys_step();
            For::of(&p0, s0.wrap(s1.wrap(s2.wrap(s3.wrap(NeverError)))))
        }};
    }

    #[derive(Debug)]
    struct MyStruct;
    #[derive(Debug)]
    struct MyError;
    struct ImportBlockResult {
        imported: bool,
    }
    impl ReplyOutcome for ImportBlockResult {
        fn is_error(&self) -> bool {
            !self.imported
        }
    }

    /// The classifier's type name without its module paths.
    fn name<T>(_: &T) -> String {
        std::any::type_name::<T>().replace("alys_metrics_runtime::actor::outcome::", "")
    }

    #[test]
    fn any_user_result_counts_its_err() {
        type R = Result<MyStruct, MyError>;
        let c = classify!(R);
        assert!(!c.is_error(&Ok(MyStruct)));
        assert!(c.is_error(&Err(MyError)));
        assert_eq!(name(&c.classify), "ResultOf<NeverError>");
        assert!(c.classifier()(&Err(MyError)));
    }

    #[test]
    fn nested_network_results_count_every_err() {
        type R = Result<Result<MyStruct, MyError>, MyError>;
        let c = classify!(R);
        assert!(!c.is_error(&Ok(Ok(MyStruct))));
        assert!(c.is_error(&Ok(Err(MyError))));
        assert!(c.is_error(&Err(MyError)));
    }

    #[test]
    fn a_reply_outcome_refines_at_any_level() {
        let c = classify!(Result<ImportBlockResult, MyError>);
        assert!(c.is_error(&Ok(ImportBlockResult { imported: false })));
        assert!(!c.is_error(&Ok(ImportBlockResult { imported: true })));
        assert!(c.is_error(&Err(MyError)));
        let c = classify!(Option<Box<ImportBlockResult>>);
        assert!(c.is_error(&Some(Box::new(ImportBlockResult { imported: false }))));
        assert!(!c.is_error(&None));
        let c = classify!(ImportBlockResult);
        assert_eq!(name(&c.classify), "ByOutcome");
    }

    #[test]
    fn options_and_pointers_are_looked_into() {
        let c = classify!(Option<Result<MyStruct, MyError>>);
        assert!(c.is_error(&Some(Err(MyError))));
        assert!(!c.is_error(&None));
        let c = classify!(Arc<Result<MyStruct, MyError>>);
        assert!(c.is_error(&Arc::new(Err(MyError))));
        let c = classify!(Rc<Option<Result<MyStruct, MyError>>>);
        assert!(c.is_error(&Rc::new(Some(Err(MyError)))));
        let c = classify!(Box<dyn std::error::Error>);
        assert!(!c.is_error(&Box::<dyn std::error::Error>::from("a message")));
    }

    #[test]
    fn plain_values_are_never_errors() {
        let c = classify!(MyStruct);
        assert!(!c.is_error(&MyStruct));
        assert_eq!(name(&c.classify), "NeverError");
        let c = classify!(u64);
        assert!(!c.is_error(&7));
    }

    #[test]
    fn four_levels_of_results_are_looked_into() {
        type R4 = Result<Result<Result<Result<MyStruct, MyError>, MyError>, MyError>, MyError>;
        let c = classify!(R4);
        assert!(c.is_error(&Ok(Ok(Ok(Err(MyError))))));
        assert!(!c.is_error(&Ok(Ok(Ok(Ok(MyStruct))))));
    }

    #[test]
    fn by_fn_overrides() {
        fn odd(v: &u64) -> bool {
            v % 2 == 1
        }
        let c = For::of(&Probe::<u64>::new(), ByFn(odd));
        assert!(c.is_error(&3));
        assert!(!c.is_error(&4));
    }
}
