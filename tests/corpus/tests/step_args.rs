//! An orchestrated REST operation whose second call reads its arguments from the first call's
//! answer (`with: {ownerId: $.find-owner.id}`), typed as each parameter is
//! (tests/fixtures/step-args.yaml), against a fake registry on loopback.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::{Query, Request};
use naftiko_corpus::step_args as fixture;
use serde_json::{Value, json};

use common::serve;

/// A registry whose `/owners?name=` answer is `owner` for every name, and whose pets route
/// records each request and answers two pets.
async fn registry(owner: Value) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = axum::Router::new()
        .route(
            "/owners",
            axum::routing::get(move |Query(_q): Query<Vec<(String, String)>>| {
                let owner = owner.clone();
                async move { axum::Json(owner) }
            }),
        )
        .fallback(move |request: Request| {
            let log = log.clone();
            async move {
                let region = request
                    .headers()
                    .get("x-region")
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_default();
                log.lock()
                    .unwrap()
                    .push(format!("{} region={region}", request.uri()));
                axum::Json(json!([{"name": "Rex"}, {"name": "Tom"}]))
            }
        });
    (serve(app).await, seen)
}

async fn get(owner: Value) -> (u16, Value, Vec<String>) {
    let (upstream, seen) = registry(owner).await;
    let mut options = fixture::UpstreamOptions::default();
    options.base_urls.insert("registry".into(), upstream);
    let upstreams = Arc::new(fixture::Upstreams::from_env(&options).unwrap());
    let url = serve(fixture::rest::owners_rest::router(upstreams)).await;
    let response = reqwest::get(format!("{url}/owners/ann/pets"))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    let seen = seen.lock().unwrap().clone();
    (status, body, seen)
}

#[tokio::test]
async fn a_later_call_takes_typed_arguments_from_an_earlier_answer() {
    let owner = json!({
        "id": "o/7",
        "settings": {"limit": "2"},
        "vip": true,
        "regions": ["eu", "us west"],
    });
    let (status, body, seen) = get(owner).await;
    assert_eq!(status, 200, "{body}");
    // The id is one encoded path segment; the limit (text in the answer) an integer; the
    // boolean as written; the header from an array element.
    assert_eq!(seen, ["/owners/o%2F7/pets?limit=2&vip=true region=us west"]);
    assert_eq!(
        body,
        json!({"owner": "o/7", "pets": [{"name": "Rex"}, {"name": "Tom"}]})
    );
}

#[tokio::test]
async fn optional_arguments_may_be_absent_required_ones_may_not() {
    // Only the id: the optional parameters are left out.
    let (status, body, seen) = get(json!({"id": "7"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(seen, ["/owners/7/pets region="]);

    // No id: the second call is not made; 502 naming the path.
    let (status, body, seen) = get(json!({"name": "ann"})).await;
    assert_eq!(status, 502, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("`$.find-owner.id`"),
        "{body}"
    );
    assert!(seen.is_empty(), "{seen:?}");

    // A limit that is not an integer: 502 naming the path and the type.
    let (status, body, seen) = get(json!({"id": "o", "settings": {"limit": "lots"}})).await;
    assert_eq!(status, 502, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("`$.find-owner.settings.limit` is not an integer"),
        "{body}"
    );
    assert!(seen.is_empty(), "{seen:?}");
}
