//! What `valid` decided and `expand` writes: plain data read from the item and the arguments,
//! already checked. Nothing here writes tokens.

use proc_macro2::Span;
use syn::{Ident, Path, Type};

use super::ast::Message;

/// What to rewrite in one item; every handler or hook in it passed the checks.
pub enum Plan<'a> {
    /// A lone fn (or a method carrying the attribute itself): the fn is this handler.
    Fn(Box<Handler<'a>>),
    /// The handlers of an `impl`, each with the index of its method in the impl's items (in
    /// order); with `relay`, the impl's `type Result` becomes the instrumented reply.
    Impl {
        handlers: Vec<(usize, Handler<'a>)>,
        relay: Option<Relay>,
    },
    /// `impl Actor for X` / `impl Supervised for X`: its lifecycle hooks.
    Lifecycle(Hooks<'a>),
}

/// The reply of an actix `Handler` impl: its declared `type Result` and the message type.
#[derive(Clone)]
pub struct Relay {
    /// The type the user declared as `type Result`.
    pub reply: Type,
    /// The `M` of `Handler<M>`.
    pub message: Type,
}

/// What one handler needs to know besides its own signature and body.
pub struct Handler<'a> {
    /// The `actor` label and the token it comes from.
    pub actor_name: (String, Span),
    /// The `message` label and the token it comes from.
    pub message_name: (String, Span),
    /// The actor's type, when a `static` can name it (to read its `ActorKind`).
    pub actor_ty: Option<Type>,
    /// The message's type, when a `static` can name it (to read its `MessageKind`).
    pub message_ty: Option<Type>,
    /// `actor = ..`.
    pub actor_word: Option<&'a Ident>,
    /// `message = ..`.
    pub message_word: Option<&'a Message>,
    /// `error = path`.
    pub error: Option<&'a Path>,
    /// Set on `handle` in an actix `Handler` impl with `type Result`.
    pub relay: Option<Relay>,
    /// The type the body produces: the return type (with its lifetimes named, see
    /// `named_output`), or in a relayed `handle` returning `Self::Result`, the declared
    /// `type Result`.
    pub reply: Type,
    /// The return type with its elided lifetimes named [`self_lifetime`], when the fn is a
    /// `&self` method whose return type elides one (`-> Fut<'_>`, `-> &T`).
    pub named_output: Option<Type>,
}

/// `impl Actor for X` / `impl Supervised for X`.
pub struct Hooks<'a> {
    pub which: Lifecycle,
    /// `X` as the `actor` label, and its token.
    pub actor_name: (String, Span),
    /// `X`, when a `static` can name it (to read its `ActorKind`).
    pub actor_ty: Option<Type>,
    /// `actor = ..`.
    pub actor_word: Option<&'a Ident>,
    /// The hooks of the trait the user did not write, in the trait's order: added with actix's
    /// default behaviour.
    pub missing: Vec<&'static str>,
    /// `actor = ..` on `impl Actor for X`: written after the impl as `impl ActorKind for X`.
    pub actor_kind: Option<&'a Ident>,
}

/// The lifecycle trait an `impl` instruments: actix's `Actor` or `Supervised`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lifecycle {
    /// `impl Actor for X`: `started`, `stopping`, `stopped`.
    Actor,
    /// `impl Supervised for X`: `restarting`.
    Supervised,
}

impl Lifecycle {
    /// The hooks of the trait.
    pub fn hooks(self) -> &'static [&'static str] {
        match self {
            Lifecycle::Actor => &["started", "stopping", "stopped"],
            Lifecycle::Supervised => &["restarting"],
        }
    }
}

/// The lifetime given to a `&self` method's elided ones (see [`Handler::named_output`]).
pub fn self_lifetime() -> syn::Lifetime {
    syn::Lifetime::new("'__alys_self", Span::mixed_site())
}
