//! Skill catalogs and the control adapter: `skill` adapters (frontmatter, tools by source,
//! `location` folders) and `control` (health, status, configuration).

use serde_json::Value;

use super::Resolver;
use super::ir::*;
use super::names::Name;
use super::path::YamlPath;
use crate::parse::Asset;
use crate::parse::model;

impl Resolver<'_> {
    /// The control adapter: health and info endpoints; what it cannot do is refused by name.
    pub(super) fn control(
        &mut self,
        path: &YamlPath,
        c: &model::ExposesControl,
    ) -> Option<ControlAdapter> {
        let auth = self.inbound_auth(path, c.authentication.as_deref());
        let management = c.management.clone().unwrap_or_default();
        let flag = |key: &str, default: bool| {
            let toggle = match key {
                "health" => &management.health,
                "info" => &management.info,
                "reload" => &management.reload,
                "validate" => &management.validate,
                "logs" => &management.logs,
                _ => &management.scripting,
            };
            model::Toggle::on(toggle.as_ref(), default)
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
                self.unsupported(&path.key("management").key(key), feature);
                refused = true;
            }
        }
        if let Some(o) = &c.observability
            && o.enabled != Some(false)
        {
            for (key, set) in [("traces", &o.traces), ("exporters", &o.exporters)] {
                if set.is_some() {
                    self.unsupported(
                        &path.key("observability").key(key),
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
            metrics: c
                .observability
                .as_ref()
                .is_none_or(|o| o.enabled != Some(false)),
        })
    }

    /// A skill adapter: each skill's document, its tools checked against the adapters they come
    /// from (`from: {sourceNamespace, action}`).
    pub(super) fn skill_adapter(
        &mut self,
        path: &YamlPath,
        s: &model::ExposesSkill,
        rest: &[RestAdapter],
        mcp: &[McpAdapter],
    ) -> Option<SkillAdapter> {
        if !self.check_namespace(&path.key("namespace"), &s.namespace) {
            return None;
        }
        let auth = self.inbound_auth(path, s.authentication.as_deref());
        let mut skills: Vec<Skill> = Vec::new();
        for (i, skill) in s.skills.iter().enumerate() {
            let spath = path.key("skills").index(i);
            if let Some(skill) = self.skill(&spath, skill, &skills, (rest, mcp)) {
                skills.push(skill);
            }
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

    /// One skill of a catalog (`None` when it is refused, with a diagnostic).
    fn skill(
        &mut self,
        spath: &YamlPath,
        skill: &Value,
        skills: &[Skill],
        adapters: (&[RestAdapter], &[McpAdapter]),
    ) -> Option<Skill> {
        let Some(name) = skill.get("name").and_then(Value::as_str) else {
            self.error(spath, "a skill needs a `name`");
            return None;
        };
        if skills.iter().any(|x| x.name == name) {
            self.error(
                &spath.key("name"),
                format!("skill `{name}` is declared twice"),
            );
            return None;
        }
        let lpath = spath.key("location");
        let run_time_dir = self.doc.run_time_dirs.get(lpath.as_str()).map(|path| {
            let env = format!(
                "NAFTIKO_SKILL_DIR_{}",
                Name::snake(name).rust.trim_end_matches('_').to_uppercase()
            );
            RunTimeDir {
                path: path.clone(),
                env,
            }
        });
        if let Some(dir) = &run_time_dir {
            self.warn(
                &lpath,
                format!(
                    "location `file://{}` is outside the spec's folder: the skill's files are read at run time from `{}` on the machine the server runs on (`{}` moves it), not compiled in",
                    dir.path, dir.path, dir.env
                ),
                "put the folder beside the spec and write `location: file:///./<folder>` to compile it in",
            );
        }
        let files = if run_time_dir.is_some() {
            Vec::new()
        } else if skill.get("location").is_some() {
            self.skill_files(&spath.key("location"))?
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
            let tpath = spath.key("tools").index(ti);
            let compiled = run_time_dir.is_none().then_some(files.as_slice());
            if let Some(entry) = self.skill_tool(&tpath, name, tool, compiled, adapters) {
                tools.push(entry);
            }
        }
        let document = skill_document(name, skill, tools, &files, run_time_dir.is_some());
        Some(Skill {
            name: name.to_owned(),
            description: skill
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            document,
            files,
            run_time_dir,
        })
    }

    /// One tool of skill `name`: an instruction (a file of the skill, where it is compiled in:
    /// `compiled`), or a sibling adapter's tool or operation (`None` when it is refused or left
    /// out, with a diagnostic).
    fn skill_tool(
        &mut self,
        tpath: &YamlPath,
        name: &str,
        tool: &Value,
        compiled: Option<&[SkillFile]>,
        adapters: (&[RestAdapter], &[McpAdapter]),
    ) -> Option<Value> {
        let field = |k: &str| tool.pointer(k).and_then(Value::as_str);
        if let Some(instruction) = tool.get("instruction") {
            let ipath = tpath.key("instruction");
            let Some(files) = compiled else {
                self.error_help(
                    &ipath,
                    "an instruction tool's file is compiled in, but this skill's `location` is read at run time",
                    "put the folder beside the spec and write `location: file:///./<folder>`",
                );
                return None;
            };
            return self.instruction_tool(&ipath, (name, tool, instruction), files);
        }
        let (Some(tool_name), Some(source), Some(action)) = (
            field("/name"),
            field("/from/sourceNamespace"),
            field("/from/action"),
        ) else {
            self.error(
                tpath,
                "a skill tool needs `name` and `from: {sourceNamespace, action}`",
            );
            return None;
        };
        let (rest, mcp) = adapters;
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
        } else if self.root.exposes.iter().any(|e| match e {
            model::Exposes::Mcp(m) => m.namespace == source,
            model::Exposes::Rest(r) => r.namespace == source,
            _ => false,
        }) {
            // The adapter is declared but was left out, and said so.
            None
        } else {
            self.error_help(
                &tpath.key("from").key("sourceNamespace"),
                format!("`{source}` is not an exposed `rest` or `mcp` adapter"),
                "name the namespace of a sibling adapter",
            );
            return None;
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
            if declared {
                self.warn(
                    tpath,
                    format!(
                        "skill tool `{tool_name}`: `{source}`'s `{action}` was left out, so is this tool"
                    ),
                    "see the diagnostic of the adapter or tool it comes from",
                );
            } else {
                self.error(
                    &tpath.key("from").key("action"),
                    format!("adapter `{source}` has no tool or operation `{action}`"),
                );
            }
            return None;
        };
        let mut entry = serde_json::json!({
            "name": tool_name,
            "from": {"sourceNamespace": source, "action": action},
            "source": target,
        });
        if let Some(d) = field("/description") {
            entry["description"] = Value::from(d);
        }
        Some(entry)
    }

    /// The files of a skill's `location` folder (read at generation), `SKILL.md` first.
    pub(super) fn skill_files(&mut self, path: &YamlPath) -> Option<Vec<SkillFile>> {
        let files = match self.doc.assets.get(path.as_str()) {
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
    pub(super) fn instruction_tool(
        &mut self,
        path: &YamlPath,
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
}

/// The document of skill `name` a catalog serves: what the spec says of it, its `tools`, and
/// its files (or where its instructions are read at run time).
fn skill_document(
    name: &str,
    skill: &Value,
    tools: Vec<Value>,
    files: &[SkillFile],
    run_time: bool,
) -> Value {
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
    if run_time {
        document.insert(
            "instructions".into(),
            Value::from(format!("/skills/{name}/SKILL.md")),
        );
    }
    Value::Object(document)
}
