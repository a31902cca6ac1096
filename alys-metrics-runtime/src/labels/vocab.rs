//! The words the macros' arguments may use, listed once, here: standard label names
//! (`#[alys_metric(.., labels(phase, error_type))]`), actor types and message types
//! (`#[instrument_actor(actor = chain, message = sync)]`).
//!
//! The macro crate keeps no copy of these lists. It writes the user's word as a path into one
//! of these modules, spanned on the user's token, so a word that is not here is rustc's own
//! "cannot find .. in module `..::standard_labels`" on that token, with "a similar name exists"
//! when one does. Re-exported, hidden, as `alys_metrics::__private::{standard_labels,
//! actor_types, message_types}`; not a public API.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::__private::{actor_types, message_types, standard_labels, StandardLabel, TypeName};
//! use alys_metrics::labels::{ActorType, MessageType, MigrationPhase};
//!
//! let _: <standard_labels::phase as StandardLabel>::Enum = MigrationPhase::Foundation;
//! assert_eq!(<standard_labels::phase as TypeName>::TYPE_NAME, "MigrationPhase");
//! assert_eq!(actor_types::chain, ActorType::Chain);
//! assert_eq!(message_types::custom(7), MessageType::Custom(7));
//! ```

#![allow(non_camel_case_types, non_upper_case_globals)]

use super::LabelValue;

/// A standard label name: the enum a bare `labels(name)` declares.
pub trait StandardLabel {
    /// The label's enum.
    type Enum: LabelValue;
}

/// How the catalogue describes a bare label's type (`MigrationPhase`): implemented for every
/// name of [`standard_labels`], also those that are refused, so that a refused name is
/// reported once, by [`StandardLabel`].
pub trait TypeName {
    /// The enum's name, for the catalogue's `label_types`; empty for a refused name.
    const TYPE_NAME: &'static str;
}

/// The standard label names: each item is one name a bare `labels(name)` may use. A name that
/// means something different on each metric (`reason`) or a free-form one (`validator`, ..)
/// is here too, refused with a message that says what to write instead.
pub mod standard_labels {
    use super::{StandardLabel, TypeName};
    use crate::labels::*;

    /// `phase`: [`MigrationPhase`].
    pub enum phase {}
    /// `error_type`: [`ErrorType`].
    pub enum error_type {}
    /// `actor_type`: [`ActorType`].
    pub enum actor_type {}
    /// `message_type`: [`MessageType`].
    pub enum message_type {}
    /// `sync_state`: [`SyncState`].
    pub enum sync_state {}
    /// `region`: [`PeerRegion`].
    pub enum region {}
    /// `operation`: [`IoOperation`].
    pub enum operation {}
    /// `direction`: [`IoDirection`].
    pub enum direction {}
    /// `event`: [`LifecycleEvent`].
    pub enum event {}
    /// `status`: [`Status`].
    pub enum status {}

    macro_rules! standard {
        ($($name:ident => $enum:ident,)*) => {$(
            impl StandardLabel for $name {
                type Enum = $enum;
            }
            impl TypeName for $name {
                const TYPE_NAME: &'static str = stringify!($enum);
            }
        )*};
    }

    standard! {
        phase => MigrationPhase,
        error_type => ErrorType,
        actor_type => ActorType,
        message_type => MessageType,
        sync_state => SyncState,
        region => PeerRegion,
        operation => IoOperation,
        direction => IoDirection,
        event => LifecycleEvent,
        status => Status,
    }

    // A name that is a label but has no standard enum: its own trait, implemented by nothing,
    // carries the message. The `for<'w>` bound keeps the impl from being refused where it is
    // written (trivial bounds are unstable), so the error is reported where the name is used.
    // The impls' `Enum` is never used.

    /// `reason`: the declaration names its enum.
    pub enum reason {}
    /// Why a bare `reason` is refused.
    #[diagnostic::on_unimplemented(
        message = "the `reason` label means something different on each metric: name its enum, e.g. `reason: RejectionReason`",
        label = "name its enum",
        note = "standard `reason` enums: RejectionReason, RollbackReason, RestartReason, BlockRejectReason or BuildBlockReason; or any enum that derives `LabelValue`"
    )]
    pub trait ReasonNamesItsEnum {}
    impl StandardLabel for reason
    where
        for<'w> reason: ReasonNamesItsEnum,
    {
        type Enum = Status;
    }
    impl TypeName for reason {
        const TYPE_NAME: &'static str = "";
    }

    /// `validator`: free-form, with a cap.
    pub enum validator {}
    /// Why a bare `validator` is refused.
    #[diagnostic::on_unimplemented(
        message = "`validator` is a free-form string label: declare a cap, e.g. `validator: dynamic(max = 256)`; values beyond it fold into \"other\"",
        label = "declare a cap"
    )]
    pub trait ValidatorDeclaresItsCap {}
    impl StandardLabel for validator
    where
        for<'w> validator: ValidatorDeclaresItsCap,
    {
        type Enum = Status;
    }
    impl TypeName for validator {
        const TYPE_NAME: &'static str = "";
    }

    /// `peer_id`: free-form, with a cap.
    pub enum peer_id {}
    /// Why a bare `peer_id` is refused.
    #[diagnostic::on_unimplemented(
        message = "`peer_id` is a free-form string label: declare a cap, e.g. `peer_id: dynamic(max = 256)`; values beyond it fold into \"other\"",
        label = "declare a cap"
    )]
    pub trait PeerIdDeclaresItsCap {}
    impl StandardLabel for peer_id
    where
        for<'w> peer_id: PeerIdDeclaresItsCap,
    {
        type Enum = Status;
    }
    impl TypeName for peer_id {
        const TYPE_NAME: &'static str = "";
    }

    /// `method`: free-form, with a cap.
    pub enum method {}
    /// Why a bare `method` is refused.
    #[diagnostic::on_unimplemented(
        message = "`method` is a free-form string label: declare a cap, e.g. `method: dynamic(max = 256)`; values beyond it fold into \"other\"",
        label = "declare a cap"
    )]
    pub trait MethodDeclaresItsCap {}
    impl StandardLabel for method
    where
        for<'w> method: MethodDeclaresItsCap,
    {
        type Enum = Status;
    }
    impl TypeName for method {
        const TYPE_NAME: &'static str = "";
    }

    /// `flag_name`: free-form, with a cap.
    pub enum flag_name {}
    /// Why a bare `flag_name` is refused.
    #[diagnostic::on_unimplemented(
        message = "`flag_name` is a free-form string label: declare a cap, e.g. `flag_name: dynamic(max = 256)`; values beyond it fold into \"other\"",
        label = "declare a cap"
    )]
    pub trait FlagNameDeclaresItsCap {}
    impl StandardLabel for flag_name
    where
        for<'w> flag_name: FlagNameDeclaresItsCap,
    {
        type Enum = Status;
    }
    impl TypeName for flag_name {
        const TYPE_NAME: &'static str = "";
    }

    /// `authority_index`: free-form, with a cap.
    pub enum authority_index {}
    /// Why a bare `authority_index` is refused.
    #[diagnostic::on_unimplemented(
        message = "`authority_index` is a free-form string label: declare a cap, e.g. `authority_index: dynamic(max = 256)`; values beyond it fold into \"other\"",
        label = "declare a cap"
    )]
    pub trait AuthorityIndexDeclaresItsCap {}
    impl StandardLabel for authority_index
    where
        for<'w> authority_index: AuthorityIndexDeclaresItsCap,
    {
        type Enum = Status;
    }
    impl TypeName for authority_index {
        const TYPE_NAME: &'static str = "";
    }

    /// `node_id`: free-form, with a cap.
    pub enum node_id {}
    /// Why a bare `node_id` is refused.
    #[diagnostic::on_unimplemented(
        message = "`node_id` is a free-form string label: declare a cap, e.g. `node_id: dynamic(max = 256)`; values beyond it fold into \"other\"",
        label = "declare a cap"
    )]
    pub trait NodeIdDeclaresItsCap {}
    impl StandardLabel for node_id
    where
        for<'w> node_id: NodeIdDeclaresItsCap,
    {
        type Enum = Status;
    }
    impl TypeName for node_id {
        const TYPE_NAME: &'static str = "";
    }
}

/// The actor types `#[instrument_actor(actor = ..)]` takes, by label value.
pub mod actor_types {
    use crate::labels::ActorType;

    /// [`ActorType::Chain`].
    pub const chain: ActorType = ActorType::Chain;
    /// [`ActorType::Engine`].
    pub const engine: ActorType = ActorType::Engine;
    /// [`ActorType::Network`].
    pub const network: ActorType = ActorType::Network;
    /// [`ActorType::Bridge`].
    pub const bridge: ActorType = ActorType::Bridge;
    /// [`ActorType::Storage`].
    pub const storage: ActorType = ActorType::Storage;
    /// [`ActorType::Sync`].
    pub const sync: ActorType = ActorType::Sync;
    /// [`ActorType::Stream`].
    pub const stream: ActorType = ActorType::Stream;
    /// [`ActorType::Supervisor`].
    pub const supervisor: ActorType = ActorType::Supervisor;
    /// [`ActorType::System`].
    pub const system: ActorType = ActorType::System;

    /// [`ActorType::Unclassified`].
    pub const unclassified: ActorType = ActorType::Unclassified;
}

/// The message types `#[instrument_actor(message = ..)]` takes, by label value.
pub mod message_types {
    use crate::labels::MessageType;

    /// [`MessageType::Lifecycle`].
    pub const lifecycle: MessageType = MessageType::Lifecycle;
    /// [`MessageType::Sync`].
    pub const sync: MessageType = MessageType::Sync;
    /// [`MessageType::Network`].
    pub const network: MessageType = MessageType::Network;
    /// [`MessageType::Mining`].
    pub const mining: MessageType = MessageType::Mining;
    /// [`MessageType::Governance`].
    pub const governance: MessageType = MessageType::Governance;
    /// [`MessageType::Bridge`].
    pub const bridge: MessageType = MessageType::Bridge;
    /// [`MessageType::Storage`].
    pub const storage: MessageType = MessageType::Storage;
    /// [`MessageType::System`].
    pub const system: MessageType = MessageType::System;

    /// `custom(code)`: [`MessageType::Custom`].
    pub const fn custom(code: u16) -> MessageType {
        MessageType::Custom(code)
    }

    /// [`MessageType::Unclassified`].
    pub const unclassified: MessageType = MessageType::Unclassified;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{ActorType, MessageType};

    #[test]
    fn the_actor_types_are_every_variant_by_its_label_value() {
        let listed = [
            actor_types::chain,
            actor_types::engine,
            actor_types::network,
            actor_types::bridge,
            actor_types::storage,
            actor_types::sync,
            actor_types::stream,
            actor_types::supervisor,
            actor_types::system,
            actor_types::unclassified,
        ];
        assert_eq!(listed.as_slice(), ActorType::VALUES);
    }

    #[test]
    fn the_message_types_are_every_variant_by_its_label_value() {
        let listed = [
            message_types::lifecycle,
            message_types::sync,
            message_types::network,
            message_types::mining,
            message_types::governance,
            message_types::bridge,
            message_types::storage,
            message_types::system,
            message_types::custom(0),
            message_types::unclassified,
        ];
        assert_eq!(listed.as_slice(), MessageType::VALUES);
    }

    #[test]
    fn a_standard_label_names_its_enum() {
        fn name<L: TypeName>() -> &'static str {
            L::TYPE_NAME
        }
        assert_eq!(name::<standard_labels::phase>(), "MigrationPhase");
        assert_eq!(name::<standard_labels::region>(), "PeerRegion");
        assert_eq!(
            <<standard_labels::status as StandardLabel>::Enum as LabelValue>::COUNT,
            <crate::labels::Status as LabelValue>::COUNT
        );
    }
}
