//! Instrumented mailboxes: a bounded channel (a thin wrapper over `tokio::sync::mpsc`) that
//! counts what goes through it, and the [`MailboxMetrics`] it counts into.

use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "actor")]
use std::sync::Arc;
use std::time::Duration;
#[cfg(feature = "actor")]
use std::time::Instant;

#[cfg(feature = "actor")]
use tokio::sync::mpsc;

#[cfg(feature = "actor")]
#[cfg_attr(docsrs, doc(cfg(feature = "actor")))]
pub use tokio::sync::mpsc::error::{SendError, TryRecvError, TrySendError};

/// Counters of one mailbox: queued, processed (taken out by the receiver), dropped (refused
/// because the mailbox was full, or still queued when its receiver was dropped), the current
/// and the largest size, and the time messages waited.
///
/// Every update is one or two relaxed atomic operations. The current size is derived
/// (`queued - processed - discarded`, where discarded messages are those still queued when the
/// receiver was dropped), so it can never drift, also across an actor that stops and is
/// started again with a new mailbox over the same counters.
#[derive(Debug, Default)]
pub struct MailboxMetrics {
    queued: AtomicU64,
    processed: AtomicU64,
    dropped: AtomicU64,
    /// Messages that were queued but never received: still in the mailbox when its receiver
    /// was dropped (they are counted in `dropped` as well).
    discarded: AtomicU64,
    max_size: AtomicU64,
    capacity: AtomicU64,
    wait_nanos: AtomicU64,
}

/// A copy of a mailbox's counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailboxSnapshot {
    /// Messages put into the mailbox.
    pub queued: u64,
    /// Messages taken out of it by the receiver.
    pub processed: u64,
    /// Messages refused because it was full, or still queued when its receiver was dropped.
    pub dropped: u64,
    /// Messages in it now.
    pub current_size: u64,
    /// The largest number of messages it held at once.
    pub max_size_reached: u64,
    /// Total time the processed messages waited in it.
    pub total_wait_time: Duration,
}

impl MailboxSnapshot {
    /// Average time a processed message waited; zero before the first one.
    pub fn avg_wait_time(&self) -> Duration {
        match self.processed {
            0 => Duration::ZERO,
            n => self.total_wait_time / u32::try_from(n).unwrap_or(u32::MAX),
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl MailboxMetrics {
    /// Zeroed counters for a mailbox of unknown capacity.
    pub const fn new() -> Self {
        Self {
            queued: AtomicU64::new(0),
            processed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            max_size: AtomicU64::new(0),
            capacity: AtomicU64::new(0),
            wait_nanos: AtomicU64::new(0),
        }
    }

    /// Records a message put into the mailbox. Call it *before* the message can be received
    /// ([`bounded`] does), so that the current size never counts a message twice.
    #[inline]
    pub fn on_enqueue(&self) {
        let queued = self.queued.fetch_add(1, Ordering::Relaxed) + 1;
        let removed =
            self.processed.load(Ordering::Acquire) + self.discarded.load(Ordering::Acquire);
        let mut size = queued.saturating_sub(removed);
        let cap = self.capacity.load(Ordering::Relaxed);
        if cap > 0 {
            size = size.min(cap);
        }
        self.max_size.fetch_max(size, Ordering::Relaxed);
    }

    /// Records a message taken out of the mailbox after waiting `waited` in it.
    #[inline]
    pub fn on_dequeue(&self, waited: Duration) {
        self.processed.fetch_add(1, Ordering::Release);
        self.wait_nanos.fetch_add(nanos(waited), Ordering::Relaxed);
    }

    /// Records a message refused because the mailbox was full.
    #[inline]
    pub fn on_drop(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Messages put into the mailbox so far.
    pub fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }

    /// Messages taken out of it so far.
    pub fn processed(&self) -> u64 {
        self.processed.load(Ordering::Relaxed)
    }

    /// Messages refused because it was full, or still queued when its receiver was dropped.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Messages in the mailbox now.
    pub fn current_size(&self) -> u64 {
        let removed =
            self.processed.load(Ordering::Acquire) + self.discarded.load(Ordering::Acquire);
        self.queued.load(Ordering::Relaxed).saturating_sub(removed)
    }

    /// The largest number of messages it held at once.
    pub fn max_size_reached(&self) -> u64 {
        self.max_size.load(Ordering::Relaxed)
    }

    /// Its capacity, 0 when unknown.
    pub fn capacity(&self) -> u64 {
        self.capacity.load(Ordering::Relaxed)
    }

    /// Total time the processed messages waited.
    pub fn total_wait_time(&self) -> Duration {
        Duration::from_nanos(self.wait_nanos.load(Ordering::Relaxed))
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> MailboxSnapshot {
        let current_size = self.current_size();
        MailboxSnapshot {
            queued: self.queued(),
            processed: self.processed(),
            dropped: self.dropped(),
            current_size,
            max_size_reached: self.max_size_reached(),
            total_wait_time: self.total_wait_time(),
        }
    }
}

#[cfg(feature = "actor")]
/// A message with the moment it was queued.
#[derive(Debug)]
struct Envelope<T> {
    msg: T,
    queued_at: Instant,
}

#[cfg(feature = "actor")]
#[cfg_attr(docsrs, doc(cfg(feature = "actor")))]
/// The sending half of an instrumented mailbox. Cheap to clone.
#[derive(Debug)]
pub struct MailboxSender<T> {
    tx: mpsc::Sender<Envelope<T>>,
    metrics: Arc<MailboxMetrics>,
}

#[cfg(feature = "actor")]
impl<T> Clone for MailboxSender<T> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            metrics: Arc::clone(&self.metrics),
        }
    }
}

#[cfg(feature = "actor")]
#[cfg_attr(docsrs, doc(cfg(feature = "actor")))]
/// The receiving half of an instrumented mailbox.
///
/// Dropping it (the actor stopped) closes the mailbox and counts the messages still in it as
/// dropped, so the mailbox size falls back to zero instead of keeping them forever. A message
/// whose send is completing at that very instant may escape the count.
#[derive(Debug)]
pub struct MailboxReceiver<T> {
    rx: mpsc::Receiver<Envelope<T>>,
    metrics: Arc<MailboxMetrics>,
}

#[cfg(feature = "actor")]
#[cfg_attr(docsrs, doc(cfg(feature = "actor")))]
/// An instrumented bounded mailbox holding up to `capacity` messages (at least 1), counting
/// into `metrics`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::sync::Arc;
/// use alys_metrics::actor::{mailbox, MailboxMetrics};
///
/// let metrics = Arc::new(MailboxMetrics::new());
/// let (tx, mut rx) = mailbox::bounded::<u32>(2, Arc::clone(&metrics));
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert!(tx.try_send(3).is_err()); // full: dropped and counted
/// assert_eq!(rx.try_recv().unwrap(), 1);
///
/// let s = metrics.snapshot();
/// assert_eq!((s.queued, s.processed, s.dropped, s.current_size, s.max_size_reached), (2, 1, 1, 1, 2));
/// ```
pub fn bounded<T>(
    capacity: usize,
    metrics: Arc<MailboxMetrics>,
) -> (MailboxSender<T>, MailboxReceiver<T>) {
    let capacity = capacity.max(1);
    metrics.capacity.store(
        u64::try_from(capacity).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
    let (tx, rx) = mpsc::channel(capacity);
    (
        MailboxSender {
            tx,
            metrics: Arc::clone(&metrics),
        },
        MailboxReceiver { rx, metrics },
    )
}

#[cfg(feature = "actor")]
impl<T> MailboxSender<T> {
    /// Queues `msg` if there is room; a full mailbox refuses it and counts it as dropped.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] when the mailbox is full, [`TrySendError::Closed`] when the
    /// receiver is gone; both give the message back.
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        match self.tx.try_reserve() {
            Ok(permit) => {
                self.enqueue(permit, msg);
                Ok(())
            }
            Err(TrySendError::Full(())) => {
                self.metrics.on_drop();
                Err(TrySendError::Full(msg))
            }
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(msg)),
        }
    }

    /// Counts and sends `msg` through a reserved place in the mailbox.
    fn enqueue(&self, permit: mpsc::Permit<'_, Envelope<T>>, msg: T) {
        self.metrics.on_enqueue();
        permit.send(Envelope {
            msg,
            queued_at: Instant::now(),
        });
    }

    /// Queues `msg`, waiting for room (back-pressure instead of dropping).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the message when the receiver is gone.
    pub async fn send(&self, msg: T) -> Result<(), SendError<T>> {
        match self.tx.reserve().await {
            Ok(permit) => {
                self.enqueue(permit, msg);
                Ok(())
            }
            Err(SendError(())) => Err(SendError(msg)),
        }
    }

    /// The mailbox's counters.
    pub fn metrics(&self) -> &Arc<MailboxMetrics> {
        &self.metrics
    }

    /// True once the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// The number of messages the mailbox can hold.
    pub fn max_capacity(&self) -> usize {
        self.tx.max_capacity()
    }
}

#[cfg(feature = "actor")]
impl<T> MailboxReceiver<T> {
    /// The next message, waiting for one; `None` once every sender is gone and the mailbox is
    /// empty.
    pub async fn recv(&mut self) -> Option<T> {
        let env = self.rx.recv().await?;
        Some(self.take(env))
    }

    /// The next message if one is queued.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] when none is queued, [`TryRecvError::Disconnected`] when none
    /// ever will be.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let env = self.rx.try_recv()?;
        Ok(self.take(env))
    }

    fn take(&self, env: Envelope<T>) -> T {
        self.metrics.on_dequeue(env.queued_at.elapsed());
        env.msg
    }

    /// Closes the mailbox to new messages; queued ones can still be received.
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Messages queued now.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// True when no message is queued.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    /// The mailbox's counters.
    pub fn metrics(&self) -> &Arc<MailboxMetrics> {
        &self.metrics
    }
}

#[cfg(feature = "actor")]
impl<T> Drop for MailboxReceiver<T> {
    fn drop(&mut self) {
        self.rx.close();
        let mut left = 0u64;
        while self.rx.try_recv().is_ok() {
            left += 1;
        }
        if left > 0 {
            self.metrics.dropped.fetch_add(left, Ordering::Relaxed);
            self.metrics.discarded.fetch_add(left, Ordering::Release);
        }
    }
}

#[cfg(all(test, feature = "actor"))]
mod tests {
    use super::*;

    #[test]
    fn a_zero_capacity_is_raised_to_one_instead_of_panicking() {
        let m = Arc::new(MailboxMetrics::new());
        let (tx, mut rx) = bounded::<u8>(0, Arc::clone(&m));
        assert_eq!(tx.max_capacity(), 1);
        tx.try_send(1).unwrap();
        assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
        assert_eq!(rx.try_recv().unwrap(), 1);
        assert_eq!(m.snapshot().dropped, 1);
    }

    #[test]
    fn a_closed_mailbox_is_not_counted_as_dropping() {
        let m = Arc::new(MailboxMetrics::new());
        let (tx, rx) = bounded::<u8>(4, Arc::clone(&m));
        drop(rx);
        assert!(matches!(tx.try_send(1), Err(TrySendError::Closed(1))));
        assert_eq!(m.snapshot(), MailboxSnapshot::default());
    }

    #[test]
    fn messages_left_when_the_receiver_is_dropped_are_dropped_not_queued_forever() {
        let m = Arc::new(MailboxMetrics::new());
        let (tx, mut rx) = bounded::<u8>(16, Arc::clone(&m));
        for i in 0..10 {
            tx.try_send(i).unwrap();
        }
        rx.try_recv().unwrap();
        drop(rx);
        let s = m.snapshot();
        assert_eq!(
            (s.queued, s.processed, s.dropped, s.current_size),
            (10, 1, 9, 0)
        );

        // The actor restarts with a new mailbox over the same counters.
        let (tx, mut rx) = bounded::<u8>(16, Arc::clone(&m));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert_eq!(m.current_size(), 2);
        rx.try_recv().unwrap();
        let s = m.snapshot();
        assert_eq!((s.current_size, s.max_size_reached), (1, 10));
    }

    #[test]
    fn wait_time_and_size_follow_the_queue() {
        let m = Arc::new(MailboxMetrics::new());
        let (tx, mut rx) = bounded::<u8>(8, Arc::clone(&m));
        for i in 0..5 {
            tx.try_send(i).unwrap();
        }
        for _ in 0..3 {
            rx.try_recv().unwrap();
        }
        let s = m.snapshot();
        assert_eq!(s.current_size, 2);
        assert_eq!(s.max_size_reached, 5);
        assert_eq!(rx.len(), 2);
        assert!(s.avg_wait_time() <= s.total_wait_time);
    }
}
