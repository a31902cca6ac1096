//! The code `#[instrument_actor]` generates names everything by absolute path and hygienic
//! locals: it compiles with the prelude disabled, `std`, `core`, `Result`, `Box` and friends
//! shadowed, and locals named like the macro's own.

#![no_implicit_prelude]
#![deny(warnings)]

extern crate alys_metrics;

mod empty {}

mod shadowed {
    #![allow(dead_code, non_camel_case_types, unused_imports)]

    use super::empty as std;
    use super::empty as core;
    use ::alys_metrics::prelude::instrument_actor;

    type Result = ();
    type Option = ();
    type Box = ();
    type Pin = ();
    type Vec = ();
    struct MessageGuard;
    struct HandlerSite;
    struct Tag;
    struct Instrumented;
    trait MeasureKnown {}
    trait MeasureValue {}
    trait ReplyOutcome {}

    pub struct NetworkActor;
    pub struct Gossip;

    #[instrument_actor]
    impl NetworkActor {
        pub fn handle_gossip(&mut self, _msg: Gossip) -> ::std::result::Result<u8, ()> {
            let __alys_guard = 1u8;
            let __alys_out = 2u8;
            ::std::result::Result::Ok(__alys_guard + __alys_out)
        }

        pub async fn handle_async(&mut self, _msg: Gossip) -> u8 {
            let __alys_fut = 3u8;
            __alys_fut
        }

        pub fn handle_boxed(
            &mut self,
            _msg: Gossip,
        ) -> ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = u8>>> {
            let __alys_inner = 4u8;
            ::std::boxed::Box::pin(async move { __alys_inner })
        }
    }
}

fn main() {
    let mut a = shadowed::NetworkActor;
    ::std::assert_eq!(
        a.handle_gossip(shadowed::Gossip),
        ::std::result::Result::Ok(3)
    );
    let _ = a.handle_async(shadowed::Gossip);
    let _ = a.handle_boxed(shadowed::Gossip);
}
