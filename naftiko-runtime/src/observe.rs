//! One line, one count and one timing per served request, and the Prometheus recorder behind
//! `/metrics`.

use std::pin::Pin;
use std::sync::OnceLock;
use std::task::Context;
use std::task::Poll;
use std::time::Duration;
use std::time::Instant;

use axum::extract::MatchedPath;
use axum::extract::Request;
use axum::response::Response;
use http::HeaderValue;
use http::StatusCode;
use metrics_exporter_prometheus::PrometheusBuilder;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::context;
use crate::telemetry;

/// Install the Prometheus recorder (once per process) and return its handle.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0,
                ])
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            // Histograms keep their samples until upkeep folds them into buckets: without
            // it, memory grows with every request between two scrapes.
            let upkeep = handle.clone();
            let _ = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .stack_size(64 * 1024)
                .spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_secs(1));
                        upkeep.run_upkeep();
                    }
                });
            // Another recorder may already be installed (e.g. by an embedding app): keep it.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// The layer every served adapter's routes run behind: accept or create `X-Request-Id`, count
/// and time the request by route template, log one line (method, route, status, latency,
/// request id), and make the request's context visible to the upstream calls it makes.
///
/// Written as a [`tower_service::Service`] rather than `axum::middleware::from_fn`: no boxed
/// future and no clone of the routes behind it per request (`cargo xtask bench`).
#[derive(Debug, Clone, Copy)]
pub struct Track {
    adapter: &'static str,
}

impl Track {
    /// Track the requests of adapter `adapter`.
    pub fn new(adapter: &'static str) -> Self {
        Self { adapter }
    }
}

impl<S> tower_layer::Layer<S> for Track {
    type Service = Tracked<S>;

    fn layer(&self, inner: S) -> Tracked<S> {
        Tracked {
            adapter: self.adapter,
            inner,
        }
    }
}

/// A service behind [`Track`].
#[derive(Debug, Clone)]
pub struct Tracked<S> {
    adapter: &'static str,
    inner: S,
}

impl<S> tower_service::Service<Request> for Tracked<S>
where
    S: tower_service::Service<Request, Response = Response>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = S::Error;
    type Future = tokio::task::futures::TaskLocalFuture<context::Context, Timed<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let started = Instant::now();
        let adapter = self.adapter;
        let method = telemetry::method_label(request.method());
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", |p| telemetry::label(p.as_str()));
        let request_id = match request.headers().get(context::REQUEST_ID) {
            Some(id) if !id.is_empty() && id.len() <= 200 => id.clone(),
            _ => {
                let id = context::new_request_id();
                request
                    .headers_mut()
                    .insert(context::REQUEST_ID, id.clone());
                id
            }
        };
        let trace = context::Context::from_headers(request.headers());
        static IN_FLIGHT: telemetry::Handles<metrics::Gauge> = telemetry::Handles::new();
        let in_flight = IN_FLIGHT.get(
            [telemetry::key(adapter), (0, 0), (0, 0), (0, 0)],
            || metrics::gauge!("naftiko_http_requests_in_flight", "adapter" => adapter),
        );
        in_flight.increment(1.0);
        let timed = Timed {
            inner: self.inner.call(request),
            in_flight: Some(in_flight),
            request_id: Some(request_id),
            labels: [adapter, method, route],
            started,
        };
        context::scope_future(trace, timed)
    }
}

/// The answer of a [`Tracked`] service, counted, timed and logged when it is ready.
#[derive(Debug)]
pub struct Timed<F> {
    inner: F,
    /// Decremented once: when the answer is ready, or when the request is dropped unanswered
    /// (the client went away).
    in_flight: Option<metrics::Gauge>,
    request_id: Option<HeaderValue>,
    /// Adapter, method and route.
    labels: [&'static str; 3],
    started: Instant,
}

impl<F, E> Future for Timed<F>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut response = match Pin::new(&mut self.inner).poll(cx) {
            Poll::Ready(Ok(response)) => response,
            other => return other,
        };
        self.leave_flight();
        let [adapter, method, route] = self.labels;
        let elapsed = self.started.elapsed();
        record(adapter, method, route, response.status(), elapsed);
        let request_id = self
            .request_id
            .take()
            .unwrap_or(HeaderValue::from_static("-"));
        tracing::info!(
            target: "naftiko::request",
            adapter,
            method,
            route,
            status = response.status().as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            request_id = request_id.to_str().unwrap_or("-"),
            "request"
        );
        response
            .headers_mut()
            .insert(context::REQUEST_ID, request_id);
        Poll::Ready(Ok(response))
    }
}

impl<F> Timed<F> {
    /// Count the request out of flight, once.
    fn leave_flight(&mut self) {
        if let Some(in_flight) = self.in_flight.take() {
            in_flight.decrement(1.0);
        }
    }
}

impl<F> Drop for Timed<F> {
    fn drop(&mut self) {
        self.leave_flight();
    }
}

/// Count and time one served request.
fn record(
    adapter: &'static str,
    method: &'static str,
    route: &'static str,
    status: StatusCode,
    elapsed: Duration,
) {
    static REQUESTS: telemetry::Handles<(metrics::Counter, metrics::Histogram)> =
        telemetry::Handles::new();
    let (count, duration) = REQUESTS.get(
        [
            telemetry::key(adapter),
            telemetry::key(method),
            telemetry::key(route),
            (usize::from(status.as_u16()), 0),
        ],
        || {
            let labels = [("adapter", adapter), ("method", method), ("route", route)];
            (
                metrics::counter!(
                    "naftiko_http_requests_total",
                    &[
                        ("adapter", adapter),
                        ("method", method),
                        ("route", route),
                        ("status", telemetry::label(status.as_str())),
                    ]
                ),
                metrics::histogram!("naftiko_http_request_duration_seconds", &labels),
            )
        },
    );
    count.increment(1);
    duration.record(elapsed.as_secs_f64());
}
