//! The bridge, the execution client and the Lighthouse migration, read back from the
//! exposition as Prometheus reads it: pending operations exact after a mint, a failure, a drop
//! and a panic; satoshis exposed in BTC exactly at 21,000,000 BTC; each peg-out stage and the
//! signature quorum timed from the instants of the calls (a `ManualClock`'s); the execution
//! client's builds, RPC calls and health; the library migration's events.
//!
//! Every test holds `crate::serial()`: they share the bridge's process-wide families and its
//! table of operations in flight, whose exact counts they assert.

use std::time::Duration;

use crate::samples::{exposition, series, value};
use crate::serial;
use alys_metrics::catalogue::bridge::{BRIDGE_AVAILABLE_UTXO_VALUE_BTC, BRIDGE_PEGIN_VOLUME_BTC};
use alys_metrics::chain::bridge::{
    self, unix_time_of, PegIn, PegOut, PegOutStage, StageError, UtxoRefresh, UtxoSelection,
};
use alys_metrics::chain::{engine, lighthouse};
use alys_metrics::clock::{Clock, ManualClock};
use alys_metrics::labels::{
    BridgeErrorSeverity, BridgeLink, BuildBlockReason, EngineMethod, LighthouseVersion,
    PegInFailure, PegOutFailure,
};

/// The text of one sample line's value, as exposed.
fn raw(text: &str, series_name: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(series_name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series_name} is exported"))
        .to_owned()
}

fn pegin_failures(reason: &str) -> f64 {
    value(&format!(
        "alys_bridge_pegin_failures_total{{reason=\"{reason}\"}}"
    ))
}

fn pegout_failures(reason: &str) -> f64 {
    value(&format!(
        "alys_bridge_pegout_failures_total{{reason=\"{reason}\"}}"
    ))
}

#[test]
fn pending_pegins_are_exact_after_a_mint_a_failure_a_drop_and_a_panic() {
    let _serial = serial();
    assert_eq!(value("alys_bridge_pending_pegins"), 0.0);
    assert_eq!(
        value("alys_bridge_oldest_pending_pegin_timestamp_seconds"),
        0.0
    );
    let clock = ManualClock::new();
    let t0 = clock.now();
    let (attempts, processed) = (
        value("alys_bridge_pegin_attempts_total"),
        value("alys_bridge_pegins_processed_total"),
    );
    let (invalid, abandoned, panicked) = (
        pegin_failures("invalid_deposit"),
        pegin_failures("abandoned"),
        pegin_failures("panicked"),
    );

    let first = PegIn::detected_at(100_000, t0);
    let second = PegIn::detected_at(200_000, t0 + Duration::from_secs(1));
    let third = PegIn::detected_at(300_000, t0 + Duration::from_secs(2));
    assert_eq!(value("alys_bridge_pending_pegins"), 3.0);
    assert_eq!(bridge::pending_pegins(), 3);
    assert_eq!(value("alys_bridge_pegin_attempts_total"), attempts + 3.0);
    assert_eq!(
        value("alys_bridge_oldest_pending_pegin_timestamp_seconds"),
        unix_time_of(t0)
    );
    assert_eq!(bridge::oldest_pending_pegin(), Some(t0));

    first.minted_at(t0 + Duration::from_secs(600));
    assert_eq!(value("alys_bridge_pending_pegins"), 2.0);
    assert_eq!(value("alys_bridge_pegins_processed_total"), processed + 1.0);
    // The oldest is now the second.
    assert_eq!(
        value("alys_bridge_oldest_pending_pegin_timestamp_seconds"),
        unix_time_of(t0 + Duration::from_secs(1))
    );

    second.failed(PegInFailure::InvalidDeposit);
    assert_eq!(value("alys_bridge_pending_pegins"), 1.0);
    assert_eq!(pegin_failures("invalid_deposit"), invalid + 1.0);

    drop(third);
    assert_eq!(value("alys_bridge_pending_pegins"), 0.0);
    assert_eq!(pegin_failures("abandoned"), abandoned + 1.0);
    assert_eq!(
        value("alys_bridge_oldest_pending_pegin_timestamp_seconds"),
        0.0
    );

    let unwound = std::panic::catch_unwind(|| {
        let _deposit = PegIn::detected(1_000_000);
        assert_eq!(value("alys_bridge_pending_pegins"), 1.0);
        panic!("the bridge's handler failed");
    });
    assert!(unwound.is_err());
    assert_eq!(value("alys_bridge_pending_pegins"), 0.0);
    assert_eq!(pegin_failures("panicked"), panicked + 1.0);
    // Neither an abandoned nor a panicked peg-in is processed.
    assert_eq!(value("alys_bridge_pegins_processed_total"), processed + 1.0);
    assert_eq!(pegin_failures("abandoned"), abandoned + 1.0);

    // From four threads, 500 peg-ins each, every one ended one way or another.
    std::thread::scope(|s| {
        for worker in 0..4u64 {
            s.spawn(move || {
                for i in 0..500u64 {
                    let p = PegIn::detected(1_000 + i);
                    match (worker + i) % 3 {
                        0 => drop(p.minted()),
                        1 => p.failed(PegInFailure::Timeout),
                        _ => drop(p),
                    }
                }
            });
        }
    });
    assert_eq!(value("alys_bridge_pending_pegins"), 0.0);
    assert_eq!(
        value("alys_bridge_pegin_attempts_total"),
        attempts + 2_004.0
    );
}

#[test]
fn pending_pegouts_are_exact_after_a_confirmation_a_failure_a_drop_and_a_panic() {
    let _serial = serial();
    assert_eq!(value("alys_bridge_pending_pegouts"), 0.0);
    let clock = ManualClock::new();
    let t0 = clock.now();
    let processed = value("alys_bridge_pegouts_processed_total");
    let (timeouts, abandoned, panicked) = (
        pegout_failures("signature_timeout"),
        pegout_failures("abandoned"),
        pegout_failures("panicked"),
    );
    let a = PegOut::requested_at(1, t0);
    let b = PegOut::requested_at(2, t0 + Duration::from_secs(5));
    let mut c = PegOut::requested_at(3, t0 + Duration::from_secs(9));
    assert_eq!(value("alys_bridge_pending_pegouts"), 3.0);
    assert_eq!(
        value("alys_bridge_oldest_pending_pegout_timestamp_seconds"),
        unix_time_of(t0)
    );
    a.confirmed_at(t0 + Duration::from_secs(60));
    assert_eq!(value("alys_bridge_pending_pegouts"), 2.0);
    assert_eq!(
        value("alys_bridge_oldest_pending_pegout_timestamp_seconds"),
        unix_time_of(t0 + Duration::from_secs(5))
    );
    b.failed(PegOutFailure::SignatureTimeout);
    c.tx_built_at(t0 + Duration::from_secs(10))
        .expect("requested -> tx_built");
    drop(c);
    assert_eq!(value("alys_bridge_pending_pegouts"), 0.0);
    assert_eq!(
        value("alys_bridge_pegouts_processed_total"),
        processed + 1.0
    );
    assert_eq!(pegout_failures("signature_timeout"), timeouts + 1.0);
    assert_eq!(pegout_failures("abandoned"), abandoned + 1.0);
    let unwound = std::panic::catch_unwind(|| {
        let mut out = PegOut::requested(5);
        out.signatures_requested(3, 2)
            .expect("requested -> signing");
        out.signature_received();
        panic!("the signer crashed");
    });
    assert!(unwound.is_err());
    assert_eq!(value("alys_bridge_pending_pegouts"), 0.0);
    assert_eq!(pegout_failures("panicked"), panicked + 1.0);
    assert_eq!(
        value("alys_bridge_oldest_pending_pegout_timestamp_seconds"),
        0.0
    );
}

#[test]
fn amounts_are_counted_in_satoshis_and_exposed_in_btc_exactly_at_21_million() {
    let _serial = serial();
    const SUPPLY_SAT: u64 = 2_100_000_000_000_000;
    let before = BRIDGE_PEGIN_VOLUME_BTC.get_sat();
    assert!(before < SUPPLY_SAT);
    // Deposits that bring the total to exactly 21,000,000 BTC: one of everything but a
    // satoshi, then the satoshi.
    PegIn::detected(SUPPLY_SAT - before - 1).minted();
    PegIn::detected(1).minted();
    assert_eq!(BRIDGE_PEGIN_VOLUME_BTC.get_sat(), SUPPLY_SAT);
    assert_eq!(
        raw(&exposition(), "alys_bridge_pegin_volume_btc_total"),
        "21000000"
    );
    PegIn::detected(1).minted();
    assert_eq!(
        raw(&exposition(), "alys_bridge_pegin_volume_btc_total"),
        "21000000.00000001"
    );
    // Prometheus reads back the number of satoshis exactly.
    let btc: f64 = raw(&exposition(), "alys_bridge_pegin_volume_btc_total")
        .parse()
        .expect("a float");
    assert_eq!((btc * 1e8).round() as u64, SUPPLY_SAT + 1);

    bridge::set_utxo_set(7, SUPPLY_SAT - 1);
    assert_eq!(BRIDGE_AVAILABLE_UTXO_VALUE_BTC.get_sat(), SUPPLY_SAT - 1);
    let text = exposition();
    assert_eq!(
        raw(&text, "alys_bridge_available_utxo_value_btc"),
        "20999999.99999999"
    );
    assert_eq!(raw(&text, "alys_bridge_available_utxos"), "7");
    bridge::set_utxo_set(1, 1);
    assert_eq!(
        raw(&exposition(), "alys_bridge_available_utxo_value_btc"),
        "1e-8"
    );

    // OpenMetrics and protobuf carry the same BTC value.
    let mut om = Vec::new();
    alys_metrics::registry().encode_format(alys_metrics::encode::Format::OpenMetrics, &mut om);
    let om = String::from_utf8(om).expect("utf-8");
    assert!(
        om.contains("alys_bridge_pegin_volume_btc_total 21000000.00000001\n"),
        "OpenMetrics"
    );
    assert!(om.contains("alys_bridge_available_utxo_value_btc 1e-8\n"));
}

#[test]
fn each_pegout_stage_and_the_signature_quorum_are_timed_from_the_calls() {
    let _serial = serial();
    let clock = ManualClock::new();
    let hist = |name: &str| {
        (
            value(&format!("{name}_count")),
            value(&format!("{name}_sum")),
        )
    };
    let build = hist("alys_bridge_tx_build_duration_seconds");
    let collect = hist("alys_bridge_signature_collection_duration_seconds");
    let collect_le_2 = value("alys_bridge_signature_collection_duration_seconds_bucket{le=\"2\"}");
    let collect_le_5 = value("alys_bridge_signature_collection_duration_seconds_bucket{le=\"5\"}");
    let broadcast = hist("alys_bridge_tx_broadcast_duration_seconds");
    let processing = hist("alys_bridge_pegout_processing_duration_seconds");
    let (requests, received, broadcasts) = (
        value("alys_bridge_signature_requests_total"),
        value("alys_bridge_signatures_received_total"),
        value("alys_bridge_pegouts_broadcast_total"),
    );
    let volume = BRIDGE_PEGOUT_VOLUME();

    let mut out = PegOut::requested_at(40_000_000, clock.now());
    clock.advance(Duration::from_millis(250));
    out.tx_built_at(clock.now()).expect("requested -> tx_built");
    clock.advance(Duration::from_millis(750));
    out.signatures_requested_at(5, 3, clock.now())
        .expect("tx_built -> signing");
    assert_eq!(out.stage(), PegOutStage::Signing);
    clock.advance(Duration::from_secs(1));
    assert!(!out.signature_received_at(clock.now()));
    clock.advance(Duration::from_secs(1));
    assert!(!out.signature_received_at(clock.now()));
    // The quorum: 3.5 s after the request for signatures.
    clock.advance(Duration::from_millis(1500));
    assert!(out.signature_received_at(clock.now()));
    assert_eq!(out.stage(), PegOutStage::Signed);
    // A late fourth signature is counted, not timed.
    assert!(!out.signature_received());
    clock.advance(Duration::from_millis(500));
    out.broadcast_at(clock.now()).expect("signed -> broadcast");
    clock.advance(Duration::from_secs(60));
    let took = out.confirmed_at(clock.now());
    assert_eq!(took, Duration::from_millis(65_000));

    let after = |name: &str| hist(name);
    assert_eq!(
        after("alys_bridge_tx_build_duration_seconds"),
        (build.0 + 1.0, build.1 + 0.25)
    );
    assert_eq!(
        after("alys_bridge_signature_collection_duration_seconds"),
        (collect.0 + 1.0, collect.1 + 3.5)
    );
    assert_eq!(
        value("alys_bridge_signature_collection_duration_seconds_bucket{le=\"2\"}"),
        collect_le_2
    );
    assert_eq!(
        value("alys_bridge_signature_collection_duration_seconds_bucket{le=\"5\"}"),
        collect_le_5 + 1.0
    );
    assert_eq!(
        after("alys_bridge_tx_broadcast_duration_seconds"),
        (broadcast.0 + 1.0, broadcast.1 + 0.5)
    );
    assert_eq!(
        after("alys_bridge_pegout_processing_duration_seconds"),
        (processing.0 + 1.0, processing.1 + 65.0)
    );
    assert_eq!(
        value("alys_bridge_signature_requests_total"),
        requests + 5.0
    );
    assert_eq!(
        value("alys_bridge_signatures_received_total"),
        received + 4.0
    );
    assert_eq!(
        value("alys_bridge_pegouts_broadcast_total"),
        broadcasts + 1.0
    );
    assert_eq!(BRIDGE_PEGOUT_VOLUME() - volume, 40_000_000);
}

#[allow(non_snake_case)]
fn BRIDGE_PEGOUT_VOLUME() -> u64 {
    alys_metrics::catalogue::bridge::BRIDGE_PEGOUT_VOLUME_BTC.get_sat()
}

#[test]
fn a_stage_already_passed_is_an_error_that_records_nothing_and_retry_starts_again() {
    let _serial = serial();
    let clock = ManualClock::new();
    let builds = value("alys_bridge_tx_build_duration_seconds_count");
    let broadcasts = value("alys_bridge_pegouts_broadcast_total");
    let retries = value("alys_bridge_retries_total{operation=\"pegout\"}");
    let mut out = PegOut::requested_at(1_000_000, clock.now());
    out.tx_built_at(clock.now()).expect("requested -> tx_built");
    out.signatures_requested_at(2, 0, clock.now())
        .expect("a quorum of 0 is reached at once");
    assert_eq!(out.stage(), PegOutStage::Signed);
    out.broadcast().expect("signed -> broadcast");
    let err = out.tx_built().expect_err("broadcast -> tx_built goes back");
    assert_eq!(
        err,
        StageError {
            current: PegOutStage::Broadcast,
            requested: PegOutStage::TxBuilt
        }
    );
    assert!(err.to_string().contains("call retry()"), "{err}");
    assert_eq!(
        out.broadcast(),
        Err(StageError {
            current: PegOutStage::Broadcast,
            requested: PegOutStage::Broadcast
        })
    );
    assert_eq!(
        value("alys_bridge_tx_build_duration_seconds_count"),
        builds + 1.0
    );
    assert_eq!(
        value("alys_bridge_pegouts_broadcast_total"),
        broadcasts + 1.0
    );

    // The broadcast was refused after all: rebuilt with a higher fee and broadcast again.
    out.retry();
    assert_eq!(out.stage(), PegOutStage::Requested);
    assert_eq!(
        value("alys_bridge_retries_total{operation=\"pegout\"}"),
        retries + 1.0
    );
    out.tx_built().expect("requested -> tx_built");
    out.broadcast()
        .expect("a skipped stage is allowed: tx_built -> broadcast");
    assert_eq!(
        value("alys_bridge_tx_build_duration_seconds_count"),
        builds + 2.0
    );
    assert_eq!(
        value("alys_bridge_pegouts_broadcast_total"),
        broadcasts + 2.0
    );
    out.confirmed();
}

#[test]
fn a_pegin_mint_observes_its_confirmations_and_its_time_since_detection() {
    let _serial = serial();
    let clock = ManualClock::new();
    let c = |s: &str| value(&format!("alys_bridge_pegin_confirmations{s}"));
    let (count, sum, le5, le6) = (
        c("_count"),
        c("_sum"),
        c("_bucket{le=\"5\"}"),
        c("_bucket{le=\"6\"}"),
    );
    let d = |s: &str| value(&format!("alys_bridge_pegin_processing_duration_seconds{s}"));
    let (dcount, dsum, d1800, d3600) = (
        d("_count"),
        d("_sum"),
        d("_bucket{le=\"1800\"}"),
        d("_bucket{le=\"3600\"}"),
    );
    let retries = value("alys_bridge_retries_total{operation=\"pegin\"}");
    let mut deposit = PegIn::detected_at(150_000_000, clock.now());
    for n in 1..=6 {
        deposit.confirmations(n);
    }
    deposit.retry();
    clock.advance(Duration::from_secs(3_000));
    assert_eq!(deposit.minted_at(clock.now()), Duration::from_secs(3_000));
    assert_eq!((c("_count"), c("_sum")), (count + 1.0, sum + 6.0));
    assert_eq!(c("_bucket{le=\"5\"}"), le5);
    assert_eq!(c("_bucket{le=\"6\"}"), le6 + 1.0);
    assert_eq!((d("_count"), d("_sum")), (dcount + 1.0, dsum + 3_000.0));
    assert_eq!(d("_bucket{le=\"1800\"}"), d1800);
    assert_eq!(d("_bucket{le=\"3600\"}"), d3600 + 1.0);
    assert_eq!(
        value("alys_bridge_retries_total{operation=\"pegin\"}"),
        retries + 1.0
    );
}

#[test]
fn start_time_and_last_activity_are_the_instants_of_the_calls() {
    let _serial = serial();
    let clock = ManualClock::new();
    // Ahead of every other test's activity.
    clock.advance(Duration::from_secs(86_400));
    let started = clock.now();
    bridge::started_at(started);
    assert_eq!(
        value("alys_bridge_start_time_seconds"),
        unix_time_of(started)
    );
    assert_eq!(
        value("alys_bridge_last_activity_timestamp_seconds"),
        unix_time_of(started)
    );
    clock.advance(Duration::from_secs(90));
    let refresh = UtxoRefresh::start_at(clock.now());
    clock.advance(Duration::from_millis(250));
    let refreshed = clock.now();
    let refreshes = value("alys_bridge_utxo_refresh_duration_seconds_count");
    let refresh_sum = value("alys_bridge_utxo_refresh_duration_seconds_sum");
    assert_eq!(
        refresh.finished_at(42, 1_250_000_000, refreshed),
        Duration::from_millis(250)
    );
    assert_eq!(
        value("alys_bridge_utxo_refresh_duration_seconds_count"),
        refreshes + 1.0
    );
    assert_eq!(
        value("alys_bridge_utxo_refresh_duration_seconds_sum"),
        refresh_sum + 0.25
    );
    assert_eq!(value("alys_bridge_available_utxos"), 42.0);
    assert_eq!(value("alys_bridge_available_utxo_value_btc"), 12.5);
    assert_eq!(
        value("alys_bridge_last_activity_timestamp_seconds"),
        unix_time_of(refreshed)
    );
    // An event recorded late does not move the last activity back.
    let selections = value("alys_bridge_utxo_selection_duration_seconds_count");
    UtxoSelection::start_at(started).finished_at(started + Duration::from_millis(2));
    assert_eq!(
        value("alys_bridge_utxo_selection_duration_seconds_count"),
        selections + 1.0
    );
    assert_eq!(
        value("alys_bridge_last_activity_timestamp_seconds"),
        unix_time_of(refreshed)
    );
    // Neither a confirmation nor a signature below the quorum reads the clock or moves it.
    let mut pegin = PegIn::detected_at(10_000, refreshed);
    pegin.confirmations(1);
    let mut out = PegOut::requested_at(10_000, refreshed);
    out.signatures_requested_at(3, 3, refreshed)
        .expect("requested -> signing");
    out.signature_received();
    assert_eq!(
        value("alys_bridge_last_activity_timestamp_seconds"),
        unix_time_of(refreshed)
    );
    pegin.minted_at(refreshed);
    out.failed_at(PegOutFailure::SignatureTimeout, refreshed);
}

#[test]
fn connections_errors_fees_and_governance() {
    let _serial = serial();
    bridge::set_connected(BridgeLink::BitcoinNode, true);
    bridge::set_connected(BridgeLink::Governance, false);
    let text = exposition();
    assert_eq!(
        series(
            &text,
            "alys_bridge_connection_status{link=\"bitcoin_node\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series(&text, "alys_bridge_connection_status{link=\"governance\"}"),
        Some(0.0)
    );
    let errors = |s: &str| value(&format!("alys_bridge_errors_total{{severity=\"{s}\"}}"));
    let (e, c) = (errors("error"), errors("critical"));
    bridge::record_error(BridgeErrorSeverity::Error);
    bridge::record_error(BridgeErrorSeverity::Critical);
    assert_eq!((errors("error"), errors("critical")), (e + 1.0, c + 1.0));
    let (updates, requests) = (
        value("alys_bridge_federation_updates_total"),
        value("alys_bridge_governance_requests_total"),
    );
    bridge::federation_updated();
    bridge::governance_request();
    bridge::governance_request();
    assert_eq!(value("alys_bridge_federation_updates_total"), updates + 1.0);
    assert_eq!(
        value("alys_bridge_governance_requests_total"),
        requests + 2.0
    );
    assert!(bridge::set_fee_rate(12.5));
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(!bridge::set_fee_rate(bad), "{bad}");
    }
    assert_eq!(value("alys_bridge_fee_rate_sat_per_vbyte"), 12.5);
}

#[test]
fn the_execution_client_s_builds_rpc_calls_and_health() {
    let _serial = serial();
    let clock = ManualClock::new();
    let calls = |status: &str, reason: &str| {
        value(&format!(
            "alys_engine_build_block_calls_total{{status=\"{status}\",reason=\"{reason}\"}}"
        ))
    };
    let before = [
        calls("success", "none"),
        calls("timeout", "timeout"),
        calls("rejected", "invalid_payload"),
        calls("failure", "other"),
    ];
    let builds = value("alys_engine_payload_build_duration_seconds_count");
    let build_sum = value("alys_engine_payload_build_duration_seconds_sum");
    let t = clock.now();
    engine::PayloadBuild::start_at(t).succeeded_at(t + Duration::from_millis(125));
    engine::PayloadBuild::start_at(t)
        .failed_at(BuildBlockReason::Timeout, t + Duration::from_secs(2));
    engine::PayloadBuild::start().failed(BuildBlockReason::InvalidPayload);
    engine::PayloadBuild::start().failed(BuildBlockReason::None);
    drop(engine::PayloadBuild::start()); // abandoned: nothing
    assert_eq!(
        [
            calls("success", "none"),
            calls("timeout", "timeout"),
            calls("rejected", "invalid_payload"),
            calls("failure", "other"),
        ],
        before.map(|v| v + 1.0)
    );
    assert_eq!(
        value("alys_engine_payload_build_duration_seconds_count"),
        builds + 4.0
    );
    assert!(value("alys_engine_payload_build_duration_seconds_sum") >= build_sum + 2.125);
    let executions = value("alys_engine_payload_execution_duration_seconds_count");
    let execution_sum = value("alys_engine_payload_execution_duration_seconds_sum");
    engine::PayloadExecution::start_at(t).finished_at(t + Duration::from_millis(500));
    assert_eq!(
        (
            value("alys_engine_payload_execution_duration_seconds_count"),
            value("alys_engine_payload_execution_duration_seconds_sum")
        ),
        (executions + 1.0, execution_sum + 0.5)
    );

    let rpc = |m: &str| {
        (
            value(&format!(
                "alys_engine_rpc_duration_seconds_count{{method=\"{m}\"}}"
            )),
            value(&format!("alys_engine_rpc_errors_total{{method=\"{m}\"}}")),
        )
    };
    let (np, sy) = (rpc("engine_new_payload"), rpc("eth_syncing"));
    let ok: Result<u8, &str> = engine::rpc(EngineMethod::EngineNewPayload, || Ok(1));
    assert_eq!(ok, Ok(1));
    let failed: Result<u8, &str> = engine::rpc(EngineMethod::EngineNewPayload, || Err("invalid"));
    assert_eq!(failed, Err("invalid"));
    // `Ok(false)` is an answer ("not syncing"), not an error.
    let synced = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(engine::rpc_async(EngineMethod::EthSyncing, async {
            Ok::<bool, ()>(false)
        }));
    assert_eq!(synced, Ok(false));
    engine::record_rpc(EngineMethod::EthSyncing, Duration::from_millis(3), false);
    assert_eq!(rpc("engine_new_payload"), (np.0 + 2.0, np.1 + 1.0));
    assert_eq!(rpc("eth_syncing"), (sy.0 + 2.0, sy.1 + 1.0));

    let checks = |r: &str| {
        value(&format!(
            "alys_engine_client_health_checks_total{{result=\"{r}\"}}"
        ))
    };
    let (h, u) = (checks("healthy"), checks("unhealthy"));
    engine::health_check(false);
    assert_eq!(value("alys_engine_client_health_status"), 0.0);
    engine::health_check(true);
    engine::health_check(true);
    assert_eq!(value("alys_engine_client_health_status"), 1.0);
    assert_eq!((checks("healthy"), checks("unhealthy")), (h + 2.0, u + 1.0));
}

#[test]
fn the_lighthouse_migration_s_events() {
    let _serial = serial();
    let ops = |v: &str| {
        value(&format!(
            "alys_lighthouse_operations_total{{version=\"{v}\"}}"
        ))
    };
    let (v4, v5) = (ops("v4"), ops("v5"));
    lighthouse::operation(LighthouseVersion::V4);
    lighthouse::operation(LighthouseVersion::V5);
    lighthouse::operation(LighthouseVersion::V5);
    assert_eq!((ops("v4"), ops("v5")), (v4 + 1.0, v5 + 2.0));

    let mismatches = value("alys_lighthouse_version_mismatches_total");
    assert!(lighthouse::compare("0xabc", "0xabc"));
    assert!(!lighthouse::compare(&[1u8, 2][..], &[1u8, 3][..]));
    assert_eq!(
        value("alys_lighthouse_version_mismatches_total"),
        mismatches + 1.0
    );

    lighthouse::set_active_version(LighthouseVersion::V5);
    assert!(lighthouse::set_traffic_split_v5(40.0));
    assert!(lighthouse::set_migration_progress(40.0));
    for bad in [-0.5, 100.5, f64::NAN] {
        assert!(!lighthouse::set_traffic_split_v5(bad), "{bad}");
        assert!(!lighthouse::set_migration_progress(bad), "{bad}");
    }
    assert_eq!(value("alys_lighthouse_active_version"), 5.0);
    assert_eq!(value("alys_lighthouse_traffic_split_v5_percent"), 40.0);
    let rollbacks = value("alys_lighthouse_rollbacks_total");
    lighthouse::rollback();
    assert_eq!(value("alys_lighthouse_rollbacks_total"), rollbacks + 1.0);
    assert_eq!(value("alys_lighthouse_active_version"), 4.0);
    assert_eq!(value("alys_lighthouse_traffic_split_v5_percent"), 0.0);
    assert_eq!(value("alys_lighthouse_migration_progress_percent"), 40.0);

    let bls = (
        value("alys_lighthouse_bls_verification_duration_seconds_count"),
        value("alys_lighthouse_bls_verification_errors_total"),
    );
    assert!(lighthouse::verify_bls(|| true));
    assert!(!lighthouse::verify_bls(|| false));
    let invalid: Result<bool, &str> = lighthouse::verify_bls(|| Ok(false));
    assert_eq!(invalid, Ok(false));
    let error: Result<bool, &str> = lighthouse::verify_bls(|| Err("bad point"));
    assert!(error.is_err());
    lighthouse::record_bls_verification(Duration::from_micros(900), true);
    assert_eq!(
        (
            value("alys_lighthouse_bls_verification_duration_seconds_count"),
            value("alys_lighthouse_bls_verification_errors_total")
        ),
        (bls.0 + 5.0, bls.1 + 3.0)
    );

    let store = (
        value("alys_lighthouse_storage_operations_total"),
        value("alys_lighthouse_storage_errors_total"),
    );
    let read: Result<u32, &str> = lighthouse::storage_operation(|| Ok(7));
    assert_eq!(read, Ok(7));
    let write: Result<(), &str> = lighthouse::storage_operation(|| Err("disk full"));
    assert!(write.is_err());
    assert_eq!(
        (
            value("alys_lighthouse_storage_operations_total"),
            value("alys_lighthouse_storage_errors_total")
        ),
        (store.0 + 2.0, store.1 + 1.0)
    );
    lighthouse::set_storage_size(2_419_061_647);
    assert_eq!(value("alys_lighthouse_storage_size_bytes"), 2_419_061_647.0);
}

#[test]
fn the_catalogue_lists_every_new_family() {
    let names: Vec<&str> = alys_metrics::catalogue::all()
        .iter()
        .map(|d| d.name)
        .collect();
    for name in [
        "alys_bridge_pending_pegins",
        "alys_bridge_pending_pegouts",
        "alys_bridge_oldest_pending_pegin_timestamp_seconds",
        "alys_bridge_oldest_pending_pegout_timestamp_seconds",
        "alys_bridge_last_activity_timestamp_seconds",
        "alys_bridge_pegin_volume_btc_total",
        "alys_bridge_available_utxo_value_btc",
        "alys_bridge_fee_rate_sat_per_vbyte",
        "alys_engine_rpc_duration_seconds",
        "alys_engine_client_health_checks_total",
        "alys_lighthouse_operations_total",
        "alys_lighthouse_storage_size_bytes",
    ] {
        assert!(names.contains(&name), "{name} is not in catalogue()");
    }
    let text = exposition();
    assert!(text.contains("# TYPE alys_bridge_pegin_volume_btc_total counter\n"));
    assert!(text.contains("# TYPE alys_bridge_pending_pegins gauge\n"));
}
