//! Exposed MCP adapters: tools, resources (calls, URI templates, files) and prompts.

use std::collections::{HashMap, HashSet};

use super::Resolver;
use super::ir::*;
use super::names::{self, Name};
use super::outputs::Scope;
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::Asset;
use crate::parse::model;

impl Resolver<'_> {
    pub(super) fn mcp(
        &mut self,
        path: &YamlPath,
        m: &model::ExposesMcp,
        consumes: &[Consumes],
    ) -> Option<McpAdapter> {
        if !self.check_namespace(&path.key("namespace"), &m.namespace) {
            return None;
        }
        let stdio = match m.transport.as_deref() {
            None | Some("http") => false,
            Some("stdio") => true,
            Some(t) => {
                self.unsupported(&path.key("transport"), &format!("MCP `transport: {t}`"));
                false
            }
        };
        let auth = match &m.authentication {
            // The client starts the process: there is no request to check credentials on.
            Some(_) if stdio => {
                self.error_help(
                    &path.key("authentication"),
                    "`authentication` cannot be checked on a `transport: stdio` adapter",
                    "remove it (the client that starts the server is trusted), or use `transport: http`",
                );
                InboundAuth::None
            }
            auth => self.inbound_auth(path, auth.as_deref()),
        };
        let prompts = self.prompts(path, &m.prompts);
        let max_binary = self.adapter_binary_size(path, m.max_binary_size.as_ref());
        let mut tools: Vec<Tool> = Vec::new();
        // The tools' names so far, and their Rust names with the names they were made from.
        let mut tool_names: HashSet<String> = HashSet::new();
        let mut rust_names: HashMap<String, String> = HashMap::new();
        for (ti, t) in m.tools.iter().enumerate() {
            let tpath = path.key("tools").index(ti);
            // A `ref` tool is its function's, resolved where the function is written.
            let merged;
            let (t, cpath) = if t.reference.is_some() {
                if t.call.is_some() || t.steps.is_some() {
                    self.error(
                        &tpath.key("ref"),
                        "a tool with `ref` takes its `call` or `steps` from the function; remove them",
                    );
                    continue;
                }
                let Some((fpath, tool)) = self.referenced_tool(&tpath, t) else {
                    continue;
                };
                merged = tool;
                (&merged, fpath)
            } else {
                (t, tpath.clone())
            };
            if t.name.is_empty() {
                self.error(&tpath, "a tool needs a `name`");
                continue;
            }
            if tool_names.contains(t.name.as_str()) {
                self.error(
                    &tpath.key("name"),
                    format!("tool `{}` is declared twice", t.name),
                );
                continue;
            }
            let mut snake = Name::snake(&t.name).avoiding(names::MCP_SERVER_METHODS);
            if let Some(short) = shortened_tool_name(&t.name) {
                self.warn(
                    &tpath.key("name"),
                    format!(
                        "tool name `{}` is {} characters; MCP clients cut or refuse names over {MAX_TOOL_NAME}: published as `{short}`",
                        t.name,
                        t.name.chars().count()
                    ),
                    format!("name the tool in at most {MAX_TOOL_NAME} characters"),
                );
                if tool_names.contains(&short) {
                    self.error(
                        &tpath.key("name"),
                        format!(
                            "tool `{}`, shortened to `{short}`, is declared twice",
                            t.name
                        ),
                    );
                    continue;
                }
                tool_names.insert(short.clone());
                snake.wire = short;
            }
            if let Some(clash) = rust_names.get(&snake.rust) {
                let msg = format!(
                    "tool `{}` clashes with `{clash}` (both become `{}`)",
                    t.name, snake.rust
                );
                self.error(&tpath.key("name"), msg);
                continue;
            }
            let tpath = cpath;
            let ns = m.namespace.as_str();
            tool_names.insert(t.name.clone());
            rust_names.insert(snake.rust.clone(), t.name.clone());
            if let Some(mut tool) = self.mcp_tool(&tpath, ns, t, consumes) {
                tool.name = snake;
                tool.tags = super::rest::tags(&[&t.tags]);
                if let Runs::Call { output, .. } = &mut tool.runs {
                    self.served(output, max_binary, t.output_media_type.as_deref());
                }
                tools.push(tool);
            }
        }
        let resources = self.resources(path, m, consumes, max_binary);
        let files = self.file_resources(path, m, &resources);
        Some(McpAdapter {
            namespace: Name::snake(&m.namespace),
            port: m.port.unwrap_or(9090),
            address: m.address.clone(),
            description: m.description.clone(),
            auth,
            tools,
            stdio,
            resources,
            files,
            prompts,
        })
    }

    /// MCP resources served from the files a `location` names (read at generation): one file is
    /// served at the resource's `uri`; each file of a folder at `<uri>/<path in the folder>`.
    pub(super) fn file_resources(
        &mut self,
        path: &YamlPath,
        m: &model::ExposesMcp,
        dynamic: &[McpResource],
    ) -> Vec<FileResource> {
        let mut out: Vec<FileResource> = Vec::new();
        for (i, r) in m.resources.iter().enumerate() {
            let rpath = path.key("resources").index(i);
            let lpath = rpath.key("location");
            let (Some(name), Some(uri), Some(_)) = (r.name.clone(), r.uri.clone(), &r.location)
            else {
                continue;
            };
            if r.call.is_some() || r.steps.is_some() {
                self.error(
                    &lpath,
                    "a resource is read from a `location` or through `call`/`steps`, not both",
                );
                continue;
            }
            if uri.contains('{') {
                self.error_help(
                    &rpath.key("uri"),
                    "a resource served from a `location` has a fixed `uri`, not a URI template",
                    "the files of a folder are served at `<uri>/<path in the folder>`",
                );
                continue;
            }
            let (single, files) = match self.doc.assets.get(lpath.as_str()) {
                Some(Asset::File(f)) => (true, vec![f.clone()]),
                Some(Asset::Folder(_, files)) => (false, files.clone()),
                None => {
                    self.error(&lpath, "the files this `location` names were not read");
                    continue;
                }
            };
            for f in files {
                let (uri, name) = if single {
                    (uri.clone(), name.clone())
                } else {
                    (
                        format!("{}/{}", uri.trim_end_matches('/'), f.name),
                        format!("{name}/{}", f.name),
                    )
                };
                let taken =
                    out.iter().any(|x| x.uri == uri) || dynamic.iter().any(|x| x.uri == uri);
                if taken {
                    self.error(&lpath, format!("two resources have the URI `{uri}`"));
                    continue;
                }
                let mime_type = r
                    .mime_type
                    .clone()
                    .unwrap_or_else(|| media_type(&f.name, &f.bytes).to_owned());
                out.push(FileResource {
                    content: FileContent::new(&f.bytes, &mime_type),
                    uri,
                    name,
                    title: r.label.clone(),
                    description: r.description.clone(),
                    mime_type,
                });
            }
        }
        out
    }

    /// One MCP tool (its name already checked): a mock, an orchestration or a call.
    pub(super) fn mcp_tool(
        &mut self,
        tpath: &YamlPath,
        ns: &str,
        t: &model::McpTool,
        consumes: &[Consumes],
    ) -> Option<Tool> {
        let tpath = tpath.to_owned();
        if t.call.is_none() && t.steps.is_none() && t.reference.is_none() {
            // Mock mode: outputs of fixed values and input templates, nothing called.
            return self.mock_tool(&tpath, t);
        }
        if let (Some(steps), None, None) = (&t.steps, &t.reference, &t.call) {
            let mut inputs = Vec::new();
            self.exposed_inputs(&tpath, &t.input_parameters, &mut inputs, true);
            let (steps, output) = self.orchestration(
                &tpath,
                steps,
                &t.mappings,
                &t.output_parameters,
                consumes,
                &["tools", ns],
                &mut inputs,
            )?;
            let hints = t.hints.clone().unwrap_or_default();
            return Some(Tool {
                name: Name::snake(&t.name),
                title: t.label.clone(),
                description: t.description.clone(),
                hints: Hints {
                    read_only: hints.read_only.unwrap_or(false),
                    destructive: hints.destructive.unwrap_or(true),
                    idempotent: hints.idempotent.unwrap_or(false),
                    open_world: hints.open_world.unwrap_or(true),
                },
                inputs,
                runs: Runs::Steps { steps, output },
                tags: Vec::new(),
            });
        }
        let target = (
            t.steps.is_some(),
            t.reference.is_some(),
            t.call.as_deref(),
            None,
        );
        let (ci, coi) = self.simple_call(&tpath, target, consumes)?;
        let consumed = &consumes[ci].operations[coi];
        let mut inputs = Vec::new();
        self.exposed_inputs(&tpath, &t.input_parameters, &mut inputs, true);
        let declared = !t.input_parameters.is_empty();
        // A tool that declares no inputs takes the called operation's parameters as arguments.
        let synthesize = |name: &str, p: &Param, forced: bool| {
            (!declared || forced).then(|| Input::for_param(name, p, InputIn::Argument))
        };
        let args = self.args(
            &tpath,
            (&t.with, Vec::new()),
            consumed,
            &["tools", ns],
            &mut inputs,
            &synthesize,
        );
        let scope = Scope {
            inputs: &inputs,
            prefixes: &["tools", ns],
        };
        let output = self.exposed_output(&tpath, &t.output_parameters, consumed, &scope);
        let hints = t.hints.clone().unwrap_or_default();
        Some(Tool {
            name: Name::snake(&t.name),
            title: t.label.clone(),
            description: t
                .description
                .clone()
                .or_else(|| consumed.description.clone()),
            hints: Hints {
                read_only: hints.read_only.unwrap_or(false),
                destructive: hints.destructive.unwrap_or(true),
                idempotent: hints.idempotent.unwrap_or(false),
                open_world: hints.open_world.unwrap_or(true),
            },
            inputs,
            runs: Runs::Call {
                call: Call {
                    consumes: ci,
                    operation: coi,
                    args,
                },
                output,
            },
            tags: Vec::new(),
        })
    }

    /// MCP resources: each is read like a tool whose inputs are its URI template's variables.
    pub(super) fn resources(
        &mut self,
        path: &YamlPath,
        m: &model::ExposesMcp,
        consumes: &[Consumes],
        max_binary: Option<u64>,
    ) -> Vec<McpResource> {
        let mut resources: Vec<McpResource> = Vec::new();
        for (i, r) in m.resources.iter().enumerate() {
            let rpath = path.key("resources").index(i);
            let (Some(name), Some(uri)) = (r.name.clone(), r.uri.clone()) else {
                self.error(&rpath, "a resource needs a `name` and a `uri`");
                continue;
            };
            if r.location.is_some() {
                continue; // served from its files: see `file_resources`
            }
            if resources.iter().any(|x| x.read.name.wire == name) {
                self.error(
                    &rpath.key("name"),
                    format!("resource `{name}` is declared twice"),
                );
                continue;
            }
            // `{var}` parts of the URI: the literal text around them, and the variables.
            let mut literals = vec![String::new()];
            let mut vars = Vec::new();
            for part in split_path(&uri) {
                match part {
                    Ok(t) => literals.last_mut().expect("one").push_str(&t),
                    Err(v) => {
                        vars.push(v);
                        literals.push(String::new());
                    }
                }
            }
            let as_tool = model::McpTool {
                name: name.clone(),
                label: None,
                description: r.description.clone(),
                hints: None,
                input_parameters: vars
                    .iter()
                    .map(|v| model::ExposedInput {
                        name: v.clone(),
                        location: None,
                        kind: Some("string".to_owned()),
                        required: Some(true),
                        description: Some(format!("`{{{v}}}` of the resource URI")),
                        pattern: None,
                        value: None,
                    })
                    .collect(),
                call: r.call.clone(),
                with: r.with.clone(),
                output_parameters: r.output_parameters.clone(),
                steps: r.steps.clone(),
                mappings: r.mappings.clone(),
                reference: None,
                output_media_type: None,
                tags: serde_json::Value::Null,
            };
            let Some(mut read) = self.mcp_tool(&rpath, &m.namespace, &as_tool, consumes) else {
                continue;
            };
            // Its handler is a method of the server beside the tools': keep the names apart.
            read.name.rust = format!("resource_{}", read.name.rust);
            let binary_answer = read.runs.output().and_then(Output::binary).is_some();
            if r.binary == Some(true) && !binary_answer {
                self.error_help(
                    &rpath.key("binary"),
                    "`binary: true` needs a binary answer",
                    "the operation it calls declares `outputRawFormat: binary`",
                );
            }
            if let Runs::Call { output, .. } = &mut read.runs {
                self.served(output, max_binary, r.mime_type.as_deref());
            }
            resources.push(McpResource {
                read,
                uri,
                template: (!vars.is_empty()).then_some(literals),
                title: r.label.clone(),
                description: r.description.clone(),
                mime_type: r.mime_type.clone(),
            });
        }
        resources
    }

    /// A prompt message's text: literal text and `{{argument}}`s, each an argument of `prompt`.
    pub(super) fn prompt_text(
        &mut self,
        path: &YamlPath,
        content: &str,
        arguments: &[PromptArgument],
        prompt: &str,
    ) -> Option<Template<ArgumentId>> {
        let mut parts = Vec::new();
        let mut failed = false;
        for part in mustache(content) {
            match part {
                Ok(literal) => parts.push(Part::Text(literal)),
                Err(arg) => match find_id(arguments, |a| a.name == arg) {
                    Some(ai) => parts.push(Part::Slot(ai)),
                    None => {
                        self.error_help(
                            path,
                            format!("`{{{{{arg}}}}}` names no argument of prompt `{prompt}`"),
                            "declare it under `arguments`",
                        );
                        failed = true;
                    }
                },
            }
        }
        (!failed).then_some(parts)
    }

    /// The file read for the `location` at `path`, as UTF-8 text.
    pub(super) fn asset_text(&mut self, path: &YamlPath) -> Option<String> {
        match self.doc.assets.get(path.as_str()) {
            Some(Asset::File(f)) => match String::from_utf8(f.bytes.clone()) {
                Ok(text) => Some(text),
                Err(_) => {
                    self.error(path, format!("{} is not UTF-8 text", f.path.display()));
                    None
                }
            },
            Some(Asset::Folder(dir, _)) => {
                self.error(
                    path,
                    format!(
                        "{} is a folder; this `location` names one file",
                        dir.display()
                    ),
                );
                None
            }
            None => {
                self.error(path, "the file this `location` names was not read");
                None
            }
        }
    }

    /// MCP prompts: messages of `{{argument}}` templates, inline or from a `location` file.
    pub(super) fn prompts(
        &mut self,
        path: &YamlPath,
        prompts: &[model::McpPrompt],
    ) -> Vec<McpPrompt> {
        let mut out: Vec<McpPrompt> = Vec::new();
        for (i, p) in prompts.iter().enumerate() {
            let ppath = path.key("prompts").index(i);
            let Some(name) = p.name.clone() else {
                self.error(&ppath, "a prompt needs a `name`");
                continue;
            };
            let arguments: Vec<PromptArgument> = p
                .arguments
                .iter()
                .filter_map(|a| {
                    Some(PromptArgument {
                        name: a.name.clone()?,
                        title: a.label.clone(),
                        description: a.description.clone(),
                        required: a.required.unwrap_or(false),
                    })
                })
                .collect();
            let mut messages = Vec::new();
            let mut failed = false;
            for (mi, msg) in p.template.iter().flatten().enumerate() {
                let mpath = ppath.key("template").index(mi);
                let role = match msg.role.as_deref() {
                    Some("user") => PromptRole::User,
                    Some("assistant") => PromptRole::Assistant,
                    other => {
                        self.error(
                            &mpath.key("role"),
                            format!(
                                "prompt role `{}` is neither `user` nor `assistant`",
                                other.unwrap_or("")
                            ),
                        );
                        failed = true;
                        continue;
                    }
                };
                let content = msg.content.clone().unwrap_or_default();
                match self.prompt_text(&mpath.key("content"), &content, &arguments, &name) {
                    Some(parts) => messages.push((role, parts)),
                    None => failed = true,
                }
            }
            // A file-based prompt: its content is one `user` message.
            if p.location.is_some() && p.template.is_some() {
                self.error(
                    &ppath.key("location"),
                    "a prompt has a `template` or a `location`, not both",
                );
                failed = true;
            } else if p.location.is_some() {
                let lpath = ppath.key("location");
                match self.asset_text(&lpath) {
                    Some(content) => match self.prompt_text(&lpath, &content, &arguments, &name) {
                        Some(parts) => messages.push((PromptRole::User, parts)),
                        None => failed = true,
                    },
                    None => failed = true,
                }
            }
            if messages.is_empty() && !failed {
                self.error(
                    &ppath,
                    "a prompt needs a `template` of messages or a `location` file",
                );
                continue;
            }
            if !failed {
                out.push(McpPrompt {
                    name,
                    title: p.label.clone(),
                    description: p.description.clone(),
                    arguments,
                    messages,
                });
            }
        }
        out
    }
}

/// The longest tool name MCP clients take whole (Claude's and OpenAI's pattern,
/// `^[a-zA-Z0-9_-]{1,64}$`).
const MAX_TOOL_NAME: usize = 64;

/// A tool name over [`MAX_TOOL_NAME`] characters, shortened the same way on every run: its first
/// 55 characters, `-`, and 8 hex digits of a hash of the whole name (FNV-1a), so two long names
/// with the same beginning stay apart. `None` for a name that fits.
fn shortened_tool_name(name: &str) -> Option<String> {
    if name.chars().count() <= MAX_TOOL_NAME {
        return None;
    }
    let hash = name.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    let kept: String = name.chars().take(MAX_TOOL_NAME - 9).collect();
    Some(format!(
        "{}-{hash:08x}",
        kept.trim_end_matches(['-', '_', '.'])
    ))
}
