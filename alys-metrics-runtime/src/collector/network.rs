//! The host's network byte counters, as deltas since the previous read.
//!
//! On Linux they come from `/proc/net/dev`: one read gives every interface's cumulative
//! received and transmitted bytes, and the deltas are taken here, per interface. sysinfo's
//! `Networks::refresh` gives the same two numbers per interface but reads seven sysfs files per
//! interface and makes two `getifaddrs` netlink dumps for addresses the collector does not use:
//! about 400 µs on a host with four interfaces, four times the budget of a whole tick.
//! Elsewhere sysinfo's per-interface figures are used; they are already deltas since its
//! previous refresh and are summed as they are.
//!
//! The loopback interface (`lo`) is left out: its traffic never leaves the host.

use super::sample::{NetworkIoDelta, SourceError};

/// Reads the host's network counters and returns what moved since the previous read.
pub(crate) struct NetworkCounters {
    #[cfg(target_os = "linux")]
    linux: linux::NetDev,
    #[cfg(not(target_os = "linux"))]
    networks: sysinfo::Networks,
}

impl NetworkCounters {
    /// Reads the counters once, as the baseline of the first delta.
    pub(crate) fn new() -> Self {
        #[cfg(target_os = "linux")]
        {
            let mut linux = linux::NetDev::default();
            // A failure here shows again, with its reason, at the first tick.
            let _ = linux.delta();
            Self { linux }
        }
        #[cfg(not(target_os = "linux"))]
        {
            Self {
                networks: sysinfo::Networks::new_with_refreshed_list(),
            }
        }
    }

    /// Bytes received and transmitted since the previous call, over every interface but `lo`.
    pub(crate) fn delta(&mut self) -> Result<NetworkIoDelta, SourceError> {
        #[cfg(target_os = "linux")]
        {
            self.linux.delta()
        }
        #[cfg(not(target_os = "linux"))]
        {
            self.networks.refresh(true);
            if self.networks.is_empty() {
                return Err(SourceError::new("sysinfo found no network interface"));
            }
            let mut delta = NetworkIoDelta::default();
            for (_, data) in self
                .networks
                .iter()
                .filter(|(name, _)| name.as_str() != "lo")
            {
                delta.received_bytes = delta.received_bytes.saturating_add(data.received());
                delta.transmitted_bytes =
                    delta.transmitted_bytes.saturating_add(data.transmitted());
            }
            Ok(delta)
        }
    }
}

#[cfg(any(target_os = "linux", test))]
pub(crate) mod linux {
    use std::io::Read as _;

    use super::{NetworkIoDelta, SourceError};
    use crate::collector::counter_delta;

    /// One interface's cumulative counters at the previous read.
    struct Seen {
        name: String,
        received: u64,
        transmitted: u64,
        read: u64,
    }

    /// `/proc/net/dev` and the counters of its previous read.
    #[derive(Default)]
    pub(crate) struct NetDev {
        seen: Vec<Seen>,
        reads: u64,
        buf: String,
    }

    impl NetDev {
        pub(crate) fn delta(&mut self) -> Result<NetworkIoDelta, SourceError> {
            self.buf.clear();
            std::fs::File::open("/proc/net/dev")
                .and_then(|mut f| f.read_to_string(&mut self.buf))
                .map_err(|e| {
                    SourceError::new(format!(
                        "could not read /proc/net/dev: {e} (is /proc mounted?)"
                    ))
                })?;
            let text = std::mem::take(&mut self.buf);
            let delta = self.apply(&text);
            self.buf = text;
            delta
        }

        /// Takes the deltas from one read of `/proc/net/dev`. A new interface starts at its
        /// current counters (it adds nothing); a counter that went down (the interface was
        /// reset) counted from zero again, so its whole new value is added; an interface that
        /// is gone is forgotten.
        pub(crate) fn apply(&mut self, text: &str) -> Result<NetworkIoDelta, SourceError> {
            self.reads += 1;
            let read = self.reads;
            let mut delta = NetworkIoDelta::default();
            let mut interfaces = 0usize;
            // Two header lines, then `name: rx_bytes rx_packets ... (8 rx fields) tx_bytes ...`.
            for line in text.lines().skip(2) {
                let Some((name, counters)) = line.split_once(':') else {
                    continue;
                };
                let name = name.trim();
                let mut fields = counters.split_ascii_whitespace();
                let received = fields.next().and_then(|v| v.parse::<u64>().ok());
                let transmitted = fields.nth(7).and_then(|v| v.parse::<u64>().ok());
                let (Some(received), Some(transmitted)) = (received, transmitted) else {
                    continue;
                };
                interfaces += 1;
                if name == "lo" {
                    continue;
                }
                match self.seen.iter_mut().find(|s| s.name == name) {
                    Some(s) => {
                        delta.received_bytes = delta
                            .received_bytes
                            .saturating_add(counter_delta(s.received, received));
                        delta.transmitted_bytes = delta
                            .transmitted_bytes
                            .saturating_add(counter_delta(s.transmitted, transmitted));
                        s.received = received;
                        s.transmitted = transmitted;
                        s.read = read;
                    }
                    None => self.seen.push(Seen {
                        name: name.to_owned(),
                        received,
                        transmitted,
                        read,
                    }),
                }
            }
            self.seen.retain(|s| s.read == read);
            if interfaces == 0 {
                return Err(SourceError::new(
                    "/proc/net/dev lists no network interface in the expected format",
                ));
            }
            Ok(delta)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::linux::NetDev;

    fn dev(rows: &[(&str, u64, u64)]) -> String {
        let mut s = String::from(
            "Inter-|   Receive                                                |  Transmit\n \
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n",
        );
        for (name, rx, tx) in rows {
            s.push_str(&format!(
                "{name:>6}: {rx} 10 0 0 0 0 0 0 {tx} 20 0 0 0 0 0 0\n"
            ));
        }
        s
    }

    #[test]
    fn deltas_are_per_interface_and_skip_loopback() {
        let mut d = NetDev::default();
        let first = d.apply(&dev(&[("lo", 5, 5), ("eth0", 100, 50)])).unwrap();
        assert_eq!((first.received_bytes, first.transmitted_bytes), (0, 0));
        let next = d
            .apply(&dev(&[("lo", 900, 900), ("eth0", 130, 55), ("eth1", 7, 7)]))
            .unwrap();
        assert_eq!((next.received_bytes, next.transmitted_bytes), (30, 5));
        // eth0 was reset (what it counted since is new), eth1 moved, then eth1 disappears and
        // comes back.
        let reset = d.apply(&dev(&[("eth0", 10, 5), ("eth1", 17, 8)])).unwrap();
        assert_eq!(
            (reset.received_bytes, reset.transmitted_bytes),
            (10 + 10, 5 + 1)
        );
        d.apply(&dev(&[("eth0", 10, 5)])).unwrap();
        let back = d
            .apply(&dev(&[("eth0", 11, 5), ("eth1", 500, 500)]))
            .unwrap();
        assert_eq!((back.received_bytes, back.transmitted_bytes), (1, 0));
    }

    #[test]
    fn an_unreadable_table_is_an_error() {
        let mut d = NetDev::default();
        assert!(d.apply("garbage").is_err());
        assert!(d.apply(&dev(&[])).is_err());
    }
}
