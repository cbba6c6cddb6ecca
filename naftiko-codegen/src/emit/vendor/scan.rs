//! What a token stream refers to: names, paths into the runtime's modules, external crates.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};

use super::sources::SOURCES;

/// A name an item refers to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub(super) enum Reference {
    /// A bare name, resolved in the item's own module.
    Local(String),
    /// The first name of a path (`Ordering::Relaxed`, `context::scope`), resolved in the item's
    /// own module (to a `use` most often).
    PathStart(String),
    /// `crate::module::name` (or `runtime::module::name` in generated code).
    Item(String, String),
    /// `module::name` where `module` is the name of one of the runtime's modules: that module
    /// when a `use` brings it in (`use crate::problem;`), else another one (the `http` crate).
    ModulePath(String, String),
}

/// The external crates generated code and the runtime may name, by the name code uses.
pub(super) const CRATES: &[&str] = &[
    "aws_lc_rs",
    "axum",
    "base64",
    "bytes",
    "clap",
    "csv",
    "form_urlencoded",
    "http",
    "http_body_util",
    "hyper",
    "hyper_rustls",
    "hyper_util",
    "jsonwebtoken",
    "md5",
    "metrics",
    "metrics_exporter_prometheus",
    "percent_encoding",
    "pulldown_cmark",
    "quick_xml",
    "regex",
    "reqwest",
    "rmcp",
    "rustls",
    "rustls_platform_verifier",
    "scraper",
    "serde",
    "serde_json",
    "serde_saphyr",
    "sha2",
    "thiserror",
    "tokio",
    "tokio_util",
    "tower_layer",
    "tower_service",
    "tracing",
    "tracing_subscriber",
];

/// What a token stream refers to.
#[derive(Default)]
pub(super) struct Scan {
    pub(super) references: Vec<Reference>,
    /// The runtime's modules named from the root (`crate::http`, `runtime::http`).
    pub(super) rooted: BTreeSet<String>,
    pub(super) idents: BTreeSet<String>,
    pub(super) crates: BTreeSet<String>,
}

impl Scan {
    /// Add what another scan found.
    pub(super) fn merge(&mut self, other: Scan) {
        self.references.extend(other.references);
        self.rooted.extend(other.rooted);
        self.idents.extend(other.idents);
        self.crates.extend(other.crates);
    }

    pub(super) fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    let before = |n: usize| i.checked_sub(n).and_then(|j| trees.get(j));
                    let after = |n: usize| trees.get(i + n);
                    let is = |t: Option<&TokenTree>, c: char| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c);
                    let path_before = is(before(1), ':') && is(before(2), ':');
                    let path_after = is(after(1), ':') && is(after(2), ':');
                    let method = is(before(1), '.');
                    // `::serde::Serialize`: a path from the crate root (no name before `::`).
                    let from_root = path_before
                        && !matches!(before(3), Some(TokenTree::Ident(_)))
                        && !is(before(3), '>');
                    if path_after && (!path_before || from_root) && CRATES.contains(&name.as_str())
                    {
                        self.crates.insert(name.clone());
                    }
                    if path_after && SOURCES.iter().any(|s| s.name == name) {
                        // `crate::http::send`, `runtime::http::send`: the runtime's module; a
                        // path that starts with it (`mcp::observed`): the module its `use`
                        // brings in, if one does (`http::HeaderValue` is the crate).
                        let rooted = path_before
                            && matches!(before(3), Some(TokenTree::Ident(r)) if r == "crate" || r == "runtime");
                        if rooted {
                            self.rooted.insert(name.clone());
                        }
                        if rooted || !path_before {
                            match after(3) {
                                Some(TokenTree::Ident(next)) => {
                                    self.references.push(module_reference(rooted, &name, next));
                                }
                                // `error::{Error, RawResponse}` in a `use` of generated code.
                                Some(TokenTree::Group(group)) => {
                                    self.group_references(rooted, &name, group.stream());
                                }
                                _ => {}
                            }
                        }
                    }
                    if path_after && !path_before {
                        self.references.push(Reference::PathStart(name.clone()));
                    } else if !path_before && !method {
                        self.references.push(Reference::Local(name.clone()));
                    }
                    self.idents.insert(name);
                }
                TokenTree::Punct(_) | TokenTree::Literal(_) => {}
            }
        }
    }
}

/// `module::name`: of the runtime's module when `rooted` (`crate::module::name`), of a module
/// a `use` brought in otherwise.
pub(super) fn module_reference(rooted: bool, module: &str, name: &proc_macro2::Ident) -> Reference {
    if rooted {
        Reference::Item(module.to_owned(), name.to_string())
    } else {
        Reference::ModulePath(module.to_owned(), name.to_string())
    }
}

impl Scan {
    /// The names of a `use` group under module `module` (`{Error, RawResponse}`).
    fn group_references(&mut self, rooted: bool, module: &str, group: TokenStream) {
        let mut start = true;
        for tree in group {
            match tree {
                TokenTree::Ident(ident) if start => {
                    self.references
                        .push(module_reference(rooted, module, &ident));
                    start = false;
                }
                TokenTree::Punct(p) if p.as_char() == ',' => start = true,
                _ => start = false,
            }
        }
    }
}
