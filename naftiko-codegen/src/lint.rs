//! `naftiko-codegen lint`: where a spec deviates from the official schema of its version (the
//! file as written, before the reader of its version rewrote it), as located warnings with a hint
//! for the official form.
//!
//! Two sources: the official JSON Schema (given by path: it is published with the Naftiko
//! framework), and the dialect rules the resolver applies (e.g. an implicit bearer token).

use std::path::Path;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Severity};
use crate::parse::Document;

/// The official JSON Schema, compiled: the whole document, and the definitions that
/// `consumes[]` and `exposes[]` entries are checked against, chosen by their `type` (so that a
/// deviation is reported where it is, not as "matches none of the `oneOf`").
pub struct Schema {
    validator: jsonschema::Validator,
    definitions: Vec<(&'static str, jsonschema::Validator)>,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Schema")
    }
}

impl Schema {
    /// The schema for the spec at `spec`: the file `path`, or, when `path` is a folder of the
    /// published schemas, the one its header names (`ikanos: 1.0.0-beta5` →
    /// `ikanos-schema-v1.0.0-beta5.json`, `naftiko: 1.0.0-alpha2` →
    /// `naftiko-schema-v1.0.0-alpha2.json` or its `-snapshot`).
    pub fn for_spec(path: &Path, spec: &Path) -> Result<Self, String> {
        if !path.is_dir() {
            return Self::load(path);
        }
        let text = std::fs::read_to_string(spec)
            .map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
        let (name, version) = header(&text)
            .ok_or_else(|| format!("{} does not say its spec version", spec.display()))?;
        let candidates = [
            format!("{name}-schema-v{version}.json"),
            format!("{name}-schema-v{version}-snapshot.json"),
        ];
        let file = candidates
            .iter()
            .map(|c| path.join(c))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "{} holds no schema for `{name}: {version}` ({})",
                    path.display(),
                    candidates.join(" or ")
                )
            })?;
        Self::load(&file)
    }

    /// Load and compile the schema at `path` (JSON).
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the schema {}: {e}", path.display()))?;
        let schema: Value = serde_json::from_str(&text)
            .map_err(|e| format!("the schema {} is not JSON: {e}", path.display()))?;
        let compile = |schema: &Value| {
            jsonschema::validator_for(schema)
                .map_err(|e| format!("the schema {} does not compile: {e}", path.display()))
        };
        let validator = compile(&schema)?;
        let mut definitions = Vec::new();
        let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
        for name in [
            "ConsumesHttp",
            "ImportedConsumesHttp",
            "ExposesRest",
            "ExposesMcp",
            "ExposesSkill",
            "ExposesControl",
        ] {
            if defs.get(name).is_some() {
                let sub = serde_json::json!({ "$ref": format!("#/$defs/{name}"), "$defs": defs });
                definitions.push((name, compile(&sub)?));
            }
        }
        Ok(Self {
            validator,
            definitions,
        })
    }
}

/// The header of a spec's text: `("ikanos", "1.0.0-beta5")`.
fn header(text: &str) -> Option<(&'static str, String)> {
    text.lines().find_map(|line| {
        let (name, rest) = if let Some(rest) = line.strip_prefix("ikanos:") {
            ("ikanos", rest)
        } else {
            ("naftiko", line.strip_prefix("naftiko:")?)
        };
        let value = rest.split(" #").next()?.trim().trim_matches(['"', '\'']);
        let safe = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
        safe.then(|| (name, value.to_owned()))
    })
}

/// `/capability/exposes/0/tools` → `capability.exposes[0].tools`.
fn yaml_path(pointer: &str) -> String {
    let mut path = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.chars().all(|c| c.is_ascii_digit()) && !segment.is_empty() {
            path.push_str(&format!("[{segment}]"));
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&segment);
        }
    }
    path
}

/// A hint for the official form of what the schema rejected, where one is known.
fn hint(path: &str, message: &str) -> String {
    let last = path.rsplit(['.', '[']).next().unwrap_or("");
    if path.contains(".inputParameters[")
        && ["type", "required", "description"]
            .iter()
            .any(|k| message.contains(&format!("'{k}'")))
    {
        return "the official consumed input parameter has only `name`, `in` and `value`; types and descriptions belong to exposed inputs".into();
    }
    if message.contains("\"properties\" is a required property")
        && path.contains("outputParameters")
    {
        return "the official schema has no whole-response output; this one is read as a pass-through of the JSON (the reference engine returns `{}`), or declare its `properties`".into();
    }
    if message.contains("'title'") && path == "info" {
        return "the official field is `info.label`".into();
    }
    if last == "with" || path.contains(".with.") {
        return "official `with` values are `{{input}}` templates, literals, or `<exposes-namespace>.input`".into();
    }
    if message.contains("is not one of")
        || message.contains("is not valid under any of the given schemas")
    {
        return "use one of the values the official schema lists for this field".into();
    }
    if message.contains("Additional properties are not allowed") {
        return "remove the field, or move it where the official schema defines it".into();
    }
    "see naftiko-schema-v1.0.0-alpha2.json for the official form".into()
}

/// An error as (JSON pointer, message). "Valid under none of the `oneOf`/`anyOf`" is replaced by
/// the errors of the alternative that came closest, which name the actual deviation.
fn expand(e: &jsonschema::ValidationError<'_>) -> Vec<(String, String)> {
    use jsonschema::error::ValidationErrorKind;
    let context = match e.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            context
        }
        _ => return vec![(e.instance_path().to_string(), e.to_string())],
    };
    let depth = |errors: &Vec<jsonschema::ValidationError<'static>>| {
        errors
            .iter()
            .map(|e| e.instance_path().to_string().matches('/').count())
            .max()
            .unwrap_or(0)
    };
    // An alternative whose `type` does not match is the wrong one, whatever else it says.
    let wrong_kind = |errors: &Vec<jsonschema::ValidationError<'static>>| {
        errors.iter().any(|e| {
            let schema_path = e.schema_path().to_string();
            schema_path.ends_with("/type/const") || schema_path.ends_with("/type/enum")
        })
    };
    // Then the fewest errors, then the deepest (the alternative that matched furthest).
    let best = context
        .iter()
        .filter(|errors| !errors.is_empty())
        .min_by(|a, b| {
            (wrong_kind(a), a.len())
                .cmp(&(wrong_kind(b), b.len()))
                .then(depth(b).cmp(&depth(a)))
        });
    match best {
        Some(errors) => errors.iter().flat_map(expand).collect(),
        None => vec![(e.instance_path().to_string(), e.to_string())],
    }
}

/// Every deviation of `doc` from the official schema, as warnings.
pub fn schema_findings(doc: &Document, schema: &Schema) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let mut report = |pointer: String, message: String| {
        let path = yaml_path(&pointer);
        // Messages quote the offending value: keep them short.
        let mut message = message;
        if message.chars().count() > 240 {
            message = message.chars().take(237).collect::<String>() + "...";
        }
        let mut d = doc.at(
            Severity::Warning,
            &path,
            format!("not in the official schema: {message}"),
        );
        d.help = Some(hint(&path, &message));
        findings.push(d);
    };
    // Entries of `consumes` and `exposes` are checked against their own definition.
    let mut entries = Vec::new();
    for (list, kinds) in [
        ("consumes", &["http"][..]),
        ("exposes", &["rest", "mcp", "skill", "control"][..]),
    ] {
        let items = doc
            .written
            .pointer(&format!("/capability/{list}"))
            .and_then(Value::as_array);
        for (i, item) in items.into_iter().flatten().enumerate() {
            let kind = item.get("type").and_then(Value::as_str).unwrap_or("");
            let definition = match (list, kind) {
                ("consumes", _) if item.get("import").is_some() => Some("ImportedConsumesHttp"),
                ("consumes", _) => Some("ConsumesHttp"),
                (_, k) if kinds.contains(&k) => Some(match k {
                    "rest" => "ExposesRest",
                    "mcp" => "ExposesMcp",
                    "skill" => "ExposesSkill",
                    _ => "ExposesControl",
                }),
                _ => None,
            };
            let pointer = format!("/capability/{list}/{i}");
            if let Some((_, validator)) =
                definition.and_then(|d| schema.definitions.iter().find(|(n, _)| *n == d))
            {
                for e in validator.iter_errors(item) {
                    for (at, message) in expand(&e) {
                        report(format!("{pointer}{at}"), message);
                    }
                }
                entries.push(pointer);
            }
        }
    }
    for e in schema.validator.iter_errors(&doc.written) {
        let pointer = e.instance_path().to_string();
        if entries.iter().any(|p| pointer.starts_with(p.as_str())) {
            continue;
        }
        for (at, message) in expand(&e) {
            report(at, message);
        }
    }
    findings.sort_by(|a, b| (a.position, &a.message).cmp(&(b.position, &b.message)));
    findings.dedup_by(|a, b| a.position == b.position && a.message == b.message);
    findings
}

/// Dialect findings the schema alone does not name: single-brace path variables and the
/// `rest.` / `tools.` pseudo-namespaces in `with`.
pub fn dialect_findings(doc: &Document) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let Some(capability) = doc.json.get("capability") else {
        return findings;
    };
    for (ci, c) in capability
        .get("consumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (ri, r) in c
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(path) = r.get("path").and_then(Value::as_str) else {
                continue;
            };
            let single = path.replace("{{", "").replace("}}", "").contains('{');
            if single {
                let at = format!("capability.consumes[{ci}].resources[{ri}].path");
                let mut d = doc.at(
                    Severity::Warning,
                    &at,
                    format!("`{path}` uses single-brace variables"),
                );
                d.help = Some("the official form is `{{variable}}`".into());
                findings.push(d);
            }
        }
    }
    for (ei, e) in capability
        .get("exposes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let mut withs = Vec::new();
        for (ri, r) in e
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            for (oi, o) in r
                .get("operations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                withs.push((
                    format!("capability.exposes[{ei}].resources[{ri}].operations[{oi}].with"),
                    o.get("with"),
                ));
            }
        }
        for (ti, t) in e
            .get("tools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            withs.push((
                format!("capability.exposes[{ei}].tools[{ti}].with"),
                t.get("with"),
            ));
        }
        let namespace = e.get("namespace").and_then(Value::as_str).unwrap_or("");
        for (path, with) in withs {
            for (key, value) in with.and_then(Value::as_object).into_iter().flatten() {
                let Some(text) = value.as_str() else { continue };
                let Some((prefix, input)) = text.split_once('.') else {
                    continue;
                };
                if matches!(prefix, "rest" | "tools") && prefix != namespace {
                    let mut d = doc.at(
                        Severity::Warning,
                        &format!("{path}.{key}"),
                        format!("`{text}`: `{prefix}.` is not an exposes namespace"),
                    );
                    d.help = Some(format!(
                        "the official forms are `{{{{{input}}}}}` or `{namespace}.{input}`"
                    ));
                    findings.push(d);
                }
            }
        }
    }
    findings
}
