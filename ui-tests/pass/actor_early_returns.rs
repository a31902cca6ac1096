//! Handlers that `return` before their tail compile without a warning under
//! `#[instrument_actor]`, keep their behaviour, and stay `Send` where they were: returns in
//! loops and match arms, `'_` futures and `&T` replies (the elided lifetime is named), values,
//! and closures and async blocks whose own `return`s are left alone. Every return is measured.

#![deny(warnings)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use alys_metrics::prelude::*;

/// The shape of the futures crate's `BoxFuture`.
type BoxFuture<'a, O> = Pin<Box<dyn Future<Output = O> + Send + 'a>>;

#[derive(Debug, PartialEq)]
struct Refused;

struct StorageActor {
    keys: Vec<u8>,
}

#[instrument_actor(actor = storage, message = storage)]
impl StorageActor {
    fn handle_get(&self, key: u8) -> BoxFuture<'_, Result<u8, Refused>> {
        for k in &self.keys {
            if *k == key {
                return Box::pin(async move { Ok(key) });
            }
        }
        match key {
            0 => return Box::pin(std::future::ready(Err(Refused))),
            1 => {}
            _ => {
                let later = async {
                    return 9;
                };
                let first = || -> Option<u8> {
                    return self.keys.first().copied();
                };
                return Box::pin(async move { Ok(later.await + first().unwrap_or(0)) });
            }
        }
        // Not an async block: the whole returned future is wrapped.
        let refused = Box::pin(std::future::ready(Err(Refused)));
        refused
    }

    fn handle_first(&self) -> Option<&u8> {
        if self.keys.is_empty() {
            return None;
        }
        self.keys.first()
    }
}

fn is_send<T: Send>(_: &T) {}

fn ready<F: Future + Unpin>(mut f: F) -> F::Output {
    match Pin::new(&mut f).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the handler's future is ready at once"),
    }
}

fn main() {
    let actor = StorageActor { keys: vec![4, 5] };
    let fut = actor.handle_get(5);
    is_send(&fut);
    assert_eq!(ready(fut), Ok(5));
    assert_eq!(ready(actor.handle_get(0)), Err(Refused));
    assert_eq!(ready(actor.handle_get(1)), Err(Refused));
    assert_eq!(ready(actor.handle_get(7)), Ok(13));
    assert_eq!(actor.handle_first(), Some(&4));
    assert_eq!(StorageActor { keys: vec![] }.handle_first(), None);

    let text = alys_metrics::registry().encode_to_string();
    for (outcome, n) in [("ok", 4), ("error", 2), ("cancelled", 0)] {
        let series = format!(
            "alys_actor_message_outcomes_total{{actor_type=\"storage\",outcome=\"{outcome}\"}} {n}\n"
        );
        assert!(text.contains(&series), "no `{series}` in:\n{text}");
    }
}
