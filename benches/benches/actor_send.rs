//! The cost of a measured send between actors: `addr.send_measured(msg).await` against plain
//! `addr.send(msg).await`, a full round trip to a real actix actor on the same arbiter, in the
//! same run. The goal is a ratio of at most 1.2.
//!
//! `cargo bench -p alys-metrics-benches --bench actor_send -- --warm-up-time 1 --measurement-time 3`
//!
//! On a shared, noisy machine the two criterion groups run one after the other and can see
//! different load; `PROBE=1` first prints ten interleaved pairs (200,000 round trips plain,
//! then 200,000 measured, in the same process) with their ratio.

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix::prelude::*;
use alys_metrics::actor_system::SendMeasured;
use criterion::{criterion_group, criterion_main, Criterion};

struct Ping(u64);
impl Message for Ping {
    type Result = u64;
}

struct StorageActor;
impl Actor for StorageActor {
    type Context = Context<Self>;
}
impl Handler<Ping> for StorageActor {
    type Result = u64;
    fn handle(&mut self, msg: Ping, _: &mut Context<Self>) -> u64 {
        msg.0.wrapping_add(1)
    }
}

/// Runs `iters` round trips inside one actix system, timing only the loop.
fn round_trips(iters: u64, measured: bool) -> Duration {
    System::new().block_on(async move {
        let addr = StorageActor.start();
        // One untimed trip: the actor is running and the edge's children exist.
        addr.send(Ping(0)).await.unwrap();
        addr.send_measured(Ping(0)).await.unwrap();
        let start = Instant::now();
        for i in 0..iters {
            let r = if measured {
                addr.send_measured(Ping(black_box(i))).await
            } else {
                addr.send(Ping(black_box(i))).await
            };
            black_box(r.unwrap());
        }
        start.elapsed()
    })
}

fn bench(c: &mut Criterion) {
    if std::env::var_os("PROBE").is_some() {
        for _ in 0..10 {
            let p = round_trips(200_000, false);
            let m = round_trips(200_000, true);
            eprintln!(
                "plain {:?} measured {:?} ratio {:.3}",
                p / 200_000,
                m / 200_000,
                m.as_secs_f64() / p.as_secs_f64()
            );
        }
    }
    let mut g = c.benchmark_group("actor_send_round_trip");
    g.bench_function("plain_send", |b| b.iter_custom(|n| round_trips(n, false)));
    g.bench_function("send_measured", |b| b.iter_custom(|n| round_trips(n, true)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
