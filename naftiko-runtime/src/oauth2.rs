//! OAuth 2.1 resource server: checks the bearer tokens callers present against the
//! authorization server the spec names — signed JWTs against its published keys (JWKS), or each
//! token through its introspection endpoint (RFC 7662). The server's metadata (RFC 8414, or
//! OpenID discovery) is read at the first request, not at start-up, so that the adapter starts
//! while the authorization server is away; a token is refused until it can be checked.

use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;
use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use http::HeaderValue;
use jsonwebtoken::Algorithm;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::jwk::PublicKeyUse;
use serde_json::Value;

use crate::inbound::TokenCheck;

/// How tokens are checked (`tokenValidation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// Signed JWTs, checked locally against the authorization server's keys.
    Jwks,
    /// Every token sent to the introspection endpoint (RFC 7662).
    Introspection,
}

/// The checks the spec declares for one adapter.
#[derive(Debug)]
pub struct Validator {
    issuer: String,
    resource: String,
    audience: String,
    scopes: Vec<String>,
    validation: Validation,
    http: reqwest::Client,
    state: Mutex<State>,
}

/// What was learned from the authorization server.
#[derive(Debug, Default)]
struct State {
    /// `jwks_uri` and `introspection_endpoint`, once discovered.
    endpoints: Option<(Option<String>, Option<String>)>,
    keys: Vec<Jwk>,
    /// When the keys were last fetched (they are fetched again for an unknown `kid`, at most
    /// once per [`REFETCH_AFTER`]).
    fetched: Option<Instant>,
}

/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY: u64 = 60;
/// The shortest time between two fetches of the keys.
const REFETCH_AFTER: Duration = Duration::from_secs(30);
/// Keys older than this are fetched again.
const KEYS_EXPIRE: Duration = Duration::from_secs(3600);

impl Validator {
    /// A validator for tokens issued by `issuer` for `resource` (the audience defaults to it).
    pub fn new(
        issuer: &str,
        resource: &str,
        audience: Option<&str>,
        scopes: &[&str],
        validation: Validation,
    ) -> Self {
        // The crate is built with aws-lc-rs only, so this is the provider anyway; installing it
        // keeps verification working when another crate links a second one.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            issuer: issuer.trim_end_matches('/').to_owned(),
            resource: resource.to_owned(),
            audience: audience.unwrap_or(resource).to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            validation,
            http,
            state: Mutex::new(State::default()),
        }
    }

    /// The authorization server's metadata URLs: RFC 8414 (`/.well-known/…` inserted before the
    /// issuer's path), then OpenID discovery (appended).
    fn metadata_urls(&self) -> Vec<String> {
        let issuer = &self.issuer;
        let (origin, path) = split_origin(issuer);
        vec![
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{issuer}/.well-known/openid-configuration"),
        ]
    }

    /// `jwks_uri` and `introspection_endpoint`, discovered once.
    async fn endpoints(&self) -> Result<(Option<String>, Option<String>), String> {
        if let Some(found) = self.state.lock().map_err(|_| "poisoned")?.endpoints.clone() {
            return Ok(found);
        }
        let mut last = String::from("no metadata");
        for url in self.metadata_urls() {
            match self.get_json(&url).await {
                Ok(meta) => {
                    // RFC 8414 §3.3: the metadata must name the issuer it was asked for.
                    let issuer = meta["issuer"].as_str().unwrap_or("").trim_end_matches('/');
                    if issuer != self.issuer {
                        last = format!("{url} names issuer `{issuer}`, not `{}`", self.issuer);
                        continue;
                    }
                    let text = |k: &str| meta[k].as_str().map(str::to_owned);
                    let found = (text("jwks_uri"), text("introspection_endpoint"));
                    self.state.lock().map_err(|_| "poisoned")?.endpoints = Some(found.clone());
                    return Ok(found);
                }
                Err(err) => last = err,
            }
        }
        Err(format!(
            "cannot read the authorization server's metadata: {last}"
        ))
    }

    async fn get_json(&self, url: &str) -> Result<Value, String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("{url}: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("{url}: {}", e.without_url()))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("{url}: not JSON: {e}"))
    }

    /// The keys, fetched again when `kid` is unknown (and they were not just fetched) or old.
    async fn keys(&self, kid: Option<&str>) -> Result<Vec<Jwk>, String> {
        let (stale, known) = {
            let state = self.state.lock().map_err(|_| "poisoned")?;
            let age = state.fetched.map(|t| t.elapsed());
            let known = kid.is_none_or(|kid| {
                state
                    .keys
                    .iter()
                    .any(|k| k.common.key_id.as_deref() == Some(kid))
            });
            let stale = match age {
                None => true,
                Some(age) => age > KEYS_EXPIRE || (!known && age > REFETCH_AFTER),
            };
            (stale, state.keys.clone())
        };
        if !stale {
            return Ok(known);
        }
        let (jwks_uri, _) = self.endpoints().await?;
        let jwks_uri = jwks_uri.ok_or("the authorization server publishes no `jwks_uri`")?;
        let set = self.get_json(&jwks_uri).await?;
        let keys: Vec<Jwk> = set["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(signing_key)
            .collect();
        let mut state = self.state.lock().map_err(|_| "poisoned")?;
        state.keys = keys.clone();
        state.fetched = Some(Instant::now());
        Ok(keys)
    }

    /// A JWT signed by one of the server's keys with an asymmetric algorithm, issued by the
    /// server, for this audience, with an expiry, not expired and not used before its time.
    async fn check_jwt(&self, token: &str) -> Result<(), String> {
        if token.split('.').count() != 3 {
            return Err("the token is not a signed JWT".into());
        }
        // `none`, shared-secret (`HS256`, …) and unknown algorithms never verify.
        let header = jsonwebtoken::decode_header(token)
            .ok()
            .filter(|h| ACCEPTED.contains(&h.alg))
            .ok_or("the token's signature does not verify with the server's keys")?;
        let kid = header.kid.as_deref();
        let keys = self.keys(kid).await?;
        let mut validation = jsonwebtoken::Validation::new(header.alg);
        validation.leeway = LEEWAY;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.set_issuer(&[self.issuer.clone(), format!("{}/", self.issuer)]);
        validation.set_audience(&[&self.audience]);
        let refusal = format!(
            "the token's `{:?}` signature does not verify with the server's keys",
            header.alg
        );
        for key in keys
            .iter()
            .filter(|k| kid.is_none() || k.common.key_id.as_deref() == kid)
        {
            let Ok(key) = DecodingKey::from_jwk(key) else {
                continue;
            };
            match jsonwebtoken::decode::<Value>(token, &key, &validation) {
                Ok(_) => return Ok(()),
                Err(err) => match claims_refusal(err.kind()) {
                    // The signature verified: the claims are what is wrong.
                    Some(reason) => return Err(reason.to_owned()),
                    None => continue,
                },
            }
        }
        Err(refusal)
    }

    /// `iss`, `aud`, `exp` and `nbf` of an introspection answer (each checked when present).
    fn check_claims(&self, claims: &Value) -> Result<(), String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        match claims.get("iss").and_then(Value::as_str) {
            Some(iss) if iss.trim_end_matches('/') == self.issuer => {}
            Some(_) => return Err("the token was issued by another server".into()),
            None => {}
        }
        let audiences: Vec<&str> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if claims.get("aud").is_some() && !audiences.contains(&self.audience.as_str()) {
            return Err("the token is not meant for this server (`aud`)".into());
        }
        match claims.get("exp").and_then(Value::as_u64) {
            Some(exp) if exp + LEEWAY < now => return Err("the token has expired".into()),
            _ => {}
        }
        if claims
            .get("nbf")
            .and_then(Value::as_u64)
            .is_some_and(|nbf| nbf > now + LEEWAY)
        {
            return Err("the token is not valid yet (`nbf`)".into());
        }
        Ok(())
    }

    /// RFC 7662: the token is active, for this audience and issuer.
    async fn introspect(&self, token: &str) -> Result<(), String> {
        let (_, endpoint) = self.endpoints().await?;
        let endpoint =
            endpoint.ok_or("the authorization server publishes no `introspection_endpoint`")?;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .append_pair("token_type_hint", "access_token")
            .finish();
        let response = self
            .http
            .post(&endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("introspection failed: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(format!("introspection answered {}", response.status()));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("introspection failed: {}", e.without_url()))?;
        let answer: Value =
            serde_json::from_slice(&bytes).map_err(|_| "introspection answered no JSON")?;
        if answer["active"] != Value::Bool(true) {
            return Err("the token is not active".into());
        }
        self.check_claims(&answer)
    }
}

impl TokenCheck for Validator {
    fn check<'a>(
        &'a self,
        token: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            match self.validation {
                Validation::Jwks => self.check_jwt(token).await,
                Validation::Introspection => self.introspect(token).await,
            }
        })
    }

    fn resource(&self) -> &str {
        &self.resource
    }

    fn metadata(&self) -> Value {
        serde_json::json!({
            "resource": self.resource,
            "authorization_servers": [self.issuer],
            "scopes_supported": self.scopes,
            "bearer_methods_supported": ["header"],
        })
    }

    fn challenge(&self, reason: Option<&str>) -> HeaderValue {
        let metadata = metadata_url(&self.resource);
        let scope = if self.scopes.is_empty() {
            String::new()
        } else {
            format!(", scope=\"{}\"", self.scopes.join(" "))
        };
        let text = match reason {
            // The reason is ours (no token text in it); quotes are left out to keep it one parameter.
            Some(reason) => format!(
                "Bearer resource_metadata=\"{metadata}\"{scope}, error=\"invalid_token\", error_description=\"{}\"",
                reason.replace(['"', '\\'], "'")
            ),
            None => format!("Bearer resource_metadata=\"{metadata}\"{scope}"),
        };
        HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("Bearer"))
    }
}

/// `https://host` and `/path` of a URL (the path empty for none).
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

/// RFC 9728 §3.1: the protected resource metadata URL of `resource`.
pub fn metadata_url(resource: &str) -> String {
    let (origin, path) = split_origin(resource.trim_end_matches('/'));
    format!("{origin}/.well-known/oauth-protected-resource{path}")
}

/// The path of the metadata document on this server (the part after the origin).
pub fn metadata_path(resource: &str) -> String {
    let url = metadata_url(resource);
    split_origin(&url).1.to_owned()
}

/// The signature algorithms a token may use: asymmetric ones only.
const ACCEPTED: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Why a token whose signature verified is refused, for the errors that say so (`None` for a
/// signature or key that does not fit).
fn claims_refusal(kind: &ErrorKind) -> Option<&'static str> {
    Some(match kind {
        ErrorKind::ExpiredSignature => "the token has expired",
        ErrorKind::ImmatureSignature => "the token is not valid yet (`nbf`)",
        ErrorKind::InvalidIssuer => "the token was issued by another server",
        ErrorKind::InvalidAudience => "the token is not meant for this server (`aud`)",
        ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
            "exp" => "the token has no expiry (`exp`)",
            "iss" => "the token names no issuer",
            _ => "the token is not meant for this server (`aud`)",
        },
        ErrorKind::InvalidClaimFormat(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            "the token's claims are not valid JSON claims"
        }
        _ => return None,
    })
}

/// A JWKS entry usable to verify signatures (`use: enc` keys and entries that are not keys are
/// left out).
fn signing_key(entry: &Value) -> Option<Jwk> {
    let key: Jwk = serde_json::from_value(entry.clone()).ok()?;
    (key.common.public_key_use != Some(PublicKeyUse::Encryption)).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_resource_metadata_urls() {
        assert_eq!(
            metadata_url("https://api.example/mcp"),
            "https://api.example/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_path("https://api.example"),
            "/.well-known/oauth-protected-resource"
        );
    }

    #[test]
    fn only_asymmetric_algorithms_are_accepted() {
        assert!(!ACCEPTED.contains(&Algorithm::HS256));
        assert!(ACCEPTED.contains(&Algorithm::RS256) && ACCEPTED.contains(&Algorithm::EdDSA));
        assert_eq!(
            claims_refusal(&ErrorKind::ExpiredSignature),
            Some("the token has expired")
        );
        assert_eq!(claims_refusal(&ErrorKind::InvalidSignature), None);
    }
}
