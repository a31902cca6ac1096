//! The default registry: every `#[alys_metric]` static in the program, found at start-up, plus
//! collectors registered at run time.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use crate::encode::{
    openmetrics, protobuf, write_header, write_label_value, write_u64, EncodeFormat, Format,
};
use crate::metric::{Collect, Descriptor, Kind};

/// A static's entry in the program-wide list of declared metrics. Emitted by `#[alys_metric]`.
#[doc(hidden)]
pub struct Registration(pub &'static dyn Collect);

inventory::collect!(Registration);

/// Two metric families with one name: the program would export ambiguous data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    /// The name both families claim.
    pub name: String,
    /// Where the first one is declared (`path (file:line)`).
    pub first: String,
    /// Where the second one is declared.
    pub second: String,
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "two metrics are named `{}`: {} and {}; rename one with `name = \"...\"`",
            self.name, self.first, self.second
        )
    }
}

impl std::error::Error for RegistryError {}

fn location(d: &Descriptor) -> String {
    format!("`{}` ({}:{})", d.rust_path, d.file, d.line)
}

/// The family that counts dynamic label values folded into `"other"`.
pub static LABEL_OVERFLOW: Descriptor = Descriptor::new(
    "alys_label_overflow_total",
    "Values of capped dynamic labels that were folded into the series \"other\", by metric.",
    Kind::Counter,
)
.labels(&["metric"], &["metric name"])
.declared_at("alys_metrics::registry::LABEL_OVERFLOW", file!(), line!());

/// The family that exports the build's version and commit as labels of a constant 1.
pub static BUILD_INFO: Descriptor = Descriptor::new(
    "alys_build_info",
    "Build information of the running node; always 1, a join target for dashboards.",
    Kind::Gauge,
)
.labels(&["version", "commit"], &["string", "string"])
.declared_at("alys_metrics::registry::BUILD_INFO", file!(), line!());

static BUILD: OnceLock<(String, String)> = OnceLock::new();

/// Sets the node's build version and commit: the `version` and `commit` labels of
/// `alys_build_info` and the `version` and `commit` fields of the exporter's `/health` (which
/// reports this library's own version apart, as `library_version`). Call it at start-up,
/// before the first scrape; the first call wins and returns `true`. Without a call they are
/// this crate's version and the `ALYS_GIT_COMMIT` variable at build time (`unknown` when
/// unset).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// alys_metrics::set_build_info(env!("CARGO_PKG_VERSION"), option_env!("GIT_COMMIT").unwrap_or("dev"));
/// ```
pub fn set_build_info(version: &str, commit: &str) -> bool {
    BUILD.set((version.to_owned(), commit.to_owned())).is_ok()
}

pub(crate) fn build_info() -> &'static (String, String) {
    BUILD.get_or_init(|| {
        (
            env!("CARGO_PKG_VERSION").to_owned(),
            option_env!("ALYS_GIT_COMMIT")
                .unwrap_or("unknown")
                .to_owned(),
        )
    })
}

/// A set of metric families that encodes to one exposition text.
///
/// The program-wide default is [`registry()`]; it holds every `#[alys_metric]` static of every
/// crate linked into the program, sorted by name, each allocated with all of its enum-labelled
/// series at 0, plus the built-in `alys_build_info` and `alys_label_overflow_total`.
pub struct Registry {
    statics: Vec<&'static dyn Collect>,
    extra: RwLock<Vec<Arc<dyn Collect>>>,
    size_hint: std::sync::atomic::AtomicUsize,
    #[cfg(feature = "prometheus")]
    prometheus: RwLock<Vec<prometheus::Registry>>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl EncodeFormat for Registry {
    fn encode_format(&self, format: Format, out: &mut Vec<u8>) {
        Registry::encode_format(self, format, out);
    }
}

impl Registry {
    /// A registry without the program's `#[alys_metric]` statics: only the built-in
    /// `alys_build_info` and `alys_label_overflow_total`, and what is [`register`]ed into it.
    /// For families built at run time (`Arc::new(Metric::new(&DESCRIPTOR))`) and isolated tests.
    ///
    /// [`register`]: Registry::register
    pub fn new() -> Self {
        Self {
            statics: Vec::new(),
            extra: RwLock::new(Vec::new()),
            size_hint: 0.into(),
            #[cfg(feature = "prometheus")]
            prometheus: RwLock::new(Vec::new()),
        }
    }

    fn from_statics(mut statics: Vec<&'static dyn Collect>) -> Result<Self, RegistryError> {
        statics.sort_by_key(|c| c.descriptor().name);
        let mut builtin: HashMap<&str, &Descriptor> = HashMap::new();
        builtin.insert(LABEL_OVERFLOW.name, &LABEL_OVERFLOW);
        builtin.insert(BUILD_INFO.name, &BUILD_INFO);
        for pair in statics.windows(2) {
            let (a, b) = (pair[0].descriptor(), pair[1].descriptor());
            if a.name == b.name {
                return Err(RegistryError {
                    name: a.name.to_owned(),
                    first: location(a),
                    second: location(b),
                });
            }
        }
        for c in &statics {
            let d = c.descriptor();
            if let Some(b) = builtin.get(d.name) {
                return Err(RegistryError {
                    name: d.name.to_owned(),
                    first: location(b),
                    second: location(d),
                });
            }
            c.init();
        }
        Ok(Self {
            statics,
            extra: RwLock::new(Vec::new()),
            size_hint: 0.into(),
            #[cfg(feature = "prometheus")]
            prometheus: RwLock::new(Vec::new()),
        })
    }

    /// Adds a collector whose values are computed at scrape time.
    ///
    /// # Errors
    ///
    /// [`RegistryError`] when a family of the same name is already registered; nothing is
    /// added then.
    pub fn register(&self, collector: Arc<dyn Collect>) -> Result<(), RegistryError> {
        let d = collector.descriptor();
        let mut extra = self.extra.write().unwrap_or_else(|p| p.into_inner());
        let existing = self
            .statics
            .iter()
            .map(|c| c.descriptor())
            .chain(extra.iter().map(|c| c.descriptor()))
            .chain([&LABEL_OVERFLOW, &BUILD_INFO])
            .find(|e| e.name == d.name);
        if let Some(e) = existing {
            return Err(RegistryError {
                name: d.name.to_owned(),
                first: location(e),
                second: location(d),
            });
        }
        collector.init();
        extra.push(collector);
        Ok(())
    }

    /// Serves the families of a `prometheus` crate registry (such as
    /// `prometheus::default_registry().clone()`) from this registry, after its own, in every
    /// format (the `prometheus` feature). Call it at start-up, before the exporter serves,
    /// for each registry the program fills.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// let legacy = prometheus::Registry::new();
    /// let c = prometheus::IntCounterVec::new(
    ///     prometheus::Opts::new("legacy_requests_total", "Requests."),
    ///     &["route"],
    /// )
    /// .unwrap();
    /// legacy.register(Box::new(c.clone())).unwrap();
    /// c.with_label_values(&["/"]).inc();
    /// let ours = alys_metrics::Registry::new();
    /// ours.include_prometheus(legacy).unwrap();
    /// assert!(ours
    ///     .encode_to_string()
    ///     .contains("legacy_requests_total{route=\"/\"} 1\n"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`RegistryError`] naming both sides when a family it holds now has the name of one of
    /// ours or of a registry included before; nothing is included then. A family registered
    /// into it later under a name that clashes is left out of every scrape and logged at
    /// ERROR.
    #[cfg(feature = "prometheus")]
    pub fn include_prometheus(&self, registry: prometheus::Registry) -> Result<(), RegistryError> {
        let mut included = self.prometheus.write().unwrap_or_else(|p| p.into_inner());
        let ours = self.descriptors();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (i, r) in included.iter().enumerate() {
            for f in r.gather() {
                seen.insert(
                    f.name().to_owned(),
                    format!("`prometheus::Registry` #{i} included before"),
                );
            }
        }
        let side = format!("`prometheus::Registry` #{} being included", included.len());
        for f in registry.gather() {
            let name = f.name();
            let first = ours
                .iter()
                .find(|d| d.name == name)
                .map(|d| location(d))
                .or_else(|| seen.get(name).cloned());
            if let Some(first) = first {
                return Err(RegistryError {
                    name: name.to_owned(),
                    first,
                    second: format!("{side} (family `{name}`)"),
                });
            }
        }
        included.push(registry);
        Ok(())
    }

    /// The included `prometheus` registries' families in text, without those whose name is
    /// taken.
    #[cfg(feature = "prometheus")]
    fn encode_prometheus(&self, out: &mut Vec<u8>) {
        use prometheus::Encoder as _;
        let included = self.prometheus.read().unwrap_or_else(|p| p.into_inner());
        if included.is_empty() {
            return;
        }
        let mut taken: std::collections::HashSet<String> = self
            .descriptors()
            .iter()
            .map(|d| d.name.to_owned())
            .collect();
        for r in included.iter() {
            let families: Vec<_> = r
                .gather()
                .into_iter()
                .filter(|f| {
                    let fresh = taken.insert(f.name().to_owned());
                    if !fresh {
                        tracing::error!(
                            metric = f.name(),
                            "a prometheus-crate family has the name of another family; left out"
                        );
                    }
                    fresh
                })
                .collect();
            if let Err(e) = prometheus::TextEncoder::new().encode(&families, out) {
                tracing::error!(error = %e, "encoding a prometheus-crate registry failed");
            }
        }
    }

    /// Descriptors of every family, sorted by name: also those never updated yet.
    pub fn descriptors(&self) -> Vec<&'static Descriptor> {
        let extra = self.extra.read().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<_> = self
            .statics
            .iter()
            .map(|c| c.descriptor())
            .chain(extra.iter().map(|c| c.descriptor()))
            .chain([&LABEL_OVERFLOW, &BUILD_INFO])
            .collect();
        all.sort_by_key(|d| d.name);
        all
    }

    /// Number of metric families.
    pub fn metrics_count(&self) -> usize {
        self.statics.len() + self.extra.read().map_or(0, |e| e.len()) + 2
    }

    /// Number of series exported now.
    pub fn series_count(&self) -> usize {
        let extra = self.extra.read().unwrap_or_else(|p| p.into_inner());
        let dynamic = self
            .statics
            .iter()
            .copied()
            .chain(extra.iter().map(|c| &**c))
            .filter(|c| c.has_dynamic_labels())
            .count();
        self.statics.iter().map(|c| c.series_count()).sum::<usize>()
            + extra.iter().map(|c| c.series_count()).sum::<usize>()
            + dynamic
            + 1
    }

    /// Appends the whole registry in text exposition format 0.0.4.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.size_hint.load(std::sync::atomic::Ordering::Relaxed));
        let start = out.len();
        for c in &self.statics {
            c.encode(out);
        }
        let extra = self.extra.read().unwrap_or_else(|p| p.into_inner());
        for c in extra.iter() {
            c.encode(out);
        }
        self.encode_builtin(out, &extra);
        #[cfg(feature = "prometheus")]
        self.encode_prometheus(out);
        self.size_hint
            .store(out.len() - start, std::sync::atomic::Ordering::Relaxed);
    }

    /// Appends the whole registry in `format`: text 0.0.4 ([`encode`](Self::encode)),
    /// OpenMetrics text (ending in `# EOF`) or delimited protobuf `MetricFamily` messages.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::encode::{protobuf, Format};
    ///
    /// let mut om = Vec::new();
    /// alys_metrics::registry().encode_format(Format::OpenMetrics, &mut om);
    /// assert!(om.ends_with(b"# EOF\n"));
    /// let mut pb = Vec::new();
    /// alys_metrics::registry().encode_format(Format::Protobuf, &mut pb);
    /// let families = protobuf::decode(&pb).unwrap();
    /// assert!(families.iter().any(|f| f.name.as_deref() == Some("alys_build_info")));
    /// ```
    pub fn encode_format(&self, format: Format, out: &mut Vec<u8>) {
        if format == Format::Text {
            return self.encode(out);
        }
        // The text's size is a close guess for OpenMetrics and an upper one for protobuf.
        out.reserve(self.size_hint.load(std::sync::atomic::Ordering::Relaxed));
        let extra = self.extra.read().unwrap_or_else(|p| p.into_inner());
        let all = self
            .statics
            .iter()
            .copied()
            .chain(extra.iter().map(|c| &**c));
        let om = format == Format::OpenMetrics;
        for c in all {
            if om {
                c.encode_openmetrics(out);
            } else {
                c.encode_protobuf(out);
            }
        }
        let mut text = Vec::new();
        self.encode_builtin(&mut text, &extra);
        #[cfg(feature = "prometheus")]
        self.encode_prometheus(&mut text);
        if om {
            openmetrics::from_text(&text, out);
            out.extend_from_slice(openmetrics::EOF);
        } else {
            protobuf::from_text(&text, out);
        }
    }

    /// `alys_build_info` and `alys_label_overflow_total`, in text.
    fn encode_builtin(&self, out: &mut Vec<u8>, extra: &[Arc<dyn Collect>]) {
        write_header(out, BUILD_INFO.name, BUILD_INFO.help, "gauge");
        let (version, commit) = build_info();
        out.extend_from_slice(b"alys_build_info{version=\"");
        write_label_value(out, version);
        out.extend_from_slice(b"\",commit=\"");
        write_label_value(out, commit);
        out.extend_from_slice(b"\"} 1\n");
        write_header(out, LABEL_OVERFLOW.name, LABEL_OVERFLOW.help, "counter");
        let all = self
            .statics
            .iter()
            .copied()
            .chain(extra.iter().map(|c| &**c));
        for c in all.filter(|c| c.has_dynamic_labels()) {
            out.extend_from_slice(b"alys_label_overflow_total{metric=\"");
            out.extend_from_slice(c.descriptor().name.as_bytes());
            out.extend_from_slice(b"\"} ");
            write_u64(out, c.overflowed());
            out.push(b'\n');
        }
    }

    /// The whole registry as exposition text.
    pub fn encode_to_string(&self) -> String {
        let mut out = Vec::new();
        self.encode(&mut out);
        // Every piece written is UTF-8: names and values are `&str`.
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

static DEFAULT: OnceLock<Result<Registry, RegistryError>> = OnceLock::new();

/// Builds the default registry (once): collects every `#[alys_metric]` static, checks that no
/// two share a name, and allocates every family so that enum-labelled series exist at 0.
///
/// Call it at start-up ([`serve`](crate) does) so that a naming conflict stops the node
/// before it runs rather than at the first scrape.
///
/// # Errors
///
/// [`RegistryError`] when two declarations share a name; every later call returns the same
/// error.
pub fn init() -> Result<&'static Registry, RegistryError> {
    DEFAULT
        .get_or_init(|| {
            Registry::from_statics(
                inventory::iter::<Registration>
                    .into_iter()
                    .map(|r| r.0)
                    .collect(),
            )
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The default registry.
///
/// # Panics
///
/// When [`init`] fails (two metrics with one name): a program in that state cannot export
/// unambiguous data. Call [`init`] first to handle the error instead.
pub fn registry() -> &'static Registry {
    match init() {
        Ok(r) => r,
        Err(e) => panic!("alys-metrics: {e}"),
    }
}

/// Descriptors of every metric family in the default registry, sorted by name: every
/// declared metric, also those never touched yet.
///
/// # Panics
///
/// As [`registry`].
pub fn catalogue() -> Vec<&'static Descriptor> {
    registry().descriptors()
}
