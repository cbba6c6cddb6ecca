//! Values put on the wire: path segments, query and header lists, form bodies, template text.

use std::borrow::Cow;

use crate::error::Error;

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

/// The value of path parameter `parameter`, percent-encoded as exactly one segment: every
/// character but RFC 3986's unreserved ones is encoded (`/` too), and a value that would not be
/// one segment of its own is refused — empty (`/users//tokens` is another resource), `.` or
/// `..` (any server or proxy that removes dot segments, RFC 3986 §5.2.4, would make them another
/// path; their encoded forms `%2E` are decoded before that by many).
pub fn path_segment<'a>(
    parameter: &'static str,
    value: &'a str,
) -> Result<percent_encoding::PercentEncode<'a>, Error> {
    match value {
        "" | "." | ".." => Err(Error::PathSegment {
            parameter,
            value: if value.is_empty() {
                ""
            } else if value == "." {
                "."
            } else {
                ".."
            },
        }),
        _ => Ok(encode_path_segment(value)),
    }
}

/// Does the request say its body is JSON (`application/json`, or `application/<x>+json`)?
pub fn is_json(headers: &http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dot_segments_and_empty_values_are_refused() {
        for value in ["", ".", ".."] {
            let err = path_segment("tokenId", value).unwrap_err();
            assert!(err.to_string().contains("`tokenId`"), "{err}");
        }
        assert_eq!(path_segment("id", "...").unwrap().to_string(), "...");
        assert_eq!(path_segment("id", "a/..").unwrap().to_string(), "a%2F..");
        assert_eq!(
            path_segment("id", "%2e%2e").unwrap().to_string(),
            "%252e%252e"
        );
    }

    #[test]
    fn a_path_value_is_one_segment() {
        assert_eq!(encode_path_segment("a/b c").to_string(), "a%2Fb%20c");
        assert_eq!(encode_path_segment("x-y_z.~").to_string(), "x-y_z.~");
    }

    #[test]
    fn lists_and_objects_in_queries_and_headers() {
        assert_eq!(
            query_list("tag", &json!(["a", 1])),
            [
                ("tag".to_owned(), "a".to_owned()),
                ("tag".to_owned(), "1".to_owned())
            ]
        );
        assert_eq!(
            query_list("f", &json!({"k": "v"})),
            [("f[k]".to_owned(), "v".to_owned())]
        );
        assert_eq!(header_list(&json!(["a", "b"])), "a,b");
        assert_eq!(text(&json!("s")), "s");
        assert_eq!(text(&json!(2)), "2");
        assert_eq!(form_encode("a b&c"), "a%20b%26c");
    }
}
