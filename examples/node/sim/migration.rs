//! The V2 migration, sped up: ten phases of 30 to 90 seconds each. Progress moves every
//! second, errors occur now and then, and each phase ends with a validation that sometimes
//! fails; a failed validation is retried or, now and then, rolls the phase back to its start.
//!
//! The data moves in batches, one a second: now and then a batch fails and the migration
//! recovers from its last checkpoint (a recovery attempt); a checkpoint is written every 15 s
//! and now and then fails; a state-consistency check every 10 s sometimes finds a mismatch;
//! rarely a migrated record fails its integrity check. The migration's working memory grows
//! with the phase's progress (about 200 to 700 MiB of a 1 GiB limit) and is released between
//! phases.

use std::time::{Duration, Instant};

use alys_metrics::chain::{
    record_batch_failure, record_checkpoint_failure, record_data_integrity_error,
    record_migration_error, record_migration_phase_duration, record_migration_rollback,
    record_recovery_attempt, record_state_validation_failure, record_validation_failure,
    record_validation_success, set_migration_memory, set_migration_phase, set_migration_progress,
};
use alys_metrics::labels::RollbackReason;
use alys_metrics::prelude::*;

use super::control::{every, tick, Activity, Dice};

const ERRORS: [(ErrorType, f64); 10] = [
    (ErrorType::Timeout, 25.0),
    (ErrorType::Connection, 15.0),
    (ErrorType::Validation, 15.0),
    (ErrorType::Storage, 10.0),
    (ErrorType::Network, 10.0),
    (ErrorType::Parsing, 8.0),
    (ErrorType::Consensus, 6.0),
    (ErrorType::Execution, 5.0),
    (ErrorType::Migration, 4.0),
    (ErrorType::System, 2.0),
];

const ROLLBACKS: [(RollbackReason, f64); 5] = [
    (RollbackReason::ValidationFailed, 50.0),
    (RollbackReason::ErrorThreshold, 20.0),
    (RollbackReason::Timeout, 15.0),
    (RollbackReason::DataCorruption, 10.0),
    (RollbackReason::ConsensusFailure, 5.0),
];

/// The most memory the migration may use.
const MEMORY_LIMIT: u64 = 1 << 30;

/// One second of moving data: a batch, its checks, a checkpoint every 15 s, a
/// state-consistency check every 10 s, and the working memory.
fn data_movement(dice: &mut Dice, progress: f64) {
    if dice.chance(0.01) {
        record_batch_failure();
        // Resumed from the last checkpoint; the retry succeeds nine times in ten.
        record_recovery_attempt();
        if dice.chance(0.1) {
            record_recovery_attempt();
        }
    }
    if dice.chance(0.003) {
        record_data_integrity_error();
    }
    if dice.chance(1.0 / 15.0) && dice.chance(0.03) {
        record_checkpoint_failure();
    }
    if dice.chance(1.0 / 10.0) && dice.chance(0.03) {
        record_state_validation_failure();
    }
    let working = 200.0 + 5.0 * progress + dice.uniform(-20.0, 20.0);
    set_migration_memory((working.max(0.0) * 1_048_576.0) as u64, MEMORY_LIMIT);
}

/// Runs the migration to its end, then keeps the final phase at 100 %.
pub async fn migration(mut dice: Dice, mut activity: Activity) {
    let mut ticks = every(Duration::from_secs(1));
    let mut index = 0;
    let mut phase = MigrationPhase::VALUES[index];
    let mut progress = 0.0;
    let mut entered = Instant::now();
    let mut length = dice.uniform(30.0, 90.0);
    set_migration_phase(phase);
    set_migration_progress(progress);
    loop {
        tick(&mut ticks, &mut activity).await;
        if index == MigrationPhase::VALUES.len() {
            set_migration_memory(0, MEMORY_LIMIT);
            continue; // done
        }
        if dice.chance(0.012) {
            record_migration_error(phase, *dice.pick(&ERRORS));
        }
        data_movement(&mut dice, progress);
        if progress < 100.0 {
            progress = (progress + 100.0 / length * dice.uniform(0.5, 1.5)).min(100.0);
            set_migration_progress(progress);
            continue;
        }
        // At 100 %: validate the phase.
        if dice.chance(0.85) {
            record_validation_success(phase);
            record_migration_phase_duration(phase, entered.elapsed());
            index += 1;
            match MigrationPhase::VALUES.get(index) {
                Some(next) => {
                    phase = *next;
                    progress = 0.0;
                    entered = Instant::now();
                    length = dice.uniform(30.0, 90.0);
                    set_migration_phase(phase);
                    set_migration_progress(progress);
                }
                None => tracing::info!("migration complete"),
            }
        } else {
            record_validation_failure(phase);
            if dice.chance(0.4) {
                record_migration_rollback(phase, *dice.pick(&ROLLBACKS));
                progress = 0.0;
                set_migration_progress(progress);
            }
        }
    }
}
