//! The node's own resources and the collector's health, and the
//! standard `process_*` family.

use super::prelude::*;

/// Resident memory of the node process, in bytes.
#[alys_metric(gauge)]
pub static MEMORY_USAGE_BYTES: IntGauge;

/// CPU usage of the node process, in percent of one core.
#[alys_metric(gauge)]
pub static CPU_USAGE_PERCENT: Gauge;

/// Disk I/O of the node process, in bytes, by operation.
#[alys_metric(counter, labels(operation), unit = "bytes")]
pub static DISK_IO: Counter;

/// Network I/O of the host's interfaces other than loopback, in bytes, by direction.
#[alys_metric(counter, labels(direction), unit = "bytes")]
pub static NETWORK_IO: Counter;

/// Threads of the node process (its real thread count).
#[alys_metric(gauge)]
pub static THREAD_COUNT: IntGauge;

/// Open file descriptors of the node process.
#[alys_metric(gauge)]
pub static FILE_DESCRIPTORS: IntGauge;

/// Start time of the node process, in seconds since the Unix epoch.
#[alys_metric(gauge)]
pub static PROCESS_START_TIME_SECONDS: IntGauge;

/// Time since the node process started, in seconds.
#[alys_metric(gauge)]
pub static UPTIME_SECONDS: IntGauge;

/// Memory of the host, in bytes.
#[alys_metric(gauge, unit = "bytes")]
pub static SYSTEM_MEMORY_TOTAL: IntGauge;

/// Memory in use on the host, in bytes.
#[alys_metric(gauge, unit = "bytes")]
pub static SYSTEM_MEMORY_USED: IntGauge;

/// Health of the node process from its resource use: 0=healthy, 1=warning, 2=critical.
#[alys_metric(gauge)]
pub static PROCESS_HEALTH_STATUS: IntGauge;

/// Resource collection ticks in which every sub-collection failed.
#[alys_metric(counter)]
pub static COLLECTOR_FAILURES: Counter;

/// Resource collection ticks that failed in a row, up to now.
#[alys_metric(gauge)]
pub static COLLECTOR_CONSECUTIVE_FAILURES: IntGauge;

/// Seconds since a resource collection last succeeded.
#[alys_metric(gauge, name = "alys_collector_seconds_since_success")]
pub static COLLECTOR_SECONDS_SINCE_SUCCESS: Gauge;

/// Duration of the last resource collection tick, in seconds.
#[alys_metric(gauge, name = "alys_collector_last_duration_seconds")]
pub static COLLECTOR_LAST_DURATION: Gauge;

/// Total user and system CPU time spent, in seconds.
#[alys_metric(counter, name = "process_cpu_seconds_total")]
pub static PROCESS_CPU_SECONDS: FloatCounter;

/// Resident memory size, in bytes.
#[alys_metric(gauge, name = "process_resident_memory_bytes")]
pub static PROCESS_RESIDENT_MEMORY: IntGauge;

/// Virtual memory size, in bytes.
#[alys_metric(gauge, name = "process_virtual_memory_bytes")]
pub static PROCESS_VIRTUAL_MEMORY: IntGauge;

/// Open file descriptors.
#[alys_metric(gauge, name = "process_open_fds")]
pub static PROCESS_OPEN_FDS: IntGauge;

/// Limit of open file descriptors.
#[alys_metric(gauge, name = "process_max_fds")]
pub static PROCESS_MAX_FDS: IntGauge;

/// Start time of the process, in seconds since the Unix epoch.
#[alys_metric(gauge, name = "process_start_time_seconds")]
pub static PROCESS_START_TIME: Gauge;

/// Threads of the process.
#[alys_metric(gauge, name = "process_threads")]
pub static PROCESS_THREADS: IntGauge;
