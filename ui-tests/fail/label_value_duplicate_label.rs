use alys_metrics::prelude::*;

#[derive(Clone, Copy, LabelValue)]
enum Outcome {
    Accepted,
    #[label = "accepted"]
    AcceptedLate,
}

fn main() {}
