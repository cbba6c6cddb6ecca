//! Upstreams taking bearer tokens of the OAuth 2.0 client credentials grant
//! (tests/fixtures/client-credentials.yaml), against a fake authorization server and a fake API
//! on loopback. The authorization server checks the grant as RFC 6749 §4.4 says (the client's
//! credentials in `Authorization: Basic`, form-encoded first, or in the form body; the scopes;
//! the audience) and issues tokens that expire; the API accepts only tokens it issued and has not
//! revoked.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use naftiko_corpus::client_credentials as fixture;
use naftiko_corpus::client_credentials::clients::{ledger, reports};
use naftiko_corpus::client_credentials::{Error, Secret};
use serde_json::{Value, json};

use common::serve;

const LEDGER_ID: &str = "ledger client:1";
const LEDGER_SECRET: &str = "s3cret/with+signs";
const REPORTS_SECRET: &str = "reports-secret-4711";

/// How the fake authorization server answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Tokens, lasting `expires_in`.
    Issue,
    /// 401 `invalid_client`.
    Refuse,
    /// 200 with a page that is not JSON.
    Garbage,
}

/// A token request as the fake received it: its form and its `Authorization` header.
type TokenRequest = (Vec<(String, String)>, Option<String>);

/// What the fake authorization server and API share and record.
struct Auth {
    mode: Mode,
    /// `expires_in` of the tokens issued (a number, text, or absent).
    expires_in: Option<Value>,
    /// Every token request's form and `Authorization` header.
    requests: Vec<TokenRequest>,
    issued: usize,
    /// The tokens the API takes.
    valid: HashSet<String>,
    /// What the API saw: the bearer token of each request.
    seen: Vec<String>,
    /// The API refuses every token.
    refuse_all: bool,
}

type Shared = Arc<Mutex<Auth>>;

fn shared(expires_in: Option<Value>) -> Shared {
    Arc::new(Mutex::new(Auth {
        mode: Mode::Issue,
        expires_in,
        requests: Vec::new(),
        issued: 0,
        valid: HashSet::new(),
        seen: Vec::new(),
        refuse_all: false,
    }))
}

/// The client a token request authenticates as: `Authorization: Basic` (its parts
/// form-decoded, RFC 6749 §2.3.1) or `client_id` / `client_secret` in the form.
fn client_of(headers: &HeaderMap, form: &[(String, String)]) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic)
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unform = |s: &str| {
            form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        return Some((unform(id)?, unform(secret)?));
    }
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    Some((field("client_id")?, field("client_secret")?))
}

async fn token(
    State(auth): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> axum::response::Response {
    let mut auth = auth.lock().unwrap();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    auth.requests.push((form.clone(), authorization));
    match auth.mode {
        Mode::Refuse => {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"})),
            )
                .into_response();
        }
        Mode::Garbage => return "<html>maintenance</html>".into_response(),
        Mode::Issue => {}
    }
    let grant = form.iter().find(|(k, _)| k == "grant_type");
    if grant.map(|(_, v)| v.as_str()) != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    let known = [
        (LEDGER_ID.to_owned(), LEDGER_SECRET.to_owned()),
        ("reports-client".to_owned(), REPORTS_SECRET.to_owned()),
    ];
    match client_of(&headers, &form) {
        Some(client) if known.contains(&client) => {}
        _ => {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "invalid_client"})),
            )
                .into_response();
        }
    }
    auth.issued += 1;
    let token = format!("token-{}", auth.issued);
    auth.valid.insert(token.clone());
    let mut answer = json!({"access_token": token, "token_type": "Bearer"});
    if let Some(expires_in) = &auth.expires_in {
        answer["expires_in"] = expires_in.clone();
    }
    axum::Json(answer).into_response()
}

async fn api(State(auth): State<Shared>, headers: HeaderMap) -> axum::response::Response {
    let mut auth = auth.lock().unwrap();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned();
    auth.seen.push(bearer.clone());
    if auth.refuse_all || !auth.valid.contains(&bearer) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
            axum::Json(json!({"error": "invalid_token"})),
        )
            .into_response();
    }
    axum::Json(json!({"entries": [{"amount": 12}], "token": bearer})).into_response()
}

/// The fake authorization server and API on one loopback port: its base URL.
async fn fakes(auth: &Shared) -> String {
    let app = axum::Router::new()
        .route("/oauth/token", axum::routing::post(token))
        .route("/v1/entries", axum::routing::get(api))
        .route("/reports/{id}", axum::routing::get(api))
        .with_state(auth.clone());
    serve(app).await
}

fn ledger_client(url: &str, token_endpoint: String) -> ledger::Client {
    ledger::Client::new(
        &format!("{url}/v1"),
        ledger::Credentials {
            token_endpoint,
            client_id: Secret::new(LEDGER_ID),
            client_secret: Secret::new(LEDGER_SECRET),
        },
        None,
    )
    .unwrap()
}

fn reports_client(url: &str) -> reports::Client {
    reports::Client::new(
        url,
        reports::Credentials {
            token_endpoint: format!("{url}/oauth/token"),
            client_id: Secret::new("reports-client"),
            client_secret: Secret::new(REPORTS_SECRET),
        },
        None,
    )
    .unwrap()
}

#[tokio::test]
async fn one_token_is_fetched_for_many_requests_and_asks_what_the_spec_says() {
    let auth = shared(Some(json!(3600)));
    let url = fakes(&auth).await;
    let client = Arc::new(ledger_client(&url, format!("{url}/oauth/token")));
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..20 {
        let client = client.clone();
        calls.spawn(async move { client.list_entries(Some(&format!("acct-{i}"))).await });
    }
    while let Some(answer) = calls.join_next().await {
        assert_eq!(answer.unwrap().unwrap()["token"], "token-1");
    }
    let auth = auth.lock().unwrap();
    // Twenty requests waiting on an empty cache made one token request.
    assert_eq!(auth.requests.len(), 1);
    assert_eq!(auth.seen, vec!["token-1".to_owned(); 20]);
    let (form, authorization) = &auth.requests[0];
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(field("grant_type"), Some("client_credentials"));
    assert_eq!(field("scope"), Some("ledger:read ledger:write"));
    assert_eq!(field("audience"), Some("https://ledger.example"));
    // The secret travels in `Authorization: Basic`, never in the form.
    assert_eq!(field("client_secret"), None);
    let expected =
        base64::engine::general_purpose::STANDARD.encode("ledger+client%3A1:s3cret%2Fwith%2Bsigns");
    assert_eq!(
        authorization.as_deref(),
        Some(format!("Basic {expected}").as_str())
    );
}

#[tokio::test]
async fn a_token_is_fetched_again_when_it_expires() {
    // `expires_in` as text, as some servers send it: one second.
    let auth = shared(Some(json!("1")));
    let url = fakes(&auth).await;
    let client = ledger_client(&url, format!("{url}/oauth/token"));
    assert_eq!(client.list_entries(None).await.unwrap()["token"], "token-1");
    assert_eq!(client.list_entries(None).await.unwrap()["token"], "token-1");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(client.list_entries(None).await.unwrap()["token"], "token-2");
    assert_eq!(auth.lock().unwrap().requests.len(), 2);
}

#[tokio::test]
async fn a_token_the_api_refuses_is_replaced_once() {
    // No `expires_in`: the token is kept until the API refuses it.
    let auth = shared(None);
    let url = fakes(&auth).await;
    let client = ledger_client(&url, format!("{url}/oauth/token"));
    assert_eq!(client.list_entries(None).await.unwrap()["token"], "token-1");
    auth.lock().unwrap().valid.remove("token-1");
    // Refused, forgotten, fetched again, sent again: the caller sees only the answer.
    assert_eq!(client.list_entries(None).await.unwrap()["token"], "token-2");
    assert_eq!(auth.lock().unwrap().seen, ["token-1", "token-1", "token-2"]);

    // An API that refuses every token: its 401 comes back, after one new token at most.
    auth.lock().unwrap().refuse_all = true;
    match client.list_entries(None).await {
        Err(Error::Status { status, .. }) => assert_eq!(status, 401),
        other => panic!("expected the API's 401, got {other:?}"),
    }
    let auth = auth.lock().unwrap();
    assert_eq!(auth.issued, 3);
    assert_eq!(auth.seen.len(), 5);
}

#[tokio::test]
async fn the_client_secret_goes_in_the_form_when_the_spec_says() {
    let auth = shared(Some(json!(60)));
    let url = fakes(&auth).await;
    let client = reports_client(&url);
    assert_eq!(client.get_report("r-1").await.unwrap()["token"], "token-1");
    let auth = auth.lock().unwrap();
    let (form, authorization) = &auth.requests[0];
    assert_eq!(*authorization, None);
    assert!(form.contains(&("client_id".to_owned(), "reports-client".to_owned())));
    assert!(form.contains(&("client_secret".to_owned(), REPORTS_SECRET.to_owned())));
    assert!(!form.iter().any(|(k, _)| k == "scope" || k == "audience"));
}

/// The REST adapter over `ledger` (token endpoint `token_endpoint`) and `reports`: its URL.
async fn rest(url: &str, token_endpoint: String) -> String {
    let upstreams = fixture::Upstreams {
        ledger: ledger_client(url, token_endpoint),
        reports: reports_client(url),
    };
    serve(fixture::rest::ledger_rest::router(Arc::new(upstreams))).await
}

async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test]
async fn the_rest_adapter_serves_with_tokens_and_a_failing_token_endpoint_is_a_bad_gateway() {
    let auth = shared(Some(json!(3600)));
    let url = fakes(&auth).await;
    let server = rest(&url, format!("{url}/oauth/token")).await;
    let (status, _, body) = get(&format!("{server}/entries?account=a-1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["token"],
        "token-1"
    );

    // The authorization server refuses the client: 502 with its reason; the API is not called.
    let auth2 = shared(Some(json!(3600)));
    auth2.lock().unwrap().mode = Mode::Refuse;
    let url2 = fakes(&auth2).await;
    let server2 = rest(&url2, format!("{url2}/oauth/token")).await;
    let (status, content_type, body) = get(&format!("{server2}/entries")).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(content_type, "application/problem+json");
    assert!(body.contains("401"), "{body}");
    assert!(
        body.contains("invalid_client (Client authentication failed)"),
        "{body}"
    );
    assert!(
        !body.contains(LEDGER_SECRET) && !body.contains("s3cret"),
        "{body}"
    );
    assert!(auth2.lock().unwrap().seen.is_empty());

    // Not an answer the grant gives: 502 saying so.
    auth2.lock().unwrap().mode = Mode::Garbage;
    let (status, _, body) = get(&format!("{server2}/entries")).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("without an `access_token`"), "{body}");

    // Nothing listens at the token endpoint: 502, unreachable.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let server3 = rest(&url, format!("http://{closed}/oauth/token")).await;
    let (status, _, body) = get(&format!("{server3}/entries")).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("token endpoint is unreachable"), "{body}");
}

#[test]
fn a_token_endpoint_that_is_not_a_url_is_refused_when_the_client_is_made() {
    let made = ledger::Client::new(
        "https://ledger.example/v1",
        ledger::Credentials {
            token_endpoint: "/oauth/token".to_owned(),
            client_id: Secret::new(LEDGER_ID),
            client_secret: Secret::new(LEDGER_SECRET),
        },
        None,
    );
    assert!(
        matches!(made, Err(Error::InvalidCredentials(_))),
        "{made:?}"
    );
}
