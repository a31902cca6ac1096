//! Measuring a handler's reply by its type: what `#[instrument_actor]` wraps `handle`'s value in.
//
// The expansion classifies the value the caller receives, `V`, into a `For<V, C>` (see
// `outcome.rs`), then calls `(&&&Tag::new(reply, for_v)).__alys_measure(&mut slot)`; method
// resolution picks, by the reply's type `R` (autoref specialisation):
//
//   `&&&Tag<R>` [`MeasureKnown`]  boxed std futures (`ResponseFuture`, `Pin<Box<dyn Future>>`,
//                                 `BoxFuture`, `LocalBoxFuture`) and boxed actor futures
//                                 (`ResponseActFuture`) whose output is `V`, and
//                                 `MessageResult<M>` with `M::Result` = `V`: wrapped so that
//                                 the guard finishes on the value the caller receives, after
//                                 every combinator;
//   `&&Tag<R>`  [`MeasureValue`]  `R` is `V` itself: finished now;
//   `&Tag<R>`   [`MeasureRelay`]  in an actix `Handler` impl, any other reply (`AtomicResponse`,
//                                 `ActorResponse`, `Response`, your own `MessageResponse`): left
//                                 as is, and [`Instrumented`] relays its reply to the caller;
//   `&Tag<R>`   [`MeasureRefused`] elsewhere (a future that is not boxed): a compile error
//                                 saying what to return instead.
//
// Outside an actix `Handler` impl, `V` is found from the fn's return type `R` the same way:
// `(&&&Probe::<R>::new()).__alys_value()` is the probe of a boxed future's output, of
// `M::Result` for `MessageResult<M>`, of `Unmeasurable<R>` for any other future, else of `R`.
//
// `slot` holds the message's guard, or `None` inside a handler of the same message (then
// nothing is measured again).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::context::{self, Scope};
use super::outcome::{Classify, For, Probe};
use super::{HandlerSite, MessageGuard, MessageOutcome};
use crate::clock::ticks;

/// A reply and its classifier, for method resolution by the reply's type.
pub struct Tag<R, C> {
    reply: Cell<Option<R>>,
    classify: C,
}

impl<R, C> std::fmt::Debug for Tag<R, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tag").finish_non_exhaustive()
    }
}

impl<R, C> Tag<R, C> {
    /// Tags `reply`.
    #[inline(always)]
    pub fn new(reply: R, classify: C) -> Self {
        Self {
            reply: Cell::new(Some(reply)),
            classify,
        }
    }

    #[inline(always)]
    fn take(&self) -> R {
        match self.reply.take() {
            Some(r) => r,
            // Each `__alys_measure` takes the reply once, and the tag is a temporary.
            None => unreachable!("a tagged reply is measured once"),
        }
    }
}

/// Records `panicked` when dropped still holding its guard: a poll unwound.
struct PanicSentinel<'a>(Option<&'a mut MessageGuard>);

impl Drop for PanicSentinel<'_> {
    fn drop(&mut self) {
        if let Some(g) = self.0.take() {
            g.record(MessageOutcome::Panicked);
        }
    }
}

/// Polls `poll` as the current handler of `guard`'s site (its scope opened by the caller, or
/// here), recording `panicked` if it unwinds and the outcome when it is ready: one clock
/// reading ends both the message and the poll's scope.
#[inline]
fn poll_measured<O, C: Classify<O>>(
    guard: &mut MessageGuard,
    classify: C,
    scope: Option<Scope>,
    poll: impl FnOnce() -> Poll<O>,
) -> Poll<O> {
    let mut sentinel = PanicSentinel(Some(guard));
    let out = poll();
    match (&out, sentinel.0.take()) {
        (Poll::Ready(v), Some(guard)) => {
            let outcome = if classify.is_error(v) {
                MessageOutcome::Error
            } else {
                MessageOutcome::Ok
            };
            let end = ticks();
            guard.record_at(outcome, end);
            if let Some(scope) = scope {
                scope.close_at(end);
            }
        }
        // Pending: the scope closes as it drops, reading the clock only if it changed the
        // thread's actor type.
        _ => drop(scope),
    }
    out
}

/// A future measured to completion by its message's guard.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct MeasuredFuture<F, C> {
    inner: F,
    guard: MessageGuard,
    classify: C,
}

impl<F, C> MeasuredFuture<F, C> {
    /// Wraps `inner`, measured by `guard`, its output classified by `classify`.
    pub fn new(inner: F, guard: MessageGuard, classify: C) -> Self {
        Self {
            inner,
            guard,
            classify,
        }
    }
}

impl<F: Future + Unpin, C: Classify<F::Output> + Unpin> Future for MeasuredFuture<F, C> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        let scope = context::enter(this.guard.site());
        poll_measured(&mut this.guard, this.classify, scope, || {
            Pin::new(inner).poll(cx)
        })
    }
}

/// An `async fn` handler's body (pinned by the caller), measured from its first poll to its
/// completion: the message starts at the first poll's entry (one clock reading for both),
/// unless a handler of the same message runs on this thread then.
#[inline]
pub fn measure_async<'a, F: Future, C: Classify<F::Output>>(
    site: &'static HandlerSite,
    classify: C,
    body: Pin<&'a mut F>,
) -> MeasuredAsync<'a, F, C> {
    MeasuredAsync {
        inner: body,
        site,
        state: AsyncState::Unpolled,
        classify,
    }
}

/// Where a [`MeasuredAsync`] is.
enum AsyncState {
    /// Not polled yet: the message has not started.
    Unpolled,
    /// Started: its guard.
    Measuring(MessageGuard),
    /// Part of a message already measured (or finished): polled through.
    Through,
}

/// The future of [`measure_async`].
#[must_use = "futures do nothing unless polled"]
pub struct MeasuredAsync<'a, F: Future, C> {
    inner: Pin<&'a mut F>,
    site: &'static HandlerSite,
    state: AsyncState,
    classify: C,
}

impl<F: Future, C> std::fmt::Debug for MeasuredAsync<'_, F, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeasuredAsync").finish_non_exhaustive()
    }
}

impl<F: Future, C: Classify<F::Output> + Unpin> Future for MeasuredAsync<'_, F, C> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        let scope = match this.state {
            AsyncState::Unpolled => match context::enter_timed(this.site) {
                None => {
                    this.state = AsyncState::Through;
                    return inner.as_mut().poll(cx);
                }
                Some((scope, now)) => {
                    this.state = AsyncState::Measuring(MessageGuard::start_at(this.site, now));
                    Some(scope)
                }
            },
            AsyncState::Measuring(_) => context::enter(this.site),
            AsyncState::Through => return inner.as_mut().poll(cx),
        };
        let AsyncState::Measuring(guard) = &mut this.state else {
            unreachable!("measuring")
        };
        let out = poll_measured(guard, this.classify, scope, || inner.as_mut().poll(cx));
        if out.is_ready() {
            this.state = AsyncState::Through;
        }
        out
    }
}

/// For a sync handler: the guard of a message and the scope that makes its site the current
/// handler while the body runs, unless a handler of the same message runs on this thread.
#[inline]
pub fn start_sync(site: &'static HandlerSite) -> (Option<MessageGuard>, Option<Scope>) {
    match context::enter_timed(site) {
        None => (None, None),
        // One clock reading starts both the message and the scope.
        Some((scope, now)) => (Some(MessageGuard::start_at(site, now)), Some(scope)),
    }
}

/// For a sync handler, after its call returned: ends `scope` (see [`start_sync`]) and notes
/// the same clock reading in `slot`'s guard, the end of a message whose reply finishes now.
#[inline]
pub fn close_sync(scope: Option<Scope>, slot: &mut Option<MessageGuard>) {
    if let Some(scope) = scope {
        let now = ticks();
        scope.close_at(now);
        if let Some(g) = slot {
            g.set_returned(now);
        }
    }
}

/// The value a reply gives its caller, as a probe: first choice, a reply that completes later.
pub trait ValueLater {
    /// The value's type.
    type Value: ?Sized;
    /// The probe of the value.
    fn __alys_value(self) -> Probe<Self::Value>;
}

macro_rules! value_of_std_future {
    ($($send:tt)*) => {
        impl<'a, O: 'a> ValueLater for &&&Probe<Pin<Box<dyn Future<Output = O> $(+ $send)* + 'a>>> {
            type Value = O;
            #[inline(always)]
            fn __alys_value(self) -> Probe<O> {
                Probe::new()
            }
        }
    };
}
value_of_std_future!();
value_of_std_future!(Send);

/// A future the measuring code cannot wrap without changing the fn's return type.
#[derive(Debug)]
pub struct Unmeasurable<F>(F);

/// Second choice: another future, which cannot be measured in place.
pub trait ValueUnmeasurable {
    /// The value's type.
    type Value;
    /// The probe of the value.
    fn __alys_value(self) -> Probe<Self::Value>;
}

impl<F: Future> ValueUnmeasurable for &&Probe<F> {
    type Value = Unmeasurable<F>;
    #[inline(always)]
    fn __alys_value(self) -> Probe<Unmeasurable<F>> {
        Probe::new()
    }
}

/// Last choice: the reply is the value.
pub trait ValueNow {
    /// The value's type.
    type Value: ?Sized;
    /// The probe of the value.
    fn __alys_value(self) -> Probe<Self::Value>;
}

impl<R: ?Sized> ValueNow for &Probe<R> {
    type Value = R;
    #[inline(always)]
    fn __alys_value(self) -> Probe<R> {
        Probe::new()
    }
}

/// Replies measured by wrapping them: boxed futures and actor futures, `MessageResult`.
pub trait MeasureKnown {
    /// The reply type, unchanged.
    type Reply;
    /// Wraps the reply so that `slot`'s guard finishes on the value the caller receives.
    fn __alys_measure(self, slot: &mut Option<MessageGuard>) -> Self::Reply;
}

macro_rules! std_future {
    ($($send:tt)*) => {
        impl<'a, O: 'a, C: Classify<O> + Unpin + 'a $(+ $send)*> MeasureKnown
            for &&&Tag<Pin<Box<dyn Future<Output = O> $(+ $send)* + 'a>>, For<O, C>>
        {
            type Reply = Pin<Box<dyn Future<Output = O> $(+ $send)* + 'a>>;
            #[inline]
            fn __alys_measure(self, slot: &mut Option<MessageGuard>) -> Self::Reply {
                let fut = self.take();
                match slot.take() {
                    None => fut,
                    Some(mut g) => {
                        g.keep_trace();
                        Box::pin(MeasuredFuture::new(fut, g, self.classify))
                    }
                }
            }
        }
    };
}
std_future!();
std_future!(Send);

/// Replies measured when they are produced: the reply is the value its caller receives.
pub trait MeasureValue {
    /// The reply type, unchanged.
    type Reply;
    /// Finishes `slot`'s guard with the reply's outcome.
    fn __alys_measure(self, slot: &mut Option<MessageGuard>) -> Self::Reply;
}

impl<R, C: Classify<R>> MeasureValue for &&Tag<R, For<R, C>> {
    type Reply = R;
    #[inline]
    fn __alys_measure(self, slot: &mut Option<MessageGuard>) -> R {
        let reply = self.take();
        if let Some(g) = slot.take() {
            g.finish_returned(self.classify.is_error(&reply));
        }
        reply
    }
}

/// A reply whose value the caller receives later, outside an actix `Handler` impl, that the
/// measuring code cannot wrap.
#[diagnostic::on_unimplemented(
    message = "`#[instrument_actor]` cannot measure this reply: it completes after the fn returns, and the fn's return type leaves no room to wrap it",
    label = "return a boxed future instead",
    note = "return `Pin<Box<dyn Future<Output = T> + Send>>` (`BoxFuture<'_, T>`, actix's `ResponseFuture<T>`) or make the fn `async`"
)]
pub trait MeasurableLater {}

/// Any other reply, outside an actix `Handler` impl: refused at compile time, since nothing
/// sees the value its caller receives.
pub trait MeasureRefused<R> {
    /// Unreachable at run time: the bound fails for every type that gets here.
    fn __alys_measure(self, slot: &mut Option<MessageGuard>) -> R
    where
        R: MeasurableLater;
}

impl<R, C> MeasureRefused<R> for &Tag<R, C> {
    #[inline]
    fn __alys_measure(self, _: &mut Option<MessageGuard>) -> R
    where
        R: MeasurableLater,
    {
        self.take()
    }
}

#[cfg(feature = "actor")]
pub use self::actix_replies::{Instrumented, MeasureRelay, MeasuredActorFuture};

#[cfg(feature = "actor")]
mod actix_replies {
    use super::*;
    use actix::dev::{MessageResponse, OneshotSender};
    use actix::fut::ActorFuture;
    use actix::{Actor, Message, MessageResult};

    /// An actor future measured to completion by its message's guard.
    #[must_use = "actor futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct MeasuredActorFuture<F, C> {
        inner: F,
        guard: MessageGuard,
        classify: C,
    }

    impl<A, F, C> ActorFuture<A> for MeasuredActorFuture<F, C>
    where
        A: Actor,
        F: ActorFuture<A> + Unpin,
        C: Classify<F::Output> + Unpin,
    {
        type Output = F::Output;

        #[inline]
        fn poll(
            self: Pin<&mut Self>,
            act: &mut A,
            ctx: &mut A::Context,
            task: &mut Context<'_>,
        ) -> Poll<F::Output> {
            let this = self.get_mut();
            let inner = &mut this.inner;
            let scope = context::enter(this.guard.site());
            poll_measured(&mut this.guard, this.classify, scope, || {
                Pin::new(inner).poll(act, ctx, task)
            })
        }
    }

    impl<'a, A: Actor, O: 'a> ValueLater for &&&Probe<Pin<Box<dyn ActorFuture<A, Output = O> + 'a>>> {
        type Value = O;
        #[inline(always)]
        fn __alys_value(self) -> Probe<O> {
            Probe::new()
        }
    }

    impl<M: Message> ValueLater for &&&Probe<MessageResult<M>> {
        type Value = M::Result;
        #[inline(always)]
        fn __alys_value(self) -> Probe<M::Result> {
            Probe::new()
        }
    }

    impl<'a, A: Actor, O: 'a, C: Classify<O> + Unpin + 'a> MeasureKnown
        for &&&Tag<Pin<Box<dyn ActorFuture<A, Output = O> + 'a>>, For<O, C>>
    {
        type Reply = Pin<Box<dyn ActorFuture<A, Output = O> + 'a>>;
        #[inline]
        fn __alys_measure(self, slot: &mut Option<MessageGuard>) -> Self::Reply {
            let fut = self.take();
            match slot.take() {
                None => fut,
                Some(mut guard) => {
                    guard.keep_trace();
                    Box::pin(MeasuredActorFuture {
                        inner: fut,
                        guard,
                        classify: self.classify,
                    })
                }
            }
        }
    }

    impl<M: Message, C: Classify<M::Result>> MeasureKnown
        for &&&Tag<MessageResult<M>, For<M::Result, C>>
    {
        type Reply = MessageResult<M>;
        #[inline]
        fn __alys_measure(self, slot: &mut Option<MessageGuard>) -> MessageResult<M> {
            let reply = self.take();
            if let Some(g) = slot.take() {
                g.finish_returned(self.classify.is_error(&reply.0));
            }
            reply
        }
    }

    /// Any other reply of an actix `Handler`: left as is, its guard kept in `slot` for
    /// [`Instrumented`] to finish on the value its caller receives.
    pub trait MeasureRelay {
        /// The reply type, unchanged.
        type Reply;
        /// Returns the reply; the guard stays in `slot`.
        fn __alys_measure(self, slot: &mut Option<MessageGuard>) -> Self::Reply;
    }

    impl<R, C> MeasureRelay for &Tag<R, C> {
        type Reply = R;
        #[inline]
        fn __alys_measure(self, _: &mut Option<MessageGuard>) -> R {
            self.take()
        }
    }

    /// A guard waiting for a relayed reply, and the classifier of that reply.
    type Waiting<T> = (MessageGuard, fn(&T) -> bool);

    /// The reply of an instrumented actix handler: `type Result = Instrumented<R, M>` where the
    /// handler declared `type Result = R`.
    ///
    /// Replies measured by their type (futures, actor futures, `MessageResult`, plain values)
    /// are passed to actix unchanged. Any other reply (`AtomicResponse`, `ActorResponse`,
    /// `Response`, a `MessageResponse` of your own) is handled as actix would, into a channel
    /// of ours; the message finishes when the reply arrives there, and the reply is forwarded
    /// to the caller (a reply sent at once is forwarded at once; a later one by a small task on
    /// the actor's arbiter).
    pub struct Instrumented<R, M: Message> {
        reply: R,
        pending: Option<Waiting<M::Result>>,
    }

    impl<R, M: Message> std::fmt::Debug for Instrumented<R, M> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Instrumented")
                .field("pending", &self.pending.is_some())
                .finish_non_exhaustive()
        }
    }

    impl<R, M: Message> Instrumented<R, M> {
        /// The reply `reply`, still to be measured when `slot` holds the guard.
        #[inline]
        pub fn new<C: Classify<M::Result>>(
            reply: R,
            slot: Option<MessageGuard>,
            classify: C,
        ) -> Self {
            Self {
                reply,
                pending: slot.map(|mut g| {
                    g.keep_trace();
                    (g, classify.classifier())
                }),
            }
        }

        /// The handler's own reply, for code that calls `handle` directly. A reply that was
        /// still to be measured (an `AtomicResponse`, ..) is then counted as `cancelled`.
        pub fn into_inner(self) -> R {
            self.reply
        }
    }

    fn send<T>(tx: Option<OneshotSender<T>>, v: T) {
        if let Some(tx) = tx {
            let _ = tx.send(v);
        }
    }

    impl<A, M, R> MessageResponse<A, M> for Instrumented<R, M>
    where
        A: Actor,
        M: Message,
        R: MessageResponse<A, M>,
    {
        fn handle(self, ctx: &mut A::Context, tx: Option<OneshotSender<M::Result>>) {
            let Some((mut guard, is_error)) = self.pending else {
                return self.reply.handle(ctx, tx);
            };
            let (inner_tx, mut inner_rx) = tokio::sync::oneshot::channel();
            self.reply.handle(ctx, Some(inner_tx));
            let finish = move |guard: &mut MessageGuard, v: &M::Result| {
                guard.record(if is_error(v) {
                    MessageOutcome::Error
                } else {
                    MessageOutcome::Ok
                })
            };
            match inner_rx.try_recv() {
                Ok(v) => {
                    finish(&mut guard, &v);
                    send(tx, v);
                }
                // The reply was dropped unsent: the guard records `cancelled`.
                Err(tokio::sync::oneshot::error::TryRecvError::Closed) => drop(guard),
                Err(tokio::sync::oneshot::error::TryRecvError::Empty) => {
                    actix::spawn(async move {
                        if let Ok(v) = inner_rx.await {
                            finish(&mut guard, &v);
                            send(tx, v);
                        }
                    });
                }
            }
        }
    }
}
