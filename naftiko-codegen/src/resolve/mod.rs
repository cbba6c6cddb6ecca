//! Stage 2 — **resolve**: the parsed model → one [`ir::Capability`], every reference resolved and
//! every problem reported as a located diagnostic.
//!
//! Features of the spec that this version cannot generate faithfully are refused here, by name,
//! rather than emitted as code that would silently do something else.

pub mod ir;
pub mod names;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::parse::model;
use crate::parse::{Asset, Document};
use ir::*;
use names::Name;

/// The naftiko version this generator reads.
pub const SUPPORTED_VERSION: &str = "1.0.0-alpha2";

/// The result of resolving: the IR and any warnings.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub capability: Capability,
    pub warnings: Vec<Diagnostic>,
    /// The capability file and every file it imports.
    pub files: Vec<PathBuf>,
}

/// Resolve a parsed document. Errors are all collected, not just the first.
pub fn resolve(doc: &Document) -> Result<Resolved, Diagnostics> {
    let mut r = Resolver {
        root: doc,
        doc,
        diags: Vec::new(),
        broken: Vec::new(),
        binds: Vec::new(),
        output_inputs: (Vec::new(), Vec::new()),
    };
    let capability = r.capability();
    // A function used by several `ref`s reports each problem once.
    let mut seen = Vec::new();
    r.diags.retain(|d| {
        let fresh = !seen.contains(d);
        if fresh {
            seen.push(d.clone());
        }
        fresh
    });
    if r.diags.iter().any(Diagnostic::is_error) {
        r.diags.sort_by(|a, b| {
            (a.severity != Severity::Error, &a.file, a.position).cmp(&(
                b.severity != Severity::Error,
                &b.file,
                b.position,
            ))
        });
        return Err(Diagnostics(r.diags));
    }
    Ok(Resolved {
        capability: capability.expect("no errors means a capability"),
        warnings: r.diags,
        files: doc.files().into_iter().map(Path::to_path_buf).collect(),
    })
}

struct Resolver<'a> {
    /// The capability file.
    root: &'a Document,
    /// The file being resolved: the capability file, or a file it imports.
    doc: &'a Document,
    diags: Vec<Diagnostic>,
    /// Namespaces (`ns`) and operations (`ns.op`) that are declared but were refused, so that
    /// calls to them add no second error.
    broken: Vec<String>,
    /// The bound variables, once read (for body templates that use them).
    binds: Vec<BindVar>,
    /// The inputs of the operation or tool whose outputs are being resolved, and the prefixes
    /// their names may carry (`rest.x`, `tools.x`): for `{{input}}` in an output's `value`.
    output_inputs: (Vec<String>, Vec<String>),
}

/// The typed result of each consumed operation: the shape the adapters calling it give its
/// answer, when every one of them shapes it the same way with `properties` or `items` (and no
/// `{{input}}` template, which the client does not have).
fn typed_results(consumes: &mut [Consumes], rest: &[RestAdapter], mcp: &[McpAdapter]) {
    let calls = rest
        .iter()
        .flat_map(|a| &a.routes)
        .flat_map(|r| &r.operations)
        .filter_map(|o| Some((o.call.as_ref()?, &o.output)))
        .chain(
            mcp.iter()
                .flat_map(|a| a.tools.iter().chain(a.resources.iter().map(|r| &r.read)))
                .filter_map(|t| Some((t.call.as_ref()?, &t.output))),
        );
    let mut found: BTreeMap<(usize, usize), Option<Shape>> = BTreeMap::new();
    for (call, output) in calls {
        let shape = match output {
            Output::Shaped { root, .. }
                if matches!(root, Shape::Object { .. } | Shape::Array { .. })
                    && !root.has_templates() =>
            {
                Some(root.clone())
            }
            _ => None,
        };
        let entry = found
            .entry((call.consumes, call.operation))
            .or_insert_with(|| shape.clone());
        if *entry != shape {
            *entry = None;
        }
    }
    for ((ci, oi), shape) in found {
        consumes[ci].operations[oi].typed = shape;
    }
}

/// The placeholder names in a path: `{x}` and `{{x}}` alike.
fn split_path(path: &str) -> Vec<Result<String, String>> {
    let mut parts = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let double = rest[start..].starts_with("{{");
        let open = if double { 2 } else { 1 };
        let close = if double { "}}" } else { "}" };
        let Some(len) = rest[start + open..].find(close) else {
            break;
        };
        if start > 0 {
            parts.push(Ok(rest[..start].to_owned()));
        }
        parts.push(Err(rest[start + open..start + open + len]
            .trim()
            .to_owned()));
        rest = &rest[start + open + len + close.len()..];
    }
    if !rest.is_empty() {
        parts.push(Ok(rest.to_owned()));
    }
    parts
}

/// The first of `names` that `object` has as a string, with its value.
fn field_of<'a>(object: &'a Value, names: &[&'static str]) -> Option<(&'static str, &'a str)> {
    names
        .iter()
        .find_map(|n| object.get(*n).and_then(Value::as_str).map(|v| (*n, v)))
}

/// Is `name` unusable as an HTTP header name?
fn reqwest_header_name_invalid(name: &str) -> bool {
    name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Does any `binds[]` entry declare `name` (`VAR` or `namespace.VAR`)?
fn binds_named(name: &str, binds: &[model::Bind]) -> bool {
    binds.iter().any(|b| {
        b.keys.contains_key(name)
            || name
                .strip_prefix(&format!("{}.", b.namespace))
                .is_some_and(|n| b.keys.contains_key(n))
    })
}

/// Do two names mean the same input? Case and separators do not count: `userId`, `userid`,
/// `user_id` and `user-id` are one name (the dialect writes each in different places).
fn same_name(a: &str, b: &str) -> bool {
    let key = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    a.eq_ignore_ascii_case(b) || key(a) == key(b)
}

fn method(text: Option<&str>) -> Result<Method, String> {
    match text.unwrap_or("GET").to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::Get),
        "POST" => Ok(Method::Post),
        "PUT" => Ok(Method::Put),
        "PATCH" => Ok(Method::Patch),
        "DELETE" => Ok(Method::Delete),
        "HEAD" => Ok(Method::Head),
        other => Err(format!(
            "HTTP method `{other}` is not supported; use GET, POST, PUT, PATCH, DELETE or HEAD"
        )),
    }
}

fn param_type(text: Option<&str>, default: ParamType) -> Result<ParamType, String> {
    Ok(match text {
        None => default,
        Some("string") => ParamType::String,
        Some("integer") => ParamType::Integer,
        Some("number") => ParamType::Number,
        Some("boolean") => ParamType::Boolean,
        Some("object") => ParamType::Object,
        Some("array") => ParamType::Array,
        Some(other) => {
            return Err(format!(
                "unknown parameter type `{other}`; expected string, integer, number, boolean, object or array"
            ));
        }
    })
}

/// Is this output "the whole JSON, unchanged"? (`{type: object|array, mapping|value: $.}` with
/// no properties or items.)
fn is_pass_through(o: &model::OutputParameter) -> bool {
    let root = |s: &str| matches!(s.trim(), "$" | "$.");
    let path_is_root = match (&o.mapping, &o.value) {
        (Some(m), None) => root(m),
        (None, Some(Value::String(v))) => root(v),
        (None, None) => false,
        _ => false,
    };
    path_is_root
        && o.constant.is_none()
        && o.properties.is_none()
        && o.items.is_none()
        && matches!(
            o.kind.as_deref(),
            None | Some("object" | "array" | "string")
        )
}

impl<'a> Resolver<'a> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        let d = self.doc.error(path, message);
        self.diags.push(d);
    }

    fn error_help(&mut self, path: &str, message: impl Into<String>, help: impl Into<String>) {
        let mut d = self.doc.error(path, message);
        d.help = Some(help.into());
        self.diags.push(d);
    }

    fn warn(&mut self, path: &str, message: impl Into<String>, help: impl Into<String>) {
        let mut d = self.doc.at(Severity::Warning, path, message);
        d.help = Some(help.into());
        self.diags.push(d);
    }

    /// Refuse a feature this generator cannot produce faithfully yet.
    fn unsupported(&mut self, path: &str, feature: &str) {
        self.error_help(
            path,
            format!("{feature} is not supported by this version of naftiko-codegen"),
            "remove it, or generate from a spec without it; the generator refuses rather than emit code that ignores it",
        );
    }

    fn capability(&mut self) -> Option<Capability> {
        let spec = &self.root.spec;
        if spec.naftiko != SUPPORTED_VERSION {
            self.error_help(
                "naftiko",
                format!("unsupported spec version `{}`", spec.naftiko),
                format!("this generator reads `naftiko: {SUPPORTED_VERSION}`"),
            );
        }
        let Some(cap) = &spec.capability else {
            self.error("", "missing `capability`: nothing to generate");
            return None;
        };
        let label = spec
            .info
            .label
            .clone()
            .or_else(|| spec.info.title.clone())
            .unwrap_or_else(|| "Naftiko capability".to_owned());
        let mut binds = self.binds();
        self.environment_params(&mut binds);
        self.binds = binds.clone();
        let mut consumes = Vec::new();
        for (i, c) in cap.consumes.iter().enumerate() {
            let path = format!("capability.consumes[{i}]");
            let resolved = if c.location.is_some() || c.import.is_some() {
                self.imported(&path, i, c, &binds)
            } else {
                self.consumes(&path, c, &binds)
            };
            match resolved {
                Some(c) => consumes.push(c),
                None => self.broken.extend(local_name(c).map(str::to_owned)),
            }
        }
        let mut seen = BTreeMap::new();
        for (i, c) in consumes.iter().enumerate() {
            if let Some(first) = seen.insert(c.namespace.rust.clone(), i) {
                let path = format!("capability.consumes[{i}].namespace");
                self.error(
                    &path,
                    format!(
                        "consumes namespace `{}` clashes with `{}` (both become `{}`)",
                        c.namespace.wire, consumes[first].namespace.wire, c.namespace.rust
                    ),
                );
            }
        }
        let mut rest = Vec::new();
        let mut mcp = Vec::new();
        let mut skill_exposes = Vec::new();
        let mut control = None;
        for (i, e) in self.root.exposes.iter().enumerate() {
            let path = format!("capability.exposes[{i}]");
            match e {
                model::Exposes::Rest(r) => rest.extend(self.rest(&path, r, &consumes, &binds)),
                model::Exposes::Mcp(m) => mcp.extend(self.mcp(&path, m, &consumes, &binds)),
                // Resolved once the adapters their tools come from are.
                model::Exposes::Skill(s) => skill_exposes.push((path, s)),
                model::Exposes::Control(c) => {
                    if control.is_some() {
                        self.error(&path, "a capability has at most one `control` adapter");
                    } else {
                        control = self.control(&path, c, &binds);
                    }
                }
                model::Exposes::Other(kind) if kind.is_empty() => self.error_help(
                    &path,
                    "exposed adapter without `type`",
                    "set `type: rest` or `type: mcp`",
                ),
                model::Exposes::Other(kind) => {
                    self.unsupported(&format!("{path}.type"), &format!("exposes `type: {kind}`"))
                }
            }
        }
        for f in rest.iter().flat_map(|a: &RestAdapter| &a.forwards) {
            consumes[f.consumes].forwarded = true;
        }
        typed_results(&mut consumes, &rest, &mcp);
        let skills: Vec<SkillAdapter> = skill_exposes
            .into_iter()
            .filter_map(|(path, s)| self.skill_adapter(&path, s, &rest, &mcp, &binds))
            .collect();
        if rest.is_empty() && mcp.is_empty() && skills.is_empty() {
            self.error(
                "capability",
                "the capability exposes no `rest` or `mcp` adapter",
            );
        }
        Some(Capability {
            label,
            description: spec.info.description.clone(),
            binds,
            consumes,
            rest,
            mcp,
            skills,
            control,
        })
    }

    /// The control adapter: health and info endpoints; what it cannot do is refused by name.
    fn control(
        &mut self,
        path: &str,
        c: &model::ExposesControl,
        binds: &[BindVar],
    ) -> Option<ControlAdapter> {
        let auth = match &c.authentication {
            Some(a) => self.auth_block(&format!("{path}.authentication"), a, binds, "inbound"),
            None => UpstreamAuth::None,
        };
        let management = c.management.clone().unwrap_or(Value::Null);
        let flag = |k: &str, default: bool| match management.get(k) {
            None | Some(Value::Null) => default,
            Some(Value::Bool(b)) => *b,
            Some(_) => true,
        };
        let mut refused = false;
        for (key, feature) in [
            (
                "reload",
                "`POST /config/reload` (the capability is compiled in)",
            ),
            ("validate", "`POST /config/validate`"),
            ("logs", "the `/logs` endpoints"),
            ("scripting", "control `scripting`"),
        ] {
            if flag(key, false) {
                self.unsupported(&format!("{path}.management.{key}"), feature);
                refused = true;
            }
        }
        if let Some(o) = &c.observability
            && o.get("enabled") != Some(&Value::Bool(false))
        {
            for key in ["traces", "exporters"] {
                if o.get(key).is_some() {
                    self.unsupported(
                        &format!("{path}.observability.{key}"),
                        "trace export (`traces`, `exporters`); trace context is propagated, metrics are at `/metrics`",
                    );
                    refused = true;
                }
            }
        }
        if refused {
            return None;
        }
        Some(ControlAdapter {
            port: c.port.unwrap_or(9091),
            address: c.address.clone().or_else(|| Some("127.0.0.1".to_owned())),
            auth,
            health: flag("health", true),
            info: flag("info", false),
        })
    }

    /// A skill adapter: each skill's document, its tools checked against the adapters they come
    /// from (`from: {sourceNamespace, action}`).
    fn skill_adapter(
        &mut self,
        path: &str,
        s: &model::ExposesSkill,
        rest: &[RestAdapter],
        mcp: &[McpAdapter],
        binds: &[BindVar],
    ) -> Option<SkillAdapter> {
        let auth = match &s.authentication {
            Some(a) => self.auth_block(&format!("{path}.authentication"), a, binds, "inbound"),
            None => UpstreamAuth::None,
        };
        let mut skills: Vec<Skill> = Vec::new();
        for (i, skill) in s.skills.iter().enumerate() {
            let spath = format!("{path}.skills[{i}]");
            let Some(name) = skill.get("name").and_then(Value::as_str) else {
                self.error(&spath, "a skill needs a `name`");
                continue;
            };
            if skills.iter().any(|x| x.name == name) {
                self.error(
                    &format!("{spath}.name"),
                    format!("skill `{name}` is declared twice"),
                );
                continue;
            }
            let files = if skill.get("location").is_some() {
                match self.skill_files(&format!("{spath}.location")) {
                    Some(files) => files,
                    None => continue,
                }
            } else {
                Vec::new()
            };
            let mut tools = Vec::new();
            for (ti, tool) in skill
                .get("tools")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let tpath = format!("{spath}.tools[{ti}]");
                let field = |k: &str| tool.pointer(k).and_then(Value::as_str);
                if let Some(instruction) = tool.get("instruction") {
                    let ipath = format!("{tpath}.instruction");
                    if let Some(entry) =
                        self.instruction_tool(&ipath, (name, tool, instruction), &files)
                    {
                        tools.push(entry);
                    }
                    continue;
                }
                let (Some(tool_name), Some(source), Some(action)) = (
                    field("/name"),
                    field("/from/sourceNamespace"),
                    field("/from/action"),
                ) else {
                    self.error(
                        &tpath,
                        "a skill tool needs `name` and `from: {sourceNamespace, action}`",
                    );
                    continue;
                };
                let target = if let Some(a) = mcp.iter().find(|a| a.namespace.wire == source) {
                    a.tools.iter().find(|t| t.name.wire == action).map(|t| {
                        serde_json::json!({"type": "mcp", "namespace": source, "port": a.port, "tool": t.name.wire})
                    })
                } else if let Some(a) = rest.iter().find(|a| a.namespace.wire == source) {
                    a.routes.iter().find_map(|r| {
                        r.operations.iter().find(|o| o.name.wire == action).map(|o| {
                            serde_json::json!({"type": "rest", "namespace": source, "port": a.port, "method": o.method.as_str(), "path": r.path})
                        })
                    })
                } else {
                    self.error_help(
                        &format!("{tpath}.from.sourceNamespace"),
                        format!("`{source}` is not an exposed `rest` or `mcp` adapter"),
                        "name the namespace of a sibling adapter",
                    );
                    continue;
                };
                let Some(target) = target else {
                    // A tool or operation that is declared but was refused has been reported.
                    let declared = self.root.exposes.iter().any(|e| match e {
                        model::Exposes::Mcp(m) => {
                            m.namespace == source && m.tools.iter().any(|t| t.name == action)
                        }
                        model::Exposes::Rest(r) => {
                            r.namespace == source
                                && r.resources.iter().any(|res| {
                                    res.operations
                                        .iter()
                                        .any(|o| o.name.as_deref() == Some(action))
                                })
                        }
                        _ => false,
                    });
                    if !declared {
                        self.error(
                            &format!("{tpath}.from.action"),
                            format!("adapter `{source}` has no tool or operation `{action}`"),
                        );
                    }
                    continue;
                };
                let mut entry = serde_json::json!({
                    "name": tool_name,
                    "from": {"sourceNamespace": source, "action": action},
                    "source": target,
                });
                if let Some(d) = field("/description") {
                    entry["description"] = Value::from(d);
                }
                tools.push(entry);
            }
            let mut document = serde_json::Map::new();
            for (k, v) in skill.as_object().into_iter().flatten() {
                // The folder is where the generator read it; the files are listed instead.
                if k != "tools" && k != "location" {
                    document.insert(k.clone(), v.clone());
                }
            }
            document.insert("tools".into(), Value::Array(tools));
            if !files.is_empty() {
                let listed = files
                    .iter()
                    .map(|f| {
                        serde_json::json!({
                            "path": f.path,
                            "href": format!("/skills/{name}/{}", f.path),
                            "mediaType": f.mime_type,
                        })
                    })
                    .collect();
                document.insert("files".into(), Value::Array(listed));
            }
            skills.push(Skill {
                name: name.to_owned(),
                description: skill
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                document: Value::Object(document),
                files,
            });
        }
        Some(SkillAdapter {
            namespace: Name::snake(&s.namespace),
            port: s.port.unwrap_or(8080),
            address: s.address.clone(),
            description: s.description.clone(),
            auth,
            skills,
        })
    }

    /// The files of a skill's `location` folder (read at generation), `SKILL.md` first.
    fn skill_files(&mut self, path: &str) -> Option<Vec<SkillFile>> {
        let files = match self.doc.assets.get(path) {
            Some(Asset::Folder(_, files)) => files.clone(),
            Some(Asset::File(f)) => {
                self.error_help(
                    path,
                    format!(
                        "{} is a file; a skill's `location` is a folder",
                        f.path.display()
                    ),
                    "point at the folder that holds SKILL.md",
                );
                return None;
            }
            None => {
                self.error(path, "the folder this `location` names was not read");
                return None;
            }
        };
        if !files.iter().any(|f| f.name == "SKILL.md") {
            self.error_help(
                path,
                "a skill's `location` folder has no SKILL.md",
                "add SKILL.md (the skill's instructions, with its frontmatter)",
            );
            return None;
        }
        let mut out: Vec<SkillFile> = files
            .iter()
            .map(|f| {
                let mime_type = media_type(&f.name, &f.bytes).to_owned();
                SkillFile {
                    content: FileContent::new(&f.bytes, &mime_type),
                    path: f.name.clone(),
                    mime_type,
                }
            })
            .collect();
        out.sort_by_key(|f| f.path != "SKILL.md");
        Some(out)
    }

    /// A skill tool whose instructions are a file of the skill's folder: its catalog entry.
    fn instruction_tool(
        &mut self,
        path: &str,
        (skill, tool, instruction): (&str, &Value, &Value),
        files: &[SkillFile],
    ) -> Option<Value> {
        let Some(tool_name) = tool.get("name").and_then(Value::as_str) else {
            self.error(path, "a skill tool needs a `name`");
            return None;
        };
        if tool.get("from").is_some() {
            self.error(path, "a skill tool has `from` or `instruction`, not both");
            return None;
        }
        let Some(file) = instruction.as_str() else {
            self.error(path, "`instruction` is a file path in the skill's folder");
            return None;
        };
        if files.is_empty() {
            self.error_help(
                path,
                format!("tool `{tool_name}` reads `{file}`, but skill `{skill}` has no `location`"),
                "add `location: file:///./<folder>` to the skill: instructions are files in it",
            );
            return None;
        }
        let normalized: Vec<&str> = file
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        let normalized = normalized.join("/");
        if !files.iter().any(|f| f.path == normalized) {
            let known: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
            self.error_help(
                path,
                format!("`{file}` is not a file of skill `{skill}`'s folder"),
                format!("its files: {}", known.join(", ")),
            );
            return None;
        }
        let mut entry = serde_json::json!({
            "name": tool_name,
            "instruction": normalized,
            "href": format!("/skills/{skill}/{normalized}"),
        });
        if let Some(d) = tool.get("description").and_then(Value::as_str) {
            entry["description"] = Value::from(d);
        }
        Some(entry)
    }

    fn binds(&mut self) -> Vec<BindVar> {
        let mut vars = Vec::new();
        for (i, b) in self.root.spec.binds.iter().enumerate() {
            let path = format!("binds[{i}]");
            let file = match b.location.as_deref() {
                None => None,
                Some(location) => match crate::parse::file_location(location, "bind location") {
                    Ok(file) => Some(file),
                    Err(message) => {
                        // Reported; its variables are still declared, so that their uses do
                        // not add errors of their own.
                        self.error(&format!("{path}.location"), message);
                        None
                    }
                },
            };
            for (var, env) in &b.keys {
                let Value::String(env) = env else {
                    self.error(
                        &format!("{path}.keys.{var}"),
                        format!("bind key `{var}` must name an environment variable (a string)"),
                    );
                    continue;
                };
                if vars.iter().any(|v: &BindVar| v.name.wire == *var) {
                    self.error(
                        &format!("{path}.keys.{var}"),
                        format!("variable `{var}` is bound twice"),
                    );
                    continue;
                }
                vars.push(BindVar {
                    name: Name::snake(var),
                    env: if file.is_some() {
                        var.clone()
                    } else {
                        env.clone()
                    },
                    file: file.as_ref().map(|path: &String| BindFile {
                        path: path.clone(),
                        key: env.clone(),
                    }),
                    namespace: b.namespace.clone(),
                    bind_index: i,
                    declared: format!("bound by `binds[{i}]`, namespace `{}`", b.namespace),
                    from_binds: true,
                });
            }
        }
        vars
    }

    /// Consumed `in: environment` parameters (the engine reads the environment variable of the
    /// parameter's name and makes it a template variable of the operation): each is a variable
    /// read at start-up, like a bound one, unless a bind already declares the name.
    fn environment_params(&mut self, vars: &mut Vec<BindVar>) {
        fn walk(doc: &Document, out: &mut Vec<(String, String)>) {
            let (_, consumes) = doc.consumes();
            for c in consumes {
                let ns = c
                    .alias
                    .clone()
                    .or_else(|| c.namespace.clone())
                    .unwrap_or_default();
                let shared = c.input_parameters.iter().map(|p| (p, format!("`{ns}`")));
                let resources = c.resources.iter().flat_map(|r| {
                    let ops = r.operations.iter().flat_map(|op| {
                        op.input_parameters
                            .iter()
                            .map(|p| (p, format!("`{ns}.{}`", op.name)))
                    });
                    r.input_parameters
                        .iter()
                        .map(|p| (p, format!("the resource `{}` of `{ns}`", r.path)))
                        .chain(ops)
                        .collect::<Vec<_>>()
                });
                for (p, owner) in shared.chain(resources) {
                    if p.location == "environment" && p.value.is_none() {
                        out.push((p.name.clone(), owner));
                    }
                }
            }
            for imported in doc.imports.values() {
                walk(imported, out);
            }
        }
        let mut found = Vec::new();
        walk(self.root, &mut found);
        // `$env.NAME` in an authentication field (the schema's form).
        fn env_refs(value: &Value, owner: &str, out: &mut Vec<(String, String)>) {
            for field in value.as_object().into_iter().flat_map(|o| o.values()) {
                let Some(name) = field.as_str().and_then(|t| t.trim().strip_prefix("$env.")) else {
                    continue;
                };
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.starts_with(|c: char| c.is_ascii_digit())
                {
                    out.push((name.to_owned(), owner.to_owned()));
                }
            }
        }
        let mut env_found = Vec::new();
        fn auth_refs(doc: &Document, out: &mut Vec<(String, String)>) {
            let (_, consumes) = doc.consumes();
            for c in consumes {
                let ns = c
                    .alias
                    .clone()
                    .or_else(|| c.namespace.clone())
                    .unwrap_or_default();
                if let Some(auth) = &c.authentication {
                    env_refs(auth, &format!("the authentication of `{ns}`"), out);
                }
            }
            for imported in doc.imports.values() {
                auth_refs(imported, out);
            }
        }
        auth_refs(self.root, &mut env_found);
        for adapter in self
            .root
            .json
            .pointer("/capability/exposes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(auth) = adapter.get("authentication") {
                let ns = adapter
                    .get("namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("control");
                env_refs(
                    auth,
                    &format!("the authentication of `{ns}`"),
                    &mut env_found,
                );
            }
        }
        for (name, owner) in env_found {
            if vars.iter().any(|v| v.file.is_none() && v.env == name) {
                continue;
            }
            let declared = format!("read by `$env.{name}` in {owner}");
            vars.push(BindVar {
                name: Name::snake(&format!("env_{name}")),
                env: name,
                file: None,
                namespace: "env".to_owned(),
                bind_index: 0,
                declared,
                from_binds: false,
            });
        }
        for (name, owner) in found {
            if vars.iter().any(|v| v.name.wire == name) {
                continue;
            }
            vars.push(BindVar {
                name: Name::snake(&name),
                env: name.clone(),
                file: None,
                namespace: "environment".to_owned(),
                bind_index: 0,
                declared: format!("read by the `in: environment` parameter of {owner}"),
                from_binds: false,
            });
        }
    }

    /// The bound variable a `{{VAR}}` / `{{env.VAR}}` template names.
    fn bind_ref(&self, template: &str, binds: &[BindVar]) -> Option<usize> {
        let t = template.trim();
        // `$env.NAME` (the schema's form in authentication fields): the environment variable.
        if let Some(name) = t.strip_prefix("$env.") {
            return binds.iter().position(|b| b.file.is_none() && b.env == name);
        }
        let inner = t.strip_prefix("{{")?.strip_suffix("}}")?.trim();
        binds.iter().position(|b| {
            inner == b.name.wire
                || inner.strip_prefix(&format!("{}.", b.namespace)) == Some(&b.name.wire)
        })
    }

    fn auth(&mut self, path: &str, c: &model::Consumes, binds: &[BindVar]) -> UpstreamAuth {
        let Some(auth) = &c.authentication else {
            // Where the author wrote `authentication` for another API, an API without one is
            // meant to be called without credentials.
            let explicit_elsewhere = self.root.spec.capability.as_ref().is_some_and(|cap| {
                // A bound variable guarding an adapter is never sent upstream by guesswork.
                let guarded = cap
                    .exposes
                    .iter()
                    .any(|e| e.get("authentication").is_some());
                guarded || cap.consumes.iter().any(|c| c.authentication.is_some())
            });
            if explicit_elsewhere {
                return UpstreamAuth::None;
            }
            // Only variables of `binds` count: those read for `in: environment` parameters are
            // the operations' own.
            let declared = binds.iter().filter(|b| b.from_binds).count();
            return match (declared, binds.first()) {
                (0, _) | (_, None) => UpstreamAuth::None,
                (1, Some(only)) => {
                    self.warn(
                        &format!("{path}.namespace"),
                        format!(
                            "no `authentication` block: the bound variable `{}` will be sent as `Authorization: Bearer <{}>`",
                            only.name.wire, only.name.wire
                        ),
                        format!(
                            "write it out to silence this: `authentication: {{type: bearer, token: \"{{{{{}}}}}\"}}`",
                            only.name.wire
                        ),
                    );
                    UpstreamAuth::Bearer {
                        token: vec![TemplatePart::Bind(0)],
                        implicit: true,
                    }
                }
                (_, Some(_)) => {
                    self.warn(
                        &format!("{path}.namespace"),
                        "no `authentication` block and several bound variables: no credentials are sent upstream",
                        "add an `authentication` block naming the variable to send",
                    );
                    UpstreamAuth::None
                }
            };
        };
        self.auth_block(&format!("{path}.authentication"), auth, binds, "upstream")
    }

    /// An `authentication` block: bearer, API key or basic, with secrets from bound variables.
    /// `side` is `upstream` or `inbound`, for messages.
    fn auth_block(
        &mut self,
        apath: &str,
        auth: &Value,
        binds: &[BindVar],
        side: &str,
    ) -> UpstreamAuth {
        let apath = apath.to_owned();
        let field = |names: &[&'static str]| field_of(auth, names);
        let kind = auth.get("type").and_then(Value::as_str).unwrap_or("");
        match kind.to_ascii_lowercase().as_str() {
            "bearer" => match self.secret(&apath, field(&["token", "value"]), binds, "token") {
                Some(token) => UpstreamAuth::Bearer {
                    token,
                    implicit: false,
                },
                None => UpstreamAuth::None,
            },
            // `apiKey`, and `header` / `query` seen in the wild, mean the official `apikey`.
            "apikey" | "header" | "query" => {
                let Some((_, name)) = field(&["key", "name", "header"]) else {
                    self.error_help(
                        &apath,
                        "an API key needs the name it is sent under",
                        "add `key: X-API-Key` (the header or query parameter name)",
                    );
                    return UpstreamAuth::None;
                };
                let placement =
                    match field(&["placement", "in"]).map(|(_, p)| p.to_ascii_lowercase()) {
                        Some(p) if p == "header" => KeyPlacement::Header,
                        Some(p) if p == "query" => KeyPlacement::Query,
                        Some(p) if p == "cookie" => KeyPlacement::Cookie,
                        Some(other) => {
                            self.unsupported(
                                &format!("{apath}.placement"),
                                &format!("API key `placement: {other}`"),
                            );
                            return UpstreamAuth::None;
                        }
                        None if kind.eq_ignore_ascii_case("query") => KeyPlacement::Query,
                        None => {
                            self.warn(
                                &apath,
                                format!("API key without `placement`: sent as the header `{name}`"),
                                "write `placement: header` (or `query`) to make it explicit",
                            );
                            KeyPlacement::Header
                        }
                    };
                if placement == KeyPlacement::Header && reqwest_header_name_invalid(name) {
                    self.error(&apath, format!("`{name}` is not a valid header name"));
                    return UpstreamAuth::None;
                }
                match self.secret(&apath, field(&["value", "token"]), binds, "value") {
                    Some(value) => UpstreamAuth::ApiKey {
                        name: name.to_owned(),
                        placement,
                        value,
                    },
                    None => UpstreamAuth::None,
                }
            }
            "oauth2" if side == "inbound" => match self.oauth2(&apath, auth) {
                Some(check) => UpstreamAuth::OAuth2(check),
                None => UpstreamAuth::None,
            },
            "digest" if side == "inbound" => {
                self.unsupported(
                    &format!("{apath}.type"),
                    "inbound `digest` authentication (a server issuing digest challenges)",
                );
                UpstreamAuth::None
            }
            kind @ ("basic" | "digest") => {
                let username = match field(&["username", "user"]) {
                    Some((_, u)) => match self.bind_ref(u, binds) {
                        Some(bind) => Credential::Bind(bind),
                        None if u.contains("{{") => {
                            self.error(
                                &format!("{apath}.username"),
                                format!("`{u}` names no bound variable"),
                            );
                            return UpstreamAuth::None;
                        }
                        None => Credential::Literal(u.to_owned()),
                    },
                    None => {
                        self.error(&apath, "basic authentication without `username`");
                        return UpstreamAuth::None;
                    }
                };
                match self.secret(&apath, field(&["password"]), binds, "password") {
                    Some(password) if kind == "digest" => {
                        UpstreamAuth::Digest { username, password }
                    }
                    Some(password) => UpstreamAuth::Basic { username, password },
                    None => UpstreamAuth::None,
                }
            }
            "" => {
                self.error(&apath, "authentication without `type`");
                UpstreamAuth::None
            }
            other => {
                self.error_help(
                    &format!("{apath}.type"),
                    format!("{side} authentication `{other}` is not supported by this version of naftiko-codegen"),
                    "supported: bearer, apikey (header, query or cookie), basic, digest (upstream), oauth2 (inbound); requests signed per call (oauth1, hmac, aws-sig-v4) are refused rather than sent unsigned",
                );
                UpstreamAuth::None
            }
        }
    }

    /// Inbound `oauth2`: an OAuth 2.1 resource server checking tokens of
    /// `authorizationServerUri` (JWKS or introspection), for `resource`.
    fn oauth2(&mut self, apath: &str, auth: &Value) -> Option<OAuth2> {
        let text = |k: &str| auth.get(k).and_then(Value::as_str).map(str::to_owned);
        let url = |this: &mut Self, key: &str| {
            let Some(value) = text(key) else {
                this.error_help(
                    apath,
                    format!("`oauth2` needs `{key}`"),
                    "add `authorizationServerUri` (the issuer) and `resource` (this server's canonical URI)",
                );
                return None;
            };
            if value.contains("{{") {
                this.unsupported(
                    &format!("{apath}.{key}"),
                    &format!("a bound variable in `{key}`"),
                );
                return None;
            }
            let (scheme, rest) = value.split_once("://").unwrap_or(("", ""));
            let host = rest.split(['/', ':', '?', '#']).next().unwrap_or("");
            let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
            let fine = !host.is_empty() && (scheme == "https" || (scheme == "http" && loopback));
            if !fine {
                this.error_help(
                    &format!("{apath}.{key}"),
                    format!("`{value}` is not an https URL"),
                    "tokens and keys are fetched from it: use https (http only for localhost)",
                );
                return None;
            }
            Some(value)
        };
        let issuer = url(self, "authorizationServerUri");
        let resource = url(self, "resource");
        let validation = match text("tokenValidation").as_deref() {
            None | Some("jwks") => TokenValidation::Jwks,
            Some("introspection") => TokenValidation::Introspection,
            Some(other) => {
                self.error(
                    &format!("{apath}.tokenValidation"),
                    format!("`tokenValidation: {other}` is neither `jwks` nor `introspection`"),
                );
                return None;
            }
        };
        let scopes = auth
            .get("scopes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let token_endpoint = text("tokenEndpoint");
        if token_endpoint.is_none() {
            self.warn(
                apath,
                "no `tokenEndpoint`: the OpenAPI document names `authorizationServerUri` as the token URL",
                "add `tokenEndpoint` (the authorization server's token URL)",
            );
        }
        Some(OAuth2 {
            issuer: issuer?,
            resource: resource?,
            audience: text("audience"),
            scopes,
            validation,
            token_endpoint,
        })
    }

    /// `baseUri`: a fixed URL, a template of bound variables, or nothing (then `--upstream` must
    /// give it at start-up).
    fn base_uri(&mut self, path: &str, text: &str, binds: &[BindVar]) -> BaseUri {
        let upath = format!("{path}.baseUri");
        let text = text.trim();
        if text.is_empty() {
            self.warn(
                &upath,
                "no `baseUri`: the server needs `--upstream` for this API at start-up",
                "write the API's base URL here",
            );
            return BaseUri::Missing;
        }
        if !text.contains("{{") {
            if !(text.starts_with("http://") || text.starts_with("https://")) {
                self.error(
                    &upath,
                    format!("`baseUri` must be an absolute http(s) URL, found `{text}`"),
                );
            }
            return BaseUri::Fixed(text.trim_end_matches('/').to_owned());
        }
        match self.bind_template(text, binds) {
            Ok(mut parts) => {
                if let Some(TemplatePart::Text(t)) = parts.last_mut() {
                    *t = t.trim_end_matches('/').to_owned();
                }
                BaseUri::Template(parts)
            }
            Err(placeholder) => {
                self.error_help(
                    &upath,
                    format!("`{placeholder}` in `baseUri` names no bound variable"),
                    "declare it under `binds`",
                );
                BaseUri::Missing
            }
        }
    }

    /// Split `text` into literal text and bound variables; `Err` with the first placeholder that
    /// names no bound variable.
    fn bind_template(&self, text: &str, binds: &[BindVar]) -> Result<Vec<TemplatePart>, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else {
                break;
            };
            if start > 0 {
                parts.push(TemplatePart::Text(rest[..start].to_owned()));
            }
            let placeholder = &rest[start..start + len + 2];
            match self.bind_ref(placeholder, binds) {
                Some(bind) => parts.push(TemplatePart::Bind(bind)),
                None => return Err(placeholder.to_owned()),
            }
            rest = &rest[start + len + 2..];
        }
        if !rest.is_empty() {
            parts.push(TemplatePart::Text(rest.to_owned()));
        }
        Ok(parts)
    }

    /// A credential built from bound variables (`{{VAR}}`, `{{namespace.VAR}}`, or text around
    /// them such as `Bearer {{VAR}}`); a value written out in the spec is refused.
    fn secret(
        &mut self,
        apath: &str,
        value: Option<(&str, &str)>,
        binds: &[BindVar],
        expected: &str,
    ) -> Option<Vec<TemplatePart>> {
        let Some((key, text)) = value else {
            self.error_help(apath, format!("missing `{expected}`"), format!("add `{expected}: \"{{{{VARIABLE}}}}\"` with the variable declared under `binds`"));
            return None;
        };
        let kpath = format!("{apath}.{key}");
        if text.trim().starts_with("$env.") {
            return match self.bind_ref(text, binds) {
                Some(b) => Some(vec![TemplatePart::Bind(b)]),
                None => {
                    self.error(
                        &kpath,
                        format!("`{}` is not an environment variable name", text.trim()),
                    );
                    None
                }
            };
        }
        // Seen in the official tutorial: a bound variable's name without braces.
        if let Some(b) = binds.iter().position(|b| b.name.wire == text.trim()) {
            self.warn(
                &kpath,
                format!(
                    "`{}` read as the bound variable `{{{{{}}}}}`",
                    text.trim(),
                    text.trim()
                ),
                format!("write `{{{{{}}}}}`", text.trim()),
            );
            return Some(vec![TemplatePart::Bind(b)]);
        }
        match self.bind_template(text, binds) {
            Ok(parts) if parts.iter().any(|p| matches!(p, TemplatePart::Bind(_))) => Some(parts),
            Ok(_) => {
                // Never repeat the value: it may be a secret written into the spec.
                self.error_help(
                    &kpath,
                    format!("`{key}` must come from a bound variable, written `{{{{VARIABLE}}}}`"),
                    "declare the variable under `binds` and reference it here; secrets never go into generated files",
                );
                None
            }
            Err(placeholder) => {
                self.error_help(
                    &kpath,
                    format!("`{placeholder}` names no bound variable"),
                    "declare it under `binds`",
                );
                None
            }
        }
    }

    /// An `ImportedConsumesHttp` (`location` + `import` [+ `as`]): the named adapter of the
    /// imported file, resolved in that file (its diagnostics point there), under its local name.
    fn imported(
        &mut self,
        path: &str,
        i: usize,
        c: &model::Consumes,
        binds: &[BindVar],
    ) -> Option<Consumes> {
        let (Some(_), Some(import)) = (&c.location, &c.import) else {
            let (field, other) = if c.location.is_some() {
                ("location", "import")
            } else {
                ("import", "location")
            };
            self.error_help(
                &format!("{path}.{field}"),
                format!("`{field}` without `{other}`"),
                "an imported adapter names the file (`location`) and the namespace in it (`import`)",
            );
            return None;
        };
        let inline = [
            ("namespace", c.namespace.is_some()),
            ("baseUri", c.base_uri.is_some()),
            ("authentication", c.authentication.is_some()),
            ("resources", !c.resources.is_empty()),
            ("inputParameters", !c.input_parameters.is_empty()),
        ];
        if let Some((field, _)) = inline.iter().find(|(_, set)| *set) {
            self.error_help(
                &format!("{path}.{field}"),
                format!("an imported adapter cannot also declare `{field}`"),
                "change the imported file, or declare the adapter inline without `location`",
            );
            return None;
        }
        // A file that could not be read or parsed has been reported by the loader.
        let doc: &'a Document = self.doc.imports.get(&i)?;
        let (prefix, entries) = doc.consumes();
        let Some(k) = entries
            .iter()
            .position(|e| local_name(e) == Some(import.as_str()))
        else {
            let declared: Vec<String> = entries
                .iter()
                .filter_map(|e| local_name(e).map(|n| format!("`{n}`")))
                .collect();
            self.error_help(
                &format!("{path}.import"),
                format!(
                    "{} declares no consumes namespace `{import}`",
                    doc.source.path.display()
                ),
                if declared.is_empty() {
                    "it declares no root `consumes`".to_owned()
                } else {
                    format!("it declares {}", declared.join(", "))
                },
            );
            return None;
        };
        let outer = std::mem::replace(&mut self.doc, doc);
        if !doc.spec.binds.is_empty() {
            self.unsupported(
                "binds",
                "`binds` in an imported file (declare them in the capability)",
            );
        }
        let entry = &entries[k];
        let epath = format!("{prefix}[{k}]");
        let broken_before = self.broken.len();
        let resolved = if entry.location.is_some() || entry.import.is_some() {
            self.imported(&epath, k, entry, binds)
        } else {
            self.consumes(&epath, entry, binds)
        };
        self.doc = outer;
        if let Some(alias) = &c.alias {
            // Operations refused in the imported file are called by the local name.
            for b in &mut self.broken[broken_before..] {
                if let Some(op) = b.strip_prefix(&format!("{import}.")) {
                    *b = format!("{alias}.{op}");
                }
            }
        }
        let mut resolved = resolved?;
        if let Some(alias) = &c.alias {
            resolved.namespace = Name::snake(alias);
        }
        if c.description.is_some() {
            resolved.description.clone_from(&c.description);
        }
        Some(resolved)
    }

    fn consumes(&mut self, path: &str, c: &model::Consumes, binds: &[BindVar]) -> Option<Consumes> {
        let path = path.to_owned();
        if let Some(kind) = &c.kind
            && kind != "http"
        {
            self.unsupported(&format!("{path}.type"), &format!("consumes `type: {kind}`"));
            return None;
        }
        let Some(namespace) = &c.namespace else {
            self.error(&path, "consumes entry without `namespace`");
            return None;
        };
        let base_uri = self.base_uri(&path, c.base_uri.as_deref().unwrap_or(""), binds);
        let auth = self.auth(&path, c, binds);
        let mut operations: Vec<ConsumedOp> = Vec::new();
        for (ri, res) in c.resources.iter().enumerate() {
            let rpath = format!("{path}.resources[{ri}]");
            // Consumes- and resource-level parameters apply to every operation below them.
            let inherited: Vec<(String, &model::ConsumedInput)> = res
                .input_parameters
                .iter()
                .enumerate()
                .map(|(i, p)| (format!("{rpath}.inputParameters[{i}]"), p))
                .chain(
                    c.input_parameters
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (format!("{path}.inputParameters[{i}]"), p)),
                )
                .collect();
            for (oi, op) in res.operations.iter().enumerate() {
                let opath = format!("{rpath}.operations[{oi}]");
                let Some(resolved) = self.consumed_op(&opath, res, op, &inherited, binds) else {
                    self.broken.push(format!("{namespace}.{}", op.name));
                    continue;
                };
                let mut resolved = resolved;
                if let Some(prev) = operations
                    .iter()
                    .find(|o| o.name.rust == resolved.name.rust)
                {
                    // Seen in the wild: the same name twice. Both are generated (the second with a
                    // suffix); a `call` naming it is refused as ambiguous.
                    let msg = format!(
                        "operation `{}` is declared twice in consumes `{namespace}` (also as `{}`)",
                        resolved.name.wire, prev.name.wire
                    );
                    self.warn(
                        &format!("{opath}.name"),
                        msg,
                        "give each operation of a namespace its own name",
                    );
                    let mut n = 2;
                    while operations
                        .iter()
                        .any(|o| o.name.rust == format!("{}_{n}", resolved.name.rust))
                    {
                        n += 1;
                    }
                    resolved.name.rust = format!("{}_{n}", resolved.name.rust);
                }
                operations.push(resolved);
            }
        }
        // The API's own fixed parameters, as an operation without parameters of its own has them.
        // (Path parameters belong to the operations whose paths name them.)
        let own: Vec<(String, &model::ConsumedInput)> = c
            .input_parameters
            .iter()
            .enumerate()
            .filter(|(_, p)| p.location != "path")
            .map(|(i, p)| (format!("{path}.inputParameters[{i}]"), p))
            .collect();
        let bare = model::ConsumedOperation {
            name: "forward".to_owned(),
            label: None,
            description: None,
            method: None,
            input_parameters: Vec::new(),
            body: None,
            output_raw_format: None,
            output_schema: None,
            output_parameters: Vec::new(),
        };
        let root = model::ConsumedResource {
            name: None,
            path: "/".to_owned(),
            description: None,
            input_parameters: Vec::new(),
            operations: Vec::new(),
        };
        let constants = self
            .consumed_op(&path, &root, &bare, &own, binds)
            .map(|op| op.constants)
            .unwrap_or_default();
        Some(Consumes {
            namespace: Name::snake(namespace),
            base_uri,
            description: c.description.clone(),
            auth,
            operations,
            constants,
            forwarded: false,
        })
    }

    fn consumed_op(
        &mut self,
        opath: &str,
        res: &model::ConsumedResource,
        op: &model::ConsumedOperation,
        inherited: &[(String, &model::ConsumedInput)],
        binds: &[BindVar],
    ) -> Option<ConsumedOp> {
        let method = match method(op.method.as_deref()) {
            Ok(m) => m,
            Err(e) => {
                self.error(&format!("{opath}.method"), e);
                return None;
            }
        };
        // `text` (seen in the wild) passes the body through as text.
        let schema = op.output_schema.as_ref().and_then(Value::as_str);
        let format = match op
            .output_raw_format
            .as_deref()
            .map(|f| (f, RawFormat::named(f)))
        {
            None => RawFormat::Json,
            Some((_, Some(format))) => format,
            // The CSS selector is checked here: a broken one is the spec's error, not a 502.
            Some(("html", None)) => {
                let selector = schema.map_or("table", str::trim);
                match scraper::Selector::parse(selector) {
                    Ok(_) => RawFormat::Html(selector.to_owned()),
                    Err(e) => {
                        self.error_help(
                            &format!("{opath}.outputSchema"),
                            format!("`{selector}` is not a CSS selector: {e}"),
                            "`outputSchema` of an html answer selects the tables to read (e.g. `table.results`)",
                        );
                        RawFormat::Json
                    }
                }
            }
            Some(("markdown", None)) => RawFormat::Markdown(
                schema
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            ),
            Some((f, None)) => {
                self.unsupported(
                    &format!("{opath}.outputRawFormat"),
                    &format!("`outputRawFormat: {f}`"),
                );
                RawFormat::Json
            }
        };
        let mut params: Vec<Param> = Vec::new();
        let mut constants: Vec<Constant> = Vec::new();
        let own = op
            .input_parameters
            .iter()
            .enumerate()
            .map(|(pi, p)| (format!("{opath}.inputParameters[{pi}]"), p));
        let inherited_names: Vec<&model::ConsumedInput> =
            inherited.iter().map(|(_, p)| *p).collect();
        let inherited = inherited
            .iter()
            .filter(|(_, p)| !op.input_parameters.iter().any(|o| o.name == p.name))
            .cloned();
        for (ppath, p) in own.chain(inherited).collect::<Vec<_>>() {
            let location = match p.location.as_str() {
                "path" => ParamIn::Path,
                "query" => ParamIn::Query,
                "header" => ParamIn::Header,
                "cookie" => ParamIn::Cookie,
                "body" => ParamIn::Body,
                // A variable of the operation's templates, read at start-up (see
                // `environment_params`); nothing is sent for it by itself.
                "environment" if p.value.is_none() => continue,
                "environment" => {
                    self.unsupported(
                        &format!("{ppath}.value"),
                        "a `value` for an `in: environment` parameter",
                    );
                    continue;
                }
                other => {
                    self.unsupported(
                        &format!("{ppath}.in"),
                        &format!("an input parameter `in: {other}`"),
                    );
                    continue;
                }
            };
            let mut default_value = None;
            // `{{VARIABLE}}` (or text around bound variables): a value the server reads at
            // start-up, sent with every request.
            let bound = match &p.value {
                Some(Value::String(t)) if t.contains("{{") => self
                    .bind_template(t, binds)
                    .ok()
                    .filter(|parts| parts.iter().any(|p| matches!(p, TemplatePart::Bind(_)))),
                // Seen in the official tutorial: a bound variable's name without braces.
                Some(Value::String(t)) => {
                    let found = binds.iter().position(|b| b.name.wire == t.trim());
                    if found.is_some() {
                        self.warn(
                            &format!("{ppath}.value"),
                            format!(
                                "`{}` read as the bound variable `{{{{{}}}}}`",
                                t.trim(),
                                t.trim()
                            ),
                            format!("write `{{{{{}}}}}`", t.trim()),
                        );
                    }
                    found.map(|b| vec![TemplatePart::Bind(b)])
                }
                _ => None,
            };
            if let Some(parts) = bound {
                if location == ParamIn::Body {
                    self.unsupported(
                        &format!("{ppath}.value"),
                        "a bound variable as the value of a body parameter",
                    );
                } else if location == ParamIn::Header && reqwest_header_name_invalid(&p.name) {
                    self.error(
                        &format!("{ppath}.name"),
                        format!("`{}` is not a valid header name", p.name),
                    );
                } else {
                    constants.push(Constant {
                        location,
                        name: p.name.clone(),
                        value: parts,
                    });
                }
                continue;
            }
            match &p.value {
                None => {}
                // `{{input}}`: the value comes from the exposed inputs unless `with` says otherwise.
                Some(Value::String(t)) if t.contains("{{") => {
                    default_value = Some(Value::String(t.clone()))
                }
                Some(v) if location != ParamIn::Body => {
                    let value = match v {
                        Value::String(t) => t.clone(),
                        other => other.to_string(),
                    };
                    if location == ParamIn::Header && reqwest_header_name_invalid(&p.name) {
                        self.error(
                            &format!("{ppath}.name"),
                            format!("`{}` is not a valid header name", p.name),
                        );
                        continue;
                    }
                    constants.push(Constant {
                        location,
                        name: p.name.clone(),
                        value: vec![TemplatePart::Text(value)],
                    });
                    continue;
                }
                Some(_) => {
                    self.unsupported(
                        &format!("{ppath}.value"),
                        "a fixed `value` for a body parameter",
                    );
                    continue;
                }
            }
            let default = if location == ParamIn::Body {
                ParamType::Object
            } else {
                ParamType::String
            };
            let ty = match param_type(p.kind.as_deref(), default) {
                Ok(t) => t,
                Err(e) => {
                    self.error(&format!("{ppath}.type"), e);
                    continue;
                }
            };
            let name = Name::snake(&p.name);
            if let Some(prev) = params.iter().find(|q| q.name.rust == name.rust) {
                let msg = format!(
                    "parameter `{}` clashes with `{}` (both become `{}`)",
                    p.name, prev.name.wire, name.rust
                );
                self.error(&format!("{ppath}.name"), msg);
                continue;
            }
            if location == ParamIn::Body && params.iter().any(|q| q.location == ParamIn::Body) {
                self.error(
                    &format!("{ppath}.in"),
                    "an operation can have only one `in: body` parameter",
                );
                continue;
            }
            params.push(Param {
                name,
                location,
                ty,
                required: p.required.unwrap_or(location == ParamIn::Path),
                description: p.description.clone(),
                default: default_value,
            });
        }
        // The path: every placeholder names a path parameter; undeclared ones become required strings.
        // A path written without its leading `/` (`api/users`) is joined to the base URI with one.
        let mut path = Vec::new();
        if !res.path.starts_with('/') {
            path.push(PathPart::Literal("/".to_owned()));
        }
        for part in split_path(&res.path) {
            match part {
                Ok(text) => path.push(PathPart::Literal(text)),
                Err(var) => {
                    // A fixed or bound value: the same in every request.
                    let fixed = constants
                        .iter()
                        .find(|c| c.location == ParamIn::Path && same_name(&c.name, &var));
                    if let Some(c) = fixed {
                        path.push(PathPart::Fixed(c.value.clone()));
                        continue;
                    }
                    // A variable read from the environment (`in: environment`).
                    let from_environment = op
                        .input_parameters
                        .iter()
                        .chain(inherited_names.iter().copied())
                        .any(|p| p.location == "environment" && same_name(&p.name, &var));
                    if from_environment
                        && let Some(b) = self.bind_ref(&format!("{{{{{var}}}}}"), binds)
                    {
                        path.push(PathPart::Fixed(vec![TemplatePart::Bind(b)]));
                        continue;
                    }
                    let found = params
                        .iter()
                        .position(|p| p.location == ParamIn::Path && same_name(&p.name.wire, &var));
                    let index = match found {
                        Some(i) => i,
                        None => {
                            params.push(Param {
                                name: Name::snake(&var),
                                location: ParamIn::Path,
                                ty: ParamType::String,
                                required: true,
                                description: None,
                                default: None,
                            });
                            params.len() - 1
                        }
                    };
                    params[index].required = true;
                    path.push(PathPart::Param(index));
                }
            }
        }
        let placeholders: Vec<String> = split_path(&res.path)
            .into_iter()
            .filter_map(Result::err)
            .collect();
        for c in constants.iter().filter(|c| c.location == ParamIn::Path) {
            if !placeholders.iter().any(|v| same_name(&c.name, v)) {
                let ppath = op
                    .input_parameters
                    .iter()
                    .position(|p| p.name == c.name)
                    .map_or_else(
                        || opath.to_owned(),
                        |i| format!("{opath}.inputParameters[{i}]"),
                    );
                let msg = format!(
                    "path parameter `{}` does not appear in the path `{}`",
                    c.name, res.path
                );
                self.diags.push(self.doc.error(&ppath, msg));
            }
        }
        constants.retain(|c| c.location != ParamIn::Path);
        for (pi, p) in params.iter().enumerate() {
            if p.location == ParamIn::Path && !path.contains(&PathPart::Param(pi)) {
                let msg = format!(
                    "path parameter `{}` does not appear in the path `{}`",
                    p.name.wire, res.path
                );
                let ppath = format!("{opath}.inputParameters[{pi}]");
                self.diags.push(self.doc.error(&ppath, msg));
            }
        }
        let (output, named) = self.consumed_output(opath, op, format);
        let body = match &op.body {
            Some(b) => {
                let body = self.body(&format!("{opath}.body"), b, &mut params)?;
                if params.iter().any(|p| p.location == ParamIn::Body) {
                    self.error(&format!("{opath}.body"), "an operation has either an `in: body` parameter or a `body` template, not both");
                    return None;
                }
                Some(body)
            }
            None => None,
        };
        Some(ConsumedOp {
            name: Name::snake(&op.name),
            method,
            description: op.description.clone().or_else(|| op.label.clone()),
            path_template: res.path.clone(),
            path,
            params,
            body,
            constants,
            output,
            named,
            typed: None,
        })
    }

    /// An operation's `body`: the official forms (json, text, xml, sparql, formUrlEncoded,
    /// multipartForm, a raw string) and those seen in the wild (form, multipart, yaml text).
    /// Each placeholder names a parameter; undeclared ones become parameters.
    fn body(&mut self, bpath: &str, body: &Value, params: &mut Vec<Param>) -> Option<Body> {
        let kind = body.get("type").and_then(Value::as_str);
        let data = body.get("data");
        let text = |r: &mut Self,
                    path: &str,
                    params: &mut Vec<Param>,
                    v: Option<&Value>|
         -> Option<Vec<Piece>> {
            match v {
                Some(Value::String(t)) => r.pieces(path, t, params, ParamType::String),
                Some(other @ (Value::Number(_) | Value::Bool(_))) => {
                    Some(vec![Piece::Text(other.to_string())])
                }
                _ => {
                    r.error(path, "expected text");
                    None
                }
            }
        };
        let dpath = format!("{bpath}.data");
        match (body, kind) {
            // A raw template that is JSON once its bare placeholders are quoted is built as JSON:
            // strings escaped, arrays and objects rendered as JSON (the engine pastes text).
            (Value::String(raw), _) => {
                match serde_json::from_str::<Value>(&quote_placeholders(raw)) {
                    Ok(json) => Some(Body::Json(self.raw_json_template(bpath, &json, params)?)),
                    Err(_) => Some(Body::Text {
                        content_type: "application/json",
                        template: self.pieces(bpath, raw, params, ParamType::String)?,
                    }),
                }
            }
            (_, Some("json")) => Some(Body::Json(self.json_template(
                &dpath,
                data.unwrap_or(&Value::Null),
                params,
            )?)),
            (_, Some(k @ ("text" | "xml" | "sparql" | "yaml"))) => {
                let content_type = match k {
                    "text" => "text/plain",
                    "xml" => "application/xml",
                    "sparql" => "application/sparql-query",
                    _ => "application/yaml",
                };
                if !matches!(data, Some(Value::String(_))) {
                    self.unsupported(&dpath, &format!("a `{k}` body that is not a string"));
                    return None;
                }
                Some(Body::Text {
                    content_type,
                    template: text(self, &dpath, params, data)?,
                })
            }
            (_, Some("formUrlEncoded" | "form")) => match data {
                Some(Value::Object(fields)) => {
                    let mut form = Vec::new();
                    for (k, v) in fields {
                        form.push((
                            k.clone(),
                            text(self, &format!("{dpath}.{k}"), params, Some(v))?,
                        ));
                    }
                    Some(Body::Form(form))
                }
                Some(Value::String(_)) => Some(Body::Text {
                    content_type: "application/x-www-form-urlencoded",
                    template: text(self, &dpath, params, data)?,
                }),
                _ => {
                    self.error(
                        &dpath,
                        "a form body needs `data`: an object of fields or an encoded string",
                    );
                    None
                }
            },
            (_, Some("multipartForm")) => {
                let mut parts = Vec::new();
                for (i, part) in data
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let ppath = format!("{dpath}[{i}]");
                    let Some(name) = part.get("name").and_then(Value::as_str) else {
                        self.error(&ppath, "a multipart part needs a `name`");
                        return None;
                    };
                    parts.push(MultipartPart {
                        name: name.to_owned(),
                        value: text(self, &format!("{ppath}.value"), params, part.get("value"))?,
                        filename: part
                            .get("filename")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        content_type: part
                            .get("contentType")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    });
                }
                Some(Body::Multipart(parts))
            }
            (_, Some("multipart")) => {
                let mut parts = Vec::new();
                for (k, v) in data.and_then(Value::as_object).into_iter().flatten() {
                    let value = text(self, &format!("{dpath}.{k}"), params, Some(v))?;
                    parts.push(MultipartPart {
                        name: k.clone(),
                        value,
                        filename: None,
                        content_type: None,
                    });
                }
                Some(Body::Multipart(parts))
            }
            (_, Some(other)) => {
                self.unsupported(
                    &format!("{bpath}.type"),
                    &format!("a `{other}` request body"),
                );
                None
            }
            (_, None) => {
                self.error(bpath, "a `body` needs a `type` (json, text, xml, sparql, formUrlEncoded, multipartForm) or a raw string");
                None
            }
        }
    }

    /// A raw JSON body template read by [`quote_placeholders`]: a bare placeholder (marked) is
    /// the argument's JSON value; placeholders inside strings make text, escaped as JSON.
    fn raw_json_template(
        &mut self,
        path: &str,
        value: &Value,
        params: &mut Vec<Param>,
    ) -> Option<JsonTemplate> {
        Some(match value {
            Value::String(t) => match t.strip_prefix(BARE) {
                Some(bare) => {
                    let pieces = self.pieces(path, bare, params, ParamType::Json)?;
                    match pieces.as_slice() {
                        [Piece::Param(i)] => JsonTemplate::Param(*i),
                        // A bound variable is text: a JSON string.
                        [Piece::Bind(_)] => JsonTemplate::Text(pieces),
                        _ => JsonTemplate::Literal(value.clone()),
                    }
                }
                None if t.contains("{{") => {
                    JsonTemplate::Text(self.pieces(path, t, params, ParamType::String)?)
                }
                None => JsonTemplate::Literal(value.clone()),
            },
            Value::Array(items) => JsonTemplate::Array(
                items
                    .iter()
                    .map(|v| self.raw_json_template(path, v, params))
                    .collect::<Option<_>>()?,
            ),
            Value::Object(fields) => JsonTemplate::Object(
                fields
                    .iter()
                    .map(|(k, v)| Some((k.clone(), self.raw_json_template(path, v, params)?)))
                    .collect::<Option<_>>()?,
            ),
            other => JsonTemplate::Literal(other.clone()),
        })
    }

    fn json_template(
        &mut self,
        path: &str,
        value: &Value,
        params: &mut Vec<Param>,
    ) -> Option<JsonTemplate> {
        Some(match value {
            Value::String(t) if t.contains("{{") => {
                let pieces = self.pieces(path, t, params, ParamType::Json)?;
                match pieces.as_slice() {
                    // A placeholder alone stands for the whole value (arrays and objects stay JSON).
                    [Piece::Param(i)] => JsonTemplate::Param(*i),
                    _ => {
                        for p in &pieces {
                            if let Piece::Param(i) = p
                                && params[*i].ty == ParamType::Json
                                && params[*i].location == ParamIn::Template
                            {
                                params[*i].ty = ParamType::String;
                            }
                        }
                        JsonTemplate::Text(pieces)
                    }
                }
            }
            Value::Array(items) => JsonTemplate::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.json_template(&format!("{path}[{i}]"), v, params))
                    .collect::<Option<_>>()?,
            ),
            Value::Object(fields) => JsonTemplate::Object(
                fields
                    .iter()
                    .map(|(k, v)| {
                        Some((
                            k.clone(),
                            self.json_template(&format!("{path}.{k}"), v, params)?,
                        ))
                    })
                    .collect::<Option<_>>()?,
            ),
            other => JsonTemplate::Literal(other.clone()),
        })
    }

    /// Split text into literal pieces and placeholders, each naming a parameter (created, of
    /// type `ty`, when the operation does not declare it).
    fn pieces(
        &mut self,
        path: &str,
        text: &str,
        params: &mut Vec<Param>,
        ty: ParamType,
    ) -> Option<Vec<Piece>> {
        let mut pieces = Vec::new();
        let mut rest = text;
        let namespaces: Vec<String> = self
            .root
            .exposes
            .iter()
            .filter_map(|e| match e {
                model::Exposes::Rest(r) => Some(r.namespace.clone()),
                model::Exposes::Mcp(m) => Some(m.namespace.clone()),
                model::Exposes::Skill(_)
                | model::Exposes::Control(_)
                | model::Exposes::Other(_) => None,
            })
            .collect();
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else {
                break;
            };
            if start > 0 {
                pieces.push(Piece::Text(rest[..start].to_owned()));
            }
            let raw = rest[start + 2..start + len].trim();
            rest = &rest[start + len + 2..];
            let name = match raw.split_once('.') {
                Some((prefix, name))
                    if matches!(prefix, "tools" | "rest")
                        || namespaces.iter().any(|n| n == prefix) =>
                {
                    name
                }
                _ => raw,
            };
            // A bound variable: the value the server read at start-up.
            if let Some(b) = self.bind_ref(&format!("{{{{{raw}}}}}"), &self.binds) {
                pieces.push(Piece::Bind(b));
                continue;
            }
            if binds_named(raw, &self.root.spec.binds) {
                // Declared, but its bind was refused (reported there).
                return None;
            }
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                self.unsupported(
                    path,
                    &format!("the Mustache expression `{{{{{raw}}}}}` in a body template"),
                );
                return None;
            }
            let index = match params.iter().position(|p| same_name(&p.name.wire, name)) {
                Some(i) => {
                    if params[i].location == ParamIn::Body {
                        params[i].location = ParamIn::Template;
                    }
                    i
                }
                None => {
                    params.push(Param {
                        name: Name::snake(name),
                        location: ParamIn::Template,
                        ty,
                        required: true,
                        description: None,
                        default: None,
                    });
                    params.len() - 1
                }
            };
            pieces.push(Piece::Param(index));
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Some(pieces)
    }

    fn consumed_output(
        &mut self,
        opath: &str,
        op: &model::ConsumedOperation,
        format: RawFormat,
    ) -> (Output, Vec<(String, JsonPath)>) {
        let mut wrap_as = "result".to_owned();
        let mut named = Vec::new();
        for (i, o) in op.output_parameters.iter().enumerate() {
            let value_path = match (&o.name, &o.value, &o.properties, &o.items) {
                (Some(name), Some(Value::String(v)), None, None) if v.trim() != "$." => {
                    Some((name, v.trim()))
                }
                _ => None,
            };
            if is_pass_through(o) {
                if let Some(n) = &o.name {
                    wrap_as = n.clone();
                }
            } else if let Some((name, text)) = value_path {
                match json_path(text) {
                    Ok(path) => named.push((name.clone(), path)),
                    Err(e) => self.error(&format!("{opath}.outputParameters[{i}].value"), e),
                }
            } else {
                self.unsupported(
                    &format!("{opath}.outputParameters[{i}]"),
                    "an output parameter that maps part of the response (only `$.`, the whole JSON, is)",
                );
            }
        }
        (Output::PassThrough { wrap_as, format }, named)
    }

    fn exposed_output(
        &mut self,
        path: &str,
        outputs: &[model::OutputParameter],
        consumed: &ConsumedOp,
    ) -> Output {
        let shaped: Vec<(usize, &model::OutputParameter)> = outputs
            .iter()
            .enumerate()
            .filter(|(_, o)| !is_pass_through(o))
            .collect();
        match shaped.as_slice() {
            [] => consumed.output.clone(),
            [(i, o)] if outputs.len() == 1 => {
                let opath = format!("{path}.outputParameters[{i}]");
                let format = match &consumed.output {
                    Output::PassThrough { format, .. } | Output::Shaped { format, .. } => {
                        format.clone()
                    }
                    Output::Mock { .. } => RawFormat::Json,
                };
                if format == RawFormat::Text {
                    self.unsupported(&opath, "a shaped output of a text answer");
                    return consumed.output.clone();
                }
                let wrap_as = o.name.clone().unwrap_or_else(|| "result".to_owned());
                match self.shape(
                    &opath,
                    o.kind.as_deref(),
                    o.mapping.as_deref(),
                    o.constant.as_ref(),
                    o.properties.as_ref(),
                    o.items.as_ref(),
                    o.value.as_ref(),
                    true,
                ) {
                    Some(root) => Output::Shaped {
                        wrap_as,
                        root,
                        format,
                    },
                    None => consumed.output.clone(),
                }
            }
            // Several outputs: the first that is not null is returned (the engine's rule).
            _ => {
                let format = match &consumed.output {
                    Output::PassThrough { format, .. } | Output::Shaped { format, .. } => {
                        format.clone()
                    }
                    Output::Mock { .. } => RawFormat::Json,
                };
                if format == RawFormat::Text {
                    self.unsupported(
                        &format!("{path}.outputParameters"),
                        "a shaped output of a text answer",
                    );
                    return consumed.output.clone();
                }
                let mut alternatives = Vec::new();
                for (i, o) in outputs.iter().enumerate() {
                    let opath = format!("{path}.outputParameters[{i}]");
                    let shape = if is_pass_through(o) {
                        json_path("$").ok().map(|path| Shape::Value {
                            path,
                            ty: ShapeType::Json,
                        })
                    } else {
                        self.shape(
                            &opath,
                            o.kind.as_deref(),
                            o.mapping.as_deref(),
                            o.constant.as_ref(),
                            o.properties.as_ref(),
                            o.items.as_ref(),
                            o.value.as_ref(),
                            true,
                        )
                    };
                    match shape {
                        Some(shape) => alternatives.push(shape),
                        None => return consumed.output.clone(),
                    }
                }
                Output::Shaped {
                    wrap_as: "result".to_owned(),
                    root: Shape::FirstOf(alternatives),
                    format,
                }
            }
        }
    }

    /// A nested output node (a property or `items`), as written in the spec.
    fn shape_of(&mut self, path: &str, node: &Value) -> Option<Shape> {
        let field = |k: &str| node.get(k);
        self.shape(
            path,
            field("type").and_then(Value::as_str),
            field("mapping").and_then(Value::as_str),
            field("const"),
            field("properties"),
            field("items"),
            field("value"),
            false,
        )
    }

    /// One node of a shaped output. `top`: the top-level output, whose `mapping` may be `$`.
    #[allow(clippy::too_many_arguments)]
    fn shape(
        &mut self,
        path: &str,
        kind: Option<&str>,
        mapping: Option<&str>,
        constant: Option<&Value>,
        properties: Option<&Value>,
        items: Option<&Value>,
        value: Option<&Value>,
        top: bool,
    ) -> Option<Shape> {
        // `value` is injected at run time and wins over `mapping` (the schema's rule).
        if let Some(value) = value {
            return self.static_output(&format!("{path}.value"), kind, value);
        }
        // `const` is the schema's constant for validation; an output with nothing else to read
        // (no `mapping`) is that constant.
        if let Some(c) = constant.filter(|_| mapping.is_none()) {
            return Some(Shape::Const(c.clone()));
        }
        let json_path = |this: &mut Self, text: &str| match json_path(text) {
            Ok(p) => Some(p),
            Err(e) => {
                this.error(&format!("{path}.mapping"), e);
                None
            }
        };
        match kind.unwrap_or("object") {
            "object" if properties.is_some() => {
                let Some(Value::Object(props)) = properties else {
                    self.error(
                        &format!("{path}.properties"),
                        "`properties` must be a mapping of names to outputs",
                    );
                    return None;
                };
                let mut fields = Vec::new();
                for (name, p) in props {
                    let ppath = format!("{path}.properties.{name}");
                    let shape = self.shape_of(&ppath, p)?;
                    fields.push((Name::snake(name), shape));
                }
                Some(Shape::Object { fields })
            }
            "array" if items.is_some() => {
                let path_text = mapping.unwrap_or("$");
                let array_path = json_path(self, path_text)?;
                let Some(item) = items.filter(|i| i.is_object()) else {
                    self.error(
                        &format!("{path}.items"),
                        "`items` must be an output (a mapping)",
                    );
                    return None;
                };
                let items = self.shape_of(&format!("{path}.items"), item)?;
                Some(Shape::Array {
                    path: array_path,
                    items: Box::new(items),
                })
            }
            other => {
                let ty = match other {
                    "string" => ShapeType::String,
                    "number" => ShapeType::Number,
                    "integer" => ShapeType::Integer,
                    "boolean" => ShapeType::Boolean,
                    "object" | "array" => ShapeType::Json,
                    unknown => {
                        self.error(
                            &format!("{path}.type"),
                            format!("unknown output type `{unknown}`"),
                        );
                        return None;
                    }
                };
                let Some(mapping) = mapping else {
                    if top {
                        return Some(Shape::Value {
                            path: json_path(self, "$")?,
                            ty,
                        });
                    }
                    self.error_help(
                        path,
                        "an output without `mapping`, `const` or `properties`",
                        "add `mapping: $.field`",
                    );
                    return None;
                };
                Some(Shape::Value {
                    path: json_path(self, mapping)?,
                    ty,
                })
            }
        }
    }

    /// An output's static `value` (a string in the spec), read as its declared `type`.
    fn static_output(&mut self, path: &str, kind: Option<&str>, value: &Value) -> Option<Shape> {
        let Some(text) = value.as_str() else {
            self.error(path, "an output `value` must be a string");
            return None;
        };
        let kind = kind.unwrap_or("string");
        if text.contains("{{") {
            return self.output_template(path, kind, text);
        }
        let parsed = match kind {
            "string" => Some(Value::String(text.to_owned())),
            "number" => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(|n| match text.trim().parse::<i64>() {
                    Ok(i) => Value::from(i),
                    Err(_) => Value::Number(n),
                }),
            "integer" => text.trim().parse::<i64>().ok().map(Value::from),
            "boolean" => match text.trim() {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            _ => serde_json::from_str::<Value>(text).ok().filter(|v| {
                (kind == "object") == v.is_object() && (kind == "array") == v.is_array()
            }),
        };
        match parsed {
            Some(v) => Some(Shape::Const(v)),
            None => {
                self.error(
                    path,
                    format!("`{text}` is not a {kind}: an output's `value` is read as its `type`"),
                );
                None
            }
        }
    }

    /// An output `value` with `{{input}}`s: text made from the operation's inputs.
    fn output_template(&mut self, path: &str, kind: &str, text: &str) -> Option<Shape> {
        if kind != "string" {
            self.error_help(
                path,
                format!("a `{{{{…}}}}` template makes text, but this output is a {kind}"),
                "give the output `type: string`",
            );
            return None;
        }
        let (names, prefixes) = self.output_inputs.clone();
        let mut parts = Vec::new();
        for part in mustache(text) {
            match part {
                Ok(literal) => parts.push(WithPart::Text(literal)),
                Err(name) => {
                    let bare = prefixes
                        .iter()
                        .find_map(|p| name.strip_prefix(p.as_str())?.strip_prefix('.'))
                        .unwrap_or(&name);
                    match names.iter().position(|n| same_name(n, bare)) {
                        Some(i) => parts.push(WithPart::Input(i)),
                        None => {
                            self.error_help(
                                path,
                                format!("`{{{{{name}}}}}` names no input of this operation"),
                                if names.is_empty() {
                                    "this operation has no inputs".to_owned()
                                } else {
                                    format!("its inputs: {}", names.join(", "))
                                },
                            );
                            return None;
                        }
                    }
                }
            }
        }
        Some(Shape::Template(parts))
    }

    /// The consumed operation an exposed operation or tool calls, given whether it has `steps`,
    /// whether it has a `ref`, and its `call`; refuses what this version does not generate.
    fn simple_call(
        &mut self,
        path: &str,
        (steps, reference, call): (bool, bool, Option<&str>),
        consumes: &[Consumes],
    ) -> Option<(usize, usize)> {
        if steps {
            self.unsupported(&format!("{path}.steps"), "orchestration `steps`");
            return None;
        }
        if reference {
            self.unsupported(&format!("{path}.ref"), "`ref` to an aggregate function");
            return None;
        }
        let Some(call) = call else {
            self.error_help(
                path,
                "no `call`: nothing to run",
                "add `call: <consumes-namespace>.<operation>`",
            );
            return None;
        };
        self.call_target(&format!("{path}.call"), call, consumes)
    }

    /// An orchestrated operation or tool: its `steps` (calls and lookups, in order) and the
    /// output its `mappings` make of their results, typed by its `outputParameters`.
    #[allow(clippy::too_many_arguments)]
    fn orchestration(
        &mut self,
        path: &str,
        steps: &Value,
        mappings: &[Value],
        outputs: &[model::OutputParameter],
        consumes: &[Consumes],
        prefixes: &[&str],
        inputs: &mut Vec<Input>,
    ) -> Option<(Vec<Step>, Output)> {
        let spath = format!("{path}.steps");
        let Some(list) = steps.as_array().filter(|l| !l.is_empty()) else {
            self.error(&spath, "`steps` must be a non-empty list");
            return None;
        };
        let mut resolved: Vec<Step> = Vec::new();
        // Steps refused already: reading them adds no second error.
        let mut refused: Vec<String> = Vec::new();
        for (i, step) in list.iter().enumerate() {
            let ipath = format!("{spath}[{i}]");
            match self.step(
                &ipath,
                step,
                (&resolved, &refused),
                consumes,
                prefixes,
                inputs,
            ) {
                Some(step) => resolved.push(step),
                None => refused.extend(step.get("name").and_then(Value::as_str).map(str::to_owned)),
            }
        }
        let mut failed = !refused.is_empty();
        if failed {
            return None;
        }
        // `targetName` (dot-separated) → the path it reads.
        let mut targets: BTreeMap<String, (String, JsonPath)> = BTreeMap::new();
        for (i, m) in mappings.iter().enumerate() {
            let mpath = format!("{path}.mappings[{i}]");
            let (Some(target), Some(value)) = (
                m.get("targetName").and_then(Value::as_str),
                m.get("value").and_then(Value::as_str),
            ) else {
                self.error(
                    &mpath,
                    "a mapping needs `targetName` and `value` (a JSONPath)",
                );
                failed = true;
                continue;
            };
            // A mapping in error still names its target (no second error for the output).
            let path = match self.step_path(&format!("{mpath}.value"), value, &resolved, &refused) {
                Some(_) => json_path(value).expect("checked by step_path"),
                None => {
                    failed = true;
                    JsonPath {
                        text: value.to_owned(),
                        steps: Vec::new(),
                    }
                }
            };
            targets.insert(target.to_owned(), (mpath, path));
        }
        let mut fields = Vec::new();
        for (i, o) in outputs.iter().enumerate() {
            let opath = format!("{path}.outputParameters[{i}]");
            let Some(name) = &o.name else {
                self.error(
                    &opath,
                    "an orchestrated output needs a `name` (the `targetName` of its mapping)",
                );
                failed = true;
                continue;
            };
            let node = serde_json::json!({
                "type": o.kind,
                "properties": o.properties,
                "items": o.items,
            });
            match self.orchestrated_shape(&opath, name, &node, &mut targets) {
                Some(shape) => fields.push((Name::snake(name), shape)),
                None => failed = true,
            }
        }
        for (target, (mpath, _)) in &targets {
            self.error_help(
                &format!("{mpath}.targetName"),
                format!("mapping target `{target}` is not an output parameter"),
                "declare it in `outputParameters`, or remove the mapping",
            );
            failed = true;
        }
        if failed {
            return None;
        }
        let output = Output::Shaped {
            wrap_as: "result".to_owned(),
            root: Shape::Object { fields },
            format: RawFormat::Json,
        };
        Some((resolved, output))
    }

    /// One orchestrated output (`name`, `type`, `properties` | `items`), read from the mapping
    /// whose `targetName` is `target` (its properties from `target.<property>`).
    fn orchestrated_shape(
        &mut self,
        path: &str,
        target: &str,
        node: &Value,
        targets: &mut BTreeMap<String, (String, JsonPath)>,
    ) -> Option<Shape> {
        let kind = node.get("type").and_then(Value::as_str).unwrap_or("string");
        let mapped = targets.remove(target).map(|(_, p)| p);
        match (kind, node.get("properties"), node.get("items")) {
            ("object", Some(Value::Object(props)), _) if mapped.is_none() => {
                let mut fields = Vec::new();
                for (name, p) in props {
                    let child = format!("{target}.{name}");
                    let ppath = format!("{path}.properties.{name}");
                    fields.push((
                        Name::snake(name),
                        self.orchestrated_shape(&ppath, &child, p, targets)?,
                    ));
                }
                Some(Shape::Object { fields })
            }
            ("array", Some(_), _) | ("array", _, Some(Value::Array(_))) => {
                let Some(path_to) = mapped else {
                    self.error(path, format!("no mapping has `targetName: {target}`"));
                    return None;
                };
                // `items` is a list of named outputs, each read from the element by its name.
                let items = node
                    .get("items")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut fields = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let ipath = format!("{path}.items[{i}]");
                    let Some(name) = item.get("name").and_then(Value::as_str) else {
                        self.error(&ipath, "an item of an orchestrated array needs a `name`");
                        return None;
                    };
                    let ty = self.orchestrated_type(&ipath, item)?;
                    let element = json_path(&format!("$.{name}"))
                        .or_else(|_| json_path(&format!("$['{name}']")))
                        .ok()?;
                    fields.push((Name::snake(name), Shape::Value { path: element, ty }));
                }
                let items = if fields.is_empty() {
                    Shape::Value {
                        path: json_path("$").ok()?,
                        ty: ShapeType::Json,
                    }
                } else {
                    Shape::Object { fields }
                };
                Some(Shape::Array {
                    path: path_to,
                    items: Box::new(items),
                })
            }
            _ => {
                let Some(path_to) = mapped else {
                    self.error_help(
                        path,
                        format!("no mapping has `targetName: {target}`"),
                        format!(
                            "add `mappings: [{{targetName: {target}, value: $.<step>.<field>}}]`"
                        ),
                    );
                    return None;
                };
                let ty = self.orchestrated_type(path, node)?;
                Some(Shape::Value { path: path_to, ty })
            }
        }
    }

    fn orchestrated_type(&mut self, path: &str, node: &Value) -> Option<ShapeType> {
        Some(
            match node.get("type").and_then(Value::as_str).unwrap_or("string") {
                "string" => ShapeType::String,
                "number" => ShapeType::Number,
                "integer" => ShapeType::Integer,
                "boolean" => ShapeType::Boolean,
                "object" | "array" => ShapeType::Json,
                other => {
                    self.error(
                        &format!("{path}.type"),
                        format!("unknown output type `{other}`"),
                    );
                    return None;
                }
            },
        )
    }

    /// A JSONPath into the steps' results (`$.<step>.…`): the step's index and the path.
    fn step_path(
        &mut self,
        path: &str,
        text: &str,
        steps: &[Step],
        refused: &[String],
    ) -> Option<(usize, JsonPath)> {
        let parsed = match json_path(text) {
            Ok(p) => p,
            Err(e) => {
                self.error(path, e);
                return None;
            }
        };
        let Some(PathStep::Key(first)) = parsed.steps.first() else {
            self.error_help(
                path,
                format!("`{text}` names no step"),
                "write `$.<step name>.<field>`",
            );
            return None;
        };
        let Some(index) = steps.iter().position(|s| s.name().wire == *first) else {
            if refused.contains(first) {
                return None;
            }
            let known: Vec<&str> = steps.iter().map(|s| s.name().wire.as_str()).collect();
            self.error_help(
                path,
                format!("`{text}` reads step `{first}`, which does not run before it"),
                format!("steps so far: {}", known.join(", ")),
            );
            return None;
        };
        Some((
            index,
            JsonPath {
                text: parsed.text.clone(),
                steps: parsed.steps[1..].to_vec(),
            },
        ))
    }

    fn step(
        &mut self,
        path: &str,
        step: &Value,
        (earlier, refused): (&[Step], &[String]),
        consumes: &[Consumes],
        prefixes: &[&str],
        inputs: &mut Vec<Input>,
    ) -> Option<Step> {
        let Some(name) = step.get("name").and_then(Value::as_str) else {
            self.error(path, "a step needs a `name`");
            return None;
        };
        if earlier.iter().any(|s| s.name().wire == name) {
            self.error(
                &format!("{path}.name"),
                format!("step `{name}` is declared twice"),
            );
            return None;
        }
        match step.get("type").and_then(Value::as_str) {
            Some("call") => {
                let Some(call) = step.get("call").and_then(Value::as_str) else {
                    self.error(path, "a `call` step needs `call: <namespace>.<operation>`");
                    return None;
                };
                let (ci, oi) = self.call_target(&format!("{path}.call"), call, consumes)?;
                let with = step
                    .get("with")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let consumed = &consumes[ci].operations[oi];
                // `$.<step>.…`: a value from an earlier step's result.
                let mut preset = Vec::new();
                for (key, value) in &with {
                    let Some(text) = value
                        .as_str()
                        .map(str::trim)
                        .filter(|v| v.starts_with("$."))
                    else {
                        continue;
                    };
                    let wpath = format!("{path}.with.{key}");
                    let Some(pi) = consumed
                        .params
                        .iter()
                        .position(|p| same_name(&p.name.wire, key))
                    else {
                        let known: Vec<_> = consumed
                            .params
                            .iter()
                            .map(|p| p.name.wire.as_str())
                            .collect();
                        self.error_help(
                            &wpath,
                            format!("`{key}` is not a parameter of `{}`", consumed.name.wire),
                            format!("its parameters: {}", known.join(", ")),
                        );
                        return None;
                    };
                    let (step, read) = self.step_path(&wpath, text, earlier, refused)?;
                    preset.push(Arg {
                        param: pi,
                        source: ArgSource::Step { step, path: read },
                    });
                }
                let args = self.args(
                    path,
                    (&with, preset),
                    consumed,
                    prefixes,
                    inputs,
                    &|_, _| None,
                );
                Some(Step::Call {
                    name: Name::snake(name),
                    call: Call {
                        consumes: ci,
                        operation: oi,
                        args,
                    },
                })
            }
            Some("lookup") => {
                let text = |k: &str| step.get(k).and_then(Value::as_str).map(str::to_owned);
                let (Some(index), Some(key), Some(value)) =
                    (text("index"), text("match"), text("lookupValue"))
                else {
                    self.error(
                        path,
                        "a `lookup` step needs `index`, `match` and `lookupValue`",
                    );
                    return None;
                };
                let Some(table) = earlier.iter().position(|s| s.name().wire == index) else {
                    if refused.contains(&index) {
                        return None;
                    }
                    self.error(
                        &format!("{path}.index"),
                        format!("`index: {index}` names no earlier step"),
                    );
                    return None;
                };
                let value =
                    self.step_path(&format!("{path}.lookupValue"), &value, earlier, refused)?;
                let fields: Vec<String> = step
                    .get("outputParameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_owned))
                    .collect();
                if fields.is_empty() {
                    self.error(
                        &format!("{path}.outputParameters"),
                        "a `lookup` step keeps at least one field (`outputParameters: [name]`)",
                    );
                    return None;
                }
                Some(Step::Lookup {
                    name: Name::snake(name),
                    index: table,
                    key,
                    value,
                    fields,
                })
            }
            Some("script") => {
                self.unsupported(&format!("{path}.type"), "a `script` step");
                None
            }
            other => {
                self.error_help(
                    &format!("{path}.type"),
                    format!("unknown step type `{}`", other.unwrap_or("")),
                    "a step is `type: call` or `type: lookup`",
                );
                None
            }
        }
    }

    /// The aggregate function `ref` names, and its YAML path.
    fn function(
        &mut self,
        path: &str,
        reference: &str,
    ) -> Option<(String, &'a model::AggregateFunction)> {
        let aggregates = self
            .root
            .spec
            .capability
            .as_ref()
            .map_or(&[][..], |c| c.aggregates.as_slice());
        let found = reference.split_once('.').and_then(|(ns, name)| {
            aggregates.iter().enumerate().find_map(|(ai, a)| {
                (a.namespace == ns).then_some(())?;
                a.functions
                    .iter()
                    .enumerate()
                    .find(|(_, f)| f.name == name)
                    .map(|(fi, f)| (format!("capability.aggregates[{ai}].functions[{fi}]"), f))
            })
        });
        if found.is_none() {
            let known: Vec<String> = aggregates
                .iter()
                .flat_map(|a| {
                    a.functions
                        .iter()
                        .map(move |f| format!("{}.{}", a.namespace, f.name))
                })
                .collect();
            self.error_help(
                &format!("{path}.ref"),
                format!("`ref: {reference}` names no aggregate function"),
                if known.is_empty() {
                    "declare it under `capability.aggregates`".to_owned()
                } else {
                    format!("functions: {}", known.join(", "))
                },
            );
        }
        found
    }

    /// A tool with `ref`: the function's inputs, call or steps and outputs under the tool's name;
    /// the tool's own description, inputs and hints win, and hints default to the function's
    /// semantics (`safe` → read-only and not destructive, `idempotent`).
    fn referenced_tool(
        &mut self,
        path: &str,
        t: &model::McpTool,
    ) -> Option<(String, model::McpTool)> {
        let (fpath, f) = self.function(path, t.reference.as_deref()?)?;
        let semantics = f.semantics.clone().unwrap_or_default();
        let mut hints = t.hints.clone().unwrap_or_default();
        if semantics.safe == Some(true) {
            hints.read_only = hints.read_only.or(Some(true));
            hints.destructive = hints.destructive.or(Some(false));
        }
        if semantics.idempotent == Some(true) {
            hints.idempotent = hints.idempotent.or(Some(true));
        }
        let tool = model::McpTool {
            name: if t.name.is_empty() {
                f.name.clone()
            } else {
                t.name.clone()
            },
            label: t.label.clone(),
            description: t.description.clone().or_else(|| f.description.clone()),
            hints: Some(hints),
            input_parameters: if t.input_parameters.is_empty() {
                f.input_parameters.clone()
            } else {
                t.input_parameters.clone()
            },
            call: f.call.clone(),
            with: f.with.clone(),
            output_parameters: f.output_parameters.clone(),
            steps: f.steps.clone(),
            mappings: f.mappings.clone(),
            reference: None,
        };
        Some((fpath, tool))
    }

    /// An operation with `ref`: as [`Self::referenced_tool`]; function inputs the operation does
    /// not declare are read from the query string (GET, DELETE, HEAD) or the JSON body.
    fn referenced_operation(
        &mut self,
        path: &str,
        op: &model::ExposedOperation,
        declared_elsewhere: &[String],
    ) -> Option<(String, model::ExposedOperation)> {
        let (fpath, f) = self.function(path, op.reference.as_deref()?)?;
        let mut inputs = op.input_parameters.clone();
        let reads_query = matches!(
            op.method.as_deref().map(str::to_ascii_uppercase).as_deref(),
            None | Some("GET" | "DELETE" | "HEAD")
        );
        for i in &f.input_parameters {
            let declared = inputs.iter().any(|x| same_name(&x.name, &i.name))
                || declared_elsewhere.iter().any(|x| same_name(x, &i.name));
            if !declared {
                let mut i = i.clone();
                i.location = Some(if reads_query { "query" } else { "body" }.to_owned());
                inputs.push(i);
            }
        }
        let operation = model::ExposedOperation {
            name: op.name.clone().or_else(|| Some(f.name.clone())),
            label: op.label.clone(),
            description: op.description.clone().or_else(|| f.description.clone()),
            method: op.method.clone(),
            input_parameters: inputs,
            call: f.call.clone(),
            with: f.with.clone(),
            output_parameters: f.output_parameters.clone(),
            steps: f.steps.clone(),
            mappings: f.mappings.clone(),
            reference: None,
        };
        Some((fpath, operation))
    }

    /// Find `namespace.operation`.
    fn call_target(
        &mut self,
        path: &str,
        call: &str,
        consumes: &[Consumes],
    ) -> Option<(usize, usize)> {
        let Some((ns, op)) = call.split_once('.') else {
            self.error_help(
                path,
                format!("`call: {call}` is not of the form `namespace.operation`"),
                "e.g. `call: my-api.get-user`",
            );
            return None;
        };
        if self.broken.iter().any(|b| b == ns || b == call) {
            // Its declaration has been refused already.
            return None;
        }
        let Some(ci) = consumes.iter().position(|c| c.namespace.wire == ns) else {
            let known: Vec<_> = consumes.iter().map(|c| c.namespace.wire.as_str()).collect();
            self.error_help(
                path,
                format!("`call: {call}` names an unknown consumes namespace `{ns}`"),
                format!("known namespaces: {}", known.join(", ")),
            );
            return None;
        };
        let ops = &consumes[ci].operations;
        if ops.iter().filter(|o| o.name.wire == op).count() > 1 {
            self.error_help(
                path,
                format!("`call: {call}` is ambiguous: `{ns}` declares `{op}` more than once"),
                "rename one of the operations",
            );
            return None;
        }
        let Some(oi) = ops.iter().position(|o| o.name.wire == op) else {
            let known: Vec<_> = ops.iter().map(|o| o.name.wire.as_str()).collect();
            self.error_help(
                path,
                format!("`call: {call}`: namespace `{ns}` has no operation `{op}`"),
                format!("operations of `{ns}`: {}", known.join(", ")),
            );
            return None;
        };
        Some((ci, oi))
    }

    /// Resolve `with` and the by-name flow of inputs into arguments for `op`.
    ///
    /// `prefixes` are the accepted pseudo-namespaces of exposed inputs (`rest`, `tools`, the
    /// adapter's namespace). `inputs` may grow when `add_input` allows synthesizing an input.
    fn args(
        &mut self,
        path: &str,
        (with, preset): (&serde_json::Map<String, Value>, Vec<Arg>),
        op: &ConsumedOp,
        prefixes: &[&str],
        inputs: &mut Vec<Input>,
        synthesize: &dyn Fn(&str, &Param) -> Option<Input>,
    ) -> Vec<Arg> {
        // Arguments already made (read from earlier steps): `with` and inputs do not feed them.
        let mut args: Vec<Arg> = preset;
        // A parameter's own `value: "{{input}}"` applies where `with` does not name it.
        let mut with = with.clone();
        for p in &op.params {
            if let Some(default) = &p.default
                && !with.keys().any(|k| same_name(k, &p.name.wire))
            {
                with.insert(p.name.wire.clone(), default.clone());
            }
        }
        with.retain(|key, _| {
            !args
                .iter()
                .any(|a| same_name(&op.params[a.param].name.wire, key))
        });
        for (key, value) in &with {
            let wpath = format!("{path}.with.{key}");
            let Some(pi) = op.params.iter().position(|p| same_name(&p.name.wire, key)) else {
                let known: Vec<_> = op.params.iter().map(|p| p.name.wire.as_str()).collect();
                // The engine makes `with` values available to the operation's templates; one
                // that no parameter, path or body uses does nothing.
                self.warn(
                    &wpath,
                    format!(
                        "`with` names `{key}`, which is not a parameter of `{}`: it is not sent",
                        op.name.wire
                    ),
                    if known.is_empty() {
                        format!(
                            "`{}` declares no parameters; remove the entry",
                            op.name.wire
                        )
                    } else {
                        format!("parameters: {}", known.join(", "))
                    },
                );
                continue;
            };
            let source = match value {
                Value::String(s) if s.contains("{{") => {
                    // `{{x}}` names input x (as does `{{rest.x}}`); text around placeholders makes
                    // a string, built with `format!`.
                    let mut parts = Vec::new();
                    let mut rest = s.as_str();
                    let mut failed = false;
                    while let Some(start) = rest.find("{{") {
                        let Some(len) = rest[start..].find("}}") else {
                            break;
                        };
                        if start > 0 {
                            parts.push(WithPart::Text(rest[..start].to_owned()));
                        }
                        let name = rest[start + 2..start + len].trim();
                        let name = prefixes
                            .iter()
                            .find_map(|p| name.strip_prefix(p)?.strip_prefix('.'))
                            .unwrap_or(name);
                        rest = &rest[start + len + 2..];
                        let found = inputs
                            .iter()
                            .position(|i| same_name(&i.name.wire, name))
                            .or_else(|| {
                                let new = synthesize(name, &op.params[pi])?;
                                inputs.push(new);
                                Some(inputs.len() - 1)
                            });
                        match found {
                            Some(ii) => parts.push(WithPart::Input(ii)),
                            None => {
                                let help = if binds_named(name, &self.root.spec.binds) {
                                    "bound variables are not passed through `with` by this version; use them in `authentication` or `baseUri`"
                                } else {
                                    "name an input of this operation"
                                };
                                self.error_help(
                                    &wpath,
                                    format!("`{{{{{name}}}}}` names no input of this operation"),
                                    help,
                                );
                                failed = true;
                                break;
                            }
                        }
                    }
                    if failed {
                        continue;
                    }
                    if !rest.is_empty() {
                        parts.push(WithPart::Text(rest.to_owned()));
                    }
                    match parts.as_slice() {
                        [WithPart::Input(ii)] => ArgSource::Input(*ii),
                        _ if op.params[pi].ty != ParamType::String => {
                            self.error(
                                &wpath,
                                format!(
                                    "a template makes text, but `{key}` is of type {}",
                                    op.params[pi].ty.json_schema()
                                ),
                            );
                            continue;
                        }
                        _ => {
                            for part in &parts {
                                if let WithPart::Input(ii) = part {
                                    inputs[*ii].required = true;
                                }
                            }
                            ArgSource::Template(parts)
                        }
                    }
                }
                Value::String(s) => match prefixes
                    .iter()
                    .find_map(|p| s.strip_prefix(p)?.strip_prefix('.'))
                {
                    Some(input) => {
                        let found = inputs.iter().position(|i| same_name(&i.name.wire, input));
                        match found.or_else(|| {
                            let new = synthesize(input, &op.params[pi])?;
                            inputs.push(new);
                            Some(inputs.len() - 1)
                        }) {
                            Some(ii) => ArgSource::Input(ii),
                            None if op.params[pi].location == ParamIn::Body
                                && !op.params[pi].required =>
                            {
                                self.warn(
                                    &wpath,
                                    format!("`{s}`: this method takes no request body, so the optional `{key}` is not sent"),
                                    "remove it from `with`, or expose the operation with POST, PUT, PATCH or DELETE",
                                );
                                continue;
                            }
                            None => {
                                let known: Vec<_> =
                                    inputs.iter().map(|i| i.name.wire.as_str()).collect();
                                self.error_help(
                                    &wpath,
                                    format!("`{s}` names no input of this operation"),
                                    if known.is_empty() {
                                        "this operation has no inputs".to_owned()
                                    } else {
                                        format!("inputs: {}", known.join(", "))
                                    },
                                );
                                continue;
                            }
                        }
                    }
                    None => ArgSource::Literal(value.clone()),
                },
                other => ArgSource::Literal(other.clone()),
            };
            args.push(Arg { param: pi, source });
        }
        // Inputs flow through by name to parameters that `with` does not mention.
        for (pi, p) in op.params.iter().enumerate() {
            if args.iter().any(|a| a.param == pi) {
                continue;
            }
            let found = inputs
                .iter()
                .position(|i| same_name(&i.name.wire, &p.name.wire));
            let found = found.or_else(|| {
                let new = synthesize(&p.name.wire, p)?;
                inputs.push(new);
                Some(inputs.len() - 1)
            });
            match found {
                Some(ii) => args.push(Arg {
                    param: pi,
                    source: ArgSource::Input(ii),
                }),
                None if p.required => self.error_help(
                    &format!("{path}.call"),
                    format!(
                        "required parameter `{}` of `{}` gets no value",
                        p.name.wire, op.name.wire
                    ),
                    format!("add `with: {{{}: <input or value>}}`", p.name.wire),
                ),
                None => {}
            }
        }
        args.sort_by_key(|a| a.param);
        // An optional input that alone feeds a required parameter becomes required: the call
        // cannot be made without it (a JSON parameter takes a missing argument as `null`).
        for a in &args {
            let ArgSource::Input(ii) = a.source else {
                continue;
            };
            let p = &op.params[a.param];
            let input = &mut inputs[ii];
            let null_ok = p.ty == ParamType::Json
                && matches!(input.location, InputIn::Argument | InputIn::BodyField);
            if p.required && !input.required && !null_ok && input.location != InputIn::Body {
                input.required = true;
            }
        }
        // Check that each input can feed its parameter.
        for a in &args {
            let ArgSource::Input(ii) = a.source else {
                continue;
            };
            let (input, p) = (&inputs[ii], &op.params[a.param]);
            let structured = matches!(p.ty, ParamType::Object | ParamType::Array | ParamType::Json);
            let fits = match input.location {
                InputIn::Body => structured,
                InputIn::Path => !structured,
                // Text can make a list (`a,b` or `["a","b"]`) or, as JSON, an object.
                InputIn::Query | InputIn::Header => true,
                // Any argument can be sent as a JSON value.
                InputIn::Argument | InputIn::BodyField => {
                    input.ty == p.ty || p.ty == ParamType::Json
                }
            };
            if !fits {
                let what = match input.location {
                    InputIn::Body => "the request body".to_owned(),
                    InputIn::Argument | InputIn::BodyField => format!(
                        "argument `{}` (type {})",
                        input.name.wire,
                        input.ty.json_schema()
                    ),
                    _ => format!("`{}` (text from the request)", input.name.wire),
                };
                self.error(
                    &format!("{path}.with"),
                    format!(
                        "{what} cannot feed parameter `{}` of type {}",
                        p.name.wire,
                        p.ty.json_schema()
                    ),
                );
            }
        }
        // Check that literal and input types can feed the parameter.
        for a in &args {
            let p = &op.params[a.param];
            if let ArgSource::Literal(v) = &a.source {
                let ok = match p.ty {
                    ParamType::String => v.is_string() || v.is_number() || v.is_boolean(),
                    ParamType::Integer => v.is_i64() || v.is_u64(),
                    ParamType::Number => v.is_number(),
                    ParamType::Boolean => v.is_boolean(),
                    ParamType::Object | ParamType::Array | ParamType::Json => {
                        self.unsupported(
                            &format!("{path}.with.{}", p.name.wire),
                            "a literal object or array in `with`",
                        );
                        true
                    }
                };
                if !ok {
                    let msg = format!(
                        "literal `{v}` does not fit parameter `{}` of type {}",
                        p.name.wire,
                        p.ty.json_schema()
                    );
                    self.error(&format!("{path}.with.{}", p.name.wire), msg);
                }
            }
        }
        args
    }

    fn exposed_inputs(
        &mut self,
        path: &str,
        declared: &[model::ExposedInput],
        inputs: &mut Vec<Input>,
        mcp: bool,
    ) {
        // One `in: body` input of a structured type is the whole body; several are its fields.
        let body_inputs = declared
            .iter()
            .filter(|d| d.location.as_deref() == Some("body"))
            .count();
        for (i, d) in declared.iter().enumerate() {
            let ipath = format!("{path}.inputParameters[{i}]");
            let location = match (mcp, d.location.as_deref()) {
                (true, _) => InputIn::Argument,
                (false, Some("path")) => InputIn::Path,
                (false, Some("query") | None) => InputIn::Query,
                (false, Some("header")) => InputIn::Header,
                (false, Some("body")) => InputIn::Body,
                (false, Some(other)) => {
                    self.unsupported(
                        &format!("{ipath}.in"),
                        &format!("an exposed input `in: {other}`"),
                    );
                    continue;
                }
            };
            // `value: $.a.b` on a body input: where in the JSON body it is.
            let body_path = match (&d.value, location) {
                (None, _) => None,
                (Some(Value::String(v)), InputIn::Body) if v.trim_start().starts_with('$') => {
                    match json_path(v) {
                        Ok(p) if matches!(p.steps.last(), Some(PathStep::Key(_))) => Some(p),
                        Ok(_) => {
                            self.error(
                                &format!("{ipath}.value"),
                                format!("`{v}` must end with a field name"),
                            );
                            continue;
                        }
                        Err(e) => {
                            self.error(&format!("{ipath}.value"), e);
                            continue;
                        }
                    }
                }
                _ => {
                    self.unsupported(
                        &format!("{ipath}.value"),
                        "an exposed input with a fixed `value`, or a JSONPath outside a JSON body",
                    );
                    continue;
                }
            };
            let ty = match param_type(d.kind.as_deref(), ParamType::String) {
                Ok(t) => t,
                Err(e) => {
                    self.error(&format!("{ipath}.type"), e);
                    continue;
                }
            };
            let whole_body = body_inputs == 1
                && matches!(ty, ParamType::Object | ParamType::Array | ParamType::Json);
            let location = match location {
                InputIn::Body if !whole_body || body_path.is_some() => InputIn::BodyField,
                other => other,
            };
            let pattern = match &d.pattern {
                None => None,
                Some(_) if ty != ParamType::String => {
                    self.error(
                        &format!("{ipath}.pattern"),
                        "`pattern` applies to `type: string` inputs only",
                    );
                    None
                }
                Some(p) => match regex::Regex::new(p) {
                    Ok(_) => Some(p.clone()),
                    Err(e) => {
                        self.error_help(
                            &format!("{ipath}.pattern"),
                            format!("`{p}` is not a regular expression this generator can compile: {}", e.to_string().lines().last().unwrap_or("")),
                            "Rust `regex` syntax (close to JSON Schema's; no look-around or backreferences)",
                        );
                        None
                    }
                },
            };
            if let Some(existing) = inputs.iter_mut().find(|x| same_name(&x.name.wire, &d.name)) {
                existing.description = d.description.clone().or(existing.description.take());
                existing.ty = ty;
                existing.pattern = pattern.or(existing.pattern.take());
                continue;
            }
            inputs.push(Input {
                name: Name::snake(&d.name),
                location,
                ty,
                required: d.required.unwrap_or(mcp || location == InputIn::Path),
                description: d.description.clone(),
                pattern,
                body_path,
            });
        }
    }

    /// A tool in mock mode: every output named, each a `const` or a `value` (fixed text or
    /// `{{input}}` templates); the result is the object of those outputs.
    fn mock_tool(&mut self, tpath: &str, t: &model::McpTool) -> Option<Tool> {
        if t.output_parameters.is_empty() {
            self.error_help(
                &format!("{tpath}.name"),
                "no `call`: nothing to run",
                "add `call: <consumes-namespace>.<operation>`, or outputs with fixed `value`s (mock mode)",
            );
            return None;
        }
        let mut inputs = Vec::new();
        self.exposed_inputs(tpath, &t.input_parameters, &mut inputs, true);
        let fields = self.mock_fields(tpath, &t.output_parameters, &inputs)?;
        let hints = t.hints.clone().unwrap_or_default();
        Some(Tool {
            name: Name::snake(&t.name),
            title: t.label.clone(),
            description: t.description.clone(),
            hints: Hints {
                read_only: hints.read_only.unwrap_or(true),
                destructive: hints.destructive.unwrap_or(false),
                idempotent: hints.idempotent.unwrap_or(true),
                open_world: hints.open_world.unwrap_or(false),
            },
            inputs,
            call: None,
            steps: Vec::new(),
            output: Output::Mock { fields },
        })
    }

    /// Mock outputs: named fixed values (`const`, `value`) and `{{input}}` templates.
    fn mock_fields(
        &mut self,
        tpath: &str,
        outputs: &[model::OutputParameter],
        inputs: &[Input],
    ) -> Option<Vec<(Name, MockValue)>> {
        let mut fields = Vec::new();
        for (i, o) in outputs.iter().enumerate() {
            let opath = format!("{tpath}.outputParameters[{i}]");
            let Some(name) = &o.name else {
                self.error(
                    &opath,
                    "a mock output needs a `name` (the field of the result)",
                );
                continue;
            };
            let value = match (&o.constant, &o.value) {
                (Some(c), _) => MockValue::Const(c.clone()),
                (None, Some(Value::String(text))) if text.contains("{{") => {
                    let mut parts = Vec::new();
                    for part in mustache(text) {
                        match part {
                            Ok(literal) => parts.push(WithPart::Text(literal)),
                            Err(input) => match inputs
                                .iter()
                                .position(|x: &Input| same_name(&x.name.wire, &input))
                            {
                                Some(ii) => parts.push(WithPart::Input(ii)),
                                None => {
                                    self.error(
                                        &format!("{opath}.value"),
                                        format!("`{{{{{input}}}}}` names no input"),
                                    );
                                    return None;
                                }
                            },
                        }
                    }
                    MockValue::Template(parts)
                }
                (None, Some(v)) => MockValue::Const(v.clone()),
                (None, None) => {
                    self.error_help(
                        &opath,
                        "a mock output without `value` or `const`",
                        "add `value: …`",
                    );
                    continue;
                }
            };
            fields.push((Name::snake(name), value));
        }
        Some(fields)
    }

    fn rest(
        &mut self,
        path: &str,
        r: &model::ExposesRest,
        consumes: &[Consumes],
        binds: &[BindVar],
    ) -> Option<RestAdapter> {
        if r.kind == "http" {
            self.warn(
                &format!("{path}.type"),
                "`type: http` read as `type: rest`",
                "write `type: rest`",
            );
        }
        let auth = match &r.authentication {
            Some(a) => self.auth_block(&format!("{path}.authentication"), a, binds, "inbound"),
            None => UpstreamAuth::None,
        };
        let mut routes: Vec<Route> = Vec::new();
        let mut forwards: Vec<Forward> = Vec::new();
        let mut handler_names: Vec<String> = Vec::new();
        for (ri, res) in r.resources.iter().enumerate() {
            let rpath = format!("{path}.resources[{ri}]");
            if let Some(forward) = &res.forward {
                if let Some(f) = self.forward(&rpath, res, forward, consumes, &forwards) {
                    forwards.push(f);
                }
                continue;
            }
            let mut axum_path = String::new();
            let mut path_inputs = Vec::new();
            for part in split_path(&res.path) {
                match part {
                    Ok(text) => axum_path.push_str(&text),
                    Err(var) => {
                        let name = Name::snake(&var);
                        if path_inputs.iter().any(|i: &Input| i.name.rust == name.rust) {
                            self.error(
                                &format!("{rpath}.path"),
                                format!("path variable `{var}` appears twice"),
                            );
                        }
                        axum_path.push('{');
                        axum_path.push_str(&var);
                        axum_path.push('}');
                        path_inputs.push(Input {
                            name,
                            location: InputIn::Path,
                            ty: ParamType::String,
                            required: true,
                            description: None,
                            pattern: None,
                            body_path: None,
                        });
                    }
                }
            }
            if ["/healthz", "/readyz", "/metrics", "/openapi.json"].contains(&axum_path.as_str()) {
                self.error_help(
                    &format!("{rpath}.path"),
                    format!("`{}` is served by the generated server itself", res.path),
                    "every adapter answers /healthz, /readyz, /metrics and /openapi.json; choose another path",
                );
                continue;
            }
            if !axum_path.starts_with('/') {
                self.error(
                    &format!("{rpath}.path"),
                    format!("exposed path `{}` must start with `/`", res.path),
                );
                continue;
            }
            let mut route = Route {
                path: axum_path,
                description: res.description.clone(),
                operations: Vec::new(),
            };
            for (oi, op) in res.operations.iter().enumerate() {
                let opath = format!("{rpath}.operations[{oi}]");
                // A `ref` operation is its function's, resolved where the function is written.
                let merged;
                let (op, opath) = if op.reference.is_some() {
                    if op.call.is_some() || op.steps.is_some() {
                        self.error(
                            &format!("{opath}.ref"),
                            "an operation with `ref` takes its `call` or `steps` from the function; remove them",
                        );
                        continue;
                    }
                    let elsewhere: Vec<String> = path_inputs
                        .iter()
                        .map(|i| i.name.wire.clone())
                        .chain(res.input_parameters.iter().map(|i| i.name.clone()))
                        .collect();
                    let Some((fpath, operation)) =
                        self.referenced_operation(&opath, op, &elsewhere)
                    else {
                        continue;
                    };
                    merged = operation;
                    (&merged, fpath)
                } else {
                    (op, opath)
                };
                let method = match method(op.method.as_deref()) {
                    Ok(m) => m,
                    Err(e) => {
                        self.error(&format!("{opath}.method"), e);
                        continue;
                    }
                };
                if route.operations.iter().any(|o| o.method == method) {
                    self.error(
                        &format!("{opath}.method"),
                        format!("`{}` is declared twice on `{}`", method.as_str(), res.path),
                    );
                    continue;
                }
                let ns = r.namespace.as_str();
                let orchestrated = match (&op.steps, &op.reference, &op.call) {
                    (Some(steps), None, None) => Some(steps),
                    _ => None,
                };
                let mock = op.call.is_none()
                    && op.steps.is_none()
                    && op.reference.is_none()
                    && !op.output_parameters.is_empty();
                let (call, steps, inputs, output) = if mock {
                    // Mock mode: fixed outputs and input templates, nothing called.
                    let mut inputs = path_inputs.clone();
                    self.exposed_inputs(&rpath, &res.input_parameters, &mut inputs, false);
                    self.exposed_inputs(&opath, &op.input_parameters, &mut inputs, false);
                    let Some(fields) = self.mock_fields(&opath, &op.output_parameters, &inputs)
                    else {
                        continue;
                    };
                    (None, Vec::new(), inputs, Output::Mock { fields })
                } else if let Some(steps) = orchestrated {
                    let mut inputs = path_inputs.clone();
                    self.exposed_inputs(&rpath, &res.input_parameters, &mut inputs, false);
                    self.exposed_inputs(&opath, &op.input_parameters, &mut inputs, false);
                    let Some((steps, output)) = self.orchestration(
                        &opath,
                        steps,
                        &op.mappings,
                        &op.output_parameters,
                        consumes,
                        &["rest", ns],
                        &mut inputs,
                    ) else {
                        continue;
                    };
                    (None, steps, inputs, output)
                } else {
                    let target = (
                        op.steps.is_some(),
                        op.reference.is_some(),
                        op.call.as_deref(),
                    );
                    let Some((ci, coi)) = self.simple_call(&opath, target, consumes) else {
                        continue;
                    };
                    let consumed = &consumes[ci].operations[coi];
                    let mut inputs = path_inputs.clone();
                    self.exposed_inputs(&rpath, &res.input_parameters, &mut inputs, false);
                    self.exposed_inputs(&opath, &op.input_parameters, &mut inputs, false);
                    let takes_body = !matches!(method, Method::Get | Method::Head);
                    // Inputs the spec does not declare: the JSON body, and query parameters and headers
                    // that flow through by name (`with: {x: rest.x}` or no `with` at all).
                    let synthesize = |name: &str, p: &Param| {
                        let location = match p.location {
                            ParamIn::Body
                                if takes_body
                                    && (same_name(name, "body")
                                        || same_name(name, &p.name.wire)) =>
                            {
                                InputIn::Body
                            }
                            // Placeholders of a body template are read from the query string too.
                            ParamIn::Query | ParamIn::Template => InputIn::Query,
                            ParamIn::Header => InputIn::Header,
                            // A cookie for the upstream is read from the caller's query string.
                            ParamIn::Cookie => InputIn::Query,
                            _ => return None,
                        };
                        Some(Input {
                            name: Name::snake(name),
                            location,
                            ty: p.ty,
                            required: p.required,
                            description: p.description.clone(),
                            pattern: None,
                            body_path: None,
                        })
                    };
                    let args = self.args(
                        &opath,
                        (&op.with, Vec::new()),
                        consumed,
                        &["rest", ns],
                        &mut inputs,
                        &synthesize,
                    );
                    for (ii, input) in inputs.iter().enumerate() {
                        let used = args.iter().any(|a| match &a.source {
                            ArgSource::Input(i) => *i == ii,
                            ArgSource::Template(parts) => parts.contains(&WithPart::Input(ii)),
                            ArgSource::Literal(_) | ArgSource::Step { .. } => false,
                        });
                        if !used && input.location == InputIn::Path {
                            self.warn(
                                &format!("{rpath}.path"),
                                format!(
                                    "path variable `{}` is not passed to `{}.{}`",
                                    input.name.wire,
                                    consumes[ci].namespace.wire,
                                    consumed.name.wire
                                ),
                                "pass it with `with`, or remove it from the path",
                            );
                        }
                    }
                    self.output_inputs = (
                        inputs.iter().map(|i| i.name.wire.clone()).collect(),
                        vec!["rest".to_owned(), ns.to_owned()],
                    );
                    let output = self.exposed_output(&opath, &op.output_parameters, consumed);
                    self.output_inputs = Default::default();
                    let call = Call {
                        consumes: ci,
                        operation: coi,
                        args,
                    };
                    (Some(call), Vec::new(), inputs, output)
                };
                let base = op
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{} {}", method.lower(), res.path));
                let mut name = Name::snake(&base);
                let mut n = 2;
                // The adapter module's own items keep their names.
                const OWN: &[&str] = &["router", "router_with_body_limit", "routing", "rest"];
                while handler_names.contains(&name.rust) || OWN.contains(&name.rust.as_str()) {
                    name = Name::snake(&format!("{base}-{n}"));
                    n += 1;
                }
                handler_names.push(name.rust.clone());
                route.operations.push(RestOp {
                    name,
                    method,
                    description: op.description.clone().or_else(|| op.label.clone()),
                    inputs,
                    call,
                    steps,
                    output,
                });
            }
            if let Some(existing) = routes.iter_mut().find(|x| x.path == route.path) {
                for op in route.operations {
                    if existing.operations.iter().any(|o| o.method == op.method) {
                        self.error(
                            &format!("{rpath}.path"),
                            format!(
                                "`{} {}` is declared twice",
                                op.method.as_str(),
                                existing.path
                            ),
                        );
                    } else {
                        existing.operations.push(op);
                    }
                }
            } else if !route.operations.is_empty() {
                routes.push(route);
            }
        }
        for f in &forwards {
            if routes.iter().any(|r| r.path == f.path) {
                self.error(
                    &format!("{path}.resources"),
                    format!("`{}` both forwards and has operations", f.path),
                );
            }
        }
        Some(RestAdapter {
            namespace: Name::snake(&r.namespace),
            port: r.port.unwrap_or(8080),
            address: r.address.clone(),
            description: r.description.clone(),
            auth,
            routes,
            forwards,
        })
    }

    /// A resource that forwards every request to a consumed API: the method, the path after
    /// the resource's fixed prefix, the query and the body as received, the trusted headers.
    fn forward(
        &mut self,
        rpath: &str,
        res: &model::ExposedResource,
        forward: &Value,
        consumes: &[Consumes],
        earlier: &[Forward],
    ) -> Option<Forward> {
        let fpath = format!("{rpath}.forward");
        if !res.operations.is_empty() {
            self.error_help(
                &fpath,
                "a resource either forwards or declares `operations`, not both",
                "move the operations to a resource of their own",
            );
            return None;
        }
        let Some(target) = forward.get("targetNamespace").and_then(Value::as_str) else {
            self.error(
                &fpath,
                "`forward` needs `targetNamespace` (a consumes namespace)",
            );
            return None;
        };
        if self.broken.iter().any(|b| b == target) {
            return None;
        }
        let Some(ci) = consumes.iter().position(|c| c.namespace.wire == target) else {
            let known: Vec<&str> = consumes.iter().map(|c| c.namespace.wire.as_str()).collect();
            self.error_help(
                &format!("{fpath}.targetNamespace"),
                format!("`{target}` is not a consumes namespace"),
                format!("known namespaces: {}", known.join(", ")),
            );
            return None;
        };
        let mut trusted_headers = Vec::new();
        for (i, h) in forward
            .get("trustedHeaders")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            match h.as_str() {
                Some(name) if !reqwest_header_name_invalid(name) => {
                    trusted_headers.push(name.to_ascii_lowercase())
                }
                _ => {
                    self.error(
                        &format!("{fpath}.trustedHeaders[{i}]"),
                        "not a valid header name",
                    );
                    return None;
                }
            }
        }
        // No variable: the request path is forwarded; one final variable: what follows the
        // fixed prefix (any number of segments).
        let parts = split_path(&res.path);
        let (path, prefix) = match parts.as_slice() {
            [Ok(fixed)] => (fixed.clone(), None),
            [Ok(prefix), Err(var)] if prefix.ends_with('/') => {
                (format!("{prefix}{{*{var}}}"), Some(prefix.clone()))
            }
            _ => {
                self.unsupported(
                    &format!("{rpath}.path"),
                    "a forwarding path other than a fixed path or a fixed prefix and one final variable",
                );
                return None;
            }
        };
        if !path.starts_with('/') {
            self.error(
                &format!("{rpath}.path"),
                format!("exposed path `{}` must start with `/`", res.path),
            );
            return None;
        }
        if earlier.iter().any(|f| f.path == path) {
            self.error(
                &format!("{rpath}.path"),
                format!("`{}` is forwarded twice", res.path),
            );
            return None;
        }
        let base = res
            .name
            .clone()
            .unwrap_or_else(|| format!("forward {}", res.path));
        let mut name = Name::snake(&base);
        let mut n = 2;
        while earlier.iter().any(|f| f.name.rust == name.rust) {
            name = Name::snake(&format!("{base}-{n}"));
            n += 1;
        }
        Some(Forward {
            name,
            path,
            prefix,
            consumes: ci,
            trusted_headers,
        })
    }

    fn mcp(
        &mut self,
        path: &str,
        m: &model::ExposesMcp,
        consumes: &[Consumes],
        binds: &[BindVar],
    ) -> Option<McpAdapter> {
        let stdio = match m.transport.as_deref() {
            None | Some("http") => false,
            Some("stdio") => true,
            Some(t) => {
                self.unsupported(
                    &format!("{path}.transport"),
                    &format!("MCP `transport: {t}`"),
                );
                false
            }
        };
        let auth = match &m.authentication {
            // The client starts the process: there is no request to check credentials on.
            Some(_) if stdio => {
                self.error_help(
                    &format!("{path}.authentication"),
                    "`authentication` cannot be checked on a `transport: stdio` adapter",
                    "remove it (the client that starts the server is trusted), or use `transport: http`",
                );
                UpstreamAuth::None
            }
            Some(a) => self.auth_block(&format!("{path}.authentication"), a, binds, "inbound"),
            None => UpstreamAuth::None,
        };
        let prompts = self.prompts(path, &m.prompts);
        let mut tools: Vec<Tool> = Vec::new();
        for (ti, t) in m.tools.iter().enumerate() {
            let tpath = format!("{path}.tools[{ti}]");
            // A `ref` tool is its function's, resolved where the function is written.
            let merged;
            let (t, cpath) = if t.reference.is_some() {
                if t.call.is_some() || t.steps.is_some() {
                    self.error(
                        &format!("{tpath}.ref"),
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
            if tools.iter().any(|x| x.name.wire == t.name) {
                self.error(
                    &format!("{tpath}.name"),
                    format!("tool `{}` is declared twice", t.name),
                );
                continue;
            }
            let snake = Name::snake(&t.name);
            if let Some(clash) = tools.iter().find(|x| x.name.rust == snake.rust) {
                let msg = format!(
                    "tool `{}` clashes with `{}` (both become `{}`)",
                    t.name, clash.name.wire, clash.name.rust
                );
                self.error(&format!("{tpath}.name"), msg);
                continue;
            }
            let tpath = cpath;
            let ns = m.namespace.as_str();
            if let Some(tool) = self.mcp_tool(&tpath, ns, t, consumes) {
                tools.push(tool);
            }
        }
        let resources = self.resources(path, m, consumes);
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
    fn file_resources(
        &mut self,
        path: &str,
        m: &model::ExposesMcp,
        dynamic: &[McpResource],
    ) -> Vec<FileResource> {
        let mut out: Vec<FileResource> = Vec::new();
        for (i, r) in m.resources.iter().enumerate() {
            let rpath = format!("{path}.resources[{i}]");
            let lpath = format!("{rpath}.location");
            let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
            let (Some(name), Some(uri), Some(_)) = (text("name"), text("uri"), text("location"))
            else {
                continue;
            };
            if ["call", "steps"].iter().any(|k| r.get(*k).is_some()) {
                self.error(
                    &lpath,
                    "a resource is read from a `location` or through `call`/`steps`, not both",
                );
                continue;
            }
            if uri.contains('{') {
                self.error_help(
                    &format!("{rpath}.uri"),
                    "a resource served from a `location` has a fixed `uri`, not a URI template",
                    "the files of a folder are served at `<uri>/<path in the folder>`",
                );
                continue;
            }
            let (single, files) = match self.doc.assets.get(&lpath) {
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
                let mime_type =
                    text("mimeType").unwrap_or_else(|| media_type(&f.name, &f.bytes).to_owned());
                out.push(FileResource {
                    content: FileContent::new(&f.bytes, &mime_type),
                    uri,
                    name,
                    title: text("label"),
                    description: text("description"),
                    mime_type,
                });
            }
        }
        out
    }

    /// One MCP tool (its name already checked): a mock, an orchestration or a call.
    fn mcp_tool(
        &mut self,
        tpath: &str,
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
                call: None,
                steps,
                output,
            });
        }
        let target = (t.steps.is_some(), t.reference.is_some(), t.call.as_deref());
        let (ci, coi) = self.simple_call(&tpath, target, consumes)?;
        let consumed = &consumes[ci].operations[coi];
        let mut inputs = Vec::new();
        self.exposed_inputs(&tpath, &t.input_parameters, &mut inputs, true);
        let declared = !t.input_parameters.is_empty();
        let synthesize = |name: &str, p: &Param| {
            (!declared).then(|| Input {
                name: Name::snake(name),
                location: InputIn::Argument,
                ty: p.ty,
                required: p.required,
                description: p.description.clone(),
                pattern: None,
                body_path: None,
            })
        };
        let args = self.args(
            &tpath,
            (&t.with, Vec::new()),
            consumed,
            &["tools", ns],
            &mut inputs,
            &synthesize,
        );
        self.output_inputs = (
            inputs.iter().map(|i| i.name.wire.clone()).collect(),
            vec!["tools".to_owned(), ns.to_owned()],
        );
        let output = self.exposed_output(&tpath, &t.output_parameters, consumed);
        self.output_inputs = Default::default();
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
            call: Some(Call {
                consumes: ci,
                operation: coi,
                args,
            }),
            steps: Vec::new(),
            output,
        })
    }

    /// MCP resources: each is read like a tool whose inputs are its URI template's variables.
    fn resources(
        &mut self,
        path: &str,
        m: &model::ExposesMcp,
        consumes: &[Consumes],
    ) -> Vec<McpResource> {
        let mut resources: Vec<McpResource> = Vec::new();
        for (i, r) in m.resources.iter().enumerate() {
            let rpath = format!("{path}.resources[{i}]");
            let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
            let (Some(name), Some(uri)) = (text("name"), text("uri")) else {
                self.error(&rpath, "a resource needs a `name` and a `uri`");
                continue;
            };
            if r.get("location").is_some() {
                continue; // served from its files: see `file_resources`
            }
            if resources.iter().any(|x| x.read.name.wire == name) {
                self.error(
                    &format!("{rpath}.name"),
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
            let as_tool: model::McpTool = match serde_json::from_value(serde_json::json!({
                "name": name,
                "description": r.get("description"),
                "call": r.get("call"),
                "with": r.get("with").cloned().unwrap_or_else(|| serde_json::json!({})),
                "steps": r.get("steps"),
                "mappings": r.get("mappings").cloned().unwrap_or_else(|| serde_json::json!([])),
                "outputParameters": r.get("outputParameters").cloned().unwrap_or_else(|| serde_json::json!([])),
                "inputParameters": vars.iter().map(|v| serde_json::json!({
                    "name": v, "type": "string", "required": true,
                    "description": format!("`{{{v}}}` of the resource URI"),
                })).collect::<Vec<_>>(),
            })) {
                Ok(t) => t,
                Err(e) => {
                    self.error(&rpath, format!("not a resource: {e}"));
                    continue;
                }
            };
            let Some(mut read) = self.mcp_tool(&rpath, &m.namespace, &as_tool, consumes) else {
                continue;
            };
            // Its handler is a method of the server beside the tools': keep the names apart.
            read.name.rust = format!("resource_{}", read.name.rust);
            resources.push(McpResource {
                read,
                uri,
                template: (!vars.is_empty()).then_some(literals),
                title: text("label"),
                description: text("description"),
                mime_type: text("mimeType"),
            });
        }
        resources
    }

    /// A prompt message's text: literal text and `{{argument}}`s, each an argument of `prompt`.
    fn prompt_text(
        &mut self,
        path: &str,
        content: &str,
        arguments: &[PromptArgument],
        prompt: &str,
    ) -> Option<Vec<WithPart>> {
        let mut parts = Vec::new();
        let mut failed = false;
        for part in mustache(content) {
            match part {
                Ok(literal) => parts.push(WithPart::Text(literal)),
                Err(arg) => match arguments.iter().position(|a| a.name == arg) {
                    Some(ai) => parts.push(WithPart::Input(ai)),
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
    fn asset_text(&mut self, path: &str) -> Option<String> {
        match self.doc.assets.get(path) {
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
    fn prompts(&mut self, path: &str, prompts: &[Value]) -> Vec<McpPrompt> {
        let mut out: Vec<McpPrompt> = Vec::new();
        for (i, p) in prompts.iter().enumerate() {
            let ppath = format!("{path}.prompts[{i}]");
            let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            let Some(name) = text(p, "name") else {
                self.error(&ppath, "a prompt needs a `name`");
                continue;
            };
            let arguments: Vec<PromptArgument> = p
                .get("arguments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|a| {
                    Some(PromptArgument {
                        name: text(a, "name")?,
                        title: text(a, "label"),
                        description: text(a, "description"),
                        required: a.get("required").and_then(Value::as_bool).unwrap_or(false),
                    })
                })
                .collect();
            let mut messages = Vec::new();
            let mut failed = false;
            for (mi, msg) in p
                .get("template")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let mpath = format!("{ppath}.template[{mi}]");
                let role = match msg.get("role").and_then(Value::as_str) {
                    Some("user") => PromptRole::User,
                    Some("assistant") => PromptRole::Assistant,
                    other => {
                        self.error(
                            &format!("{mpath}.role"),
                            format!(
                                "prompt role `{}` is neither `user` nor `assistant`",
                                other.unwrap_or("")
                            ),
                        );
                        failed = true;
                        continue;
                    }
                };
                let content = text(msg, "content").unwrap_or_default();
                match self.prompt_text(&format!("{mpath}.content"), &content, &arguments, &name) {
                    Some(parts) => messages.push((role, parts)),
                    None => failed = true,
                }
            }
            // A file-based prompt: its content is one `user` message.
            if p.get("location").is_some() && p.get("template").is_some() {
                self.error(
                    &format!("{ppath}.location"),
                    "a prompt has a `template` or a `location`, not both",
                );
                failed = true;
            } else if p.get("location").is_some() {
                let lpath = format!("{ppath}.location");
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
                    title: text(p, "label"),
                    description: text(p, "description"),
                    arguments,
                    messages,
                });
            }
        }
        out
    }
}

/// Marks a placeholder that stood outside any JSON string in a raw body template (a character
/// of the private use area: JSON strings may hold it, templates do not).
const BARE: char = '\u{E000}';

/// A raw JSON body template with each placeholder outside a JSON string quoted and marked
/// [`BARE`]: `{"ids": {{ids}}}` → `{"ids": "\u{E000}{{ids}}"}`, so that it parses as JSON.
fn quote_placeholders(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if !in_string
            && rest.starts_with("{{")
            && let Some(end) = rest.find("}}")
        {
            out.push('"');
            out.push(BARE);
            out.push_str(&rest[..end + 2]);
            out.push('"');
            rest = &rest[end + 2..];
            continue;
        }
        match c {
            '\\' if in_string => escaped = !escaped,
            '"' if !escaped => in_string = !in_string,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A Mustache template split into its literal text (`Ok`) and its `{{name}}` placeholders
/// (`Err`, trimmed); an unclosed `{{` is literal text.
fn mustache(text: &str) -> Vec<Result<String, String>> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        if start > 0 {
            parts.push(Ok(rest[..start].to_owned()));
        }
        parts.push(Err(rest[start + 2..start + len].trim().to_owned()));
        rest = &rest[start + len + 2..];
    }
    if !rest.is_empty() {
        parts.push(Ok(rest.to_owned()));
    }
    parts
}

/// The name a `consumes` entry is called by: its `namespace`, or an import's `as` or `import`.
fn local_name(c: &model::Consumes) -> Option<&str> {
    c.namespace
        .as_deref()
        .or(c.alias.as_deref())
        .or(c.import.as_deref())
}

/// A JSONPath of names and indexes: `$`, `$.`, `$.a.b`, `$.a[0]`, `$['a b']`. Filters,
/// wildcards and recursive descent are refused by name.
fn json_path(text: &str) -> Result<JsonPath, String> {
    let t = text.trim();
    let Some(mut rest) = t.strip_prefix('$') else {
        return Err(format!("`{text}` is not a JSONPath (it starts with `$`)"));
    };
    let mut steps = Vec::new();
    let unsupported = |what: &str| {
        Err(format!(
            "`{text}`: {what} in a JSONPath is not supported by this version of naftiko-codegen (names and indexes are)"
        ))
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("..") {
            let _ = r;
            return unsupported("recursive descent (`..`)");
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name == "*" {
                return unsupported("a wildcard");
            }
            if !name.is_empty() {
                steps.push(PathStep::Key(name.to_owned()));
            }
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else {
                return Err(format!("`{text}`: `[` without `]`"));
            };
            let inner = r[..end].trim();
            if let Some(name) = inner
                .strip_prefix('\'')
                .and_then(|n| n.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|n| n.strip_suffix('"')))
            {
                steps.push(PathStep::Key(name.to_owned()));
            } else if let Ok(index) = inner.parse::<usize>() {
                steps.push(PathStep::Index(index));
            } else if inner == "*" {
                return unsupported("a wildcard");
            } else {
                return unsupported(&format!("`[{inner}]`"));
            }
            rest = &r[end + 1..];
        } else {
            return Err(format!("`{text}` is not a JSONPath"));
        }
    }
    Ok(JsonPath {
        text: t.to_owned(),
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::{PathStep, json_path};

    #[test]
    fn json_paths_of_names_and_indexes() {
        let steps = |t: &str| json_path(t).map(|p| p.steps);
        assert_eq!(steps("$"), Ok(vec![]));
        assert_eq!(steps("$."), Ok(vec![]));
        assert_eq!(
            steps("$.a.b[2]['c d']"),
            Ok(vec![
                PathStep::Key("a".into()),
                PathStep::Key("b".into()),
                PathStep::Index(2),
                PathStep::Key("c d".into()),
            ])
        );
        for refused in ["$..a", "$.a[*]", "$.*", "$.a[?(@.x)]", "a.b", "$.a[1"] {
            assert!(json_path(refused).is_err(), "{refused}");
        }
    }

    use super::*;

    #[test]
    fn bare_placeholders_of_a_raw_json_body_are_quoted() {
        assert_eq!(
            quote_placeholders(r#"{"a": "{{a}}", "ids": {{ids}}, "s": "x \" {{no}}"}"#),
            "{\"a\": \"{{a}}\", \"ids\": \"\u{E000}{{ids}}\", \"s\": \"x \\\" {{no}}\"}"
        );
        // An escaped backslash ends before the quote: the placeholder is outside the string.
        assert_eq!(
            quote_placeholders(r#"["x \\", {{n}}]"#),
            "[\"x \\\\\", \"\u{E000}{{n}}\"]"
        );
        assert_eq!(
            quote_placeholders("[{{a}},{{b}}]"),
            "[\"\u{E000}{{a}}\",\"\u{E000}{{b}}\"]"
        );
        assert_eq!(quote_placeholders("{{unclosed"), "{{unclosed");
    }

    #[test]
    fn split_path_takes_single_and_double_braces() {
        assert_eq!(
            split_path("/users/{userId}/tokens/{{tokenId}}"),
            vec![
                Ok("/users/".to_owned()),
                Err("userId".to_owned()),
                Ok("/tokens/".to_owned()),
                Err("tokenId".to_owned())
            ]
        );
        assert_eq!(split_path("/plain"), vec![Ok("/plain".to_owned())]);
    }
}
