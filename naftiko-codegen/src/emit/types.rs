//! Rust types for what an upstream's OpenAPI document describes (the module `types` of its
//! client), made by typify from the document's schemas: the typed client's methods return them.
//!
//! The types read answers leniently: a string's `pattern` and `format` are not checked when an
//! answer is read (an API that answers a little outside its own document still gives a typed
//! value), and the generated crate needs no regex or date crate for them.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::resolve::ir::{ConsumedOp, Consumes, ParamId, ParamIn, ParamType, RawFormat, with_ids};
use crate::resolve::names::Name;

/// The name of the types module inside the client's module.
pub(super) const MODULE: &str = "types";

/// The types of one consumed API: the module's items, and each operation's answer and request
/// body types (paths through [`MODULE`]) where its document types them.
pub(super) struct ApiTypes {
    pub(super) items: TokenStream,
    pub(super) answers: Vec<Option<TokenStream>>,
    pub(super) bodies: Vec<Option<TokenStream>>,
}

/// The parameter of `op` that is its whole JSON request body, and the schema the upstream's
/// OpenAPI document gives that body, where there is one such parameter and a schema.
pub(super) fn documented_body(op: &ConsumedOp) -> Option<(ParamId, &Value)> {
    let schema = op.api.as_ref()?.body.as_ref()?;
    if op.body.is_some() {
        return None;
    }
    let mut bodies = with_ids(&op.params).filter(|(_, p)| p.location == ParamIn::Body);
    let (id, param) = bodies.next()?;
    let whole = matches!(
        param.ty,
        ParamType::Object | ParamType::Array | ParamType::Json
    );
    (whole && bodies.next().is_none()).then_some((id, schema))
}

/// What the upstream's OpenAPI document says the success answer of an operation is, where the
/// spec leaves its JSON answer as the API sends it: the typed client reads it as that, and the
/// adapters check the answers they pass on against it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Documented<'a> {
    /// JSON of this schema.
    Json(&'a Value),
    /// No body (`204 No Content`, say).
    Empty,
}

/// What `op`'s document says its success answer is, if it says.
pub(super) fn documented(op: &ConsumedOp) -> Option<Documented<'_>> {
    let api = op.api.as_ref()?;
    if op.typed.is_some() || *op.output.format() != RawFormat::Json {
        return None;
    }
    match (&api.answer, &api.empty) {
        (Some(schema), _) => Some(Documented::Json(schema)),
        (None, Some(_)) => Some(Documented::Empty),
        (None, None) => None,
    }
}

/// Whether the adapters check some answers of `c` against its OpenAPI document (its client has
/// `with_strict_output`).
pub(super) fn checks(c: &Consumes) -> bool {
    c.operations.iter().any(|op| documented(op).is_some())
}

/// The types of `c`'s documented answers, if any operation has one. A schema typify cannot
/// convert leaves that operation's answer as JSON.
pub(super) fn api_types(c: &Consumes) -> Option<ApiTypes> {
    let documented = |i: usize| match documented(&c.operations[i]) {
        Some(Documented::Json(schema)) => Some(schema),
        _ => None,
    };
    let typed = |i: usize| documented(i).is_some() || documented_body(&c.operations[i]).is_some();
    if !(0..c.operations.len()).any(typed) {
        return None;
    }
    // typify may panic on a schema it has no reading for: that API stays untyped.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| convert(c, &documented))).ok()?
}

fn convert<'c>(
    c: &'c Consumes,
    documented: &dyn Fn(usize) -> Option<&'c Value>,
) -> Option<ApiTypes> {
    let mut settings = typify_impl::TypeSpaceSettings::default();
    settings.with_type_mod(MODULE);
    let mut space = typify_impl::TypeSpace::new(&settings);
    let defs: Vec<(String, schemars::schema::Schema)> = c
        .schemas
        .iter()
        .map(|(name, schema)| Some((name.clone(), to_schemars(schema)?)))
        .collect::<Option<_>>()?;
    space.add_ref_types(defs).ok()?;
    let answers = (0..c.operations.len())
        .map(|i| {
            let schema = to_schemars(documented(i)?)?;
            let hint = format!("{}Answer", Name::pascal(&c.operations[i].name.wire).rust);
            let id = space.add_type_with_name(&schema, Some(hint)).ok()?;
            Some(space.get_type(&id).ok()?.ident())
        })
        .collect();
    let bodies = c
        .operations
        .iter()
        .map(|op| {
            let (_, schema) = documented_body(op)?;
            let schema = to_schemars(schema)?;
            let hint = format!("{}Body", Name::pascal(&op.name.wire).rust);
            let id = space.add_type_with_name(&schema, Some(hint)).ok()?;
            Some(space.get_type(&id).ok()?.ident())
        })
        .collect();
    let items = space.to_stream();
    Some(ApiTypes {
        items: quote!(#items),
        answers,
        bodies,
    })
}

/// `schema` as schemars reads it, without what the lenient types leave unchecked.
fn to_schemars(schema: &Value) -> Option<schemars::schema::Schema> {
    serde_json::from_value(lenient(schema)).ok()
}

/// `schema` without `pattern` and `format` (nor the dialect line).
fn lenient(schema: &Value) -> Value {
    let Value::Object(members) = schema else {
        return schema.clone();
    };
    let mut checked = members.clone();
    checked.retain(|key, _| !matches!(key.as_str(), "pattern" | "format" | "$schema"));
    super::schema::each_subschema(&checked, &mut lenient)
}
