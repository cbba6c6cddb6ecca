//! Outputs: what a consumed operation answers, and the shape an exposed operation gives it
//! (`outputParameters`: mappings, constants, `value` templates).

use std::collections::BTreeMap;

use serde_json::Value;

use super::Resolver;
use super::ir::*;
use super::names::Name;
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::model;

/// The inputs an output's `{{input}}` templates may name, and the prefixes their names may carry
/// (`rest.x`, `tools.x`).
pub(super) struct Scope<'s> {
    pub(super) inputs: &'s [Input],
    pub(super) prefixes: &'s [&'s str],
}

impl Resolver<'_> {
    pub(super) fn consumed_output(
        &mut self,
        opath: &YamlPath,
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
                    Err(e) => self.error(&opath.key("outputParameters").index(i).key("value"), e),
                }
            } else {
                self.unsupported(
                    &opath.key("outputParameters").index(i),
                    "an output parameter that maps part of the response (only `$.`, the whole JSON, is)",
                );
            }
        }
        (Output::PassThrough { wrap_as, format }, named)
    }

    pub(super) fn exposed_output(
        &mut self,
        path: &YamlPath,
        outputs: &[model::OutputParameter],
        consumed: &ConsumedOp,
        scope: &Scope,
    ) -> Output {
        let shaped: Vec<(usize, &model::OutputParameter)> = outputs
            .iter()
            .enumerate()
            .filter(|(_, o)| !is_pass_through(o))
            .collect();
        if let (Some(_), [(i, _), ..]) = (consumed.output.binary(), shaped.as_slice()) {
            self.warn(
                &path.key("outputParameters").index(*i),
                "the answer is binary (`outputRawFormat: binary`): the bytes are passed on as they are, without these outputs",
                "remove `outputParameters`, or call an operation whose answer is JSON",
            );
            return consumed.output.clone();
        }
        match shaped.as_slice() {
            [] => consumed.output.clone(),
            [(i, o)] if outputs.len() == 1 => {
                let opath = path.key("outputParameters").index(*i);
                let format = match &consumed.output {
                    Output::PassThrough { format, .. } | Output::Shaped { format, .. } => {
                        format.clone()
                    }
                };
                if format == RawFormat::Text {
                    self.unsupported(&opath, "a shaped output of a text answer");
                    return consumed.output.clone();
                }
                let wrap_as = o.name.clone().unwrap_or_else(|| "result".to_owned());
                match self.shape(
                    scope,
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
                };
                if format == RawFormat::Text {
                    self.unsupported(
                        &path.key("outputParameters"),
                        "a shaped output of a text answer",
                    );
                    return consumed.output.clone();
                }
                let mut alternatives = Vec::new();
                for (i, o) in outputs.iter().enumerate() {
                    let opath = path.key("outputParameters").index(i);
                    let shape = if is_pass_through(o) {
                        json_path("$").ok().map(|path| Shape::Value {
                            path,
                            ty: ShapeType::Json,
                        })
                    } else {
                        self.shape(
                            scope,
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
    pub(super) fn shape_of(
        &mut self,
        path: &YamlPath,
        node: &Value,
        scope: &Scope,
    ) -> Option<Shape> {
        let field = |k: &str| node.get(k);
        self.shape(
            scope,
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
    pub(super) fn shape(
        &mut self,
        scope: &Scope,
        path: &YamlPath,
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
            return self.static_output(&path.key("value"), kind, value, scope);
        }
        // `const` is the schema's constant for validation; an output with nothing else to read
        // (no `mapping`) is that constant.
        if let Some(c) = constant.filter(|_| mapping.is_none()) {
            return Some(Shape::Const(c.clone()));
        }
        let json_path = |this: &mut Self, text: &str| match json_path(text) {
            Ok(p) => Some(p),
            Err(e) => {
                this.error(&path.key("mapping"), e);
                None
            }
        };
        match kind.unwrap_or("object") {
            "object" if properties.is_some() => {
                let Some(Value::Object(props)) = properties else {
                    self.error(
                        &path.key("properties"),
                        "`properties` must be a mapping of names to outputs",
                    );
                    return None;
                };
                let mut fields = Vec::new();
                for (name, p) in props {
                    let ppath = path.key("properties").key(name);
                    let shape = self.shape_of(&ppath, p, scope)?;
                    fields.push((Name::snake(name), shape));
                }
                Some(Shape::Object { fields })
            }
            "array" if items.is_some() => {
                let path_text = mapping.unwrap_or("$");
                let array_path = json_path(self, path_text)?;
                let Some(item) = items.filter(|i| i.is_object()) else {
                    self.error(&path.key("items"), "`items` must be an output (a mapping)");
                    return None;
                };
                let items = self.shape_of(&path.key("items"), item, scope)?;
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
                            &path.key("type"),
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
    pub(super) fn static_output(
        &mut self,
        path: &YamlPath,
        kind: Option<&str>,
        value: &Value,
        scope: &Scope,
    ) -> Option<Shape> {
        let Some(text) = value.as_str() else {
            self.error(path, "an output `value` must be a string");
            return None;
        };
        let kind = kind.unwrap_or("string");
        if text.contains("{{") {
            return self.output_template(path, kind, text, scope);
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
    pub(super) fn output_template(
        &mut self,
        path: &YamlPath,
        kind: &str,
        text: &str,
        scope: &Scope,
    ) -> Option<Shape> {
        if kind != "string" {
            self.error_help(
                path,
                format!("a `{{{{…}}}}` template makes text, but this output is a {kind}"),
                "give the output `type: string`",
            );
            return None;
        }
        let names: Vec<&str> = scope.inputs.iter().map(|i| i.name.wire.as_str()).collect();
        let mut parts = Vec::new();
        for part in mustache(text) {
            match part {
                Ok(literal) => parts.push(Part::Text(literal)),
                Err(name) => {
                    let bare = scope
                        .prefixes
                        .iter()
                        .find_map(|p| name.strip_prefix(p)?.strip_prefix('.'))
                        .unwrap_or(&name);
                    match names
                        .iter()
                        .position(|n| same_name(n, bare))
                        .map(InputId::new)
                    {
                        Some(i) => parts.push(Part::Slot(i)),
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
}

/// The typed result of each consumed operation: the shape the adapters calling it give its
/// answer, when every one of them shapes it the same way with `properties` or `items` (and no
/// `{{input}}` template, which the client does not have).
pub(super) fn typed_results(consumes: &mut [Consumes], rest: &[RestAdapter], mcp: &[McpAdapter]) {
    let calls = rest
        .iter()
        .flat_map(|a| &a.routes)
        .flat_map(|r| &r.operations)
        .map(|o| &o.runs)
        .chain(
            mcp.iter()
                .flat_map(|a| a.tools.iter().chain(a.resources.iter().map(|r| &r.read)))
                .map(|t| &t.runs),
        )
        .filter_map(|runs| match runs {
            Runs::Call { call, output } => Some((call, output)),
            Runs::Steps { .. } | Runs::Mock { .. } => None,
        });
    let mut found: BTreeMap<(ConsumesId, OperationId), Option<Shape>> = BTreeMap::new();
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
