//! The registry of a spec in `measured`: one dense `*Vec` per family over a label set whose
//! rows are the spec's series, collected by a hand-written `MetricGroup` (what
//! `#[derive(MetricGroup)]` writes, for families named at run time) into a
//! `BufferedTextEncoder`.
//!
//! `measured` fixes a histogram's bucket count at compile time; this builds 1 to 16 buckets.
//! Its counters are integers: a fractional counter value is rounded.

use std::convert::Infallible;

use measured::label::{LabelGroup, LabelGroupSet, LabelGroupVisitor, LabelName};
use measured::metric::group::Encoding as _;
use measured::metric::histogram::Thresholds;
use measured::metric::name::MetricName;
use measured::metric::MetricFamilyEncoding;
use measured::text::BufferedTextEncoder;
use measured::{CounterVec, FloatGaugeVec, HistogramVec, MetricGroup};

use crate::spec::{FamilySpec, Kind, RegistrySpec};

/// The label set of one family: its label names and one row of values per series.
pub struct Rows {
    names: Vec<&'static LabelName>,
    rows: Vec<Vec<String>>,
}

/// One series' label pairs.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    names: &'a [&'static LabelName],
    values: &'a [String],
    index: usize,
}

impl LabelGroup for Row<'_> {
    fn visit_values(&self, v: &mut impl LabelGroupVisitor) {
        for (name, value) in self.names.iter().zip(self.values) {
            v.write_value(name, &value.as_str());
        }
    }
}

impl Rows {
    fn row(&self, index: usize) -> Row<'_> {
        Row {
            names: &self.names,
            values: &self.rows[index],
            index,
        }
    }
}

impl LabelGroupSet for Rows {
    type Group<'a> = Row<'a>;
    type Unique = usize;

    fn cardinality(&self) -> Option<usize> {
        Some(self.rows.len())
    }

    fn encode_dense(&self, value: usize) -> Option<usize> {
        Some(value)
    }

    fn decode_dense(&self, value: usize) -> Row<'_> {
        self.row(value)
    }

    fn encode(&self, value: Row<'_>) -> Option<usize> {
        Some(value.index)
    }

    fn decode(&self, value: &usize) -> Row<'_> {
        self.row(*value)
    }
}

/// A family of any type, collected into the text encoder.
trait Family: Send + Sync {
    fn collect(&self, name: &MetricName, enc: &mut BufferedTextEncoder);
}

impl<T: MetricFamilyEncoding<BufferedTextEncoder> + Send + Sync> Family for T {
    fn collect(&self, name: &MetricName, enc: &mut BufferedTextEncoder) {
        // The buffered encoder's error type is `Infallible`.
        let Ok(()) = self.collect_family_into(name, enc);
    }
}

struct Named {
    name: &'static MetricName,
    help: String,
    family: Box<dyn Family>,
}

/// Every family of a spec, as one metric group.
pub struct Registry {
    families: Vec<Named>,
}

impl MetricGroup<BufferedTextEncoder> for Registry {
    fn collect_group_into(&self, enc: &mut BufferedTextEncoder) -> Result<(), Infallible> {
        for f in &self.families {
            enc.write_help(f.name, &f.help)?;
            f.family.collect(f.name, enc);
        }
        Ok(())
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn rows(f: &FamilySpec) -> Rows {
    Rows {
        names: f
            .label_names
            .iter()
            .map(|n| LabelName::from_str(leak(n)))
            .collect(),
        rows: f.series.iter().map(|s| s.labels.clone()).collect(),
    }
}

fn histogram<const N: usize>(f: &FamilySpec) -> Result<Box<dyn Family>, String> {
    let bounds = <[f64; N]>::try_from(&f.buckets[..]).map_err(|e| e.to_string())?;
    let mut v = HistogramVec::<Rows, N>::dense_with_label_set_and_metadata(
        rows(f),
        Thresholds::with_buckets(bounds),
    );
    v.init_all_dense();
    for (i, s) in f.series.iter().enumerate() {
        let row = v.get_label_set().row(i);
        for o in &s.observations {
            v.observe(row, *o);
        }
    }
    Ok(Box::new(v))
}

macro_rules! histogram_of_len {
    ($f:expr, $($n:literal)+) => {
        match $f.buckets.len() {
            $($n => histogram::<$n>($f),)+
            n => Err(format!("`{}`: {n} buckets; this build of the measured peer takes 1 to 16", $f.name)),
        }
    };
}

/// Builds `spec` as one `measured` metric group.
///
/// # Errors
///
/// An invalid metric name, or a histogram with more than 16 buckets.
pub fn build(spec: &RegistrySpec) -> Result<Registry, String> {
    let mut families = Vec::with_capacity(spec.families.len());
    for f in &spec.families {
        let family: Box<dyn Family> = match f.kind {
            Kind::Counter => {
                let mut v = CounterVec::dense_with_label_set(rows(f));
                v.init_all_dense();
                for (i, s) in f.series.iter().enumerate() {
                    let row = v.get_label_set().row(i);
                    v.inc_by(row, s.value.round() as u64);
                }
                Box::new(v)
            }
            Kind::Gauge => {
                let mut v = FloatGaugeVec::dense_with_label_set(rows(f));
                v.init_all_dense();
                for (i, s) in f.series.iter().enumerate() {
                    let row = v.get_label_set().row(i);
                    v.set(row, s.value);
                }
                Box::new(v)
            }
            Kind::Histogram => histogram_of_len!(f, 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)?,
        };
        families.push(Named {
            name: MetricName::try_from_str(leak(&f.name)).map_err(|e| e.to_string())?,
            help: f.help.clone(),
            family,
        });
    }
    Ok(Registry { families })
}

/// One scrape: the whole group encoded, the bytes taken out of the encoder (which keeps its
/// buffer for the next scrape, as measured recommends).
pub fn scrape(registry: &Registry, enc: &mut BufferedTextEncoder) -> bytes::Bytes {
    let Ok(()) = registry.collect_group_into(enc);
    enc.finish()
}
