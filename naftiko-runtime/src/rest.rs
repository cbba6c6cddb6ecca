//! Plumbing of the generated axum handlers: reading a request's parts (400 with a problem
//! document when they do not fit) and answering with an upstream's result.

use axum::extract::rejection::BytesRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::rejection::QueryRejection;
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;
use http::HeaderValue;
use http::StatusCode;

use crate::args;
use crate::error::Error;
use crate::error::Format;
use crate::error::RawResponse;
use crate::map;
use crate::problem;
use crate::problem::Problem;

/// The default limit on request bodies: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// `router` with the answer budget of REST adapter `adapter` (see
/// [`crate::budget::rest_budget`]): none unless one is set for it, and then JSON answers over it
/// are cut to fit, marked by a `Naftiko-Cut` header with the original size.
pub fn with_answer_budget(router: axum::Router, adapter: &str) -> axum::Router {
    match crate::budget::rest_budget(adapter) {
        0 => router,
        budget => router.layer(axum::middleware::map_response(move |answer: Response| {
            fit_answer(answer, budget)
        })),
    }
}

/// A JSON answer over `budget` bytes cut to fit (the rest as it is).
async fn fit_answer(answer: Response, budget: usize) -> Response {
    let json = answer
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|ct| ct.to_str().ok())
        .is_some_and(|ct| {
            let essence = ct.split(';').next().unwrap_or("").trim();
            essence == "application/json" || essence.ends_with("+json")
        });
    let (mut parts, body) = answer.into_parts();
    if !json {
        return Response::from_parts(parts, body);
    }
    // Answers are held whole already (streamed ones are binary, never JSON here).
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return problem::response(
            StatusCode::BAD_GATEWAY,
            "the answer could not be read to fit the answer budget",
        );
    };
    let mut value = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(value) if bytes.len() > budget => value,
        _ => return Response::from_parts(parts, axum::body::Body::from(bytes)),
    };
    let Some(cut) = crate::budget::cut(&mut value, budget) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    let mark = format!(
        "original-bytes={}, kept-bytes={}, dropped-items={}, shortened-strings={}",
        cut.original_bytes, cut.kept_bytes, cut.dropped_items, cut.shortened_strings
    );
    if let Ok(mark) = HeaderValue::from_str(&mark) {
        parts.headers.insert("naftiko-cut", mark);
    }
    parts.headers.remove(http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(value.to_string()))
}

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

/// A binary answer (`outputRawFormat: binary`): the upstream's status and bytes with their media
/// type (`declared` first, the upstream's `Content-Type` otherwise), never sniffed by the
/// browser; error statuses pass through as they are; an answer over `max_bytes` (the
/// operation's `maxBinarySize`) is a 502.
pub fn binary(
    result: Result<RawResponse, Error>,
    declared: Option<&str>,
    max_bytes: usize,
) -> Response {
    let raw = match result.and_then(RawResponse::error_for_status) {
        Ok(raw) => raw,
        Err(err) => return pass_through(Err(err)),
    };
    if raw.body.len() > max_bytes {
        return over_max_binary_size(raw.body.len() as u64, max_bytes);
    }
    let status = raw.status;
    let binary = crate::error::binary(raw, declared);
    let mut response = match HeaderValue::from_str(&binary.media_type) {
        Ok(ct) => problem::passthrough(status, Some(ct), binary.bytes),
        Err(_) => problem::passthrough(status, None, binary.bytes),
    };
    response.headers_mut().insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The 502 for a binary answer of `bytes` over `max_bytes`.
fn over_max_binary_size(bytes: u64, max_bytes: usize) -> Response {
    tracing::warn!(bytes, max_bytes, "binary answer over maxBinarySize");
    let problem = Problem::new(
        StatusCode::BAD_GATEWAY,
        format!(
            "the upstream's answer is larger than {} (`maxBinarySize`)",
            crate::http::size_text(max_bytes)
        ),
    );
    axum::response::IntoResponse::into_response(problem)
}

/// [`binary`] for an answer still arriving ([`crate::http::send_streamed`]): the bytes are
/// passed on as they arrive. An announced length over `max_bytes` is a 502 before anything is
/// sent; a body that grows past it (or stops arriving) ends the answer early, as a proxy does.
pub async fn streamed_binary(
    result: Result<crate::http::Streamed, Error>,
    declared: Option<&str>,
    max_bytes: usize,
) -> Response {
    let streamed = match result {
        Ok(streamed) => streamed,
        Err(err) => return pass_through(Err(err)),
    };
    // Error statuses (and redirects not followed) are read whole and passed on as they are.
    if !streamed.status.is_success() {
        return binary(streamed.read().await, declared, max_bytes);
    }
    if let Some(length) = streamed.length.filter(|n| *n > max_bytes as u64) {
        return over_max_binary_size(length, max_bytes);
    }
    let media_type = declared
        .and_then(|d| HeaderValue::from_str(d).ok())
        .or(streamed.content_type)
        .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
    let body = match streamed.body {
        crate::http::StreamedBody::Read(bytes) => axum::body::Body::from(bytes),
        crate::http::StreamedBody::Arriving(body) => {
            axum::body::Body::new(http_body_util::Limited::new(body, max_bytes))
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = streamed.status;
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, media_type);
    headers.insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
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
        Ok(Ok(body)) => problem::passthrough(
            status,
            Some(HeaderValue::from_static("application/json")),
            Bytes::from(body),
        ),
        Ok(Err(e)) => problem::response(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(mismatch) => {
            tracing::warn!(error = %mismatch, "upstream answer does not fit the output");
            problem::response(StatusCode::BAD_GATEWAY, mismatch.to_string())
        }
    }
}

/// The answer of a mock operation: the object of its named outputs (200).
pub fn mock(fields: &[(&str, serde_json::Value)]) -> Response {
    let value: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let body = serde_json::Value::Object(value).to_string();
    problem::passthrough(
        StatusCode::OK,
        Some(HeaderValue::from_static("application/json")),
        Bytes::from(body),
    )
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
            let content_type = raw
                .content_type
                .or_else(|| Some(HeaderValue::from_static("text/plain; charset=utf-8")));
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
    Problem::new(
        StatusCode::BAD_REQUEST,
        format!("`{name}` does not match the pattern `{pattern}`"),
    )
}

/// A path that does not fit the route.
pub fn bad_path(rejection: PathRejection) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        format!("invalid path: {}", rejection.body_text()),
    )
}

/// A query string that cannot be read.
pub fn bad_query(rejection: QueryRejection) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        format!("invalid query string: {}", rejection.body_text()),
    )
}

/// A required JSON request body: 413 over the limit, 400 when it is missing or not JSON.
pub fn required_json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    expect: Expect,
) -> Result<serde_json::Value, Problem> {
    json_body(headers, body, expect)?
        .ok_or_else(|| Problem::new(StatusCode::BAD_REQUEST, "a JSON request body is required"))
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
            Problem::new(
                status,
                format!("cannot read the request body: {}", rejection.body_text()),
            )
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
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "a forwarded path cannot have `.` or `..` segments",
        ));
    }
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let kept = headers
        .iter()
        .filter(|(name, _)| *name == http::header::CONTENT_TYPE || trusted.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    Ok(Forwarded {
        method: method.clone(),
        path_and_query,
        headers: kept,
        body,
    })
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
pub fn body_fields(
    body: &Option<serde_json::Value>,
) -> &serde_json::Map<String, serde_json::Value> {
    static NONE: std::sync::OnceLock<serde_json::Map<String, serde_json::Value>> =
        std::sync::OnceLock::new();
    match body {
        Some(serde_json::Value::Object(fields)) => fields,
        _ => NONE.get_or_init(serde_json::Map::new),
    }
}

/// The fields of the object at `steps` in a JSON request body (none where there is none).
pub fn fields_at<'a>(
    body: &'a Option<serde_json::Value>,
    steps: &[map::Step],
) -> &'a serde_json::Map<String, serde_json::Value> {
    static NONE: std::sync::OnceLock<serde_json::Map<String, serde_json::Value>> =
        std::sync::OnceLock::new();
    match body.as_ref().and_then(|b| map::at(b, steps)) {
        Some(serde_json::Value::Object(fields)) => fields,
        _ => NONE.get_or_init(serde_json::Map::new),
    }
}

/// A value the spec reads from the body (`value: $.user.id`) that is missing or of the
/// wrong type: 400.
pub fn invalid_body_value(path: &str) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        format!("the request body has no valid `{path}`"),
    )
}

/// A body field that is missing or of the wrong type: 400.
pub fn invalid_field(invalid: args::Invalid) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, invalid.message("body field"))
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
pub fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    expect: Expect,
) -> Result<Option<serde_json::Value>, Problem> {
    let bytes = body.map_err(|rejection| {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(status, "the request body is larger than the server accepts")
        } else {
            Problem::new(
                status,
                format!("cannot read the request body: {}", rejection.body_text()),
            )
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    // A page of another origin can send `text/plain` or a form without asking (no CORS
    // preflight); only `application/json` is read as JSON.
    if !crate::encode::is_json(headers) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be sent as `Content-Type: application/json`",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            format!("the request body is not valid JSON: {e}"),
        )
    })?;
    match (expect, &value) {
        (Expect::Object, serde_json::Value::Object(_))
        | (Expect::Array, serde_json::Value::Array(_)) => Ok(Some(value)),
        (Expect::Object, _) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "the request body must be a JSON object",
        )),
        (Expect::Array, _) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "the request body must be a JSON array",
        )),
    }
}

/// A text input parsed as `T` (integers, numbers, booleans), or a 400 naming it.
pub fn parse<T: std::str::FromStr>(name: &str, kind: &str, value: &str) -> Result<T, Problem> {
    value.parse().map_err(|_| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            format!("`{name}` must be {kind}, got `{value}`"),
        )
    })
}

/// A request header as text (400 when it is not valid text).
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, Problem> {
    headers
        .get(name)
        .map(|v| {
            v.to_str().map_err(|_| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    format!("header `{name}` is not valid text"),
                )
            })
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
    text.split(',')
        .map(|item| serde_json::Value::String(item.trim().to_owned()))
        .collect()
}

/// A JSON object from text (a query parameter or header), or a 400 naming it.
pub fn json_object(name: &str, text: &str) -> Result<serde_json::Value, Problem> {
    match serde_json::from_str(text) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value),
        _ => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("`{name}` must be a JSON object"),
        )),
    }
}

/// Any JSON value from text: the text as JSON when it parses, else the text as a string.
pub fn json_or_text(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}

/// A required query parameter or header that is missing.
pub fn missing(name: &str, location: &str) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        format!("missing required {location} `{name}`"),
    )
}

/// A path variable written with text after it in its segment (`/{id}:cancel`): the router
/// takes the whole segment; without that text the path is not this route's (404).
pub fn strip_suffix(segment: String, suffix: &str) -> Result<String, Problem> {
    match segment.strip_suffix(suffix) {
        Some(value) if !value.is_empty() => Ok(value.to_owned()),
        _ => Err(Problem::new(
            StatusCode::NOT_FOUND,
            "no operation is exposed at this path",
        )),
    }
}

/// Does the segment `from_end` segments before the last of `path` (0: the last) end with
/// `suffix`, once percent-decoded, with text before it? How one path of the router tells
/// `/{id}:cancel` from `/{id}:approve`.
pub fn segment_ends_with(path: &str, from_end: usize, suffix: &str) -> bool {
    let Some(segment) = path.rsplit('/').nth(from_end) else {
        return false;
    };
    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    decoded.len() > suffix.len() && decoded.ends_with(suffix)
}

/// The 404 for paths no route matches.
pub async fn not_found() -> Response {
    problem::response(
        StatusCode::NOT_FOUND,
        "no operation is exposed at this path",
    )
}

/// The 405 for a known path with another method.
pub async fn method_not_allowed() -> Response {
    problem::response(
        StatusCode::METHOD_NOT_ALLOWED,
        "this method is not exposed on this path",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        headers
    }

    #[test]
    fn a_suffixed_segment_is_told_by_its_text() {
        assert!(segment_ends_with("/v1/jobs/42:cancel", 0, ":cancel"));
        assert!(segment_ends_with("/v1/jobs/42%3Acancel", 0, ":cancel"));
        assert!(segment_ends_with("/v1/jobs/42:cancel/logs", 1, ":cancel"));
        assert!(!segment_ends_with("/v1/jobs/42:approve", 0, ":cancel"));
        assert!(!segment_ends_with("/v1/jobs/:cancel", 0, ":cancel"));
        assert!(!segment_ends_with("/v1", 3, ":cancel"));
        assert_eq!(strip_suffix("42:cancel".into(), ":cancel").unwrap(), "42");
        let refused = strip_suffix(":cancel".into(), ":cancel").unwrap_err();
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        assert!(strip_suffix("42".into(), ".json").is_err());
    }

    #[test]
    fn only_json_bodies_are_read() {
        let body = || Ok(Bytes::from_static(br#"{"a": 1}"#));
        let read = json_body(
            &headers("application/json; charset=utf-8"),
            body(),
            Expect::Object,
        );
        assert!(read.unwrap().is_some());
        assert!(
            json_body(
                &headers("application/merge-patch+json"),
                body(),
                Expect::Object
            )
            .is_ok()
        );
        let refused = json_body(&headers("text/plain"), body(), Expect::Object).unwrap_err();
        assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let refused = json_body(&HeaderMap::new(), body(), Expect::Object).unwrap_err();
        assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // No body: nothing to read, whatever the type.
        assert_eq!(
            json_body(&HeaderMap::new(), Ok(Bytes::new()), Expect::Object),
            Ok(None)
        );
    }
}
