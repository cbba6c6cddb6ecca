//! Consumed APIs: base URIs, operations, parameters, request bodies, bound variables.

use super::*;
use crate::resolve::names::Name;

/// One bound variable, read from an environment variable at start-up.
#[derive(Debug, Clone)]
pub struct BindVar {
    /// The variable name used in the spec (`{{HUMANITEC_API_KEY}}`), and the Rust local for it.
    pub name: Name,
    /// The environment variable it is read from; for a file bind, the variable's own name (for
    /// messages only).
    pub env: String,
    /// Where a bind with `location` reads it: the file (as the spec writes it, relative to the
    /// spec's folder) and the key in it.
    pub file: Option<BindFile>,
    /// The `binds[]` namespace that declares it (`environment` for an `in: environment`
    /// parameter).
    pub namespace: String,
    /// Its index in `binds[]`, for messages.
    pub bind_index: usize,
    /// What declares it, for messages: "bound by `binds[0]`, namespace `env`", or "read by the
    /// `in: environment` parameter of `registry.list-ships`".
    pub declared: String,
    /// Declared by `binds` (not read for an `in: environment` parameter or `$env.NAME`).
    pub from_binds: bool,
}

/// A value read from a YAML or JSON file at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindFile {
    /// The path, relative to the spec's folder (`./shared/secrets.yaml`).
    pub path: String,
    /// The key in the file's top-level mapping.
    pub key: String,
}

/// A consumed HTTP API: one client.
#[derive(Debug, Clone)]
pub struct Consumes {
    pub namespace: Name,
    pub base_uri: BaseUri,
    pub description: Option<String>,
    pub auth: UpstreamAuth,
    pub operations: Vec<ConsumedOp>,
    /// The API's own fixed parameters (its `inputParameters` with values), sent with forwarded
    /// requests.
    pub constants: Vec<Constant>,
    /// Does a REST resource forward to this API (its client then has a `forward` method)?
    pub forwarded: bool,
    /// The named schemas of its OpenAPI document (`#/$defs/NAME` in [`ApiTypes`]).
    pub schemas: std::collections::BTreeMap<String, serde_json::Value>,
}

impl Consumes {
    /// The bound variables sent in request parameters (not credentials), in order.
    pub fn request_binds(&self) -> Vec<BindId> {
        let forwarded = self
            .forwarded
            .then_some(&self.constants)
            .into_iter()
            .flatten();
        let in_bodies = self
            .operations
            .iter()
            .filter_map(|op| op.body.as_ref())
            .flat_map(Body::binds);
        let in_paths = self
            .operations
            .iter()
            .flat_map(|op| &op.path)
            .filter_map(|part| match part {
                PathPart::Fixed(parts) => Some(template_binds(parts)),
                PathPart::Literal(_) | PathPart::Param(_) => None,
            })
            .flatten();
        let mut binds: Vec<BindId> = self
            .operations
            .iter()
            .flat_map(|op| &op.constants)
            .chain(forwarded)
            .flat_map(|c| template_binds(&c.value))
            .chain(in_paths)
            .chain(in_bodies)
            .collect();
        binds.sort_unstable();
        binds.dedup();
        binds
    }
}

/// Where a consumed API is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseUri {
    /// A fixed URL.
    Fixed(String),
    /// A URL made of text and bound variables (`https://{{HOST}}`), built at start-up.
    Template(Template<BindId>),
    /// None in the spec: the server must be told (`--upstream`).
    Missing,
}

impl BaseUri {
    /// As written in the spec (`https://{{HOST}}`), for docs.
    pub fn display(&self, binds: &[BindVar]) -> String {
        match self {
            BaseUri::Fixed(url) => url.clone(),
            BaseUri::Template(parts) => parts
                .iter()
                .map(|p| match p {
                    Part::Text(t) => t.clone(),
                    Part::Slot(b) => format!("{{{{{}}}}}", binds[*b].name.wire),
                })
                .collect(),
            BaseUri::Missing => "(none: pass --upstream)".to_owned(),
        }
    }

    /// The bound variables it reads.
    pub fn binds(&self) -> Vec<BindId> {
        match self {
            BaseUri::Template(parts) => template_binds(parts),
            _ => vec![],
        }
    }
}

/// HTTP methods the generator supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
}

impl Method {
    /// `GET`, `POST`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }
    /// `get`, `post`, … (axum's routing functions).
    pub fn lower(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
            Method::Patch => "patch",
            Method::Delete => "delete",
            Method::Head => "head",
        }
    }
}

/// One operation of a consumed API: one client method.
#[derive(Debug, Clone)]
pub struct ConsumedOp {
    pub name: Name,
    pub method: Method,
    pub description: Option<String>,
    /// The resource path as written (`/users/{userId}/tokens`), for docs.
    pub path_template: String,
    /// The path, split into literal text and parameters.
    pub path: Vec<PathPart>,
    /// Parameters in the order of the client method's arguments.
    pub params: Vec<Param>,
    /// The request body template, if the operation has one.
    pub body: Option<Body>,
    /// Fixed headers and query parameters sent with every request (`value` without placeholders).
    pub constants: Vec<Constant>,
    /// What the operation answers.
    pub output: Output,
    /// Named outputs (`{name, value: $.path}`): fields added to the answer (to each element of
    /// an array answer) where a step keeps it, so that later steps can use the name.
    pub named: Vec<(String, JsonPath)>,
    /// The shape every adapter that calls this operation gives its answer (with `properties`
    /// or `items`), when they agree: the client's method then returns it, typed.
    pub typed: Option<Shape>,
    /// What the upstream's OpenAPI document says of it, where one is tied to its namespace and
    /// has this operation.
    pub api: Option<ApiTypes>,
}

/// The schemas of a consumed operation, from its API's OpenAPI document (JSON Schema 2020-12,
/// `$ref`s into its namespace's [`Consumes::schemas`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiTypes {
    /// The success answer's schema, where it has a JSON one.
    pub answer: Option<serde_json::Value>,
    /// The JSON request body's schema.
    pub body: Option<serde_json::Value>,
    /// The first success status, where the document gives no success answer a body.
    pub empty: Option<String>,
    /// The document's `operationId`.
    pub operation_id: Option<String>,
}

/// A piece of an upstream path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    Literal(String),
    /// Index into the operation's `params`.
    Param(ParamId),
    /// A fixed value, or text around bound variables (`value:` of a path parameter).
    Fixed(Template<BindId>),
}

/// A consumed operation's parameter.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: Name,
    pub location: ParamIn,
    pub ty: ParamType,
    pub required: bool,
    pub description: Option<String>,
    /// Where the value comes from when a call's `with` does not say (`value: "{{input}}"`).
    pub default: Option<serde_json::Value>,
    /// What the upstream's OpenAPI document says of the values beyond their type (`enum`,
    /// `format`, bounds): published in the adapters' schemas, never enforced.
    pub documented: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A header or query parameter with a fixed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constant {
    pub location: ParamIn,
    pub name: String,
    /// Fixed text, or text around bound variables (read by the server at start-up).
    pub value: Template<BindId>,
}

/// Where a parameter goes in the upstream request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
    Header,
    /// A cookie (`Cookie: name=value`, values percent-encoded).
    Cookie,
    /// The whole JSON body.
    Body,
    /// A placeholder of the operation's body template.
    Template,
}

/// An operation's request body, from its `body` template.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `application/json`, built as a JSON value.
    Json(JsonTemplate),
    /// Text with a content type (`text/plain`, `application/xml`, `application/sparql-query`,
    /// or `application/json` for a raw template).
    Text {
        content_type: &'static str,
        template: Template<BodySlot>,
    },
    /// `application/x-www-form-urlencoded` fields.
    Form(Vec<(String, Template<BodySlot>)>),
    /// `multipart/form-data` parts.
    Multipart(Vec<MultipartPart>),
}

impl Body {
    /// The bound variables its template uses.
    pub fn binds(&self) -> Vec<BindId> {
        fn pieces(pieces: &[Part<BodySlot>]) -> impl Iterator<Item = BindId> + '_ {
            pieces.iter().filter_map(|p| match p {
                Part::Slot(BodySlot::Bind(b)) => Some(*b),
                Part::Text(_) | Part::Slot(BodySlot::Param(_)) => None,
            })
        }
        fn json(t: &JsonTemplate, out: &mut Vec<BindId>) {
            match t {
                JsonTemplate::Text(p) => out.extend(pieces(p)),
                JsonTemplate::Array(items) => items.iter().for_each(|i| json(i, out)),
                JsonTemplate::Object(fields) => fields.iter().for_each(|(_, v)| json(v, out)),
                JsonTemplate::Literal(_) | JsonTemplate::Param(_) => {}
            }
        }
        let mut out = Vec::new();
        match self {
            Body::Json(t) => json(t, &mut out),
            Body::Text { template, .. } => out.extend(pieces(template)),
            Body::Form(fields) => fields.iter().for_each(|(_, v)| out.extend(pieces(v))),
            Body::Multipart(parts) => parts.iter().for_each(|p| out.extend(pieces(&p.value))),
        }
        out
    }
}

/// A JSON value whose strings may hold placeholders.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonTemplate {
    /// A literal (no placeholder inside).
    Literal(serde_json::Value),
    /// Text with placeholders: a JSON string.
    Text(Template<BodySlot>),
    /// A placeholder standing for the whole value: the parameter's JSON.
    Param(ParamId),
    Array(Vec<JsonTemplate>),
    Object(Vec<(String, JsonTemplate)>),
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartPart {
    pub name: String,
    pub value: Template<BodySlot>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
}

/// A parameter's declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
    /// Any JSON value (a body template placeholder standing for a whole value).
    Json,
}

impl ParamType {
    /// The JSON Schema `type`.
    pub fn json_schema(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Integer => "integer",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Object => "object",
            ParamType::Array => "array",
            ParamType::Json => "any JSON value",
        }
    }
}
