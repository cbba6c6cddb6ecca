//! Plumbing of the generated MCP servers: the streamable HTTP configuration, tool results made
//! from upstream answers, resources and prompts.

use base64::Engine as _;
use rmcp::model::CallToolResult;
use rmcp::model::ContentBlock;
use rmcp::model::ErrorData;
use rmcp::model::JsonObject;

use crate::args;
use crate::budget;
use crate::context;
use crate::error::Error;
use crate::error::Format;
use crate::error::RawResponse;
use crate::map;
use crate::startup::StartupError;
use crate::telemetry;

/// The streamable HTTP configuration of a generated MCP adapter: stateless (any replica can
/// answer any request), JSON responses, `Host` and `Origin` checked against allow-lists.
pub fn config(
    max_body_bytes: usize,
    shutdown: tokio_util::sync::CancellationToken,
) -> rmcp::transport::streamable_http_server::StreamableHttpServerConfig {
    // `Host` and `Origin` are checked in front (`crate::origin`), the same way as for REST.
    rmcp::transport::streamable_http_server::StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_max_request_body_bytes(max_body_bytes)
        .with_cancellation_token(shutdown)
        .disable_allowed_hosts()
        .disable_allowed_origins()
}

/// A tool's input or output schema from its JSON text, as the generator wrote it (a JSON
/// object; anything else is an empty schema). Text rather than a `json!` literal: a schema of
/// any size compiles.
pub fn object_schema(text: &str) -> std::sync::Arc<JsonObject> {
    std::sync::Arc::new(serde_json::from_str(text).unwrap_or_default())
}

/// The headers of the HTTP request an MCP request came in (none over stdio).
pub fn http_headers(
    context: &rmcp::service::RequestContext<rmcp::service::RoleServer>,
) -> Option<&http::HeaderMap> {
    context
        .extensions
        .get::<axum::http::request::Parts>()
        .map(|parts| &parts.headers)
}

/// Run a tool call with the id and trace context of the HTTP request with `headers`, counted
/// and timed.
pub async fn observed<F>(
    adapter: &'static str,
    tool: &str,
    headers: Option<&http::HeaderMap>,
    call: F,
) -> Result<CallToolResult, ErrorData>
where
    F: std::future::Future<Output = Result<CallToolResult, ErrorData>>,
{
    let context = headers
        .map(context::Context::from_headers)
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let mut result = context::scope(context, call).await;
    if let Ok(answer) = &mut result {
        fit(answer, budget::mcp_budget(adapter, tool));
    }
    let outcome = match &result {
        Ok(r) if r.is_error == Some(true) => "tool_error",
        Ok(_) => "ok",
        Err(_) => "protocol_error",
    };
    telemetry::tool_call(adapter, tool, outcome, started.elapsed());
    result
}

/// Cut a tool's answer over `budget` bytes (0: none) to fit it: its structured content at JSON
/// boundaries (its text copy written anew), else its text; a last text block says what was cut,
/// and `_meta` records it (`naftiko/cut`).
pub fn fit(answer: &mut CallToolResult, budget: usize) {
    let text_bytes: usize = answer
        .content
        .iter()
        .filter_map(|block| block.as_text())
        .map(|text| text.text.len())
        .sum();
    if budget == 0 || text_bytes <= budget {
        return;
    }
    let cut = match &mut answer.structured_content {
        Some(value) => {
            let Some(cut) = budget::cut(value, budget) else {
                return;
            };
            answer.content = vec![ContentBlock::text(value.to_string())];
            cut
        }
        None => {
            let Some(ContentBlock::Text(first)) = answer.content.first_mut() else {
                return;
            };
            let Some(kept) = budget::cut_text(&first.text, budget) else {
                return;
            };
            let kept = kept.len();
            first.text.truncate(kept);
            budget::Cut {
                original_bytes: text_bytes,
                kept_bytes: kept,
                dropped_items: 0,
                shortened_strings: 1,
            }
        }
    };
    answer
        .content
        .push(ContentBlock::text(cut.sentence(budget)));
    answer
        .meta
        .get_or_insert_with(Default::default)
        .0
        .insert("naftiko/cut".into(), cut.to_json(budget));
}

impl From<args::Invalid> for ErrorData {
    fn from(invalid: args::Invalid) -> Self {
        ErrorData::invalid_params(invalid.message("argument"), None)
    }
}

/// Reject arguments the tool does not declare.
pub fn no_unknown_arguments(args: &JsonObject, known: &[&str]) -> Result<(), ErrorData> {
    match args.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ErrorData::invalid_params(
            format!("unknown argument `{k}`"),
            None,
        )),
        None => Ok(()),
    }
}

/// The tool result for an upstream answer: `structuredContent` plus a text copy on success
/// (a non-object result is wrapped as `{wrap_as: …}`), `isError` with status and body when the
/// upstream answered an error or could not be reached.
pub fn tool_result(result: Result<RawResponse, Error>, wrap_as: &str) -> CallToolResult {
    let raw = match result.and_then(RawResponse::error_for_status) {
        Ok(raw) => raw,
        Err(err) => return error_result(&err),
    };
    match raw.json() {
        Ok(serde_json::Value::Null) if raw.body.is_empty() => {
            CallToolResult::success(vec![ContentBlock::text(format!(
                "The upstream API answered {} with no content.",
                raw.status
            ))])
        }
        // The text block is the upstream's own JSON text (valid JSON is valid UTF-8), not the
        // parsed value written out again.
        Ok(value @ serde_json::Value::Object(_)) => structured(value, json_text(&raw.body)),
        Ok(value) => {
            let text = format!(
                "{{{}:{}}}",
                serde_json::Value::from(wrap_as),
                json_text(&raw.body)
            );
            let mut wrapped = JsonObject::new();
            wrapped.insert(wrap_as.to_owned(), value);
            structured(serde_json::Value::Object(wrapped), text)
        }
        Err(err) => error_result(&err),
    }
}

/// The tool result for an answer its API's OpenAPI document gives no body: `{"status": N}` as
/// structured content (what the tool's output schema says) and a sentence. An answer that has
/// a body after all is passed on as [`tool_result`] passes it.
pub fn empty_result(result: Result<RawResponse, Error>, wrap_as: &str) -> CallToolResult {
    match result {
        Ok(raw) if raw.status.is_success() && raw.body.is_empty() => structured(
            serde_json::json!({ "status": raw.status.as_u16() }),
            format!("The upstream API answered {} with no content.", raw.status),
        ),
        result => tool_result(result, wrap_as),
    }
}

/// The tool result for a shaped answer: the output `shape` makes of the upstream JSON (an
/// array or value wrapped as `{wrap_as: …}`), or `isError`.
pub fn shaped_result<T: serde::Serialize>(
    result: Result<RawResponse, Error>,
    wrap_as: &str,
    format: Format,
    shape: impl Fn(&serde_json::Value) -> Result<T, map::Mismatch>,
) -> CallToolResult {
    let raw = match result.and_then(RawResponse::error_for_status) {
        Ok(raw) => raw,
        Err(err) => return error_result(&err),
    };
    match raw.read(format) {
        Ok(json) => orchestrated(&json, wrap_as, shape),
        Err(err) => error_result(&err),
    }
}

/// The tool error for a failed upstream call of an orchestration step; invalid params (-32602)
/// when the call was not made because of a value the caller gave (see [`argument_error`]).
pub fn upstream_error(err: &Error) -> Result<CallToolResult, ErrorData> {
    argument_error(err)?;
    Ok(error_result(err))
}

/// Invalid params (-32602) when a call was not made because of a value the caller gave: a path
/// parameter that would not be one segment of its own (empty, `.` or `..`).
pub fn argument_error(err: &Error) -> Result<(), ErrorData> {
    match err {
        Error::PathSegment { .. } => Err(ErrorData::invalid_params(err.to_string(), None)),
        _ => Ok(()),
    }
}

/// [`argument_error`] for the result of a call.
pub fn sent(result: &Result<RawResponse, Error>) -> Result<(), ErrorData> {
    match result {
        Err(err) => argument_error(err),
        Ok(_) => Ok(()),
    }
}

/// The result of an orchestrated tool (and of a shaped one): the output `shape` makes of the
/// JSON (a non-object wrapped as `{wrap_as: …}`), or `isError` when it does not fit.
pub fn orchestrated<T: serde::Serialize>(
    steps: &serde_json::Value,
    wrap_as: &str,
    shape: impl Fn(&serde_json::Value) -> Result<T, map::Mismatch>,
) -> CallToolResult {
    let output = match shape(steps).map(|output| serde_json::to_value(&output)) {
        Ok(Ok(output)) => output,
        Ok(Err(e)) => return CallToolResult::error(vec![ContentBlock::text(e.to_string())]),
        Err(mismatch) => {
            tracing::warn!(error = %mismatch, "upstream answer does not fit the output");
            return CallToolResult::error(vec![ContentBlock::text(mismatch.to_string())]);
        }
    };
    let value = match output {
        object @ serde_json::Value::Object(_) => object,
        other => {
            let mut wrapped = JsonObject::new();
            wrapped.insert(wrap_as.to_owned(), other);
            serde_json::Value::Object(wrapped)
        }
    };
    let text = value.to_string();
    structured(value, text)
}

/// The tool result for a binary answer (`outputRawFormat: binary`), base64-encoded in the
/// block its media type calls for (`declared` first, the upstream's `Content-Type` otherwise):
/// `image/*` an image, `audio/*` audio, anything else an embedded blob at `uri` (a name for the
/// answer, not a resource that can be read). An answer over `max_bytes` (`maxBinarySize`) is a
/// tool error; error statuses are as for JSON.
pub fn binary_result(
    result: Result<RawResponse, Error>,
    declared: Option<&str>,
    max_bytes: usize,
    uri: &str,
) -> CallToolResult {
    let raw = match result.and_then(RawResponse::error_for_status) {
        Ok(raw) => raw,
        Err(err) => return error_result(&err),
    };
    if raw.body.len() > max_bytes {
        tracing::warn!(
            bytes = raw.body.len(),
            max_bytes,
            "binary answer over maxBinarySize"
        );
        return CallToolResult::error(vec![ContentBlock::text(format!(
            "the upstream's answer is larger than {} (`maxBinarySize`)",
            crate::http::size_text(max_bytes)
        ))]);
    }
    let binary = crate::error::binary(raw, declared);
    let data = base64::engine::general_purpose::STANDARD.encode(&binary.bytes);
    let media_type = binary.media_type;
    let block = match media_type.split('/').next().map(str::trim) {
        Some(kind) if kind.eq_ignore_ascii_case("image") => ContentBlock::image(data, media_type),
        Some(kind) if kind.eq_ignore_ascii_case("audio") => ContentBlock::audio(data, media_type),
        _ => ContentBlock::resource(
            rmcp::model::ResourceContents::blob(data, uri).with_mime_type(media_type),
        ),
    };
    CallToolResult::success(vec![block])
}

/// The contents of a resource read: the text of the result (`mime_type`, or JSON for
/// structured results), or the blob of a binary one; a failed read is an error naming the
/// resource.
pub fn resource_contents(
    result: CallToolResult,
    uri: &str,
    mime_type: Option<&str>,
) -> Result<rmcp::model::ReadResourceResponse, ErrorData> {
    if result.is_error != Some(true)
        && let Some(contents) = result
            .content
            .first()
            .and_then(|b| binary_contents(b, uri, mime_type))
    {
        return Ok(rmcp::model::ReadResourceResult::new(vec![contents]).into());
    }
    let text = result
        .content
        .iter()
        .find_map(|block| block.as_text().map(|t| t.text.clone()))
        .unwrap_or_default();
    if result.is_error == Some(true) {
        return Err(ErrorData::internal_error(
            format!("reading `{uri}` failed: {text}"),
            None,
        ));
    }
    let mime_type = mime_type.unwrap_or(if result.structured_content.is_some() {
        "application/json"
    } else {
        "text/plain"
    });
    let contents = rmcp::model::ResourceContents::text(text, uri).with_mime_type(mime_type);
    Ok(rmcp::model::ReadResourceResult::new(vec![contents]).into())
}

/// The blob of a binary tool result's block, at `uri` (`mime_type`, or the block's own).
fn binary_contents(
    block: &ContentBlock,
    uri: &str,
    mime_type: Option<&str>,
) -> Option<rmcp::model::ResourceContents> {
    let (data, own) = match block {
        ContentBlock::Image(image) => (&image.data, &image.mime_type),
        ContentBlock::Audio(audio) => (&audio.data, &audio.mime_type),
        ContentBlock::Resource(embedded) => match &embedded.resource {
            rmcp::model::ResourceContents::BlobResourceContents {
                blob, mime_type, ..
            } => (blob, mime_type.as_ref()?),
            _ => return None,
        },
        _ => return None,
    };
    let contents = rmcp::model::ResourceContents::blob(data.clone(), uri);
    Some(contents.with_mime_type(mime_type.unwrap_or(own)))
}

/// A resource compiled into the crate from a file (`location`).
pub struct FileResource {
    pub uri: &'static str,
    pub mime_type: &'static str,
    pub content: FileContent,
}

/// A compiled-in file: text, or bytes already base64-encoded (an MCP blob).
pub enum FileContent {
    Text(&'static str),
    Base64(&'static str),
}

/// The contents of the compiled-in resource at `uri` (`files` sorted by URI), if any.
pub fn file_resource(
    files: &[FileResource],
    uri: &str,
) -> Option<rmcp::model::ReadResourceResponse> {
    let found = files.binary_search_by(|f| f.uri.cmp(uri)).ok()?;
    let file = &files[found];
    let contents = match file.content {
        FileContent::Text(text) => rmcp::model::ResourceContents::text(text, uri),
        FileContent::Base64(blob) => rmcp::model::ResourceContents::blob(blob, uri),
    };
    let contents = contents.with_mime_type(file.mime_type);
    Some(rmcp::model::ReadResourceResult::new(vec![contents]).into())
}

/// The variables of `uri` for a URI template written as the literal text around its
/// variables (`["data://users/", "/profile"]`): each variable is one non-empty path segment.
pub fn match_uri_template(uri: &str, literals: &[&str]) -> Option<Vec<String>> {
    let (first, rest) = literals.split_first()?;
    let mut remaining = uri.strip_prefix(first)?;
    let mut values = Vec::with_capacity(rest.len());
    for (i, literal) in rest.iter().enumerate() {
        let end = if i + 1 == rest.len() {
            // The last literal ends the URI.
            remaining
                .len()
                .checked_sub(literal.len())
                .filter(|end| remaining[*end..] == **literal)?
        } else if literal.is_empty() {
            remaining.find('/').unwrap_or(remaining.len())
        } else {
            remaining.find(literal)?
        };
        let value = &remaining[..end];
        if value.is_empty() || value.contains('/') {
            return None;
        }
        values.push(
            percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned(),
        );
        remaining = &remaining[end + literal.len()..];
    }
    remaining.is_empty().then_some(values)
}

/// A prompt argument as text (`""` for a missing optional one).
pub fn prompt_argument(
    arguments: &JsonObject,
    name: &str,
    required: bool,
) -> Result<String, ErrorData> {
    match arguments.get(name) {
        None | Some(serde_json::Value::Null) if required => Err(ErrorData::invalid_params(
            format!("missing required argument `{name}`"),
            None,
        )),
        None | Some(serde_json::Value::Null) => Ok(String::new()),
        Some(serde_json::Value::String(text)) => Ok(text.clone()),
        Some(other) => Ok(other.to_string()),
    }
}

/// The result of a mock tool: the object of its named outputs.
pub fn mock_result<const N: usize>(fields: [(&str, serde_json::Value); N]) -> CallToolResult {
    let value =
        serde_json::Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
    let text = value.to_string();
    structured(value, text)
}

/// An argument that does not match its `pattern`: invalid params (-32602).
pub fn pattern_mismatch(name: &str, pattern: &str) -> ErrorData {
    ErrorData::invalid_params(
        format!("`{name}` does not match the pattern `{pattern}`"),
        None,
    )
}

fn json_text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).trim().to_owned()
}

/// A successful structured result whose text block is `text`, the JSON of `value`.
fn structured(value: serde_json::Value, text: String) -> CallToolResult {
    let mut result = CallToolResult::structured(serde_json::Value::Null);
    result.content = vec![ContentBlock::text(text)];
    result.structured_content = Some(value);
    result
}

/// The tool result for a text answer: the text, or `isError` with status and body.
pub fn text_result(result: Result<RawResponse, Error>) -> CallToolResult {
    match result.and_then(RawResponse::error_for_status) {
        Ok(raw) => CallToolResult::success(vec![ContentBlock::text(
            String::from_utf8_lossy(&raw.body).into_owned(),
        )]),
        Err(err) => error_result(&err),
    }
}

fn error_result(err: &Error) -> CallToolResult {
    if !matches!(err, Error::Status { .. }) {
        tracing::warn!(error = %err, "upstream call failed");
    }
    match err {
        Error::Status { status, body, .. } => {
            let body_json =
                serde_json::from_slice::<serde_json::Value>(body).unwrap_or_else(|_| {
                    serde_json::Value::String(String::from_utf8_lossy(body).into_owned())
                });
            CallToolResult::structured_error(serde_json::json!({
                "status": status.as_u16(),
                "error": status.canonical_reason().unwrap_or("error"),
                "body": body_json,
            }))
        }
        other => CallToolResult::error(vec![ContentBlock::text(other.to_string())]),
    }
}

/// Serve an MCP server over standard input and output (newline-delimited JSON-RPC) until the
/// client closes its end — which stops the whole process — or `shutdown` is cancelled.
pub async fn serve_stdio<S: rmcp::ServerHandler>(
    namespace: &'static str,
    server: S,
    shutdown: tokio_util::sync::CancellationToken,
) -> Result<(), StartupError> {
    serve_io(
        namespace,
        server,
        (tokio::io::stdin(), tokio::io::stdout()),
        shutdown,
    )
    .await
}

/// [`serve_stdio`] over any reader and writer (a pipe, a socket, an in-memory duplex).
pub async fn serve_io<S, R, W>(
    namespace: &'static str,
    server: S,
    io: (R, W),
    shutdown: tokio_util::sync::CancellationToken,
) -> Result<(), StartupError>
where
    S: rmcp::ServerHandler,
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
    W: tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    use rmcp::ServiceExt;
    tracing::info!(%namespace, "serving MCP over standard input and output");
    let running = server.serve(io).await.map_err(|e| StartupError::Serve {
        namespace,
        source: std::io::Error::other(e.to_string()),
    })?;
    let stop = running.cancellation_token();
    tokio::select! {
        _ = running.waiting() => {
            // The client closed its end: nothing else will come.
            shutdown.cancel();
        }
        _ = shutdown.cancelled() => stop.cancel(),
    }
    Ok(())
}
