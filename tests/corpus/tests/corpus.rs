//! The corpus crate compiled (that is the first test: this file builds only if every generated
//! module does); these tests pin which files are generated and which are refused, and why.

#[path = "../../src/skip.rs"]
mod skip;

use std::sync::Arc;

fn lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.is_empty()).collect()
}

fn corpus_present() -> bool {
    if naftiko_corpus::GENERATED.is_empty() && naftiko_corpus::REFUSED.is_empty() {
        skip::skip("the specs corpus is absent (../shared or $NAFTIKO_SHARED)");
        return false;
    }
    true
}

#[test]
fn refused_files_are_exactly_the_expected_ones_with_their_diagnostics() {
    if !corpus_present() {
        return;
    }
    let expected = include_str!("../refused.txt");
    assert_eq!(
        lines(naftiko_corpus::REFUSED),
        lines(expected),
        "the refused files changed: update tests/corpus/refused.txt if that is intended"
    );
}

#[test]
fn generated_files_are_exactly_the_expected_ones() {
    if !corpus_present() {
        return;
    }
    let expected = include_str!("../generated.txt");
    assert_eq!(
        lines(naftiko_corpus::GENERATED),
        lines(expected),
        "the generated files changed: update tests/corpus/generated.txt if that is intended"
    );
}

#[test]
fn sample_refused_files_are_exactly_the_expected_ones_with_their_diagnostics() {
    if !corpus_present() {
        return;
    }
    let expected = include_str!("../sample-refused.txt");
    assert_eq!(
        lines(naftiko_corpus::SAMPLE_REFUSED),
        lines(expected),
        "the refused files of the wild sample changed: update tests/corpus/sample-refused.txt if that is intended"
    );
}

#[test]
fn sample_generated_files_are_exactly_the_expected_ones() {
    if !corpus_present() {
        return;
    }
    let expected = include_str!("../sample-generated.txt");
    assert_eq!(
        lines(naftiko_corpus::SAMPLE_GENERATED),
        lines(expected),
        "the generated files of the wild sample changed: update tests/corpus/sample-generated.txt if that is intended"
    );
}

/// The README's build.rs example, used as a user would.
#[test]
fn the_build_rs_module_is_usable_like_the_standalone_crate() {
    use naftiko_corpus::tokeninfo;
    use tokeninfo::clients::humanitec_tokeninfo::{Client, Credentials, DEFAULT_BASE_URL};

    let credentials = Credentials {
        bearer_token: tokeninfo::Secret::new("key"),
    };
    let client = Client::new(DEFAULT_BASE_URL, credentials, None).unwrap();
    assert_eq!(client.base_url(), "https://api.humanitec.io");
    let upstreams = Arc::new(tokeninfo::Upstreams {
        humanitec_tokeninfo: client,
    });
    let _router: axum::Router =
        tokeninfo::rest::humanitec_tokeninfo_rest::router(upstreams.clone());
    let tools = tokeninfo::mcp::humanitec_tokeninfo_mcp::tools();
    assert_eq!(tools.len(), 4);
    assert_eq!(
        tokeninfo::server::SPEC.adapter_namespaces(),
        ["humanitec-tokeninfo-rest", "humanitec-tokeninfo-mcp"]
    );
}
