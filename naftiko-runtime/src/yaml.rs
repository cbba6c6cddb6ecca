//! YAML answers (`outputRawFormat: yaml`), read into JSON.

use serde_json::Value;

use crate::error::BoxError;
use crate::error::Format;

/// YAML (`outputRawFormat: yaml`).
pub const YAML: Format = Format {
    name: "YAML",
    read: yaml,
};

/// A YAML document as JSON.
pub fn yaml(body: &[u8]) -> Result<Value, BoxError> {
    Ok(serde_saphyr::from_str(std::str::from_utf8(body)?)?)
}
