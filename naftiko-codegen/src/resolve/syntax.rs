//! The small languages inside a spec: path templates (`{x}`, `{{x}}`), Mustache placeholders,
//! JSONPaths, names compared across case and separators, HTTP methods and parameter types.

use serde_json::Value;

use super::ir::*;
use crate::parse::model;

/// The placeholder names in a path: `{x}` and `{{x}}` alike.
pub(super) fn split_path(path: &str) -> Vec<Result<String, String>> {
    let mut parts = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let double = rest[start..].starts_with("{{");
        let open = if double { 2 } else { 1 };
        let close = if double { "}}" } else { "}" };
        let Some(len) = rest[start + open..].find(close) else {
            break;
        };
        if start > 0 {
            parts.push(Ok(rest[..start].to_owned()));
        }
        parts.push(Err(rest[start + open..start + open + len]
            .trim()
            .to_owned()));
        rest = &rest[start + open + len + close.len()..];
    }
    if !rest.is_empty() {
        parts.push(Ok(rest.to_owned()));
    }
    parts
}

/// Is `name` unusable as an HTTP header name?
pub(super) fn reqwest_header_name_invalid(name: &str) -> bool {
    name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Does any `binds[]` entry declare `name` (`VAR` or `namespace.VAR`)?
pub(super) fn binds_named(name: &str, binds: &[model::Bind]) -> bool {
    binds.iter().any(|b| {
        b.keys.contains_key(name)
            || name
                .strip_prefix(&format!("{}.", b.namespace))
                .is_some_and(|n| b.keys.contains_key(n))
    })
}

/// The characters of a name that count when names are compared: letters and digits, ASCII
/// letters in lower case.
fn name_chars(name: &str) -> impl Iterator<Item = char> + '_ {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
}

/// Do two names mean the same input? Case and separators do not count: `userId`, `userid`,
/// `user_id` and `user-id` are one name (the dialect writes each in different places).
pub(super) fn same_name(a: &str, b: &str) -> bool {
    a == b || name_chars(a).eq(name_chars(b))
}

/// What [`same_name`] compares, as a key of a map (one lookup instead of a scan).
fn name_key(name: &str) -> String {
    name_chars(name).collect()
}

/// Names in a list, looked up as [`same_name`] compares them: each key with the position of
/// the first name that has it. (A scan per lookup would make resolving quadratic in the size
/// of the spec.)
#[derive(Debug, Default)]
pub(super) struct NameIndex(std::collections::HashMap<String, usize>);

impl NameIndex {
    /// The index of `names`, in order.
    pub(super) fn of<'n>(names: impl IntoIterator<Item = &'n str>) -> Self {
        let mut index = Self::default();
        for (i, name) in names.into_iter().enumerate() {
            index.add(name, i);
        }
        index
    }

    /// The position of the first name that is the same as `name`.
    pub(super) fn get(&self, name: &str) -> Option<usize> {
        self.0.get(&name_key(name)).copied()
    }

    /// `name` at `position` (unless a name the same as it came first).
    pub(super) fn add(&mut self, name: &str, position: usize) {
        self.0.entry(name_key(name)).or_insert(position);
    }
}

pub(super) fn method(text: Option<&str>) -> Result<Method, String> {
    match text.unwrap_or("GET").to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::Get),
        "POST" => Ok(Method::Post),
        "PUT" => Ok(Method::Put),
        "PATCH" => Ok(Method::Patch),
        "DELETE" => Ok(Method::Delete),
        "HEAD" => Ok(Method::Head),
        other => Err(format!(
            "HTTP method `{other}` is not supported; use GET, POST, PUT, PATCH, DELETE or HEAD"
        )),
    }
}

pub(super) fn param_type(text: Option<&str>, default: ParamType) -> Result<ParamType, String> {
    Ok(match text {
        None => default,
        Some("string") => ParamType::String,
        Some("integer") => ParamType::Integer,
        Some("number") => ParamType::Number,
        Some("boolean") => ParamType::Boolean,
        Some("object") => ParamType::Object,
        Some("array") => ParamType::Array,
        // Seen in the wild; not a type of the official schema (see `JSON_TYPE_HELP`).
        Some("json") => ParamType::Json,
        Some(other) => {
            return Err(format!(
                "unknown parameter type `{other}`; expected string, integer, number, boolean, object or array"
            ));
        }
    })
}

/// The warning of a parameter written `type: json`, and its hint.
pub(super) const JSON_TYPE: (&str, &str) = (
    "`type: json` read as any JSON value (an object, an array, text, a number, a boolean or null)",
    "the official types are string, integer, number, boolean, object and array; write the one it is, or keep `json` for any",
);

/// Is this output "the whole JSON, unchanged"? (`{type: object|array, mapping|value: $.}` with
/// no properties or items.)
pub(super) fn is_pass_through(o: &model::OutputParameter) -> bool {
    let root = |s: &str| matches!(s.trim(), "$" | "$.");
    let path_is_root = match (&o.mapping, &o.value) {
        (Some(m), None) => root(m),
        (None, Some(Value::String(v))) => root(v),
        (None, None) => false,
        _ => false,
    };
    path_is_root
        && o.constant.is_none()
        && o.properties.is_none()
        && o.items.is_none()
        && matches!(
            o.kind.as_deref(),
            None | Some("object" | "array" | "string")
        )
}

/// Marks a placeholder that stood outside any JSON string in a raw body template (a character
/// of the private use area: JSON strings may hold it, templates do not).
pub(super) const BARE: char = '\u{E000}';

/// A raw JSON body template with each placeholder outside a JSON string quoted and marked
/// [`BARE`]: `{"ids": {{ids}}}` → `{"ids": "\u{E000}{{ids}}"}`, so that it parses as JSON.
pub(super) fn quote_placeholders(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if !in_string
            && rest.starts_with("{{")
            && let Some(end) = rest.find("}}")
        {
            out.push('"');
            out.push(BARE);
            out.push_str(&rest[..end + 2]);
            out.push('"');
            rest = &rest[end + 2..];
            continue;
        }
        match c {
            '\\' if in_string => escaped = !escaped,
            '"' if !escaped => in_string = !in_string,
            _ => escaped = false,
        }
        if c != '\\' {
            escaped = false;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A Mustache template split into its literal text (`Ok`) and its `{{name}}` placeholders
/// (`Err`, trimmed); an unclosed `{{` is literal text.
pub(super) fn mustache(text: &str) -> Vec<Result<String, String>> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        if start > 0 {
            parts.push(Ok(rest[..start].to_owned()));
        }
        parts.push(Err(rest[start + 2..start + len].trim().to_owned()));
        rest = &rest[start + len + 2..];
    }
    if !rest.is_empty() {
        parts.push(Ok(rest.to_owned()));
    }
    parts
}

/// The name a `consumes` entry is called by: its `namespace`, or an import's `as` or `import`.
pub(super) fn local_name(c: &model::Consumes) -> Option<&str> {
    c.namespace
        .as_deref()
        .or(c.alias.as_deref())
        .or(c.import.as_deref())
}

/// A JSONPath of names and indexes: `$`, `$.`, `$.a.b`, `$.a[0]`, `$['a b']`. Filters,
/// wildcards and recursive descent are refused by name.
pub(super) fn json_path(text: &str) -> Result<JsonPath, String> {
    let t = text.trim();
    let Some(mut rest) = t.strip_prefix('$') else {
        return Err(format!("`{text}` is not a JSONPath (it starts with `$`)"));
    };
    let mut steps = Vec::new();
    let unsupported = |what: &str| {
        Err(format!(
            "`{text}`: {what} in a JSONPath is not supported by this version of naftiko-codegen (names and indexes are)"
        ))
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("..") {
            let _ = r;
            return unsupported("recursive descent (`..`)");
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name == "*" {
                return unsupported("a wildcard");
            }
            if !name.is_empty() {
                steps.push(PathStep::Key(name.to_owned()));
            }
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else {
                return Err(format!("`{text}`: `[` without `]`"));
            };
            let inner = r[..end].trim();
            if let Some(name) = inner
                .strip_prefix('\'')
                .and_then(|n| n.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|n| n.strip_suffix('"')))
            {
                steps.push(PathStep::Key(name.to_owned()));
            } else if let Ok(index) = inner.parse::<usize>() {
                steps.push(PathStep::Index(index));
            } else if inner == "*" {
                return unsupported("a wildcard");
            } else {
                return unsupported(&format!("`[{inner}]`"));
            }
            rest = &r[end + 1..];
        } else {
            return Err(format!("`{text}` is not a JSONPath"));
        }
    }
    Ok(JsonPath {
        text: t.to_owned(),
        steps,
    })
}

/// The name the generator gives what the spec leaves unnamed, made from its method and path:
/// `get /users/{userId}/tokens` → `get-users-userId-tokens` (`fallback` when there are no words;
/// the case of each word kept, so the Rust name splits it as before). The
/// same name `upgrade` keys such an entry by, so an upgraded spec names it alike.
pub fn derived_name(text: &str, fallback: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        fallback.to_owned()
    } else {
        words.join("-")
    }
}

#[cfg(test)]
mod tests {
    use super::{PathStep, json_path};

    #[test]
    fn json_paths_of_names_and_indexes() {
        let steps = |t: &str| json_path(t).map(|p| p.steps);
        assert_eq!(steps("$"), Ok(vec![]));
        assert_eq!(steps("$."), Ok(vec![]));
        assert_eq!(
            steps("$.a.b[2]['c d']"),
            Ok(vec![
                PathStep::Key("a".into()),
                PathStep::Key("b".into()),
                PathStep::Index(2),
                PathStep::Key("c d".into()),
            ])
        );
        for refused in ["$..a", "$.a[*]", "$.*", "$.a[?(@.x)]", "a.b", "$.a[1"] {
            assert!(json_path(refused).is_err(), "{refused}");
        }
    }

    use super::*;

    #[test]
    fn bare_placeholders_of_a_raw_json_body_are_quoted() {
        assert_eq!(
            quote_placeholders(r#"{"a": "{{a}}", "ids": {{ids}}, "s": "x \" {{no}}"}"#),
            "{\"a\": \"{{a}}\", \"ids\": \"\u{E000}{{ids}}\", \"s\": \"x \\\" {{no}}\"}"
        );
        // An escaped backslash ends before the quote: the placeholder is outside the string.
        assert_eq!(
            quote_placeholders(r#"["x \\", {{n}}]"#),
            "[\"x \\\\\", \"\u{E000}{{n}}\"]"
        );
        assert_eq!(
            quote_placeholders("[{{a}},{{b}}]"),
            "[\"\u{E000}{{a}}\",\"\u{E000}{{b}}\"]"
        );
        assert_eq!(quote_placeholders("{{unclosed"), "{{unclosed");
    }

    #[test]
    fn split_path_takes_single_and_double_braces() {
        assert_eq!(
            split_path("/users/{userId}/tokens/{{tokenId}}"),
            vec![
                Ok("/users/".to_owned()),
                Err("userId".to_owned()),
                Ok("/tokens/".to_owned()),
                Err("tokenId".to_owned())
            ]
        );
        assert_eq!(split_path("/plain"), vec![Ok("/plain".to_owned())]);
    }
}
