//! Request bodies of consumed operations: JSON (structured or raw templates), text, forms and
//! multipart, with their placeholders.

use serde_json::Value;

use super::Resolver;
use super::ir::*;
use super::names::Name;
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::model;

impl Resolver<'_> {
    /// An operation's `body`: the official forms (json, text, xml, sparql, formUrlEncoded,
    /// multipartForm, a raw string) and those seen in the wild (form, multipart, yaml text).
    /// Each placeholder names a parameter; undeclared ones become parameters.
    pub(super) fn body(
        &mut self,
        bpath: &YamlPath,
        body: &model::BodyTemplate,
        params: &mut Vec<Param>,
    ) -> Option<Body> {
        let (kind, data) = match body {
            model::BodyTemplate::Raw(_) => (None, None),
            model::BodyTemplate::Typed { kind, data } => (kind.as_deref(), data.as_ref()),
        };
        let text = |r: &mut Self,
                    path: &YamlPath,
                    params: &mut Vec<Param>,
                    v: Option<&Value>|
         -> Option<Template<BodySlot>> {
            match v {
                Some(Value::String(t)) => r.pieces(path, t, params, ParamType::String),
                Some(other @ (Value::Number(_) | Value::Bool(_))) => {
                    Some(vec![Part::Text(other.to_string())])
                }
                _ => {
                    r.error(path, "expected text");
                    None
                }
            }
        };
        let dpath = bpath.key("data");
        match (body, kind) {
            // A raw template that is JSON once its bare placeholders are quoted is built as JSON:
            // strings escaped, arrays and objects rendered as JSON (the engine pastes text).
            (model::BodyTemplate::Raw(raw), _) => {
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
                // One field naming the text (`data: {query: "{{sql}}"}`): the field's value.
                let (dpath, data) = match data {
                    Some(Value::Object(fields)) if fields.len() == 1 => {
                        let (key, value) = fields.iter().next().expect("one field");
                        if !value.is_string() {
                            self.unsupported(&dpath, &format!("a `{k}` body that is not a string"));
                            return None;
                        }
                        self.warn(
                            &dpath.key(key),
                            format!(
                                "a `{k}` body given as the one field `{key}`: the body is its value"
                            ),
                            format!("write the text itself: `data: {value}`"),
                        );
                        (dpath.key(key), Some(value))
                    }
                    Some(Value::String(_)) => (dpath, data),
                    _ => {
                        self.unsupported(&dpath, &format!("a `{k}` body that is not a string"));
                        return None;
                    }
                };
                Some(Body::Text {
                    content_type,
                    template: text(self, &dpath, params, data)?,
                })
            }
            (_, Some("formUrlEncoded" | "form")) => match data {
                Some(Value::Object(fields)) => {
                    let mut form = Vec::new();
                    for (k, v) in fields {
                        form.push((k.clone(), text(self, &dpath.key(k), params, Some(v))?));
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
                    let ppath = dpath.index(i);
                    let Some(name) = part.get("name").and_then(Value::as_str) else {
                        self.error(&ppath, "a multipart part needs a `name`");
                        return None;
                    };
                    parts.push(MultipartPart {
                        name: name.to_owned(),
                        value: text(self, &ppath.key("value"), params, part.get("value"))?,
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
                    let value = text(self, &dpath.key(k), params, Some(v))?;
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
                self.unsupported(&bpath.key("type"), &format!("a `{other}` request body"));
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
    pub(super) fn raw_json_template(
        &mut self,
        path: &YamlPath,
        value: &Value,
        params: &mut Vec<Param>,
    ) -> Option<JsonTemplate> {
        Some(match value {
            Value::String(t) => match t.strip_prefix(BARE) {
                Some(bare) => {
                    let pieces = self.pieces(path, bare, params, ParamType::Json)?;
                    match pieces.as_slice() {
                        [Part::Slot(BodySlot::Param(i))] => JsonTemplate::Param(*i),
                        // A bound variable is text: a JSON string.
                        [Part::Slot(BodySlot::Bind(_))] => JsonTemplate::Text(pieces),
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

    pub(super) fn json_template(
        &mut self,
        path: &YamlPath,
        value: &Value,
        params: &mut Vec<Param>,
    ) -> Option<JsonTemplate> {
        Some(match value {
            Value::String(t) if t.contains("{{") => {
                let pieces = self.pieces(path, t, params, ParamType::Json)?;
                match pieces.as_slice() {
                    // A placeholder alone stands for the whole value (arrays and objects stay JSON).
                    [Part::Slot(BodySlot::Param(i))] => JsonTemplate::Param(*i),
                    _ => {
                        for p in &pieces {
                            if let Part::Slot(BodySlot::Param(i)) = p
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
                    .map(|(i, v)| self.json_template(&path.index(i), v, params))
                    .collect::<Option<_>>()?,
            ),
            Value::Object(fields) => JsonTemplate::Object(
                fields
                    .iter()
                    .map(|(k, v)| Some((k.clone(), self.json_template(&path.key(k), v, params)?)))
                    .collect::<Option<_>>()?,
            ),
            other => JsonTemplate::Literal(other.clone()),
        })
    }

    /// Split text into literal pieces and placeholders, each naming a parameter (created, of
    /// type `ty`, when the operation does not declare it).
    pub(super) fn pieces(
        &mut self,
        path: &YamlPath,
        text: &str,
        params: &mut Vec<Param>,
        ty: ParamType,
    ) -> Option<Template<BodySlot>> {
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
                pieces.push(Part::Text(rest[..start].to_owned()));
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
            if let Some(b) = self.bind_ref(&format!("{{{{{raw}}}}}")) {
                pieces.push(Part::Slot(BodySlot::Bind(b)));
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
            let index = match find_id(params, |p| same_name(&p.name.wire, name)) {
                Some(i) => {
                    if params[i].location == ParamIn::Body {
                        params[i].location = ParamIn::Template;
                    }
                    i
                }
                None => {
                    params.push(Param {
                        name: Name::snake(name).avoiding(super::names::CLIENT_LOCALS),
                        location: ParamIn::Template,
                        ty,
                        required: true,
                        description: None,
                        default: None,
                        documented: None,
                    });
                    ParamId::new(params.len() - 1)
                }
            };
            pieces.push(Part::Slot(BodySlot::Param(index)));
        }
        if !rest.is_empty() {
            pieces.push(Part::Text(rest.to_owned()));
        }
        Some(pieces)
    }
}
