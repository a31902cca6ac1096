//! Process resource attribution and health.

use std::time::SystemTime;

use super::source::{ProcessSample, SystemMemorySample};

/// Memory use, in percent of the host's memory, from which the process is in [`ResourceStatus::Warning`].
pub const MEMORY_WARNING_PERCENT: f64 = 80.0;
/// Memory use, in percent of the host's memory, from which the process is in [`ResourceStatus::Critical`].
pub const MEMORY_CRITICAL_PERCENT: f64 = 90.0;
/// CPU use, in percent of all the host's CPUs, from which the process is in [`ResourceStatus::Warning`].
pub const CPU_WARNING_PERCENT: f64 = 70.0;
/// CPU use, in percent of all the host's CPUs, from which the process is in [`ResourceStatus::Critical`].
pub const CPU_CRITICAL_PERCENT: f64 = 90.0;

/// The state of one resource against its thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceStatus {
    /// Below the warning threshold.
    Healthy,
    /// At or above the warning threshold, below the critical one.
    Warning,
    /// At or above the critical threshold.
    Critical,
}

impl ResourceStatus {
    fn of(value: f64, warning: f64, critical: f64) -> Self {
        if value >= critical {
            ResourceStatus::Critical
        } else if value >= warning {
            ResourceStatus::Warning
        } else {
            ResourceStatus::Healthy
        }
    }
}

/// The health of the process from its resource use: the worse of its memory and CPU status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProcessHealthStatus {
    /// Memory and CPU are below their warning thresholds.
    Healthy,
    /// Memory or CPU is at or above its warning threshold; `/health` reports `degraded`.
    Warning,
    /// Memory or CPU is at or above its critical threshold; `/health` reports `unhealthy`.
    Critical,
}

impl ProcessHealthStatus {
    /// `healthy`, `warning` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessHealthStatus::Healthy => "healthy",
            ProcessHealthStatus::Warning => "warning",
            ProcessHealthStatus::Critical => "critical",
        }
    }

    /// True for [`Warning`](Self::Warning) and [`Critical`](Self::Critical).
    pub fn requires_attention(self) -> bool {
        self != ProcessHealthStatus::Healthy
    }

    /// The value exported as `alys_process_health_status`: 0, 1 or 2.
    pub fn gauge_value(self) -> i64 {
        self as i64
    }
}

impl std::fmt::Display for ProcessHealthStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What this process uses of the host, from one collection tick.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::collector::{ProcessHealthStatus, ProcessResourceAttribution};
///
/// let a = ProcessResourceAttribution {
///     memory_bytes: 850,
///     system_memory_total: 1000,
///     memory_percentage: 85.0,
///     ..ProcessResourceAttribution::default()
/// };
/// assert!(!a.is_healthy());
/// assert_eq!(a.monitor_process_health(), ProcessHealthStatus::Warning);
/// assert!(a.monitor_process_health().requires_attention());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProcessResourceAttribution {
    /// The process id.
    pub pid: u32,
    /// Resident memory, in bytes.
    pub memory_bytes: u64,
    /// Virtual memory, in bytes.
    pub virtual_memory_bytes: u64,
    /// Resident memory in percent of the host's memory.
    pub memory_percentage: f64,
    /// CPU use in percent of one core (up to 100 × cores).
    pub cpu_percent: f64,
    /// CPU use in percent of all the host's CPUs (0 to 100): what the CPU thresholds apply
    /// to, so that a node keeping one core of eight busy is not called critical.
    pub relative_cpu_usage: f64,
    /// The host's memory, in bytes.
    pub system_memory_total: u64,
    /// The host's memory in use, in bytes.
    pub system_memory_used: u64,
    /// CPUs the process may run on.
    pub system_cpu_count: usize,
    /// When the figures were read.
    pub timestamp: SystemTime,
}

impl Default for ProcessResourceAttribution {
    fn default() -> Self {
        Self {
            pid: 0,
            memory_bytes: 0,
            virtual_memory_bytes: 0,
            memory_percentage: 0.0,
            cpu_percent: 0.0,
            relative_cpu_usage: 0.0,
            system_memory_total: 0,
            system_memory_used: 0,
            system_cpu_count: 1,
            timestamp: SystemTime::UNIX_EPOCH,
        }
    }
}

impl ProcessResourceAttribution {
    /// Combines a process sample and the host's memory.
    pub fn new(process: &ProcessSample, memory: &SystemMemorySample, at: SystemTime) -> Self {
        let cpus = process.cpu_count.max(1);
        let memory_percentage = if memory.total_bytes == 0 {
            0.0
        } else {
            process.resident_memory_bytes as f64 / memory.total_bytes as f64 * 100.0
        };
        Self {
            pid: process.pid,
            memory_bytes: process.resident_memory_bytes,
            virtual_memory_bytes: process.virtual_memory_bytes,
            memory_percentage,
            cpu_percent: process.cpu_percent,
            relative_cpu_usage: process.cpu_percent / cpus as f64,
            system_memory_total: memory.total_bytes,
            system_memory_used: memory.used_bytes,
            system_cpu_count: cpus,
            timestamp: at,
        }
    }

    /// True when memory is below 80 % of the host's and CPU below 70 % of its CPUs.
    pub fn is_healthy(&self) -> bool {
        self.monitor_process_health() == ProcessHealthStatus::Healthy
    }

    /// How little of the host the process uses, from 0.0 (all of it) to 1.0 (nothing): the
    /// mean of the memory and CPU shares left free.
    pub fn efficiency_score(&self) -> f64 {
        let memory = 1.0 - (self.memory_percentage / 100.0).clamp(0.0, 1.0);
        let cpu = 1.0 - (self.relative_cpu_usage / 100.0).clamp(0.0, 1.0);
        (memory + cpu) / 2.0
    }

    /// Memory against 80 % (warning) and 90 % (critical) of the host's memory.
    pub fn memory_status(&self) -> ResourceStatus {
        ResourceStatus::of(
            self.memory_percentage,
            MEMORY_WARNING_PERCENT,
            MEMORY_CRITICAL_PERCENT,
        )
    }

    /// CPU against 70 % (warning) and 90 % (critical) of the host's CPUs.
    pub fn cpu_status(&self) -> ResourceStatus {
        ResourceStatus::of(
            self.relative_cpu_usage,
            CPU_WARNING_PERCENT,
            CPU_CRITICAL_PERCENT,
        )
    }

    /// The process's health: the worse of [`memory_status`](Self::memory_status) and
    /// [`cpu_status`](Self::cpu_status).
    pub fn monitor_process_health(&self) -> ProcessHealthStatus {
        match self.memory_status().max(self.cpu_status()) {
            ResourceStatus::Healthy => ProcessHealthStatus::Healthy,
            ResourceStatus::Warning => ProcessHealthStatus::Warning,
            ResourceStatus::Critical => ProcessHealthStatus::Critical,
        }
    }

    /// Emits the trend data point: a structured `tracing` event at DEBUG level, target
    /// `alys_metrics::trend`, `event = "process_trend_data"`, for external trend analysis.
    pub fn record_trend(&self, health: ProcessHealthStatus, uptime_seconds: u64) {
        let timestamp = self
            .timestamp
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        tracing::debug!(
            target: "alys_metrics::trend",
            event = "process_trend_data",
            pid = self.pid,
            timestamp,
            memory_bytes = self.memory_bytes,
            virtual_memory_bytes = self.virtual_memory_bytes,
            memory_percentage = self.memory_percentage,
            cpu_percent = self.cpu_percent,
            relative_cpu_usage = self.relative_cpu_usage,
            efficiency_score = self.efficiency_score(),
            health_status = health.as_str(),
            uptime_secs = uptime_seconds,
            "process trend data point"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(memory_percentage: f64, relative_cpu_usage: f64) -> ProcessResourceAttribution {
        ProcessResourceAttribution {
            memory_percentage,
            relative_cpu_usage,
            ..ProcessResourceAttribution::default()
        }
    }

    #[test]
    fn thresholds_follow_the_seed() {
        use ProcessHealthStatus::*;
        assert_eq!(with(79.9, 69.9).monitor_process_health(), Healthy);
        assert_eq!(with(80.0, 0.0).monitor_process_health(), Warning);
        assert_eq!(with(0.0, 70.0).monitor_process_health(), Warning);
        assert_eq!(with(90.0, 0.0).monitor_process_health(), Critical);
        assert_eq!(with(0.0, 90.0).monitor_process_health(), Critical);
        assert_eq!(with(85.0, 95.0).monitor_process_health(), Critical);
        assert!(with(10.0, 10.0).is_healthy());
        assert!(!with(80.0, 10.0).is_healthy());
        assert!(!Healthy.requires_attention());
        assert!(Warning.requires_attention() && Critical.requires_attention());
        assert_eq!(Critical.gauge_value(), 2);
    }

    #[test]
    fn attribution_is_relative_to_the_host() {
        let p = ProcessSample {
            pid: 7,
            cpu_percent: 150.0,
            resident_memory_bytes: 250,
            cpu_count: 4,
            ..ProcessSample::default()
        };
        let m = SystemMemorySample {
            total_bytes: 1000,
            used_bytes: 600,
        };
        let a = ProcessResourceAttribution::new(&p, &m, SystemTime::UNIX_EPOCH);
        assert_eq!(a.memory_percentage, 25.0);
        assert_eq!(a.relative_cpu_usage, 37.5);
        assert_eq!(a.efficiency_score(), (0.75 + 0.625) / 2.0);
        assert_eq!(a.monitor_process_health(), ProcessHealthStatus::Healthy);
        assert_eq!(with(200.0, -5.0).efficiency_score(), 0.5);
    }
}
