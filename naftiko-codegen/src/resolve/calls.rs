//! Calls: what an exposed operation calls (`call`, `ref` to an aggregate's function) and the
//! arguments its `with` gives.

use std::collections::HashMap;

use serde_json::Value;

use super::Resolver;
use super::ir::*;
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::model;

impl<'a> Resolver<'a> {
    /// The aggregate function `ref` names, and its YAML path.
    pub(super) fn function(
        &mut self,
        path: &YamlPath,
        reference: &str,
    ) -> Option<(YamlPath, &'a model::AggregateFunction)> {
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
                    .map(|(fi, f)| {
                        (
                            YamlPath::root()
                                .key("capability")
                                .key("aggregates")
                                .index(ai)
                                .key("functions")
                                .index(fi),
                            f,
                        )
                    })
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
                &path.key("ref"),
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
    pub(super) fn referenced_tool(
        &mut self,
        path: &YamlPath,
        t: &model::McpTool,
    ) -> Option<(YamlPath, model::McpTool)> {
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
            output_media_type: f.output_media_type.clone(),
            tags: joined_tags(&f.tags, &t.tags),
        };
        Some((fpath, tool))
    }

    /// An operation with `ref`: as [`Self::referenced_tool`]; function inputs the operation does
    /// not declare are read from the query string (GET, DELETE, HEAD) or the JSON body.
    pub(super) fn referenced_operation(
        &mut self,
        path: &YamlPath,
        op: &model::ExposedOperation,
        declared_elsewhere: &[String],
    ) -> Option<(YamlPath, model::ExposedOperation)> {
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
            tags: joined_tags(&f.tags, &op.tags),
            method: op.method.clone(),
            input_parameters: inputs,
            call: f.call.clone(),
            with: f.with.clone(),
            output_parameters: f.output_parameters.clone(),
            steps: f.steps.clone(),
            mappings: f.mappings.clone(),
            reference: None,
            responses: op.responses.clone(),
            output_media_type: f.output_media_type.clone(),
        };
        Some((fpath, operation))
    }

    /// [`Self::call_target`] for an exposed operation or tool: one that calls an operation its
    /// API does not declare is left out with a warning, and the rest of the capability generated.
    pub(super) fn exposed_call_target(
        &mut self,
        path: &YamlPath,
        call: &str,
        consumes: &[Consumes],
        method: Option<Method>,
    ) -> Option<(ConsumesId, OperationId)> {
        if let Some((ns, op)) = call.split_once('.')
            && !self.broken.iter().any(|b| b == ns || b == call)
        {
            match consumes.iter().find(|c| c.namespace.wire == ns) {
                Some(c) if !c.operations.iter().any(|o| o.name.wire == op) => {
                    let known: Vec<_> = c.operations.iter().map(|o| o.name.wire.as_str()).collect();
                    self.warn(
                        path,
                        format!("`call: {call}`: namespace `{ns}` has no operation `{op}`, so this operation is left out"),
                        format!("operations of `{ns}`: {}", known.join(", ")),
                    );
                    return None;
                }
                None => {
                    let known: Vec<_> =
                        consumes.iter().map(|c| c.namespace.wire.as_str()).collect();
                    self.warn(
                        path,
                        format!("`call: {call}` names an unknown consumes namespace `{ns}`, so this operation is left out"),
                        format!("known namespaces: {}", known.join(", ")),
                    );
                    return None;
                }
                Some(_) => {}
            }
        }
        self.call_target(path, call, consumes, method)
    }

    /// Find `namespace.operation`. `call: namespace` of a namespace with one operation is that
    /// operation; two operations of one name are told apart by `method` (an exposed REST
    /// operation's) when only one of them has it; both with a warning.
    pub(super) fn call_target(
        &mut self,
        path: &YamlPath,
        call: &str,
        consumes: &[Consumes],
        method: Option<Method>,
    ) -> Option<(ConsumesId, OperationId)> {
        let Some((ns, op)) = call.split_once('.') else {
            if let Some(c) = consumes.iter().find(|c| c.namespace.wire == call)
                && let [only] = c.operations.as_slice()
            {
                let op = &only.name.wire;
                self.warn(
                    path,
                    format!("`call: {call}` read as `{call}.{op}`, the one operation of `{call}`"),
                    format!("write `call: {call}.{op}`"),
                );
                return self.call_target(path, &format!("{call}.{op}"), consumes, method);
            }
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
        let Some(ci) = find_id(consumes, |c| c.namespace.wire == ns) else {
            let known: Vec<_> = consumes.iter().map(|c| c.namespace.wire.as_str()).collect();
            self.error_help(
                path,
                format!("`call: {call}` names an unknown consumes namespace `{ns}`"),
                format!("known namespaces: {}", known.join(", ")),
            );
            return None;
        };
        if self.operations.is_empty() {
            // Every API is resolved before the first call to one (their names do not change).
            self.operations = consumes
                .iter()
                .map(|c| {
                    let mut by_name: HashMap<String, Vec<OperationId>> = HashMap::new();
                    for (oi, o) in with_ids(&c.operations) {
                        by_name.entry(o.name.wire.clone()).or_default().push(oi);
                    }
                    (c.namespace.wire.clone(), by_name)
                })
                .collect();
        }
        let ops = &consumes[ci].operations;
        let named = self
            .operations
            .get(ns)
            .and_then(|by_name| by_name.get(op))
            .map_or(&[][..], Vec::as_slice);
        let same_method: Vec<OperationId> = named
            .iter()
            .copied()
            .filter(|&oi| Some(ops[oi].method) == method)
            .collect();
        if named.len() > 1
            && let [oi] = same_method.as_slice()
        {
            let chosen = &ops[*oi];
            self.warn(
                path,
                format!(
                    "`call: {call}`: `{ns}` declares `{op}` {} times; the one of method {} (`{} {}`) is meant, as this operation's method says",
                    named.len(),
                    chosen.method.as_str(),
                    chosen.method.as_str(),
                    chosen.path_template
                ),
                "give the operations of one API distinct names",
            );
            return Some((ci, *oi));
        }
        if named.len() > 1 {
            self.error_help(
                path,
                format!("`call: {call}` is ambiguous: `{ns}` declares `{op}` more than once"),
                "rename one of the operations",
            );
            return None;
        }
        let Some(&oi) = named.first() else {
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
    /// adapter's namespace). `inputs` may grow when `synthesize` makes an input the spec does not
    /// declare: where the adapter's rules let it (`false`), or where a required parameter would
    /// otherwise get no value or `with` names an input the operation lacks (`true`: an
    /// assumption, warned).
    pub(super) fn args(
        &mut self,
        path: &YamlPath,
        (with, preset): (&serde_json::Map<String, Value>, Vec<Arg>),
        op: &ConsumedOp,
        prefixes: &[&str],
        inputs: &mut Vec<Input>,
        synthesize: &dyn Fn(&str, &Param, bool) -> Option<Input>,
    ) -> Vec<Arg> {
        // Arguments already made (read from earlier steps): `with` and inputs do not feed them.
        let mut args: Vec<Arg> = preset;
        let with = with_values(with, op, &args);
        let params = NameIndex::of(op.params.iter().map(|p| p.name.wire.as_str()));
        let mut feed = Feed {
            op,
            by_name: NameIndex::of(inputs.iter().map(|i| i.name.wire.as_str())),
            gained: Vec::new(),
            synthesize,
            prefixes,
        };
        for (key, value) in &with {
            let wpath = path.key("with").key(key);
            let Some(pi) = params.get(key).map(ParamId::new) else {
                self.not_a_parameter(&wpath, key, op);
                continue;
            };
            let source = match value {
                Value::String(s) if s.contains("{{") => {
                    self.template_arg(&wpath, key, s, pi, inputs, &mut feed)
                }
                Value::String(s) => self.named_arg(&wpath, key, s, pi, inputs, &mut feed),
                other => Some(ArgSource::Literal(other.clone())),
            };
            if let Some(source) = source {
                args.push(Arg { param: pi, source });
            }
        }
        self.flow_by_name(path, &mut args, inputs, &mut feed);
        let gained = std::mem::take(&mut feed.gained);
        self.warn_gained(path, &args, op, inputs, gained);
        args.sort_by_key(|a| a.param);
        require_sole_feeders(&args, op, inputs);
        self.check_inputs_fit(path, &args, op, inputs);
        self.read_spelled_literals(path, &mut args, op);
        self.check_literals_fit(path, &args, op);
        args
    }

    /// `with` names `key`, which is no parameter of `op`: the engine makes it available to the
    /// operation's templates, where nothing uses it.
    fn not_a_parameter(&mut self, wpath: &YamlPath, key: &str, op: &ConsumedOp) {
        let known: Vec<_> = op.params.iter().map(|p| p.name.wire.as_str()).collect();
        self.warn(
            wpath,
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
    }

    /// A `with` value with placeholders: `{{x}}` names input x (as does `{{rest.x}}`); text
    /// around placeholders makes a string, built with `format!`.
    fn template_arg(
        &mut self,
        wpath: &YamlPath,
        key: &str,
        template: &str,
        pi: ParamId,
        inputs: &mut Vec<Input>,
        feed: &mut Feed<'_>,
    ) -> Option<ArgSource> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else {
                break;
            };
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_owned()));
            }
            let name = rest[start + 2..start + len].trim();
            let name = feed
                .prefixes
                .iter()
                .find_map(|p| name.strip_prefix(p)?.strip_prefix('.'))
                .unwrap_or(name);
            rest = &rest[start + len + 2..];
            let bound = binds_named(name, &self.root.spec.binds);
            let found = feed.input(inputs, name, pi, false).or_else(|| {
                (!bound)
                    .then(|| feed.input(inputs, name, pi, true))
                    .flatten()
            });
            let Some(ii) = found else {
                let help = if bound {
                    "bound variables are not passed through `with` by this version; use them in `authentication` or `baseUri`"
                } else {
                    "name an input of this operation"
                };
                self.error_help(
                    wpath,
                    format!("`{{{{{name}}}}}` names no input of this operation"),
                    help,
                );
                return None;
            };
            parts.push(Part::Slot(ii));
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        let param = &feed.op.params[pi];
        match parts.as_slice() {
            [Part::Slot(ii)] => Some(ArgSource::Input(*ii)),
            _ if param.ty != ParamType::String => {
                self.error(
                    wpath,
                    format!(
                        "a template makes text, but `{key}` is of type {}",
                        param.ty.json_schema()
                    ),
                );
                None
            }
            _ => {
                for part in &parts {
                    if let Part::Slot(ii) = part {
                        inputs[*ii].required = true;
                    }
                }
                Some(ArgSource::Template(parts))
            }
        }
    }

    /// A `with` value without placeholders: `rest.x` (a prefix and a name) names input x;
    /// anything else is a literal.
    fn named_arg(
        &mut self,
        wpath: &YamlPath,
        key: &str,
        text: &str,
        pi: ParamId,
        inputs: &mut Vec<Input>,
        feed: &mut Feed<'_>,
    ) -> Option<ArgSource> {
        let Some(name) = feed
            .prefixes
            .iter()
            .find_map(|p| text.strip_prefix(p)?.strip_prefix('.'))
        else {
            return Some(ArgSource::Literal(Value::String(text.to_owned())));
        };
        if let Some(ii) = feed.input(inputs, name, pi, false) {
            return Some(ArgSource::Input(ii));
        }
        let param = &feed.op.params[pi];
        if param.location == ParamIn::Body && !param.required {
            self.warn(
                wpath,
                format!("`{text}`: this method takes no request body, so the optional `{key}` is not sent"),
                "remove it from `with`, or expose the operation with POST, PUT, PATCH or DELETE",
            );
            return None;
        }
        if let Some(ii) = feed.input(inputs, name, pi, true) {
            return Some(ArgSource::Input(ii));
        }
        let known: Vec<_> = inputs.iter().map(|i| i.name.wire.as_str()).collect();
        self.error_help(
            wpath,
            format!("`{text}` names no input of this operation"),
            if known.is_empty() {
                "this operation has no inputs".to_owned()
            } else {
                format!("inputs: {}", known.join(", "))
            },
        );
        None
    }

    /// Inputs flow through by name to parameters that `with` does not mention; a required
    /// parameter that gets no value is an error.
    fn flow_by_name(
        &mut self,
        path: &YamlPath,
        args: &mut Vec<Arg>,
        inputs: &mut Vec<Input>,
        feed: &mut Feed<'_>,
    ) {
        let op = feed.op;
        let mut fed = vec![false; op.params.len()];
        for a in args.iter() {
            fed[a.param.index()] = true;
        }
        for (pi, p) in with_ids(&op.params) {
            if fed[pi.index()] {
                continue;
            }
            let found = feed.input(inputs, &p.name.wire, pi, false).or_else(|| {
                p.required
                    .then(|| feed.input(inputs, &p.name.wire, pi, true))
                    .flatten()
            });
            match found {
                Some(ii) => args.push(Arg {
                    param: pi,
                    source: ArgSource::Input(ii),
                }),
                None if p.required => self.error_help(
                    &path.key("call"),
                    format!(
                        "required parameter `{}` of `{}` gets no value",
                        p.name.wire, op.name.wire
                    ),
                    format!("add `with: {{{}: <input or value>}}`", p.name.wire),
                ),
                None => {}
            }
        }
    }

    /// Each input made so that the call can be made (`gained`) is an assumption, warned.
    fn warn_gained(
        &mut self,
        path: &YamlPath,
        args: &[Arg],
        op: &ConsumedOp,
        inputs: &[Input],
        gained: Vec<InputId>,
    ) {
        for ii in gained {
            let i = &inputs[ii];
            let Some(a) = args.iter().find(|a| match &a.source {
                ArgSource::Input(x) => *x == ii,
                ArgSource::Template(parts) => parts.contains(&Part::Slot(ii)),
                _ => false,
            }) else {
                continue;
            };
            let p = &op.params[a.param];
            let message = format!(
                "`{}` of `{}` gets its value from no input: the operation gains the {} input `{}` ({}{})",
                p.name.wire,
                op.name.wire,
                i.location.describe(),
                i.name.wire,
                i.ty.json_schema(),
                if i.required { ", required" } else { "" },
            );
            let help = format!(
                "declare `{}` in the operation's `inputParameters`, or give `{}` a value in `with`",
                i.name.wire, p.name.wire
            );
            self.warn(path, message, help);
        }
    }

    /// Each input can feed its parameter (an error where it cannot; a warning where text from
    /// the request feeds any JSON value).
    fn check_inputs_fit(
        &mut self,
        path: &YamlPath,
        args: &[Arg],
        op: &ConsumedOp,
        inputs: &[Input],
    ) {
        for a in args {
            let ArgSource::Input(ii) = a.source else {
                continue;
            };
            let (input, p) = (&inputs[ii], &op.params[a.param]);
            let structured = matches!(p.ty, ParamType::Object | ParamType::Array | ParamType::Json);
            if input.location == InputIn::Path && p.ty == ParamType::Json {
                self.warn(
                    &path.key("with"),
                    format!(
                        "`{}` (text from the request) feeds `{}` (any JSON value): sent as a JSON string",
                        input.name.wire, p.name.wire
                    ),
                    format!(
                        "declare `{}` with a `type` in the operation's `inputParameters`",
                        p.name.wire
                    ),
                );
            }
            let fits = match input.location {
                InputIn::Body => structured,
                // A path segment is text: any JSON value takes it as a string.
                InputIn::Path => !structured || p.ty == ParamType::Json,
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
                    &path.key("with"),
                    format!(
                        "{what} cannot feed parameter `{}` of type {}",
                        p.name.wire,
                        p.ty.json_schema()
                    ),
                );
            }
        }
    }

    /// Text written for a number or a truth value (`p: '1'`): the value it spells, warned.
    fn read_spelled_literals(&mut self, path: &YamlPath, args: &mut [Arg], op: &ConsumedOp) {
        for a in args {
            let p = &op.params[a.param];
            let ArgSource::Literal(Value::String(text)) = &a.source else {
                continue;
            };
            let value = match p.ty {
                ParamType::Integer => text.trim().parse::<i64>().ok().map(Value::from),
                ParamType::Number => text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .map(Value::from),
                ParamType::Boolean => match text.trim() {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    _ => None,
                },
                _ => None,
            };
            if let Some(value) = value {
                self.warn(
                    &path.key("with").key(&p.name.wire),
                    format!(
                        "`{text:?}` read as the {} `{value}` that parameter `{}` takes",
                        p.ty.json_schema(),
                        p.name.wire
                    ),
                    format!("write `{}: {value}` (without quotes)", p.name.wire),
                );
                a.source = ArgSource::Literal(value);
            }
        }
    }

    /// Each literal fits its parameter's type (an error where it does not).
    fn check_literals_fit(&mut self, path: &YamlPath, args: &[Arg], op: &ConsumedOp) {
        for a in args {
            let p = &op.params[a.param];
            let ArgSource::Literal(v) = &a.source else {
                continue;
            };
            let ok = match p.ty {
                ParamType::String => v.is_string() || v.is_number() || v.is_boolean(),
                ParamType::Integer => v.is_i64() || v.is_u64(),
                ParamType::Number => v.is_number(),
                ParamType::Boolean => v.is_boolean(),
                ParamType::Object => v.is_object(),
                ParamType::Array => v.is_array(),
                ParamType::Json => true,
            };
            if !ok {
                let msg = format!(
                    "literal `{v}` does not fit parameter `{}` of type {}",
                    p.name.wire,
                    p.ty.json_schema()
                );
                self.error(&path.key("with").key(&p.name.wire), msg);
            }
        }
    }
}

/// What feeds the parameters of one call: the inputs by name, and those made so that it can be
/// made.
struct Feed<'o> {
    op: &'o ConsumedOp,
    by_name: NameIndex,
    /// Inputs the spec does not declare, made so that the call can be made (warned).
    gained: Vec<InputId>,
    synthesize: &'o dyn Fn(&str, &Param, bool) -> Option<Input>,
    /// The pseudo-namespaces of exposed inputs (`rest`, `tools`, the adapter's namespace).
    prefixes: &'o [&'o str],
}

impl Feed<'_> {
    /// `inputs[ii]` named `name`, or a new input `synthesize` makes for the parameter `pi` (if
    /// any); with `forced`, one the spec does not declare, made so that the call can be made.
    fn input(
        &mut self,
        inputs: &mut Vec<Input>,
        name: &str,
        pi: ParamId,
        forced: bool,
    ) -> Option<InputId> {
        self.by_name.get(name).map(InputId::new).or_else(|| {
            let new = (self.synthesize)(name, &self.op.params[pi], forced)?;
            self.by_name.add(&new.name.wire, inputs.len());
            inputs.push(new);
            let ii = InputId::new(inputs.len() - 1);
            if forced {
                self.gained.push(ii);
            }
            Some(ii)
        })
    }
}

/// The `with` values that feed `op`: those written, and a parameter's own `value: "{{input}}"`
/// where `with` does not name it; none for the parameters `preset` already feeds.
fn with_values(
    with: &serde_json::Map<String, Value>,
    op: &ConsumedOp,
    preset: &[Arg],
) -> serde_json::Map<String, Value> {
    let mut with = with.clone();
    let named = NameIndex::of(with.keys().map(String::as_str));
    for p in &op.params {
        if let Some(default) = &p.default
            && named.get(&p.name.wire).is_none()
        {
            with.insert(p.name.wire.clone(), default.clone());
        }
    }
    let preset = NameIndex::of(preset.iter().map(|a| op.params[a.param].name.wire.as_str()));
    with.retain(|key, _| preset.get(key).is_none());
    with
}

/// An optional input that alone feeds a required parameter becomes required: the call cannot
/// be made without it (a JSON parameter takes a missing argument as `null`).
fn require_sole_feeders(args: &[Arg], op: &ConsumedOp, inputs: &mut [Input]) {
    for a in args {
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
}

/// A function's `tags`, then those of the tool or operation that names it.
fn joined_tags(function: &Value, own: &Value) -> Value {
    Value::Array(
        [function, own]
            .into_iter()
            .filter_map(Value::as_array)
            .flatten()
            .cloned()
            .collect(),
    )
}
