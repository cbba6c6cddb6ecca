//! Bound values read from files (`binds` with a `location`): a YAML or JSON mapping of keys to
//! values, read at start-up. Neither an error nor a log line ever shows what a file holds.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::secret::Secret;
use crate::startup::StartupError;

/// Read a `binds` file: a YAML (or JSON) mapping of keys to values, at `path` relative to `dir`.
///
/// # Errors
///
/// [`StartupError::BindFile`] naming the file, the bind that declares it and why (never what it
/// holds).
pub fn read(
    dir: &Path,
    path: &'static str,
    bind_index: usize,
    namespace: &'static str,
) -> Result<BTreeMap<String, Value>, StartupError> {
    let full = dir.join(path);
    let failed = |reason: String| StartupError::BindFile {
        path: full.display().to_string(),
        bind_index,
        namespace,
        reason,
    };
    let text = std::fs::read_to_string(&full).map_err(|e| failed(e.to_string()))?;
    serde_saphyr::from_str(&text)
        .map_err(|_| failed("not a YAML or JSON mapping of keys to values".to_owned()))
}

/// The value of `key` in a `binds` file, as text (numbers and booleans as written).
///
/// # Errors
///
/// [`StartupError::MissingKey`] when the key is absent, empty or not a scalar.
pub fn value(
    values: &BTreeMap<String, Value>,
    key: &'static str,
    variable: &'static str,
    path: &'static str,
    bind_index: usize,
    namespace: &'static str,
) -> Result<Secret, StartupError> {
    match values.get(key) {
        Some(Value::String(text)) if !text.is_empty() => Ok(Secret::new(text.as_str())),
        Some(value @ (Value::Number(_) | Value::Bool(_))) => Ok(Secret::new(value.to_string())),
        _ => Err(StartupError::MissingKey {
            key,
            variable,
            path,
            bind_index,
            namespace,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_text_and_missing_keys_named() {
        let dir = std::env::temp_dir().join(format!("naftiko-bind-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("values.yaml"),
            "token: abc\nport: 8080\nempty: ''\n",
        )
        .unwrap();
        let values = read(&dir, "values.yaml", 0, "env").unwrap();
        let token = value(&values, "token", "TOKEN", "values.yaml", 0, "env").unwrap();
        assert_eq!(token.expose(), "abc");
        let port = value(&values, "port", "PORT", "values.yaml", 0, "env").unwrap();
        assert_eq!(port.expose(), "8080");
        let err = value(&values, "empty", "EMPTY", "values.yaml", 0, "env").unwrap_err();
        assert!(
            err.to_string().contains("has no value for `empty`"),
            "{err}"
        );
        std::fs::write(dir.join("broken.yaml"), "secret: [unclosed").unwrap();
        let err = read(&dir, "broken.yaml", 1, "files")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("unclosed"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
