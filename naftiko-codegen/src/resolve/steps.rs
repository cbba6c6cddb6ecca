//! Orchestration: `steps` (calls and lookups) and the `mappings` that shape their results.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Resolver;
use super::ir::*;
use super::names::Name;
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::model;

impl Resolver<'_> {
    /// The consumed operation an exposed operation or tool calls, given whether it has `steps`,
    /// whether it has a `ref`, its `call`, and its method (a REST operation's: it tells apart
    /// two operations of one name); refuses what this version does not generate.
    pub(super) fn simple_call(
        &mut self,
        path: &YamlPath,
        (steps, reference, call, method): (bool, bool, Option<&str>, Option<Method>),
        consumes: &[Consumes],
    ) -> Option<(ConsumesId, OperationId)> {
        if steps {
            self.unsupported(&path.key("steps"), "orchestration `steps`");
            return None;
        }
        if reference {
            self.unsupported(&path.key("ref"), "`ref` to an aggregate function");
            return None;
        }
        let Some(call) = call else {
            self.warn(
                path,
                "no `call`: nothing to run, so it is left out",
                "add `call: <consumes-namespace>.<operation>`",
            );
            return None;
        };
        self.exposed_call_target(&path.key("call"), call, consumes, method)
    }

    /// An orchestrated operation or tool: its `steps` (calls and lookups, in order) and the
    /// output its `mappings` make of their results, typed by its `outputParameters`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn orchestration(
        &mut self,
        path: &YamlPath,
        steps: &[model::Step],
        mappings: &[model::Mapping],
        outputs: &[model::OutputParameter],
        consumes: &[Consumes],
        prefixes: &[&str],
        inputs: &mut Vec<Input>,
    ) -> Option<(Vec<Step>, Output)> {
        let spath = path.key("steps");
        let Some(list) = Some(steps).filter(|l| !l.is_empty()) else {
            self.error(&spath, "`steps` must be a non-empty list");
            return None;
        };
        let mut resolved: Vec<Step> = Vec::new();
        // Steps refused already: reading them adds no second error.
        let mut refused: Vec<String> = Vec::new();
        for (i, step) in list.iter().enumerate() {
            let ipath = spath.index(i);
            match self.step(
                &ipath,
                step,
                (&resolved, &refused),
                consumes,
                prefixes,
                inputs,
            ) {
                Some(step) => resolved.push(step),
                None => refused.extend(step.name.clone()),
            }
        }
        let mut failed = !refused.is_empty();
        if failed {
            return None;
        }
        // `targetName` (dot-separated) → the path it reads.
        let mut targets: BTreeMap<String, (YamlPath, JsonPath)> = BTreeMap::new();
        for (i, m) in mappings.iter().enumerate() {
            let mpath = path.key("mappings").index(i);
            let (Some(target), Some(value)) = (m.target_name.as_deref(), m.value.as_deref()) else {
                self.error(
                    &mpath,
                    "a mapping needs `targetName` and `value` (a JSONPath)",
                );
                failed = true;
                continue;
            };
            // A mapping in error still names its target (no second error for the output).
            let path = match self.step_path(&mpath.key("value"), value, &resolved, &refused) {
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
            let opath = path.key("outputParameters").index(i);
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
                &mpath.key("targetName"),
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
    pub(super) fn orchestrated_shape(
        &mut self,
        path: &YamlPath,
        target: &str,
        node: &Value,
        targets: &mut BTreeMap<String, (YamlPath, JsonPath)>,
    ) -> Option<Shape> {
        let kind = node.get("type").and_then(Value::as_str).unwrap_or("string");
        let mapped = targets.remove(target).map(|(_, p)| p);
        match (kind, node.get("properties"), node.get("items")) {
            ("object", Some(Value::Object(props)), _) if mapped.is_none() => {
                let mut fields = Vec::new();
                for (name, p) in props {
                    let child = format!("{target}.{name}");
                    let ppath = path.key("properties").key(name);
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
                    let ipath = path.key("items").index(i);
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

    pub(super) fn orchestrated_type(&mut self, path: &YamlPath, node: &Value) -> Option<ShapeType> {
        Some(
            match node.get("type").and_then(Value::as_str).unwrap_or("string") {
                "string" => ShapeType::String,
                "number" => ShapeType::Number,
                "integer" => ShapeType::Integer,
                "boolean" => ShapeType::Boolean,
                "object" | "array" => ShapeType::Json,
                other => {
                    self.error(&path.key("type"), format!("unknown output type `{other}`"));
                    return None;
                }
            },
        )
    }

    /// A JSONPath into the steps' results (`$.<step>.…`): the step's index and the path.
    pub(super) fn step_path(
        &mut self,
        path: &YamlPath,
        text: &str,
        steps: &[Step],
        refused: &[String],
    ) -> Option<(StepId, JsonPath)> {
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
        let Some(index) = find_id(steps, |s| s.name().wire == *first) else {
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

    pub(super) fn step(
        &mut self,
        path: &YamlPath,
        step: &model::Step,
        (earlier, refused): (&[Step], &[String]),
        consumes: &[Consumes],
        prefixes: &[&str],
        inputs: &mut Vec<Input>,
    ) -> Option<Step> {
        let Some(name) = step.name.as_deref() else {
            self.error(path, "a step needs a `name`");
            return None;
        };
        if earlier.iter().any(|s| s.name().wire == name) {
            self.error(
                &path.key("name"),
                format!("step `{name}` is declared twice"),
            );
            return None;
        }
        match step.kind.as_deref() {
            Some("call") => {
                let Some(call) = step.call.as_deref() else {
                    self.error(path, "a `call` step needs `call: <namespace>.<operation>`");
                    return None;
                };
                let (ci, oi) = self.call_target(&path.key("call"), call, consumes, None)?;
                let with = step.with.clone();
                let consumed = &consumes[ci].operations[oi];
                if consumed.output.binary().is_some() {
                    self.unsupported(
                        &path.key("call"),
                        "a step calling an operation with a binary answer (`outputRawFormat: binary`)",
                    );
                    return None;
                }
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
                    let wpath = path.key("with").key(key);
                    let Some(pi) = find_id(&consumed.params, |p| same_name(&p.name.wire, key))
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
                    &|_, _, _| None,
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
                let (Some(index), Some(key), Some(value)) = (
                    step.index.clone(),
                    step.matches.clone(),
                    step.lookup_value.clone(),
                ) else {
                    self.error(
                        path,
                        "a `lookup` step needs `index`, `match` and `lookupValue`",
                    );
                    return None;
                };
                let Some(table) = find_id(earlier, |s| s.name().wire == index) else {
                    if refused.contains(&index) {
                        return None;
                    }
                    self.error(
                        &path.key("index"),
                        format!("`index: {index}` names no earlier step"),
                    );
                    return None;
                };
                let value = self.step_path(&path.key("lookupValue"), &value, earlier, refused)?;
                let fields: Vec<String> = step
                    .output_parameters
                    .iter()
                    .filter_map(|o| match o {
                        model::StepOutput::Name(name) => Some(name.clone()),
                        model::StepOutput::Declared(_) => None,
                    })
                    .collect();
                if fields.is_empty() {
                    self.error(
                        &path.key("outputParameters"),
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
                self.unsupported(&path.key("type"), "a `script` step");
                None
            }
            other => {
                self.error_help(
                    &path.key("type"),
                    format!("unknown step type `{}`", other.unwrap_or("")),
                    "a step is `type: call` or `type: lookup`",
                );
                None
            }
        }
    }
}
