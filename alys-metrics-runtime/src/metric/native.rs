//! Native (sparse exponential) histogram buckets, as Prometheus and client_golang define them.
//!
//! At schema `s` (from -4 to 8) bucket `i` holds the values in `(2^((i-1)·2^-s), 2^(i·2^-s)]`,
//! positive and negative values in buckets of their own, and values within the zero threshold
//! (2^-128, client_golang's default) in the zero bucket. Buckets are indexed exactly as
//! client_golang's `histogram.go` does it: `frexp` and a search in the same table of
//! fractions for positive schemas, a shift of the binary exponent for the others.
//!
//! An observation is counted at the declared schema in a dense table of atomic counters
//! covering `[2^-40, 2^40)` (about 1e-12 to 1e12), allocated 64 counters at a time on first
//! use: an observation there is a table search and one relaxed atomic add. Values outside
//! that range (and infinities) go to a mutex-guarded map, correct but slower. The bucket
//! limit is applied when a scrape reads the buckets: while more buckets are populated than
//! `max_buckets`, the schema is lowered by one and neighbouring buckets are merged (halving the
//! resolution), down to schema -4 at most. This is the reduction client_golang applies when a
//! new bucket goes over the limit, applied as far as needed at once (as the Prometheus server
//! does for its own bucket limit); client_golang reduces by one step per new bucket and
//! can therefore stay above the limit for a while where this never does. Zero-bucket widening
//! and resets (client_golang's `NativeHistogramMaxZeroThreshold` and
//! `NativeHistogramMinResetDuration`) are not implemented.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

/// The lowest schema Prometheus defines (buckets growing by a factor of 65536).
pub const MIN_SCHEMA: i8 = -4;
/// The highest schema Prometheus defines (buckets growing by a factor of 2^(1/256)).
pub const MAX_SCHEMA: i8 = 8;
/// The width of the zero bucket: values with `|v| <= ZERO_THRESHOLD` count in it.
/// client_golang's `DefNativeHistogramZeroThreshold`, 2^-128.
pub const ZERO_THRESHOLD: f64 = 2.938735877055719e-39;

/// The native buckets a histogram keeps next to its classic ones:
/// `#[alys_metric(histogram, native(schema = 3, max_buckets = 160))]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NativeConfig {
    /// The finest schema, from -4 to 8: each power of two is split into `2^schema` buckets.
    pub schema: i8,
    /// The most populated buckets exported (both signs together; the zero bucket not counted);
    /// above it the schema is lowered until they fit.
    pub max_buckets: u32,
}

impl NativeConfig {
    /// Schema 3 (buckets growing by about 9 %, client_golang's recommended factor 1.1) and
    /// at most 160 buckets (client_golang's suggestion).
    pub const DEFAULT: Self = Self {
        schema: 3,
        max_buckets: 160,
    };

    /// A configuration; `#[alys_metric]` checks both values at compile time.
    ///
    /// # Panics
    ///
    /// When `schema` is outside -4..=8 or `max_buckets` is 0.
    pub const fn new(schema: i8, max_buckets: u32) -> Self {
        assert!(
            schema >= MIN_SCHEMA && schema <= MAX_SCHEMA,
            "schema must be in -4..=8"
        );
        assert!(max_buckets > 0, "max_buckets must be at least 1");
        Self {
            schema,
            max_buckets,
        }
    }
}

impl Default for NativeConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `frexp`: `v == frac * 2^exp` with `frac` in `[0.5, 1)`, for finite `v > 0`.
#[inline]
fn frexp(v: f64) -> (f64, i32) {
    let bits = v.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    if exponent == 0 {
        // Subnormal: scale into the normal range first.
        let (frac, exp) = frexp(v * 2f64.powi(64));
        return (frac, exp - 64);
    }
    let frac = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (frac, exponent - 1022)
}

/// The bucket of `v` (positive, not NaN) at `schema`, exactly as client_golang computes it;
/// `+Inf` goes one bucket above `f64::MAX`.
#[inline]
pub fn bucket_index(schema: i8, v: f64) -> i32 {
    let inf = v.is_infinite();
    let (frac, exp) = frexp(if inf { f64::MAX } else { v });
    let index = if schema > 0 {
        below(schema, frac) as i32 + (exp - 1) * (1 << schema)
    } else {
        let mut key = exp;
        if frac == 0.5 {
            key -= 1;
        }
        let shift = -i32::from(schema);
        let offset = (1 << shift) - 1;
        (key + offset) >> shift
    };
    index + i32::from(inf)
}

/// The number of `BOUNDS[schema]` below `frac` (in `[0.5, 1)`), for `schema` in 1..=8: the
/// cell of `frac`'s top mantissa bits gives the count below the cell's start ([`CELLS`]), and
/// one comparison adds the one bound that can lie inside the cell. The same comparisons as
/// counting the table, without the scan.
#[inline(always)]
fn below(schema: i8, frac: f64) -> usize {
    let s = schema as usize;
    let bounds = BOUNDS[s];
    let mantissa = frac.to_bits() & ((1u64 << 52) - 1);
    let cell = (mantissa >> (51 - s)) as usize;
    let j = usize::from(CELLS[s][cell]);
    j + usize::from(bounds.get(j).is_some_and(|b| *b < frac))
}

/// For each positive schema `s`, the number of `BOUNDS[s]` below the start of each of the
/// `2^(s+1)` equal cells of `[0.5, 1)`; cells are narrower than the gap between two bounds, so
/// at most one bound lies inside a cell.
const fn cells<const N: usize>(s: usize) -> [u16; N] {
    let bounds = BOUNDS[s];
    let mut out = [0u16; N];
    let width = 0.5 / N as f64;
    let mut c = 0;
    while c < N {
        let start = 0.5 + c as f64 * width;
        let mut k = 0;
        while k < bounds.len() && bounds[k] < start {
            k += 1;
        }
        out[c] = k as u16;
        c += 1;
    }
    out
}

static CELLS: [&[u16]; 9] = [
    &[],
    &cells::<4>(1),
    &cells::<8>(2),
    &cells::<16>(3),
    &cells::<32>(4),
    &cells::<64>(5),
    &cells::<128>(6),
    &cells::<256>(7),
    &cells::<512>(8),
];

/// The upper bound of bucket `index` at `schema`: `2^(index·2^-schema)`.
pub fn upper_bound(schema: i8, index: i32) -> f64 {
    if schema <= 0 {
        let exp = i64::from(index) << -i32::from(schema);
        return if exp >= 1024 {
            f64::MAX
        } else {
            2f64.powi(exp as i32)
        };
    }
    let bounds = BOUNDS[schema as usize];
    let frac = bounds[(index & ((1 << schema) - 1)) as usize];
    let exp = (index >> schema) + 1;
    if frac == 0.5 && exp == 1025 {
        return f64::MAX;
    }
    frac * 2f64.powi(exp)
}

/// Merges neighbouring buckets into the buckets of the next lower schema (client_golang's
/// `doubleBucketWidth`): bucket `i` becomes `ceil(i / 2)`.
pub fn downsample(buckets: &[(i32, u64)]) -> Vec<(i32, u64)> {
    let mut out: Vec<(i32, u64)> = Vec::with_capacity(buckets.len());
    for &(index, count) in buckets {
        let key = if index > 0 { index + 1 } else { index } / 2;
        match out.last_mut() {
            Some((k, c)) if *k == key => *c += count,
            _ => out.push((key, count)),
        }
    }
    out
}

/// Spans and deltas of populated buckets (ascending index), as the protobuf format carries
/// them: gaps of one or two buckets are filled with zero counts, longer ones start a span.
pub fn spans_and_deltas(buckets: &[(i32, u64)]) -> (Vec<(i32, u32)>, Vec<i64>) {
    let mut spans: Vec<(i32, u32)> = Vec::new();
    let mut deltas = Vec::with_capacity(buckets.len());
    let mut previous = 0i64;
    let mut next_index = 0i32;
    let mut push = |count: i64, spans: &mut Vec<(i32, u32)>| {
        if let Some((_, len)) = spans.last_mut() {
            *len += 1;
        }
        deltas.push(count - previous);
        previous = count;
    };
    for (n, &(index, count)) in buckets.iter().enumerate() {
        let gap = index - next_index;
        if n == 0 || gap > 2 {
            spans.push((gap, 0));
        } else {
            for _ in 0..gap {
                push(0, &mut spans);
            }
        }
        push(i64::try_from(count).unwrap_or(i64::MAX), &mut spans);
        next_index = index + 1;
    }
    (spans, deltas)
}

/// Values in `[2^-WINDOW, 2^WINDOW)` are counted in the dense table.
const WINDOW: i32 = 40;
const CHUNK: usize = 64;

/// The counters of one sign.
#[derive(Debug)]
struct Side {
    /// Bucket index of `chunks[0][0]`.
    first: i32,
    len: usize,
    chunks: Box<[OnceLock<Box<[AtomicU64]>>]>,
    /// Buckets outside the dense window.
    outside: Mutex<BTreeMap<i32, u64>>,
}

impl Side {
    fn new(schema: i8) -> Self {
        let first = bucket_index(schema, 2f64.powi(-WINDOW));
        let last = bucket_index(schema, 2f64.powi(WINDOW));
        let len = (last - first) as usize;
        Self {
            first,
            len,
            chunks: (0..len.div_ceil(CHUNK)).map(|_| OnceLock::new()).collect(),
            outside: Mutex::new(BTreeMap::new()),
        }
    }

    #[inline]
    fn add(&self, index: i32) {
        let rel = index.wrapping_sub(self.first) as u32 as usize;
        if rel < self.len {
            let chunk = self.chunks[rel / CHUNK]
                .get_or_init(|| (0..CHUNK).map(|_| AtomicU64::new(0)).collect());
            chunk[rel % CHUNK].fetch_add(1, Ordering::Relaxed);
        } else {
            *self
                .outside
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(index)
                .or_insert(0) += 1;
        }
    }

    /// Populated buckets in ascending order.
    fn read(&self, out: &mut Vec<(i32, u64)>) {
        let outside = self
            .outside
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        out.extend(outside.range(..self.first).map(|(k, v)| (*k, *v)));
        for (c, chunk) in self.chunks.iter().enumerate() {
            let Some(chunk) = chunk.get() else { continue };
            for (i, n) in chunk.iter().enumerate() {
                let n = n.load(Ordering::Relaxed);
                if n > 0 {
                    out.push((self.first + (c * CHUNK + i) as i32, n));
                }
            }
        }
        out.extend(outside.range(self.first..).map(|(k, v)| (*k, *v)));
    }

    fn reset(&self) {
        for chunk in self.chunks.iter().filter_map(OnceLock::get) {
            for n in chunk.iter() {
                n.store(0, Ordering::Relaxed);
            }
        }
        self.outside
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// The native buckets of one histogram child.
#[derive(Debug)]
pub struct NativeBuckets {
    config: NativeConfig,
    zero: AtomicU64,
    positive: OnceLock<Side>,
    negative: OnceLock<Side>,
}

/// The native buckets as a scrape reads them, after the bucket limit was applied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NativeSnapshot {
    /// The schema of the buckets below (the declared one, or lower when over the limit).
    pub schema: i8,
    /// Width of the zero bucket.
    pub zero_threshold: f64,
    /// Observations in the zero bucket.
    pub zero_count: u64,
    /// Populated positive buckets `(index, count)`, ascending.
    pub positive: Vec<(i32, u64)>,
    /// Populated negative buckets `(index, count)`, ascending by index (by absolute value).
    pub negative: Vec<(i32, u64)>,
}

impl NativeSnapshot {
    /// All observations in the native buckets.
    pub fn count(&self) -> u64 {
        self.zero_count
            + self.positive.iter().map(|b| b.1).sum::<u64>()
            + self.negative.iter().map(|b| b.1).sum::<u64>()
    }
}

impl NativeBuckets {
    /// Empty buckets, constructible in a `static` (nothing is allocated before the first
    /// observation of each sign).
    pub const fn new(config: NativeConfig) -> Self {
        Self {
            config,
            zero: AtomicU64::new(0),
            positive: OnceLock::new(),
            negative: OnceLock::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> NativeConfig {
        self.config
    }

    /// Counts one observation (not NaN).
    #[inline]
    pub fn observe(&self, v: f64) {
        let abs = v.abs();
        if abs <= ZERO_THRESHOLD {
            self.zero.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let schema = self.config.schema;
        let side = if v > 0.0 {
            &self.positive
        } else {
            &self.negative
        };
        side.get_or_init(|| Side::new(schema))
            .add(bucket_index(schema, abs));
    }

    /// Reads the buckets and applies the bucket limit.
    pub fn snapshot(&self) -> NativeSnapshot {
        let mut positive = Vec::new();
        let mut negative = Vec::new();
        if let Some(s) = self.positive.get() {
            s.read(&mut positive);
        }
        if let Some(s) = self.negative.get() {
            s.read(&mut negative);
        }
        reduce(
            self.config,
            self.zero.load(Ordering::Relaxed),
            positive,
            negative,
        )
    }

    /// The buckets of several histograms with one configuration added up (one series made of
    /// several), then the bucket limit applied; `None` when `parts` is empty.
    pub fn merged<'a>(
        parts: impl IntoIterator<Item = &'a NativeBuckets>,
    ) -> Option<NativeSnapshot> {
        let mut parts = parts.into_iter();
        let first = parts.next()?;
        let Some(second) = parts.next() else {
            return Some(first.snapshot());
        };
        let (mut zero, mut pos, mut neg) = (0, BTreeMap::new(), BTreeMap::new());
        let mut buf = Vec::new();
        for part in [first, second].into_iter().chain(parts) {
            zero += part.zero.load(Ordering::Relaxed);
            for (side, sum) in [(&part.positive, &mut pos), (&part.negative, &mut neg)] {
                if let Some(s) = side.get() {
                    buf.clear();
                    s.read(&mut buf);
                    for &(i, n) in &buf {
                        *sum.entry(i).or_insert(0) += n;
                    }
                }
            }
        }
        Some(reduce(
            first.config,
            zero,
            pos.into_iter().collect(),
            neg.into_iter().collect(),
        ))
    }

    /// Sets every count back to zero.
    pub fn reset(&self) {
        self.zero.store(0, Ordering::Relaxed);
        for side in [&self.positive, &self.negative] {
            if let Some(s) = side.get() {
                s.reset();
            }
        }
    }
}

/// Applies the bucket limit of `config` to buckets counted at its schema.
fn reduce(
    config: NativeConfig,
    zero_count: u64,
    mut positive: Vec<(i32, u64)>,
    mut negative: Vec<(i32, u64)>,
) -> NativeSnapshot {
    let mut schema = config.schema;
    while positive.len() + negative.len() > config.max_buckets as usize && schema > MIN_SCHEMA {
        positive = downsample(&positive);
        negative = downsample(&negative);
        schema -= 1;
    }
    NativeSnapshot {
        schema,
        zero_threshold: ZERO_THRESHOLD,
        zero_count,
        positive,
        negative,
    }
}

/// client_golang's `nativeHistogramBounds` (prometheus/histogram.go): the fractions in
/// `[0.5, 1)` where the buckets of each positive schema start, `2^(j·2^-s - 1)`, as Go computed
/// them (copied rather than recomputed so that boundary values land in the same bucket).
const BOUNDS: [&[f64]; 9] = [
    &[0.5],
    &[0.5, 0.7071067811865475],
    &[
        0.5,
        0.5946035575013605,
        0.7071067811865475,
        0.8408964152537144,
    ],
    &[
        0.5,
        0.5452538663326288,
        0.5946035575013605,
        0.6484197773255048,
        0.7071067811865475,
        0.7711054127039704,
        0.8408964152537144,
        0.9170040432046711,
    ],
    &[
        0.5,
        0.5221368912137069,
        0.5452538663326288,
        0.5693943173783458,
        0.5946035575013605,
        0.620928906036742,
        0.6484197773255048,
        0.6771277734684463,
        0.7071067811865475,
        0.7384130729697496,
        0.7711054127039704,
        0.805245165974627,
        0.8408964152537144,
        0.8781260801866495,
        0.9170040432046711,
        0.9576032806985735,
    ],
    &[
        0.5,
        0.5109485743270583,
        0.5221368912137069,
        0.5335702003384117,
        0.5452538663326288,
        0.5571933712979462,
        0.5693943173783458,
        0.5818624293887887,
        0.5946035575013605,
        0.6076236799902344,
        0.620928906036742,
        0.6345254785958666,
        0.6484197773255048,
        0.6626183215798706,
        0.6771277734684463,
        0.6919549409819159,
        0.7071067811865475,
        0.7225904034885232,
        0.7384130729697496,
        0.7545822137967112,
        0.7711054127039704,
        0.7879904225539431,
        0.805245165974627,
        0.8228777390769823,
        0.8408964152537144,
        0.8593096490612387,
        0.8781260801866495,
        0.8973545375015533,
        0.9170040432046711,
        0.9370838170551498,
        0.9576032806985735,
        0.9785720620876999,
    ],
    &[
        0.5,
        0.5054446430258502,
        0.5109485743270583,
        0.5165124395106142,
        0.5221368912137069,
        0.5278225891802786,
        0.5335702003384117,
        0.5393803988785598,
        0.5452538663326288,
        0.5511912916539204,
        0.5571933712979462,
        0.5632608093041209,
        0.5693943173783458,
        0.5755946149764913,
        0.5818624293887887,
        0.5881984958251406,
        0.5946035575013605,
        0.6010783657263515,
        0.6076236799902344,
        0.6142402680534349,
        0.620928906036742,
        0.6276903785123455,
        0.6345254785958666,
        0.6414350080393891,
        0.6484197773255048,
        0.6554806057623822,
        0.6626183215798706,
        0.6698337620266515,
        0.6771277734684463,
        0.6845012114872953,
        0.6919549409819159,
        0.6994898362691555,
        0.7071067811865475,
        0.7148066691959849,
        0.7225904034885232,
        0.7304588970903234,
        0.7384130729697496,
        0.7464538641456323,
        0.7545822137967112,
        0.762799075372269,
        0.7711054127039704,
        0.7795022001189185,
        0.7879904225539431,
        0.7965710756711334,
        0.805245165974627,
        0.8140137109286738,
        0.8228777390769823,
        0.8318382901633681,
        0.8408964152537144,
        0.8500531768592616,
        0.8593096490612387,
        0.8686669176368529,
        0.8781260801866495,
        0.8876882462632604,
        0.8973545375015533,
        0.9071260877501991,
        0.9170040432046711,
        0.9269895625416926,
        0.9370838170551498,
        0.9472879907934827,
        0.9576032806985735,
        0.9680308967461471,
        0.9785720620876999,
        0.9892280131939752,
    ],
    &[
        0.5,
        0.5027149505564014,
        0.5054446430258502,
        0.5081891574554764,
        0.5109485743270583,
        0.5137229745593818,
        0.5165124395106142,
        0.5193170509806894,
        0.5221368912137069,
        0.5249720429003435,
        0.5278225891802786,
        0.5306886136446309,
        0.5335702003384117,
        0.5364674337629877,
        0.5393803988785598,
        0.5423091811066545,
        0.5452538663326288,
        0.5482145409081883,
        0.5511912916539204,
        0.5541842058618393,
        0.5571933712979462,
        0.5602188762048033,
        0.5632608093041209,
        0.5663192597993595,
        0.5693943173783458,
        0.572486072215902,
        0.5755946149764913,
        0.5787200368168754,
        0.5818624293887887,
        0.585021884841625,
        0.5881984958251406,
        0.5913923554921704,
        0.5946035575013605,
        0.5978321960199137,
        0.6010783657263515,
        0.6043421618132907,
        0.6076236799902344,
        0.6109230164863786,
        0.6142402680534349,
        0.6175755319684665,
        0.620928906036742,
        0.6243004885946023,
        0.6276903785123455,
        0.6310986751971253,
        0.6345254785958666,
        0.637970889198196,
        0.6414350080393891,
        0.6449179367033329,
        0.6484197773255048,
        0.6519406325959679,
        0.6554806057623822,
        0.659039800633032,
        0.6626183215798706,
        0.6662162735415805,
        0.6698337620266515,
        0.6734708931164728,
        0.6771277734684463,
        0.6808045103191123,
        0.6845012114872953,
        0.688217985377265,
        0.6919549409819159,
        0.6957121878859629,
        0.6994898362691555,
        0.7032879969095076,
        0.7071067811865475,
        0.7109463010845827,
        0.7148066691959849,
        0.718687998724491,
        0.7225904034885232,
        0.7265139979245261,
        0.7304588970903234,
        0.7344252166684908,
        0.7384130729697496,
        0.7424225829363761,
        0.7464538641456323,
        0.7505070348132126,
        0.7545822137967112,
        0.7586795205991071,
        0.762799075372269,
        0.7669409989204777,
        0.7711054127039704,
        0.7752924388424999,
        0.7795022001189185,
        0.7837348199827764,
        0.7879904225539431,
        0.7922691326262467,
        0.7965710756711334,
        0.8008963778413465,
        0.805245165974627,
        0.8096175675974316,
        0.8140137109286738,
        0.8184337248834821,
        0.8228777390769823,
        0.8273458838280969,
        0.8318382901633681,
        0.8363550898207981,
        0.8408964152537144,
        0.8454623996346523,
        0.8500531768592616,
        0.8546688815502312,
        0.8593096490612387,
        0.8639756154809185,
        0.8686669176368529,
        0.8733836930995842,
        0.8781260801866495,
        0.8828942179666361,
        0.8876882462632604,
        0.8925083056594671,
        0.8973545375015533,
        0.9022270839033115,
        0.9071260877501991,
        0.9120516927035263,
        0.9170040432046711,
        0.9219832844793128,
        0.9269895625416926,
        0.9320230241988943,
        0.9370838170551498,
        0.9421720895161669,
        0.9472879907934827,
        0.9524316709088368,
        0.9576032806985735,
        0.9628029718180622,
        0.9680308967461471,
        0.9732872087896164,
        0.9785720620876999,
        0.9838856116165875,
        0.9892280131939752,
        0.9945994234836328,
    ],
    &[
        0.5,
        0.5013556375251013,
        0.5027149505564014,
        0.5040779490592088,
        0.5054446430258502,
        0.5068150424757447,
        0.5081891574554764,
        0.509566998038869,
        0.5109485743270583,
        0.5123338964485679,
        0.5137229745593818,
        0.5151158188430205,
        0.5165124395106142,
        0.5179128468009786,
        0.5193170509806894,
        0.520725062344158,
        0.5221368912137069,
        0.5235525479396449,
        0.5249720429003435,
        0.526395386502313,
        0.5278225891802786,
        0.5292536613972564,
        0.5306886136446309,
        0.5321274564422321,
        0.5335702003384117,
        0.5350168559101208,
        0.5364674337629877,
        0.5379219445313954,
        0.5393803988785598,
        0.5408428074966075,
        0.5423091811066545,
        0.5437795304588847,
        0.5452538663326288,
        0.5467321995364429,
        0.5482145409081883,
        0.549700901315111,
        0.5511912916539204,
        0.5526857228508706,
        0.5541842058618393,
        0.5556867516724088,
        0.5571933712979462,
        0.5587040757836845,
        0.5602188762048033,
        0.5617377836665098,
        0.5632608093041209,
        0.564787964283144,
        0.5663192597993595,
        0.5678547070789026,
        0.5693943173783458,
        0.5709381019847808,
        0.572486072215902,
        0.5740382394200894,
        0.5755946149764913,
        0.5771552102951081,
        0.5787200368168754,
        0.5802891060137493,
        0.5818624293887887,
        0.5834400184762408,
        0.585021884841625,
        0.5866080400818185,
        0.5881984958251406,
        0.5897932637314379,
        0.5913923554921704,
        0.5929957828304968,
        0.5946035575013605,
        0.5962156912915756,
        0.5978321960199137,
        0.5994530835371903,
        0.6010783657263515,
        0.6027080545025619,
        0.6043421618132907,
        0.6059806996384005,
        0.6076236799902344,
        0.6092711149137041,
        0.6109230164863786,
        0.6125793968185725,
        0.6142402680534349,
        0.6159056423670379,
        0.6175755319684665,
        0.6192499490999082,
        0.620928906036742,
        0.622612415087629,
        0.6243004885946023,
        0.6259931389331581,
        0.6276903785123455,
        0.6293922197748583,
        0.6310986751971253,
        0.6328097572894031,
        0.6345254785958666,
        0.6362458516947014,
        0.637970889198196,
        0.6397006037528346,
        0.6414350080393891,
        0.6431741147730128,
        0.6449179367033329,
        0.6466664866145447,
        0.6484197773255048,
        0.6501778216898253,
        0.6519406325959679,
        0.6537082229673385,
        0.6554806057623822,
        0.6572577939746774,
        0.659039800633032,
        0.6608266388015788,
        0.6626183215798706,
        0.6644148621029772,
        0.6662162735415805,
        0.6680225691020727,
        0.6698337620266515,
        0.6716498655934177,
        0.6734708931164728,
        0.6752968579460171,
        0.6771277734684463,
        0.6789636531064505,
        0.6808045103191123,
        0.6826503586020058,
        0.6845012114872953,
        0.6863570825438342,
        0.688217985377265,
        0.690083933630119,
        0.6919549409819159,
        0.6938310211492645,
        0.6957121878859629,
        0.6975984549830999,
        0.6994898362691555,
        0.7013863456101023,
        0.7032879969095076,
        0.7051948041086352,
        0.7071067811865475,
        0.7090239421602076,
        0.7109463010845827,
        0.7128738720527471,
        0.7148066691959849,
        0.7167447066838943,
        0.718687998724491,
        0.7206365595643126,
        0.7225904034885232,
        0.7245495448210174,
        0.7265139979245261,
        0.7284837772007218,
        0.7304588970903234,
        0.7324393720732029,
        0.7344252166684908,
        0.7364164454346837,
        0.7384130729697496,
        0.7404151139112358,
        0.7424225829363761,
        0.7444354947621984,
        0.7464538641456323,
        0.7484777058836176,
        0.7505070348132126,
        0.7525418658117031,
        0.7545822137967112,
        0.7566280937263048,
        0.7586795205991071,
        0.7607365094544071,
        0.762799075372269,
        0.7648672334736434,
        0.7669409989204777,
        0.7690203869158282,
        0.7711054127039704,
        0.7731960915705107,
        0.7752924388424999,
        0.7773944698885442,
        0.7795022001189185,
        0.7816156449856788,
        0.7837348199827764,
        0.7858597406461707,
        0.7879904225539431,
        0.7901268813264122,
        0.7922691326262467,
        0.7944171921585818,
        0.7965710756711334,
        0.7987307989543135,
        0.8008963778413465,
        0.8030678282083853,
        0.805245165974627,
        0.8074284071024302,
        0.8096175675974316,
        0.8118126635086642,
        0.8140137109286738,
        0.8162207259936375,
        0.8184337248834821,
        0.820652723822003,
        0.8228777390769823,
        0.8251087869603088,
        0.8273458838280969,
        0.8295890460808079,
        0.8318382901633681,
        0.8340936325652911,
        0.8363550898207981,
        0.8386226785089391,
        0.8408964152537144,
        0.8431763167241966,
        0.8454623996346523,
        0.8477546807446661,
        0.8500531768592616,
        0.8523579048290255,
        0.8546688815502312,
        0.8569861239649629,
        0.8593096490612387,
        0.8616394738731368,
        0.8639756154809185,
        0.8663180910111553,
        0.8686669176368529,
        0.871022112577578,
        0.8733836930995842,
        0.8757516765159389,
        0.8781260801866495,
        0.8805069215187917,
        0.8828942179666361,
        0.8852879870317771,
        0.8876882462632604,
        0.890095013257712,
        0.8925083056594671,
        0.8949281411607002,
        0.8973545375015533,
        0.8997875124702672,
        0.9022270839033115,
        0.9046732696855155,
        0.9071260877501991,
        0.909585556079304,
        0.9120516927035263,
        0.9145245157024483,
        0.9170040432046711,
        0.9194902933879467,
        0.9219832844793128,
        0.9244830347552253,
        0.9269895625416926,
        0.92950288621441,
        0.9320230241988943,
        0.9345499949706191,
        0.9370838170551498,
        0.93962450902828,
        0.9421720895161669,
        0.9447265771954693,
        0.9472879907934827,
        0.9498563490882775,
        0.9524316709088368,
        0.9550139751351947,
        0.9576032806985735,
        0.9601996065815236,
        0.9628029718180622,
        0.9654133954938133,
        0.9680308967461471,
        0.9706554947643201,
        0.9732872087896164,
        0.9759260581154889,
        0.9785720620876999,
        0.9812252401044634,
        0.9838856116165875,
        0.9865531961276168,
        0.9892280131939752,
        0.9919100824251095,
        0.9945994234836328,
        0.9972960560854698,
    ],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bounds_table_is_two_to_the_fractional_powers() {
        for (s, bounds) in BOUNDS.iter().enumerate() {
            assert_eq!(bounds.len(), 1 << s);
            for (j, b) in bounds.iter().enumerate() {
                let exact = 2f64.powf(j as f64 / (1 << s) as f64 - 1.0);
                assert!(
                    (b - exact).abs() <= 2.0 * f64::EPSILON,
                    "schema {s} bound {j}"
                );
            }
        }
    }

    #[test]
    fn the_cell_index_counts_as_the_scan_does() {
        // The scan client_golang does, over values spread across the bounds and right at them.
        let scan = |s: usize, frac: f64| BOUNDS[s].iter().filter(|b| **b < frac).count();
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for (s, bounds) in BOUNDS.iter().enumerate().skip(1) {
            for b in *bounds {
                for f in [
                    *b,
                    f64::from_bits(b.to_bits() + 1),
                    f64::from_bits(b.to_bits() - 1),
                ] {
                    if (0.5..1.0).contains(&f) {
                        assert_eq!(below(s as i8, f), scan(s, f), "schema {s} frac {f}");
                    }
                }
            }
            for _ in 0..20_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let f = 0.5 + (x >> 11) as f64 / (1u64 << 54) as f64;
                assert_eq!(below(s as i8, f), scan(s, f), "schema {s} frac {f}");
            }
        }
    }

    #[test]
    fn frexp_matches_the_definition() {
        for v in [1.0, 0.5, 3.0, 1e-300, 5e-324, f64::MAX, 0.1] {
            let (f, e) = frexp(v);
            assert!((0.5..1.0).contains(&f), "{v}");
            let (mut x, mut k) = (f, e);
            while k > 0 {
                x *= 2.0;
                k -= 1;
            }
            while k < 0 {
                x /= 2.0;
                k += 1;
            }
            assert_eq!(x, v);
        }
    }

    #[test]
    fn powers_of_two_are_upper_bounds() {
        // Bucket i at schema 0 is (2^(i-1), 2^i]: 1 is in bucket 0, 2 in 1, 2.5 in 2.
        assert_eq!(bucket_index(0, 1.0), 0);
        assert_eq!(bucket_index(0, 2.0), 1);
        assert_eq!(bucket_index(0, 2.5), 2);
        assert_eq!(bucket_index(0, 0.5), -1);
        assert_eq!(bucket_index(0, 0.75), 0);
        // Schema 2: four buckets per power of two; 1 closes bucket 0, 2 closes bucket 4.
        assert_eq!(bucket_index(2, 1.0), 0);
        assert_eq!(bucket_index(2, 1.1), 1);
        assert_eq!(bucket_index(2, 2.0), 4);
        // Schema -1: buckets span two powers of two: (1, 4] is bucket 1.
        assert_eq!(bucket_index(-1, 1.0), 0);
        assert_eq!(bucket_index(-1, 1.5), 1);
        assert_eq!(bucket_index(-1, 4.0), 1);
        assert_eq!(bucket_index(-1, 4.5), 2);
        assert_eq!(bucket_index(-4, 65536.0), 1);
        assert_eq!(bucket_index(-4, 65537.0), 2);
        for s in MIN_SCHEMA..=MAX_SCHEMA {
            for i in -50..50 {
                let ub = upper_bound(s, i);
                assert_eq!(bucket_index(s, ub), i, "schema {s} bucket {i}");
                assert_eq!(bucket_index(s, ub * (1.0 + 1e-12)), i + 1);
            }
        }
    }

    #[test]
    fn downsampling_merges_pairs_towards_the_lower_schema() {
        // At the lower schema bucket j covers buckets 2j-1 and 2j.
        let merged = downsample(&[(-3, 1), (-2, 2), (0, 1), (1, 4), (2, 1), (3, 2), (7, 1)]);
        assert_eq!(merged, vec![(-1, 3), (0, 1), (1, 5), (2, 2), (4, 1)]);
    }

    #[test]
    fn spans_fill_short_gaps_and_split_long_ones() {
        let (spans, deltas) = spans_and_deltas(&[(0, 2), (2, 1), (6, 3), (7, 3)]);
        assert_eq!(spans, vec![(0, 3), (3, 2)]);
        assert_eq!(deltas, vec![2, -2, 1, 2, 0]);
    }

    #[test]
    fn the_bucket_limit_halves_the_resolution_until_it_fits() {
        let n = NativeBuckets::new(NativeConfig::new(2, 2));
        for v in [1.0, 1.1, 1.3, 1.5] {
            n.observe(v);
        }
        // Schema 2: buckets 0, 1, 2, 3 (1.5 is in (2^0.5, 2^0.75]); schema 1: 0, 1, 1, 2;
        // schema 0: 0, 1, 1, 1, which fits.
        let s = n.snapshot();
        assert_eq!(s.schema, 0);
        assert_eq!(s.positive, vec![(0, 1), (1, 3)]);
        n.observe(0.0);
        n.observe(-1e-40);
        n.observe(-3.0);
        n.observe(1e300);
        n.observe(f64::INFINITY);
        let s = n.snapshot();
        assert_eq!(s.zero_count, 2);
        assert_eq!(s.count(), 9);
        assert!(s.positive.len() + s.negative.len() <= 2 || s.schema == MIN_SCHEMA);
        n.reset();
        assert_eq!(n.snapshot().count(), 0);
    }
}
