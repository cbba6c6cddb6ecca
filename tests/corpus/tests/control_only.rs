//! A capability whose one adapter is its control port, with `observability.enabled: false`
//! (tests/fixtures/control-only.yaml): the whole server started on loopback answers its health
//! and status checks and serves no `/metrics`.

mod common;

use naftiko_corpus::control_only as fixture;

async fn get(url: String) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_control_port_alone_answers_health_and_status_and_no_metrics() {
    assert_eq!(fixture::server::SPEC.adapter_namespaces(), ["control"]);
    const { assert!(!fixture::server::SPEC.metrics) };
    let port = common::free_port();
    let mut options = fixture::server::ServeOptions::default();
    options
        .listen
        .insert("control".into(), format!("127.0.0.1:{port}"));
    tokio::spawn(fixture::server::serve(options));
    let base = format!("http://127.0.0.1:{port}");
    common::wait_until_ok(&format!("{base}/health/ready")).await;
    assert_eq!(get(format!("{base}/health/live")).await.0, 200);
    let (status, text) = get(format!("{base}/status")).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("Control port only"), "{text}");
    assert_eq!(get(format!("{base}/healthz")).await.0, 200);
    // Observability is off: no metrics to scrape.
    assert_eq!(get(format!("{base}/metrics")).await.0, 404);
}
