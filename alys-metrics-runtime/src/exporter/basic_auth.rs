//! `basic_auth_users` at request time: bcrypt checks that take as long for an unknown user as
//! for a known one, remember their successes, and cannot be turned against the scrapes.
//!
//! - **Costs.** Every hash's bcrypt cost is in [`COSTS`] (4..=14); a file with another cost is
//!   refused at start, naming the user and the cost (cost 20 would take over a minute per
//!   check, 31 about two days).
//! - **Timing.** An unknown user is checked against a decoy hash at the highest cost among the
//!   users. After a wrong password, a user at a lower cost is also checked against the decoys
//!   of the costs between, which adds up to the work of the highest cost. Either way a failure
//!   costs what the highest cost costs, and its time does not say which names exist.
//! - **Cache.** A success is remembered as the SHA-256 of the user, the password and the hash
//!   ([`CACHE_ENTRIES`], the oldest forgotten first) and looked up before anything else, so a
//!   scraper's repeated requests cost no bcrypt check and are never throttled.
//! - **Throttle.** Each source address (an IPv4 address, or an IPv6 /64) has a bucket of
//!   [`FAILURE_BURST`] (5) checks, refilled at one a second. A check takes one and a success
//!   gives it back; an address with none left is answered `429 Too Many Requests` with
//!   `Retry-After` at once, with no bcrypt check and no wait. At most [`PEERS`] addresses are
//!   remembered; when the table is full, addresses with a full bucket are forgotten first,
//!   then those with the most checks left.
//! - **Queue.** An address has one check at a time (until its bcrypt work ends, even if the
//!   request is gone); its other requests wait behind it, outside the shared queue. A free
//!   bcrypt slot goes first to a *clean* check: from an address with a full bucket and no
//!   other check under way, as a scraper logging in sends it. A check stops being clean when
//!   its address sends another one meanwhile. The others follow, each kind in arrival order.
//!   One slot per two CPUs (at least 1, at most [`MAX_SLOTS`]) runs on tokio's blocking pool,
//!   leaving CPU to encode scrapes. So a scraper's first login waits for the checks already
//!   running, not for a flood's queue.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use subtle::ConstantTimeEq as _;
use tokio::sync::{oneshot, Semaphore};
use tokio::time::Instant;

use super::ServeError;

/// The bcrypt costs a `basic_auth_users` hash may have. Each step doubles a check's time:
/// cost 10 takes about 70 ms of one CPU, 14 about 1.1 s.
pub const COSTS: RangeInclusive<u32> = 4..=14;

/// Successful checks remembered, so that a scraper's repeated requests cost one bcrypt check,
/// not one each.
pub(crate) const CACHE_ENTRIES: usize = 64;

/// Failed checks a source address may make at once before it is answered 429; the bucket
/// refills at [`REFILL_PER_SECOND`].
pub(crate) const FAILURE_BURST: f64 = 5.0;

/// Failed checks a source address may make per second, once its burst is spent.
pub(crate) const REFILL_PER_SECOND: f64 = 1.0;

/// Source addresses whose buckets are remembered.
pub(crate) const PEERS: usize = 4096;

/// The most bcrypt checks that run at once.
pub(crate) const MAX_SLOTS: usize = 4;

/// What a password check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A configured user with their password.
    Valid,
    /// Anything else: an unknown user, a wrong password, credentials that do not decode.
    Invalid,
    /// The source address has spent its failed checks; try again after this long.
    Throttled(Duration),
}

/// The `basic_auth_users` of a web config, checked against `Authorization: Basic`.
pub(crate) struct BasicAuth {
    /// Name, hash and the hash's cost, in name order.
    users: Vec<(String, String, u32)>,
    /// The highest cost among the users.
    max_cost: u32,
    /// Decoy hashes at each cost up to `max_cost` (see [`decoys`]); the last one is checked
    /// for unknown users.
    decoys: Vec<String>,
    cache: Mutex<Vec<[u8; 32]>>,
    peers: Mutex<Peers>,
    slots: Arc<Gate>,
}

impl BasicAuth {
    /// Checks every user name and hash; `fail(field, why)` makes the error.
    pub(crate) fn new(
        users: BTreeMap<String, String>,
        fail: &dyn Fn(&str, String) -> ServeError,
    ) -> Result<Self, ServeError> {
        let slots = std::thread::available_parallelism().map_or(1, |n| n.get() / 2);
        Self::with_slots(users, slots.clamp(1, MAX_SLOTS), fail)
    }

    fn with_slots(
        users: BTreeMap<String, String>,
        slots: usize,
        fail: &dyn Fn(&str, String) -> ServeError,
    ) -> Result<Self, ServeError> {
        let mut checked = Vec::with_capacity(users.len());
        for (user, hash) in users {
            let field = format!("basic_auth_users.{user}");
            if user.is_empty() || user.contains(':') {
                return Err(fail(
                    &field,
                    "a user name must be non-empty and hold no `:`".into(),
                ));
            }
            let parts: bcrypt::HashParts = hash.parse().map_err(|e| {
                fail(
                    &field,
                    format!("is not a bcrypt hash ({e}); make one with `htpasswd -nBC 10 {user}`"),
                )
            })?;
            let cost = parts.get_cost();
            if !COSTS.contains(&cost) {
                return Err(fail(
                    &field,
                    format!(
                        "user `{user}` has bcrypt cost {cost}, outside {}..={}: each step \
                         doubles the time of every check (cost 10 takes about 70 ms, {cost} \
                         would take {}); make the hash again with `htpasswd -nBC 10 {user}`",
                        COSTS.start(),
                        COSTS.end(),
                        about(cost)
                    ),
                ));
            }
            checked.push((user, hash, cost));
        }
        let max_cost = checked.iter().map(|u| u.2).max().unwrap_or(*COSTS.start());
        Ok(Self {
            users: checked,
            max_cost,
            decoys: decoys(max_cost),
            cache: Mutex::new(Vec::new()),
            peers: Mutex::new(Peers::default()),
            slots: Gate::new(slots),
        })
    }

    /// How many users the file lists.
    pub(crate) fn user_count(&self) -> usize {
        self.users.len()
    }

    /// Checks the base64 `user:password` of a `Basic` header from `peer`.
    pub(crate) async fn check(&self, peer: IpAddr, credentials: &[u8]) -> Outcome {
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credentials) else {
            return Outcome::Invalid;
        };
        let Some(colon) = decoded.iter().position(|b| *b == b':') else {
            return Outcome::Invalid;
        };
        let (user, password) = (&decoded[..colon], &decoded[colon + 1..]);
        // Every user name is compared, in constant time, so the time taken does not say
        // which names exist.
        let mut found: Option<(&str, u32)> = None;
        for (name, hash, cost) in &self.users {
            if bool::from(name.as_bytes().ct_eq(user)) {
                found = Some((hash, *cost));
            }
        }
        let decoy = &self.decoys[cost_index(self.max_cost)];
        let (hash, cost) = found.unwrap_or((decoy, self.max_cost));
        let key = digest(user, password, hash);
        if self.cached(&key) {
            return Outcome::Valid;
        }
        let peer = PeerKey::of(peer);
        let (lane, clean) = match self.lock_peers().take(peer, Instant::now()) {
            Ok(taken) => taken,
            Err(retry) => return Outcome::Throttled(retry),
        };
        if !clean {
            // Failures to its name, or several checks at once (a scraper sends one request
            // at a time): the address's check already waiting goes behind the clean ones.
            self.slots.demote(peer);
        }
        // One check per address at a time: the others wait here, not in the shared queue.
        let Ok(turn) = lane.acquire_owned().await else {
            return Outcome::Invalid;
        };
        if self.cached(&key) {
            self.lock_peers().give_back(peer);
            return Outcome::Valid;
        }
        let Some(slot) = self.slots.acquire(peer, clean).await else {
            return Outcome::Invalid;
        };
        // After a failure, a user at a lower cost than the highest also gets the decoy checks
        // of the costs between: the CPU work of the highest cost, as an unknown user gets.
        let pad = self.decoys[cost_index(cost)..cost_index(self.max_cost)].to_vec();
        let check = Check {
            password: password.to_vec(),
            hash: hash.to_owned(),
            pad,
        };
        let ok = check.run((slot, turn)).await;
        if ok && found.is_some() {
            self.remember(key);
            self.lock_peers().give_back(peer);
            return Outcome::Valid;
        }
        Outcome::Invalid
    }

    fn cached(&self, key: &[u8; 32]) -> bool {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .iter()
            .fold(false, |hit, k| hit | bool::from(k.ct_eq(key)))
    }

    fn remember(&self, key: [u8; 32]) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_ENTRIES {
            cache.remove(0);
        }
        cache.push(key);
    }

    fn lock_peers(&self) -> std::sync::MutexGuard<'_, Peers> {
        self.peers.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One password check, run on the blocking pool.
struct Check {
    password: Vec<u8>,
    hash: String,
    /// Decoy hashes checked after a failure (see [`BasicAuth::check`]).
    pad: Vec<String>,
}

impl Check {
    /// Whether the password matches. `held` (the bcrypt slot and the address's turn) is kept
    /// until the work ends, also when the request waiting for it is gone, so that closing
    /// connections outruns neither the slots nor an address's one check at a time.
    async fn run<H: Send + 'static>(self, held: H) -> bool {
        tokio::task::spawn_blocking(move || {
            let _held = held;
            let ok = bcrypt::verify(&self.password, &self.hash).unwrap_or(false);
            if !ok {
                for decoy in &self.pad {
                    std::hint::black_box(bcrypt::verify(&self.password, decoy).ok());
                }
            }
            ok
        })
        .await
        .unwrap_or(false)
    }
}

/// Decoy hashes that no password is expected to match, one for each cost from the lowest
/// allowed to `max` (index them with [`cost_index`]): a cost-4 hash of a fixed word with its
/// cost field rewritten, so that making them costs one cost-4 hash.
fn decoys(max: u32) -> Vec<String> {
    let base = bcrypt::hash_with_salt(b"alys-metrics decoy", 4, [7; 16])
        .map(|p| p.format_for_version(bcrypt::Version::TwoB))
        .unwrap_or_default();
    let rest = base.get(6..).unwrap_or_default();
    COSTS
        .clone()
        .take_while(|c| *c <= max)
        .map(|cost| format!("$2b${cost:02}{rest}"))
        .collect()
}

/// Where a cost's decoy is in [`decoys`].
fn cost_index(cost: u32) -> usize {
    (cost - COSTS.start()) as usize
}

/// The bcrypt slots. A free slot goes first to a *clean* check (from an address with no failed
/// check to its name and no other check under way: a scraper logging in), then to the others,
/// each kind in arrival order.
struct Gate {
    state: Mutex<GateState>,
}

type Waiter = (PeerKey, oneshot::Sender<GateSlot>);

struct GateState {
    free: usize,
    clean: VecDeque<Waiter>,
    suspect: VecDeque<Waiter>,
}

/// A slot of the [`Gate`], given back when dropped.
struct GateSlot {
    gate: Option<Arc<Gate>>,
}

impl Gate {
    fn new(slots: usize) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(GateState {
                free: slots.max(1),
                clean: VecDeque::new(),
                suspect: VecDeque::new(),
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a slot, `clean` checks first; `None` only if the gate is gone.
    async fn acquire(self: &Arc<Self>, peer: PeerKey, clean: bool) -> Option<GateSlot> {
        let waiting = {
            let mut state = self.lock();
            if state.free > 0 {
                state.free -= 1;
                return Some(GateSlot {
                    gate: Some(Arc::clone(self)),
                });
            }
            let (tx, rx) = oneshot::channel();
            if clean {
                state.clean.push_back((peer, tx));
            } else {
                state.suspect.push_back((peer, tx));
            }
            rx
        };
        // A waiter that is dropped leaves its sender behind; `release` skips it.
        waiting.await.ok()
    }

    /// Moves `peer`'s clean waiters, if any, behind the others.
    fn demote(&self, peer: PeerKey) {
        let mut state = self.lock();
        if !state.clean.iter().any(|(p, _)| *p == peer) {
            return;
        }
        let (moved, kept): (VecDeque<Waiter>, VecDeque<Waiter>) = std::mem::take(&mut state.clean)
            .into_iter()
            .partition(|(p, _)| *p == peer);
        state.clean = kept;
        state.suspect.extend(moved);
    }

    /// Hands a slot to the next waiter still there, or frees it.
    fn release(self: &Arc<Self>) {
        let mut state = self.lock();
        loop {
            let next = match state.clean.pop_front() {
                Some(tx) => Some(tx),
                None => state.suspect.pop_front(),
            };
            let Some((_, tx)) = next else {
                state.free += 1;
                return;
            };
            let slot = GateSlot {
                gate: Some(Arc::clone(self)),
            };
            match tx.send(slot) {
                Ok(()) => return,
                // That waiter is gone: the slot is not freed by dropping this copy; try the next.
                Err(mut slot) => slot.gate = None,
            }
        }
    }
}

impl Drop for GateSlot {
    fn drop(&mut self) {
        if let Some(gate) = self.gate.take() {
            gate.release();
        }
    }
}

/// About how long one check at `cost` takes, from cost 10's 70 ms.
fn about(cost: u32) -> String {
    let seconds = 0.07 * 2f64.powi(cost as i32 - 10);
    match seconds {
        s if s < 1.0 => format!("about {:.0} ms", s * 1e3),
        s if s < 120.0 => format!("about {s:.0} s"),
        s if s < 7200.0 => format!("about {:.0} minutes", s / 60.0),
        s => format!("about {:.0} hours", s / 3600.0),
    }
}

fn digest(user: &[u8], password: &[u8], hash: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [user, password, hash.as_bytes()] {
        ctx.update(&(part.len() as u64).to_le_bytes());
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Whom a bucket belongs to: an IPv4 address, or the /64 of an IPv6 one (a host usually has
/// a whole /64).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum PeerKey {
    V4([u8; 4]),
    V6([u8; 8]),
}

impl PeerKey {
    fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => PeerKey::V4(v4.octets()),
            IpAddr::V6(v6) => {
                let mut prefix = [0u8; 8];
                prefix.copy_from_slice(&v6.octets()[..8]);
                PeerKey::V6(prefix)
            }
        }
    }
}

/// One address's bucket and its one-check-at-a-time lane.
struct Peer {
    tokens: f64,
    refilled: Instant,
    seen: u64,
    lane: Arc<Semaphore>,
}

impl Peer {
    /// The checks left at `now`.
    fn tokens_at(&self, now: Instant) -> f64 {
        let gained = now.saturating_duration_since(self.refilled).as_secs_f64() * REFILL_PER_SECOND;
        (self.tokens + gained).min(FAILURE_BURST)
    }

    fn refill(&mut self, now: Instant) {
        self.tokens = self.tokens_at(now);
        self.refilled = now;
    }

    /// Whether forgetting this address loses nothing: a full bucket and no check in its lane.
    fn forgettable(&self, now: Instant) -> bool {
        self.tokens_at(now) >= FAILURE_BURST && Arc::strong_count(&self.lane) == 1
    }
}

/// The buckets of at most [`PEERS`] source addresses.
#[derive(Default)]
struct Peers {
    map: HashMap<PeerKey, Peer>,
    clock: u64,
}

impl Peers {
    /// Takes one check from `peer`'s bucket: its lane and whether the check is clean (a full
    /// bucket, so no failure to its name, and no other check of the address under way), or
    /// how long until it has a check again.
    fn take(&mut self, peer: PeerKey, now: Instant) -> Result<(Arc<Semaphore>, bool), Duration> {
        if !self.map.contains_key(&peer) && self.map.len() >= PEERS {
            self.make_room(now);
        }
        self.clock += 1;
        let entry = self.map.entry(peer).or_insert_with(|| Peer {
            tokens: FAILURE_BURST,
            refilled: now,
            seen: 0,
            lane: Arc::new(Semaphore::new(1)),
        });
        entry.seen = self.clock;
        entry.refill(now);
        if entry.tokens < 1.0 {
            let wait = (1.0 - entry.tokens) / REFILL_PER_SECOND;
            return Err(Duration::from_secs_f64(wait.max(0.001)));
        }
        let alone = Arc::strong_count(&entry.lane) == 1;
        let clean = entry.tokens >= FAILURE_BURST && alone;
        entry.tokens -= 1.0;
        Ok((Arc::clone(&entry.lane), clean))
    }

    /// Gives back the check a success took.
    fn give_back(&mut self, peer: PeerKey) {
        if let Some(entry) = self.map.get_mut(&peer) {
            entry.tokens = (entry.tokens + 1.0).min(FAILURE_BURST);
        }
    }

    /// Forgets every address that loses nothing by it; when there is none, the one that loses
    /// least: no check in its lane, the most checks left, the least recently seen.
    fn make_room(&mut self, now: Instant) {
        let before = self.map.len();
        self.map.retain(|_, p| !p.forgettable(now));
        if self.map.len() < before {
            return;
        }
        let victim = self
            .map
            .iter()
            .min_by_key(|(_, p)| {
                let busy = Arc::strong_count(&p.lane) > 1;
                let left = (p.tokens_at(now) * 1000.0) as u64;
                (busy, std::cmp::Reverse(left), p.seen)
            })
            .map(|(k, _)| *k);
        if let Some(victim) = victim {
            self.map.remove(&victim);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(field: &str, why: String) -> ServeError {
        ServeError::WebConfig(format!("`{field}`: {why}"))
    }

    fn users(list: &[(&str, &str, u32)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(u, p, c)| ((*u).to_owned(), bcrypt::hash(p, *c).unwrap()))
            .collect()
    }

    fn header(user: &str, password: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .encode(format!("{user}:{password}"))
            .into_bytes()
    }

    #[test]
    fn costs_outside_the_bound_are_refused_naming_the_user_and_the_cost() {
        for cost in [20u32, 31, 15, 3] {
            let hash = bcrypt::hash("pw", 4)
                .unwrap()
                .replacen("$04$", &format!("${cost:02}$"), 1);
            let list = BTreeMap::from([("alice".to_owned(), hash)]);
            let started = std::time::Instant::now();
            let Err(e) = BasicAuth::new(list, &fail) else {
                panic!("cost {cost} was accepted");
            };
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "refused at once"
            );
            let e = e.to_string();
            assert!(e.contains("`basic_auth_users.alice`"), "{e}");
            assert!(
                e.contains(&format!("bcrypt cost {cost}, outside 4..=14")),
                "{e}"
            );
        }
        for cost in [4, 14] {
            let hash = bcrypt::hash_with_salt("pw", 4, [1; 16])
                .unwrap()
                .to_string()
                .replacen("$04$", &format!("${cost:02}$"), 1);
            let list = BTreeMap::from([("alice".to_owned(), hash)]);
            assert!(
                BasicAuth::new(list, &fail).is_ok(),
                "cost {cost} is in range"
            );
        }
    }

    #[test]
    fn the_decoy_takes_the_highest_cost_whatever_the_name_order() {
        let auth = BasicAuth::new(users(&[("alice", "a", 6), ("zed", "z", 4)]), &fail).unwrap();
        assert_eq!(auth.max_cost, 6);
        let costs: Vec<u32> = auth
            .decoys
            .iter()
            .map(|d| d.parse::<bcrypt::HashParts>().unwrap().get_cost())
            .collect();
        assert_eq!(costs, [4, 5, 6]);
        let all = decoys(14);
        assert_eq!(all.len(), 11);
        assert!(all.iter().all(|d| d.len() == 60));
        assert!(!bcrypt::verify("alys-metrics decoy", &all[1]).unwrap());
    }

    #[tokio::test]
    async fn wrong_passwords_are_throttled_per_address_and_successes_cached() {
        let auth = BasicAuth::new(users(&[("p", "right", 4)]), &fail).unwrap();
        let me: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(auth.check(me, &header("p", "right")).await, Outcome::Valid);
        for _ in 0..5 {
            assert_eq!(
                auth.check(me, &header("p", "wrong")).await,
                Outcome::Invalid
            );
        }
        let Outcome::Throttled(wait) = auth.check(me, &header("nobody", "x")).await else {
            panic!("the sixth failure in a row is throttled");
        };
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        // The cached credential goes on working, and other addresses are not affected.
        assert_eq!(auth.check(me, &header("p", "right")).await, Outcome::Valid);
        assert_eq!(
            auth.check(other, &header("p", "wrong")).await,
            Outcome::Invalid
        );
        assert_eq!(auth.check(me, b"!!not base64").await, Outcome::Invalid);
    }

    #[tokio::test]
    async fn the_gate_serves_clean_addresses_first_and_skips_waiters_that_left() {
        let gate = Gate::new(1);
        let key = |n: u8| PeerKey::V4([10, 0, 0, n]);
        let held = gate.acquire(key(0), false).await.expect("a free slot");
        let order = Arc::new(Mutex::new(Vec::new()));
        let wait = |name: &'static str, peer: PeerKey, clean: bool| {
            let (gate, order) = (Arc::clone(&gate), Arc::clone(&order));
            tokio::spawn(async move {
                let slot = gate.acquire(peer, clean).await.expect("a slot");
                order.lock().unwrap().push(name);
                drop(slot);
            })
        };
        let suspect = wait("suspect", key(1), false);
        tokio::task::yield_now().await;
        let gone = wait("gone", key(2), true);
        tokio::task::yield_now().await;
        let demoted = wait("demoted", key(3), true);
        tokio::task::yield_now().await;
        let clean = wait("clean", key(4), true);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        gone.abort();
        let _ = gone.await;
        // Key 3 sends a second check meanwhile: its first goes behind the clean ones.
        gate.demote(key(3));
        drop(held);
        for task in [suspect, demoted, clean] {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["clean", "suspect", "demoted"]);
        // Every slot came back.
        assert_eq!(gate.lock().free, 1);
    }

    #[test]
    fn buckets_refill_and_the_table_stays_bounded() {
        let mut peers = Peers::default();
        let t0 = Instant::now();
        let me = PeerKey::of("10.0.0.1".parse().unwrap());
        let (lane, clean) = peers.take(me, t0).unwrap();
        assert!(clean, "a full bucket and nothing under way is clean");
        drop(lane);
        let (_lane, clean) = peers.take(me, t0).unwrap();
        assert!(!clean, "after a check is taken and not given back");
        for _ in 0..3 {
            assert!(!peers.take(me, t0).unwrap().1);
        }
        let fresh = PeerKey::of("10.0.0.9".parse().unwrap());
        let (_held, _) = peers.take(fresh, t0).unwrap();
        peers.give_back(fresh);
        assert!(!peers.take(fresh, t0).unwrap().1, "another check under way");
        let wait = peers.take(me, t0).unwrap_err();
        assert!((wait.as_secs_f64() - 1.0).abs() < 1e-6, "{wait:?}");
        assert!(peers.take(me, t0 + Duration::from_millis(1000)).is_ok());
        assert!(peers.take(me, t0 + Duration::from_millis(1000)).is_err());
        // IPv6 addresses of one /64 share a bucket; mapped IPv4 is IPv4.
        let a = PeerKey::of("2001:db8::1".parse().unwrap());
        let b = PeerKey::of("2001:db8::ffff:2".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(PeerKey::of("::ffff:10.0.0.1".parse().unwrap()), me);

        // A hostile client with endless addresses: the table never grows past PEERS, and an
        // address with spent checks outlives those with full buckets.
        let t1 = t0 + Duration::from_millis(1500);
        for _ in 0..5 {
            let _ = peers.take(me, t1);
        }
        for i in 0..(3 * PEERS as u32) {
            let key = PeerKey::V4(((i + 1) << 8).to_be_bytes());
            let _ = peers.take(key, t1);
            assert!(peers.map.len() <= PEERS);
        }
        assert!(peers.take(me, t1).is_err(), "the spent bucket was kept");
    }
}
