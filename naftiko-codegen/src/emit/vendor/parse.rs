//! The runtime's modules read into items, when the generator is built (its `build.rs`): the
//! index is embedded in the generator, so that a run parses nothing but the spec.

use std::ops::Range;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

use super::items::{Item, Kind};
use super::scan::Scan;
use super::sources::SOURCES;

/// Every module's items (tests aside), each knowing where the next starts, and the text of each
/// module before its first item.
pub(super) fn read_all() -> (Vec<Item>, Vec<Range<usize>>) {
    let mut items = Vec::new();
    let mut preambles = Vec::new();
    for (module, source) in SOURCES.iter().enumerate() {
        // The runtime is part of the generator: a module that does not parse is a bug caught
        // as the generator is built.
        let file = syn::parse_file(source.text)
            .unwrap_or_else(|e| panic!("naftiko-runtime/src/{}.rs: {e}", source.name));
        let mut first = source.text.len();
        let own = items.len();
        for item in &file.items {
            if is_test_only(item) {
                continue;
            }
            let parsed = parse_item(module, source.text, item);
            first = first.min(parsed.range.start);
            items.push(parsed);
        }
        for i in own + 1..items.len() {
            items[i - 1].next = Some(items[i].range.start);
        }
        preambles.push(0..first);
    }
    (items, preambles)
}

fn is_test_only(item: &syn::Item) -> bool {
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

fn parse_item(module: usize, text: &str, item: &syn::Item) -> Item {
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
        // Sorted and each once (the set's order): found by binary search.
        idents: scan.idents.into_iter().collect(),
        crates: scan.crates,
    }
}

/// `start` moved up over the `//` comment lines right above it.
fn with_comments_above(text: &str, start: usize) -> usize {
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

fn item_name(item: &syn::Item) -> Option<String> {
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
fn use_name(tree: &syn::UseTree) -> Option<String> {
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
fn macro_statics(tokens: TokenStream) -> Vec<String> {
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
