//! The generated server, started as a real process, serves the four operations over REST against
//! the stateful fake Humanitec upstream.

use std::process::Command;

use naftiko_tests::fake_humanitec::FakeHumanitec;
use naftiko_tests::server::{self, Server};
use reqwest::StatusCode;
use serde_json::{Value, json};

const KEY: &str = "hum-secret-key-4711";

fn problem(response_type: Option<&reqwest::header::HeaderValue>) {
    assert_eq!(
        response_type.and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_serves_all_four_operations_with_the_bearer_key_and_encoded_paths() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let http = reqwest::Client::new();
    let user = format!("{}/v1/users/a%2Fb%20c/tokens", server.rest);

    // Create: 200 with the TokenResponse; the upstream got one encoded segment, the bearer key, the body.
    let definition = json!({"id": "ci", "type": "static", "description": "CI pipeline"});
    let created = http.post(&user).json(&definition).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    let body: Value = created.json().await.unwrap();
    assert!(
        body["token"].as_str().unwrap().starts_with("hum_"),
        "{body}"
    );
    let got = upstream.last();
    assert_eq!(got.method, "POST");
    assert_eq!(got.path, "/users/a%2Fb%20c/tokens");
    assert_eq!(
        got.authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<Value>(&got.body).unwrap(),
        definition
    );

    // The same id again: the upstream's 409 and its body pass through.
    let duplicate = http.post(&user).json(&definition).send().await.unwrap();
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    assert_eq!(duplicate.json::<Value>().await.unwrap()["error"], "API-409");

    // List: a bare array.
    let list = http.get(&user).send().await.unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let list: Value = list.json().await.unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["id"], "ci");
    assert_eq!(list[0]["created_by"], "a/b c");
    assert_eq!(upstream.last().method, "GET");

    // Get one, and an unknown one.
    let one = http.get(format!("{user}/ci")).send().await.unwrap();
    assert_eq!(one.status(), StatusCode::OK);
    assert_eq!(
        one.json::<Value>().await.unwrap()["description"],
        "CI pipeline"
    );
    assert_eq!(upstream.last().path, "/users/a%2Fb%20c/tokens/ci");
    let unknown = http.get(format!("{user}/nope")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(unknown.json::<Value>().await.unwrap()["error"], "API-404");

    // Delete: 204 with no body; again: 404.
    let deleted = http.delete(format!("{user}/ci")).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(deleted.bytes().await.unwrap().is_empty());
    let got = upstream.last();
    assert_eq!(
        (got.method.as_str(), got.path.as_str()),
        ("DELETE", "/users/a%2Fb%20c/tokens/ci")
    );
    assert_eq!(
        http.delete(format!("{user}/ci"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // Every upstream request carried the key; the server never logged it.
    assert!(
        upstream
            .received()
            .iter()
            .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {KEY}")))
    );
    assert!(
        !server.stderr().contains(KEY),
        "the key leaked into the logs:\n{}",
        server.stderr()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_rejects_bad_bodies_without_calling_the_upstream() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &["--max-body-bytes", "1024"]);
    let http = reqwest::Client::new();
    let url = format!("{}/v1/users/u1/tokens", server.rest);

    let not_json = http
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    problem(not_json.headers().get("content-type"));
    let detail: Value = not_json.json().await.unwrap();
    assert_eq!(detail["status"], 400);
    assert!(
        detail["detail"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{detail}"
    );

    let empty = http.post(&url).send().await.unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);

    let big = json!({"id": "x", "type": "static", "description": "d".repeat(2048)});
    let too_large = http.post(&url).json(&big).send().await.unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    problem(too_large.headers().get("content-type"));

    let missing = http
        .get(format!("{}/v1/nothing/here", server.rest))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    problem(missing.headers().get("content-type"));
    let wrong_method = http.put(&url).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);

    assert!(
        upstream.received().is_empty(),
        "bad requests reached the upstream: {:?}",
        upstream.received()
    );
    // The server keeps serving.
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_maps_an_unreachable_or_garbled_upstream_to_502_and_a_slow_one_to_504() {
    // A port that was free a moment ago: nothing listens there.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let server = Server::start(&format!("http://{closed}"), KEY, &[]);
    let http = reqwest::Client::new();
    let down = http
        .get(format!("{}/v1/users/u1/tokens", server.rest))
        .send()
        .await
        .unwrap();
    assert_eq!(down.status(), StatusCode::BAD_GATEWAY);
    problem(down.headers().get("content-type"));
    let text = down.text().await.unwrap();
    assert!(!text.contains(KEY));

    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &["--upstream-timeout", "300ms"]);
    let garbage = http
        .get(format!("{}/v1/users/garbage/tokens", server.rest))
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::BAD_GATEWAY);
    problem(garbage.headers().get("content-type"));
    let slow = http
        .get(format!("{}/v1/users/slow/tokens", server.rest))
        .send()
        .await
        .unwrap();
    assert_eq!(slow.status(), StatusCode::GATEWAY_TIMEOUT);
    problem(slow.headers().get("content-type"));
}

#[test]
fn a_missing_key_stops_start_up_with_one_line_naming_the_variable() {
    let output = Command::new(server::binary())
        .args(["--listen", &format!("{}=127.0.0.1:0", server::REST)])
        .env_remove("HUMANITEC_API_KEY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: environment variable HUMANITEC_API_KEY is not set"),
        "{stderr}"
    );
}

#[test]
fn unknown_namespaces_in_flags_are_usage_errors() {
    let output = Command::new(server::binary())
        .args(["--listen", "nope=127.0.0.1:0"])
        .env("HUMANITEC_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown namespace `nope`") && stderr.contains(server::REST),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fake_upstream_requires_a_bearer_token() {
    let upstream = FakeHumanitec::start(KEY).await;
    let http = reqwest::Client::new();
    let url = format!("{}/users/u1/tokens", upstream.url());
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        http.get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        http.get(&url)
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_server_gracefully_with_exit_code_0() {
    let upstream = FakeHumanitec::start(KEY).await;
    let mut server = Server::start(&upstream.url(), KEY, &[]);
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(format!("{}/v1/users/u/tokens", server.rest))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let status = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = server.wait_for_exit(std::time::Duration::from_secs(10));
    assert_eq!(code, Some(0), "stderr:\n{}", server.stderr());
}
