//! Production behaviour under load: SIGTERM drains in-flight requests without dropping one, and
//! two replicas behind a round-robin balancer serve one MCP client (stateless MCP).

use std::process::Command;
use std::time::Duration;

use naftiko_tests::balancer::Balancer;
use naftiko_tests::fake_humanitec::FakeHumanitec;
use naftiko_tests::server::Server;
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::json;

const KEY: &str = "hum-secret-key-4711";

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_under_load_drops_no_request() {
    drain_under_load(&[]).await;
}

/// Several workers (a thread and a current-thread runtime each, accepting on one socket): every
/// worker drains its requests before the process exits.
#[tokio::test(flavor = "multi_thread")]
async fn with_three_workers_sigterm_under_load_drops_no_request() {
    drain_under_load(&["--worker-threads", "3"]).await;
}

/// The names of the threads of process `pid`.
fn thread_names(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
                .map(|name| name.trim().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn drain_under_load(workers: &[&str]) {
    let upstream = FakeHumanitec::start(KEY).await;
    let mut args = vec!["--drain-timeout", "10s"];
    args.extend_from_slice(workers);
    let mut server = Server::start(&upstream.url(), KEY, &args);
    if workers.contains(&"3") && cfg!(target_os = "linux") {
        // The workers start as the servers do, just after the sockets are bound.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut names = thread_names(server.pid());
        while names.iter().filter(|n| n.starts_with("worker-")).count() < 4
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
            names = thread_names(server.pid());
        }
        for worker in ["worker-1", "worker-2"] {
            assert!(names.iter().any(|n| n == worker), "{names:?}");
        }
        assert!(!names.iter().any(|n| n == "worker-3"), "{names:?}");
    }
    let http = reqwest::Client::new();
    const IN_FLIGHT: usize = 48;
    // Every request waits 400 ms at the upstream, so all are in flight when SIGTERM arrives.
    let requests: Vec<_> = (0..IN_FLIGHT)
        .map(|i| {
            let request = http
                .get(format!("{}/v1/users/delay-400/tokens/t{i}", server.rest))
                .send();
            tokio::spawn(request)
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while upstream.received().len() < IN_FLIGHT {
        assert!(
            std::time::Instant::now() < deadline,
            "requests did not reach the upstream"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let kill = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut statuses = Vec::new();
    for request in requests {
        let response = request.await.unwrap().expect("no request is dropped");
        statuses.push(response.status().as_u16());
        response.bytes().await.expect("every body arrives whole");
    }
    assert!(
        statuses.iter().all(|&s| s == 404),
        "every request got the upstream's answer: {statuses:?}"
    );
    let code = tokio::task::spawn_blocking(move || {
        let code = server.wait_for_exit(Duration::from_secs(15));
        (code, server.stderr())
    })
    .await
    .unwrap();
    assert_eq!(code.0, Some(0), "{}", code.1);
    assert!(code.1.contains("shutting down"), "{}", code.1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drain_deadline_bounds_the_shutdown() {
    let upstream = FakeHumanitec::start(KEY).await;
    let mut server = Server::start(&upstream.url(), KEY, &["--drain-timeout", "300ms"]);
    let request = tokio::spawn(reqwest::get(format!(
        "{}/v1/users/slow/tokens",
        server.rest
    )));
    while upstream.received().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    let started = std::time::Instant::now();
    let code = tokio::task::spawn_blocking(move || server.wait_for_exit(Duration::from_secs(4)))
        .await
        .unwrap();
    assert_eq!(code, Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the 5 s upstream call was not waited for"
    );
    assert!(
        request.await.unwrap().is_err(),
        "the request past the deadline was cut"
    );
}

async fn conversation(url: &str, mode: ClientLifecycleMode, user: &str) {
    let transport = StreamableHttpClientTransport::from_uri(url.to_owned());
    let client =
        ().serve_with_lifecycle(transport, mode)
            .await
            .expect("connects through the balancer");
    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 4);
    let mut create = CallToolRequestParams::new("creates-new-static-token-user");
    create.arguments = json!({"userId": user, "body": {"id": "t1", "type": "static"}})
        .as_object()
        .cloned();
    assert_eq!(
        client.call_tool(create).await.unwrap().is_error,
        Some(false)
    );
    for _ in 0..3 {
        let mut list = CallToolRequestParams::new("lists-tokens-associated-user");
        list.arguments = json!({"userId": user}).as_object().cloned();
        let listed = client.call_tool(list).await.unwrap();
        assert_eq!(listed.structured_content.unwrap()["result"][0]["id"], "t1");
    }
    let mut delete = CallToolRequestParams::new("deletes-specific-token-associated-user");
    delete.arguments = json!({"userId": user, "tokenId": "t1"})
        .as_object()
        .cloned();
    assert_eq!(
        client.call_tool(delete).await.unwrap().is_error,
        Some(false)
    );
    client.cancel().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_behind_a_round_robin_balancer_serve_one_mcp_client() {
    let upstream = FakeHumanitec::start(KEY).await;
    let a = Server::start(&upstream.url(), KEY, &[]);
    let b = Server::start(&upstream.url(), KEY, &[]);
    let balancer = Balancer::start(vec![a.mcp.clone(), b.mcp.clone()]).await;
    let url = format!("{}/mcp", balancer.url());

    conversation(&url, ClientLifecycleMode::Initialize, "legacy-user").await;
    let served = balancer.served();
    assert!(
        served.iter().all(|&n| n >= 3),
        "both replicas served the legacy conversation: {served:?}"
    );

    let modern = ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    };
    conversation(&url, modern, "modern-user").await;
    let after = balancer.served();
    assert!(
        after.iter().zip(&served).all(|(n, before)| n - before >= 3),
        "both replicas served the 2026-07-28 conversation: {after:?}"
    );
}
