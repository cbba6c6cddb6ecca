//! The generated server when its upstream misbehaves: down, slow, answering garbage, resetting the
//! connection mid-body, answering more than the server reads, never ending, failing every call.
//! Each gets the right status (502 or 504, or the upstream's own error passed through), a
//! problem document, and the server keeps serving.

use std::net::SocketAddr;
use std::time::Duration;

use naftiko_tests::raw;
use naftiko_tests::server::Server;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "hum-secret-key-4711";

/// How a fake upstream misbehaves.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Bytes that are not HTTP.
    Garbage,
    /// A 200 announcing 1,000 bytes, 10 sent, then the connection closed.
    ResetMidBody,
    /// The answer after this long.
    Slow(Duration),
    /// A 200 with this many bytes of JSON-looking body.
    Huge(usize),
    /// A chunked 200 whose body never ends.
    Endless,
    /// 503 to every request.
    Unavailable,
}

/// A fake upstream on a loopback port, misbehaving with `fault` on every connection.
async fn upstream(fault: Fault) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(answer(stream, fault));
        }
    });
    addr
}

async fn answer(mut stream: TcpStream, fault: Fault) {
    // Read the request head (the server's requests here have no body).
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let result = match fault {
        Fault::Garbage => stream.write_all(b"\x00\x01 this is not HTTP\r\n\r\n").await,
        Fault::ResetMidBody => {
            let head =
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            stream.write_all(b"[{\"id\": 1").await
        }
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            let text =
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n[]";
            stream.write_all(text.as_bytes()).await
        }
        Fault::Huge(size) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {size}\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < size {
                let n = chunk.len().min(size - sent);
                if stream.write_all(&chunk[..n]).await.is_err() {
                    return;
                }
                sent += n;
            }
            Ok(())
        }
        Fault::Endless => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
            loop {
                if stream.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
        Fault::Unavailable => {
            let body = r#"{"error": "maintenance"}"#;
            let text = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(text.as_bytes()).await
        }
    };
    let _ = result;
    let _ = stream.shutdown().await;
}

/// The server against `upstream`, waiting at most 2 s for an answer.
fn server_for(upstream: &str) -> Server {
    Server::start(upstream, KEY, &["--upstream-timeout", "2s"])
}

/// A server with one worker: each request after the first meets the connection the one before
/// it used, whatever the pool does across workers.
fn one_worker_server_for(upstream: &str) -> Server {
    Server::start(
        upstream,
        KEY,
        &["--upstream-timeout", "2s", "--worker-threads", "1"],
    )
}

async fn list_tokens(server: &Server) -> raw::Answer {
    raw::request(&server.rest, "GET", "/v1/users/alice/tokens", &[], "").await
}

async fn still_serving(server: &Server) {
    let answer = raw::request(&server.rest, "GET", "/healthz", &[], "").await;
    assert_eq!(
        answer.status,
        200,
        "the server stopped serving: {}",
        server.stderr()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_upstream_is_a_bad_gateway() {
    // A port nothing listens on: bound, then closed.
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let server = server_for(&format!("http://{closed}"));
    let answer = list_tokens(&server).await;
    assert_eq!(answer.status, 502, "{answer:?}");
    assert_eq!(
        answer.header("content-type"),
        Some("application/problem+json")
    );
    assert!(answer.body.contains("unreachable"), "{}", answer.body);
    // Over MCP: a tool error the model sees, not a protocol error.
    let transport = StreamableHttpClientTransport::from_uri(format!("{}/mcp", server.mcp));
    let client = ().serve_with_lifecycle(transport, ClientLifecycleMode::Initialize).await.unwrap();
    let mut params = CallToolRequestParams::new("lists-tokens-associated-user".to_owned());
    params.arguments = serde_json::json!({"userId": "alice"}).as_object().cloned();
    let result = client.call_tool(params).await.unwrap();
    assert_eq!(result.is_error, Some(true), "{result:?}");
    still_serving(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_and_a_reset_mid_body_are_bad_gateways() {
    for fault in [Fault::Garbage, Fault::ResetMidBody] {
        let addr = upstream(fault).await;
        let server = server_for(&format!("http://{addr}"));
        let answer = list_tokens(&server).await;
        assert_eq!(answer.status, 502, "{fault:?}: {answer:?}");
        assert_eq!(
            answer.header("content-type"),
            Some("application/problem+json")
        );
        still_serving(&server).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_upstream_is_a_gateway_timeout() {
    let addr = upstream(Fault::Slow(Duration::from_secs(10))).await;
    let server = server_for(&format!("http://{addr}"));
    let started = std::time::Instant::now();
    let answer = list_tokens(&server).await;
    assert_eq!(answer.status, 504, "{answer:?}");
    assert!(
        answer.body.contains("did not answer in time"),
        "{}",
        answer.body
    );
    // The timeout, not the upstream, ended it.
    assert!(started.elapsed() < Duration::from_secs(9));
    still_serving(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_larger_than_the_server_reads_is_refused_unread() {
    // 40 MiB announced, and a body that never ends: neither is read past 32 MiB.
    for fault in [Fault::Huge(40 * 1024 * 1024), Fault::Endless] {
        let addr = upstream(fault).await;
        let server = server_for(&format!("http://{addr}"));
        let answer = list_tokens(&server).await;
        assert!(matches!(answer.status, 502 | 504), "{fault:?}: {answer:?}");
        if answer.status == 502 {
            assert!(
                answer.body.contains("larger than 32 MiB"),
                "{}",
                answer.body
            );
        }
        still_serving(&server).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storm_of_upstream_errors_passes_through() {
    let addr = upstream(Fault::Unavailable).await;
    let server = server_for(&format!("http://{addr}"));
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let rest = server.rest.clone();
        calls.spawn(
            async move { raw::request(&rest, "GET", "/v1/users/alice/tokens", &[], "").await },
        );
    }
    while let Some(answer) = calls.join_next().await {
        let answer = answer.unwrap();
        assert_eq!(answer.status, 503, "{answer:?}");
        assert_eq!(answer.body, r#"{"error": "maintenance"}"#);
    }
    still_serving(&server).await;
}

/// Reads one request (head and the body its `content-length` announces); `None` at the end of
/// the connection.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(head)
}

/// An upstream that keeps each connection open after its first answer, then closes it unanswered
/// when the next request comes: the race every pooled client meets when a server drops an idle
/// connection. Counts the requests it reads.
async fn drops_reused_connections() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                if read_request(&mut stream).await.is_none() {
                    return;
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let body = r#"[{"id": "t-1", "description": "ci"}]"#;
                let text = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(text.as_bytes()).await.is_err() {
                    return;
                }
                if read_request(&mut stream).await.is_some() {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                // Closed without an answer.
            });
        }
    });
    (addr, requests)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idempotent_request_on_a_connection_the_upstream_dropped_is_sent_again() {
    let (addr, requests) = drops_reused_connections().await;
    let server = one_worker_server_for(&format!("http://{addr}"));
    for round in 0..3 {
        let answer = list_tokens(&server).await;
        assert_eq!(answer.status, 200, "round {round}: {answer:?}");
    }
    // The first request on a fresh connection; each later one met a dropped connection first,
    // then was sent again on a fresh one.
    assert_eq!(requests.load(Ordering::SeqCst), 5);
    still_serving(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_is_not_idempotent_is_never_sent_twice() {
    let (addr, requests) = drops_reused_connections().await;
    let server = one_worker_server_for(&format!("http://{addr}"));
    let create = || {
        raw::request(
            &server.rest,
            "POST",
            "/v1/users/alice/tokens",
            &[("content-type", "application/json")],
            r#"{"id": "ci", "description": "ci", "type": "static"}"#,
        )
    };
    assert_eq!(create().await.status, 200);
    let answer = create().await;
    // The upstream may have acted on it: a bad gateway, not a second creation.
    assert_eq!(answer.status, 502, "{answer:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    still_serving(&server).await;
}

/// An upstream that answers every request with `Connection: close` and closes; counts the
/// connections it accepts.
async fn closes_after_each_answer() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if read_request(&mut stream).await.is_none() {
                    return;
                }
                let body = r#"[{"id": "t-1", "description": "ci"}]"#;
                let text = format!(
                    "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(text.as_bytes()).await;
            });
        }
    });
    (addr, connections)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_the_upstream_closes_after_its_answer_is_not_used_again() {
    let (addr, connections) = closes_after_each_answer().await;
    let server = one_worker_server_for(&format!("http://{addr}"));
    // `POST`s: one sent on a connection already closed would not be sent again, but fail.
    for round in 0..3 {
        let answer = raw::request(
            &server.rest,
            "POST",
            "/v1/users/alice/tokens",
            &[("content-type", "application/json")],
            r#"{"id": "ci", "description": "ci", "type": "static"}"#,
        )
        .await;
        assert_eq!(answer.status, 200, "round {round}: {answer:?}");
    }
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    still_serving(&server).await;
}
