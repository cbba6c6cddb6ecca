//! Spec versions. A file says its version in its header (`naftiko: "1.0.0-alpha2"`,
//! `ikanos: "1.0.0-beta5"`); each generation of the spec has its own small reader that rewrites
//! the YAML tree into the one shape the [model](super::model) reads, keeping every node's source
//! position, so that everything after parsing is the same whatever the version.
//!
//! - `naftiko: 1.0.0-alpha2` is the model's own shape; `naftiko: 1.0.0-alpha3` (never tagged) has
//!   the same schema, and `1.0.0-alpha1`'s is a subset of it.
//! - `ikanos: 1.0.0-alpha3` to `1.0.0-beta5`: see [`ikanos`].
//! - `naftiko: 0.4` and `0.5`: see [`v05`].

mod ikanos;
mod v05;

use serde_saphyr::{Location, Spanned};

use super::node::{Node, position};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity, SourceFile};

/// The versions of the `naftiko` header this generator reads, all read as alpha2: alpha1's
/// schema is a subset of alpha2's (no aggregates, hints, script steps, OAuth 2.1, control port or
/// mock outputs), and the untagged alpha3 has alpha2's schema.
const NAFTIKO: &[&str] = &["0.4", "0.5", "1.0.0-alpha1", "1.0.0-alpha2", "1.0.0-alpha3"];
/// The versions of the `ikanos` header this generator reads (one shape; `upgrade` writes any).
pub const IKANOS: &[&str] = &[
    "1.0.0-alpha3",
    "1.0.0-alpha4",
    "1.0.0-beta1",
    "1.0.0-beta2",
    "1.0.0-beta3",
    "1.0.0-beta4",
    "1.0.0-beta5",
];

/// The generations of the spec, each read by its own reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// `naftiko: 1.0.0-alpha2` (and `1.0.0-alpha1`, a subset, and the untagged `1.0.0-alpha3`).
    Alpha2,
    /// `ikanos: 1.0.0-alpha3` to `1.0.0-beta5`: named maps, `display`, `flows`, `from` imports.
    Ikanos,
    /// `naftiko: 0.4` and `0.5`: `externalRefs` instead of `binds`.
    ExternalRefs,
}

/// What a reader noticed: an error for what it cannot rewrite, a warning for what it assumed.
#[derive(Default)]
pub(super) struct Notes {
    notes: Vec<(Severity, Location, String, String, Option<String>)>,
}

impl Notes {
    pub(super) fn error(&mut self, at: Location, path: &str, message: String, help: &str) {
        self.push(Severity::Error, at, path, message, help);
    }

    pub(super) fn warning(&mut self, at: Location, path: &str, message: String, help: &str) {
        self.push(Severity::Warning, at, path, message, help);
    }

    fn push(&mut self, severity: Severity, at: Location, path: &str, message: String, help: &str) {
        let help = (!help.is_empty()).then(|| help.to_owned());
        self.notes
            .push((severity, at, path.to_owned(), message, help));
    }

    fn into_diagnostics(self, source: &SourceFile) -> Vec<Diagnostic> {
        self.notes
            .into_iter()
            .map(|(severity, at, path, message, help)| {
                let mut d = source.diagnostic(severity, Some(position(&at)), path, message);
                d.help = help;
                d
            })
            .collect()
    }
}

/// Read the header of `root` and rewrite the tree of its version into the model's shape. The
/// warnings of the reader come back; its errors (an unknown version, a feature of the version that
/// has no reading here) fail the file.
pub fn read(source: &SourceFile, root: &mut Spanned<Node>) -> Result<Vec<Diagnostic>, Diagnostics> {
    let mut notes = Notes::default();
    let Some(generation) = header(root, &mut notes) else {
        return Err(Diagnostics(notes.into_diagnostics(source)));
    };
    match generation {
        Generation::Ikanos => ikanos::rewrite(root, &mut notes),
        Generation::ExternalRefs => v05::rewrite(root, &mut notes),
        Generation::Alpha2 => {}
    }
    let diagnostics = notes.into_diagnostics(source);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Diagnostics(diagnostics));
    }
    Ok(diagnostics)
}

/// Whether the reader of the file's version rewrites its tree (before [`read`]).
pub fn rewrites(root: &Spanned<Node>) -> bool {
    match &root.value {
        Node::Map(entries) => entries
            .iter()
            .any(|(k, _)| matches!(&k.value, Node::Str(s) if s == "ikanos" || s == "externalRefs")),
        _ => false,
    }
}

/// The generation the header names. An `ikanos` header becomes the model's `naftiko` key (its
/// value, the version, is kept).
fn header(root: &mut Spanned<Node>, notes: &mut Notes) -> Option<Generation> {
    let at = root.referenced;
    let Node::Map(entries) = &mut root.value else {
        // Not a mapping: the parser says so.
        return Some(Generation::Alpha2);
    };
    let found: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| matches!(&k.value, Node::Str(s) if s == "naftiko" || s == "ikanos"))
        .map(|(i, _)| i)
        .collect();
    let help = "a capability file starts with its version: `ikanos: \"1.0.0-beta5\"` (or `naftiko: \"1.0.0-alpha2\"`)";
    let &[index] = found.as_slice() else {
        let (message, at) = match found.get(1) {
            Some(&second) => (
                "the file names its version twice (`naftiko` and `ikanos`)".to_owned(),
                entries[second].0.referenced,
            ),
            None => ("the file does not say its spec version".to_owned(), at),
        };
        notes.error(at, "", message, help);
        return None;
    };
    let (key, value) = &mut entries[index];
    let is_ikanos = matches!(&key.value, Node::Str(s) if s == "ikanos");
    let name = if is_ikanos { "ikanos" } else { "naftiko" };
    let version = match &value.value {
        Node::Str(s) => s.clone(),
        Node::Int(i) => i.to_string(),
        Node::Float(f) => f.to_string(),
        _ => String::new(),
    };
    let known = if is_ikanos { IKANOS } else { NAFTIKO };
    if !known.contains(&version.as_str()) {
        notes.error(
            value.referenced,
            name,
            format!("unsupported spec version `{name}: {version}`"),
            &format!(
                "this generator reads `ikanos:` {} and `naftiko:` {}",
                list(IKANOS),
                list(NAFTIKO)
            ),
        );
        return None;
    }
    if is_ikanos {
        key.value = Node::Str("naftiko".into());
        value.value = Node::Str(version);
        Some(Generation::Ikanos)
    } else if version.starts_with("0.") {
        value.value = Node::Str(version);
        Some(Generation::ExternalRefs)
    } else {
        value.value = Node::Str(version);
        Some(Generation::Alpha2)
    }
}

fn list(versions: &[&str]) -> String {
    versions
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
