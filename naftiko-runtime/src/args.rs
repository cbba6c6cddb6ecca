//! Typed arguments of an MCP tool call, and fields of a REST request's JSON body: a missing
//! required value or one of another type is an [`Invalid`] naming it.

use serde_json::Map;
use serde_json::Value;

/// The arguments of a call (a JSON object).
pub type Object = Map<String, Value>;

/// A missing required value, or a value of another type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The argument's name.
    pub name: String,
    /// What is wrong: `None` for a missing value, the expected kind (`a string`) otherwise.
    pub expected: Option<&'static str>,
}

impl Invalid {
    /// The message, calling the value `what` (`argument`, `body field`).
    pub fn message(&self, what: &str) -> String {
        match self.expected {
            None => format!("missing required {what} `{}`", self.name),
            Some(kind) => format!("{what} `{}` must be {kind}", self.name),
        }
    }
}

/// A required string argument.
pub fn required_str<'a>(args: &'a Object, name: &str) -> Result<&'a str, Invalid> {
    optional_str(args, name)?.ok_or_else(|| missing(name))
}

/// An optional string argument.
pub fn optional_str<'a>(args: &'a Object, name: &str) -> Result<Option<&'a str>, Invalid> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(name, "a string")),
    }
}

/// A required integer argument.
pub fn required_i64(args: &Object, name: &str) -> Result<i64, Invalid> {
    optional_i64(args, name)?.ok_or_else(|| missing(name))
}

/// An optional integer argument.
pub fn optional_i64(args: &Object, name: &str) -> Result<Option<i64>, Invalid> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong_type(name, "an integer")),
    }
}

/// A required number argument.
pub fn required_f64(args: &Object, name: &str) -> Result<f64, Invalid> {
    optional_f64(args, name)?.ok_or_else(|| missing(name))
}

/// An optional number argument.
pub fn optional_f64(args: &Object, name: &str) -> Result<Option<f64>, Invalid> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| wrong_type(name, "a number")),
    }
}

/// A required boolean argument.
pub fn required_bool(args: &Object, name: &str) -> Result<bool, Invalid> {
    optional_bool(args, name)?.ok_or_else(|| missing(name))
}

/// An optional boolean argument.
pub fn optional_bool(args: &Object, name: &str) -> Result<Option<bool>, Invalid> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_bool()
            .map(Some)
            .ok_or_else(|| wrong_type(name, "a boolean")),
    }
}

/// A required object argument.
pub fn required_object<'a>(args: &'a Object, name: &str) -> Result<&'a Value, Invalid> {
    optional_object(args, name)?.ok_or_else(|| missing(name))
}

/// An optional object argument.
pub fn optional_object<'a>(args: &'a Object, name: &str) -> Result<Option<&'a Value>, Invalid> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(wrong_type(name, "an object")),
    }
}

/// A required array argument.
pub fn required_array<'a>(args: &'a Object, name: &str) -> Result<&'a Value, Invalid> {
    optional_array(args, name)?.ok_or_else(|| missing(name))
}

/// An optional array argument.
pub fn optional_array<'a>(args: &'a Object, name: &str) -> Result<Option<&'a Value>, Invalid> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Array(_)) => Ok(Some(v)),
        Some(_) => Err(wrong_type(name, "an array")),
    }
}

/// A required argument of any JSON type.
pub fn required_json<'a>(args: &'a Object, name: &str) -> Result<&'a Value, Invalid> {
    optional_json(args, name)?.ok_or_else(|| missing(name))
}

/// An optional argument of any JSON type.
pub fn optional_json<'a>(args: &'a Object, name: &str) -> Result<Option<&'a Value>, Invalid> {
    Ok(args.get(name).filter(|v| !v.is_null()))
}

fn missing(name: &str) -> Invalid {
    Invalid {
        name: name.to_owned(),
        expected: None,
    }
}

fn wrong_type(name: &str, kind: &'static str) -> Invalid {
    Invalid {
        name: name.to_owned(),
        expected: Some(kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_absent_and_a_wrong_type_is_named() {
        let args: Object = serde_json::from_str(r#"{"a": "x", "n": null, "i": "1"}"#).unwrap();
        assert_eq!(required_str(&args, "a"), Ok("x"));
        assert_eq!(optional_str(&args, "n"), Ok(None));
        let err = required_i64(&args, "i").unwrap_err();
        assert_eq!(err.message("argument"), "argument `i` must be an integer");
        let err = required_bool(&args, "b").unwrap_err();
        assert_eq!(err.message("body field"), "missing required body field `b`");
    }
}
