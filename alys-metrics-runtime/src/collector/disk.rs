//! Free and total space of the filesystem that holds a directory (`statvfs`), for the
//! migration's data directory (`alys_migration_disk_free_bytes`,
//! `alys_migration_disk_total_bytes`).

use std::path::Path;

use super::SourceError;

/// Space of the filesystem holding a directory, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskSpace {
    /// Space available to unprivileged users (`f_bavail × f_frsize`): what the migration,
    /// which does not run as root, can still write.
    pub free_bytes: u64,
    /// Size of the filesystem (`f_blocks × f_frsize`).
    pub total_bytes: u64,
}

/// Reads the space of the filesystem that holds `dir` with `statvfs`.
///
/// # Errors
///
/// [`SourceError`] when `dir` cannot be examined (it does not exist, no permission), or on
/// systems without `statvfs`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::collector::filesystem_space;
///
/// let space = filesystem_space(&std::env::temp_dir()).unwrap();
/// assert!(space.total_bytes > 0 && space.free_bytes <= space.total_bytes);
/// assert!(filesystem_space("/no/such/directory".as_ref()).is_err());
/// ```
#[cfg(unix)]
pub fn filesystem_space(dir: &Path) -> Result<DiskSpace, SourceError> {
    let st = rustix::fs::statvfs(dir)
        .map_err(|e| SourceError::new(format!("statvfs of {} failed: {e}", dir.display())))?;
    Ok(DiskSpace {
        free_bytes: st.f_bavail.saturating_mul(st.f_frsize),
        total_bytes: st.f_blocks.saturating_mul(st.f_frsize),
    })
}

/// Reads the space of the filesystem that holds `dir`: not available on this system.
///
/// # Errors
///
/// Always: only Unix systems have `statvfs`.
#[cfg(not(unix))]
pub fn filesystem_space(dir: &Path) -> Result<DiskSpace, SourceError> {
    Err(SourceError::new(format!(
        "no statvfs on this system to read the space of {}",
        dir.display()
    )))
}
