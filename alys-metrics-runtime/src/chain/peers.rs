//! Peers: count, quality score per peer under a bounded `peer_id` label,
//! geographic distribution, connection statistics and the network health score.
//!
//! # The peer-id bound
//!
//! `alys_peer_quality_score{peer_id}` gives a series of its own to at most [`peer_id_cap`]
//! distinct (sanitised) peer ids at a time; while all those places are taken, scores of other
//! peers go to the series `peer_id="other"`, and each such update is counted in
//! `alys_peer_quality_folded_total`. Memory is bounded by the cap whatever remote peers send:
//! neither this module's table nor the label's keeps more than the cap.
//!
//! The cap is at most [`PEER_ID_CAP_MAX`] (256, the compile-time cap of the metric's
//! `dynamic(max = 256)` label) and can be lowered at run time with [`set_peer_id_cap`]. Call
//! [`forget_peer`] when a peer disconnects: its series disappears and its place goes to the
//! next new peer, so a node whose peers churn keeps per-peer series for the peers it has now.
//! A peer that is never forgotten keeps its series (with its last score) for the life of the
//! process. Write peer scores through this module only; a direct `PEER_QUALITY_SCORE.with(id)`
//! uses up slots of the label without the cap.
//!
//! `other` holds the latest score of a peer beyond the cap, or after
//! [`record_peer_connection_metrics`] the mean score of all peers beyond the cap in that update.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::Duration;

use crate::catalogue::chain::{
    NETWORK_LATENCY, PEER_COUNT, PEER_DISCONNECTIONS, PEER_GEOGRAPHIC_DISTRIBUTION,
    PEER_QUALITY_FOLDED, PEER_QUALITY_SCORE,
};
use crate::labels::{
    sanitize_into, Dynamic, PeerDisconnectReason, PeerRegion, MAX_LABEL_VALUE_LEN,
};
use crate::metric::{Gauge, Metric};
use crate::LabelValue;

/// The largest peer-id cap: the compile-time cap of `alys_peer_quality_score`'s label.
pub const PEER_ID_CAP_MAX: usize = 256;

// Fails to compile if the metric's declared cap and `PEER_ID_CAP_MAX` ever disagree.
const _: fn() -> &'static Metric<Gauge, (Dynamic<PEER_ID_CAP_MAX>,)> = || &PEER_QUALITY_SCORE;

/// The label value of peers beyond the cap.
const OTHER: &str = "other";

/// Peer ids admitted to a series of their own, with their series.
struct PeerTable {
    ids: RwLock<HashMap<Box<str>, &'static Gauge>>,
    cap: AtomicUsize,
}

static TABLE: LazyLock<PeerTable> = LazyLock::new(|| PeerTable {
    ids: RwLock::new(HashMap::new()),
    cap: AtomicUsize::new(PEER_ID_CAP_MAX),
});

impl PeerTable {
    /// The series of `peer_id`, admitting it while there is room; `None` when it is folded.
    fn series(&self, peer_id: &str) -> Option<&'static Gauge> {
        let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
        let id = sanitize_into(peer_id, &mut buf);
        if id == OTHER {
            return None;
        }
        let cap = self.cap.load(Ordering::Relaxed);
        {
            let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
            if let Some(g) = ids.get(id) {
                return Some(*g);
            }
            if ids.len() >= cap {
                return None;
            }
        }
        let mut ids = self.ids.write().unwrap_or_else(|p| p.into_inner());
        if let Some(g) = ids.get(id) {
            return Some(*g);
        }
        if ids.len() >= cap {
            return None;
        }
        let g = PEER_QUALITY_SCORE.with(id);
        ids.insert(id.into(), g);
        Some(g)
    }

    /// Releases `peer_id`'s place and removes its series; false when it held none.
    fn forget(&self, peer_id: &str) -> bool {
        let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
        let id = sanitize_into(peer_id, &mut buf);
        let mut ids = self.ids.write().unwrap_or_else(|p| p.into_inner());
        if ids.remove(id).is_none() {
            return false;
        }
        // Under the table's lock, so that no admission takes the slot half-way.
        PEER_QUALITY_SCORE.forget(id)
    }

    fn admitted(&self) -> usize {
        self.ids
            .read()
            .map_or_else(|p| p.into_inner().len(), |m| m.len())
    }
}

/// The current peer-id cap (default [`PEER_ID_CAP_MAX`]).
pub fn peer_id_cap() -> usize {
    TABLE.cap.load(Ordering::Relaxed)
}

/// Sets the peer-id cap, clamped to `1..=PEER_ID_CAP_MAX`, and returns the cap in effect.
/// Lowering it does not take series away from peers already admitted; it stops admitting new
/// ones until [`forget_peer`] has brought the admitted peers below the cap.
pub fn set_peer_id_cap(cap: usize) -> usize {
    let cap = cap.clamp(1, PEER_ID_CAP_MAX);
    TABLE.cap.store(cap, Ordering::Relaxed);
    cap
}

/// Forgets a disconnected peer: its `alys_peer_quality_score` series disappears and its place
/// under the cap goes to the next new peer. Returns false when the peer held no place (never
/// scored, already forgotten, or folded into `other`).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::{forget_peer, record_peer_quality_score};
///
/// record_peer_quality_score("peer-leaving", 0.4);
/// assert!(forget_peer("peer-leaving"));
/// assert!(!forget_peer("peer-leaving"));
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(!text.contains("peer-leaving"));
/// ```
pub fn forget_peer(peer_id: &str) -> bool {
    TABLE.forget(peer_id)
}

/// A peer disconnected: counts it in `alys_peer_disconnections_total{reason}` and forgets it
/// ([`forget_peer`]). Returns what [`forget_peer`] returns.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::{peer_disconnected, record_peer_quality_score};
/// use alys_metrics::labels::PeerDisconnectReason;
///
/// record_peer_quality_score("peer-timing-out", 0.3);
/// assert!(peer_disconnected("peer-timing-out", PeerDisconnectReason::Timeout));
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_peer_disconnections_total{reason=\"timeout\"} 1\n"));
/// assert!(!text.contains("peer-timing-out"));
/// ```
pub fn peer_disconnected(peer_id: &str, reason: PeerDisconnectReason) -> bool {
    PEER_DISCONNECTIONS.with(reason).inc();
    tracing::debug!(reason = reason.as_str(), "peer disconnected");
    forget_peer(peer_id)
}

/// Observes the round-trip time of one request to a peer (sent to answered) into
/// `alys_network_latency_seconds`.
pub fn record_peer_request_rtt(rtt: Duration) {
    NETWORK_LATENCY.observe(rtt.as_secs_f64());
}

/// Number of peer ids that hold a series of their own.
pub fn admitted_peer_ids() -> usize {
    TABLE.admitted()
}

/// Where a quality score went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreRecorded {
    /// Under the peer's own `peer_id`.
    Own,
    /// Under `peer_id="other"`: the cap was reached (or the id sanitises to `other`).
    Other,
    /// Nowhere: the score was NaN.
    Ignored,
}

/// A quality score in `0..=1`; `None` for NaN.
fn clean_quality(score: f64) -> Option<f64> {
    (!score.is_nan()).then(|| score.clamp(0.0, 1.0))
}

/// Sets the quality score (0.0 to 1.0; clamped, NaN ignored) of a peer, under its id while
/// the id is within the cap and under `other` beyond it (see the [module docs](self)).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::{record_peer_quality_score, ScoreRecorded};
///
/// assert_eq!(record_peer_quality_score("12D3KooW-peer-a", 0.92), ScoreRecorded::Own);
/// assert_eq!(record_peer_quality_score("12D3KooW-peer-a", f64::NAN), ScoreRecorded::Ignored);
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_peer_quality_score{peer_id=\"12d3koow-peer-a\"} 0.92\n"));
/// ```
pub fn record_peer_quality_score(peer_id: &str, score: f64) -> ScoreRecorded {
    let Some(score) = clean_quality(score) else {
        return ScoreRecorded::Ignored;
    };
    match TABLE.series(peer_id) {
        Some(g) => {
            g.set(score);
            ScoreRecorded::Own
        }
        None => {
            PEER_QUALITY_SCORE.with(OTHER).set(score);
            PEER_QUALITY_FOLDED.inc();
            ScoreRecorded::Other
        }
    }
}

/// Sets `alys_peer_count`.
pub fn update_peer_count(connected: usize) {
    PEER_COUNT.set(i64::try_from(connected).unwrap_or(i64::MAX));
}

/// Sets `alys_peer_geographic_distribution` for all 7 regions: a region missing from
/// `region_counts` is set to 0, a region listed twice gets the sum.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::update_peer_geographic_distribution;
/// use alys_metrics::labels::PeerRegion;
///
/// update_peer_geographic_distribution(&[(PeerRegion::Europe, 12), (PeerRegion::Asia, 8)]);
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_peer_geographic_distribution{region=\"europe\"} 12\n"));
/// assert!(text.contains("alys_peer_geographic_distribution{region=\"africa\"} 0\n"));
/// ```
pub fn update_peer_geographic_distribution(region_counts: &[(PeerRegion, usize)]) {
    let totals = region_totals(region_counts);
    for region in PeerRegion::VALUES {
        let n = totals[region.index()];
        PEER_GEOGRAPHIC_DISTRIBUTION
            .with(*region)
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
}

fn region_totals(region_counts: &[(PeerRegion, usize)]) -> [usize; PeerRegion::COUNT] {
    let mut totals = [0usize; PeerRegion::COUNT];
    for (region, n) in region_counts {
        let t = &mut totals[region.index()];
        *t = t.saturating_add(*n);
    }
    totals
}

/// Number of known regions (all but [`PeerRegion::Unknown`]; at most 6) with at least one
/// peer: the diversity input of [`network_health_score`].
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::geographic_diversity;
/// use alys_metrics::labels::PeerRegion::*;
/// assert_eq!(geographic_diversity(&[(Europe, 3), (Asia, 0), (Unknown, 9), (Europe, 1)]), 1);
/// ```
pub fn geographic_diversity(region_counts: &[(PeerRegion, usize)]) -> usize {
    let totals = region_totals(region_counts);
    PeerRegion::VALUES
        .iter()
        .filter(|r| **r != PeerRegion::Unknown && totals[r.index()] > 0)
        .count()
}

/// Connection statistics of the peer-to-peer layer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerConnectionStats {
    /// Connections that were established.
    pub successful_connections: u64,
    /// Connections that failed.
    pub failed_connections: u64,
    /// Connection attempts (may exceed the sum of the two above while attempts are pending).
    pub connection_attempts: u64,
    /// Mean time to establish a connection.
    pub avg_connection_time: Duration,
    /// Connections open now.
    pub active_connections: usize,
    /// Most connections open at once.
    pub max_concurrent_connections: usize,
}

impl PeerConnectionStats {
    /// Successful connections over finished ones (successful + failed), in `0..=1`; 0 when
    /// none finished.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::chain::PeerConnectionStats;
    /// let s = PeerConnectionStats { successful_connections: 150, failed_connections: 10, ..Default::default() };
    /// assert_eq!(s.success_rate(), 0.9375);
    /// assert_eq!(PeerConnectionStats::default().success_rate(), 0.0);
    /// ```
    pub fn success_rate(&self) -> f64 {
        let finished = self
            .successful_connections
            .saturating_add(self.failed_connections);
        if finished == 0 {
            0.0
        } else {
            self.successful_connections as f64 / finished as f64
        }
    }

    /// True when the success rate reaches `min_success_rate` and a connection is open. A NaN
    /// threshold is never reached.
    pub fn is_healthy(&self, min_success_rate: f64) -> bool {
        self.success_rate() >= min_success_rate && self.active_connections > 0
    }
}

/// A peer id and its quality score: `(id, score)` or a reference to one, with any string type
/// as the id, so both `[("a", 0.5)]` and `&scores` (a `Vec<(String, f64)>`) can be passed.
pub trait PeerScore {
    /// The peer id and the score.
    fn peer_score(&self) -> (&str, f64);
}

impl<S: AsRef<str>> PeerScore for (S, f64) {
    fn peer_score(&self) -> (&str, f64) {
        (self.0.as_ref(), self.1)
    }
}

impl<T: PeerScore + ?Sized> PeerScore for &T {
    fn peer_score(&self) -> (&str, f64) {
        (**self).peer_score()
    }
}

/// Records a full peer update at once: the peer count, every peer's quality score (those
/// beyond the cap folded into `other`, which gets their mean), the geographic distribution
/// (all 7 regions) and, in the log, the connection statistics.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::chain::{record_peer_connection_metrics, PeerConnectionStats};
/// use alys_metrics::labels::PeerRegion;
///
/// let stats = PeerConnectionStats { successful_connections: 9, failed_connections: 1,
///     connection_attempts: 10, active_connections: 2, ..Default::default() };
/// let scores = vec![("peer-1".to_owned(), 0.5), ("peer-2".to_owned(), 0.75)];
/// record_peer_connection_metrics(2, &scores, &[(PeerRegion::Europe, 2)], &stats);
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_peer_count 2\n"));
/// assert!(text.contains("alys_peer_quality_score{peer_id=\"peer-2\"} 0.75\n"));
/// ```
pub fn record_peer_connection_metrics<Q: PeerScore>(
    connected_peers: usize,
    qualities: impl IntoIterator<Item = Q>,
    region_counts: &[(PeerRegion, usize)],
    stats: &PeerConnectionStats,
) {
    update_peer_count(connected_peers);
    let (mut folded_sum, mut folded_n, mut own) = (0.0f64, 0u64, 0u64);
    for entry in qualities {
        let (peer_id, score) = entry.peer_score();
        let Some(score) = clean_quality(score) else {
            continue;
        };
        match TABLE.series(peer_id) {
            Some(g) => {
                g.set(score);
                own += 1;
            }
            None => {
                folded_sum += score;
                folded_n += 1;
            }
        }
    }
    if folded_n > 0 {
        PEER_QUALITY_SCORE
            .with(OTHER)
            .set(folded_sum / folded_n as f64);
        PEER_QUALITY_FOLDED.inc_by(folded_n);
    }
    update_peer_geographic_distribution(region_counts);
    tracing::debug!(
        connected_peers,
        scored_peers = own,
        folded_peers = folded_n,
        regions = geographic_diversity(region_counts),
        success_rate = stats.success_rate(),
        active_connections = stats.active_connections,
        max_concurrent_connections = stats.max_concurrent_connections,
        avg_connection_secs = stats.avg_connection_time.as_secs_f64(),
        "peer metrics updated"
    );
}

/// The network health score in `0..=1`: 40 % peer count, 40 % quality, 20 %
/// geographic diversity over the 6 known regions.
///
/// - peer count: 1 at `optimal_peers` or more; from 0.5 to 1 linearly between `min_peers`
///   and `optimal_peers`; from 0 to 0.5 linearly below `min_peers`.
/// - quality: `avg_quality` clamped to `0..=1`.
/// - diversity: `geographic_diversity / 6`, at most 1.
///
/// Inputs are clamped: `optimal_peers` below `min_peers` counts as `min_peers`; a NaN quality
/// counts as 0 (a plain `min(1.0).max(0.0)` would turn it into 1); diversity counts at most one
/// region per peer; and with no peers connected, quality and diversity count as 0 (there is
/// nothing to measure), so only the peer-count part remains: 0 unless `min_peers` is 0.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::network_health_score;
/// assert_eq!(network_health_score(50, 10, 50, 1.0, 6), 1.0);
/// assert!((network_health_score(30, 10, 50, 0.5, 3) - 0.6).abs() < 1e-12);
/// assert_eq!(network_health_score(0, 10, 50, 1.0, 6), 0.0);
/// ```
pub fn network_health_score(
    connected_peers: usize,
    min_peers: usize,
    optimal_peers: usize,
    avg_quality: f64,
    geographic_diversity: usize,
) -> f64 {
    let optimal_peers = optimal_peers.max(min_peers);
    let (c, min, opt) = (
        connected_peers as f64,
        min_peers as f64,
        optimal_peers as f64,
    );
    let peer_count_score = if connected_peers >= optimal_peers {
        1.0
    } else if connected_peers >= min_peers {
        // Here min <= c < opt, so opt - min > 0.
        0.5 + 0.5 * (c - min) / (opt - min)
    } else {
        // Here c < min, so min > 0.
        c / min * 0.5
    };
    let (quality_score, diversity_score) = if connected_peers == 0 {
        (0.0, 0.0)
    } else {
        let q = if avg_quality.is_nan() {
            0.0
        } else {
            avg_quality.clamp(0.0, 1.0)
        };
        let regions = geographic_diversity.min(connected_peers).min(6);
        (q, regions as f64 / 6.0)
    };
    let health = 0.4 * peer_count_score + 0.4 * quality_score + 0.2 * diversity_score;
    tracing::trace!(
        connected_peers,
        min_peers,
        optimal_peers,
        peer_count_score,
        quality_score,
        diversity_score,
        health,
        "network health calculated"
    );
    health
}

/// A source of peer regions by IP address: plug a GeoIP database in with [`set_region_lookup`].
/// None is shipped; without one every address is [`PeerRegion::Unknown`].
///
/// Closures `Fn(IpAddr) -> Option<PeerRegion>` implement it.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::net::IpAddr;
/// use alys_metrics::chain::set_region_lookup;
/// use alys_metrics::labels::PeerRegion;
///
/// // A stand-in for a GeoIP database that returns continent codes.
/// fn continent_of(ip: IpAddr) -> Option<&'static str> {
///     match ip { IpAddr::V4(v4) if v4.octets()[0] == 81 => Some("EU"), _ => None }
/// }
/// set_region_lookup(|ip| continent_of(ip).and_then(PeerRegion::from_continent_code));
///
/// assert_eq!(PeerRegion::from_ip("81.2.69.160".parse().unwrap()), PeerRegion::Europe);
/// assert_eq!(PeerRegion::from_ip("192.168.1.9".parse().unwrap()), PeerRegion::Unknown);
/// ```
pub trait RegionLookup: Send + Sync {
    /// The region of a public address, or `None` when the source does not know it.
    fn region(&self, ip: IpAddr) -> Option<PeerRegion>;
}

impl<F: Fn(IpAddr) -> Option<PeerRegion> + Send + Sync> RegionLookup for F {
    fn region(&self, ip: IpAddr) -> Option<PeerRegion> {
        self(ip)
    }
}

static LOOKUP: RwLock<Option<Arc<dyn RegionLookup>>> = RwLock::new(None);

/// Installs the region source that [`PeerRegion::from_ip`] consults, replacing any previous
/// one (a reloaded database, say).
pub fn set_region_lookup(lookup: impl RegionLookup + 'static) {
    let mut slot = LOOKUP.write().unwrap_or_else(|p| p.into_inner());
    *slot = Some(Arc::new(lookup));
}

/// Removes the installed region source: every address is `Unknown` again.
pub fn clear_region_lookup() {
    let mut slot = LOOKUP.write().unwrap_or_else(|p| p.into_inner());
    *slot = None;
}

/// True for addresses that say nothing about where a peer is: private (RFC 1918, unique
/// local `fc00::/7`), loopback, link-local, shared (CGNAT `100.64.0.0/10`), unspecified,
/// broadcast and documentation ranges, also as IPv4-mapped IPv6.
pub fn is_local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_local_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local_v4(v4),
            None => is_local_v6(v6),
        },
    }
}

fn is_local_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || (a == 100 && (b & 0xc0) == 64)
}

fn is_local_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation 2001:db8::/32
}

impl PeerRegion {
    /// The region of a peer's address: [`Unknown`](PeerRegion::Unknown) for private and
    /// loopback ranges ([`is_local_ip`]), otherwise what the installed [`RegionLookup`] says
    /// (`Unknown` when none is installed or it does not know the address).
    pub fn from_ip(ip: IpAddr) -> PeerRegion {
        if is_local_ip(ip) {
            return PeerRegion::Unknown;
        }
        let lookup = LOOKUP
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(Arc::clone);
        lookup.map_or(PeerRegion::Unknown, |l| Self::from_ip_with(ip, &*l))
    }

    /// As [`from_ip`](Self::from_ip) with an explicit region source.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::labels::PeerRegion;
    /// let everywhere_asia = |_| Some(PeerRegion::Asia);
    /// assert_eq!(PeerRegion::from_ip_with("1.1.1.1".parse().unwrap(), &everywhere_asia), PeerRegion::Asia);
    /// assert_eq!(PeerRegion::from_ip_with("127.0.0.1".parse().unwrap(), &everywhere_asia), PeerRegion::Unknown);
    /// assert_eq!(PeerRegion::from_ip_with("::1".parse().unwrap(), &everywhere_asia), PeerRegion::Unknown);
    /// ```
    pub fn from_ip_with(ip: IpAddr, lookup: &dyn RegionLookup) -> PeerRegion {
        if is_local_ip(ip) {
            return PeerRegion::Unknown;
        }
        lookup.region(ip).unwrap_or(PeerRegion::Unknown)
    }

    /// The region of a two-letter continent code as GeoIP databases report it (`NA`, `EU`,
    /// `AS`, `SA`, `AF`, `OC`, case-insensitive); `AN` (Antarctica) is `Unknown`; anything
    /// else is `None`.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::labels::PeerRegion;
    /// assert_eq!(PeerRegion::from_continent_code("as"), Some(PeerRegion::Asia));
    /// assert_eq!(PeerRegion::from_continent_code("XX"), None);
    /// ```
    pub fn from_continent_code(code: &str) -> Option<PeerRegion> {
        let upper = code.to_ascii_uppercase();
        Some(match upper.as_str() {
            "NA" => PeerRegion::NorthAmerica,
            "EU" => PeerRegion::Europe,
            "AS" => PeerRegion::Asia,
            "SA" => PeerRegion::SouthAmerica,
            "AF" => PeerRegion::Africa,
            "OC" => PeerRegion::Oceania,
            "AN" => PeerRegion::Unknown,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn health_with_no_peers_is_zero() {
        assert_eq!(network_health_score(0, 10, 50, 1.0, 6), 0.0);
        assert_eq!(
            network_health_score(0, 0, 0, 1.0, 6),
            0.4,
            "count score 1 at optimal 0"
        );
        assert_eq!(network_health_score(0, 0, 10, 0.9, 3), 0.2, "0.5 at min 0");
    }

    #[test]
    fn health_when_optimal_equals_min() {
        assert_eq!(network_health_score(10, 10, 10, 1.0, 6), 1.0);
        assert!(close(
            network_health_score(5, 10, 10, 1.0, 3),
            0.4 * 0.25 + 0.4 + 0.1
        ));
        // optimal below min counts as min: no division by a negative span.
        assert!(close(
            network_health_score(5, 10, 2, 1.0, 3),
            0.4 * 0.25 + 0.4 + 0.1
        ));
        assert!(close(network_health_score(10, 10, 2, 0.0, 0), 0.4));
    }

    #[test]
    fn health_clamps_quality_and_diversity() {
        let base = network_health_score(50, 10, 50, 0.0, 0);
        assert!(close(base, 0.4));
        assert!(close(network_health_score(50, 10, 50, f64::NAN, 0), 0.4));
        assert!(close(network_health_score(50, 10, 50, -2.0, 0), 0.4));
        assert!(close(network_health_score(50, 10, 50, 7.0, 0), 0.8));
        assert!(close(
            network_health_score(50, 10, 50, f64::INFINITY, 0),
            0.8
        ));
        assert!(close(network_health_score(50, 10, 50, 0.0, 60), 0.6));
        assert!(close(
            network_health_score(2, 0, 2, 0.0, 6),
            0.4 + 0.2 * 2.0 / 6.0
        ));
        // Between min and optimal: linear from 0.5 to 1.
        assert!(close(network_health_score(30, 10, 50, 0.0, 0), 0.4 * 0.75));
        for c in 0..60 {
            let h = network_health_score(c, 10, 50, 1.0, 6);
            assert!((0.0..=1.0).contains(&h), "{c}: {h}");
        }
    }

    #[test]
    fn success_rate_at_the_edges() {
        let mut s = PeerConnectionStats::default();
        assert_eq!(s.success_rate(), 0.0);
        assert!(!s.is_healthy(0.0), "no open connection");
        s.active_connections = 1;
        assert!(s.is_healthy(0.0));
        assert!(!s.is_healthy(f64::NAN));
        s.successful_connections = u64::MAX;
        s.failed_connections = u64::MAX;
        assert!(s.success_rate() <= 1.0);
        s.failed_connections = 0;
        assert_eq!(s.success_rate(), 1.0);
        assert!(s.is_healthy(0.99));
    }

    #[test]
    fn local_addresses_are_unknown() {
        let asia = |_| Some(PeerRegion::Asia);
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_local_ip(ip), "{ip}");
            assert_eq!(PeerRegion::from_ip_with(ip, &asia), PeerRegion::Unknown);
        }
        for ip in ["172.32.0.1", "8.8.8.8", "100.128.0.1", "2a00:1450::1"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_local_ip(ip), "{ip}");
            assert_eq!(PeerRegion::from_ip_with(ip, &asia), PeerRegion::Asia);
        }
        assert_eq!(
            PeerRegion::from_ip_with("8.8.8.8".parse().unwrap(), &|_| None),
            PeerRegion::Unknown
        );
    }

    #[test]
    fn continent_codes_cover_every_region() {
        for (code, region) in [
            ("NA", PeerRegion::NorthAmerica),
            ("eu", PeerRegion::Europe),
            ("As", PeerRegion::Asia),
            ("SA", PeerRegion::SouthAmerica),
            ("AF", PeerRegion::Africa),
            ("OC", PeerRegion::Oceania),
            ("AN", PeerRegion::Unknown),
        ] {
            assert_eq!(PeerRegion::from_continent_code(code), Some(region));
        }
        assert_eq!(PeerRegion::from_continent_code(""), None);
    }

    #[test]
    fn region_totals_sum_duplicates_and_saturate() {
        let t = region_totals(&[
            (PeerRegion::Africa, usize::MAX),
            (PeerRegion::Africa, 5),
            (PeerRegion::Unknown, 2),
        ]);
        assert_eq!(t[PeerRegion::Africa.index()], usize::MAX);
        assert_eq!(t[PeerRegion::Unknown.index()], 2);
        assert_eq!(geographic_diversity(&[(PeerRegion::Unknown, 2)]), 0);
        let all: Vec<_> = PeerRegion::VALUES.iter().map(|r| (*r, 1)).collect();
        assert_eq!(geographic_diversity(&all), 6);
    }

    #[test]
    fn quality_scores_are_clamped_and_nan_ignored() {
        assert_eq!(clean_quality(f64::NAN), None);
        assert_eq!(clean_quality(-0.5), Some(0.0));
        assert_eq!(clean_quality(1.5), Some(1.0));
        assert_eq!(clean_quality(f64::INFINITY), Some(1.0));
        assert_eq!(clean_quality(0.25), Some(0.25));
    }
}
