//! The exporter cannot be locked out (issue 13): while 64 keep-alive hogs, 300 idle sockets
//! and 100 slowloris clients (each from its own loopback address, reconnecting whenever they
//! are closed) press on it, a normal scrape on a fresh connection is answered 200 in under a
//! second, 20 times out of 20; and every attacker is answered (200 or 503) or closed, never
//! left in silence.
//!
//! Loopback only, bounded: about 15 s and under 1,000 sockets.

// `getrlimit`/`setrlimit` through libc, to raise the descriptor limit for the attackers.
#![allow(unsafe_code)]

use std::time::Duration;

use crate::attack::{Attack, Plan, Stats};
use alys_metrics::MetricsConfig;

/// Makes sure this process may open the sockets the test needs (both ends of each).
fn enough_descriptors(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by reference.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(got, 0, "getrlimit failed");
    if limit.rlim_cur >= needed {
        return;
    }
    assert!(
        limit.rlim_max >= needed,
        "this test needs {needed} file descriptors; the hard limit is {}",
        limit.rlim_max
    );
    limit.rlim_cur = needed;
    // SAFETY: as above.
    let set = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(set, 0, "raising the descriptor limit to {needed} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapes_are_served_under_hogs_idle_sockets_and_slowloris() {
    let _serial = crate::serial();
    enough_descriptors(4096);
    let server = alys_metrics::serve(MetricsConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        drain: Duration::ZERO,
        ..MetricsConfig::default()
    })
    .await
    .expect("the exporter starts");
    server.wait_ready().await;
    let addr = server.local_addr();

    let plan = Plan::issue();
    let attack = Attack::start(addr, &plan);
    // Let every attacker connect and the slots fill up.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut times = Vec::new();
    for i in 0..20 {
        let (status, took) = tokio::time::timeout(
            Duration::from_secs(10),
            crate::attack::timed_scrape(addr, false),
        )
        .await
        .unwrap_or_else(|_| panic!("scrape {i} got no answer within 10 s"));
        assert_eq!(status, 200, "scrape {i} was answered {status}");
        times.push(took);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let stats = attack.stop().await;
    eprintln!("scrape times: {times:?}");
    eprintln!("attackers saw: {stats:?}");
    let slowest = times.iter().max().copied().unwrap_or_default();
    assert!(
        slowest < Duration::from_secs(1),
        "a scrape took {slowest:?} under attack: {times:?}"
    );
    assert_eq!(
        Stats::get(&stats.silences),
        0,
        "an attacker was left without an answer or a close: {stats:?}"
    );
    // The attack really pressed: the slots were full, so attackers were closed to make room.
    assert!(
        Stats::get(&stats.connects) > 464,
        "attackers connected {} times",
        Stats::get(&stats.connects)
    );
    assert!(Stats::get(&stats.closes) > 100, "{stats:?}");
    assert!(
        Stats::get(&stats.answers_200) > 0,
        "hogs were served: {stats:?}"
    );

    // And the exporter is as it was.
    assert_eq!(crate::attack::timed_scrape(addr, false).await.0, 200);
    server.shutdown().await;
}
