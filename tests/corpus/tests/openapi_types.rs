//! A consumed API typed by its OpenAPI document (tests/fixtures/openapi-types.yaml, with
//! `Builder::openapi`): against a fake store on loopback, the typed client returns the
//! document's types — a tree that contains itself, `allOf` merged, `oneOf` as an enum, open
//! maps, `null`able fields — an answer that is not one is `Error::Decode`, and every MCP tool's
//! answer validates against the `outputSchema` it publishes. The same over the public Swagger
//! Petstore's own document (tests/fixtures/petstore.yaml): typed bodies, `allOf`, a `204` delete,
//! documented formats.

mod common;

use std::sync::Arc;

use axum::extract::Path;
use naftiko_corpus::openapi_types as fixture;
use serde_json::{Value, json};

use common::{rpc, serve};
use fixture::clients::store::{Client, Credentials, types};

fn item(id: &str) -> Value {
    match id {
        "1" => json!({
            "id": "1", "name": "Lamp", "price": 20.5, "state": "used", "note": null,
            "labels": {"room": "hall"}, "source": {"url": "https://old.example/lamp"},
        }),
        // Not what the document says: no price.
        "bad" => json!({"id": "bad", "name": "Broken"}),
        _ => json!({"id": id, "name": "Chair", "price": 3, "source": "flea market"}),
    }
}

async fn store() -> String {
    let app = axum::Router::new()
        .route(
            "/api/categories/{id}",
            axum::routing::get(|Path(id): Path<String>| async move {
                axum::Json(json!({
                    "id": id, "name": "Furniture",
                    "children": [{"id": "c2", "name": "Chairs", "parent": {"id": id, "name": "Furniture"}}],
                }))
            }),
        )
        .route(
            "/api/items",
            axum::routing::get(|| async { axum::Json(json!([item("1"), item("2")])) }),
        )
        .route(
            "/api/items/{id}",
            axum::routing::get(|Path(id): Path<String>| async move { axum::Json(item(&id)) }),
        )
        .route(
            "/api/stats",
            axum::routing::get(|| async { axum::Json(json!({"items": 2})) }),
        );
    serve(app).await
}

#[tokio::test]
async fn the_client_returns_the_document_s_types() {
    let url = format!("{}/api", store().await);
    let client = Client::new(&url, Credentials, None).unwrap();
    let category: types::Category = client.get_category("c1").await.unwrap();
    assert_eq!(category.name, "Furniture");
    let child = &category.children[0];
    assert_eq!(child.parent.as_ref().map(|p| p.id.as_str()), Some("c1"));
    let items: Vec<types::Item> = client.list_items(None).await.unwrap();
    assert_eq!(items.len(), 2);
    // `allOf` merged: `name` from `Named`, the rest beside it.
    assert_eq!((items[0].name.as_str(), items[0].price), ("Lamp", 20.5));
    assert_eq!(
        items[0].labels.get("room").map(String::as_str),
        Some("hall")
    );
    assert!(items[0].note.is_none());
    assert!(
        matches!(items[0].source, Some(types::ItemSource::Object { ref url }) if url == "https://old.example/lamp")
    );
    assert!(
        matches!(items[1].source, Some(types::ItemSource::String(ref s)) if s == "flea market")
    );
    // An answer that is not what the document says: a decoding error, with the status.
    match client.get_item("bad").await {
        Err(naftiko_runtime::error::Error::Decode { status, format, .. }) => {
            assert_eq!((status.as_u16(), format), (200, "JSON"));
        }
        other => panic!("expected a decoding error, got {other:?}"),
    }
    // An operation the document does not have stays JSON.
    let stats: Value = client.get_stats().await.unwrap();
    assert_eq!(stats, json!({"items": 2}));
}

#[tokio::test]
async fn every_typed_tool_answers_what_its_output_schema_says() {
    let mut options = fixture::UpstreamOptions::default();
    options
        .base_urls
        .insert("store".into(), format!("{}/api", store().await));
    let upstreams = Arc::new(fixture::Upstreams::from_env(&options).unwrap());
    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    let url = serve(fixture::mcp::store_mcp::router(upstreams, config)).await;
    let listed = rpc(&url, "tools/list", json!({})).await.unwrap();
    let schema = |name: &str| -> Value {
        listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t.get("outputSchema").cloned().unwrap_or(Value::Null))
            .unwrap()
    };
    // The tree that contains itself: any JSON where it recurs, no `$ref` left.
    let category = schema("category");
    assert_eq!(category["properties"]["children"]["items"], json!({}));
    assert!(!category.to_string().contains("$ref"));
    // `allOf` at the top (which clients refuse) merged into one object schema.
    let item = schema("item");
    assert!(item.get("allOf").is_none(), "{item}");
    assert_eq!(item["type"], "object");
    assert_eq!(item["required"], json!(["name", "id", "price"]));
    assert_eq!(
        item["properties"]["state"]["enum"],
        json!(["new", "used", "broken"])
    );
    assert_eq!(
        item["properties"]["note"]["type"],
        json!(["string", "null"])
    );
    // Not in the document: no schema.
    assert_eq!(schema("stats"), Value::Null);
    for (name, args) in [
        ("category", json!({"id": "c1"})),
        ("items", json!({})),
        ("item", json!({"id": "1"})),
        ("item", json!({"id": "2"})),
    ] {
        let result = rpc(&url, "tools/call", json!({"name": name, "arguments": args}))
            .await
            .unwrap();
        assert_ne!(result["isError"], true, "{name}: {result}");
        let validator = jsonschema::validator_for(&schema(name)).unwrap();
        let content = &result["structuredContent"];
        let errors: Vec<String> = validator
            .iter_errors(content)
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errors, Vec::<String>::new(), "{name}: {content}");
    }
    // The array answer is wrapped, and its items are held to the document.
    let items = schema("items");
    let validator = jsonschema::validator_for(&items).unwrap();
    assert!(!validator.is_valid(&json!({"result": [{"id": "x", "name": "No price"}]})));
}

/// A fake of the public Swagger Petstore ("petstore-expanded"): pets by id, `204` on delete.
async fn petstore() -> String {
    use axum::extract::{Query, State};
    use std::sync::Mutex;
    type Pets = Arc<Mutex<Vec<Value>>>;
    let pets: Pets = Arc::default();
    let app = axum::Router::new()
        .route(
            "/v2/pets",
            axum::routing::get(
                |State(pets): State<Pets>, Query(q): Query<Vec<(String, String)>>| async move {
                    let limit = q
                        .iter()
                        .find(|(k, _)| k == "limit")
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(usize::MAX);
                    let all = pets.lock().unwrap().clone();
                    axum::Json(Value::Array(all.into_iter().take(limit).collect()))
                },
            )
            .post(
                |State(pets): State<Pets>, axum::Json(new): axum::Json<Value>| async move {
                    let mut pets = pets.lock().unwrap();
                    let mut pet = new;
                    pet["id"] = json!(pets.len() as i64 + 1);
                    pets.push(pet.clone());
                    axum::Json(pet)
                },
            ),
        )
        .route(
            "/v2/pets/{id}",
            axum::routing::get(|State(pets): State<Pets>, Path(id): Path<i64>| async move {
                let found = pets.lock().unwrap().iter().find(|p| p["id"] == id).cloned();
                match found {
                    Some(pet) => (axum::http::StatusCode::OK, axum::Json(pet)),
                    None => (
                        axum::http::StatusCode::NOT_FOUND,
                        axum::Json(json!({"code": 404, "message": "no such pet"})),
                    ),
                }
            })
            .delete(|State(pets): State<Pets>, Path(id): Path<i64>| async move {
                pets.lock().unwrap().retain(|p| p["id"] != id);
                axum::http::StatusCode::NO_CONTENT
            }),
        )
        .with_state(pets);
    format!("{}/v2", serve(app).await)
}

#[tokio::test]
async fn the_petstore_client_takes_and_returns_the_public_document_s_types() {
    use naftiko_corpus::petstore::clients::pets::{Client, Credentials, types};
    let client = Client::new(&petstore().await, Credentials, None).unwrap();
    let new = types::NewPet {
        name: "Rex".into(),
        tag: Some("dog".into()),
    };
    let rex: types::Pet = client.add_pet(&new).await.unwrap();
    assert_eq!((rex.id, rex.name.as_str()), (1, "Rex"));
    let pets: Vec<types::Pet> = client.find_pets(None, Some(10)).await.unwrap();
    assert_eq!(pets.len(), 1);
    assert_eq!(
        client.find_pet_by_id(1).await.unwrap().tag.as_deref(),
        Some("dog")
    );
    let () = client.delete_pet(1).await.unwrap();
    assert!(client.find_pets(None, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn every_petstore_tool_answers_what_its_output_schema_says() {
    use naftiko_corpus::petstore as pets;
    let mut options = pets::UpstreamOptions::default();
    options.base_urls.insert("pets".into(), petstore().await);
    let upstreams = Arc::new(pets::Upstreams::from_env(&options).unwrap());
    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    let url = serve(pets::mcp::pets_mcp::router(upstreams, config)).await;
    let listed = rpc(&url, "tools/list", json!({})).await.unwrap();
    let tool = |name: &str| -> Value {
        listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .cloned()
            .unwrap()
    };
    // The request body as the document types it: a `NewPet`.
    let body = &tool("add-pet")["inputSchema"]["properties"]["pet"];
    assert_eq!(body["required"], json!(["name"]), "{body}");
    // The document's formats, where the spec says only `integer`.
    let limit = &tool("find-pets")["inputSchema"]["properties"]["limit"];
    assert_eq!(limit["format"], "int32", "{limit}");
    // `Pet` is an `allOf` of `NewPet` and its id: merged into one object schema.
    let pet = tool("pet")["outputSchema"].clone();
    assert!(pet.get("allOf").is_none(), "{pet}");
    assert_eq!(pet["type"], "object", "{pet}");
    for (name, args) in [
        ("add-pet", json!({"pet": {"name": "Rex", "tag": "dog"}})),
        ("find-pets", json!({"limit": 5})),
        ("pet", json!({"id": 1})),
        ("delete-pet", json!({"id": 1})),
    ] {
        let result = rpc(&url, "tools/call", json!({"name": name, "arguments": args}))
            .await
            .unwrap();
        assert_ne!(result["isError"], true, "{name}: {result}");
        let schema = &tool(name)["outputSchema"];
        let validator = jsonschema::validator_for(schema).unwrap();
        let content = &result["structuredContent"];
        let errors: Vec<String> = validator
            .iter_errors(content)
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errors, Vec::<String>::new(), "{name}: {content}");
    }
    let deleted = rpc(
        &url,
        "tools/call",
        json!({"name": "delete-pet", "arguments": {"id": 1}}),
    )
    .await
    .unwrap();
    assert_eq!(deleted["structuredContent"], json!({"status": 204}));
}
