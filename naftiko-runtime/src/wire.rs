//! The server at the wire: how long a connection may take to send a request head or stay idle,
//! how large a head may be, and the checks of a head before any route sees it — limits of
//! nginx's order of magnitude, each a flag of the generated binary.
//!
//! - A request head must arrive within [`Wire::header_timeout`] of its first byte (nginx's
//!   `client_header_timeout`, 60 s), and a connection with no request in flight is closed after
//!   [`Wire::idle_timeout`] (nginx's `keepalive_timeout`, 75 s), over HTTP/1.1 and HTTP/2 alike.
//! - A head over [`Wire::max_header_bytes`] (32 KiB, nginx's four 8 KiB buffers) is 431 and the
//!   connection closes, so a half-sent head holds at most that much; a request target over
//!   [`Wire::max_header_line_bytes`] (8 KiB) is 414, a header line over it 431.
//! - The host of a request is the authority of its target when it has one (RFC 9112 §3.2.2,
//!   RFC 9113 §8.3.1), else its one `Host` header: two `Host` headers, or an HTTP/1.1 request
//!   with none, are 400 (RFC 9112 §3.2).
//! - A `Content-Length` over [`Wire::max_body_bytes`] is 413 from the head: no `100 Continue`
//!   is sent and no byte of the body is read.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::task::Context;
use std::task::Poll;
use std::time::Duration;

use axum::response::Response;
use http::HeaderValue;
use http::StatusCode;
use http::Version;
use http::header;
use hyper::Request;
use hyper::body::Incoming;
use tokio::io::AsyncRead;
use tokio::io::AsyncWrite;
use tokio::io::ReadBuf;
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::problem;

/// How long a request head may take to arrive, unless told otherwise.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a connection may stay idle, unless told otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(75);
/// The largest request head (request line and headers), unless told otherwise.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 32 * 1024;
/// The longest request target or header line, unless told otherwise.
pub const DEFAULT_MAX_HEADER_LINE_BYTES: usize = 8 * 1024;
/// The largest request body, unless told otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The smallest head limit hyper accepts (its read buffer cannot be smaller).
const MIN_HEADER_BYTES: usize = 8192;

/// The limits of every connection of a server (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wire {
    /// How long a request head may take from its first byte to its last.
    pub header_timeout: Duration,
    /// How long a connection with no request in flight stays open.
    pub idle_timeout: Duration,
    /// The largest request head, in bytes (at least 8 KiB).
    pub max_header_bytes: usize,
    /// The longest request target or header line (name, `: ` and value), in bytes.
    pub max_header_line_bytes: usize,
    /// The largest `Content-Length` accepted.
    pub max_body_bytes: usize,
}

impl Default for Wire {
    fn default() -> Self {
        Self {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_header_line_bytes: DEFAULT_MAX_HEADER_LINE_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// The HTTP/1.1 and HTTP/2 connection settings for `wire`. hyper's own header timer stays
/// off: [`connection`] keeps both timeouts.
pub fn builder(
    wire: &Wire,
) -> hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor> {
    let head = wire.max_header_bytes.max(MIN_HEADER_BYTES);
    let mut builder =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    // hyper answers 431 and closes once a head fills its read buffer.
    builder.http1().header_read_timeout(None).max_buf_size(head);
    builder
        .http2()
        .max_header_list_size(u32::try_from(head).unwrap_or(u32::MAX));
    builder
}

/// Serve one accepted connection with `router` until it closes, times out (see [`Wire`]) or,
/// once `shutdown` is cancelled, has finished its requests in flight.
pub async fn connection(
    stream: TcpStream,
    builder: Arc<hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>>,
    router: axum::Router,
    wire: Wire,
    shutdown: tokio_util::sync::CancellationToken,
) {
    // Answers go out as soon as they are written (nginx's `tcp_nodelay on`).
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = hyper_util::rt::TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let front = Front {
        router,
        wire,
        activity: activity.clone(),
    };
    let served = builder.serve_connection(io, front);
    tokio::pin!(served);
    let timer = tokio::time::sleep(wire.idle_timeout.min(wire.header_timeout));
    tokio::pin!(timer);
    let mut closing = false;
    loop {
        tokio::select! {
            outcome = served.as_mut() => {
                if let Err(e) = outcome {
                    tracing::debug!(target: "naftiko::wire", error = %e, "connection ended");
                }
                return;
            }
            () = shutdown.cancelled(), if !closing => {
                closing = true;
                served.as_mut().graceful_shutdown();
            }
            () = &mut timer => match activity.verdict(&wire) {
                Verdict::Wait(until) => timer.as_mut().reset(until),
                Verdict::HeadTooSlow => {
                    tracing::info!(target: "naftiko::wire", "closed a connection whose request head did not arrive in time");
                    return;
                }
                // A connection asked to close that has not within a header timeout is dropped.
                Verdict::Idle if closing => return,
                Verdict::Idle => {
                    closing = true;
                    served.as_mut().graceful_shutdown();
                    timer.as_mut().reset(Instant::now() + wire.header_timeout);
                }
            },
        }
    }
}

/// Handle a failed `accept`: a connection that failed on its way in is skipped; anything else
/// (out of file descriptors or memory) is logged and accepting pauses briefly, as nginx does,
/// while the connections already open go on.
pub async fn accept_failed(error: std::io::Error, namespace: &str) {
    use std::io::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::warn!(target: "naftiko::wire", %namespace, %error, "cannot accept connections: pausing for 250 ms");
    tokio::time::sleep(Duration::from_millis(250)).await;
}

/// What a connection has done, for its timeouts: written by its socket's reads and by the
/// requests it serves, read by [`connection`]'s timer. Times are milliseconds since the
/// connection was accepted, plus one (0: never).
#[derive(Debug)]
struct Activity {
    accepted: Instant,
    in_flight: AtomicUsize,
    head_since: AtomicU64,
    last: AtomicU64,
}

/// What [`connection`]'s timer finds.
enum Verdict {
    /// Nothing is due before this instant.
    Wait(Instant),
    /// A request head has been arriving for longer than the header timeout.
    HeadTooSlow,
    /// No request in flight or arriving for the idle timeout.
    Idle,
}

impl Activity {
    fn new() -> Self {
        Self {
            accepted: Instant::now(),
            in_flight: AtomicUsize::new(0),
            head_since: AtomicU64::new(0),
            last: AtomicU64::new(1),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    fn instant(&self, at: u64) -> Instant {
        self.accepted + Duration::from_millis(at.saturating_sub(1))
    }

    /// Bytes came in: with no request in flight, they start a request head.
    fn read_some(&self) {
        if self.in_flight.load(Ordering::Relaxed) == 0
            && self.head_since.load(Ordering::Relaxed) == 0
        {
            self.head_since.store(self.now(), Ordering::Relaxed);
        }
    }

    /// A whole request head arrived.
    fn started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.head_since.store(0, Ordering::Relaxed);
    }

    /// A request was answered (or its caller gave up).
    fn finished(&self) {
        self.last.store(self.now(), Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    fn verdict(&self, wire: &Wire) -> Verdict {
        let now = Instant::now();
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Verdict::Wait(now + wire.idle_timeout);
        }
        let (since, limit, verdict) = match self.head_since.load(Ordering::Relaxed) {
            0 => (
                self.last.load(Ordering::Relaxed),
                wire.idle_timeout,
                Verdict::Idle,
            ),
            since => (since, wire.header_timeout, Verdict::HeadTooSlow),
        };
        let due = self.instant(since) + limit;
        if now >= due {
            verdict
        } else {
            Verdict::Wait(due)
        }
    }
}

/// A connection's socket, telling its [`Activity`] when bytes come in.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.read_some();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The service of a connection: the head checks, then the router, each request counted in
/// flight until it is answered.
#[derive(Clone)]
struct Front {
    router: axum::Router,
    wire: Wire,
    activity: Arc<Activity>,
}

impl hyper::service::Service<Request<Incoming>> for Front {
    type Response = Response;
    type Error = Infallible;
    type Future = Answered<axum::routing::future::RouteFuture<Infallible>>;

    fn call(&self, mut request: Request<Incoming>) -> Self::Future {
        self.activity.started();
        let answer = match checked(&mut request, &self.wire) {
            Ok(()) => {
                let mut router = self.router.clone();
                Answer::Routed(tower_service::Service::call(&mut router, request))
            }
            Err((status, detail)) => {
                let mut refused = refusal(status, detail);
                // A body refused from the head is not read: the connection cannot carry
                // another request.
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    refused
                        .headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                Answer::Refused(Some(refused))
            }
        };
        Answered {
            answer,
            _in_flight: InFlight(self.activity.clone()),
        }
    }
}

/// A request counted in flight; dropping it counts it answered.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.finished();
    }
}

/// The answer of a [`Front`]: the router's, or the refusal of a head; the request counts in
/// flight until it is dropped.
struct Answered<F> {
    answer: Answer<F>,
    _in_flight: InFlight,
}

enum Answer<F> {
    Routed(F),
    Refused(Option<Response>),
}

impl<F> Future for Answered<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.answer {
            Answer::Routed(routed) => Pin::new(routed).poll(cx),
            Answer::Refused(refused) => Poll::Ready(Ok(refused
                .take()
                .unwrap_or_else(|| refusal(StatusCode::BAD_REQUEST, "refused".to_owned())))),
        }
    }
}

/// Check a request head against `wire` (see the module docs), setting its `Host` to the
/// authority of its target when it has one; the refusal otherwise.
fn checked<B>(request: &mut Request<B>, wire: &Wire) -> Result<(), (StatusCode, String)> {
    let hosts = request.headers().get_all(header::HOST).iter().count();
    if hosts > 1 {
        return Err((
            StatusCode::BAD_REQUEST,
            "the request has more than one `Host` header".to_owned(),
        ));
    }
    if let Some(authority) = request.uri().authority() {
        let Ok(host) = HeaderValue::from_str(authority.as_str()) else {
            return Err((
                StatusCode::BAD_REQUEST,
                "the request target's authority is not a host".to_owned(),
            ));
        };
        request.headers_mut().insert(header::HOST, host);
    } else if hosts == 0 && request.version() == Version::HTTP_11 {
        return Err((
            StatusCode::BAD_REQUEST,
            "an HTTP/1.1 request names its `Host` (RFC 9112 §3.2)".to_owned(),
        ));
    }
    let line = wire.max_header_line_bytes;
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target > line {
        return Err((
            StatusCode::URI_TOO_LONG,
            format!("the request target is longer than {line} bytes"),
        ));
    }
    let long = request
        .headers()
        .iter()
        .find(|(name, value)| name.as_str().len() + 2 + value.len() > line);
    if let Some((name, _)) = long {
        return Err((
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the header `{name}` is longer than {line} bytes"),
        ));
    }
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let max = wire.max_body_bytes;
    if length.is_some_and(|length| length > max as u64) {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {max} bytes"),
        ));
    }
    Ok(())
}

fn refusal(status: StatusCode, detail: String) -> Response {
    tracing::info!(target: "naftiko::wire", status = status.as_u16(), %detail, "request refused");
    problem::response(status, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(build: http::request::Builder) -> Result<(), StatusCode> {
        let mut request = build.body(()).unwrap();
        checked(&mut request, &Wire::default()).map_err(|(status, _)| status)
    }

    #[test]
    fn the_host_is_the_targets_authority_or_the_one_host_header() {
        let own = Request::get("/x").header("host", "127.0.0.1:1");
        assert_eq!(head(own), Ok(()));
        let twice = Request::get("/x")
            .header("host", "127.0.0.1:1")
            .header("host", "evil.example");
        assert_eq!(head(twice), Err(StatusCode::BAD_REQUEST));
        assert_eq!(head(Request::get("/x")), Err(StatusCode::BAD_REQUEST));
        let old = Request::get("/x").version(Version::HTTP_10);
        assert_eq!(head(old), Ok(()));
        let mut absolute = Request::get("http://evil.example/x")
            .header("host", "127.0.0.1:1")
            .body(())
            .unwrap();
        checked(&mut absolute, &Wire::default()).unwrap();
        assert_eq!(absolute.headers()[header::HOST], "evil.example");
    }

    #[test]
    fn long_lines_and_large_bodies_are_refused_from_the_head() {
        let long = "a".repeat(DEFAULT_MAX_HEADER_LINE_BYTES);
        let header = Request::get("/x")
            .header("host", "h")
            .header("x-long", &long);
        assert_eq!(
            head(header),
            Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        let target = Request::get(format!("/{long}")).header("host", "h");
        assert_eq!(head(target), Err(StatusCode::URI_TOO_LONG));
        let body = Request::post("/x")
            .header("host", "h")
            .header("content-length", "10485760");
        assert_eq!(head(body), Err(StatusCode::PAYLOAD_TOO_LARGE));
    }

    #[test]
    fn idle_and_slow_heads_are_told_apart() {
        let wire = Wire {
            header_timeout: Duration::ZERO,
            idle_timeout: Duration::from_secs(3600),
            ..Wire::default()
        };
        let activity = Activity::new();
        assert!(matches!(activity.verdict(&wire), Verdict::Wait(_)));
        activity.read_some();
        assert!(matches!(activity.verdict(&wire), Verdict::HeadTooSlow));
        activity.started();
        assert!(matches!(activity.verdict(&wire), Verdict::Wait(_)));
        activity.finished();
        let idle = Wire {
            idle_timeout: Duration::ZERO,
            ..wire
        };
        assert!(matches!(activity.verdict(&idle), Verdict::Idle));
    }
}
