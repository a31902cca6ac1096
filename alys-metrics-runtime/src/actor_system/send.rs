//! Measured sends between actors: [`SendMeasured`] on actix [`Addr`], and [`MeasuredRecipient`]
//! for a [`Recipient`] whose actor type is known.
//!
//! Recorded at the sender, per edge `(from_actor, to_actor)`:
//!
//! | metric | when |
//! |---|---|
//! | `alys_inter_actor_message_latency_seconds` | a request's reply arrived (send -> reply) |
//! | `alys_inter_actor_message_queue_size` | +1 when a request is sent, -1 when it ends: reply, error, or the future dropped unfinished |
//! | `alys_actor_message_timeout_events_total` (+ `message_type`) | the request ended with `MailboxError::Timeout` |
//! | `alys_actor_dead_letters_total{actor_type}` (recipient's type) | `MailboxError::Closed`, or a fire-and-forget send to a stopped actor ([`Addr::connected`] false) |
//! | `alys_actor_communication_patterns_total` | every request (`request_response`), fire-and-forget send (`fire_and_forget`) and broadcast (`broadcast`, once per broadcast) |
//!
//! # Who sends
//!
//! `from_actor` is the actor type of the instrumented handler running on this thread when the
//! request is *created* ([`current_actor`](crate::actor::current_actor), else an open
//! [`enter`](crate::actor_system::enter) scope); outside any handler it is `external`. Create
//! the request inside the handler (its body, or a poll of its future), not in a detached task.
//!
//! `to_actor` is the recipient's actor type, from its Rust type name (the last path segment):
//! the type its instrumented handlers resolved (an `ActorKind` the type declares, or its
//! words), else [`ActorType::from_name`] (its whole words); `unclassified` when nothing says
//! one. An actor none of whose handlers is instrumented and whose name says nothing can be
//! reached through [`SendMeasured::measured_recipient_as`] with its type.
//!
//! # Cost
//!
//! The edge's children are resolved on its first message and cached in a static 10 x 10 array:
//! a request pays two thread-local reads, one cached type-name lookup (a thread-local
//! direct-mapped table keyed by the type name's address), an atomic load for the edge, two
//! relaxed increments at the start, and at the end a decrement and a histogram observation. No hashing, lock or allocation after the edge's first use. The timeout and
//! dead-letter paths resolve their labels when they happen.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use actix::prelude::*;
//! use alys_metrics::actor_system::SendMeasured;
//!
//! struct Ping;
//! impl Message for Ping {
//!     type Result = u32;
//! }
//! struct StorageActor;
//! impl Actor for StorageActor {
//!     type Context = Context<Self>;
//! }
//! impl Handler<Ping> for StorageActor {
//!     type Result = u32;
//!     fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> u32 {
//!         7
//!     }
//! }
//!
//! actix::System::new().block_on(async {
//!     let addr = StorageActor.start();
//!     assert_eq!(addr.send_measured(Ping).await.unwrap(), 7); // from "external"
//! });
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains(
//!     "alys_inter_actor_message_latency_seconds_count{from_actor=\"external\",to_actor=\"storage\"} 1\n"
//! ));
//! assert!(text.contains(
//!     "alys_inter_actor_message_queue_size{from_actor=\"external\",to_actor=\"storage\"} 0\n"
//! ));
//! ```

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use actix::dev::{RecipientRequest, Request, ToEnvelope};
use actix::{Actor, Addr, Handler, MailboxError, Message, Recipient};

use crate::catalogue::actor_traffic::{
    ACTOR_COMMUNICATION_PATTERNS, ACTOR_DEAD_LETTERS, ACTOR_MESSAGE_TIMEOUT_EVENTS,
    INTER_ACTOR_MESSAGE_LATENCY_SECONDS, INTER_ACTOR_MESSAGE_QUEUE_SIZE,
};
use crate::labels::{ActorEndpoint, ActorType, CommunicationPattern, LabelValue, MessageType};
use crate::metric::{Counter, Histogram, IntGauge};

/// Number of endpoints (the nine actor types and `external`).
pub(crate) const ENDPOINTS: usize = ActorEndpoint::COUNT;

/// One edge's cached children.
#[derive(Debug)]
pub(crate) struct Edge {
    latency: &'static Histogram,
    pub(crate) queue: &'static IntGauge,
    request_response: &'static Counter,
    fire_and_forget: &'static Counter,
}

impl Edge {
    /// Requests of this edge that ended, any way: the requests sent minus those in flight
    /// (two relaxed reads; the deadlock detector watches it for progress).
    pub(crate) fn settled(&self) -> u64 {
        self.request_response
            .get()
            .saturating_sub(u64::try_from(self.queue.get()).unwrap_or(0))
    }
}

/// The edges, indexed `[from][to]` by [`ActorEndpoint::index`].
pub(crate) static EDGES: [[OnceLock<Edge>; ENDPOINTS]; ENDPOINTS] =
    [const { [const { OnceLock::new() }; ENDPOINTS] }; ENDPOINTS];

/// `"a-b"`: the sorted, distinct endpoints of `mask` (bit i = endpoint i), joined by `-` (the capped label's sanitiser keeps no commas).
pub(crate) fn involved(mask: u16) -> String {
    let mut names: Vec<&str> = ActorEndpoint::VALUES
        .iter()
        .filter(|e| mask & (1 << e.index()) != 0)
        .map(|e| e.as_str())
        .collect();
    names.sort_unstable();
    names.join("-")
}

#[inline]
fn edge(from: ActorEndpoint, to: ActorEndpoint) -> &'static Edge {
    EDGES[from.index()][to.index()].get_or_init(|| {
        let (f, t) = (from.as_str(), to.as_str());
        let pair = involved((1 << from.index()) | (1 << to.index()));
        Edge {
            latency: INTER_ACTOR_MESSAGE_LATENCY_SECONDS.with(f, t),
            queue: INTER_ACTOR_MESSAGE_QUEUE_SIZE.with(f, t),
            request_response: ACTOR_COMMUNICATION_PATTERNS
                .with(CommunicationPattern::RequestResponse, &pair),
            fire_and_forget: ACTOR_COMMUNICATION_PATTERNS
                .with(CommunicationPattern::FireAndForget, &pair),
        }
    })
}

/// The sender: the running instrumented handler's actor type, else the open actor scope's,
/// else `external`.
#[inline]
pub fn current_sender() -> ActorEndpoint {
    if let Some(site) = crate::actor::current_actor() {
        return ActorEndpoint::of(site.actor_type());
    }
    match crate::actor_system::current_actor_type() {
        Some(t) => ActorEndpoint::of(t),
        None => ActorEndpoint::External,
    }
}

/// The actor type of a Rust type name (its last path segment, generics stripped): the type
/// its instrumented handlers resolved (its `ActorKind`, its words), else its words, else
/// `unclassified`.
pub fn actor_type_of_name(type_name: &str) -> ActorType {
    let base = type_name.split('<').next().unwrap_or(type_name);
    let last = base.rsplit("::").next().unwrap_or(base);
    crate::actor::actor_type_of_actor(last).unwrap_or_else(|| ActorType::from_name(last))
}

const CACHE: usize = 16;

thread_local! {
    /// Direct-mapped cache: type name address -> actor type index (+1; 0 empty).
    static TYPES: Cell<[(usize, u8); CACHE]> = const { Cell::new([(0, 0); CACHE]) };
}

/// The actor type of `A`, cached per thread by the address of its type name.
#[inline]
fn actor_type_of_type<A: ?Sized>() -> ActorType {
    let name = std::any::type_name::<A>();
    let key = name.as_ptr() as usize;
    let slot = (key >> 3) % CACHE;
    let hit = TYPES
        .try_with(|c| {
            let e = c.get()[slot];
            (e.0 == key && e.1 != 0).then(|| e.1 - 1)
        })
        .ok()
        .flatten();
    if let Some(i) = hit {
        return ActorType::VALUES[usize::from(i)];
    }
    let t = actor_type_of_name(name);
    let _ = TYPES.try_with(|c| {
        let mut table = c.get();
        table[slot] = (key, t.index() as u8 + 1);
        c.set(table);
    });
    t
}

fn message_type_of<M>() -> MessageType {
    let name = std::any::type_name::<M>();
    let base = name.split('<').next().unwrap_or(name);
    let last = base.rsplit("::").next().unwrap_or(base);
    crate::actor::message_type_of_message(last).unwrap_or_else(|| MessageType::from_name(last))
}

fn dead_letter(to: ActorEndpoint) {
    let t = ActorType::VALUES
        .get(to.index())
        .copied()
        .unwrap_or(ActorType::System);
    ACTOR_DEAD_LETTERS.with(t).inc();
}

/// A request in flight on one edge: counted in the queue gauge until it ends, whichever way.
#[derive(Debug)]
struct InFlight {
    from: ActorEndpoint,
    to: ActorEndpoint,
    edge: &'static Edge,
    start: Instant,
    done: bool,
}

impl InFlight {
    #[inline]
    fn start(from: ActorEndpoint, to: ActorEndpoint) -> Self {
        let edge = edge(from, to);
        edge.queue.inc();
        edge.request_response.inc();
        Self {
            from,
            to,
            edge,
            start: Instant::now(),
            done: false,
        }
    }

    #[inline]
    fn finish<T>(&mut self, result: &Result<T, MailboxError>, message_type: fn() -> MessageType) {
        match result {
            Ok(_) => self
                .edge
                .latency
                .observe(self.start.elapsed().as_secs_f64()),
            Err(MailboxError::Timeout) => ACTOR_MESSAGE_TIMEOUT_EVENTS
                .with(self.from.as_str(), self.to.as_str(), message_type())
                .inc(),
            Err(MailboxError::Closed) => dead_letter(self.to),
        }
        self.settle();
    }

    #[inline]
    fn settle(&mut self) {
        if !self.done {
            self.done = true;
            self.edge.queue.dec();
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.settle();
    }
}

pin_project_lite::pin_project! {
    /// A measured request: the actix request future `F` (an actix `Request` or
    /// `RecipientRequest`), recording its end. Await it like the request itself; `.timeout(d)`
    /// sets the request's timeout.
    #[must_use = "a request does nothing unless awaited (dropping it counts it as ended)"]
    #[derive(Debug)]
    pub struct MeasuredRequest<F, M> {
        #[pin]
        inner: F,
        flight: InFlight,
        message_type: fn() -> MessageType,
        _message: std::marker::PhantomData<fn() -> M>,
    }
}

impl<F, M> MeasuredRequest<F, M> {
    /// The same measured request around `f(inner)`: what `timeout` of both request types does.
    #[inline]
    fn map_inner(self, f: impl FnOnce(F) -> F) -> Self {
        let Self {
            inner,
            flight,
            message_type,
            _message,
        } = self;
        Self {
            inner: f(inner),
            flight,
            message_type,
            _message,
        }
    }
}

impl<A, M> MeasuredRequest<Request<A, M>, M>
where
    A: Handler<M>,
    A::Context: ToEnvelope<A, M>,
    M: Message + Send + 'static,
    M::Result: Send,
{
    /// Fails the request with `MailboxError::Timeout` (counted in
    /// `alys_actor_message_timeout_events_total`) when no reply came within `dur`.
    pub fn timeout(self, dur: Duration) -> Self {
        self.map_inner(|request| request.timeout(dur))
    }
}

impl<M> MeasuredRequest<RecipientRequest<M>, M>
where
    M: Message + Send + 'static,
    M::Result: Send,
{
    /// Fails the request with `MailboxError::Timeout` (counted in
    /// `alys_actor_message_timeout_events_total`) when no reply came within `dur`.
    pub fn timeout(self, dur: Duration) -> Self {
        self.map_inner(|request| request.timeout(dur))
    }
}

impl<F, M, T> Future for MeasuredRequest<F, M>
where
    F: Future<Output = Result<T, MailboxError>>,
{
    type Output = Result<T, MailboxError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let out = this.inner.poll(cx);
        if let Poll::Ready(result) = &out {
            this.flight.finish(result, *this.message_type);
        }
        out
    }
}

/// Measured sends on an actix [`Addr`] (see the [module docs](self)).
pub trait SendMeasured<A: Actor> {
    /// [`Addr::send`], measured: the returned future resolves to the same result.
    fn send_measured<M>(&self, msg: M) -> MeasuredRequest<Request<A, M>, M>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>;

    /// [`Addr::do_send`], counted as `fire_and_forget`; a send to a stopped actor is a dead
    /// letter.
    fn do_send_measured<M>(&self, msg: M)
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>;

    /// A [`MeasuredRecipient`] of this address, `to_actor` classified from `A`'s name.
    fn measured_recipient<M>(&self) -> MeasuredRecipient<M>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>;

    /// A [`MeasuredRecipient`] of this address with `to_actor` = `actor_type`.
    fn measured_recipient_as<M>(&self, actor_type: ActorType) -> MeasuredRecipient<M>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>;
}

impl<A: Actor> SendMeasured<A> for Addr<A> {
    #[inline]
    fn send_measured<M>(&self, msg: M) -> MeasuredRequest<Request<A, M>, M>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>,
    {
        let to = ActorEndpoint::of(actor_type_of_type::<A>());
        let flight = InFlight::start(current_sender(), to);
        MeasuredRequest {
            inner: self.send(msg),
            flight,
            message_type: message_type_of::<M>,
            _message: std::marker::PhantomData,
        }
    }

    #[inline]
    fn do_send_measured<M>(&self, msg: M)
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>,
    {
        let to = ActorEndpoint::of(actor_type_of_type::<A>());
        edge(current_sender(), to).fire_and_forget.inc();
        if self.connected() {
            self.do_send(msg);
        } else {
            dead_letter(to);
        }
    }

    fn measured_recipient<M>(&self) -> MeasuredRecipient<M>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>,
    {
        self.measured_recipient_as(actor_type_of_type::<A>())
    }

    fn measured_recipient_as<M>(&self, actor_type: ActorType) -> MeasuredRecipient<M>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>,
    {
        MeasuredRecipient {
            inner: self.clone().recipient(),
            to: ActorEndpoint::of(actor_type),
        }
    }
}

/// A [`Recipient`] with its actor type, for measured sends to actors of different types
/// handling one message (see the [module docs](self)).
#[derive(Debug)]
pub struct MeasuredRecipient<M: Message + Send>
where
    M::Result: Send,
{
    inner: Recipient<M>,
    to: ActorEndpoint,
}

impl<M: Message + Send> Clone for MeasuredRecipient<M>
where
    M::Result: Send,
{
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            to: self.to,
        }
    }
}

impl<M> MeasuredRecipient<M>
where
    M: Message + Send + 'static,
    M::Result: Send,
{
    /// A recipient whose actor has type `actor_type`.
    pub fn new(recipient: Recipient<M>, actor_type: ActorType) -> Self {
        Self {
            inner: recipient,
            to: ActorEndpoint::of(actor_type),
        }
    }

    /// The recipient's actor type.
    pub fn actor_type(&self) -> ActorType {
        ActorType::VALUES[self.to.index()]
    }

    /// The underlying recipient.
    pub fn recipient(&self) -> &Recipient<M> {
        &self.inner
    }

    /// [`Recipient::send`], measured.
    #[inline]
    pub fn send_measured(&self, msg: M) -> MeasuredRequest<RecipientRequest<M>, M> {
        let flight = InFlight::start(current_sender(), self.to);
        MeasuredRequest {
            inner: self.inner.send(msg),
            flight,
            message_type: message_type_of::<M>,
            _message: std::marker::PhantomData,
        }
    }

    /// [`Recipient::do_send`], counted as `fire_and_forget`; a send to a stopped actor is a
    /// dead letter.
    #[inline]
    pub fn do_send_measured(&self, msg: M) {
        edge(current_sender(), self.to).fire_and_forget.inc();
        if self.inner.connected() {
            self.inner.do_send(msg);
        } else {
            dead_letter(self.to);
        }
    }
}

/// Sends a clone of `msg` to every recipient without awaiting replies, counted once as a
/// `broadcast` whose `actors_involved` are the sender's and the recipients' types; each
/// recipient that has stopped is a dead letter. Returns the number of recipients it reached.
///
/// Resolving the broadcast's `actors_involved` child takes a lookup in its capped label table
/// (one per broadcast, not per recipient).
pub fn broadcast_measured<M>(recipients: &[MeasuredRecipient<M>], msg: M) -> usize
where
    M: Message + Send + Clone + 'static,
    M::Result: Send,
{
    let from = current_sender();
    let mut mask: u16 = 1 << from.index();
    let mut reached = 0;
    for r in recipients {
        mask |= 1 << r.to.index();
        if r.inner.connected() {
            r.inner.do_send(msg.clone());
            reached += 1;
        } else {
            dead_letter(r.to);
        }
    }
    ACTOR_COMMUNICATION_PATTERNS
        .with(CommunicationPattern::Broadcast, &involved(mask))
        .inc();
    reached
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_classify_by_their_last_segment() {
        assert_eq!(
            actor_type_of_name("node::chain::Foo"),
            ActorType::Unclassified
        );
        assert_eq!(actor_type_of_name("x::StorageActor"), ActorType::Storage);
        assert_eq!(actor_type_of_name("x::SyncActor<u8>"), ActorType::Sync);
        assert_eq!(involved(0b11), "chain-engine");
        assert_eq!(involved(1 << 10 | 1 << 4), "external-storage");
        assert_eq!(involved(1 << 9), "unclassified");
    }
}
