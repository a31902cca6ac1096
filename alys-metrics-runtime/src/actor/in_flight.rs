//! `alys_actor_messages_in_flight`: derived at scrape time from the message counters, so
//! that the update path pays nothing for it and it cannot drift.

use super::site::started;
use super::ACTOR_MESSAGES;
use crate::catalogue::actor::ACTOR_MESSAGE_OUTCOMES;
use crate::encode::{write_header, SampleWriter};
use crate::labels::{ActorType, LabelValue};
use crate::metric::{Collect, Descriptor};

use super::MessageOutcome;

/// A gauge of the messages being handled now, by actor type: the messages started
/// (`alys_actor_messages_total`) minus the messages finished with any outcome
/// (`alys_actor_message_outcomes_total`). A [`MessageGuard`](super::MessageGuard) finishes
/// on every path (ok, error, panic, cancellation), so the gauge returns to 0.
#[derive(Debug)]
pub struct InFlightGauge {
    desc: &'static Descriptor,
}

impl InFlightGauge {
    /// The gauge described by `desc`.
    pub const fn new(desc: &'static Descriptor) -> Self {
        Self { desc }
    }

    /// Messages of `actor_type` being handled now.
    pub fn get(&self, actor_type: ActorType) -> i64 {
        // Finished first: a message finishing between the two reads is then counted as
        // started, never as finished only.
        let finished: u64 = MessageOutcome::VALUES
            .iter()
            .map(|o| ACTOR_MESSAGE_OUTCOMES.with(actor_type, *o).get())
            .sum();
        let started = started(actor_type);
        i64::try_from(started.saturating_sub(finished)).unwrap_or(i64::MAX)
    }
}

impl Collect for InFlightGauge {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        crate::metric::Collect::init(&ACTOR_MESSAGES);
        ACTOR_MESSAGE_OUTCOMES.init();
    }

    fn encode(&self, out: &mut Vec<u8>) {
        write_header(out, self.desc.name, self.desc.help, "gauge");
        let mut labels = Vec::with_capacity(32);
        for t in ActorType::VALUES {
            labels.clear();
            labels.extend_from_slice(b"actor_type=\"");
            labels.extend_from_slice(t.as_str().as_bytes());
            labels.push(b'"');
            SampleWriter {
                out: &mut *out,
                name: self.desc.name,
                labels: &labels,
            }
            .i64("", self.get(*t));
        }
    }

    fn series_count(&self) -> usize {
        ActorType::COUNT
    }
}
