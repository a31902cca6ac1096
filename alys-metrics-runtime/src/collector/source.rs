//! Where the collector's figures come from: the [`ResourceSource`] trait and its production
//! implementation over sysinfo, [`SysinfoSource`].

use sysinfo::{MemoryRefreshKind, Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use super::network::NetworkCounters;

pub use super::sample::{
    DiskIoTotals, FileDescriptorSample, NetworkIoDelta, ProcessSample, SourceError, SubCollection,
    SystemMemorySample,
};

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
