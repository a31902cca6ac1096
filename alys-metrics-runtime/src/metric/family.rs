use std::ops::Deref;
use std::sync::OnceLock;

use super::{Descriptor, MetricCore};
use crate::encode::{write_header, write_label_value, SampleWriter};
use crate::labels::{LabelDim, LabelSet};

/// A declared metric family: the type of every `#[alys_metric]` static.
///
/// `M` is the value type ([`Counter`](super::Counter), [`Gauge`](super::Gauge), ...), `L` the
/// tuple of label dimensions. All children live in one array, created (at zero) the first time
/// the family is touched or when the registry starts; [`with`](Metric::with) turns the typed
/// label values into an index into it. An unlabelled family dereferences to its only child.
pub struct Metric<M: MetricCore, L: LabelSet = ()> {
    desc: &'static Descriptor,
    family: OnceLock<Family<M, L>>,
}

struct Family<M: MetricCore, L: LabelSet> {
    children: Box<[M]>,
    shared: M::Shared,
    state: L::State,
    /// The label pairs of every child, rendered once on the first scrape; only for label sets
    /// whose values are all known up front (no dynamic dimension).
    rendered: OnceLock<Rendered>,
}

/// The `a="x",b="y"` text of every child, back to back, with each child's end offset.
struct Rendered {
    text: Box<[u8]>,
    ends: Box<[usize]>,
}

impl<M: MetricCore, L: LabelSet> Metric<M, L> {
    /// A family for `desc`, not yet allocated. Called by `#[alys_metric]`.
    pub const fn new(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            family: OnceLock::new(),
        }
    }

    /// The declaration's descriptor.
    pub fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    #[inline(always)]
    fn family(&self) -> &Family<M, L> {
        self.family.get_or_init(|| Family {
            children: (0..L::CARDINALITY)
                .map(|_| M::new_child(self.desc))
                .collect(),
            shared: M::new_shared(self.desc),
            state: L::new_state(),
            rendered: OnceLock::new(),
        })
    }

    /// The child at a flat index; the index is always below `L::CARDINALITY` by construction.
    #[inline(always)]
    fn child(&self, index: usize) -> &M {
        &self.family().children[index]
    }

    /// Label values of the child at `index`, or `None` when a dynamic slot in it is unused.
    fn child_labels<'s>(fam: &'s Family<M, L>, mut index: usize, out: &mut [&'s str; 6]) -> bool {
        for dim in (0..L::ARITY).rev() {
            let size = L::dim_size(dim);
            match L::slot_value(&fam.state, dim, index % size) {
                Some(v) => out[dim] = v,
                None => return false,
            }
            index /= size;
        }
        true
    }

    /// Number of series currently exported (enum series always; dynamic ones once used).
    pub fn series_count(&self) -> usize {
        let fam = self.family();
        if L::STATIC {
            return L::CARDINALITY;
        }
        let mut vals = [""; 6];
        (0..L::CARDINALITY)
            .filter(|i| Self::child_labels(fam, *i, &mut vals))
            .count()
    }
}

impl<M: MetricCore> Deref for Metric<M, ()> {
    type Target = M;
    #[inline(always)]
    fn deref(&self) -> &M {
        self.child(0)
    }
}

macro_rules! with_impl {
    ($($T:ident $a:ident $i:tt),+) => {
        impl<M: MetricCore, $($T: LabelDim),+> Metric<M, ($($T,)+)> {
            /// The child for these label values, one per declared label, in order.
            ///
            /// For enum labels this is a few multiplications and an array index: no hashing, no
            /// lock, no allocation. A dynamic (`&str`) label is sanitised and looked up in its
            /// bounded table; keep the returned reference where that value is updated often.
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            pub fn with(&self, $($a: $T::Input<'_>),+) -> &M {
                let fam = self.family();
                let mut index = 0usize;
                $( index = index * $T::SIZE + $T::resolve(&fam.state.$i, $a); )+
                &fam.children[index]
            }
        }
    };
}

with_impl!(A a 0);
with_impl!(A a 0, B b 1);
with_impl!(A a 0, B b 1, C c 2);
with_impl!(A a 0, B b 1, C c 2, D d 3);
with_impl!(A a 0, B b 1, C c 2, D d 3, E e 4);
with_impl!(A a 0, B b 1, C c 2, D d 3, E e 4, F f 5);

/// A metric family as the registry sees it: something that can describe and encode itself.
///
/// Implemented by every [`Metric`]; implement it to export values computed at scrape time and
/// register the collector with [`Registry::register`](crate::Registry::register).
pub trait Collect: Send + Sync {
    /// The family's descriptor.
    fn descriptor(&self) -> &'static Descriptor;
    /// Allocates the family so that every enum-labelled series exists (at 0).
    fn init(&self);
    /// Appends the family in text exposition format (HELP, TYPE and samples).
    fn encode(&self, out: &mut Vec<u8>);
    /// Number of series the family exports now.
    fn series_count(&self) -> usize;
    /// Values of dynamic labels folded into `"other"` so far.
    fn overflowed(&self) -> u64 {
        0
    }
    /// True when the family has a dynamic (capped string) label.
    fn has_dynamic_labels(&self) -> bool {
        false
    }
}

impl<M: MetricCore, L: LabelSet> Collect for Metric<M, L> {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        self.family();
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let fam = self.family();
        let desc = self.desc;
        write_header(out, desc.name, desc.help, M::KIND.as_str());
        if L::STATIC {
            // Every child exists and its labels never change: render them once.
            let rendered = fam.rendered.get_or_init(|| {
                let mut text = Vec::new();
                let mut vals = [""; 6];
                let ends = (0..fam.children.len())
                    .map(|index| {
                        Self::child_labels(fam, index, &mut vals);
                        render_labels(&mut text, desc.label_names, &vals[..L::ARITY]);
                        text.len()
                    })
                    .collect();
                Rendered {
                    text: text.into_boxed_slice(),
                    ends,
                }
            });
            let mut start = 0;
            for (child, &end) in fam.children.iter().zip(rendered.ends.iter()) {
                let labels = &rendered.text[start..end];
                start = end;
                child.encode(
                    &fam.shared,
                    &mut SampleWriter {
                        out,
                        name: desc.name,
                        labels,
                    },
                );
            }
            return;
        }
        let mut labels = Vec::with_capacity(128);
        let mut vals = [""; 6];
        for (index, child) in fam.children.iter().enumerate() {
            if !Self::child_labels(fam, index, &mut vals) {
                continue;
            }
            labels.clear();
            render_labels(&mut labels, desc.label_names, &vals[..L::ARITY]);
            child.encode(
                &fam.shared,
                &mut SampleWriter {
                    out,
                    name: desc.name,
                    labels: &labels,
                },
            );
        }
    }

    fn series_count(&self) -> usize {
        Metric::series_count(self)
    }

    fn overflowed(&self) -> u64 {
        L::overflowed(&self.family().state)
    }

    fn has_dynamic_labels(&self) -> bool {
        !L::STATIC
    }
}

/// Appends `name="value",...` for one child.
fn render_labels(out: &mut Vec<u8>, names: &[&str], values: &[&str]) {
    for (dim, (name, value)) in names.iter().zip(values).enumerate() {
        if dim > 0 {
            out.push(b',');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        write_label_value(out, value);
        out.push(b'"');
    }
}
