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
        let mut params: Vec<Param> = Vec::new();
        // The parameters so far by name, as values find them and as Rust names them.
        let mut by_name = NameIndex::default();
        let mut by_rust: HashMap<String, usize> = HashMap::new();
        let mut constants: Vec<Constant> = Vec::new();
        let own = op
            .input_parameters
            .iter()
            .enumerate()
            .map(|(pi, p)| (opath.key("inputParameters").index(pi), p));
        let inherited_names: Vec<&model::ConsumedInput> =
            inherited.iter().map(|(_, p)| *p).collect();
        let inherited = inherited
            .iter()
            .filter(|(_, p)| !op.input_parameters.iter().any(|o| o.name == p.name))
            .cloned();
        let placeholders: Vec<String> = split_path(&res.path)
            .into_iter()
            .filter_map(Result::err)
            .collect();
        // Where the last `in: body` parameter is written.
        let mut body_param_at = None;
        for (ppath, p) in own.chain(inherited).collect::<Vec<_>>() {
            if p.location == "body" {
                body_param_at = Some(ppath.clone());
            }
            if p.name.trim().is_empty() {
                self.error_help(
                    &ppath.key("name"),
                    "a parameter needs a `name`",
                    "write the name the API gives it, e.g. `name: userId`",
                );
                continue;
            }
            let location = match p.location.as_str() {
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
                    continue;
                }
                "environment" => {
                    self.unsupported(
                        &ppath.key("value"),
                        "a `value` for an `in: environment` parameter",
                    );
                    continue;
                }
                other => {
                    self.unsupported(
                        &ppath.key("in"),
                        &format!("an input parameter `in: {other}`"),
                    );
                    continue;
                }
            };
            if location == ParamIn::Path && !placeholders.iter().any(|v| same_name(&p.name, v)) {
                // The engine fills a path only from its placeholders: the value goes nowhere.
                self.warn(
                    &ppath.key("name"),
                    format!(
                        "path parameter `{}` does not appear in the path `{}`: it is not sent",
                        p.name, res.path
                    ),
                    format!(
                        "add `{{{{{}}}}}` to the resource's `path`, or remove the parameter",
                        p.name
                    ),
                );
                continue;
            }
            let mut default_value = None;
            // `{{VARIABLE}}` (or text around bound variables): a value the server reads at
            // start-up, sent with every request.
            let bound = match &p.value {
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
            };
            if let Some(parts) = bound {
                if location == ParamIn::Body {
                    self.unsupported(
                        &ppath.key("value"),
                        "a bound variable as the value of a body parameter",
                    );
                } else if location == ParamIn::Header && reqwest_header_name_invalid(&p.name) {
                    self.error(
                        &ppath.key("name"),
                        format!("{} is not a valid header name", checks::quoted(&p.name)),
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
                            &ppath.key("name"),
                            format!("{} is not a valid header name", checks::quoted(&p.name)),
                        );
                        continue;
                    }
                    constants.push(Constant {
                        location,
                        name: p.name.clone(),
                        value: vec![Part::Text(value)],
                    });
                    continue;
                }
                Some(_) => {
                    self.unsupported(&ppath.key("value"), "a fixed `value` for a body parameter");
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
                    self.error(&ppath.key("type"), e);
                    continue;
                }
            };
            if p.kind.as_deref() == Some("json") {
                let (message, help) = JSON_TYPE;
                self.warn(&ppath.key("type"), message, help);
            }
            if location == ParamIn::Header && reqwest_header_name_invalid(&p.name) {
                self.error(
                    &ppath.key("name"),
                    format!("{} is not a valid header name", checks::quoted(&p.name)),
                );
                continue;
            }
            let name = Name::snake(&p.name).avoiding(names::CLIENT_LOCALS);
            let prev = by_name
                .get(&p.name)
                .or_else(|| by_rust.get(&name.rust).copied());
            if let Some(prev) = prev.map(|i| &params[i]) {
                // Values are matched to parameters by name ignoring case and separators: two
                // spellings would both be fed from one value.
                let msg = format!(
                    "parameter `{}` and parameter `{}` differ only in case or separators: one value would feed both",
                    p.name, prev.name.wire
                );
                self.error_help(
                    &ppath.key("name"),
                    msg,
                    "give each parameter a name of its own",
                );
                continue;
            }
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
            by_name.add(&p.name, params.len());
            by_rust.entry(name.rust.clone()).or_insert(params.len());
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
                    if from_environment && let Some(b) = self.bind_ref(&format!("{{{{{var}}}}}")) {
                        path.push(PathPart::Fixed(vec![Part::Slot(b)]));
                        continue;
                    }
                    let found = find_id(&params, |p: &Param| {
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
            }
        }
        constants.retain(|c| c.location != ParamIn::Path);
        let (output, named) = self.consumed_output(opath, op, format);
        let body = match &op.body {
            Some(b) => {
                let body = self.body(&opath.key("body"), b, &mut params)?;
                if params.iter().any(|p| p.location == ParamIn::Body) {
                    self.error(&opath.key("body"), "an operation has either an `in: body` parameter or a `body` template, not both");
                    return None;
                }
                Some(body)
            }
            None => {
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
                if let (Some((name, ty)), Some(at)) = (&lone_scalar, &body_param_at) {
                    self.warn(
                        &at.key("name"),
                        format!(
                            "`in: body` parameter `{name}` of type {}: sent as the field `{name}` of a JSON object",
                            ty.json_schema(),
                        ),
                        "declare it `type: object` to send it as the whole body, or write a `body` template",
                    );
                }
                body_fields(&mut params, lone_scalar.is_some())
            }
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
            api: None,
        })
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
