//! The generated crate's public API, misused from outside: each case must not compile, with the
//! error recorded beside it. (Proper use is `tests/tests/public_api.rs`, compiled with the workspace:
//! with no `pass` case and no other dependency, trybuild only checks the seed's dependencies.)

#[test]
fn misuse_of_the_typed_client_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail_missing_argument.rs");
    t.compile_fail("ui/fail_wrong_argument_type.rs");
    t.compile_fail("ui/fail_credentials_without_token.rs");
}
