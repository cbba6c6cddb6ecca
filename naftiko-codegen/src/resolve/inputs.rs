//! Exposed inputs (REST parameters and MCP tool arguments) and mock outputs.

use std::collections::HashMap;

use serde_json::Value;

use super::Resolver;
use super::ir::*;
use super::names::Name;
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::model;

impl Resolver<'_> {
    pub(super) fn exposed_inputs(
        &mut self,
        path: &YamlPath,
        declared: &[model::ExposedInput],
        inputs: &mut Vec<Input>,
        mcp: bool,
    ) {
        // One `in: body` input of a structured type is the whole body; several are its fields.
        let body_inputs = declared
            .iter()
            .filter(|d| d.location.as_deref() == Some("body"))
            .count();
        let mut by_name = NameIndex::of(inputs.iter().map(|i| i.name.wire.as_str()));
        let mut by_rust: HashMap<String, usize> = HashMap::new();
        for (i, input) in inputs.iter().enumerate() {
            by_rust.entry(input.name.rust.clone()).or_insert(i);
        }
        for (i, d) in declared.iter().enumerate() {
            let ipath = path.key("inputParameters").index(i);
            let location = match (mcp, d.location.as_deref()) {
                (true, _) => InputIn::Argument,
                (false, Some("path")) => InputIn::Path,
                (false, Some("query") | None) => InputIn::Query,
                (false, Some("header")) => InputIn::Header,
                (false, Some("body")) => InputIn::Body,
                (false, Some(other)) => {
                    self.unsupported(&ipath.key("in"), &format!("an exposed input `in: {other}`"));
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
                                &ipath.key("value"),
                                format!("`{v}` must end with a field name"),
                            );
                            continue;
                        }
                        Err(e) => {
                            self.error(&ipath.key("value"), e);
                            continue;
                        }
                    }
                }
                _ => {
                    self.unsupported(
                        &ipath.key("value"),
                        "an exposed input with a fixed `value`, or a JSONPath outside a JSON body",
                    );
                    continue;
                }
            };
            let ty = match param_type(d.kind.as_deref(), ParamType::String) {
                Ok(t) => t,
                Err(e) => {
                    self.error(&ipath.key("type"), e);
                    continue;
                }
            };
            if d.kind.as_deref() == Some("json") {
                let (message, help) = JSON_TYPE;
                self.warn(&ipath.key("type"), message, help);
            }
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
                        &ipath.key("pattern"),
                        "`pattern` applies to `type: string` inputs only",
                    );
                    None
                }
                Some(p) => match regex::Regex::new(p) {
                    Ok(_) => Some(p.clone()),
                    Err(e) => {
                        self.error_help(
                            &ipath.key("pattern"),
                            format!("`{p}` is not a regular expression this generator can compile: {}", e.to_string().lines().last().unwrap_or("")),
                            "Rust `regex` syntax (close to JSON Schema's; no look-around or backreferences)",
                        );
                        None
                    }
                },
            };
            let name = Name::snake(&d.name);
            let same = by_name
                .get(&d.name)
                .or_else(|| by_rust.get(&name.rust).copied());
            if let Some(other) = same.map(|i| &inputs[i]).filter(|x| x.name.wire != d.name) {
                // Inputs are matched by name ignoring case and separators: two spellings would
                // be one input, fed from whichever the client sent.
                let message = format!(
                    "input `{}` and input `{}` differ only in case or separators: they would be one input",
                    d.name, other.name.wire
                );
                self.error_help(
                    &ipath.key("name"),
                    message,
                    "give each input a name of its own",
                );
                continue;
            }
            if let Some(existing) = same.map(|i| &mut inputs[i]) {
                existing.description = d.description.clone().or(existing.description.take());
                existing.ty = ty;
                existing.pattern = pattern.or(existing.pattern.take());
                continue;
            }
            by_name.add(&d.name, inputs.len());
            by_rust.entry(name.rust.clone()).or_insert(inputs.len());
            inputs.push(Input {
                name,
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
    pub(super) fn mock_tool(&mut self, tpath: &YamlPath, t: &model::McpTool) -> Option<Tool> {
        if t.output_parameters.is_empty() {
            self.warn(
                &tpath.key("name"),
                "no `call`: nothing to run, so it is left out",
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
            runs: Runs::Mock { fields },
            tags: Vec::new(),
        })
    }

    /// Mock outputs: named fixed values (`const`, `value`) and `{{input}}` templates.
    pub(super) fn mock_fields(
        &mut self,
        tpath: &YamlPath,
        outputs: &[model::OutputParameter],
        inputs: &[Input],
    ) -> Option<Vec<(Name, MockValue)>> {
        if !outputs.is_empty()
            && outputs
                .iter()
                .all(|o| o.constant.is_none() && o.value.is_none())
        {
            // Outputs that map a result, and nothing that makes one.
            self.warn(
                tpath,
                "no `call`, and its outputs map the result of one: nothing to run, so it is left out",
                "add `call: <consumes-namespace>.<operation>`",
            );
            return None;
        }
        let mut fields = Vec::new();
        for (i, o) in outputs.iter().enumerate() {
            let opath = tpath.key("outputParameters").index(i);
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
                            Ok(literal) => parts.push(Part::Text(literal)),
                            Err(input) => {
                                match find_id(inputs, |x: &Input| same_name(&x.name.wire, &input)) {
                                    Some(ii) => parts.push(Part::Slot(ii)),
                                    None => {
                                        self.error(
                                            &opath.key("value"),
                                            format!("`{{{{{input}}}}}` names no input"),
                                        );
                                        return None;
                                    }
                                }
                            }
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
}
