//! JSON Schemas of the answers the spec shapes: one description, read by the MCP tools'
//! `outputSchema` and by the REST adapters' OpenAPI documents, so what is published matches what
//! the generated shape functions serialize.
//!
//! A shaped value read at a path is `null` where the upstream JSON has nothing there (its Rust
//! type is an `Option`): its schema allows `null`. Objects are closed (`additionalProperties:
//! false`) and list every property as required, because their structs always serialize every
//! field. An answer the spec does not shape (passed through) has no schema here.

use serde_json::{Map, Value, json};

use crate::resolve::ir::{MockValue, Output, Runs, Shape, ShapeType};
use crate::resolve::names::Name;

/// The dialect every published schema states.
pub(super) const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The schema of the JSON an operation or tool answers, where the spec shapes it: the REST body
/// (unwrapped). `None` for an answer passed through as the upstream sent it.
pub(super) fn answer(runs: &Runs) -> Option<Value> {
    match runs {
        Runs::Mock { fields } => Some(mock(fields)),
        Runs::Call { output, .. } | Runs::Steps { output, .. } => match output {
            Output::Shaped { root, .. } => Some(shape(root)),
            Output::PassThrough { .. } => None,
        },
    }
}

/// The `outputSchema` of a tool: its answer as `structuredContent` carries it — an object,
/// anything else wrapped under the output's name, as the runtime wraps it. `None` where the
/// answer is not shaped.
pub(super) fn tool_output(runs: &Runs) -> Option<Value> {
    let mut schema = match runs {
        Runs::Mock { fields } => mock(fields),
        Runs::Call { output, .. } | Runs::Steps { output, .. } => match output {
            Output::Shaped { root, wrap_as, .. } => structured(root, wrap_as),
            Output::PassThrough { .. } => return None,
        },
    };
    stated(&mut schema);
    Some(schema)
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
