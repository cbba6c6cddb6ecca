//! The runtime's conventions, and what copying keeps for a few pieces of generated code.

use super::items::{Kind, TRAIT_METHODS};
use super::scan::Reference;
use super::sources::SOURCES;
use super::*;
use quote::{ToTokens, quote};

#[test]
fn every_runtime_module_is_listed_with_its_feature() {
    let lib = include_str!("../../../../naftiko-runtime/src/lib.rs");
    let mut declared = Vec::new();
    let mut feature = None;
    for line in lib.lines() {
        if let Some(f) = line.strip_prefix("#[cfg(feature = \"") {
            feature = f.strip_suffix("\")]");
        } else if let Some(m) = line.strip_prefix("pub mod ") {
            declared.push((m.trim_end_matches(';'), feature.take()));
        }
    }
    declared.sort();
    let listed: Vec<_> = SOURCES.iter().map(|s| (s.name, s.feature)).collect();
    assert_eq!(declared, listed);
}

#[test]
fn runtime_modules_follow_the_conventions_copying_relies_on() {
    for source in SOURCES {
        let file = syn::parse_file(source.text).unwrap();
        for item in &file.items {
            if let syn::Item::Use(u) = item {
                let text = u.to_token_stream().to_string();
                assert!(
                    !text.contains('{') && !text.contains('*') && !text.contains("super"),
                    "{}.rs: one name per `use`, from `crate::` or a crate: {text}",
                    source.name
                );
            }
        }
        assert!(
            !source.text.contains("cfg(feature"),
            "{}.rs: features gate whole modules, in lib.rs",
            source.name
        );
        assert!(
            !source.text.contains("super::") || source.text.contains("mod tests"),
            "{}.rs names `super::` outside its tests",
            source.name
        );
    }
}

#[test]
fn no_module_defines_a_name_it_imports() {
    let index = index();
    for item in index
        .items
        .iter()
        .filter(|i| matches!(i.kind, Kind::Use { .. }))
    {
        for name in &item.names {
            let defined = index.items.iter().any(|other| {
                other.module == item.module
                    && matches!(other.kind, Kind::Named)
                    && other.names.contains(name)
            });
            assert!(
                !defined,
                "{}.rs defines `{name}` and imports it: rename one",
                SOURCES[item.module].name
            );
        }
    }
}

#[test]
fn every_use_of_a_trait_for_its_methods_is_known() {
    let index = index();
    for item in index
        .items
        .iter()
        .filter(|i| matches!(i.kind, Kind::Use { .. }))
    {
        let Some(name) = item.names.first() else {
            continue;
        };
        let named = index.items.iter().any(|other| {
            other.module == item.module
                && (other.references.contains(&Reference::Local(name.clone()))
                    || other
                        .references
                        .contains(&Reference::PathStart(name.clone())))
        });
        let known = TRAIT_METHODS.iter().any(|(t, _)| t == name);
        assert!(
            named || known,
            "{}.rs imports `{name}` for its methods: list them in TRAIT_METHODS",
            SOURCES[item.module].name
        );
    }
}

#[test]
fn a_client_call_copies_what_sending_needs_and_no_server() {
    let code = quote! {
        async fn get(http: &crate::runtime::http::HttpClient) -> Result<(), crate::runtime::error::Error> {
            let request = crate::runtime::http::Request::new(reqwest::Method::GET, String::new());
            crate::runtime::http::send(http, request, "api", "op").await.map(drop)
        }
    };
    let needs = Needs::of([&code]);
    let modules = needs.modules();
    for m in ["http", "error", "context", "telemetry", "map"] {
        assert!(modules.contains(m), "{m}: {modules:?}");
    }
    for m in ["server", "rest", "mcp", "observe", "oauth2"] {
        assert!(!modules.contains(m), "{m}: {modules:?}");
    }
    assert!(needs.features().is_empty());
    assert!(needs.crates.contains("hyper_util") && needs.crates.contains("reqwest"));
    let files = needs.files("// header");
    let http = &files
        .iter()
        .find(|(p, _)| p == "src/runtime/http.rs")
        .unwrap()
        .1;
    assert!(
        http.contains("pub fn send<")
            && http.contains("async fn send_counted(")
            && http.contains("impl Request {")
    );
    assert!(http.contains("use crate::runtime::error::Error;"));
    assert!(!http.contains("mod tests"));
}

#[test]
fn a_trait_impl_does_not_bring_its_module_alone() {
    // `args` is used by a REST handler; `mcp`'s `impl From<args::Invalid> for ErrorData`
    // must not bring `mcp` (and rmcp) with it.
    let code = quote! {
        fn read(body: &crate::runtime::args::Object) {
            let _ = crate::runtime::args::required_str(body, "a").map_err(crate::runtime::rest::invalid_field);
        }
    };
    let modules = Needs::of([&code]).modules();
    assert!(
        modules.contains("args") && modules.contains("rest"),
        "{modules:?}"
    );
    assert!(!modules.contains("mcp"), "{modules:?}");
}
