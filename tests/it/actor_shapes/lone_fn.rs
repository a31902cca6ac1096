//! A lone fn names its actor with `for = ..`.

use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

#[allow(dead_code)]
struct RootSupervisor;

struct HealthCheck;

#[instrument_actor(for = RootSupervisor)]
fn handle_health_check(_msg: HealthCheck) -> Result<(), String> {
    PROBE.look(ActorType::Supervisor);
    std::thread::sleep(WORK);
    Err("unhealthy child".into())
}

#[test]
fn a_lone_fn_is_measured_for_its_named_actor() {
    let _s = serial();
    let b = before(
        ActorType::Supervisor,
        "RootSupervisor",
        "HealthCheck",
        &PROBE,
    );
    assert!(handle_health_check(HealthCheck).is_err());
    b.assert(1, MessageOutcome::Error);
}
