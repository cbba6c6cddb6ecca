//! OpenAPI documents tied to a consumed namespace (`--openapi NAMESPACE=FILE`): OpenAPI 3.0 and
//! 3.1, and Swagger 2.0, read into their operations by method and path, each with the JSON
//! Schema (2020-12) of its success answer and of its JSON request body. Every `$ref` to a
//! schema of the document points into one `$defs` map; what cannot be read that way (a `$ref`
//! to another file, one that names nothing) is JSON of any kind, with a note of why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// Which specification a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `swagger: "2.0"`.
    Swagger2,
    /// `openapi: 3.0.x` (`nullable`, boolean `exclusiveMinimum`).
    OpenApi30,
    /// `openapi: 3.1.x` (JSON Schema 2020-12 already).
    OpenApi31,
}

/// An OpenAPI document, read.
#[derive(Debug, Clone)]
pub struct ApiDocument {
    /// The consumed namespace it describes.
    pub namespace: String,
    /// The file it was read from.
    pub file: PathBuf,
    pub version: ApiVersion,
    /// The path of its first server's URL (or `basePath`), without a trailing `/`: what its
    /// paths are relative to.
    pub base_path: String,
    pub operations: Vec<ApiOperation>,
    /// Its schemas (`components.schemas` or `definitions`), converted, by name.
    pub defs: BTreeMap<String, Value>,
    /// What could not be read as written, each with its JSON pointer in the file.
    pub problems: Vec<String>,
}

/// One operation of an OpenAPI document.
#[derive(Debug, Clone)]
pub struct ApiOperation {
    /// Upper case (`GET`).
    pub method: String,
    /// As written (`/users/{userId}/tokens`).
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub parameters: Vec<ApiParameter>,
    /// The JSON request body's schema.
    pub body: Option<Value>,
    /// The first success status with a JSON answer, and the answer's schema.
    pub answer: Option<(String, Value)>,
    /// The first success status, where every success answer the operation documents has no
    /// body (`204 No Content`, say).
    pub empty: Option<String>,
}

/// A parameter of an OpenAPI operation.
#[derive(Debug, Clone)]
pub struct ApiParameter {
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
    pub description: Option<String>,
    pub schema: Option<Value>,
}

/// Why an OpenAPI document could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Read the OpenAPI document at `path` (YAML or JSON) for `namespace`.
pub fn load(namespace: &str, path: &Path) -> Result<ApiDocument, ApiError> {
    let text = std::fs::read_to_string(path).map_err(|source| ApiError::Io {
        path: path.to_owned(),
        source,
    })?;
    let invalid = |message: String| ApiError::Invalid {
        path: path.to_owned(),
        message,
    };
    let root: Value = serde_saphyr::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let version = match (root.get("openapi"), root.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.0") => ApiVersion::OpenApi30,
        (Some(Value::String(v)), _) if v.starts_with("3.") => ApiVersion::OpenApi31,
        (_, Some(Value::String(v))) if v.starts_with("2.") => ApiVersion::Swagger2,
        _ => {
            return Err(invalid(
                "not an OpenAPI 3.0 / 3.1 or Swagger 2.0 document (no `openapi: 3.x` or `swagger: \"2.0\"`)"
                    .into(),
            ));
        }
    };
    let mut reader = Reader {
        root: &root,
        version,
        problems: Vec::new(),
    };
    let defs = reader.defs();
    let operations = reader.operations();
    Ok(ApiDocument {
        namespace: namespace.to_owned(),
        file: path.to_owned(),
        version,
        base_path: base_path(&root, version),
        operations,
        defs,
        problems: reader.problems,
    })
}

/// The path its paths are relative to: the first server's URL path, or `basePath`.
fn base_path(root: &Value, version: ApiVersion) -> String {
    let raw = match version {
        ApiVersion::Swagger2 => root.get("basePath").and_then(Value::as_str).unwrap_or(""),
        _ => root
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .unwrap_or(""),
    };
    // `https://host/v1` → `/v1`; `/v1` stays.
    let path = match raw.find("://") {
        Some(scheme) => raw[scheme + 3..]
            .find('/')
            .map_or("", |i| &raw[scheme + 3 + i..]),
        None => raw,
    };
    path.trim_end_matches('/').to_owned()
}

struct Reader<'a> {
    root: &'a Value,
    version: ApiVersion,
    problems: Vec<String>,
}

impl Reader<'_> {
    fn defs(&mut self) -> BTreeMap<String, Value> {
        let pointer = match self.version {
            ApiVersion::Swagger2 => "/definitions",
            _ => "/components/schemas",
        };
        let Some(Value::Object(schemas)) = self.root.pointer(pointer) else {
            return BTreeMap::new();
        };
        schemas
            .iter()
            .map(|(name, schema)| {
                let at = format!("#{pointer}/{}", escape(name));
                (name.clone(), self.schema(schema, &at))
            })
            .collect()
    }

    fn operations(&mut self) -> Vec<ApiOperation> {
        let Some(Value::Object(paths)) = self.root.get("paths") else {
            return Vec::new();
        };
        let mut operations = Vec::new();
        for (path, item) in paths {
            let item_at = format!("#/paths/{}", escape(path));
            let item = self.follow(item, &item_at);
            let shared = item.get("parameters").cloned();
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let at = format!("{item_at}/{method}");
                operations.push(self.operation(method, path, op, shared.as_ref(), &at));
            }
        }
        operations
    }

    fn operation(
        &mut self,
        method: &str,
        path: &str,
        op: &Value,
        shared: Option<&Value>,
        at: &str,
    ) -> ApiOperation {
        let text = |key: &str| op.get(key).and_then(Value::as_str).map(str::to_owned);
        let mut parameters = Vec::new();
        let mut body = None;
        let lists = [shared, op.get("parameters")];
        for (list, list_at) in lists.into_iter().zip([
            format!(
                "{}/parameters",
                at.rsplit_once('/').map_or(at, |(item, _)| item)
            ),
            format!("{at}/parameters"),
        ]) {
            let Some(Value::Array(list)) = list else {
                continue;
            };
            for (i, p) in list.iter().enumerate() {
                let p_at = format!("{list_at}/{i}");
                let p = self.follow(p, &p_at).clone();
                let location = p.get("in").and_then(Value::as_str).unwrap_or("");
                if location == "body" {
                    body = p
                        .get("schema")
                        .map(|s| self.schema(s, &format!("{p_at}/schema")));
                    continue;
                }
                let Some(name) = p.get("name").and_then(Value::as_str) else {
                    continue;
                };
                // Swagger 2.0 writes the type on the parameter itself.
                let schema = match p.get("schema") {
                    Some(s) => Some(self.schema(s, &format!("{p_at}/schema"))),
                    None => p.get("type").map(|_| self.schema(&p, &p_at)),
                };
                // An operation's own parameter overrides the path item's of that name and place.
                parameters.retain(|q: &ApiParameter| !(q.name == name && q.location == location));
                parameters.push(ApiParameter {
                    name: name.to_owned(),
                    location: location.to_owned(),
                    description: p
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    schema,
                });
            }
        }
        if let Some(request) = op.get("requestBody") {
            let request_at = format!("{at}/requestBody");
            let request = self.follow(request, &request_at).clone();
            body = self.json_content(&request, &request_at);
        }
        ApiOperation {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            operation_id: text("operationId"),
            summary: text("summary"),
            description: text("description"),
            parameters,
            body,
            answer: self.answer(op, at),
            empty: self.empty(op, at),
        }
    }

    /// The first 2xx answer with a JSON body (`200` before `201`, then `2XX`), and its schema.
    fn answer(&mut self, op: &Value, at: &str) -> Option<(String, Value)> {
        let Value::Object(responses) = op.get("responses")? else {
            return None;
        };
        let mut statuses: Vec<&String> = responses.keys().filter(|s| s.starts_with('2')).collect();
        statuses.sort();
        for status in statuses {
            let r_at = format!("{at}/responses/{status}");
            let response = self.follow(&responses[status], &r_at).clone();
            let schema = match self.version {
                ApiVersion::Swagger2 => response
                    .get("schema")
                    .map(|s| self.schema(s, &format!("{r_at}/schema"))),
                _ => self.json_content(&response, &r_at),
            };
            if let Some(schema) = schema {
                return Some((status.clone(), schema));
            }
        }
        None
    }

    /// The first success status of `op`, where none of its success answers has a body.
    fn empty(&mut self, op: &Value, at: &str) -> Option<String> {
        let Value::Object(responses) = op.get("responses")? else {
            return None;
        };
        let mut statuses: Vec<&String> = responses.keys().filter(|s| s.starts_with('2')).collect();
        statuses.sort();
        let body_key = match self.version {
            ApiVersion::Swagger2 => "schema",
            _ => "content",
        };
        for status in &statuses {
            let r_at = format!("{at}/responses/{status}");
            if self
                .follow(&responses[status.as_str()], &r_at)
                .get(body_key)
                .is_some()
            {
                return None;
            }
        }
        statuses.first().map(|s| (*s).clone())
    }

    /// The schema of the JSON media type of a request body or response (`application/json`,
    /// or any `…+json`).
    fn json_content(&mut self, holder: &Value, at: &str) -> Option<Value> {
        let Value::Object(content) = holder.get("content")? else {
            return None;
        };
        let (media, body) = content.iter().find(|(m, _)| is_json(m))?;
        let schema = body.get("schema")?;
        Some(self.schema(schema, &format!("{at}/content/{}/schema", escape(media))))
    }

    /// A `$ref` to a response, request body, parameter or path item of this document, followed
    /// (a chain of them too); anything else as it is.
    fn follow(&mut self, value: &Value, at: &str) -> Value {
        let mut value = value.clone();
        for _ in 0..8 {
            let Some(target) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            match target.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(found) => value = found.clone(),
                None => {
                    self.problem(format!("{at}: `$ref: {target}` names nothing in this file"));
                    return Value::Null;
                }
            }
        }
        self.problem(format!("{at}: `$ref`s lead on and on"));
        Value::Null
    }

    /// Record what could not be read, once (a response is looked at for its answer and for
    /// whether it has a body at all).
    fn problem(&mut self, text: String) {
        if !self.problems.contains(&text) {
            self.problems.push(text);
        }
    }

    /// `schema` as JSON Schema 2020-12: `$ref`s to the document's schemas as `#/$defs/NAME`,
    /// OpenAPI 3.0's `nullable` and boolean exclusive bounds in their 2020-12 form, keywords of
    /// OpenAPI alone (`example`, `xml`, `discriminator`, `x-…`) left out.
    fn schema(&mut self, schema: &Value, at: &str) -> Value {
        let Value::Object(members) = schema else {
            // `true` / `false` are schemas too.
            return schema.clone();
        };
        if let Some(target) = members.get("$ref").and_then(Value::as_str) {
            return match def_name(target, self.version) {
                Some(name) if self.has_def(&name) => {
                    json!({ "$ref": format!("#/$defs/{}", escape(&name)) })
                }
                _ => {
                    self.problem(format!(
                        "{at}: `$ref: {target}` is not a schema of this file: read as any JSON"
                    ));
                    json!({})
                }
            };
        }
        let mut out = Map::new();
        for (key, value) in members {
            let here = format!("{at}/{}", escape(key));
            let converted = match key.as_str() {
                "example" | "examples" | "xml" | "discriminator" | "externalDocs" | "nullable"
                | "x-nullable" => continue,
                k if k.starts_with("x-") => continue,
                "properties" | "patternProperties" | "$defs" | "definitions"
                | "dependentSchemas" => {
                    let Value::Object(map) = value else { continue };
                    let map: Map<String, Value> = map
                        .iter()
                        .map(|(k, v)| (k.clone(), self.schema(v, &format!("{here}/{}", escape(k)))))
                        .collect();
                    Value::Object(map)
                }
                "items"
                | "additionalProperties"
                | "not"
                | "contains"
                | "propertyNames"
                | "additionalItems"
                | "unevaluatedProperties"
                | "unevaluatedItems"
                | "if"
                | "then"
                | "else" => match value {
                    Value::Array(list) => {
                        // Draft 4's tuple `items`: 2020-12's `prefixItems`.
                        let list = self.schemas(list, &here);
                        out.insert("prefixItems".into(), list);
                        continue;
                    }
                    other => self.schema(other, &here),
                },
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => match value {
                    Value::Array(list) => self.schemas(list, &here),
                    _ => continue,
                },
                "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => {
                    // 3.0: a flag on `minimum` / `maximum`.
                    let bound = if key == "exclusiveMinimum" {
                        "minimum"
                    } else {
                        "maximum"
                    };
                    match (value.as_bool(), members.get(bound)) {
                        (Some(true), Some(limit)) => limit.clone(),
                        _ => continue,
                    }
                }
                "minimum" | "maximum"
                    if members
                        .get(if key == "minimum" {
                            "exclusiveMinimum"
                        } else {
                            "exclusiveMaximum"
                        })
                        .and_then(Value::as_bool)
                        == Some(true) =>
                {
                    continue;
                }
                _ => value.clone(),
            };
            out.insert(key.clone(), converted);
        }
        if nullable(members) {
            make_nullable(&mut out);
        }
        Value::Object(out)
    }

    fn schemas(&mut self, list: &[Value], at: &str) -> Value {
        Value::Array(
            list.iter()
                .enumerate()
                .map(|(i, s)| self.schema(s, &format!("{at}/{i}")))
                .collect(),
        )
    }

    fn has_def(&self, name: &str) -> bool {
        let pointer = match self.version {
            ApiVersion::Swagger2 => format!("/definitions/{}", escape(name)),
            _ => format!("/components/schemas/{}", escape(name)),
        };
        self.root.pointer(&pointer).is_some()
    }
}

/// Is the schema OpenAPI 3.0's `nullable: true` (or Swagger's `x-nullable: true`)?
fn nullable(members: &Map<String, Value>) -> bool {
    ["nullable", "x-nullable"]
        .iter()
        .any(|k| members.get(*k).and_then(Value::as_bool) == Some(true))
}

/// Let a converted schema take `null` too: `null` among its types, or beside it.
fn make_nullable(out: &mut Map<String, Value>) {
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            out.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push(json!("null"));
            }
        }
        _ => {
            let inner = std::mem::take(out);
            out.insert(
                "anyOf".into(),
                json!([Value::Object(inner), { "type": "null" }]),
            );
        }
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

/// The schema name a `$ref` to this document's schemas names (`#/components/schemas/Token`).
fn def_name(target: &str, version: ApiVersion) -> Option<String> {
    let prefix = match version {
        ApiVersion::Swagger2 => "#/definitions/",
        _ => "#/components/schemas/",
    };
    let name = target.strip_prefix(prefix)?;
    (!name.contains('/')).then(|| unescape(name))
}

/// Is `media` a JSON media type (`application/json`, `application/problem+json`, with or
/// without parameters)?
fn is_json(media: &str) -> bool {
    let essence = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

/// `text` as one JSON pointer token (`~` → `~0`, `/` → `~1`).
pub fn escape(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

/// A JSON pointer token as text (`~1` → `/`, `~0` → `~`).
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The first absolute server URL of the OpenAPI document at `path` (Swagger 2.0: its first
/// scheme, `host` and `basePath`), without a trailing `/`; `None` when it names none or cannot
/// be read.
pub fn server_url(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let root: Value = serde_saphyr::from_str(&text).ok()?;
    let url = match root.get("swagger") {
        Some(_) => {
            let host = root.get("host")?.as_str()?;
            let scheme = root
                .pointer("/schemes/0")
                .and_then(Value::as_str)
                .unwrap_or("https");
            let base = root.get("basePath").and_then(Value::as_str).unwrap_or("");
            format!("{scheme}://{host}{base}")
        }
        None => root.pointer("/servers/0/url")?.as_str()?.to_owned(),
    };
    let absolute = url.starts_with("https://") || url.starts_with("http://");
    absolute.then(|| url.trim_end_matches('/').to_owned())
}
