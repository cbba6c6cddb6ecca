//! Types from the upstream's OpenAPI document (`--openapi NAMESPACE=FILE`): each consumed
//! operation is matched to the document's operation of the same method and path (templated
//! segments equal whatever their names), and takes its answer's and request body's schemas and
//! the documentation of its parameters where the spec is silent. Every match and every miss is
//! a located note.

use std::collections::BTreeMap;

use super::Resolver;
use super::ir::{ApiTypes, ConsumedOp, ParamIn, PathPart};
use super::path::YamlPath;
use crate::parse::openapi::{ApiDocument, ApiOperation};

impl Resolver<'_> {
    /// Type the operations of consumed namespace `namespace` (at `path`; `opaths` the YAML path
    /// of each operation) from its OpenAPI document, if one is tied to it. The schemas of the
    /// document, by name, for the namespace's `types`.
    pub(super) fn openapi_types(
        &mut self,
        path: &YamlPath,
        namespace: &str,
        base_path: &str,
        operations: &mut [ConsumedOp],
        opaths: &[YamlPath],
    ) -> BTreeMap<String, serde_json::Value> {
        let Some(doc) = self.root.apis.iter().find(|d| d.namespace == namespace) else {
            return BTreeMap::new();
        };
        let file = doc.file.display().to_string();
        for problem in &doc.problems {
            self.note(path, format!("{file}{problem}"));
        }
        for (op, opath) in operations.iter_mut().zip(opaths) {
            match find(doc, op, base_path) {
                Some(found) => {
                    let answer = match (&found.answer, &found.empty) {
                        (Some((status, _)), _) => Some(format!("its {status} answer")),
                        (None, Some(status)) => Some(format!("its {status} answer (no body)")),
                        (None, None) => None,
                    };
                    let typed = match (answer, &found.body) {
                        (Some(answer), Some(_)) => {
                            format!("{answer} and its request body typed by it")
                        }
                        (Some(answer), None) => format!("{answer} typed by it"),
                        (None, Some(_)) => "its request body typed by it".to_owned(),
                        (None, None) => "it documents no JSON answer or body".to_owned(),
                    };
                    let id = found
                        .operation_id
                        .as_deref()
                        .map(|id| format!(" (`{id}`)"))
                        .unwrap_or_default();
                    self.note(
                        opath,
                        format!(
                            "`{}` is `{} {}`{id} of {file}: {typed}",
                            op.name.wire, found.method, found.path
                        ),
                    );
                    document(op, found);
                    op.api = Some(ApiTypes {
                        answer: found.answer.as_ref().map(|(_, s)| s.clone()),
                        body: found.body.clone(),
                        empty: found.empty.clone(),
                        operation_id: found.operation_id.clone(),
                    });
                }
                None => self.note(
                    opath,
                    format!(
                        "`{}` (`{} {}`) is in no operation of {file}: its answer stays untyped",
                        op.name.wire,
                        op.method.as_str(),
                        op.path_template
                    ),
                ),
            }
        }
        doc.defs.clone()
    }
}

impl Resolver<'_> {
    /// An OpenAPI document tied to a namespace the spec does not consume: an error, since its
    /// types would be silently unused.
    pub(super) fn unknown_api_namespaces(&mut self, consumes: &[super::ir::Consumes]) {
        for doc in &self.root.apis {
            if consumes.iter().any(|c| c.namespace.wire == doc.namespace) {
                continue;
            }
            let known: Vec<&str> = consumes.iter().map(|c| c.namespace.wire.as_str()).collect();
            let d = self.root.error(
                "capability.consumes",
                format!(
                    "the OpenAPI document {} is tied to `{}`, a namespace this spec does not consume",
                    doc.file.display(),
                    doc.namespace
                ),
            );
            let mut d = d;
            d.help = Some(format!(
                "tie it to one of: {}",
                if known.is_empty() {
                    "(none)".to_owned()
                } else {
                    known.join(", ")
                }
            ));
            self.diags.push(d);
        }
    }
}

/// The operation of `doc` that `op` calls: the same method, and the same path — the consumed
/// API's base path and the operation's path against the document's server path and path,
/// or the two paths alone — with any name in each templated segment.
fn find<'d>(doc: &'d ApiDocument, op: &ConsumedOp, base_path: &str) -> Option<&'d ApiOperation> {
    let ours = segments_of_parts(&op.path);
    let full: Vec<Segment> = segments_of_text(base_path)
        .into_iter()
        .chain(ours.iter().cloned())
        .collect();
    let method = op.method.as_str();
    let candidates = || doc.operations.iter().filter(|o| o.method == method);
    candidates()
        .find(|o| {
            let theirs: Vec<Segment> = segments_of_text(&doc.base_path)
                .into_iter()
                .chain(segments_of_text(&o.path))
                .collect();
            theirs == full
        })
        .or_else(|| candidates().find(|o| segments_of_text(&o.path) == ours))
}

/// One segment of a path: literal text, or a variable of any name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Text(String),
    Variable,
}

/// The segments of an OpenAPI path (`/users/{userId}`).
fn segments_of_text(path: &str) -> Vec<Segment> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Variable
            } else {
                Segment::Text(s.to_owned())
            }
        })
        .collect()
}

/// The segments of a consumed operation's path (its parameters and fixed values variables).
fn segments_of_parts(parts: &[PathPart]) -> Vec<Segment> {
    let mut text = String::new();
    for part in parts {
        match part {
            PathPart::Literal(l) => text.push_str(l),
            PathPart::Param(_) | PathPart::Fixed(_) => text.push_str("{}"),
        }
    }
    segments_of_text(&text)
}

/// The parameters' descriptions the spec leaves out, from the document.
fn document(op: &mut ConsumedOp, found: &ApiOperation) {
    if op.description.is_none() {
        op.description = found.summary.clone().or_else(|| found.description.clone());
    }
    for param in &mut op.params {
        let place = match param.location {
            ParamIn::Path => "path",
            ParamIn::Query => "query",
            ParamIn::Header => "header",
            ParamIn::Cookie => "cookie",
            ParamIn::Body | ParamIn::Template => continue,
        };
        let theirs = found
            .parameters
            .iter()
            .find(|p| p.name == param.name.wire && p.location == place);
        if let (None, Some(d)) = (
            &param.description,
            theirs.and_then(|p| p.description.as_deref()),
        ) {
            param.description = Some(d.trim().to_owned());
        }
        param.documented = theirs.and_then(|p| p.schema.as_ref()).and_then(values_said);
    }
}

/// What a parameter's schema says of its values beyond their type, where it says anything.
fn values_said(schema: &serde_json::Value) -> Option<serde_json::Map<String, serde_json::Value>> {
    const SAID: [&str; 9] = [
        "enum",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
    ];
    let members = schema.as_object()?;
    let said: serde_json::Map<_, _> = members
        .iter()
        .filter(|(key, _)| SAID.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    (!said.is_empty()).then_some(said)
}
