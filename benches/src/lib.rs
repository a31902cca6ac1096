//! Shared helpers of the side-by-side benchmarks: one registry described as data
//! ([`spec`]), built in alys-metrics and in each peer library ([`peers`]), and an exposition
//! reader ([`exposition`]) that turns any library's output into the samples Prometheus would
//! store, to check that they all export the same thing.
//!
//! The benchmarks themselves are in `benches/`; `BENCHMARKS.md` at the workspace root has
//! the figures and the command that reproduces them.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod exposition;
pub mod peers;
pub mod spec;
