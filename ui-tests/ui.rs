//! Compile-time behaviour of the macros: every `fail/` case must fail with exactly its
//! `.stderr`, every `pass/` case must compile.

#[test]
fn ui_fail() {
    trybuild::TestCases::new().compile_fail("fail/*.rs");
}

#[test]
fn ui_pass() {
    trybuild::TestCases::new().pass("pass/*.rs");
}
