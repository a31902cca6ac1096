//! The same registry built in each library: from a [`RegistrySpec`](crate::spec::RegistrySpec)
//! to something that scrapes.

pub mod measured_peer;
pub mod metrics_rs;
pub mod ours;
pub mod prom;
pub mod prom_client;
