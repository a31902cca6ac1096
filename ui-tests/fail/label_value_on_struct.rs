use alys_metrics::prelude::*;

#[derive(Clone, Copy, LabelValue)]
struct Outcome {
    accepted: bool,
}

fn main() {}
