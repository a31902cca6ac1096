//! The handler being run on this thread: set by the code `#[instrument_actor]` generates for
//! the duration of a handler's call and of each poll of its reply, so that
//!
//! - instrumented code called from an instrumented handler of the same message is not counted
//!   again (once per message),
//! - code run by a handler can ask which actor it runs in ([`current_actor`]), e.g. to label
//!   the messages it sends with their sender, and
//! - the handler's CPU time and heap allocations are attributed to its actor type (the same
//!   entry opens the handler's [actor scope](crate::actor_system::enter)).
//!
//! The handler and the actor type live in one thread-local (`actor_system::current`), so an
//! entry reads and writes both with one access.

use super::HandlerSite;
use crate::actor_system::current::{current_site, enter_site, enter_site_timed};

pub use crate::actor_system::current::SiteScope as Scope;

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
    current_site()
}

/// Makes `site` the current handler, and its actor type the thread's actor scope, until the
/// scope is dropped; then the previous ones are restored.
#[inline]
pub fn enter(site: &'static HandlerSite) -> Option<Scope> {
    enter_site(site, false)
}

/// As [`enter`], unless a handler of the same message as `site` runs on this thread (then
/// `None`: the message is already measured); also returns the one clock reading
/// (`clock::ticks`) the entry made, where the caller's message starts.
#[inline]
pub fn enter_timed(site: &'static HandlerSite) -> Option<(Scope, u64)> {
    enter_site_timed(site, true)
}
