//! Every shape `#[time_block]` accepts compiles without a warning and keeps the function's
//! behaviour: sync and async functions and methods, every receiver, generics, `impl Trait`,
//! trait methods, the `#[async_trait]` shape, early returns and `?`, and custom validator and
//! outcome types.

#![deny(warnings)]

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use alys_metrics::chain::{ValidationOutcome, ValidatorLabel};
use alys_metrics::prelude::*;

fn ready<F: Future>(fut: F) -> F::Output {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the test futures complete at once"),
    }
}

#[derive(Debug, PartialEq)]
struct Invalid;

/// A validator id type of the user's own.
struct PubKey([u8; 2]);

impl ValidatorLabel for PubKey {
    fn with_label<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        let hex = format!("{:02x}{:02x}", self.0[0], self.0[1]);
        f(&hex)
    }
}

/// A verdict type of the user's own.
enum Verdict {
    Accept,
    Reject,
}

impl ValidationOutcome for Verdict {
    fn is_success(&self) -> bool {
        matches!(self, Verdict::Accept)
    }
}

struct Node {
    id: String,
    index: u64,
    key: PubKey,
    height: u64,
}

impl Node {
    /// Doc comments and other attributes stay on the function.
    #[must_use]
    #[time_block(production, validator = self.id)]
    pub fn produce(&self) -> u64 {
        self.height + 1
    }

    #[time_block(production, validator = self.index)]
    pub(crate) fn height_mut(&mut self) -> &mut u64 {
        &mut self.height
    }

    #[time_block(production, validator = self.key)]
    fn into_id(self) -> String {
        self.id
    }

    #[time_block(validation, validator = &self.key)]
    fn validate(&self, raw: &str) -> Result<u64, Invalid> {
        #![allow(clippy::needless_return)]
        let height: u64 = raw.parse().map_err(|_| Invalid)?;
        if height == 0 {
            return Err(Invalid);
        }
        Ok(height)
    }

    #[time_block(validation, validator = self.id.as_str())]
    async fn validate_async(&mut self, height: u64) -> Result<(), Invalid> {
        if height < self.height {
            return Err(Invalid);
        }
        self.height = height;
        Ok(())
    }

    #[time_block(validation, validator = "verdicts")]
    fn judge(&self, accept: bool) -> Verdict {
        if accept {
            Verdict::Accept
        } else {
            Verdict::Reject
        }
    }
}

#[time_block(production, validator = label)]
fn generic<'a, T: Clone>(label: &str, items: &'a [T]) -> impl Iterator<Item = T> + 'a {
    items.iter().cloned()
}

#[time_block(validation, validator = 7u16)]
fn is_valid(height: u64) -> bool {
    height > 0
}

#[time_block(production, validator = "unsafe")]
unsafe fn read(p: *const u8) -> u8 {
    // SAFETY: the caller passes a valid pointer.
    unsafe { *p }
}

trait Validate {
    #[time_block(validation, validator = "default")]
    fn validate_default(&self) -> bool {
        true
    }

    async fn validate(&self) -> Result<(), Invalid>;

    fn validate_boxed<'a>(&'a self) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
}

struct Light(u32);

impl Validate for Light {
    #[time_block(validation, validator = self.0)]
    async fn validate(&self) -> Result<(), Invalid> {
        Ok(())
    }

    #[time_block(validation, validator = self.0)]
    fn validate_boxed<'a>(&'a self) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move { self.0 > 0 })
    }
}

/// The timed futures stay `Send` when the body is.
fn assert_send<T: Send>(_: &T) {}

fn main() {
    let mut node = Node {
        id: "node-1".to_owned(),
        index: 3,
        key: PubKey([0xab, 0x01]),
        height: 10,
    };
    assert_eq!(node.produce(), 11);
    *node.height_mut() += 1;
    assert_eq!(node.validate("12"), Ok(12));
    assert_eq!(node.validate("0"), Err(Invalid));
    assert_eq!(node.validate("x"), Err(Invalid));
    assert_eq!(ready(node.validate_async(20)), Ok(()));
    assert_eq!(ready(node.validate_async(1)), Err(Invalid));
    assert!(node.judge(true).is_success());
    assert!(!node.judge(false).is_success());
    assert_eq!(node.into_id(), "node-1");

    assert_eq!(generic("generic", &[1, 2]).count(), 2);
    assert!(is_valid(1));
    let byte = 5u8;
    // SAFETY: `byte` is alive.
    assert_eq!(unsafe { read(&byte) }, 5);

    let light = Light(1);
    assert!(light.validate_default());
    let fut = light.validate();
    assert_send(&fut);
    assert_eq!(ready(fut), Ok(()));
    assert!(ready(light.validate_boxed()));

    let text = alys_metrics::registry().encode_to_string();
    for series in [
        "alys_block_production_duration_seconds_count{validator=\"node-1\"} 1\n",
        "alys_block_production_duration_seconds_count{validator=\"3\"} 1\n",
        "alys_block_production_duration_seconds_count{validator=\"ab01\"} 1\n",
        "alys_block_validation_duration_seconds_count{validator=\"ab01\"} 3\n",
        "alys_block_validation_duration_seconds_count{validator=\"node-1\"} 2\n",
        "alys_block_validation_duration_seconds_count{validator=\"verdicts\"} 2\n",
        "alys_block_validation_duration_seconds_count{validator=\"1\"} 2\n",
        "alys_block_validations_total{result=\"success\"} 7\n",
        "alys_block_validations_total{result=\"failure\"} 4\n",
    ] {
        assert!(text.contains(series), "missing {series}");
    }
}
