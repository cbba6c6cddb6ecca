//! Stage 1 — **parse**: YAML text → the serde [`model`] plus a [`SourceMap`] of positions.
//!
//! Syntax errors and type errors both come back as located [`Diagnostic`]s.

pub mod model;
mod node;

use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;

use node::Node;
pub use node::SourceMap;

use crate::diagnostic::{Diagnostic, Diagnostics, Position, Severity, SourceFile};

/// A parsed capability file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file it came from.
    pub source: SourceFile,
    /// Positions of every YAML path.
    pub map: SourceMap,
    /// The typed model.
    pub spec: model::Spec,
    /// `capability.exposes[]`, each read by its `type`.
    pub exposes: Vec<model::Exposes>,
    /// The whole document as JSON (for schema validation).
    pub json: serde_json::Value,
}

impl Document {
    /// An error or warning at the value of `yaml_path`.
    pub fn at(
        &self,
        severity: Severity,
        yaml_path: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.source
            .diagnostic(severity, self.map.value(yaml_path), yaml_path, message)
    }

    /// An error at the value of `yaml_path`.
    pub fn error(&self, yaml_path: &str, message: impl Into<String>) -> Diagnostic {
        self.at(Severity::Error, yaml_path, message)
    }
}

/// Parse `source` into a [`Document`].
pub fn parse(source: SourceFile) -> Result<Document, Diagnostics> {
    let root: Spanned<Node> = match serde_saphyr::from_str(&source.text) {
        Ok(root) => root,
        Err(err) => return Err(Diagnostics(vec![syntax_error(&source, &err)])),
    };
    let map = SourceMap::build(&root);
    let json = root.value.to_json();
    if !json.is_object() {
        let d = source.diagnostic(
            Severity::Error,
            map.value(""),
            "",
            "a capability file must be a YAML mapping with `naftiko`, `info` and `capability`",
        );
        return Err(Diagnostics(vec![d]));
    }
    let spec: model::Spec = typed(&source, &map, "", json.clone())?;

    let mut exposes = Vec::new();
    let mut errors = Vec::new();
    let raw_exposes = json
        .pointer("/capability/exposes")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    for (i, raw) in raw_exposes.into_iter().enumerate() {
        let path = format!("capability.exposes[{i}]");
        let kind = raw
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or("")
            .to_owned();
        let parsed = match kind.as_str() {
            // `type: http` is seen in the wild for a REST adapter.
            "rest" | "http" => typed(&source, &map, &path, raw).map(model::Exposes::Rest),
            "mcp" => typed(&source, &map, &path, raw).map(model::Exposes::Mcp),
            _ => Ok(model::Exposes::Other(kind)),
        };
        match parsed {
            Ok(e) => exposes.push(e),
            Err(d) => errors.extend(d.0),
        }
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }
    Ok(Document {
        source,
        map,
        spec,
        exposes,
        json,
    })
}

/// Deserialize `value` (found at `prefix`) into `T`, locating any type error.
fn typed<T: DeserializeOwned>(
    source: &SourceFile,
    map: &SourceMap,
    prefix: &str,
    value: serde_json::Value,
) -> Result<T, Diagnostics> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let inner = err.path().to_string();
        let path = match (prefix.is_empty(), inner.as_str()) {
            (_, ".") => prefix.to_owned(),
            (true, _) => inner,
            (false, _) if inner.starts_with('[') => format!("{prefix}{inner}"),
            (false, _) => format!("{prefix}.{inner}"),
        };
        let message = err.into_inner().to_string();
        Diagnostics(vec![source.diagnostic(
            Severity::Error,
            map.value(&path),
            path,
            message,
        )])
    })
}

fn syntax_error(source: &SourceFile, err: &serde_saphyr::Error) -> Diagnostic {
    let position = err.location().map(|l| Position {
        line: usize::try_from(l.line()).unwrap_or(usize::MAX),
        column: usize::try_from(l.column()).unwrap_or(usize::MAX),
    });
    let message = err.without_snippet().to_string();
    // The parser's own text ends with its own "at line X column Y"; we print ours.
    let message = message.lines().next().unwrap_or("invalid YAML").to_owned();
    let mut d = source.diagnostic(
        Severity::Error,
        position,
        "",
        format!("invalid YAML: {message}"),
    );
    d.yaml_path = String::new();
    d
}
