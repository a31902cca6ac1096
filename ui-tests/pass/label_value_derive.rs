//! `#[derive(LabelValue)]`: snake_case values, `#[label = ".."]`, explicit discriminants.

use alys_metrics::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
enum Outcome {
    Accepted,
    HTTPError,
    FederationV2,
    #[label = "rejected_by_peer"]
    Rejected,
}

#[derive(Clone, Copy, LabelValue)]
#[repr(u8)]
enum Coded {
    Low = 10,
    High = 20,
}

fn main() {
    assert_eq!(Outcome::COUNT, 4);
    assert_eq!(Outcome::Accepted.as_str(), "accepted");
    assert_eq!(Outcome::HTTPError.as_str(), "http_error");
    assert_eq!(Outcome::FederationV2.as_str(), "federation_v2");
    assert_eq!(Outcome::Rejected.as_str(), "rejected_by_peer");
    for (i, v) in Outcome::VALUES.iter().enumerate() {
        assert_eq!(v.index(), i);
    }
    assert_eq!(Coded::High.index(), 1);
    assert_eq!(Coded::Low.as_str(), "low");
    assert_eq!(Coded::High as u8, 20);
}
