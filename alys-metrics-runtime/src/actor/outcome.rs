//! Whether a handler's reply is an error: [`ReplyOutcome`], by type.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// Says whether a reply is an error, for the `outcome` of the message that produced it.
///
/// Implemented for `Result` (an `Err` at any depth of nested `Result`s and `Option`s is an
/// error: `Ok(Err(NetworkError))` is one), for `Option`, `Box`, `Arc` and `Rc` of an outcome,
/// and for plain values (`()`, numbers, `bool`, `String`, collections), which are never
/// errors. Implement it for your own reply types; the default method says "never an error":
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::ReplyOutcome;
///
/// struct Height(u64);
/// impl ReplyOutcome for Height {}
///
/// enum Verdict { Accepted, Rejected(String) }
/// impl ReplyOutcome for Verdict {
///     fn is_error(&self) -> bool {
///         matches!(self, Verdict::Rejected(_))
///     }
/// }
///
/// let nested: Result<Result<u8, &str>, ()> = Ok(Err("peer gone"));
/// assert!(nested.is_error());
/// assert!(!Height(3).is_error());
/// assert!(Verdict::Rejected("bad".into()).is_error());
/// assert!(!Verdict::Accepted.is_error());
/// ```
///
/// A handler can also say it for itself: `#[instrument_actor(error = path::to::fn)]`, with
/// `fn(&Reply) -> bool`.
#[diagnostic::on_unimplemented(
    message = "`#[instrument_actor]` cannot tell whether a `{Self}` reply is an error",
    label = "its reply type has no outcome",
    note = "if `{Self}` is never an error, write `impl alys_metrics::actor::ReplyOutcome for {Self} {{}}`; if some values are errors, implement `fn is_error(&self) -> bool` in that impl",
    note = "or tell this handler: `#[instrument_actor(error = path::to::is_error)]` with `fn is_error(reply: &{Self}) -> bool`"
)]
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

/// How a handler's reply is classified: by [`ReplyOutcome`] ([`ByOutcome`]) or by the
/// handler's `error = path` ([`ByFn`]).
#[diagnostic::on_unimplemented(
    message = "`#[instrument_actor]` cannot tell whether a `{T}` reply is an error",
    label = "its reply type has no outcome",
    note = "if `{T}` is never an error, write `impl alys_metrics::actor::ReplyOutcome for {T} {{}}`; if some values are errors, implement `fn is_error(&self) -> bool` in that impl",
    note = "or tell this handler: `#[instrument_actor(error = path::to::is_error)]` with `fn is_error(reply: &{T}) -> bool`"
)]
pub trait Classify<T: ?Sized>: Copy {
    /// The classifier as a function pointer.
    fn classifier(self) -> fn(&T) -> bool;
    /// True when `reply` is an error (statically dispatched on the update path).
    fn is_error(self, reply: &T) -> bool;
}

/// Classifies by the reply type's [`ReplyOutcome`].
#[derive(Clone, Copy, Debug)]
pub struct ByOutcome;

#[diagnostic::do_not_recommend]
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
