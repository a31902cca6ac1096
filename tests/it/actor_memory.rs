//! Without the tracking allocator (this binary does not install it) the memory gauges of the
//! actor system have no sample: absent, not 0. (Split from `actor_cpu.rs`, whose CPU tests are
//! in `tests/solo/`, as is heap attribution with the allocator, `actor_alloc.rs`.)

use alys_metrics::actor_system::enter;
use alys_metrics::labels::ActorType;

#[test]
fn memory_gauges_have_no_sample_without_the_tracking_allocator() {
    let _scope = enter(ActorType::Chain);
    let kept = vec![1u8; 1 << 20];
    let text = alys_metrics::registry().encode_to_string();
    assert!(text.contains("# TYPE alys_actor_memory_usage_bytes gauge\n"));
    assert!(text.contains("# TYPE alys_sync_memory_usage_bytes gauge\n"));
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("alys_actor_memory_usage_bytes")
                || l.starts_with("alys_sync_memory_usage_bytes")),
        "absent, not 0"
    );
    assert!(!alys_metrics::actor_system::tracking_allocator_installed());
    drop(kept);
}
