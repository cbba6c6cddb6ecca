//! Orchestrated operations and tools: each step becomes a statement — a client call whose JSON
//! is kept in a local, or a lookup over an earlier step's array — and the steps' results are
//! gathered into one JSON object by step name, which the output's shape function reads.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::resolve::ir::ParamId;
use crate::resolve::ir::{
    Arg, ArgSource, Call, Capability, JsonPath, Output, Param, ParamType, PathStep, Step,
};

/// `a.b → c.d` of the calls, for docs.
pub(super) fn summary(cap: &Capability, steps: &[Step]) -> String {
    let parts: Vec<String> = steps
        .iter()
        .map(|s| match s {
            Step::Call { call, .. } => {
                let c = &cap.consumes[call.consumes];
                format!(
                    "{}.{}",
                    c.namespace.wire, c.operations[call.operation].name.wire
                )
            }
            Step::Lookup { name, .. } => format!("lookup {}", name.wire),
        })
        .collect();
    parts.join(" → ")
}

/// The local holding a step's result.
fn local_of(step: &Step) -> proc_macro2::Ident {
    format_ident!("step_{}", step.name().rust)
}

/// The statements that run `steps` and leave their results in `steps: serde_json::Value`.
/// `arg` makes the argument of a consumed parameter; `on_error` is the early return for a failed
/// call (it sees the error as `err`).
pub(super) fn run(
    cap: &Capability,
    steps: &[Step],
    root: &TokenStream,
    upstreams: &TokenStream,
    arg: &dyn Fn(&Param, Option<&Arg>) -> TokenStream,
    on_error: &TokenStream,
) -> TokenStream {
    let runtime = quote!(#root::runtime);
    let statements = steps.iter().map(|step| {
        let l = local_of(step);
        match step {
            Step::Call { call, .. } => {
                let Call {
                    consumes,
                    operation,
                    args,
                } = call;
                let c = &cap.consumes[*consumes];
                let consumed = &c.operations[*operation];
                // Arguments read from earlier steps come first, each checked.
                let mut reads = Vec::new();
                let values: Vec<TokenStream> = consumed
                    .params
                    .iter()
                    .enumerate()
                    .map(|(pi, p)| {
                        let pi = ParamId::new(pi);
                        let a = args.iter().find(|a| a.param == pi);
                        match a.map(|a| &a.source) {
                            Some(ArgSource::Step { step, path }) => {
                                let local = format_ident!(
                                    "{}_{}",
                                    l.to_string().trim_end_matches('_'),
                                    p.name.rust
                                );
                                let source = local_of(&steps[*step]);
                                let (read, value) =
                                    step_argument(p, (&local, &source), path, &runtime, on_error);
                                reads.push(read);
                                value
                            }
                            _ => arg(p, a),
                        }
                    })
                    .collect();
                let client = c.namespace.ident();
                let raw = consumed.name.suffixed_ident("raw");
                let call_args = super::client::call_arguments(root, &client, consumed, values);
                let format = match &consumed.output {
                    Output::PassThrough { format, .. } | Output::Shaped { format, .. } => {
                        format.clone()
                    }
                };
                let format = super::code::format_reader(&format, root);
                let read = quote! {
                    match #upstreams.#client.#raw(#call_args)
                        .await
                        .and_then(#runtime::error::RawResponse::error_for_status)
                        .and_then(|raw| raw.read(#format))
                    {
                        Ok(json) => json,
                        Err(err) => return #on_error,
                    }
                };
                if consumed.named.is_empty() {
                    quote! { #(#reads)* let #l = #read; }
                } else {
                    // The operation's named outputs, added to its answer for later steps.
                    let named = consumed.named.iter().map(|(name, path)| {
                        let steps = path_steps(&path.steps, &runtime);
                        quote!((#name, &[#(#steps),*][..]))
                    });
                    quote! {
                        #(#reads)*
                        let mut #l = #read;
                        #runtime::steps::name_outputs(&mut #l, &[#(#named),*]);
                    }
                }
            }
            Step::Lookup {
                index,
                key,
                value: (from, path),
                fields,
                ..
            } => {
                let table = local_of(&steps[*index]);
                let source = local_of(&steps[*from]);
                let path_steps = path_steps(&path.steps, &runtime);
                quote! {
                    let #l = #runtime::steps::lookup(
                        &#table,
                        #key,
                        #runtime::map::at(&#source, &[#(#path_steps),*]),
                        &[#(#fields),*],
                    );
                }
            }
        }
    });
    let entries = steps.iter().map(|step| {
        let l = local_of(step);
        let wire = &step.name().wire;
        quote!((#wire.to_owned(), #l))
    });
    quote! {
        #(#statements)*
        let steps = serde_json::Value::Object(serde_json::Map::from_iter([#(#entries),*]));
    }
}

/// `runtime::map::Step`s of a path.
fn path_steps(steps: &[PathStep], runtime: &TokenStream) -> Vec<TokenStream> {
    steps
        .iter()
        .map(|s| match s {
            PathStep::Key(k) => quote!(#runtime::map::Step::Key(#k)),
            PathStep::Index(i) => {
                let i = proc_macro2::Literal::usize_unsuffixed(*i);
                quote!(#runtime::map::Step::Index(#i))
            }
        })
        .collect()
}

/// A call's argument read from an earlier step's answer (`source`, at `path`): the statement
/// that reads and checks it into `local`, and the value the call takes.
fn step_argument(
    p: &Param,
    (local, source): (&proc_macro2::Ident, &proc_macro2::Ident),
    path: &JsonPath,
    runtime: &TokenStream,
    on_error: &TokenStream,
) -> (TokenStream, TokenStream) {
    let text = &path.text;
    let path_steps = path_steps(&path.steps, runtime);
    let (read, expected) = match p.ty {
        ParamType::String => (quote!(as_text), "text"),
        ParamType::Integer => (quote!(as_integer), "an integer"),
        ParamType::Number => (quote!(as_number), "a number"),
        ParamType::Boolean => (quote!(as_boolean), "true or false"),
        ParamType::Object | ParamType::Array | ParamType::Json => (quote!(as_json), "JSON"),
    };
    let function = if p.required {
        quote!(required_argument)
    } else {
        quote!(optional_argument)
    };
    let read = quote! {
        let #local = match #runtime::steps::#function(
            &#source,
            #text,
            &[#(#path_steps),*],
            #runtime::steps::#read,
            #expected,
        ) {
            Ok(value) => value,
            Err(err) => return #on_error,
        };
    };
    let value = match (p.ty, p.required) {
        (ParamType::String, true)
        | (ParamType::Object | ParamType::Array | ParamType::Json, true) => {
            quote!(&#local)
        }
        (ParamType::String, false) => quote!(#local.as_deref()),
        (ParamType::Object | ParamType::Array | ParamType::Json, false) => {
            quote!(#local.as_ref())
        }
        _ => quote!(#local),
    };
    (read, value)
}
