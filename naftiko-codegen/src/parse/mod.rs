//! Stage 1 — **parse**: YAML text → the serde [`model`] plus a [`SourceMap`] of positions.
//!
//! Syntax errors and type errors both come back as located [`Diagnostic`]s.

mod assets;
pub mod model;
pub(crate) mod node;
pub mod openapi;
pub mod read;
pub mod truncated;
pub mod version;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;

pub use assets::{Asset, AssetFile, Assets};
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
    /// The whole document as JSON, in the model's shape (as the reader of its version
    /// rewrote it).
    pub json: serde_json::Value,
    /// The whole document as JSON, as written (for validation against its version's schema).
    pub written: serde_json::Value,
    /// The files its `consumes` entries import, by the entry's index (see [`load`]).
    pub imports: BTreeMap<usize, Document>,
    /// The files its `binds` entries import one bind of (`from` + `import`), by the entry's
    /// index.
    pub bind_imports: BTreeMap<usize, Document>,
    /// The files its adapters' `location`s name, read at generation, by the YAML path of the
    /// `location` field (see [`load`]).
    pub assets: Assets,
    /// What the reader of the file's version assumed (warnings), and those of the files it
    /// imports.
    pub notes: Vec<Diagnostic>,
    /// Skill folders named by an absolute `location` (`file:///opt/skills/x`): read at run time
    /// on the machine the server runs on, by the YAML path of the `location` field.
    pub run_time_dirs: BTreeMap<String, String>,
    /// The OpenAPI documents tied to its consumed namespaces (`--openapi NAMESPACE=FILE`).
    pub apis: Vec<openapi::ApiDocument>,
}

impl Document {
    /// Its `consumes` entries and the YAML path of the list: `capability.consumes` in a capability
    /// file, the root `consumes` in a shared file that others import.
    pub fn consumes(&self) -> (&'static str, &[model::Consumes]) {
        match &self.spec.capability {
            Some(cap) => ("capability.consumes", &cap.consumes),
            None => ("consumes", &self.spec.consumes),
        }
    }

    /// This file and every file it imports, recursively (for `rerun-if-changed`).
    pub fn files(&self) -> Vec<&Path> {
        let mut files = vec![self.source.path.as_path()];
        for imported in self.imports.values().chain(self.bind_imports.values()) {
            files.extend(imported.files());
        }
        files.extend(self.assets.values().map(Asset::watched));
        files
    }

    /// An error or warning at the value of `yaml_path`.
    pub fn at(
        &self,
        severity: Severity,
        yaml_path: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let written = self.map.written_path(yaml_path);
        self.source
            .diagnostic(severity, self.map.value(yaml_path), written, message)
    }

    /// An error at the value of `yaml_path`.
    pub fn error(&self, yaml_path: &str, message: impl Into<String>) -> Diagnostic {
        self.at(Severity::Error, yaml_path, message)
    }
}

/// The YAML reader's limits. Aliases, anchors, depth and document count keep the reader's
/// defaults (they stop YAML bombs), anchors record fewer events (less memory before a bomb is
/// stopped); the node and event counts are raised so that a spec of
/// thousands of operations reads — the file's size is bounded already (`read::MAX_SPEC_BYTES`).
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 4_000_000;
    budget.max_events = 8_000_000;
    budget.max_recorded_anchor_events = 250_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// The YAML tree of `source`, every node with its position (for rewrites of a spec's text).
pub(crate) fn tree(source: &SourceFile) -> Result<Spanned<Node>, Diagnostics> {
    serde_saphyr::from_str_with_options(&source.text, options())
        .map_err(|err| Diagnostics(vec![syntax_error(source, &err)]))
}

/// Parse `source` into a [`Document`].
pub fn parse(source: SourceFile) -> Result<Document, Diagnostics> {
    let mut root: Spanned<Node> = match serde_saphyr::from_str_with_options(&source.text, options())
    {
        Ok(root) => root,
        Err(err) => return Err(Diagnostics(vec![syntax_error(&source, &err)])),
    };
    let written = root.value.to_json();
    let before = version::rewrites(&root).then(|| SourceMap::build(&root));
    let notes = version::read(&source, &mut root)?;
    let mut map = SourceMap::build(&root);
    let json = match before {
        Some(before) => {
            map.merge(before);
            root.value.to_json()
        }
        None => written.clone(),
    };
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
            "skill" => typed(&source, &map, &path, raw).map(model::Exposes::Skill),
            "control" => typed(&source, &map, &path, raw).map(model::Exposes::Control),
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
        written,
        imports: BTreeMap::new(),
        bind_imports: BTreeMap::new(),
        assets: Assets::new(),
        notes,
        run_time_dirs: BTreeMap::new(),
        apis: Vec::new(),
    })
}

/// Parse `source` and every file its `consumes` entries import (`location` + `import`),
/// recursively, and the files its adapters name with `location` (resources, prompts, skills). Locations are relative to the importing file; none may leave the folder of the
/// capability file, and an import cycle is an error. Every problem is located in the file that
/// has it.
pub fn load(source: SourceFile) -> Result<Document, Diagnostics> {
    let mut doc = parse(source)?;
    let root = doc
        .source
        .path
        .parent()
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let mut stack = vec![PathBuf::from(
        doc.source.path.file_name().unwrap_or_default(),
    )];
    let mut errors = Vec::new();
    load_imports(&mut doc, &root, &mut stack, &mut errors);
    assets::load(&mut doc, &root, &mut errors);
    if errors.iter().any(Diagnostic::is_error) {
        return Err(Diagnostics(errors));
    }
    doc.notes.extend(errors);
    Ok(doc)
}

/// `stack`: the files being loaded, relative to `root`, the current one last.
fn load_imports(
    doc: &mut Document,
    root: &Path,
    stack: &mut Vec<PathBuf>,
    errors: &mut Vec<Diagnostic>,
) {
    let (prefix, entries) = doc.consumes();
    let wanted: Vec<(usize, String)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, c.location.clone()?)))
        .collect();
    for (i, location) in wanted {
        let lpath = format!("{prefix}[{i}].location");
        if let Some(imported) = load_import(doc, &lpath, &location, (root, stack), errors) {
            doc.imports.insert(i, imported);
        }
    }
    // A bind imported from a file of `binds` (Ikanos): that file has no imports of its own.
    let wanted: Vec<(usize, String)> = doc
        .spec
        .binds
        .iter()
        .enumerate()
        .filter_map(|(i, b)| Some((i, b.from.clone()?)))
        .collect();
    for (i, from) in wanted {
        let lpath = format!("binds[{i}].from");
        if let Some(imported) = load_import(doc, &lpath, &from, (root, stack), errors) {
            doc.bind_imports.insert(i, imported);
        }
    }
}

/// The file an import of `doc` names (`location`, at `lpath`), read with the files it imports:
/// relative to `doc`, inside the capability's folder, no link, no cycle, YAML.
fn load_import(
    doc: &Document,
    lpath: &str,
    location: &str,
    (root, stack): (&Path, &mut Vec<PathBuf>),
    errors: &mut Vec<Diagnostic>,
) -> Option<Document> {
    let here = stack
        .last()
        .and_then(|p| p.parent())
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let relative = file_location(location, "import location")
        .and_then(|rel| inside(&here.join(rel), location))
        .and_then(|rel| unlinked(root, rel, location));
    let relative = match relative {
        Ok(r) => r,
        Err(message) => {
            errors.push(doc.error(lpath, message));
            return None;
        }
    };
    if let Some(at) = stack.iter().position(|p| *p == relative) {
        let cycle: Vec<String> = stack[at..]
            .iter()
            .chain([&relative])
            .map(|p| p.display().to_string())
            .collect();
        errors.push(doc.error(lpath, format!("import cycle: {}", cycle.join(" → "))));
        return None;
    }
    let file = root.join(&relative);
    // An import is a spec file: nothing else is read (or quoted in an error about it).
    if !matches!(
        relative.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    ) {
        errors.push(doc.error(
            lpath,
            format!(
                "`{location}` is not a YAML file (`.yaml`, `.yml`): an import is a capability file"
            ),
        ));
        return None;
    }
    let source = match read::read_source(&file, read::Links::Refuse) {
        Ok(source) => source,
        Err(read::ReadError::Encoding(d)) => {
            errors.push(*d);
            return None;
        }
        Err(err) => {
            let mut d = doc.error(
                lpath,
                format!("cannot read the imported file `{location}`: {err}"),
            );
            d.help = Some(
                "locations are relative to the file that imports them; links are not followed"
                    .into(),
            );
            errors.push(d);
            return None;
        }
    };
    let mut imported = match parse(source) {
        Ok(imported) => imported,
        Err(diags) => {
            errors.extend(diags.0);
            return None;
        }
    };
    errors.append(&mut imported.notes);
    stack.push(relative);
    load_imports(&mut imported, root, stack, errors);
    stack.pop();
    Some(imported)
}

/// `path` normalized (no `.` or `..`), or an error when it leaves the capability's folder.
/// `relative` (a path inside `root`) when none of its components is a symbolic link: a linked
/// folder anywhere on the way could lead out of the capability's folder.
fn unlinked(root: &Path, relative: PathBuf, location: &str) -> Result<PathBuf, String> {
    let mut at = root.to_path_buf();
    for part in relative.components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "`{location}`: {} is a symbolic link; links are not followed (they could leave the capability's folder)",
                at.display()
            ));
        }
    }
    Ok(relative)
}

fn inside(path: &Path, location: &str) -> Result<PathBuf, String> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!("`{location}` leaves the capability's folder"));
                }
            }
            Component::Normal(p) => parts.push(p),
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "`{location}` must be relative to the capability's folder"
                ));
            }
        }
    }
    Ok(parts.iter().collect())
}

/// The relative path a file `location` names: `file:///./shared/secrets.yaml` (the engine's
/// form), `file:./x.yaml` or a plain relative path. Absolute paths, other schemes and paths that
/// leave the spec's folder are refused: the path must mean the same on every machine. `what`
/// names the field in messages (`bind location`, `import location`).
pub fn file_location(location: &str, what: &str) -> Result<String, String> {
    if location.contains(char::is_control) {
        return Err(format!(
            "{what} `{}` holds control characters",
            location.escape_debug()
        ));
    }
    let path = if let Some(rest) = location.strip_prefix("file://") {
        // `file:///./x` → `./x`; `file:///etc/x` → `/etc/x` (absolute, refused below).
        rest.strip_prefix('/')
            .filter(|r| r.starts_with("./") || r.starts_with("../"))
            .unwrap_or(rest)
    } else if let Some(rest) = location.strip_prefix("file:") {
        rest
    } else if location.contains("://") {
        return Err(format!(
            "{what} `{location}`: only `file:` locations can be generated; other providers (vault://, k8s-secret://, https://, …) are not supported"
        ));
    } else {
        location
    };
    if path.is_empty() || path.starts_with('/') {
        return Err(format!(
            "{what} `{location}`: the path must be relative to the spec's folder (e.g. `file:///./shared/secrets.yaml`)"
        ));
    }
    let mut depth = 0i32;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => depth -= 1,
            _ => depth += 1,
        }
        if depth < 0 {
            return Err(format!("{what} `{location}` leaves the spec's folder"));
        }
    }
    Ok(path.to_owned())
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
