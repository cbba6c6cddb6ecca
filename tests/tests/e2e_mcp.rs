//! The generated server's MCP adapter, driven by the official Rust SDK's client over streamable
//! HTTP, with the legacy handshake and with the 2026-07-28 stateless revision.

use naftiko_tests::fake_humanitec::FakeHumanitec;
use naftiko_tests::server::Server;
use rmcp::model::{CallToolRequestParams, CallToolResult, ErrorCode, ProtocolVersion};
use rmcp::service::{
    ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService, ServiceError,
};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};

const KEY: &str = "hum-secret-key-4711";

async fn connect(url: &str, lifecycle: ClientLifecycleMode) -> RunningService<RoleClient, ()> {
    let transport = StreamableHttpClientTransport::from_uri(url.to_owned());
    ().serve_with_lifecycle(transport, lifecycle)
        .await
        .expect("MCP client connects")
}

async fn call(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    args: Value,
) -> Result<CallToolResult, ServiceError> {
    let Value::Object(args) = args else {
        panic!("arguments must be an object")
    };
    let mut params = CallToolRequestParams::new(tool.to_owned());
    params.arguments = Some(args);
    client.call_tool(params).await
}

fn invalid_params(result: Result<CallToolResult, ServiceError>) -> String {
    match result {
        Err(ServiceError::McpError(e)) => {
            assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{e:?}");
            e.message.into_owned()
        }
        other => panic!("expected JSON-RPC -32602, got {other:?}"),
    }
}

async fn drive_all_four_tools(mode: ClientLifecycleMode, path: &str, expected: ProtocolVersion) {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let client = connect(&format!("{}{path}", server.mcp), mode).await;
    let info = client.peer_info().expect("the server introduced itself");
    assert_eq!(info.protocol_version, expected);
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("humanitec-tokeninfo-mcp")
    );
    assert!(
        info.instructions
            .as_deref()
            .unwrap_or_default()
            .starts_with("MCP adapter for Humanitec API")
    );

    // tools/list: names, descriptions, schemas and annotations from the spec.
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "lists-tokens-associated-user",
            "creates-new-static-token-user",
            "gets-specific-token-associated-user",
            "deletes-specific-token-associated-user"
        ]
    );
    let create = &tools[1];
    assert_eq!(
        create.description.as_deref(),
        Some("Creates a new static token for a user.")
    );
    let schema = Value::Object((*create.input_schema).clone());
    assert_eq!(schema["properties"]["userId"]["type"], "string");
    assert_eq!(
        schema["properties"]["userId"]["description"],
        "The user ID."
    );
    assert_eq!(schema["properties"]["body"]["type"], "object");
    assert_eq!(schema["required"], json!(["userId", "body"]));
    let delete = tools[3].annotations.as_ref().unwrap();
    assert_eq!(
        (
            delete.read_only_hint,
            delete.destructive_hint,
            delete.idempotent_hint,
            delete.open_world_hint
        ),
        (Some(false), Some(true), Some(true), Some(true))
    );
    let list = tools[0].annotations.as_ref().unwrap();
    assert_eq!(
        (list.read_only_hint, list.destructive_hint),
        (Some(true), Some(false))
    );

    // Create, list, get, delete — each reaching the upstream with the key and an encoded path.
    let definition = json!({"id": "ci", "type": "static"});
    let created = call(
        &client,
        "creates-new-static-token-user",
        json!({"userId": "a/b c", "body": definition}),
    )
    .await
    .unwrap();
    assert_eq!(created.is_error, Some(false));
    let structured = created.structured_content.clone().unwrap();
    assert!(structured["token"].as_str().unwrap().starts_with("hum_"));
    assert_eq!(
        text_copy(&created),
        structured,
        "a text copy accompanies structuredContent"
    );
    let got = upstream.last();
    assert_eq!(
        (got.method.as_str(), got.path.as_str()),
        ("POST", "/users/a%2Fb%20c/tokens")
    );
    assert_eq!(
        got.authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&got.body).unwrap(),
        definition
    );

    let listed = call(
        &client,
        "lists-tokens-associated-user",
        json!({"userId": "a/b c"}),
    )
    .await
    .unwrap();
    let text = text_copy(&listed);
    let listed = listed.structured_content.unwrap();
    assert_eq!(
        listed["result"][0]["id"], "ci",
        "an array result is wrapped in an object: {listed}"
    );
    assert_eq!(text, listed, "the text copy is wrapped the same way");

    let one = call(
        &client,
        "gets-specific-token-associated-user",
        json!({"userId": "a/b c", "tokenId": "ci"}),
    )
    .await
    .unwrap();
    assert_eq!(one.structured_content.unwrap()["type"], "static");
    assert_eq!(upstream.last().path, "/users/a%2Fb%20c/tokens/ci");

    let deleted = call(
        &client,
        "deletes-specific-token-associated-user",
        json!({"userId": "a/b c", "tokenId": "ci"}),
    )
    .await
    .unwrap();
    assert_eq!(deleted.is_error, Some(false));
    assert_eq!(upstream.last().method, "DELETE");

    // An upstream error is a tool error carrying status and body.
    let missing = call(
        &client,
        "gets-specific-token-associated-user",
        json!({"userId": "a/b c", "tokenId": "ci"}),
    )
    .await
    .unwrap();
    assert_eq!(missing.is_error, Some(true));
    let error = missing.structured_content.unwrap();
    assert_eq!(error["status"], 404);
    assert_eq!(error["body"]["error"], "API-404");

    // Unknown tool and bad arguments are JSON-RPC -32602, and nothing reaches the upstream.
    let before = upstream.received().len();
    assert!(
        invalid_params(call(&client, "no-such-tool", json!({})).await).contains("no-such-tool")
    );
    assert!(
        invalid_params(call(&client, "lists-tokens-associated-user", json!({})).await)
            .contains("userId")
    );
    assert!(
        invalid_params(
            call(
                &client,
                "lists-tokens-associated-user",
                json!({"userId": 7})
            )
            .await
        )
        .contains("string")
    );
    assert!(
        invalid_params(
            call(
                &client,
                "lists-tokens-associated-user",
                json!({"userId": "u", "extra": 1})
            )
            .await
        )
        .contains("extra")
    );
    assert_eq!(upstream.received().len(), before);

    assert!(!server.stderr().contains(KEY));
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_with_the_legacy_handshake_at_mcp() {
    drive_all_four_tools(
        ClientLifecycleMode::Initialize,
        "/mcp",
        ProtocolVersion::V_2025_11_25,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_with_the_2026_07_28_stateless_revision_at_the_root() {
    let mode = ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    };
    drive_all_four_tools(mode, "/", ProtocolVersion::V_2026_07_28).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_refuses_foreign_origins_and_hosts() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let http = reqwest::Client::new();
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
    });
    let post = |origin: Option<&str>, host: Option<&str>| {
        let mut request = http
            .post(format!("{}/mcp", server.mcp))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(o) = origin {
            request = request.header("origin", o);
        }
        if let Some(h) = host {
            request = request.header("host", h);
        }
        request.send()
    };
    assert_eq!(
        post(Some("https://evil.example"), None)
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post(None, Some("evil.example")).await.unwrap().status(),
        403
    );
    assert_eq!(post(None, None).await.unwrap().status(), 200);
}

/// The tool result's text block, read as JSON.
fn text_copy(result: &rmcp::model::CallToolResult) -> serde_json::Value {
    let [block] = result.content.as_slice() else {
        panic!("one text block expected: {result:?}")
    };
    let text = &block.as_text().expect("a text block").text;
    serde_json::from_str(text).expect("the text block is JSON")
}

/// A plain `tools/call` is answered without rmcp's per-request machinery; the answer is the one
/// rmcp gives. The same calls with `_meta` in their parameters go through rmcp: both answers
/// must be the same, byte for byte once parsed, for results, tool errors and protocol errors.
#[tokio::test(flavor = "multi_thread")]
async fn plain_tool_calls_are_answered_as_rmcp_answers_them() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let http = reqwest::Client::new();
    let post = |id: Value, params: Value, request_id: &str| {
        http.post(format!("{}/mcp", server.mcp))
            .header("accept", "application/json, text/event-stream")
            .header("x-request-id", request_id)
            .json(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}))
            .send()
    };
    let calls = [
        (
            json!(1),
            json!({"name": "lists-tokens-associated-user", "arguments": {"userId": "u1"}}),
        ),
        (
            json!("s-2"),
            json!({"name": "gets-specific-token-associated-user", "arguments": {"userId": "u1", "tokenId": "nope"}}),
        ),
        (
            json!(3),
            json!({"name": "gets-specific-token-associated-user", "arguments": {"userId": "u1"}}),
        ),
        (json!(4), json!({"name": "no-such-tool", "arguments": {}})),
        (
            json!(5),
            json!({"name": "lists-tokens-associated-user", "arguments": {"userId": "u1", "extra": 1}}),
        ),
    ];
    for (id, params) in calls {
        let direct = post(id.clone(), params.clone(), "direct-1").await.unwrap();
        let mut with_meta = params.clone();
        with_meta["_meta"] = json!({});
        let through_rmcp = post(id.clone(), with_meta, "rmcp-1").await.unwrap();
        assert_eq!(direct.status(), through_rmcp.status(), "{params}");
        assert_eq!(
            direct.headers()["content-type"],
            through_rmcp.headers()["content-type"]
        );
        assert_eq!(direct.headers()["x-request-id"], "direct-1");
        let direct: Value = direct.json().await.unwrap();
        let through_rmcp: Value = through_rmcp.json().await.unwrap();
        assert_eq!(direct, through_rmcp, "{params}");
        assert_eq!(direct["id"], id);
    }
    // The request id travels upstream on the short way too.
    let seen: Vec<_> = upstream
        .received()
        .into_iter()
        .filter_map(|r| r.header("x-request-id").map(str::to_owned))
        .collect();
    assert!(seen.iter().any(|id| id == "direct-1"), "{seen:?}");
    assert!(seen.iter().any(|id| id == "rmcp-1"), "{seen:?}");
}
