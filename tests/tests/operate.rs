//! Operating the generated server: health, readiness, metrics, OpenAPI, request ids and trace
//! context, one log line per request, configuration checks.

use std::process::Command;
use std::time::Duration;

use naftiko_tests::fake_humanitec::FakeHumanitec;
use naftiko_tests::server::{self, Server};
use reqwest::StatusCode;
use serde_json::{Value, json};

const KEY: &str = "hum-secret-key-4711";

#[tokio::test(flavor = "multi_thread")]
async fn health_readiness_and_openapi_answer_on_every_adapter() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let http = reqwest::Client::new();
    for base in [&server.rest, &server.mcp] {
        let health = http.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        let ready: Value = http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ready["status"], "ready", "{ready}");
        assert_eq!(ready["adapters"], json!({"bound": 2, "expected": 2}));
        assert_eq!(ready["variables"]["HUMANITEC_API_KEY"], "present");
        assert!(!ready.to_string().contains(KEY));
    }
    let openapi = http
        .get(format!("{}/openapi.json", server.rest))
        .send()
        .await
        .unwrap();
    assert_eq!(openapi.status(), StatusCode::OK);
    let openapi: Value = openapi.json().await.unwrap();
    assert_eq!(openapi["openapi"], "3.1.0");
    let on_disk: Value = serde_json::from_str(
        &std::fs::read_to_string(
            naftiko_tests::workspace_root()
                .join("generated-humanitec-tokeninfo/openapi/humanitec-tokeninfo-rest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        openapi, on_disk,
        "the served document is the one written into the crate"
    );
    let create = &openapi["paths"]["/v1/users/{userid}/tokens"]["post"];
    assert_eq!(create["operationId"], "createusertoken");
    assert_eq!(
        create["requestBody"]["content"]["application/json"]["schema"]["type"],
        "object"
    );
    assert_eq!(create["parameters"][0]["name"], "userid");
    assert!(
        upstream.received().is_empty(),
        "operational endpoints never call the upstream"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn readiness_can_check_that_upstreams_are_reachable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let server = Server::start(
        &format!("http://{closed}"),
        KEY,
        &["--ready-check-upstreams"],
    );
    let ready = reqwest::get(format!("{}/readyz", server.rest))
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["upstreams"]["humanitec-tokeninfo"], "unreachable");

    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &["--ready-check-upstreams"]);
    let ready = reqwest::get(format!("{}/readyz", server.rest))
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn request_ids_and_trace_context_reach_the_upstream_and_the_logs() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &["--log-format", "json"]);
    let http = reqwest::Client::new();
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    // An incoming id is kept, echoed and passed upstream with the trace context.
    let response = http
        .get(format!("{}/v1/users/secret-user-1/tokens", server.rest))
        .header("x-request-id", "req-123")
        .header("traceparent", traceparent)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "req-123");
    let got = upstream.last();
    assert_eq!(got.header("x-request-id"), Some("req-123"));
    assert_eq!(got.header("traceparent"), Some(traceparent));

    // Without one, an id is made up, echoed and passed upstream.
    let response = http
        .get(format!("{}/v1/users/u2/tokens/t1", server.rest))
        .send()
        .await
        .unwrap();
    let made = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!made.is_empty());
    assert_eq!(upstream.last().header("x-request-id"), Some(made.as_str()));

    // Through MCP too.
    let mcp = http
        .post(format!("{}/mcp", server.mcp))
        .header("accept", "application/json, text/event-stream")
        .header("x-request-id", "req-mcp-7")
        .header("traceparent", traceparent)
        .json(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "lists-tokens-associated-user", "arguments": {"userId": "u3"}}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        mcp.status(),
        StatusCode::OK,
        "{}",
        mcp.text().await.unwrap()
    );
    let got = upstream.last();
    assert_eq!(got.path, "/users/u3/tokens");
    assert_eq!(got.header("x-request-id"), Some("req-mcp-7"));
    assert_eq!(got.header("traceparent"), Some(traceparent));

    // One JSON log line per request, with the route template instead of the raw path.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let logs = server.stderr();
    let line = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["fields"]["request_id"] == "req-123")
        .unwrap_or_else(|| panic!("no log line for req-123:\n{logs}"));
    assert_eq!(line["fields"]["route"], "/v1/users/{userid}/tokens");
    assert_eq!(line["fields"]["method"], "GET");
    assert_eq!(line["fields"]["status"], 200);
    assert!(line["fields"]["latency_ms"].is_number());
    assert!(
        !logs.contains("secret-user-1"),
        "raw paths with ids stay out of the logs"
    );
    assert!(!logs.contains(KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_operations_tools_and_upstream_calls() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let http = reqwest::Client::new();
    for _ in 0..3 {
        http.get(format!("{}/v1/users/u1/tokens", server.rest))
            .send()
            .await
            .unwrap();
    }
    http.get(format!("{}/v1/users/u1/tokens/missing", server.rest))
        .send()
        .await
        .unwrap();
    http.post(format!("{}/mcp", server.mcp))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "gets-specific-token-associated-user", "arguments": {"userId": "u1", "tokenId": "nope"}}
        }))
        .send()
        .await
        .unwrap();
    let text = http
        .get(format!("{}/metrics", server.rest))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let has = |needle: &str| text.lines().any(|l| l.starts_with(needle));
    assert!(
        has(
            r#"naftiko_http_requests_total{adapter="humanitec-tokeninfo-rest",method="GET",route="/v1/users/{userid}/tokens",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(
        has(
            r#"naftiko_http_requests_total{adapter="humanitec-tokeninfo-rest",method="GET",route="/v1/users/{userid}/tokens/{tokenid}",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(
        has("naftiko_http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(
        has(
            r#"naftiko_upstream_requests_total{api="humanitec-tokeninfo",operation="listusertokens",status_class="2xx"} 3"#
        ),
        "{text}"
    );
    assert!(
        has(
            r#"naftiko_upstream_requests_total{api="humanitec-tokeninfo",operation="getusertoken",status_class="4xx"} 2"#
        ),
        "{text}"
    );
    assert!(
        has(
            r#"naftiko_mcp_tool_calls_total{adapter="humanitec-tokeninfo-mcp",tool="gets-specific-token-associated-user",outcome="tool_error"} 1"#
        ),
        "{text}"
    );
    assert!(has("naftiko_http_requests_in_flight{"), "{text}");
}

/// A request the client gives up on leaves the in-flight gauge as it found it.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_dropped_by_its_client_is_no_longer_in_flight() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    // The upstream waits a minute; the client gives up after 100 ms.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let gone = impatient
        .get(format!("{}/v1/users/delay-60000/tokens/t1", server.rest))
        .send()
        .await;
    assert!(gone.is_err(), "the client timed out");
    let gauge = r#"naftiko_http_requests_in_flight{adapter="humanitec-tokeninfo-rest"}"#;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = reqwest::get(format!("{}/metrics", server.rest))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // The `/metrics` request itself is in flight while it is answered.
        if text.lines().any(|l| l == format!("{gauge} 1")) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn check_config_validates_and_exits() {
    let ok = Command::new(server::binary())
        .args(["serve", "--check-config"])
        .env("HUMANITEC_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stderr).contains("configuration ok"));

    let missing = Command::new(server::binary())
        .args(["serve", "--check-config"])
        .env_remove("HUMANITEC_API_KEY")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let bad = Command::new(server::binary())
        .args([
            "serve",
            "--check-config",
            "--listen",
            &format!("{}=not-an-address", server::REST),
        ])
        .env("HUMANITEC_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not-an-address"));
    let bad_url = Command::new(server::binary())
        .args([
            "--check-config",
            "--upstream",
            "humanitec-tokeninfo=ftp://x",
        ])
        .env("HUMANITEC_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(bad_url.status.code(), Some(1));
}

#[test]
fn help_lists_every_flag_with_its_environment_variable() {
    let help = Command::new(server::binary())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for env in [
        "NAFTIKO_LISTEN",
        "NAFTIKO_UPSTREAM",
        "NAFTIKO_UPSTREAM_TIMEOUT",
        "NAFTIKO_MAX_BODY_BYTES",
        "NAFTIKO_ALLOWED_HOST",
        "NAFTIKO_ALLOWED_ORIGIN",
        "NAFTIKO_DRAIN_TIMEOUT",
        "NAFTIKO_READY_CHECK_UPSTREAMS",
        "NAFTIKO_LOG_FORMAT",
        "NAFTIKO_WORKER_THREADS",
    ] {
        assert!(text.contains(env), "{env} missing from --help:\n{text}");
    }
    assert!(text.contains("[default: 30s]"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_healthcheck_subcommand_probes_a_running_server() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let url = format!("{}/healthz", server.rest);
    let ok = Command::new(server::binary())
        .args(["healthcheck", "--url", &url])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let down = Command::new(server::binary())
        .args(["healthcheck", "--url", &format!("http://{closed}/healthz")])
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(1));
}
