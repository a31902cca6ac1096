//! What a [`ResourceSource`](super::ResourceSource) returns: the figures of each
//! sub-collection, and the error of one that failed. Shared by the source and the network
//! reader, which return them.

/// One independent part of a collection tick. Each is attempted every tick; one failing does not
/// stop the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubCollection {
    /// CPU, memory, threads and times of this process ([`ResourceSource::process`](super::ResourceSource::process)).
    Process,
    /// Disk bytes read and written by this process ([`ResourceSource::disk_io`](super::ResourceSource::disk_io)).
    DiskIo,
    /// Bytes received and transmitted by the host's interfaces ([`ResourceSource::network_io`](super::ResourceSource::network_io)).
    NetworkIo,
    /// Open descriptors of this process and their limit ([`ResourceSource::file_descriptors`](super::ResourceSource::file_descriptors)).
    FileDescriptors,
    /// Memory of the host ([`ResourceSource::system_memory`](super::ResourceSource::system_memory)).
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
