//! Stage 2 — **resolve**: the parsed model → one [`ir::Capability`], every reference resolved and
//! every problem reported as a located diagnostic.
//!
//! Features of the spec that this version cannot generate faithfully are refused here, by name,
//! rather than emitted as code that would silently do something else.
//!
//! This module holds the order of things ([`resolve`]: bound variables, consumed APIs, then the
//! exposed adapters) and the diagnostics; each concern is a room of its own, an `impl Resolver`
//! block: `syntax` (path templates, Mustache, JSONPath, names), `binds`, `auth`, `consumes`,
//! `operation`, `body`, `outputs`, `steps`, `calls`, `inputs`, `rest`, `mcp` and `skills`.

mod auth;
mod binary;
mod binds;
mod body;
mod calls;
mod checks;
mod consumes;
mod inputs;
pub mod ir;
mod mcp;
pub mod names;
mod openapi;
mod operation;
mod outputs;
mod path;
mod rest;
mod skills;
mod steps;
pub(crate) mod syntax;

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::parse::Document;
use crate::parse::model;
use ir::*;
use names::Name;
use outputs::typed_results;
pub use path::YamlPath;
use syntax::local_name;

/// The result of resolving: the IR and any warnings.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub capability: Capability,
    pub warnings: Vec<Diagnostic>,
    /// What was found that asks nothing of the author (e.g. the OpenAPI operation that typed a
    /// consumed one).
    pub notes: Vec<Diagnostic>,
    /// The capability file and every file it imports.
    pub files: Vec<PathBuf>,
}

/// Resolve a parsed document. Errors are all collected, not just the first.
pub fn resolve(doc: &Document) -> Result<Resolved, Diagnostics> {
    let mut r = Resolver {
        root: doc,
        doc,
        // What the reader of each file's version assumed.
        diags: doc.notes.clone(),
        broken: Vec::new(),
        binds: Vec::new(),
        operations: HashMap::new(),
    };
    let capability = r.capability();
    // A function used by several `ref`s reports each problem once.
    let mut seen = std::collections::HashSet::new();
    r.diags.retain(|d| {
        seen.insert((
            d.file.clone(),
            d.position,
            d.yaml_path.clone(),
            d.message.clone(),
        ))
    });
    if r.diags.iter().any(Diagnostic::is_error) {
        r.diags.sort_by(|a, b| {
            (a.severity != Severity::Error, &a.file, a.position).cmp(&(
                b.severity != Severity::Error,
                &b.file,
                b.position,
            ))
        });
        return Err(Diagnostics(r.diags));
    }
    let (notes, warnings) = r
        .diags
        .into_iter()
        .partition(|d| d.severity == Severity::Note);
    Ok(Resolved {
        capability: capability.expect("no errors means a capability"),
        warnings,
        notes,
        files: doc.files().into_iter().map(Path::to_path_buf).collect(),
    })
}

struct Resolver<'a> {
    /// The capability file.
    root: &'a Document,
    /// The file being resolved: the capability file, or a file it imports.
    doc: &'a Document,
    diags: Vec<Diagnostic>,
    /// Namespaces (`ns`) and operations (`ns.op`) that are declared but were refused, so that
    /// calls to them add no second error.
    broken: Vec<String>,
    /// The bound variables (of `binds`, `in: environment` parameters and `$env.NAME`), read
    /// first: every template that names one resolves against them.
    binds: Vec<BindVar>,
    /// The operations of each consumed API by name (`call` targets), made at the first `call`.
    operations: HashMap<String, HashMap<String, Vec<OperationId>>>,
}

impl<'a> Resolver<'a> {
    pub(super) fn error(&mut self, path: &YamlPath, message: impl Into<String>) {
        let d = self.doc.error(path.as_str(), message);
        self.diags.push(d);
    }

    pub(super) fn error_help(
        &mut self,
        path: &YamlPath,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let mut d = self.doc.error(path.as_str(), message);
        d.help = Some(help.into());
        self.diags.push(d);
    }

    /// What a reader may want to know, that asks nothing of them (e.g. which operation of an
    /// OpenAPI document typed an operation): not a warning.
    pub(super) fn note(&mut self, path: &YamlPath, message: impl Into<String>) {
        let d = self.doc.at(Severity::Note, path.as_str(), message);
        self.diags.push(d);
    }

    pub(super) fn warn(
        &mut self,
        path: &YamlPath,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let mut d = self.doc.at(Severity::Warning, path.as_str(), message);
        d.help = Some(help.into());
        self.diags.push(d);
    }

    /// Refuse a feature this generator cannot produce faithfully yet.
    pub(super) fn unsupported(&mut self, path: &YamlPath, feature: &str) {
        self.error_help(
            path,
            format!("{feature} is not supported by this version of naftiko-codegen"),
            "remove it, or generate from a spec without it; the generator refuses rather than emit code that ignores it",
        );
    }

    /// Whether `capability.consumes[index]` is an earlier entry written again, byte for byte
    /// (seen in the wild): it is read once, with a warning at the repeat.
    fn repeats_an_earlier_consumes(&mut self, path: &YamlPath, index: usize) -> bool {
        let entries = self
            .root
            .json
            .pointer("/capability/consumes")
            .and_then(|v| v.as_array());
        let Some(entries) = entries else {
            return false;
        };
        let Some(first) = entries[..index]
            .iter()
            .position(|e| Some(e) == entries.get(index))
        else {
            return false;
        };
        let namespace = entries[index]
            .get("namespace")
            .and_then(|n| n.as_str())
            .unwrap_or("");
        self.warn(
            path,
            format!("`consumes[{index}]` repeats `consumes[{first}]` (`{namespace}`) exactly: the API is read once"),
            "remove the repeated entry",
        );
        true
    }

    pub(super) fn capability(&mut self) -> Option<Capability> {
        // The version was read by the parser (see `parse::version`).
        let spec = &self.root.spec;
        let Some(cap) = &spec.capability else {
            self.error(
                &YamlPath::root(),
                "missing `capability`: nothing to generate",
            );
            return None;
        };
        let label = spec
            .info
            .label
            .clone()
            .or_else(|| spec.info.title.clone())
            .unwrap_or_else(|| "Naftiko capability".to_owned());
        let mut binds = self.binds();
        self.environment_params(&mut binds);
        self.binds = binds;
        let mut consumes = self.all_consumes(cap);
        let mut rest = Vec::new();
        let mut mcp = Vec::new();
        let mut skill_exposes = Vec::new();
        let mut control = None;
        // Every adapter with the path it is written at, for the checks of them together.
        let mut exposed: Vec<(YamlPath, Name, Option<u16>)> = Vec::new();
        for (i, e) in self.root.exposes.iter().enumerate() {
            let path = YamlPath::root().key("capability").key("exposes").index(i);
            match e {
                model::Exposes::Rest(r) => {
                    match self.rest(&path, r, &consumes) {
                        // A server of no route would answer 404 to everything.
                        Some(a) if a.routes.is_empty() && a.forwards.is_empty() => self.warn(
                            &path,
                            format!(
                                "the REST adapter `{}` exposes no operation: it is left out",
                                a.namespace.wire
                            ),
                            "give it `resources` with operations, or remove it",
                        ),
                        Some(a) => {
                            exposed.push((path, a.namespace.clone(), Some(a.port)));
                            rest.push(a);
                        }
                        None => {}
                    }
                }
                model::Exposes::Mcp(m) => {
                    match self.mcp(&path, m, &consumes) {
                        // A server of nothing would list nothing.
                        Some(a)
                            if a.tools.is_empty()
                                && a.resources.is_empty()
                                && a.prompts.is_empty() =>
                        {
                            self.warn(
                                &path,
                                format!(
                                    "the MCP adapter `{}` exposes no tool, resource or prompt: it is left out",
                                    a.namespace.wire
                                ),
                                "give it `tools` that call operations, or remove it",
                            )
                        }
                        Some(a) => {
                            exposed.push((path, a.namespace.clone(), (!a.stdio).then_some(a.port)));
                            mcp.push(a);
                        }
                        None => {}
                    }
                }
                // Resolved once the adapters their tools come from are.
                model::Exposes::Skill(s) => skill_exposes.push((path, s)),
                model::Exposes::Control(c) => {
                    if control.is_some() {
                        self.error(&path, "a capability has at most one `control` adapter");
                    } else {
                        control = self.control(&path, c);
                        if let Some(c) = &control {
                            exposed.push((path, Name::snake("control"), Some(c.port)));
                        }
                    }
                }
                model::Exposes::Other(kind) if kind.is_empty() => self.error_help(
                    &path,
                    "exposed adapter without `type`",
                    "set `type: rest` or `type: mcp`",
                ),
                model::Exposes::Other(kind) => {
                    self.unsupported(&path.key("type"), &format!("exposes `type: {kind}`"))
                }
            }
        }
        for f in rest.iter().flat_map(|a: &RestAdapter| &a.forwards) {
            consumes[f.consumes].forwarded = true;
        }
        self.unknown_api_namespaces(&consumes);
        typed_results(&mut consumes, &rest, &mcp);
        binary::read_limits(&mut consumes, &rest, &mcp);
        let mut skills: Vec<SkillAdapter> = Vec::new();
        for (path, s) in skill_exposes {
            if let Some(a) = self.skill_adapter(&path, s, &rest, &mcp) {
                exposed.push((path, a.namespace.clone(), Some(a.port)));
                skills.push(a);
            }
        }
        self.check_adapters(&exposed);
        let failed = self.diags.iter().any(|d| d.severity == Severity::Error);
        if rest.is_empty() && mcp.is_empty() && skills.is_empty() && !failed {
            // (Where errors were reported, they are why nothing is served: no second error.)
            if consumes.is_empty() && control.is_some() {
                // A control port alone is a server of its health and status.
                self.warn(
                    &YamlPath::root().key("capability"),
                    "the capability exposes only a control port: the server answers its health and status checks, and nothing else",
                    "add a `rest` or `mcp` adapter under `exposes` to serve operations",
                );
            } else if consumes.is_empty() {
                self.error(
                    &YamlPath::root().key("capability"),
                    "the capability exposes no `rest` or `mcp` adapter",
                );
            } else {
                // The typed clients are still of use; a server of nothing is not.
                self.warn(
                    &YamlPath::root().key("capability"),
                    "the capability exposes no `rest` or `mcp` adapter: the crate holds the typed clients only, without a server",
                    "add a `rest` or `mcp` adapter under `exposes` to serve the operations",
                );
                control = None;
            }
        }
        Some(Capability {
            label,
            description: spec.info.description.clone(),
            binds: std::mem::take(&mut self.binds),
            consumes,
            rest,
            mcp,
            skills,
            control,
        })
    }

    /// Every consumed API the spec declares, imported or written here, resolved; two whose
    /// namespaces become one Rust name are an error.
    fn all_consumes(&mut self, cap: &model::Capability) -> Vec<Consumes> {
        let mut consumes = Vec::new();
        // The index in the spec of each resolved entry.
        let mut at = Vec::new();
        for (i, c) in cap.consumes.iter().enumerate() {
            let path = YamlPath::root().key("capability").key("consumes").index(i);
            if self.repeats_an_earlier_consumes(&path, i) {
                continue;
            }
            let resolved = if c.location.is_some() || c.import.is_some() {
                self.imported(&path, i, c)
            } else {
                self.consumes(&path, c)
            };
            match resolved {
                Some(c) => {
                    consumes.push(c);
                    at.push(i);
                }
                None => self.broken.extend(local_name(c).map(str::to_owned)),
            }
        }
        let mut seen = BTreeMap::new();
        for (i, c) in consumes.iter().enumerate() {
            if let Some(first) = seen.insert(c.namespace.rust.clone(), i) {
                let path = YamlPath::root()
                    .key("capability")
                    .key("consumes")
                    .index(at[i])
                    .key("namespace");
                self.error(
                    &path,
                    format!(
                        "consumes namespace `{}` clashes with `{}` (both become `{}`)",
                        c.namespace.wire, consumes[first].namespace.wire, c.namespace.rust
                    ),
                );
            }
        }
        consumes
    }
}
