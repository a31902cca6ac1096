//! The code `#[time_block]` generates names everything by absolute path and hygienic locals:
//! it compiles with the prelude disabled, `std`, `core`, `Result`, `Box` and friends shadowed,
//! and arguments named like the macro's own locals.

#![no_implicit_prelude]
#![deny(warnings)]

extern crate alys_metrics;

mod empty {}

mod shadowed {
    #![allow(dead_code, non_camel_case_types, unused_imports)]

    use super::empty as std;
    use super::empty as core;
    use ::alys_metrics::prelude::time_block;

    type Result = ();
    type Option = ();
    type Box = ();
    type Pin = ();
    struct Guard;
    struct BlockTimerTarget;
    struct Timed;
    fn call_once() {}

    pub struct Node {
        pub id: &'static str,
    }

    impl Node {
        #[time_block(validation, validator = self.id)]
        pub fn validate(&self, __alys_guard: u8) -> ::std::result::Result<u8, ()> {
            let __alys_target = 1u8;
            ::std::result::Result::Ok(__alys_guard + __alys_target)
        }

        #[time_block(production, validator = self.id)]
        pub async fn produce(&self, __alys_target: u8) -> u8 {
            __alys_target
        }

        #[time_block(production, validator = self.id)]
        pub fn produce_boxed(
            &self,
        ) -> ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = u8> + '_>>
        {
            let __alys_guard = 4u8;
            ::std::boxed::Box::pin(async move { __alys_guard })
        }
    }
}

fn main() {
    let node = shadowed::Node { id: "hygiene" };
    ::std::assert_eq!(node.validate(2), ::std::result::Result::Ok(3));
    let _ = node.produce(1);
    let _ = node.produce_boxed();
}
