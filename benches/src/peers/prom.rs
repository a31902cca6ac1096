//! The registry of a spec in the `prometheus` crate: one `*Vec` per family in a
//! `prometheus::Registry`, encoded by `gather()` and `TextEncoder`; 0.14 and (in [`v0_13`]) 0.13.

/// `build` and `scrape` over one version of the prometheus crate (`$p`): 0.14 here, 0.13
/// (the Alys node's) in [`v0_13`].
macro_rules! peer {
    ($p:ident) => {
        use $p::{CounterVec, Encoder as _, GaugeVec, HistogramOpts, HistogramVec, Opts};

        use crate::spec::{Kind, RegistrySpec};

        /// Builds `spec` in a new `Registry`.
        ///
        /// # Errors
        ///
        /// What the prometheus crate reports (an invalid name, a name registered twice, a label
        /// count that does not match).
        pub fn build(spec: &RegistrySpec) -> Result<$p::Registry, String> {
            let registry = $p::Registry::new();
            for f in &spec.families {
                let names: Vec<&str> = f.label_names.iter().map(String::as_str).collect();
                // The prometheus crate refuses an empty HELP.
                let help = if f.help.is_empty() { "-" } else { &f.help };
                let e = |e: $p::Error| format!("`{}`: {e}", f.name);
                match f.kind {
                    Kind::Counter => {
                        let v = CounterVec::new(Opts::new(&f.name, help), &names).map_err(e)?;
                        for s in &f.series {
                            let labels: Vec<&str> = s.labels.iter().map(String::as_str).collect();
                            v.get_metric_with_label_values(&labels)
                                .map_err(e)?
                                .inc_by(s.value);
                        }
                        registry.register(Box::new(v)).map_err(e)?;
                    }
                    Kind::Gauge => {
                        let v = GaugeVec::new(Opts::new(&f.name, help), &names).map_err(e)?;
                        for s in &f.series {
                            let labels: Vec<&str> = s.labels.iter().map(String::as_str).collect();
                            v.get_metric_with_label_values(&labels)
                                .map_err(e)?
                                .set(s.value);
                        }
                        registry.register(Box::new(v)).map_err(e)?;
                    }
                    Kind::Histogram => {
                        let opts = HistogramOpts::new(&f.name, help).buckets(f.buckets.clone());
                        let v = HistogramVec::new(opts, &names).map_err(e)?;
                        for s in &f.series {
                            let labels: Vec<&str> = s.labels.iter().map(String::as_str).collect();
                            let child = v.get_metric_with_label_values(&labels).map_err(e)?;
                            for o in &s.observations {
                                child.observe(*o);
                            }
                        }
                        registry.register(Box::new(v)).map_err(e)?;
                    }
                }
            }
            Ok(registry)
        }

        /// One scrape: `gather()` and `TextEncoder::encode` into `out` (cleared first).
        ///
        /// # Errors
        ///
        /// What the encoder reports.
        pub fn scrape(registry: &$p::Registry, out: &mut Vec<u8>) -> Result<(), String> {
            out.clear();
            $p::TextEncoder::new()
                .encode(&registry.gather(), out)
                .map_err(|e| e.to_string())
        }
    };
}

peer!(prometheus);

/// The same over prometheus 0.13.4, the Alys node's version (default features, as the node
/// has them).
pub mod v0_13 {
    peer!(prometheus_0_13);
}
