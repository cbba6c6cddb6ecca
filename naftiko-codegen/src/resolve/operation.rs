//! One consumed operation: its method and path, parameters (in path, query, header, cookie, body,
//! environment), fixed values and outputs.

use std::collections::HashMap;

use serde_json::Value;

use super::Resolver;
use super::checks;
use super::ir::*;
use super::names::{self, Name};
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::model;

/// The inputs of an operation as they are read: its parameters, and the values sent with every
/// request.
#[derive(Default)]
struct Inputs {
    params: Vec<Param>,
    /// The parameters so far by name, as values find them and as Rust names them.
    by_name: NameIndex,
    by_rust: HashMap<String, usize>,
    constants: Vec<Constant>,
}

impl Resolver<'_> {
    pub(super) fn consumed_op(
        &mut self,
        opath: &YamlPath,
        res: &model::ConsumedResource,
        op: &model::ConsumedOperation,
        inherited: &[(YamlPath, &model::ConsumedInput)],
    ) -> Option<ConsumedOp> {
        if op.name.trim().is_empty() {
            self.error_help(
                &opath.key("name"),
                "an operation needs a `name`",
                "`call: <namespace>.<name>` names it",
            );
            return None;
        }
        let method = match method(op.method.as_deref()) {
            Ok(m) => m,
            Err(e) => {
                self.error(&opath.key("method"), e);
                return None;
            }
        };
        let format = self.output_format(opath, op);
        let own = op
            .input_parameters
            .iter()
            .enumerate()
            .map(|(pi, p)| (opath.key("inputParameters").index(pi), p));
        let every_input: Vec<&model::ConsumedInput> = op
            .input_parameters
            .iter()
            .chain(inherited.iter().map(|(_, p)| *p))
            .collect();
        let inherited = inherited
            .iter()
            .filter(|(_, p)| !op.input_parameters.iter().any(|o| o.name == p.name))
            .cloned();
        let placeholders: Vec<String> = split_path(&res.path)
            .into_iter()
            .filter_map(Result::err)
            .collect();
        let mut inputs = Inputs::default();
        // Where the last `in: body` parameter is written.
        let mut body_param_at = None;
        for (ppath, p) in own.chain(inherited).collect::<Vec<_>>() {
            if p.location == "body" {
                body_param_at = Some(ppath.clone());
            }
            self.input_param(&ppath, p, &res.path, &placeholders, &mut inputs)?;
        }
        let Inputs {
            mut params,
            mut constants,
            ..
        } = inputs;
        let path = self.path_parts(&res.path, &every_input, &mut params, &constants);
        constants.retain(|c| c.location != ParamIn::Path);
        let (output, named) = self.consumed_output(opath, op, format);
        let body = self.operation_body(opath, op, &mut params, body_param_at.as_ref())?;
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
            api: None,
        })
    }

    /// How the operation's answer is read (`outputRawFormat`, with `outputSchema` where a format
    /// takes it).
    fn output_format(&mut self, opath: &YamlPath, op: &model::ConsumedOperation) -> RawFormat {
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
                            &opath.key("outputSchema"),
                            format!("`{selector}` is not a CSS selector: {e}"),
                            "`outputSchema` of an html answer selects the tables to read (e.g. `table.results`)",
                        );
                        RawFormat::Json
                    }
                }
            }
            Some(("binary", None)) => RawFormat::Binary(self.binary_answer(opath, op)),
            Some(("markdown", None)) => RawFormat::Markdown(
                schema
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            ),
            Some((f, None)) => {
                self.unsupported(
                    &opath.key("outputRawFormat"),
                    &format!("`outputRawFormat: {f}`"),
                );
                RawFormat::Json
            }
        };
        if format.binary().is_none() {
            self.not_binary(opath, op);
        }
        format
    }

    /// Read the input parameter `p` into `inputs`: a parameter, a value sent with every request,
    /// or nothing (with a diagnostic). `None` when the operation cannot be generated.
    fn input_param(
        &mut self,
        ppath: &YamlPath,
        p: &model::ConsumedInput,
        resource_path: &str,
        placeholders: &[String],
        inputs: &mut Inputs,
    ) -> Option<()> {
        if p.name.trim().is_empty() {
            if p.required == Some(true) {
                self.error_help(
                    &ppath.key("name"),
                    "a parameter needs a `name`",
                    "write the name the API gives it, e.g. `name: userId`",
                );
            } else {
                // An optional parameter the API names nowhere: nothing can be sent for it.
                self.warn(
                    &ppath.key("name"),
                    "an optional parameter without a `name` cannot be sent: it is left out",
                    "write the name the API gives it, e.g. `name: userId`, or remove the parameter",
                );
            }
            return Some(());
        }
        let Some(location) = self.param_location(ppath, p)? else {
            return Some(());
        };
        if location == ParamIn::Path && !placeholders.iter().any(|v| same_name(&p.name, v)) {
            // The engine fills a path only from its placeholders: the value goes nowhere.
            self.warn(
                &ppath.key("name"),
                format!(
                    "path parameter `{}` does not appear in the path `{resource_path}`: it is not sent",
                    p.name
                ),
                format!(
                    "add `{{{{{}}}}}` to the resource's `path`, or remove the parameter",
                    p.name
                ),
            );
            return Some(());
        }
        // `{{VARIABLE}}` (or text around bound variables): a value the server reads at start-up,
        // sent with every request.
        if let Some(parts) = self.bound_value(ppath, p) {
            if location == ParamIn::Body {
                self.unsupported(
                    &ppath.key("value"),
                    "a bound variable as the value of a body parameter",
                );
            } else if self.header_name_ok(ppath, p, location) {
                inputs.constants.push(Constant {
                    location,
                    name: p.name.clone(),
                    value: parts,
                });
            }
            return Some(());
        }
        let default_value = match &p.value {
            None => None,
            // `{{input}}`: the value comes from the exposed inputs unless `with` says otherwise.
            Some(Value::String(t)) if t.contains("{{") => Some(Value::String(t.clone())),
            Some(v) if location != ParamIn::Body => {
                let value = match v {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                if self.header_name_ok(ppath, p, location) {
                    inputs.constants.push(Constant {
                        location,
                        name: p.name.clone(),
                        value: vec![Part::Text(value)],
                    });
                }
                return Some(());
            }
            Some(_) => {
                self.unsupported(&ppath.key("value"), "a fixed `value` for a body parameter");
                return Some(());
            }
        };
        self.declared_param(ppath, p, location, default_value, inputs);
        Some(())
    }

    /// Where parameter `p` goes: `Some(None)` when it is not sent by itself (an
    /// `in: environment` variable, or a place not supported), `None` when the operation cannot
    /// be generated.
    fn param_location(
        &mut self,
        ppath: &YamlPath,
        p: &model::ConsumedInput,
    ) -> Option<Option<ParamIn>> {
        Some(Some(match p.location.as_str() {
            "path" => ParamIn::Path,
            "query" => ParamIn::Query,
            "header" => ParamIn::Header,
            "cookie" => ParamIn::Cookie,
            "body" => ParamIn::Body,
            // A variable of the operation's templates, read at start-up (see
            // `environment_params`); nothing is sent for it by itself.
            "environment" if p.value.is_none() => {
                if let Some(problem) = checks::variable_problem(&p.name) {
                    self.error(&ppath.key("name"), problem);
                    return None;
                }
                return Some(None);
            }
            "environment" => {
                self.unsupported(
                    &ppath.key("value"),
                    "a `value` for an `in: environment` parameter",
                );
                return Some(None);
            }
            other => {
                self.unsupported(
                    &ppath.key("in"),
                    &format!("an input parameter `in: {other}`"),
                );
                return Some(None);
            }
        }))
    }

    /// The bound variables parameter `p`'s `value` is made of, if it names any.
    fn bound_value(
        &mut self,
        ppath: &YamlPath,
        p: &model::ConsumedInput,
    ) -> Option<Vec<Part<BindId>>> {
        match &p.value {
            Some(Value::String(t)) if t.contains("{{") => self
                .bind_template(t)
                .ok()
                .filter(|parts| parts.iter().any(|p| matches!(p, Part::Slot(_)))),
            // Seen in the official tutorial: a bound variable's name without braces.
            Some(Value::String(t)) => {
                let found = find_id(&self.binds, |b| b.name.wire == t.trim());
                if found.is_some() {
                    self.warn(
                        &ppath.key("value"),
                        format!(
                            "`{}` read as the bound variable `{{{{{}}}}}`",
                            t.trim(),
                            t.trim()
                        ),
                        format!("write `{{{{{}}}}}`", t.trim()),
                    );
                }
                found.map(|b| vec![Part::Slot(b)])
            }
            _ => None,
        }
    }

    /// A header parameter's name must be one an HTTP request can carry; an error if not.
    fn header_name_ok(
        &mut self,
        ppath: &YamlPath,
        p: &model::ConsumedInput,
        location: ParamIn,
    ) -> bool {
        if location == ParamIn::Header && reqwest_header_name_invalid(&p.name) {
            self.error(
                &ppath.key("name"),
                format!("{} is not a valid header name", checks::quoted(&p.name)),
            );
            return false;
        }
        true
    }

    /// A parameter whose value comes with each call: typed, named for Rust, kept apart from the
    /// others' names.
    fn declared_param(
        &mut self,
        ppath: &YamlPath,
        p: &model::ConsumedInput,
        location: ParamIn,
        default_value: Option<Value>,
        inputs: &mut Inputs,
    ) {
        let default = if location == ParamIn::Body {
            ParamType::Object
        } else {
            ParamType::String
        };
        let ty = match param_type(p.kind.as_deref(), default) {
            Ok(t) => t,
            Err(e) => {
                self.error(&ppath.key("type"), e);
                return;
            }
        };
        if p.kind.as_deref() == Some("json") {
            let (message, help) = JSON_TYPE;
            self.warn(&ppath.key("type"), message, help);
        }
        if !self.header_name_ok(ppath, p, location) {
            return;
        }
        let name = Name::snake(&p.name).avoiding(names::CLIENT_LOCALS);
        let prev = inputs
            .by_name
            .get(&p.name)
            .or_else(|| inputs.by_rust.get(&name.rust).copied());
        if let Some(prev) = prev.map(|i| &inputs.params[i])
            && prev.location != location
        {
            // Values are matched to parameters by name ignoring case and separators: one value
            // would go to two places.
            let msg = format!(
                "parameter `{}` and parameter `{}` differ only in case or separators: one value would feed both",
                p.name, prev.name.wire
            );
            self.error_help(
                &ppath.key("name"),
                msg,
                "give each parameter a name of its own",
            );
            return;
        }
        if let Some(prev) = prev.map(|i| &inputs.params[i]) {
            // Two spellings of one name in one place are one parameter, sent under the name
            // declared first.
            let msg = format!(
                "parameter `{}` and parameter `{}` differ only in case or separators: they are taken as one parameter, sent as `{}`",
                p.name, prev.name.wire, prev.name.wire
            );
            self.warn(
                &ppath.key("name"),
                msg,
                "remove one of them, or give each a name of its own",
            );
            return;
        }
        let params = &mut inputs.params;
        if location == ParamIn::Body
            && params
                .iter()
                .filter(|q| q.location == ParamIn::Body)
                .count()
                == 1
        {
            self.warn(
                &ppath.key("in"),
                "several `in: body` parameters: sent as the fields of one JSON object",
                "declare one `in: body` parameter of type object, or write a `body` template",
            );
        }
        inputs.by_name.add(&p.name, params.len());
        inputs
            .by_rust
            .entry(name.rust.clone())
            .or_insert(params.len());
        params.push(Param {
            name,
            location,
            ty,
            required: p.required.unwrap_or(location == ParamIn::Path),
            description: p.description.clone(),
            default: default_value,
            documented: None,
        });
    }

    /// The path: every placeholder names a path parameter (undeclared ones become required
    /// strings), a fixed or bound value, or an `in: environment` variable. A path written without
    /// its leading `/` (`api/users`) is joined to the base URI with one.
    fn path_parts(
        &mut self,
        resource_path: &str,
        every_input: &[&model::ConsumedInput],
        params: &mut Vec<Param>,
        constants: &[Constant],
    ) -> Vec<PathPart> {
        let mut path = Vec::new();
        if !resource_path.starts_with('/') {
            path.push(PathPart::Literal("/".to_owned()));
        }
        for part in split_path(resource_path) {
            let var = match part {
                Ok(text) => {
                    path.push(PathPart::Literal(text));
                    continue;
                }
                Err(var) => var,
            };
            // A fixed or bound value: the same in every request.
            let fixed = constants
                .iter()
                .find(|c| c.location == ParamIn::Path && same_name(&c.name, &var));
            if let Some(c) = fixed {
                path.push(PathPart::Fixed(c.value.clone()));
                continue;
            }
            // A variable read from the environment (`in: environment`).
            let from_environment = every_input
                .iter()
                .any(|p| p.location == "environment" && same_name(&p.name, &var));
            if from_environment && let Some(b) = self.bind_ref(&format!("{{{{{var}}}}}")) {
                path.push(PathPart::Fixed(vec![Part::Slot(b)]));
                continue;
            }
            let found = find_id(params, |p: &Param| {
                p.location == ParamIn::Path && same_name(&p.name.wire, &var)
            });
            let index = match found {
                Some(i) => i,
                None => {
                    params.push(Param {
                        name: Name::snake(&var).avoiding(names::CLIENT_LOCALS),
                        location: ParamIn::Path,
                        ty: ParamType::String,
                        required: true,
                        description: None,
                        default: None,
                        documented: None,
                    });
                    ParamId::new(params.len() - 1)
                }
            };
            params[index].required = true;
            path.push(PathPart::Param(index));
        }
        path
    }

    /// What the operation sends as its body: its `body` template, or its `in: body` parameters.
    /// `None` when the operation cannot be generated.
    fn operation_body(
        &mut self,
        opath: &YamlPath,
        op: &model::ConsumedOperation,
        params: &mut Vec<Param>,
        body_param_at: Option<&YamlPath>,
    ) -> Option<Option<Body>> {
        if let Some(b) = &op.body {
            let body = self.body(&opath.key("body"), b, params)?;
            if params.iter().any(|p| p.location == ParamIn::Body) {
                self.error(&opath.key("body"), "an operation has either an `in: body` parameter or a `body` template, not both");
                return None;
            }
            return Some(Some(body));
        }
        let body_params: Vec<&Param> = params
            .iter()
            .filter(|p| p.location == ParamIn::Body)
            .collect();
        let lone_scalar = match body_params.as_slice() {
            [p] if is_scalar(p.ty) && !same_name(&p.name.wire, "body") => {
                Some((p.name.wire.clone(), p.ty))
            }
            _ => None,
        };
        if let (Some((name, ty)), Some(at)) = (&lone_scalar, body_param_at) {
            self.warn(
                &at.key("name"),
                format!(
                    "`in: body` parameter `{name}` of type {}: sent as the field `{name}` of a JSON object",
                    ty.json_schema(),
                ),
                "declare it `type: object` to send it as the whole body, or write a `body` template",
            );
        }
        Some(body_fields(params, lone_scalar.is_some()))
    }
}

/// Whether a value of type `ty` is one JSON scalar.
fn is_scalar(ty: ParamType) -> bool {
    matches!(
        ty,
        ParamType::String | ParamType::Integer | ParamType::Number | ParamType::Boolean
    )
}

/// Several `in: body` parameters, or a lone scalar one: each a field of one JSON object (the
/// parameters become placeholders of that body); `None` for one whole body or none.
fn body_fields(params: &mut [Param], lone_scalar: bool) -> Option<Body> {
    let count = params
        .iter()
        .filter(|p| p.location == ParamIn::Body)
        .count();
    if count < 2 && !(count == 1 && lone_scalar) {
        return None;
    }
    let mut fields = Vec::new();
    for (i, p) in params.iter_mut().enumerate() {
        if p.location == ParamIn::Body {
            p.location = ParamIn::Template;
            fields.push((p.name.wire.clone(), JsonTemplate::Param(ParamId::new(i))));
        }
    }
    Some(Body::Json(JsonTemplate::Object(fields)))
}
