//! JSON Schemas of the answers the spec shapes: one description, read by the MCP tools'
//! `outputSchema` and by the REST adapters' OpenAPI documents, so what is published matches what
//! the generated shape functions serialize.
//!
//! A shaped value read at a path is `null` where the upstream JSON has nothing there (its Rust
//! type is an `Option`): its schema allows `null`. Objects are closed (`additionalProperties:
//! false`) and list every property as required, because their structs always serialize every
//! field. An answer the spec does not shape (passed through) has no schema here.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::resolve::ir::{Call, Capability, MockValue, Output, RawFormat, Runs, Shape, ShapeType};
use crate::resolve::names::Name;

/// The dialect every published schema states.
pub(super) const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of the JSON an operation or tool answers, where the spec shapes it or the
/// upstream's OpenAPI document types it: the REST body (unwrapped). `None` for an answer of
/// unknown shape.
pub(super) fn answer(cap: &Capability, runs: &Runs) -> Option<Value> {
    match runs {
        Runs::Mock { fields } => Some(mock(fields)),
        Runs::Call { output, call } => match output {
            Output::Shaped { root, .. } => Some(shape(root)),
            Output::PassThrough { format, .. } => documented(cap, call, format),
        },
        Runs::Steps { output, .. } => match output {
            Output::Shaped { root, .. } => Some(shape(root)),
            Output::PassThrough { .. } => None,
        },
    }
}

/// The `outputSchema` of a tool: its answer as `structuredContent` carries it — an object,
/// anything else wrapped under the output's name, as the runtime wraps it. `None` where the
/// answer's shape is not known.
pub(super) fn tool_output(cap: &Capability, runs: &Runs) -> Option<Value> {
    let mut schema = match runs {
        Runs::Mock { fields } => mock(fields),
        Runs::Call { output, call } => match output {
            Output::Shaped { root, wrap_as, .. } => structured(root, wrap_as),
            Output::PassThrough { wrap_as, format } => match no_content(cap, call) {
                Some(status) => status,
                None => wrapped(documented(cap, call, format)?, wrap_as),
            },
        },
        Runs::Steps { output, .. } => match output {
            Output::Shaped { root, wrap_as, .. } => structured(root, wrap_as),
            Output::PassThrough { .. } => return None,
        },
    };
    stated(&mut schema);
    Some(schema)
}

/// The schema the upstream's OpenAPI document gives the JSON answer of `call`, its references
/// inlined.
fn documented(cap: &Capability, call: &Call, format: &RawFormat) -> Option<Value> {
    if *format != RawFormat::Json {
        return None;
    }
    let api = &cap.consumes[call.consumes];
    let answer = api.operations[call.operation]
        .api
        .as_ref()?
        .answer
        .as_ref()?;
    Some(inlined(answer, &api.schemas))
}

/// The structured content of an answer the upstream's OpenAPI document gives no body: its
/// status (see the runtime's `mcp::empty_result`).
fn no_content(cap: &Capability, call: &Call) -> Option<Value> {
    let op = &cap.consumes[call.consumes].operations[call.operation];
    matches!(
        super::types::documented(op),
        Some(super::types::Documented::Empty)
    )
    .then(|| {
        json!({
            "type": "object",
            "properties": {
                "status": {
                    "type": "integer",
                    "description": "The upstream API's status: it answers with no content",
                }
            },
            "required": ["status"],
            "additionalProperties": false,
        })
    })
}

/// A documented answer as structured content: an object stays as it is; an answer that is
/// never an object is wrapped under `wrap_as`; one that may be either is "an object".
fn wrapped(schema: Value, wrap_as: &str) -> Value {
    let schema = merged(schema);
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    match types.as_slice() {
        ["object"] => schema,
        [] => json!({ "type": "object" }),
        types if types.contains(&"object") => json!({ "type": "object" }),
        _ => closed_object([(wrap_as.to_owned(), schema)]),
    }
}

/// The schema with its dialect stated first.
pub(super) fn stated(schema: &mut Value) {
    if let Value::Object(members) = schema {
        let mut with = Map::new();
        with.insert("$schema".into(), json!(DIALECT));
        with.extend(std::mem::take(members));
        *members = with;
    }
}

/// A shaped answer as structured content: an object stays as it is; a JSON value of unknown
/// kind may be an object (sent as it is) or not (wrapped), so only "an object" is promised;
/// anything else is wrapped.
fn structured(root: &Shape, wrap_as: &str) -> Value {
    match root {
        Shape::Object { .. } => shape(root),
        Shape::Value {
            ty: ShapeType::Json,
            ..
        }
        | Shape::FirstOf(_) => json!({ "type": "object" }),
        Shape::Const(value) if value.is_object() => shape(root),
        _ => closed_object([(wrap_as.to_owned(), shape(root))]),
    }
}

/// The schema of one node of a shaped output.
fn shape(node: &Shape) -> Value {
    match node {
        Shape::Value { ty, .. } => match scalar(*ty) {
            Some(name) => json!({ "type": [name, "null"] }),
            None => json!({}),
        },
        Shape::Object { fields } => closed_object(
            fields
                .iter()
                .map(|(name, field)| (name.wire.clone(), shape(field))),
        ),
        Shape::Array { items, .. } => json!({ "type": "array", "items": shape(items) }),
        // The first alternative that is not `null`, of whatever kind it is.
        Shape::FirstOf(_) => json!({}),
        Shape::Const(value) => constant(value),
        Shape::Template(_) => json!({ "type": "string" }),
    }
}

/// The object of a mock's fixed outputs and templates.
fn mock(fields: &[(Name, MockValue)]) -> Value {
    closed_object(fields.iter().map(|(name, value)| {
        let schema = match value {
            MockValue::Const(value) => constant(value),
            MockValue::Template(_) => json!({ "type": "string" }),
        };
        (name.wire.clone(), schema)
    }))
}

/// An object with exactly these properties, all required.
fn closed_object(properties: impl IntoIterator<Item = (String, Value)>) -> Value {
    let properties: Map<String, Value> = properties.into_iter().collect();
    let required: Vec<&String> = properties.keys().collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// A fixed value, with its type where it has a simple one.
fn constant(value: &Value) -> Value {
    let ty = match value {
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    json!({ "type": ty, "const": value })
}

/// The JSON Schema type of a mapped scalar (`None` for JSON of any kind).
fn scalar(ty: ShapeType) -> Option<&'static str> {
    Some(match ty {
        ShapeType::String => "string",
        ShapeType::Number => "number",
        ShapeType::Integer => "integer",
        ShapeType::Boolean => "boolean",
        ShapeType::Json => return None,
    })
}

/// A top-level `allOf` of object schemas (what MCP clients refuse at the top, and what OpenAPI
/// documents use to extend a schema) as one object schema: the properties and required names of
/// every part, beside the schema's own. Closed parts are opened, so that whatever matches the
/// `allOf` matches the merge. Anything else is returned as it is.
fn merged(schema: Value) -> Value {
    let Value::Object(mut members) = schema else {
        return schema;
    };
    let Some(Value::Array(parts)) = members.remove("allOf") else {
        return Value::Object(members);
    };
    let parts: Vec<Value> = parts.into_iter().map(merged).collect();
    let objects = parts.iter().all(|p| {
        p.get("type").is_none_or(|t| t == "object")
            && p.get("anyOf").is_none()
            && p.get("oneOf").is_none()
    });
    if !objects || members.get("type").is_some_and(|t| t != "object") {
        members.insert("allOf".into(), Value::Array(parts));
        return Value::Object(members);
    }
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    for part in std::iter::once(&Value::Object(members.clone())).chain(&parts) {
        if let Some(Value::Object(p)) = part.get("properties") {
            properties.extend(p.clone());
        }
        for name in part
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
        if members.get("description").is_none()
            && let Some(d) = part.get("description")
        {
            members.insert("description".into(), d.clone());
        }
    }
    members.remove("additionalProperties");
    members.insert("type".into(), json!("object"));
    members.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        members.insert("required".into(), Value::Array(required));
    }
    Value::Object(members)
}

/// `schema` with every `$ref` to `#/$defs/NAME` replaced by that schema of `defs` (the schemas
/// MCP clients take best have no references). A schema that contains itself is JSON of any kind
/// where it recurs; a reference to nothing is JSON of any kind.
pub(super) fn inlined(schema: &Value, defs: &BTreeMap<String, Value>) -> Value {
    inline(schema, defs, &mut Vec::new())
}

fn inline<'d>(schema: &Value, defs: &'d BTreeMap<String, Value>, open: &mut Vec<&'d str>) -> Value {
    let Value::Object(members) = schema else {
        return schema.clone();
    };
    if let Some(target) = members.get("$ref").and_then(Value::as_str) {
        let name = target
            .strip_prefix("#/$defs/")
            .map(crate::parse::openapi::unescape);
        let Some((name, def)) = name.and_then(|n| defs.get_key_value(n.as_str())) else {
            return json!({});
        };
        if open.contains(&name.as_str()) {
            return json!({});
        }
        open.push(name);
        let out = inline(def, defs, open);
        open.pop();
        return out;
    }
    each_subschema(members, &mut |sub| inline(sub, defs, open))
}

/// The members of a schema object with `f` applied to each schema in them: the values of maps of
/// schemas by name (`properties`, `$defs`, …), of lists of schemas and of single subschemas;
/// data (`enum`, `const`, `default`, `examples`) as it is.
pub(super) fn each_subschema(
    members: &Map<String, Value>,
    f: &mut dyn FnMut(&Value) -> Value,
) -> Value {
    let out = members.iter().map(|(key, value)| {
        let value = match (key.as_str(), value) {
            ("enum" | "const" | "default" | "examples", _) => value.clone(),
            (
                "properties" | "patternProperties" | "$defs" | "dependentSchemas",
                Value::Object(m),
            ) => Value::Object(m.iter().map(|(k, v)| (k.clone(), f(v))).collect()),
            (_, Value::Object(_)) => f(value),
            (_, Value::Array(items)) => Value::Array(items.iter().map(&mut *f).collect()),
            _ => value.clone(),
        };
        (key.clone(), value)
    });
    Value::Object(out.collect())
}
