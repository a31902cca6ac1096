//! The typed AST of `#[time_block(..)]`: the arguments, each keeping its tokens so that every
//! error points at them.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Token};

use crate::util::{closest, Errors};

/// `production` or `validation`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TimerKind {
    Production,
    Validation,
}

impl TimerKind {
    pub const ALL: [(&'static str, TimerKind); 2] = [
        ("production", TimerKind::Production),
        ("validation", TimerKind::Validation),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::Production => "production",
            TimerKind::Validation => "validation",
        }
    }
}

/// `validator = <expr>`.
pub struct Validator {
    pub expr: Expr,
}

/// The parsed arguments. Parsing never fails: every mistake is collected in `errors`, so that
/// the function can still be emitted unchanged next to them.
pub struct Args {
    pub kind: Option<(TimerKind, Span)>,
    pub validator: Option<Validator>,
    pub errors: Errors,
}

const KINDS: &str = "`production` or `validation`";
const EXAMPLE: &str = "`#[time_block(production, validator = self.id)]`";

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args {
            kind: None,
            validator: None,
            errors: Errors::default(),
        };
        if input.is_empty() {
            args.errors.error(
                Span::call_site(),
                format!("missing timer kind: expected {KINDS} and a validator, e.g. {EXAMPLE}"),
            );
            return Ok(args);
        }
        if let Err(e) = parse_all(input, &mut args) {
            args.errors.push(e);
            // Skip what could not be parsed: its errors would only repeat this one.
            let _ = input.step(|cursor| {
                let mut rest = *cursor;
                while let Some((_, next)) = rest.token_tree() {
                    rest = next;
                }
                Ok(((), rest))
            });
        }
        Ok(args)
    }
}

fn parse_all(input: ParseStream, args: &mut Args) -> syn::Result<()> {
    parse_kind(input, args)?;
    let mut first_validator: Option<Span> = None;
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected `validator = <expr>`, e.g. `validator = self.id`",
            )
        })?;
        let name = key.to_string();
        if name != "validator" {
            let hint = closest(&name, ["validator"])
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            let what = if TimerKind::ALL.iter().any(|(n, _)| *n == name) {
                "a second timer kind: a function is timed as one kind only; "
            } else {
                ""
            };
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown argument `{name}`: {what}{hint}`#[time_block]` takes the timer kind and `validator = <expr>`"
                ),
            ));
        }
        if !input.peek(Token![=]) {
            let span = if input.is_empty() {
                key.span()
            } else {
                input.span()
            };
            return Err(syn::Error::new(
                span,
                "expected `=` after `validator`: give the validator as `validator = <expr>`, e.g. `validator = self.id`",
            ));
        }
        let eq: Token![=] = input.parse()?;
        if input.is_empty() || input.peek(Token![,]) {
            return Err(syn::Error::new(
                eq.span,
                "missing the validator expression after `=`, e.g. `validator = self.id` or `validator = \"validator-01\"`",
            ));
        }
        let expr = parse_validator_expr(input)?;
        if let Some(first) = first_validator {
            let mut e =
                syn::Error::new(key.span(), "duplicate `validator`: give the validator once");
            e.combine(syn::Error::new(first, "`validator` first given here"));
            return Err(e);
        }
        first_validator = Some(key.span());
        args.validator = Some(Validator { expr });
    }
    Ok(())
}

/// The validator expression; an expression that does not parse is reported over its own
/// tokens (syn would point an error at the end of the input at the whole attribute).
fn parse_validator_expr(input: ParseStream) -> syn::Result<Expr> {
    let reason = match input.fork().parse::<Expr>() {
        Ok(_) => return input.parse(),
        Err(e) => e.to_string(),
    };
    let tokens = input.step(|cursor| {
        let mut rest = *cursor;
        let mut tokens = TokenStream::new();
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            tokens.extend([tt]);
            rest = next;
        }
        Ok((tokens, rest))
    })?;
    Err(syn::Error::new_spanned(
        tokens,
        format!("malformed validator expression ({reason}): give an expression, e.g. `validator = self.id`"),
    ))
}

fn parse_kind(input: ParseStream, args: &mut Args) -> syn::Result<()> {
    let lookahead = input.lookahead1();
    if !lookahead.peek(Ident) {
        return Err(syn::Error::new(
            input.span(),
            format!("expected the timer kind, {KINDS}, e.g. {EXAMPLE}"),
        ));
    }
    let ident: Ident = input.parse()?;
    let name = ident.to_string();
    if let Some((_, kind)) = TimerKind::ALL.iter().find(|(n, _)| *n == name) {
        args.kind = Some((*kind, ident.span()));
        return Ok(());
    }
    if name == "validator" {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "missing timer kind before `validator`: expected {KINDS} first, e.g. {EXAMPLE}"
            ),
        ));
    }
    let hint = closest(&name, TimerKind::ALL.iter().map(|(n, _)| *n))
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    Err(syn::Error::new(
        ident.span(),
        format!("unknown timer kind `{name}`: expected {KINDS}{hint}"),
    ))
}
