//! A thread's CPU time, read from `/proc/self/task/<tid>/schedstat` (or `stat` when the kernel
//! keeps no scheduler statistics) through a file kept open per thread. The thread registry
//! (`current.rs`) reads it when a thread registers; the CPU pass (`cpu.rs`) on every tick.

use std::fs::File;
use std::sync::atomic::{AtomicU8, Ordering};

/// Which file gives a thread's CPU time on this system.
const SOURCE_UNKNOWN: u8 = 0;
const SOURCE_SCHEDSTAT: u8 = 1;
const SOURCE_STAT: u8 = 2;
static SOURCE: AtomicU8 = AtomicU8::new(SOURCE_UNKNOWN);

/// Nanoseconds per clock tick of `utime`/`stime` (`USER_HZ` = 100).
const NANOS_PER_TICK: u64 = 10_000_000;

/// The CPU time (user and system) of thread `tid` of this process, in nanoseconds, or `None`
/// when it cannot be read (the thread is gone; not Linux).
pub(crate) fn read_thread_cpu_nanos(tid: u32) -> Option<u64> {
    CpuReader::default().read(tid)
}

/// Reads one thread's CPU time again and again through one open file: `pread` at offset 0
/// regenerates a `/proc` file's contents, so a pass costs one system call per thread
/// instead of an `open` (with its path walk), a `read` and a `close` (about 0.5 µs against
/// 9 µs). The price is one open descriptor per registered thread, closed when the thread
/// has exited.
#[derive(Debug, Default)]
pub(crate) struct CpuReader {
    file: Option<(u8, File)>,
}

enum Parsed {
    Nanos(u64),
    /// `schedstat` of a kernel without scheduler statistics.
    Disabled,
}

impl CpuReader {
    /// The thread's CPU time now, in nanoseconds.
    pub(crate) fn read(&mut self, tid: u32) -> Option<u64> {
        let mut buf = [0u8; 512];
        // Twice at most: once more with `stat` when `schedstat` turns out to be empty.
        for _ in 0..2 {
            let source = match SOURCE.load(Ordering::Relaxed) {
                SOURCE_STAT => SOURCE_STAT,
                _ => SOURCE_SCHEDSTAT,
            };
            let file = match &self.file {
                Some((s, f)) if *s == source => f,
                _ => {
                    let name = if source == SOURCE_STAT {
                        "stat"
                    } else {
                        "schedstat"
                    };
                    &self.file.insert((source, open_task_file(tid, name)?)).1
                }
            };
            let parsed = read_from_start(file, &mut buf).and_then(|text| parse(source, text));
            match parsed {
                Some(Parsed::Nanos(n)) => {
                    SOURCE.store(source, Ordering::Relaxed);
                    return Some(n);
                }
                Some(Parsed::Disabled) => SOURCE.store(SOURCE_STAT, Ordering::Relaxed),
                None => {
                    // The thread is gone (or the file unreadable): let it go.
                    self.file = None;
                    return None;
                }
            }
        }
        None
    }
}

fn parse(source: u8, text: &str) -> Option<Parsed> {
    if source == SOURCE_STAT {
        return parse_stat_ticks(text).map(|t| Parsed::Nanos(t.saturating_mul(NANOS_PER_TICK)));
    }
    let mut fields = text.split_ascii_whitespace().map(str::parse::<u64>);
    let runtime = fields.next()?.ok()?;
    let wait = fields.next().and_then(Result::ok).unwrap_or(0);
    let slices = fields.next().and_then(Result::ok).unwrap_or(0);
    Some(if (runtime, wait, slices) == (0, 0, 0) {
        Parsed::Disabled
    } else {
        Parsed::Nanos(runtime)
    })
}

/// `utime + stime` of a `/proc/.../stat` line, in clock ticks.
pub(crate) fn parse_stat_ticks(text: &str) -> Option<u64> {
    // The command name is in parentheses and may hold spaces and parentheses itself; the
    // fields after the last `)` start with the state (field 3): utime is field 14, stime 15.
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime.saturating_add(stime))
}

/// Opens `/proc/self/task/<tid>/<name>` without allocating.
fn open_task_file(tid: u32, name: &str) -> Option<File> {
    let mut path = [0u8; 64];
    let mut len = 0;
    for part in [
        "/proc/self/task/".as_bytes(),
        itoa::Buffer::new().format(tid).as_bytes(),
        b"/",
        name.as_bytes(),
    ] {
        path.get_mut(len..len + part.len())?.copy_from_slice(part);
        len += part.len();
    }
    File::open(std::str::from_utf8(&path[..len]).ok()?).ok()
}

/// The whole file, read from offset 0 (which makes `/proc` generate it afresh); `None` when
/// it reads nothing (the thread has exited), fails, or is longer than `buf`.
fn read_from_start<'b>(file: &File, buf: &'b mut [u8]) -> Option<&'b str> {
    // One read: `/proc` generates these short files whole, and a read at another offset makes
    // it generate them again. A file that fills the buffer is not one of them.
    let filled = loop {
        match read_at(file, buf, 0) {
            Ok(n) if n > 0 && n < buf.len() => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            _ => return None,
        }
    };
    std::str::from_utf8(&buf[..filled]).ok()
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

/// No `/proc` here: every read fails, and nothing is attributed.
#[cfg(not(unix))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> std::io::Result<usize> {
    Err(std::io::ErrorKind::Unsupported.into())
}
