//! What travels from a served request to the upstream calls it makes: the request id and the W3C
//! trace context (`traceparent`, `tracestate`), passed on unchanged.

use std::hash::BuildHasher;
use std::hash::Hasher;
use std::sync::OnceLock;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;

use http::HeaderMap;
use http::HeaderName;
use http::HeaderValue;

/// The header carrying the request id, accepted from the caller or made up.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The W3C trace context's `traceparent` header.
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// The W3C trace context's `tracestate` header.
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

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
            traceparent: headers.get(TRACEPARENT).cloned(),
            tracestate: headers.get(TRACESTATE).cloned(),
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

/// `future` with `context` visible to the upstream calls it makes, as a nameable future.
pub fn scope_future<F: std::future::Future>(
    context: Context,
    future: F,
) -> tokio::task::futures::TaskLocalFuture<Context, F> {
    CONTEXT.scope(context, future)
}

/// The current request id and trace context, as the headers an upstream request carries (none
/// outside a served request's scope).
pub fn headers() -> [Option<(HeaderName, HeaderValue)>; 3] {
    let Ok(context) = CONTEXT.try_with(Context::clone) else {
        return [None, None, None];
    };
    [
        context.request_id.map(|v| (REQUEST_ID, v)),
        context.traceparent.map(|v| (TRACEPARENT, v)),
        context.tracestate.map(|v| (TRACESTATE, v)),
    ]
}

/// A new request id: random per process, then a counter.
pub fn new_request_id() -> HeaderValue {
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    HeaderValue::try_from(format!("{seed:016x}-{n:08x}"))
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_request_id_and_trace_context_travel_upstream() {
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID, HeaderValue::from_static("r-1"));
        headers.insert("traceparent", HeaderValue::from_static("00-abc-def-01"));
        let sent = scope(Context::from_headers(&headers), async { super::headers() }).await;
        let sent: Vec<_> = sent.into_iter().flatten().collect();
        assert_eq!(
            sent,
            [
                (REQUEST_ID, HeaderValue::from_static("r-1")),
                (TRACEPARENT, HeaderValue::from_static("00-abc-def-01")),
            ]
        );
        assert!(
            super::headers().iter().all(Option::is_none),
            "none outside a request"
        );
    }

    #[test]
    fn request_ids_differ() {
        assert_ne!(new_request_id(), new_request_id());
    }
}
