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

/// The folder of a skill whose `location` is read at run time: `path`, or where the
/// environment variable `env` points.
pub fn run_time_dir(path: &'static str, env: &'static str) -> std::path::PathBuf {
    match std::env::var_os(env) {
        Some(dir) if !dir.is_empty() => std::path::PathBuf::from(dir),
        _ => std::path::PathBuf::from(path),
    }
}

/// The most a file read at run time may hold.
const MAX_RUN_TIME_FILE: u64 = 8 << 20;

/// The file `file` of skill `skill`'s folder `dir`, read now: only a regular file inside the
/// folder (no `..`, no link leading out), at most 8 MiB; 404 otherwise.
pub async fn file_at_run_time(
    dir: std::sync::Arc<std::path::PathBuf>,
    skill: &str,
    file: String,
) -> Response {
    let not_found = || {
        problem::response(
            StatusCode::NOT_FOUND,
            format!("skill `{skill}` has no file `{}`", file.escape_debug()),
        )
    };
    let clean = !file.is_empty()
        && file
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains(['\\', '\0']));
    if !clean {
        return not_found();
    }
    let wanted = file.clone();
    let read = tokio::task::spawn_blocking(move || -> Option<Vec<u8>> {
        let root = dir.canonicalize().ok()?;
        let path = root.join(&wanted).canonicalize().ok()?;
        let meta = std::fs::metadata(&path).ok()?;
        if !path.starts_with(&root) || !meta.is_file() || meta.len() > MAX_RUN_TIME_FILE {
            return None;
        }
        std::fs::read(&path).ok()
    })
    .await;
    match read {
        Ok(Some(body)) => {
            let mime = media_type(&file);
            let content_type = if mime.starts_with("text/") {
                format!("{mime}; charset=utf-8")
            } else {
                mime.to_owned()
            };
            let content_type = HeaderValue::from_str(&content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            ([(header::CONTENT_TYPE, content_type)], body).into_response()
        }
        _ => not_found(),
    }
}

/// A file's media type by its extension.
fn media_type(file: &str) -> &'static str {
    let extension = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("md" | "markdown") => "text/markdown",
        Some("txt") => "text/plain",
        Some("json") => "application/json",
        Some("yaml" | "yml") => "application/yaml",
        Some("html" | "htm") => "text/html",
        Some("csv") => "text/csv",
        Some("py") => "text/x-python",
        Some("sh") => "text/x-shellscript",
        Some("js") => "text/javascript",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_the_extension() {
        assert_eq!(media_type("SKILL.md"), "text/markdown");
        assert_eq!(media_type("tools/a.JSON"), "application/json");
        assert_eq!(media_type("Makefile"), "application/octet-stream");
    }

    #[tokio::test]
    async fn a_file_read_at_run_time_stays_inside_its_folder() {
        let base = std::env::temp_dir().join(format!("naftiko-skill-{}", std::process::id()));
        let dir = base.join("skill");
        std::fs::create_dir_all(dir.join("docs")).unwrap();
        std::fs::write(dir.join("SKILL.md"), "# Skill").unwrap();
        std::fs::write(dir.join("docs/a.txt"), "a").unwrap();
        std::fs::write(base.join("secret.txt"), "secret").unwrap();
        let dir = std::sync::Arc::new(dir);
        let status = |file: &str| {
            let dir = dir.clone();
            let file = file.to_owned();
            async move { file_at_run_time(dir, "s", file).await.status() }
        };
        assert_eq!(status("SKILL.md").await, StatusCode::OK);
        assert_eq!(status("docs/a.txt").await, StatusCode::OK);
        for outside in [
            "../secret.txt",
            "docs/../../secret.txt",
            "",
            "docs",
            "docs//a.txt",
            "missing.md",
        ] {
            assert_eq!(status(outside).await, StatusCode::NOT_FOUND, "{outside}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("secret.txt"), dir.join("link.txt")).unwrap();
            assert_eq!(status("link.txt").await, StatusCode::NOT_FOUND);
        }
        std::fs::remove_dir_all(&base).unwrap();
    }
}
