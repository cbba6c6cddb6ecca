//! A capability whose one adapter is its control port, with `observability.enabled: false`
//! (tests/fixtures/control-only.yaml): the whole server started on loopback answers its health
//! and status checks and serves no `/metrics`.

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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let mut options = fixture::server::ServeOptions::default();
    options
        .listen
        .insert("control".into(), format!("127.0.0.1:{port}"));
    tokio::spawn(fixture::server::serve(options));
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(r) = reqwest::get(format!("{base}/health/ready")).await
            && r.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        ready,
        "the control port did not report ready at /health/ready"
    );
    assert_eq!(get(format!("{base}/health/live")).await.0, 200);
    let (status, text) = get(format!("{base}/status")).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("Control port only"), "{text}");
    assert_eq!(get(format!("{base}/healthz")).await.0, 200);
    // Observability is off: no metrics to scrape.
    assert_eq!(get(format!("{base}/metrics")).await.0, 404);
}
