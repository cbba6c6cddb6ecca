//! A stateful fake of Humanitec's token API (`/users/{userId}/tokens[/{tokenId}]`), faithful to the
//! upstream OpenAPI description: create answers 200 with a `TokenResponse`, a duplicate id 409, list
//! a bare array, an unknown token 404, delete 204 with no body, a missing `Authorization: Bearer`
//! 401 and a wrong token 403. Error bodies follow `HumanitecErrorResponse {error, message}`.
//!
//! Every request is recorded as received (method, raw path, authorization, body) so tests can
//! assert what reached the upstream. A user id of `slow` makes the fake wait before answering;
//! `delay-<ms>` waits that long; `garbage` makes it answer 200 with a body that is not JSON.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One request as the fake received it.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub method: Method,
    /// The path exactly as sent (still percent-encoded).
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    /// Every header as received.
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Default)]
struct Store {
    /// user id → tokens (TokenInfoResponse objects), in creation order.
    tokens: BTreeMap<String, Vec<Value>>,
    received: Vec<Received>,
    issued: u64,
}

#[derive(Clone)]
struct Fake {
    key: Arc<str>,
    store: Arc<Mutex<Store>>,
}

/// A running fake; stops when dropped.
pub struct FakeHumanitec {
    pub addr: SocketAddr,
    store: Arc<Mutex<Store>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeHumanitec {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeHumanitec {
    /// Start on a free loopback port, accepting `Bearer <key>`.
    pub async fn start(key: &str) -> Self {
        let store = Arc::new(Mutex::new(Store::default()));
        let fake = Fake {
            key: key.into(),
            store: store.clone(),
        };
        let app = axum::Router::new().fallback(handle).with_state(fake);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake upstream");
        let addr = listener.local_addr().expect("fake upstream address");
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake upstream serves");
        });
        Self { addr, store, task }
    }

    /// The base URL to give the generated server.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.store.lock().expect("store lock").received.clone()
    }

    /// The last request received.
    pub fn last(&self) -> Received {
        self.received()
            .pop()
            .expect("the upstream received a request")
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

async fn handle(State(fake): State<Fake>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 10 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let header = |h: &HeaderMap, name| h.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let received = Received {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        authorization: header(&parts.headers, "authorization"),
        content_type: header(&parts.headers, "content-type"),
        headers: parts.headers.clone(),
        body: body.clone(),
    };
    fake.store
        .lock()
        .expect("store lock")
        .received
        .push(received.clone());

    let segments: Vec<&str> = parts
        .uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .collect();
    let (user, token) = match segments.as_slice() {
        ["users", user, "tokens"] => (decode(user), None),
        ["users", user, "tokens", token] => (decode(user), Some(decode(token))),
        _ => return error(StatusCode::NOT_FOUND, "API-404", "Not found."),
    };
    match received
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
    {
        None => {
            return error(
                StatusCode::UNAUTHORIZED,
                "API-401",
                "Missing Authorization header.",
            );
        }
        Some(k) if k != &*fake.key => {
            return error(
                StatusCode::FORBIDDEN,
                "API-403",
                "Could not validate token.",
            );
        }
        Some(_) => {}
    }
    if user == "slow" {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    if let Some(ms) = user.strip_prefix("delay-").and_then(|ms| ms.parse().ok()) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if user == "garbage" {
        // A broken upstream: success status, content type JSON, body not JSON.
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            "<html>oops",
        )
            .into_response();
    }
    let mut store = fake.store.lock().expect("store lock");
    match (parts.method, token) {
        (Method::GET, None) => Json(Value::Array(
            store.tokens.get(&user).cloned().unwrap_or_default(),
        ))
        .into_response(),
        (Method::POST, None) => {
            let Ok(definition) = serde_json::from_slice::<Value>(&body) else {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "API-422",
                    "The body was not valid JSON.",
                );
            };
            let (Some(id), Some(kind)) = (definition["id"].as_str(), definition["type"].as_str())
            else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "API-400",
                    "Fields `id` and `type` are required.",
                );
            };
            if kind != "static" {
                return error(
                    StatusCode::BAD_REQUEST,
                    "API-400",
                    "Token type can only be \"static\".",
                );
            }
            let tokens = store.tokens.entry(user.clone()).or_default();
            if tokens.iter().any(|t| t["id"] == id) {
                return error(
                    StatusCode::CONFLICT,
                    "API-409",
                    "There is already a token with the given ID.",
                );
            }
            let mut info = json!({
                "created_at": "2026-11-28T10:00:00Z",
                "created_by": user,
                "description": definition["description"].as_str().unwrap_or(""),
                "id": id,
                "type": "static",
            });
            if let Some(expires) = definition["expires_at"].as_str() {
                info["expires_at"] = json!(expires);
            }
            tokens.push(info);
            store.issued += 1;
            let secret = format!(
                "hum_{:032x}",
                store.issued.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            );
            Json(json!({ "token": secret, "type": "static" })).into_response()
        }
        (Method::GET, Some(token)) => match store
            .tokens
            .get(&user)
            .and_then(|t| t.iter().find(|t| t["id"] == token.as_str()))
        {
            Some(info) => Json(info.clone()).into_response(),
            None => error(
                StatusCode::NOT_FOUND,
                "API-404",
                "This token ID is not available for the user.",
            ),
        },
        (Method::DELETE, Some(token)) => {
            let tokens = store.tokens.entry(user).or_default();
            match tokens.iter().position(|t| t["id"] == token.as_str()) {
                Some(i) => {
                    tokens.remove(i);
                    StatusCode::NO_CONTENT.into_response()
                }
                None => error(
                    StatusCode::NOT_FOUND,
                    "API-404",
                    "This token id is not available for the user.",
                ),
            }
        }
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "API-405",
            "Method not allowed.",
        ),
    }
}
