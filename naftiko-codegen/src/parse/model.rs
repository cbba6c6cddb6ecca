//! The serde model of a Naftiko capability file (`naftiko: 1.0.0-alpha2`, official and
//! API-Evangelist dialects). Fields unknown to the model are ignored here; the resolver decides
//! what each known field means.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The root of a capability file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    /// The spec version, e.g. `1.0.0-alpha2`.
    pub naftiko: String,
    #[serde(default)]
    pub info: Info,
    #[serde(default)]
    pub binds: Vec<Bind>,
    pub capability: Option<Capability>,
    /// A shared file's root `consumes` (imported by capability files).
    #[serde(default)]
    pub consumes: Vec<Consumes>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    pub label: Option<String>,
    /// Seen in the wild instead of `label`.
    pub title: Option<String>,
    pub description: Option<String>,
}

/// `binds[]`: where bound variables come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bind {
    /// Empty for an imported bind (`from` + `import`), which takes the imported one's.
    #[serde(default)]
    pub namespace: String,
    pub location: Option<String>,
    /// Ikanos `ImportEntry`: the file of `binds` that declares the bind `import` names, and
    /// its local name (`as`).
    pub from: Option<String>,
    pub import: Option<String>,
    #[serde(rename = "as")]
    pub alias: Option<String>,
    /// VARIABLE → provider key (for environment binds: the environment variable).
    #[serde(default)]
    pub keys: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Capability {
    #[serde(default)]
    pub consumes: Vec<Consumes>,
    /// Kept as JSON: each entry is read by its `type` (see [`Exposes`]).
    #[serde(default)]
    pub exposes: Vec<Value>,
    #[serde(default)]
    pub aggregates: Vec<Aggregate>,
}

/// `aggregates[]`: reusable functions that tools and operations name by `ref`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Aggregate {
    pub label: Option<String>,
    pub namespace: String,
    #[serde(default)]
    pub functions: Vec<AggregateFunction>,
}

/// A function of an aggregate: a call, steps, or mock outputs, with its inputs and semantics.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AggregateFunction {
    pub name: String,
    pub description: Option<String>,
    pub semantics: Option<Semantics>,
    #[serde(default)]
    pub input_parameters: Vec<ExposedInput>,
    pub call: Option<String>,
    #[serde(default)]
    pub with: Map<String, Value>,
    pub steps: Option<Vec<Step>>,
    #[serde(default)]
    pub mappings: Vec<Mapping>,
    #[serde(default)]
    pub output_parameters: Vec<OutputParameter>,
    /// The media type the function advertises (Ikanos `outputMediaType`).
    pub output_media_type: Option<String>,
    /// Strings for grouping (Ikanos); anything else is ignored.
    #[serde(default)]
    pub tags: Value,
}

/// What a function does to the world; MCP hints are derived from it (explicit `hints` win).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Semantics {
    pub safe: Option<bool>,
    pub idempotent: Option<bool>,
    pub cacheable: Option<bool>,
}

/// `consumes[]`: an upstream HTTP API.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consumes {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub base_uri: Option<String>,
    pub description: Option<String>,
    pub authentication: Option<Box<Authentication>>,
    #[serde(default)]
    pub input_parameters: Vec<ConsumedInput>,
    #[serde(default)]
    pub resources: Vec<ConsumedResource>,
    /// `ImportedConsumesHttp`.
    pub location: Option<String>,
    pub import: Option<String>,
    /// The local name of an imported adapter.
    #[serde(rename = "as")]
    pub alias: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumedResource {
    pub name: Option<String>,
    pub path: String,
    pub description: Option<String>,
    #[serde(default)]
    pub input_parameters: Vec<ConsumedInput>,
    #[serde(default)]
    pub operations: Vec<ConsumedOperation>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumedOperation {
    pub name: String,
    pub label: Option<String>,
    pub description: Option<String>,
    pub method: Option<String>,
    #[serde(default)]
    pub input_parameters: Vec<ConsumedInput>,
    pub body: Option<BodyTemplate>,
    pub output_raw_format: Option<String>,
    pub output_schema: Option<Value>,
    #[serde(default)]
    pub output_parameters: Vec<OutputParameter>,
    /// The media type of the answer, whatever the upstream's `Content-Type` says (Ikanos).
    pub output_media_type: Option<String>,
    /// The largest binary answer read (`512KiB`, `5MiB`; Ikanos).
    pub max_binary_size: Option<Value>,
}

/// A consumed input parameter. `type`, `required` and `description` are the API-Evangelist
/// dialect's additions.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumedInput {
    pub name: String,
    #[serde(rename = "in")]
    pub location: String,
    pub value: Option<Value>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub required: Option<bool>,
    pub description: Option<String>,
}

/// An output parameter, consumed (`value` is a JSONPath) or exposed (`mapping`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputParameter {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub value: Option<Value>,
    pub mapping: Option<String>,
    #[serde(rename = "const")]
    pub constant: Option<Value>,
    pub properties: Option<Value>,
    pub items: Option<Value>,
}

/// `authentication`: what requests to a consumed API carry, or what callers of an exposed
/// adapter must present. The names of both dialects are read (`token` or `value`, `key`, `name`
/// or `header`, `placement` or `in`, `username` or `user`); the resolver takes the official one
/// first.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authentication {
    /// `bearer`, `apikey`, `basic`, `digest`, `oauth2`, …
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub token: Option<String>,
    pub value: Option<String>,
    pub key: Option<String>,
    pub name: Option<String>,
    pub header: Option<String>,
    pub placement: Option<String>,
    #[serde(rename = "in")]
    pub location: Option<String>,
    pub username: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    /// OAuth 2.1 (inbound): the authorization server whose tokens are accepted.
    pub authorization_server_uri: Option<String>,
    /// OAuth 2.1 (inbound): this server's canonical URI.
    pub resource: Option<String>,
    pub audience: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `jwks` (the default) or `introspection`.
    pub token_validation: Option<String>,
    pub token_endpoint: Option<String>,
    /// OAuth 1.0a (upstream): the consumer key, and the RSA private key (`RSA-SHA256`) or the
    /// consumer secret and token secret (`HMAC-SHA1`) requests are signed with.
    pub consumer_key: Option<String>,
    pub signing_key: Option<String>,
    pub consumer_secret: Option<String>,
    pub token_secret: Option<String>,
    /// OAuth 2.0 client credentials (upstream): the token endpoint (`tokenEndpoint`, or
    /// `tokenUrl` as OpenAPI names it), the client, the grant and how the client authenticates.
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub grant_type: Option<String>,
    pub client_authentication: Option<String>,
}

impl Authentication {
    /// The first of the fields `names` (by their spec names) that is set, with its value.
    pub fn field(&self, names: &[&'static str]) -> Option<(&'static str, &str)> {
        names.iter().find_map(|n| Some((*n, self.named(n)?)))
    }

    /// The text fields that are set, by their spec names.
    pub fn texts(&self) -> impl Iterator<Item = (&'static str, &str)> {
        const NAMES: &[&str] = &[
            "type",
            "token",
            "value",
            "key",
            "name",
            "header",
            "placement",
            "in",
            "username",
            "user",
            "password",
            "authorizationServerUri",
            "resource",
            "audience",
            "tokenValidation",
            "tokenEndpoint",
            "consumerKey",
            "signingKey",
            "consumerSecret",
            "tokenSecret",
            "tokenUrl",
            "clientId",
            "clientSecret",
            "grantType",
            "clientAuthentication",
        ];
        NAMES.iter().filter_map(|n| Some((*n, self.named(n)?)))
    }

    fn named(&self, name: &str) -> Option<&str> {
        let field = match name {
            "type" => &self.kind,
            "token" => &self.token,
            "value" => &self.value,
            "key" => &self.key,
            "name" => &self.name,
            "header" => &self.header,
            "placement" => &self.placement,
            "in" => &self.location,
            "username" => &self.username,
            "user" => &self.user,
            "password" => &self.password,
            "authorizationServerUri" => &self.authorization_server_uri,
            "resource" => &self.resource,
            "audience" => &self.audience,
            "tokenValidation" => &self.token_validation,
            "tokenEndpoint" => &self.token_endpoint,
            "consumerKey" => &self.consumer_key,
            "signingKey" => &self.signing_key,
            "consumerSecret" => &self.consumer_secret,
            "tokenSecret" => &self.token_secret,
            "tokenUrl" => &self.token_url,
            "clientId" => &self.client_id,
            "clientSecret" => &self.client_secret,
            "grantType" => &self.grant_type,
            "clientAuthentication" => &self.client_authentication,
            _ => return None,
        };
        field.as_deref()
    }
}

/// An exposed adapter, by its `type`.
#[derive(Debug, Clone)]
pub enum Exposes {
    Rest(ExposesRest),
    Mcp(ExposesMcp),
    Skill(ExposesSkill),
    Control(Box<ExposesControl>),
    /// `skill`, `control`, or anything else: kept for the resolver to refuse by name.
    Other(String),
}

impl Exposes {
    /// What its callers must present, if it says.
    pub fn authentication(&self) -> Option<&Authentication> {
        match self {
            Exposes::Rest(a) => a.authentication.as_deref(),
            Exposes::Mcp(a) => a.authentication.as_deref(),
            Exposes::Skill(a) => a.authentication.as_deref(),
            Exposes::Control(a) => a.authentication.as_deref(),
            Exposes::Other(_) => None,
        }
    }

    /// Its namespace (`control` for the control adapter, none for an unknown type).
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Exposes::Rest(a) => Some(&a.namespace),
            Exposes::Mcp(a) => Some(&a.namespace),
            Exposes::Skill(a) => Some(&a.namespace),
            Exposes::Control(_) => Some("control"),
            Exposes::Other(_) => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposesRest {
    /// `rest` (or `http`, seen in the wild).
    #[serde(rename = "type")]
    pub kind: String,
    pub namespace: String,
    pub port: Option<u16>,
    pub address: Option<String>,
    pub description: Option<String>,
    pub authentication: Option<Box<Authentication>>,
    #[serde(default)]
    pub resources: Vec<ExposedResource>,
    /// The largest binary answer served (Ikanos; an operation's own limit wins).
    pub max_binary_size: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposedResource {
    pub path: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Strings for grouping (Ikanos); anything else is ignored.
    #[serde(default)]
    pub tags: Value,
    #[serde(default)]
    pub input_parameters: Vec<ExposedInput>,
    #[serde(default)]
    pub operations: Vec<ExposedOperation>,
    pub forward: Option<Forward>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposedOperation {
    pub name: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    /// Strings for grouping (Ikanos); anything else is ignored.
    #[serde(default)]
    pub tags: Value,
    pub method: Option<String>,
    #[serde(default)]
    pub input_parameters: Vec<ExposedInput>,
    pub call: Option<String>,
    #[serde(default)]
    pub with: Map<String, Value>,
    #[serde(default)]
    pub output_parameters: Vec<OutputParameter>,
    pub steps: Option<Vec<Step>>,
    /// Orchestration: `{targetName, value}` from the steps' results to the outputs.
    #[serde(default)]
    pub mappings: Vec<Mapping>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// The answers by status, as OpenAPI documents them (Ikanos; `responseBinary` is read into
    /// it): `{"200": {description, content: {<media type>: {binary | schema}}}}`.
    pub responses: Option<Value>,
    /// The media type a referenced function advertises (its `outputMediaType`).
    #[serde(skip)]
    pub output_media_type: Option<String>,
}

/// An exposed input parameter (REST operation/resource or MCP tool).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposedInput {
    pub name: String,
    #[serde(rename = "in")]
    pub location: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub required: Option<bool>,
    pub description: Option<String>,
    pub pattern: Option<String>,
    /// Official form: a JSONPath into the request (`$.user.id`) or a fixed value.
    pub value: Option<Value>,
}

/// `type: control`: health, status and configuration of the running capability.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposesControl {
    pub port: Option<u16>,
    pub address: Option<String>,
    pub authentication: Option<Box<Authentication>>,
    pub management: Option<Management>,
    pub observability: Option<Observability>,
}

/// `type: skill`: a catalog of skills over tools of sibling adapters.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposesSkill {
    pub namespace: String,
    pub port: Option<u16>,
    pub address: Option<String>,
    pub description: Option<String>,
    pub authentication: Option<Box<Authentication>>,
    /// Kept as JSON: each skill's frontmatter is served as written.
    #[serde(default)]
    pub skills: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposesMcp {
    pub namespace: String,
    pub port: Option<u16>,
    pub address: Option<String>,
    pub transport: Option<String>,
    pub description: Option<String>,
    pub authentication: Option<Box<Authentication>>,
    #[serde(default)]
    pub tools: Vec<McpTool>,
    #[serde(default)]
    pub resources: Vec<McpResource>,
    #[serde(default)]
    pub prompts: Vec<McpPrompt>,
    /// The largest binary answer served (Ikanos; an operation's own limit wins).
    pub max_binary_size: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpTool {
    /// Empty when a `ref` tool takes its function's name.
    #[serde(default)]
    pub name: String,
    pub label: Option<String>,
    pub description: Option<String>,
    pub hints: Option<Hints>,
    #[serde(default)]
    pub input_parameters: Vec<ExposedInput>,
    pub call: Option<String>,
    #[serde(default)]
    pub with: Map<String, Value>,
    #[serde(default)]
    pub output_parameters: Vec<OutputParameter>,
    pub steps: Option<Vec<Step>>,
    /// Orchestration: `{targetName, value}` from the steps' results to the outputs.
    #[serde(default)]
    pub mappings: Vec<Mapping>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// The media type a referenced function advertises (its `outputMediaType`).
    #[serde(skip)]
    pub output_media_type: Option<String>,
    /// Strings for grouping (Ikanos); anything else is ignored.
    #[serde(default)]
    pub tags: Value,
}

/// MCP tool hints, written as `readOnly` etc. in the spec.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hints {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

/// A step of an orchestration: `type: call` (a consumed operation, its arguments in `with`) or
/// `type: lookup` (entries of an earlier step's array whose `match` field equals `lookupValue`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub name: Option<String>,
    pub call: Option<String>,
    #[serde(default)]
    pub with: Map<String, Value>,
    /// Lookup: the earlier step holding the table.
    pub index: Option<String>,
    /// Lookup: the key field of the table's entries.
    #[serde(rename = "match")]
    pub matches: Option<String>,
    /// Lookup: the value(s) looked up (a JSONPath into an earlier step).
    pub lookup_value: Option<String>,
    /// Lookup: the fields kept from each match (names). Steps of other types declare outputs.
    #[serde(default)]
    pub output_parameters: Vec<StepOutput>,
}

/// An entry of a step's `outputParameters`: a field name (lookups), or a declared output.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum StepOutput {
    Name(String),
    Declared(Box<OutputParameter>),
}

/// An orchestration mapping: the output `targetName` is read from `value`, a JSONPath into the
/// steps' results.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    pub target_name: Option<String>,
    pub value: Option<String>,
}

/// `forward`: every request to the resource passed on to a consumed API.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Forward {
    pub target_namespace: Option<String>,
    /// Request headers passed on besides `Content-Type`.
    #[serde(default)]
    pub trusted_headers: Vec<String>,
}

/// A control adapter's management endpoints: each on (`true` or settings), off (`false`) or
/// left to its default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Management {
    pub health: Option<Toggle>,
    pub info: Option<Toggle>,
    pub reload: Option<Toggle>,
    pub validate: Option<Toggle>,
    pub logs: Option<Toggle>,
    pub scripting: Option<Toggle>,
}

/// A feature switched on or off, or on with settings (not read by this generator).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Toggle {
    Flag(bool),
    Settings(Value),
}

impl Toggle {
    /// Is the feature on? Settings without `false` mean on.
    pub fn on(toggle: Option<&Toggle>, default: bool) -> bool {
        match toggle {
            None | Some(Toggle::Settings(Value::Null)) => default,
            Some(Toggle::Flag(on)) => *on,
            Some(Toggle::Settings(_)) => true,
        }
    }
}

/// A control adapter's observability: metrics and traces.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observability {
    pub enabled: Option<bool>,
    pub traces: Option<Value>,
    pub exporters: Option<Value>,
}

/// An MCP resource: read through a call or steps (a URI template's variables are its inputs), or
/// served from the file(s) a `location` names.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpResource {
    pub name: Option<String>,
    pub uri: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub mime_type: Option<String>,
    pub location: Option<String>,
    pub call: Option<String>,
    #[serde(default)]
    pub with: Map<String, Value>,
    pub steps: Option<Vec<Step>>,
    #[serde(default)]
    pub mappings: Vec<Mapping>,
    #[serde(default)]
    pub output_parameters: Vec<OutputParameter>,
    /// Read as a blob (Ikanos; its operation answers `outputRawFormat: binary`).
    pub binary: Option<bool>,
}

/// An MCP prompt: messages made from templates of its arguments, or one `user` message read from
/// a `location` file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct McpPrompt {
    pub name: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub arguments: Vec<PromptArgument>,
    pub template: Option<Vec<PromptMessage>>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptArgument {
    pub name: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub required: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptMessage {
    pub role: Option<String>,
    pub content: Option<String>,
}

/// A consumed operation's `body`: a raw template, or a `type` and its `data` (a JSON template,
/// text, form fields, multipart parts: its shape depends on the type).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum BodyTemplate {
    Raw(String),
    Typed {
        #[serde(rename = "type")]
        kind: Option<String>,
        data: Option<Value>,
    },
}
