//! The runtime a generated crate carries: the items of `naftiko-runtime` its code uses, and what
//! they use in turn, copied as they are written there (comments included) under `src/runtime/`.
//!
//! The runtime's modules are read when the generator is compiled (`parse.rs`, run by its build
//! script, embeds the index of their items). Each top-level item knows the
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

mod items;
mod scan;
mod sources;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::sync::OnceLock;

use proc_macro2::TokenStream;

use items::{Item, Kind, TRAIT_METHODS};
use scan::{Reference, Scan};
use sources::SOURCES;

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
        // Read from the runtime's sources when the generator was built (`build.rs`).
        let (items, preambles): (Vec<Item>, Vec<Range<usize>>) = serde_json::from_str(
            include_str!(concat!(env!("OUT_DIR"), "/runtime-index.json")),
        )
        .expect("the index the build script wrote");
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

/// What generated code needs of the runtime: its copied items and the crates they name.
#[derive(Debug, Default)]
pub(super) struct Needs {
    /// Copied items, by index into the runtime's items, in source order.
    items: BTreeSet<usize>,
    /// The external crates the generated code and the copied items name.
    pub crates: BTreeSet<String>,
    /// The external crates the generated code names itself (what a crate that depends on
    /// `naftiko-runtime` instead of copying it needs besides).
    pub generated: BTreeSet<String>,
}

/// What one file of generated code refers to, scanned where the file is made (token streams do
/// not cross threads; this does).
pub(super) struct Refs(Scan);

/// What `tokens` refer to.
pub(super) fn refs(tokens: &TokenStream) -> Refs {
    let mut scan = Scan::default();
    scan.tokens(tokens.clone());
    Refs(scan)
}

impl Needs {
    /// The runtime items, crates and features the generated `code` needs.
    pub(super) fn of<'a>(code: impl IntoIterator<Item = &'a TokenStream>) -> Self {
        Self::of_refs(code.into_iter().map(refs))
    }

    /// The runtime items, crates and features generated code that refers to `refs` needs.
    pub(super) fn of_refs(refs: impl IntoIterator<Item = Refs>) -> Self {
        let index = index();
        let mut scan = Scan::default();
        for Refs(file) in refs {
            scan.merge(file);
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
        let generated = scan.crates;
        let mut crates = generated.clone();
        for i in &kept {
            crates.extend(index.items[*i].crates.iter().cloned());
        }
        Needs {
            items: kept,
            crates,
            generated,
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
        other.module == item.module
            && methods
                .iter()
                .any(|m| other.idents.binary_search_by(|i| i.as_str().cmp(m)).is_ok())
    })
}
