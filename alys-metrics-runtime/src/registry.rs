//! The default registry: every `#[alys_metric]` static in the program, found at start-up, plus
//! collectors registered at run time.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock, RwLock};

use crate::encode::{openmetrics, EncodeFormat, Format};
use crate::exposition::created::{self, CreatedTimestamps};
use crate::exposition::family;
use crate::exposition::proto::{self, MetricType};
use crate::metric::encoder::{Encoder, Target};
use crate::metric::{Collect, Descriptor, Kind};

mod include;
mod prometheus_registry;
mod report;

pub use include::{Include, Source};
pub use report::{FamilySeries, SeriesReport};

/// A static's entry in the program-wide list of declared metrics. Emitted by `#[alys_metric]`.
#[doc(hidden)]
pub struct Registration(pub &'static dyn Collect);

inventory::collect!(Registration);

/// Two metric families with one name: the program would export ambiguous data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    /// The name both families claim.
    pub name: String,
    /// Where the first one is declared (`path (file:line)`), or the included source and
    /// family that holds the name.
    pub first: String,
    /// Where the second one is declared, or the included source and family that asks for it.
    pub second: String,
    /// The other names of the same inclusion that clash too (each is refused with it), so
    /// one start-up lists every family to move; empty for a declaration.
    pub others: Vec<String>,
    /// How to resolve it.
    pub fix: &'static str,
}

/// [`RegistryError::fix`] of two declarations.
const RENAME: &str = "rename one with `name = \"...\"`";
/// [`RegistryError::fix`] of a clash with an included registry.
const MOVE: &str = "a family moved to `#[alys_metric]` leaves the old registry in the same \
                    change (a name is served once)";

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "two metrics are named `{}`: {} and {}; {}",
            self.name, self.first, self.second, self.fix
        )?;
        if !self.others.is_empty() {
            write!(f, "; these clash too: `{}`", self.others.join("`, `"))?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryError {}

fn location(d: &Descriptor) -> String {
    format!("`{}` ({}:{})", d.rust_path, d.file, d.line)
}

/// Every name one of our families takes in some format ([`family::occupied_names`]).
fn occupied(d: &Descriptor) -> Vec<String> {
    let kind = match d.kind {
        Kind::Counter => MetricType::Counter,
        Kind::Gauge => MetricType::Gauge,
        Kind::Histogram => MetricType::Histogram,
    };
    family::occupied_names(d.name, kind)
}

/// The family that counts dynamic label values folded into `"other"`.
pub static LABEL_OVERFLOW: Descriptor = Descriptor::new(
    "alys_label_overflow_total",
    "Values of capped dynamic labels that were folded into the series \"other\", by metric.",
    Kind::Counter,
)
.labels(&["metric"], &["metric name"])
.declared_at("alys_metrics::catalogue::LABEL_OVERFLOW", file!(), line!());

/// The family that exports the build's version and commit as labels of a constant 1.
pub static BUILD_INFO: Descriptor = Descriptor::new(
    "alys_build_info",
    "Build information of the running node; always 1, a join target for dashboards.",
    Kind::Gauge,
)
.labels(&["version", "commit"], &["string", "string"])
.declared_at("alys_metrics::catalogue::BUILD_INFO", file!(), line!());

/// The family that names the families of included registries left out of the scrape: one
/// registered into an included registry after its inclusion under a name already served
/// ([`Registry::include`]). Served while the registry includes one.
pub static INCLUDED_LEFT_OUT: Descriptor = Descriptor::new(
    "alys_included_families_left_out",
    "Families of included registries left out of the scrape because their name is already \
     served (1 each), by included source index and family name.",
    Kind::Gauge,
)
.labels(&["source", "family"], &["source index", "family name"])
.declared_at(
    "alys_metrics::catalogue::INCLUDED_LEFT_OUT",
    file!(),
    line!(),
);

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
    included: RwLock<include::Sources>,
    /// [`CreatedTimestamps::protobuf`].
    created_protobuf: AtomicBool,
    /// [`CreatedTimestamps::openmetrics`].
    created_openmetrics: AtomicBool,
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
        // The start time of the families computed at scrape time.
        created::process_start();
        Self {
            statics: Vec::new(),
            extra: RwLock::new(Vec::new()),
            size_hint: 0.into(),
            included: RwLock::default(),
            created_protobuf: AtomicBool::new(CreatedTimestamps::default().protobuf),
            created_openmetrics: AtomicBool::new(CreatedTimestamps::default().openmetrics),
        }
    }

    fn from_statics(mut statics: Vec<&'static dyn Collect>) -> Result<Self, RegistryError> {
        statics.sort_by_key(|c| c.descriptor().name);
        let mut builtin: HashMap<&str, &Descriptor> = HashMap::new();
        builtin.insert(LABEL_OVERFLOW.name, &LABEL_OVERFLOW);
        builtin.insert(BUILD_INFO.name, &BUILD_INFO);
        builtin.insert(INCLUDED_LEFT_OUT.name, &INCLUDED_LEFT_OUT);
        for pair in statics.windows(2) {
            let (a, b) = (pair[0].descriptor(), pair[1].descriptor());
            if a.name == b.name {
                return Err(RegistryError {
                    name: a.name.to_owned(),
                    first: location(a),
                    second: location(b),
                    others: Vec::new(),
                    fix: RENAME,
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
                    others: Vec::new(),
                    fix: RENAME,
                });
            }
            c.init();
        }
        Ok(Self {
            statics,
            ..Self::new()
        })
    }

    /// Adds a collector whose values are computed at scrape time.
    ///
    /// # Errors
    ///
    /// [`RegistryError`] when a family of the same name is already registered, or when a
    /// family of an included registry ([`include`](Self::include)) takes one of its names
    /// (its name, its sample names or its OpenMetrics family name); nothing is added then.
    pub fn register(&self, collector: Arc<dyn Collect>) -> Result<(), RegistryError> {
        let d = collector.descriptor();
        // The included sources first, as `include` takes them: no scrape admits a family
        // between the check and the push.
        let included = self.included.read().unwrap_or_else(|p| p.into_inner());
        let mut extra = self.extra.write().unwrap_or_else(|p| p.into_inner());
        let existing = self
            .statics
            .iter()
            .map(|c| c.descriptor())
            .chain(extra.iter().map(|c| c.descriptor()))
            .chain([&LABEL_OVERFLOW, &BUILD_INFO, &INCLUDED_LEFT_OUT])
            .find(|e| e.name == d.name);
        if let Some(e) = existing {
            return Err(RegistryError {
                name: d.name.to_owned(),
                first: location(e),
                second: location(d),
                others: Vec::new(),
                fix: RENAME,
            });
        }
        if !included.is_empty() {
            let theirs = included.owners();
            let mut clashes = occupied(d).into_iter().filter_map(|n| theirs.get(&n));
            if let Some(holder) = clashes.next() {
                return Err(RegistryError {
                    name: d.name.to_owned(),
                    first: holder.clone(),
                    second: location(d),
                    others: Vec::new(),
                    fix: MOVE,
                });
            }
        }
        collector.init();
        extra.push(collector);
        included.recheck();
        Ok(())
    }

    /// Serves the families of another library's registry from this registry, after its own,
    /// in every format: text 0.0.4, OpenMetrics and protobuf. `source` is a
    /// `prometheus::Registry` of the `prometheus` crate 0.14 (feature `prometheus`) or 0.13
    /// (feature `prometheus-0_13`), any [`Source`], or an [`Include`]: a text source of any
    /// other version ([`Include::text`]), or a source whose doubled prefix is repaired
    /// ([`Include::repair_doubled_prefix`]). Call it at start-up, before the exporter
    /// serves, once for each registry the program fills.
    ///
    /// The Alys node (prometheus 0.13.4) serves its `ALYS_REGISTRY` (prefix `alys`) and the
    /// default registry; with the `prometheus-0_13` feature and its `prometheus` being 0.13:
    ///
    /// ```ignore
    /// let ours = alys_metrics::init()?;
    /// ours.include(Include::new(ALYS_REGISTRY.clone()).repair_doubled_prefix("alys"))?;
    /// ours.include(prometheus::default_registry().clone())?;
    /// ```
    ///
    /// A run-time example with the 0.14 feature:
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// # #[cfg(feature = "prometheus")] {
    /// let legacy = prometheus::Registry::new();
    /// let c = prometheus::IntCounterVec::new(
    ///     prometheus::Opts::new("legacy_requests_total", "Requests."),
    ///     &["route"],
    /// )
    /// .unwrap();
    /// legacy.register(Box::new(c.clone())).unwrap();
    /// c.with_label_values(&["/"]).inc();
    /// let ours = alys_metrics::Registry::new();
    /// ours.include(legacy).unwrap();
    /// assert!(ours
    ///     .encode_to_string()
    ///     .contains("legacy_requests_total{route=\"/\"} 1\n"));
    /// # }
    /// ```
    ///
    /// Names: a family is served once. Each family of `source` takes its name, its sample
    /// names (`_bucket`, `_sum`, `_count`) and its OpenMetrics family name (a counter's
    /// without `_total`); a counter named without `_total` is served as `unknown` in
    /// OpenMetrics under that same name, so every format gives Prometheus the same series.
    ///
    /// A family registered into an included registry after this call is served from the next
    /// scrape on, unless it takes a name already served (by one of ours or by another
    /// included family): then the one served first keeps it, the newcomer is left out of
    /// every scrape, logged once at ERROR, and named by the gauge
    /// `alys_included_families_left_out{source="1",family="x"} 1` (served while anything is
    /// included) for an alert to catch. [`register`](Self::register) refuses a family of ours
    /// whose name an included family holds.
    ///
    /// # Errors
    ///
    /// [`RegistryError`] naming both sides when a family of `source` takes a name of ours or
    /// of a registry included before, or two of its own take one name once repaired; its
    /// `others` lists every other clashing name, so one start-up lists every family to move.
    /// Nothing is included then.
    pub fn include(&self, source: impl Into<Include>) -> Result<(), RegistryError> {
        let mut included = self.included.write().unwrap_or_else(|p| p.into_inner());
        let mut taken = self.our_owners();
        taken.extend(included.owners());
        included
            .add(source.into(), taken)
            .map_err(|include::Clashes(mut all)| {
                let (name, first, second) = all.remove(0);
                RegistryError {
                    name,
                    first,
                    second,
                    others: all.into_iter().map(|(n, _, _)| n).collect(),
                    fix: MOVE,
                }
            })
    }

    /// Every name our families take, by their declarations.
    fn our_owners(&self) -> HashMap<String, String> {
        let mut owners = HashMap::new();
        for d in self.all_descriptors() {
            let at = location(d);
            for n in occupied(d) {
                owners.entry(n).or_insert_with(|| at.clone());
            }
        }
        owners
    }

    /// The included sources' families for one scrape, and the gauge of those left out.
    fn gather_included(&self, enc: &mut Encoder<'_>) -> Vec<proto::MetricFamily> {
        let included = self.included.read().unwrap_or_else(|p| p.into_inner());
        if included.is_empty() {
            return Vec::new();
        }
        let (gathered, left_out) = included.gather(|| self.our_owners());
        let mut family = enc.family(&INCLUDED_LEFT_OUT);
        for l in &left_out {
            let source = l.source.to_string();
            family.sample(&[("source", &source), ("family", &l.family)], 1_i64);
        }
        gathered
    }

    /// Descriptors of every family, sorted by name: also those never updated yet
    /// (`alys_included_families_left_out` while the registry includes another's); not the
    /// families of included registries.
    pub fn descriptors(&self) -> Vec<&'static Descriptor> {
        let mut all = self.all_descriptors();
        if self
            .included
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
        {
            all.retain(|d| d.name != INCLUDED_LEFT_OUT.name);
        }
        all
    }

    /// Descriptors of every family of ours and every built-in, sorted by name.
    fn all_descriptors(&self) -> Vec<&'static Descriptor> {
        let extra = self.extra.read().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<_> = self
            .statics
            .iter()
            .map(|c| c.descriptor())
            .chain(extra.iter().map(|c| c.descriptor()))
            .chain([&LABEL_OVERFLOW, &BUILD_INFO, &INCLUDED_LEFT_OUT])
            .collect();
        all.sort_by_key(|d| d.name);
        all
    }

    /// Number of metric families: ours and the built-ins (with
    /// `alys_included_families_left_out` while anything is included), not the families of
    /// included registries.
    pub fn metrics_count(&self) -> usize {
        let included = !self
            .included
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty();
        self.statics.len() + self.extra.read().map_or(0, |e| e.len()) + 2 + usize::from(included)
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
        self.encode_format(Format::Text, out);
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
        let created = self.created_timestamps();
        let (target, created) = match format {
            Format::Text => (Target::Text, false),
            Format::OpenMetrics => (Target::OpenMetrics, created.openmetrics),
            Format::Protobuf => (Target::Protobuf, created.protobuf),
        };
        // The last scrape's size is a close guess for any format.
        out.reserve(self.size_hint.load(std::sync::atomic::Ordering::Relaxed));
        let start = out.len();
        let mut enc = Encoder::new(out, target).with_created(created);
        let extra = self.extra.read().unwrap_or_else(|p| p.into_inner());
        for c in self
            .statics
            .iter()
            .copied()
            .chain(extra.iter().map(|c| &**c))
        {
            c.encode(&mut enc);
        }
        self.encode_builtin(&mut enc, &extra);
        drop(extra);
        for f in &self.gather_included(&mut enc) {
            enc.included(f);
        }
        if format == Format::OpenMetrics {
            out.extend_from_slice(openmetrics::EOF);
        }
        if format == Format::Text {
            self.size_hint
                .store(out.len() - start, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Which formats carry the start time of each counter and histogram series
    /// ([`CreatedTimestamps`]): protobuf's `created_timestamp` by default, OpenMetrics'
    /// `_created` lines when turned on (as client_golang's `EnableOpenMetricsTextCreatedSamples`).
    /// A `#[alys_metric]` family's enum-labelled series start when the registry starts (the
    /// family is allocated then; a dynamic label's `"other"` too); a series with a dynamic
    /// label value starts when the value took its slot (its first use, or its first use after
    /// `Metric::forget`); a family computed at scrape time and the built-in counters start at
    /// the process's start (the registry's); the families of
    /// [included](Self::include) registries carry what their library gives (the `prometheus`
    /// crate: no start times). The metric hot path is untouched: the family's time is taken
    /// once, a dynamic value's on the slow path that gives it a slot, and both are read at
    /// scrape time.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::encode::created::CreatedTimestamps;
    /// use alys_metrics::Registry;
    ///
    /// let r = Registry::new();
    /// assert_eq!(r.created_timestamps(), CreatedTimestamps { protobuf: true, openmetrics: false });
    /// r.set_created_timestamps(CreatedTimestamps { protobuf: true, openmetrics: true });
    /// assert!(r.created_timestamps().openmetrics);
    /// ```
    pub fn set_created_timestamps(&self, created: CreatedTimestamps) {
        self.created_protobuf
            .store(created.protobuf, std::sync::atomic::Ordering::Relaxed);
        self.created_openmetrics
            .store(created.openmetrics, std::sync::atomic::Ordering::Relaxed);
    }

    /// The formats that carry start times now (see
    /// [`set_created_timestamps`](Self::set_created_timestamps)).
    pub fn created_timestamps(&self) -> CreatedTimestamps {
        CreatedTimestamps {
            protobuf: self
                .created_protobuf
                .load(std::sync::atomic::Ordering::Relaxed),
            openmetrics: self
                .created_openmetrics
                .load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// `alys_build_info` and `alys_label_overflow_total`.
    fn encode_builtin(&self, enc: &mut Encoder<'_>, extra: &[Arc<dyn Collect>]) {
        let (version, commit) = build_info();
        enc.family(&BUILD_INFO)
            .sample(&[("version", version), ("commit", commit)], 1_i64);
        let mut overflow = enc.family(&LABEL_OVERFLOW);
        let all = self
            .statics
            .iter()
            .copied()
            .chain(extra.iter().map(|c| &**c));
        for c in all.filter(|c| c.has_dynamic_labels()) {
            overflow.sample(&[("metric", c.descriptor().name)], c.overflowed());
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

impl Registry {
    /// Samples and bytes per family of one text scrape of this registry (included
    /// registries too), in scrape order: as `catalogue::series_report()` does for the default registry.
    pub fn series_report(&self) -> SeriesReport {
        let mut text = Vec::new();
        self.encode(&mut text);
        SeriesReport::from_text(&text)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::metric::{Gauge, Metric};

    /// A source whose families the test sets.
    #[derive(Clone, Default)]
    struct Families(Arc<Mutex<Vec<proto::MetricFamily>>>);

    impl Families {
        fn set(&self, names: &[&str]) {
            *self.0.lock().unwrap() = names
                .iter()
                .map(|n| proto::MetricFamily {
                    name: Some((*n).to_owned()),
                    help: Some("Theirs.".into()),
                    r#type: Some(MetricType::Gauge as i32),
                    metric: vec![proto::Metric {
                        gauge: Some(proto::Gauge { value: Some(5.0) }),
                        ..Default::default()
                    }],
                    unit: None,
                })
                .collect();
        }
    }

    impl Source for Families {
        fn gather(&self, out: &mut Vec<proto::MetricFamily>) {
            out.extend(self.0.lock().unwrap().iter().cloned());
        }
        fn describe(&self) -> String {
            "test families".into()
        }
    }

    static LATE: Descriptor = Descriptor::new("late_gauge", "Ours.", Kind::Gauge).declared_at(
        "tests::LATE",
        file!(),
        line!(),
    );

    #[test]
    fn a_family_back_in_an_included_registry_after_ours_took_its_name_is_left_out() {
        let theirs = Families::default();
        theirs.set(&["late_gauge", "other_gauge"]);
        let ours = Registry::new();
        ours.include(theirs.clone()).unwrap();
        assert!(ours.encode_to_string().contains("\nlate_gauge 5\n"));
        // Unregistered from their registry; ours takes the name; theirs comes back.
        theirs.set(&["other_gauge"]);
        ours.register(Arc::new(Metric::<Gauge, ()>::new(&LATE)))
            .expect("the name is free now");
        theirs.set(&["late_gauge", "other_gauge"]);
        let text = ours.encode_to_string();
        assert_eq!(text.matches("# TYPE late_gauge ").count(), 1, "{text}");
        assert!(text.contains("\nlate_gauge 0\n"), "ours: {text}");
        assert!(text.contains("\nother_gauge 5\n"), "{text}");
        assert!(
            text.contains(
                "alys_included_families_left_out{source=\"0\",family=\"late_gauge\"} 1\n"
            ),
            "{text}"
        );
        // The registry refuses ours under a name theirs holds.
        theirs.set(&["other_gauge", "taken_gauge"]);
        static TAKEN: Descriptor = Descriptor::new("taken_gauge", "Ours.", Kind::Gauge)
            .declared_at("tests::TAKEN", file!(), line!());
        let err = ours
            .register(Arc::new(Metric::<Gauge, ()>::new(&TAKEN)))
            .unwrap_err();
        assert_eq!(
            err.first,
            "included source #0 (test families), family `taken_gauge`"
        );
    }
}
