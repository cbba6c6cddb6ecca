//! The generated crate's public API, used from outside: misuse does not compile, proper use does.

#[test]
fn typed_client_api() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass_client_router_mcp.rs");
    t.compile_fail("ui/fail_missing_argument.rs");
    t.compile_fail("ui/fail_wrong_argument_type.rs");
    t.compile_fail("ui/fail_credentials_without_token.rs");
}
