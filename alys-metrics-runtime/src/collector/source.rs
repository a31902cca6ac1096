//! Where the collector's figures come from: the [`ResourceSource`] trait and its production
//! implementation over sysinfo, [`SysinfoSource`].

use sysinfo::{MemoryRefreshKind, Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use super::network::NetworkCounters;

/// One independent part of a collection tick. Each is attempted every tick; one failing does not
/// stop the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubCollection {
    /// CPU, memory, threads and times of this process ([`ResourceSource::process`]).
    Process,
    /// Disk bytes read and written by this process ([`ResourceSource::disk_io`]).
    DiskIo,
    /// Bytes received and transmitted by the host's interfaces ([`ResourceSource::network_io`]).
    NetworkIo,
    /// Open descriptors of this process and their limit ([`ResourceSource::file_descriptors`]).
    FileDescriptors,
    /// Memory of the host ([`ResourceSource::system_memory`]).
    SystemMemory,
}

impl SubCollection {
    /// Every sub-collection, in the order a tick runs them.
    pub const ALL: [SubCollection; 5] = [
        SubCollection::Process,
        SubCollection::DiskIo,
        SubCollection::NetworkIo,
        SubCollection::FileDescriptors,
        SubCollection::SystemMemory,
    ];

    /// A short lower-case name for logs (`process`, `disk_io`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SubCollection::Process => "process",
            SubCollection::DiskIo => "disk_io",
            SubCollection::NetworkIo => "network_io",
            SubCollection::FileDescriptors => "file_descriptors",
            SubCollection::SystemMemory => "system_memory",
        }
    }
}

impl std::fmt::Display for SubCollection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sub-collection that could not read its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    message: String,
}

impl SourceError {
    /// An error with a message that says what could not be read and, where possible, why.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SourceError {}

/// This process's CPU, memory, threads and times.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProcessSample {
    /// The process id.
    pub pid: u32,
    /// CPU use since the previous sample, in percent of one core (up to 100 × cores).
    pub cpu_percent: f64,
    /// User and system CPU time since the process started, in seconds.
    pub cpu_seconds_total: f64,
    /// Resident memory, in bytes.
    pub resident_memory_bytes: u64,
    /// Virtual memory, in bytes.
    pub virtual_memory_bytes: u64,
    /// The process's real thread count.
    pub threads: u64,
    /// When the process started, in seconds since the Unix epoch.
    pub start_time_seconds: u64,
    /// How long the process has run, in seconds.
    pub run_time_seconds: u64,
    /// CPUs this process may run on (for [`relative_cpu_usage`](super::ProcessResourceAttribution::relative_cpu_usage)).
    pub cpu_count: usize,
}

/// Disk bytes of this process, cumulative since it started (the collector turns them into
/// counter increments).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskIoTotals {
    /// Bytes read from storage.
    pub read_bytes: u64,
    /// Bytes written to storage.
    pub written_bytes: u64,
}

/// Bytes moved by the host's network interfaces since the previous call (already a delta).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetworkIoDelta {
    /// Bytes received.
    pub received_bytes: u64,
    /// Bytes transmitted.
    pub transmitted_bytes: u64,
}

/// Open file descriptors of this process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileDescriptorSample {
    /// Descriptors open now.
    pub open: u64,
    /// The soft limit, when it could be read.
    pub max: Option<u64>,
}

/// Memory of the host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemMemorySample {
    /// Total memory, in bytes.
    pub total_bytes: u64,
    /// Memory in use, in bytes.
    pub used_bytes: u64,
}

/// The figures a collection tick reads, one method per [`SubCollection`].
///
/// [`SysinfoSource`] is the production implementation; implement this trait to feed a
/// [`ProcessCollector`](super::ProcessCollector) made-up or failing figures in tests. Each
/// tick calls the methods once each, in the order they are declared here, from a
/// blocking-pool thread.
pub trait ResourceSource: Send + 'static {
    /// Refreshes and returns this process's figures.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when they cannot be read.
    fn process(&mut self) -> Result<ProcessSample, SourceError>;

    /// This process's disk totals (may reuse what [`process`](Self::process) refreshed).
    ///
    /// # Errors
    ///
    /// [`SourceError`] when they cannot be read.
    fn disk_io(&mut self) -> Result<DiskIoTotals, SourceError>;

    /// Bytes moved by the host's interfaces since the previous call.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when they cannot be read.
    fn network_io(&mut self) -> Result<NetworkIoDelta, SourceError>;

    /// This process's open descriptors.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when they cannot be read.
    fn file_descriptors(&mut self) -> Result<FileDescriptorSample, SourceError>;

    /// The host's memory.
    ///
    /// # Errors
    ///
    /// [`SourceError`] when it cannot be read.
    fn system_memory(&mut self) -> Result<SystemMemorySample, SourceError>;

    /// Free and total space of the filesystem holding `dir` (the migration's data
    /// directory); by default read with `statvfs` ([`filesystem_space`](super::filesystem_space)).
    ///
    /// # Errors
    ///
    /// [`SourceError`] when it cannot be read.
    fn disk_space(&mut self, dir: &std::path::Path) -> Result<super::DiskSpace, SourceError> {
        super::filesystem_space(dir)
    }
}

impl<S: ResourceSource + ?Sized> ResourceSource for Box<S> {
    fn process(&mut self) -> Result<ProcessSample, SourceError> {
        (**self).process()
    }
    fn disk_io(&mut self) -> Result<DiskIoTotals, SourceError> {
        (**self).disk_io()
    }
    fn network_io(&mut self) -> Result<NetworkIoDelta, SourceError> {
        (**self).network_io()
    }
    fn file_descriptors(&mut self) -> Result<FileDescriptorSample, SourceError> {
        (**self).file_descriptors()
    }
    fn system_memory(&mut self) -> Result<SystemMemorySample, SourceError> {
        (**self).system_memory()
    }
    fn disk_space(&mut self, dir: &std::path::Path) -> Result<super::DiskSpace, SourceError> {
        (**self).disk_space(dir)
    }
}

/// The figures of this process and host, read with sysinfo (and `/proc/net/dev` on Linux).
///
/// It keeps one [`System`] for its whole life and refreshes only this process
/// (`/proc/self/...` on Linux) and the host's memory: never the whole process table
/// (`refresh_all`), never a new `System` per tick. The descriptor limit is re-read once every
/// [`LIMIT_REFRESH_TICKS`] reads, as it seldom changes.
///
/// Network figures are the host's, summed over every interface except the loopback one
/// (`lo`), as deltas since the previous read; the [`collector`](super) docs say where they
/// come from.
pub struct SysinfoSource {
    system: System,
    networks: NetworkCounters,
    pid: Pid,
    cpu_count: usize,
    refresh: ProcessRefreshKind,
    fd_limit: Option<u64>,
    fd_reads: u64,
}

/// Reads of the open descriptors that reuse one read of the descriptor limit.
pub const LIMIT_REFRESH_TICKS: u64 = 12;

impl SysinfoSource {
    /// A source for the current process. Reads everything once, so that the first tick's CPU
    /// percentage and network delta cover the time since this call.
    pub fn new() -> Self {
        let pid = Pid::from_u32(std::process::id());
        let refresh = ProcessRefreshKind::nothing()
            .with_cpu()
            .with_memory()
            .with_disk_usage()
            .with_tasks();
        let mut system = System::new();
        system.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), false, refresh);
        let cpu_count = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            system,
            networks: NetworkCounters::new(),
            pid,
            cpu_count,
            refresh,
            fd_limit: None,
            fd_reads: 0,
        }
    }

    fn current(&self) -> Result<&sysinfo::Process, SourceError> {
        self.system.process(self.pid).ok_or_else(|| {
            SourceError::new(format!(
                "process {} was not found by the last refresh (is /proc mounted?)",
                self.pid
            ))
        })
    }
}

impl Default for SysinfoSource {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SysinfoSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SysinfoSource")
            .field("pid", &self.pid)
            .field("cpu_count", &self.cpu_count)
            .finish_non_exhaustive()
    }
}

impl ResourceSource for SysinfoSource {
    fn process(&mut self) -> Result<ProcessSample, SourceError> {
        let updated = self.system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[self.pid]),
            false,
            self.refresh,
        );
        if updated == 0 {
            return Err(SourceError::new(format!(
                "could not read /proc/{}/stat for this process",
                self.pid
            )));
        }
        let p = self.current()?;
        // sysinfo lists the other threads as tasks; the main thread is not among them.
        let threads = p.tasks().map_or(1, |t| t.len() as u64 + 1);
        Ok(ProcessSample {
            pid: self.pid.as_u32(),
            cpu_percent: f64::from(p.cpu_usage()),
            cpu_seconds_total: p.accumulated_cpu_time() as f64 / 1000.0,
            resident_memory_bytes: p.memory(),
            virtual_memory_bytes: p.virtual_memory(),
            threads,
            start_time_seconds: p.start_time(),
            run_time_seconds: p.run_time(),
            cpu_count: self.cpu_count,
        })
    }

    fn disk_io(&mut self) -> Result<DiskIoTotals, SourceError> {
        let usage = self.current()?.disk_usage();
        Ok(DiskIoTotals {
            read_bytes: usage.total_read_bytes,
            written_bytes: usage.total_written_bytes,
        })
    }

    fn network_io(&mut self) -> Result<NetworkIoDelta, SourceError> {
        self.networks.delta()
    }

    fn file_descriptors(&mut self) -> Result<FileDescriptorSample, SourceError> {
        let p = self.current()?;
        let open = p.open_files().ok_or_else(|| {
            SourceError::new(format!(
                "could not list /proc/{}/fd (is /proc mounted and readable?)",
                self.pid
            ))
        })?;
        if self.fd_reads.is_multiple_of(LIMIT_REFRESH_TICKS) || self.fd_limit.is_none() {
            self.fd_limit = p.open_files_limit().map(|m| m as u64);
        }
        self.fd_reads = self.fd_reads.wrapping_add(1);
        Ok(FileDescriptorSample {
            open: open as u64,
            max: self.fd_limit,
        })
    }

    fn system_memory(&mut self) -> Result<SystemMemorySample, SourceError> {
        self.system
            .refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        let total = self.system.total_memory();
        if total == 0 {
            return Err(SourceError::new(
                "could not read the host's memory from /proc/meminfo",
            ));
        }
        Ok(SystemMemorySample {
            total_bytes: total,
            used_bytes: self.system.used_memory(),
        })
    }
}
