//! The official tutorial, generated from the shared corpus and served in-process: step 1 (mock
//! mode) and step 4 (file binds, a bound header value, bearer upstream and inbound
//! authentication, shaped outputs with arrays and nested objects) against a fake Maritime
//! Registry on loopback.

#[cfg(not(corpus))]
#[path = "../../src/skip.rs"]
mod skip;

#[cfg(not(corpus))]
#[test]
fn tutorial_steps() {
    skip::skip("the specs corpus is absent (../shared or $NAFTIKO_SHARED)");
}

#[cfg(corpus)]
mod tutorial {
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};

    use axum::extract::{Path, Query, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use naftiko_corpus::corpus::c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_4_shipyard_output_shaping_yml as step4;
    use naftiko_runtime::inbound::Guard;
    use serde_json::{Value, json};

    type Seen = Arc<Mutex<Vec<HeaderMap>>>;

    fn ships() -> Value {
        json!([
            {"imo_number": "IMO-9321483", "vessel_name": "Northern Star", "vessel_type": "bulk_carrier",
             "flag_code": "NO", "operational_status": "active", "year_built": 2008,
             "gross_tonnage": 32000.5, "dimensions": {"length_overall": 190.0}},
            {"imo_number": "IMO-9400001", "vessel_name": "Sea Lark", "vessel_type": "tanker",
             "flag_code": "PA", "operational_status": "maintenance", "year_built": 2015,
             "gross_tonnage": 45000, "dimensions": {}},
            {"imo_number": "IMO-BROKEN", "vessel_name": 42, "operational_status": "active"}
        ])
    }

    /// The registry: `/ships` (filtered by `status`) and `/ships/{imo}`, recording headers.
    async fn registry() -> (String, Seen) {
        let seen: Seen = Arc::default();
        let app = axum::Router::new()
            .route(
                "/ships",
                axum::routing::get(
                    |State(seen): State<Seen>, headers: HeaderMap, Query(q): Query<Vec<(String, String)>>| async move {
                        seen.lock().unwrap().push(headers);
                        let status = q.iter().find(|(k, _)| k == "status").map(|(_, v)| v.clone());
                        let all = ships().as_array().unwrap().clone();
                        let listed: Vec<Value> = all
                            .into_iter()
                            .filter(|s| s["imo_number"] != "IMO-BROKEN")
                            .filter(|s| status.as_ref().is_none_or(|st| s["operational_status"] == *st))
                            .collect();
                        axum::Json(Value::Array(listed))
                    },
                ),
            )
            .route(
                "/ships/{imo}",
                axum::routing::get(|State(seen): State<Seen>, headers: HeaderMap, Path(imo): Path<String>| async move {
                    seen.lock().unwrap().push(headers);
                    match ships().as_array().unwrap().iter().find(|s| s["imo_number"] == imo.as_str()) {
                        Some(ship) => axum::Json(ship.clone()).into_response(),
                        None => (StatusCode::NOT_FOUND, axum::Json(json!({"error": "no such ship"}))).into_response(),
                    }
                }),
            )
            .with_state(seen.clone());
        (serve(app).await, seen)
    }

    async fn serve(app: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn tutorial_dir() -> PathBuf {
        let shared = std::env::var_os("NAFTIKO_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
        shared.join("specs-corpus/official-naftiko-framework-v1.0.0-alpha2/tutorial")
    }

    /// `tools/call` over the stateless MCP endpoint: the HTTP status and the JSON-RPC result.
    async fn call(url: &str, token: Option<&str>, tool: &str, args: Value) -> (u16, Value) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": args}});
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
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str::<Value>(&text)
                .map(|v| v["result"].clone())
                .unwrap_or(Value::Null),
        )
    }

    /// Step 1, mock mode: no upstream at all; the tool answers its fixed outputs, one of them
    /// made from the argument.
    #[tokio::test]
    async fn tutorial_step_1() {
        use naftiko_corpus::corpus::c_official_naftiko_framework_v1_0_0_alpha2_tutorial_step_1_shipyard_mock_yml as step1;
        let options = step1::UpstreamOptions::default();
        let bound = step1::Bound::read(&options).unwrap();
        let upstreams = Arc::new(step1::Upstreams::from_bound(&options, &bound).unwrap());
        let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
        let url = serve(step1::mcp::shipyard_tools::router(upstreams, config)).await;
        let (status, result) =
            call(&url, None, "get-ship", json!({"imo_number": "IMO-9321483"})).await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(
            result["structuredContent"],
            json!({"imo": "IMO-9321483", "name": "Northern Star", "type": "cargo", "flag": "NO", "status": "active"})
        );
        // The required argument is still checked.
        let (_, result) = call(&url, None, "get-ship", json!({})).await;
        assert_eq!(result, Value::Null, "a JSON-RPC error, not a result");
    }

    #[tokio::test]
    async fn tutorial_step_4() {
        let (upstream, seen) = registry().await;
        let mut options = step4::UpstreamOptions {
            spec_dir: tutorial_dir(),
            ..Default::default()
        };
        options.base_urls.insert("registry".into(), upstream);
        let bound = step4::Bound::read(&options).unwrap();
        let upstreams = Arc::new(step4::Upstreams::from_bound(&options, &bound).unwrap());
        let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
        let guard = Guard::Bearer(bound.mcp_server_token.clone());
        let url = serve(step4::mcp::shipyard_tools::router(upstreams, config, guard)).await;
        let token = bound.mcp_server_token.expose().to_owned();

        // Without the server token: 401, and nothing reaches the registry.
        assert_eq!(call(&url, None, "list-ships", json!({})).await.0, 401);
        assert!(seen.lock().unwrap().is_empty());

        // An array of shaped items, wrapped as `result` in structuredContent.
        let (status, result) = call(
            &url,
            Some(&token),
            "list-ships",
            json!({"status": "active"}),
        )
        .await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["isError"], false, "{result}");
        let listed = &result["structuredContent"]["result"];
        assert_eq!(
            listed,
            &json!([{"imo": "IMO-9321483", "name": "Northern Star", "type": "bulk_carrier", "flag": "NO", "status": "active"}])
        );
        // The bound token and the bound header value went upstream.
        let headers = seen.lock().unwrap().last().unwrap().clone();
        assert_eq!(headers["authorization"], "Bearer dummy-token");
        assert_eq!(headers["registry-version"], "1.0.0-alpha2");

        // Nested objects read from the root; a missing value is null.
        let (_, result) = call(
            &url,
            Some(&token),
            "get-ship",
            json!({"imo": "IMO-9400001"}),
        )
        .await;
        let ship = &result["structuredContent"];
        assert_eq!(ship["imo"], "IMO-9400001");
        assert_eq!(
            ship["specs"],
            json!({"yearBuilt": 2015.0, "tonnage": 45000.0, "length": null})
        );

        // The upstream's 404 is a tool error with its status and body.
        let (_, result) = call(&url, Some(&token), "get-ship", json!({"imo": "IMO-0"})).await;
        assert_eq!(result["isError"], true, "{result}");
        assert_eq!(result["structuredContent"]["status"], 404);

        // A value of the wrong type is a tool error naming the path, never a silent null.
        let (_, result) = call(&url, Some(&token), "get-ship", json!({"imo": "IMO-BROKEN"})).await;
        assert_eq!(result["isError"], true, "{result}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(text.contains("`$.vessel_name` is not a string"), "{text}");
    }
}
