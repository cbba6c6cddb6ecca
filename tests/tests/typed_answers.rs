//! The seed is generated with Humanitec's OpenAPI document
//! (`specs/humanitec-tokeninfo.openapi/humanitec-tokeninfo.yaml`): its MCP tools publish the
//! documented answers as `outputSchema`s and its `/openapi.json` types the 2xx answers. Against
//! the fake Humanitec, every answer validates against the schema published for it; an answer
//! over the answer budget is cut and still does.

use naftiko_tests::fake_humanitec::FakeHumanitec;
use naftiko_tests::server::Server;
use serde_json::{Value, json};

const KEY: &str = "hum-secret-key-4711";

/// The MCP revisions the server speaks: the handshake era's last and the stateless one.
const REVISIONS: [&str; 2] = ["2025-11-25", "2026-07-28"];

async fn rpc(url: &str, revision: &str, method: &str, mut params: Value) -> Value {
    if revision >= "2026-07-28" {
        // A stateless request says in itself what the handshake said.
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": revision,
            "io.modelcontextprotocol/clientCapabilities": {},
        });
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut request = reqwest::Client::new()
        .post(format!("{url}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", revision);
    if revision >= "2026-07-28" {
        request = request.header("mcp-method", method);
        if let Some(name) = params["name"].as_str() {
            request = request.header("mcp-name", name);
        }
    }
    let response = request.body(body.to_string()).send().await.unwrap();
    let text = response.text().await.unwrap();
    let answer: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(answer["error"].is_null(), "{revision} {method}: {answer}");
    answer["result"].clone()
}

fn complaints(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("a valid JSON Schema");
    validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_tool_answers_what_its_documented_output_schema_says() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    for revision in REVISIONS {
        tools_answer_their_output_schemas(&server.mcp, revision).await;
    }
}

async fn tools_answer_their_output_schemas(mcp: &str, revision: &str) {
    let listed = rpc(mcp, revision, "tools/list", json!({})).await;
    let schema = |name: &str| -> Value {
        listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["outputSchema"].clone())
            .unwrap_or(Value::Null)
    };
    // A bare array answer, wrapped as `result` in the schema as in the answer.
    let list = schema("lists-tokens-associated-user");
    assert_eq!(list["required"], json!(["result"]), "{list}");
    assert_eq!(list["properties"]["result"]["type"], "array");
    assert_eq!(
        list["properties"]["result"]["items"]["required"],
        json!(["created_by", "created_at", "type", "id", "description"])
    );
    // No `$ref`s: the documented schemas are inlined.
    assert!(!list.to_string().contains("$ref"), "{list}");
    // The body argument is what the document says a token definition is.
    let create = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "creates-new-static-token-user")
        .unwrap();
    let body = &create["inputSchema"]["properties"]["body"];
    assert_eq!(body["required"], json!(["id", "type"]), "{body}");
    // A delete answers 204 with no body, as the document says: its status is what it gives.
    let deleted = schema("deletes-specific-token-associated-user");
    assert_eq!(deleted["required"], json!(["status"]), "{deleted}");

    let calls = [
        (
            "creates-new-static-token-user",
            json!({"userId": "svc", "body": {"id": "ci", "type": "static", "description": "CI"}}),
        ),
        ("lists-tokens-associated-user", json!({"userId": "svc"})),
        (
            "gets-specific-token-associated-user",
            json!({"userId": "svc", "tokenId": "ci"}),
        ),
        (
            "deletes-specific-token-associated-user",
            json!({"userId": "svc", "tokenId": "ci"}),
        ),
    ];
    for (name, args) in calls {
        let result = rpc(
            mcp,
            revision,
            "tools/call",
            json!({"name": name, "arguments": args}),
        )
        .await;
        assert_ne!(result["isError"], true, "{revision} {name}: {result}");
        let content = &result["structuredContent"];
        assert!(content.is_object(), "{revision} {name}: {result}");
        assert_eq!(
            complaints(&schema(name), content),
            Vec::<String>::new(),
            "{revision} {name}: {content}"
        );
        if name.starts_with("deletes") {
            assert_eq!(content, &json!({"status": 204}), "{revision}");
        }
    }
    // The schema would notice a field gone missing.
    rpc(
        mcp,
        revision,
        "tools/call",
        json!({"name": "creates-new-static-token-user", "arguments": {"userId": "svc", "body": {"id": "ci", "type": "static", "description": "CI"}}}),
    )
    .await;
    let listed_tokens = rpc(
        mcp,
        revision,
        "tools/call",
        json!({"name": "lists-tokens-associated-user", "arguments": {"userId": "svc"}}),
    )
    .await;
    let mut broken = listed_tokens["structuredContent"].clone();
    assert_eq!(broken["result"][0]["id"], "ci", "{broken}");
    broken["result"][0]
        .as_object_mut()
        .unwrap()
        .remove("created_by");
    assert_eq!(
        complaints(&list, &broken).len(),
        1,
        "the schema is not vacuous"
    );
    rpc(
        mcp,
        revision,
        "tools/call",
        json!({"name": "deletes-specific-token-associated-user", "arguments": {"userId": "svc", "tokenId": "ci"}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn openapi_json_types_the_two_hundred_answers() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let client = reqwest::Client::new();
    let document: Value = serde_json::from_str(
        &client
            .get(format!("{}/openapi.json", server.rest))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let success = |path: &str, method: &str| -> Value {
        document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
            .clone()
    };
    let tokens = "/v1/users/{userid}/tokens";
    let token = "/v1/users/{userid}/tokens/{tokenid}";
    assert_eq!(success(tokens, "get")["type"], "array", "{document}");
    assert_eq!(
        success(tokens, "post")["required"],
        json!(["token"]),
        "{document}"
    );
    // The request body too, as the document types it.
    let body =
        &document["paths"][tokens]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["required"], json!(["id", "type"]), "{document}");
    let auth = format!("Bearer {KEY}");
    let created = client
        .post(format!("{}/v1/users/svc/tokens", server.rest))
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body(r#"{"id": "ci", "type": "static"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let created: Value = serde_json::from_str(&created.text().await.unwrap()).unwrap();
    assert_eq!(
        complaints(&success(tokens, "post"), &created),
        Vec::<String>::new()
    );
    for (path, url) in [
        (tokens, "/v1/users/svc/tokens"),
        (token, "/v1/users/svc/tokens/ci"),
    ] {
        let answer = client
            .get(format!("{}{url}", server.rest))
            .header("authorization", &auth)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{url}");
        let answer: Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
        assert_eq!(
            complaints(&success(path, "get"), &answer),
            Vec::<String>::new(),
            "{url}: {answer}"
        );
    }
}

/// An upstream that answers outside Humanitec's document: the token list as a bare string (a
/// value that must not reach the logs), and a delete with a body.
async fn undocumented_upstream() -> (String, tokio::task::JoinHandle<()>) {
    let app = axum::Router::new()
        .route(
            "/users/{user}/tokens",
            axum::routing::get(|| async {
                (
                    [("content-type", "application/json")],
                    r#""tok-s3cr3t-4711""#,
                )
            }),
        )
        .route(
            "/users/{user}/tokens/{token}",
            axum::routing::delete(|| async {
                (
                    [("content-type", "application/json")],
                    r#"{"deleted":true}"#,
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, task)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_undocumented_answer_is_passed_on_logged_and_counted() {
    let (url, _upstream) = undocumented_upstream().await;
    let server = Server::start(&url, KEY, &[]);
    let client = reqwest::Client::new();
    let auth = format!("Bearer {KEY}");
    let listed = client
        .get(format!("{}/v1/users/svc/tokens", server.rest))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.text().await.unwrap(), r#""tok-s3cr3t-4711""#);
    let deleted = client
        .delete(format!("{}/v1/users/svc/tokens/ci", server.rest))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(deleted.text().await.unwrap(), r#"{"deleted":true}"#);
    // Over MCP, the delete's answer with a body is passed on as such.
    let result = rpc(
        &server.mcp,
        "2025-11-25",
        "tools/call",
        json!({"name": "deletes-specific-token-associated-user", "arguments": {"userId": "svc", "tokenId": "ci"}}),
    )
    .await;
    assert_ne!(result["isError"], true, "{result}");
    assert_eq!(result["structuredContent"], json!({"deleted": true}));

    let metrics = client
        .get(format!("{}/metrics", server.rest))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (operation, count) in [("listusertokens", 1), ("deleteusertoken", 2)] {
        let line = format!(
            r#"naftiko_upstream_undocumented_answers_total{{api="humanitec-tokeninfo",operation="{operation}"}} {count}"#
        );
        assert!(metrics.lines().any(|l| l == line), "{line}\n{metrics}");
    }
    let log = server.stderr();
    assert!(
        log.contains("not what its OpenAPI document says") && log.contains("invalid type: string"),
        "{log}"
    );
    assert!(
        !log.contains("tok-s3cr3t-4711"),
        "the answer's value is logged: {log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_strict_output_an_undocumented_answer_is_a_bad_gateway() {
    let (url, _upstream) = undocumented_upstream().await;
    let server = Server::start(&url, KEY, &["--strict-output"]);
    let listed = reqwest::Client::new()
        .get(format!("{}/v1/users/svc/tokens", server.rest))
        .header("authorization", format!("Bearer {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 502);
    let problem: Value = serde_json::from_str(&listed.text().await.unwrap()).unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("its OpenAPI document does not describe"),
        "{problem}"
    );
    assert!(!detail.contains("tok-s3cr3t-4711"), "{problem}");
    let result = rpc(
        &server.mcp,
        "2026-07-28",
        "tools/call",
        json!({"name": "deletes-specific-token-associated-user", "arguments": {"userId": "svc", "tokenId": "ci"}}),
    )
    .await;
    assert_eq!(result["isError"], true, "{result}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_typed_client_sends_and_reads_the_documents_types() {
    use humanitec_tokeninfo::clients::humanitec_tokeninfo::{Client, Credentials, types};
    let upstream = FakeHumanitec::start(KEY).await;
    let credentials = Credentials {
        bearer_token: humanitec_tokeninfo::Secret::new(KEY),
    };
    let client = Client::new(&upstream.url(), credentials, None).unwrap();
    let definition = types::TokenDefinitionRequest {
        id: "ci".into(),
        type_: "static".into(),
        description: Some("CI".into()),
        expires_at: None,
    };
    let created = client.createusertoken("svc", &definition).await.unwrap();
    assert!(!created.token.is_empty());
    // Sent as the document's JSON: optional members left out rather than `null`.
    let sent: Value = serde_json::from_slice(&upstream.last().body).unwrap();
    assert_eq!(
        sent,
        json!({"id": "ci", "type": "static", "description": "CI"})
    );
    let tokens = client.listusertokens("svc").await.unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].id, "ci");
    let one = client.getusertoken("svc", "ci").await.unwrap();
    assert_eq!(one.description, "CI");
    let () = client.deleteusertoken("svc", "ci").await.unwrap();
    assert!(client.listusertokens("svc").await.unwrap().is_empty());
}

/// A fake Humanitec holding `count` tokens of user `svc`.
async fn many_tokens(count: usize) -> FakeHumanitec {
    let upstream = FakeHumanitec::start(KEY).await;
    let client = reqwest::Client::new();
    for i in 0..count {
        let created = client
            .post(format!("{}/users/svc/tokens", upstream.url()))
            .header("authorization", format!("Bearer {KEY}"))
            .json(&json!({"id": format!("token-{i:03}"), "type": "static", "description": "a token for the answer budget"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 200);
    }
    upstream
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_over_the_budget_is_cut_and_still_fits_its_schema() {
    let upstream = many_tokens(60).await;
    let server = Server::start(
        &upstream.url(),
        KEY,
        &[
            "--answer-budget",
            "2000",
            "--answer-budget",
            "humanitec-tokeninfo-rest=3000",
        ],
    );
    let listed = rpc(&server.mcp, "2025-11-25", "tools/list", json!({})).await;
    let list_schema = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "lists-tokens-associated-user")
        .unwrap()["outputSchema"]
        .clone();
    for revision in REVISIONS {
        let result = rpc(
            &server.mcp,
            revision,
            "tools/call",
            json!({"name": "lists-tokens-associated-user", "arguments": {"userId": "svc"}}),
        )
        .await;
        let content = &result["structuredContent"];
        let kept = content["result"].as_array().unwrap();
        assert!(
            !kept.is_empty() && kept.len() < 60,
            "{revision}: {} kept",
            kept.len()
        );
        assert_eq!(kept[0]["id"], "token-000", "the first items stay");
        assert!(content.to_string().len() <= 2000);
        assert_eq!(complaints(&list_schema, content), Vec::<String>::new());
        let cut = &result["_meta"]["naftiko/cut"];
        assert_eq!(cut["budgetBytes"], 2000, "{result}");
        assert_eq!(cut["droppedItems"], 60 - kept.len(), "{result}");
        assert!(cut["originalBytes"].as_u64().unwrap() > 2000);
        // The text copy is the cut JSON, and a sentence says what happened.
        let texts: Vec<&str> = result["content"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["text"].as_str())
            .collect();
        assert_eq!(serde_json::from_str::<Value>(texts[0]).unwrap(), *content);
        assert!(
            texts[1].contains("cut to fit the server's answer budget of 2000 bytes"),
            "{texts:?}"
        );
    }
    // REST answers are cut only for the adapter named, marked by a header.
    let answer = reqwest::Client::new()
        .get(format!("{}/v1/users/svc/tokens", server.rest))
        .header("authorization", format!("Bearer {KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let mark = answer.headers()["naftiko-cut"].to_str().unwrap().to_owned();
    assert!(mark.starts_with("original-bytes="), "{mark}");
    let body: Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    let kept = body.as_array().unwrap().len();
    assert!(kept > 0 && kept < 60, "{kept}");
    assert!(body.to_string().len() <= 3000);
}

#[tokio::test(flavor = "multi_thread")]
async fn budgets_default_for_mcp_and_none_for_rest_and_a_tool_may_have_none() {
    let upstream = many_tokens(60).await;
    // 60 tokens are well under the default budget; a tool's own budget wins over the default.
    let server = Server::start(
        &upstream.url(),
        KEY,
        &["--answer-budget", "gets-specific-token-associated-user=10"],
    );
    let result = rpc(
        &server.mcp,
        "2025-11-25",
        "tools/call",
        json!({"name": "lists-tokens-associated-user", "arguments": {"userId": "svc"}}),
    )
    .await;
    assert_eq!(
        result["structuredContent"]["result"]
            .as_array()
            .unwrap()
            .len(),
        60
    );
    assert!(result["_meta"]["naftiko/cut"].is_null(), "{result}");
    let result = rpc(
        &server.mcp,
        "2025-11-25",
        "tools/call",
        json!({"name": "gets-specific-token-associated-user", "arguments": {"userId": "svc", "tokenId": "token-001"}}),
    )
    .await;
    assert_eq!(
        result["_meta"]["naftiko/cut"]["budgetBytes"], 10,
        "{result}"
    );
    let answer = reqwest::Client::new()
        .get(format!("{}/v1/users/svc/tokens", server.rest))
        .header("authorization", format!("Bearer {KEY}"))
        .send()
        .await
        .unwrap();
    assert!(answer.headers().get("naftiko-cut").is_none());
    let body: Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(body.as_array().unwrap().len(), 60);
}
