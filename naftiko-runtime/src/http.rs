//! The HTTP client under the typed clients ([`HttpClient`]), the requests they build
//! ([`Request`]) and [`send`], which sends one and reads the whole answer.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http::HeaderValue;
use http::Method;
use http::StatusCode;
use http::Uri;
use http::header;

use crate::context;
use crate::error::Error;
use crate::error::RawResponse;
use crate::telemetry;

/// A boxed future borrowing for `'a`, as trait objects return them.
pub type Pending<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Credentials that depend on the request or on the upstream's answer, added as a request is
/// sent: a digest challenge answered (`crate::digest`), an OAuth 1.0a signature
/// (`crate::oauth1`), an OAuth 2.0 access token fetched and renewed
/// (`crate::client_credentials`). Each lives in its own module, so a crate whose upstreams need
/// none of them carries none of them.
pub trait Authenticator: std::fmt::Debug + Send + Sync {
    /// Send `request` with these credentials (each attempt with [`send_once`]) and give the
    /// answer.
    fn send_authenticated<'a>(
        &'a self,
        http: &'a HttpClient,
        request: Request,
    ) -> Pending<'a, Result<RawResponse, Error>>;
}

/// Validate a base URL and strip its trailing `/`.
pub fn base_url(url: &str) -> Result<String, Error> {
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
            Ok(url.trim_end_matches('/').to_owned())
        }
        _ => Err(Error::InvalidBaseUrl(url.to_owned())),
    }
}

/// How long a client waits for an upstream answer unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a crate's consumed APIs are and how its clients call them: what `Upstreams::from_env`
/// of a generated crate takes.
#[derive(Debug, Clone)]
pub struct UpstreamOptions {
    /// Base URL overrides, by consumes namespace (the spec's base URL otherwise).
    pub base_urls: std::collections::BTreeMap<String, String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Whether an answer passed on that is not what its API's OpenAPI document says is an
    /// error (502) rather than a logged warning (no effect for an API without one).
    pub strict_output: bool,
    /// The folder the spec's `binds` files are read from (a spec without one never reads it).
    pub spec_dir: std::path::PathBuf,
}

impl Default for UpstreamOptions {
    fn default() -> Self {
        Self {
            base_urls: std::collections::BTreeMap::new(),
            timeout: DEFAULT_TIMEOUT,
            strict_output: false,
            spec_dir: std::path::PathBuf::from("."),
        }
    }
}

impl UpstreamOptions {
    /// The base URL override for `namespace`, if any.
    pub fn base_url(&self, namespace: &str) -> Option<&str> {
        self.base_urls.get(namespace).map(String::as_str)
    }
}

/// The HTTP client under the typed clients.
///
/// `Direct` is hyper's pooled client with rustls (HTTP/1.1 and HTTP/2, the platform's
/// certificate verifier) with no per-request work beyond the request itself: the server's hot
/// path. `Reqwest` is a `reqwest::Client`: the one the caller brings, or the default when the
/// environment names a proxy (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`), which reqwest honours.
#[derive(Debug, Clone)]
pub enum HttpClient {
    /// hyper's pooled client.
    Direct(DirectClient),
    /// A reqwest client.
    Reqwest(reqwest::Client),
}

/// The default HTTP client: pooled connections, rustls, the given per-request timeout; reqwest
/// when the environment names a proxy.
pub fn http_client(timeout: Duration) -> Result<HttpClient, Error> {
    let proxied = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
    if proxied {
        return reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(CONNECT_TIMEOUT))
            .user_agent(USER_AGENT)
            .redirect(same_origin_redirects())
            .build()
            .map(HttpClient::Reqwest)
            .map_err(|e| Error::Client(e.into()));
    }
    DirectClient::new(timeout).map(HttpClient::Direct)
}

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: usize = 10;

/// The largest upstream answer read: a larger one is an error (502), not read into memory.
pub const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// Why an answer's body could not be read: larger than `limit`, or the connection failed.
fn answer_error(err: Box<dyn std::error::Error + Send + Sync>, limit: usize) -> Error {
    if err.is::<http_body_util::LengthLimitError>() {
        too_large(limit)
    } else {
        Error::Transport(err)
    }
}

fn too_large(limit: usize) -> Error {
    Error::Transport(format!("the answer is larger than {}", size_text(limit)).into())
}

/// A size in the units a spec writes it in (`5 MiB`, `512 KiB`, `1000 bytes`).
pub fn size_text(bytes: usize) -> String {
    const KIB: usize = 1024;
    match bytes {
        b if b >= KIB * KIB && b % (KIB * KIB) == 0 => format!("{} MiB", b / (KIB * KIB)),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// hyper's pooled client with rustls; follows up to 10 redirects to the API's own origin (a
/// redirect elsewhere is the answer, see [`RawResponse::error_for_status`]).
#[derive(Clone)]
pub struct DirectClient {
    inner: std::sync::Arc<
        hyper_util::client::legacy::Client<
            hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
            http_body_util::Full<Bytes>,
        >,
    >,
    timeout: Duration,
}

impl fmt::Debug for DirectClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirectClient")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl DirectClient {
    /// A pooled client with the given per-request timeout.
    pub fn new(timeout: Duration) -> Result<Self, Error> {
        use rustls_platform_verifier::ConfigVerifierExt as _;
        let tls =
            rustls::ClientConfig::with_platform_verifier().map_err(|e| Error::Client(e.into()))?;
        let mut tcp = hyper_util::client::legacy::connect::HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(timeout.min(CONNECT_TIMEOUT)));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(tcp);
        let inner =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(90))
                .pool_timer(hyper_util::rt::TokioTimer::new())
                .build(connector);
        Ok(Self {
            inner: std::sync::Arc::new(inner),
            timeout,
        })
    }

    async fn send(&self, request: Request) -> Result<RawResponse, Error> {
        let whole = async {
            let (response, limit) = self.follow(request).await?;
            read_answer(response, limit).await
        };
        match tokio::time::timeout(self.timeout, whole).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout),
        }
    }

    /// The final answer's head (redirects to the API's own origin followed), and how much of
    /// its body may be read.
    async fn follow(
        &self,
        mut request: Request,
    ) -> Result<(http::Response<hyper::body::Incoming>, usize), Error> {
        let mut uri = Uri::try_from(std::mem::take(&mut request.url))
            .map_err(|e| Error::Request(format!("the request URL is not valid: {e}")))?;
        for _ in 0..=MAX_REDIRECTS {
            let response = match self.inner.request(outgoing(&request, &uri)).await {
                // A pooled connection the upstream closed as the request went out: an
                // idempotent request is sent once more, on a fresh connection (as nginx does).
                Err(err) if request.method.is_idempotent() && closed_unanswered(&err) => {
                    self.inner.request(outgoing(&request, &uri)).await
                }
                sent => sent,
            }
            .map_err(|e| Error::Transport(e.into()))?;
            let status = response.status();
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok());
            if status.is_informational() {
                return Err(switched(status));
            }
            let next = match (status.is_redirection(), location) {
                (true, Some(location)) => Some(redirect_target(&uri, location)?),
                _ => None,
            };
            // Only a redirect to the API's own origin is followed: an answer from another
            // host is not the API's, and a body is never sent anywhere else.
            if let Some(next) = next.filter(|next| same_origin(next, &uri)) {
                let keeps_method = matches!(
                    status,
                    StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
                );
                if !keeps_method && request.method != Method::HEAD {
                    request.method = Method::GET;
                    request.body = Bytes::new();
                    request.headers.remove(header::CONTENT_TYPE);
                    request.headers.remove(header::CONTENT_LENGTH);
                }
                uri = next;
                continue;
            }
            return Ok((response, request.max_answer));
        }
        Err(Error::Transport(
            format!("more than {MAX_REDIRECTS} redirects").into(),
        ))
    }
}

/// Send `request` with hyper's client and give the answer as it arrives: the timeout covers
/// the head, and then each wait for more of the body.
async fn direct_streamed(client: &DirectClient, request: Request) -> Result<Streamed, Error> {
    let (response, limit) = match tokio::time::timeout(client.timeout, client.follow(request)).await
    {
        Ok(result) => result?,
        Err(_) => return Err(Error::Timeout),
    };
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let length = hyper::body::Body::size_hint(response.body()).exact();
    let body = http_body_util::Limited::new(response.into_body(), limit);
    Ok(Streamed {
        status,
        content_type,
        length,
        limit,
        body: StreamedBody::Arriving(Idle::new(body, client.timeout)),
    })
}

/// The whole of `response`, at most `limit` bytes of body.
async fn read_answer(
    response: http::Response<hyper::body::Incoming>,
    limit: usize,
) -> Result<RawResponse, Error> {
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let challenge = response.headers().get(header::WWW_AUTHENTICATE).cloned();
    let limited = http_body_util::Limited::new(response.into_body(), limit);
    let body = http_body_util::BodyExt::collect(limited)
        .await
        .map_err(|e| answer_error(e, limit))?
        .to_bytes();
    Ok(RawResponse {
        status,
        content_type,
        body,
        challenge,
    })
}

/// An answer whose body may still be arriving ([`send_streamed`]): passed on as it arrives, at
/// most `limit` bytes.
#[derive(Debug)]
pub struct Streamed {
    /// The upstream's status.
    pub status: StatusCode,
    /// The upstream's `Content-Type`, if any.
    pub content_type: Option<HeaderValue>,
    /// The length the upstream announces (`Content-Length`), if any.
    pub length: Option<u64>,
    /// The most of the body that is passed on: a longer body ends in an error.
    pub limit: usize,
    /// The body.
    pub body: StreamedBody,
}

/// The body of a [`Streamed`] answer.
#[derive(Debug)]
pub enum StreamedBody {
    /// Still arriving from the upstream.
    Arriving(Idle<http_body_util::Limited<hyper::body::Incoming>>),
    /// Read already (a client that reads whole answers: reqwest's, or one that authenticates
    /// each request).
    Read(Bytes),
}

impl Streamed {
    /// The whole answer (for an error status, passed on as a [`RawResponse`]).
    pub async fn read(self) -> Result<RawResponse, Error> {
        let body = match self.body {
            StreamedBody::Read(bytes) => bytes,
            StreamedBody::Arriving(body) => http_body_util::BodyExt::collect(body)
                .await
                .map_err(|e| answer_error(e, self.limit))?
                .to_bytes(),
        };
        Ok(RawResponse {
            status: self.status,
            content_type: self.content_type,
            body,
            challenge: None,
        })
    }
}

/// A body that fails when nothing of it arrives for `idle`: an upstream that stops sending
/// does not hold the downstream connection for ever.
#[derive(Debug)]
pub struct Idle<B> {
    inner: B,
    idle: Duration,
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
}

impl<B> Idle<B> {
    fn new(inner: B, idle: Duration) -> Self {
        Self {
            inner,
            idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }
}

impl<B> hyper::body::Body for Idle<B>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let next = tokio::time::Instant::now() + this.idle;
                this.deadline.as_mut().reset(next);
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err("the upstream stopped sending".into()))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// Whether `a` and `b` have the same scheme and authority.
fn same_origin(a: &Uri, b: &Uri) -> bool {
    a.scheme() == b.scheme() && a.authority() == b.authority()
}

/// The error for an informational answer (`101 Switching Protocols` included) to a request
/// that asked for none: the upstream is not speaking HTTP to us any more.
fn switched(status: StatusCode) -> Error {
    Error::Transport(
        format!("the upstream answered `{status}` to a request that asked for no protocol switch")
            .into(),
    )
}

/// The redirect policy of the default reqwest client: as [`DirectClient`]'s, redirects to the
/// first URL's origin only, at most 10.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first();
        let same = first.is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if same {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// `request` as hyper sends it to `uri`.
fn outgoing(request: &Request, uri: &Uri) -> http::Request<http_body_util::Full<Bytes>> {
    let mut outgoing = http::Request::new(http_body_util::Full::new(request.body.clone()));
    *outgoing.method_mut() = request.method.clone();
    *outgoing.uri_mut() = uri.clone();
    *outgoing.headers_mut() = request.headers.clone();
    outgoing
        .headers_mut()
        .entry(header::USER_AGENT)
        .or_insert(HeaderValue::from_static(USER_AGENT));
    outgoing
}

/// Whether the connection closed before any answer came: the upstream dropped it (an idle
/// pooled connection it had closed, or one it accepted and closed unread).
fn closed_unanswered(err: &hyper_util::client::legacy::Error) -> bool {
    std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<hyper::Error>())
        .is_some_and(hyper::Error::is_incomplete_message)
}

/// Where a `Location` header leads from `base`: absolute, or a path on the same host.
fn redirect_target(base: &Uri, location: &str) -> Result<Uri, Error> {
    let invalid = || {
        Error::Transport(
            format!("the upstream redirected to an invalid location `{location}`").into(),
        )
    };
    if location.starts_with("http://") || location.starts_with("https://") {
        return Uri::try_from(location).map_err(|_| invalid());
    }
    let (Some(scheme), Some(authority)) = (base.scheme_str(), base.authority()) else {
        return Err(invalid());
    };
    let path = if location.starts_with('/') {
        location.to_owned()
    } else {
        let dir = base.path().rsplit_once('/').map_or("", |(dir, _)| dir);
        format!("{dir}/{location}")
    };
    Uri::try_from(format!("{scheme}://{authority}{path}")).map_err(|_| invalid())
}

/// An upstream request being built: method, URL with its query, headers and body. Building
/// never fails on the spot; the first problem is reported by [`send`].
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    url: String,
    headers: HeaderMap,
    body: Bytes,
    problem: Option<String>,
    authenticator: Option<std::sync::Arc<dyn Authenticator>>,
    max_answer: usize,
}

impl Request {
    /// A request for `url` (path already percent-encoded).
    pub fn new(method: Method, url: String) -> Self {
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            problem: None,
            authenticator: None,
            max_answer: MAX_ANSWER_BYTES,
        }
    }

    /// Read at most `bytes` of the answer (a binary answer's `maxBinarySize`); a larger answer
    /// is an error, never read into memory. [`MAX_ANSWER_BYTES`] unless told otherwise.
    pub fn max_answer(mut self, bytes: usize) -> Self {
        self.max_answer = bytes;
        self
    }

    /// The headers set so far.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    fn fail(&mut self, problem: impl Into<String>) {
        self.problem.get_or_insert_with(|| problem.into());
    }

    /// Add a header (repeated names are all sent).
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        http::HeaderName: TryFrom<K>,
        HeaderValue: TryFrom<V>,
    {
        match (
            http::HeaderName::try_from(name),
            HeaderValue::try_from(value),
        ) {
            // One `Cookie` header (RFC 6265): cookies are joined with `; `.
            (Ok(name), Ok(value)) if name == header::COOKIE => self.add_cookie(value),
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            (Err(_), _) => self.fail("a header name is not valid HTTP"),
            (Ok(name), Err(_)) => {
                self.fail(format!("the value of header `{name}` is not valid HTTP"))
            }
        }
        self
    }

    fn add_cookie(&mut self, pair: HeaderValue) {
        let joined = match self.headers.get(header::COOKIE) {
            Some(existing) => {
                let mut bytes = existing.as_bytes().to_vec();
                bytes.extend_from_slice(b"; ");
                bytes.extend_from_slice(pair.as_bytes());
                HeaderValue::from_bytes(&bytes).unwrap_or(pair)
            }
            None => pair,
        };
        let mut joined = joined;
        // Cookies often carry credentials: never logged.
        joined.set_sensitive(true);
        self.headers.insert(header::COOKIE, joined);
    }

    /// A JSON body (`Content-Type: application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.body = Bytes::from(body);
                self.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            Err(e) => self.fail(format!("the body cannot be written as JSON: {e}")),
        }
        self
    }

    /// A body as it is (set its `Content-Type` with [`Self::header`]).
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    fn into_reqwest(self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        client
            .request(self.method, self.url)
            .headers(self.headers)
            .body(self.body)
    }
}

/// A value that can go into a query string or a form body.
pub trait FormValue {
    /// The value as text.
    fn form_text(&self) -> Cow<'_, str>;
}

impl FormValue for str {
    fn form_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl FormValue for String {
    fn form_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl FormValue for Cow<'_, str> {
    fn form_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl FormValue for i64 {
    fn form_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

impl FormValue for f64 {
    fn form_text(&self) -> Cow<'_, str> {
        // Shortest text that reads back as the same number (`1.0`, `0.1`, `1e21`).
        Cow::Owned(format!("{self:?}"))
    }
}

impl FormValue for bool {
    fn form_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

impl<T: FormValue + ?Sized> FormValue for &T {
    fn form_text(&self) -> Cow<'_, str> {
        (**self).form_text()
    }
}

/// Query strings and form bodies.
impl Request {
    /// Append `name=value` pairs to the query string, form-encoded.
    pub fn query<K: AsRef<str>, V: FormValue>(mut self, pairs: &[(K, V)]) -> Self {
        for (name, value) in pairs {
            self.url
                .push(if self.url.contains('?') { '&' } else { '?' });
            self.url
                .extend(form_urlencoded::byte_serialize(name.as_ref().as_bytes()));
            self.url.push('=');
            self.url.extend(form_urlencoded::byte_serialize(
                value.form_text().as_bytes(),
            ));
        }
        self
    }

    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form<K: AsRef<str>, V: FormValue>(mut self, pairs: &[(K, V)]) -> Self {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            form.append_pair(name.as_ref(), &value.form_text());
        }
        self.body = Bytes::from(form.finish());
        self.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self
    }
}

/// Cookies.
impl Request {
    /// Add the cookie `name=value` to the `Cookie` header; the characters a cookie value cannot
    /// hold (controls, space, `"`, `,`, `;`, backslash, and `%` itself) are percent-encoded.
    pub fn cookie<V: FormValue>(mut self, name: &str, value: V) -> Self {
        let text = value.form_text();
        let encoded = percent_encoding::utf8_percent_encode(&text, COOKIE_VALUE);
        match HeaderValue::try_from(format!("{name}={encoded}")) {
            Ok(pair) => self.add_cookie(pair),
            Err(_) => self.fail(format!("the cookie `{name}` is not valid HTTP")),
        }
        self
    }
}

/// Characters a cookie value cannot hold as they are (RFC 6265 `cookie-octet`), and `%`.
const COOKIE_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// `multipart/form-data` bodies.
impl Request {
    /// A `multipart/form-data` body.
    pub fn multipart(mut self, form: Multipart) -> Self {
        match HeaderValue::try_from(format!("multipart/form-data; boundary={}", form.boundary)) {
            Ok(content_type) => {
                self.headers.insert(header::CONTENT_TYPE, content_type);
                self.body = form.finish();
            }
            Err(_) => self.fail("the multipart boundary is not valid HTTP"),
        }
        self
    }
}

/// A `multipart/form-data` body (RFC 7578) being built.
#[derive(Debug)]
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl Multipart {
    /// An empty form with a fresh random boundary.
    pub fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let random = || {
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        };
        Self {
            boundary: format!("{:016x}{:016x}", random(), random()),
            body: Vec::new(),
        }
    }

    /// Add a part named `name`.
    pub fn part(mut self, name: &str, part: Part) -> Self {
        let quoted = |text: &str| {
            text.replace('\\', "\\\\")
                .replace('"', "%22")
                .replace('\r', "%0D")
                .replace('\n', "%0A")
        };
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{}\"",
                self.boundary,
                quoted(name)
            )
            .as_bytes(),
        );
        if let Some(file_name) = &part.file_name {
            self.body
                .extend_from_slice(format!("; filename=\"{}\"", quoted(file_name)).as_bytes());
        }
        self.body.extend_from_slice(b"\r\n");
        if let Some(content_type) = &part.content_type {
            self.body.extend_from_slice(b"Content-Type: ");
            self.body.extend_from_slice(content_type.as_bytes());
            self.body.extend_from_slice(b"\r\n");
        }
        self.body.extend_from_slice(b"\r\n");
        self.body.extend_from_slice(part.value.as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self
    }

    fn finish(mut self) -> Bytes {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        Bytes::from(self.body)
    }
}

/// One part of a [`Multipart`] form.
#[derive(Debug)]
pub struct Part {
    value: String,
    file_name: Option<String>,
    content_type: Option<HeaderValue>,
}

impl Part {
    /// A text part.
    pub fn text(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            file_name: None,
            content_type: None,
        }
    }

    /// Send the part as a file with this name.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// The part's `Content-Type`.
    pub fn mime_str(mut self, content_type: &str) -> Result<Self, Error> {
        let value = HeaderValue::try_from(content_type)
            .ok()
            .filter(|_| content_type.contains('/'))
            .ok_or_else(|| Error::Request(format!("`{content_type}` is not a media type")))?;
        self.content_type = Some(value);
        Ok(self)
    }
}

/// Credentials added as the request is sent (see [`Authenticator`]), and what they read of it.
impl Request {
    /// Send the request with `authenticator`'s credentials.
    pub fn authenticated_by(mut self, authenticator: std::sync::Arc<dyn Authenticator>) -> Self {
        self.authenticator = Some(authenticator);
        self
    }

    /// Set the `Authorization` header, replacing any.
    pub(crate) fn set_authorization(&mut self, value: HeaderValue) {
        self.headers.insert(header::AUTHORIZATION, value);
    }
}

/// What credentials that depend on the request read of it.
impl Request {
    /// What a signature covers: the method, the final URL and the body.
    pub fn signed_parts(&self) -> (&Method, &str, &[u8]) {
        (&self.method, &self.url, &self.body)
    }
}

/// `request` with the request id and trace context of the served request it is made for (see
/// [`crate::context`]).
fn with_context(mut request: Request) -> Request {
    for (name, value) in context::headers().into_iter().flatten() {
        request = request.header(name, value);
    }
    request
}

/// Send a request for operation `operation` of API `api` and read the whole answer.
///
/// Inside a served request, the request id and W3C trace context travel upstream with it; the
/// call is counted and timed per operation (see [`crate::context`] and [`crate::telemetry`]).
///
/// The future is boxed: the transport's futures (hyper's, reqwest's, the retries around them) take
/// kilobytes, and unboxed they would make every caller's future as large — handlers and tool
/// calls would copy them around by the kilobyte as they are built, boxed and polled.
pub fn send<'a>(
    http: &'a HttpClient,
    request: Request,
    api: &'static str,
    operation: &'static str,
) -> Pending<'a, Result<RawResponse, Error>> {
    Box::pin(send_counted(http, request, api, operation))
}

async fn send_counted(
    http: &HttpClient,
    request: Request,
    api: &'static str,
    operation: &'static str,
) -> Result<RawResponse, Error> {
    let mut request = with_context(request);
    if let Some(problem) = request.problem.take() {
        return Err(Error::Request(problem));
    }
    let started = std::time::Instant::now();
    let result = match request.authenticator.take() {
        Some(authenticator) => authenticator.send_authenticated(http, request).await,
        None => send_once(http, request).await,
    };
    telemetry::upstream_call(
        api,
        operation,
        result.as_ref().map(|r| r.status).ok(),
        started.elapsed(),
    );
    result
}

/// [`send`], giving the answer as it arrives ([`Streamed`]) where the client allows: hyper's,
/// for a request that no [`Authenticator`] signs. Otherwise the answer is read whole first
/// (bounded the same way).
pub fn send_streamed<'a>(
    http: &'a HttpClient,
    request: Request,
    api: &'static str,
    operation: &'static str,
) -> Pending<'a, Result<Streamed, Error>> {
    Box::pin(async move {
        let (HttpClient::Direct(client), None) = (http, &request.authenticator) else {
            let raw = send_counted(http, request, api, operation).await?;
            return Ok(Streamed {
                status: raw.status,
                content_type: raw.content_type,
                length: Some(raw.body.len() as u64),
                limit: raw.body.len(),
                body: StreamedBody::Read(raw.body),
            });
        };
        let mut request = with_context(request);
        if let Some(problem) = request.problem.take() {
            return Err(Error::Request(problem));
        }
        let started = std::time::Instant::now();
        let result = direct_streamed(client, request).await;
        telemetry::upstream_call(
            api,
            operation,
            result.as_ref().map(|r| r.status).ok(),
            started.elapsed(),
        );
        result
    })
}

/// Send `request` as it is: no context, no metrics, no credentials added.
pub async fn send_once(http: &HttpClient, request: Request) -> Result<RawResponse, Error> {
    match http {
        HttpClient::Direct(client) => client.send(request).await,
        HttpClient::Reqwest(client) => {
            let limit = request.max_answer;
            send_reqwest(request.into_reqwest(client), limit).await
        }
    }
}

/// A reqwest error as an [`Error`], without its URL: the URL can carry credentials (an API key
/// in the query).
fn reqwest_error(err: reqwest::Error) -> Error {
    let err = err.without_url();
    if err.is_timeout() {
        Error::Timeout
    } else {
        Error::Transport(err.into())
    }
}

async fn send_reqwest(
    request: reqwest::RequestBuilder,
    limit: usize,
) -> Result<RawResponse, Error> {
    let mut response = request.send().await.map_err(reqwest_error)?;
    let status = response.status();
    if status.is_informational() {
        return Err(switched(status));
    }
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let challenge = response.headers().get(header::WWW_AUTHENTICATE).cloned();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(reqwest_error)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    let body = Bytes::from(body);
    Ok(RawResponse {
        status,
        content_type,
        body,
        challenge,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_absolute_or_on_the_same_host() {
        let base = Uri::from_static("https://api.example/v1/a/b");
        assert_eq!(
            redirect_target(&base, "/x").unwrap(),
            "https://api.example/x"
        );
        assert_eq!(
            redirect_target(&base, "c").unwrap(),
            "https://api.example/v1/a/c"
        );
        assert_eq!(
            redirect_target(&base, "http://o.example/y").unwrap(),
            "http://o.example/y"
        );
    }

    #[test]
    fn requests_collect_their_first_problem_and_join_cookies() {
        let request = Request::new(Method::GET, "https://api.example/x".to_owned())
            .query(&[("q", "a b")])
            .cookie("s", "1;2")
            .cookie("t", "3");
        assert_eq!(request.url, "https://api.example/x?q=a+b");
        assert_eq!(request.headers[header::COOKIE], "s=1%3B2; t=3");
        assert!(request.headers[header::COOKIE].is_sensitive());
        let bad = Request::new(Method::GET, String::new()).header("x", "a\nb");
        assert_eq!(
            bad.problem.as_deref(),
            Some("the value of header `x` is not valid HTTP")
        );
    }

    #[test]
    fn a_base_url_is_absolute_http() {
        assert_eq!(
            base_url("https://api.example/v1/").unwrap(),
            "https://api.example/v1"
        );
        assert!(base_url("ftp://x").is_err());
        assert!(base_url("/relative").is_err());
    }
}
