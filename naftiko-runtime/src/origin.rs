//! Which `Host` and `Origin` an adapter answers: the protection against DNS rebinding (a page
//! whose name resolves to a server on the victim's loopback or network) and against pages of
//! other origins sending requests a browser sends without asking (no CORS preflight).
//!
//! - `Host`: when the adapter can be reached over loopback (it listens on a loopback or an
//!   unspecified address, `0.0.0.0` included), only loopback names (`localhost`, `127.0.0.1`,
//!   `[::1]`) unless `--allowed-host` names others; listening on another address, any `Host`
//!   unless `--allowed-host` names some.
//! - `Origin` (sent by browsers): the adapter's own origin (the same host and port as `Host`),
//!   or one `--allowed-origin` names (`*` for any); a request without `Origin` is not a
//!   browser's cross-origin request and passes.
//!
//! Refused requests get 403 and a problem document saying what to allow.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Context;
use std::task::Poll;

use axum::extract::Request;
use axum::response::Response;
use http::HeaderMap;
use http::StatusCode;
use http::header;

use crate::problem;

/// The loopback host names.
const LOOPBACK: &[&str] = &["localhost", "127.0.0.1", "[::1]", "::1"];

/// The `Host` and `Origin` values an adapter accepts.
#[derive(Debug, Clone)]
pub struct Origins {
    /// Accepted hosts (`name` or `name:port`, lower case); `None`: any.
    hosts: Option<Vec<String>>,
    /// Accepted origins besides the adapter's own (lower case, no trailing `/`).
    origins: Vec<String>,
}

impl Origins {
    /// For an adapter listening on `addr`, with the `--allowed-host` and `--allowed-origin`
    /// values (see the module docs).
    pub fn new(addr: SocketAddr, allowed_hosts: &[String], allowed_origins: &[String]) -> Self {
        let lower = |values: &[String]| -> Vec<String> {
            values
                .iter()
                .map(|v| v.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|v| !v.is_empty())
                .collect()
        };
        let reachable_over_loopback = addr.ip().is_loopback() || addr.ip().is_unspecified();
        let hosts = if !allowed_hosts.is_empty() {
            let mut hosts = lower(allowed_hosts);
            if reachable_over_loopback {
                hosts.extend(LOOPBACK.iter().map(|h| (*h).to_owned()));
            }
            Some(hosts)
        } else if reachable_over_loopback {
            Some(LOOPBACK.iter().map(|h| (*h).to_owned()).collect())
        } else {
            None
        };
        Self {
            hosts,
            origins: lower(allowed_origins),
        }
    }

    /// Why a request with these headers is refused, if it is. Names compare without regard to
    /// case; nothing is allocated unless the request is refused.
    pub fn refusal(&self, headers: &HeaderMap, authority: Option<&str>) -> Option<String> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or(authority);
        if let Some(hosts) = &self.hosts {
            let Some(host) = host else {
                return Some("the request names no `Host`".to_owned());
            };
            let name = host_name(host);
            if !hosts
                .iter()
                .any(|h| h == "*" || h.eq_ignore_ascii_case(host) || h.eq_ignore_ascii_case(name))
            {
                let host = host.to_ascii_lowercase();
                return Some(format!(
                    "`Host: {host}` is not served here: allow it with --allowed-host (NAFTIKO_ALLOWED_HOST)"
                ));
            }
        }
        let origin = headers.get(header::ORIGIN)?;
        let origin = origin.to_str().unwrap_or("").trim_end_matches('/');
        let same = host.is_some_and(|host| {
            origin
                .split_once("://")
                .is_some_and(|(_, a)| a.eq_ignore_ascii_case(host))
        });
        let allowed = self
            .origins
            .iter()
            .any(|o| o == "*" || o.eq_ignore_ascii_case(origin));
        (!same && !allowed).then(|| {
            let origin = origin.to_ascii_lowercase();
            format!(
                "requests from the origin `{origin}` are refused: allow it with --allowed-origin (NAFTIKO_ALLOWED_ORIGIN)"
            )
        })
    }
}

/// `host` without its port (`example.com:8080` → `example.com`, `[::1]:80` → `[::1]`).
fn host_name(host: &str) -> &str {
    match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    }
}

/// `router` with every route behind the `Host` and `Origin` checks of `origins` (routes merged
/// later, such as `/healthz` for probes, are not).
pub fn protect(router: axum::Router, origins: Origins) -> axum::Router {
    router.route_layer(Protect {
        origins: Arc::new(origins),
    })
}

/// The layer of [`protect`]: a [`tower_service::Service`] rather than
/// `axum::middleware::from_fn`, so a request that passes costs no boxed future and no clone
/// of the route behind it (`cargo xtask bench`).
#[derive(Debug, Clone)]
struct Protect {
    origins: Arc<Origins>,
}

impl<S> tower_layer::Layer<S> for Protect {
    type Service = Protected<S>;

    fn layer(&self, inner: S) -> Protected<S> {
        Protected {
            origins: self.origins.clone(),
            inner,
        }
    }
}

/// A route behind [`Protect`].
#[derive(Debug, Clone)]
struct Protected<S> {
    origins: Arc<Origins>,
    inner: S,
}

impl<S> tower_service::Service<Request> for Protected<S>
where
    S: tower_service::Service<Request, Response = Response>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Checked<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let authority = request.uri().authority().map(http::uri::Authority::as_str);
        match self.origins.refusal(request.headers(), authority) {
            None => Checked::Passed(self.inner.call(request)),
            Some(reason) => {
                tracing::info!(target: "naftiko::origin", %reason, "request refused");
                Checked::Refused(Some(problem::response(StatusCode::FORBIDDEN, reason)))
            }
        }
    }
}

/// The answer of a [`Protected`] route: the route's, or the refusal.
#[derive(Debug)]
enum Checked<F> {
    Passed(F),
    Refused(Option<Response>),
}

impl<F, E> Future for Checked<F>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut *self {
            Checked::Passed(inner) => Pin::new(inner).poll(cx),
            Checked::Refused(response) => Poll::Ready(Ok(response.take().unwrap_or_else(|| {
                problem::response(StatusCode::FORBIDDEN, "refused".to_owned())
            }))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().unwrap());
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, origin.parse().unwrap());
        }
        headers
    }

    #[test]
    fn loopback_listeners_answer_loopback_names_and_their_own_origin() {
        let origins = Origins::new("127.0.0.1:8080".parse().unwrap(), &[], &[]);
        assert_eq!(
            origins.refusal(&headers("127.0.0.1:8080", None), None),
            None
        );
        assert_eq!(
            origins.refusal(&headers("localhost:8080", None), None),
            None
        );
        assert!(
            origins
                .refusal(&headers("evil.example", None), None)
                .is_some()
        );
        let own = headers("127.0.0.1:8080", Some("http://127.0.0.1:8080"));
        assert_eq!(origins.refusal(&own, None), None);
        let other = headers("127.0.0.1:8080", Some("http://evil.example"));
        assert!(
            origins
                .refusal(&other, None)
                .unwrap()
                .contains("--allowed-origin")
        );
    }

    #[test]
    fn unspecified_addresses_are_loopback_too_and_flags_add_names() {
        let hosts = ["api.example".to_owned()];
        let origins = Origins::new("0.0.0.0:80".parse().unwrap(), &hosts, &[]);
        assert_eq!(origins.refusal(&headers("api.example", None), None), None);
        assert_eq!(origins.refusal(&headers("localhost", None), None), None);
        assert!(
            origins
                .refusal(&headers("evil.example", None), None)
                .is_some()
        );
        let pod = Origins::new(
            "10.0.0.7:80".parse().unwrap(),
            &[],
            &["https://app.example".to_owned()],
        );
        assert_eq!(pod.refusal(&headers("anything", None), None), None);
        let app = headers("api.example", Some("https://app.example/"));
        assert_eq!(pod.refusal(&app, None), None);
    }

    #[test]
    fn host_names_drop_their_port() {
        assert_eq!(host_name("example.com:8080"), "example.com");
        assert_eq!(host_name("[::1]:80"), "[::1]");
        assert_eq!(host_name("[::1]"), "[::1]");
    }
}
