//! Connection admission and lifetime: scrapes first.
//!
//! Every connection is accepted. [`Table::admit`] then decides:
//!
//! - a peer address already holding `max_connections_per_peer` connections gets `503`;
//! - when `max_connections` are open, the open connection that has *waited* longest (for its
//!   first byte, its TLS handshake or the rest of its request head, or idle between kept-alive
//!   requests) is told to close, and the newcomer takes its place; a request waiting for its
//!   password check is chosen only when no other connection waits (the longest waiting first),
//!   and a request being answered is never chosen;
//! - when every open connection is in a request (or too many are already closing), the
//!   newcomer gets `503` with `Retry-After` and is closed.
//!
//! So no client is left in the kernel's backlog, and a scraper that sends its request at once
//! is served even while hundreds of idle or slow clients come and go.
//!
//! Each connection records its phase in a [`Slot`]: *fresh* (no byte yet; closed after
//! `first_byte_timeout`), *handshake* (a TLS handshake under way; closed when it has not
//! completed `tls_handshake_timeout` after its first byte), *head* (reading a request head;
//! closed when it is not complete `header_read_timeout` after its first byte, handshake
//! included), *checking* (a request waiting for its password check; closed after
//! `header_read_timeout`), *busy* (a request is being answered) and *idle* (kept alive between
//! requests; closed after `keep_alive_timeout`). Every phase but *busy* counts as waiting: the
//! connection that has waited longest may be closed to make room. Requests per connection and a
//! connection's age are capped too.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use crate::race::{race, Either};

use super::handler::{self, Shared};
use super::stall::WriteStallTimeout;
use super::Limits;

const FRESH: u8 = 0;
const HEAD: u8 = 1;
const BUSY: u8 = 2;
const IDLE: u8 = 3;
const HANDSHAKE: u8 = 4;
const CHECKING: u8 = 5;

/// How often a connection re-reads its phase and looks for a stalled write.
const BUSY_RECHECK: Duration = Duration::from_millis(250);
/// Evicted connections that may still be closing (their tasks not yet run), as a multiple of
/// `max_connections`; beyond it newcomers get `503` instead of evicting more.
const CLOSING_FACTOR: usize = 4;
/// `503` answers being written at once; beyond this a refused connection is just closed.
const MAX_REJECTING: usize = 256;
/// Time a refused connection gets to receive its `503`.
const REJECT_WITHIN: Duration = Duration::from_secs(1);

/// One open connection's phase, as the admission and its own timers see it.
pub(crate) struct Slot {
    id: u64,
    peer: IpAddr,
    phase: AtomicU8,
    /// When the phase began, in milliseconds since the table's epoch.
    since_ms: AtomicU64,
    /// Since when a write has been waiting for the client to read (milliseconds since the
    /// epoch, plus one); 0 while writes make progress.
    write_blocked: AtomicU64,
    evicted: AtomicBool,
    evict: Notify,
    epoch: Instant,
}

impl Slot {
    fn set(&self, phase: u8) {
        self.since_ms.store(ms_since(self.epoch), Ordering::Relaxed);
        self.phase.store(phase, Ordering::Relaxed);
    }

    /// Marks the first byte of a request (or handshake) read.
    fn bytes_arrived(&self) {
        let phase = self.phase.load(Ordering::Relaxed);
        if phase == FRESH || phase == IDLE {
            self.set(HEAD);
        }
    }

    /// Records a write-side poll's outcome: pending starts the stall clock, progress stops it.
    fn write_polled(&self, pending: bool) {
        if pending {
            if self.write_blocked.load(Ordering::Relaxed) == 0 {
                self.write_blocked
                    .store(ms_since(self.epoch) + 1, Ordering::Relaxed);
            }
        } else {
            self.write_blocked.store(0, Ordering::Relaxed);
        }
    }

    /// Marks the TLS handshake done: the request head follows, within the head deadline
    /// counted from the handshake's first byte.
    #[cfg(feature = "tls")]
    fn handshake_done(&self) {
        self.phase.store(HEAD, Ordering::Relaxed);
    }

    /// Whether closing the connection loses no answer being written: it has no complete
    /// request yet (no byte, a handshake, part of a head), or its request still waits for its
    /// password check (the client asks again). hyper's graceful shutdown would wait for such
    /// a request, so these connections are dropped instead.
    fn nothing_to_lose(&self) -> bool {
        matches!(
            self.phase.load(Ordering::Relaxed),
            FRESH | HEAD | HANDSHAKE | CHECKING
        )
    }

    /// Whether a write has waited for the client longer than `limit`.
    fn write_stalled(&self, limit: Duration) -> bool {
        match self.write_blocked.load(Ordering::Relaxed) {
            0 => false,
            since => {
                let since = self.epoch + Duration::from_millis(since - 1);
                since + limit <= Instant::now()
            }
        }
    }

    /// When the current phase runs out, if it can.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        let since = self.epoch + Duration::from_millis(self.since_ms.load(Ordering::Relaxed));
        match self.phase.load(Ordering::Relaxed) {
            FRESH => Some(since + limits.first_byte_timeout),
            HANDSHAKE => Some(since + limits.tls_handshake_timeout),
            HEAD | CHECKING => Some(since + limits.header_read_timeout),
            IDLE => Some(since + limits.keep_alive_timeout),
            _ => None,
        }
    }
}

impl handler::Progress for Slot {
    fn checking_credentials(&self) {
        self.set(CHECKING);
    }
    fn answering(&self) {
        self.set(BUSY);
    }
}

fn ms_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    PerPeer,
    Full,
}

/// The open connections and the per-peer counts.
pub(crate) struct Table {
    inner: Mutex<Inner>,
    max_connections: usize,
    max_per_peer: usize,
    /// Connections told to close that have not closed yet (they no longer count as open; at
    /// most `CLOSING_FACTOR * max_connections`).
    closing: AtomicUsize,
    rejecting: AtomicUsize,
    epoch: Instant,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    open: Vec<Arc<Slot>>,
    per_peer: HashMap<IpAddr, usize>,
}

/// An admitted connection's place in the table; dropping it frees the place.
pub(crate) struct Ticket {
    table: Arc<Table>,
    pub(crate) slot: Arc<Slot>,
}

impl Table {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_connections: limits.max_connections,
            max_per_peer: limits.max_connections_per_peer,
            closing: AtomicUsize::new(0),
            rejecting: AtomicUsize::new(0),
            epoch: Instant::now(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a connection from `peer`, making room if needed (see the module docs).
    pub(crate) fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Ticket, Refusal> {
        let mut inner = self.lock();
        if inner.per_peer.get(&peer).copied().unwrap_or(0) >= self.max_per_peer {
            return Err(Refusal::PerPeer);
        }
        if inner.open.len() >= self.max_connections {
            if self.closing.load(Ordering::Relaxed) >= CLOSING_FACTOR * self.max_connections {
                return Err(Refusal::Full);
            }
            let victim = inner
                .open
                .iter()
                .enumerate()
                .filter(|(_, s)| s.phase.load(Ordering::Relaxed) != BUSY)
                // A request waiting for its password check goes only when nothing else
                // waits: its client has sent a whole request and may be a scraper logging in.
                .min_by_key(|(_, s)| {
                    let checking = s.phase.load(Ordering::Relaxed) == CHECKING;
                    (checking, s.since_ms.load(Ordering::Relaxed))
                })
                .map(|(i, _)| i);
            let Some(i) = victim else {
                return Err(Refusal::Full);
            };
            let victim = inner.open.swap_remove(i);
            release_peer(&mut inner.per_peer, victim.peer);
            victim.evicted.store(true, Ordering::Relaxed);
            self.closing.fetch_add(1, Ordering::Relaxed);
            victim.evict.notify_one();
        }
        inner.next_id += 1;
        let slot = Arc::new(Slot {
            id: inner.next_id,
            peer,
            phase: AtomicU8::new(FRESH),
            since_ms: AtomicU64::new(ms_since(self.epoch)),
            write_blocked: AtomicU64::new(0),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
            epoch: self.epoch,
        });
        inner.open.push(Arc::clone(&slot));
        *inner.per_peer.entry(peer).or_insert(0) += 1;
        Ok(Ticket {
            table: Arc::clone(self),
            slot,
        })
    }

    /// Open connections (not counting those told to close).
    #[cfg(test)]
    fn open(&self) -> usize {
        self.lock().open.len()
    }

    /// Answers a refused connection `503` (plain HTTP only; a TLS client is just closed) and
    /// closes it, without holding a connection slot.
    pub(crate) fn refuse(self: &Arc<Self>, stream: TcpStream, why: Refusal, tls: bool) {
        if tls || self.rejecting.fetch_add(1, Ordering::Relaxed) >= MAX_REJECTING {
            if !tls {
                self.rejecting.fetch_sub(1, Ordering::Relaxed);
            }
            drop(stream);
            return;
        }
        let table = Arc::clone(self);
        tokio::spawn(async move {
            let body: &str = match why {
                Refusal::PerPeer => "too many connections from your address; retry later\n",
                Refusal::Full => "the exporter is busy; retry later\n",
            };
            let head = format!(
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
                 Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            let mut stream = stream;
            let _ = tokio::time::timeout(REJECT_WITHIN, async {
                stream.write_all(head.as_bytes()).await?;
                stream.shutdown().await?;
                // Read what the client sent, so that closing does not reset the connection
                // before it has read the answer.
                let mut sink = [0u8; 4096];
                while stream.read(&mut sink).await? > 0 {}
                Ok::<_, io::Error>(())
            })
            .await;
            table.rejecting.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

fn release_peer(per_peer: &mut HashMap<IpAddr, usize>, peer: IpAddr) {
    if let Some(n) = per_peer.get_mut(&peer) {
        *n -= 1;
        if *n == 0 {
            per_peer.remove(&peer);
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut inner = self.table.lock();
        if self.slot.evicted.load(Ordering::Relaxed) {
            self.table.closing.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        if let Some(i) = inner.open.iter().position(|s| s.id == self.slot.id) {
            inner.open.swap_remove(i);
            release_peer(&mut inner.per_peer, self.slot.peer);
        }
    }
}

/// A stream that marks its slot's phase when request bytes arrive.
struct Watched<T> {
    inner: T,
    slot: Arc<Slot>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.slot.bytes_arrived();
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.slot.write_polled(poll.is_pending());
        poll
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.slot.write_polled(poll.is_pending());
        poll
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.slot.write_polled(poll.is_pending());
        poll
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// What every connection task needs.
pub(crate) struct ConnContext {
    pub(crate) shared: Arc<Shared>,
    pub(crate) limits: Limits,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<tokio_rustls::TlsAcceptor>,
}

/// A wait before hyper took the connection over was cut short (deadline, eviction, stop).
#[cfg(feature = "tls")]
struct Interrupted;

/// Waits for `fut` unless the slot's phase deadline passes, the slot is evicted or the
/// server stops.
#[cfg(feature = "tls")]
async fn guarded<F: std::future::Future>(
    fut: F,
    slot: &Slot,
    limits: &Limits,
    stop: &mut watch::Receiver<bool>,
) -> Result<F::Output, Interrupted> {
    let mut fut = std::pin::pin!(fut);
    loop {
        let wake = slot
            .deadline(limits)
            .unwrap_or_else(|| Instant::now() + BUSY_RECHECK);
        let interrupted = race(slot.evict.notified(), super::signalled(&mut *stop));
        let woke = race(&mut fut, race(interrupted, tokio::time::sleep_until(wake))).await;
        match woke {
            Either::Left(out) => return Ok(out),
            Either::Right(Either::Left(_)) => return Err(Interrupted),
            Either::Right(Either::Right(())) => {
                if slot.deadline(limits).is_some_and(|d| d <= Instant::now()) {
                    return Err(Interrupted);
                }
            }
        }
    }
}

/// Serves one admitted connection until it closes, its deadlines pass, it is evicted, or the
/// server stops (then the request in flight is finished first).
pub(crate) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    ticket: Ticket,
    ctx: Arc<ConnContext>,
    stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    #[cfg(feature = "tls")]
    if let Some(acceptor) = ctx.tls.clone() {
        return serve_tls(stream, peer, ticket, ctx, stop, acceptor).await;
    }
    let io = Watched {
        inner: stream,
        slot: Arc::clone(&ticket.slot),
    };
    serve_http(io, peer, &ticket, &ctx, stop).await;
}

/// The TLS handshake (within the first-byte and header-read deadlines), then HTTP.
#[cfg(feature = "tls")]
async fn serve_tls(
    stream: TcpStream,
    peer: SocketAddr,
    ticket: Ticket,
    ctx: Arc<ConnContext>,
    mut stop: watch::Receiver<bool>,
    acceptor: tokio_rustls::TlsAcceptor,
) {
    let slot = Arc::clone(&ticket.slot);
    let limits = &ctx.limits;
    // Wait for the first byte: a plain-HTTP request gets a 400 that says why, as Go's
    // servers answer it, instead of a failed handshake.
    let mut first = [0u8; 1];
    let peeked = guarded(stream.peek(&mut first), &slot, limits, &mut stop).await;
    match peeked {
        Ok(Ok(1..)) if first[0] == 0x16 => slot.set(HANDSHAKE),
        Ok(Ok(1..)) => {
            let mut stream = stream;
            let body = "client sent an HTTP request to an HTTPS server\n";
            let head = format!(
                "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tokio::time::timeout(REJECT_WITHIN, async {
                stream.write_all(head.as_bytes()).await?;
                stream.shutdown().await
            })
            .await;
            return;
        }
        _ => return,
    }
    let io = Watched {
        inner: stream,
        slot: Arc::clone(&slot),
    };
    let tls = match guarded(acceptor.accept(io), &slot, limits, &mut stop).await {
        Ok(Ok(tls)) => {
            slot.handshake_done();
            tls
        }
        Ok(Err(e)) => {
            tracing::debug!(peer = %peer, error = %e, "a TLS handshake failed");
            return;
        }
        Err(Interrupted) => return,
    };
    serve_http(tls, peer, &ticket, &ctx, stop).await;
}

async fn serve_http<I>(
    io: I,
    peer: SocketAddr,
    ticket: &Ticket,
    ctx: &Arc<ConnContext>,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let slot = &ticket.slot;
    let limits = &ctx.limits;
    let born = Instant::now();
    let requests = Arc::new(AtomicU64::new(0));
    let service = {
        let ctx = Arc::clone(ctx);
        let slot = Arc::clone(slot);
        let requests = Arc::clone(&requests);
        let peer = peer.ip();
        service_fn(move |req| {
            let ctx = Arc::clone(&ctx);
            let slot = Arc::clone(&slot);
            let served = requests.fetch_add(1, Ordering::Relaxed) + 1;
            async move {
                slot.set(BUSY);
                let mut resp = handler::handle(Arc::clone(&ctx.shared), req, peer, &*slot).await;
                if served >= ctx.limits.max_requests_per_connection
                    || born.elapsed() >= ctx.limits.max_connection_age
                {
                    resp.headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                slot.set(IDLE);
                Ok::<_, Infallible>(resp)
            }
        })
    };
    let mut builder = http1::Builder::new();
    // hyper's own header timer is a backstop; the phase deadlines below close sooner.
    let backstop =
        limits.header_read_timeout.max(limits.keep_alive_timeout) + limits.first_byte_timeout;
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(backstop)
        .max_buf_size(limits.max_header_bytes);
    let io = TokioIo::new(WriteStallTimeout::new(io, limits.write_timeout));
    let conn = builder.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let too_old = born + limits.max_connection_age;
    let mut closing = false;
    loop {
        // Wake at the phase's deadline, and at least every BUSY_RECHECK to look for a stalled
        // write: hyper does not always poll a blocked write again (it may be waiting to read
        // a pipelined request), so the write-stall guard inside the stream alone can miss it.
        let mut wake = Instant::now() + BUSY_RECHECK;
        if let Some(d) = slot.deadline(limits) {
            wake = wake.min(d);
        }
        // While closing, only the connection and the timer are watched.
        let evicted = async {
            if closing {
                std::future::pending().await
            }
            slot.evict.notified().await;
        };
        let stopped = async {
            if closing {
                std::future::pending().await
            }
            super::signalled(&mut stop).await;
        };
        let timer = tokio::time::sleep_until(wake.min(too_old));
        let woke = race(conn.as_mut(), race(evicted, race(stopped, timer))).await;
        match woke {
            Either::Left(result) => {
                if let Err(e) = result {
                    tracing::debug!(peer = %peer, error = %e, "metrics connection ended with an error");
                }
                break;
            }
            Either::Right(Either::Left(())) => {
                tracing::debug!(peer = %peer, "closing a waiting connection to make room");
                if slot.nothing_to_lose() {
                    break;
                }
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            Either::Right(Either::Right(Either::Left(()))) => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            Either::Right(Either::Right(Either::Right(()))) => {
                if slot.write_stalled(limits.write_timeout) {
                    tracing::debug!(
                        peer = %peer,
                        "the client read nothing for {:?}; closing the connection",
                        limits.write_timeout
                    );
                    break;
                }
                let now = Instant::now();
                let expired = slot.deadline(limits).is_some_and(|d| d <= now);
                if expired && slot.nothing_to_lose() {
                    break;
                }
                if !closing && (expired || now >= too_old) {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: usize, per_peer: usize) -> Limits {
        Limits {
            max_connections: max,
            max_connections_per_peer: per_peer,
            ..Limits::default()
        }
    }

    #[tokio::test]
    async fn admission_evicts_the_longest_waiting_and_never_a_busy_one() {
        let table = Arc::new(Table::new(&limits(3, 16)));
        let ip = |n: u8| IpAddr::from([127, 0, 0, n]);
        let a = table.admit(ip(1)).unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let b = table.admit(ip(2)).unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let c = table.admit(ip(3)).unwrap();
        a.slot.set(BUSY);
        // Full: b waited longest among those not busy.
        let d = table.admit(ip(4)).unwrap();
        assert!(b.slot.evicted.load(Ordering::Relaxed));
        assert!(!a.slot.evicted.load(Ordering::Relaxed));
        assert_eq!(table.open(), 3);
        assert_eq!(table.closing.load(Ordering::Relaxed), 1);
        drop(b);
        assert_eq!(table.closing.load(Ordering::Relaxed), 0);
        // Every open connection busy: refused.
        c.slot.set(BUSY);
        d.slot.set(BUSY);
        assert_eq!(table.admit(ip(5)).err(), Some(Refusal::Full));
        drop(c);
        assert!(table.admit(ip(5)).is_ok());
    }

    #[tokio::test]
    async fn password_checks_make_room_only_when_nothing_else_waits() {
        let table = Arc::new(Table::new(&limits(3, 16)));
        let ip = |n: u8| IpAddr::from([127, 0, 0, n]);
        let a = table.admit(ip(1)).unwrap();
        a.slot.set(CHECKING);
        tokio::time::sleep(Duration::from_millis(5)).await;
        let b = table.admit(ip(2)).unwrap();
        let c = table.admit(ip(3)).unwrap();
        c.slot.set(BUSY);
        // a waited longest, but waits for its password check: b, merely idle, goes first.
        let d = table.admit(ip(4)).unwrap();
        assert!(b.slot.evicted.load(Ordering::Relaxed));
        assert!(!a.slot.evicted.load(Ordering::Relaxed));
        // With nothing else waiting, the check makes room rather than the newcomer being
        // refused (a request being answered is still never chosen).
        d.slot.set(BUSY);
        assert!(table.admit(ip(5)).is_ok());
        assert!(a.slot.evicted.load(Ordering::Relaxed));
        assert!(!c.slot.evicted.load(Ordering::Relaxed));
    }

    #[tokio::test]
    async fn one_peer_cannot_take_every_slot() {
        let table = Arc::new(Table::new(&limits(8, 2)));
        let me = IpAddr::from([10, 0, 0, 1]);
        let first = table.admit(me).unwrap();
        let _second = table.admit(me).unwrap();
        assert_eq!(table.admit(me).err(), Some(Refusal::PerPeer));
        assert!(table.admit(IpAddr::from([10, 0, 0, 2])).is_ok());
        drop(first);
        assert!(
            table.admit(me).is_ok(),
            "a closed connection frees its peer's place"
        );
    }
}
