//! Inbound authentication: what a caller must present to reach an adapter's operations (the
//! operational routes `/healthz`, `/readyz`, `/metrics` stay open for probes and scrapers).

use std::pin::Pin;
use std::sync::Arc;
use std::task::Context;
use std::task::Poll;

use axum::extract::Request;
use axum::response::Response;
use http::HeaderMap;
use http::HeaderValue;
use http::StatusCode;
use http::header;

use crate::problem;
use crate::secret::Secret;
use crate::secret::basic_header;

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
    fn check<'a>(
        &'a self,
        token: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;
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
    let router = router.route_layer(Protect {
        guard: Arc::new(guard),
    });
    match metadata {
        Some(check) => {
            let document = check.metadata().to_string();
            let mut paths = vec!["/.well-known/oauth-protected-resource".to_owned()];
            let resource_path = resource_path(check.resource());
            if !resource_path.is_empty() {
                paths.push(format!(
                    "/.well-known/oauth-protected-resource{resource_path}"
                ));
            }
            paths.into_iter().fold(router, |router, path| {
                let document = document.clone();
                router.route(
                    &path,
                    axum::routing::get(move || async move {
                        (
                            [(
                                header::CONTENT_TYPE,
                                HeaderValue::from_static("application/json"),
                            )],
                            document,
                        )
                    }),
                )
            })
        }
        None => router,
    }
}

/// The layer of [`protect`]: a [`tower_service::Service`] rather than
/// `axum::middleware::from_fn`, so a request with a key, a bearer token or basic credentials
/// costs no boxed future and no clone of the route behind it (as [`crate::origin`]'s check);
/// only an OAuth 2.1 token check, which may wait for the authorization server's keys, is boxed.
#[derive(Debug, Clone)]
struct Protect {
    guard: Arc<Guard>,
}

impl<S> tower_layer::Layer<S> for Protect {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded {
            guard: self.guard.clone(),
            inner,
        }
    }
}

/// A route behind [`Protect`].
#[derive(Debug, Clone)]
struct Guarded<S> {
    guard: Arc<Guard>,
    inner: S,
}

impl<S> tower_service::Service<Request> for Guarded<S>
where
    S: tower_service::Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + Unpin,
    S::Error: 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Verdict<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        match &*self.guard {
            Guard::Token(_) => {
                let token = authorization(request.headers(), "bearer")
                    .and_then(|t| std::str::from_utf8(t).ok())
                    .map(str::to_owned);
                let guard = self.guard.clone();
                // The service that was made ready answers; a clone takes its place.
                let ready = self.inner.clone();
                let mut inner = std::mem::replace(&mut self.inner, ready);
                Verdict::Checking(Box::pin(async move {
                    match guard.check_token(token).await {
                        Ok(()) => inner.call(request).await,
                        Err(reason) => Ok(guard.refusal(reason.as_deref())),
                    }
                }))
            }
            guard if guard.admits(&request) => Verdict::Passed(self.inner.call(request)),
            guard => Verdict::Refused(Some(guard.refusal(None))),
        }
    }
}

/// The answer of a [`Guarded`] route: the route's, the refusal, or the token check and then
/// the route's.
enum Verdict<F, E> {
    Passed(F),
    Refused(Option<Response>),
    Checking(Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>),
}

impl<F, E> Future for Verdict<F, E>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut *self {
            Verdict::Passed(inner) => Pin::new(inner).poll(cx),
            Verdict::Checking(check) => check.as_mut().poll(cx),
            Verdict::Refused(response) => Poll::Ready(Ok(response.take().unwrap_or_else(|| {
                problem::response(StatusCode::UNAUTHORIZED, "missing or wrong credentials")
            }))),
        }
    }
}

/// The path of a URL (`https://host/mcp` → `/mcp`; none → empty).
fn resource_path(url: &str) -> &str {
    let url = url.trim_end_matches('/');
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    url[after_scheme..]
        .find('/')
        .map_or("", |i| &url[after_scheme + i..])
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
            Guard::Bearer(token) => {
                authorization(headers, "bearer").is_some_and(|t| same(t, token.expose().as_bytes()))
            }
            Guard::Basic { username, password } => match basic_header(username, password) {
                Ok(expected) => {
                    let expected = &expected.as_bytes()["Basic ".len()..];
                    authorization(headers, "basic").is_some_and(|t| same(t, expected))
                }
                Err(_) => false,
            },
            Guard::Header { name, key } => headers
                .get(*name)
                .is_some_and(|v| same(v.as_bytes(), key.expose().as_bytes())),
            Guard::Query { name, key } => request.uri().query().is_some_and(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .any(|(n, v)| n == *name && same(v.as_bytes(), key.expose().as_bytes()))
            }),
            Guard::Cookie { name, key } => headers.get_all(header::COOKIE).iter().any(|cookies| {
                cookies
                    .to_str()
                    .unwrap_or("")
                    .split(';')
                    .filter_map(|c| c.trim().split_once('='))
                    .any(|(n, v)| n == *name && same(v.as_bytes(), key.expose().as_bytes()))
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
            Guard::Basic { .. } => Some(HeaderValue::from_static(
                "Basic realm=\"naftiko\", charset=\"UTF-8\"",
            )),
            Guard::Token(check) => Some(check.challenge(reason)),
            _ => None,
        };
        if let Some(challenge) = challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// The credentials of an `Authorization` header with `scheme` (case-insensitive).
fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a [u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let split = value.iter().position(|b| *b == b' ')?;
    let (given, rest) = value.split_at(split);
    given
        .eq_ignore_ascii_case(scheme.as_bytes())
        .then(|| rest.trim_ascii())
}

/// Equal bytes, in time that depends on the lengths only.
pub fn same(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = usize::from(given.len() != expected.len());
    for (i, e) in expected.iter().enumerate() {
        diff |= usize::from(given.get(i).copied().unwrap_or(0) ^ e);
    }
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(headers: &[(&str, &str)], uri: &str) -> http::Request<()> {
        let mut builder = http::Request::builder().uri(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn each_kind_of_credential_is_checked() {
        let bearer = Guard::Bearer(Secret::new("t0k"));
        assert!(bearer.admits(&request(&[("authorization", "Bearer t0k")], "/")));
        assert!(bearer.admits(&request(&[("authorization", "bearer  t0k")], "/")));
        assert!(!bearer.admits(&request(&[("authorization", "Bearer t0")], "/")));
        let query = Guard::Query {
            name: "key",
            key: Secret::new("k"),
        };
        assert!(query.admits(&request(&[], "/x?a=1&key=k")));
        assert!(!query.admits(&request(&[], "/x?key=kk")));
        let cookie = Guard::Cookie {
            name: "sid",
            key: Secret::new("v"),
        };
        assert!(cookie.admits(&request(&[("cookie", "a=1; sid=v")], "/")));
        let basic = Guard::Basic {
            username: Secret::new("u"),
            password: Secret::new("p"),
        };
        assert!(basic.admits(&request(&[("authorization", "Basic dTpw")], "/")));
    }

    /// Admits the token `good` only, and counts the checks.
    #[derive(Debug, Default)]
    struct GoodOnly(std::sync::atomic::AtomicUsize);

    impl TokenCheck for GoodOnly {
        fn check<'a>(
            &'a self,
            token: &'a str,
        ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async move {
                tokio::task::yield_now().await;
                if token == "good" {
                    Ok(())
                } else {
                    Err("unknown token".to_owned())
                }
            })
        }

        fn resource(&self) -> &str {
            "https://api.example/mcp"
        }

        fn metadata(&self) -> serde_json::Value {
            serde_json::json!({"resource": self.resource()})
        }

        fn challenge(&self, reason: Option<&str>) -> HeaderValue {
            HeaderValue::from_static(if reason.is_some() {
                "Bearer error=\"invalid_token\""
            } else {
                "Bearer"
            })
        }
    }

    async fn get(router: &mut axum::Router, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = http::Request::get(path);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let request = request.body(axum::body::Body::empty()).unwrap();
        tower_service::Service::call(router, request).await.unwrap()
    }

    #[tokio::test]
    async fn the_guarded_routes_answer_only_callers_with_credentials() {
        let routes = || axum::Router::new().route("/op", axum::routing::get(|| async { "op" }));
        let open = || axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok" }));
        let mut keyed = protect(
            routes(),
            Guard::Header {
                name: "x-api-key",
                key: Secret::new("k"),
            },
        )
        .merge(open());
        assert_eq!(
            get(&mut keyed, "/op", &[("x-api-key", "k")]).await.status(),
            StatusCode::OK
        );
        let refused = get(&mut keyed, "/op", &[("x-api-key", "kk")]).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            refused.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(
            get(&mut keyed, "/healthz", &[]).await.status(),
            StatusCode::OK
        );

        let check = Arc::new(GoodOnly::default());
        let mut tokens = protect(routes(), Guard::Token(check.clone())).merge(open());
        let good = get(&mut tokens, "/op", &[("authorization", "Bearer good")]).await;
        assert_eq!(good.status(), StatusCode::OK);
        assert_eq!(
            axum::body::to_bytes(good.into_body(), 64).await.unwrap(),
            "op"
        );
        let bad = get(&mut tokens, "/op", &[("authorization", "Bearer bad")]).await;
        assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            bad.headers()[header::WWW_AUTHENTICATE],
            "Bearer error=\"invalid_token\""
        );
        let none = get(&mut tokens, "/op", &[]).await;
        assert_eq!(none.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(check.0.load(std::sync::atomic::Ordering::SeqCst), 2);
        let metadata = get(
            &mut tokens,
            "/.well-known/oauth-protected-resource/mcp",
            &[],
        )
        .await;
        assert_eq!(metadata.status(), StatusCode::OK);
        assert_eq!(
            get(&mut tokens, "/healthz", &[]).await.status(),
            StatusCode::OK
        );
    }

    #[test]
    fn comparison_takes_the_lengths_into_account() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abcd", b"abc"));
        assert!(!same(b"ab", b"abc"));
    }
}
