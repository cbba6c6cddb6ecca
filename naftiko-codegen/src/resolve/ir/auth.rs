//! Authentication: what requests to a consumed API carry, and what an exposed adapter requires of
//! its callers.

use super::*;

/// An OAuth 2.1 resource server's checks (inbound `oauth2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2 {
    /// The authorization server (issuer) whose tokens are accepted.
    pub issuer: String,
    /// This server's canonical URI (RFC 8707), published in its metadata.
    pub resource: String,
    /// The expected `aud` (the resource when `None`).
    pub audience: Option<String>,
    /// Scopes this server recognizes (published, not required).
    pub scopes: Vec<String>,
    pub validation: TokenValidation,
    /// The token endpoint, for the OpenAPI document (`tokenEndpoint`).
    pub token_endpoint: Option<String>,
}

/// How OAuth 2.1 tokens are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenValidation {
    /// JWTs verified with the authorization server's published keys.
    Jwks,
    /// Each token sent to the introspection endpoint (RFC 7662).
    Introspection,
}

/// How requests to the upstream are authenticated. Every secret is a bound variable (index into
/// `Capability::binds`), read at start-up, never written into generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamAuth {
    None,
    /// `Authorization: Bearer <token>`.
    Bearer {
        token: Template<BindId>,
        /// True when the spec has no `authentication` block and the rule was inferred.
        implicit: bool,
    },
    /// An API key sent under `name` in a header, the query string or a cookie.
    ApiKey {
        name: String,
        placement: KeyPlacement,
        value: Template<BindId>,
    },
    /// `Authorization: Basic …`.
    Basic {
        username: Credential,
        password: Template<BindId>,
    },
    /// HTTP digest (RFC 7616): the upstream's challenge answered with these credentials.
    Digest {
        username: Credential,
        password: Template<BindId>,
    },
    /// OAuth 1.0a (RFC 5849): every request signed as it is sent.
    OAuth1 {
        consumer_key: Template<BindId>,
        signing: OAuth1Signing,
    },
    /// An API key sent as the field `name` of each request's JSON or form body, or in the query
    /// string of a request without one.
    BodyKey {
        name: String,
        value: Template<BindId>,
    },
    /// OAuth 2.0 client credentials (RFC 6749 §4.4): a bearer token from the token endpoint,
    /// cached until it expires.
    ClientCredentials(ClientCredentials),
}

/// An OAuth 2.0 client of an authorization server (upstream `oauth2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The token endpoint: a URL, or made from bound variables.
    pub token_endpoint: Template<BindId>,
    /// The client id: written in the spec, or bound.
    pub client_id: Template<BindId>,
    pub client_secret: Template<BindId>,
    /// The scopes asked for (none: the server's default).
    pub scopes: Vec<String>,
    /// The `audience` asked for, where the server wants one.
    pub audience: Option<String>,
    /// The id and secret go in the form body (`client_secret_post`), not `Authorization: Basic`.
    pub in_body: bool,
}

/// How OAuth 1.0a requests are signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuth1Signing {
    /// `RSA-SHA256` with this private key (PEM), and the body's hash.
    RsaSha256 { signing_key: Template<BindId> },
    /// `HMAC-SHA1` with the consumer secret, and a token with its secret if given.
    HmacSha1 {
        consumer_secret: Template<BindId>,
        token: Option<(Template<BindId>, Template<BindId>)>,
    },
}

impl UpstreamAuth {
    /// The bound variables it reads.
    pub fn binds(&self) -> Vec<BindId> {
        match self {
            UpstreamAuth::None => vec![],
            UpstreamAuth::Bearer { token: parts, .. }
            | UpstreamAuth::ApiKey { value: parts, .. }
            | UpstreamAuth::BodyKey { value: parts, .. } => template_binds(parts),
            UpstreamAuth::Basic { username, password }
            | UpstreamAuth::Digest { username, password } => credential_binds(username, password),
            UpstreamAuth::OAuth1 {
                consumer_key,
                signing,
            } => {
                let mut binds = template_binds(consumer_key);
                match signing {
                    OAuth1Signing::RsaSha256 { signing_key } => {
                        binds.extend(template_binds(signing_key))
                    }
                    OAuth1Signing::HmacSha1 {
                        consumer_secret,
                        token,
                    } => {
                        binds.extend(template_binds(consumer_secret));
                        if let Some((token, secret)) = token {
                            binds.extend(template_binds(token));
                            binds.extend(template_binds(secret));
                        }
                    }
                }
                binds
            }
            UpstreamAuth::ClientCredentials(client) => {
                let mut binds = template_binds(&client.token_endpoint);
                binds.extend(template_binds(&client.client_id));
                binds.extend(template_binds(&client.client_secret));
                binds
            }
        }
    }
}

/// What an adapter requires of its callers. Secrets are bound variables, as upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundAuth {
    /// Nothing: the adapter is open.
    None,
    /// `Authorization: Bearer <token>`, compared with the bound value.
    Bearer { token: Template<BindId> },
    /// An API key under `name` in a header, the query string or a cookie.
    ApiKey {
        name: String,
        placement: KeyPlacement,
        value: Template<BindId>,
    },
    /// `Authorization: Basic …`.
    Basic {
        username: Credential,
        password: Template<BindId>,
    },
    /// Bearer tokens checked as an OAuth 2.1 resource server.
    OAuth2(OAuth2),
}

impl InboundAuth {
    /// The bound variables it reads.
    pub fn binds(&self) -> Vec<BindId> {
        match self {
            InboundAuth::None | InboundAuth::OAuth2(_) => vec![],
            InboundAuth::Bearer { token: parts } | InboundAuth::ApiKey { value: parts, .. } => {
                template_binds(parts)
            }
            InboundAuth::Basic { username, password } => credential_binds(username, password),
        }
    }
}

/// The bound variables of a user name and password.
fn credential_binds(username: &Credential, password: &[Part<BindId>]) -> Vec<BindId> {
    let mut binds = template_binds(password);
    if let Credential::Bind(u) = username {
        binds.insert(0, *u);
    }
    binds
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlacement {
    Header,
    Query,
    Cookie,
}

/// A credential that is either written in the spec (not secret, e.g. a user name) or bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Literal(String),
    Bind(BindId),
}
