//! The actix reply shapes the Alys node does not use, under the same bare attribute:
//! `.into_actor(self).map(..)` inside a handler (Alys only writes it outside one), actix's
//! `MessageResult(..)`, `AtomicResponse` and `ActorResponse`.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;

use super::{before, work, work_sync};

#[derive(Debug, PartialEq)]
pub struct ProposalRejected;

#[derive(Message)]
#[rtype(result = "Result<u64, ProposalRejected>")]
pub struct CastVote(pub u64);

#[derive(Message)]
#[rtype(result = "Vec<u64>")]
pub struct ListProposals;

#[derive(Message)]
#[rtype(result = "Result<u64, ProposalRejected>")]
pub struct TallyVotes(pub u64);

#[derive(Message)]
#[rtype(result = "Option<u64>")]
pub struct LookupProposal(pub u64);

#[derive(Default)]
pub struct GovernanceActor {
    votes: Vec<u64>,
}

impl Actor for GovernanceActor {
    type Context = Context<Self>;
}

#[instrument_actor]
impl Handler<CastVote> for GovernanceActor {
    type Result = ResponseActFuture<Self, Result<u64, ProposalRejected>>;

    fn handle(&mut self, msg: CastVote, _: &mut Context<Self>) -> Self::Result {
        Box::pin(
            async move {
                work(ActorType::Unclassified, "GovernanceActor", "CastVote").await;
                msg.0
            }
            .into_actor(self)
            .map(|vote, act, _| {
                if vote == 0 {
                    return Err(ProposalRejected);
                }
                act.votes.push(vote);
                Ok(act.votes.len() as u64)
            }),
        )
    }
}

#[instrument_actor]
impl Handler<ListProposals> for GovernanceActor {
    type Result = MessageResult<ListProposals>;

    fn handle(&mut self, _: ListProposals, _: &mut Context<Self>) -> Self::Result {
        work_sync(ActorType::Unclassified, "GovernanceActor", "ListProposals");
        MessageResult(self.votes.clone())
    }
}

#[instrument_actor]
impl Handler<TallyVotes> for GovernanceActor {
    type Result = AtomicResponse<Self, Result<u64, ProposalRejected>>;

    fn handle(&mut self, msg: TallyVotes, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(Box::pin(
            async move {
                work(ActorType::Unclassified, "GovernanceActor", "TallyVotes").await;
                msg.0
            }
            .into_actor(self)
            .map(|quorum, act, _| {
                let n = act.votes.len() as u64;
                if n < quorum {
                    Err(ProposalRejected)
                } else {
                    Ok(n)
                }
            }),
        ))
    }
}

#[instrument_actor]
impl Handler<LookupProposal> for GovernanceActor {
    type Result = ActorResponse<Self, Option<u64>>;

    fn handle(&mut self, msg: LookupProposal, _: &mut Context<Self>) -> Self::Result {
        if msg.0 == 0 {
            return ActorResponse::reply(None);
        }
        ActorResponse::r#async(
            async move {
                work(ActorType::Unclassified, "GovernanceActor", "LookupProposal").await;
                msg.0
            }
            .into_actor(self)
            .map(|id, act, _| act.votes.iter().copied().find(|v| *v == id)),
        )
    }
}

// `GovernanceActor` has no category word (`governance` is a message type's word, not an actor
// type's): `unclassified`; its messages say `governance` (`Vote`, `Proposal`) or nothing.
#[actix_rt::test]
async fn into_actor_map_in_a_handler() {
    let _s = crate::serial();
    let b = before(
        "GovernanceActor",
        "CastVote",
        ActorType::Unclassified,
        MessageType::Governance,
    );
    let g = GovernanceActor::default().start();
    assert_eq!(g.send(CastVote(7)).await.unwrap(), Ok(1));
    assert_eq!(g.send(CastVote(0)).await.unwrap(), Err(ProposalRejected));
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn message_result_atomic_and_actor_responses() {
    let _s = crate::serial();
    let g = GovernanceActor { votes: vec![3, 4] }.start();
    // `Proposals` is not the word `proposal`: `unclassified`.
    let b = before(
        "GovernanceActor",
        "ListProposals",
        ActorType::Unclassified,
        MessageType::Unclassified,
    );
    assert_eq!(g.send(ListProposals).await.unwrap(), vec![3, 4]);
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
    let b = before(
        "GovernanceActor",
        "TallyVotes",
        ActorType::Unclassified,
        MessageType::Unclassified,
    );
    assert_eq!(g.send(TallyVotes(2)).await.unwrap(), Ok(2));
    assert_eq!(g.send(TallyVotes(5)).await.unwrap(), Err(ProposalRejected));
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
    let b = before(
        "GovernanceActor",
        "LookupProposal",
        ActorType::Unclassified,
        MessageType::Governance,
    );
    assert_eq!(g.send(LookupProposal(4)).await.unwrap(), Some(4));
    assert_eq!(g.send(LookupProposal(0)).await.unwrap(), None);
    b.assert(&[(MessageOutcome::Ok, 2)], 1, true);
}
