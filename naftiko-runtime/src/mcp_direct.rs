//! The short way of a plain `tools/call`: answered by calling the tool, without rmcp's
//! per-request machinery (in stateless mode rmcp starts a service task and a one-shot transport
//! for every request; `cargo xtask bench` measured the MCP path at about a third of the REST
//! path's requests per second with it).
//!
//! Only a request whose answer cannot differ from rmcp's is taken: a `POST` that
//! [`crate::mcp::json_rpc`] has read and found to be a JSON object, with exactly the members
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

/// The request body [`crate::mcp::json_rpc`] read: a JSON object.
#[derive(Debug, Clone)]
pub struct JsonRpcBody(pub JsonObject);

/// `inner` (rmcp's streamable HTTP service) with plain `tools/call` requests answered by
/// calling `tools` directly (see the module docs).
pub fn direct<S>(tools: Arc<dyn DirectCalls>, inner: S) -> Direct<S> {
    Direct { tools, inner }
}

/// See [`direct`].
#[derive(Clone)]
pub struct Direct<S> {
    tools: Arc<dyn DirectCalls>,
    inner: S,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Direct<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// The answer of a [`Direct`] service.
pub type Answer = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> tower_service::Service<Request> for Direct<S>
where
    S: tower_service::Service<Request, Error = Infallible>,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Answer {
        let Some(call) = tool_call(&mut request) else {
            let answer = self.inner.call(request);
            return Box::pin(async move { Ok(answer.await.into_response()) });
        };
        let tools = self.tools.clone();
        Box::pin(async move {
            let (parts, _) = request.into_parts();
            let outcome = tools
                .call_directly(&call.name, call.args, &parts.headers)
                .await;
            Ok(answer(call.id, outcome))
        })
    }
}

/// A `tools/call` taken the short way.
#[derive(Debug)]
struct ToolCall {
    id: RequestId,
    name: String,
    args: JsonObject,
}

/// The `tools/call` of `request`, when it is one to take the short way.
fn tool_call(request: &mut Request) -> Option<ToolCall> {
    if request.method() != http::Method::POST || !plain_headers(request.headers()) {
        return None;
    }
    let JsonRpcBody(mut message) = request.extensions_mut().remove()?;
    if message.len() != 4
        || message.get("jsonrpc")? != "2.0"
        || message.get("method")? != "tools/call"
    {
        return None;
    }
    let id = match message.remove("id")? {
        id @ (Value::Number(_) | Value::String(_)) => serde_json::from_value(id).ok()?,
        _ => return None,
    };
    let Value::Object(mut params) = message.remove("params")? else {
        return None;
    };
    let Value::String(name) = params.remove("name")? else {
        return None;
    };
    let args = match params.remove("arguments") {
        None => JsonObject::new(),
        Some(Value::Object(args)) => args,
        Some(_) => return None,
    };
    params.is_empty().then_some(ToolCall { id, name, args })
}

/// Whether the headers are those of a request rmcp answers without looking at them further.
fn plain_headers(headers: &HeaderMap) -> bool {
    let version = match headers.get("mcp-protocol-version") {
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
    let standard = ["mcp-method", "mcp-name"]
        .iter()
        .any(|name| headers.contains_key(*name));
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

    fn request(body: Value, headers: &[(&str, &str)]) -> Request {
        let mut builder = http::Request::post("/mcp");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder.body(axum::body::Body::empty()).unwrap();
        if let Value::Object(body) = body {
            request.extensions_mut().insert(JsonRpcBody(body));
        }
        request
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
        let mut plain = request(
            call(serde_json::json!({"name": "t", "arguments": {"a": 1}})),
            PLAIN,
        );
        let taken = tool_call(&mut plain).unwrap();
        assert_eq!(taken.name, "t");
        assert_eq!(taken.args.get("a"), Some(&serde_json::json!(1)));
        assert_eq!(
            serde_json::to_value(&taken.id).unwrap(),
            serde_json::json!(7)
        );
        let mut no_arguments = request(call(serde_json::json!({"name": "t"})), PLAIN);
        assert!(tool_call(&mut no_arguments).unwrap().args.is_empty());
        let versioned = [PLAIN, &[("mcp-protocol-version", "2025-06-18")]].concat();
        let mut known = request(call(serde_json::json!({"name": "t"})), &versioned);
        assert!(tool_call(&mut known).is_some());
    }

    #[test]
    fn anything_else_goes_to_rmcp() {
        let meta = call(serde_json::json!({"name": "t", "_meta": {"progressToken": 1}}));
        let mut with_meta = request(meta, PLAIN);
        assert!(tool_call(&mut with_meta).is_none());
        let list =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}});
        assert!(tool_call(&mut request(list, PLAIN)).is_none());
        let notification =
            serde_json::json!({"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "t"}});
        assert!(tool_call(&mut request(notification, PLAIN)).is_none());
        let null_id = serde_json::json!({"jsonrpc": "2.0", "id": null, "method": "tools/call", "params": {"name": "t"}});
        assert!(tool_call(&mut request(null_id, PLAIN)).is_none());
        let body = || call(serde_json::json!({"name": "t"}));
        let json_only = [
            ("content-type", "application/json"),
            ("accept", "application/json"),
        ];
        assert!(tool_call(&mut request(body(), &json_only)).is_none());
        let weighted = [
            ("content-type", "application/json"),
            ("accept", "application/json;q=0, text/event-stream"),
        ];
        assert!(tool_call(&mut request(body(), &weighted)).is_none());
        for extra in [
            ("mcp-protocol-version", "1999-01-01"),
            (
                "mcp-protocol-version",
                ProtocolVersion::STANDARD_HEADERS.as_str(),
            ),
            ("mcp-method", "tools/call"),
        ] {
            let headers = [PLAIN, &[extra]].concat();
            assert!(
                tool_call(&mut request(body(), &headers)).is_none(),
                "{extra:?}"
            );
        }
        let mut unread = http::Request::post("/mcp")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(axum::body::Body::empty())
            .unwrap();
        assert!(tool_call(&mut unread).is_none());
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
}
