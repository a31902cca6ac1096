//! The handler being run on this thread: set by the code `#[instrument_actor]` generates for
//! the duration of a handler's call and of each poll of its reply, so that
//!
//! - instrumented code called from an instrumented handler of the same message is not counted
//!   again (once per message), and
//! - code run by a handler can ask which actor it runs in ([`current_actor`]), e.g. to label
//!   the messages it sends with their sender.

use std::cell::Cell;

use super::HandlerSite;

thread_local! {
    static CURRENT: Cell<Option<&'static HandlerSite>> = const { Cell::new(None) };
}

/// The instrumented handler running on this thread, if any: its actor and message names and
/// labels.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::current_actor;
/// assert!(current_actor().is_none()); // not inside an instrumented handler
/// ```
#[inline]
pub fn current_actor() -> Option<&'static HandlerSite> {
    CURRENT.with(Cell::get)
}

/// Makes `site` the current handler until the scope is dropped, then restores the previous one.
#[derive(Debug)]
#[must_use = "the scope ends when it is dropped"]
pub struct Scope {
    previous: Option<&'static HandlerSite>,
}

impl Scope {
    /// Enters `site`.
    #[inline]
    pub fn enter(site: &'static HandlerSite) -> Self {
        Self {
            previous: CURRENT.with(|c| c.replace(Some(site))),
        }
    }
}

impl Drop for Scope {
    #[inline]
    fn drop(&mut self) {
        let previous = self.previous;
        CURRENT.with(|c| c.set(previous));
    }
}

/// True when `cur`, the handler running, handles the same message as `site`: `site` is then
/// part of that message's handling, already measured.
#[inline]
fn same_message(cur: Option<&'static HandlerSite>, site: &'static HandlerSite) -> bool {
    match cur {
        None => false,
        Some(cur) => std::ptr::eq(cur, site) || cur.message == site.message,
    }
}

/// True when a handler of the same message as `site` is running on this thread.
#[inline]
pub fn nested(site: &'static HandlerSite) -> bool {
    same_message(current_actor(), site)
}

/// Enters `site` unless a handler of the same message runs on this thread (then `None`): one
/// thread-local access for the check and the entry.
#[inline]
pub fn enter_unless_nested(site: &'static HandlerSite) -> Option<Scope> {
    CURRENT.with(|c| {
        let cur = c.get();
        if same_message(cur, site) {
            None
        } else {
            c.set(Some(site));
            Some(Scope { previous: cur })
        }
    })
}
