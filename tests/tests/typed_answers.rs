//! The seed is generated with Humanitec's OpenAPI document
//! (`specs/humanitec-tokeninfo.openapi/humanitec-tokeninfo.yaml`): its MCP tools publish the
//! documented answers as `outputSchema`s and its `/openapi.json` types the 2xx answers. Against
//! the fake Humanitec, every answer validates against the schema published for it.

use naftiko_tests::fake_humanitec::FakeHumanitec;
use naftiko_tests::server::Server;
use serde_json::{Value, json};

const KEY: &str = "hum-secret-key-4711";

async fn rpc(url: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let response = reqwest::Client::new()
        .post(format!("{url}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
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
    let listed = rpc(&server.mcp, "tools/list", json!({})).await;
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
    // A delete answers 204 with no body: nothing is promised.
    assert_eq!(
        schema("deletes-specific-token-associated-user"),
        Value::Null
    );

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
    ];
    for (name, args) in calls {
        let result = rpc(
            &server.mcp,
            "tools/call",
            json!({"name": name, "arguments": args}),
        )
        .await;
        assert_ne!(result["isError"], true, "{name}: {result}");
        let content = &result["structuredContent"];
        assert_eq!(
            complaints(&schema(name), content),
            Vec::<String>::new(),
            "{name}: {content}"
        );
    }
    // The list holds the token just made, and its schema would notice a field gone missing.
    let listed_tokens = rpc(
        &server.mcp,
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
