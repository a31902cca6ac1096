//! A biased race of two futures: what the collector and the exporter need from
//! `tokio::select!`, without tokio's `macros` feature (its proc-macro crate would build a second
//! `syn` major version into every node).

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// Which of two raced futures completed first, with its output.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Either<L, R> {
    /// The first future completed first.
    Left(L),
    /// The second future completed first.
    Right(R),
}

/// Polls `left`, then `right`, on every wake-up, and returns the output of the first that
/// completes; the other is dropped unfinished.
///
/// Biased: when both are ready at one poll, `left` wins, so pass the future that must not be
/// starved (a shutdown signal) first. Three or more futures nest:
/// `race(a, race(b, c))`. To keep racing a future across loop iterations, pin it once
/// (`let mut f = std::pin::pin!(f);`) and pass `&mut f` (or `f.as_mut()`). A future that must
/// sit out a round is `std::future::pending()` behind an `async` block.
pub(crate) async fn race<L: Future, R: Future>(left: L, right: R) -> Either<L::Output, R::Output> {
    let mut left = pin!(left);
    let mut right = pin!(right);
    poll_fn(|cx| {
        if let Poll::Ready(out) = left.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(out));
        }
        if let Poll::Ready(out) = right.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(out));
        }
        Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::{pending, ready};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Waker};

    /// Drives a future that must complete at its first poll.
    fn now<F: Future>(f: F) -> F::Output {
        let mut f = pin!(f);
        match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("the race did not complete at its first poll"),
        }
    }

    #[test]
    fn the_left_future_wins_when_both_are_ready() {
        assert_eq!(now(race(ready(1), ready("r"))), Either::Left(1));
    }

    #[test]
    fn the_ready_future_wins_on_either_side() {
        assert_eq!(now(race(pending::<u8>(), ready(2))), Either::Right(2));
        assert_eq!(now(race(ready(3), pending::<u8>())), Either::Left(3));
    }

    #[test]
    fn the_race_waits_while_neither_is_ready_and_wakes_through_either() {
        /// Pending for `n` polls (waking itself each time), then ready.
        struct After(usize, &'static AtomicUsize);
        impl Future for After {
            type Output = usize;
            fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
                self.1.fetch_add(1, Ordering::Relaxed);
                if self.0 == 0 {
                    return Poll::Ready(7);
                }
                self.0 -= 1;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
        static POLLS: AtomicUsize = AtomicUsize::new(0);
        let mut fut = pin!(race(pending::<()>(), After(2, &POLLS)));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(Either::Right(7)));
        assert_eq!(POLLS.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_pinned_future_outlives_the_races_it_loses() {
        let mut slow = pin!(async {
            let mut first = true;
            poll_fn(move |cx| {
                if std::mem::take(&mut first) {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                } else {
                    Poll::Ready("slow")
                }
            })
            .await
        });
        // It loses the first race, keeps its progress, and wins the second.
        assert_eq!(now(race(&mut slow, ready(1))), Either::Right(1));
        assert_eq!(now(race(&mut slow, pending::<u8>())), Either::Left("slow"));
    }

    #[test]
    fn races_nest_and_keep_their_bias() {
        let r = now(race(pending::<()>(), race(ready('b'), ready('c'))));
        assert_eq!(r, Either::Right(Either::Left('b')));
    }
}
