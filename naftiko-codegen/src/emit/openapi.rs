//! The OpenAPI 3.1 description of each exposed REST adapter: `openapi/<namespace>.json`.

use serde_json::{Map, Value, json};

use crate::resolve::ir::with_ids;
use crate::resolve::ir::{Capability, InboundAuth, InputIn, KeyPlacement, Method, RestAdapter};
use crate::resolve::ir::{Output, ResponseBody, ResponseDoc, RestOp, Runs};

/// A status the server itself answers with a problem document — and that the upstream API may
/// answer too, passed through with its own body.
fn problem(description: &str) -> Value {
    json!({
        "description": format!("{description}; or the upstream API's own answer with this status, passed through"),
        "content": {
            "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } },
            "application/json": { "schema": {} }
        }
    })
}

/// The document for adapter `a`, as pretty-printed JSON.
/// The success answer of `op`: the JSON the spec shapes, the upstream's JSON passed through, or
/// the bytes of a binary answer with their media type.
fn success(cap: &Capability, op: &RestOp) -> Value {
    match op.runs.output().and_then(Output::binary) {
        Some(answer) => {
            let media = answer
                .media_type
                .as_deref()
                .unwrap_or("application/octet-stream");
            json!({
                "description": "The upstream API's answer: its bytes, with their media type",
                "content": { media: { "schema": { "type": "string", "format": "binary" } } }
            })
        }
        None => {
            let schema = super::schema::answer(cap, &op.runs);
            let description = match op.runs.output() {
                Some(Output::PassThrough { .. }) => {
                    "The upstream API's answer, passed through (status and JSON body)"
                }
                _ => "The answer shaped from the upstream API's (its success status)",
            };
            json!({
                "description": description,
                "content": { "application/json": { "schema": schema.unwrap_or_else(|| json!({})) } }
            })
        }
    }
}

/// The success status of `op`'s answer where it is passed on and the upstream's OpenAPI document
/// gives it no body.
fn no_content<'c>(cap: &'c Capability, op: &RestOp) -> Option<&'c str> {
    let Runs::Call {
        call,
        output: Output::PassThrough { .. },
    } = &op.runs
    else {
        return None;
    };
    let consumed = &cap.consumes[call.consumes].operations[call.operation];
    super::types::documented(consumed)?;
    consumed.api.as_ref()?.empty.as_deref()
}

/// An answer the spec documents under `responses`.
fn documented(doc: &ResponseDoc) -> Value {
    let mut content = Map::new();
    for (media, body) in &doc.content {
        let schema = match body {
            ResponseBody::Binary => json!({ "type": "string", "format": "binary" }),
            ResponseBody::Schema(schema) => schema.clone(),
        };
        content.insert(media.clone(), json!({ "schema": schema }));
    }
    let description = doc.description.as_deref().map_or("", str::trim);
    let mut answer = json!({ "description": description });
    if !content.is_empty() {
        answer["content"] = Value::Object(content);
    }
    answer
}

pub(super) fn document(cap: &Capability, a: &RestAdapter) -> String {
    let mut paths = Map::new();
    for route in &a.routes {
        let mut item = Map::new();
        for op in &route.operations {
            let mut parameters = Vec::new();
            let mut body = None;
            let mut fields = Map::new();
            let mut required_fields = Vec::new();
            let used_inputs = op.runs.used_inputs(op.inputs.len());
            for (index, input) in with_ids(&op.inputs) {
                let used = used_inputs[index.index()];
                if !used && input.location != InputIn::Path {
                    continue;
                }
                let mut schema = json!({ "type": input.ty.json_schema() });
                let place = match input.location {
                    InputIn::Path => {
                        schema["minLength"] = json!(1);
                        "path"
                    }
                    InputIn::Query => "query",
                    InputIn::Header => "header",
                    InputIn::Body | InputIn::Argument => {
                        body = Some((index, input));
                        continue;
                    }
                    InputIn::BodyField => {
                        let mut field = json!({ "type": input.ty.json_schema() });
                        if let Some(d) = &input.description {
                            field["description"] = json!(d.trim());
                        }
                        if let Some(pattern) = &input.pattern {
                            field["pattern"] = json!(pattern);
                        }
                        fields.insert(input.name.wire.clone(), field);
                        if input.required {
                            required_fields.push(json!(input.name.wire));
                        }
                        continue;
                    }
                };
                let mut p = json!({
                    "name": input.name.wire,
                    "in": place,
                    "required": input.required || input.location == InputIn::Path,
                    "schema": schema,
                });
                if let Some(d) = &input.description {
                    p["description"] = json!(d.trim());
                }
                if let Some(pattern) = &input.pattern {
                    p["schema"]["pattern"] = json!(pattern);
                }
                let said = super::adapter::documented_values(cap, &op.runs, index, input.ty);
                if let Value::Object(schema) = &mut p["schema"] {
                    for (key, value) in said {
                        schema.entry(key).or_insert(value);
                    }
                }
                parameters.push(p);
            }
            let mut responses = Map::new();
            if let Some(status) = no_content(cap, op) {
                responses.insert(
                    status.to_owned(),
                    json!({ "description": "The upstream API answered with no content" }),
                );
            } else {
                responses.insert("200".into(), success(cap, op));
            }
            if op.method == Method::Delete && !responses.contains_key("204") {
                responses.insert(
                    "204".into(),
                    json!({ "description": "The upstream API answered with no content" }),
                );
            }
            responses.insert(
                "400".into(),
                problem("The request is not valid (path, query, header or body)"),
            );
            if body.is_some() {
                responses.insert(
                    "413".into(),
                    problem("The request body is larger than the server accepts"),
                );
            }
            responses.insert(
                "502".into(),
                problem("The upstream API is unreachable or answered garbage"),
            );
            responses.insert(
                "504".into(),
                problem("The upstream API did not answer in time"),
            );
            responses.insert(
                "default".into(),
                json!({ "description": "Any other status of the upstream API, with its body unchanged" }),
            );
            // What the spec documents (`responses`) wins over what is said of every operation.
            for doc in &op.responses {
                responses.insert(doc.status.clone(), documented(doc));
            }
            let mut operation = json!({
                "operationId": op.name.wire,
                "parameters": parameters,
                "responses": responses,
                "x-naftiko-call": super::adapter::target(cap, &op.runs),
            });
            if !op.tags.is_empty() {
                operation["tags"] = json!(op.tags);
            }
            if let Some(d) = op.description.as_deref().map(str::trim) {
                operation["summary"] = json!(d.lines().next().unwrap_or(d));
                operation["description"] = json!(d);
            }
            if !fields.is_empty() {
                let mut schema = json!({ "type": "object", "properties": fields });
                if !required_fields.is_empty() {
                    schema["required"] = json!(required_fields);
                }
                operation["requestBody"] = json!({
                    "required": !required_fields.is_empty(),
                    "content": { "application/json": { "schema": schema } }
                });
            } else if let Some((index, input)) = body {
                let schema = super::adapter::documented_body_schema(cap, &op.runs, index)
                    .unwrap_or_else(|| json!({ "type": input.ty.json_schema() }));
                operation["requestBody"] = json!({
                    "required": input.required,
                    "content": { "application/json": { "schema": schema } }
                });
            }
            item.insert(op.method.lower().to_owned(), operation);
        }
        paths.insert(route.path.clone(), Value::Object(item));
    }
    // The operational routes stay open behind inbound authentication.
    let ops = |summary: &str| {
        json!({ "get": {
            "summary": summary,
            "security": [],
            "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } } }
        }})
    };
    let prefix = a.ops_prefix;
    paths.insert(
        format!("{prefix}/healthz"),
        ops("Liveness: the process is up"),
    );
    let mut ready = ops("Readiness: every adapter bound, every bound variable present");
    ready["get"]["responses"]["503"] = json!({
        "description": "Not ready (starting, draining, or an upstream unreachable)",
        "content": { "application/json": { "schema": { "type": "object" } } }
    });
    paths.insert(format!("{prefix}/readyz"), ready);
    let mut info =
        json!({ "title": format!("{} — {}", cap.label, a.namespace.wire), "version": "0.1.0" });
    if let Some(d) = a.description.as_deref().or(cap.description.as_deref()) {
        info["description"] = json!(d.trim());
    }
    let mut document = json!({
        "x-generated": "@generated by naftiko-codegen — do not edit",
        "openapi": "3.1.0",
        "info": info,
        "paths": paths,
        "components": { "schemas": { "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": { "type": "string" },
                "title": { "type": "string" },
                "status": { "type": "integer" },
                "detail": { "type": "string" }
            }
        }}}
    });
    if let Some((scheme, scopes)) = security_scheme(&a.auth) {
        document["components"]["securitySchemes"] = json!({ "inbound": scheme });
        document["security"] = json!([{ "inbound": scopes }]);
    }
    let mut text =
        super::text::json_escaped(&serde_json::to_string_pretty(&document).unwrap_or_default());
    text.push('\n');
    text
}

/// The security scheme of the adapter's inbound authentication and the scopes it names.
fn security_scheme(auth: &InboundAuth) -> Option<(Value, Vec<String>)> {
    Some(match auth {
        InboundAuth::None => return None,
        InboundAuth::Bearer { .. } => (json!({ "type": "http", "scheme": "bearer" }), vec![]),
        InboundAuth::Basic { .. } => (json!({ "type": "http", "scheme": "basic" }), vec![]),
        InboundAuth::ApiKey {
            name, placement, ..
        } => {
            let place = match placement {
                KeyPlacement::Header => "header",
                KeyPlacement::Query => "query",
                KeyPlacement::Cookie => "cookie",
            };
            (
                json!({ "type": "apiKey", "in": place, "name": name }),
                vec![],
            )
        }
        // The schema's rule: `tokenEndpoint` is the client credentials token URL, the
        // authorization server's URI when it is not given.
        InboundAuth::OAuth2(o) => {
            let scopes: serde_json::Map<String, Value> =
                o.scopes.iter().map(|s| (s.clone(), json!(""))).collect();
            let token_url = o.token_endpoint.as_deref().unwrap_or(&o.issuer);
            let scheme = json!({
                "type": "oauth2",
                "description": format!("Bearer tokens issued by {} for {}", o.issuer, o.resource),
                "flows": { "clientCredentials": { "tokenUrl": token_url, "scopes": scopes } }
            });
            (scheme, o.scopes.clone())
        }
    })
}
