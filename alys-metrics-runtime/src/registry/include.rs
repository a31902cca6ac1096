//! Registries of other libraries served beside ours ([`Registry::include`](super::Registry::include)):
//! what a source yields ([`Source`]), how it is included ([`Include`]: prefix repair), and
//! the name checks at inclusion and at every scrape.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::exposition::family::{kind_of, occupied_names};
use crate::exposition::proto::{self, MetricType};
use crate::exposition::protobuf;

/// A registry of another metrics library whose families a [`Registry`](super::Registry)
/// serves beside its own, in every format ([`Registry::include`](super::Registry::include)).
///
/// Implemented for `prometheus::Registry` of the `prometheus` crate 0.14 (feature
/// `prometheus`) and 0.13 (feature `prometheus-0_13`, the Alys node's version); any other
/// version, or any library that renders text 0.0.4, is included with [`Include::text`].
/// Implement it for a library that can hand over its families in the protobuf model.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::encode::proto;
/// use alys_metrics::Source;
///
/// /// One gauge read from somewhere else at every scrape.
/// struct Depth;
/// impl Source for Depth {
///     fn gather(&self, out: &mut Vec<proto::MetricFamily>) {
///         out.push(proto::MetricFamily {
///             name: Some("legacy_queue_depth".into()),
///             help: Some("Queue depth.".into()),
///             r#type: Some(proto::MetricType::Gauge as i32),
///             metric: vec![proto::Metric {
///                 gauge: Some(proto::Gauge { value: Some(4.0) }),
///                 ..Default::default()
///             }],
///             unit: None,
///         });
///     }
///     fn describe(&self) -> String {
///         "the queue's depth".into()
///     }
/// }
///
/// let ours = alys_metrics::Registry::new();
/// ours.include(Depth).unwrap();
/// assert!(ours.encode_to_string().contains("legacy_queue_depth 4\n"));
/// ```
pub trait Source: Send + Sync + 'static {
    /// Appends the source's families as they are now, each with its name as served (a
    /// registry's own prefix applied).
    fn gather(&self, out: &mut Vec<proto::MetricFamily>);

    /// What the source is, for errors and logs (`prometheus 0.13 Registry`).
    fn describe(&self) -> String;
}

/// A closure that renders text exposition 0.0.4: [`Include::text`].
struct Text<F> {
    what: String,
    render: F,
}

impl<F: Fn(&mut Vec<u8>) + Send + Sync + 'static> Source for Text<F> {
    fn gather(&self, out: &mut Vec<proto::MetricFamily>) {
        let mut text = Vec::new();
        (self.render)(&mut text);
        out.extend(protobuf::parse_text(&text));
    }

    fn describe(&self) -> String {
        self.what.clone()
    }
}

/// A [`Source`] to serve, with how to serve it: what
/// [`Registry::include`](super::Registry::include) takes. A bare source converts into one
/// (`ours.include(registry)`); [`Include::repair_doubled_prefix`] renames on the way.
///
/// # Moving one family
///
/// A family moves from an included registry to `#[alys_metric]` in one change: the new
/// declaration and the removal of the old registration (both at once would be refused at
/// start-up). The node's `ENGINE_BUILD_BLOCK_CALLS` (`app/src/metrics.rs`), registered as
/// `register_int_counter_vec_with_registry!("engine_build_block_calls_total", "Number of times
/// build_block is invoked", &["status", "reason"], ALYS_REGISTRY)` and served as
/// `alys_engine_build_block_calls_total`, updated with
/// `with_label_values(&["failed", "engine_api_get_payload_error"])`, keeps its name, labels and
/// values. (Here the static is `NODE_ENGINE_BUILD_BLOCK_CALLS`, because this crate's own
/// catalogue, with the `chain` feature, declares the same family; in the node it keeps its
/// name.) Label values are lower-case ASCII letters, digits and `_`: a value spelled otherwise
/// changes, and so do the alerts that match it.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::prelude::*;
///
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
/// pub enum BuildStatus {
///     Called,
///     Failed,
///     Success,
/// }
/// #[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
/// pub enum BuildReason {
///     Default,
///     EngineApiForkchoiceUpdatedError,
///     EngineApiGetPayloadError,
/// }
///
/// /// Number of times build_block is invoked
/// #[alys_metric(counter, labels(status: BuildStatus, reason: BuildReason))]
/// pub static NODE_ENGINE_BUILD_BLOCK_CALLS: Counter;
///
/// NODE_ENGINE_BUILD_BLOCK_CALLS
///     .with(BuildStatus::Failed, BuildReason::EngineApiGetPayloadError)
///     .inc();
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains(
///     "alys_node_engine_build_block_calls_total{status=\"failed\",reason=\"engine_api_get_payload_error\"} 1\n"
/// ));
/// // Every series exists from start-up, at 0.
/// assert!(text.contains(
///     "alys_node_engine_build_block_calls_total{status=\"success\",reason=\"default\"} 0\n"
/// ));
/// ```
pub struct Include {
    source: Box<dyn Source>,
    repair: Option<String>,
}

impl<S: Source> From<S> for Include {
    fn from(source: S) -> Self {
        Include::new(source)
    }
}

impl std::fmt::Debug for Include {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Include")
            .field("source", &self.source.describe())
            .field("repair", &self.repair)
            .finish()
    }
}

impl Include {
    /// Serves `source`'s families under the names it gives them.
    pub fn new(source: impl Source) -> Self {
        Include {
            source: Box::new(source),
            repair: None,
        }
    }

    /// Serves what `render` appends at each scrape: text exposition 0.0.4, as the
    /// `TextEncoder` of every `prometheus` crate version writes it (and most other
    /// libraries' text encoders). `what` names the source in errors and logs. The text is
    /// parsed at each scrape, so a typed source ([`Source`], the `prometheus`/`prometheus-0_13`
    /// features) costs less.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::Include;
    /// // e.g. `|out| { let _ = prometheus::TextEncoder::new().encode(&prometheus::gather(), out); }`
    /// let legacy = Include::text("the bridge's prometheus 0.12 registry", |out| {
    ///     out.extend_from_slice(b"# HELP pegins_total Peg-ins.\n# TYPE pegins_total counter\npegins_total 2\n");
    /// });
    /// let ours = alys_metrics::Registry::new();
    /// ours.include(legacy).unwrap();
    /// assert!(ours.encode_to_string().ends_with("# TYPE pegins_total counter\npegins_total 2\n"));
    /// ```
    pub fn text(
        what: impl Into<String>,
        render: impl Fn(&mut Vec<u8>) + Send + Sync + 'static,
    ) -> Self {
        Include::new(Text {
            what: what.into(),
            render,
        })
    }

    /// Serves a family named `{prefix}_{prefix}_rest` as `{prefix}_rest`, in every format:
    /// for a registry created with a prefix (`Registry::new_custom(Some("alys".into()), None)`)
    /// whose families were registered with names already starting with it, which it serves
    /// doubled (`alys_alys_migration_phase`). The repaired names are the ones checked for
    /// clashes, so a registry holding both `migration_phase` and `alys_migration_phase` is
    /// refused.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::Include;
    /// let legacy = Include::text("ALYS_REGISTRY", |out| {
    ///     out.extend_from_slice(b"# HELP alys_alys_legacy_phase Phase.\n# TYPE alys_alys_legacy_phase gauge\nalys_alys_legacy_phase 3\n");
    /// });
    /// let ours = alys_metrics::Registry::new();
    /// ours.include(legacy.repair_doubled_prefix("alys")).unwrap();
    /// let text = ours.encode_to_string();
    /// assert!(text.contains("\nalys_legacy_phase 3\n") && !text.contains("alys_alys_"));
    /// ```
    #[must_use]
    pub fn repair_doubled_prefix(mut self, prefix: &str) -> Self {
        self.repair = Some(format!("{prefix}_"));
        self
    }
}

/// The family name a repair serves `name` under, when it renames it.
fn repaired(repair: Option<&str>, name: &str) -> Option<String> {
    let p = repair?;
    let rest = name.strip_prefix(p)?.strip_prefix(p)?;
    Some(format!("{p}{rest}"))
}

/// One included source: the inclusion's options, and the families served from it so far (by
/// the name the source gives them, before any repair, and their type), which keep their
/// served names when a newcomer claims one.
pub(super) struct Included {
    include: Include,
    what: String,
    admitted: Mutex<HashMap<String, MetricType>>,
}

/// A family left out of a scrape: its source's index, its name as it would be served, and
/// who holds the name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct LeftOut {
    pub source: usize,
    pub family: String,
    pub holder: String,
}

/// Who takes a name: a family of ours (its declaration) or of an included source.
pub(super) type Owners = HashMap<String, String>;

impl Included {
    /// The side an included family is on, for errors: `included source #1 (prometheus 0.13
    /// Registry), family `x``, with the name it came under when repaired.
    fn side(&self, index: usize, f: &proto::MetricFamily, original: Option<&str>) -> String {
        let name = f.name.as_deref().unwrap_or_default();
        match original {
            Some(o) if o != name => format!(
                "included source #{index} ({}), family `{o}` served as `{name}`",
                self.what
            ),
            _ => format!("included source #{index} ({}), family `{name}`", self.what),
        }
    }

    /// The source's families now, repaired, with the names they came under; each histogram
    /// with its `+Inf` bucket (the `prometheus` crate's `gather()` leaves it to its text
    /// encoder), so that protobuf carries the buckets text does, as ours do.
    fn gather(&self) -> Vec<(proto::MetricFamily, Option<String>)> {
        let mut families = Vec::new();
        self.include.source.gather(&mut families);
        families
            .into_iter()
            .map(|mut f| {
                for h in f.metric.iter_mut().filter_map(|m| m.histogram.as_mut()) {
                    if !h
                        .bucket
                        .iter()
                        .any(|b| b.upper_bound == Some(f64::INFINITY))
                    {
                        h.bucket.push(proto::Bucket {
                            cumulative_count: Some(h.sample_count.unwrap_or(0)),
                            upper_bound: Some(f64::INFINITY),
                            ..Default::default()
                        });
                    }
                }
                let name = f.name.as_deref().unwrap_or_default();
                match repaired(self.include.repair.as_deref(), name) {
                    Some(new) => {
                        let old = f.name.replace(new);
                        (f, old)
                    }
                    None => (f, None),
                }
            })
            .collect()
    }
}

/// The included sources of a registry.
#[derive(Default)]
pub(super) struct Sources {
    list: Vec<Included>,
    /// (source, family) pairs already logged as left out, so each is logged once.
    reported: Mutex<HashSet<(usize, String)>>,
}

/// Every clash of one inclusion, the first as the error's sides.
pub(super) struct Clashes(pub Vec<(String, String, String)>);

impl Sources {
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Forgets which families were served before, so the next scrape checks every family
    /// again: after one of ours is registered, a family absent from its registry at that
    /// moment and back later must not be served under the new family's name.
    pub fn recheck(&self) {
        for s in &self.list {
            s.admitted.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
    }

    /// The names the included sources' families take now, by owner description.
    pub fn owners(&self) -> Owners {
        let mut owners = Owners::new();
        for (i, s) in self.list.iter().enumerate() {
            for (f, original) in s.gather() {
                let side = s.side(i, &f, original.as_deref());
                for n in occupied_names(f.name.as_deref().unwrap_or_default(), kind_of(&f)) {
                    owners.entry(n).or_insert_with(|| side.clone());
                }
            }
        }
        owners
    }

    /// Adds `include` unless one of its families takes a name in `taken` (ours and the
    /// sources included before) or two of its own take one name (after repair): then every
    /// such clash, as (name, holder, newcomer).
    pub fn add(&mut self, include: Include, mut taken: Owners) -> Result<(), Clashes> {
        let what = include.source.describe();
        let entry = Included {
            include,
            what,
            admitted: Mutex::new(HashMap::new()),
        };
        let index = self.list.len();
        let mut clashes = Vec::new();
        let mut admitted = HashMap::new();
        for (f, original) in entry.gather() {
            let name = f.name.clone().unwrap_or_default();
            let kind = kind_of(&f);
            let side = entry.side(index, &f, original.as_deref());
            let names = occupied_names(&name, kind);
            if let Some(holder) = names.iter().find_map(|n| taken.get(n)) {
                clashes.push((name, holder.clone(), side));
                continue;
            }
            for n in names {
                taken.insert(n, side.clone());
            }
            admitted.insert(original.unwrap_or(name), kind);
        }
        if !clashes.is_empty() {
            return Err(Clashes(clashes));
        }
        *entry.admitted.lock().unwrap_or_else(|p| p.into_inner()) = admitted;
        self.list.push(entry);
        Ok(())
    }

    /// Gathers every source for one scrape: the families to serve, in inclusion order, and
    /// those left out. A family keeps being served under the name it
    /// was served under before; a family new since the last scrape is served unless it takes
    /// a name already taken (by one of ours, whose names `ours` gives when asked, or by
    /// another included family): then it is left out, logged once at ERROR, and returned
    /// among the left out.
    pub fn gather(
        &self,
        ours: impl FnOnce() -> Owners,
    ) -> (Vec<proto::MetricFamily>, Vec<LeftOut>) {
        let mut all: Vec<Vec<(proto::MetricFamily, Option<String>)>> =
            self.list.iter().map(Included::gather).collect();
        // Served before and unchanged in type: their names were checked when admitted, and
        // ours cannot take them since (`Registry::register` refuses).
        let mut known: Vec<Vec<bool>> = Vec::with_capacity(all.len());
        let mut any_new = false;
        for (s, families) in self.list.iter().zip(&all) {
            let admitted = s.admitted.lock().unwrap_or_else(|p| p.into_inner());
            let flags: Vec<bool> = families
                .iter()
                .map(|(f, original)| {
                    let given = original
                        .as_deref()
                        .or(f.name.as_deref())
                        .unwrap_or_default();
                    admitted.get(given).is_some_and(|k| *k == kind_of(f))
                })
                .collect();
            any_new |= flags.iter().any(|k| !k);
            known.push(flags);
        }
        let mut left_out = Vec::new();
        if any_new {
            // Rare: a family registered into an included registry after its inclusion.
            let mut taken = ours();
            for (i, (s, families)) in self.list.iter().zip(&all).enumerate() {
                for ((f, original), &k) in families.iter().zip(&known[i]) {
                    if k {
                        let side = s.side(i, f, original.as_deref());
                        for n in occupied_names(f.name.as_deref().unwrap_or_default(), kind_of(f)) {
                            taken.entry(n).or_insert_with(|| side.clone());
                        }
                    }
                }
            }
            for (i, (s, families)) in self.list.iter().zip(&mut all).enumerate() {
                let mut keep = known[i].iter();
                let mut admitted = s.admitted.lock().unwrap_or_else(|p| p.into_inner());
                families.retain(|(f, original)| {
                    if keep.next().copied().unwrap_or(false) {
                        return true;
                    }
                    let name = f.name.clone().unwrap_or_default();
                    let kind = kind_of(f);
                    let names = occupied_names(&name, kind);
                    if let Some(holder) = names.iter().find_map(|n| taken.get(n)) {
                        left_out.push(LeftOut {
                            source: i,
                            family: name,
                            holder: holder.clone(),
                        });
                        return false;
                    }
                    let side = s.side(i, f, original.as_deref());
                    for n in names {
                        taken.insert(n, side.clone());
                    }
                    admitted.insert(original.clone().unwrap_or(name), kind);
                    true
                });
            }
            let mut reported = self.reported.lock().unwrap_or_else(|p| p.into_inner());
            for l in &left_out {
                if reported.insert((l.source, l.family.clone())) {
                    tracing::error!(
                        metric = %l.family,
                        source = l.source,
                        holder = %l.holder,
                        "a family registered into an included registry after its inclusion takes \
                         a name already served; it is left out of every scrape \
                         (alys_included_families_left_out)"
                    );
                }
            }
        }
        let served = all.into_iter().flatten().map(|(f, _)| f).collect();
        (served, left_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_doubled_prefix_is_repaired() {
        let r = Some("alys_");
        assert_eq!(
            repaired(r, "alys_alys_migration_phase").as_deref(),
            Some("alys_migration_phase")
        );
        assert_eq!(repaired(r, "alys_migration_phase"), None);
        assert_eq!(repaired(r, "alys_alysx"), None);
        assert_eq!(repaired(None, "alys_alys_x"), None);
    }
}
