//! The generated server under hostile requests: values that would change the structure of what
//! goes upstream, requests from other origins and hosts, malformed JSON-RPC. Each gets the right
//! status and a typed body, the upstream sees nothing it should not, and the server keeps running.

use naftiko_tests::fake_humanitec::FakeHumanitec;
use naftiko_tests::raw;
use naftiko_tests::server::{MCP, REST, Server, binary};
use rmcp::model::{CallToolRequestParams, ErrorCode};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};

const KEY: &str = "hum-secret-key-4711";

#[tokio::test(flavor = "multi_thread")]
async fn a_rest_path_value_stays_one_segment() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    // Dot segments, raw or encoded, are never sent: 400, naming the parameter.
    for target in [
        "/v1/users/alice/tokens/%2e%2e",
        "/v1/users/alice/tokens/%2E",
        "/v1/users/../tokens",
        "/v1/users/./tokens",
    ] {
        let method = if target.ends_with("tokens") {
            "GET"
        } else {
            "DELETE"
        };
        let answer = raw::request(&server.rest, method, target, &[], "").await;
        assert_eq!(answer.status, 400, "{target}: {answer:?}");
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json")
        );
        assert!(
            answer.body.contains("cannot be `."),
            "{target}: {}",
            answer.body
        );
    }
    // An empty value would name another resource (the user's tokens, not one token).
    let answer = raw::request(&server.rest, "GET", "/v1/users//tokens", &[], "").await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(answer.body.contains("cannot be empty"), "{}", answer.body);
    assert!(upstream.received().is_empty(), "{:?}", upstream.received());

    // Any other text is one segment upstream, every reserved character encoded.
    for (sent, upstream_path) in [
        ("a%2Fb", "/users/a%2Fb/tokens"),
        ("a%3Fb%23c%25d", "/users/a%3Fb%23c%25d/tokens"),
        ("line%0D%0Abreak%00", "/users/line%0D%0Abreak%00/tokens"),
        ("...", "/users/.../tokens"),
    ] {
        let target = format!("/v1/users/{sent}/tokens");
        let answer = raw::request(&server.rest, "GET", &target, &[], "").await;
        assert_eq!(answer.status, 200, "{target}: {answer:?}");
        assert_eq!(upstream.last().path, upstream_path);
    }
    // A long value is one segment too, up to the longest request target (8 KiB: 414 past it,
    // and nothing is sent).
    let long = "x".repeat(8_000);
    let answer = raw::request(
        &server.rest,
        "GET",
        &format!("/v1/users/{long}/tokens"),
        &[],
        "",
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(upstream.last().path, format!("/users/{long}/tokens"));
    let sent = upstream.received().len();
    let longer = "x".repeat(10_000);
    let target = format!("/v1/users/{longer}/tokens");
    let answer = raw::request(&server.rest, "GET", &target, &[], "").await;
    assert_eq!(answer.status, 414, "{}", answer.body);
    assert_eq!(upstream.received().len(), sent);
    // The server is still serving.
    let answer = raw::request(&server.rest, "GET", "/healthz", &[], "").await;
    assert_eq!(answer.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mcp_path_argument_stays_one_segment() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let transport = StreamableHttpClientTransport::from_uri(format!("{}/mcp", server.mcp));
    let client =
        ().serve_with_lifecycle(transport, ClientLifecycleMode::Initialize)
            .await
            .expect("connect");
    let call = |tool: &str, args: Value| {
        let mut params = CallToolRequestParams::new(tool.to_owned());
        params.arguments = args.as_object().cloned();
        client.call_tool(params)
    };
    for token in ["..", ".", ""] {
        let args = json!({"userId": "alice", "tokenId": token});
        match call("deletes-specific-token-associated-user", args).await {
            Err(ServiceError::McpError(e)) => {
                assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{e:?}");
                assert!(e.message.contains("`tokenId`"), "{}", e.message);
            }
            other => panic!("{token:?}: expected -32602, got {other:?}"),
        }
    }
    assert!(upstream.received().is_empty(), "{:?}", upstream.received());
    let listed = call("lists-tokens-associated-user", json!({"userId": "a/b?c"}))
        .await
        .unwrap();
    assert_ne!(listed.is_error, Some(true), "{listed:?}");
    assert_eq!(upstream.last().path, "/users/a%2Fb%3Fc/tokens");
    // The schemas say so too.
    let tools = client.list_all_tools().await.unwrap();
    let schema = Value::Object((*tools[3].input_schema).clone());
    assert_eq!(schema["properties"]["tokenId"]["minLength"], 1, "{schema}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rest_adapter_answers_its_own_host_and_origin_and_json_only() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(
        &upstream.url(),
        KEY,
        &["--allowed-origin", "https://app.example"],
    );
    let own = server.rest.clone();
    let body = r#"{"id": "ci", "type": "static"}"#;
    // DNS rebinding: a name that is not this server's.
    let answer = raw::request(
        &own,
        "GET",
        "/v1/users/alice/tokens",
        &[("Host", "evil.example")],
        "",
    )
    .await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert!(answer.body.contains("--allowed-host"), "{}", answer.body);
    // A page of another origin posting without a preflight.
    let evil = [
        ("Origin", "http://evil.example"),
        ("Content-Type", "text/plain"),
    ];
    let answer = raw::request(&own, "POST", "/v1/users/alice/tokens", &evil, body).await;
    assert_eq!(answer.status, 403, "{answer:?}");
    // The same origin, as `text/plain`: not read as JSON.
    let origin = own.clone();
    let plain = [("Origin", origin.as_str()), ("Content-Type", "text/plain")];
    let answer = raw::request(&own, "POST", "/v1/users/alice/tokens", &plain, body).await;
    assert_eq!(answer.status, 415, "{answer:?}");
    assert!(upstream.received().is_empty(), "{:?}", upstream.received());
    // The same origin with JSON, and an allowed origin: created.
    let json_ct = [
        ("Origin", origin.as_str()),
        ("Content-Type", "application/json"),
    ];
    let answer = raw::request(&own, "POST", "/v1/users/alice/tokens", &json_ct, body).await;
    assert!(answer.status < 300, "{answer:?}");
    let app = [
        ("Origin", "https://app.example"),
        ("Content-Type", "application/json"),
    ];
    let other = r#"{"id": "ci-2", "type": "static"}"#;
    let answer = raw::request(&own, "POST", "/v1/users/alice/tokens", &app, other).await;
    assert!(answer.status < 300, "{answer:?}");
    // A 204 says nothing about a content type.
    let answer = raw::request(&own, "DELETE", "/v1/users/alice/tokens/ci", &[], "").await;
    assert_eq!(answer.status, 204, "{answer:?}");
    assert_eq!(answer.header("content-type"), None, "{answer:?}");
    // Probes ask by address: the operational routes answer any host.
    let answer = raw::request(&own, "GET", "/healthz", &[("Host", "10.0.0.7:8080")], "").await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_rpc_gets_json_rpc_errors() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let accept = ("Accept", "application/json, text/event-stream");
    let json_ct = ("Content-Type", "application/json");
    let error_code = |answer: &raw::Answer| -> i64 {
        let body: Value = serde_json::from_str(&answer.body).expect("a JSON body");
        body["error"]["code"].as_i64().expect("a JSON-RPC error")
    };
    let answer = raw::request(&server.mcp, "POST", "/mcp", &[accept, json_ct], "{bad").await;
    assert_eq!(
        (answer.status, error_code(&answer)),
        (400, -32700),
        "{answer:?}"
    );
    let batch = r#"[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]"#;
    let answer = raw::request(&server.mcp, "POST", "/mcp", &[accept, json_ct], batch).await;
    assert_eq!(
        (answer.status, error_code(&answer)),
        (400, -32600),
        "{answer:?}"
    );
    let answer = raw::request(&server.mcp, "POST", "/mcp", &[accept, json_ct], "42").await;
    assert_eq!(
        (answer.status, error_code(&answer)),
        (400, -32600),
        "{answer:?}"
    );
    let text = ("Content-Type", "text/plain");
    let ping = r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#;
    let answer = raw::request(&server.mcp, "POST", "/mcp", &[accept, text], ping).await;
    assert_eq!(answer.status, 415, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/json"));
    // Every error answer is typed: 405 for GET, 403 for another origin.
    let answer = raw::request(&server.mcp, "GET", "/mcp", &[accept], "").await;
    assert_eq!(answer.status, 405, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(answer.header("allow"), Some("POST"));
    let evil = ("Origin", "http://evil.example");
    let answer = raw::request(&server.mcp, "POST", "/mcp", &[accept, json_ct, evil], ping).await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    // Its own origin is welcome.
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    })
    .to_string();
    let own = ("Origin", server.mcp.as_str());
    let answer = raw::request(
        &server.mcp,
        "POST",
        "/mcp",
        &[accept, json_ct, own],
        &initialize,
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_log_line_per_request_without_colours() {
    let upstream = FakeHumanitec::start(KEY).await;
    let mut command = std::process::Command::new(binary());
    command
        .args(["--listen", &format!("{REST}=127.0.0.1:0")])
        .args(["--listen", &format!("{MCP}=127.0.0.1:0")])
        .args([
            "--upstream",
            &format!("humanitec-tokeninfo={}", upstream.url()),
        ])
        .env("HUMANITEC_API_KEY", KEY)
        .env_remove("RUST_LOG");
    let server = Server::spawn(command);
    let transport = StreamableHttpClientTransport::from_uri(format!("{}/mcp", server.mcp));
    let client =
        ().serve_with_lifecycle(transport, ClientLifecycleMode::Initialize)
            .await
            .expect("connect");
    let mut params = CallToolRequestParams::new("gets-specific-token-associated-user".to_owned());
    params.arguments = json!({"userId": "alice", "tokenId": ".."})
        .as_object()
        .cloned();
    assert!(client.call_tool(params).await.is_err());
    client.cancel().await.unwrap();
    let answer = raw::request(&server.rest, "GET", "/v1/users/alice/tokens", &[], "").await;
    assert_eq!(answer.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = server.stderr();
    assert!(
        !log.contains('\u{1b}'),
        "colours in a log that is not a terminal:\n{log}"
    );
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| !l.contains(" listening on"))
        .collect();
    let others: Vec<&&str> = lines
        .iter()
        .filter(|l| !l.contains("naftiko::request") && !l.contains("listening"))
        .collect();
    assert!(others.is_empty(), "lines besides one per request:\n{log}");
    // initialize, initialized, tools/call (MCP) and one REST request.
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("naftiko::request"))
            .count(),
        4,
        "{log}"
    );
}
