//! Plumbing of the generated skill catalogs.

use axum::extract::Path;
use axum::response::IntoResponse;
use axum::response::Response;
use http::HeaderValue;
use http::StatusCode;
use http::header;

use crate::problem;

/// A catalog document (JSON built at generation).
pub fn document(json: &'static str) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json,
    )
        .into_response()
}

/// A file of a skill's folder (compiled in); text types are UTF-8.
pub fn file(mime_type: &'static str, body: &'static [u8]) -> Response {
    let content_type = if mime_type.starts_with("text/") {
        HeaderValue::from_str(&format!("{mime_type}; charset=utf-8"))
    } else {
        HeaderValue::from_str(mime_type)
    };
    let content_type = content_type.unwrap_or(HeaderValue::from_static("application/octet-stream"));
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A file a skill does not have: 404.
pub async fn unknown_file(Path((name, file)): Path<(String, String)>) -> Response {
    problem::response(
        StatusCode::NOT_FOUND,
        format!("skill `{name}` has no file `{file}`"),
    )
}

/// A skill the catalog does not have: 404.
pub async fn unknown(Path(name): Path<String>) -> Response {
    problem::response(
        StatusCode::NOT_FOUND,
        format!("no skill `{name}` in this catalog"),
    )
}
