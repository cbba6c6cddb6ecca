//! RFC 9457 `application/problem+json` responses for the errors the server itself answers.

use axum::response::IntoResponse;
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;
use http::HeaderValue;
use http::StatusCode;
use http::header;

use crate::error::Error;

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
        Self {
            status,
            detail: detail.into(),
        }
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
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// The problem response for a client error (502, 504 or the upstream's own status).
pub fn from_client_error(err: &Error) -> Response {
    match err {
        Error::Status {
            status,
            content_type,
            body,
        } => passthrough(*status, content_type.clone(), body.clone()),
        Error::Timeout => response(
            StatusCode::GATEWAY_TIMEOUT,
            "the upstream API did not answer in time",
        ),
        Error::Decode { status, format, .. } => response(
            StatusCode::BAD_GATEWAY,
            format!("the upstream API answered {status} with a body that is not valid {format}"),
        ),
        Error::Transport(e) => response(
            StatusCode::BAD_GATEWAY,
            format!("the upstream API is unreachable: {}", chain(e.as_ref())),
        ),
        Error::Step(message) => response(StatusCode::BAD_GATEWAY, message.clone()),
        Error::Undocumented { .. } => response(StatusCode::BAD_GATEWAY, err.to_string()),
        Error::Token(_) => response(StatusCode::BAD_GATEWAY, err.to_string()),
        // A value the caller gave that cannot be sent: the call was not made.
        Error::PathSegment { .. } => response(StatusCode::BAD_REQUEST, err.to_string()),
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
    // No body, no content type (a `204 No Content` says nothing about a type).
    if body.is_empty() {
        return (status, axum::body::Body::empty()).into_response();
    }
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert(header::CONTENT_TYPE, ct);
    }
    (status, headers, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_become_gateway_problems_and_upstream_errors_pass() {
        assert_eq!(
            from_client_error(&Error::Timeout).status(),
            StatusCode::GATEWAY_TIMEOUT
        );
        let transport = Error::Transport("refused".into());
        assert_eq!(
            from_client_error(&transport).status(),
            StatusCode::BAD_GATEWAY
        );
        let upstream = Error::Status {
            status: StatusCode::NOT_FOUND,
            content_type: Some(HeaderValue::from_static("application/json")),
            body: Bytes::from_static(b"{}"),
        };
        let response = from_client_error(&upstream);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn an_empty_answer_has_no_content_type() {
        let response = passthrough(
            StatusCode::NO_CONTENT,
            Some(HeaderValue::from_static("application/json")),
            Bytes::new(),
        );
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(response.headers().get(header::CONTENT_TYPE).is_none());
    }

    #[test]
    fn problems_are_problem_json() {
        let response = response(StatusCode::BAD_REQUEST, "nope");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
