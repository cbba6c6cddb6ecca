//! The generated server at the wire, spoken to in raw HTTP/1.1 over TCP: timeouts of slow and
//! idle connections, head limits, the host of a request, `Expect: 100-continue`, upstream
//! protocol switches and redirects, JSON-RPC objects that are not requests, and a connection flood
//! at start-up under a low open-file limit. The timeouts are lowered through the flags so that
//! each test takes seconds.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use naftiko_tests::fake_humanitec::FakeHumanitec;
use naftiko_tests::raw;
use naftiko_tests::server::{self, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "hum-secret-key-4711";

/// `host:port` of a server's base URL.
fn authority(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// Write `bytes` on a fresh connection to `base` and read until the server closes it (at most
/// 10 s).
async fn exchange(base: &str, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(authority(base)).await.expect("connect");
    // The server may answer and close before reading all of it.
    let _ = stream.write_all(bytes).await;
    read_to_close(&mut stream).await
}

async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server did not close the connection within 10 s"
    );
    String::from_utf8_lossy(&raw).into_owned()
}

/// The status of the first answer in `text`.
fn status(text: &str) -> u16 {
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Whether the server closes `stream` within `within` (reading and dropping what it sends).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut chunk = [0u8; 1024];
    tokio::time::timeout(within, async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_heads_and_idle_connections_are_closed() {
    let upstream = FakeHumanitec::start(KEY).await;
    let flags = ["--header-timeout", "2s", "--idle-timeout", "4s"];
    let server = Server::start(&upstream.url(), KEY, &flags);
    let started = Instant::now();
    // A head trickled a byte at a time, never finished.
    let mut slow = TcpStream::connect(authority(&server.rest)).await.unwrap();
    let trickle = async {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaa" {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(6), trickle)
        .await
        .ok();
    assert!(
        closed_within(&mut slow, Duration::from_secs(1)).await,
        "a head trickled over {:?} is still open",
        started.elapsed()
    );
    // A connection that never sends, and one idle after a request.
    let mut silent = TcpStream::connect(authority(&server.mcp)).await.unwrap();
    let mut kept = TcpStream::connect(authority(&server.rest)).await.unwrap();
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n",
        authority(&server.rest)
    );
    kept.write_all(request.as_bytes()).await.unwrap();
    let mut first = [0u8; 12];
    kept.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    // Idle is not a slow head: past the header timeout the kept connection still serves.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut rest = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(100), kept.read(&mut rest)).await;
    kept.write_all(request.as_bytes()).await.unwrap();
    let again = tokio::time::timeout(Duration::from_secs(2), kept.read(&mut rest))
        .await
        .expect("an answer on the kept connection")
        .unwrap();
    assert!(
        String::from_utf8_lossy(&rest[..again]).contains("200 OK"),
        "the idle connection no longer serves"
    );
    assert!(
        closed_within(&mut kept, Duration::from_secs(6)).await,
        "an idle keep-alive connection stayed open"
    );
    assert!(
        closed_within(&mut silent, Duration::from_secs(3)).await,
        "a silent connection stayed open"
    );
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn request_heads_are_bounded() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    let host = authority(&server.rest).to_owned();
    // One header line over 8 KiB, the whole head under 32 KiB: 431.
    let line = "a".repeat(9 * 1024);
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nX-Long: {line}\r\n\r\n"
    );
    assert_eq!(status(&exchange(&server.rest, head.as_bytes()).await), 431);
    // A head over 32 KiB in lines under 8 KiB: 431.
    let mut head = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n");
    for i in 0..6 {
        head.push_str(&format!("X-Part-{i}: {}\r\n", "b".repeat(7 * 1024)));
    }
    head.push_str("\r\n");
    // (Past the limit the server closes with bytes unread: the kernel may reset the connection
    // before the 431 is read.)
    let answered = status(&exchange(&server.rest, head.as_bytes()).await);
    assert!(matches!(answered, 431 | 0), "{answered}");
    // A single header of 500 KiB is not proxied.
    let huge = "c".repeat(500 * 1024);
    let head = format!("GET /v1/users/u/tokens HTTP/1.1\r\nHost: {host}\r\nX-Huge: {huge}\r\n\r\n");
    let answered = status(&exchange(&server.rest, head.as_bytes()).await);
    assert!(matches!(answered, 431 | 0), "{answered}");
    assert!(upstream.received().is_empty());

    // 100 connections each sending 390 KiB of one header and stopping hold little memory.
    let before = rss_kib(server.pid());
    let mut held = Vec::new();
    let part = format!(
        "GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Held: {}",
        "d".repeat(390 * 1024)
    );
    for _ in 0..100 {
        let mut stream = TcpStream::connect(&host).await.unwrap();
        let _ = tokio::time::timeout(
            Duration::from_millis(200),
            stream.write_all(part.as_bytes()),
        )
        .await;
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let grown = rss_kib(server.pid()).saturating_sub(before);
    assert!(
        grown < 16 * 1024,
        "100 half-sent heads grew the server by {grown} KiB"
    );
    drop(held);
    let answer = raw::request(&server.rest, "GET", "/healthz", &[], "").await;
    assert_eq!(answer.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_host_of_a_request_is_one_and_the_targets_authority_wins() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    for base in [&server.rest, &server.mcp] {
        let own = authority(base);
        let path = if base == &server.rest {
            "/v1/users/u/tokens"
        } else {
            "/mcp"
        };
        let twice = raw::request(
            base,
            "GET",
            path,
            &[("Host", own), ("Host", "evil.example")],
            "",
        )
        .await;
        assert_eq!(twice.status, 400, "{base}: {twice:?}");
        let absolute = format!("http://evil.example{path}");
        let foreign = raw::request(base, "GET", &absolute, &[("Host", own)], "").await;
        assert_eq!(foreign.status, 403, "{base}: {foreign:?}");
        let no_host = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n\r\n");
        let answer = exchange(base, no_host.as_bytes()).await;
        assert_eq!(status(&answer), 400, "{base}: {answer}");
    }
    assert!(upstream.received().is_empty(), "{:?}", upstream.received());
    // The target's own authority is served.
    let own = format!("http://{}/v1/users/u/tokens", authority(&server.rest));
    let answer = raw::request(&server.rest, "GET", &own, &[("Host", "evil.example")], "").await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_announced_over_the_limit_is_413_without_100_continue() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    for (base, path) in [(&server.rest, "/v1/users/u/tokens"), (&server.mcp, "/mcp")] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 10485760\r\nExpect: 100-continue\r\n\r\n",
            authority(base)
        );
        let mut stream = TcpStream::connect(authority(base)).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let answer = read_to_close(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(!answer.contains("100 Continue"), "{path}: {answer}");
    }
    assert!(upstream.received().is_empty());
}

/// A fake upstream on a loopback port answering each request (its request line and body) with
/// what `answer` makes of it and the number of requests before it; every request is kept.
async fn scripted(
    answer: impl Fn(&str, usize) -> String + Send + Sync + 'static,
) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (seen, answer) = (seen.clone(), answer.clone());
            tokio::spawn(async move {
                let Some(request) = read_request(&mut stream).await else {
                    return;
                };
                let n = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(request.clone());
                    seen.len() - 1
                };
                let _ = stream.write_all(answer(&request, n).as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (addr, kept)
}

/// A request as `METHOD target` and its body after a blank line.
async fn read_request(stream: &mut TcpStream) -> Option<String> {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).into_owned();
            let length = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while raw.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
                raw.extend_from_slice(&chunk[..n]);
            }
            let line = head.lines().next().unwrap_or_default();
            let line = line.rsplit_once(' ').map_or(line, |(l, _)| l);
            let body = String::from_utf8_lossy(&raw[end + 4..end + 4 + length]);
            return Some(format!("{line}\n\n{body}"));
        }
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        raw.extend_from_slice(&chunk[..n]);
    }
}

/// A plain MCP `tools/call` of the seed's `lists-tokens-associated-user`; the JSON answer.
async fn list_tokens_over_mcp(server: &Server) -> serde_json::Value {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lists-tokens-associated-user","arguments":{"userId":"u"}}}"#;
    let answer = raw::request(&server.mcp, "POST", "/mcp", MCP_HEADERS, body).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    serde_json::from_str(&answer.body).expect("a JSON-RPC answer")
}

const MCP_HEADERS: &[(&str, &str)] = &[
    ("Content-Type", "application/json"),
    ("Accept", "application/json, text/event-stream"),
];

#[tokio::test(flavor = "multi_thread")]
async fn an_upstream_switching_protocols_unasked_is_a_gateway_error() {
    let (addr, _) = scripted(|_, _| {
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n".to_owned()
    })
    .await;
    let server = Server::start(&format!("http://{addr}"), KEY, &[]);
    let answer = raw::request(&server.rest, "GET", "/v1/users/u/tokens", &[], "").await;
    assert_eq!(answer.status, 502, "{answer:?}");
    assert!(answer.body.contains("protocol switch"), "{}", answer.body);
    let called = list_tokens_over_mcp(&server).await;
    assert_eq!(called["result"]["isError"], true, "{called}");
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_are_followed_to_the_apis_own_origin_only() {
    let (foreign, foreign_seen) = scripted(|_, _| {
        let body = r#"{"from":"the foreign host"}"#;
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
    })
    .await;
    let (api, api_seen) = scripted(move |request, _| {
        let location = if request.contains("/moved") {
            "/users/u/tokens-here".to_owned()
        } else if request.contains("tokens-here") {
            let body = "[]";
            return format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        } else {
            format!("http://{foreign}/steal")
        };
        format!("HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    })
    .await;
    let server = Server::start(&format!("http://{api}"), KEY, &[]);
    // To another origin: the 307 is the answer, nothing reaches the other host.
    let answer = raw::request(&server.rest, "GET", "/v1/users/u/tokens", &[], "").await;
    assert_eq!(answer.status, 307, "{answer:?}");
    let body =
        r#"{"description":"d","expires_at":"2030-01-01T00:00:00Z","id":"t","type":"static"}"#;
    let headers = [("Content-Type", "application/json")];
    let posted = raw::request(&server.rest, "POST", "/v1/users/u/tokens", &headers, body).await;
    assert_eq!(posted.status, 307, "{posted:?}");
    let called = list_tokens_over_mcp(&server).await;
    assert_eq!(called["result"]["isError"], true, "{called}");
    assert!(
        foreign_seen.lock().unwrap().is_empty(),
        "{:?}",
        foreign_seen.lock().unwrap()
    );
    // To the API's own origin: followed.
    let moved = raw::request(&server.rest, "GET", "/v1/users/moved/tokens", &[], "").await;
    assert_eq!(moved.status, 200, "{moved:?}");
    assert_eq!(moved.body, "[]");
    let seen = api_seen.lock().unwrap();
    assert!(
        seen.iter()
            .any(|r| r.starts_with("GET /users/u/tokens-here")),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_rpc_objects_that_are_not_requests_are_invalid_requests() {
    let upstream = FakeHumanitec::start(KEY).await;
    let server = Server::start(&upstream.url(), KEY, &[]);
    for body in [
        r#"{"jsonrpc":"2.0","id":1}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":7}"#,
        r#"{"jsonrpc":"1.0","id":1,"method":"tools/list"}"#,
        r#"{"id":1,"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"}"#,
    ] {
        let answer = raw::request(&server.mcp, "POST", "/mcp", MCP_HEADERS, body).await;
        assert_eq!(answer.status, 400, "{body}: {answer:?}");
        let error: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(error["error"]["code"], -32600, "{body}: {error}");
    }
    let twice = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lists-tokens-associated-user","name":"x","arguments":{"userId":"u"}}}"#;
    let answer = raw::request(&server.mcp, "POST", "/mcp", MCP_HEADERS, twice).await;
    let error: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(error["error"]["code"], -32602, "{error}");
    assert!(upstream.received().is_empty());
    // A request still works.
    let called = list_tokens_over_mcp(&server).await;
    assert_eq!(called["result"]["isError"], false, "{called}");
}

/// How many connections the flood opens: far more than the server's open-file limit allows.
const FLOOD: usize = 200;

/// A loopback port free a moment ago (the flood must know the port before the server listens).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Connect to `port` as fast as the kernel takes connections, from before the server listens
/// (refused connects are retried for up to 10 s) until [`FLOOD`] are open or one times out
/// (a full backlog); the connections are held in `held`.
fn flood(port: u16, held: &Mutex<Vec<std::net::TcpStream>>) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(10);
    while held.lock().expect("flood lock").len() < FLOOD && Instant::now() < deadline {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) => held.lock().expect("flood lock").push(stream),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(_) => break,
        }
    }
}

/// Start the seed's server with two workers under `ulimit -n 48`, its REST port flooded from
/// the moment it listens.
fn start_flooded(upstream: &str) -> (Server, Arc<Mutex<Vec<std::net::TcpStream>>>) {
    let (rest, mcp) = (free_port(), free_port());
    let held = Arc::new(Mutex::new(Vec::new()));
    let sink = held.clone();
    let flooding = std::thread::spawn(move || flood(rest, &sink));
    let mut command = std::process::Command::new("sh");
    command
        .args(["-c", r#"ulimit -n 48 && exec "$0" "$@""#])
        .arg(server::binary())
        .args(["serve", "--worker-threads", "2"])
        .args(["--listen", &format!("{}=127.0.0.1:{rest}", server::REST)])
        .args(["--listen", &format!("{}=127.0.0.1:{mcp}", server::MCP)])
        .args(["--upstream", &format!("humanitec-tokeninfo={upstream}")])
        .env("HUMANITEC_API_KEY", KEY);
    let server = Server::spawn(command);
    let _ = flooding.join();
    (server, held)
}

/// Point 8: every listener is set up before any accepts, and running out of file descriptors
/// while accepting is a pause, not the end of the process.
#[tokio::test(flavor = "multi_thread")]
async fn a_connection_flood_at_start_up_under_a_low_fd_limit_is_not_fatal() {
    let upstream = FakeHumanitec::start(KEY).await;
    for attempt in 1..=4 {
        let (mut server, held) = start_flooded(&upstream.url());
        let opened = std::mem::take(&mut *held.lock().expect("flood lock")).len();
        assert!(
            opened > 48,
            "attempt {attempt}: the flood opened only {opened} connections"
        );
        assert_eq!(
            server.wait_for_exit(Duration::from_millis(500)),
            None,
            "attempt {attempt}: the server exited under the flood; stderr:\n{}",
            server.stderr()
        );
        for base in [&server.rest, &server.mcp] {
            let answer = tokio::time::timeout(
                Duration::from_secs(10),
                raw::request(base, "GET", "/healthz", &[], ""),
            )
            .await
            .unwrap_or_else(|_| panic!("attempt {attempt}: {base} did not answer after the flood"));
            assert_eq!(answer.status, 200, "attempt {attempt}: {base}: {answer:?}");
        }
    }
}
