//! Adapters as OAuth 2.1 resource servers (tests/fixtures/oauth2.yaml), against a fake
//! authorization server on loopback: its metadata (RFC 8414), its keys (JWKS, an RSA and an
//! EC key) and its introspection endpoint (RFC 7662). Tokens are signed here with aws-lc-rs.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use axum::extract::State;
use base64::Engine as _;
use naftiko_corpus::oauth2_fixture as fixture;
use serde_json::{Value, json};

use common::serve;

const MCP_RESOURCE: &str = "https://fleet.example/mcp";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The fake authorization server's keys.
struct Keys {
    rsa: RsaKeyPair,
    ec: EcdsaKeyPair,
}

impl Keys {
    fn new() -> Self {
        Self {
            rsa: RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap(),
            ec: EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap(),
        }
    }

    fn jwks(&self) -> Value {
        let rsa = self.rsa.public_key();
        let point = self.ec.public_key().as_ref();
        assert_eq!(point[0], 4, "an uncompressed point");
        json!({"keys": [
            {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
             "n": b64(rsa.modulus().big_endian_without_leading_zero()),
             "e": b64(rsa.exponent().big_endian_without_leading_zero())},
            {"kty": "EC", "kid": "ec-1", "crv": "P-256",
             "x": b64(&point[1..33]), "y": b64(&point[33..65])},
        ]})
    }

    /// A JWT with `claims`, signed with `alg` (`RS256` or `ES256`) under `kid`.
    fn token(&self, alg: &str, kid: &str, claims: &Value) -> String {
        let header = json!({"alg": alg, "typ": "at+jwt", "kid": kid});
        let message = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let rng = SystemRandom::new();
        let signature = match alg {
            "RS256" => {
                let mut sig = vec![0; self.rsa.public_modulus_len()];
                self.rsa
                    .sign(
                        &signature::RSA_PKCS1_SHA256,
                        &rng,
                        message.as_bytes(),
                        &mut sig,
                    )
                    .unwrap();
                sig
            }
            "ES256" => self
                .ec
                .sign(&rng, message.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
            other => panic!("{other}"),
        };
        format!("{message}.{}", b64(&signature))
    }
}

#[derive(Clone)]
struct Server {
    issuer: Arc<Mutex<String>>,
    jwks: Value,
    jwks_fetches: Arc<AtomicUsize>,
    introspected: Arc<Mutex<Vec<String>>>,
}

/// The fake authorization server; its issuer URL.
async fn authorization_server(keys: &Keys) -> (String, Server) {
    let server = Server {
        issuer: Arc::new(Mutex::new(String::new())),
        jwks: keys.jwks(),
        jwks_fetches: Arc::new(AtomicUsize::new(0)),
        introspected: Arc::new(Mutex::new(Vec::new())),
    };
    let app = axum::Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            axum::routing::get(|State(s): State<Server>| async move {
                let issuer = s.issuer.lock().unwrap().clone();
                axum::Json(json!({
                    "issuer": issuer,
                    "jwks_uri": format!("{issuer}/jwks"),
                    "introspection_endpoint": format!("{issuer}/introspect"),
                }))
            }),
        )
        .route(
            "/jwks",
            axum::routing::get(|State(s): State<Server>| async move {
                s.jwks_fetches.fetch_add(1, Ordering::SeqCst);
                axum::Json(s.jwks.clone())
            }),
        )
        .route(
            "/introspect",
            axum::routing::post(|State(s): State<Server>, body: String| async move {
                s.introspected.lock().unwrap().push(body.clone());
                let token = form_urlencoded::parse(body.as_bytes())
                    .find(|(k, _)| k == "token")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let issuer = s.issuer.lock().unwrap().clone();
                axum::Json(match token.as_str() {
                    "good-token" => json!({"active": true, "iss": issuer, "aud": ["fleet-api"], "exp": now() + 300}),
                    "elsewhere-token" => json!({"active": true, "aud": "other-api"}),
                    _ => json!({"active": false}),
                })
            }),
        )
        .with_state(server.clone());
    let url = serve(app).await;
    *server.issuer.lock().unwrap() = url.clone();
    (url, server)
}

fn upstreams() -> Arc<fixture::Upstreams> {
    Arc::new(fixture::Upstreams::from_env(&Default::default()).unwrap())
}

/// The MCP adapter, its guard made as the generated server makes it but for the fake issuer.
async fn mcp(issuer: &str) -> String {
    let validator = naftiko_runtime::oauth2::Validator::new(
        issuer,
        MCP_RESOURCE,
        None,
        &["fleet.read"],
        naftiko_runtime::oauth2::Validation::Jwks,
    );
    let guard = naftiko_runtime::inbound::Guard::Token(Arc::new(validator));
    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    serve(fixture::mcp::fleet_mcp::router(upstreams(), config, guard)).await
}

/// `tools/call hello` with `token`: the status, the `WWW-Authenticate` header and the body.
async fn call(url: &str, token: Option<&str>) -> (u16, String, String) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "hello", "arguments": {}}});
    let mut request = reqwest::Client::new()
        .post(format!("{url}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, challenge, response.text().await.unwrap())
}

fn claims(issuer: &str) -> Value {
    json!({"iss": issuer, "aud": MCP_RESOURCE, "sub": "agent-7", "exp": now() + 300, "scope": "fleet.read"})
}

#[tokio::test]
async fn signed_tokens_for_this_resource_pass_others_get_a_challenge() {
    let keys = Keys::new();
    let (issuer, server) = authorization_server(&keys).await;
    let url = mcp(&issuer).await;

    // No token: 401 pointing at the protected resource metadata (RFC 9728, MCP authorization).
    let (status, challenge, _) = call(&url, None).await;
    assert_eq!(status, 401);
    assert_eq!(
        challenge,
        "Bearer resource_metadata=\"https://fleet.example/.well-known/oauth-protected-resource/mcp\", scope=\"fleet.read\""
    );
    // …which is served, unguarded, at the root and under the resource's path.
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let document: Value = serde_json::from_str(
            &reqwest::get(format!("{url}{path}"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            document,
            json!({"resource": MCP_RESOURCE, "authorization_servers": [issuer],
                   "scopes_supported": ["fleet.read"], "bearer_methods_supported": ["header"]})
        );
    }

    // RS256 and ES256 tokens from the server's keys.
    for (alg, kid) in [("RS256", "rsa-1"), ("ES256", "ec-1")] {
        let token = keys.token(alg, kid, &claims(&issuer));
        let (status, _, body) = call(&url, Some(&token)).await;
        assert_eq!(status, 200, "{alg}: {body}");
        assert!(body.contains("hello"), "{body}");
    }
    // The keys were fetched once for all those requests.
    assert_eq!(server.jwks_fetches.load(Ordering::SeqCst), 1);

    // Each refusal names its reason in the challenge, never the token.
    let mut expired = claims(&issuer);
    expired["exp"] = json!(now() - 3600);
    let mut elsewhere = claims(&issuer);
    elsewhere["aud"] = json!("https://other.example");
    let mut foreign = claims(&issuer);
    foreign["iss"] = json!("https://evil.example");
    let mut early = claims(&issuer);
    early["nbf"] = json!(now() + 3600);
    let mut endless = claims(&issuer);
    endless.as_object_mut().unwrap().remove("exp");
    let good = keys.token("RS256", "rsa-1", &claims(&issuer));
    let tampered = {
        let mut parts: Vec<&str> = good.split('.').collect();
        let other = b64(
            json!({"iss": issuer, "aud": MCP_RESOURCE, "sub": "root", "exp": now() + 300})
                .to_string()
                .as_bytes(),
        );
        parts[1] = &other;
        parts.join(".")
    };
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"alg":"none"}"#),
        b64(claims(&issuer).to_string().as_bytes())
    );
    let cases = [
        (keys.token("RS256", "rsa-1", &expired), "expired"),
        (
            keys.token("RS256", "rsa-1", &elsewhere),
            "not meant for this server",
        ),
        (
            keys.token("ES256", "ec-1", &foreign),
            "issued by another server",
        ),
        (keys.token("ES256", "ec-1", &early), "not valid yet"),
        (keys.token("RS256", "rsa-1", &endless), "no expiry"),
        // An RSA signature presented as the EC key's: it does not verify.
        (
            keys.token("RS256", "ec-1", &claims(&issuer)),
            "does not verify",
        ),
        (tampered, "does not verify"),
        (unsigned, "does not verify"),
        ("not-a-jwt".to_owned(), "not a signed JWT"),
    ];
    for (token, reason) in cases {
        let (status, challenge, body) = call(&url, Some(&token)).await;
        assert_eq!(status, 401, "{reason}: {body}");
        assert!(
            challenge.contains("error=\"invalid_token\"") && challenge.contains(reason),
            "{reason}: {challenge}"
        );
        assert!(body.contains(reason), "{body}");
        assert!(!challenge.contains(&token) && !body.contains(&token));
    }
}

#[tokio::test]
async fn introspection_asks_the_server_about_every_token() {
    let keys = Keys::new();
    let (issuer, server) = authorization_server(&keys).await;
    let validator = naftiko_runtime::oauth2::Validator::new(
        &issuer,
        "https://fleet.example/api",
        Some("fleet-api"),
        &[],
        naftiko_runtime::oauth2::Validation::Introspection,
    );
    let guard = naftiko_runtime::inbound::Guard::Token(Arc::new(validator));
    let url = serve(fixture::rest::fleet_rest::router(upstreams(), guard)).await;
    let get = |token: &'static str| {
        let url = format!("{url}/hello");
        async move {
            let response = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };

    let (status, body) = get("good-token").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"greeting": "hello"})
    );
    let (status, body) = get("good-token").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = get("revoked-token").await;
    assert_eq!(status, 401);
    assert!(body.contains("not active"), "{body}");
    let (status, body) = get("elsewhere-token").await;
    assert_eq!(status, 401);
    assert!(body.contains("not meant for this server"), "{body}");

    // One introspection per request, the token form-encoded with its type hint.
    let seen = server.introspected.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[0], "token=good-token&token_type_hint=access_token");
    assert_eq!(server.jwks_fetches.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_unreachable_authorization_server_refuses_tokens_and_the_adapter_keeps_serving() {
    // A port that was free a moment ago: nothing answers there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let url = mcp(&issuer).await;
    let keys = Keys::new();
    let token = keys.token("RS256", "rsa-1", &claims(&issuer));
    for _ in 0..2 {
        let (status, challenge, body) = call(&url, Some(&token)).await;
        assert_eq!(status, 401, "{body}");
        assert!(
            body.contains("cannot read the authorization server's metadata"),
            "{body}"
        );
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    }
    // The metadata document does not depend on the authorization server.
    let response = reqwest::get(format!("{url}/.well-known/oauth-protected-resource"))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
}
