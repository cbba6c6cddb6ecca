//! One line, one count and one timing per served request, and the Prometheus recorder behind
//! `/metrics`.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::MatchedPath;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
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

/// Middleware of every served adapter: accept or create `X-Request-Id`, count and time the
/// request by route template, log one line (method, route, status, latency, request id).
pub async fn track(adapter: &'static str, mut request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = telemetry::label(request.method().as_str());
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
    let mut response = context::scope(trace, next.run(request)).await;
    in_flight.decrement(1.0);
    let elapsed = started.elapsed();
    let status = response.status();
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
    response
        .headers_mut()
        .insert(context::REQUEST_ID, request_id);
    response
}
