//! The official test fixtures (`test-fixtures/` of the alpha2 corpus), generated from the shared
//! corpus and served in-process against a recording upstream.

#[cfg(not(corpus))]
#[path = "../../src/skip.rs"]
mod skip;

#[cfg(not(corpus))]
#[test]
fn official_fixtures() {
    skip::skip("the specs corpus is absent (../shared or $NAFTIKO_SHARED)");
}

#[cfg(corpus)]
mod common;

#[cfg(corpus)]
mod fixtures {
    use std::sync::Arc;

    use serde_json::{Value, json};

    use super::common::{last, recorder, rpc, serve};

    async fn post(url: String, body: Value) -> (u16, String) {
        let response = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Exposed body inputs with `value: $.user.id` read nested fields of the request body; the
    /// raw body template upstream is built as JSON.
    #[tokio::test]
    async fn body_values_are_read_from_their_json_paths() {
        use naftiko_corpus::corpus::c_official_naftiko_framework_v1_0_0_alpha2_test_fixtures_http_http_body_capability_yaml as fixture;
        let (upstream, seen) = recorder().await;
        let mut options = fixture::UpstreamOptions::default();
        options.base_urls.insert("testns".into(), upstream);
        let upstreams = Arc::new(fixture::Upstreams::from_env(&options).unwrap());
        let url = serve(fixture::rest::test_http_body::router(upstreams)).await;

        let (status, body) = post(
            format!("{url}/users"),
            json!({"user": {"id": "u-1", "name": "Ann \"A\""}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let got = last(&seen);
        assert_eq!(got.path_and_query, "/create");
        assert_eq!(got.json(), json!({"id": "u-1", "name": "Ann \"A\""}));

        // A value the spec reads that the body does not have: 400 naming its path.
        let (status, body) = post(format!("{url}/users"), json!({"user": {"id": "u-1"}})).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("$.user.name"), "{body}");
    }

    /// Resources (a fixed URI and a URI template, read through their calls) and prompts
    /// (templates of their arguments).
    #[tokio::test]
    async fn mcp_resources_and_prompts() {
        use naftiko_corpus::corpus::c_official_naftiko_framework_v1_0_0_alpha2_test_fixtures_mcp_mcp_resources_prompts_capability_yaml as fixture;
        let (upstream, seen) = recorder().await;
        let mut options = fixture::UpstreamOptions::default();
        options.base_urls.insert("mock-api".into(), upstream);
        let upstreams = Arc::new(fixture::Upstreams::from_env(&options).unwrap());
        let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
        let url = serve(fixture::mcp::test_mcp_resources_prompts::router(
            upstreams, config,
        ))
        .await;

        let listed = rpc(&url, "resources/list", json!({})).await.unwrap();
        assert_eq!(
            listed["resources"][0]["uri"],
            "data://databases/pre-release/schema"
        );
        assert_eq!(listed["resources"][0]["mimeType"], "application/json");
        assert_eq!(listed["resources"].as_array().map(Vec::len), Some(1));
        let templates = rpc(&url, "resources/templates/list", json!({}))
            .await
            .unwrap();
        assert_eq!(
            templates["resourceTemplates"][0]["uriTemplate"],
            "data://users/{userId}/profile"
        );

        let read = rpc(
            &url,
            "resources/read",
            json!({"uri": "data://databases/pre-release/schema"}),
        )
        .await
        .unwrap();
        assert_eq!(
            read["contents"][0]["uri"],
            "data://databases/pre-release/schema"
        );
        assert_eq!(read["contents"][0]["mimeType"], "application/json");
        let text = read["contents"][0]["text"].as_str().unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(text).unwrap(),
            json!({"ok": true})
        );
        let got = last(&seen);
        assert_eq!(got.path_and_query, "/databases/test-db-id-123/query");
        assert_eq!(got.method, "POST");

        // The template's variable feeds the call; percent-encoded text is decoded once.
        rpc(
            &url,
            "resources/read",
            json!({"uri": "data://users/u%207/profile"}),
        )
        .await
        .unwrap();
        assert_eq!(last(&seen).path_and_query, "/databases/u%207/query");
        let missing = rpc(
            &url,
            "resources/read",
            json!({"uri": "data://users//profile"}),
        )
        .await;
        assert!(missing.is_err(), "{missing:?}");
        let missing = rpc(&url, "resources/read", json!({"uri": "data://nothing"})).await;
        assert!(
            missing.unwrap_err()["message"]
                .as_str()
                .unwrap()
                .contains("no resource")
        );

        let prompts = rpc(&url, "prompts/list", json!({})).await.unwrap();
        assert_eq!(prompts["prompts"][0]["name"], "participant-outreach");
        assert_eq!(prompts["prompts"][0]["arguments"][0]["required"], true);
        let prompt = rpc(
            &url,
            "prompts/get",
            json!({"name": "summary-prompt", "arguments": {"data": "a, b"}}),
        )
        .await
        .unwrap();
        let messages = prompt["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 3);
        assert_eq!(messages[0]["role"], "user");
        assert_eq!(
            messages[0]["content"]["text"],
            "Summarize the following data in  format:\n\na, b"
        );
        assert_eq!(messages[1]["role"], "assistant");
        let error = rpc(
            &url,
            "prompts/get",
            json!({"name": "participant-outreach", "arguments": {}}),
        )
        .await
        .unwrap_err();
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("participant_name"),
            "{error}"
        );
    }

    /// `transport: stdio`: newline-delimited JSON-RPC over a pipe, as an MCP client that starts
    /// the server speaks it; closing the client's end stops the server.
    #[tokio::test]
    async fn mcp_over_standard_input_and_output() {
        use naftiko_corpus::corpus::c_official_naftiko_framework_v1_0_0_alpha2_test_fixtures_mcp_mcp_stdio_capability_yaml as fixture;
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

        let (upstream, seen) = recorder().await;
        let mut options = fixture::UpstreamOptions::default();
        options.base_urls.insert("mock-api".into(), upstream);
        let upstreams = Arc::new(fixture::Upstreams::from_env(&options).unwrap());
        let server = fixture::mcp::test_mcp_stdio::Server::new(upstreams);
        let (client, served) = tokio::io::duplex(1 << 16);
        let (server_read, server_write) = tokio::io::split(served);
        let shutdown = tokio_util::sync::CancellationToken::new();
        let serving = tokio::spawn(naftiko_runtime::mcp::serve_io(
            "test-mcp-stdio",
            server,
            (server_read, server_write),
            shutdown.clone(),
        ));
        let (client_read, mut client_write) = tokio::io::split(client);
        let mut lines = BufReader::new(client_read).lines();
        let mut send = async |message: Value| {
            client_write
                .write_all(format!("{message}\n").as_bytes())
                .await
                .unwrap();
        };
        send(
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "conformance", "version": "1"}}}),
        )
        .await;
        let initialized: Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(
            initialized["result"]["serverInfo"]["name"],
            "test-mcp-stdio"
        );
        send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "query-database", "arguments": {}}}))
        .await;
        let called: Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        assert_eq!(called["id"], 2);
        assert_eq!(called["result"]["isError"], false, "{called}");
        assert_eq!(called["result"]["structuredContent"], json!({"result": []}));
        assert_eq!(
            last(&seen).path_and_query,
            "/databases/test-db-id-123/query"
        );

        // The client goes away: the server stops, and asks the process to stop.
        drop(client_write);
        drop(lines);
        tokio::time::timeout(std::time::Duration::from_secs(10), serving)
            .await
            .expect("the server stops")
            .unwrap()
            .unwrap();
        assert!(shutdown.is_cancelled());
    }

    /// `forward`: any method, the path after the resource's prefix, the query and the body go to
    /// the consumed API with its fixed headers; only `Content-Type` and trusted headers pass.
    #[tokio::test]
    async fn forward_passes_requests_on() {
        use naftiko_corpus::corpus::c_official_naftiko_framework_v1_0_0_alpha2_test_fixtures_http_http_forward_value_capability_yaml as fixture;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let (upstream, seen) = recorder().await;
        let mut options = fixture::UpstreamOptions::default();
        options.base_urls.insert("external".into(), upstream);
        let upstreams = Arc::new(fixture::Upstreams::from_env(&options).unwrap());
        let url = serve(fixture::rest::sample::router(upstreams)).await;

        let response = reqwest::Client::new()
            .put(format!("{url}/forward/items/a%20b?x=1&y=2"))
            .header("content-type", "text/plain")
            .header("x-internal", "secret")
            .body("payload")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.text().await.unwrap(), r#"{"ok":true}"#);
        let got = last(&seen);
        assert_eq!(got.method, "PUT");
        assert_eq!(got.path_and_query, "/items/a%20b?x=1&y=2");
        assert_eq!(got.text(), "payload");
        assert_eq!(got.header("content-type"), "text/plain");
        assert_eq!(got.header("x-api-version"), "2026-03-03");
        assert_eq!(
            got.header("x-internal"),
            "",
            "untrusted headers are dropped"
        );

        // Dot segments would leave the API's base path: refused before anything is sent.
        let before = seen.lock().unwrap().len();
        let mut stream = tokio::net::TcpStream::connect(url.trim_start_matches("http://"))
            .await
            .unwrap();
        stream
            .write_all(b"GET /forward/%2e%2e/admin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert_eq!(seen.lock().unwrap().len(), before);
    }

    /// A fixed header from the consumes level, and a query value from a body input.
    #[tokio::test]
    async fn fixed_headers_and_query_values_from_the_body() {
        use naftiko_corpus::corpus::c_official_naftiko_framework_v1_0_0_alpha2_test_fixtures_http_http_header_query_capability_yaml as fixture;
        let (upstream, seen) = recorder().await;
        let mut options = fixture::UpstreamOptions::default();
        options.base_urls.insert("testns".into(), upstream);
        let upstreams = Arc::new(fixture::Upstreams::from_env(&options).unwrap());
        let url = serve(fixture::rest::test_http::router(upstreams)).await;

        let (status, body) = post(format!("{url}/search"), json!({"user": {"id": "a b&c"}})).await;
        assert_eq!(status, 200, "{body}");
        let got = last(&seen);
        assert_eq!(got.path_and_query, "/items?q=a+b%26c");
        assert_eq!(got.header("x-api-key"), "ABC123");
    }
}
