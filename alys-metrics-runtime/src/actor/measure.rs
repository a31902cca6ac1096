//! Measuring a handler's reply by its type: what `#[instrument_actor]` wraps `handle`'s value in.
//
// The generated code calls `(&&&Tag::new(reply, classifier)).__alys_measure(&mut slot)`; method
// resolution picks, by the reply's type (autoref specialisation):
//
//   `&&&Tag<R>` [`MeasureKnown`]  boxed std futures (`ResponseFuture`, `Pin<Box<dyn Future>>`,
//                                 `BoxFuture`, `LocalBoxFuture`), boxed actor futures
//                                 (`ResponseActFuture`) and `MessageResult`: the value is
//                                 wrapped so that the guard finishes on the value the caller
//                                 receives, after every combinator;
//   `&&Tag<R>`  [`MeasureValue`]  a plain reply whose outcome the classifier reads: finished now;
//   `&Tag<R>`   [`MeasureRelay`]  in an actix `Handler` impl, any other reply (`AtomicResponse`,
//                                 `ActorResponse`, `Response`, your own `MessageResponse`): left
//                                 as is, and [`Instrumented`] relays its reply to the caller;
//   `&Tag<R>`   [`MeasureRefused`] elsewhere: a compile error naming the type and what to do.
//
// `slot` holds the message's guard, or `None` inside a handler of the same message (then
// nothing is measured again).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use super::context::Scope;
use super::{Classify, MessageGuard, MessageOutcome, Track};

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
struct PanicSentinel<'a, T: Track>(Option<&'a mut MessageGuard<T>>);

impl<T: Track> Drop for PanicSentinel<'_, T> {
    fn drop(&mut self) {
        if let Some(g) = self.0.take() {
            g.record(MessageOutcome::Panicked);
        }
    }
}

/// Polls `poll` as the current handler of `guard`'s site, recording `panicked` if it unwinds
/// and the outcome when it is ready.
#[inline]
fn poll_measured<O, T: Track, C: Classify<O>>(
    guard: &mut MessageGuard<T>,
    classify: C,
    poll: impl FnOnce() -> Poll<O>,
) -> Poll<O> {
    let scope = super::context::enter(guard.site());
    let mut sentinel = PanicSentinel(Some(guard));
    let out = poll();
    if let (Poll::Ready(v), Some(guard)) = (&out, sentinel.0.take()) {
        let outcome = if classify.is_error(v) {
            MessageOutcome::Error
        } else {
            MessageOutcome::Ok
        };
        // One clock reading ends both the message and this poll's scope.
        let end = Instant::now();
        guard.record_at(outcome, end);
        if let Some(scope) = scope {
            scope.close_at(end);
        }
    }
    out
}

/// A future measured to completion by its message's guard.
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct MeasuredFuture<F, T: Track, C> {
    inner: F,
    guard: MessageGuard<T>,
    classify: C,
}

impl<F, T: Track, C> MeasuredFuture<F, T, C> {
    /// Wraps `inner`, measured by `guard`, its output classified by `classify`.
    pub fn new(inner: F, guard: MessageGuard<T>, classify: C) -> Self {
        Self {
            inner,
            guard,
            classify,
        }
    }
}

impl<F: Future + Unpin, T: Track + Unpin, C: Classify<F::Output> + Unpin> Future
    for MeasuredFuture<F, T, C>
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        poll_measured(&mut this.guard, this.classify, || Pin::new(inner).poll(cx))
    }
}

/// An `async fn` handler's body (pinned by the caller), measured from its first poll to its
/// completion.
#[inline]
pub fn measure_async<F: Future, T: Track, C: Classify<F::Output>>(
    slot: Option<MessageGuard<T>>,
    classify: C,
    body: Pin<&mut F>,
) -> MeasuredAsync<'_, F, T, C> {
    MeasuredAsync {
        inner: body,
        guard: slot,
        classify,
    }
}

/// The future of [`measure_async`].
#[must_use = "futures do nothing unless polled"]
pub struct MeasuredAsync<'a, F: Future, T: Track, C> {
    inner: Pin<&'a mut F>,
    guard: Option<MessageGuard<T>>,
    classify: C,
}

impl<F: Future, T: Track, C> std::fmt::Debug for MeasuredAsync<'_, F, T, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeasuredAsync").finish_non_exhaustive()
    }
}

impl<F: Future, T: Track + Unpin, C: Classify<F::Output> + Unpin> Future
    for MeasuredAsync<'_, F, T, C>
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        match &mut this.guard {
            Some(g) => poll_measured(g, this.classify, || inner.as_mut().poll(cx)),
            None => inner.as_mut().poll(cx),
        }
    }
}

/// The guard of a message, unless a handler of the same message runs on this thread.
#[inline]
pub fn start<T: Track>(
    site: &'static super::HandlerSite,
    track: impl FnOnce() -> T,
) -> Option<MessageGuard<T>> {
    if super::context::nested(site) {
        None
    } else {
        Some(MessageGuard::start_tracked(site, track()))
    }
}

/// For a sync handler: the guard of a message and the scope that makes its site the current
/// handler while the body runs, unless a handler of the same message runs on this thread.
#[inline]
pub fn start_sync<T: Track>(
    site: &'static super::HandlerSite,
    track: impl FnOnce() -> T,
) -> (Option<MessageGuard<T>>, Option<Scope>) {
    match crate::actor_system::current::enter_site_timed(site, true) {
        None => (None, None),
        // One clock reading starts both the message and the scope.
        Some((scope, now)) => (
            Some(MessageGuard::start_at(site, track(), now)),
            Some(scope),
        ),
    }
}

/// For a sync handler, after its call returned: ends `scope` (see [`start_sync`]) and notes
/// the same clock reading in `slot`'s guard, the end of a message whose reply finishes now.
#[inline]
pub fn close_sync<T: Track>(scope: Option<Scope>, slot: &mut Option<MessageGuard<T>>) {
    if let Some(scope) = scope {
        let now = Instant::now();
        scope.close_at(now);
        if let Some(g) = slot {
            g.set_returned(now);
        }
    }
}

/// Replies measured by wrapping them: boxed futures, boxed actor futures, `MessageResult`.
pub trait MeasureKnown<T: Track> {
    /// The reply type, unchanged.
    type Reply;
    /// Wraps the reply so that `slot`'s guard finishes on the value the caller receives.
    fn __alys_measure(self, slot: &mut Option<MessageGuard<T>>) -> Self::Reply;
}

macro_rules! std_future {
    ($($send:tt)*) => {
        impl<'a, O: 'a, C: Classify<O> + Unpin + 'a $(+ $send)*, T: Track + Unpin + 'a $(+ $send)*> MeasureKnown<T>
            for &&&Tag<Pin<Box<dyn Future<Output = O> $(+ $send)* + 'a>>, C>
        {
            type Reply = Pin<Box<dyn Future<Output = O> $(+ $send)* + 'a>>;
            #[inline]
            fn __alys_measure(self, slot: &mut Option<MessageGuard<T>>) -> Self::Reply {
                let fut = self.take();
                match slot.take() {
                    None => fut,
                    Some(g) => Box::pin(MeasuredFuture::new(fut, g, self.classify)),
                }
            }
        }
    };
}
std_future!();
std_future!(Send);

/// Replies measured when they are produced: the classifier reads them now.
pub trait MeasureValue<T: Track> {
    /// The reply type, unchanged.
    type Reply;
    /// Finishes `slot`'s guard with the reply's outcome.
    fn __alys_measure(self, slot: &mut Option<MessageGuard<T>>) -> Self::Reply;
}

impl<R, C: Classify<R>, T: Track> MeasureValue<T> for &&Tag<R, C> {
    type Reply = R;
    #[inline]
    fn __alys_measure(self, slot: &mut Option<MessageGuard<T>>) -> R {
        let reply = self.take();
        if let Some(g) = slot.take() {
            g.finish_returned(self.classify.is_error(&reply));
        }
        reply
    }
}

/// Any other reply, outside an actix `Handler` impl: refused at compile time, since nothing
/// sees the value its caller receives.
pub trait MeasureRefused<R, C> {
    /// Unreachable at run time: the bound fails for every type that gets here.
    fn __alys_measure<T: Track>(self, slot: &mut Option<MessageGuard<T>>) -> R
    where
        C: Classify<R>;
}

impl<R, C> MeasureRefused<R, C> for &Tag<R, C> {
    #[inline]
    fn __alys_measure<T: Track>(self, slot: &mut Option<MessageGuard<T>>) -> R
    where
        C: Classify<R>,
    {
        let reply = self.take();
        if let Some(g) = slot.take() {
            g.finish_returned(self.classify.is_error(&reply));
        }
        reply
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
    pub struct MeasuredActorFuture<F, T: Track, C> {
        inner: F,
        guard: MessageGuard<T>,
        classify: C,
    }

    impl<A, F, T, C> ActorFuture<A> for MeasuredActorFuture<F, T, C>
    where
        A: Actor,
        F: ActorFuture<A> + Unpin,
        T: Track + Unpin,
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
            poll_measured(&mut this.guard, this.classify, || {
                Pin::new(inner).poll(act, ctx, task)
            })
        }
    }

    impl<'a, A: Actor, O: 'a, C: Classify<O> + Unpin + 'a, T: Track + Unpin + 'a> MeasureKnown<T>
        for &&&Tag<Pin<Box<dyn ActorFuture<A, Output = O> + 'a>>, C>
    {
        type Reply = Pin<Box<dyn ActorFuture<A, Output = O> + 'a>>;
        #[inline]
        fn __alys_measure(self, slot: &mut Option<MessageGuard<T>>) -> Self::Reply {
            let fut = self.take();
            match slot.take() {
                None => fut,
                Some(guard) => Box::pin(MeasuredActorFuture {
                    inner: fut,
                    guard,
                    classify: self.classify,
                }),
            }
        }
    }

    impl<M: Message, C: Classify<M::Result>, T: Track> MeasureKnown<T> for &&&Tag<MessageResult<M>, C> {
        type Reply = MessageResult<M>;
        #[inline]
        fn __alys_measure(self, slot: &mut Option<MessageGuard<T>>) -> MessageResult<M> {
            let reply = self.take();
            if let Some(g) = slot.take() {
                g.finish_returned(self.classify.is_error(&reply.0));
            }
            reply
        }
    }

    /// Any other reply of an actix `Handler`: left as is, its guard kept in `slot` for
    /// [`Instrumented`] to finish on the value its caller receives.
    pub trait MeasureRelay<T: Track> {
        /// The reply type, unchanged.
        type Reply;
        /// Returns the reply; the guard stays in `slot`.
        fn __alys_measure(self, slot: &mut Option<MessageGuard<T>>) -> Self::Reply;
    }

    impl<R, C, T: Track> MeasureRelay<T> for &Tag<R, C> {
        type Reply = R;
        #[inline]
        fn __alys_measure(self, _: &mut Option<MessageGuard<T>>) -> R {
            self.take()
        }
    }

    /// A guard waiting for the reply of a relayed message.
    trait Pending {
        fn record(&mut self, outcome: MessageOutcome);
    }

    impl<T: Track> Pending for MessageGuard<T> {
        fn record(&mut self, outcome: MessageOutcome) {
            MessageGuard::record(self, outcome);
        }
    }

    /// A guard waiting for a relayed reply, and the classifier of that reply.
    type Waiting<T> = (Box<dyn Pending>, fn(&T) -> bool);

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
        pub fn new<T: Track + 'static, C: Classify<M::Result>>(
            reply: R,
            slot: Option<MessageGuard<T>>,
            classify: C,
        ) -> Self {
            Self {
                reply,
                pending: slot.map(|g| (Box::new(g) as Box<dyn Pending>, classify.classifier())),
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
            let finish = move |guard: &mut Box<dyn Pending>, v: &M::Result| {
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
