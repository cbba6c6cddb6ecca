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
    pub namespace: String,
    pub location: Option<String>,
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
    pub steps: Option<Value>,
    #[serde(default)]
    pub mappings: Vec<Value>,
    #[serde(default)]
    pub output_parameters: Vec<OutputParameter>,
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
    pub authentication: Option<Value>,
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
    pub body: Option<Value>,
    pub output_raw_format: Option<String>,
    pub output_schema: Option<Value>,
    #[serde(default)]
    pub output_parameters: Vec<OutputParameter>,
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

/// An exposed adapter, by its `type`.
#[derive(Debug, Clone)]
pub enum Exposes {
    Rest(ExposesRest),
    Mcp(ExposesMcp),
    Skill(ExposesSkill),
    Control(ExposesControl),
    /// `skill`, `control`, or anything else: kept for the resolver to refuse by name.
    Other(String),
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
    pub authentication: Option<Value>,
    #[serde(default)]
    pub resources: Vec<ExposedResource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposedResource {
    pub path: String,
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub input_parameters: Vec<ExposedInput>,
    #[serde(default)]
    pub operations: Vec<ExposedOperation>,
    pub forward: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposedOperation {
    pub name: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub method: Option<String>,
    #[serde(default)]
    pub input_parameters: Vec<ExposedInput>,
    pub call: Option<String>,
    #[serde(default)]
    pub with: Map<String, Value>,
    #[serde(default)]
    pub output_parameters: Vec<OutputParameter>,
    pub steps: Option<Value>,
    /// Orchestration: `{targetName, value}` from the steps' results to the outputs.
    #[serde(default)]
    pub mappings: Vec<Value>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
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
    pub authentication: Option<Value>,
    pub management: Option<Value>,
    pub observability: Option<Value>,
}

/// `type: skill`: a catalog of skills over tools of sibling adapters.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposesSkill {
    pub namespace: String,
    pub port: Option<u16>,
    pub address: Option<String>,
    pub description: Option<String>,
    pub authentication: Option<Value>,
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
    pub authentication: Option<Value>,
    #[serde(default)]
    pub tools: Vec<McpTool>,
    #[serde(default)]
    pub resources: Vec<Value>,
    #[serde(default)]
    pub prompts: Vec<Value>,
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
    pub steps: Option<Value>,
    /// Orchestration: `{targetName, value}` from the steps' results to the outputs.
    #[serde(default)]
    pub mappings: Vec<Value>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
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
