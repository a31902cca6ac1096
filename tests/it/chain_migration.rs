//! The migration's phase start, failure kinds, memory, and the free and total space of its
//! data directory read by the resource collector (statvfs), from the exposition text.
//! One test: the data directory and the gauges are process-wide. It holds `crate::serial()`:
//! another module's collector ticking meanwhile would read the data directory too (and write
//! the process gauges), and `chain` sets the migration phase.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::samples::value;
use alys_metrics::chain::*;
use alys_metrics::collector::{
    filesystem_space, DiskIoTotals, DiskSpace, FileDescriptorSample, NetworkIoDelta,
    ProcessCollector, ProcessSample, ResourceSource, SourceError, SysinfoSource,
    SystemMemorySample,
};
use alys_metrics::labels::MigrationPhase;

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

/// A source whose only working part is the disk space it is told to report.
struct DiskOnly(Result<DiskSpace, SourceError>);

impl ResourceSource for DiskOnly {
    fn process(&mut self) -> Result<ProcessSample, SourceError> {
        Err(SourceError::new("not in this test"))
    }
    fn disk_io(&mut self) -> Result<DiskIoTotals, SourceError> {
        Err(SourceError::new("not in this test"))
    }
    fn network_io(&mut self) -> Result<NetworkIoDelta, SourceError> {
        Err(SourceError::new("not in this test"))
    }
    fn file_descriptors(&mut self) -> Result<FileDescriptorSample, SourceError> {
        Err(SourceError::new("not in this test"))
    }
    fn system_memory(&mut self) -> Result<SystemMemorySample, SourceError> {
        Err(SourceError::new("not in this test"))
    }
    fn disk_space(&mut self, _dir: &Path) -> Result<DiskSpace, SourceError> {
        self.0.clone()
    }
}

#[test]
fn migration_failure_kinds_memory_phase_start_and_data_directory() {
    let _serial = crate::serial();
    // Phase start: set on the first call and on every change, not on a repeat.
    let before = now_secs();
    set_migration_phase(MigrationPhase::Foundation);
    let started = value("alys_migration_phase_start_timestamp");
    assert!(
        started >= before.floor() && started <= now_secs(),
        "{started}"
    );
    std::thread::sleep(std::time::Duration::from_millis(20));
    set_migration_phase(MigrationPhase::Foundation);
    assert_eq!(value("alys_migration_phase_start_timestamp"), started);
    set_migration_phase(MigrationPhase::ActorSystem);
    assert!(value("alys_migration_phase_start_timestamp") > started);

    record_data_integrity_error();
    record_state_validation_failure();
    record_state_validation_failure();
    record_batch_failure();
    record_checkpoint_failure();
    record_recovery_attempt();
    record_recovery_attempt();
    record_recovery_attempt();
    assert_eq!(value("alys_migration_data_integrity_errors_total"), 1.0);
    assert_eq!(value("alys_migration_state_validation_failures_total"), 2.0);
    assert_eq!(value("alys_migration_batch_failures_total"), 1.0);
    assert_eq!(value("alys_migration_checkpoint_failures_total"), 1.0);
    assert_eq!(value("alys_migration_recovery_attempts_total"), 3.0);

    set_migration_memory(300 << 20, 1 << 30);
    assert_eq!(
        value("alys_migration_memory_usage_bytes"),
        (300u64 << 20) as f64
    );
    assert_eq!(
        value("alys_migration_memory_limit_bytes"),
        (1u64 << 30) as f64
    );

    // No directory named: the collector reads nothing.
    assert_eq!(migration_data_dir(), None);
    let space = DiskSpace {
        free_bytes: 40 << 30,
        total_bytes: 500 << 30,
    };
    let mut fake = ProcessCollector::new(DiskOnly(Ok(space)));
    fake.tick();
    assert_eq!(value("alys_migration_disk_free_bytes"), 0.0);

    // Named: each tick reads it.
    set_migration_data_dir(std::env::temp_dir());
    fake.tick();
    assert_eq!(
        value("alys_migration_disk_free_bytes"),
        (40u64 << 30) as f64
    );
    assert_eq!(
        value("alys_migration_disk_total_bytes"),
        (500u64 << 30) as f64
    );
    // A failed read keeps the last values and does not fail anything else.
    let mut failing = ProcessCollector::new(DiskOnly(Err(SourceError::new("gone"))));
    failing.tick();
    assert_eq!(
        value("alys_migration_disk_free_bytes"),
        (40u64 << 30) as f64
    );

    // The real statvfs of the temporary directory, through the production source.
    let real = filesystem_space(&std::env::temp_dir()).expect("statvfs of the temp dir");
    assert!(real.total_bytes > 0 && real.free_bytes <= real.total_bytes);
    let mut collector = ProcessCollector::new(SysinfoSource::new());
    collector.tick();
    assert_eq!(
        value("alys_migration_disk_total_bytes"),
        real.total_bytes as f64,
        "the filesystem's size does not change between two reads"
    );
    let free = value("alys_migration_disk_free_bytes");
    let drift = (free - real.free_bytes as f64).abs();
    assert!(
        drift < (256u64 << 20) as f64,
        "free space moved by {drift} bytes"
    );
    clear_migration_data_dir();
}
