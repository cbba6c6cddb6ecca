//! What a capability exposes: REST adapters and their operations, MCP adapters and their tools,
//! resources and prompts, skill catalogs and the control adapter; calls, steps and inputs.

use super::*;
use crate::resolve::names::Name;

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
    /// Whether `/metrics` is served (`observability.enabled: false` turns it off, beside every
    /// adapter).
    pub metrics: bool,
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
    /// Its folder when `location` is absolute: served from the machine the server runs on.
    pub run_time_dir: Option<RunTimeDir>,
}

/// A skill folder read at run time: where the spec puts it, and the environment variable that
/// moves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTimeDir {
    pub path: String,
    pub env: String,
}

/// A file of a skill's folder, read at generation.
#[derive(Debug, Clone)]
pub struct SkillFile {
    /// Its path in the folder (`SKILL.md`, `tools/lookup.md`).
    pub path: String,
    pub mime_type: String,
    pub content: FileContent,
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
    /// Call `f` with every input an argument reads.
    pub fn each_input(&self, f: &mut dyn FnMut(InputId)) {
        for a in &self.args {
            match &a.source {
                ArgSource::Input(i) => f(*i),
                ArgSource::Template(parts) => each_slot(parts, f),
                ArgSource::Literal(_) | ArgSource::Step { .. } => {}
            }
        }
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

impl Input {
    /// The input an adapter gains, named `name` and read from `location`, for parameter `p` of
    /// what it calls where the spec declares none: typed, required and described as `p` is.
    pub fn for_param(name: &str, p: &Param, location: InputIn) -> Self {
        Input {
            name: Name::snake(name),
            location,
            ty: p.ty,
            required: p.required,
            description: p.description.clone(),
            pattern: None,
            body_path: None,
        }
    }
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

impl InputIn {
    /// What a message calls an input read from here.
    pub fn describe(self) -> &'static str {
        match self {
            InputIn::Path => "path",
            InputIn::Query => "query",
            InputIn::Header => "header",
            InputIn::Body => "body",
            InputIn::BodyField => "body field",
            InputIn::Argument => "argument",
        }
    }
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
    /// Where operations of several routes share one router path and method (`/{id}:cancel`
    /// and `/{id}:approve`): one handler each, which tells them apart.
    pub dispatchers: Vec<Dispatcher>,
    /// Where the server's own endpoints of this adapter are (`/healthz`, `/readyz`,
    /// `/metrics`, `/openapi.json`): `""` at the root, or [`OPS_PREFIX`] when the spec's API takes
    /// one of their paths.
    pub ops_prefix: &'static str,
}

/// Where an adapter's own endpoints move when the spec's API takes one of their paths.
pub const OPS_PREFIX: &str = "/_naftiko";

/// Operations the router reaches by one path and method, told apart by the text after a
/// variable in its segment: the first whose texts the request's path ends with is served.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    /// The handler's name.
    pub name: Name,
    pub method: Method,
    /// The router path they share.
    pub router: String,
    /// `(route, operation)` indexes, the most specific (the most text to match) first.
    pub candidates: Vec<(usize, usize)>,
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
    /// The spec's path, variables in braces: `/v1/users/{userid}/tokens`.
    pub path: String,
    /// The path the router matches: each variable a whole segment (the text after it in its
    /// segment taken off, see `suffixes`), named as the first route at its place names it.
    pub router: String,
    /// For each path variable in order, the text after it in its segment (`:cancel` of
    /// `/{id}:cancel`; empty for most): the handler takes it off, or answers 404.
    pub suffixes: Vec<String>,
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
    /// The resource's `tags` and then the operation's, each once (OpenAPI tags).
    pub tags: Vec<String>,
    /// Inputs; path inputs first, in path order.
    pub inputs: Vec<Input>,
    pub runs: Runs,
    /// The answers by status the spec documents (`responses`, `responseBinary`), for OpenAPI.
    pub responses: Vec<ResponseDoc>,
}

/// One status of a REST operation's response contract.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseDoc {
    /// `200`, or a range (`2XX`).
    pub status: String,
    pub description: Option<String>,
    /// Each media type and what it carries.
    pub content: Vec<(String, ResponseBody)>,
}

/// What a documented answer carries.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    /// Bytes (`binary: true`).
    Binary,
    /// JSON of this schema, as the spec writes it.
    Schema(serde_json::Value),
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

    /// Which of `count` inputs it reads: to pass them on, or in an output template (one pass
    /// for all of them).
    pub fn used_inputs(&self, count: usize) -> Vec<bool> {
        let mut used = vec![false; count];
        self.each_input(&mut |i| {
            if let Some(u) = used.get_mut(i.index()) {
                *u = true;
            }
        });
        used
    }

    /// Call `f` with every input it reads: to pass it on, or in an output template.
    fn each_input(&self, f: &mut dyn FnMut(InputId)) {
        if let Some(Output::Shaped { root, .. }) = self.output() {
            root.each_input(f);
        }
        match self {
            Runs::Call { call, .. } => call.each_input(f),
            Runs::Steps { steps, .. } => {
                for step in steps {
                    if let Step::Call { call, .. } = step {
                        call.each_input(f);
                    }
                }
            }
            Runs::Mock { fields } => {
                for (_, value) in fields {
                    if let MockValue::Template(parts) = value {
                        each_slot(parts, f);
                    }
                }
            }
        }
    }
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
    /// The tool's `tags` (and its function's), each once: published in its `_meta`.
    pub tags: Vec<String>,
}

/// Tool annotations, always written out in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
}
