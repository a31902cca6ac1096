//! The resource collector: the node's own CPU, memory, threads, descriptors and I/O, the host's
//! memory, the standard `process_*` family, and the collector's own health.
//!
//! The exporter's `serve` starts one; use [`ProcessCollector`] directly to run one elsewhere or
//! to feed it another [`ResourceSource`]. (It samples the process; the scrape-time
//! [`Collect`](crate::metric::Collect) trait is another thing.)
//!
//! Everything here but the [`Clock`]s (re-exported from [`crate::clock`]) needs the
//! `process-collector` feature (on by default).
//!
//! # A tick
//!
//! Every interval (5 s by default) a tick runs five independent sub-collections
//! ([`SubCollection`]): this process (one sysinfo refresh of `/proc/self`), its disk I/O, the
//! host's network I/O, its file descriptors and the host's memory. Each one that succeeds
//! updates its metrics; the tick fails only when all five fail. Disk bytes are cumulative
//! totals turned into counter increments; network bytes are deltas since the previous tick
//! and are added as they are.
//!
//! Everything but the network comes from sysinfo. The host's network bytes come from
//! `/proc/net/dev` on Linux, one read for every interface, with the per-interface deltas taken
//! here: sysinfo's network refresh reads seven sysfs files per interface and makes two
//! `getifaddrs` netlink dumps for addresses the collector does not use, about 400 µs on a
//! four-interface host against about 20 µs. On other systems sysinfo's per-interface
//! figures, already deltas since its previous refresh, are summed as they are. Loopback
//! (`lo`) is left out.
//!
//! When the migration's data directory is named
//! ([`set_migration_data_dir`](crate::chain::set_migration_data_dir)), a tick also reads the
//! free and total space of its filesystem ([`filesystem_space`], `statvfs`) into
//! `alys_migration_disk_free_bytes` and `alys_migration_disk_total_bytes`. That read is not one
//! of the five sub-collections: when it fails the gauges keep their last values, the failure
//! is logged once, and the tick's outcome does not change.
//!
//! # Failure recovery
//!
//! After [`BACKOFF_AFTER_FAILURES`] failed ticks in a row the wait before the next one doubles
//! each time, from twice the interval up to [`MAX_BACKOFF`] ([`backoff_delay`]); one
//! successful tick restores the interval. When no tick has succeeded for [`STALE_AFTER`]
//! (300 s) an error is logged once, and `/health` reports `degraded`. The collector exports
//! `alys_collector_failures_total`, `alys_collector_consecutive_failures`,
//! `alys_collector_seconds_since_success` and `alys_collector_last_duration_seconds`.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::collector::{ProcessCollector, SysinfoSource};
//!
//! let mut collector = ProcessCollector::new(SysinfoSource::new());
//! let report = collector.tick();
//! assert!(report.is_success(), "{:?}", report.errors);
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("\nprocess_threads "));
//! ```

#[cfg(feature = "process-collector")]
mod disk;
#[cfg(feature = "process-collector")]
mod health;
#[cfg(feature = "process-collector")]
mod network;
#[cfg(feature = "process-collector")]
mod sample;
#[cfg(feature = "process-collector")]
mod source;
mod state;

#[cfg(feature = "process-collector")]
use std::future::Future;
#[cfg(feature = "process-collector")]
use std::panic::AssertUnwindSafe;
#[cfg(feature = "process-collector")]
use std::sync::Arc;
#[cfg(feature = "process-collector")]
use std::time::{Duration, SystemTime};

#[cfg(feature = "process-collector")]
pub use disk::{filesystem_space, DiskSpace};
#[cfg(feature = "process-collector")]
pub use health::{
    ProcessHealthStatus, ProcessResourceAttribution, ResourceStatus, CPU_CRITICAL_PERCENT,
    CPU_WARNING_PERCENT, MEMORY_CRITICAL_PERCENT, MEMORY_WARNING_PERCENT,
};
#[cfg(feature = "process-collector")]
pub use source::{
    DiskIoTotals, FileDescriptorSample, NetworkIoDelta, ProcessSample, ResourceSource, SourceError,
    SubCollection, SysinfoSource, SystemMemorySample, LIMIT_REFRESH_TICKS,
};
pub use state::{Clock, ManualClock, RuntimeClock};
#[cfg(feature = "process-collector")]
pub use state::{CollectorState, CollectorStatus, STALE_AFTER};

#[cfg(feature = "process-collector")]
use crate::catalogue::system as m;
#[cfg(feature = "process-collector")]
use crate::labels::{IoDirection, IoOperation};
#[cfg(feature = "process-collector")]
use crate::race::{race, Either};

#[cfg(feature = "process-collector")]
/// Failed ticks in a row after which the collector backs off.
pub const BACKOFF_AFTER_FAILURES: u64 = 5;

#[cfg(feature = "process-collector")]
/// The longest wait between two ticks while backing off (unless the interval is longer).
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

#[cfg(feature = "process-collector")]
/// The wait before the next tick, after `consecutive_failures` failed ticks in a row.
///
/// Below [`BACKOFF_AFTER_FAILURES`] it is the interval; from there it doubles with each
/// failure (2×, 4×, 8× ... the interval) up to [`MAX_BACKOFF`]. With the default 5 s interval
/// the waits after failures 1 to 9 are 5, 5, 5, 5, 10, 20, 40, 60, 60 s.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::collector::backoff_delay;
///
/// let s = Duration::from_secs;
/// let waits: Vec<_> = (0..10).map(|f| backoff_delay(s(5), f)).collect();
/// assert_eq!(waits, [s(5), s(5), s(5), s(5), s(5), s(10), s(20), s(40), s(60), s(60)]);
/// ```
pub fn backoff_delay(interval: Duration, consecutive_failures: u64) -> Duration {
    if consecutive_failures < BACKOFF_AFTER_FAILURES {
        return interval;
    }
    let cap = MAX_BACKOFF.max(interval);
    let doublings = consecutive_failures - (BACKOFF_AFTER_FAILURES - 1);
    if doublings >= 32 {
        return cap;
    }
    interval.saturating_mul(1u32 << doublings).min(cap)
}

#[cfg(feature = "process-collector")]
/// What one tick did.
#[derive(Clone, Debug)]
pub struct TickReport {
    /// The sub-collections that failed, with why.
    pub errors: Vec<(SubCollection, SourceError)>,
    /// How long the tick took.
    pub duration: Duration,
    /// The process's health, when both the process and the host's memory were read.
    pub health: Option<ProcessHealthStatus>,
}

#[cfg(feature = "process-collector")]
impl TickReport {
    /// True unless every sub-collection failed.
    pub fn is_success(&self) -> bool {
        self.errors.len() < SubCollection::ALL.len()
    }
}

#[cfg(feature = "process-collector")]
/// Reads a [`ResourceSource`] every tick and exports what it reads to the default registry.
pub struct ProcessCollector<S: ResourceSource = SysinfoSource> {
    source: S,
    state: Arc<CollectorState>,
    previous_disk: Option<DiskIoTotals>,
    /// True while reading the migration data directory's space fails (logged on change).
    #[cfg(feature = "chain")]
    migration_disk_failing: bool,
}

#[cfg(feature = "process-collector")]
impl<S: ResourceSource> std::fmt::Debug for ProcessCollector<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessCollector")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "process-collector")]
fn set_u64(gauge: &crate::IntGauge, v: u64) {
    gauge.set(i64::try_from(v).unwrap_or(i64::MAX));
}

#[cfg(feature = "process-collector")]
/// What a cumulative counter moved from `previous` to `now`. A counter that went down was reset
/// and counted from zero again, so everything it shows now is new.
pub(crate) fn counter_delta(previous: u64, now: u64) -> u64 {
    now.checked_sub(previous).unwrap_or(now)
}

#[cfg(feature = "process-collector")]
impl<S: ResourceSource> ProcessCollector<S> {
    /// A collector over `source`, measuring ages with tokio's clock.
    pub fn new(source: S) -> Self {
        Self::with_clock(source, Arc::new(RuntimeClock))
    }

    /// A collector over `source`, measuring "seconds since the last success" with `clock`.
    pub fn with_clock(source: S, clock: Arc<dyn Clock>) -> Self {
        Self {
            source,
            state: Arc::new(CollectorState::new(clock)),
            previous_disk: None,
            #[cfg(feature = "chain")]
            migration_disk_failing: false,
        }
    }

    /// The state the exporter reads.
    pub fn state(&self) -> &Arc<CollectorState> {
        &self.state
    }

    /// Runs one tick now: reads every sub-collection, updates the metrics and the state.
    pub fn tick(&mut self) -> TickReport {
        // On the collector's clock, like every other age it reports, so a test's clock sets it.
        let started = self.state.now();
        let mut errors = Vec::new();

        let process = match self.source.process() {
            Ok(p) => {
                Self::export_process(&p);
                Some(p)
            }
            Err(e) => {
                errors.push((SubCollection::Process, e));
                None
            }
        };
        match self.source.disk_io() {
            Ok(totals) => self.export_disk(totals),
            Err(e) => errors.push((SubCollection::DiskIo, e)),
        }
        match self.source.network_io() {
            Ok(delta) => {
                m::NETWORK_IO
                    .with(IoDirection::Received)
                    .inc_by(delta.received_bytes);
                m::NETWORK_IO
                    .with(IoDirection::Transmitted)
                    .inc_by(delta.transmitted_bytes);
            }
            Err(e) => errors.push((SubCollection::NetworkIo, e)),
        }
        match self.source.file_descriptors() {
            Ok(fds) => {
                set_u64(&m::FILE_DESCRIPTORS, fds.open);
                set_u64(&m::PROCESS_OPEN_FDS, fds.open);
                if let Some(max) = fds.max {
                    set_u64(&m::PROCESS_MAX_FDS, max);
                }
            }
            Err(e) => errors.push((SubCollection::FileDescriptors, e)),
        }
        let memory = match self.source.system_memory() {
            Ok(mem) => {
                set_u64(&m::SYSTEM_MEMORY_TOTAL, mem.total_bytes);
                set_u64(&m::SYSTEM_MEMORY_USED, mem.used_bytes);
                Some(mem)
            }
            Err(e) => {
                errors.push((SubCollection::SystemMemory, e));
                None
            }
        };

        #[cfg(feature = "chain")]
        self.collect_migration_disk();
        // CPU time per actor type: its own pass, never a failure of the tick.
        crate::actor_system::collect_actor_cpu();

        let attribution = match (&process, &memory) {
            (Some(p), Some(mem)) => {
                Some(ProcessResourceAttribution::new(p, mem, SystemTime::now()))
            }
            _ => None,
        };
        let health = attribution.as_ref().map(|a| {
            let health = a.monitor_process_health();
            m::PROCESS_HEALTH_STATUS.set(health.gauge_value());
            a.record_trend(health, process.map_or(0, |p| p.run_time_seconds));
            health
        });

        let report = TickReport {
            errors,
            duration: self.state.now().saturating_duration_since(started),
            health,
        };
        self.record(&report, attribution);
        report
    }

    fn export_process(p: &ProcessSample) {
        m::CPU_USAGE_PERCENT.set(p.cpu_percent);
        set_u64(&m::MEMORY_USAGE_BYTES, p.resident_memory_bytes);
        set_u64(&m::THREAD_COUNT, p.threads);
        set_u64(&m::PROCESS_START_TIME_SECONDS, p.start_time_seconds);
        set_u64(&m::UPTIME_SECONDS, p.run_time_seconds);
        m::PROCESS_CPU_SECONDS.set_total(p.cpu_seconds_total);
        set_u64(&m::PROCESS_RESIDENT_MEMORY, p.resident_memory_bytes);
        set_u64(&m::PROCESS_VIRTUAL_MEMORY, p.virtual_memory_bytes);
        set_u64(&m::PROCESS_THREADS, p.threads);
        m::PROCESS_START_TIME.set(p.start_time_seconds as f64);
    }

    /// Reads the space of the migration's data directory, when one is named
    /// ([`set_migration_data_dir`](crate::chain::set_migration_data_dir)). Not one of the
    /// tick's [`SubCollection`]s: a directory that cannot be read does not fail the tick; it is
    /// logged when reading starts or stops failing, and the gauges keep their last values.
    #[cfg(feature = "chain")]
    fn collect_migration_disk(&mut self) {
        let Some(dir) = crate::chain::migration_data_dir() else {
            return;
        };
        match self.source.disk_space(&dir) {
            Ok(space) => {
                set_u64(
                    &crate::catalogue::migration::MIGRATION_DISK_FREE,
                    space.free_bytes,
                );
                set_u64(
                    &crate::catalogue::migration::MIGRATION_DISK_TOTAL,
                    space.total_bytes,
                );
                if std::mem::take(&mut self.migration_disk_failing) {
                    tracing::info!(dir = %dir.display(), "migration data directory readable again");
                }
            }
            Err(e) => {
                if !std::mem::replace(&mut self.migration_disk_failing, true) {
                    tracing::warn!(dir = %dir.display(), error = %e,
                        "cannot read the space of the migration data directory; its gauges keep their last values");
                }
            }
        }
    }

    fn export_disk(&mut self, totals: DiskIoTotals) {
        // The first sample adds everything since the process started, so the counters equal
        // the process's totals; a total that went down (a new process behind the same source)
        // counted from zero again, so all of it is new.
        let previous = self.previous_disk.unwrap_or_default();
        m::DISK_IO
            .with(IoOperation::Read)
            .inc_by(counter_delta(previous.read_bytes, totals.read_bytes));
        m::DISK_IO
            .with(IoOperation::Write)
            .inc_by(counter_delta(previous.written_bytes, totals.written_bytes));
        self.previous_disk = Some(totals);
    }

    /// Updates the shared state and the collector's own metrics after a tick, and logs
    /// transitions: a sub-collection starting or ceasing to fail, the whole tick failing, and
    /// (once) collection failing for longer than [`STALE_AFTER`].
    fn record(&self, report: &TickReport, attribution: Option<ProcessResourceAttribution>) {
        let now = self.state.now();
        m::COLLECTOR_LAST_DURATION.set(report.duration.as_secs_f64());
        let mut inner = self.state.lock();
        inner.ticks += 1;
        inner.last_duration = report.duration;

        for (i, sub) in SubCollection::ALL.iter().enumerate() {
            let error = report.errors.iter().find(|(s, _)| s == sub).map(|(_, e)| e);
            match (inner.failing[i], error) {
                (false, Some(e)) => tracing::warn!(
                    sub_collection = sub.as_str(),
                    error = %e,
                    "resource sub-collection failed; the others go on"
                ),
                (true, None) => {
                    tracing::info!(
                        sub_collection = sub.as_str(),
                        "resource sub-collection recovered"
                    )
                }
                _ => {}
            }
            inner.failing[i] = error.is_some();
        }

        if report.is_success() {
            if inner.consecutive_failures > 0 {
                tracing::info!(
                    consecutive_failures = inner.consecutive_failures,
                    "resource collection recovered after failures"
                );
            }
            inner.consecutive_failures = 0;
            inner.last_success = Some(now);
            inner.stale_logged = false;
        } else {
            inner.consecutive_failures += 1;
            inner.total_failures += 1;
            m::COLLECTOR_FAILURES.inc();
            tracing::warn!(
                consecutive_failures = inner.consecutive_failures,
                "every resource sub-collection failed in this tick"
            );
        }
        if attribution.is_some() {
            if let (Some(before), Some(after)) = (inner.health, report.health) {
                if before != after {
                    tracing::warn!(from = %before, to = %after, "process health changed");
                }
            }
            inner.attribution = attribution;
            inner.health = report.health;
            inner.health_read_at = Some(now);
        }

        let age = CollectorState::age(&inner, now);
        if age > STALE_AFTER && !inner.stale_logged {
            inner.stale_logged = true;
            tracing::error!(
                seconds_since_success = age.as_secs(),
                consecutive_failures = inner.consecutive_failures,
                "resource collection has not succeeded for over 300 s"
            );
        }
        m::COLLECTOR_CONSECUTIVE_FAILURES
            .set(i64::try_from(inner.consecutive_failures).unwrap_or(i64::MAX));
        m::COLLECTOR_SECONDS_SINCE_SUCCESS.set(age.as_secs_f64());
        drop(inner);
        self.state.mark_ticked();
    }

    /// Records a tick whose source panicked: a failed tick.
    fn record_panic(&self, message: String) {
        let errors = SubCollection::ALL
            .iter()
            .map(|s| {
                (
                    *s,
                    SourceError::new(format!("the source panicked: {message}")),
                )
            })
            .collect();
        let report = TickReport {
            errors,
            duration: Duration::ZERO,
            health: None,
        };
        self.record(&report, None);
    }

    /// Ticks now and then every `interval` (backing off as [`backoff_delay`] says) until
    /// `shutdown` completes. Each tick runs on tokio's blocking pool; a tick whose source
    /// panics counts as a failed tick. Needs a tokio runtime with time enabled.
    ///
    /// A zero interval is taken as 1 ms. When `shutdown` completes during a tick, this returns
    /// at once and the collector is dropped when the tick ends.
    pub async fn run_until(mut self, interval: Duration, shutdown: impl Future<Output = ()>) {
        let interval = interval.max(Duration::from_millis(1));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let started = tokio::time::Instant::now();
            let tick = tokio::task::spawn_blocking(move || {
                let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.tick()));
                (self, outcome)
            });
            let (collector, outcome) = match race(&mut shutdown, tick).await {
                Either::Left(()) => return,
                Either::Right(Ok(v)) => v,
                Either::Right(Err(e)) => {
                    tracing::error!(error = %e, "the resource collector's tick was cancelled; collection stops");
                    return;
                }
            };
            self = collector;
            if let Err(panic) = outcome {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string payload".to_owned());
                tracing::error!(panic = %message, "the resource source panicked in a tick");
                self.record_panic(message);
            }
            let failures = self.state.lock().consecutive_failures;
            let next = started + backoff_delay(interval, failures);
            let slept = race(&mut shutdown, tokio::time::sleep_until(next)).await;
            if slept == Either::Left(()) {
                return;
            }
        }
    }
}

#[cfg(all(test, feature = "process-collector"))]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_and_respects_long_intervals() {
        let s = Duration::from_secs;
        assert_eq!(backoff_delay(s(1), 4), s(1));
        assert_eq!(backoff_delay(s(1), 5), s(2));
        assert_eq!(backoff_delay(s(1), 9), s(32));
        assert_eq!(backoff_delay(s(1), 10), s(60));
        assert_eq!(backoff_delay(s(1), u64::MAX), s(60));
        assert_eq!(
            backoff_delay(s(90), 5),
            s(90),
            "never shorter than the interval"
        );
        assert_eq!(backoff_delay(Duration::MAX, 40), Duration::MAX);
    }
}
