//! Digest authentication upstream (RFC 7616): the client answers the upstream's challenge once,
//! with MD5 or SHA-256, `qop=auth` or none, and the request (body included) is sent again.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use md5::Digest as _;
use naftiko_corpus::digest_auth::clients::vault::{Client, Credentials};
use naftiko_corpus::digest_auth::{Error, Secret};
use serde_json::json;

const USER: &str = "Mufasa";
const PASSWORD: &str = "Circle of Life";
const REALM: &str = "http-auth@example.org";
const NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `name="value"` fields of an `Authorization: Digest …` header.
fn field<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    let start = header.find(&format!("{name}="))? + name.len() + 1;
    let rest = &header[start..];
    Some(match rest.strip_prefix('"') {
        Some(quoted) => &quoted[..quoted.find('"')?],
        None => rest.split(',').next()?.trim(),
    })
}

/// Each request's `Authorization` header (if any) and body.
type Seen = Arc<Mutex<Vec<(Option<String>, String)>>>;

#[derive(Clone)]
struct Upstream {
    algorithm: &'static str,
    qop: bool,
    seen: Seen,
}

/// A server that checks digest answers the way RFC 7616 says a server computes them.
async fn upstream(algorithm: &'static str, qop: bool) -> (String, Upstream) {
    let state = Upstream {
        algorithm,
        qop,
        seen: Arc::default(),
    };
    let app = axum::Router::new()
        .fallback(
            |axum::extract::State(state): axum::extract::State<Upstream>,
             method: axum::http::Method,
             uri: axum::http::Uri,
             headers: HeaderMap,
             body: String| async move {
                let authorization = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                state.seen.lock().unwrap().push((authorization.clone(), body));
                let hash = |text: String| match state.algorithm {
                    "SHA-256" => hex(&sha2::Sha256::digest(text.as_bytes())),
                    _ => hex(&md5::Md5::digest(text.as_bytes())),
                };
                let accepted = authorization.as_deref().is_some_and(|a| {
                    let (Some(user), Some(path), Some(response)) =
                        (field(a, "username"), field(a, "uri"), field(a, "response"))
                    else {
                        return false;
                    };
                    let ha1 = hash(format!("{user}:{REALM}:{PASSWORD}"));
                    let ha2 = hash(format!("{method}:{path}"));
                    let expected = match (state.qop, field(a, "nc"), field(a, "cnonce")) {
                        (true, Some(nc), Some(cnonce)) => {
                            hash(format!("{ha1}:{NONCE}:{nc}:{cnonce}:auth:{ha2}"))
                        }
                        (false, _, _) => hash(format!("{ha1}:{NONCE}:{ha2}")),
                        _ => return false,
                    };
                    user == USER
                        && path == uri.path_and_query().unwrap().as_str()
                        && response == expected
                        && field(a, "opaque") == Some("FQhe/qaU")
                });
                if accepted {
                    axum::Json(json!({"ok": true})).into_response()
                } else {
                    let qop = if state.qop { ", qop=\"auth, auth-int\"" } else { "" };
                    let challenge = format!(
                        "Digest realm=\"{REALM}\"{qop}, algorithm={}, nonce=\"{NONCE}\", opaque=\"FQhe/qaU\"",
                        state.algorithm
                    );
                    (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, challenge)]).into_response()
                }
            },
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

fn client(url: &str, password: &str) -> Client {
    let credentials = Credentials {
        username: Secret::new(USER),
        password: Secret::new(password),
    };
    Client::new(url, credentials, None).unwrap()
}

#[tokio::test]
async fn sha256_with_qop_auth_is_answered_once_with_the_body_sent_again() {
    let (url, upstream) = upstream("SHA-256", true).await;
    let answer = client(&url, PASSWORD)
        .put_secret("a b", Some(&json!({"value": 1})))
        .await
        .unwrap();
    assert_eq!(answer, json!({"ok": true}));
    let seen = upstream.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one challenge, one answer");
    assert!(seen[0].0.is_none());
    let authorization = seen[1].0.as_deref().unwrap();
    assert!(
        authorization.starts_with("Digest username=\"Mufasa\""),
        "{authorization}"
    );
    assert_eq!(field(authorization, "uri"), Some("/secrets/a%20b"));
    assert_eq!(seen[1].1, r#"{"value":1}"#);
}

#[tokio::test]
async fn md5_without_qop_is_answered() {
    let (url, _) = upstream("MD5", false).await;
    let answer = client(&url, PASSWORD).get_secret("x").await.unwrap();
    assert_eq!(answer, json!({"ok": true}));
}

#[tokio::test]
async fn a_wrong_password_is_the_upstreams_401_and_is_not_retried_forever() {
    let (url, upstream) = upstream("SHA-256", true).await;
    let err = client(&url, "wrong").get_secret("x").await.unwrap_err();
    assert!(matches!(err, Error::Status { status, .. } if status == StatusCode::UNAUTHORIZED));
    assert_eq!(upstream.seen.lock().unwrap().len(), 2);
    // The password is in no message.
    assert!(!format!("{err:?}").contains("wrong"));
}
