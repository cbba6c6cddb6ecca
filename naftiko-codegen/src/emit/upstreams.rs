//! `src/upstreams.rs`: the upstream clients every adapter shares, and the bound variables they
//! are made from.

use proc_macro2::TokenStream;
use quote::quote;

use crate::resolve::ir::{
    BaseUri, BindId, Capability, Consumes, Credential, OAuth1Signing, Part, UpstreamAuth,
};

/// A bound value in the generated code: a field of `bound` (a `Bound`).
pub(super) fn bound_var(cap: &Capability, b: BindId) -> TokenStream {
    let f = cap.binds[b].name.ident();
    quote!(bound.#f)
}

/// A credential: the bound variable itself, or text around bound variables.
pub(super) fn bound_secret(cap: &Capability, parts: &[Part<BindId>]) -> TokenStream {
    match parts {
        [Part::Slot(b)] => {
            let v = bound_var(cap, *b);
            quote!(#v.clone())
        }
        parts => {
            let (fmt, args) = super::code::format_parts(parts, &|b| bound_var(cap, b));
            quote!(runtime::secret::Secret::new(format!(#fmt, #(#args),*)))
        }
    }
}

pub(super) fn upstreams_rs(cap: &Capability, root: &TokenStream) -> TokenStream {
    let fields = cap.consumes.iter().map(|c| {
        let f = c.namespace.ident();
        let d = format!(" Client of `{}`.", c.namespace.wire);
        quote! { #[doc = #d] pub #f: clients::#f::Client, }
    });
    let (file_reads, reads, has_files) = bound_reads(cap);
    let bound_fields = cap.binds.iter().map(|b| {
        let f = b.name.ident();
        let doc = match &b.file {
            Some(file) => format!(
                " `{}`: the key `{}` of `{}`.",
                b.name.wire, file.key, file.path
            ),
            None => format!(" `{}`: the environment variable `{}`.", b.name.wire, b.env),
        };
        quote! { #[doc = #doc] pub #f: runtime::secret::Secret, }
    });
    let bound_names = cap.binds.iter().map(|b| b.name.ident());
    // A capability in mock mode consumes nothing: no clients, no HTTP client.
    let clients_use = (!cap.consumes.is_empty()).then(|| quote!(use #root::clients;));
    let http_client = (!cap.consumes.is_empty())
        .then(|| quote!(let http = runtime::http::http_client(options.timeout)?;));
    let options_used = if cap.consumes.is_empty() {
        quote!(_options)
    } else {
        quote!(options)
    };
    let uses_binds = cap.consumes.iter().any(|c| {
        !c.auth.binds().is_empty()
            || !c.base_uri.binds().is_empty()
            || !c.request_binds().is_empty()
    });
    let bound_binding = if uses_binds {
        quote!(bound)
    } else {
        quote!(_bound)
    };
    // Only `binds` files need the options (their folder).
    let options_binding = if has_files {
        quote!(options)
    } else {
        quote!(_options)
    };
    let reads_doc = if has_files {
        " Read every bound variable, from the environment and the `binds` files."
    } else {
        " Read every bound variable from the environment."
    };
    let builds = cap.consumes.iter().map(|c| client_build(cap, c));
    let names = cap.consumes.iter().map(|c| c.namespace.ident());
    // Clients and bound values are made by the runtime; a spec with neither names only its types.
    let runtime_use = if cap.consumes.is_empty() && cap.binds.is_empty() {
        quote!(use #root::runtime::{http::UpstreamOptions, startup::StartupError};)
    } else {
        quote!(use #root::runtime::{self, http::UpstreamOptions, startup::StartupError};)
    };
    quote! {
        //! The upstream clients every adapter shares.

        #clients_use
        #runtime_use

        /// One client per consumed API, shared by every adapter (one connection pool).
        #[derive(Debug, Clone)]
        pub struct Upstreams {
            #(#fields)*
        }

        /// Every bound variable of the spec, read at start-up. Values never show in `Debug`.
        #[derive(Debug, Clone)]
        pub struct Bound {
            #(#bound_fields)*
        }

        impl Bound {
            #[doc = #reads_doc]
            ///
            /// # Errors
            ///
            /// A bound variable that is not set (named, never echoed).
            pub fn read(#options_binding: &UpstreamOptions) -> Result<Self, StartupError> {
                #(#file_reads)*
                #(#reads)*
                Ok(Self { #(#bound_names),* })
            }
        }

        impl Upstreams {
            /// Read the bound variables and build every client.
            ///
            /// # Errors
            ///
            /// A bound variable that is not set (named, never echoed), or an invalid base URL.
            pub fn from_env(options: &UpstreamOptions) -> Result<Self, StartupError> {
                Self::from_bound(options, &Bound::read(options)?)
            }

            /// Build every client from bound values already read.
            ///
            /// # Errors
            ///
            /// An invalid base URL, or credentials that cannot go into a header.
            pub fn from_bound(#options_used: &UpstreamOptions, #bound_binding: &Bound) -> Result<Self, StartupError> {
                #http_client
                #(#builds)*
                Ok(Self { #(#names),* })
            }
        }

    }
}

/// The start-up reads of every bound variable (each `binds` file once, before the variables it
/// holds), and whether there are files.
fn bound_reads(cap: &Capability) -> (Vec<TokenStream>, Vec<TokenStream>, bool) {
    // Each bind file is read once, before the variables it holds.
    let mut files: Vec<&str> = Vec::new();
    let mut file_reads = Vec::new();
    for b in &cap.binds {
        if let Some(file) = &b.file
            && !files.contains(&file.path.as_str())
        {
            let local = quote::format_ident!("file_{}", files.len());
            let (path, index, ns) = (
                &file.path,
                proc_macro2::Literal::usize_unsuffixed(b.bind_index),
                &b.namespace,
            );
            file_reads.push(
                quote! { let #local = runtime::bind_files::read(&options.spec_dir, #path, #index, #ns)?; },
            );
            files.push(&file.path);
        }
    }
    let reads = cap.binds.iter().map(|b| {
        // Every bound variable is required at start-up, even one the code does not use.
        let local = b.name.ident();
        let env = &b.env;
        let index = proc_macro2::Literal::usize_unsuffixed(b.bind_index);
        let ns = &b.namespace;
        match &b.file {
            Some(file) => {
                let source = quote::format_ident!(
                    "file_{}",
                    files.iter().position(|f| *f == file.path).unwrap_or(0)
                );
                let (path, key) = (&file.path, &file.key);
                quote! { let #local = runtime::bind_files::value(&#source, #key, #env, #path, #index, #ns)?; }
            }
            None => {
                let declared = &b.declared;
                quote! { let #local = runtime::startup::env_secret(#env, #declared)?; }
            }
        }
    });
    let reads: Vec<TokenStream> = reads.collect();
    let has_files = !files.is_empty();
    (file_reads, reads, has_files)
}

/// The statements that build consumed API `c`'s client.
fn client_build(cap: &Capability, c: &Consumes) -> TokenStream {
    let f = c.namespace.ident();
    let credentials = credentials(cap, c);
    let base = base_url(cap, c);
    let strict =
        super::types::checks(c).then(|| quote!(.with_strict_output(options.strict_output)));
    quote! {
        #base
        let #f = clients::#f::Client::with_http_client(&base_url, #credentials, http.clone())? #strict;
    }
}

/// The credentials of consumed API `c`'s client, made of the bound values.
fn credentials(cap: &Capability, c: &Consumes) -> TokenStream {
    let f = c.namespace.ident();
    let var = |b: BindId| bound_var(cap, b);
    let secret = |parts: &[Part<BindId>]| bound_secret(cap, parts);
    // Bound values sent in request parameters, beside the credentials.
    let bound = c.request_binds().into_iter().map(|b| {
        let (f, v) = (cap.binds[b].name.ident(), var(b));
        quote!(#f: #v.clone(),)
    });
    let bound = quote!(#(#bound)*);
    match &c.auth {
        UpstreamAuth::Bearer { token, .. } => {
            let v = secret(token);
            quote!(clients::#f::Credentials { bearer_token: #v, #bound })
        }
        UpstreamAuth::ApiKey { value, .. } | UpstreamAuth::BodyKey { value, .. } => {
            let v = secret(value);
            quote!(clients::#f::Credentials { api_key: #v, #bound })
        }
        UpstreamAuth::Basic { username, password }
        | UpstreamAuth::Digest { username, password } => {
            let user = match username {
                Credential::Bind(b) => {
                    let v = var(*b);
                    quote!(#v.clone())
                }
                Credential::Literal(text) => quote!(runtime::secret::Secret::new(#text)),
            };
            let p = secret(password);
            quote!(clients::#f::Credentials { username: #user, password: #p, #bound })
        }
        UpstreamAuth::OAuth1 {
            consumer_key,
            signing,
        } => {
            let key = secret(consumer_key);
            let signing = match signing {
                OAuth1Signing::RsaSha256 { signing_key } => {
                    let v = secret(signing_key);
                    quote!(signing_key: #v,)
                }
                OAuth1Signing::HmacSha1 {
                    consumer_secret,
                    token,
                } => {
                    let v = secret(consumer_secret);
                    let token = token.as_ref().map(|(t, s)| {
                        let (t, s) = (secret(t), secret(s));
                        quote!(token: #t, token_secret: #s,)
                    });
                    quote!(consumer_secret: #v, #token)
                }
            };
            quote!(clients::#f::Credentials { consumer_key: #key, #signing #bound })
        }
        UpstreamAuth::ClientCredentials(client) => {
            let endpoint = match client.token_endpoint.as_slice() {
                [Part::Text(_)] => quote!(clients::#f::DEFAULT_TOKEN_ENDPOINT.to_owned()),
                [Part::Slot(b)] => {
                    let v = var(*b);
                    quote!(#v.expose().to_owned())
                }
                parts => {
                    let (fmt, args) = super::code::format_parts(parts, &var);
                    quote!(format!(#fmt, #(#args),*))
                }
            };
            let id = match client.client_id.as_slice() {
                [Part::Text(text)] => quote!(runtime::secret::Secret::new(#text)),
                parts => secret(parts),
            };
            let s = secret(&client.client_secret);
            quote!(clients::#f::Credentials { token_endpoint: #endpoint, client_id: #id, client_secret: #s, #bound })
        }
        UpstreamAuth::None if bound.is_empty() => quote!(clients::#f::Credentials),
        UpstreamAuth::None => {
            quote!(clients::#f::Credentials { #bound })
        }
    }
}

/// The statement that makes `base_url` for consumed API `c`: `--upstream`'s, else the spec's.
fn base_url(cap: &Capability, c: &Consumes) -> TokenStream {
    let f = c.namespace.ident();
    let wire = &c.namespace.wire;
    let var = |b: BindId| bound_var(cap, b);
    match &c.base_uri {
        BaseUri::Fixed(_) => quote! {
            let base_url = options.base_url(#wire).unwrap_or(clients::#f::DEFAULT_BASE_URL).to_owned();
        },
        BaseUri::Template(parts) => {
            let made = match parts.as_slice() {
                // The whole URL from one variable.
                [Part::Slot(b)] => {
                    let v = var(*b);
                    quote!(#v.expose().to_owned())
                }
                _ => {
                    let (fmt, args) = super::code::format_parts(parts, &var);
                    quote!(format!(#fmt, #(#args),*))
                }
            };
            quote! {
                let base_url = match options.base_url(#wire) {
                    Some(url) => url.to_owned(),
                    None => #made,
                };
            }
        }
        BaseUri::Missing => quote! {
            let base_url = options.base_url(#wire).map(str::to_owned).ok_or_else(|| {
                StartupError::Usage(format!("the spec gives no base URL for `{}`: pass --upstream {}=URL", #wire, #wire))
            })?;
        },
    }
}
