use alys_metrics::prelude::*;

#[derive(Clone, Copy, LabelValue)]
enum Outcome {
    Accepted,
    Rejected { code: u16 },
}

fn main() {}
