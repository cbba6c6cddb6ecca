//! Shaped outputs: one serde struct per object of an output tree, and a function that reads it
//! from the upstream JSON with plain field access — no JSONPath at run time.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::resolve::ir::{JsonPath, PathStep, Shape, ShapeType};
use crate::resolve::names::Name;

/// The definitions for the output of the operation or tool `owner` (its structs and the
/// function `<owner>_output`), the path of that function and the output's Rust type.
pub(super) fn output(
    owner: &Name,
    shape: &Shape,
    root: &TokenStream,
) -> (TokenStream, TokenStream, TokenStream) {
    let mut defs = Vec::new();
    let prefix = format!("{}Output", Name::pascal(&owner.wire).rust);
    let inputs = shape.has_templates();
    let read = node(shape, &quote!(json), &prefix, (root, inputs), &mut defs);
    let (ty, expr) = (&read.ty, read.result());
    let function = owner.suffixed_ident("output");
    let (doc, inputs_param) = if inputs {
        (
            format!(
                " The output of `{}`, read from the upstream JSON; `inputs` are the operation's inputs as text, for the `value` templates.",
                owner.wire
            ),
            quote!(, inputs: &[String]),
        )
    } else {
        (
            format!(
                " The output of `{}`, read from the upstream JSON.",
                owner.wire
            ),
            quote!(),
        )
    };
    defs.push(quote! {
        #[doc = #doc]
        fn #function(json: &serde_json::Value #inputs_param) -> Result<#ty, #root::runtime::map::Mismatch> {
            #expr
        }
    });
    let ty = ty.clone();
    (quote!(#(#defs)*), quote!(#function), ty)
}

/// How a node is read: its Rust type and the expression, a `Result` when the read can fail.
struct Read {
    ty: TokenStream,
    expr: TokenStream,
    fallible: bool,
}

impl Read {
    /// The expression as a `Result`.
    fn result(&self) -> TokenStream {
        let expr = &self.expr;
        if self.fallible {
            expr.clone()
        } else {
            quote!(Ok(#expr))
        }
    }

    /// The expression as the value, inside a function that returns a `Result`.
    fn value(&self) -> TokenStream {
        let expr = &self.expr;
        if self.fallible {
            quote!(#expr?)
        } else {
            expr.clone()
        }
    }
}

/// How `shape` is read from `ctx`; structs go to `defs`. `inputs`: the readers take the
/// operation's inputs as text (some node is a template).
fn node(
    shape: &Shape,
    ctx: &TokenStream,
    name: &str,
    (root, inputs): (&TokenStream, bool),
    defs: &mut Vec<TokenStream>,
) -> Read {
    let map = quote!(#root::runtime::map);
    // Only a node with a template below it takes the inputs.
    let inputs = inputs && shape.has_templates();
    let (inputs_param, inputs_arg) = if inputs {
        (quote!(, inputs: &[String]), quote!(, inputs))
    } else {
        (quote!(), quote!())
    };
    match shape {
        Shape::Value { path, ty } => {
            let (rust, read) = match ty {
                ShapeType::String => (quote!(String), quote!(string)),
                ShapeType::Number => (quote!(f64), quote!(number)),
                ShapeType::Integer => (quote!(i64), quote!(integer)),
                ShapeType::Boolean => (quote!(bool), quote!(boolean)),
                ShapeType::Json => (quote!(serde_json::Value), quote!(json)),
            };
            let (text, steps) = path_tokens(path, &map);
            Read {
                ty: quote!(Option<#rust>),
                expr: quote!(#map::#read(#ctx, #text, #steps)),
                fallible: true,
            }
        }
        Shape::Const(value) => constant(value),
        Shape::Template(parts) => {
            let (fmt, args) = super::code::format_template(parts, &|i| {
                let i = proc_macro2::Literal::usize_unsuffixed(i.index());
                quote!(inputs[#i])
            });
            let expr = match (fmt.as_str(), args.as_slice()) {
                ("{}", [only]) => quote!(#only.clone()),
                _ => quote!(format!(#fmt, #(#args),*)),
            };
            Read {
                ty: quote!(String),
                expr,
                fallible: false,
            }
        }
        Shape::Array { path, items } => {
            let item = node(
                items,
                &quote!(item),
                &format!("{name}Item"),
                (root, inputs),
                defs,
            );
            let (text, steps) = path_tokens(path, &map);
            let (item_ty, item_expr) = (&item.ty, &item.expr);
            // Objects are read by their own `from_json`: pass it, not a closure around it.
            let read_item = match items.as_ref() {
                Shape::Object { .. } if !items.has_templates() => quote!(#item_ty::from_json),
                _ => quote!(|item| #item_expr),
            };
            let expr = if item.fallible {
                quote! {
                    #map::array(#ctx, #text, #steps)?
                        .iter()
                        .map(#read_item)
                        .collect::<Result<Vec<_>, #map::Mismatch>>()
                }
            } else {
                quote! {
                    #map::array(#ctx, #text, #steps).map(|items| items.iter().map(|item| #item_expr).collect::<Vec<_>>())
                }
            };
            Read {
                ty: quote!(Vec<#item_ty>),
                expr,
                fallible: true,
            }
        }
        Shape::FirstOf(alternatives) => {
            let tries = alternatives.iter().enumerate().map(|(i, alternative)| {
                let read = node(
                    alternative,
                    ctx,
                    &format!("{name}{}", i + 1),
                    (root, inputs),
                    defs,
                );
                let value = read.value();
                quote! {
                    let value = serde_json::to_value(#value).unwrap_or(serde_json::Value::Null);
                    if !value.is_null() {
                        break 'first Ok(value);
                    }
                }
            });
            Read {
                ty: quote!(serde_json::Value),
                expr: quote! {
                    'first: {
                        #(#tries)*
                        Ok(serde_json::Value::Null)
                    }
                },
                fallible: true,
            }
        }
        Shape::Object { fields } => {
            let ident = format_ident!("{}", name);
            let mut members = Vec::new();
            let mut inits = Vec::new();
            for (field, shape) in fields {
                let child = format!("{name}{}", Name::pascal(&field.wire).rust);
                let read = node(shape, &quote!(json), &child, (root, inputs), defs);
                let (ty, value) = (&read.ty, read.value());
                let f = field.ident();
                let wire = &field.wire;
                let rename = (field.rust != *wire).then(|| quote!(#[serde(rename = #wire)]));
                let doc = format!(" `{wire}`.");
                members.push(quote! { #[doc = #doc] #rename pub #f: #ty, });
                inits.push(quote! { #f: #value, });
            }
            let doc = format!(" A shaped output (`{name}`).");
            defs.push(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq, serde::Serialize)]
                pub struct #ident { #(#members)* }

                impl #ident {
                    /// Read it from `json` (the answer, or the element of an array).
                    fn from_json(json: &serde_json::Value #inputs_param) -> Result<Self, #map::Mismatch> {
                        Ok(Self { #(#inits)* })
                    }
                }
            });
            Read {
                ty: quote!(#ident),
                expr: quote!(#ident::from_json(#ctx #inputs_arg)),
                fallible: true,
            }
        }
    }
}

/// A constant output: its Rust type and value.
fn constant(value: &serde_json::Value) -> Read {
    match value {
        serde_json::Value::String(text) => Read {
            ty: quote!(String),
            expr: quote!(#text.to_owned()),
            fallible: false,
        },
        serde_json::Value::Bool(b) => Read {
            ty: quote!(bool),
            expr: quote!(#b),
            fallible: false,
        },
        serde_json::Value::Number(n) if n.is_i64() => {
            let n = n.as_i64().unwrap_or_default();
            Read {
                ty: quote!(i64),
                expr: quote!(#n),
                fallible: false,
            }
        }
        serde_json::Value::Number(n) if n.is_f64() => {
            let n = n.as_f64().unwrap_or_default();
            Read {
                ty: quote!(f64),
                expr: quote!(#n),
                fallible: false,
            }
        }
        value => {
            // Written by the generator from a parsed value: it always reads back.
            let text = value.to_string();
            Read {
                ty: quote!(serde_json::Value),
                expr: quote!(serde_json::from_str(#text).unwrap_or(serde_json::Value::Null)),
                fallible: false,
            }
        }
    }
}

fn path_tokens(path: &JsonPath, map: &TokenStream) -> (String, TokenStream) {
    let steps = path.steps.iter().map(|s| match s {
        PathStep::Key(k) => quote!(#map::Step::Key(#k)),
        PathStep::Index(i) => {
            let i = proc_macro2::Literal::usize_unsuffixed(*i);
            quote!(#map::Step::Index(#i))
        }
    });
    (path.text.clone(), quote!(&[#(#steps),*]))
}
