//! One typed client per consumed API: `src/clients/<namespace>.rs`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{docs, module_docs, param_rust_type};
use crate::resolve::ir::{
    Capability, ConsumedOp, Consumes, ParamIn, ParamType, PathPart, UpstreamAuth,
};

pub(super) fn emit(cap: &Capability, index: usize) -> TokenStream {
    let c = &cap.consumes[index];
    let mut text = format!("Typed client for the `{}` API.\n", c.namespace.wire);
    if let Some(d) = &c.description {
        text.push('\n');
        text.push_str(d.trim());
        text.push('\n');
    }
    text.push_str(&format!("\nDefault base URL: <{}>.", c.base_uri));
    if let UpstreamAuth::Bearer { bind, implicit } = c.auth {
        let var = &cap.binds[bind].name.wire;
        text.push_str(&format!(
            "\n\nEvery request carries `Authorization: Bearer <{var}>`"
        ));
        if implicit {
            text.push_str(" (the spec binds this variable but declares no `authentication`; a bearer token is assumed)");
        }
        text.push('.');
    }
    let module_docs = module_docs(&text);
    let base_uri = &c.base_uri;
    let credentials = credentials(cap, c);
    let (auth_field, auth_init, authorize) = match c.auth {
        UpstreamAuth::Bearer { .. } => (
            quote! { authorization: reqwest::header::HeaderValue, },
            quote! { authorization: support::bearer_header(&credentials.bearer_token)?, },
            quote! { .header(reqwest::header::AUTHORIZATION, self.authorization.clone()) },
        ),
        UpstreamAuth::None => (quote!(), quote!(), quote!()),
    };
    let credentials_binding = match c.auth {
        UpstreamAuth::Bearer { .. } => quote!(credentials),
        UpstreamAuth::None => quote!(_credentials),
    };
    let api = c.namespace.wire.as_str();
    let methods = c.operations.iter().map(|op| operation(api, op, &authorize));
    let client_doc = format!(
        " Client for the `{}` API. Cheap to clone: clones share one connection pool.",
        c.namespace.wire
    );
    quote! {
        #module_docs

        use crate::support::{self, Error, RawResponse};

        /// The base URL the spec declares.
        pub const DEFAULT_BASE_URL: &str = #base_uri;

        #credentials

        #[doc = #client_doc]
        #[derive(Debug, Clone)]
        pub struct Client {
            base_url: String,
            http: reqwest::Client,
            #auth_field
        }

        impl Client {
            /// A client for the API at `base_url` (use [`DEFAULT_BASE_URL`] for the spec's own).
            ///
            /// Pass your own `reqwest::Client` to share its pool and settings; without one, a
            /// pooled rustls client with a 30 s timeout is built.
            pub fn new(
                base_url: &str,
                #credentials_binding: Credentials,
                http: Option<reqwest::Client>,
            ) -> Result<Self, Error> {
                let http = match http {
                    Some(http) => http,
                    None => support::http_client(support::DEFAULT_TIMEOUT)?,
                };
                Ok(Self {
                    base_url: support::base_url(base_url)?,
                    http,
                    #auth_init
                })
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                &self.base_url
            }

            #(#methods)*
        }
    }
}

fn credentials(cap: &Capability, c: &Consumes) -> TokenStream {
    match c.auth {
        UpstreamAuth::Bearer { bind, .. } => {
            let doc = format!(
                " Sent as `Authorization: Bearer <token>`; the server reads it from `{}`.",
                cap.binds[bind].env
            );
            let struct_doc = format!(" Credentials for the `{}` API.", c.namespace.wire);
            quote! {
                #[doc = #struct_doc]
                #[derive(Debug, Clone)]
                pub struct Credentials {
                    #[doc = #doc]
                    pub bearer_token: support::Secret,
                }
            }
        }
        UpstreamAuth::None => {
            let struct_doc = format!(
                " Credentials for the `{}` API: it takes none.",
                c.namespace.wire
            );
            quote! {
                #[doc = #struct_doc]
                #[derive(Debug, Clone, Default)]
                pub struct Credentials;
            }
        }
    }
}

fn operation(api: &str, op: &ConsumedOp, authorize: &TokenStream) -> TokenStream {
    let name = op.name.ident();
    let raw = format_ident!("{}_raw", op.name.rust);
    let args: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let ident = p.name.ident();
            let ty = param_rust_type(p.ty, p.required);
            quote!(#ident: #ty)
        })
        .collect();
    let arg_names: Vec<_> = op.params.iter().map(|p| p.name.ident()).collect();

    let mut text = op
        .description
        .clone()
        .unwrap_or_else(|| format!("`{}`", op.name.wire));
    text.push_str(&format!(
        "\n\n`{} {}`",
        op.method.as_str(),
        op.path_template
    ));
    if !op.params.is_empty() {
        text.push_str("\n\n# Arguments\n");
        for p in &op.params {
            let place = match p.location {
                ParamIn::Path => "path",
                ParamIn::Query => "query",
                ParamIn::Header => "header",
                ParamIn::Body => "JSON body",
            };
            let wire = if p.name.wire == p.name.rust {
                String::new()
            } else {
                format!("`{}`, ", p.name.wire)
            };
            let desc = p
                .description
                .as_deref()
                .map(|d| format!(" — {}", d.trim()))
                .unwrap_or_default();
            text.push_str(&format!("\n* `{}` ({wire}{place}){desc}", p.name.rust));
        }
    }
    text.push_str("\n\n# Errors\n\n[`Error::Status`] when the API answers 400 or more (status and body kept); transport, timeout and decoding errors otherwise.");
    let doc = docs(Some(&text));
    let raw_doc = format!(
        " Like [`Self::{}`], but returns the answer as received, whatever its status.",
        op.name.rust
    );

    // The URL: literal parts as they are, parameters percent-encoded as one segment each.
    let mut fmt = String::from("{}");
    let mut fmt_args = vec![quote!(self.base_url)];
    for part in &op.path {
        match part {
            PathPart::Literal(text) => fmt.push_str(&text.replace('{', "{{").replace('}', "}}")),
            PathPart::Param(i) => {
                fmt.push_str("{}");
                let p = &op.params[*i];
                let ident = p.name.ident();
                fmt_args.push(match p.ty {
                    ParamType::String => quote!(support::encode_path_segment(#ident)),
                    _ => quote!(support::encode_path_segment(&#ident.to_string())),
                });
            }
        }
    }
    let method = format_ident!("{}", op.method.as_str());
    let op_wire = &op.name.wire;
    let mut chain = Vec::new();
    let mut optional = Vec::new();
    for p in &op.params {
        let ident = p.name.ident();
        let wire = &p.name.wire;
        let (call, value) = match (p.location, p.ty) {
            (ParamIn::Path, _) => continue,
            (ParamIn::Query, _) => (quote!(query), quote!(&[(#wire, #ident)])),
            (ParamIn::Header, ParamType::String) => (quote!(header), quote!(#wire, #ident)),
            (ParamIn::Header, _) => (quote!(header), quote!(#wire, #ident.to_string())),
            (ParamIn::Body, _) => (quote!(json), quote!(#ident)),
        };
        if p.required {
            chain.push(quote! { .#call(#value) });
        } else {
            optional.push(quote! {
                if let Some(#ident) = #ident {
                    request = request.#call(#value);
                }
            });
        }
    }
    let send = if optional.is_empty() {
        quote! {
            let request = self.http.request(reqwest::Method::#method, url) #(#chain)* #authorize;
            support::send(request, #api, #op_wire).await
        }
    } else {
        quote! {
            let mut request = self.http.request(reqwest::Method::#method, url) #(#chain)* #authorize;
            #(#optional)*
            support::send(request, #api, #op_wire).await
        }
    };
    quote! {
        #doc
        pub async fn #name(&self, #(#args),*) -> Result<serde_json::Value, Error> {
            self.#raw(#(#arg_names),*).await?.error_for_status()?.json()
        }

        #[doc = #raw_doc]
        pub async fn #raw(&self, #(#args),*) -> Result<RawResponse, Error> {
            let url = format!(#fmt, #(#fmt_args),*);
            #send
        }
    }
}
