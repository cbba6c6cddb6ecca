//! Exposed paths whose variables share their segment with text (tests/fixtures/segments.yaml):
//! `/v1/jobs/{job}:cancel` and `/v1/jobs/{jobId}:approve` on one router path with `GET
//! /v1/jobs/{job}`, `/v1/files/{name}.json`, `/v1/act_{account}/ads` — served against a recording
//! upstream on loopback. And `/metrics`, a path of the API that the server also serves: the
//! whole server started, its own endpoints under `/_naftiko`.

mod common;

use std::sync::Arc;

use naftiko_corpus::segments as fixture;

use common::{last, recorder, serve};

/// The adapter served against a recording upstream: (adapter URL, what the upstream saw).
async fn adapter() -> (String, Arc<std::sync::Mutex<Vec<common::Seen>>>) {
    let (upstream, seen) = recorder().await;
    let mut options = fixture::UpstreamOptions::default();
    options.base_urls.insert("runner".into(), upstream);
    let upstreams = Arc::new(fixture::Upstreams::from_env(&options).unwrap());
    (
        serve(fixture::rest::jobs_rest::router(upstreams)).await,
        seen,
    )
}

async fn send(method: reqwest::Method, url: String) -> (u16, String) {
    let response = reqwest::Client::new()
        .request(method, url)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn the_text_after_a_variable_chooses_the_operation_and_is_not_sent() {
    let (url, seen) = adapter().await;
    let post = reqwest::Method::POST;
    let (status, body) = send(post.clone(), format!("{url}/v1/jobs/j-7:cancel")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(last(&seen).path_and_query, "/jobs/j-7/cancel");
    let (status, body) = send(post.clone(), format!("{url}/v1/jobs/j-7:approve")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(last(&seen).path_and_query, "/jobs/j-7/approve");
    // A client that encodes the colon reaches the same operation.
    let (status, body) = send(post.clone(), format!("{url}/v1/jobs/j-8%3Acancel")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(last(&seen).path_and_query, "/jobs/j-8/cancel");
    // The plain path is the GET's, the variable whole.
    let (status, body) = send(reqwest::Method::GET, format!("{url}/v1/jobs/j-7")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(last(&seen).path_and_query, "/jobs/j-7");
    let (status, _) = send(reqwest::Method::GET, format!("{url}/v1/files/report.json")).await;
    assert_eq!(status, 200);
    assert_eq!(last(&seen).path_and_query, "/files/report");
    let (status, _) = send(reqwest::Method::GET, format!("{url}/v1/act_12/ads")).await;
    assert_eq!(status, 200);
    assert_eq!(last(&seen).path_and_query, "/accounts/12/ads");
}

#[tokio::test]
async fn a_path_without_the_text_is_no_route_and_nothing_goes_upstream() {
    let (url, seen) = adapter().await;
    for (method, path) in [
        (reqwest::Method::POST, "/v1/jobs/j-7"),
        (reqwest::Method::POST, "/v1/jobs/j-7:pause"),
        (reqwest::Method::POST, "/v1/jobs/:cancel"),
        (reqwest::Method::GET, "/v1/files/report.xml"),
        (reqwest::Method::GET, "/v1/files/.json"),
    ] {
        let (status, body) = send(method.clone(), format!("{url}{path}")).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert!(
            body.contains("no operation is exposed at this path"),
            "{body}"
        );
    }
    let (status, _) = send(reqwest::Method::GET, format!("{url}/v1/other_12/ads")).await;
    assert_eq!(status, 404);
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing reached the upstream"
    );
}

#[tokio::test]
async fn the_value_stays_one_segment_upstream() {
    let (url, seen) = adapter().await;
    // `a/b` (encoded) with the text after it: one segment upstream, encoded again.
    let (status, body) = send(reqwest::Method::POST, format!("{url}/v1/jobs/a%2Fb:cancel")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(last(&seen).path_and_query, "/jobs/a%2Fb/cancel");
    // A value that is itself `x:cancel` before the text stays whole (its colon encoded).
    let (status, body) = send(
        reqwest::Method::POST,
        format!("{url}/v1/jobs/x:cancel:cancel"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(last(&seen).path_and_query, "/jobs/x%3Acancel/cancel");
}

/// The API's `/metrics` is the API's; the server's own endpoints of the adapter are under
/// `/_naftiko`, as its OpenAPI document and deployment files say.
#[tokio::test]
async fn an_api_path_of_the_servers_own_moves_the_servers_endpoints() {
    let (upstream, seen) = recorder().await;
    let port = common::free_port();
    let mut options = fixture::server::ServeOptions::default();
    options
        .listen
        .insert("jobs-rest".into(), format!("127.0.0.1:{port}"));
    options
        .upstreams
        .base_urls
        .insert("runner".into(), upstream);
    tokio::spawn(fixture::server::serve(options));
    let base = format!("http://127.0.0.1:{port}");
    common::wait_until_ok(&format!("{base}/_naftiko/readyz")).await;

    let (status, _) = send(reqwest::Method::GET, format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    assert_eq!(last(&seen).path_and_query, "/stats");

    let (status, text) = send(reqwest::Method::GET, format!("{base}/_naftiko/metrics")).await;
    assert_eq!(status, 200);
    assert!(text.contains("# TYPE"), "Prometheus text: {text}");
    let (status, _) = send(reqwest::Method::GET, format!("{base}/_naftiko/healthz")).await;
    assert_eq!(status, 200);
    let (status, openapi) = send(
        reqwest::Method::GET,
        format!("{base}/_naftiko/openapi.json"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(openapi.contains("\"/_naftiko/healthz\""), "{openapi}");
    // Nothing of the server's is left at the root but the API's own path.
    let (status, _) = send(reqwest::Method::GET, format!("{base}/healthz")).await;
    assert_eq!(status, 404);
}
