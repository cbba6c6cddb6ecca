//! One typed client per consumed API: `src/clients/<namespace>.rs`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::code::{docs, module_docs, param_rust_type};
use super::credentials::{AuthParts, auth_parts};
use super::types::Documented;
use crate::resolve::ir::ParamId;
use crate::resolve::ir::{
    BaseUri, BindId, Body, BodySlot, Capability, Constant, ConsumedOp, Consumes, JsonTemplate,
    ParamIn, ParamType, Part, PathPart, RawFormat, UpstreamAuth, template_binds,
};

pub(super) fn emit(cap: &Capability, index: usize, root: &TokenStream) -> TokenStream {
    let c = &cap.consumes[index];
    let auth = auth_parts(cap, c, root);
    let module_docs = module_docs(&client_text(cap, c, &auth.sentence));
    let defaults = defaults(c);
    let AuthParts {
        credentials: credential_fields,
        fields,
        init,
        apply,
        ..
    } = auth;
    let (credentials, bound_idents, credentials_binding) = credentials(cap, c, &credential_fields);
    let api = c.namespace.wire.as_str();
    // The Rust types of what the API's OpenAPI document describes, where one is tied to it.
    let api_types = super::types::api_types(c);
    let documented = |i: usize| {
        let typed = || api_types.as_ref().and_then(|t| t.answers[i].clone());
        match super::types::documented(&c.operations[i])? {
            Documented::Empty => Some(DocAnswer::Empty),
            Documented::Json(_) => Some(typed().map_or(DocAnswer::Untyped, DocAnswer::Type)),
        }
    };
    let body_type = |i: usize| api_types.as_ref().and_then(|t| t.bodies[i].as_ref());
    let methods = c.operations.iter().enumerate().map(|(i, op)| {
        operation(
            api,
            op,
            (documented(i).as_ref(), body_type(i)),
            (&apply, body_key(c)),
            (cap, root),
        )
    });
    let (strict_field, strict_init, strict_method) = strict_parts(c);
    let types_mod = api_types.as_ref().map(|t| {
        let items = &t.items;
        let module = quote::format_ident!("{}", super::types::MODULE);
        quote! {
            /// The types of the API's OpenAPI document, for its answers (typify).
            pub mod #module { #items }
        }
    });
    // Typed results: the structs the adapters shape each answer into.
    let outputs = c.operations.iter().filter_map(|op| {
        let (defs, ..) = super::shape::output(&op.name, op.typed.as_ref()?, root);
        Some(defs)
    });
    let forward = c
        .forwarded
        .then(|| forward_method(api, c, (&apply, body_key(c)), cap));
    let arg_structs = c.operations.iter().filter_map(args_struct_def);
    let client_doc = format!(
        " Client for the `{}` API. Cheap to clone: clones share one connection pool.",
        c.namespace.wire
    );
    quote! {
        #module_docs

        use #root::runtime::{self, error::{Error, RawResponse}};

        #defaults

        #credentials

        #(#arg_structs)*

        #(#outputs)*

        #types_mod

        #[doc = #client_doc]
        #[derive(Debug, Clone)]
        pub struct Client {
            base_url: String,
            http: runtime::http::HttpClient,
            #fields
            #(#bound_idents: runtime::secret::Secret,)*
            #strict_field
        }

        impl Client {
            /// A client for the API at `base_url`.
            ///
            /// Pass your own `reqwest::Client` to share its pool and settings; without one, a
            /// pooled rustls client with a 30 s timeout is built (see [`runtime::http::http_client`]).
            pub fn new(
                base_url: &str,
                credentials: Credentials,
                http: Option<reqwest::Client>,
            ) -> Result<Self, Error> {
                let http = match http {
                    Some(http) => runtime::http::HttpClient::Reqwest(http),
                    None => runtime::http::http_client(runtime::http::DEFAULT_TIMEOUT)?,
                };
                Self::with_http_client(base_url, credentials, http)
            }

            /// A client for the API at `base_url` over `http` (clones share its pool).
            pub fn with_http_client(
                base_url: &str,
                #credentials_binding: Credentials,
                http: runtime::http::HttpClient,
            ) -> Result<Self, Error> {
                Ok(Self {
                    base_url: runtime::http::base_url(base_url)?,
                    http,
                    #init
                    #(#bound_idents: credentials.#bound_idents,)*
                    #strict_init
                })
            }

            #strict_method

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                &self.base_url
            }

            #(#methods)*

            #forward
        }
    }
}

/// The module docs of a client: the API, its base URL and how requests carry its credentials.
fn client_text(cap: &Capability, c: &Consumes, sentence: &str) -> String {
    let mut text = format!("Typed client for the `{}` API.\n", c.namespace.wire);
    if let Some(d) = &c.description {
        text.push('\n');
        text.push_str(d.trim());
        text.push('\n');
    }
    text.push_str(&format!(
        "\nBase URL: `{}`.",
        c.base_uri.display(&cap.binds)
    ));
    if !sentence.is_empty() {
        text.push_str("\n\n");
        text.push_str(sentence);
    }
    text
}

/// The base URL and token endpoint the spec declares, as constants (where it declares them).
fn defaults(c: &Consumes) -> TokenStream {
    let default_base = match &c.base_uri {
        BaseUri::Fixed(url) => quote! {
            /// The base URL the spec declares.
            pub const DEFAULT_BASE_URL: &str = #url;
        },
        _ => quote!(),
    };
    let default_token_endpoint = match &c.auth {
        UpstreamAuth::ClientCredentials(client) => match client.token_endpoint.as_slice() {
            [Part::Text(url)] => quote! {
                /// The token endpoint the spec declares.
                pub const DEFAULT_TOKEN_ENDPOINT: &str = #url;
            },
            _ => quote!(),
        },
        _ => quote!(),
    };
    quote!(#default_base #default_token_endpoint)
}

/// The `Credentials` struct (its fields from the authentication scheme, and the bound variables
/// sent in request parameters), the names of those variables, and what `with_http_client` calls
/// its argument (`_credentials` when nothing is read of it).
fn credentials(
    cap: &Capability,
    c: &Consumes,
    credential_fields: &TokenStream,
) -> (TokenStream, Vec<proc_macro2::Ident>, TokenStream) {
    // Bound variables sent in request parameters travel with the credentials.
    let request_binds = c.request_binds();
    let bound_fields = request_binds.iter().map(|b| {
        let bind = &cap.binds[*b];
        let f = bind.name.ident();
        let doc = format!(
            " Sent in request parameters; the server reads it from `{}`.",
            bind.env
        );
        quote! { #[doc = #doc] pub #f: runtime::secret::Secret, }
    });
    let bound_idents: Vec<_> = request_binds
        .iter()
        .map(|b| cap.binds[*b].name.ident())
        .collect();
    let credentials = if credential_fields.is_empty() && request_binds.is_empty() {
        let doc = format!(
            " Credentials for the `{}` API: it takes none.",
            c.namespace.wire
        );
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Default)]
            pub struct Credentials;
        }
    } else {
        let doc = format!(" Credentials for the `{}` API.", c.namespace.wire);
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone)]
            pub struct Credentials { #credential_fields #(#bound_fields)* }
        }
    };
    let credentials_binding = if c.auth == UpstreamAuth::None && request_binds.is_empty() {
        quote!(_credentials)
    } else {
        quote!(credentials)
    };
    (credentials, bound_idents, credentials_binding)
}

/// The field, its initial value and the builder method of strict output checks, for an API
/// whose answers are checked against its OpenAPI document (nothing otherwise).
fn strict_parts(c: &Consumes) -> (TokenStream, TokenStream, TokenStream) {
    if super::types::checks(c) {
        (
            quote!(strict_output: bool,),
            quote!(strict_output: false,),
            quote! {
                /// With `strict`, an answer passed on that is not what the API's OpenAPI document
                /// says is [`Error::Undocumented`] (a 502 for the adapters) rather than a logged
                /// warning.
                pub fn with_strict_output(mut self, strict: bool) -> Self {
                    self.strict_output = strict;
                    self
                }
            },
        )
    } else {
        Default::default()
    }
}

/// The body field an API key goes in (`placement: body`), if it does.
fn body_key(c: &Consumes) -> Option<&str> {
    match &c.auth {
        UpstreamAuth::BodyKey { name, .. } => Some(name),
        _ => None,
    }
}

/// What the typed method of an operation the API's OpenAPI document describes returns, and
/// what the adapters check its answers against.
enum DocAnswer {
    /// The document's type (typify).
    Type(TokenStream),
    /// JSON: the document's schema has no Rust type.
    Untyped,
    /// Nothing: the document gives its success answers no body.
    Empty,
}

fn operation(
    api: &str,
    op: &ConsumedOp,
    (documented, body_type): (Option<&DocAnswer>, Option<&TokenStream>),
    (authorize, body_key): (&TokenStream, Option<&str>),
    (cap, root): (&Capability, &TokenStream),
) -> TokenStream {
    let doc = docs(Some(&operation_text(op, documented)));
    let raw_doc = format!(
        " Like [`Self::{}`], but returns the answer as received, whatever its status.",
        op.name.rust
    );

    let (fmt, fmt_args) = url_format(op, cap);
    let method = format_ident!("{}", op.method.as_str());
    let op_wire = &op.name.wire;
    let mut chain = Vec::new();
    let mut optional = Vec::new();
    for p in &op.params {
        let ident = p.name.ident();
        let wire = &p.name.wire;
        let (call, value) = match (p.location, p.ty) {
            (ParamIn::Path | ParamIn::Template, _) => continue,
            (ParamIn::Query, ParamType::Array | ParamType::Object | ParamType::Json) => (
                quote!(query),
                quote!(&runtime::encode::query_list(#wire, #ident)),
            ),
            (ParamIn::Query, _) => (quote!(query), quote!(&[(#wire, #ident)])),
            (ParamIn::Header, ParamType::Array | ParamType::Object | ParamType::Json) => (
                quote!(header),
                quote!(#wire, runtime::encode::header_list(#ident)),
            ),
            (ParamIn::Header, ParamType::String) => (quote!(header), quote!(#wire, #ident)),
            (ParamIn::Header, _) => (quote!(header), quote!(#wire, #ident.to_string())),
            (ParamIn::Cookie, _) => (quote!(cookie), quote!(#wire, #ident)),
            // Numbers and truth values are passed by value; `json` takes a reference.
            (ParamIn::Body, ParamType::Integer | ParamType::Number | ParamType::Boolean) => {
                (quote!(json), quote!(&#ident))
            }
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
    chain.extend(constant_calls(&op.constants, cap));
    if let Some(body) = &op.body {
        chain.push(body_call(op, body, cap, body_key));
    }
    // An API key for the body goes in the query string of a request without a JSON object or
    // form body.
    let key_in_body = matches!(
        op.body,
        Some(Body::Json(JsonTemplate::Object(_)) | Body::Form(_))
    );
    if let (Some(name), false) = (body_key, key_in_body) {
        chain.push(quote! { .query(&[(#name, self.api_key.expose())]) });
    }
    if let Some(max) = op.output.binary().and_then(|b| b.max_bytes) {
        let max = super::code::size_literal(max);
        chain.push(quote! { .max_answer(#max) });
    }
    let build = if optional.is_empty() {
        quote! {
            let request = runtime::http::Request::new(reqwest::Method::#method, url) #(#chain)* #authorize;
        }
    } else {
        quote! {
            let mut request = runtime::http::Request::new(reqwest::Method::#method, url) #(#chain)* #authorize;
            #(#optional)*
        }
    };
    let methods = operation_methods(
        (api, op),
        (doc, raw_doc),
        (fmt, fmt_args),
        &build,
        (answer(op, documented, root), body_type),
    );
    let checked = documented.map(|d| checked_method(api, op, d));
    match op.output.binary() {
        Some(_) => {
            let request = op.name.suffixed_ident("request");
            let streamed = op.name.suffixed_ident("streamed");
            let streamed_doc = format!(
                " Like [`Self::{}_raw`], but the body is passed on as it arrives (at most the operation's `maxBinarySize`).",
                op.name.rust
            );
            let (params, names) = signature(op);
            quote! {
                #methods
                #checked

                #[doc = #streamed_doc]
                pub async fn #streamed(&self, #(#params),*) -> Result<runtime::http::Streamed, Error> {
                    let request = self.#request(#(#names),*)?;
                    runtime::http::send_streamed(&self.http, request, #api, #op_wire).await
                }
            }
        }
        None => quote!(#methods #checked),
    }
}

/// The docs of an operation's method: its description, request line, arguments and errors.
fn operation_text(op: &ConsumedOp, documented: Option<&DocAnswer>) -> String {
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
                ParamIn::Cookie => "cookie",
                ParamIn::Body => "JSON body",
                ParamIn::Template => "in the body",
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
    if op.typed.is_some() {
        text.push_str(" The answer is typed the way the adapters shape it: [`Error::Shape`] when a value has another type than the spec says.");
    } else if let Some(DocAnswer::Type(_)) = documented {
        text.push_str(" The answer is typed by the API's OpenAPI document: [`Error::Decode`] when it is not what the document says.");
    } else if let Some(DocAnswer::Empty) = documented {
        text.push_str(
            " The API's OpenAPI document gives the answer no body: any body it has is ignored.",
        );
    }
    text
}

/// The `format!` string and arguments of an operation's URL: literal parts as they are,
/// parameters percent-encoded as one segment each.
fn url_format(op: &ConsumedOp, cap: &Capability) -> (String, Vec<TokenStream>) {
    let mut fmt = String::from("{}");
    let mut fmt_args = vec![quote!(self.base_url)];
    for part in &op.path {
        match part {
            PathPart::Literal(text) => fmt.push_str(&super::code::format_literal(text)),
            PathPart::Fixed(parts) => {
                fmt.push_str("{}");
                let value = template_value(parts, cap);
                let value = match parts.as_slice() {
                    [Part::Text(_) | Part::Slot(_)] => value,
                    _ => quote!(&#value),
                };
                fmt_args.push(quote!(runtime::encode::path_segment("path", #value)?));
            }
            PathPart::Param(i) => {
                fmt.push_str("{}");
                let p = &op.params[*i];
                let ident = p.name.ident();
                let wire = &p.name.wire;
                fmt_args.push(match p.ty {
                    ParamType::String => quote!(runtime::encode::path_segment(#wire, #ident)?),
                    _ => quote!(runtime::encode::path_segment(#wire, &#ident.to_string())?),
                });
            }
        }
    }
    (fmt, fmt_args)
}

/// The method the adapters pass an answer of `op` through before they pass it on: it checks
/// the answer against what the API's OpenAPI document says.
fn checked_method(api: &str, op: &ConsumedOp, documented: &DocAnswer) -> TokenStream {
    let checked = op.name.suffixed_ident("checked");
    let (fits, what) = match documented {
        DocAnswer::Type(ty) => {
            let what = format!("`{}`", ty.to_string().replace(' ', ""));
            (quote!(runtime::error::fits::<#ty>), what)
        }
        DocAnswer::Untyped => (
            quote!(runtime::error::fits::<serde_json::Value>),
            "JSON".to_owned(),
        ),
        DocAnswer::Empty => (quote!(runtime::error::fits_empty), "no body".to_owned()),
    };
    let doc = format!(
        " Check an answer of [`Self::{}_raw`] against the API's OpenAPI document (its success answers: {what}). One that is not what the document says is logged and counted (`naftiko_upstream_undocumented_answers_total`) and passed on as it is — or, with [`Self::with_strict_output`], [`Error::Undocumented`].",
        op.name.rust
    );
    let op_wire = &op.name.wire;
    quote! {
        #[doc = #doc]
        pub fn #checked(&self, answer: Result<RawResponse, Error>) -> Result<RawResponse, Error> {
            runtime::error::checked(answer, #fits, self.strict_output, #api, #op_wire)
        }
    }
}

/// The parameters of an operation's methods (`id: &str`, or its argument struct), and the
/// names that pass them on.
fn signature(op: &ConsumedOp) -> (Vec<TokenStream>, Vec<TokenStream>) {
    if let Some(args_struct) = args_struct(op) {
        return (vec![quote!(args: #args_struct<'_>)], vec![quote!(args)]);
    }
    op.params
        .iter()
        .map(|p| {
            let ident = p.name.ident();
            let ty = param_rust_type(p.ty, p.required);
            (quote!(#ident: #ty), quote!(#ident))
        })
        .unzip()
}

/// The typed method's result type and how it reads the answer (`answer`: the raw response
/// after its status is checked): the shaped struct where the adapters agree on one, else the
/// type of the API's OpenAPI document (`documented`), else JSON (other formats read into JSON
/// the way the adapters read them).
fn answer(
    op: &ConsumedOp,
    documented: Option<&DocAnswer>,
    root: &TokenStream,
) -> (TokenStream, TokenStream) {
    let format = op.output.format().clone();
    if let RawFormat::Binary(answer) = &format {
        let declared = match &answer.media_type {
            Some(media) => quote!(Some(#media)),
            None => quote!(None),
        };
        return (
            quote!(runtime::error::Binary),
            quote!(Ok(runtime::error::binary(answer, #declared))),
        );
    }
    let read = if format.is_converted() {
        let reader = super::code::format_reader(&format, root);
        quote!(answer.read(#reader))
    } else {
        quote!(answer.json())
    };
    match (&op.typed, documented) {
        (Some(shape), _) => {
            let (_, function, ty) = super::shape::output(&op.name, shape, root);
            (ty, quote!(Ok(#function(&#read?)?)))
        }
        (None, Some(DocAnswer::Type(ty))) => (ty.clone(), quote!(runtime::error::typed(&answer))),
        (None, Some(DocAnswer::Empty)) => (quote!(()), quote!(Ok(()))),
        (None, Some(DocAnswer::Untyped) | None) => (quote!(serde_json::Value), read),
    }
}

/// The text of a fixed value: a literal, a bound variable of the client, or a `format!` of both.
fn template_value(parts: &[Part<BindId>], cap: &Capability) -> TokenStream {
    match parts {
        [Part::Text(text)] => quote!(#text),
        [Part::Slot(b)] => {
            let f = cap.binds[*b].name.ident();
            quote!(self.#f.expose())
        }
        parts => {
            let (fmt, args) = super::code::format_parts(parts, &|b| {
                let f = cap.binds[b].name.ident();
                quote!(self.#f)
            });
            quote!(format!(#fmt, #(#args),*))
        }
    }
}

/// The request-builder calls that add fixed parameters (`value`s, bound ones marked sensitive).
fn constant_calls(constants: &[Constant], cap: &Capability) -> Vec<TokenStream> {
    let mut chain = Vec::new();
    for constant in constants {
        let name = &constant.name;
        let bound = !template_binds(&constant.value).is_empty();
        let value = template_value(&constant.value, cap);
        chain.push(match (constant.location, bound) {
            (ParamIn::Query, _) => quote!(.query(&[(#name, #value)])),
            (ParamIn::Cookie, _) => quote!(.cookie(#name, #value)),
            // A bound value may be a secret: never logged.
            (_, true) => {
                // `expose()` is already a `&str`; a `format!` is borrowed.
                let text = if matches!(constant.value.as_slice(), [Part::Slot(_)]) {
                    value
                } else {
                    quote!(&#value)
                };
                quote!(.header(#name, runtime::secret::sensitive_header(#text)?))
            }
            (_, false) => quote!(.header(#name, #value)),
        });
    }
    chain
}

/// The forwarding method of an API that a REST resource forwards to.
fn forward_method(
    api: &str,
    c: &Consumes,
    (authorize, body_key): (&TokenStream, Option<&str>),
    cap: &Capability,
) -> TokenStream {
    let mut chain = constant_calls(&c.constants, cap);
    // A forwarded body is sent as received: an API key for the body goes in the query string.
    if let Some(name) = body_key {
        chain.push(quote! { .query(&[(#name, self.api_key.expose())]) });
    }
    quote! {
        /// Forward a request to this API (a REST resource with `forward`): `path_and_query` is
        /// appended to the base URL; `headers` and `body` are sent as given, with this API's
        /// credentials and fixed parameters added.
        pub async fn forward(
            &self,
            method: reqwest::Method,
            path_and_query: &str,
            headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
            body: axum::body::Bytes,
        ) -> Result<RawResponse, Error> {
            let url = format!("{}{}", self.base_url, path_and_query);
            let mut request = runtime::http::Request::new(method, url) #(#chain)* #authorize;
            for (name, value) in headers {
                request = request.header(name, value);
            }
            runtime::http::send(&self.http, request.body(body), #api, "forward").await
        }
    }
}

fn operation_methods(
    (api, op): (&str, &ConsumedOp),
    (doc, raw_doc): (TokenStream, String),
    (fmt, fmt_args): (String, Vec<TokenStream>),
    build: &TokenStream,
    ((answer_ty, read), body_type): ((TokenStream, TokenStream), Option<&TokenStream>),
) -> TokenStream {
    let name = op.name.ident();
    let raw = op.name.suffixed_ident("raw");
    let op_wire = &op.name.wire;
    let (params, names) = signature(op);
    let (typed_params, typed_names, encode) = typed_body(op, body_type, (&params, &names));
    // The parameters out of the argument struct, where there is one.
    let unpack = args_struct(op).map(|args_struct| {
        let arg_names = op.params.iter().map(|p| p.name.ident());
        quote!(let #args_struct { #(#arg_names),* } = args;)
    });
    // An answer with no body is not read.
    let answer = if answer_ty.to_string() == "()" {
        quote!(self.#raw(#(#typed_names),*).await?.error_for_status()?;)
    } else {
        quote!(let answer = self.#raw(#(#typed_names),*).await?.error_for_status()?;)
    };
    let typed = quote! {
        #doc
        pub async fn #name(&self, #(#typed_params),*) -> Result<#answer_ty, Error> {
            #encode
            #answer
            #read
        }
    };
    if op.output.binary().is_none() {
        return quote! {
            #typed

            #[doc = #raw_doc]
            pub async fn #raw(&self, #(#params),*) -> Result<RawResponse, Error> {
                #unpack
                let url = format!(#fmt, #(#fmt_args),*);
                #build
                runtime::http::send(&self.http, request, #api, #op_wire).await
            }
        };
    }
    // A binary answer is sent whole or streamed: one builder of its request for both.
    let request = op.name.suffixed_ident("request");
    let request_doc = format!(" The request [`Self::{}`] sends.", op.name.rust);
    quote! {
        #typed

        #[doc = #raw_doc]
        pub async fn #raw(&self, #(#params),*) -> Result<RawResponse, Error> {
            let request = self.#request(#(#names),*)?;
            runtime::http::send(&self.http, request, #api, #op_wire).await
        }

        #[doc = #request_doc]
        fn #request(&self, #(#params),*) -> Result<runtime::http::Request, Error> {
            #unpack
            let url = format!(#fmt, #(#fmt_args),*);
            #build
            Ok(request)
        }
    }
}

/// The typed method's parameters and what it passes to the raw one, where the API's OpenAPI
/// document types the request body (`body_type`): the body parameter takes that type, and is
/// written as JSON (`encode`) before it is sent. Otherwise the raw method's own.
fn typed_body(
    op: &ConsumedOp,
    body_type: Option<&TokenStream>,
    (params, names): (&[TokenStream], &[TokenStream]),
) -> (Vec<TokenStream>, Vec<TokenStream>, Option<TokenStream>) {
    let (mut params, mut names) = (params.to_vec(), names.to_vec());
    let documented = super::types::documented_body(op).filter(|_| args_struct(op).is_none());
    let (Some(ty), Some((id, _))) = (body_type, documented) else {
        return (params, names, None);
    };
    let p = &op.params[id];
    let ident = p.name.ident();
    let encode = if p.required {
        params[id.index()] = quote!(#ident: &#ty);
        names[id.index()] = quote!(&#ident);
        quote!(let #ident = runtime::error::json_body(#ident)?;)
    } else {
        params[id.index()] = quote!(#ident: Option<&#ty>);
        names[id.index()] = quote!(#ident.as_ref());
        quote!(let #ident = #ident.map(runtime::error::json_body).transpose()?;)
    };
    (params, names, Some(encode))
}

/// The arguments of a call to `consumed` (one per parameter, in order): as they are, or in the
/// operation's argument struct.
pub(super) fn call_arguments(
    root: &TokenStream,
    client: &proc_macro2::Ident,
    consumed: &ConsumedOp,
    args: Vec<TokenStream>,
) -> TokenStream {
    match args_struct(consumed) {
        Some(name) => {
            let fields = consumed.params.iter().zip(&args).map(|(p, arg)| {
                let field = p.name.ident();
                // `field: field` is written `field`.
                if field == arg.to_string() {
                    quote!(#field)
                } else {
                    quote!(#field: #arg)
                }
            });
            quote!(#root::clients::#client::#name { #(#fields),* })
        }
        None => quote!(#(#args),*),
    }
}

/// Operations with more parameters than this take one argument struct.
const MAX_ARGUMENTS: usize = 6;

/// The name of `op`'s argument struct, when it has one.
pub(super) fn args_struct(op: &ConsumedOp) -> Option<proc_macro2::Ident> {
    (op.params.len() > MAX_ARGUMENTS).then(|| {
        format_ident!(
            "{}Args",
            crate::resolve::names::Name::pascal(&op.name.rust).rust
        )
    })
}

/// The argument struct of `op` (for operations with many parameters).
fn args_struct_def(op: &ConsumedOp) -> Option<TokenStream> {
    let name = args_struct(op)?;
    let fields = op.params.iter().map(|p| {
        let ident = p.name.ident();
        let ty = param_rust_type_with_lifetime(p.ty, p.required);
        let doc = docs(Some(&format!(
            "`{}`{}",
            p.name.wire,
            p.description
                .as_deref()
                .map(|d| format!(" — {}", d.trim()))
                .unwrap_or_default()
        )));
        quote! { #doc pub #ident: #ty, }
    });
    let doc = format!(" The arguments of [`Client::{}`].", op.name.rust);
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #name<'a> {
            #(#fields)*
        }
    })
}

fn param_rust_type_with_lifetime(ty: ParamType, required: bool) -> TokenStream {
    let base = match ty {
        ParamType::String => quote!(&'a str),
        ParamType::Integer => quote!(i64),
        ParamType::Number => quote!(f64),
        ParamType::Boolean => quote!(bool),
        ParamType::Object | ParamType::Array | ParamType::Json => quote!(&'a serde_json::Value),
    };
    if required {
        base
    } else {
        quote!(Option<#base>)
    }
}

/// A placeholder's value as text (for text, form and multipart templates).
fn piece_text(op: &ConsumedOp, i: ParamId, form_encoded: bool) -> TokenStream {
    let p = &op.params[i];
    let ident = p.name.ident();
    let text = match (p.ty, p.required) {
        (ParamType::String, true) => quote!(#ident),
        (ParamType::String, false) => quote!(#ident.unwrap_or_default()),
        (ParamType::Object | ParamType::Array | ParamType::Json, true) => {
            quote!(runtime::encode::text(#ident))
        }
        (ParamType::Object | ParamType::Array | ParamType::Json, false) => {
            quote!(#ident.map(runtime::encode::text).unwrap_or_default())
        }
        (_, true) => quote!(#ident.to_string()),
        (_, false) => quote!(#ident.map(|v| v.to_string()).unwrap_or_default()),
    };
    if form_encoded {
        quote!(runtime::encode::form_encode(#text))
    } else {
        text
    }
}

/// `format!(…)` for text with placeholders (or the literal text alone).
fn pieces_text(
    op: &ConsumedOp,
    pieces: &[Part<BodySlot>],
    form_encoded: bool,
    cap: &Capability,
) -> TokenStream {
    let mut fmt = String::new();
    let mut args = Vec::new();
    for piece in pieces {
        match piece {
            Part::Text(t) => fmt.push_str(&super::code::format_literal(t)),
            Part::Slot(BodySlot::Param(i)) => {
                fmt.push_str("{}");
                args.push(piece_text(op, *i, form_encoded));
            }
            Part::Slot(BodySlot::Bind(b)) => {
                fmt.push_str("{}");
                let f = cap.binds[*b].name.ident();
                args.push(if form_encoded {
                    quote!(runtime::encode::form_encode(self.#f.expose()))
                } else {
                    quote!(self.#f.expose())
                });
            }
        }
    }
    match (pieces, args.as_slice()) {
        (_, []) => quote!(#fmt.to_owned()),
        ([Part::Slot(BodySlot::Param(_))], [only]) => quote!(#only.to_string()),
        ([Part::Slot(BodySlot::Bind(_))], [only]) => quote!(#only.to_owned()),
        _ => quote!(format!(#fmt, #(#args),*)),
    }
}

/// `serde_json::json!` tokens for a JSON template.
fn json_template(op: &ConsumedOp, t: &JsonTemplate, cap: &Capability) -> TokenStream {
    match t {
        JsonTemplate::Literal(v) => super::code::json_tokens(v),
        JsonTemplate::Text(pieces) => {
            let text = pieces_text(op, pieces, false, cap);
            quote!((#text))
        }
        JsonTemplate::Param(i) => {
            let ident = op.params[*i].name.ident();
            quote!((#ident))
        }
        JsonTemplate::Array(items) => {
            super::code::json_array(items.iter().map(|i| json_template(op, i, cap)).collect())
        }
        JsonTemplate::Object(fields) => super::code::json_object(json_members(op, fields, cap)),
    }
}

/// The members of a JSON object template: each key as a literal, each value as `json!` tokens.
fn json_members(
    op: &ConsumedOp,
    fields: &[(String, JsonTemplate)],
    cap: &Capability,
) -> Vec<(TokenStream, TokenStream)> {
    fields
        .iter()
        .map(|(k, v)| (quote!(#k), json_template(op, v, cap)))
        .collect()
}

/// The request-builder call that attaches the operation's body template, with the API key
/// `body_key` names as one more field of a JSON object or form.
fn body_call(
    op: &ConsumedOp,
    body: &Body,
    cap: &Capability,
    body_key: Option<&str>,
) -> TokenStream {
    match (body, body_key) {
        (Body::Json(JsonTemplate::Object(fields)), Some(key)) => {
            let mut members = json_members(op, fields, cap);
            members.push((quote!(#key), quote!((self.api_key.expose()))));
            let object = super::code::json_object(members);
            return quote!(.json(&serde_json::json!(#object)));
        }
        (Body::Form(fields), Some(key)) => {
            let fields = fields.iter().map(|(k, v)| {
                let v = pieces_text(op, v, false, cap);
                quote!((#k, #v))
            });
            return quote!(.form(&[#(#fields,)* (#key, self.api_key.expose().to_owned())]));
        }
        _ => {}
    }
    match body {
        Body::Json(JsonTemplate::Param(i)) => {
            let ident = op.params[*i].name.ident();
            quote!(.json(&#ident))
        }
        Body::Json(t) => {
            let tokens = json_template(op, t, cap);
            quote!(.json(&serde_json::json!(#tokens)))
        }
        Body::Text {
            content_type,
            template,
        } => {
            let form = *content_type == "application/x-www-form-urlencoded";
            let text = pieces_text(op, template, form, cap);
            quote!(.header(reqwest::header::CONTENT_TYPE, #content_type).body(#text))
        }
        Body::Form(fields) => {
            let fields = fields.iter().map(|(k, v)| {
                let v = pieces_text(op, v, false, cap);
                quote!((#k, #v))
            });
            quote!(.form(&[#(#fields),*]))
        }
        Body::Multipart(parts) => {
            let parts = parts.iter().map(|part| {
                let name = &part.name;
                let value = pieces_text(op, &part.value, false, cap);
                let mut make = quote!(runtime::http::Part::text(#value));
                if let Some(f) = &part.filename {
                    make = quote!(#make.file_name(#f));
                }
                if let Some(ct) = &part.content_type {
                    make = quote!(#make.mime_str(#ct)?);
                }
                quote!(.part(#name, #make))
            });
            quote!(.multipart(runtime::http::Multipart::new() #(#parts)*))
        }
    }
}
