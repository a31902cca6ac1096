//! Live heap bytes per actor type: this test binary installs the `TrackingAllocator` as its
//! global allocator (`tests/solo/main.rs`), and real actix actors allocate, keep, free and hand
//! over memory inside actor scopes; the figures are read back from the exposition text.
//!
//! The counters are process-wide, so the tests run one at a time and assert on deltas.

use actix::prelude::*;
use alys_metrics::actor_system::enter;
use alys_metrics::labels::ActorType;
use alys_metrics::LabelValue;

const TEN_MB: usize = 10 * 1024 * 1024;

/// The value of one series in the exposition text, as Prometheus would read it.
fn value(series: &str) -> i64 {
    let text = alys_metrics::registry().encode_to_string();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no series `{series}` in:\n{text}"))
}

fn memory(t: ActorType) -> i64 {
    // A type not live in the process (no handler, actor or scope of it yet) has no series:
    // nothing can have been counted under it. A live one must have its series.
    if !ActorType::is_live(t.index()) {
        return 0;
    }
    value(&format!(
        "alys_actor_memory_usage_bytes{{actor_type=\"{}\"}}",
        t.as_str()
    ))
}

/// Holds buffers it allocated, inside a scope of its type.
struct Holder {
    kind: ActorType,
    kept: Vec<Vec<u8>>,
}

impl Actor for Holder {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct Keep(usize);

impl Handler<Keep> for Holder {
    type Result = ();

    fn handle(&mut self, msg: Keep, _: &mut Context<Self>) {
        let _scope = enter(self.kind);
        let mut buf = Vec::with_capacity(msg.0);
        buf.resize(msg.0, 0xA5);
        self.kept.push(buf);
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct FreeAll;

impl Handler<FreeAll> for Holder {
    type Result = ();

    fn handle(&mut self, _: FreeAll, _: &mut Context<Self>) {
        let _scope = enter(self.kind);
        self.kept.clear();
        self.kept.shrink_to_fit();
    }
}

/// Allocates a buffer and hands it over in the reply.
#[derive(Message)]
#[rtype(result = "Vec<u8>")]
struct Make(usize);

impl Handler<Make> for Holder {
    type Result = MessageResult<Make>;

    fn handle(&mut self, msg: Make, _: &mut Context<Self>) -> Self::Result {
        let _scope = enter(self.kind);
        MessageResult(vec![7u8; msg.0])
    }
}

/// Takes a buffer allocated elsewhere and drops it inside its own scope.
#[derive(Message)]
#[rtype(result = "()")]
struct Drop_(Vec<u8>);

impl Handler<Drop_> for Holder {
    type Result = ();

    fn handle(&mut self, msg: Drop_, _: &mut Context<Self>) {
        let _scope = enter(self.kind);
        drop(msg.0);
    }
}

fn holder(kind: ActorType) -> (Addr<Holder>, Arbiter) {
    let arbiter = Arbiter::new();
    let addr = Holder::start_in_arbiter(&arbiter.handle(), move |_| Holder {
        kind,
        kept: Vec::new(),
    });
    (addr, arbiter)
}

#[actix::test]
async fn an_actor_keeping_10_mb_shows_them_and_freeing_brings_it_back() {
    let _s = crate::serial();
    let (addr, arbiter) = holder(ActorType::Chain);
    addr.send(Keep(1)).await.unwrap(); // the thread registers; its own bookkeeping is not the test's
    addr.send(FreeAll).await.unwrap();
    let before = memory(ActorType::Chain);

    addr.send(Keep(TEN_MB)).await.unwrap();
    let kept = memory(ActorType::Chain);
    assert!(
        kept - before >= TEN_MB as i64,
        "{before} -> {kept}: at least 10 MiB more"
    );

    addr.send(FreeAll).await.unwrap();
    assert_eq!(memory(ActorType::Chain), before, "freed: back where it was");
    arbiter.stop();
}

/// An actor whose handler carries `#[instrument_actor]` and opens no scope itself: the
/// attribute's entry attributes what it allocates to `stream`.
struct StreamActor {
    kept: Vec<Vec<u8>>,
}

impl Actor for StreamActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct KeepInstrumented(usize);

#[alys_metrics::instrument_actor(message = storage)]
impl Handler<KeepInstrumented> for StreamActor {
    type Result = ();

    fn handle(&mut self, msg: KeepInstrumented, _: &mut Context<Self>) {
        if msg.0 == 0 {
            self.kept.clear();
            self.kept.shrink_to_fit();
        } else {
            self.kept.push(vec![0x5A; msg.0]);
        }
    }
}

#[actix::test]
async fn an_instrumented_handler_keeping_10_mb_shows_them_under_its_type() {
    let _s = crate::serial();
    let arbiter = Arbiter::new();
    let addr =
        StreamActor::start_in_arbiter(&arbiter.handle(), |_| StreamActor { kept: Vec::new() });
    addr.send(KeepInstrumented(1)).await.unwrap(); // the thread registers
    addr.send(KeepInstrumented(0)).await.unwrap();
    let before = memory(ActorType::Stream);

    addr.send(KeepInstrumented(TEN_MB)).await.unwrap();
    let kept = memory(ActorType::Stream);
    assert!(
        kept - before >= TEN_MB as i64,
        "{before} -> {kept}: at least 10 MiB more under `stream`"
    );

    addr.send(KeepInstrumented(0)).await.unwrap();
    assert_eq!(
        memory(ActorType::Stream),
        before,
        "freed: back where it was"
    );
    arbiter.stop();
}

#[actix::test]
async fn memory_freed_by_another_actor_is_subtracted_from_the_one_that_allocated_it() {
    let _s = crate::serial();
    let (maker, a1) = holder(ActorType::Bridge);
    let (taker, a2) = holder(ActorType::Storage);
    // Register both threads first.
    maker.send(Make(1)).await.unwrap();
    taker.send(Drop_(Vec::new())).await.unwrap();
    let (bridge0, storage0) = (memory(ActorType::Bridge), memory(ActorType::Storage));

    let buf = maker.send(Make(TEN_MB)).await.unwrap();
    assert_eq!(buf.len(), TEN_MB);
    assert_eq!(memory(ActorType::Bridge) - bridge0, TEN_MB as i64);
    assert_eq!(memory(ActorType::Storage), storage0);

    taker.send(Drop_(buf)).await.unwrap();
    assert_eq!(
        memory(ActorType::Bridge),
        bridge0,
        "subtracted from the allocator"
    );
    assert_eq!(
        memory(ActorType::Storage),
        storage0,
        "not from the actor that freed it"
    );
    a1.stop();
    a2.stop();
}

#[actix::test]
async fn the_sync_share_is_served_under_its_own_name() {
    let _s = crate::serial();
    let (addr, arbiter) = holder(ActorType::Sync);
    addr.send(Keep(1)).await.unwrap();
    addr.send(FreeAll).await.unwrap();
    let before = value("alys_sync_memory_usage_bytes");
    assert_eq!(before, memory(ActorType::Sync));

    addr.send(Keep(3 * 1024 * 1024)).await.unwrap();
    let after = value("alys_sync_memory_usage_bytes");
    assert!(after - before >= 3 * 1024 * 1024, "{before} -> {after}");
    assert_eq!(after, memory(ActorType::Sync));
    addr.send(FreeAll).await.unwrap();
    arbiter.stop();
}

#[test]
fn growth_moves_a_block_to_the_type_that_reallocates_it() {
    let _s = crate::serial();
    let (engine0, network0) = (memory(ActorType::Engine), memory(ActorType::Network));
    let mut v: Vec<u8> = {
        let _scope = enter(ActorType::Engine);
        Vec::with_capacity(1000)
    };
    assert_eq!(memory(ActorType::Engine) - engine0, 1000);
    {
        let _scope = enter(ActorType::Network);
        v.reserve_exact(5000); // realloc to exactly 5000 bytes
    }
    assert_eq!(v.capacity(), 5000);
    assert_eq!(memory(ActorType::Engine), engine0);
    assert_eq!(memory(ActorType::Network) - network0, 5000);
    drop(v); // outside any scope: still subtracted from network
    assert_eq!(memory(ActorType::Network), network0);
}

/// `promtool check metrics` on a scrape where every family of the actor system has samples
/// (memory with the allocator installed, a dependency behind a breaker, CPU): no problem
/// reported for any of them. Fails without promtool when `ALYS_REQUIRE_PROMTOOL=1`.
#[test]
fn promtool_accepts_the_actor_system_families() {
    use alys_metrics::actor_system::{collect_actor_cpu, BreakerConfig, Dependency};
    use alys_metrics::labels::DependencyType;

    let _s = crate::serial();
    let kept = {
        let _scope = enter(ActorType::Sync);
        vec![1u8; 4096]
    };
    let db = Dependency::new(ActorType::Storage, "rocksdb", DependencyType::Database)
        .with_breaker(BreakerConfig::default());
    let _ = db.call("get", || Err::<(), _>("busy"));
    collect_actor_cpu();
    let scrape = alys_metrics::registry().encode_to_string();
    drop(kept);
    for family in [
        "alys_actor_memory_usage_bytes{",
        "alys_sync_memory_usage_bytes ",
        "alys_actor_cpu_seconds_total{",
        "alys_sync_cpu_seconds_total ",
        "alys_actor_dependency_health_status{",
        "alys_actor_dependency_response_time_seconds_bucket{",
        "alys_actor_circuit_breaker_state{",
        "alys_actor_circuit_breaker_transitions_total{",
        "alys_actor_circuit_breaker_rejections_total{",
    ] {
        assert!(
            scrape.lines().any(|l| l.starts_with(family)),
            "{family} has samples"
        );
    }

    let Some(crate::lint::PromtoolReport { report, .. }) = crate::lint::check_metrics(&scrape)
    else {
        return;
    };
    let ours: Vec<_> = report
        .lines()
        .filter(|l| {
            [
                "alys_actor_memory",
                "alys_sync_",
                "alys_actor_cpu",
                "dependency",
                "breaker",
            ]
            .iter()
            .any(|f| l.contains(f))
        })
        .collect();
    assert!(ours.is_empty(), "promtool: {ours:?}\n{report}");
    assert!(
        report.lines().all(|l| l.trim().is_empty()
            || alys_metrics::catalogue::LINT_EXCEPTIONS
                .iter()
                .any(|x| l.starts_with(x))),
        "promtool found more than the listed exceptions:\n{report}"
    );
}

/// The allocator itself, called through `std::alloc` (so through this binary's global
/// allocator, the one the node installs) with layouts drawn from a fixed pseudo-random
/// sequence: sizes and power-of-two alignments 1..=4096, `alloc`, `alloc_zeroed`, `realloc`
/// growing and shrinking, frees on the allocating thread and on others. Every block is
/// filled with a pattern and read back before it is reallocated or freed, and the live bytes
/// of the two actor types used here (`system`, `supervisor`: no other test of this binary
/// opens scopes of them) are compared, exactly, with a model after each step.
///
/// CI (`scripts/test.sh`, through `scripts/valgrind.sh`) also runs this module under valgrind
/// memcheck, which fails on any read or write outside a live block, any read of
/// uninitialised bytes and any free of a pointer `malloc` did not return. To run it locally:
///
/// ```text
/// cargo test --test solo actor_alloc             # the assertions alone
/// bash scripts/valgrind.sh                       # the same tests under memcheck
/// ```
///
/// The sequence is the same on every run; a wrong count names the step and the seed, a lost
/// content the block (address, layout, pattern offset, type).
mod raw {
    #![allow(unsafe_code)] // calls the `GlobalAlloc` functions, whose contract the tests keep.

    use std::alloc::{alloc, alloc_zeroed, dealloc, realloc, Layout};
    use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
    use std::sync::PoisonError;
    use std::time::Duration;

    use alys_metrics::actor_system::{actor_memory_bytes, enter};
    use alys_metrics::labels::ActorType;
    use alys_metrics::LabelValue;

    /// The largest size and alignment drawn.
    const MAX: usize = 4096;
    /// The seed of every sequence here.
    const SEED: u64 = 0x0A11_0C47_0000_2026;
    /// A backstop against a hang if a peer thread dies without closing its channel (it closes
    /// it when it panics, so a failure ends the wait at once); not a timing of anything.
    const PEER_WAIT: Duration = Duration::from_secs(120);

    /// The actor types this module counts under, and "no scope".
    const OWNERS: [Option<ActorType>; 3] =
        [None, Some(ActorType::System), Some(ActorType::Supervisor)];

    /// SplitMix64: small, deterministic, good enough to spread layouts.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// A power of two in 1..=4096.
        fn align(&mut self) -> usize {
            1 << self.below(13)
        }

        /// A size in 1..=4096: half uniform, a quarter small, a quarter on an edge of `align`
        /// or of the range.
        fn size(&mut self, align: usize) -> usize {
            match self.below(4) {
                0 => 1 + self.below(64),
                1 => {
                    let edges = [1, 7, 8, 9, align - 1, align, align + 1, MAX - 1, MAX];
                    edges[self.below(edges.len())].clamp(1, MAX)
                }
                _ => 1 + self.below(MAX),
            }
        }

        fn owner(&mut self) -> Option<ActorType> {
            OWNERS[self.below(OWNERS.len())]
        }
    }

    /// Bytes a block of pattern offset `k` holds: `PATTERN[k..k + size]` (compared with
    /// `memcmp`, which memcheck checks byte by byte for definedness).
    fn pattern() -> Vec<u8> {
        (0..2 * MAX).map(|i| (i % 251) as u8).collect()
    }

    /// A live block: the address (a plain number, so it can cross threads), its layout, its
    /// pattern offset and the type it is counted under.
    #[derive(Clone, Copy, Debug)]
    struct Block {
        addr: usize,
        size: usize,
        align: usize,
        fill: usize,
        owner: Option<ActorType>,
    }

    impl Block {
        fn layout(&self) -> Layout {
            Layout::from_size_align(self.size, self.align).expect("a valid layout")
        }

        fn ptr(&self) -> *mut u8 {
            self.addr as *mut u8
        }

        /// Writes the block's pattern over all of it.
        fn write(&self, pattern: &[u8]) {
            // SAFETY: the block is live and `size` bytes long; the pattern is `2 * MAX` long.
            unsafe {
                std::ptr::copy_nonoverlapping(pattern[self.fill..].as_ptr(), self.ptr(), self.size)
            };
        }

        /// The block's first `len` bytes.
        fn bytes(&self, len: usize) -> &[u8] {
            assert!(len <= self.size);
            // SAFETY: the block is live, initialised (written or zeroed) and `size` bytes long.
            unsafe { std::slice::from_raw_parts(self.ptr(), len) }
        }

        /// Panics unless the first `len` bytes hold the pattern.
        fn check(&self, pattern: &[u8], len: usize, what: &str) {
            assert!(
                self.bytes(len) == &pattern[self.fill..self.fill + len],
                "{what}: {self:?} lost its contents in its first {len} bytes"
            );
        }
    }

    /// Allocates a block of `size` x `align` inside a scope of `owner` (none: outside any),
    /// zeroed or not, checks its alignment (and zeroes) and fills it.
    fn new_block(
        size: usize,
        align: usize,
        zeroed: bool,
        owner: Option<ActorType>,
        fill: usize,
        pattern: &[u8],
    ) -> Block {
        let layout = Layout::from_size_align(size, align).expect("a valid layout");
        let ptr = {
            let _scope = owner.map(enter);
            // SAFETY: `layout` has a non-zero size.
            unsafe {
                if zeroed {
                    alloc_zeroed(layout)
                } else {
                    alloc(layout)
                }
            }
        };
        assert!(!ptr.is_null(), "{layout:?}: out of memory");
        assert_eq!(ptr as usize % align, 0, "{layout:?}: misaligned");
        let block = Block {
            addr: ptr as usize,
            size,
            align,
            fill,
            owner,
        };
        if zeroed {
            assert!(
                block.bytes(size) == &ZEROS[..size],
                "{layout:?}: alloc_zeroed gave non-zero bytes"
            );
        }
        block.write(pattern);
        block
    }

    static ZEROS: [u8; MAX] = [0; MAX];

    /// `realloc`s `block` to `new_size` inside a scope of `owner`; checks the alignment and
    /// the contents kept, then refills it with pattern `fill`.
    fn resize(
        block: Block,
        new_size: usize,
        owner: Option<ActorType>,
        fill: usize,
        pattern: &[u8],
    ) -> Block {
        block.check(pattern, block.size, "before realloc");
        let ptr = {
            let _scope = owner.map(enter);
            // SAFETY: the block is live with this layout; `new_size` is non-zero and far from
            // overflowing `isize` when rounded up to the alignment.
            unsafe { realloc(block.ptr(), block.layout(), new_size) }
        };
        assert!(!ptr.is_null(), "{block:?} -> {new_size}: out of memory");
        assert_eq!(
            ptr as usize % block.align,
            0,
            "{block:?} -> {new_size}: realloc lost the alignment"
        );
        let moved = Block {
            addr: ptr as usize,
            size: new_size,
            owner,
            ..block
        };
        moved.check(pattern, block.size.min(new_size), "after realloc");
        let refilled = Block { fill, ..moved };
        refilled.write(pattern);
        refilled
    }

    /// Checks `block`'s contents and frees it inside a scope of `scope` (which does not
    /// change whom the bytes are subtracted from).
    fn free(block: Block, scope: Option<ActorType>, pattern: &[u8]) {
        block.check(pattern, block.size, "before dealloc");
        let _scope = scope.map(enter);
        // SAFETY: the block is live with this layout and is not used again.
        unsafe { dealloc(block.ptr(), block.layout()) };
    }

    /// The bytes the tests expect under `system` and `supervisor`, over what was there when
    /// the model was made.
    struct Model {
        base: [u64; 2],
        live: [u64; 2],
    }

    impl Model {
        fn new() -> Self {
            Self {
                base: [1, 2].map(|i| actor_memory_bytes(OWNERS[i].expect("a type"))),
                live: [0; 2],
            }
        }

        fn slot(owner: Option<ActorType>) -> Option<usize> {
            match owner? {
                ActorType::System => Some(0),
                _ => Some(1),
            }
        }

        fn add(&mut self, owner: Option<ActorType>, size: usize) {
            if let Some(i) = Self::slot(owner) {
                self.live[i] += size as u64;
            }
        }

        fn sub(&mut self, owner: Option<ActorType>, size: usize) {
            if let Some(i) = Self::slot(owner) {
                self.live[i] -= size as u64;
            }
        }

        /// Panics unless the allocator's figures are the model's, to the byte.
        fn check(&self, what: impl std::fmt::Display) {
            for (i, owner) in OWNERS[1..].iter().enumerate() {
                let t = owner.expect("a type");
                assert_eq!(
                    actor_memory_bytes(t),
                    self.base[i] + self.live[i],
                    "{what} (seed {SEED:#x}): live bytes of `{}`",
                    t.as_str()
                );
            }
        }
    }

    /// 20,000 random steps over a pool of up to 48 live blocks: allocate (plain or zeroed),
    /// reallocate to a random size (growing or shrinking, moving the block to the type
    /// current at the `realloc`) or free (inside or outside a scope); every block's contents
    /// are checked before it changes, and the figures after every step.
    #[test]
    fn random_layouts_keep_alignment_contents_and_exact_counts() {
        let _s = crate::serial();
        const STEPS: usize = 20_000;
        const POOL: usize = 48;
        let pattern = pattern();
        let mut rng = Rng(SEED);
        let mut model = Model::new();
        let mut live: Vec<Block> = Vec::with_capacity(POOL);
        let (mut grown, mut shrunk) = (0, 0);
        for step in 0..STEPS {
            let op = match live.len() {
                0 => 0,
                POOL => 2 + rng.below(2),
                _ => rng.below(4),
            };
            match op {
                0 | 1 => {
                    let align = rng.align();
                    let size = rng.size(align);
                    let owner = rng.owner();
                    let fill = rng.below(MAX);
                    live.push(new_block(size, align, op == 1, owner, fill, &pattern));
                    model.add(owner, size);
                }
                2 => {
                    let i = rng.below(live.len());
                    let old = live[i];
                    let new_size = rng.size(old.align);
                    let owner = rng.owner();
                    let fill = rng.below(MAX);
                    live[i] = resize(old, new_size, owner, fill, &pattern);
                    model.sub(old.owner, old.size);
                    model.add(owner, new_size);
                    grown += usize::from(new_size > old.size);
                    shrunk += usize::from(new_size < old.size);
                }
                _ => {
                    let block = live.swap_remove(rng.below(live.len()));
                    free(block, rng.owner(), &pattern);
                    model.sub(block.owner, block.size);
                }
            }
            model.check(format_args!("step {step}"));
        }
        for block in live.drain(..) {
            free(block, None, &pattern);
            model.sub(block.owner, block.size);
        }
        model.check("all freed");
        assert_eq!(model.live, [0, 0]);
        assert!(
            grown > 500 && shrunk > 500,
            "grown {grown}, shrunk {shrunk}"
        );
    }

    /// Every alignment with every size at its edges (1, align - 1, align, align + 1, 4095,
    /// 4096): allocated, grown to 4096, shrunk to 1 and freed, each inside a scope.
    #[test]
    fn every_alignment_at_the_size_edges_grows_and_shrinks() {
        let _s = crate::serial();
        let pattern = pattern();
        let mut model = Model::new();
        let sys = Some(ActorType::System);
        let sup = Some(ActorType::Supervisor);
        for shift in 0..13 {
            let align = 1usize << shift;
            for size in [1, align - 1, align, align + 1, MAX - 1, MAX] {
                let size = size.clamp(1, MAX);
                for zeroed in [false, true] {
                    let b = new_block(size, align, zeroed, sys, shift, &pattern);
                    model.add(sys, size);
                    model.check(format_args!("{size} x {align}"));
                    let b = resize(b, MAX, sup, 2 * shift, &pattern);
                    model.sub(sys, size);
                    model.add(sup, MAX);
                    model.check(format_args!("{size} x {align} grown"));
                    let b = resize(b, 1, sys, 3 * shift, &pattern);
                    model.sub(sup, MAX);
                    model.add(sys, 1);
                    model.check(format_args!("{size} x {align} shrunk"));
                    free(b, sup, &pattern);
                    model.sub(sys, 1);
                    model.check(format_args!("{size} x {align} freed"));
                }
            }
        }
    }

    /// A request the allocator cannot serve returns null and counts nothing, and a `realloc`
    /// that fails leaves the block where it was, intact and counted.
    #[test]
    fn a_failed_request_counts_nothing_and_keeps_the_block() {
        let _s = crate::serial();
        let pattern = pattern();
        let mut model = Model::new();
        let sys = Some(ActorType::System);
        for shift in [0, 3, 4, 12] {
            let align = 1usize << shift;
            // The largest size `Layout` accepts: no room left for the header.
            let huge = isize::MAX as usize - (align - 1);
            let layout = Layout::from_size_align(huge, align).expect("a valid layout");
            let ptr = {
                let _scope = sys.map(enter);
                // SAFETY: a non-zero size; null is the expected answer.
                unsafe { alloc(layout) }
            };
            assert!(ptr.is_null(), "{layout:?} served");
            model.check(format_args!("alloc of {layout:?}"));

            let b = new_block(100, align, false, sys, shift, &pattern);
            model.add(sys, 100);
            let ptr = {
                let _scope = enter(ActorType::Supervisor);
                // SAFETY: live block with this layout; `huge` rounded up to `align` fits.
                unsafe { realloc(b.ptr(), b.layout(), huge) }
            };
            assert!(ptr.is_null(), "realloc to {huge} served");
            model.check(format_args!("realloc of 100 x {align} to {huge}"));
            free(b, None, &pattern);
            model.sub(sys, 100);
            model.check("freed");
        }
    }

    /// Waits for the next message from a peer thread; panics (so the test fails, never
    /// hangs) when the peer has died or the backstop expires.
    fn receive<T>(rx: &Receiver<T>, what: std::fmt::Arguments<'_>) -> T {
        match rx.recv_timeout(PEER_WAIT) {
            Ok(v) => v,
            Err(RecvTimeoutError::Disconnected) => panic!("{what}: the peer thread died"),
            Err(RecvTimeoutError::Timeout) => panic!("{what}: no message in {PEER_WAIT:?}"),
        }
    }

    /// Runs `f` on a new thread and waits for it to end (its thread-locals destroyed, its
    /// counter slot handed back); a panic there fails the test.
    fn on_thread<R: Send>(what: &str, f: impl FnOnce() -> R + Send) -> R {
        std::thread::scope(|s| s.spawn(f).join())
            .unwrap_or_else(|_| panic!("the {what} thread failed"))
    }

    fn random_blocks(
        rng: &mut Rng,
        n: usize,
        owner: Option<ActorType>,
        pattern: &[u8],
    ) -> Vec<Block> {
        let mut blocks = Vec::with_capacity(n);
        for _ in 0..n {
            let align = rng.align();
            let size = rng.size(align);
            let zeroed = rng.below(2) == 0;
            let fill = rng.below(MAX);
            blocks.push(new_block(size, align, zeroed, owner, fill, pattern));
        }
        blocks
    }

    fn total(blocks: &[Block]) -> usize {
        blocks.iter().map(|b| b.size).sum()
    }

    /// Blocks allocated on one thread under `system`, which then exits (handing its counter
    /// slot back), are freed by a thread that never opened a scope (the shared, atomic
    /// counters), reallocated by a thread inside a `supervisor` scope (the blocks move there)
    /// and freed by the test's own thread: after each stage the figures are exact.
    #[test]
    fn blocks_freed_and_reallocated_on_other_threads_are_counted_exactly() {
        let _s = crate::serial();
        let pattern = pattern();
        let mut model = Model::new();
        let sys = Some(ActorType::System);
        let sup = Some(ActorType::Supervisor);
        let made = on_thread("allocating", || {
            random_blocks(&mut Rng(SEED ^ 1), 300, sys, &pattern)
        });
        model.add(sys, total(&made));
        model.check("allocated on a thread that has exited");

        let (freed, kept) = made.split_at(made.len() / 2);
        on_thread("freeing", || {
            for b in freed {
                free(*b, None, &pattern);
            }
        });
        model.sub(sys, total(freed));
        model.check("half freed by a thread without a scope");

        let moved = on_thread("reallocating", || {
            let mut rng = Rng(SEED ^ 2);
            kept.iter()
                .map(|b| {
                    let size = rng.size(b.align);
                    let fill = rng.below(MAX);
                    resize(*b, size, sup, fill, &pattern)
                })
                .collect::<Vec<_>>()
        });
        model.sub(sys, total(kept));
        model.add(sup, total(&moved));
        model.check("the rest reallocated under `supervisor` on a third thread");

        for b in &moved {
            free(*b, sys, &pattern);
        }
        model.sub(sup, total(&moved));
        model.check("all freed on the test's thread");
        assert_eq!(model.live, [0, 0]);
    }

    /// Four threads that never open a scope (so they share one set of counters, updated with
    /// atomic read-modify-writes) free 4 x 20,000 blocks of `system` at the same time, released
    /// together: no update is lost. (A lost update needs two threads inside the
    /// same few instructions, so a broken counter fails this often, not always.)
    #[test]
    fn frees_by_many_threads_without_a_scope_at_once_lose_no_update() {
        let _s = crate::serial();
        const THREADS: usize = 4;
        const PER_THREAD: usize = 20_000;
        let pattern = pattern();
        let mut model = Model::new();
        let sys = Some(ActorType::System);
        let mut rng = Rng(SEED ^ 3);
        let blocks: Vec<Block> = (0..THREADS * PER_THREAD)
            .map(|i| {
                let size = 1 + rng.below(256);
                new_block(size, 8, false, sys, i % MAX, &pattern)
            })
            .collect();
        model.add(sys, total(&blocks));
        model.check("allocated");
        // The gate: held for writing while the threads start, each waits for a read. Unlike a
        // barrier it opens however the test's thread leaves (a failed spawn drops the guard),
        // so no freeing thread can wait forever.
        let gate = std::sync::RwLock::new(());
        std::thread::scope(|s| {
            let closed = gate.write().unwrap_or_else(PoisonError::into_inner);
            let handles: Vec<_> = blocks
                .chunks(PER_THREAD)
                .map(|chunk| {
                    let (gate, pattern) = (&gate, &pattern);
                    s.spawn(move || {
                        drop(gate.read().unwrap_or_else(PoisonError::into_inner));
                        for b in chunk {
                            free(*b, None, pattern);
                        }
                    })
                })
                .collect();
            drop(closed);
            for (t, h) in handles.into_iter().enumerate() {
                h.join()
                    .unwrap_or_else(|_| panic!("freeing thread {t} failed"));
            }
        });
        model.sub(sys, total(&blocks));
        model.check("freed by four threads at once");
    }

    /// Four threads in a ring, at once: each allocates 400 blocks (thread 0 outside any scope,
    /// the others under `system` or `supervisor`), hands them to the next thread and takes
    /// the previous thread's, which it checks and then frees, reallocates first, or frees
    /// inside a scope of its own. When all are done the figures are back where they were.
    #[test]
    fn a_ring_of_threads_freeing_each_others_blocks_ends_at_zero() {
        let _s = crate::serial();
        const THREADS: usize = 4;
        const BLOCKS: usize = 400;
        let pattern = pattern();
        let model = Model::new();
        let channels: Vec<(SyncSender<Block>, Receiver<Block>)> =
            (0..THREADS).map(|_| sync_channel(BLOCKS)).collect();
        let (senders, receivers): (Vec<_>, Vec<_>) = channels.into_iter().unzip();
        std::thread::scope(|s| {
            let mut handles = Vec::new();
            for (t, rx) in receivers.into_iter().enumerate() {
                let tx = senders[(t + 1) % THREADS].clone();
                let pattern = &pattern;
                handles.push(s.spawn(move || {
                    let mut rng = Rng(SEED ^ (16 + t as u64));
                    let own = match t {
                        0 => None,
                        t if t % 2 == 1 => Some(ActorType::System),
                        _ => Some(ActorType::Supervisor),
                    };
                    for b in random_blocks(&mut rng, BLOCKS, own, pattern) {
                        tx.send(b).expect("the next thread is alive");
                    }
                    drop(tx);
                    for i in 0..BLOCKS {
                        let b = receive(&rx, format_args!("thread {t}, block {i}"));
                        match rng.below(3) {
                            0 => free(b, None, pattern),
                            1 => free(b, own, pattern),
                            _ => {
                                let size = rng.size(b.align);
                                let fill = rng.below(MAX);
                                free(resize(b, size, own, fill, pattern), None, pattern);
                            }
                        }
                    }
                }));
            }
            drop(senders);
            for (t, h) in handles.into_iter().enumerate() {
                h.join()
                    .unwrap_or_else(|_| panic!("thread {t} of the ring failed"));
            }
        });
        model.check("the ring done");
    }
}
