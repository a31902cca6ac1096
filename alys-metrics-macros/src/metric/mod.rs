//! `#[alys_metric]`: parse -> validate -> expand.
//
// Input:
//     /// Total migration errors encountered.
//     #[alys_metric(counter, labels(phase, error_type))]
//     pub static MIGRATION_ERRORS: Counter;
// Output:
//     /// Total migration errors encountered.
//     pub static MIGRATION_ERRORS: ::alys_metrics::__private::Metric<
//         <Counter as __private::ValueType>::Type,                          // spanned on `Counter`
//         (
//             <__private::standard_labels::phase as __private::StandardLabel>::Enum, // `phase` spanned on the user's word
//             <__private::standard_labels::error_type as __private::StandardLabel>::Enum,
//         ),
//     > = {
//         const __ALYS_DESCRIPTOR: Descriptor = Descriptor::new("alys_migration_errors_total", "Total ..", Kind::Counter)
//             .labels(&["phase", "error_type"], &[<.. as TypeName>::TYPE_NAME, ..])
//             .buckets(&[]).declared_at(concat!(module_path!(), "::MIGRATION_ERRORS"), file!(), line!());
//         Metric::new(&__ALYS_DESCRIPTOR)
//     };
//     // A user enum `outcome: Outcome` appears as `<Outcome as __private::Label>::Type`.
//     const _: () = {
//         if let Some(msg) = kind_mismatch(Kind::Counter, <Counter as MetricCore>::KIND) { panic!("{}", msg) } // on `Counter`
//         assert!(<(..) as LabelSet>::CARDINALITY <= MAX_CARDINALITY, "..");   // spanned on labels(..)
//         inventory::submit! { Registration(&MIGRATION_ERRORS) }
//     };
//
// On any error the output is the errors plus the user's static under a stand-in type
// (see `fallback`), so that one mistake is reported once and the code using the static
// adds no errors of its own.

mod ast;
mod expand;
mod fallback;
mod names;
mod valid;

use proc_macro2::TokenStream;

use crate::util::Errors;
use ast::{Args, StaticItem};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let item_ast: StaticItem = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(e) => return fallback::not_a_static(item, e),
    };
    let mut errors = Errors::default();
    let (args_ast, label_count) = match syn::parse2::<Args>(args.clone()) {
        Ok(mut a) => {
            for e in a.errors.drain(..) {
                errors.push(e);
            }
            let n = a.label_count();
            (Some(a), n)
        }
        Err(e) => {
            errors.push(e);
            (None, ast::count_labels_in_raw_args(&args))
        }
    };
    let metric = valid::validate(args_ast.as_ref(), &item_ast, &mut errors);
    match metric {
        Some(m) if errors.is_empty() => expand::emit(&item_ast, &m),
        partial => fallback::fallback(&item_ast, partial.as_ref(), label_count, errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    /// The expansion as a string, with token spacing removed for easy matching.
    fn expand_str(args: TokenStream, item: TokenStream) -> String {
        expand(args, item).to_string().replace(' ', "")
    }

    #[test]
    fn a_valid_declaration_registers_and_checks_cardinality() {
        let out = expand_str(
            quote!(counter, labels(phase, outcome: Outcome, peer: dynamic(max = 8))),
            quote!(
                /// Help.
                pub static X: Counter;
            ),
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains("Descriptor::new(\"alys_x_total\",\"Help.\",::alys_metrics::__private::Kind::Counter)"),
            "{out}"
        );
        assert!(
            out.contains(".labels(&[\"phase\",\"outcome\",\"peer\"],&["),
            "{out}"
        );
        assert!(out.contains("<Outcomeas::alys_metrics::__private::Label>::Type"));
        assert!(out.contains("Dynamic<8usize>"), "{out}");
        assert!(out.contains("MAX_CARDINALITY"), "{out}");
        assert!(out.contains("Registration(&X)"), "{out}");
    }

    #[test]
    fn a_bare_label_name_is_a_path_into_the_runtime_vocabulary() {
        let out = expand_str(
            quote!(counter, labels(phse, error_type)),
            quote!(
                /// Help.
                pub static X: Counter;
            ),
        );
        assert!(
            !out.contains("compile_error"),
            "rustc resolves the names: {out}"
        );
        assert!(
            out.contains("<::alys_metrics::__private::standard_labels::phseas::alys_metrics::__private::StandardLabel>::Enum"),
            "{out}"
        );
        assert!(out.contains("standard_labels::error_typeas"), "{out}");
        assert!(out.contains("TypeName>::TYPE_NAME"), "{out}");
    }

    #[test]
    fn an_unparsed_label_list_leaves_a_stand_in_with_one_argument_per_label() {
        let out = expand_str(
            quote!(counter, labels(a: dynamic(max = 0), b: dynamic)),
            quote!(
                /// Help.
                pub static X: Counter;
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("pubstruct__alys_metric_X("), "{out}");
        assert!(out.contains("pubfnwith<A0,A1>(&self,_:A0,_:A1)"), "{out}");
        assert!(out.contains("pubstaticX:__alys_metric_X="), "{out}");
        assert!(!out.contains("Registration"), "{out}");
    }

    #[test]
    fn the_declared_type_is_checked_by_its_kind() {
        let out = expand_str(
            quote!(gauge),
            quote!(
                /// Help.
                pub static X: Gauge<i64>;
            ),
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains("<Gauge<i64>as::alys_metrics::__private::ValueType>::Type"),
            "{out}"
        );
        assert!(
            out.contains("kind_mismatch(::alys_metrics::__private::Kind::Gauge"),
            "{out}"
        );
    }

    #[test]
    fn a_resolved_declaration_with_errors_keeps_its_real_type_unregistered() {
        let out = expand_str(
            quote!(counter, labels(phase)),
            quote!(
                pub static X: Counter;
            ),
        );
        assert!(out.contains("hasnodoccomment"), "{out}");
        assert!(
            out.contains("pubstaticX:::alys_metrics::__private::Metric<"),
            "{out}"
        );
        assert!(out.contains("FALLBACK_DESCRIPTOR"), "{out}");
        assert!(!out.contains("Registration"), "{out}");
    }

    #[test]
    fn arguments_that_do_not_parse_still_give_the_label_count() {
        let out = expand_str(
            quote!(counter, labels(phase, error_type), buckets = oops),
            quote!(
                /// Help.
                static X: Counter;
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("fnwith<A0,A1>"), "{out}");
    }

    #[test]
    fn cfg_attributes_reach_the_registration() {
        let out = expand_str(
            quote!(gauge),
            quote!(
                /// Help.
                #[cfg(feature = "x")]
                static X: Gauge;
            ),
        );
        assert!(out.contains("#[cfg(feature=\"x\")]const_:()="), "{out}");
    }

    #[test]
    fn caps_beyond_any_limit_are_refused_before_the_series_count_can_overflow() {
        let out = expand_str(
            quote!(gauge, labels(a: dynamic(max = 100000), b: dynamic(max = 100000))),
            quote!(
                /// Help.
                static X: Gauge;
            ),
        );
        assert!(out.contains("`max=100000`allowsmoreseries"), "{out}");
    }

    #[test]
    fn the_help_text_must_be_a_literal() {
        let out = expand_str(
            quote!(gauge),
            quote!(
                #[doc = include_str!("x.md")]
                static X: Gauge;
            ),
        );
        assert!(out.contains("mustbealiteral"), "{out}");
        assert!(
            !out.contains("hasnodoccomment"),
            "one error, not two: {out}"
        );
    }

    #[test]
    fn derived_names_that_break_the_rules_say_where_they_come_from() {
        let out = expand_str(
            quote!(gauge),
            quote!(
                /// Help.
                static REQUESTS_TOTAL: Gauge;
            ),
        );
        assert!(out.contains("reservesforcounters"), "{out}");
        assert!(out.contains("derivedfromthestatic'sname"), "{out}");
    }
}
