//! A round-robin HTTP load balancer on loopback: each request goes to the next backend, as any
//! stateless balancer would send it (no session affinity).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

struct Backends {
    urls: Vec<String>,
    next: AtomicUsize,
    /// Requests forwarded to each backend.
    served: Vec<AtomicUsize>,
    http: reqwest::Client,
}

/// A running balancer; stops when dropped.
pub struct Balancer {
    pub addr: SocketAddr,
    backends: Arc<Backends>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Balancer {
    /// Balance over `urls` (e.g. `http://127.0.0.1:1234`).
    pub async fn start(urls: Vec<String>) -> Self {
        let served = urls.iter().map(|_| AtomicUsize::new(0)).collect();
        let backends = Arc::new(Backends {
            urls,
            next: AtomicUsize::new(0),
            served,
            http: reqwest::Client::new(),
        });
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(backends.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind balancer");
        let addr = listener.local_addr().expect("balancer address");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("balancer serves");
        });
        Self {
            addr,
            backends,
            task,
        }
    }

    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests each backend got.
    pub fn served(&self) -> Vec<usize> {
        self.backends
            .served
            .iter()
            .map(|n| n.load(Ordering::SeqCst))
            .collect()
    }
}

async fn forward(State(backends): State<Arc<Backends>>, request: Request) -> Response {
    let i = backends.next.fetch_add(1, Ordering::SeqCst) % backends.urls.len();
    backends.served[i].fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 16 * 1024 * 1024).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut upstream = backends
        .http
        .request(parts.method, format!("{}{path}", backends.urls[i]));
    for (name, value) in &parts.headers {
        if !matches!(
            name.as_str(),
            "host" | "connection" | "content-length" | "transfer-encoding"
        ) {
            upstream = upstream.header(name, value);
        }
    }
    match upstream.body(body).send().await {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                if !matches!(
                    name.as_str(),
                    "connection" | "content-length" | "transfer-encoding"
                ) {
                    response = response.header(name, value);
                }
            }
            let bytes = answer.bytes().await.unwrap_or_default();
            response
                .body(Body::from(bytes))
                .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}
