//! Two declarations with one exposed name are an error at start-up, never a silent drop.
//!
//! A binary of its own: the two statics below make `init()` fail for the whole process, so
//! every other test (anything that scrapes, serves or reads `catalogue::all()`) would fail beside
//! them.

use alys_metrics::prelude::*;

mod first {
    use super::*;
    /// First declaration.
    #[alys_metric(counter)]
    pub static REQUESTS: Counter;
}

mod second {
    use super::*;
    /// Second declaration, same derived name.
    #[alys_metric(counter, name = "alys_requests_total")]
    pub static REQUESTS_AGAIN: Counter;
}

#[test]
fn init_reports_both_declarations() {
    let Err(err) = alys_metrics::init() else {
        panic!("init must refuse two metrics named alys_requests_total")
    };
    assert_eq!(err.name, "alys_requests_total");
    let both = format!("{} {}", err.first, err.second);
    assert!(both.contains("first::REQUESTS"), "{both}");
    assert!(both.contains("second::REQUESTS_AGAIN"), "{both}");
    assert!(both.contains("duplicate_names.rs"), "{both}");
    let msg = err.to_string();
    assert!(
        msg.contains("two metrics are named `alys_requests_total`"),
        "{msg}"
    );
    assert!(
        msg.contains("name = \\\"...\\\"") || msg.contains("rename one"),
        "{msg}"
    );
    // The error is stable: later calls see the same one.
    assert_eq!(alys_metrics::init().err(), Some(err));
    // The statics still work on their own; they are only not exported.
    first::REQUESTS.inc();
    second::REQUESTS_AGAIN.inc_by(2);
    assert_eq!(first::REQUESTS.get() + second::REQUESTS_AGAIN.get(), 3);
}
