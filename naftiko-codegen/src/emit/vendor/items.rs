//! The runtime's modules, read into items: what each defines, refers to and names.

use std::collections::BTreeSet;
use std::ops::Range;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

use super::scan::{Reference, Scan};
use super::sources::SOURCES;

/// What a top-level item is, for the rules that decide whether it is copied.
#[derive(Debug)]
pub(super) enum Kind {
    /// A `use`: copied when its module's copied items name it (a `use crate::<module>;` when
    /// they name a path in it).
    Use { module: bool },
    /// An `impl` block: `header` are the references of its trait and type, `functions` the
    /// names it defines.
    Impl {
        trait_impl: bool,
        header: Vec<Reference>,
        functions: Vec<String>,
    },
    /// Anything else that defines names.
    Named,
}

/// One top-level item of a runtime module.
#[derive(Debug)]
pub(super) struct Item {
    pub(super) module: usize,
    /// The names it defines.
    pub(super) names: Vec<String>,
    pub(super) kind: Kind,
    /// Its text in the module's source (with the comments just above it).
    pub(super) range: Range<usize>,
    /// Where the next item of the module starts (`None` for the last).
    pub(super) next: Option<usize>,
    pub(super) references: Vec<Reference>,
    /// Every identifier in it (method names included), for the inherent `impl` rule.
    pub(super) idents: BTreeSet<String>,
    /// The external crates it names (`axum`, `serde_json`, …).
    pub(super) crates: BTreeSet<String>,
}

pub(super) fn is_test_only(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Use(u) => &u.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Const(c) => &c.attrs,
        _ => return false,
    };
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.meta.to_token_stream().to_string() == "cfg (test)")
}

pub(super) fn parse_item(module: usize, text: &str, item: &syn::Item) -> Item {
    let tokens = item.to_token_stream();
    let mut trees = tokens.clone().into_iter();
    let start = trees.next().map_or(0, |t| t.span().byte_range().start);
    let end = trees.last().map_or(start, |t| t.span().byte_range().end);
    let start = with_comments_above(text, start);
    let mut scan = Scan::default();
    scan.tokens(tokens);
    let (names, kind) = match item {
        syn::Item::Use(u) => {
            let path = u.tree.to_token_stream().to_string();
            let module = SOURCES
                .iter()
                .any(|s| path == format!("crate :: {}", s.name));
            (
                use_name(&u.tree).into_iter().collect(),
                Kind::Use { module },
            )
        }
        syn::Item::Impl(i) => {
            let mut header = Scan::default();
            if let Some((path, _)) = &i.trait_ {
                header.tokens(path.to_token_stream());
            }
            header.tokens(i.self_ty.to_token_stream());
            let functions = i
                .items
                .iter()
                .filter_map(|f| match f {
                    syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                    syn::ImplItem::Const(c) => Some(c.ident.to_string()),
                    _ => None,
                })
                .collect();
            let kind = Kind::Impl {
                trait_impl: i.trait_.is_some(),
                header: header.references,
                functions,
            };
            (Vec::new(), kind)
        }
        syn::Item::Macro(m) => (macro_statics(m.mac.tokens.clone()), Kind::Named),
        other => (item_name(other).into_iter().collect(), Kind::Named),
    };
    Item {
        module,
        names,
        kind,
        range: start..end,
        next: None,
        references: scan.references,
        idents: scan.idents,
        crates: scan.crates,
    }
}

/// `start` moved up over the `//` comment lines right above it.
pub(super) fn with_comments_above(text: &str, start: usize) -> usize {
    let mut start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    while start > 0 {
        let above = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        let line = text[above..start - 1].trim_start();
        if line.starts_with("//") && !line.starts_with("///") && !line.starts_with("//!") {
            start = above;
        } else {
            break;
        }
    }
    start
}

pub(super) fn item_name(item: &syn::Item) -> Option<String> {
    let ident = match item {
        syn::Item::Const(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Fn(i) => &i.sig.ident,
        syn::Item::Mod(i) => &i.ident,
        syn::Item::Static(i) => &i.ident,
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// The name a `use` brings in (one per `use`, by convention).
pub(super) fn use_name(tree: &syn::UseTree) -> Option<String> {
    match tree {
        syn::UseTree::Path(p) => use_name(&p.tree),
        syn::UseTree::Name(n) if n.ident == "self" => None,
        syn::UseTree::Name(n) => Some(n.ident.to_string()),
        // A trait imported for its methods (`use base64::Engine as _;`), by its own name.
        syn::UseTree::Rename(r) if r.rename == "_" => Some(r.ident.to_string()),
        syn::UseTree::Rename(r) => Some(r.rename.to_string()),
        syn::UseTree::Glob(_) | syn::UseTree::Group(_) => None,
    }
}

/// The statics a macro item declares (`tokio::task_local! { static CONTEXT: Context; }`).
pub(super) fn macro_statics(tokens: TokenStream) -> Vec<String> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    trees
        .windows(2)
        .filter_map(|w| match w {
            [TokenTree::Ident(kw), TokenTree::Ident(name)] if kw == "static" => {
                Some(name.to_string())
            }
            _ => None,
        })
        .collect()
}

/// Traits the runtime imports for their methods only, with those methods: such a `use` is
/// copied when a copied item of its module calls one of them (a test checks that every `use`
/// its module never names is listed here).
pub(super) const TRAIT_METHODS: &[(&str, &[&str])] = &[
    ("BuildHasher", &["build_hasher"]),
    ("ConfigVerifierExt", &["with_platform_verifier"]),
    ("Digest", &["digest"]),
    ("Engine", &["encode", "decode"]),
    ("Hasher", &["finish", "write_u128"]),
    ("IntoResponse", &["into_response"]),
    ("SecureRandom", &["fill"]),
    ("ServiceExt", &["serve"]),
];
