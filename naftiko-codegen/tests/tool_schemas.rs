//! Every tool schema the generator publishes follows the rules the major MCP clients hold
//! them to: an object schema (`type: object` at the top, no top-level `oneOf` / `anyOf` /
//! `allOf`), the 2020-12 dialect stated, no `$ref` left to resolve, a schema a validator
//! compiles; and every tool name fits in 64 characters. Checked on the project's fixtures and
//! specs and on every capability file of the shared specs corpus and the sample of the wild
//! collection (`../shared/specs-corpus` and `corpus-sample`, or under `$NAFTIKO_SHARED`; skipped
//! with one line when absent).

#[path = "../../tests/src/skip.rs"]
mod skip;

#[path = "common/cpus.rs"]
mod cpus;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The JSON texts of `mcp::object_schema(r#"…"#)` calls in `code`, and the tool names of its
/// `Tool::new("…"` calls.
fn published(code: &str) -> (Vec<String>, Vec<String>) {
    let mut schemas = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("object_schema(") {
        rest = rest[at + "object_schema(".len()..].trim_start();
        let Some(raw) = rest.strip_prefix('r') else {
            continue;
        };
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let close = format!("\"{}", "#".repeat(hashes));
        let body = &raw[hashes + 1..];
        let end = body.find(&close).expect("a closed raw string");
        schemas.push(body[..end].to_owned());
        rest = &body[end..];
    }
    let names = code
        .split("Tool::new(")
        .skip(1)
        .filter_map(|after| {
            let after = after.trim_start().strip_prefix('"')?;
            Some(after[..after.find('"')?].to_owned())
        })
        .collect();
    (schemas, names)
}

/// Why `text` breaks a rule, if it does.
fn broken_rule(text: &str) -> Option<String> {
    let schema: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Some(format!("not JSON: {e}")),
    };
    if schema["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
        return Some("no 2020-12 `$schema`".into());
    }
    if schema["type"] != "object" {
        return Some("not `type: object` at the top".into());
    }
    if let Some(k) = ["oneOf", "anyOf", "allOf", "not", "if"]
        .iter()
        .find(|k| schema.get(**k).is_some())
    {
        return Some(format!("a top-level `{k}`"));
    }
    if has_ref(&schema) {
        return Some("a `$ref` left to resolve".into());
    }
    if let Err(e) = jsonschema::validator_for(&schema) {
        return Some(format!("not a valid schema: {e}"));
    }
    None
}

fn has_ref(value: &Value) -> bool {
    match value {
        Value::Object(m) => m.contains_key("$ref") || m.values().any(has_ref),
        Value::Array(items) => items.iter().any(has_ref),
        _ => false,
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
}

/// Generate each spec (those that generate) and check what its MCP modules publish: the number
/// of schemas and names checked, and every broken rule.
fn check(specs: &[PathBuf]) -> (usize, usize, Vec<String>) {
    let (mut schemas, mut names, mut broken) = (0, 0, Vec::new());
    for (s, n, b) in cpus::on_every_cpu(specs, |spec| check_one(spec)) {
        schemas += s;
        names += n;
        broken.extend(b);
    }
    (schemas, names, broken)
}

/// [`check`] of one spec.
fn check_one(spec: &Path) -> (usize, usize, Vec<String>) {
    let (mut schemas, mut names, mut broken) = (0, 0, Vec::new());
    let options = naftiko_codegen::codegen::options_beside(spec).unwrap_or_default();
    let Ok(generated) = naftiko_codegen::generate_crate_with(spec, None, &options) else {
        return (0, 0, Vec::new());
    };
    for file in generated
        .files
        .iter()
        .filter(|f| f.path.starts_with("src/mcp/"))
    {
        let (texts, tool_names) = published(&file.contents);
        for text in texts {
            schemas += 1;
            if let Some(why) = broken_rule(&text) {
                broken.push(format!("{} {}: {why}: {text}", spec.display(), file.path));
            }
        }
        for name in tool_names {
            names += 1;
            if name.chars().count() > 64 {
                broken.push(format!("{}: tool name `{name}` over 64", spec.display()));
            }
        }
    }
    (schemas, names, broken)
}

#[test]
fn the_project_s_specs_and_fixtures_publish_schemas_every_client_takes() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let specs: Vec<PathBuf> = naftiko_codegen::codegen::targets(&root)
        .unwrap()
        .into_iter()
        .map(|t| t.spec)
        .collect();
    let (schemas, names, broken) = check(&specs);
    assert!(
        schemas > 40 && names > 20,
        "{schemas} schemas, {names} names"
    );
    assert_eq!(broken, Vec::<String>::new());
}

#[test]
fn the_specs_corpus_publishes_schemas_every_client_takes() {
    let shared = std::env::var_os("NAFTIKO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let corpus = shared.join("specs-corpus");
    if !corpus.is_dir() {
        skip::skip(&format!("{} is absent", corpus.display()));
        return;
    }
    let mut specs = Vec::new();
    yaml_files(&corpus, &mut specs);
    yaml_files(&shared.join("corpus-sample"), &mut specs);
    let (schemas, names, broken) = check(&specs);
    println!(
        "{schemas} schemas and {names} tool names of {} files checked",
        specs.len()
    );
    assert!(
        schemas > 400 && names > 300,
        "{schemas} schemas, {names} names"
    );
    assert_eq!(broken, Vec::<String>::new());
}
