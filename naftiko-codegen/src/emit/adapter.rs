//! What the REST and MCP adapters share: the locals their handlers read inputs into, pattern
//! checks, the arguments they pass to a client (literals, templates, inputs), mock outputs and
//! the shape functions their answers go through.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::Value;

use super::types::Documented;
use crate::resolve::ir::{
    Arg, ArgSource, Input, InputId, InputIn, MockValue, Param, ParamType, Part, Runs,
};
use crate::resolve::ir::{BinaryAnswer, ConsumedOp, DEFAULT_MAX_BINARY_BYTES, Output, RawFormat};

/// Names the handlers use for their own locals; inputs with these names get an `_input` suffix.
const RESERVED: &[&str] = &[
    "upstreams",
    "args",
    "call",
    "path_params",
    "query_params",
    "headers",
    "request_body",
    "result",
    "steps",
    "body_fields",
];

/// The local variable holding an input's value.
pub(super) fn local(input: &Input) -> Ident {
    if RESERVED.contains(&input.name.rust.as_str()) {
        input.name.suffixed_ident("input")
    } else {
        input.name.ident()
    }
}

/// For a string input with a `pattern`: the check that refuses a value that does not match it
/// (`mismatch(name, pattern)` makes the error), after the input is read into its local.
pub(super) fn pattern_check(
    input: &Input,
    mismatch: &TokenStream,
    runtime: &TokenStream,
) -> TokenStream {
    let Some(pattern) = &input.pattern else {
        return quote!();
    };
    let l = local(input);
    let wire = &input.name.wire;
    let check = quote! {
        // Compiled when generated: the pattern is valid.
        static PATTERN: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| regex::Regex::new(#pattern).expect("a valid pattern"));
    };
    if input.required || input.location == InputIn::Path {
        quote! {
            {
                #check
                let text = #runtime::encode::as_str(&#l);
                if !PATTERN.is_match(text) {
                    return Err(#mismatch(#wire, #pattern));
                }
            }
        }
    } else {
        quote! {
            if let Some(text) = &#l {
                #check
                let text = #runtime::encode::as_str(text);
                if !PATTERN.is_match(text) {
                    return Err(#mismatch(#wire, #pattern));
                }
            }
        }
    }
}

/// A literal argument from `with`, as a value of the parameter's Rust type.
pub(super) fn literal(v: &Value, ty: ParamType, required: bool) -> TokenStream {
    let value = match (ty, v) {
        (ParamType::String, Value::String(s)) => quote!(#s),
        (ParamType::String, other) => {
            let s = other.to_string();
            quote!(#s)
        }
        (ParamType::Integer, v) => {
            let n = proc_macro2::Literal::i64_unsuffixed(v.as_i64().unwrap_or_default());
            quote!(#n)
        }
        (ParamType::Number, v) => {
            let n = proc_macro2::Literal::f64_unsuffixed(v.as_f64().unwrap_or_default());
            quote!(#n)
        }
        (ParamType::Boolean, v) => {
            let b = v.as_bool().unwrap_or_default();
            quote!(#b)
        }
        (ParamType::Object | ParamType::Array | ParamType::Json, v) => {
            let tokens = super::code::json_tokens(v);
            quote!(&serde_json::json!(#tokens))
        }
    };
    if required {
        value
    } else {
        quote!(Some(#value))
    }
}

/// `&format!("…{}…", input, …)` for a `with` template (its inputs are required text).
pub(super) fn template(parts: &[Part<InputId>], inputs: &[Input], required: bool) -> TokenStream {
    let (fmt, args) = super::code::format_template(parts, &|i| {
        let l = local(&inputs[i]);
        quote!(#l)
    });
    let value = quote!(&format!(#fmt, #(#args),*));
    if required {
        value
    } else {
        quote!(Some(#value))
    }
}

/// The `runtime::args` function that reads `input` from a JSON object of arguments.
pub(super) fn argument_reader(input: &Input) -> proc_macro2::Ident {
    let kind = match input.ty {
        ParamType::String => "str",
        ParamType::Integer => "i64",
        ParamType::Number => "f64",
        ParamType::Boolean => "bool",
        ParamType::Object => "object",
        ParamType::Array => "array",
        ParamType::Json => "json",
    };
    let presence = if input.required {
        "required"
    } else {
        "optional"
    };
    format_ident!("{presence}_{kind}")
}

/// The shape function of `owner`'s output, as passed to the result readers: the function, or
/// a closure giving it the inputs as text when its `value`s are templates of them.
pub(super) fn shape_function(
    owner: &crate::resolve::names::Name,
    shape: &crate::resolve::ir::Shape,
    inputs: &[Input],
) -> TokenStream {
    let function = owner.suffixed_ident("output");
    if !shape.has_templates() {
        return quote!(#function);
    }
    // Inputs the templates do not read are not read by the handler either: empty text.
    let mut used = vec![false; inputs.len()];
    shape.each_input(&mut |i| used[i.index()] = true);
    let texts = inputs.iter().enumerate().map(|(i, input)| {
        let l = local(input);
        if !used[i] {
            quote!(String::new())
        } else if input.required {
            quote!(#l.to_string())
        } else {
            quote!(#l.as_ref().map(|v| v.to_string()).unwrap_or_default())
        }
    });
    quote!(|json: &serde_json::Value| #function(json, &[#(#texts),*]))
}

/// `(name, value)` of each mock output: a fixed JSON value, or text made from the inputs.
pub(super) fn mock_members(
    fields: &[(crate::resolve::names::Name, MockValue)],
    inputs: &[Input],
) -> Vec<TokenStream> {
    fields.iter().map(|(field, value)| {
        let wire = &field.wire;
        let value = match value {
            MockValue::Const(v) => {
                let text = v.to_string();
                quote!(serde_json::from_str::<serde_json::Value>(#text).unwrap_or(serde_json::Value::Null))
            }
            MockValue::Template(parts) => {
                let (fmt, args) = super::code::format_template(parts, &|i| {
                    let input = &inputs[i];
                    let l = local(input);
                    if input.required {
                        quote!(#l)
                    } else {
                        quote!(#l.map(|v| v.to_string()).unwrap_or_default())
                    }
                });
                if fmt == "{}" {
                    let arg = &args[0];
                    quote!(serde_json::Value::String(#arg.to_string()))
                } else {
                    quote!(serde_json::Value::String(format!(#fmt, #(#args),*)))
                }
            }
        };
        quote! { (#wire, #value) }
    }).collect()
}

/// The argument of consumed parameter `p` (`None` when `with` gives it nothing), from inputs
/// read out of a JSON object (MCP arguments, REST body fields).
pub(super) fn argument(p: &Param, arg: Option<&Arg>, inputs: &[Input]) -> TokenStream {
    let Some(arg) = arg else {
        return quote!(None);
    };
    match &arg.source {
        ArgSource::Literal(v) => literal(v, p.ty, p.required),
        ArgSource::Template(parts) => template(parts, inputs, p.required),
        ArgSource::Step { .. } => {
            unreachable!("arguments from earlier steps are read by `steps::run`")
        }
        ArgSource::Input(i) => {
            let input = &inputs[*i];
            let l = local(input);
            if p.ty == ParamType::Json && input.ty != ParamType::Json {
                // A typed argument sent as a JSON value (a missing one as `null`).
                let structured = matches!(input.ty, ParamType::Array | ParamType::Object);
                return match (structured, input.required, p.required) {
                    (true, true, true) | (true, false, false) => quote!(#l),
                    (true, true, false) => quote!(Some(#l)),
                    (true, false, true) => quote!(#l.unwrap_or(&serde_json::Value::Null)),
                    (false, true, true) => quote!(&serde_json::Value::from(#l)),
                    (false, true, false) => quote!(Some(&serde_json::Value::from(#l))),
                    (false, false, true) => {
                        quote!(&#l.map(serde_json::Value::from).unwrap_or_default())
                    }
                    (false, false, false) => {
                        quote!(#l.map(serde_json::Value::from).as_ref())
                    }
                };
            }
            if input.required && !p.required {
                quote!(Some(#l))
            } else {
                quote!(#l)
            }
        }
    }
}

/// What an operation or tool runs, for docs: `namespace.operation`, or its steps' calls.
pub(super) fn target(cap: &crate::resolve::ir::Capability, runs: &Runs) -> String {
    match runs {
        Runs::Call { call, .. } => {
            let c = &cap.consumes[call.consumes];
            format!(
                "{}.{}",
                c.namespace.wire, c.operations[call.operation].name.wire
            )
        }
        Runs::Mock { .. } => "(mock: fixed outputs)".to_owned(),
        Runs::Steps { steps, .. } => super::steps::summary(cap, steps),
    }
}

/// For an adapter with inbound `authentication`: the router's extra parameter, the argument that
/// passes it on, a doc line, and the router wrapped in the guard.
pub(super) fn guard_parts(
    auth: &crate::resolve::ir::InboundAuth,
    root: &TokenStream,
    router: TokenStream,
) -> (TokenStream, TokenStream, TokenStream, TokenStream) {
    if *auth == crate::resolve::ir::InboundAuth::None {
        return (quote!(), quote!(), quote!(), router);
    }
    (
        quote!(, guard: #root::runtime::inbound::Guard),
        quote!(, guard),
        quote! {
            ///
            /// The spec requires callers to authenticate: every route answers 401 unless the request
            /// carries what `guard` expects.
        },
        quote!(#root::runtime::inbound::protect(#router, guard)),
    )
}

/// Does input `input` feed a path parameter of a call the operation makes? Its value must then
/// be one segment: not empty, not `.` or `..` (input schemas say `minLength: 1`).
pub(super) fn feeds_path(
    cap: &crate::resolve::ir::Capability,
    runs: &Runs,
    input: InputId,
) -> bool {
    use crate::resolve::ir::{ArgSource, ParamIn, Step};
    let calls: Vec<&crate::resolve::ir::Call> = match runs {
        Runs::Call { call, .. } => vec![call],
        Runs::Steps { steps, .. } => steps
            .iter()
            .filter_map(|s| match s {
                Step::Call { call, .. } => Some(call),
                Step::Lookup { .. } => None,
            })
            .collect(),
        Runs::Mock { .. } => Vec::new(),
    };
    calls.iter().any(|call| {
        let op = &cap.consumes[call.consumes].operations[call.operation];
        call.args.iter().any(|a| {
            matches!(a.source, ArgSource::Input(i) if i == input)
                && op.params[a.param].location == ParamIn::Path
        })
    })
}

/// The media type a binary answer is served with (`Some("image/jpeg")`, or `None`: the
/// upstream's) and the most it serves, as the runtime's `binary` answers take them.
pub(super) fn binary_limits(answer: &BinaryAnswer) -> (TokenStream, TokenStream) {
    let declared = match &answer.media_type {
        Some(media) => quote!(Some(#media)),
        None => quote!(None),
    };
    let max = answer.max_bytes.unwrap_or(DEFAULT_MAX_BINARY_BYTES);
    (declared, super::code::size_literal(max))
}

/// The check of an answer the adapter passes on as JSON against what the upstream's OpenAPI
/// document says (`client`: the upstream's client), where the document says.
pub(super) fn answer_check(
    output: &Output,
    documented: Option<Documented<'_>>,
    consumed: &ConsumedOp,
    client: TokenStream,
) -> Option<TokenStream> {
    let passed_on = matches!(
        output,
        Output::PassThrough {
            format: RawFormat::Json,
            ..
        }
    );
    documented.filter(|_| passed_on)?;
    let checked = consumed.name.suffixed_ident("checked");
    Some(quote!(let result = #client.#checked(result);))
}

/// The schema the upstream's OpenAPI document gives the request body that `input` is sent as
/// (its references inlined), where `input` is the whole body of a documented call.
pub(super) fn documented_body_schema(
    cap: &crate::resolve::ir::Capability,
    runs: &Runs,
    input: InputId,
) -> Option<Value> {
    let Runs::Call { call, .. } = runs else {
        return None;
    };
    let api = &cap.consumes[call.consumes];
    let (param, schema) = super::types::documented_body(&api.operations[call.operation])?;
    call.args
        .iter()
        .any(|a| a.param == param && matches!(a.source, ArgSource::Input(i) if i == input))
        .then(|| super::schema::inlined(schema, &api.schemas))
}

/// What the upstream's OpenAPI document says of the values of `input` (of type `ty`) beyond
/// their type — `enum`, `format`, bounds — where `input` is passed as it is to a documented
/// parameter, and where what it says fits `ty`.
pub(super) fn documented_values(
    cap: &crate::resolve::ir::Capability,
    runs: &Runs,
    input: InputId,
    ty: ParamType,
) -> serde_json::Map<String, Value> {
    let Runs::Call { call, .. } = runs else {
        return serde_json::Map::new();
    };
    let op = &cap.consumes[call.consumes].operations[call.operation];
    let said = call
        .args
        .iter()
        .filter(|a| matches!(a.source, ArgSource::Input(i) if i == input))
        .find_map(|a| op.params[a.param].documented.as_ref());
    let Some(said) = said else {
        return serde_json::Map::new();
    };
    let of_type = |value: &Value| match ty {
        ParamType::String => value.is_string(),
        ParamType::Integer => value.is_i64() || value.is_u64(),
        ParamType::Number => value.is_number(),
        ParamType::Boolean => value.is_boolean(),
        _ => false,
    };
    let numeric = matches!(ty, ParamType::Integer | ParamType::Number);
    said.iter()
        .filter(|(key, value)| match key.as_str() {
            "enum" => value
                .as_array()
                .is_some_and(|values| values.iter().all(of_type)),
            "format" => numeric || ty == ParamType::String,
            "minLength" | "maxLength" => ty == ParamType::String,
            _ => numeric,
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}
