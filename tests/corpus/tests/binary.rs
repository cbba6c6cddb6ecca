//! Binary answers (tests/fixtures/binary.yaml, Ikanos `outputRawFormat: binary`) served
//! against a fake media upstream on loopback: REST passes the bytes on with their media type,
//! MCP gives an image, audio or an embedded blob, and `maxBinarySize` bounds each adapter.

mod common;

use std::sync::Arc;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine as _;
use naftiko_corpus::binary_answers as fixture;
use serde_json::{Value, json};

use common::{rpc, serve};

/// `n` bytes that are not text: every byte value, over and over.
fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 256) as u8).collect()
}

fn base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The media API: photos (typed `application/octet-stream`, `big` over 64 KiB), reports of
/// as many bytes as their id says (`missing` is a 404), recordings.
async fn media_upstream() -> String {
    let app = axum::Router::new()
        .route(
            "/photos/{id}",
            axum::routing::get(|Path(id): Path<String>| async move {
                let size = if id == "big" { 64 * 1024 + 1 } else { 1000 };
                (
                    [(header::CONTENT_TYPE, "application/octet-stream")],
                    bytes(size),
                )
            }),
        )
        .route(
            "/reports/{id}",
            axum::routing::get(|Path(id): Path<String>| async move {
                if id == "held" || id == "flood" {
                    return axum::response::Redirect::temporary(&format!("/streams/{id}"))
                        .into_response();
                }
                match id.parse::<usize>() {
                    Ok(size) => {
                        ([(header::CONTENT_TYPE, "application/pdf")], bytes(size)).into_response()
                    }
                    Err(_) => (
                        StatusCode::NOT_FOUND,
                        axum::Json(json!({"error": "no such report"})),
                    )
                        .into_response(),
                }
            }),
        )
        .route(
            "/streams/{id}",
            axum::routing::get(|Path(id): Path<String>| async move {
                // No announced length; 1 KiB at a time, the second only once the test says so.
                let (mut sender, body) = http_body_util::Channel::<axum::body::Bytes>::new(1);
                tokio::spawn(async move {
                    let chunks = if id == "flood" { 3 } else { 2 };
                    for i in 0..chunks {
                        if i == 1 && id == "held" {
                            HELD.notified().await;
                        }
                        let chunk = axum::body::Bytes::from(bytes(1024));
                        if sender.send_data(chunk).await.is_err() {
                            return;
                        }
                    }
                });
                (
                    [(header::CONTENT_TYPE, "application/pdf")],
                    axum::body::Body::new(body),
                )
            }),
        )
        .route(
            "/sounds/{id}",
            axum::routing::get(|| async { ([(header::CONTENT_TYPE, "audio/ogg")], bytes(300)) }),
        );
    serve(app).await
}

/// Lets the upstream of `/streams/held` send the rest of its body.
static HELD: tokio::sync::Notify = tokio::sync::Notify::const_new();

async fn upstreams() -> Arc<fixture::Upstreams> {
    let mut options = fixture::UpstreamOptions::default();
    options
        .base_urls
        .insert("media".into(), media_upstream().await);
    Arc::new(fixture::Upstreams::from_bound(&options, &fixture::Bound {}).unwrap())
}

async fn rest_url() -> String {
    serve(fixture::rest::media_rest::router(upstreams().await)).await
}

async fn mcp_url() -> String {
    let config = naftiko_runtime::mcp::config(1 << 20, Default::default());
    serve(fixture::mcp::media_mcp::router(upstreams().await, config)).await
}

async fn call(url: &str, tool: &str, id: &str) -> Value {
    rpc(
        url,
        "tools/call",
        json!({"name": tool, "arguments": {"id": id}}),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn rest_passes_the_bytes_on_with_the_declared_media_type() {
    let url = rest_url().await;
    let response = reqwest::get(format!("{url}/photos/7")).await.unwrap();
    assert_eq!(response.status(), 200);
    // `outputMediaType` wins over the upstream's `application/octet-stream`.
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes(1000));

    // No media type on the operation: the response contract's (`responses`) is the type.
    let response = reqwest::get(format!("{url}/reports/2048")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes(2048));
}

#[tokio::test]
async fn rest_answers_over_max_binary_size_are_502_and_error_statuses_pass_through() {
    let url = rest_url().await;
    // The operation's own limit (64 KiB) wins over the adapter's (2 KiB).
    let response = reqwest::get(format!("{url}/photos/big")).await.unwrap();
    assert_eq!(response.status(), 502);
    let problem: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("64 KiB"),
        "{problem}"
    );
    // The adapter's limit (2 KiB) where the operation has none.
    let response = reqwest::get(format!("{url}/reports/2049")).await.unwrap();
    assert_eq!(response.status(), 502);
    let problem: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("2 KiB"),
        "{problem}"
    );
    let response = reqwest::get(format!("{url}/reports/missing"))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body, json!({"error": "no such report"}));
}

#[tokio::test]
async fn mcp_gives_images_audio_and_embedded_blobs_by_media_type() {
    let url = mcp_url().await;
    let photo = call(&url, "get-photo", "7").await;
    assert_eq!(photo["isError"], json!(false), "{photo}");
    assert_eq!(
        photo["content"],
        json!([{"type": "image", "mimeType": "image/jpeg", "data": base64(&bytes(1000))}])
    );
    assert!(photo.get("structuredContent").is_none(), "{photo}");

    let sound = call(&url, "get-sound", "1").await;
    assert_eq!(
        sound["content"],
        json!([{"type": "audio", "mimeType": "audio/ogg", "data": base64(&bytes(300))}])
    );

    // The MCP adapter serves up to 4 KiB where the REST adapter serves 2 KiB.
    let report = call(&url, "get-report", "3000").await;
    assert_eq!(
        report["content"],
        json!([{"type": "resource", "resource": {
            "uri": "naftiko://answers/get-report",
            "mimeType": "application/pdf",
            "blob": base64(&bytes(3000)),
        }}])
    );
}

#[tokio::test]
async fn mcp_answers_over_max_binary_size_are_tool_errors() {
    let url = mcp_url().await;
    for (tool, id, limit) in [
        ("get-photo", "big", "64 KiB"),
        ("get-report", "5000", "4 KiB"),
    ] {
        let result = call(&url, tool, id).await;
        assert_eq!(result["isError"], json!(true), "{result}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(limit), "{tool}: {text}");
    }
    let missing = call(&url, "get-report", "missing").await;
    assert_eq!(missing["isError"], json!(true));
    assert_eq!(missing["structuredContent"]["status"], json!(404));
}

#[tokio::test]
async fn a_binary_resource_reads_as_a_blob() {
    let url = mcp_url().await;
    let read = rpc(&url, "resources/read", json!({"uri": "photos://library/7"}))
        .await
        .unwrap();
    assert_eq!(
        read["contents"],
        json!([{"uri": "photos://library/7", "mimeType": "image/jpeg", "blob": base64(&bytes(1000))}])
    );
    let templates = rpc(&url, "resources/templates/list", json!({}))
        .await
        .unwrap();
    assert_eq!(
        templates["resourceTemplates"][0]["uriTemplate"],
        json!("photos://library/{id}")
    );
}

#[tokio::test]
async fn the_typed_client_returns_the_bytes_and_their_media_type() {
    let upstreams = upstreams().await;
    let photo = upstreams.media.download_photo("7").await.unwrap();
    assert_eq!(photo.media_type, "image/jpeg");
    assert_eq!(photo.bytes.as_ref(), bytes(1000));
    // No declared type: the upstream's.
    let report = upstreams.media.download_report("10").await.unwrap();
    assert_eq!(report.media_type, "application/pdf");
    // The client reads as much as the most generous adapter serves (4 KiB), no more.
    let err = upstreams.media.download_report("4097").await.unwrap_err();
    assert!(err.to_string().contains("4 KiB"), "{err}");
    assert!(upstreams.media.download_report("4096").await.is_ok());
}

#[tokio::test]
async fn rest_streams_the_bytes_as_they_arrive() {
    let url = rest_url().await;
    let mut response = reqwest::get(format!("{url}/reports/held")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    // The first KiB is here while the upstream still holds the second.
    let mut first = Vec::new();
    while first.len() < 1024 {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), response.chunk())
            .await
            .expect("the first bytes arrive before the upstream finishes")
            .unwrap()
            .expect("a chunk");
        first.extend_from_slice(&chunk);
    }
    assert_eq!(first, bytes(1024));
    HELD.notify_one();
    let rest = response.bytes().await.unwrap();
    assert_eq!(rest.as_ref(), bytes(1024));
}

#[tokio::test]
async fn rest_ends_a_stream_that_grows_past_max_binary_size() {
    let url = rest_url().await;
    // 3 KiB without an announced length, through an adapter that serves 2 KiB: the answer has
    // begun (200) and is cut off, never passed on whole.
    let response = reqwest::get(format!("{url}/reports/flood")).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.is_err());
    // The same through MCP (4 KiB): whole.
    let url = mcp_url().await;
    let report = call(&url, "get-report", "3072").await;
    assert_eq!(report["isError"], json!(false), "{report}");
}

#[tokio::test]
async fn tool_tags_are_published_in_their_meta() {
    let url = mcp_url().await;
    let listed = rpc(&url, "tools/list", json!({})).await.unwrap();
    let meta = |name: &str| {
        listed["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t.get("_meta").cloned())
            .expect("the tool is listed")
    };
    // A `ref` tool has its function's tags.
    assert_eq!(
        meta("get-photo"),
        Some(json!({"io.naftiko/tags": ["photos"]}))
    );
    assert_eq!(
        meta("get-sound"),
        Some(json!({"io.naftiko/tags": ["audio", "photos"]}))
    );
    assert_eq!(meta("get-report"), None);
}
