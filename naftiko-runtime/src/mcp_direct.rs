//! The short way of a plain `tools/call`: answered by calling the tool, without rmcp's
//! per-request machinery (in stateless mode rmcp starts a service task and a one-shot transport
//! for every request; `cargo xtask bench` measured the MCP path at about a third of the REST
//! path's requests per second with it).
//!
//! The same service checks every `POST` as a JSON-RPC request first (see [`direct`]), reading
//! its body once. Only a request whose answer cannot differ from rmcp's is taken: a JSON object
//! with exactly the members
//! `jsonrpc: "2.0"`, `id` (a number or a string), `method: "tools/call"` and `params` holding
//! only `name` (a string) and `arguments` (an object, optional); `Accept` naming
//! `application/json` and `text/event-stream` without parameters; `Content-Type:
//! application/json`; no `MCP-Protocol-Version` or a version rmcp knows that predates the
//! standard request headers (SEP-2243), and none of those headers. Everything else — `_meta`,
//! tasks, notifications, other methods — goes to rmcp. The answer is the message rmcp sends,
//! serialized by rmcp's own types.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Context;
use std::task::Poll;

use axum::extract::Request;
use axum::response::IntoResponse;
use axum::response::Response;
use http::HeaderMap;
use http::StatusCode;
use http::header;
use rmcp::model::CallToolResponse;
use rmcp::model::CallToolResult;
use rmcp::model::ErrorCode;
use rmcp::model::ErrorData;
use rmcp::model::JsonObject;
use rmcp::model::ProtocolVersion;
use rmcp::model::RequestId;
use rmcp::model::ServerJsonRpcMessage;
use rmcp::model::ServerResult;
use serde_json::Value;

/// A boxed future borrowing for `'a`.
pub type Called<'a> = Pin<Box<dyn Future<Output = Result<CallToolResult, ErrorData>> + Send + 'a>>;

/// A server whose tools can be called directly.
pub trait DirectCalls: Send + Sync + 'static {
    /// Call tool `name` with `args` for an HTTP request with `headers`.
    fn call_directly<'a>(
        &'a self,
        name: &'a str,
        args: JsonObject,
        headers: &'a HeaderMap,
    ) -> Called<'a>;
}

/// `inner` (rmcp's streamable HTTP service) behind the checks of a JSON-RPC request, with plain
/// `tools/call` requests answered by calling `tools` directly (see the module docs).
///
/// A `POST` body that is not `application/json` gets 415, one over `max_body_bytes` 413, one
/// that is not JSON 400 and a parse error (-32700), a batch or a value that is not a request
/// object 400 and an invalid request (-32600) — each a JSON-RPC error document, where rmcp would
/// answer in plain text. An error answer without a content type (405 for `GET`, …) gets a
/// problem document.
pub fn direct<S>(tools: Arc<dyn DirectCalls>, inner: S, max_body_bytes: usize) -> Direct<S> {
    Direct {
        tools,
        inner,
        max_body_bytes,
    }
}

/// See [`direct`].
#[derive(Clone)]
pub struct Direct<S> {
    tools: Arc<dyn DirectCalls>,
    inner: S,
    max_body_bytes: usize,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Direct<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct")
            .field("inner", &self.inner)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// The answer of a [`Direct`] service.
pub type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> tower_service::Service<Request> for Direct<S>
where
    S: tower_service::Service<Request, Error = Infallible> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Answer {
        // The service made ready goes with the request; a clone stays for the next one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let tools = self.tools.clone();
        let max_body_bytes = self.max_body_bytes;
        Box::pin(async move {
            let request = if request.method() == http::Method::POST {
                match read(request, max_body_bytes).await {
                    Ok(Read::Call(call, parts)) => {
                        let outcome = tools
                            .call_directly(&call.name, call.args, &parts.headers)
                            .await;
                        return Ok(answer(call.id, outcome));
                    }
                    Ok(Read::Other(request)) => request,
                    Err(refused) => return Ok(refused),
                }
            } else {
                request
            };
            let answer = inner.call(request).await;
            Ok(with_content_type(answer.into_response()).await)
        })
    }
}

/// A `POST` whose body has been read and found to be a JSON object.
enum Read {
    /// A `tools/call` to take the short way, and the request's head.
    Call(ToolCall, http::request::Parts),
    /// Anything else, for rmcp: the request rebuilt with the body read.
    Other(Request),
}

/// Read and check the body of a `POST` (see [`direct`]); the answer refusing it otherwise.
async fn read(request: Request, max_body_bytes: usize) -> Result<Read, Response> {
    if !crate::encode::is_json(request.headers()) {
        return Err(json_rpc_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::INVALID_REQUEST,
            "a JSON-RPC request is sent as `Content-Type: application/json`",
        ));
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, max_body_bytes).await else {
        return Err(json_rpc_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::INVALID_REQUEST,
            "the request body is larger than the server accepts",
        ));
    };
    if let Some(call) = tool_call(&parts.headers, &bytes) {
        return Ok(Read::Call(call, parts));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Err(e) => Err(json_rpc_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::PARSE_ERROR,
            &format!("the request body is not JSON: {e}"),
        )),
        Ok(Value::Array(_)) => Err(json_rpc_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::INVALID_REQUEST,
            "batch requests are not supported: send one request per POST",
        )),
        Ok(Value::Object(_)) => match not_a_message(&bytes) {
            Some(refused) => Err(refused),
            None => Ok(Read::Other(Request::from_parts(
                parts,
                axum::body::Body::from(bytes),
            ))),
        },
        Ok(_) => Err(json_rpc_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::INVALID_REQUEST,
            "a JSON-RPC request is a JSON object",
        )),
    }
}

/// The members of a JSON-RPC message: each known one at most once (serde refuses one twice).
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(default)]
    jsonrpc: Member,
    #[serde(default)]
    id: Member,
    #[serde(default)]
    method: Member,
    #[serde(default)]
    params: Member,
    #[serde(default)]
    result: Member,
    #[serde(default)]
    error: Member,
}

/// The `params` of a `tools/call`, each member at most once.
#[derive(serde::Deserialize)]
struct CallEnvelope {
    params: CallMembers,
}

#[derive(serde::Deserialize)]
struct CallMembers {
    #[serde(default)]
    name: Member,
    #[serde(default)]
    arguments: Member,
}

/// A member of a JSON object: absent, or present with its value (`null` included).
#[derive(Default)]
struct Member(Option<Value>);

impl<'de> serde::Deserialize<'de> for Member {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(|value| Member(Some(value)))
    }
}

/// Why the JSON object `body` is not a JSON-RPC 2.0 request, notification or response (JSON-RPC
/// 2.0 §4, §5): 400 and an invalid request (-32600); a `tools/call` whose `params` names a
/// member twice gets invalid params (-32602). `None` for a message rmcp is to answer.
fn not_a_message(body: &[u8]) -> Option<Response> {
    let invalid = |why: &str| {
        let message = format!("the body is not a JSON-RPC 2.0 message: {why}");
        Some(json_rpc_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::INVALID_REQUEST,
            &message,
        ))
    };
    let envelope: Envelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(e) => return invalid(&e.to_string()),
    };
    if !matches!(&envelope.jsonrpc.0, Some(Value::String(v)) if v == "2.0") {
        return invalid("`jsonrpc` must be \"2.0\"");
    }
    if !matches!(
        &envelope.id.0,
        None | Some(Value::String(_) | Value::Number(_))
    ) {
        return invalid("`id` must be a string or a number");
    }
    let Some(method) = envelope.method.0 else {
        let answers =
            usize::from(envelope.result.0.is_some()) + usize::from(envelope.error.0.is_some());
        return match (envelope.id.0, answers) {
            (Some(_), 1) => None,
            _ => invalid(
                "a request names its `method`; a response has an `id` and one of `result` and `error`",
            ),
        };
    };
    let Value::String(method) = method else {
        return invalid("`method` must be a string");
    };
    if !matches!(
        &envelope.params.0,
        None | Some(Value::Object(_) | Value::Array(_))
    ) {
        return invalid("`params` must be an object");
    }
    if method == "tools/call" && matches!(&envelope.params.0, Some(Value::Object(_))) {
        let why = match serde_json::from_slice::<CallEnvelope>(body) {
            Err(e) => e.to_string(),
            Ok(call) => match (call.params.name.0, call.params.arguments.0) {
                (Some(Value::String(_)), None | Some(Value::Object(_) | Value::Null)) => {
                    return None;
                }
                (Some(Value::String(_)), _) => "`arguments` must be an object".to_owned(),
                _ => "`name` must be a string".to_owned(),
            },
        };
        return Some(invalid_params(envelope.id.0.unwrap_or(Value::Null), &why));
    }
    None
}

/// An invalid params error (-32602) answering request `id`.
fn invalid_params(id: Value, why: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": ErrorCode::INVALID_PARAMS.0, "message": format!("invalid `params`: {why}") },
    });
    let content_type = [(header::CONTENT_TYPE, "application/json")];
    (StatusCode::OK, content_type, body.to_string()).into_response()
}

/// A JSON-RPC error answer with no request id.
fn json_rpc_error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code.0, "message": message },
    });
    let content_type = [(header::CONTENT_TYPE, "application/json")];
    (status, content_type, body.to_string()).into_response()
}

/// An error answer without a content type as a problem document (its text the detail; its
/// other headers, such as `Allow`, kept).
async fn with_content_type(response: Response) -> Response {
    let status = response.status();
    let typed = response.headers().contains_key(header::CONTENT_TYPE);
    if typed || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&text).trim().to_owned();
    let detail = if detail.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        detail
    };
    let mut answer = crate::problem::response(status, detail);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_LENGTH {
            answer
                .headers_mut()
                .entry(name)
                .or_insert_with(|| value.clone());
        }
    }
    answer
}

/// A `tools/call` taken the short way.
#[derive(Debug)]
struct ToolCall {
    id: RequestId,
    name: String,
    args: JsonObject,
}

/// A plain `tools/call` as sent: exactly these members, each once (any other member, or one
/// twice, fails to parse and leaves the request to rmcp).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainCall<'a> {
    #[serde(borrow)]
    jsonrpc: std::borrow::Cow<'a, str>,
    id: RequestId,
    #[serde(borrow)]
    method: std::borrow::Cow<'a, str>,
    params: PlainParams,
}

/// The `params` of a [`PlainCall`]: `arguments`, when present, an object.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainParams {
    name: String,
    #[serde(default)]
    arguments: JsonObject,
}

/// The `tools/call` in `body`, sent with `headers`, when it is one to take the short way. Read
/// straight into its parts: no JSON tree is built for the envelope.
fn tool_call(headers: &HeaderMap, body: &[u8]) -> Option<ToolCall> {
    if !plain_headers(headers) {
        return None;
    }
    let call: PlainCall<'_> = serde_json::from_slice(body).ok()?;
    (call.jsonrpc == "2.0" && call.method == "tools/call").then_some(ToolCall {
        id: call.id,
        name: call.params.name,
        args: call.params.arguments,
    })
}

const MCP_PROTOCOL_VERSION: http::HeaderName =
    http::HeaderName::from_static("mcp-protocol-version");
const MCP_METHOD: http::HeaderName = http::HeaderName::from_static("mcp-method");
const MCP_NAME: http::HeaderName = http::HeaderName::from_static("mcp-name");

/// Whether the headers are those of a request rmcp answers without looking at them further.
fn plain_headers(headers: &HeaderMap) -> bool {
    let version = match headers.get(MCP_PROTOCOL_VERSION) {
        None => true,
        Some(version) => version.to_str().is_ok_and(|version| {
            version < ProtocolVersion::STANDARD_HEADERS.as_str()
                && ProtocolVersion::KNOWN_VERSIONS
                    .iter()
                    .any(|known| known.as_str() == version)
        }),
    };
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            let essence = value.split_once(';').map_or(value, |(essence, _)| essence);
            essence.trim().eq_ignore_ascii_case("application/json")
        });
    let standard = [MCP_METHOD, MCP_NAME]
        .iter()
        .any(|name| headers.contains_key(name));
    version && json && !standard && accepts_json_and_events(headers)
}

/// Whether `Accept` names both `application/json` and `text/event-stream`, with no
/// parameters (weights are left to rmcp).
fn accepts_json_and_events(headers: &HeaderMap) -> bool {
    let (mut json, mut events) = (false, false);
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else {
            return false;
        };
        for item in value.split(',') {
            let item = item.trim();
            if item.contains(';') {
                return false;
            }
            json |= item.eq_ignore_ascii_case("application/json");
            events |= item.eq_ignore_ascii_case("text/event-stream");
        }
    }
    json && events
}

/// The JSON-RPC answer to request `id`, as rmcp writes it.
fn answer(id: RequestId, outcome: Result<CallToolResult, ErrorData>) -> Response {
    let message = match outcome {
        Ok(result) => {
            let mut result = ServerResult::from(CallToolResponse::from(result));
            // What rmcp's server handler does for a peer on a version before 2026-07-28 (the
            // only ones taken the short way).
            result.strip_result_type_for_legacy_peer();
            result.strip_non_object_output_for_legacy_peer();
            ServerJsonRpcMessage::response(result, id)
        }
        Err(error) => ServerJsonRpcMessage::error(error, Some(id)),
    };
    match serde_json::to_vec(&message) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => crate::problem::response(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the answer cannot be written as JSON: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `tool_call` makes of `body` sent with `headers`.
    fn taken(body: Value, headers: &[(&str, &str)]) -> Option<ToolCall> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let name = http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            map.append(name, http::HeaderValue::from_str(value).unwrap());
        }
        tool_call(&map, &serde_json::to_vec(&body).unwrap())
    }

    const PLAIN: &[(&str, &str)] = &[
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
    ];

    fn call(params: Value) -> Value {
        serde_json::json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params})
    }

    #[test]
    fn a_plain_tool_call_is_taken() {
        let plain = call(serde_json::json!({"name": "t", "arguments": {"a": 1}}));
        let plain = taken(plain, PLAIN).unwrap();
        assert_eq!(plain.name, "t");
        assert_eq!(plain.args.get("a"), Some(&serde_json::json!(1)));
        assert_eq!(
            serde_json::to_value(&plain.id).unwrap(),
            serde_json::json!(7)
        );
        let no_arguments = taken(call(serde_json::json!({"name": "t"})), PLAIN);
        assert!(no_arguments.unwrap().args.is_empty());
        let versioned = [PLAIN, &[("mcp-protocol-version", "2025-06-18")]].concat();
        assert!(taken(call(serde_json::json!({"name": "t"})), &versioned).is_some());
    }

    #[test]
    fn anything_else_goes_to_rmcp() {
        let meta = call(serde_json::json!({"name": "t", "_meta": {"progressToken": 1}}));
        assert!(taken(meta, PLAIN).is_none());
        let list =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}});
        assert!(taken(list, PLAIN).is_none());
        let notification =
            serde_json::json!({"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "t"}});
        assert!(taken(notification, PLAIN).is_none());
        let null_arguments = call(serde_json::json!({"name": "t", "arguments": null}));
        assert!(taken(null_arguments, PLAIN).is_none());
        let fractional_id = serde_json::json!({"jsonrpc": "2.0", "id": 1.5, "method": "tools/call", "params": {"name": "t"}});
        assert!(taken(fractional_id, PLAIN).is_none());
        let mut headers = HeaderMap::new();
        for (name, value) in PLAIN {
            headers.insert(*name, http::HeaderValue::from_static(value));
        }
        let twice = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/call","params":{"name":"t"}}"#;
        assert!(tool_call(&headers, twice).is_none());
        let once = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}"#;
        assert!(tool_call(&headers, once).is_some());
        let null_id = serde_json::json!({"jsonrpc": "2.0", "id": null, "method": "tools/call", "params": {"name": "t"}});
        assert!(taken(null_id, PLAIN).is_none());
        let body = || call(serde_json::json!({"name": "t"}));
        let json_only = [
            ("content-type", "application/json"),
            ("accept", "application/json"),
        ];
        assert!(taken(body(), &json_only).is_none());
        let weighted = [
            ("content-type", "application/json"),
            ("accept", "application/json;q=0, text/event-stream"),
        ];
        assert!(taken(body(), &weighted).is_none());
        for extra in [
            ("mcp-protocol-version", "1999-01-01"),
            (
                "mcp-protocol-version",
                ProtocolVersion::STANDARD_HEADERS.as_str(),
            ),
            ("mcp-method", "tools/call"),
        ] {
            let headers = [PLAIN, &[extra]].concat();
            assert!(taken(body(), &headers).is_none(), "{extra:?}");
        }
    }

    #[test]
    fn answers_are_json_rpc_messages() {
        let ok = answer(RequestId::Number(3), Ok(CallToolResult::success(vec![])));
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()[header::CONTENT_TYPE], "application/json");
        let refused = answer(
            RequestId::String("x".into()),
            Err(ErrorData::invalid_params("unknown tool `t`", None)),
        );
        assert_eq!(refused.status(), StatusCode::OK);
    }

    #[test]
    fn objects_that_are_not_messages_are_invalid_requests() {
        let status = |body: &str| not_a_message(body.as_bytes()).map(|r| r.status());
        for body in [
            r#"{"jsonrpc":"2.0","id":1}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":7}"#,
            r#"{"jsonrpc":"1.0","id":1,"method":"tools/list"}"#,
            r#"{"id":1,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":{},"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":3}"#,
        ] {
            assert_eq!(status(body), Some(StatusCode::BAD_REQUEST), "{body}");
        }
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"t","_meta":{}}}"#,
        ] {
            assert_eq!(status(body), None, "{body}");
        }
        let twice =
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}"#;
        assert_eq!(status(twice), Some(StatusCode::OK));
    }

    #[derive(Debug)]
    struct NoTools;

    impl DirectCalls for NoTools {
        fn call_directly<'a>(&'a self, _: &'a str, _: JsonObject, _: &'a HeaderMap) -> Called<'a> {
            Box::pin(async { Err(ErrorData::invalid_params("no tools here", None)) })
        }
    }

    #[tokio::test]
    async fn credentials_are_checked_before_the_body_is_read() {
        let service = direct(
            Arc::new(NoTools),
            axum::routing::any(|| async { "rmcp" }),
            1024,
        );
        let router = crate::inbound::protect(
            axum::Router::new().route_service("/mcp", service),
            crate::inbound::Guard::Bearer(crate::secret::Secret::new("t0k")),
        );
        let post = |authorization: Option<&str>| {
            let mut request = http::Request::post("/mcp")
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream");
            if let Some(authorization) = authorization {
                request = request.header("authorization", authorization);
            }
            request.body(axum::body::Body::from("not json")).unwrap()
        };
        let mut router = router;
        let stranger = tower_service::Service::call(&mut router, post(None))
            .await
            .unwrap();
        assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
        let caller = tower_service::Service::call(&mut router, post(Some("Bearer t0k")))
            .await
            .unwrap();
        assert_eq!(caller.status(), StatusCode::BAD_REQUEST);
        let body = axum::body::to_bytes(caller.into_body(), 4096)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], -32700);
    }
}
