//! `/healthz`, `/readyz`, `/metrics` (and `/openapi.json` for REST), served beside every adapter,
//! and the routes of a control adapter.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use http::StatusCode;
use http::header;

use crate::observe;

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
    pub fn new(
        adapters: usize,
        variables: &'static [&'static str],
        upstreams: Vec<(&'static str, String)>,
    ) -> Self {
        Self {
            adapters,
            bound: AtomicUsize::new(0),
            draining: AtomicBool::new(false),
            variables,
            upstreams,
        }
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
    router_at("", readiness, openapi)
}

/// The routes under `prefix` (`""`: at the root; `/_naftiko` beside an API that takes one of
/// their paths).
pub fn router_at(
    prefix: &str,
    readiness: Arc<Readiness>,
    openapi: Option<&'static str>,
) -> axum::Router {
    routes(prefix, readiness, openapi, true)
}

/// [`router_at`], with `/metrics` only where `metrics` says (a spec can turn observability
/// off).
pub fn routes(
    prefix: &str,
    readiness: Arc<Readiness>,
    openapi: Option<&'static str>,
    metrics: bool,
) -> axum::Router {
    let router = match openapi {
        Some(document) => axum::Router::new().route(
            &format!("{prefix}/openapi.json"),
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], document) }),
        ),
        None => axum::Router::new(),
    };
    let router = router
        .route(
            &format!("{prefix}/healthz"),
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route(&format!("{prefix}/readyz"), get(readyz));
    let router = if metrics {
        let metrics = observe::prometheus();
        router.route(
            &format!("{prefix}/metrics"),
            get(move || {
                let metrics = metrics.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                        metrics.render(),
                    )
                }
            }),
        )
    } else {
        router
    };
    router.with_state(readiness)
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
            .route(
                "/health/live",
                get(|| async { axum::Json(serde_json::json!({"status": "UP"})) }),
            )
            .route("/health/ready", get(readyz));
    }
    if info {
        let started = std::time::Instant::now();
        router = router
            .route(
                "/status",
                get(move || {
                    let mut status = status.clone();
                    status["uptimeSeconds"] = serde_json::json!(started.elapsed().as_secs());
                    async move { axum::Json(status) }
                }),
            )
            .route(
                "/config",
                get(move || {
                    let config = config.clone();
                    async move { axum::Json(config) }
                }),
            );
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
        upstreams.insert(
            (*namespace).to_owned(),
            serde_json::json!(if reachable {
                "reachable"
            } else {
                "unreachable"
            }),
        );
    }
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "not ready" },
        "adapters": { "bound": bound, "expected": r.adapters },
        "draining": r.draining.load(Ordering::SeqCst),
        "variables": r.variables.iter().map(|v| (v.to_string(), serde_json::json!("present"))).collect::<serde_json::Map<_, _>>(),
        "upstreams": upstreams,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

/// Can a TCP connection to the URL's host and port be opened within two seconds?
async fn reachable(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else {
        return false;
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
        return false;
    };
    let connect = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port));
    matches!(
        tokio::time::timeout(Duration::from_secs(2), connect).await,
        Ok(Ok(_))
    )
}
