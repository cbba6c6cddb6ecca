//! The runtime a generated crate carries: the items of `naftiko-runtime` its code uses, and what
//! they use in turn, copied as they are written there (comments included) under `src/runtime/`.
//!
//! The runtime's modules are read when the generator is compiled. Each top-level item knows the
//! names it defines and the names it refers to: a bare name is an item of its own module (or a
//! name its `use`s bring in), `module::name` an item of another module. From the names the
//! generated code refers to (`runtime::http::send`, `http::Request`), the items to copy are
//! closed over those references. An `impl` goes with its type (a trait `impl` when every local
//! type it names is copied and its module is copied anyway; an inherent one when one of its
//! functions is named somewhere). A `use` goes when its module's copied items name it. Items
//! under `#[cfg(test)]` never go.
//!
//! The runtime's modules follow three conventions this relies on (see `naftiko-runtime`'s
//! crate docs): other modules are named `crate::<module>` (or `<module>` after `use
//! crate::<module>;`), one name per `use`, no `cfg(feature)` inside a module.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::sync::OnceLock;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// A module of `naftiko-runtime`: its name, the Cargo feature that holds it (`None`: always
/// there) and its source.
struct Source {
    name: &'static str,
    feature: Option<&'static str>,
    text: &'static str,
}

macro_rules! sources {
    ($($name:literal $(: $feature:literal)?),* $(,)?) => {
        &[$(Source {
            name: $name,
            feature: sources!(@feature $($feature)?),
            text: include_str!(concat!("../../../naftiko-runtime/src/", $name, ".rs")),
        }),*]
    };
    (@feature) => { None };
    (@feature $feature:literal) => { Some($feature) };
}

/// Every module of `naftiko-runtime`, with the feature `src/lib.rs` gates it behind (a test
/// checks the two agree).
const SOURCES: &[Source] = sources![
    "args",
    "bind_files": "yaml",
    "context",
    "delimited": "delimited",
    "digest": "digest",
    "encode",
    "error",
    "html": "html",
    "http",
    "inbound": "server",
    "map",
    "markdown": "markdown",
    "mcp": "mcp",
    "oauth2": "oauth2",
    "observe": "server",
    "ops": "server",
    "problem": "server",
    "rest": "rest",
    "secret",
    "server": "server",
    "skills": "server",
    "startup",
    "steps",
    "telemetry",
    "xml": "xml",
    "yaml": "yaml",
];

/// What a top-level item is, for the rules that decide whether it is copied.
#[derive(Debug)]
enum Kind {
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

/// A name an item refers to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Reference {
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

/// One top-level item of a runtime module.
#[derive(Debug)]
struct Item {
    module: usize,
    /// The names it defines.
    names: Vec<String>,
    kind: Kind,
    /// Its text in the module's source (with the comments just above it).
    range: Range<usize>,
    /// Where the next item of the module starts (`None` for the last).
    next: Option<usize>,
    references: Vec<Reference>,
    /// Every identifier in it (method names included), for the inherent `impl` rule.
    idents: BTreeSet<String>,
    /// The external crates it names (`axum`, `serde_json`, …).
    crates: BTreeSet<String>,
}

/// The runtime's modules, read into items once per process.
struct Index {
    items: Vec<Item>,
    /// The items defining each name, by module.
    by_name: HashMap<(&'static str, String), Vec<usize>>,
    /// Per module: the text before its first item (its `//!` docs).
    preambles: Vec<Range<usize>>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut items = Vec::new();
        let mut preambles = Vec::new();
        for (module, source) in SOURCES.iter().enumerate() {
            // The runtime is part of the generator: a module that does not parse is a bug
            // caught by its tests.
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
        let mut by_name: HashMap<(&'static str, String), Vec<usize>> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            for name in &item.names {
                let key = (SOURCES[item.module].name, name.clone());
                by_name.entry(key).or_default().push(i);
            }
        }
        Index {
            items,
            by_name,
            preambles,
        }
    })
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
        idents: scan.idents,
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

/// Traits the runtime imports for their methods only, with those methods: such a `use` is
/// copied when a copied item of its module calls one of them (a test checks that every `use`
/// its module never names is listed here).
const TRAIT_METHODS: &[(&str, &[&str])] = &[
    ("BuildHasher", &["build_hasher"]),
    ("ConfigVerifierExt", &["with_platform_verifier"]),
    ("Digest", &["digest"]),
    ("Engine", &["encode", "decode"]),
    ("Hasher", &["finish", "write_u128"]),
    ("IntoResponse", &["into_response"]),
    ("ServiceExt", &["serve"]),
];

/// The external crates generated code and the runtime may name, by the name code uses.
const CRATES: &[&str] = &[
    "aws_lc_rs",
    "axum",
    "base64",
    "bytes",
    "clap",
    "csv",
    "form_urlencoded",
    "http",
    "http_body_util",
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
    "tracing",
    "tracing_subscriber",
];

/// What a token stream refers to.
#[derive(Default)]
struct Scan {
    references: Vec<Reference>,
    /// The runtime's modules named from the root (`crate::http`, `runtime::http`).
    rooted: BTreeSet<String>,
    idents: BTreeSet<String>,
    crates: BTreeSet<String>,
}

impl Scan {
    fn tokens(&mut self, tokens: TokenStream) {
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
                    if path_after && !path_before && CRATES.contains(&name.as_str()) {
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
fn module_reference(rooted: bool, module: &str, name: &proc_macro2::Ident) -> Reference {
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

/// What generated code needs of the runtime: its copied items and the crates they name.
#[derive(Debug, Default)]
pub(super) struct Needs {
    /// Copied items, by index into the runtime's items, in source order.
    items: BTreeSet<usize>,
    /// The external crates the generated code and the copied items name.
    pub crates: BTreeSet<String>,
}

impl Needs {
    /// The runtime items, crates and features the generated `code` needs.
    pub(super) fn of<'a>(code: impl IntoIterator<Item = &'a TokenStream>) -> Self {
        let index = index();
        let mut scan = Scan::default();
        for tokens in code {
            scan.tokens(tokens.clone());
        }
        let mut kept = BTreeSet::new();
        let mut idents = scan.idents.clone();
        let mut work: Vec<usize> = Vec::new();
        let seeds = scan.references.iter().filter_map(|r| match r {
            Reference::Item(m, name) => Some((m.as_str(), name.as_str())),
            Reference::ModulePath(m, name) if scan.rooted.contains(m) => {
                Some((m.as_str(), name.as_str()))
            }
            Reference::Local(_) | Reference::PathStart(_) | Reference::ModulePath(..) => None,
        });
        for (module, name) in seeds {
            work.extend(named(index, module, name));
        }
        loop {
            while let Some(i) = work.pop() {
                if !kept.insert(i) {
                    continue;
                }
                let item = &index.items[i];
                idents.extend(item.idents.iter().cloned());
                let module = SOURCES[item.module].name;
                for reference in &item.references {
                    match reference {
                        // A bare name is never a module brought in by `use crate::<module>;`.
                        Reference::Local(name) => {
                            work.extend(named(index, module, name).filter(|j| {
                                !matches!(index.items[*j].kind, Kind::Use { module: true })
                            }))
                        }
                        Reference::PathStart(name) => work.extend(named(index, module, name)),
                        Reference::Item(m, name) => work.extend(named(index, m, name)),
                        Reference::ModulePath(m, name) => {
                            let imported = named(index, module, m)
                                .any(|j| matches!(index.items[j].kind, Kind::Use { module: true }));
                            if imported {
                                work.extend(named(index, m, name));
                            }
                        }
                    }
                }
            }
            // `impl`s whose types are copied (and `use`s their modules name) join the copy.
            let joining: Vec<usize> = (0..index.items.len())
                .filter(|i| !kept.contains(i) && joins(index, *i, &kept, &idents))
                .collect();
            if joining.is_empty() {
                break;
            }
            work.extend(joining);
        }
        let mut crates = scan.crates;
        for i in &kept {
            crates.extend(index.items[*i].crates.iter().cloned());
        }
        Needs {
            items: kept,
            crates,
        }
    }

    /// The runtime modules with copied items, sorted.
    pub(super) fn modules(&self) -> BTreeSet<&'static str> {
        let index = index();
        self.items
            .iter()
            .map(|i| SOURCES[index.items[*i].module].name)
            .collect()
    }

    /// The `naftiko-runtime` features those modules need, sorted.
    pub(super) fn features(&self) -> BTreeSet<&'static str> {
        let modules = self.modules();
        SOURCES
            .iter()
            .filter(|s| modules.contains(s.name))
            .filter_map(|s| s.feature)
            .collect()
    }

    /// The files of `src/runtime/`: `mod.rs` and one file per module, each under `header`.
    pub(super) fn files(&self, header: &str) -> Vec<(String, String)> {
        let index = index();
        let mut by_module: BTreeMap<usize, Vec<&Item>> = BTreeMap::new();
        for i in &self.items {
            let item = &index.items[*i];
            by_module.entry(item.module).or_default().push(item);
        }
        let mut files = Vec::new();
        let mut declarations = String::new();
        for (module, items) in by_module {
            let source = &SOURCES[module];
            let mut text = format!("{header}\n");
            text.push_str(source.text[index.preambles[module].clone()].trim_end());
            text.push_str("\n\n");
            let mut previous: Option<&Item> = None;
            for item in items {
                if let Some(previous) = previous {
                    // Items that follow each other in the runtime keep what was between them
                    // (one `use` a line, groups apart); others are one blank line apart.
                    let between = &source.text[previous.range.end..item.range.start];
                    if previous.next == Some(item.range.start) && between.trim().is_empty() {
                        text.push_str(between);
                    } else {
                        text.push_str("\n\n");
                    }
                }
                text.push_str(&source.text[item.range.clone()]);
                previous = Some(item);
            }
            text.push('\n');
            // The runtime's modules are the crate root's there; here they are `runtime`'s.
            let text = text.replace("crate::", "crate::runtime::");
            files.push((format!("src/runtime/{}.rs", source.name), text));
            declarations.push_str(&format!("pub mod {};\n", source.name));
        }
        let root = format!(
            "{header}\n//! The parts of `naftiko-runtime` this crate uses, copied by naftiko-codegen: the\n\
             //! HTTP client, the REST and MCP plumbing, start-up. Each module keeps the items the\n\
             //! generated code uses and what they use, as the runtime writes them.\n\n{declarations}"
        );
        files.push(("src/runtime/mod.rs".to_owned(), root));
        files
    }
}

/// The items of module `module` that define `name`.
fn named(index: &Index, module: &str, name: &str) -> impl Iterator<Item = usize> {
    let found = SOURCES
        .iter()
        .find(|s| s.name == module)
        .and_then(|s| index.by_name.get(&(s.name, name.to_owned())));
    found.into_iter().flatten().copied()
}

/// Does item `i` (an `impl`) join the copy, given the `kept` items and the `idents` named?
fn joins(index: &Index, i: usize, kept: &BTreeSet<usize>, idents: &BTreeSet<String>) -> bool {
    let item = &index.items[i];
    let (trait_impl, header, functions) = match &item.kind {
        Kind::Impl {
            trait_impl,
            header,
            functions,
        } => (trait_impl, header, functions),
        Kind::Use { .. } => return calls_trait_methods(index, item, kept),
        Kind::Named => return false,
    };
    let module = SOURCES[item.module].name;
    // Every local type its header names is copied, and it names one at least.
    let mut local = false;
    for reference in header {
        let (m, name) = match reference {
            Reference::Local(name) | Reference::PathStart(name) => (module, name.as_str()),
            Reference::Item(m, name) | Reference::ModulePath(m, name) => {
                (m.as_str(), name.as_str())
            }
        };
        let mut defined = named(index, m, name)
            .filter(|j| !matches!(index.items[*j].kind, Kind::Use { .. }))
            .peekable();
        if defined.peek().is_none() {
            // A `use`d name: follow it to its module.
            let used =
                named(index, m, name).find(|j| matches!(index.items[*j].kind, Kind::Use { .. }));
            if let Some(u) = used
                && let Some(Reference::Item(um, un)) = index.items[u]
                    .references
                    .iter()
                    .find(|r| matches!(r, Reference::Item(_, n) if n == name))
            {
                let mut targets = named(index, um, un).peekable();
                if targets.peek().is_some() {
                    local = true;
                    if !targets.all(|t| kept.contains(&t)) {
                        return false;
                    }
                }
            }
            continue;
        }
        local = true;
        if !defined.all(|j| kept.contains(&j)) {
            return false;
        }
    }
    if !local {
        return false;
    }
    let module_copied = kept.iter().any(|k| {
        let other = &index.items[*k];
        other.module == item.module && matches!(other.kind, Kind::Named)
    });
    if *trait_impl {
        module_copied
    } else {
        functions.iter().any(|f| idents.contains(f))
    }
}

/// Is `item` a `use` of a trait (see [`TRAIT_METHODS`]) whose methods a copied item of its module
/// calls?
fn calls_trait_methods(index: &Index, item: &Item, kept: &BTreeSet<usize>) -> bool {
    let Some(methods) = item
        .names
        .first()
        .and_then(|name| TRAIT_METHODS.iter().find(|(t, _)| t == name))
        .map(|(_, methods)| *methods)
    else {
        return false;
    };
    kept.iter().map(|k| &index.items[*k]).any(|other| {
        other.module == item.module && methods.iter().any(|m| other.idents.contains(*m))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn every_runtime_module_is_listed_with_its_feature() {
        let lib = include_str!("../../../naftiko-runtime/src/lib.rs");
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
        assert!(http.contains("pub async fn send(") && http.contains("impl Request {"));
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
}
