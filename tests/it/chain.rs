//! Behaviour of the chain domain API, read from the exposition text the way Prometheus reads
//! it: block timers and pipeline, sync, transaction pool, peers and migration.
//!
//! The tests share the registry: each test owns the metrics it asserts on, or holds
//! `crate::serial()` (they write the same unlabelled gauges, and families that `time_block`,
//! `chain_migration`, `chain_network_pool` and `chain_peer_churn` write or count too) and
//! asserts on deltas.

use std::time::Duration;

use crate::samples::{exposition, series, value};
use alys_metrics::chain::*;
use alys_metrics::labels::{
    ErrorType, LabelValue, MigrationPhase, PeerRegion, RejectionReason, RollbackReason, SyncState,
};

// ---------------------------------------------------------------------------------------
// Blocks

#[test]
fn block_timers_finish_record_and_discard() {
    let _g = crate::serial();
    let before = value("alys_block_validations_total{result=\"failure\"}");
    let t = BlockTimer::production("chain_timer");
    assert_eq!(t.kind(), BlockTimerKind::Production);
    let took = t.finish_and_record();
    let _ = BlockTimer::validation("chain_timer").finish_with_result(false);
    let discarded_before =
        value("alys_block_timings_dropped_total{timer=\"validation\",cause=\"discarded\"}");
    let _ = BlockTimer::validation("chain_timer").discard();
    let abandoned_before =
        value("alys_block_timings_dropped_total{timer=\"production\",cause=\"abandoned\"}");
    drop(BlockTimer::production("chain_timer"));

    let text = exposition();
    assert_eq!(
        series(
            &text,
            "alys_block_production_duration_seconds_count{validator=\"chain_timer\"}"
        ),
        Some(1.0)
    );
    let sum = series(
        &text,
        "alys_block_production_duration_seconds_sum{validator=\"chain_timer\"}",
    )
    .unwrap_or_default();
    assert!(
        (sum - took.as_secs_f64()).abs() < 1e-9,
        "the returned time is the one observed"
    );
    assert_eq!(
        series(
            &text,
            "alys_block_validation_duration_seconds_count{validator=\"chain_timer\"}"
        ),
        Some(1.0),
        "the discarded validation is not observed"
    );
    assert_eq!(
        series(&text, "alys_block_validations_total{result=\"failure\"}"),
        Some(before + 1.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_block_timings_dropped_total{timer=\"validation\",cause=\"discarded\"}"
        ),
        Some(discarded_before + 1.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_block_timings_dropped_total{timer=\"production\",cause=\"abandoned\"}"
        ),
        Some(abandoned_before + 1.0),
        "a timer dropped unfinished"
    );
}

#[test]
fn the_pipeline_records_timings_and_throughput() {
    let _g = crate::serial();
    let t = record_block_pipeline_metrics(
        "chain_pipeline",
        Duration::from_millis(300),
        Duration::from_millis(200),
        Duration::from_millis(500),
        4_096,
        100,
    );
    assert_eq!(t.transactions_per_second, 200.0);
    assert_eq!(t.bytes_per_second, 8_192.0);
    let text = exposition();
    assert_eq!(
        series(&text, "alys_block_transactions_per_second"),
        Some(200.0)
    );
    assert_eq!(series(&text, "alys_block_bytes_per_second"), Some(8192.0));
    assert_eq!(
        series(
            &text,
            "alys_block_production_duration_seconds_bucket{validator=\"chain_pipeline\",le=\"0.1\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_block_production_duration_seconds_bucket{validator=\"chain_pipeline\",le=\"0.5\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_block_validation_duration_seconds_sum{validator=\"chain_pipeline\"}"
        ),
        Some(0.2)
    );

    // A zero total time gives 0, never NaN or +Inf.
    let t = record_block_pipeline_metrics(
        "chain_pipeline",
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        4_096,
        100,
    );
    assert_eq!(t, BlockThroughput::default());
    let text = exposition();
    assert_eq!(
        series(&text, "alys_block_transactions_per_second"),
        Some(0.0)
    );
    assert_eq!(series(&text, "alys_block_bytes_per_second"), Some(0.0));
    assert!(!text.contains("NaN") && !text.contains("alys_block_bytes_per_second +Inf"));
}

// ---------------------------------------------------------------------------------------
// Sync

#[test]
fn sync_progress_state_and_speed() {
    let _g = crate::serial();
    let percent = update_sync_progress(500_000, 1_000_000, 25.5, SyncState::Headers);
    assert_eq!(percent, 50.0);
    assert_eq!(sync_state(), SyncState::Headers);
    let text = exposition();
    assert_eq!(series(&text, "alys_sync_current_height"), Some(500_000.0));
    assert_eq!(series(&text, "alys_sync_target_height"), Some(1_000_000.0));
    assert_eq!(series(&text, "alys_sync_blocks_per_second"), Some(25.5));
    assert_eq!(series(&text, "alys_sync_state"), Some(1.0));

    assert_eq!(set_sync_state(SyncState::Synced), SyncState::Headers);
    assert_eq!(value("alys_sync_state"), 4.0);

    // NaN and negative speeds are exported as 0.
    update_sync_progress(10, 0, f64::NAN, SyncState::Failed);
    assert_eq!(value("alys_sync_blocks_per_second"), 0.0);
    assert_eq!(value("alys_sync_state"), 5.0);
    update_sync_progress(10, 20, -3.0, SyncState::Blocks);
    assert_eq!(value("alys_sync_blocks_per_second"), 0.0);

    // 150 blocks in 1.5 s: whole seconds would have said 150 blocks/s.
    let processed = value("alys_sync_blocks_processed_total");
    let speed = record_sync_speed(1_000, 1_150, Duration::from_millis(1_500));
    assert_eq!(speed, 100.0);
    assert_eq!(value("alys_sync_blocks_per_second"), 100.0);
    assert_eq!(value("alys_sync_blocks_processed_total"), processed + 150.0);
    // A reorg (height going down) counts nothing and reports 0.
    assert_eq!(record_sync_speed(1_150, 1_100, Duration::from_secs(1)), 0.0);
    record_blocks_processed(3);
    assert_eq!(value("alys_sync_blocks_processed_total"), processed + 153.0);
}

#[test]
fn all_sync_states_round_trip_through_the_gauge() {
    let _g = crate::serial();
    for state in SyncState::VALUES {
        set_sync_state(*state);
        assert_eq!(sync_state(), *state);
        assert_eq!(value("alys_sync_state"), *state as u8 as f64);
    }
}

// ---------------------------------------------------------------------------------------
// Transaction pool

#[test]
fn txpool_rejections_by_reason_and_batch_update() {
    let _g = crate::serial();
    let before: Vec<f64> = RejectionReason::VALUES
        .iter()
        .map(|r| {
            value(&format!(
                "alys_txpool_rejections_total{{reason=\"{}\"}}",
                r.as_str()
            ))
        })
        .collect();
    assert_eq!(
        before.len(),
        12,
        "all 12 reasons are exported from start-up"
    );
    record_transaction_rejection(RejectionReason::InsufficientFee);
    record_transaction_rejections(RejectionReason::RateLimited, 4);
    let processed = value("alys_txpool_processed_total");
    let rate = record_transaction_pool_metrics(&TxPoolUpdate {
        size: 1_200,
        pending: 1_000,
        queued: 200,
        processed: 75,
        window: Duration::from_millis(2_500),
        rejections: &[
            (RejectionReason::InvalidNonce, 5),
            (RejectionReason::InsufficientFee, 2),
        ],
    });
    assert_eq!(rate, 30.0);
    let text = exposition();
    let delta = |r: RejectionReason| {
        series(
            &text,
            &format!("alys_txpool_rejections_total{{reason=\"{}\"}}", r.as_str()),
        )
        .unwrap_or_default()
            - before[r.index()]
    };
    assert_eq!(delta(RejectionReason::InsufficientFee), 3.0);
    assert_eq!(delta(RejectionReason::RateLimited), 4.0);
    assert_eq!(delta(RejectionReason::InvalidNonce), 5.0);
    assert_eq!(delta(RejectionReason::PoolFull), 0.0);
    assert_eq!(series(&text, "alys_txpool_size"), Some(1_200.0));
    assert_eq!(series(&text, "alys_txpool_pending"), Some(1_000.0));
    assert_eq!(series(&text, "alys_txpool_queued"), Some(200.0));
    assert_eq!(series(&text, "alys_txpool_processing_rate"), Some(30.0));
    assert_eq!(
        series(&text, "alys_txpool_processed_total"),
        Some(processed + 75.0)
    );

    // A window of 250 ms: whole seconds would give 0.
    assert_eq!(
        record_transaction_processing_rate(5, Duration::from_millis(250)),
        20.0
    );
    assert_eq!(value("alys_txpool_processing_rate"), 20.0);
    assert_eq!(record_transaction_processing_rate(5, Duration::ZERO), 0.0);
    assert_eq!(value("alys_txpool_processing_rate"), 0.0);
    update_transaction_pool_size(7);
    assert_eq!(value("alys_txpool_size"), 7.0);
}

// ---------------------------------------------------------------------------------------
// Peers

#[test]
fn peers_count_quality_and_all_seven_regions() {
    let _g = crate::serial();
    update_peer_count(38);
    update_peer_geographic_distribution(&[
        (PeerRegion::NorthAmerica, 15),
        (PeerRegion::Europe, 12),
        (PeerRegion::Asia, 8),
        (PeerRegion::Unknown, 3),
    ]);
    let text = exposition();
    assert_eq!(series(&text, "alys_peer_count"), Some(38.0));
    let regions: Vec<(&str, f64)> = PeerRegion::VALUES
        .iter()
        .map(|r| {
            let name = format!(
                "alys_peer_geographic_distribution{{region=\"{}\"}}",
                r.as_str()
            );
            (
                r.as_str(),
                series(&text, &name).expect("every region is exported"),
            )
        })
        .collect();
    assert_eq!(
        regions,
        [
            ("north_america", 15.0),
            ("europe", 12.0),
            ("asia", 8.0),
            ("south_america", 0.0),
            ("africa", 0.0),
            ("oceania", 0.0),
            ("unknown", 3.0),
        ]
    );
    // A region absent from the next update goes back to 0 rather than keeping a stale count.
    update_peer_geographic_distribution(&[(PeerRegion::Oceania, 2)]);
    let text = exposition();
    assert_eq!(
        series(
            &text,
            "alys_peer_geographic_distribution{region=\"north_america\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_peer_geographic_distribution{region=\"oceania\"}"
        ),
        Some(2.0)
    );

    assert_eq!(
        record_peer_quality_score("Chain/Peer A", 0.8),
        ScoreRecorded::Own
    );
    assert_eq!(
        record_peer_quality_score("chain_peer_b", 1.7),
        ScoreRecorded::Own
    );
    assert_eq!(
        record_peer_quality_score("chain_peer_c", -1.0),
        ScoreRecorded::Own
    );
    assert_eq!(
        record_peer_quality_score("chain_peer_c", f64::NAN),
        ScoreRecorded::Ignored
    );
    let text = exposition();
    assert_eq!(
        series(&text, "alys_peer_quality_score{peer_id=\"chainpeera\"}"),
        Some(0.8),
        "sanitised"
    );
    assert_eq!(
        series(&text, "alys_peer_quality_score{peer_id=\"chain_peer_b\"}"),
        Some(1.0),
        "clamped"
    );
    assert_eq!(
        series(&text, "alys_peer_quality_score{peer_id=\"chain_peer_c\"}"),
        Some(0.0),
        "clamped; the NaN left it alone"
    );
    forget_peers(&["Chain/Peer A", "chain_peer_b", "chain_peer_c"]);
}

#[test]
fn the_combined_peer_update() {
    let _g = crate::serial();
    let stats = PeerConnectionStats {
        successful_connections: 150,
        failed_connections: 10,
        connection_attempts: 160,
        avg_connection_time: Duration::from_millis(250),
        active_connections: 3,
        max_concurrent_connections: 50,
    };
    assert!(stats.is_healthy(0.9));
    assert!(!stats.is_healthy(0.95));
    let qualities = vec![
        ("chain_combined_1".to_owned(), 0.9),
        ("chain_combined_2".to_owned(), 0.6),
        ("chain_combined_3".to_owned(), f64::NAN),
    ];
    record_peer_connection_metrics(
        3,
        qualities,
        &[(PeerRegion::Africa, 1), (PeerRegion::Europe, 2)],
        &stats,
    );
    let text = exposition();
    assert_eq!(series(&text, "alys_peer_count"), Some(3.0));
    assert_eq!(
        series(
            &text,
            "alys_peer_quality_score{peer_id=\"chain_combined_2\"}"
        ),
        Some(0.6)
    );
    assert_eq!(
        series(
            &text,
            "alys_peer_quality_score{peer_id=\"chain_combined_3\"}"
        ),
        None,
        "a NaN score admits no series"
    );
    assert_eq!(
        series(
            &text,
            "alys_peer_geographic_distribution{region=\"africa\"}"
        ),
        Some(1.0)
    );
    let diversity = geographic_diversity(&[(PeerRegion::Africa, 1), (PeerRegion::Europe, 2)]);
    assert_eq!(diversity, 2);
    let health = network_health_score(3, 2, 8, 0.75, diversity);
    let expected = 0.4 * (0.5 + 0.5 * 1.0 / 6.0) + 0.4 * 0.75 + 0.2 * 2.0 / 6.0;
    assert!((health - expected).abs() < 1e-12);
    forget_peers(&["chain_combined_1", "chain_combined_2"]);
}

/// Forgets the peers a test scored, as the node does when they disconnect:
/// `chain_peer_churn` counts every series of `alys_peer_quality_score`.
fn forget_peers(ids: &[&str]) {
    for id in ids {
        assert!(forget_peer(id), "{id} had a series");
    }
}

#[test]
fn region_lookup_is_pluggable() {
    use std::net::IpAddr;
    let ip = |s: &str| s.parse::<IpAddr>().expect("an address");
    assert_eq!(
        PeerRegion::from_ip(ip("8.8.8.8")),
        PeerRegion::Unknown,
        "no database"
    );
    set_region_lookup(|addr: IpAddr| match addr {
        IpAddr::V4(v4) if v4.octets()[0] == 203 => PeerRegion::from_continent_code("OC"),
        _ => None,
    });
    assert_eq!(
        PeerRegion::from_ip(ip("203.0.113.9")),
        PeerRegion::Unknown,
        "documentation range"
    );
    assert_eq!(
        PeerRegion::from_ip(ip("203.2.218.214")),
        PeerRegion::Oceania
    );
    assert_eq!(
        PeerRegion::from_ip(ip("10.0.0.1")),
        PeerRegion::Unknown,
        "private"
    );
    assert_eq!(
        PeerRegion::from_ip(ip("::1")),
        PeerRegion::Unknown,
        "loopback"
    );
    assert_eq!(
        PeerRegion::from_ip(ip("8.8.8.8")),
        PeerRegion::Unknown,
        "not in the source"
    );
    clear_region_lookup();
    assert_eq!(
        PeerRegion::from_ip(ip("203.2.218.214")),
        PeerRegion::Unknown
    );
    assert_eq!("oc".parse::<PeerRegion>(), Ok(PeerRegion::Oceania));
}

// ---------------------------------------------------------------------------------------
// Migration

#[test]
fn migration_events() {
    let _g = crate::serial();
    set_migration_phase(MigrationPhase::FederationV2);
    assert_eq!(migration_phase(), Some(MigrationPhase::FederationV2));
    assert_eq!(set_migration_progress(67.8), Some(67.8));
    assert_eq!(set_migration_progress(f64::NAN), None);
    record_migration_error(MigrationPhase::FederationV2, ErrorType::Timeout);
    record_migration_error(MigrationPhase::FederationV2, ErrorType::Timeout);
    record_migration_rollback(
        MigrationPhase::LighthouseV2,
        RollbackReason::ValidationFailed,
    );
    record_validation_success(MigrationPhase::FederationV2);
    record_validation_failure(MigrationPhase::Validation);
    record_migration_phase_duration(MigrationPhase::Foundation, Duration::from_secs(5_400));

    let text = exposition();
    assert_eq!(series(&text, "alys_migration_phase"), Some(3.0));
    assert_eq!(series(&text, "alys_migration_progress_percent"), Some(67.8));
    assert_eq!(
        series(
            &text,
            "alys_migration_errors_total{phase=\"federation_v2\",error_type=\"timeout\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_migration_rollbacks_total{phase=\"lighthouse_v2\",reason=\"validation_failed\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_migration_validation_success_total{phase=\"federation_v2\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_migration_validation_failure_total{phase=\"validation\"}"
        ),
        Some(1.0)
    );
    // 90 minutes lands between the 3600 s and 7200 s buckets.
    for (le, n) in [("1800", 0.0), ("3600", 0.0), ("7200", 1.0), ("+Inf", 1.0)] {
        assert_eq!(
            series(
                &text,
                &format!(
                    "alys_migration_phase_duration_seconds_bucket{{phase=\"foundation\",le=\"{le}\"}}"
                )
            ),
            Some(n),
            "le={le}"
        );
    }
}
