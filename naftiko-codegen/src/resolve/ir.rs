//! The intermediate representation: one resolved capability, with no YAML left in it. Every
//! `call` points at a consumed operation by index, every argument names where its value comes
//! from, every name carries its Rust identifier beside its wire name.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

use super::names::Name;

/// The index of a `T` in the list that holds it (`Capability::binds`, an operation's `params`,
/// an exposed operation's `inputs`, …): a `Vec<T>` is indexed by it, and an index into another
/// list does not type-check.
pub struct Id<T> {
    index: usize,
    of: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    /// The `index`th element.
    pub const fn new(index: usize) -> Self {
        Self {
            index,
            of: PhantomData,
        }
    }

    /// Its position in its list.
    pub const fn index(self) -> usize {
        self.index
    }
}

impl<T> Clone for Id<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Id<T> {}

impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}

impl<T> Eq for Id<T> {}

impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.index.cmp(&other.index)
    }
}

impl<T> std::hash::Hash for Id<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.index.hash(state);
    }
}

impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.index)
    }
}

impl<T> Index<Id<T>> for [T] {
    type Output = T;
    fn index(&self, id: Id<T>) -> &T {
        &self[id.index]
    }
}

impl<T> Index<Id<T>> for Vec<T> {
    type Output = T;
    fn index(&self, id: Id<T>) -> &T {
        &self[id.index]
    }
}

impl<T> IndexMut<Id<T>> for [T] {
    fn index_mut(&mut self, id: Id<T>) -> &mut T {
        &mut self[id.index]
    }
}

impl<T> IndexMut<Id<T>> for Vec<T> {
    fn index_mut(&mut self, id: Id<T>) -> &mut T {
        &mut self[id.index]
    }
}

/// The id of the first element of `items` that `matches`.
pub fn find_id<T>(items: &[T], matches: impl FnMut(&T) -> bool) -> Option<Id<T>> {
    items.iter().position(matches).map(Id::new)
}

/// The elements of `items` with their ids.
pub fn with_ids<T>(items: &[T]) -> impl Iterator<Item = (Id<T>, &T)> {
    items.iter().enumerate().map(|(i, item)| (Id::new(i), item))
}

/// A bound variable, by its place in `Capability::binds`.
pub type BindId = Id<BindVar>;
/// An input of an exposed operation or tool, by its place in its `inputs`.
pub type InputId = Id<Input>;
/// A parameter of a consumed operation, by its place in its `params`.
pub type ParamId = Id<Param>;
/// An argument of a prompt, by its place in its `arguments`.
pub type ArgumentId = Id<PromptArgument>;
/// A consumed API, by its place in `Capability::consumes`.
pub type ConsumesId = Id<Consumes>;
/// An operation of a consumed API, by its place in its `operations`.
pub type OperationId = Id<ConsumedOp>;
/// A step of an orchestration, by its place in its steps.
pub type StepId = Id<Step>;

/// Text with placeholders, written in the spec as Mustache (`"Bearer {{TOKEN}}"`): literal text
/// and slots. What a slot stands for depends on where the template is: a bound variable
/// (credentials, base URLs, fixed values), an input (`with`, output `value`s, mock outputs), a
/// parameter or a bound variable (request bodies), a prompt argument.
pub type Template<S> = Vec<Part<S>>;

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<S> {
    Text(String),
    Slot(S),
}

/// The slots of a template, in order.
pub fn slots<S>(template: &[Part<S>]) -> impl Iterator<Item = &S> {
    template.iter().filter_map(|p| match p {
        Part::Slot(s) => Some(s),
        Part::Text(_) => None,
    })
}

/// A placeholder of a request body: a parameter of the operation, or a bound variable read by
/// the server at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodySlot {
    Param(ParamId),
    Bind(BindId),
}

/// A resolved capability — everything the emitters need.
#[derive(Debug, Clone)]
pub struct Capability {
    /// `info.label` (or `info.title`), for docs and the MCP server's title.
    pub label: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Variables bound from the environment, in spec order.
    pub binds: Vec<BindVar>,
    /// Consumed HTTP APIs.
    pub consumes: Vec<Consumes>,
    /// Exposed REST adapters.
    pub rest: Vec<RestAdapter>,
    /// Exposed MCP adapters.
    pub mcp: Vec<McpAdapter>,
    /// Exposed skill catalogs.
    pub skills: Vec<SkillAdapter>,
    /// The control adapter (health, status, configuration), if any.
    pub control: Option<ControlAdapter>,
}

/// A control adapter: `/health/live` and `/health/ready` (`health`), `/status` and `/config`
/// (`info`), beside `/metrics`.
#[derive(Debug, Clone)]
pub struct ControlAdapter {
    pub port: u16,
    pub address: Option<String>,
    /// What a caller must present (`None`: nothing).
    pub auth: InboundAuth,
    pub health: bool,
    pub info: bool,
}

/// An exposed skill adapter: a catalog of skills, each naming tools of sibling adapters. It
/// describes; the tools run where their `from` points.
#[derive(Debug, Clone)]
pub struct SkillAdapter {
    pub namespace: Name,
    pub port: u16,
    pub address: Option<String>,
    pub description: Option<String>,
    /// What a caller must present (`None`: nothing).
    pub auth: InboundAuth,
    pub skills: Vec<Skill>,
}

/// One skill: its name and the document served at `/skills/<name>`.
#[derive(Debug, Clone)]
pub struct Skill {
    pub name: String,
    pub description: Option<String>,
    /// The catalog entry (frontmatter fields and tools with their sources), as JSON.
    pub document: serde_json::Value,
    /// The files of its `location` folder (`SKILL.md` first), served at
    /// `/skills/<name>/<path>`.
    pub files: Vec<SkillFile>,
}

/// A file of a skill's folder, read at generation.
#[derive(Debug, Clone)]
pub struct SkillFile {
    /// Its path in the folder (`SKILL.md`, `tools/lookup.md`).
    pub path: String,
    pub mime_type: String,
    pub content: FileContent,
}

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
}

impl Capability {
    /// Does a consumed API use digest authentication (the crate then has a `digest` module)?
    pub fn uses_digest(&self) -> bool {
        self.consumes
            .iter()
            .any(|c| matches!(c.auth, UpstreamAuth::Digest { .. }))
    }

    /// Does an adapter check OAuth 2.1 tokens (the crate then has the `oauth2` module)?
    pub fn uses_oauth2(&self) -> bool {
        self.rest
            .iter()
            .map(|a| &a.auth)
            .chain(self.mcp.iter().map(|a| &a.auth))
            .chain(self.skills.iter().map(|a| &a.auth))
            .chain(self.control.iter().map(|a| &a.auth))
            .any(|auth| matches!(auth, InboundAuth::OAuth2(_)))
    }

    /// Does an exposed input carry a `pattern` (the crate then needs `regex`)?
    pub fn has_patterns(&self) -> bool {
        let rest = self
            .rest
            .iter()
            .flat_map(|a| &a.routes)
            .flat_map(|r| &r.operations)
            .flat_map(|o| &o.inputs);
        let mcp = self
            .mcp
            .iter()
            .flat_map(|a| &a.tools)
            .flat_map(|t| &t.inputs);
        rest.chain(mcp).any(|i| i.pattern.is_some())
    }

    /// The non-JSON formats read into JSON (the generated `formats` module): by shaped outputs
    /// and by the clients' methods, sorted.
    pub fn formats(&self) -> Vec<RawFormat> {
        let rest = self
            .rest
            .iter()
            .flat_map(|a| &a.routes)
            .flat_map(|r| &r.operations)
            .filter_map(|o| o.runs.output());
        let mcp = self
            .mcp
            .iter()
            .flat_map(|a| &a.tools)
            .filter_map(|t| t.runs.output());
        let clients = self
            .consumes
            .iter()
            .flat_map(|c| &c.operations)
            .map(|o| &o.output);
        let mut formats: Vec<RawFormat> = rest
            .chain(mcp)
            .chain(clients)
            .filter_map(|o| match o {
                Output::Shaped { format, .. } | Output::PassThrough { format, .. }
                    if format.is_converted() =>
                {
                    Some(format.clone())
                }
                _ => None,
            })
            .collect();
        formats.sort_unstable();
        formats.dedup();
        formats
    }
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

/// An OAuth 2.1 resource server's checks (inbound `oauth2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2 {
    /// The authorization server (issuer) whose tokens are accepted.
    pub issuer: String,
    /// This server's canonical URI (RFC 8707), published in its metadata.
    pub resource: String,
    /// The expected `aud` (the resource when `None`).
    pub audience: Option<String>,
    /// Scopes this server recognizes (published, not required).
    pub scopes: Vec<String>,
    pub validation: TokenValidation,
    /// The token endpoint, for the OpenAPI document (`tokenEndpoint`).
    pub token_endpoint: Option<String>,
}

/// How OAuth 2.1 tokens are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenValidation {
    /// JWTs verified with the authorization server's published keys.
    Jwks,
    /// Each token sent to the introspection endpoint (RFC 7662).
    Introspection,
}

/// How requests to the upstream are authenticated. Every secret is a bound variable (index into
/// `Capability::binds`), read at start-up, never written into generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamAuth {
    None,
    /// `Authorization: Bearer <token>`.
    Bearer {
        token: Template<BindId>,
        /// True when the spec has no `authentication` block and the rule was inferred.
        implicit: bool,
    },
    /// An API key sent under `name` in a header, the query string or a cookie.
    ApiKey {
        name: String,
        placement: KeyPlacement,
        value: Template<BindId>,
    },
    /// `Authorization: Basic …`.
    Basic {
        username: Credential,
        password: Template<BindId>,
    },
    /// HTTP digest (RFC 7616): the upstream's challenge answered with these credentials.
    Digest {
        username: Credential,
        password: Template<BindId>,
    },
}

impl UpstreamAuth {
    /// The bound variables it reads.
    pub fn binds(&self) -> Vec<BindId> {
        match self {
            UpstreamAuth::None => vec![],
            UpstreamAuth::Bearer { token: parts, .. }
            | UpstreamAuth::ApiKey { value: parts, .. } => template_binds(parts),
            UpstreamAuth::Basic { username, password }
            | UpstreamAuth::Digest { username, password } => credential_binds(username, password),
        }
    }
}

/// What an adapter requires of its callers. Secrets are bound variables, as upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundAuth {
    /// Nothing: the adapter is open.
    None,
    /// `Authorization: Bearer <token>`, compared with the bound value.
    Bearer { token: Template<BindId> },
    /// An API key under `name` in a header, the query string or a cookie.
    ApiKey {
        name: String,
        placement: KeyPlacement,
        value: Template<BindId>,
    },
    /// `Authorization: Basic …`.
    Basic {
        username: Credential,
        password: Template<BindId>,
    },
    /// Bearer tokens checked as an OAuth 2.1 resource server.
    OAuth2(OAuth2),
}

impl InboundAuth {
    /// The bound variables it reads.
    pub fn binds(&self) -> Vec<BindId> {
        match self {
            InboundAuth::None | InboundAuth::OAuth2(_) => vec![],
            InboundAuth::Bearer { token: parts } | InboundAuth::ApiKey { value: parts, .. } => {
                template_binds(parts)
            }
            InboundAuth::Basic { username, password } => credential_binds(username, password),
        }
    }
}

/// The bound variables of a user name and password.
fn credential_binds(username: &Credential, password: &[Part<BindId>]) -> Vec<BindId> {
    let mut binds = template_binds(password);
    if let Credential::Bind(u) = username {
        binds.insert(0, *u);
    }
    binds
}

/// The bound variables a template reads.
pub fn template_binds(parts: &[Part<BindId>]) -> Vec<BindId> {
    slots(parts).copied().collect()
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlacement {
    Header,
    Query,
    Cookie,
}

/// A credential that is either written in the spec (not secret, e.g. a user name) or bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Literal(String),
    Bind(BindId),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

/// What an operation returns to its callers.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// The upstream JSON body, unchanged (`{type: object, mapping: $.}` with no properties).
    PassThrough {
        /// The name under which a non-object result is wrapped for MCP `structuredContent`.
        wrap_as: String,
        /// The format of the body (`outputRawFormat`).
        format: RawFormat,
    },
    /// A result shaped by the spec's `outputParameters`: typed fields mapped from the upstream
    /// JSON.
    Shaped {
        /// The name under which a non-object result is wrapped for MCP `structuredContent`.
        wrap_as: String,
        /// The shape.
        root: Shape,
        /// The format of the upstream body, read as JSON before it is shaped.
        format: RawFormat,
    },
}

/// The format of an upstream answer (`outputRawFormat`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RawFormat {
    /// JSON (the default).
    Json,
    /// Text, passed through as it is (seen in the wild).
    Text,
    /// XML, read as JSON the way the reference engine reads it.
    Xml,
    /// Delimited rows with a header (`csv`, `tsv`, `psv`): an array of objects.
    Delimited(char),
    /// YAML.
    Yaml,
    /// The rows of the HTML tables the CSS selector (`outputSchema`, default `table`) finds:
    /// an array of objects keyed by the header cells.
    Html(String),
    /// The rows of the Markdown tables in the sections whose heading starts with the prefix
    /// (`outputSchema`; the whole document without one): an array of objects.
    Markdown(Option<String>),
}

impl RawFormat {
    /// The format `outputRawFormat` names, if this generator reads it.
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "json" => Self::Json,
            "text" => Self::Text,
            "xml" => Self::Xml,
            "csv" => Self::Delimited(','),
            "tsv" => Self::Delimited('\t'),
            "psv" => Self::Delimited('|'),
            "yaml" => Self::Yaml,
            _ => return None,
        })
    }

    /// Is the body read into JSON by the generated `formats` module?
    pub fn is_converted(&self) -> bool {
        !matches!(self, Self::Json | Self::Text)
    }
}

/// A mock output's value.
#[derive(Debug, Clone, PartialEq)]
pub enum MockValue {
    /// `const`, or a `value` without placeholders (kept as JSON).
    Const(serde_json::Value),
    /// A `value` with `{{input}}` placeholders: text.
    Template(Template<InputId>),
}

/// One node of a shaped output.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A value at `path` (relative to the current context: the response, or the array element).
    Value { path: JsonPath, ty: ShapeType },
    /// An object whose properties are mapped from the current context (the engine's rule:
    /// properties are not relative to the object's own `mapping`).
    Object { fields: Vec<(Name, Shape)> },
    /// The array at `path`, each element shaped by `items` relative to the element.
    Array { path: JsonPath, items: Box<Shape> },
    /// Several top-level outputs: the first that is not `null` (the engine's rule), as JSON.
    FirstOf(Vec<Shape>),
    /// A fixed value (`const`, or a `value` without placeholders).
    Const(serde_json::Value),
    /// Text made from the operation's inputs (a `value` with `{{input}}`s).
    Template(Template<InputId>),
}

impl Shape {
    /// Does any node make text from the inputs (the shape function then takes them)?
    pub fn has_templates(&self) -> bool {
        match self {
            Shape::Template(_) => true,
            Shape::Object { fields } => fields.iter().any(|(_, s)| s.has_templates()),
            Shape::Array { items, .. } => items.has_templates(),
            Shape::FirstOf(all) => all.iter().any(Shape::has_templates),
            Shape::Value { .. } | Shape::Const(_) => false,
        }
    }
}

/// The Rust type of a mapped value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeType {
    String,
    Number,
    Integer,
    Boolean,
    /// `object` or `array` without `properties` / `items`: the JSON under the path, as it is.
    Json,
}

/// A JSONPath of names and indexes (`$.a.b[0]`), with its text for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    pub text: String,
    pub steps: Vec<PathStep>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// Where a consumed parameter's value comes from in an exposed operation.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgSource {
    /// An exposed input, by index into the adapter operation's inputs.
    Input(InputId),
    /// A literal from `with`.
    Literal(serde_json::Value),
    /// Text around inputs (`"ship-{{imo}}"`), for a string parameter.
    Template(Template<InputId>),
    /// A value of an earlier step's result (`$.<step>.field`), by the step's index and the path
    /// inside its result. Only in orchestrated operations.
    Step { step: StepId, path: JsonPath },
}

/// One argument of a call: consumed parameter `param` ← `source`.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub param: ParamId,
    pub source: ArgSource,
}

/// One step of an orchestrated operation or tool. Each step's JSON is kept under its name; the
/// output is shaped from the object of all of them (`$.<step>.<field>`).
#[derive(Debug, Clone)]
pub enum Step {
    /// Call a consumed operation; its answer (read as JSON) is the step's value.
    Call { name: Name, call: Call },
    /// Match values against a key of an earlier step's array and keep some fields of each
    /// match: an array for an array of values, an object (or `null`) for one value.
    Lookup {
        name: Name,
        /// The step holding the table (an index into the steps).
        index: StepId,
        /// The key field of the table's entries.
        key: String,
        /// The step (an index into the steps) and the path of the value(s) to look up.
        value: (StepId, JsonPath),
        /// The fields kept from each match.
        fields: Vec<String>,
    },
}

impl Step {
    /// The step's name (`name` on the wire, `rust` its local).
    pub fn name(&self) -> &Name {
        match self {
            Step::Call { name, .. } | Step::Lookup { name, .. } => name,
        }
    }
}

/// A resolved `call`: which consumed operation, with which arguments.
#[derive(Debug, Clone)]
pub struct Call {
    /// Index into `Capability::consumes`.
    pub consumes: ConsumesId,
    /// Index into that API's `operations`.
    pub operation: OperationId,
    /// One entry per consumed parameter that gets a value, in parameter order.
    pub args: Vec<Arg>,
}

impl Call {
    /// Does some argument read input `input` (directly or in a template)?
    pub fn uses(&self, input: InputId) -> bool {
        self.args.iter().any(|a| match &a.source {
            ArgSource::Input(i) => *i == input,
            ArgSource::Template(parts) => parts.contains(&Part::Slot(input)),
            ArgSource::Literal(_) | ArgSource::Step { .. } => false,
        })
    }
}

/// An exposed input of a REST operation or an MCP tool.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: Name,
    pub location: InputIn,
    pub ty: ParamType,
    pub required: bool,
    pub description: Option<String>,
    /// A regular expression a string value must match (anywhere, as in JSON Schema).
    pub pattern: Option<String>,
    /// For a body field: where in the JSON body it is (`value: $.user.id`); `None` reads the
    /// field of its own name.
    pub body_path: Option<JsonPath>,
}

/// Where an exposed input is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputIn {
    /// A REST path variable.
    Path,
    /// A REST query parameter.
    Query,
    /// A REST request header.
    Header,
    /// The REST request body (JSON).
    Body,
    /// A field of the REST request's JSON body object (declared `in: body` beside others).
    BodyField,
    /// An MCP tool argument.
    Argument,
}

/// An exposed REST adapter.
#[derive(Debug, Clone)]
pub struct RestAdapter {
    pub namespace: Name,
    pub port: u16,
    pub address: Option<String>,
    pub description: Option<String>,
    /// What a caller must present (`None`: nothing).
    pub auth: InboundAuth,
    /// Routes grouped by path, in spec order.
    pub routes: Vec<Route>,
    /// Resources that forward every request to a consumed API.
    pub forwards: Vec<Forward>,
}

/// A REST resource that forwards requests to a consumed API (`forward`).
#[derive(Debug, Clone)]
pub struct Forward {
    /// The handler's name.
    pub name: Name,
    /// axum form of the exposed path (a final variable is a catch-all: `/forward/{*path}`).
    pub path: String,
    /// The exposed path's text before its variable (`/forward/`); `None` when the path has no
    /// variable (the request path is forwarded as it is).
    pub prefix: Option<String>,
    /// Index into `Capability::consumes`.
    pub consumes: ConsumesId,
    /// Request headers passed on (others are dropped), besides `Content-Type`.
    pub trusted_headers: Vec<String>,
}

/// One exposed path with its operations.
#[derive(Debug, Clone)]
pub struct Route {
    /// axum form: `/v1/users/{userid}/tokens`.
    pub path: String,
    pub description: Option<String>,
    pub operations: Vec<RestOp>,
}

/// One exposed REST operation: one handler.
#[derive(Debug, Clone)]
pub struct RestOp {
    /// The handler's name.
    pub name: Name,
    pub method: Method,
    pub description: Option<String>,
    /// Inputs; path inputs first, in path order.
    pub inputs: Vec<Input>,
    pub runs: Runs,
}

/// What an exposed operation or tool runs.
#[derive(Debug, Clone)]
pub enum Runs {
    /// One call of a consumed operation; its answer passed through or shaped.
    Call { call: Call, output: Output },
    /// Orchestration: steps, their results shaped into the output.
    Steps { steps: Vec<Step>, output: Output },
    /// Mock mode: nothing is called; an object of named outputs made from fixed values and
    /// `{{input}}` templates.
    Mock { fields: Vec<(Name, MockValue)> },
}

impl Runs {
    /// The call, for an operation that makes one.
    pub fn call(&self) -> Option<&Call> {
        match self {
            Runs::Call { call, .. } => Some(call),
            Runs::Steps { .. } | Runs::Mock { .. } => None,
        }
    }

    /// The steps of an orchestration (none otherwise).
    pub fn steps(&self) -> &[Step] {
        match self {
            Runs::Steps { steps, .. } => steps,
            Runs::Call { .. } | Runs::Mock { .. } => &[],
        }
    }

    /// The output made of a call's answer or of the steps' results (none for a mock).
    pub fn output(&self) -> Option<&Output> {
        match self {
            Runs::Call { output, .. } | Runs::Steps { output, .. } => Some(output),
            Runs::Mock { .. } => None,
        }
    }

    /// Does it read input `input`: to pass it on, or in an output template?
    pub fn uses(&self, input: InputId) -> bool {
        let in_output =
            matches!(self.output(), Some(Output::Shaped { root, .. }) if root.uses(input));
        in_output
            || match self {
                Runs::Call { call, .. } => call.uses(input),
                Runs::Steps { steps, .. } => steps_use(steps, input),
                Runs::Mock { fields } => fields.iter().any(|(_, v)| {
                    matches!(v, MockValue::Template(parts) if parts.contains(&Part::Slot(input)))
                }),
            }
    }
}

impl Shape {
    /// Does a `value` template of it read input `input`?
    pub fn uses(&self, input: InputId) -> bool {
        match self {
            Shape::Template(parts) => parts.contains(&Part::Slot(input)),
            Shape::Object { fields } => fields.iter().any(|(_, s)| s.uses(input)),
            Shape::Array { items, .. } => items.uses(input),
            Shape::FirstOf(all) => all.iter().any(|s| s.uses(input)),
            Shape::Value { .. } | Shape::Const(_) => false,
        }
    }
}

/// Does a call step read input `input`?
fn steps_use(steps: &[Step], input: InputId) -> bool {
    steps.iter().any(|s| match s {
        Step::Call { call, .. } => call.uses(input),
        Step::Lookup { .. } => false,
    })
}

/// An exposed MCP adapter.
#[derive(Debug, Clone)]
pub struct McpAdapter {
    pub namespace: Name,
    pub port: u16,
    pub address: Option<String>,
    /// Sent as the server's `instructions`.
    pub description: Option<String>,
    /// What a caller must present (`None`: nothing).
    pub auth: InboundAuth,
    pub tools: Vec<Tool>,
    /// Served over standard input and output instead of a port (`transport: stdio`).
    pub stdio: bool,
    /// Resources, each read like a tool whose arguments are its URI template's variables.
    pub resources: Vec<McpResource>,
    /// Resources served from files read at generation (`location`).
    pub files: Vec<FileResource>,
    pub prompts: Vec<McpPrompt>,
}

/// An MCP resource whose content is a file read at generation.
#[derive(Debug, Clone)]
pub struct FileResource {
    /// Its URI: the spec's `uri`, followed for a folder by the file's path in it.
    pub uri: String,
    /// Its name: the spec's `name`, followed for a folder by the file's path in it.
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub mime_type: String,
    pub content: FileContent,
}

/// What a file holds: text, or bytes (served base64-encoded as an MCP blob).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    Text(String),
    Bytes(Vec<u8>),
}

impl FileContent {
    /// Text when the bytes are UTF-8 and `mime_type` is not a binary type, bytes otherwise.
    pub fn new(bytes: &[u8], mime_type: &str) -> Self {
        let binary = ["image/", "audio/", "video/", "font/"]
            .iter()
            .any(|p| mime_type.starts_with(p))
            || matches!(
                mime_type,
                "application/octet-stream" | "application/pdf" | "application/zip"
            );
        match std::str::from_utf8(bytes) {
            Ok(text) if !binary || mime_type == "image/svg+xml" => Self::Text(text.to_owned()),
            _ => Self::Bytes(bytes.to_vec()),
        }
    }
}

/// The media type of a file, by its extension; text for UTF-8 content without a known one.
pub fn media_type(name: &str, bytes: &[u8]) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "md" | "markdown" => "text/markdown",
        "txt" | "text" => "text/plain",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "csv" => "text/csv",
        "json" => "application/json",
        "yaml" | "yml" => "application/yaml",
        "xml" => "application/xml",
        "js" => "text/javascript",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ if std::str::from_utf8(bytes).is_ok() => "text/plain",
        _ => "application/octet-stream",
    }
}

/// An MCP resource: a URI (or URI template) whose contents come from a call or steps.
#[derive(Debug, Clone)]
pub struct McpResource {
    /// How it is read: a tool (never listed as one) named after the resource, whose inputs are
    /// the URI template's variables.
    pub read: Tool,
    /// The URI as the spec writes it (`data://users/{userId}/profile`).
    pub uri: String,
    /// For a URI template: the literal text around its variables (one more than the variables).
    pub template: Option<Vec<String>>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub mime_type: Option<String>,
}

/// An MCP prompt: messages made from templates of its arguments.
#[derive(Debug, Clone)]
pub struct McpPrompt {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub arguments: Vec<PromptArgument>,
    /// Each message: `user` or `assistant`, and its text made of the arguments.
    pub messages: Vec<(PromptRole, Template<ArgumentId>)>,
}

#[derive(Debug, Clone)]
pub struct PromptArgument {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptRole {
    User,
    Assistant,
}

/// One MCP tool.
#[derive(Debug, Clone)]
pub struct Tool {
    /// `name` is the tool name on the wire; `rust` names its handler.
    pub name: Name,
    pub title: Option<String>,
    pub description: Option<String>,
    pub hints: Hints,
    pub inputs: Vec<Input>,
    pub runs: Runs,
}

/// Tool annotations, always written out in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
}
