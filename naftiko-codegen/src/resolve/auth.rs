//! Authentication: upstream credentials (bearer, API key, basic, digest) made of bound variables,
//! and what an adapter requires of its callers (the same, or an OAuth 2.1 resource server's
//! checks).

use super::Resolver;
use super::ir::*;
use super::path::YamlPath;
use super::syntax::*;
use crate::parse::model;

/// Which way an `authentication` block applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    /// The requests sent to a consumed API carry it.
    Upstream,
    /// The requests an exposed adapter receives must carry it.
    Inbound,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Upstream => "upstream",
            Side::Inbound => "inbound",
        }
    }
}

/// What an `authentication` block says, before it is taken as upstream or inbound: a scheme
/// of the requests sent upstream (of which an adapter also checks bearer, API key and basic
/// credentials on the requests it receives), or an OAuth 2.1 resource server's checks (inbound
/// only).
pub(super) enum Scheme {
    Upstream(UpstreamAuth),
    ResourceServer(OAuth2),
}

impl Scheme {
    /// No credentials.
    const NONE: Self = Scheme::Upstream(UpstreamAuth::None);

    /// The scheme as the requests sent upstream carry it (an OAuth 2.1 resource server's
    /// checks: nothing).
    fn upstream(self) -> UpstreamAuth {
        match self {
            Scheme::Upstream(auth) => auth,
            Scheme::ResourceServer(_) => UpstreamAuth::None,
        }
    }

    /// The scheme as an adapter checks it on the requests it receives (a scheme only an
    /// upstream answers, as digest or OAuth 1.0a: nothing).
    fn inbound(self) -> InboundAuth {
        match self {
            Scheme::ResourceServer(check) => InboundAuth::OAuth2(check),
            Scheme::Upstream(UpstreamAuth::Bearer { token, .. }) => InboundAuth::Bearer { token },
            Scheme::Upstream(UpstreamAuth::ApiKey {
                name,
                placement,
                value,
            }) => InboundAuth::ApiKey {
                name,
                placement,
                value,
            },
            Scheme::Upstream(UpstreamAuth::Basic { username, password }) => {
                InboundAuth::Basic { username, password }
            }
            Scheme::Upstream(_) => InboundAuth::None,
        }
    }
}

impl Resolver<'_> {
    pub(super) fn auth(&mut self, path: &YamlPath, c: &model::Consumes) -> UpstreamAuth {
        let Some(auth) = &c.authentication else {
            // Where the author wrote `authentication` for another API, an API without one is
            // meant to be called without credentials.
            let explicit_elsewhere = self.root.spec.capability.as_ref().is_some_and(|cap| {
                // A bound variable guarding an adapter is never sent upstream by guesswork.
                let guarded = self
                    .root
                    .exposes
                    .iter()
                    .any(|e| e.authentication().is_some());
                guarded || cap.consumes.iter().any(|c| c.authentication.is_some())
            });
            if explicit_elsewhere {
                return UpstreamAuth::None;
            }
            // Only variables of `binds` count: those read for `in: environment` parameters are
            // the operations' own.
            let declared = self.binds.iter().filter(|b| b.from_binds).count();
            let first = self.binds.first().map(|b| b.name.wire.clone());
            return match (declared, first) {
                (0, _) | (_, None) => UpstreamAuth::None,
                (1, Some(only)) => {
                    self.warn(
                        &path.key("namespace"),
                        format!(
                            "no `authentication` block: the bound variable `{}` will be sent as `Authorization: Bearer <{}>`",
                            only, only
                        ),
                        format!(
                            "write it out to silence this: `authentication: {{type: bearer, token: \"{{{{{}}}}}\"}}`",
                            only
                        ),
                    );
                    UpstreamAuth::Bearer {
                        token: vec![Part::Slot(BindId::new(0))],
                        implicit: true,
                    }
                }
                (_, Some(_)) => {
                    self.warn(
                        &path.key("namespace"),
                        "no `authentication` block and several bound variables: no credentials are sent upstream",
                        "add an `authentication` block naming the variable to send",
                    );
                    UpstreamAuth::None
                }
            };
        };
        self.auth_block(&path.key("authentication"), auth, Side::Upstream)
            .upstream()
    }

    /// What an adapter requires of its callers: its `authentication` block at `path`, if any.
    pub(super) fn inbound_auth(
        &mut self,
        path: &YamlPath,
        auth: Option<&model::Authentication>,
    ) -> InboundAuth {
        let Some(auth) = auth else {
            return InboundAuth::None;
        };
        self.auth_block(&path.key("authentication"), auth, Side::Inbound)
            .inbound()
    }

    /// An `authentication` block: bearer, API key or basic, with secrets from bound variables.
    /// `side` says whether requests go out with it or come in with it.
    pub(super) fn auth_block(
        &mut self,
        apath: &YamlPath,
        auth: &model::Authentication,
        side: Side,
    ) -> Scheme {
        let apath = apath.to_owned();
        let field = |names: &[&'static str]| auth.field(names);
        let kind = auth.kind.as_deref().unwrap_or("");
        match kind.to_ascii_lowercase().as_str() {
            "bearer" => match self.secret(&apath, field(&["token", "value"]), "token") {
                Some(token) => Scheme::Upstream(UpstreamAuth::Bearer {
                    token,
                    implicit: false,
                }),
                None => Scheme::NONE,
            },
            // `apiKey`, and `header` / `query` seen in the wild, mean the official `apikey`.
            "apikey" | "header" | "query" => {
                let Some((_, name)) = field(&["key", "name", "header"]) else {
                    self.error_help(
                        &apath,
                        "an API key needs the name it is sent under",
                        "add `key: X-API-Key` (the header or query parameter name)",
                    );
                    return Scheme::NONE;
                };
                let placement = match field(&["placement", "in"])
                    .map(|(_, p)| p.to_ascii_lowercase())
                {
                    Some(p) if p == "header" => KeyPlacement::Header,
                    Some(p) if p == "query" => KeyPlacement::Query,
                    Some(p) if p == "cookie" => KeyPlacement::Cookie,
                    Some(p) if p == "body" && side == Side::Upstream => {
                        self.warn(
                                &apath.key("placement"),
                                format!("API key `placement: body`: sent as the field `{name}` of each JSON object or form body, and as the query parameter `{name}` of a request without one"),
                                "to send it another way, write `placement: query` or `placement: header`",
                            );
                        return match self.secret(&apath, field(&["value", "token"]), "value") {
                            Some(value) => Scheme::Upstream(UpstreamAuth::BodyKey {
                                name: name.to_owned(),
                                value,
                            }),
                            None => Scheme::NONE,
                        };
                    }
                    Some(other) => {
                        self.unsupported(
                            &apath.key("placement"),
                            &format!("API key `placement: {other}`"),
                        );
                        return Scheme::NONE;
                    }
                    None if kind.eq_ignore_ascii_case("query") => KeyPlacement::Query,
                    None => {
                        self.warn(
                            &apath,
                            format!("API key without `placement`: sent as the header `{name}`"),
                            "write `placement: header` (or `query`) to make it explicit",
                        );
                        KeyPlacement::Header
                    }
                };
                if placement == KeyPlacement::Header && reqwest_header_name_invalid(name) {
                    self.error(&apath, format!("`{name}` is not a valid header name"));
                    return Scheme::NONE;
                }
                match self.secret(&apath, field(&["value", "token"]), "value") {
                    Some(value) => Scheme::Upstream(UpstreamAuth::ApiKey {
                        name: name.to_owned(),
                        placement,
                        value,
                    }),
                    None => Scheme::NONE,
                }
            }
            "oauth2" if side == Side::Inbound => match self.oauth2(&apath, auth) {
                Some(check) => Scheme::ResourceServer(check),
                None => Scheme::NONE,
            },
            "oauth2" => match self.client_credentials(&apath, auth) {
                Some(client) => Scheme::Upstream(UpstreamAuth::ClientCredentials(client)),
                None => Scheme::NONE,
            },
            "digest" if side == Side::Inbound => {
                self.unsupported(
                    &apath.key("type"),
                    "inbound `digest` authentication (a server issuing digest challenges)",
                );
                Scheme::NONE
            }
            kind @ ("basic" | "digest") => {
                let username = match field(&["username", "user"]) {
                    Some((key, u)) => match self.bind_ref(u) {
                        Some(bind) => Credential::Bind(bind),
                        None if u.contains("{{") => {
                            match self.bind_template_or_env(&apath.key(key), u).as_deref() {
                                Ok([Part::Slot(bind)]) => Credential::Bind(*bind),
                                Ok(_) => {
                                    self.unsupported(
                                        &apath.key(key),
                                        "a user name of text around a bound variable",
                                    );
                                    return Scheme::NONE;
                                }
                                Err(placeholder) => {
                                    self.error(
                                        &apath.key(key),
                                        format!("`{placeholder}` names no bound variable"),
                                    );
                                    return Scheme::NONE;
                                }
                            }
                        }
                        None => Credential::Literal(u.to_owned()),
                    },
                    None => {
                        self.error(&apath, "basic authentication without `username`");
                        return Scheme::NONE;
                    }
                };
                match self.secret(&apath, field(&["password"]), "password") {
                    Some(password) if kind == "digest" => {
                        Scheme::Upstream(UpstreamAuth::Digest { username, password })
                    }
                    Some(password) => Scheme::Upstream(UpstreamAuth::Basic { username, password }),
                    None => Scheme::NONE,
                }
            }
            "oauth1" if side == Side::Inbound => {
                self.unsupported(
                    &apath.key("type"),
                    "inbound `oauth1` authentication (checking callers' signatures)",
                );
                Scheme::NONE
            }
            "oauth1" => self.oauth1(&apath, auth),
            "" => {
                self.error(&apath, "authentication without `type`");
                Scheme::NONE
            }
            other => {
                self.error_help(
                    &apath.key("type"),
                    format!("{} authentication `{other}` is not supported by this version of naftiko-codegen", side.name()),
                    "supported: bearer, apikey (header, query or cookie), basic, digest, oauth1 (upstream) and oauth2 (client credentials upstream, a resource server inbound); other requests signed per call (hmac, aws-sig-v4) are refused rather than sent unsigned",
                );
                Scheme::NONE
            }
        }
    }

    /// Upstream `oauth1`: a consumer key, and a `signingKey` (`RSA-SHA256`, the default when it
    /// is given) or a `consumerSecret` with an optional `token` and `tokenSecret` (`HMAC-SHA1`).
    fn oauth1(&mut self, apath: &YamlPath, auth: &model::Authentication) -> Scheme {
        let field = |names: &[&'static str]| auth.field(names);
        let consumer_key = self.secret(apath, field(&["consumerKey"]), "consumerKey");
        let signing = if auth.signing_key.is_some() || auth.consumer_secret.is_none() {
            self.secret(apath, field(&["signingKey"]), "signingKey")
                .map(|signing_key| OAuth1Signing::RsaSha256 { signing_key })
        } else {
            let consumer_secret = self.secret(apath, field(&["consumerSecret"]), "consumerSecret");
            let token = match (field(&["token"]), field(&["tokenSecret"])) {
                (None, None) => Some(None),
                (token, secret) => self
                    .secret(apath, token, "token")
                    .zip(self.secret(apath, secret, "tokenSecret"))
                    .map(Some),
            };
            consumer_secret
                .zip(token)
                .map(|(consumer_secret, token)| OAuth1Signing::HmacSha1 {
                    consumer_secret,
                    token,
                })
        };
        match consumer_key.zip(signing) {
            Some((consumer_key, signing)) => Scheme::Upstream(UpstreamAuth::OAuth1 {
                consumer_key,
                signing,
            }),
            None => Scheme::NONE,
        }
    }

    /// Upstream `oauth2`: the client credentials grant (RFC 6749 §4.4) at `tokenEndpoint`, with
    /// `clientId` (written or bound) and `clientSecret` (bound), `scopes` and `audience`.
    fn client_credentials(
        &mut self,
        apath: &YamlPath,
        auth: &model::Authentication,
    ) -> Option<ClientCredentials> {
        let field = |names: &[&'static str]| auth.field(names);
        if let Some((key, grant)) = field(&["grantType"])
            && grant != "client_credentials"
        {
            self.unsupported(
                &apath.key(key),
                &format!("the OAuth 2.0 grant `{grant}` upstream (only `client_credentials` needs no one to sign in)"),
            );
            return None;
        }
        let Some((key, endpoint)) = field(&["tokenEndpoint", "tokenUrl"]) else {
            self.error_help(
                apath,
                "upstream `oauth2` needs `tokenEndpoint`: the client credentials grant asks it for tokens",
                "add `tokenEndpoint: https://auth.example/oauth/token`, `clientId` and `clientSecret: \"{{VARIABLE}}\"`",
            );
            return None;
        };
        let token_endpoint = match self.bind_template_or_env(&apath.key(key), endpoint) {
            Ok(parts) => parts,
            Err(placeholder) => {
                self.error(
                    &apath.key(key),
                    format!("`{placeholder}` names no bound variable"),
                );
                return None;
            }
        };
        if let [Part::Text(url)] = token_endpoint.as_slice()
            && let Some(problem) = token_endpoint_problem(url)
        {
            self.error_help(
                &apath.key(key),
                format!("`{url}` {problem}"),
                "tokens are fetched from it with the client's secret: use https (http only for localhost)",
            );
            return None;
        }
        let client_id = match field(&["clientId"]) {
            Some((key, id)) => match self.bind_template_or_env(&apath.key(key), id) {
                Ok(parts) => Some(parts),
                Err(placeholder) => {
                    self.error(
                        &apath.key(key),
                        format!("`{placeholder}` names no bound variable"),
                    );
                    None
                }
            },
            None => {
                self.error_help(
                    apath,
                    "missing `clientId`",
                    "add `clientId` (written out, or `\"{{VARIABLE}}\"` with the variable declared under `binds`)",
                );
                None
            }
        };
        let client_secret = self.secret(apath, field(&["clientSecret"]), "clientSecret");
        let in_body = match field(&["clientAuthentication"]) {
            None => false,
            Some((_, "basic" | "client_secret_basic")) => false,
            Some((_, "body" | "post" | "client_secret_post")) => true,
            Some((key, other)) => {
                self.error_help(
                    &apath.key(key),
                    format!("`clientAuthentication: {other}` is neither `basic` nor `body`"),
                    "`basic` sends the id and secret as `Authorization: Basic` (the default), `body` in the form",
                );
                return None;
            }
        };
        Some(ClientCredentials {
            token_endpoint,
            client_id: client_id?,
            client_secret: client_secret?,
            scopes: auth.scopes.clone(),
            audience: field(&["audience"]).map(|(_, a)| a.to_owned()),
            in_body,
        })
    }

    /// Inbound `oauth2`: an OAuth 2.1 resource server checking tokens of
    /// `authorizationServerUri` (JWKS or introspection), for `resource`.
    pub(super) fn oauth2(
        &mut self,
        apath: &YamlPath,
        auth: &model::Authentication,
    ) -> Option<OAuth2> {
        let text = |k: &'static str| auth.field(&[k]).map(|(_, v)| v.to_owned());
        let url = |this: &mut Self, key: &'static str| {
            let Some(value) = text(key) else {
                this.error_help(
                    apath,
                    format!("`oauth2` needs `{key}`"),
                    "add `authorizationServerUri` (the issuer) and `resource` (this server's canonical URI)",
                );
                return None;
            };
            if value.contains("{{") {
                this.unsupported(&apath.key(key), &format!("a bound variable in `{key}`"));
                return None;
            }
            let (scheme, rest) = value.split_once("://").unwrap_or(("", ""));
            let host = rest.split(['/', ':', '?', '#']).next().unwrap_or("");
            let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
            let fine = !host.is_empty() && (scheme == "https" || (scheme == "http" && loopback));
            if !fine {
                this.error_help(
                    &apath.key(key),
                    format!("`{value}` is not an https URL"),
                    "tokens and keys are fetched from it: use https (http only for localhost)",
                );
                return None;
            }
            Some(value)
        };
        let issuer = url(self, "authorizationServerUri");
        let resource = url(self, "resource");
        let validation = match text("tokenValidation").as_deref() {
            None | Some("jwks") => TokenValidation::Jwks,
            Some("introspection") => TokenValidation::Introspection,
            Some(other) => {
                self.error(
                    &apath.key("tokenValidation"),
                    format!("`tokenValidation: {other}` is neither `jwks` nor `introspection`"),
                );
                return None;
            }
        };
        let scopes = auth.scopes.clone();
        let token_endpoint = text("tokenEndpoint");
        if token_endpoint.is_none() {
            self.warn(
                apath,
                "no `tokenEndpoint`: the OpenAPI document names `authorizationServerUri` as the token URL",
                "add `tokenEndpoint` (the authorization server's token URL)",
            );
        }
        Some(OAuth2 {
            issuer: issuer?,
            resource: resource?,
            audience: text("audience"),
            scopes,
            validation,
            token_endpoint,
        })
    }

    /// A credential built from bound variables (`{{VAR}}`, `{{namespace.VAR}}`, or text around
    /// them such as `Bearer {{VAR}}`); a value written out in the spec is refused.
    pub(super) fn secret(
        &mut self,
        apath: &YamlPath,
        value: Option<(&str, &str)>,
        expected: &str,
    ) -> Option<Template<BindId>> {
        let Some((key, text)) = value else {
            self.error_help(apath, format!("missing `{expected}`"), format!("add `{expected}: \"{{{{VARIABLE}}}}\"` with the variable declared under `binds`"));
            return None;
        };
        let kpath = apath.key(key);
        if text.trim().starts_with("$env.") {
            return match self.bind_ref(text) {
                Some(b) => Some(vec![Part::Slot(b)]),
                None => {
                    self.error(
                        &kpath,
                        format!("`{}` is not an environment variable name", text.trim()),
                    );
                    None
                }
            };
        }
        // Seen in the official tutorial: a bound variable's name without braces.
        if let Some(b) = find_id(&self.binds, |b| b.name.wire == text.trim()) {
            self.warn(
                &kpath,
                format!(
                    "`{}` read as the bound variable `{{{{{}}}}}`",
                    text.trim(),
                    text.trim()
                ),
                format!("write `{{{{{}}}}}`", text.trim()),
            );
            return Some(vec![Part::Slot(b)]);
        }
        match self.bind_template_or_env(&kpath, text) {
            Ok(parts) if parts.iter().any(|p| matches!(p, Part::Slot(_))) => Some(parts),
            // An empty value (`password: ''`, an API key sent as the user name) is no secret.
            Ok(parts) if text.is_empty() => Some(parts),
            Ok(_) => {
                // Never repeat the value: it may be a secret written into the spec.
                self.error_help(
                    &kpath,
                    format!("`{key}` must come from a bound variable, written `{{{{VARIABLE}}}}`"),
                    "declare the variable under `binds` and reference it here; secrets never go into generated files",
                );
                None
            }
            Err(placeholder) => {
                self.error_help(
                    &kpath,
                    format!("`{placeholder}` names no bound variable"),
                    "declare it under `binds`",
                );
                None
            }
        }
    }
}

/// Why `url` cannot be a token endpoint, if it cannot: not absolute, or plain http beyond
/// loopback (the client's secret would travel in clear).
fn token_endpoint_problem(url: &str) -> Option<&'static str> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match scheme {
        _ if host.is_empty() => Some("is not an absolute URL"),
        "https" => None,
        "http" if loopback => None,
        "http" => Some("is plain http: the client's secret would travel in clear"),
        _ => Some("is not an http(s) URL"),
    }
}
