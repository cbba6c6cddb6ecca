//! Values put on the wire: path segments, query and header lists, form bodies, template text.

use std::borrow::Cow;

/// Characters left as they are in a path segment: RFC 3986 unreserved. Everything else,
/// `/` included, is percent-encoded, so a value is always exactly one segment.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// exploded), `name[key]=value` per field.
pub fn query_list(name: &str, value: &serde_json::Value) -> Vec<(String, String)> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|item| (name.to_owned(), text(item)))
            .collect(),
        // Objects as `name[key]=value` (deepObject style).
        serde_json::Value::Object(fields) => fields
            .iter()
            .flat_map(|(key, v)| query_list(&format!("{name}[{key}]"), v))
            .collect(),
        other => vec![(name.to_owned(), text(other))],
    }
}

/// A header value for a list parameter: the elements joined by commas.
pub fn header_list(value: &serde_json::Value) -> String {
    query_list("", value)
        .into_iter()
        .map(|(_, v)| v)
        .collect::<Vec<_>>()
        .join(",")
}

/// A template value as text: strings as they are, anything else as JSON.
pub fn text(value: &serde_json::Value) -> Cow<'_, str> {
    match value {
        serde_json::Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

/// Form-encode a value for a pre-encoded form body template.
pub fn form_encode(value: impl AsRef<str>) -> String {
    percent_encoding::utf8_percent_encode(value.as_ref(), PATH_SEGMENT).to_string()
}

/// Any string-like value as `&str` (inputs arrive as `String`, `&String` or `&str`).
pub fn as_str<S: AsRef<str> + ?Sized>(value: &S) -> &str {
    value.as_ref()
}

/// Percent-encode a value for use as one path segment (`a/b c` → `a%2Fb%20c`).
pub fn encode_path_segment(value: &str) -> percent_encoding::PercentEncode<'_> {
    percent_encoding::utf8_percent_encode(value, PATH_SEGMENT)
}
