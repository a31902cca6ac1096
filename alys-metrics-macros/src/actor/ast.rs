//! The arguments of `#[instrument_actor(..)]`, all optional: `actor = TYPE`, `message = TYPE`,
//! `for = ActorType` and `error = path`, each at most once.
//!
//! Parsing is resilient: an unknown or repeated argument, or an unknown actor or message type,
//! is recorded in [`Args::errors`] and parsing goes on, so every mistake is reported at once.
//! Only malformed syntax stops the parse.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Path, Token};

use crate::util::{closest, path_segment, snake_case};

/// The arguments the attribute accepts.
const ARGUMENTS: &[&str] = &["actor", "message", "for", "error"];

/// A message type given by the user: a word of the runtime's `message_types`, and the
/// arguments of a call (`custom(7)`).
pub struct Message {
    pub word: Ident,
    pub args: Option<TokenStream>,
}

#[derive(Default)]
pub struct Args {
    /// The actor type: a word of the runtime's `actor_types`, spanned on the user's token.
    pub actor: Option<Ident>,
    /// True when `actor = ..` was written, valid or not (a wrong one is reported once).
    pub actor_given: bool,
    pub message: Option<Message>,
    /// True when `message = ..` was written, valid or not.
    pub message_given: bool,
    /// `for = ChainActor`: the actor type of a lone fn.
    pub for_type: Option<Path>,
    /// `error = path`: `fn(&Reply) -> bool`, overriding the reply's type.
    pub error: Option<Path>,
    pub errors: Vec<syn::Error>,
}

/// A label word: an identifier or a string literal (`chain`, `Chain`, `"chain"`).
fn label_word(input: ParseStream) -> syn::Result<Ident> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let v = lit.value();
        return match syn::parse_str::<Ident>(&v) {
            Ok(i) => Ok(Ident::new(&i.to_string(), lit.span())),
            Err(_) => Err(syn::Error::new(
                lit.span(),
                format!("`{v:?}` is not a label name: write a word such as `chain` or `\"chain\"`"),
            )),
        };
    }
    if input.peek(Ident::peek_any) {
        return input.call(Ident::parse_any);
    }
    Err(input.error("expected a label name such as `chain` or `\"chain\"`"))
}

/// The user's word as a path segment of the runtime's vocabulary, in `snake_case` (`Chain` and
/// `"chain"` are `chain`), spanned on the user's token.
fn vocabulary_word(word: &Ident, what: &str) -> syn::Result<Ident> {
    let s = word.to_string();
    path_segment(&snake_case(&s), word.span()).ok_or_else(|| {
        syn::Error::new(
            word.span(),
            format!("`{s}` cannot be {what}: write a word such as `chain`"),
        )
    })
}

impl Args {
    fn parse_actor(&mut self, input: ParseStream) -> syn::Result<()> {
        self.actor_given = true;
        let word = label_word(input)?;
        match vocabulary_word(&word, "an actor type") {
            Ok(w) => self.actor = Some(w),
            Err(e) => self.errors.push(e),
        }
        Ok(())
    }

    fn parse_message(&mut self, input: ParseStream) -> syn::Result<()> {
        self.message_given = true;
        let word = label_word(input)?;
        let args = if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            Some(content.parse::<TokenStream>()?)
        } else {
            None
        };
        match vocabulary_word(&word, "a message type") {
            Ok(word) => self.message = Some(Message { word, args }),
            Err(e) => self.errors.push(e),
        }
        Ok(())
    }
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            let key = input.call(Ident::parse_any)?;
            let name = key.to_string();
            if name == "metrics" {
                args.errors.push(syn::Error::new(
                    key.span(),
                    "`metrics = ..` is no longer needed: the handler counts every message itself. \
                     Remove it; register the actor's `ActorMetrics` with an `ActorMetricsBridge` \
                     for its mailbox and restarts",
                ));
                skip_argument(input)?;
                continue;
            }
            if !ARGUMENTS.contains(&name.as_str()) {
                let hint = closest(&name, ARGUMENTS.iter().copied())
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                args.errors.push(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown argument `{name}`: expected `actor = TYPE`, `message = TYPE`, `for = ActorType` or `error = path`{hint}"
                    ),
                ));
                skip_argument(input)?;
                continue;
            }
            if seen.contains(&name) {
                args.errors.push(syn::Error::new(
                    key.span(),
                    format!("`{name}` is given twice: keep one"),
                ));
            }
            seen.push(name.clone());
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("expected `=` after `{name}`, e.g. `{}`", example(&name)),
                ));
            }
            input.parse::<Token![=]>()?;
            match name.as_str() {
                "actor" => args.parse_actor(input)?,
                "message" => args.parse_message(input)?,
                "for" => args.for_type = Some(input.call(Path::parse_mod_style)?),
                _ => args.error = Some(input.parse()?),
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

fn example(arg: &str) -> &'static str {
    match arg {
        "actor" => "actor = chain",
        "message" => "message = sync",
        "for" => "for = ChainActor",
        _ => "error = reply_is_error",
    }
}

/// Skips the value of an unknown argument, up to the next comma.
fn skip_argument(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: proc_macro2::TokenStream) -> Args {
        syn::parse2(tokens).expect("parses")
    }

    #[test]
    fn words_are_kept_for_the_runtime_vocabulary_in_snake_case() {
        let a = parse(quote!(actor = sync, message = Bridge));
        assert_eq!(a.actor.map(|i| i.to_string()), Some("sync".into()));
        assert!(matches!(a.message, Some(Message { ref word, args: None }) if word == "bridge"));
        assert!(a.errors.is_empty());
        let a = parse(quote!(message = custom(7)));
        assert!(
            matches!(a.message, Some(Message { ref word, args: Some(ref n) }) if word == "custom" && n.to_string() == "7")
        );
        let a = parse(quote!(actor = "chain", for = crate::actors::ChainActor, error = is_err));
        assert_eq!(a.actor.map(|i| i.to_string()), Some("chain".into()));
        assert!(a.for_type.is_some() && a.error.is_some());
        assert!(a.errors.is_empty());
    }

    #[test]
    fn reports_every_mistake_at_once() {
        let a = parse(quote!(
            actr = chain,
            actor = sync,
            actor = sync,
            colour = red
        ));
        let msgs: Vec<String> = a.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("did you mean `actor`"));
        assert!(msgs[1].contains("given twice"));
        assert!(msgs[2].contains("unknown argument `colour`"));
    }

    #[test]
    fn the_removed_metrics_argument_says_what_replaces_it() {
        let a = parse(quote!(metrics = self.metrics, actor = chain));
        assert_eq!(a.errors.len(), 1);
        assert!(a.errors[0].to_string().contains("no longer needed"));
        assert_eq!(a.actor.map(|i| i.to_string()), Some("chain".into()));
    }

    #[test]
    fn a_missing_equals_sign_is_a_syntax_error_with_an_example() {
        let e = syn::parse2::<Args>(quote!(actor chain))
            .err()
            .expect("fails");
        assert!(e.to_string().contains("`actor = chain`"));
    }
}
