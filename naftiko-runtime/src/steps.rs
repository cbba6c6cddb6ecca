//! Orchestration: what the steps of an orchestrated operation do besides calling.

use serde_json::Map;
use serde_json::Value;

use crate::error::Error;
use crate::map;

/// A call's argument read from an earlier step's result (`$.<step>.…`, written as `path`),
/// by `read`: `None` when it is absent or null; a value `read` refuses is an error naming
/// the path and what was `expected`.
pub fn optional_argument<T>(
    result: &Value,
    path: &'static str,
    steps: &[map::Step],
    read: fn(&Value) -> Option<T>,
    expected: &'static str,
) -> Result<Option<T>, Error> {
    match map::at(result, steps) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value)
            .map(Some)
            .ok_or_else(|| Error::Step(format!("`{path}` is not {expected}"))),
    }
}

/// Like [`optional_argument`], for a required parameter: a missing value is an error too.
pub fn required_argument<T>(
    result: &Value,
    path: &'static str,
    steps: &[map::Step],
    read: fn(&Value) -> Option<T>,
    expected: &'static str,
) -> Result<T, Error> {
    optional_argument(result, path, steps, read, expected)?
        .ok_or_else(|| Error::Step(format!("`{path}` has no value: the next call needs it")))
}

/// Text for a string parameter: a string, or a number or boolean as written.
pub fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An integer, or a string holding one.
pub fn as_integer(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

/// A number, or a string holding one.
pub fn as_number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

/// A boolean, or the string `true` or `false`.
pub fn as_boolean(value: &Value) -> Option<bool> {
    value
        .as_bool()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

/// Any JSON value, as it is.
pub fn as_json(value: &Value) -> Option<Value> {
    Some(value.clone())
}

/// An operation's named outputs (`{name, value: $.path}`), added to its answer — to each
/// element of an array answer — for later steps (a lookup's `match`, a mapping).
pub fn name_outputs(answer: &mut Value, named: &[(&str, &[map::Step])]) {
    let add = |entry: &mut Value| {
        let values: Vec<Value> = named
            .iter()
            .map(|(_, path)| map::at(entry, path).cloned().unwrap_or(Value::Null))
            .collect();
        if let Value::Object(fields) = entry {
            for ((name, _), value) in named.iter().zip(values) {
                fields.insert((*name).to_owned(), value);
            }
        }
    };
    match answer {
        Value::Array(entries) => entries.iter_mut().for_each(add),
        other => add(other),
    }
}

/// A `lookup` step: the entries of `table` (an array, or one object) whose `key` equals
/// `wanted`, each reduced to `fields`. An array of values gives the array of their matches
/// (values without a match are left out); one value gives its match, or `null`.
pub fn lookup(table: &Value, key: &str, wanted: Option<&Value>, fields: &[&str]) -> Value {
    let entries = match table {
        Value::Array(entries) => entries.as_slice(),
        object @ Value::Object(_) => std::slice::from_ref(object),
        _ => &[],
    };
    let matched = |value: &Value| {
        entries
            .iter()
            .find(|entry| entry.get(key) == Some(value))
            .map(|entry| {
                let kept: Map<String, Value> = fields
                    .iter()
                    .map(|f| {
                        (
                            (*f).to_owned(),
                            entry.get(*f).cloned().unwrap_or(Value::Null),
                        )
                    })
                    .collect();
                Value::Object(kept)
            })
    };
    match wanted {
        Some(Value::Array(values)) => Value::Array(values.iter().filter_map(matched).collect()),
        Some(Value::Null) | None => Value::Null,
        Some(value) => matched(value).unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_keeps_the_fields_of_each_match() {
        let table = json!([{"id": 1, "name": "a", "x": 0}, {"id": 2, "name": "b"}]);
        assert_eq!(
            lookup(&table, "id", Some(&json!(2)), &["name"]),
            json!({"name": "b"})
        );
        assert_eq!(
            lookup(&table, "id", Some(&json!([2, 3, 1])), &["name"]),
            json!([{"name": "b"}, {"name": "a"}])
        );
        assert_eq!(
            lookup(&table, "id", Some(&json!(9)), &["name"]),
            Value::Null
        );
    }

    #[test]
    fn arguments_from_earlier_steps_are_typed_or_an_error() {
        let result = json!({"ship": {"imo": "42"}});
        let path = &[map::Step::Key("ship"), map::Step::Key("imo")];
        assert_eq!(
            required_argument(&result, "$.ship.imo", path, as_integer, "an integer").unwrap(),
            42
        );
        let missing = &[map::Step::Key("none")];
        let err = required_argument(&result, "$.none", missing, as_text, "text").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`$.none` has no value: the next call needs it"
        );
    }
}
