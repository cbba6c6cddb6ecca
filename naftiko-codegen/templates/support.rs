//! Support code every generated crate carries: the client's error and response types, path
//! encoding, secrets, RFC 9457 problem responses, MCP tool plumbing and server start-up.
//!
//! It holds no interpreter: each operation of the spec is plain Rust in its own module.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A secret value (an API key, a token). It never appears in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself — only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// An `Authorization: Bearer …` header value, marked sensitive so that it is never logged.
pub fn bearer_header(token: &Secret) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose()))
        .map_err(|_| Error::InvalidCredentials("the bearer token contains characters not allowed in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// A header value marked sensitive (never logged), e.g. an API key.
pub fn sensitive_header(value: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::try_from(value)
        .map_err(|_| Error::InvalidCredentials("a credential contains characters not allowed in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// An `Authorization: Basic …` header value (RFC 7617), marked sensitive.
pub fn basic_header(username: &Secret, password: &Secret) -> Result<HeaderValue, Error> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let plain = format!("{}:{}", username.expose(), password.expose());
    let mut encoded = String::with_capacity(plain.len().div_ceil(3) * 4 + 6);
    encoded.push_str("Basic ");
    for chunk in plain.as_bytes().chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                encoded.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                encoded.push('=');
            }
        }
    }
    sensitive_header(&encoded)
}

/// Answers an upstream's authentication challenge: a request with one is sent again with the
/// answer when the upstream asks (`401` with `WWW-Authenticate`). Digest authentication.
pub trait Challenge: std::fmt::Debug + Send + Sync {
    /// The `Authorization` value answering `challenge` for a request of `method` to `url`, if
    /// this answerer can.
    fn answer(&self, challenge: &HeaderValue, method: &axum::http::Method, url: &str) -> Option<HeaderValue>;
}

/// Errors of the typed clients.
///
/// Upstream answers with a status of 400 or more are [`Error::Status`]: the status, content type
/// and body are kept as the upstream sent them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The upstream answered with an error status.
    #[error("upstream answered {status}")]
    Status {
        /// The upstream's status.
        status: StatusCode,
        /// The upstream's `Content-Type`, if any.
        content_type: Option<HeaderValue>,
        /// The upstream's body, unchanged.
        body: Bytes,
    },
    /// The upstream did not answer in time.
    #[error("upstream did not answer in time")]
    Timeout,
    /// The upstream could not be reached, or its answer was not valid HTTP.
    #[error("upstream unreachable or not speaking HTTP: {0}")]
    Transport(#[source] BoxError),
    /// The upstream answered success with a body that is not in the format the spec promises.
    #[error("upstream answered {status} with a body that is not valid {format}: {source}")]
    Decode {
        /// The upstream's status.
        status: StatusCode,
        /// The format the spec declares (`JSON`, `XML`, …).
        format: &'static str,
        /// Why it cannot be read.
        #[source]
        source: BoxError,
    },
    /// The base URL given to a client constructor is not an absolute http(s) URL.
    #[error("invalid base URL `{0}`: expected an absolute http(s) URL")]
    InvalidBaseUrl(String),
    /// The credentials cannot be sent (e.g. a token with a line break).
    #[error("invalid credentials: {0}")]
    InvalidCredentials(&'static str),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] BoxError),
    /// The request could not be built (e.g. a header value with a line break).
    #[error("cannot build the request: {0}")]
    Request(String),
    /// An earlier step's answer lacks a value a later call needs, or has it with another type.
    #[error("{0}")]
    Step(String),
    /// The answer does not fit the shape the spec gives it (a typed client result).
    #[error(transparent)]
    Shape(#[from] map::Mismatch),
}

impl Error {
    fn from_reqwest(err: reqwest::Error) -> Self {
        // The URL can carry credentials (e.g. an API key in the query): never keep it.
        let err = err.without_url();
        if err.is_timeout() { Error::Timeout } else { Error::Transport(err.into()) }
    }
}

/// An upstream answer as received: status, content type and body.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The upstream's status.
    pub status: StatusCode,
    /// The upstream's `Content-Type`, if any.
    pub content_type: Option<HeaderValue>,
    /// The body, unchanged.
    pub body: Bytes,
    /// The upstream's `WWW-Authenticate` challenge, if any (read for digest authentication).
    pub challenge: Option<HeaderValue>,
}

impl RawResponse {
    /// Turn an error status into [`Error::Status`].
    pub fn error_for_status(self) -> Result<Self, Error> {
        if self.status.is_client_error() || self.status.is_server_error() {
            Err(Error::Status { status: self.status, content_type: self.content_type, body: self.body })
        } else {
            Ok(self)
        }
    }

    /// Check that the body is JSON (or empty) without building it.
    pub fn check_json(&self) -> Result<(), Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        serde_json::from_slice::<serde::de::IgnoredAny>(&self.body)
            .map(drop)
            .map_err(|source| Error::Decode { status: self.status, format: "JSON", source: source.into() })
    }

    /// The body as JSON; an empty body (e.g. `204 No Content`) is `null`.
    pub fn json(&self) -> Result<serde_json::Value, Error> {
        self.read(JSON)
    }

    /// The body, in the declared `format`, read as JSON; an empty body is `null`.
    pub fn read(&self, format: Format) -> Result<serde_json::Value, Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        (format.read)(&self.body).map_err(|source| Error::Decode { status: self.status, format: format.name, source })
    }
}

/// A format an upstream answers in (`outputRawFormat`), read as JSON.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    /// Its name, for messages.
    pub name: &'static str,
    /// The reader.
    pub read: fn(&[u8]) -> Result<serde_json::Value, BoxError>,
}

/// JSON, the default format.
pub const JSON: Format = Format { name: "JSON", read: |body| Ok(serde_json::from_slice(body)?) };

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

/// A boxed error from the HTTP stack.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

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
    let proxied = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
    if proxied {
        return reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(CONNECT_TIMEOUT))
            .user_agent(USER_AGENT)
            .build()
            .map(HttpClient::Reqwest)
            .map_err(|e| Error::Client(e.into()));
    }
    DirectClient::new(timeout).map(HttpClient::Direct)
}

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: usize = 10;

/// hyper's pooled client with rustls; follows up to 10 redirects like reqwest does.
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
        f.debug_struct("DirectClient").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl DirectClient {
    /// A pooled client with the given per-request timeout.
    pub fn new(timeout: Duration) -> Result<Self, Error> {
        use rustls_platform_verifier::ConfigVerifierExt as _;
        let tls = rustls::ClientConfig::with_platform_verifier().map_err(|e| Error::Client(e.into()))?;
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
        let inner = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .build(connector);
        Ok(Self { inner: std::sync::Arc::new(inner), timeout })
    }

    async fn send(&self, request: Request) -> Result<RawResponse, Error> {
        match tokio::time::timeout(self.timeout, self.follow(request)).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout),
        }
    }

    async fn follow(&self, mut request: Request) -> Result<RawResponse, Error> {
        let mut uri = axum::http::Uri::try_from(std::mem::take(&mut request.url))
            .map_err(|e| Error::Request(format!("the request URL is not valid: {e}")))?;
        for _ in 0..=MAX_REDIRECTS {
            let mut outgoing = axum::http::Request::new(http_body_util::Full::new(request.body.clone()));
            *outgoing.method_mut() = request.method.clone();
            *outgoing.uri_mut() = uri.clone();
            *outgoing.headers_mut() = request.headers.clone();
            outgoing.headers_mut().entry(header::USER_AGENT).or_insert(HeaderValue::from_static(USER_AGENT));
            let response = self.inner.request(outgoing).await.map_err(|e| Error::Transport(e.into()))?;
            let status = response.status();
            let location = response.headers().get(header::LOCATION).and_then(|l| l.to_str().ok());
            if let (true, Some(location)) = (status.is_redirection(), location) {
                let next = redirect_target(&uri, location)?;
                if next.authority() != uri.authority() || next.scheme() != uri.scheme() {
                    // Credentials are for the API's own host only.
                    for name in [header::AUTHORIZATION, header::COOKIE, header::PROXY_AUTHORIZATION] {
                        request.headers.remove(name);
                    }
                }
                let keeps_method = matches!(status, StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT);
                if !keeps_method && request.method != axum::http::Method::HEAD {
                    request.method = axum::http::Method::GET;
                    request.body = Bytes::new();
                    request.headers.remove(header::CONTENT_TYPE);
                    request.headers.remove(header::CONTENT_LENGTH);
                }
                uri = next;
                continue;
            }
            let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
            let challenge = response.headers().get(header::WWW_AUTHENTICATE).cloned();
            let body = http_body_util::BodyExt::collect(response.into_body())
                .await
                .map_err(|e| Error::Transport(e.into()))?
                .to_bytes();
            return Ok(RawResponse { status, content_type, body, challenge });
        }
        Err(Error::Transport(format!("more than {MAX_REDIRECTS} redirects").into()))
    }
}

/// Where a `Location` header leads from `base`: absolute, or a path on the same host.
fn redirect_target(base: &axum::http::Uri, location: &str) -> Result<axum::http::Uri, Error> {
    let invalid = || Error::Transport(format!("the upstream redirected to an invalid location `{location}`").into());
    if location.starts_with("http://") || location.starts_with("https://") {
        return axum::http::Uri::try_from(location).map_err(|_| invalid());
    }
    let (Some(scheme), Some(authority)) = (base.scheme_str(), base.authority()) else { return Err(invalid()) };
    let path = if location.starts_with('/') {
        location.to_owned()
    } else {
        let dir = base.path().rsplit_once('/').map_or("", |(dir, _)| dir);
        format!("{dir}/{location}")
    };
    axum::http::Uri::try_from(format!("{scheme}://{authority}{path}")).map_err(|_| invalid())
}

/// A value that can go into a query string or a form body.
pub trait FormValue {
    /// The value as text.
    fn form_text(&self) -> std::borrow::Cow<'_, str>;
}

impl FormValue for str {
    fn form_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self)
    }
}

impl FormValue for String {
    fn form_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self)
    }
}

impl FormValue for std::borrow::Cow<'_, str> {
    fn form_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(self)
    }
}

impl FormValue for i64 {
    fn form_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Owned(self.to_string())
    }
}

impl FormValue for f64 {
    fn form_text(&self) -> std::borrow::Cow<'_, str> {
        // Shortest text that reads back as the same number (`1.0`, `0.1`, `1e21`).
        std::borrow::Cow::Owned(format!("{self:?}"))
    }
}

impl FormValue for bool {
    fn form_text(&self) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

impl<T: FormValue + ?Sized> FormValue for &T {
    fn form_text(&self) -> std::borrow::Cow<'_, str> {
        (**self).form_text()
    }
}

/// An upstream request being built: method, URL with its query, headers and body. Building
/// never fails on the spot; the first problem is reported by [`send`].
#[derive(Debug, Clone)]
pub struct Request {
    method: axum::http::Method,
    url: String,
    headers: HeaderMap,
    body: Bytes,
    problem: Option<String>,
    challenge: Option<std::sync::Arc<dyn Challenge>>,
}

impl Request {
    /// A request for `url` (path already percent-encoded).
    pub fn new(method: axum::http::Method, url: String) -> Self {
        Self { method, url, headers: HeaderMap::new(), body: Bytes::new(), problem: None, challenge: None }
    }

    /// Answer the upstream's authentication challenge with `answerer`: the request is sent, and
    /// sent again with its answer when the upstream answers 401 with a challenge it can meet.
    pub fn answer_challenge(mut self, answerer: std::sync::Arc<dyn Challenge>) -> Self {
        self.challenge = Some(answerer);
        self
    }

    fn fail(&mut self, problem: impl Into<String>) {
        self.problem.get_or_insert_with(|| problem.into());
    }

    /// Add a header (repeated names are all sent).
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        axum::http::HeaderName: TryFrom<K>,
        HeaderValue: TryFrom<V>,
    {
        match (axum::http::HeaderName::try_from(name), HeaderValue::try_from(value)) {
            // One `Cookie` header (RFC 6265): cookies are joined with `; `.
            (Ok(name), Ok(value)) if name == header::COOKIE => self.add_cookie(value),
            (Ok(name), Ok(value)) => {
                self.headers.append(name, value);
            }
            (Err(_), _) => self.fail("a header name is not valid HTTP"),
            (Ok(name), Err(_)) => self.fail(format!("the value of header `{name}` is not valid HTTP")),
        }
        self
    }

    /// Append `name=value` pairs to the query string, form-encoded.
    pub fn query<K: AsRef<str>, V: FormValue>(mut self, pairs: &[(K, V)]) -> Self {
        for (name, value) in pairs {
            self.url.push(if self.url.contains('?') { '&' } else { '?' });
            self.url.extend(form_urlencoded::byte_serialize(name.as_ref().as_bytes()));
            self.url.push('=');
            self.url.extend(form_urlencoded::byte_serialize(value.form_text().as_bytes()));
        }
        self
    }

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
                self.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
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

    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form<K: AsRef<str>, V: FormValue>(mut self, pairs: &[(K, V)]) -> Self {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            form.append_pair(name.as_ref(), &value.form_text());
        }
        self.body = Bytes::from(form.finish());
        self.headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        self
    }

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

    fn into_reqwest(self, client: &reqwest::Client) -> reqwest::RequestBuilder {
        client.request(self.method, self.url).headers(self.headers).body(self.body)
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
        let random = || std::collections::hash_map::RandomState::new().build_hasher().finish();
        Self { boundary: format!("{:016x}{:016x}", random(), random()), body: Vec::new() }
    }

    /// Add a part named `name`.
    pub fn part(mut self, name: &str, part: Part) -> Self {
        let quoted = |text: &str| text.replace('\\', "\\\\").replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A");
        self.body.extend_from_slice(format!("--{}\r\nContent-Disposition: form-data; name=\"{}\"", self.boundary, quoted(name)).as_bytes());
        if let Some(file_name) = &part.file_name {
            self.body.extend_from_slice(format!("; filename=\"{}\"", quoted(file_name)).as_bytes());
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
        self.body.extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
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
        Self { value: value.into(), file_name: None, content_type: None }
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

/// Send a request for operation `operation` of API `api` and read the whole answer.
///
/// Inside a served request, the request id and W3C trace context travel upstream with it; the
/// call is counted and timed per operation (see [`observe`]).
pub async fn send(http: &HttpClient, request: Request, api: &'static str, operation: &'static str) -> Result<RawResponse, Error> {
    let mut request = observe::propagate(request);
    if let Some(problem) = request.problem.take() {
        return Err(Error::Request(problem));
    }
    let started = std::time::Instant::now();
    let answerer = request.challenge.take();
    let again = answerer.as_ref().map(|_| request.clone());
    let mut result = send_once(http, request).await;
    if let (Some(answerer), Some(mut again), Ok(first)) = (&answerer, again, &result)
        && first.status == StatusCode::UNAUTHORIZED
        && let Some(authorization) = first.challenge.as_ref().and_then(|c| answerer.answer(c, &again.method, &again.url))
    {
        again.headers.insert(header::AUTHORIZATION, authorization);
        result = send_once(http, again).await;
    }
    observe::upstream_call(api, operation, result.as_ref().map(|r| r.status).ok(), started.elapsed());
    result
}

async fn send_once(http: &HttpClient, request: Request) -> Result<RawResponse, Error> {
    match http {
        HttpClient::Direct(client) => client.send(request).await,
        HttpClient::Reqwest(client) => send_reqwest(request.into_reqwest(client)).await,
    }
}

async fn send_reqwest(request: reqwest::RequestBuilder) -> Result<RawResponse, Error> {
    let response = request.send().await.map_err(Error::from_reqwest)?;
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let challenge = response.headers().get(header::WWW_AUTHENTICATE).cloned();
    let body = response.bytes().await.map_err(Error::from_reqwest)?;
    Ok(RawResponse { status, content_type, body, challenge })
}

/// Characters a cookie value cannot hold as they are (RFC 6265 `cookie-octet`), and `%`.
const COOKIE_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b' ').add(b'"').add(b',').add(b';').add(b'\\').add(b'%');

/// Characters left as they are in a path segment: RFC 3986 unreserved. Everything else,
/// `/` included, is percent-encoded, so a value is always exactly one segment.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Query pairs for a list or object parameter: one `name=item` pair per element (form style,
/// exploded), `name[key]=value` per field.
pub fn query_list(name: &str, value: &serde_json::Value) -> Vec<(String, String)> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        serde_json::Value::Array(items) => items.iter().map(|item| (name.to_owned(), text(item))).collect(),
        // Objects as `name[key]=value` (deepObject style).
        serde_json::Value::Object(fields) => fields
            .iter()
            .flat_map(|(key, v)| query_list(&format!("{name}[{key}]"), v))
            .collect(),
        other => vec![(name.to_owned(), text(other))],
    }
}

/// A header value for a list parameter: the elements joined by commas.
pub fn header_list(value: &serde_json::Value) -> String {
    query_list("", value).into_iter().map(|(_, v)| v).collect::<Vec<_>>().join(",")
}

/// A template value as text: strings as they are, anything else as JSON.
pub fn text(value: &serde_json::Value) -> std::borrow::Cow<'_, str> {
    match value {
        serde_json::Value::String(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

/// Form-encode a value for a pre-encoded form body template.
pub fn form_encode(value: impl AsRef<str>) -> String {
    percent_encoding::utf8_percent_encode(value.as_ref(), PATH_SEGMENT).to_string()
}

/// Any string-like value as `&str` (inputs arrive as `String`, `&String` or `&str`).
pub fn as_str<S: AsRef<str> + ?Sized>(value: &S) -> &str {
    value.as_ref()
}

/// Percent-encode a value for use as one path segment (`a/b c` → `a%2Fb%20c`).
pub fn encode_path_segment(value: &str) -> percent_encoding::PercentEncode<'_> {
    percent_encoding::utf8_percent_encode(value, PATH_SEGMENT)
}

/// An error that stops start-up, printed as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A bound variable is not set.
    #[error("environment variable {variable} is not set ({declared})")]
    MissingVariable {
        /// The environment variable.
        variable: &'static str,
        /// What declares it: "bound by `binds[0]`, namespace `env`", or the `in: environment`
        /// parameter that reads it.
        declared: &'static str,
    },
    /// A `binds` file cannot be read.
    #[error("cannot read {path} (bound by `binds[{bind_index}]`, namespace `{namespace}`): {reason}")]
    BindFile {
        /// The file.
        path: String,
        /// The `binds[]` index that declares it.
        bind_index: usize,
        /// The `binds[]` namespace that declares it.
        namespace: &'static str,
        /// Why (never the file's content).
        reason: String,
    },
    /// A `binds` file has no value for a key.
    #[error("{path} has no value for `{key}` (variable {variable}, bound by `binds[{bind_index}]`, namespace `{namespace}`)")]
    MissingKey {
        /// The key in the file.
        key: &'static str,
        /// The variable it feeds.
        variable: &'static str,
        /// The file, as the spec names it.
        path: &'static str,
        /// The `binds[]` index that declares it.
        bind_index: usize,
        /// The `binds[]` namespace that declares it.
        namespace: &'static str,
    },
    /// A command-line value is wrong.
    #[error("{0}")]
    Usage(String),
    /// A client could not be built.
    #[error("{0}")]
    Client(#[from] Error),
    /// A socket could not be bound.
    #[error("cannot listen on {addr} for `{namespace}`: {source}")]
    Bind {
        /// The adapter.
        namespace: &'static str,
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A server stopped with an I/O error.
    #[error("server `{namespace}` failed: {source}")]
    Serve {
        /// The adapter.
        namespace: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Read a bound variable from the environment. Its value is never logged or echoed.
pub fn env_secret(variable: &'static str, declared: &'static str) -> Result<Secret, StartupError> {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
        _ => Err(StartupError::MissingVariable { variable, declared }),
    }
}

/// RFC 9457 `application/problem+json` responses for errors the server itself produces.
pub mod problem {
    use super::*;

    /// An error the server itself answers, rendered as a problem document.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Problem {
        /// The HTTP status.
        pub status: StatusCode,
        /// What went wrong, for humans.
        pub detail: String,
    }

    impl Problem {
        /// A problem with `status` and `detail`.
        pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
            Self { status, detail: detail.into() }
        }
    }

    impl IntoResponse for Problem {
        fn into_response(self) -> Response {
            response(self.status, self.detail)
        }
    }

    /// A problem response with `status` and a human-readable `detail`.
    pub fn response(status: StatusCode, detail: impl Into<String>) -> Response {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": detail.into(),
        });
        let mut response = (status, body.to_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }

    /// The problem response for a client error (502, 504 or the upstream's own status).
    pub fn from_client_error(err: &Error) -> Response {
        match err {
            Error::Status { status, content_type, body } => {
                passthrough(*status, content_type.clone(), body.clone())
            }
            Error::Timeout => response(StatusCode::GATEWAY_TIMEOUT, "the upstream API did not answer in time"),
            Error::Decode { status, format, .. } => response(
                StatusCode::BAD_GATEWAY,
                format!("the upstream API answered {status} with a body that is not valid {format}"),
            ),
            Error::Transport(e) => response(StatusCode::BAD_GATEWAY, format!("the upstream API is unreachable: {}", chain(e.as_ref()))),
            Error::Step(message) => response(StatusCode::BAD_GATEWAY, message.clone()),
            Error::Shape(mismatch) => response(StatusCode::BAD_GATEWAY, mismatch.to_string()),
            other => response(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }

    fn chain(err: &dyn std::error::Error) -> String {
        let mut text = err.to_string();
        let mut source = err.source();
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }

    /// A response with the upstream's status, content type and body, unchanged.
    pub fn passthrough(status: StatusCode, content_type: Option<HeaderValue>, body: Bytes) -> Response {
        let mut headers = HeaderMap::new();
        if let Some(ct) = content_type
            && !body.is_empty()
        {
            headers.insert(header::CONTENT_TYPE, ct);
        }
        (status, headers, body).into_response()
    }
}

/// Orchestration: what the steps of an orchestrated operation do besides calling.
pub mod steps {
    use serde_json::{Map, Value};

    /// A call's argument read from an earlier step's result (`$.<step>.…`, written as `path`),
    /// by `read`: `None` when it is absent or null; a value `read` refuses is an error naming
    /// the path and what was `expected`.
    pub fn optional_argument<T>(
        result: &Value,
        path: &'static str,
        steps: &[super::map::Step],
        read: fn(&Value) -> Option<T>,
        expected: &'static str,
    ) -> Result<Option<T>, super::Error> {
        match super::map::at(result, steps) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(value)
                .map(Some)
                .ok_or_else(|| super::Error::Step(format!("`{path}` is not {expected}"))),
        }
    }

    /// Like [`optional_argument`], for a required parameter: a missing value is an error too.
    pub fn required_argument<T>(
        result: &Value,
        path: &'static str,
        steps: &[super::map::Step],
        read: fn(&Value) -> Option<T>,
        expected: &'static str,
    ) -> Result<T, super::Error> {
        optional_argument(result, path, steps, read, expected)?
            .ok_or_else(|| super::Error::Step(format!("`{path}` has no value: the next call needs it")))
    }

    /// Text for a string parameter: a string, or a number or boolean as written.
    pub fn as_text(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// An integer, or a string holding one.
    pub fn as_integer(value: &Value) -> Option<i64> {
        value.as_i64().or_else(|| value.as_str()?.trim().parse().ok())
    }

    /// A number, or a string holding one.
    pub fn as_number(value: &Value) -> Option<f64> {
        value.as_f64().or_else(|| value.as_str()?.trim().parse().ok())
    }

    /// A boolean, or the string `true` or `false`.
    pub fn as_boolean(value: &Value) -> Option<bool> {
        value.as_bool().or_else(|| value.as_str()?.trim().parse().ok())
    }

    /// Any JSON value, as it is.
    pub fn as_json(value: &Value) -> Option<Value> {
        Some(value.clone())
    }

    /// An operation's named outputs (`{name, value: $.path}`), added to its answer — to each
    /// element of an array answer — for later steps (a lookup's `match`, a mapping).
    pub fn name_outputs(answer: &mut Value, named: &[(&str, &[super::map::Step])]) {
        let add = |entry: &mut Value| {
            let values: Vec<Value> = named
                .iter()
                .map(|(_, path)| super::map::at(entry, path).cloned().unwrap_or(Value::Null))
                .collect();
            if let Value::Object(fields) = entry {
                for ((name, _), value) in named.iter().zip(values) {
                    fields.insert((*name).to_owned(), value);
                }
            }
        };
        match answer {
            Value::Array(entries) => entries.iter_mut().for_each(add),
            other => add(other),
        }
    }

    /// A `lookup` step: the entries of `table` (an array, or one object) whose `key` equals
    /// `wanted`, each reduced to `fields`. An array of values gives the array of their matches
    /// (values without a match are left out); one value gives its match, or `null`.
    pub fn lookup(table: &Value, key: &str, wanted: Option<&Value>, fields: &[&str]) -> Value {
        let entries = match table {
            Value::Array(entries) => entries.as_slice(),
            object @ Value::Object(_) => std::slice::from_ref(object),
            _ => &[],
        };
        let matched = |value: &Value| {
            entries.iter().find(|entry| entry.get(key) == Some(value)).map(|entry| {
                let kept: Map<String, Value> = fields
                    .iter()
                    .map(|f| ((*f).to_owned(), entry.get(*f).cloned().unwrap_or(Value::Null)))
                    .collect();
                Value::Object(kept)
            })
        };
        match wanted {
            Some(Value::Array(values)) => Value::Array(values.iter().filter_map(matched).collect()),
            Some(Value::Null) | None => Value::Null,
            Some(value) => matched(value).unwrap_or(Value::Null),
        }
    }
}

/// Plumbing of the generated skill catalogs.
pub mod skills {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::{IntoResponse, Response};

    /// A catalog document (JSON built at generation).
    pub fn document(json: &'static str) -> Response {
        ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json).into_response()
    }

    /// A file of a skill's folder (compiled in); text types are UTF-8.
    pub fn file(mime_type: &'static str, body: &'static [u8]) -> Response {
        let content_type = if mime_type.starts_with("text/") {
            HeaderValue::from_str(&format!("{mime_type}; charset=utf-8"))
        } else {
            HeaderValue::from_str(mime_type)
        };
        let content_type = content_type.unwrap_or(HeaderValue::from_static("application/octet-stream"));
        ([(header::CONTENT_TYPE, content_type)], body).into_response()
    }

    /// A file a skill does not have: 404.
    pub async fn unknown_file(axum::extract::Path((name, file)): axum::extract::Path<(String, String)>) -> Response {
        super::problem::response(StatusCode::NOT_FOUND, format!("skill `{name}` has no file `{file}`"))
    }

    /// A skill the catalog does not have: 404.
    pub async fn unknown(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
        super::problem::response(StatusCode::NOT_FOUND, format!("no skill `{name}` in this catalog"))
    }
}

/// Plumbing of the generated axum handlers.
pub mod rest {
    use super::*;
    use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
    pub use super::problem::Problem;

    /// The default limit on request bodies: 1 MiB.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

    /// Pass an upstream answer through: its status and JSON body (a success body that is not
    /// JSON is a 502; error bodies are passed as they are).
    pub fn pass_through(result: Result<RawResponse, Error>) -> Response {
        match result.and_then(RawResponse::error_for_status) {
            Ok(raw) => {
                if let Err(err) = raw.check_json() {
                    return problem::from_client_error(&err);
                }
                let content_type = raw
                    .content_type
                    .or_else(|| Some(HeaderValue::from_static("application/json")));
                problem::passthrough(raw.status, content_type, raw.body)
            }
            Err(err) => {
                if !matches!(err, Error::Status { .. }) {
                    tracing::warn!(error = %err, "upstream call failed");
                }
                problem::from_client_error(&err)
            }
        }
    }

    /// A shaped answer: the upstream's status (error statuses pass through as they are) and the
    /// output `shape` makes of its JSON; a 502 problem when the JSON does not fit.
    pub fn shaped<T: serde::Serialize>(
        result: Result<RawResponse, Error>,
        format: Format,
        shape: impl Fn(&serde_json::Value) -> Result<T, map::Mismatch>,
    ) -> Response {
        let raw = match result.and_then(RawResponse::error_for_status) {
            Ok(raw) => raw,
            Err(err) => return pass_through(Err(err)),
        };
        match raw.read(format) {
            Ok(json) => shaped_json(raw.status, &json, shape),
            Err(err) => problem::from_client_error(&err),
        }
    }

    /// `status` and the output `shape` makes of `json`; a 502 problem when it does not fit.
    fn shaped_json<T: serde::Serialize>(
        status: StatusCode,
        json: &serde_json::Value,
        shape: impl Fn(&serde_json::Value) -> Result<T, map::Mismatch>,
    ) -> Response {
        match shape(json).map(|output| serde_json::to_vec(&output)) {
            Ok(Ok(body)) => problem::passthrough(status, Some(HeaderValue::from_static("application/json")), Bytes::from(body)),
            Ok(Err(e)) => problem::response(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            Err(mismatch) => {
                tracing::warn!(error = %mismatch, "upstream answer does not fit the output");
                problem::response(StatusCode::BAD_GATEWAY, mismatch.to_string())
            }
        }
    }

    /// The answer of a mock operation: the object of its named outputs (200).
    pub fn mock(fields: &[(&str, serde_json::Value)]) -> Response {
        let value: serde_json::Map<String, serde_json::Value> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        let body = serde_json::Value::Object(value).to_string();
        problem::passthrough(StatusCode::OK, Some(HeaderValue::from_static("application/json")), Bytes::from(body))
    }

    /// The response for a failed upstream call of an orchestration step (as for a single call).
    pub fn upstream_error(err: Error) -> Response {
        pass_through(Err(err))
    }

    /// The answer of an orchestrated operation: the output `shape` makes of the steps' results
    /// (200), or a 502 problem when they do not fit.
    pub fn orchestrated<T: serde::Serialize>(
        steps: &serde_json::Value,
        shape: impl Fn(&serde_json::Value) -> Result<T, map::Mismatch>,
    ) -> Response {
        shaped_json(StatusCode::OK, steps, shape)
    }

    /// Pass a text answer through: status, content type (default `text/plain`) and body.
    pub fn pass_through_text(result: Result<RawResponse, Error>) -> Response {
        match result {
            Ok(raw) => {
                let content_type = raw.content_type.or_else(|| Some(HeaderValue::from_static("text/plain; charset=utf-8")));
                problem::passthrough(raw.status, content_type, raw.body)
            }
            Err(err) => {
                tracing::warn!(error = %err, "upstream call failed");
                problem::from_client_error(&err)
            }
        }
    }

    /// An input that does not match its `pattern`: 400.
    pub fn pattern_mismatch(name: &str, pattern: &str) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, format!("`{name}` does not match the pattern `{pattern}`"))
    }

    /// A path that does not fit the route.
    pub fn bad_path(rejection: PathRejection) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, format!("invalid path: {}", rejection.body_text()))
    }

    /// A query string that cannot be read.
    pub fn bad_query(rejection: QueryRejection) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, format!("invalid query string: {}", rejection.body_text()))
    }

    /// A required JSON request body: 413 over the limit, 400 when it is missing or not JSON.
    pub fn required_json_body(body: Result<Bytes, BytesRejection>, expect: Expect) -> Result<serde_json::Value, Problem> {
        json_body(body, expect)?.ok_or_else(|| Problem::new(StatusCode::BAD_REQUEST, "a JSON request body is required"))
    }

    /// What a forwarding resource sends on: the method, the path after `prefix` (the request
    /// path when there is none) with the query, the `Content-Type` and trusted headers, and the
    /// body. A path with `.` or `..` segments is refused (400): it would leave the API's base path.
    pub fn forwarded(
        method: &axum::http::Method,
        uri: &axum::http::Uri,
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
        prefix: Option<&str>,
        trusted: &[&str],
    ) -> Result<Forwarded, Problem> {
        let body = body.map_err(|rejection| {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(status, "the request body is larger than the server accepts")
            } else {
                Problem::new(status, format!("cannot read the request body: {}", rejection.body_text()))
            }
        })?;
        let path = match prefix {
            Some(prefix) => format!("/{}", uri.path().strip_prefix(prefix).unwrap_or("")),
            None => uri.path().to_owned(),
        };
        let dot_segment = path.split('/').any(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            decoded == "." || decoded == ".."
        });
        if dot_segment {
            return Err(Problem::new(StatusCode::BAD_REQUEST, "a forwarded path cannot have `.` or `..` segments"));
        }
        let path_and_query = match uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        let kept = headers
            .iter()
            .filter(|(name, _)| *name == header::CONTENT_TYPE || trusted.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        Ok(Forwarded { method: method.clone(), path_and_query, headers: kept, body })
    }

    /// A request a forwarding resource passes on (see [`forwarded`]).
    #[derive(Debug)]
    pub struct Forwarded {
        /// The request's method.
        pub method: axum::http::Method,
        /// The path for the upstream, with the query.
        pub path_and_query: String,
        /// `Content-Type` and the trusted headers.
        pub headers: Vec<(axum::http::HeaderName, HeaderValue)>,
        /// The body.
        pub body: Bytes,
    }

    /// The fields of a JSON object request body (none without a body).
    pub fn body_fields(body: &Option<serde_json::Value>) -> &serde_json::Map<String, serde_json::Value> {
        static NONE: std::sync::OnceLock<serde_json::Map<String, serde_json::Value>> = std::sync::OnceLock::new();
        match body {
            Some(serde_json::Value::Object(fields)) => fields,
            _ => NONE.get_or_init(serde_json::Map::new),
        }
    }

    pub use super::map::Step;

    /// The fields of the object at `steps` in a JSON request body (none where there is none).
    pub fn fields_at<'a>(body: &'a Option<serde_json::Value>, steps: &[Step]) -> &'a serde_json::Map<String, serde_json::Value> {
        static NONE: std::sync::OnceLock<serde_json::Map<String, serde_json::Value>> = std::sync::OnceLock::new();
        match body.as_ref().and_then(|b| super::map::at(b, steps)) {
            Some(serde_json::Value::Object(fields)) => fields,
            _ => NONE.get_or_init(serde_json::Map::new),
        }
    }

    /// A value the spec reads from the body (`value: $.user.id`) that is missing or of the
    /// wrong type: 400.
    pub fn invalid_body_value(path: &str) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, format!("the request body has no valid `{path}`"))
    }

    /// A body field that is missing or of the wrong type: 400.
    pub fn invalid_field(err: rmcp::model::ErrorData) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, err.message.replace("argument", "body field"))
    }

    /// The JSON type a request body must have.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Expect {
        /// A JSON object.
        Object,
        /// A JSON array.
        Array,
    }

    /// An optional JSON request body: 413 over the limit, 400 when it is not JSON.
    pub fn json_body(body: Result<Bytes, BytesRejection>, expect: Expect) -> Result<Option<serde_json::Value>, Problem> {
        let bytes = body.map_err(|rejection| {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(status, "the request body is larger than the server accepts")
            } else {
                Problem::new(status, format!("cannot read the request body: {}", rejection.body_text()))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, format!("the request body is not valid JSON: {e}")))?;
        match (expect, &value) {
            (Expect::Object, serde_json::Value::Object(_)) | (Expect::Array, serde_json::Value::Array(_)) => Ok(Some(value)),
            (Expect::Object, _) => Err(Problem::new(StatusCode::BAD_REQUEST, "the request body must be a JSON object")),
            (Expect::Array, _) => Err(Problem::new(StatusCode::BAD_REQUEST, "the request body must be a JSON array")),
        }
    }

    /// A text input parsed as `T` (integers, numbers, booleans), or a 400 naming it.
    pub fn parse<T: std::str::FromStr>(name: &str, kind: &str, value: &str) -> Result<T, Problem> {
        value.parse().map_err(|_| {
            Problem::new(StatusCode::BAD_REQUEST, format!("`{name}` must be {kind}, got `{value}`"))
        })
    }

    /// A request header as text (400 when it is not valid text).
    pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Problem> {
        headers
            .get(name)
            .map(|v| {
                v.to_str()
                    .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, format!("header `{name}` is not valid text")))
            })
            .transpose()
    }

    /// A list from text: a JSON array (`["a","b"]`) as it is, anything else split at commas.
    pub fn list(text: &str) -> serde_json::Value {
        if text.trim_start().starts_with('[')
            && let Ok(value @ serde_json::Value::Array(_)) = serde_json::from_str(text)
        {
            return value;
        }
        text.split(',').map(|item| serde_json::Value::String(item.trim().to_owned())).collect()
    }

    /// A JSON object from text (a query parameter or header), or a 400 naming it.
    pub fn json_object(name: &str, text: &str) -> Result<serde_json::Value, Problem> {
        match serde_json::from_str(text) {
            Ok(value @ serde_json::Value::Object(_)) => Ok(value),
            _ => Err(Problem::new(StatusCode::BAD_REQUEST, format!("`{name}` must be a JSON object"))),
        }
    }

    /// Any JSON value from text: the text as JSON when it parses, else the text as a string.
    pub fn json_or_text(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
    }

    /// A required query parameter or header that is missing.
    pub fn missing(name: &str, location: &str) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, format!("missing required {location} `{name}`"))
    }

    /// The 404 for paths no route matches.
    pub async fn not_found() -> Response {
        problem::response(StatusCode::NOT_FOUND, "no operation is exposed at this path")
    }

    /// The 405 for a known path with another method.
    pub async fn method_not_allowed() -> Response {
        problem::response(StatusCode::METHOD_NOT_ALLOWED, "this method is not exposed on this path")
    }
}

/// Plumbing of the generated MCP tools.
/// Shaped outputs: typed values read from the upstream JSON at the paths the spec names. A
/// missing value or `null` is `None`; a value of another type is a [`map::Mismatch`].
pub mod map {
    use serde_json::Value;

    /// One step of a JSONPath.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Step {
        /// A member of an object.
        Key(&'static str),
        /// An element of an array.
        Index(usize),
    }

    /// An upstream answer that does not fit the spec's output.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("the upstream answer does not fit the spec's output: `{path}` is not {expected}")]
    pub struct Mismatch {
        /// The JSONPath, as the spec writes it.
        pub path: &'static str,
        /// What the spec declares.
        pub expected: &'static str,
    }

    /// The value under a path, if any.
    pub fn at<'a>(json: &'a Value, steps: &[Step]) -> Option<&'a Value> {
        steps.iter().try_fold(json, |value, step| match step {
            Step::Key(key) => value.get(*key),
            Step::Index(i) => value.get(*i),
        })
    }

    fn typed<'a, T>(
        json: &'a Value,
        path: &'static str,
        steps: &[Step],
        expected: &'static str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, Mismatch> {
        match at(json, steps) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(value).map(Some).ok_or(Mismatch { path, expected }),
        }
    }

    /// A string.
    pub fn string(json: &Value, path: &'static str, steps: &[Step]) -> Result<Option<String>, Mismatch> {
        typed(json, path, steps, "a string", |v| v.as_str().map(str::to_owned))
    }

    // Formats without types (XML, CSV) carry every scalar as text: numeric and boolean text
    // reads as the type the spec declares.

    /// A number (or numeric text).
    pub fn number(json: &Value, path: &'static str, steps: &[Step]) -> Result<Option<f64>, Mismatch> {
        typed(json, path, steps, "a number", |v| match v {
            Value::String(text) => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            other => other.as_f64(),
        })
    }

    /// An integer (or integer text).
    pub fn integer(json: &Value, path: &'static str, steps: &[Step]) -> Result<Option<i64>, Mismatch> {
        typed(json, path, steps, "an integer", |v| match v {
            Value::String(text) => text.trim().parse().ok(),
            other => other.as_i64(),
        })
    }

    /// A boolean (or `true` / `false` text).
    pub fn boolean(json: &Value, path: &'static str, steps: &[Step]) -> Result<Option<bool>, Mismatch> {
        typed(json, path, steps, "a boolean", |v| match v {
            Value::String(text) => text.trim().parse().ok(),
            other => other.as_bool(),
        })
    }

    /// The JSON under the path, as it is.
    pub fn json(json: &Value, _path: &'static str, steps: &[Step]) -> Result<Option<Value>, Mismatch> {
        Ok(at(json, steps).filter(|v| !v.is_null()).cloned())
    }

    /// The elements of the array under the path (none when it is missing or `null`). A lone
    /// object is an array of one: XML has no arrays, and one repeated element reads as an object.
    pub fn array<'a>(json: &'a Value, path: &'static str, steps: &[Step]) -> Result<&'a [Value], Mismatch> {
        match at(json, steps) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(object @ Value::Object(_)) => Ok(std::slice::from_ref(object)),
            Some(_) => Err(Mismatch { path, expected: "an array" }),
        }
    }
}

pub mod mcp {
    use super::*;
    use rmcp::model::{CallToolResult, ContentBlock, ErrorData, JsonObject};

    /// The streamable HTTP configuration of a generated MCP adapter: stateless (any replica can
    /// answer any request), JSON responses, `Host` and `Origin` checked against allow-lists.
    pub fn config(
        allowed_hosts: &[String],
        allowed_origins: &[String],
        max_body_bytes: usize,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> rmcp::transport::streamable_http_server::StreamableHttpServerConfig {
        let config = rmcp::transport::streamable_http_server::StreamableHttpServerConfig::default()
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .with_max_request_body_bytes(max_body_bytes)
            .with_cancellation_token(shutdown)
            .with_allowed_origins(allowed_origins.iter().cloned())
            .enforce_origin_validation();
        if allowed_hosts.is_empty() { config } else { config.with_allowed_hosts(allowed_hosts.iter().cloned()) }
    }

    /// Run a tool call with the HTTP request's id and trace context, counted and timed.
    pub async fn observed<F>(
        adapter: &'static str,
        tool: &str,
        context: &rmcp::service::RequestContext<rmcp::service::RoleServer>,
        call: F,
    ) -> Result<CallToolResult, ErrorData>
    where
        F: std::future::Future<Output = Result<CallToolResult, ErrorData>>,
    {
        let headers = context
            .extensions
            .get::<axum::http::request::Parts>()
            .map(|parts| observe::Context::from_headers(&parts.headers))
            .unwrap_or_default();
        let started = std::time::Instant::now();
        let result = observe::scope(headers, call).await;
        let outcome = match &result {
            Ok(r) if r.is_error == Some(true) => "tool_error",
            Ok(_) => "ok",
            Err(_) => "protocol_error",
        };
        observe::tool_call(adapter, tool, outcome, started.elapsed());
        result
    }

    /// A required string argument.
    pub fn required_str<'a>(args: &'a JsonObject, name: &str) -> Result<&'a str, ErrorData> {
        optional_str(args, name)?.ok_or_else(|| missing(name))
    }

    /// An optional string argument.
    pub fn optional_str<'a>(args: &'a JsonObject, name: &str) -> Result<Option<&'a str>, ErrorData> {
        match args.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(name, "a string")),
        }
    }

    /// A required integer argument.
    pub fn required_i64(args: &JsonObject, name: &str) -> Result<i64, ErrorData> {
        optional_i64(args, name)?.ok_or_else(|| missing(name))
    }

    /// An optional integer argument.
    pub fn optional_i64(args: &JsonObject, name: &str) -> Result<Option<i64>, ErrorData> {
        match args.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| wrong_type(name, "an integer")),
        }
    }

    /// A required number argument.
    pub fn required_f64(args: &JsonObject, name: &str) -> Result<f64, ErrorData> {
        optional_f64(args, name)?.ok_or_else(|| missing(name))
    }

    /// An optional number argument.
    pub fn optional_f64(args: &JsonObject, name: &str) -> Result<Option<f64>, ErrorData> {
        match args.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| wrong_type(name, "a number")),
        }
    }

    /// A required boolean argument.
    pub fn required_bool(args: &JsonObject, name: &str) -> Result<bool, ErrorData> {
        optional_bool(args, name)?.ok_or_else(|| missing(name))
    }

    /// An optional boolean argument.
    pub fn optional_bool(args: &JsonObject, name: &str) -> Result<Option<bool>, ErrorData> {
        match args.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| wrong_type(name, "a boolean")),
        }
    }

    /// A required object argument.
    pub fn required_object<'a>(args: &'a JsonObject, name: &str) -> Result<&'a serde_json::Value, ErrorData> {
        optional_object(args, name)?.ok_or_else(|| missing(name))
    }

    /// An optional object argument.
    pub fn optional_object<'a>(args: &'a JsonObject, name: &str) -> Result<Option<&'a serde_json::Value>, ErrorData> {
        match args.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v @ serde_json::Value::Object(_)) => Ok(Some(v)),
            Some(_) => Err(wrong_type(name, "an object")),
        }
    }

    /// A required array argument.
    pub fn required_array<'a>(args: &'a JsonObject, name: &str) -> Result<&'a serde_json::Value, ErrorData> {
        optional_array(args, name)?.ok_or_else(|| missing(name))
    }

    /// An optional array argument.
    pub fn optional_array<'a>(args: &'a JsonObject, name: &str) -> Result<Option<&'a serde_json::Value>, ErrorData> {
        match args.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v @ serde_json::Value::Array(_)) => Ok(Some(v)),
            Some(_) => Err(wrong_type(name, "an array")),
        }
    }

    /// A required argument of any JSON type.
    pub fn required_json<'a>(args: &'a JsonObject, name: &str) -> Result<&'a serde_json::Value, ErrorData> {
        optional_json(args, name)?.ok_or_else(|| missing(name))
    }

    /// An optional argument of any JSON type.
    pub fn optional_json<'a>(args: &'a JsonObject, name: &str) -> Result<Option<&'a serde_json::Value>, ErrorData> {
        Ok(args.get(name).filter(|v| !v.is_null()))
    }

    fn missing(name: &str) -> ErrorData {
        ErrorData::invalid_params(format!("missing required argument `{name}`"), None)
    }

    fn wrong_type(name: &str, kind: &str) -> ErrorData {
        ErrorData::invalid_params(format!("argument `{name}` must be {kind}"), None)
    }

    /// Reject arguments the tool does not declare.
    pub fn no_unknown_arguments(args: &JsonObject, known: &[&str]) -> Result<(), ErrorData> {
        match args.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(ErrorData::invalid_params(format!("unknown argument `{k}`"), None)),
            None => Ok(()),
        }
    }

    /// The tool result for an upstream answer: `structuredContent` plus a text copy on success
    /// (a non-object result is wrapped as `{wrap_as: …}`), `isError` with status and body when the
    /// upstream answered an error or could not be reached.
    pub fn tool_result(result: Result<RawResponse, Error>, wrap_as: &str) -> CallToolResult {
        let raw = match result.and_then(RawResponse::error_for_status) {
            Ok(raw) => raw,
            Err(err) => return error_result(&err),
        };
        match raw.json() {
            Ok(serde_json::Value::Null) if raw.body.is_empty() => CallToolResult::success(vec![ContentBlock::text(format!(
                "The upstream API answered {} with no content.",
                raw.status
            ))]),
            // The text block is the upstream's own JSON text (valid JSON is valid UTF-8), not the
            // parsed value written out again.
            Ok(value @ serde_json::Value::Object(_)) => structured(value, json_text(&raw.body)),
            Ok(value) => {
                let text = format!("{{{}:{}}}", serde_json::Value::from(wrap_as), json_text(&raw.body));
                let mut wrapped = JsonObject::new();
                wrapped.insert(wrap_as.to_owned(), value);
                structured(serde_json::Value::Object(wrapped), text)
            }
            Err(err) => error_result(&err),
        }
    }

    /// The tool result for a shaped answer: the output `shape` makes of the upstream JSON (an
    /// array or value wrapped as `{wrap_as: …}`), or `isError`.
    pub fn shaped_result<T: serde::Serialize>(
        result: Result<RawResponse, Error>,
        wrap_as: &str,
        format: Format,
        shape: impl Fn(&serde_json::Value) -> Result<T, map::Mismatch>,
    ) -> CallToolResult {
        let raw = match result.and_then(RawResponse::error_for_status) {
            Ok(raw) => raw,
            Err(err) => return error_result(&err),
        };
        match raw.read(format) {
            Ok(json) => orchestrated(&json, wrap_as, shape),
            Err(err) => error_result(&err),
        }
    }

    /// The tool error for a failed upstream call of an orchestration step.
    pub fn upstream_error(err: &Error) -> CallToolResult {
        error_result(err)
    }

    /// The result of an orchestrated tool (and of a shaped one): the output `shape` makes of the
    /// JSON (a non-object wrapped as `{wrap_as: …}`), or `isError` when it does not fit.
    pub fn orchestrated<T: serde::Serialize>(
        steps: &serde_json::Value,
        wrap_as: &str,
        shape: impl Fn(&serde_json::Value) -> Result<T, map::Mismatch>,
    ) -> CallToolResult {
        let output = match shape(steps).map(|output| serde_json::to_value(&output)) {
            Ok(Ok(output)) => output,
            Ok(Err(e)) => return CallToolResult::error(vec![ContentBlock::text(e.to_string())]),
            Err(mismatch) => {
                tracing::warn!(error = %mismatch, "upstream answer does not fit the output");
                return CallToolResult::error(vec![ContentBlock::text(mismatch.to_string())]);
            }
        };
        let value = match output {
            object @ serde_json::Value::Object(_) => object,
            other => {
                let mut wrapped = JsonObject::new();
                wrapped.insert(wrap_as.to_owned(), other);
                serde_json::Value::Object(wrapped)
            }
        };
        let text = value.to_string();
        structured(value, text)
    }

    /// The contents of a resource read: the text of the result (`mime_type`, or JSON for
    /// structured results); a failed read is an error naming the resource.
    pub fn resource_contents(
        result: CallToolResult,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<rmcp::model::ReadResourceResponse, ErrorData> {
        let text = result
            .content
            .iter()
            .find_map(|block| block.as_text().map(|t| t.text.clone()))
            .unwrap_or_default();
        if result.is_error == Some(true) {
            return Err(ErrorData::internal_error(format!("reading `{uri}` failed: {text}"), None));
        }
        let mime_type = mime_type.unwrap_or(if result.structured_content.is_some() { "application/json" } else { "text/plain" });
        let contents = rmcp::model::ResourceContents::text(text, uri).with_mime_type(mime_type);
        Ok(rmcp::model::ReadResourceResult::new(vec![contents]).into())
    }

    /// A resource compiled into the crate from a file (`location`).
    pub struct FileResource {
        pub uri: &'static str,
        pub mime_type: &'static str,
        pub content: FileContent,
    }

    /// A compiled-in file: text, or bytes already base64-encoded (an MCP blob).
    pub enum FileContent {
        Text(&'static str),
        Base64(&'static str),
    }

    /// The contents of the compiled-in resource at `uri` (`files` sorted by URI), if any.
    pub fn file_resource(files: &[FileResource], uri: &str) -> Option<rmcp::model::ReadResourceResponse> {
        let found = files.binary_search_by(|f| f.uri.cmp(uri)).ok()?;
        let file = &files[found];
        let contents = match file.content {
            FileContent::Text(text) => rmcp::model::ResourceContents::text(text, uri),
            FileContent::Base64(blob) => rmcp::model::ResourceContents::blob(blob, uri),
        };
        let contents = contents.with_mime_type(file.mime_type);
        Some(rmcp::model::ReadResourceResult::new(vec![contents]).into())
    }

    /// The variables of `uri` for a URI template written as the literal text around its
    /// variables (`["data://users/", "/profile"]`): each variable is one non-empty path segment.
    pub fn match_uri_template(uri: &str, literals: &[&str]) -> Option<Vec<String>> {
        let (first, rest) = literals.split_first()?;
        let mut remaining = uri.strip_prefix(first)?;
        let mut values = Vec::with_capacity(rest.len());
        for (i, literal) in rest.iter().enumerate() {
            let end = if i + 1 == rest.len() {
                // The last literal ends the URI.
                remaining.len().checked_sub(literal.len()).filter(|end| remaining[*end..] == **literal)?
            } else if literal.is_empty() {
                remaining.find('/').unwrap_or(remaining.len())
            } else {
                remaining.find(literal)?
            };
            let value = &remaining[..end];
            if value.is_empty() || value.contains('/') {
                return None;
            }
            values.push(percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned());
            remaining = &remaining[end + literal.len()..];
        }
        remaining.is_empty().then_some(values)
    }

    /// A prompt argument as text (`""` for a missing optional one).
    pub fn prompt_argument(arguments: &JsonObject, name: &str, required: bool) -> Result<String, ErrorData> {
        match arguments.get(name) {
            None | Some(serde_json::Value::Null) if required => {
                Err(ErrorData::invalid_params(format!("missing required argument `{name}`"), None))
            }
            None | Some(serde_json::Value::Null) => Ok(String::new()),
            Some(serde_json::Value::String(text)) => Ok(text.clone()),
            Some(other) => Ok(other.to_string()),
        }
    }

    /// The result of a mock tool: the object of its named outputs.
    pub fn mock_result<const N: usize>(fields: [(&str, serde_json::Value); N]) -> CallToolResult {
        let value = serde_json::Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        let text = value.to_string();
        structured(value, text)
    }

    /// An argument that does not match its `pattern`: invalid params (-32602).
    pub fn pattern_mismatch(name: &str, pattern: &str) -> ErrorData {
        ErrorData::invalid_params(format!("`{name}` does not match the pattern `{pattern}`"), None)
    }

    fn json_text(body: &[u8]) -> String {
        String::from_utf8_lossy(body).trim().to_owned()
    }

    /// A successful structured result whose text block is `text`, the JSON of `value`.
    fn structured(value: serde_json::Value, text: String) -> CallToolResult {
        let mut result = CallToolResult::structured(serde_json::Value::Null);
        result.content = vec![ContentBlock::text(text)];
        result.structured_content = Some(value);
        result
    }

    /// The tool result for a text answer: the text, or `isError` with status and body.
    pub fn text_result(result: Result<RawResponse, Error>) -> CallToolResult {
        match result.and_then(RawResponse::error_for_status) {
            Ok(raw) => CallToolResult::success(vec![ContentBlock::text(String::from_utf8_lossy(&raw.body).into_owned())]),
            Err(err) => error_result(&err),
        }
    }

    fn error_result(err: &Error) -> CallToolResult {
        if !matches!(err, Error::Status { .. }) {
            tracing::warn!(error = %err, "upstream call failed");
        }
        match err {
            Error::Status { status, body, .. } => {
                let body_json = serde_json::from_slice::<serde_json::Value>(body)
                    .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(body).into_owned()));
                CallToolResult::structured_error(serde_json::json!({
                    "status": status.as_u16(),
                    "error": status.canonical_reason().unwrap_or("error"),
                    "body": body_json,
                }))
            }
            other => CallToolResult::error(vec![ContentBlock::text(other.to_string())]),
        }
    }
}

/// Request ids, W3C trace context, metrics and one log line per request.
pub mod observe {
    use super::*;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    use axum::extract::{MatchedPath, Request};
    use axum::middleware::Next;
    use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

    /// The header carrying the request id, accepted from the caller or made up.
    pub const REQUEST_ID: &str = "x-request-id";

    /// What travels from a served request to the upstream calls it makes.
    #[derive(Debug, Clone, Default)]
    pub struct Context {
        /// The request id.
        pub request_id: Option<HeaderValue>,
        /// `traceparent`, passed through unchanged.
        pub traceparent: Option<HeaderValue>,
        /// `tracestate`, passed through unchanged.
        pub tracestate: Option<HeaderValue>,
    }

    impl Context {
        /// The context of a request with these headers.
        pub fn from_headers(headers: &HeaderMap) -> Self {
            Self {
                request_id: headers.get(REQUEST_ID).cloned(),
                traceparent: headers.get("traceparent").cloned(),
                tracestate: headers.get("tracestate").cloned(),
            }
        }
    }

    tokio::task_local! {
        static CONTEXT: Context;
    }

    /// Run `future` with `context` visible to the upstream calls it makes.
    pub async fn scope<F: std::future::Future>(context: Context, future: F) -> F::Output {
        CONTEXT.scope(context, future).await
    }

    /// Add the current request id and trace context to an upstream request.
    pub fn propagate(mut request: super::Request) -> super::Request {
        let Ok(context) = CONTEXT.try_with(Context::clone) else {
            return request;
        };
        let headers = [(REQUEST_ID, context.request_id), ("traceparent", context.traceparent), ("tracestate", context.tracestate)];
        for (name, value) in headers {
            if let Some(value) = value {
                request = request.header(name, value);
            }
        }
        request
    }

    /// A new request id: random per process, then a counter.
    pub fn new_request_id() -> HeaderValue {
        static SEED: OnceLock<u64> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let seed = *SEED.get_or_init(|| std::collections::hash_map::RandomState::new().build_hasher().finish());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        HeaderValue::try_from(format!("{seed:016x}-{n:08x}")).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
    }

    /// Install the Prometheus recorder (once per process) and return its handle.
    pub fn prometheus() -> PrometheusHandle {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        HANDLE
            .get_or_init(|| {
                let builder = PrometheusBuilder::new()
                    .set_buckets(&[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
                    .unwrap_or_else(|_| PrometheusBuilder::new());
                let recorder = builder.build_recorder();
                let handle = recorder.handle();
                // Histograms keep their samples until upkeep folds them into buckets: without
                // it, memory grows with every request between two scrapes.
                let upkeep = handle.clone();
                let _ = std::thread::Builder::new().name("metrics-upkeep".into()).stack_size(64 * 1024).spawn(move || loop {
                    std::thread::sleep(Duration::from_secs(1));
                    upkeep.run_upkeep();
                });
                // Another recorder may already be installed (e.g. by an embedding app): keep it.
                let _ = metrics::set_global_recorder(recorder);
                handle
            })
            .clone()
    }

    /// Middleware of every served adapter: accept or create `X-Request-Id`, count and time the
    /// request by route template, log one line (method, route, status, latency, request id).
    pub async fn track(adapter: &'static str, mut request: Request, next: Next) -> Response {
        let started = std::time::Instant::now();
        let method = label(request.method().as_str());
        let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| label(p.as_str()));
        let request_id = match request.headers().get(REQUEST_ID) {
            Some(id) if !id.is_empty() && id.len() <= 200 => id.clone(),
            _ => {
                let id = new_request_id();
                request.headers_mut().insert(REQUEST_ID, id.clone());
                id
            }
        };
        let context = Context::from_headers(request.headers());
        static IN_FLIGHT: Handles<metrics::Gauge> = Handles::new();
        let in_flight = IN_FLIGHT.get([key(adapter), (0, 0), (0, 0), (0, 0)], || {
            metrics::gauge!("naftiko_http_requests_in_flight", "adapter" => adapter)
        });
        in_flight.increment(1.0);
        let mut response = scope(context, next.run(request)).await;
        in_flight.decrement(1.0);
        let elapsed = started.elapsed();
        let status = response.status();
        static REQUESTS: Handles<(metrics::Counter, metrics::Histogram)> = Handles::new();
        let (count, duration) = REQUESTS.get([key(adapter), key(method), key(route), (usize::from(status.as_u16()), 0)], || {
            let labels = [("adapter", adapter), ("method", method), ("route", route)];
            (
                metrics::counter!("naftiko_http_requests_total", &[
                    ("adapter", adapter),
                    ("method", method),
                    ("route", route),
                    ("status", label(status.as_str())),
                ]),
                metrics::histogram!("naftiko_http_request_duration_seconds", &labels),
            )
        });
        count.increment(1);
        duration.record(elapsed.as_secs_f64());
        tracing::info!(
            target: "naftiko::request",
            adapter,
            method,
            route,
            status = status.as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            request_id = request_id.to_str().unwrap_or("-"),
            "request"
        );
        response.headers_mut().insert(REQUEST_ID, request_id);
        response
    }

    /// Metric handles by label set. Looking a metric up by its labels hashes every label and
    /// allocates its key; a cached handle is one atomic update.
    pub struct Handles<T>(std::sync::RwLock<Option<std::collections::HashMap<LabelKey, T>>>);

    /// Up to four label values, by [`key`].
    pub type LabelKey = [(usize, usize); 4];

    impl<T: Clone> Default for Handles<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<T: Clone> Handles<T> {
        /// An empty cache, for a `static`.
        pub const fn new() -> Self {
            Self(std::sync::RwLock::new(None))
        }

        /// The handle for `key` (label values by address, see [`key`]), made once by `make`.
        pub fn get(&self, key: LabelKey, make: impl FnOnce() -> T) -> T {
            if let Some(handle) = self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref().and_then(|m| m.get(&key)) {
                return handle.clone();
            }
            let handle = make();
            let mut map = self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            map.get_or_insert_with(Default::default).entry(key).or_insert(handle).clone()
        }
    }

    /// A `'static` label value by address and length: every label value here is a literal or
    /// comes from [`label`], which keeps each text once, so equal keys are equal texts.
    pub fn key(text: &'static str) -> (usize, usize) {
        (text.as_ptr() as usize, text.len())
    }

    /// `text` as a `'static` label value without allocating per request: route templates,
    /// methods, status codes and tool names form a small set, each kept once. Past 4,096
    /// distinct values (a client inventing methods, say) or beyond 256 bytes they count as `other`.
    pub fn label(text: &str) -> &'static str {
        static SEEN: std::sync::RwLock<Option<std::collections::HashSet<&'static str>>> = std::sync::RwLock::new(None);
        if let Some(&known) = SEEN.read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref().and_then(|s| s.get(text)) {
            return known;
        }
        let mut seen = SEEN.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let seen = seen.get_or_insert_with(Default::default);
        if let Some(&known) = seen.get(text) {
            return known;
        }
        if seen.len() >= 4096 || text.len() > 256 {
            return "other";
        }
        let kept: &'static str = Box::leak(text.to_owned().into_boxed_str());
        seen.insert(kept);
        kept
    }

    /// Count and time one upstream call.
    pub fn upstream_call(api: &'static str, operation: &'static str, status: Option<StatusCode>, elapsed: Duration) {
        let class = match status.map(|s| s.as_u16() / 100) {
            Some(1) => "1xx",
            Some(2) => "2xx",
            Some(3) => "3xx",
            Some(4) => "4xx",
            Some(5) => "5xx",
            _ => "error",
        };
        static CALLS: Handles<(metrics::Counter, metrics::Histogram)> = Handles::new();
        let (count, duration) = CALLS.get([key(api), key(operation), key(class), (0, 0)], || {
            (
                metrics::counter!("naftiko_upstream_requests_total", "api" => api, "operation" => operation, "status_class" => class),
                metrics::histogram!("naftiko_upstream_request_duration_seconds", "api" => api, "operation" => operation),
            )
        });
        count.increment(1);
        duration.record(elapsed.as_secs_f64());
    }

    /// Count and time one MCP tool call, by outcome (`ok`, `tool_error`, `protocol_error`).
    pub fn tool_call(adapter: &'static str, tool: &str, outcome: &'static str, elapsed: Duration) {
        let tool = label(tool);
        static CALLS: Handles<(metrics::Counter, metrics::Histogram)> = Handles::new();
        let (count, duration) = CALLS.get([key(adapter), key(tool), key(outcome), (0, 0)], || {
            (
                metrics::counter!("naftiko_mcp_tool_calls_total", "adapter" => adapter, "tool" => tool, "outcome" => outcome),
                metrics::histogram!("naftiko_mcp_tool_call_duration_seconds", "adapter" => adapter, "tool" => tool),
            )
        });
        count.increment(1);
        duration.record(elapsed.as_secs_f64());
    }
}

/// Inbound authentication: what a caller must present to reach an adapter's operations (the
/// operational routes `/healthz`, `/readyz`, `/metrics` stay open for probes and scrapers).
pub mod inbound {
    use super::*;
    use std::sync::Arc;

    use axum::extract::Request;
    use axum::middleware::Next;

    /// What a caller must present, with the expected secret.
    #[derive(Debug, Clone)]
    pub enum Guard {
        /// `Authorization: Bearer <token>`.
        Bearer(Secret),
        /// An API key in the header `name`.
        Header { name: &'static str, key: Secret },
        /// An API key in the query parameter `name`.
        Query { name: &'static str, key: Secret },
        /// An API key in the cookie `name`.
        Cookie { name: &'static str, key: Secret },
        /// `Authorization: Basic …` (RFC 7617).
        Basic { username: Secret, password: Secret },
        /// `Authorization: Bearer <token>`, the token checked by an OAuth 2.1 resource server.
        Token(Arc<dyn TokenCheck>),
    }

    /// A check of bearer tokens issued by an authorization server (OAuth 2.1).
    pub trait TokenCheck: Send + Sync + std::fmt::Debug {
        /// `Ok` when `token` is valid for this server; the reason otherwise (never the token).
        fn check<'a>(&'a self, token: &'a str) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;
        /// The resource this server is (RFC 8707).
        fn resource(&self) -> &str;
        /// The protected resource metadata (RFC 9728).
        fn metadata(&self) -> serde_json::Value;
        /// The `WWW-Authenticate` challenge, with the reason a presented token was refused.
        fn challenge(&self, reason: Option<&str>) -> HeaderValue;
    }

    /// `router` with every route behind `guard`: 401 (a problem document, with a
    /// `WWW-Authenticate` challenge for bearer and basic) unless the caller presents the secret.
    /// Behind an OAuth 2.1 guard, the protected resource metadata (RFC 9728) stays open at
    /// `/.well-known/oauth-protected-resource` (and under the resource's path).
    pub fn protect(router: axum::Router, guard: Guard) -> axum::Router {
        let metadata = match &guard {
            Guard::Token(check) => Some(check.clone()),
            _ => None,
        };
        let guard = Arc::new(guard);
        let router = router.route_layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            let guard = guard.clone();
            async move {
                let verdict = match &*guard {
                    Guard::Token(_) => {
                        let token = authorization(request.headers(), "bearer")
                            .and_then(|t| std::str::from_utf8(t).ok())
                            .map(str::to_owned);
                        guard.check_token(token).await
                    }
                    other if other.admits(&request) => Ok(()),
                    _ => Err(None),
                };
                match verdict {
                    Ok(()) => next.run(request).await,
                    Err(reason) => guard.refusal(reason.as_deref()),
                }
            }
        }));
        match metadata {
            Some(check) => {
                let document = check.metadata().to_string();
                let mut paths = vec!["/.well-known/oauth-protected-resource".to_owned()];
                let resource_path = resource_path(check.resource());
                if !resource_path.is_empty() {
                    paths.push(format!("/.well-known/oauth-protected-resource{resource_path}"));
                }
                paths.into_iter().fold(router, |router, path| {
                    let document = document.clone();
                    router.route(&path, axum::routing::get(move || async move {
                        ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], document)
                    }))
                })
            }
            None => router,
        }
    }

    /// The path of a URL (`https://host/mcp` → `/mcp`; none → empty).
    fn resource_path(url: &str) -> &str {
        let url = url.trim_end_matches('/');
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        url[after_scheme..].find('/').map_or("", |i| &url[after_scheme + i..])
    }

    impl Guard {
        /// The OAuth 2.1 check of a bearer token (`None`: none was presented).
        async fn check_token(&self, token: Option<String>) -> Result<(), Option<String>> {
            let (Guard::Token(check), Some(token)) = (self, token) else {
                return Err(None);
            };
            check.check(&token).await.map_err(|reason| {
                tracing::info!(target: "naftiko::auth", %reason, "bearer token refused");
                Some(reason)
            })
        }

        /// Does `request` carry the secret? Compared in constant time.
        pub fn admits<B>(&self, request: &axum::http::Request<B>) -> bool {
            let headers = request.headers();
            match self {
                Guard::Bearer(token) => authorization(headers, "bearer").is_some_and(|t| same(t, token.expose().as_bytes())),
                Guard::Basic { username, password } => match basic_header(username, password) {
                    Ok(expected) => {
                        let expected = &expected.as_bytes()["Basic ".len()..];
                        authorization(headers, "basic").is_some_and(|t| same(t, expected))
                    }
                    Err(_) => false,
                },
                Guard::Header { name, key } => headers.get(*name).is_some_and(|v| same(v.as_bytes(), key.expose().as_bytes())),
                Guard::Query { name, key } => request.uri().query().is_some_and(|q| {
                    form_urlencoded::parse(q.as_bytes()).any(|(n, v)| n == *name && same(v.as_bytes(), key.expose().as_bytes()))
                }),
                Guard::Cookie { name, key } => headers.get_all(header::COOKIE).iter().any(|cookies| {
                    cookies.to_str().unwrap_or("").split(';').filter_map(|c| c.trim().split_once('=')).any(|(n, v)| n == *name && same(v.as_bytes(), key.expose().as_bytes()))
                }),
                // Checked asynchronously by `check`.
                Guard::Token(_) => false,
            }
        }

        /// The 401 answer: a problem document, and the challenge of the scheme (with why a
        /// bearer token was refused, for OAuth 2.1).
        pub fn refusal(&self, reason: Option<&str>) -> Response {
            tracing::info!(target: "naftiko::auth", "request refused: missing or wrong credentials");
            let detail = match reason {
                Some(reason) => format!("invalid bearer token: {reason}"),
                None => "missing or wrong credentials".to_owned(),
            };
            let mut response = problem::response(StatusCode::UNAUTHORIZED, detail);
            let challenge = match self {
                Guard::Bearer(_) => Some(HeaderValue::from_static("Bearer")),
                Guard::Basic { .. } => Some(HeaderValue::from_static("Basic realm=\"naftiko\", charset=\"UTF-8\"")),
                Guard::Token(check) => Some(check.challenge(reason)),
                _ => None,
            };
            if let Some(challenge) = challenge {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
            }
            response
        }
    }

    /// The credentials of an `Authorization` header with `scheme` (case-insensitive).
    fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a [u8]> {
        let value = headers.get(header::AUTHORIZATION)?.as_bytes();
        let split = value.iter().position(|b| *b == b' ')?;
        let (given, rest) = value.split_at(split);
        given.eq_ignore_ascii_case(scheme.as_bytes()).then(|| rest.trim_ascii())
    }

    /// Equal bytes, in time that depends on the lengths only.
    pub fn same(given: &[u8], expected: &[u8]) -> bool {
        let mut diff = usize::from(given.len() != expected.len());
        for (i, e) in expected.iter().enumerate() {
            diff |= usize::from(given.get(i).copied().unwrap_or(0) ^ e);
        }
        std::hint::black_box(diff) == 0
    }
}

/// `/healthz`, `/readyz`, `/metrics` (and `/openapi.json` for REST), served beside every adapter.
pub mod ops {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use axum::extract::State;
    use axum::routing::get;

    /// What `/readyz` checks.
    #[derive(Debug)]
    pub struct Readiness {
        adapters: usize,
        bound: AtomicUsize,
        draining: AtomicBool,
        variables: &'static [&'static str],
        upstreams: Vec<(&'static str, String)>,
    }

    impl Readiness {
        /// Ready once `adapters` sockets are bound; `variables` are the bound variables (read at
        /// start-up); `upstreams` (namespace, base URL) are checked for reachability when given.
        pub fn new(adapters: usize, variables: &'static [&'static str], upstreams: Vec<(&'static str, String)>) -> Self {
            Self { adapters, bound: AtomicUsize::new(0), draining: AtomicBool::new(false), variables, upstreams }
        }

        /// One more adapter is listening.
        pub fn adapter_bound(&self) {
            self.bound.fetch_add(1, Ordering::SeqCst);
        }

        /// The server is shutting down: stop taking traffic.
        pub fn start_draining(&self) {
            self.draining.store(true, Ordering::SeqCst);
        }
    }

    /// The routes, for merging into an adapter's router.
    pub fn router(readiness: Arc<Readiness>, openapi: Option<&'static str>) -> axum::Router {
        let metrics = observe::prometheus();
        let router = match openapi {
            Some(document) => axum::Router::new()
                .route("/openapi.json", get(move || async move { ([(header::CONTENT_TYPE, "application/json")], document) })),
            None => axum::Router::new(),
        };
        router
            .route("/healthz", get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }))
            .route("/readyz", get(readyz))
            .route("/metrics", get(move || {
                let metrics = metrics.clone();
                async move { ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics.render()) }
            }))
            .with_state(readiness)
    }

    /// A control adapter's own routes: `/health/live` and `/health/ready` (with `health`),
    /// `/status` and `/config` (with `info`; documents built at start-up, no secret in them).
    pub fn control(
        readiness: Arc<Readiness>,
        status: serde_json::Value,
        config: serde_json::Value,
        health: bool,
        info: bool,
    ) -> axum::Router {
        let mut router = axum::Router::new();
        if health {
            router = router
                .route("/health/live", get(|| async { axum::Json(serde_json::json!({"status": "UP"})) }))
                .route("/health/ready", get(readyz));
        }
        if info {
            let started = std::time::Instant::now();
            router = router
                .route("/status", get(move || {
                    let mut status = status.clone();
                    status["uptimeSeconds"] = serde_json::json!(started.elapsed().as_secs());
                    async move { axum::Json(status) }
                }))
                .route("/config", get(move || {
                    let config = config.clone();
                    async move { axum::Json(config) }
                }));
        }
        router.with_state(readiness)
    }

    async fn readyz(State(r): State<Arc<Readiness>>) -> Response {
        let bound = r.bound.load(Ordering::SeqCst);
        let mut ready = bound >= r.adapters && !r.draining.load(Ordering::SeqCst);
        let mut upstreams = serde_json::Map::new();
        for (namespace, url) in &r.upstreams {
            let reachable = reachable(url).await;
            ready &= reachable;
            upstreams.insert((*namespace).to_owned(), serde_json::json!(if reachable { "reachable" } else { "unreachable" }));
        }
        let body = serde_json::json!({
            "status": if ready { "ready" } else { "not ready" },
            "adapters": { "bound": bound, "expected": r.adapters },
            "draining": r.draining.load(Ordering::SeqCst),
            "variables": r.variables.iter().map(|v| (v.to_string(), serde_json::json!("present"))).collect::<serde_json::Map<_, _>>(),
            "upstreams": upstreams,
        });
        let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
        (status, axum::Json(body)).into_response()
    }

    /// Can a TCP connection to the URL's host and port be opened within two seconds?
    async fn reachable(url: &str) -> bool {
        let Ok(url) = reqwest::Url::parse(url) else { return false };
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else { return false };
        let connect = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port));
        matches!(tokio::time::timeout(Duration::from_secs(2), connect).await, Ok(Ok(_)))
    }
}

/// Start-up: addresses, listeners and graceful shutdown.
pub mod server {
    use super::*;
    use std::collections::BTreeMap;

    /// Parse repeated `NAMESPACE=VALUE` flags, checking every namespace against `known`.
    pub fn namespaced(flag: &str, values: &[String], known: &[&str]) -> Result<BTreeMap<String, String>, StartupError> {
        let mut map = BTreeMap::new();
        for value in values {
            let Some((ns, v)) = value.split_once('=') else {
                return Err(StartupError::Usage(format!("--{flag} expects NAMESPACE=VALUE, got `{value}`")));
            };
            if !known.contains(&ns) {
                return Err(StartupError::Usage(format!(
                    "--{flag}: unknown namespace `{ns}`; known: {}",
                    known.join(", ")
                )));
            }
            map.insert(ns.to_owned(), v.to_owned());
        }
        Ok(map)
    }

    /// The socket address for an adapter: the flag's value, else the spec's default.
    pub fn address(flags: &BTreeMap<String, String>, namespace: &str, default: &str) -> Result<SocketAddr, StartupError> {
        let text = flags.get(namespace).map_or(default, String::as_str);
        text.parse()
            .map_err(|_| StartupError::Usage(format!("--listen {namespace}={text}: not a socket address like 127.0.0.1:8080")))
    }

    /// Bind `addr` and print `<namespace> listening on http://<ip>:<port>` to stderr.
    pub async fn bind(namespace: &'static str, addr: SocketAddr) -> Result<tokio::net::TcpListener, StartupError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { namespace, addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { namespace, addr, source })?;
        eprintln!("{namespace} listening on http://{local}");
        tracing::info!(%namespace, %local, "listening");
        Ok(listener)
    }

    /// Serve `router` on `listener` until `shutdown` is cancelled, then finish in-flight requests.
    pub async fn serve(
        namespace: &'static str,
        listener: tokio::net::TcpListener,
        router: axum::Router,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> Result<(), StartupError> {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await
            .map_err(|source| StartupError::Serve { namespace, source })
    }

    /// Serve an MCP server over standard input and output (newline-delimited JSON-RPC) until the
    /// client closes its end — which stops the whole process — or `shutdown` is cancelled.
    pub async fn serve_stdio<S: rmcp::ServerHandler>(
        namespace: &'static str,
        server: S,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> Result<(), StartupError> {
        serve_io(namespace, server, (tokio::io::stdin(), tokio::io::stdout()), shutdown).await
    }

    /// [`serve_stdio`] over any reader and writer (a pipe, a socket, an in-memory duplex).
    pub async fn serve_io<S, R, W>(
        namespace: &'static str,
        server: S,
        io: (R, W),
        shutdown: tokio_util::sync::CancellationToken,
    ) -> Result<(), StartupError>
    where
        S: rmcp::ServerHandler,
        R: tokio::io::AsyncRead + Send + Unpin + 'static,
        W: tokio::io::AsyncWrite + Send + Unpin + 'static,
    {
        use rmcp::ServiceExt;
        tracing::info!(%namespace, "serving MCP over standard input and output");
        let running = server
            .serve(io)
            .await
            .map_err(|e| StartupError::Serve { namespace, source: std::io::Error::other(e.to_string()) })?;
        let stop = running.cancellation_token();
        tokio::select! {
            _ = running.waiting() => {
                // The client closed its end: nothing else will come.
                shutdown.cancel();
            }
            _ = shutdown.cancelled() => stop.cancel(),
        }
        Ok(())
    }

    /// Wait for every server; the first failure stops the others and is returned. Once `shutdown`
    /// is cancelled, in-flight requests get `drain` to finish; past it the servers are dropped.
    pub async fn wait(
        mut servers: tokio::task::JoinSet<Result<(), StartupError>>,
        shutdown: tokio_util::sync::CancellationToken,
        drain: Duration,
    ) -> Result<(), StartupError> {
        let mut outcome = Ok(());
        let deadline = async {
            shutdown.cancelled().await;
            tokio::time::sleep(drain).await;
        };
        tokio::pin!(deadline);
        loop {
            let joined = tokio::select! {
                joined = servers.join_next() => joined,
                () = &mut deadline => {
                    tracing::warn!(drain_secs = drain.as_secs_f64(), "drain deadline passed: dropping the requests still in flight");
                    servers.abort_all();
                    break;
                }
            };
            let Some(joined) = joined else { break };
            let result = joined.unwrap_or_else(|e| {
                Err(StartupError::Serve { namespace: "server task", source: std::io::Error::other(e.to_string()) })
            });
            if let Err(e) = result {
                shutdown.cancel();
                if outcome.is_ok() {
                    outcome = Err(e);
                }
            }
        }
        outcome
    }

    /// Parse a duration such as `30s`, `500ms`, `2m` or a plain number of seconds.
    pub fn parse_duration(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
            Some(i) => text.split_at(i),
            None => (text, "s"),
        };
        let value: f64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 30s, 500ms or 2m"))?;
        let seconds = match unit {
            "ms" => value / 1000.0,
            "s" => value,
            "m" => value * 60.0,
            _ => return Err(format!("`{text}`: unknown unit `{unit}` (use ms, s or m)")),
        };
        Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{text}` is not a valid duration"))
    }

    /// An adapter's router with the operational routes beside it and every request tracked
    /// (request id, metrics, one log line).
    pub fn with_ops(
        adapter: &'static str,
        router: axum::Router,
        readiness: std::sync::Arc<ops::Readiness>,
        openapi: Option<&'static str>,
    ) -> axum::Router {
        router
            .merge(ops::router(readiness, openapi))
            .layer(axum::middleware::from_fn(move |request, next| observe::track(adapter, request, next)))
    }

    /// On SIGTERM or Ctrl-C: report not ready, then cancel `token` (stop accepting, drain).
    pub async fn shutdown_on_signal(token: tokio_util::sync::CancellationToken, readiness: std::sync::Arc<ops::Readiness>) {
        let ctrl_c = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {},
            () = terminate => {},
            () = token.cancelled() => return,
        }
        tracing::info!("shutting down: finishing in-flight requests");
        readiness.start_draining();
        token.cancel();
    }

    /// Set up `tracing` logs on stderr, as text or JSON, filtered by `RUST_LOG` (default `info`).
    /// The async runtime for `workers` worker threads: 1 is a current-thread runtime (every
    /// task on the calling thread, no cross-thread wake-ups: the fastest on one core), 0 one
    /// worker per available CPU.
    pub fn runtime(workers: usize) -> std::io::Result<tokio::runtime::Runtime> {
        if workers == 1 {
            return tokio::runtime::Builder::new_current_thread().enable_all().build();
        }
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if workers > 1 {
            builder.worker_threads(workers);
        }
        builder.enable_all().build()
    }

    pub fn init_logging(json: bool) {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
        if json {
            builder.json().init();
        } else {
            builder.init();
        }
    }
}
