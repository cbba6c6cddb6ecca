//! Small pieces of generated code every emitter uses: docs, JSON values, `format!` strings
//! and the readers of the upstreams' formats.

use proc_macro2::TokenStream;
use quote::quote;

use crate::resolve::ir::{BindId, ParamType, Part, RawFormat};

/// The reader of `format` (a `runtime::error::Format`).
pub(super) fn format_reader(format: &RawFormat, root: &TokenStream) -> TokenStream {
    match format {
        // Binary answers are never read as JSON (the resolver keeps them from shapes).
        RawFormat::Json | RawFormat::Text | RawFormat::Binary(_) => {
            quote!(#root::runtime::error::JSON)
        }
        RawFormat::Xml => quote!(#root::runtime::xml::XML),
        RawFormat::Delimited('\t') => quote!(#root::runtime::delimited::TSV),
        RawFormat::Delimited('|') => quote!(#root::runtime::delimited::PSV),
        RawFormat::Delimited(_) => quote!(#root::runtime::delimited::CSV),
        RawFormat::Yaml => quote!(#root::runtime::yaml::YAML),
        // The selector or heading prefix is the spec's: a reader made for it.
        RawFormat::Html(selector) => quote! {
            #root::runtime::error::Format { name: "HTML", read: |body| #root::runtime::html::html(body, #selector) }
        },
        RawFormat::Markdown(prefix) => {
            let prefix = match prefix {
                Some(p) => quote!(Some(#p)),
                None => quote!(None),
            };
            quote! {
                #root::runtime::error::Format { name: "Markdown", read: |body| #root::runtime::markdown::markdown(body, #prefix) }
            }
        }
    }
}

/// `#[doc = "…"]` attributes, one per line of `text` (empty when there is no text).
pub(super) fn docs(text: Option<&str>) -> TokenStream {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return TokenStream::new();
    };
    let lines = text.lines().map(|l| format!(" {}", l.trim_end()));
    quote! { #( #[doc = #lines] )* }
}

/// Inner `#![doc = "…"]` attributes for a module.
pub(super) fn module_docs(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #![doc = #lines] )* }
}

/// The Rust type of a client method argument.
pub(super) fn param_rust_type(ty: ParamType, required: bool) -> TokenStream {
    let base = match ty {
        ParamType::String => quote!(&str),
        ParamType::Integer => quote!(i64),
        ParamType::Number => quote!(f64),
        ParamType::Boolean => quote!(bool),
        ParamType::Object | ParamType::Array | ParamType::Json => quote!(&serde_json::Value),
    };
    if required {
        base
    } else {
        quote!(Option<#base>)
    }
}

/// `text` as a raw string literal (`r#"…"#`, with as many `#` as it needs): JSON reads as JSON.
pub(super) fn raw_str(text: &str) -> TokenStream {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| quote!(#text))
}

/// `serde_json::json!` tokens for a JSON value (keys and strings as literals, so any text is safe).
pub(super) fn json_tokens(v: &serde_json::Value) -> TokenStream {
    use serde_json::Value;
    match v {
        Value::Null => quote!(null),
        Value::Bool(b) => quote!(#b),
        Value::Number(n) => {
            let lit: TokenStream = n.to_string().parse().unwrap_or_else(|_| quote!(null));
            lit
        }
        Value::String(s) => quote!(#s),
        Value::Array(items) => json_array(items.iter().map(json_tokens).collect()),
        Value::Object(map) => json_object(
            map.iter()
                .map(|(k, v)| (quote!(#k), json_tokens(v)))
                .collect(),
        ),
    }
}

/// The most members a `json!` object or array literal is written with: the macro expands each
/// member recursively, and a wider literal would reach the compiler's recursion limit.
const JSON_LITERAL_WIDTH: usize = 16;

/// `json!` tokens for an object of `members` (each key an expression giving text, each value
/// `json!` tokens): a literal, or, when wide, the map built member by member (no local names).
pub(super) fn json_object(members: Vec<(TokenStream, TokenStream)>) -> TokenStream {
    if members.len() <= JSON_LITERAL_WIDTH {
        let members = members.iter().map(|(k, v)| quote!(#k: #v));
        return quote!({ #(#members),* });
    }
    let members = members
        .iter()
        .map(|(k, v)| quote!((#k.to_owned(), serde_json::json!(#v))));
    quote!((serde_json::Value::Object(serde_json::Map::from_iter([#(#members),*]))))
}

/// `json!` tokens for an array of `items` (each `json!` tokens), built item by item when wide.
pub(super) fn json_array(items: Vec<TokenStream>) -> TokenStream {
    if items.len() <= JSON_LITERAL_WIDTH {
        return quote!([#(#items),*]);
    }
    quote!((serde_json::Value::Array(vec![#(serde_json::json!(#items)),*])))
}

/// `text` as literal text inside a `format!` string.
pub(super) fn format_literal(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

/// A `format!` string and its arguments for a template: its text escaped, each slot the
/// argument `slot` makes of it.
pub(super) fn format_template<S: Copy>(
    parts: &[Part<S>],
    slot: &dyn Fn(S) -> TokenStream,
) -> (String, Vec<TokenStream>) {
    let mut fmt = String::new();
    let mut args = Vec::new();
    for part in parts {
        match part {
            Part::Text(t) => fmt.push_str(&format_literal(t)),
            Part::Slot(s) => {
                fmt.push_str("{}");
                args.push(slot(*s));
            }
        }
    }
    (fmt, args)
}

/// A `format!` string and its arguments for text around bound variables (`var` names the
/// `Secret` holding each one).
pub(super) fn format_parts(
    parts: &[Part<BindId>],
    var: &dyn Fn(BindId) -> TokenStream,
) -> (String, Vec<TokenStream>) {
    format_template(parts, &|b| {
        let v = var(b);
        quote!(#v.expose())
    })
}

/// A size in bytes as code reads it: `5 * 1024 * 1024` for 5 MiB, `512 * 1024`, `100`.
pub(super) fn size_literal(bytes: u64) -> TokenStream {
    const KIB: u64 = 1024;
    let scaled = |n: u64| proc_macro2::Literal::u64_unsuffixed(n);
    match bytes {
        b if b == KIB * KIB => quote!(1024 * 1024),
        b if b >= KIB * KIB && b % (KIB * KIB) == 0 => {
            let n = scaled(b / (KIB * KIB));
            quote!(#n * 1024 * 1024)
        }
        b if b >= KIB && b % KIB == 0 && b != KIB => {
            let n = scaled(b / KIB);
            quote!(#n * 1024)
        }
        b => {
            let n = scaled(b);
            quote!(#n)
        }
    }
}
