//! A simulated Alys node, instrumented with `alys-metrics`: the program behind
//! `cargo run --release --example node`, also run by `tests/e2e/`.
//!
//! - actix actors for chain, engine, network, sync, bridge and storage, every handler under a
//!   bare `#[instrument_actor]` (messages, latency, outcomes, in flight, throughput, health),
//!   registered with an [`ActorMetricsBridge`] (mailbox sizes, restarts);
//! - block production and validation under `#[time_block]`; sync from discovering to synced;
//!   a transaction pool with rejections; peers joining and leaving across regions; the V2
//!   migration with errors, failed validations and rollbacks; RPC and feature flags;
//! - the bridge's peg-ins and peg-outs (confirmations, UTXO selection, federation signatures
//!   to a quorum, broadcasts now and then refused and rebuilt), its UTXO set and a drifting fee
//!   rate, Bitcoin node outages; the execution client's payload builds, executions and Engine
//!   API calls, with health blips; the execution library's v4 -> v5 traffic shift with
//!   comparisons that now and then differ and one rollback;
//! - the governance stream to three governance nodes (heartbeats, correlated requests that
//!   now and then time out, disconnects and reconnects with backoff, bursts that cause
//!   backpressure), forks, orphan and stale blocks, missed slots, a database pool under load;
//! - failures: engine errors and timeouts (the engine actor is restarted by its actix
//!   supervisor), a storage handler that now and then panics (the node's supervisor starts a
//!   new storage actor; the node goes on).
//!
//! Everything runs on one actix system thread at a modest rate (a few dozen messages a
//! second), with seeded randomness: one `--seed` gives one run.

pub mod bridge;
pub mod chain;
pub mod control;
pub mod database;
pub mod dependencies;
pub mod drivers;
pub mod engine;
pub mod governance;
pub mod lighthouse;
pub mod migration;
pub mod network;
pub mod services;
pub mod storage;
pub mod sync;
pub mod traffic;

use std::cell::Cell;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix::prelude::*;
use alys_metrics::actor::{supervision, ActorMetrics, ActorMetricsBridge};
use alys_metrics::labels::RestartReason;
use alys_metrics::prelude::*;
use tracing_subscriber::filter::LevelFilter;

use self::bridge::BridgeActor;
use self::chain::{authority_id, Authority, ChainActor, ChainView, AUTHORITIES};
use self::control::{activity, carries_ticket, Activity, Dice, Slot, Ticket};
use self::engine::EngineActor;
use self::network::NetworkActor;
use self::storage::StorageActor;
use self::sync::SyncActor;

/// The usage text of `--help`.
pub const USAGE: &str = "\
The example Alys node: simulated chain, sync, transaction pool, peers, migration, bridge,
RPC and feature flags, with /metrics, /health and /ready served by alys-metrics.

Usage: node [OPTIONS]

Options:
  --port PORT          serve on 127.0.0.1:PORT (default 9001; 0 picks a free port)
  --bind ADDR          serve on ADDR, e.g. 0.0.0.0:9001 (also ALYS_METRICS_BIND)
  --seed N             seed of the simulation (default: from the clock; printed at start)
  --pause-after SECS   stop the simulated activity after SECS seconds and keep serving, so
                       that every counter driven by the simulation stays still
  --deadlock           once a minute, two actors await each other for 35 s: a deliberate
                       wait cycle for the deadlock detector (off by default)
  --drain SECS         on Ctrl-C/SIGTERM, keep serving SECS seconds with /ready at 503
                       before closing the listener (default 5)
  --web-config FILE    TLS and basic auth from an exporter-toolkit web-config.yml; the node
                       refuses to start when the file is bad, naming the field
  --allow RANGES       only these addresses may connect, e.g. 10.0.0.0/8,127.0.0.1
  --bearer-token-file FILE
                       requests presenting `Authorization: Bearer <the file's first line>`
                       are authenticated
  -h, --help           print this text

Logs go to stderr; RUST_LOG=warn|info|debug|trace picks the level (info by default).
Ctrl-C or SIGTERM stops the node gracefully.";

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Where to serve.
    pub bind: SocketAddr,
    /// The simulation's seed.
    pub seed: u64,
    /// When to pause the activity, if at all.
    pub pause_after: Option<Duration>,
    /// Whether to run the deliberate wait cycle (`--deadlock`).
    pub deadlock: bool,
    /// How long to drain on shutdown; `None` keeps the library's default (5 s).
    pub drain: Option<Duration>,
    /// The web-config file (TLS, basic auth), if any.
    pub web_config: Option<std::path::PathBuf>,
    /// Address ranges allowed to connect; empty allows all.
    pub allow: Vec<alys_metrics::exporter::IpNet>,
    /// A file holding the bearer token, if any.
    pub bearer_token_file: Option<std::path::PathBuf>,
}

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the node.
    Run(Options),
    /// Print the usage.
    Help,
}

fn value<'a>(flag: &str, it: &mut impl Iterator<Item = &'a String>) -> Result<&'a str, String> {
    it.next()
        .map(String::as_str)
        .ok_or_else(|| format!("`{flag}` needs a value"))
}

/// Parses the command line (without the program name). `bind_env` is `ALYS_METRICS_BIND`.
///
/// # Errors
///
/// A message naming the bad argument and what was expected.
pub fn parse_args(args: &[String], bind_env: Option<&str>) -> Result<Command, String> {
    let mut port = None;
    let mut bind = None;
    let mut seed = None;
    let mut pause_after = None;
    let mut deadlock = false;
    let mut drain = None;
    let mut web_config = None;
    let mut allow = Vec::new();
    let mut bearer_token_file = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let take = |it: &mut std::slice::Iter<'_, String>| match &inline {
            Some(v) => Ok(v.clone()),
            None => value(flag, it).map(str::to_owned),
        };
        match flag {
            "-h" | "--help" => return Ok(Command::Help),
            "--deadlock" => deadlock = true,
            "--port" => {
                let v = take(&mut it)?;
                port = Some(v.parse::<u16>().map_err(|_| {
                    format!("`--port {v}`: expected a port number from 0 to 65535")
                })?);
            }
            "--bind" => {
                let v = take(&mut it)?;
                bind = Some(v.parse::<SocketAddr>().map_err(|_| {
                    format!("`--bind {v}`: expected an address like 127.0.0.1:9001")
                })?);
            }
            "--seed" => {
                let v = take(&mut it)?;
                seed = Some(
                    v.parse::<u64>()
                        .map_err(|_| format!("`--seed {v}`: expected a whole number"))?,
                );
            }
            "--pause-after" => {
                let v = take(&mut it)?;
                let secs = v
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| format!("`--pause-after {v}`: expected seconds, e.g. 30"))?;
                pause_after = Some(Duration::from_secs_f64(secs));
            }
            "--drain" => {
                let v = take(&mut it)?;
                let secs = v
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && (0.0..=3600.0).contains(s))
                    .ok_or_else(|| {
                        format!("`--drain {v}`: expected seconds from 0 to 3600, e.g. 5")
                    })?;
                drain = Some(Duration::from_secs_f64(secs));
            }
            "--web-config" => web_config = Some(take(&mut it)?.into()),
            "--bearer-token-file" => bearer_token_file = Some(take(&mut it)?.into()),
            "--allow" => {
                let v = take(&mut it)?;
                for range in v.split(',').filter(|r| !r.trim().is_empty()) {
                    allow.push(range.parse().map_err(|e| format!("`--allow {v}`: {e}"))?);
                }
            }
            other => return Err(format!("unknown argument `{other}`; see --help")),
        }
    }
    let bind = match (bind, port, bind_env) {
        (Some(addr), _, _) => addr,
        (None, Some(port), _) => SocketAddr::from(([127, 0, 0, 1], port)),
        (None, None, Some(env)) => env.parse().map_err(|_| {
            format!("ALYS_METRICS_BIND={env:?} is not an address like 127.0.0.1:9001")
        })?,
        (None, None, None) => MetricsConfig::default().bind,
    };
    let seed = seed.unwrap_or_else(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        now.as_secs() ^ u64::from(now.subsec_nanos()) ^ u64::from(std::process::id())
    });
    Ok(Command::Run(Options {
        bind,
        seed,
        pause_after,
        deadlock,
        drain,
        web_config,
        allow,
        bearer_token_file,
    }))
}

/// The whole program: parses `args` (without the program name), runs the node until Ctrl-C
/// or SIGTERM, and returns the exit code (2 for a bad command line).
pub fn main_with_args(args: &[String]) -> ExitCode {
    let bind_env = std::env::var("ALYS_METRICS_BIND").ok();
    let options = match parse_args(args, bind_env.as_deref()) {
        Ok(Command::Run(o)) => o,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    let access = match access(&options) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::FAILURE;
        }
    };
    init_logging();
    // A panicking handler is part of the simulation: log it in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(%info, "panic");
    }));
    let system = actix::System::new();
    system.block_on(run(options, access))
}

/// The exporter's access settings from the command line: loads and checks the web-config
/// and bearer-token files, so that a bad file stops the node before it starts.
fn access(options: &Options) -> Result<alys_metrics::exporter::Access, String> {
    let bearer_token = match &options.bearer_token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the bearer token {}: {e}", path.display()))?;
            let token = text.lines().next().unwrap_or("").trim().to_owned();
            if token.is_empty() {
                return Err(format!("the bearer token file {} is empty", path.display()));
            }
            Some(token)
        }
        None => None,
    };
    let web_config = match &options.web_config {
        Some(path) => {
            Some(alys_metrics::exporter::WebConfig::from_file(path).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    Ok(alys_metrics::exporter::Access {
        allow: options.allow.clone(),
        bearer_token,
        web_config,
    })
}

/// Logs to stderr; `RUST_LOG` may name a level (`error` ... `trace`), INFO by default.
fn init_logging() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn run(options: Options, access: alys_metrics::exporter::Access) -> ExitCode {
    let defaults = MetricsConfig::default();
    let tls = access
        .web_config
        .as_ref()
        .is_some_and(alys_metrics::exporter::WebConfig::tls_enabled);
    let scheme = if tls { "https" } else { "http" };
    let server = match alys_metrics::serve(MetricsConfig {
        bind: options.bind,
        drain: options.drain.unwrap_or(defaults.drain),
        access,
        ..defaults
    })
    .await
    {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = server.local_addr();
    let me = options.seed % AUTHORITIES;
    println!(
        "alys example node listening on {scheme}://{addr} (/metrics, /health, /ready); seed {}, authority {}",
        options.seed,
        authority_id(me)
    );

    let (switch, activity) = activity();
    let node = Node::start(options.seed, me, activity, options.deadlock);
    if let Some(after) = options.pause_after {
        actix_rt::spawn(async move {
            tokio::time::sleep(after).await;
            switch.pause();
            println!(
                "activity paused after {} s: the simulation sends no more messages; still serving",
                after.as_secs_f64()
            );
            // Keep the switch: dropping it would resume.
            std::future::pending::<()>().await;
        });
    }

    stop_signal().await;
    println!("stopping");
    server.begin_shutdown();
    node.stop();
    server.shutdown().await;
    println!("stopped");
    ExitCode::SUCCESS
}

/// Completes on Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// "Are you alive?", sent by the supervisor to every actor every 5 s.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct HealthCheck {
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

carries_ticket!(HealthCheck);

/// The actors of the node, by their current address, and what they share.
pub struct Actors {
    /// What the actors know about the chain.
    pub view: Rc<ChainView>,
    /// The chain actor.
    pub chain: Rc<Slot<ChainActor>>,
    /// The network actor.
    pub network: Rc<Slot<NetworkActor>>,
    /// The sync actor.
    pub sync: Rc<Slot<SyncActor>>,
    /// The bridge actor.
    pub bridge: Rc<Slot<BridgeActor>>,
    /// The storage actor.
    pub storage: Rc<Slot<StorageActor>>,
}

/// The running simulation: the actors, their metrics bridge and the drivers.
struct Node {
    bridge: Arc<ActorMetricsBridge>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Names the actors are registered under in the bridge.
const ACTOR_NAMES: [(&str, ActorType); 6] = [
    ("chain", ActorType::Chain),
    ("engine", ActorType::Engine),
    ("network", ActorType::Network),
    ("sync", ActorType::Sync),
    ("bridge", ActorType::Bridge),
    ("storage", ActorType::Storage),
];

impl Node {
    /// Starts the actors, registers them with a metrics bridge collecting every 2 s, and
    /// starts the drivers and the supervisor.
    fn start(seed: u64, me: u64, activity: Activity, deadlock: bool) -> Self {
        let bridge = Arc::new(ActorMetricsBridge::new(Duration::from_secs(2)));
        let register = |(name, actor_type): (&str, ActorType)| {
            let m = Arc::new(ActorMetrics::new());
            bridge.register(name, actor_type, Arc::clone(&m));
            m
        };
        let [chain_m, engine_m, network_m, sync_m, bridge_m, storage_m] = ACTOR_NAMES.map(register);

        // At most 32 connected peers get a quality series of their own (the default cap is
        // 256); the peer count drifts between 14 and 44, so now and then the newest peers
        // fold into `peer_id="other"` (alys_peer_quality_folded_total) until others leave.
        alys_metrics::chain::set_peer_id_cap(32);
        // The migration works in the temporary directory: the collector reports its
        // filesystem's free and total space.
        alys_metrics::chain::set_migration_data_dir(std::env::temp_dir());
        let mut dice = Dice::new(seed, "genesis");
        let view = Rc::new(ChainView::default());
        // The federation is ahead by a few hundred blocks: the node starts by syncing.
        view.network_head.set(dice.int(300, 700));

        let make_storage = {
            let m = Arc::clone(&storage_m);
            move |n| StorageActor::new(Arc::clone(&m), Dice::new(seed ^ n, "storage"))
        };
        let storage = supervised(&storage_m, make_storage.clone());
        let make_engine = {
            let m = Arc::clone(&engine_m);
            move |n| EngineActor::new(Arc::clone(&m), Dice::new(seed ^ n, "engine"))
        };
        let engine = supervised(&engine_m, make_engine.clone());
        // The chain and network actors know each other: the network's context (and so its
        // address) exists before the chain actor, the network actor itself after it.
        let network_ctx: Context<NetworkActor> = Context::new();
        let network = Slot::new(network_ctx.address(), Arc::clone(&network_m));
        let make_chain = {
            let view = Rc::clone(&view);
            let (engine, storage, network) =
                (Rc::clone(&engine), Rc::clone(&storage), Rc::clone(&network));
            move |n| {
                ChainActor::new(
                    Authority {
                        id: authority_id(me),
                    },
                    Rc::clone(&view),
                    Rc::clone(&engine),
                    Rc::clone(&storage),
                    Rc::clone(&network),
                    Dice::new(seed ^ n, "chain"),
                )
            }
        };
        let chain = supervised(&chain_m, make_chain.clone());
        let make_network = {
            let (view, chain) = (Rc::clone(&view), Rc::clone(&chain));
            move |n| {
                NetworkActor::new(
                    Dice::new(seed ^ n, "network"),
                    Rc::clone(&view),
                    Rc::clone(&chain),
                )
            }
        };
        network_ctx.run(make_network(0));
        let make_sync = {
            let (m, view, chain) = (Arc::clone(&sync_m), Rc::clone(&view), Rc::clone(&chain));
            move |n| {
                SyncActor::new(
                    Arc::clone(&m),
                    Dice::new(seed ^ n, "sync"),
                    Rc::clone(&view),
                    Rc::clone(&chain),
                )
            }
        };
        let sync = supervised(&sync_m, make_sync.clone());
        let make_bridge = {
            let (view, chain) = (Rc::clone(&view), Rc::clone(&chain));
            let activity = activity.clone();
            move |n| {
                BridgeActor::new(
                    Dice::new(seed ^ n, "bridge"),
                    Rc::clone(&view),
                    Rc::clone(&chain),
                    activity.clone(),
                )
            }
        };
        let bridge_actor = supervised(&bridge_m, make_bridge.clone());

        let actors = Rc::new(Actors {
            view,
            chain: Rc::clone(&chain),
            network: Rc::clone(&network),
            sync: Rc::clone(&sync),
            bridge: Rc::clone(&bridge_actor),
            storage: Rc::clone(&storage),
        });
        let watched: Vec<Box<dyn Watched>> = vec![
            Watch::boxed("chain", chain, make_chain),
            Watch::boxed("engine", engine, make_engine),
            Watch::boxed("network", network, make_network),
            Watch::boxed("sync", sync, make_sync),
            Watch::boxed("bridge", bridge_actor, make_bridge),
            Watch::boxed("storage", storage, make_storage),
        ];

        let mut tasks = Vec::new();
        match bridge.start_collection() {
            Ok(task) => tasks.push(task),
            Err(e) => tracing::error!(error = %e, "actor metrics are not collected"),
        }
        let a = &activity;
        let d = |part: &str| Dice::new(seed, part);
        tasks.extend([
            actix_rt::spawn(supervise(watched, a.clone())),
            actix_rt::spawn(drivers::slots(
                Rc::clone(&actors),
                me,
                d("slots"),
                a.clone(),
            )),
            actix_rt::spawn(drivers::transactions(
                Rc::clone(&actors),
                d("txs"),
                a.clone(),
            )),
            actix_rt::spawn(drivers::peers(Rc::clone(&actors), a.clone())),
            actix_rt::spawn(drivers::sync(Rc::clone(&actors), a.clone())),
            actix_rt::spawn(drivers::bitcoin(
                Rc::clone(&actors),
                d("bitcoin"),
                a.clone(),
            )),
            actix_rt::spawn(services::rpc(Rc::clone(&actors), d("rpc"), a.clone())),
            actix_rt::spawn(services::feature_flags(d("flags"), a.clone())),
            actix_rt::spawn(migration::migration(d("migration"), a.clone())),
            actix_rt::spawn(lighthouse::migration(d("lighthouse"), a.clone())),
            actix_rt::spawn(lighthouse::client_health(d("client"), a.clone())),
            actix_rt::spawn(governance::governance(d("governance"), a.clone())),
            actix_rt::spawn(database::database(d("database"), a.clone())),
            actix_rt::spawn(dependencies::dependencies(d("deps"), a.clone())),
            actix_rt::spawn(traffic::traffic(d("traffic"), a.clone(), deadlock)),
        ]);
        Self { bridge, tasks }
    }

    /// Stops the drivers and unregisters the actors (their `stop` events); the actors stop
    /// with the actix system.
    fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        for (name, _) in ACTOR_NAMES {
            self.bridge.unregister(name);
        }
    }
}

/// Starts an actor under an actix supervisor (which restarts it in place when it stops
/// itself) and puts it in a slot.
fn supervised<A>(metrics: &Arc<ActorMetrics>, make: impl FnOnce(u64) -> A) -> Rc<Slot<A>>
where
    A: Actor<Context = Context<A>> + actix::Supervised,
{
    let actor = make(0);
    // Its restart and escalation series exist at 0 from start-up, under actix's supervisor
    // and the node's own (which replaces actors that panicked).
    let name = std::any::type_name::<A>()
        .rsplit("::")
        .next()
        .unwrap_or("actor");
    for supervisor in [supervision::ACTIX_SUPERVISOR, "node"] {
        supervision::declare(supervisor, name);
    }
    Slot::new(Supervisor::start(move |_| actor), Arc::clone(metrics))
}

/// An actor the node's supervisor watches.
trait Watched {
    /// Its name.
    fn name(&self) -> &'static str;
    /// Starts a new actor if the current one died (a handler panicked); true if it did.
    fn revive_if_dead(&self) -> bool;
    /// Sends a health check; resolves to whether the actor answered within 2 s.
    fn ping(&self) -> Pin<Box<dyn Future<Output = bool>>>;
}

struct Watch<A: Actor, F> {
    name: &'static str,
    slot: Rc<Slot<A>>,
    make: F,
    restarts: Cell<u64>,
}

impl<A, F> Watch<A, F>
where
    A: Actor<Context = Context<A>> + actix::Supervised + Handler<HealthCheck>,
    F: Fn(u64) -> A + 'static,
{
    fn boxed(name: &'static str, slot: Rc<Slot<A>>, make: F) -> Box<dyn Watched> {
        Box::new(Self {
            name,
            slot,
            make,
            restarts: Cell::new(0),
        })
    }
}

impl<A, F> Watched for Watch<A, F>
where
    A: Actor<Context = Context<A>> + actix::Supervised + Handler<HealthCheck>,
    F: Fn(u64) -> A + 'static,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn revive_if_dead(&self) -> bool {
        if self.slot.addr().connected() {
            return false;
        }
        let n = self.restarts.get() + 1;
        self.restarts.set(n);
        self.slot.metrics().record_restart(RestartReason::Panic);
        // actix ran the dead actor's stop hooks while its task unwound; the replacement is the
        // node's supervisor's restart (actix's `Supervisor` went with the task).
        let actor_name = std::any::type_name::<A>()
            .rsplit("::")
            .next()
            .unwrap_or("actor");
        supervision::restarted_by("node", actor_name, RestartReason::Panic);
        let actor = (self.make)(n);
        self.slot.replace(Supervisor::start(move |_| actor));
        true
    }

    fn ping(&self) -> Pin<Box<dyn Future<Output = bool>>> {
        let addr = self.slot.addr();
        let ticket = self.slot.ticket();
        Box::pin(async move {
            let reply =
                tokio::time::timeout(Duration::from_secs(2), addr.send(HealthCheck { ticket }))
                    .await;
            matches!(reply, Ok(Ok(true)))
        })
    }
}

/// The node's supervisor: every second it restarts the actors that died; every 5 s (while
/// the activity runs) it health-checks all of them.
async fn supervise(watched: Vec<Box<dyn Watched>>, activity: Activity) {
    let mut ticks = control::every(Duration::from_secs(1));
    let mut second = 0u64;
    loop {
        ticks.tick().await;
        second += 1;
        for w in &watched {
            if w.revive_if_dead() {
                tracing::warn!(
                    actor = w.name(),
                    "actor died (its handler panicked); restarted"
                );
            }
        }
        if second.is_multiple_of(5) && !activity.is_paused() {
            for w in &watched {
                let (name, ping) = (w.name(), w.ping());
                actix_rt::spawn(async move {
                    if !ping.await {
                        tracing::warn!(actor = name, "actor missed its health check");
                    }
                });
            }
        }
    }
}
