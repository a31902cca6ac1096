//! The series budget (issue 23), measured in one run against the same families as a free
//! product: the scrape of the lifecycle transitions of six actors with the lifecycle's eight
//! edges declared (`combinations`) and as the full 6 x 6 x 8 product (what the node exported
//! before), and of dependency response times of nine (actor, dependency, operation) values
//! with only the three triples called (`dynamic_tuples`) and as the product of the values in
//! use; and what `dynamic_tuples` costs `with` on the update path.
//!
//! Run: `cargo bench -p alys-metrics-benches --bench budget`.

use std::hint::black_box;

use alys_metrics::labels::{is_lifecycle_edge, ActorState, Dynamic, LabelValue, TransitionReason};
use alys_metrics::metric::encoder::{Encoder, Target};
use alys_metrics::metric::Collect;
use alys_metrics::metric::Descriptor;
use alys_metrics::metric::Kind;
use alys_metrics::metric::Metric;
use alys_metrics::{Counter, Histogram};
use criterion::{criterion_group, criterion_main, Criterion};

type Transitions = Metric<Counter, (Dynamic<32>, ActorState, ActorState, TransitionReason)>;
type Responses = Metric<Histogram, (Dynamic<9>, Dynamic<16>, Dynamic<16>)>;

static TRANSITIONS: Descriptor = Descriptor::new("bench_transitions_total", "T.", Kind::Counter)
    .labels(
        &["actor", "from_state", "to_state", "transition_reason"],
        &[
            "dynamic(max = 32)",
            "ActorState",
            "ActorState",
            "TransitionReason",
        ],
    );

static RESPONSES: Descriptor = Descriptor::new("bench_response_seconds", "R.", Kind::Histogram)
    .labels(
        &["actor", "dependency", "operation"],
        &["dynamic(max = 9)", "dynamic(max = 16)", "dynamic(max = 16)"],
    )
    .buckets(&[
        0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    ]);

const ACTORS: [&str; 6] = [
    "ChainActor",
    "EngineActor",
    "NetworkActor",
    "SyncActor",
    "BridgeActor",
    "StorageActor",
];

const CALLS: [(&str, &str, &str); 3] = [
    ("bridge", "bitcoind", "getblockcount"),
    ("engine", "geth", "forkchoice_updated"),
    ("storage", "rocksdb", "get"),
];

/// `is_lifecycle_edge` over slots, as `#[alys_metric(combinations = ..)]` writes it.
fn edge(slots: &[usize]) -> bool {
    is_lifecycle_edge(
        ActorState::VALUES[slots[1]],
        ActorState::VALUES[slots[2]],
        TransitionReason::VALUES[slots[3]],
    )
}

fn transitions(m: &Transitions) {
    for actor in ACTORS {
        m.with(
            actor,
            ActorState::Stopped,
            ActorState::Starting,
            TransitionReason::Spawn,
        )
        .inc();
        m.with(
            actor,
            ActorState::Starting,
            ActorState::Running,
            TransitionReason::Started,
        )
        .inc();
    }
}

fn responses(m: &Responses) {
    for (a, d, o) in CALLS {
        m.with(a, d, o).observe(0.01);
    }
}

fn scrape(c: &mut Criterion) {
    let product = Transitions::new(&TRANSITIONS);
    let edges = Transitions::new(&TRANSITIONS).combinations(edge);
    transitions(&product);
    transitions(&edges);
    let all = Responses::new(&RESPONSES);
    let used = Responses::new(&RESPONSES).dynamic_tuples();
    responses(&all);
    responses(&used);
    let bytes = |m: &dyn Collect| {
        let mut out = Vec::new();
        m.encode(&mut Encoder::new(&mut out, Target::Text));
        out.len()
    };
    println!(
        "lifecycle transitions: product {} series, {} bytes; edges {} series, {} bytes",
        product.series_count(),
        bytes(&product),
        edges.series_count(),
        bytes(&edges)
    );
    println!(
        "dependency response time: product {} children, {} bytes; tuples {} children, {} bytes",
        all.series_count(),
        bytes(&all),
        used.series_count(),
        bytes(&used)
    );
    let mut g = c.benchmark_group("budget/scrape");
    let mut out = Vec::with_capacity(1 << 18);
    for (name, m) in [
        ("transitions_product", &product as &dyn Collect),
        ("transitions_edges", &edges),
        ("responses_product", &all),
        ("responses_tuples", &used),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                m.encode(&mut Encoder::new(&mut out, Target::Text));
                black_box(out.len())
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("budget/with");
    g.bench_function("responses_product", |b| {
        b.iter(|| {
            all.with(
                black_box("engine"),
                black_box("geth"),
                black_box("forkchoice_updated"),
            )
            .observe(0.01)
        })
    });
    g.bench_function("responses_tuples", |b| {
        b.iter(|| {
            used.with(
                black_box("engine"),
                black_box("geth"),
                black_box("forkchoice_updated"),
            )
            .observe(0.01)
        })
    });
    g.finish();
}

criterion_group!(benches, scrape);
criterion_main!(benches);
