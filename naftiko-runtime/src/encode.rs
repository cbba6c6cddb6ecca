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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
