//! How a typed client carries its API's credentials (`authentication` upstream): the fields of
//! its `Credentials`, the client's own fields and their set-up, and what each request gets.

use proc_macro2::TokenStream;
use quote::quote;

use crate::resolve::ir::{
    BindId, Capability, ClientCredentials, Consumes, Credential, KeyPlacement, OAuth1Signing, Part,
    UpstreamAuth, template_binds,
};

/// How a client carries its credentials: the fields of `Credentials`, the client's fields, their
/// initialisation in `new`, the builder calls that apply them to a request, and a sentence for docs.
pub(super) struct AuthParts {
    pub(super) credentials: TokenStream,
    pub(super) fields: TokenStream,
    pub(super) init: TokenStream,
    pub(super) apply: TokenStream,
    pub(super) sentence: String,
}

pub(super) fn auth_parts(cap: &Capability, c: &Consumes, root: &TokenStream) -> AuthParts {
    let d = Docs { cap };
    match &c.auth {
        UpstreamAuth::None => AuthParts {
            credentials: quote!(),
            fields: quote!(),
            init: quote!(),
            apply: quote!(),
            sentence: String::new(),
        },
        UpstreamAuth::Bearer { token, implicit } => bearer(&d, token, *implicit),
        UpstreamAuth::ApiKey {
            name,
            placement,
            value,
        } => api_key(&d, name, placement, value),
        UpstreamAuth::BodyKey { name, value } => body_key(&d, name, value),
        UpstreamAuth::Basic { username, password } => basic(&d, username, password),
        UpstreamAuth::Digest { username, password } => digest(&d, username, password, root),
        UpstreamAuth::OAuth1 {
            consumer_key,
            signing,
        } => oauth1(&d, consumer_key, signing, root),
        UpstreamAuth::ClientCredentials(client) => client_credentials(&d, client, root),
    }
}

/// What the docs of credentials say of the bound variables they are made from.
struct Docs<'c> {
    cap: &'c Capability,
}

impl Docs<'_> {
    /// "`A`" or "`A` and `B`": the environment variables a credential is made from.
    fn env(&self, parts: &[Part<BindId>]) -> String {
        template_binds(parts)
            .iter()
            .map(|b| format!("`{}`", self.cap.binds[*b].env))
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// The bound variables a credential is made from, by their names in the spec.
    fn var(&self, parts: &[Part<BindId>]) -> String {
        template_binds(parts)
            .iter()
            .map(|b| self.cap.binds[*b].name.wire.clone())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The doc of a user name field.
    fn user(&self, username: &Credential) -> String {
        match username {
            Credential::Bind(b) => format!(
                " The user name; the server reads it from `{}`.",
                self.cap.binds[*b].env
            ),
            Credential::Literal(_) => " The user name (written in the spec).".to_owned(),
        }
    }
}

/// `Authorization: Bearer <token>`.
fn bearer(d: &Docs<'_>, token: &[Part<BindId>], implicit: bool) -> AuthParts {
    let doc = format!(
        " Sent as `Authorization: Bearer <token>`; the server reads it from {}.",
        d.env(token)
    );
    let mut sentence = format!(
        "Every request carries `Authorization: Bearer <{}>`",
        d.var(token)
    );
    if implicit {
        sentence.push_str(" (the spec binds this variable but declares no `authentication`; a bearer token is assumed)");
    }
    sentence.push('.');
    AuthParts {
        credentials: quote! { #[doc = #doc] pub bearer_token: runtime::secret::Secret, },
        fields: quote! { authorization: reqwest::header::HeaderValue, },
        init: quote! { authorization: runtime::secret::bearer_header(&credentials.bearer_token)?, },
        apply: quote! { .header(reqwest::header::AUTHORIZATION, self.authorization.clone()) },
        sentence,
    }
}

/// An API key in a header, the query string or a cookie.
fn api_key(
    d: &Docs<'_>,
    name: &str,
    placement: &KeyPlacement,
    value: &[Part<BindId>],
) -> AuthParts {
    let (place, field, init, apply) = match placement {
        KeyPlacement::Header => (
            format!("the header `{name}`"),
            quote! { api_key: reqwest::header::HeaderValue, },
            quote! { api_key: runtime::secret::sensitive_header(credentials.api_key.expose())?, },
            quote! { .header(#name, self.api_key.clone()) },
        ),
        KeyPlacement::Query => (
            format!("the query parameter `{name}`"),
            quote! { api_key: runtime::secret::Secret, },
            quote! { api_key: credentials.api_key, },
            quote! { .query(&[(#name, self.api_key.expose())]) },
        ),
        KeyPlacement::Cookie => (
            format!("the cookie `{name}`"),
            quote! { api_key: reqwest::header::HeaderValue, },
            quote! { api_key: runtime::secret::sensitive_header(&format!("{}={}", #name, credentials.api_key.expose()))?, },
            quote! { .header(reqwest::header::COOKIE, self.api_key.clone()) },
        ),
    };
    let doc = format!(
        " Sent as {place}; the server reads it from {}.",
        d.env(value)
    );
    AuthParts {
        credentials: quote! { #[doc = #doc] pub api_key: runtime::secret::Secret, },
        fields: field,
        init,
        apply,
        sentence: format!(
            "Every request carries the API key `{}` as {place}.",
            d.var(value)
        ),
    }
}

/// An API key in each JSON or form body (see `client::operation`), or the query string.
fn body_key(d: &Docs<'_>, name: &str, value: &[Part<BindId>]) -> AuthParts {
    AuthParts {
        credentials: {
            let doc = format!(
                " Sent as the body field `{name}` (in the query string of a request without a JSON object or form body); the server reads it from {}.",
                d.env(value)
            );
            quote! { #[doc = #doc] pub api_key: runtime::secret::Secret, }
        },
        fields: quote! { api_key: runtime::secret::Secret, },
        init: quote! { api_key: credentials.api_key, },
        // Each operation puts it in its body (see `client::operation`).
        apply: quote!(),
        sentence: format!(
            "Every request carries the API key `{}` as the field `{name}` of its JSON or form body, or as the query parameter `{name}` when it has neither.",
            d.var(value)
        ),
    }
}

/// `Authorization: Basic …` (RFC 7617).
fn basic(d: &Docs<'_>, username: &Credential, password: &[Part<BindId>]) -> AuthParts {
    let user_doc = d.user(username);
    let pass_doc = format!(
        " The password; the server reads it from {}.",
        d.env(password)
    );
    AuthParts {
        credentials: quote! {
            #[doc = #user_doc] pub username: runtime::secret::Secret,
            #[doc = #pass_doc] pub password: runtime::secret::Secret,
        },
        fields: quote! { authorization: reqwest::header::HeaderValue, },
        init: quote! { authorization: runtime::secret::basic_header(&credentials.username, &credentials.password)?, },
        apply: quote! { .header(reqwest::header::AUTHORIZATION, self.authorization.clone()) },
        sentence: "Every request carries `Authorization: Basic …` (RFC 7617).".to_owned(),
    }
}

/// Digest authentication (RFC 7616): the API's challenge answered.
fn digest(
    d: &Docs<'_>,
    username: &Credential,
    password: &[Part<BindId>],
    root: &TokenStream,
) -> AuthParts {
    let user_doc = d.user(username);
    let pass_doc = format!(
        " The password; the server reads it from {}.",
        d.env(password)
    );
    AuthParts {
        credentials: quote! {
            #[doc = #user_doc] pub username: runtime::secret::Secret,
            #[doc = #pass_doc] pub password: runtime::secret::Secret,
        },
        fields: quote! { digest: std::sync::Arc<dyn runtime::http::Authenticator>, },
        init: quote! {
            digest: std::sync::Arc::new(#root::runtime::digest::Credentials::new(credentials.username, credentials.password)),
        },
        apply: quote! { .authenticated_by(self.digest.clone()) },
        sentence: "Requests answer the API's digest challenge (RFC 7616, MD5 or SHA-256): a 401 with `WWW-Authenticate: Digest …` is answered once with `Authorization: Digest …`.".to_owned(),
    }
}

/// OAuth 1.0a request signing (RFC 5849).
fn oauth1(
    d: &Docs<'_>,
    consumer_key: &[Part<BindId>],
    signing: &OAuth1Signing,
    root: &TokenStream,
) -> AuthParts {
    let key_doc = format!(
        " The consumer key; the server reads it from {}.",
        d.env(consumer_key)
    );
    let (credentials, make, method) = match signing {
        OAuth1Signing::RsaSha256 { signing_key } => {
            let doc = format!(
                " The consumer's RSA private key (PEM); the server reads it from {}.",
                d.env(signing_key)
            );
            (
                quote! { #[doc = #doc] pub signing_key: runtime::secret::Secret, },
                quote! { #root::runtime::oauth1::Credentials::rsa_sha256(credentials.consumer_key, &credentials.signing_key)? },
                "`RSA-SHA256` with the body's hash (`oauth_body_hash`)",
            )
        }
        OAuth1Signing::HmacSha1 {
            consumer_secret,
            token,
        } => {
            let doc = format!(
                " The consumer secret; the server reads it from {}.",
                d.env(consumer_secret)
            );
            match token {
                Some((token, secret)) => {
                    let token_doc =
                        format!(" The token; the server reads it from {}.", d.env(token));
                    let secret_doc = format!(
                        " The token secret; the server reads it from {}.",
                        d.env(secret)
                    );
                    (
                        quote! {
                            #[doc = #doc] pub consumer_secret: runtime::secret::Secret,
                            #[doc = #token_doc] pub token: runtime::secret::Secret,
                            #[doc = #secret_doc] pub token_secret: runtime::secret::Secret,
                        },
                        quote! { #root::runtime::oauth1::Credentials::hmac_sha1(credentials.consumer_key, &credentials.consumer_secret, Some(credentials.token), Some(&credentials.token_secret)) },
                        "`HMAC-SHA1`",
                    )
                }
                None => (
                    quote! { #[doc = #doc] pub consumer_secret: runtime::secret::Secret, },
                    quote! { #root::runtime::oauth1::Credentials::hmac_sha1(credentials.consumer_key, &credentials.consumer_secret, None, None) },
                    "`HMAC-SHA1`",
                ),
            }
        }
    };
    AuthParts {
        credentials: quote! {
            #[doc = #key_doc] pub consumer_key: runtime::secret::Secret,
            #credentials
        },
        fields: quote! { signer: std::sync::Arc<dyn runtime::http::Authenticator>, },
        init: quote! { signer: std::sync::Arc::new(#make), },
        apply: quote! { .authenticated_by(self.signer.clone()) },
        sentence: format!(
            "Every request is signed with OAuth 1.0a (RFC 5849), {method}, as it is sent: `Authorization: OAuth …` with a fresh nonce and timestamp."
        ),
    }
}

/// An access token of the OAuth 2.0 client credentials grant, fetched and renewed.
fn client_credentials(d: &Docs<'_>, client: &ClientCredentials, root: &TokenStream) -> AuthParts {
    let endpoint_doc = match client.token_endpoint.as_slice() {
        [Part::Text(url)] => {
            format!(" The token endpoint (the spec's: `{url}`, `DEFAULT_TOKEN_ENDPOINT`).")
        }
        parts => format!(
            " The token endpoint; the server makes it from {}.",
            d.env(parts)
        ),
    };
    let id_doc = if template_binds(&client.client_id).is_empty() {
        " The client id (written in the spec).".to_owned()
    } else {
        format!(
            " The client id; the server reads it from {}.",
            d.env(&client.client_id)
        )
    };
    let secret_doc = format!(
        " The client secret; the server reads it from {}.",
        d.env(&client.client_secret)
    );
    let how = if client.in_body {
        quote!(#root::runtime::client_credentials::ClientAuth::Body)
    } else {
        quote!(#root::runtime::client_credentials::ClientAuth::Basic)
    };
    let scopes = &client.scopes;
    let audience = match &client.audience {
        Some(a) => quote!(Some(#a)),
        None => quote!(None),
    };
    let mut sentence = "Every request carries `Authorization: Bearer …` with an access token of the OAuth 2.0 client credentials grant (RFC 6749 §4.4), fetched from the token endpoint when none is held or it is about to expire; a token the API refuses (401) is replaced once.".to_owned();
    if !scopes.is_empty() {
        sentence.push_str(&format!(" Scopes asked for: `{}`.", scopes.join(" ")));
    }
    AuthParts {
        credentials: quote! {
            #[doc = #endpoint_doc] pub token_endpoint: String,
            #[doc = #id_doc] pub client_id: runtime::secret::Secret,
            #[doc = #secret_doc] pub client_secret: runtime::secret::Secret,
        },
        fields: quote! { tokens: std::sync::Arc<dyn runtime::http::Authenticator>, },
        init: quote! {
            tokens: std::sync::Arc::new(#root::runtime::client_credentials::ClientCredentials::new(
                credentials.token_endpoint,
                credentials.client_id,
                credentials.client_secret,
                #how,
                &[#(#scopes),*],
                #audience,
            )?),
        },
        apply: quote! { .authenticated_by(self.tokens.clone()) },
        sentence,
    }
}
