//! OAuth 2.1 resource server: checks the bearer tokens callers present against the
//! authorization server the spec names — signed JWTs against its published keys (JWKS), or each
//! token through its introspection endpoint (RFC 7662). The server's metadata (RFC 8414, or
//! OpenID discovery) is read at the first request, not at start-up, so that the adapter starts
//! while the authorization server is away; a token is refused until it can be checked.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature;
use axum::http::HeaderValue;
use base64::Engine as _;
use serde_json::Value;

use super::support::inbound::TokenCheck;

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
    keys: Vec<Key>,
    /// When the keys were last fetched (they are fetched again for an unknown `kid`, at most
    /// once per [`REFETCH_AFTER`]).
    fetched: Option<Instant>,
}

/// A verification key of the JWKS.
#[derive(Debug, Clone)]
struct Key {
    kid: Option<String>,
    kind: KeyKind,
}

#[derive(Debug, Clone)]
enum KeyKind {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed point (`04 || x || y`) and its curve (`P-256`, `P-384`).
    Ec { point: Vec<u8>, curve: String },
    Ed25519(Vec<u8>),
}

/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY: u64 = 60;
/// The shortest time between two fetches of the keys.
const REFETCH_AFTER: Duration = Duration::from_secs(30);
/// Keys older than this are fetched again.
const KEYS_EXPIRE: Duration = Duration::from_secs(3600);

impl Validator {
    /// A validator for tokens issued by `issuer` for `resource` (the audience defaults to it).
    pub fn new(issuer: &str, resource: &str, audience: Option<&str>, scopes: &[&str], validation: Validation) -> Self {
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
        Err(format!("cannot read the authorization server's metadata: {last}"))
    }

    async fn get_json(&self, url: &str) -> Result<Value, String> {
        let response = self.http.get(url).send().await.map_err(|e| format!("{url}: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| format!("{url}: {}", e.without_url()))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("{url}: not JSON: {e}"))
    }

    /// The keys, fetched again when `kid` is unknown (and they were not just fetched) or old.
    async fn keys(&self, kid: Option<&str>) -> Result<Vec<Key>, String> {
        let (stale, known) = {
            let state = self.state.lock().map_err(|_| "poisoned")?;
            let age = state.fetched.map(|t| t.elapsed());
            let known = kid.is_none_or(|kid| state.keys.iter().any(|k| k.kid.as_deref() == Some(kid)));
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
        let keys: Vec<Key> = set["keys"].as_array().into_iter().flatten().filter_map(parse_jwk).collect();
        let mut state = self.state.lock().map_err(|_| "poisoned")?;
        state.keys = keys.clone();
        state.fetched = Some(Instant::now());
        Ok(keys)
    }

    /// A JWT signed by one of the server's keys, for this audience, not expired.
    async fn check_jwt(&self, token: &str) -> Result<(), String> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err("the token is not a signed JWT".into());
        };
        let header: Value = decode_json(header).ok_or("the token's header is not JSON")?;
        let alg = header["alg"].as_str().unwrap_or("");
        let kid = header["kid"].as_str();
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| "the token's signature is not base64url")?;
        let keys = self.keys(kid).await?;
        let message = &token.as_bytes()[..header_and_payload_len(token)];
        let verified = keys
            .iter()
            .filter(|k| kid.is_none() || k.kid.as_deref() == kid)
            .any(|k| verify(alg, &k.kind, message, &signature));
        if !verified {
            return Err(format!("the token's `{alg}` signature does not verify with the server's keys"));
        }
        let claims: Value = decode_json(payload).ok_or("the token's claims are not JSON")?;
        self.check_claims(&claims, true)
    }

    /// `iss`, `aud`, `exp` and `nbf` (`exp` required for a JWT).
    fn check_claims(&self, claims: &Value, exp_required: bool) -> Result<(), String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        match claims.get("iss").and_then(Value::as_str) {
            Some(iss) if iss.trim_end_matches('/') == self.issuer => {}
            Some(_) => return Err("the token was issued by another server".into()),
            None if exp_required => return Err("the token names no issuer".into()),
            None => {}
        }
        let audiences: Vec<&str> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if (exp_required || claims.get("aud").is_some()) && !audiences.contains(&self.audience.as_str()) {
            return Err("the token is not meant for this server (`aud`)".into());
        }
        match claims.get("exp").and_then(Value::as_u64) {
            Some(exp) if exp + LEEWAY < now => return Err("the token has expired".into()),
            None if exp_required => return Err("the token has no expiry (`exp`)".into()),
            _ => {}
        }
        if claims.get("nbf").and_then(Value::as_u64).is_some_and(|nbf| nbf > now + LEEWAY) {
            return Err("the token is not valid yet (`nbf`)".into());
        }
        Ok(())
    }

    /// RFC 7662: the token is active, for this audience and issuer.
    async fn introspect(&self, token: &str) -> Result<(), String> {
        let (_, endpoint) = self.endpoints().await?;
        let endpoint = endpoint.ok_or("the authorization server publishes no `introspection_endpoint`")?;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("token", token)
            .append_pair("token_type_hint", "access_token")
            .finish();
        let response = self
            .http
            .post(&endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("introspection failed: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(format!("introspection answered {}", response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| format!("introspection failed: {}", e.without_url()))?;
        let answer: Value = serde_json::from_slice(&bytes).map_err(|_| "introspection answered no JSON")?;
        if answer["active"] != Value::Bool(true) {
            return Err("the token is not active".into());
        }
        self.check_claims(&answer, false)
    }
}

impl TokenCheck for Validator {
    fn check<'a>(&'a self, token: &'a str) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>> {
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
        let scope = if self.scopes.is_empty() { String::new() } else { format!(", scope=\"{}\"", self.scopes.join(" ")) };
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

fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

fn decode_json(part: &str) -> Option<Value> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A verification key of a JWKS entry (`use: enc` keys are left out).
fn parse_jwk(jwk: &Value) -> Option<Key> {
    if jwk["use"].as_str().is_some_and(|u| u != "sig") {
        return None;
    }
    let bytes = |k: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwk[k].as_str()?).ok();
    let kind = match jwk["kty"].as_str()? {
        "RSA" => KeyKind::Rsa { n: bytes("n")?, e: bytes("e")? },
        "EC" => {
            let (x, y) = (bytes("x")?, bytes("y")?);
            let mut point = vec![4u8];
            point.extend(x);
            point.extend(y);
            KeyKind::Ec { point, curve: jwk["crv"].as_str()?.to_owned() }
        }
        "OKP" if jwk["crv"] == "Ed25519" => KeyKind::Ed25519(bytes("x")?),
        _ => return None,
    };
    Some(Key { kid: jwk["kid"].as_str().map(str::to_owned), kind })
}

/// Does `signature` over `message` verify with `key` under `alg`? `none` and shared-secret
/// algorithms (`HS256`, …) never do.
fn verify(alg: &str, key: &KeyKind, message: &[u8], signature: &[u8]) -> bool {
    match key {
        KeyKind::Rsa { n, e } => {
            let params: &'static signature::RsaParameters = match alg {
                "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
                "RS512" => &signature::RSA_PKCS1_2048_8192_SHA512,
                "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
                "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
                "PS512" => &signature::RSA_PSS_2048_8192_SHA512,
                _ => return false,
            };
            signature::RsaPublicKeyComponents { n, e }.verify(params, message, signature).is_ok()
        }
        KeyKind::Ec { point, curve } => {
            let algorithm: &'static signature::EcdsaVerificationAlgorithm = match (alg, curve.as_str()) {
                ("ES256", "P-256") => &signature::ECDSA_P256_SHA256_FIXED,
                ("ES384", "P-384") => &signature::ECDSA_P384_SHA384_FIXED,
                _ => return false,
            };
            signature::UnparsedPublicKey::new(algorithm, point).verify(message, signature).is_ok()
        }
        KeyKind::Ed25519(x) => {
            matches!(alg, "EdDSA" | "Ed25519")
                && signature::UnparsedPublicKey::new(&signature::ED25519, x).verify(message, signature).is_ok()
        }
    }
}
