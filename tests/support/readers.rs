//! The exposition formats read back the way Prometheus reads them, shared by
//! `tests/exposition_formats.rs` and `benches/tests/prometheus_bridge.rs` (included with
//! `#[path]`): text 0.0.4 with the `prometheus-parse` crate, OpenMetrics with the parser below
//! (which also checks its structure), protobuf with the prost types; each into one map of
//! `name{labels}` to value. Each includer uses a part of it, hence the `dead_code` allowance.

#![allow(dead_code)]

use std::collections::BTreeMap;

use alys_metrics::encode::{proto, protobuf};

pub type Samples = BTreeMap<String, f64>;

pub fn key(name: &str, labels: &BTreeMap<String, String>) -> String {
    let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{name}{{{}}}", l.join(","))
}

/// Text 0.0.4 with the `prometheus-parse` crate.
pub fn parse_text(body: &str) -> Samples {
    let lines = body.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("text 0.0.4 parses");
    let mut out = Samples::new();
    for s in scrape.samples {
        let labels: BTreeMap<String, String> = s
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => {
                out.insert(key(&s.metric, &labels), v);
            }
            prometheus_parse::Value::Histogram(buckets) => {
                for b in buckets {
                    let mut l = labels.clone();
                    l.insert("le".into(), fmt_le(b.less_than));
                    out.insert(key(&format!("{}_bucket", s.metric), &l), b.count);
                }
            }
            prometheus_parse::Value::Summary(_) => panic!("no summaries are exported"),
        }
    }
    out
}

pub fn fmt_le(v: f64) -> String {
    if v.is_infinite() {
        "+Inf".into()
    } else {
        format!("{v}")
    }
}

/// OpenMetrics text: checks its structure (a `# TYPE` before every sample, counters' samples
/// `_total` of a family without it, `# EOF` last) and returns its samples and exemplars.
pub fn parse_openmetrics(body: &str) -> (Samples, Vec<(String, String, f64)>) {
    assert!(body.ends_with("# EOF\n"), "OpenMetrics ends with # EOF");
    let mut samples = Samples::new();
    let mut exemplars = Vec::new();
    let mut family: Option<(String, String)> = None;
    for line in body.lines() {
        if line == "# EOF" {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
            if kind == "counter" {
                assert!(!name.ends_with("_total"), "{line}");
            }
            family = Some((name.to_owned(), kind.to_owned()));
            continue;
        }
        if let Some(rest) = line.strip_prefix("# UNIT ") {
            let (name, unit) = rest.split_once(' ').expect("# UNIT name unit");
            assert_eq!(Some(name), family.as_ref().map(|f| f.0.as_str()));
            assert!(name.ends_with(&format!("_{unit}")), "{line}");
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (sample, exemplar) = match line.split_once(" # ") {
            Some((s, e)) => (s, Some(e)),
            None => (line, None),
        };
        let (name, labels, value) = parse_line(sample);
        let (fam, kind) = family.as_ref().expect("a # TYPE before the samples");
        assert!(
            name.starts_with(fam.as_str()),
            "{name} outside family {fam}"
        );
        if kind == "counter" {
            assert_eq!(name, format!("{fam}_total"));
        }
        if let Some(e) = exemplar {
            assert!(
                name.ends_with("_bucket") || (kind == "counter" && name.ends_with("_total")),
                "exemplars only on buckets and counters: {line}"
            );
            let (labels, rest) = e
                .strip_prefix("{trace_id=\"")
                .and_then(|r| r.split_once("\"} "))
                .expect("exemplar labels");
            let v: f64 = rest.split(' ').next().unwrap().parse().unwrap();
            let ts: f64 = rest
                .split(' ')
                .nth(1)
                .expect("a timestamp")
                .parse()
                .unwrap();
            assert!(ts > 1.6e9, "{line}");
            exemplars.push((key(&name, &labels_of(sample)), labels.to_owned(), v));
        }
        samples.insert(key(&name, &labels), value);
    }
    (samples, exemplars)
}

pub fn labels_of(sample: &str) -> BTreeMap<String, String> {
    parse_line(sample).1
}

pub fn parse_line(line: &str) -> (String, BTreeMap<String, String>, f64) {
    let (series, value) = line.rsplit_once(' ').expect("name value");
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().unwrap_or_else(|_| panic!("a value in {line:?}")),
    };
    let (name, labels) = match series.split_once('{') {
        Some((n, l)) => (n, l.strip_suffix('}').expect("closing brace")),
        None => (series, ""),
    };
    let mut map = BTreeMap::new();
    let mut rest = labels;
    while !rest.is_empty() {
        let (k, r) = rest.split_once("=\"").expect("label=\"value\"");
        let mut v = String::new();
        let mut chars = r.char_indices();
        let end = loop {
            let (i, c) = chars.next().expect("closing quote");
            match c {
                '\\' => match chars.next().expect("escape").1 {
                    'n' => v.push('\n'),
                    o => v.push(o),
                },
                '"' => break i,
                c => v.push(c),
            }
        };
        map.insert(k.to_owned(), v);
        rest = r[end + 1..].trim_start_matches(',');
    }
    (name.to_owned(), map, value)
}

/// Protobuf with the prost types: the samples text would show, the exemplars, and the native
/// histograms by series.
#[allow(clippy::type_complexity)]
pub fn parse_protobuf(
    body: &[u8],
) -> (
    Samples,
    Vec<(String, String, f64)>,
    BTreeMap<String, proto::Histogram>,
) {
    let families = protobuf::decode(body).expect("delimited MetricFamily messages");
    let mut samples = Samples::new();
    let mut exemplars = Vec::new();
    let mut native = BTreeMap::new();
    for f in &families {
        let name = f.name.clone().expect("a name");
        for m in &f.metric {
            let labels: BTreeMap<String, String> = m
                .label
                .iter()
                .map(|l| (l.name.clone().unwrap(), l.value.clone().unwrap()))
                .collect();
            if let Some(c) = &m.counter {
                samples.insert(key(&name, &labels), c.value.unwrap_or(0.0));
                if let Some(e) = &c.exemplar {
                    assert_eq!(e.label[0].name.as_deref(), Some("trace_id"));
                    let id = e.label[0].value.clone().unwrap_or_default();
                    exemplars.push((key(&name, &labels), id, e.value.unwrap_or(f64::NAN)));
                }
            } else if let Some(g) = &m.gauge {
                samples.insert(key(&name, &labels), g.value.unwrap_or(0.0));
            } else if let Some(u) = &m.untyped {
                samples.insert(key(&name, &labels), u.value.unwrap_or(0.0));
            } else if let Some(h) = &m.histogram {
                for b in &h.bucket {
                    let mut l = labels.clone();
                    l.insert("le".into(), fmt_le(b.upper_bound.unwrap()));
                    let bucket = key(&format!("{name}_bucket"), &l);
                    samples.insert(bucket.clone(), b.cumulative_count.unwrap_or(0) as f64);
                    if let Some(e) = &b.exemplar {
                        assert_eq!(e.label.len(), 1);
                        assert_eq!(e.label[0].name.as_deref(), Some("trace_id"));
                        let id = e.label[0].value.as_deref().unwrap_or_default();
                        assert!(
                            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
                            "{id}"
                        );
                        exemplars.push((bucket, id.to_owned(), e.value.unwrap_or(f64::NAN)));
                        let ts = e.timestamp.expect("a timestamp");
                        assert!(
                            ts.seconds > 1_600_000_000 && (0..1_000_000_000).contains(&ts.nanos)
                        );
                        assert!(e.value.unwrap() <= b.upper_bound.unwrap());
                    }
                }
                samples.insert(
                    key(&format!("{name}_sum"), &labels),
                    h.sample_sum.unwrap_or(0.0),
                );
                samples.insert(
                    key(&format!("{name}_count"), &labels),
                    h.sample_count.unwrap_or(0) as f64,
                );
                if h.schema.is_some() {
                    native.insert(key(&name, &labels), h.clone());
                }
            } else {
                panic!("{name}: a metric without a value");
            }
        }
    }
    (samples, exemplars, native)
}

/// Asserts that two scrapes hold the same samples, naming the ones that differ.
pub fn same(got: &Samples, want: &Samples, what: &str) {
    let differ: Vec<_> = got
        .iter()
        .filter(|(k, v)| want.get(*k) != Some(*v))
        .chain(want.iter().filter(|(k, _)| !got.contains_key(*k)))
        .collect();
    assert!(
        differ.is_empty(),
        "{what}: {} samples differ: {differ:?}",
        differ.len()
    );
}
