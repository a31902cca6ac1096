//! The resource collector: partial success, counter deltas, the failure metrics, the backoff
//! schedule (exactly, under tokio's paused clock), the 300 s rule, and the sysinfo source
//! against what `/proc` says about this process.
//!
//! Every test holds `crate::serial()`: they all write the same global metrics, and the sysinfo
//! test reads this process's thread and descriptor counts, which other tests change.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alys_metrics::collector::{
    DiskIoTotals, FileDescriptorSample, ManualClock, NetworkIoDelta, ProcessCollector,
    ProcessHealthStatus, ProcessSample, ResourceSource, SourceError, SubCollection, SysinfoSource,
    SystemMemorySample,
};
use tokio::time::Instant;

/// The value of one series in a fresh scrape, read the way Prometheus reads it.
fn sample(series: &str) -> f64 {
    let text = alys_metrics::registry().encode_to_string();
    let prefix = format!("{series} ");
    let line = text
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no series `{series}` in the scrape"));
    line[prefix.len()..].parse().expect("a number")
}

/// What each call of a scripted source returns.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Step {
    Ok,
    Fail,
    Panic,
}

/// A source that follows a script (repeating its last step), fails the sub-collections listed
/// in `broken`, records when each tick started, and reports the figures below.
struct Scripted {
    script: VecDeque<Step>,
    last: Step,
    broken: Vec<SubCollection>,
    ticks: Arc<Mutex<Vec<Instant>>>,
    step: Step,
    disk: VecDeque<DiskIoTotals>,
    network: VecDeque<NetworkIoDelta>,
    memory_percent: f64,
    /// A clock each tick moves forward by `tick_cost`, as if reading the process took that long.
    clock: Option<Arc<ManualClock>>,
    tick_cost: Duration,
    /// When set, the process sub-collection fails from this tick on (counting from 0).
    process_fails_from: Option<usize>,
}

impl Scripted {
    fn new(script: &[Step]) -> Self {
        Self {
            script: script.iter().copied().collect(),
            last: *script.last().unwrap_or(&Step::Ok),
            broken: Vec::new(),
            ticks: Arc::default(),
            step: Step::Ok,
            disk: VecDeque::new(),
            network: VecDeque::new(),
            memory_percent: 10.0,
            clock: None,
            tick_cost: Duration::ZERO,
            process_fails_from: None,
        }
    }

    fn check(&self, sub: SubCollection) -> Result<(), SourceError> {
        if self.step == Step::Fail || self.broken.contains(&sub) {
            Err(SourceError::new(format!("{sub} is broken in this test")))
        } else {
            Ok(())
        }
    }
}

impl ResourceSource for Scripted {
    fn process(&mut self) -> Result<ProcessSample, SourceError> {
        let tick = {
            let mut ticks = self.ticks.lock().unwrap_or_else(|p| p.into_inner());
            ticks.push(Instant::now());
            ticks.len() - 1
        };
        if let Some(clock) = &self.clock {
            clock.advance(self.tick_cost);
        }
        self.step = self.script.pop_front().unwrap_or(self.last);
        if self.step == Step::Panic {
            panic!("injected panic in the source");
        }
        self.check(SubCollection::Process)?;
        if self.process_fails_from.is_some_and(|from| tick >= from) {
            return Err(SourceError::new("the process is unreadable in this test"));
        }
        Ok(ProcessSample {
            pid: 1,
            cpu_percent: 50.0,
            resident_memory_bytes: (self.memory_percent * 10.0) as u64,
            threads: 3,
            cpu_count: 2,
            ..ProcessSample::default()
        })
    }
    fn disk_io(&mut self) -> Result<DiskIoTotals, SourceError> {
        self.check(SubCollection::DiskIo)?;
        Ok(self.disk.pop_front().unwrap_or_default())
    }
    fn network_io(&mut self) -> Result<NetworkIoDelta, SourceError> {
        self.check(SubCollection::NetworkIo)?;
        Ok(self.network.pop_front().unwrap_or_default())
    }
    fn file_descriptors(&mut self) -> Result<FileDescriptorSample, SourceError> {
        self.check(SubCollection::FileDescriptors)?;
        Ok(FileDescriptorSample { open: 5, max: None })
    }
    fn system_memory(&mut self) -> Result<SystemMemorySample, SourceError> {
        self.check(SubCollection::SystemMemory)?;
        Ok(SystemMemorySample {
            total_bytes: 1000,
            used_bytes: 500,
        })
    }
}

/// Runs `source` under paused time for `span` and returns each tick's start, in whole seconds
/// since the collector started.
async fn schedule(source: Scripted, interval: Duration, span: Duration) -> Vec<u64> {
    let ticks = source.ticks.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let t0 = Instant::now();
    let task = tokio::spawn(ProcessCollector::new(source).run_until(interval, async {
        let _ = stop_rx.await;
    }));
    tokio::time::sleep(span).await;
    let _ = stop_tx.send(());
    task.await.expect("the collector task ends");
    let ticks = ticks.lock().unwrap_or_else(|p| p.into_inner()).clone();
    ticks
        .iter()
        .map(|t| {
            let d = *t - t0;
            assert_eq!(d.subsec_nanos(), 0, "ticks start on whole seconds: {d:?}");
            d.as_secs()
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn backoff_doubles_after_five_failures_up_to_60_s() {
    let _serial = crate::serial();
    let starts = schedule(
        Scripted::new(&[Step::Fail]),
        Duration::from_secs(5),
        Duration::from_secs(300),
    )
    .await;
    // Failures 1-4 wait the interval; then 10, 20, 40 and 60 s, capped at 60 s.
    assert_eq!(starts, [0, 5, 10, 15, 20, 30, 50, 90, 150, 210, 270]);
}

#[tokio::test(start_paused = true)]
async fn one_success_restores_the_interval() {
    let _serial = crate::serial();
    use Step::*;
    let script = [Fail, Fail, Fail, Fail, Fail, Fail, Ok, Fail, Ok];
    let starts = schedule(
        Scripted::new(&script),
        Duration::from_secs(5),
        Duration::from_secs(72),
    )
    .await;
    assert_eq!(starts, [0, 5, 10, 15, 20, 30, 50, 55, 60, 65, 70]);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_source_is_a_failed_tick_and_collection_goes_on() {
    let _serial = crate::serial();
    let failures_before = sample("alys_collector_failures_total");
    let source = Scripted::new(&[Step::Panic, Step::Ok]);
    let starts = schedule(source, Duration::from_secs(5), Duration::from_secs(12)).await;
    assert_eq!(starts, [0, 5, 10], "the loop survives the panic");
    assert_eq!(
        sample("alys_collector_failures_total") - failures_before,
        1.0
    );
}

#[tokio::test]
async fn partial_success_is_success_and_total_failure_is_counted() {
    let _serial = crate::serial();
    let failures_before = sample("alys_collector_failures_total");

    let mut source = Scripted::new(&[Step::Ok, Step::Ok, Step::Fail, Step::Ok]);
    source.broken = vec![SubCollection::NetworkIo, SubCollection::FileDescriptors];
    let clock = Arc::new(ManualClock::new());
    source.clock = Some(Arc::clone(&clock));
    source.tick_cost = Duration::from_millis(250);
    let mut collector = ProcessCollector::with_clock(source, clock);
    let report = collector.tick();
    assert!(report.is_success(), "three of five succeeded");
    let failed: Vec<_> = report.errors.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        failed,
        [SubCollection::NetworkIo, SubCollection::FileDescriptors]
    );
    assert!(report.errors[0]
        .1
        .to_string()
        .contains("network_io is broken"));
    assert_eq!(sample("alys_thread_count"), 3.0, "the others exported");
    assert_eq!(collector.state().status().consecutive_failures, 0);
    assert!(collector.state().status().has_succeeded);

    collector.tick();
    let report = collector.tick();
    assert!(!report.is_success(), "every sub-collection failed");
    assert_eq!(report.errors.len(), 5);
    let status = collector.state().status();
    assert_eq!((status.consecutive_failures, status.total_failures), (1, 1));
    assert_eq!(
        sample("alys_collector_failures_total") - failures_before,
        1.0
    );
    assert_eq!(sample("alys_collector_consecutive_failures"), 1.0);

    collector.tick();
    assert_eq!(collector.state().status().consecutive_failures, 0);
    assert_eq!(sample("alys_collector_consecutive_failures"), 0.0);
    // Each tick took 250 ms on the collector's clock, and the gauge says so.
    assert_eq!(sample("alys_collector_last_duration_seconds"), 0.25);
    assert_eq!(
        collector.state().status().last_duration,
        Duration::from_millis(250)
    );
    assert_eq!(collector.state().status().ticks, 4);
}

#[tokio::test]
async fn io_counters_grow_by_deltas() {
    let _serial = crate::serial();
    let read = "alys_disk_io_bytes_total{operation=\"read\"}";
    let write = "alys_disk_io_bytes_total{operation=\"write\"}";
    let rx = "alys_network_io_bytes_total{direction=\"received\"}";
    let tx = "alys_network_io_bytes_total{direction=\"transmitted\"}";
    let before = [read, write, rx, tx].map(sample);

    let mut source = Scripted::new(&[Step::Ok]);
    let totals = |r, w| DiskIoTotals {
        read_bytes: r,
        written_bytes: w,
    };
    // Disk figures are cumulative totals; the last one went down: reset, it counted from zero
    // again, so all of it is new.
    source.disk = [
        totals(100, 10),
        totals(150, 10),
        totals(150, 40),
        totals(20, 5),
    ]
    .into();
    // Network figures are already deltas.
    let delta = |r, t| NetworkIoDelta {
        received_bytes: r,
        transmitted_bytes: t,
    };
    source.network = [delta(7, 1), delta(3, 0), delta(0, 0), delta(5, 5)].into();
    let mut collector = ProcessCollector::new(source);
    let mut seen = Vec::new();
    for _ in 0..4 {
        collector.tick();
        let now = [read, write, rx, tx].map(sample);
        seen.push([0, 1, 2, 3].map(|i| now[i] - before[i]));
    }
    assert_eq!(
        seen,
        [
            [100.0, 10.0, 7.0, 1.0],
            [150.0, 10.0, 10.0, 1.0],
            [150.0, 40.0, 10.0, 1.0],
            [170.0, 45.0, 15.0, 6.0],
        ]
    );
}

#[tokio::test]
async fn no_success_for_300_s_is_stale_until_the_next_success() {
    let _serial = crate::serial();
    let clock = Arc::new(ManualClock::new());
    let source = Scripted::new(&[Step::Ok, Step::Fail, Step::Fail, Step::Ok]);
    let mut collector = ProcessCollector::with_clock(source, clock.clone());
    collector.tick();
    clock.advance(Duration::from_secs(200));
    collector.tick();
    let status = collector.state().status();
    assert!(!status.stale);
    assert_eq!(status.seconds_since_success, 200.0);

    clock.advance(Duration::from_secs(101));
    collector.tick();
    let status = collector.state().status();
    assert!(status.stale, "301 s without a success");
    assert_eq!(status.seconds_since_success, 301.0);
    assert_eq!(sample("alys_collector_seconds_since_success"), 301.0);

    collector.tick();
    let status = collector.state().status();
    assert!(!status.stale);
    assert_eq!(status.seconds_since_success, 0.0);
    assert_eq!(sample("alys_collector_seconds_since_success"), 0.0);
}

#[tokio::test]
async fn process_health_comes_from_the_process_and_host_memory() {
    let _serial = crate::serial();
    let mut source = Scripted::new(&[Step::Ok]);
    source.memory_percent = 85.0;
    let mut collector = ProcessCollector::new(source);
    let report = collector.tick();
    assert_eq!(report.health, Some(ProcessHealthStatus::Warning));
    let status = collector.state().status();
    let attribution = status.attribution.expect("an attribution");
    assert_eq!(attribution.memory_percentage, 85.0);
    assert_eq!(
        attribution.relative_cpu_usage, 25.0,
        "50 % of one core of 2"
    );
    assert!(!attribution.is_healthy());
    assert_eq!(sample("alys_process_health_status"), 1.0);

    // Without the host's memory there is no attribution, and the last one stays.
    let mut source = Scripted::new(&[Step::Ok]);
    source.broken = vec![SubCollection::SystemMemory];
    let mut collector = ProcessCollector::new(source);
    assert_eq!(collector.tick().health, None);
    assert_eq!(collector.state().status().process_health, None);
}

#[tokio::test]
async fn a_process_health_not_read_for_300_s_is_dropped_and_marked_stale() {
    let _serial = crate::serial();
    let clock = Arc::new(ManualClock::new());
    let mut source = Scripted::new(&[Step::Ok]);
    source.memory_percent = 95.0;
    source.process_fails_from = Some(1);
    let mut collector = ProcessCollector::with_clock(source, clock.clone());
    assert_eq!(collector.tick().health, Some(ProcessHealthStatus::Critical));

    // From now on the process cannot be read, while the other sub-collections succeed: the
    // last reading holds for 300 s, then it is dropped as stale instead of being reported as
    // current for ever.
    clock.advance(Duration::from_secs(200));
    let report = collector.tick();
    assert!(report.is_success(), "four of five succeeded");
    assert_eq!(report.health, None);
    let status = collector.state().status();
    assert_eq!(status.process_health, Some(ProcessHealthStatus::Critical));
    assert!(!status.process_health_stale);

    clock.advance(Duration::from_secs(101));
    collector.tick();
    let status = collector.state().status();
    assert!(!status.stale, "the collection as a whole succeeds");
    assert!(
        status.process_health_stale,
        "301 s since the process was read"
    );
    assert_eq!(status.process_health, None);
    assert_eq!(status.attribution, None);
}

fn proc_status_threads() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("a Threads line")
}

#[tokio::test]
async fn the_sysinfo_source_reads_this_process() {
    let _serial = crate::serial();
    // Park a known number of extra threads so that the count is clearly not the CPU count.
    let barrier = Arc::new(std::sync::Barrier::new(12));
    let parked: Vec<_> = (0..11)
        .map(|_| {
            let b = barrier.clone();
            std::thread::spawn(move || {
                b.wait();
            })
        })
        .collect();

    let mut source = SysinfoSource::new();
    let mut matched = false;
    for _ in 0..5 {
        let before = proc_status_threads();
        let p = source.process().expect("this process");
        let after = proc_status_threads();
        assert!(p.threads > 11, "{} threads", p.threads);
        if before == after {
            assert_eq!(p.threads, before, "the real thread count");
            matched = true;
            break;
        }
    }
    assert!(matched, "the thread count kept changing");
    barrier.wait();
    for t in parked {
        t.join().expect("join");
    }

    let p = source.process().expect("this process");
    assert_eq!(p.pid, std::process::id());
    assert!(p.resident_memory_bytes > 1 << 20, "bytes, not KiB");
    assert!(p.virtual_memory_bytes >= p.resident_memory_bytes);
    assert!(p.start_time_seconds > 1_600_000_000);
    assert!(p.cpu_count >= 1);

    let fds = source.file_descriptors().expect("descriptors");
    let files: Vec<_> = (0..3)
        .map(|_| std::fs::File::open("/proc/self/status").expect("open"))
        .collect();
    let more = source.file_descriptors().expect("descriptors");
    assert!(more.open >= fds.open + 3, "{} -> {}", fds.open, more.open);
    assert!(more.max.unwrap_or(0) >= more.open);
    drop(files);

    source.disk_io().expect("/proc/self/io");
    let memory = source.system_memory().expect("/proc/meminfo");
    assert!(memory.total_bytes > p.resident_memory_bytes);
    assert!(memory.used_bytes <= memory.total_bytes);
    source.network_io().expect("/sys/class/net");

    let mut collector = ProcessCollector::new(source);
    let report = collector.tick();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.health.is_some());
    assert!(sample("process_resident_memory_bytes") > f64::from(1u32 << 20));
    assert!(sample("process_open_fds") >= 3.0);
}
