//! `alys_metrics::testing::lint` against promtool: on an exposition with one mistake per
//! family, the lint flags every family promtool flags, and beyond those only what the crate's
//! own rules add (a duration not in seconds); on the registry's own exposition both find
//! nothing beyond the catalogue's listed exceptions.

use std::collections::BTreeSet;

use alys_metrics::testing::{self, Rule};

/// One mistake per family, and two clean families.
const MISTAKES: &str = "\
# HELP fooBar F.\n# TYPE fooBar gauge\nfooBar 1\n\
# HELP alys_ops O.\n# TYPE alys_ops counter\nalys_ops 1\n\
# HELP alys_peers_count P.\n# TYPE alys_peers_count gauge\nalys_peers_count 1\n\
# HELP alys_wait_milliseconds W.\n# TYPE alys_wait_milliseconds gauge\nalys_wait_milliseconds 1\n\
# HELP alys_wait_ms W.\n# TYPE alys_wait_ms gauge\nalys_wait_ms 1\n\
# TYPE alys_nohelp gauge\nalys_nohelp 1\n\
# HELP alys_queue_gauge Q.\n# TYPE alys_queue_gauge gauge\nalys_queue_gauge 1\n\
# HELP alys_req_latency L.\n# TYPE alys_req_latency gauge\nalys_req_latency 1\n\
# HELP alys_fine_total F.\n# TYPE alys_fine_total counter\nalys_fine_total 1\n\
# HELP alys_fine_seconds F.\n# TYPE alys_fine_seconds histogram\n\
alys_fine_seconds_bucket{le=\"0.5\"} 1\nalys_fine_seconds_bucket{le=\"+Inf\"} 2\n\
alys_fine_seconds_sum 1.5\nalys_fine_seconds_count 2\n";

#[test]
fn the_lint_flags_what_promtool_flags_and_only_our_own_rules_more() {
    let problems = testing::lint_text(MISTAKES).expect("the exposition reads");
    let ours: BTreeSet<String> = problems.iter().map(|p| p.family.clone()).collect();
    let expected: BTreeSet<String> = [
        "fooBar",
        "alys_ops",
        "alys_peers_count",
        "alys_wait_milliseconds",
        "alys_wait_ms",
        "alys_nohelp",
        "alys_queue_gauge",
        "alys_req_latency",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(ours, expected, "{problems:#?}");
    let own_rule = problems
        .iter()
        .find(|p| p.family == "alys_req_latency")
        .expect("flagged");
    assert_eq!(own_rule.rule, Rule::Unit);

    let Some(crate::lint::PromtoolReport { report, .. }) = crate::lint::check_metrics(MISTAKES)
    else {
        return;
    };
    let theirs: BTreeSet<String> = report
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect();
    let mut ours_less_own = ours.clone();
    ours_less_own.remove("alys_req_latency");
    assert_eq!(ours_less_own, theirs, "promtool said:\n{report}");
}

#[test]
fn the_registry_has_no_problem_beyond_the_listed_exceptions() {
    let problems = testing::lint();
    assert!(problems.is_empty(), "{problems:#?}");
    // Without the exceptions, exactly the listed `_count` gauges are flagged.
    let raw = testing::lint_text(&alys_metrics::registry().encode_to_string()).expect("reads");
    let flagged: BTreeSet<&str> = raw.iter().map(|p| p.family.as_str()).collect();
    let listed: BTreeSet<&str> = alys_metrics::catalogue::LINT_EXCEPTIONS
        .iter()
        .copied()
        .collect();
    assert_eq!(flagged, listed, "{raw:#?}");
}
