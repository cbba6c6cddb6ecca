//! `cargo xtask soak [SECONDS]`: the seed's server (profile `server`) under steady load with
//! faults mixed in, for ten minutes by default. Its resident memory and open file descriptors are
//! sampled every few seconds; the report (`target/soak/report.md`) shows both over time and the
//! task fails unless both stay flat and the server answers to the end.
//!
//! Everything is on loopback and written here with blocking sockets, so nothing is installed:
//! - a fake upstream that answers the token list, and in a fixed rotation a 500, a dropped
//!   connection, a 101, a redirect to another origin, a truncated body or a slow answer;
//! - steady clients: keep-alive REST `GET`s and MCP `tools/call`s;
//! - fault clients: heads trickled and abandoned, idle connections, heads over the limit, bodies
//!   announced over the limit with `Expect: 100-continue`, two `Host` headers, a foreign
//!   absolute-form target, JSON-RPC objects that are not requests, requests cut off mid-body.
//!
//! The server runs with its header and idle timeouts lowered (3 s and 5 s), so the connections
//! the faults leave behind are closed many times over during the run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::process::{Proc, Result};

const KEY: &str = "soak-key-0123456789";
const REST: &str = "humanitec-tokeninfo-rest";
const MCP: &str = "humanitec-tokeninfo-mcp";
const SAMPLE_EVERY: Duration = Duration::from_secs(5);
const HEADER_TIMEOUT: &str = "3s";
const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
const STEADY_REST: usize = 8;
const STEADY_MCP: usize = 2;
const FAULTS: usize = 6;
const TOKENS: &str = r#"[{"created_at":"2026-11-28T10:00:00Z","created_by":"u1","description":"CI","expires_at":"2027-01-01T00:00:00Z","id":"ci","type":"static"}]"#;

/// One sample of the server process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Duration,
    rss_kib: u64,
    fds: usize,
    /// Of `fds`: connections accepted on its two ports, connections to the upstream (the client
    /// pool), and the rest (listeners, the runtime's own descriptors).
    inbound: usize,
    upstream: usize,
    requests: u64,
}

impl Sample {
    fn other(&self) -> usize {
        self.fds - self.inbound - self.upstream
    }
}

/// The ports that tell the server's sockets apart.
#[derive(Debug, Clone, Copy)]
struct Ports {
    served: [u16; 2],
    upstream: u16,
}

/// What the clients saw, by kind of client and status (0: no answer).
#[derive(Default)]
struct Tally(Mutex<BTreeMap<(&'static str, u16), u64>>);

impl Tally {
    fn add(&self, kind: &'static str, status: u16) {
        *self
            .0
            .lock()
            .expect("tally lock")
            .entry((kind, status))
            .or_default() += 1;
    }
}

pub fn soak(root: &Path, seconds: u64) -> Result<String> {
    let dir = root.join("target/soak");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let binary = crate::bench::build_server(root)?;
    let upstream = fake_upstream()?;
    let (server, rest, mcp) = start_server(&binary, upstream)?;
    let pid = server.0.id();
    let ports = Ports {
        served: [rest.port(), mcp.port()],
        upstream: upstream.port(),
    };
    let idle = sample(pid, ports, Duration::ZERO, 0)?;

    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicU64::new(0));
    let tally = Arc::new(Tally::default());
    let mut clients = Vec::new();
    for i in 0..STEADY_REST {
        let (stop, requests, tally) = (stop.clone(), requests.clone(), tally.clone());
        clients.push(std::thread::spawn(move || {
            steady_rest(rest, i, &stop, &requests, &tally)
        }));
    }
    for _ in 0..STEADY_MCP {
        let (stop, requests, tally) = (stop.clone(), requests.clone(), tally.clone());
        clients.push(std::thread::spawn(move || {
            steady_mcp(mcp, &stop, &requests, &tally)
        }));
    }
    for i in 0..FAULTS {
        let (stop, tally) = (stop.clone(), tally.clone());
        let target = if i % 2 == 0 { rest } else { mcp };
        clients.push(std::thread::spawn(move || faults(target, i, &stop, &tally)));
    }

    eprintln!(
        "soaking for {seconds} s (a sample every {} s) …",
        SAMPLE_EVERY.as_secs()
    );
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(SAMPLE_EVERY);
        let s = sample(
            pid,
            ports,
            started.elapsed(),
            requests.load(Ordering::Relaxed),
        )?;
        eprintln!(
            "{:>5.0} s  RSS {:>6} KiB  fds {:>4} (in {:>3}, upstream {:>3})  requests {}",
            s.at.as_secs_f64(),
            s.rss_kib,
            s.fds,
            s.inbound,
            s.upstream,
            s.requests
        );
        samples.push(s);
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        let _ = client.join();
    }
    // Whatever a fault left open is closed by the idle timeout.
    std::thread::sleep(IDLE_TIMEOUT + Duration::from_secs(2));
    let settled = sample(
        pid,
        ports,
        started.elapsed(),
        requests.load(Ordering::Relaxed),
    )?;
    let answers = health(rest) && health(mcp);
    let report = report(seconds, idle, &samples, settled, answers, &tally);
    std::fs::write(dir.join("report.md"), &report).map_err(|e| e.to_string())?;
    drop(server);
    if verdict(idle, &samples, settled, answers).is_empty() {
        Ok(report)
    } else {
        Err(format!(
            "{report}\nthe soak found growth or a dead server (above)"
        ))
    }
}

/// Start the server on two loopback ports with lowered timeouts; its REST and MCP addresses.
fn start_server(binary: &Path, upstream: SocketAddr) -> Result<(Proc, SocketAddr, SocketAddr)> {
    let mut child = Command::new(binary)
        .arg("serve")
        .args(["--listen", &format!("{REST}=127.0.0.1:0")])
        .args(["--listen", &format!("{MCP}=127.0.0.1:0")])
        .args([
            "--upstream",
            &format!("humanitec-tokeninfo=http://{upstream}"),
        ])
        .args(["--header-timeout", HEADER_TIMEOUT])
        .args(["--idle-timeout", &format!("{}s", IDLE_TIMEOUT.as_secs())])
        .args(["--upstream-timeout", "5s"])
        .env("HUMANITEC_API_KEY", KEY)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start {}: {e}", binary.display()))?;
    let stderr = child.stderr.take().ok_or("stderr is piped")?;
    let server = Proc(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
        // Read to the end, so that the server never blocks on a full pipe.
        while let Some(Ok(line)) = lines.next() {
            if let Some((ns, url)) = line.split_once(" listening on http://") {
                let _ = tx.send((ns.to_owned(), url.to_owned()));
            }
        }
    });
    let (mut rest, mut mcp) = (None, None);
    while rest.is_none() || mcp.is_none() {
        let (ns, url) = rx
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| "the server did not report both adapters")?;
        let addr: SocketAddr = url.parse().map_err(|e| format!("`{url}`: {e}"))?;
        match ns.as_str() {
            REST => rest = Some(addr),
            MCP => mcp = Some(addr),
            _ => {}
        }
    }
    Ok((server, rest.unwrap_or(upstream), mcp.unwrap_or(upstream)))
}

fn sample(pid: u32, ports: Ports, at: Duration, requests: u64) -> Result<Sample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("the server is gone: {e}"))?;
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let sockets = tcp_sockets(pid);
    let (mut fds, mut inbound, mut upstream) = (0, 0, 0);
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map_err(|e| format!("the server is gone: {e}"))?
        .flatten()
    {
        fds += 1;
        let target = std::fs::read_link(entry.path()).unwrap_or_default();
        let inode = target
            .to_string_lossy()
            .strip_prefix("socket:[")
            .and_then(|t| t.strip_suffix(']'))
            .and_then(|t| t.parse::<u64>().ok());
        match inode.and_then(|i| sockets.get(&i)) {
            Some(&(local, _, listening)) if ports.served.contains(&local) && !listening => {
                inbound += 1
            }
            Some(&(_, remote, _)) if remote == ports.upstream => upstream += 1,
            _ => {}
        }
    }
    Ok(Sample {
        at,
        rss_kib,
        fds,
        inbound,
        upstream,
        requests,
    })
}

/// The TCP sockets of `pid`'s network namespace by inode: local port, remote port, listening.
fn tcp_sockets(pid: u32) -> BTreeMap<u64, (u16, u16, bool)> {
    let mut sockets = BTreeMap::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let port = |field: Option<&&str>| {
                field
                    .and_then(|a| a.rsplit_once(':'))
                    .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
                    .unwrap_or(0)
            };
            if let Some(inode) = f.get(9).and_then(|i| i.parse().ok()) {
                sockets.insert(
                    inode,
                    (port(f.get(1)), port(f.get(2)), f.get(3) == Some(&"0A")),
                );
            }
        }
    }
    sockets
}

/// The median of `values` (0 for none).
fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

/// The medians of RSS and fds over the first and the last sixth of the run, skipping the first
/// minute (or sixth) of warm-up.
fn windows(samples: &[Sample]) -> ((u64, u64), (u64, u64)) {
    let sixth = (samples.len() / 6).max(1);
    let warm = sixth.min(samples.len().saturating_sub(1));
    let first = &samples[warm..(warm + sixth).min(samples.len())];
    let last = &samples[samples.len().saturating_sub(sixth)..];
    let medians = |w: &[Sample]| {
        (
            median(w.iter().map(|s| s.rss_kib).collect()),
            median(w.iter().map(|s| s.fds as u64).collect()),
        )
    };
    (medians(first), medians(last))
}

/// What is not flat, one line each (none: flat).
fn verdict(idle: Sample, samples: &[Sample], settled: Sample, answers: bool) -> Vec<String> {
    let mut wrong = Vec::new();
    let ((rss_first, fds_first), (rss_last, fds_last)) = windows(samples);
    // 10 % or 2 MiB, whichever is larger: allocator noise, not a leak.
    if rss_last > rss_first + (rss_first / 10).max(2048) {
        wrong.push(format!(
            "RSS grew from {rss_first} KiB to {rss_last} KiB (medians of the first and last sixth)"
        ));
    }
    // Faults hold connections for up to the idle timeout: the count varies, it must not climb.
    if fds_last > fds_first + (fds_first / 4).max(8) {
        wrong.push(format!(
            "open fds grew from {fds_first} to {fds_last} (medians of the first and last sixth)"
        ));
    }
    if settled.inbound > 0 {
        wrong.push(format!(
            "{} client connections still open after the load stopped and the idle timeout passed",
            settled.inbound
        ));
    }
    if settled.other() > idle.other() + 2 {
        wrong.push(format!(
            "{} descriptors besides connections after the run, {} before it",
            settled.other(),
            idle.other()
        ));
    }
    // The client pool keeps idle upstream connections; never more than requests in flight.
    if settled.upstream > STEADY_REST + STEADY_MCP + FAULTS {
        wrong.push(format!(
            "{} upstream connections kept after the run, more than the {} requests ever in flight",
            settled.upstream,
            STEADY_REST + STEADY_MCP + FAULTS
        ));
    }
    if !answers {
        wrong.push("the server did not answer /healthz after the run".into());
    }
    wrong
}

fn report(
    seconds: u64,
    idle: Sample,
    samples: &[Sample],
    settled: Sample,
    answers: bool,
    tally: &Tally,
) -> String {
    let mut out = String::from("# Soak: the seed's server under steady load with faults\n\n");
    let _ = writeln!(
        out,
        "One run of `cargo xtask soak {seconds}`: {STEADY_REST} keep-alive REST clients, {STEADY_MCP} MCP clients and {FAULTS} fault clients for {seconds} s; the upstream fails in a fixed rotation; header timeout {HEADER_TIMEOUT}, idle timeout {} s. Samples every {} s.\n",
        IDLE_TIMEOUT.as_secs(),
        SAMPLE_EVERY.as_secs()
    );
    let ((rss_first, fds_first), (rss_last, fds_last)) = windows(samples);
    let wrong = verdict(idle, samples, settled, answers);
    let _ = writeln!(
        out,
        "| | RSS KiB | open fds | of which client connections | upstream connections |\n|---|---:|---:|---:|---:|\n| before the load | {} | {} | {} | {} |\n| first sixth after warm-up (median) | {rss_first} | {fds_first} | | |\n| last sixth (median) | {rss_last} | {fds_last} | | |\n| highest | {} | {} | {} | {} |\n| after the load and the idle timeout | {} | {} | {} | {} |\n",
        idle.rss_kib,
        idle.fds,
        idle.inbound,
        idle.upstream,
        samples.iter().map(|s| s.rss_kib).max().unwrap_or(0),
        samples.iter().map(|s| s.fds).max().unwrap_or(0),
        samples.iter().map(|s| s.inbound).max().unwrap_or(0),
        samples.iter().map(|s| s.upstream).max().unwrap_or(0),
        settled.rss_kib,
        settled.fds,
        settled.inbound,
        settled.upstream
    );
    if wrong.is_empty() {
        out.push_str("**Flat**: memory and file descriptors hold steady; after the run no client connection is left, the other descriptors are those of the start and the upstream pool is bounded; the server answers.\n\n");
    } else {
        for w in &wrong {
            let _ = writeln!(out, "**Not flat**: {w}.");
        }
        out.push('\n');
    }
    let steady = settled.requests;
    let _ = writeln!(
        out,
        "Steady requests answered: {steady} ({:.0}/s).\n",
        steady as f64 / seconds.max(1) as f64
    );
    out.push_str("| client | status | count |\n|---|---:|---:|\n");
    for ((kind, status), n) in tally.0.lock().expect("tally lock").iter() {
        let status = if *status == 0 {
            "closed, no answer".to_owned()
        } else {
            status.to_string()
        };
        let _ = writeln!(out, "| {kind} | {status} | {n} |");
    }
    out.push_str("\n| time s | RSS KiB | open fds | client connections | upstream connections | steady requests |\n|---:|---:|---:|---:|---:|---:|\n");
    let step = (samples.len() / 40).max(1);
    for s in samples.iter().step_by(step) {
        let _ = writeln!(
            out,
            "| {:.0} | {} | {} | {} | {} | {} |",
            s.at.as_secs_f64(),
            s.rss_kib,
            s.fds,
            s.inbound,
            s.upstream,
            s.requests
        );
    }
    out
}

// ---- the fake upstream ----------------------------------------------------------------------

/// A loopback upstream answering the token list on keep-alive connections, with a fault in
/// every tenth answer (in rotation: 500, a dropped connection, 101, a redirect to another
/// origin, a truncated body, a 2 s delay).
fn fake_upstream() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let counter = Arc::new(AtomicU64::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || upstream_connection(stream, &counter));
        }
    });
    Ok(addr)
}

fn upstream_connection(mut stream: TcpStream, counter: &AtomicU64) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buffer = Vec::new();
    while let Some(head) = read_head(&mut stream, &mut buffer) {
        let length = content_length(&head);
        if read_exact_buffered(&mut stream, &mut buffer, length).is_none() {
            return;
        }
        let authorized = head.to_ascii_lowercase().contains(&format!(
            "authorization: bearer {}",
            KEY.to_ascii_lowercase()
        ));
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let answer = if !authorized {
            json_answer("401 Unauthorized", r#"{"error":"API-401"}"#)
        } else if n % 10 != 9 {
            json_answer("200 OK", TOKENS)
        } else {
            match (n / 10) % 6 {
                0 => json_answer("500 Internal Server Error", r#"{"error":"API-500"}"#),
                1 => return,
                2 => {
                    let _ = stream.write_all(
                        b"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
                    );
                    return;
                }
                3 => "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\n\r\n".to_owned(),
                4 => {
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{\"id\"",
                    );
                    return;
                }
                _ => {
                    std::thread::sleep(Duration::from_secs(2));
                    json_answer("200 OK", TOKENS)
                }
            }
        };
        if stream.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

fn json_answer(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

// ---- HTTP/1.1 over blocking sockets -----------------------------------------------------------

/// Read one head (up to the blank line) from `stream`, keeping what follows it in `buffer`.
fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end + 4);
            return Some(head);
        }
        if buffer.len() > 1 << 20 {
            return None;
        }
        let mut chunk = [0u8; 16384];
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Take `length` bytes from `buffer`, reading more from `stream` as needed.
fn read_exact_buffered(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    length: usize,
) -> Option<Vec<u8>> {
    while buffer.len() < length {
        let mut chunk = [0u8; 16384];
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    Some(buffer.drain(..length).collect())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn content_length(head: &str) -> usize {
    header(head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn status_of(head: &str) -> u16 {
    head.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Read one answer: its status and body (chunked or with a length). `None`: the connection
/// closed or broke first.
fn read_answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<(u16, Vec<u8>, bool)> {
    let head = read_head(stream, buffer)?;
    let close = header(&head, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let chunked = header(&head, "transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let body = if chunked {
        let mut body = Vec::new();
        loop {
            let line = read_line(stream, buffer)?;
            let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
            body.extend(read_exact_buffered(stream, buffer, size)?);
            read_line(stream, buffer)?;
            if size == 0 {
                break body;
            }
        }
    } else {
        read_exact_buffered(stream, buffer, content_length(&head))?
    };
    Some((status_of(&head), body, close))
}

fn read_line(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buffer.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end + 2);
            return Some(line);
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn connect(addr: SocketAddr) -> Option<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let _ = stream.set_nodelay(true);
    Some(stream)
}

/// Send `request` on a fresh connection and read one answer's status (0: closed first).
fn once(addr: SocketAddr, request: &[u8]) -> u16 {
    let Some(mut stream) = connect(addr) else {
        return 0;
    };
    let _ = stream.write_all(request);
    read_answer(&mut stream, &mut Vec::new()).map_or(0, |(status, _, _)| status)
}

fn health(addr: SocketAddr) -> bool {
    once(
        addr,
        format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    ) == 200
}

// ---- the clients ------------------------------------------------------------------------------

/// Keep-alive `GET`s of one user's tokens until `stop`, reconnecting when the server closes.
fn steady_rest(addr: SocketAddr, i: usize, stop: &AtomicBool, requests: &AtomicU64, tally: &Tally) {
    let request = format!("GET /v1/users/user-{i}/tokens HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    keep_alive(
        addr,
        request.as_bytes(),
        "steady REST",
        stop,
        requests,
        tally,
    );
}

/// Keep-alive MCP `tools/call`s until `stop`.
fn steady_mcp(addr: SocketAddr, stop: &AtomicBool, requests: &AtomicU64, tally: &Tally) {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lists-tokens-associated-user","arguments":{"userId":"u1"}}}"#;
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    keep_alive(
        addr,
        request.as_bytes(),
        "steady MCP",
        stop,
        requests,
        tally,
    );
}

fn keep_alive(
    addr: SocketAddr,
    request: &[u8],
    kind: &'static str,
    stop: &AtomicBool,
    requests: &AtomicU64,
    tally: &Tally,
) {
    while !stop.load(Ordering::Relaxed) {
        let Some(mut stream) = connect(addr) else {
            tally.add(kind, 0);
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let mut buffer = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            if stream.write_all(request).is_err() {
                break;
            }
            match read_answer(&mut stream, &mut buffer) {
                Some((status, _, close)) => {
                    requests.fetch_add(1, Ordering::Relaxed);
                    tally.add(kind, status);
                    if close {
                        break;
                    }
                }
                None => {
                    tally.add(kind, 0);
                    break;
                }
            }
        }
    }
}

/// Faults in rotation until `stop`; each ends with the server's answer or its closing the
/// connection.
fn faults(addr: SocketAddr, i: usize, stop: &AtomicBool, tally: &Tally) {
    let mut n = i;
    while !stop.load(Ordering::Relaxed) {
        let (kind, status) = fault(addr, n);
        tally.add(kind, status);
        n += 1;
    }
}

fn fault(addr: SocketAddr, n: usize) -> (&'static str, u16) {
    let host = addr.to_string();
    let simple = |kind, request: String| (kind, once(addr, request.as_bytes()));
    match n % 9 {
        0 => ("trickled head", trickle(addr)),
        1 => ("idle connection", idle(addr)),
        2 => simple(
            "head over the limit",
            format!(
                "GET /v1/users/u1/tokens HTTP/1.1\r\nHost: {host}\r\nX-Big: {}\r\n\r\n",
                "a".repeat(40 * 1024)
            ),
        ),
        3 => simple(
            "body announced over the limit",
            format!(
                "POST /v1/users/u1/tokens HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 10485760\r\n\r\n"
            ),
        ),
        4 => simple(
            "two Host headers",
            format!(
                "GET /v1/users/u1/tokens HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\n\r\n"
            ),
        ),
        5 => simple(
            "foreign absolute-form target",
            format!("GET http://evil.example/v1/users/u1/tokens HTTP/1.1\r\nHost: {host}\r\n\r\n"),
        ),
        6 => {
            let body = r#"{"jsonrpc":"2.0","id":{"a":1},"method":7}"#;
            simple(
                "JSON-RPC object not a request",
                format!(
                    "POST /mcp HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                ),
            )
        }
        7 => ("cut off mid-body", cut_off(addr)),
        _ => simple(
            "unknown route",
            format!(
                "GET /nowhere/../etc/passwd HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            ),
        ),
    }
}

/// A head sent a byte every 200 ms and never finished: the server's header timeout answers.
fn trickle(addr: SocketAddr) -> u16 {
    let Some(mut stream) = connect(addr) else {
        return 0;
    };
    for byte in b"GET /v1/users/u1/tokens HTTP/1.1\r\nX-Slow: "
        .iter()
        .cycle()
        .take(60)
    {
        if stream.write_all(&[*byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    read_answer(&mut stream, &mut Vec::new()).map_or(0, |(status, _, _)| status)
}

/// A connection that never sends anything: the server's idle timeout closes it.
fn idle(addr: SocketAddr) -> u16 {
    let Some(mut stream) = connect(addr) else {
        return 0;
    };
    read_answer(&mut stream, &mut Vec::new()).map_or(0, |(status, _, _)| status)
}

/// Half a body, then the connection closed.
fn cut_off(addr: SocketAddr) -> u16 {
    let Some(mut stream) = connect(addr) else {
        return 0;
    };
    let _ = stream.write_all(
        format!("POST /v1/users/u1/tokens HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{{\"description\":\"half")
            .as_bytes(),
    );
    0
}
