//! Shaped outputs: typed values read from the upstream JSON at the paths the spec names. A
//! missing value or `null` is `None`; a value of another type is a [`Mismatch`].

use serde_json::Value;

/// One step of a JSONPath.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A member of an object.
    Key(&'static str),
    /// An element of an array.
    Index(usize),
}

/// An upstream answer that does not fit the spec's output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the upstream answer does not fit the spec's output: `{path}` is not {expected}")]
pub struct Mismatch {
    /// The JSONPath, as the spec writes it.
    pub path: &'static str,
    /// What the spec declares.
    pub expected: &'static str,
}

/// The value under a path, if any.
pub fn at<'a>(json: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    steps.iter().try_fold(json, |value, step| match step {
        Step::Key(key) => value.get(*key),
        Step::Index(i) => value.get(*i),
    })
}

fn typed<'a, T>(
    json: &'a Value,
    path: &'static str,
    steps: &[Step],
    expected: &'static str,
    read: impl FnOnce(&'a Value) -> Option<T>,
) -> Result<Option<T>, Mismatch> {
    match at(json, steps) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value).map(Some).ok_or(Mismatch { path, expected }),
    }
}

/// A string.
pub fn string(
    json: &Value,
    path: &'static str,
    steps: &[Step],
) -> Result<Option<String>, Mismatch> {
    typed(json, path, steps, "a string", |v| {
        v.as_str().map(str::to_owned)
    })
}

// Formats without types (XML, CSV) carry every scalar as text: numeric and boolean text
// reads as the type the spec declares.

/// A number (or numeric text).
pub fn number(json: &Value, path: &'static str, steps: &[Step]) -> Result<Option<f64>, Mismatch> {
    typed(json, path, steps, "a number", |v| match v {
        Value::String(text) => text.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        other => other.as_f64(),
    })
}

/// An integer (or integer text).
pub fn integer(json: &Value, path: &'static str, steps: &[Step]) -> Result<Option<i64>, Mismatch> {
    typed(json, path, steps, "an integer", |v| match v {
        Value::String(text) => text.trim().parse().ok(),
        other => other.as_i64(),
    })
}

/// A boolean (or `true` / `false` text).
pub fn boolean(json: &Value, path: &'static str, steps: &[Step]) -> Result<Option<bool>, Mismatch> {
    typed(json, path, steps, "a boolean", |v| match v {
        Value::String(text) => text.trim().parse().ok(),
        other => other.as_bool(),
    })
}

/// The JSON under the path, as it is.
pub fn json(json: &Value, _path: &'static str, steps: &[Step]) -> Result<Option<Value>, Mismatch> {
    Ok(at(json, steps).filter(|v| !v.is_null()).cloned())
}

/// The elements of the array under the path (none when it is missing or `null`). A lone
/// object is an array of one: XML has no arrays, and one repeated element reads as an object.
pub fn array<'a>(
    json: &'a Value,
    path: &'static str,
    steps: &[Step],
) -> Result<&'a [Value], Mismatch> {
    match at(json, steps) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(object @ Value::Object(_)) => Ok(std::slice::from_ref(object)),
        Some(_) => Err(Mismatch {
            path,
            expected: "an array",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PATH: &[Step] = &[Step::Key("a"), Step::Index(1)];

    #[test]
    fn typed_values_at_a_path() {
        let json = json!({"a": [0, "12", true]});
        assert_eq!(at(&json, PATH), Some(&json!("12")));
        assert_eq!(integer(&json, "$.a[1]", PATH), Ok(Some(12)));
        assert_eq!(number(&json, "$.a[1]", PATH), Ok(Some(12.0)));
        assert_eq!(string(&json, "$.b", &[Step::Key("b")]), Ok(None));
        let err = boolean(&json, "$.a[1]", PATH).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the upstream answer does not fit the spec's output: `$.a[1]` is not a boolean"
        );
    }

    #[test]
    fn a_lone_object_reads_as_an_array_of_one() {
        let json = json!({"item": {"x": 1}});
        let items = array(&json, "$.item", &[Step::Key("item")]).unwrap();
        assert_eq!(items.len(), 1);
        assert!(array(&json!({"n": 1}), "$.n", &[Step::Key("n")]).is_err());
    }
}
