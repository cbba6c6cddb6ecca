//! Outputs: what an operation answers, and the shapes exposed operations give it.

use super::*;
use crate::resolve::names::Name;

/// What an operation returns to its callers.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// The upstream JSON body, unchanged (`{type: object, mapping: $.}` with no properties).
    PassThrough {
        /// The name under which a non-object result is wrapped for MCP `structuredContent`.
        wrap_as: String,
        /// The format of the body (`outputRawFormat`).
        format: RawFormat,
    },
    /// A result shaped by the spec's `outputParameters`: typed fields mapped from the upstream
    /// JSON.
    Shaped {
        /// The name under which a non-object result is wrapped for MCP `structuredContent`.
        wrap_as: String,
        /// The shape.
        root: Shape,
        /// The format of the upstream body, read as JSON before it is shaped.
        format: RawFormat,
    },
}

/// The format of an upstream answer (`outputRawFormat`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RawFormat {
    /// JSON (the default).
    Json,
    /// Text, passed through as it is (seen in the wild).
    Text,
    /// XML, read as JSON the way the reference engine reads it.
    Xml,
    /// Delimited rows with a header (`csv`, `tsv`, `psv`): an array of objects.
    Delimited(char),
    /// YAML.
    Yaml,
    /// The rows of the HTML tables the CSS selector (`outputSchema`, default `table`) finds:
    /// an array of objects keyed by the header cells.
    Html(String),
    /// The rows of the Markdown tables in the sections whose heading starts with the prefix
    /// (`outputSchema`; the whole document without one): an array of objects.
    Markdown(Option<String>),
    /// Bytes, passed on with their media type (`outputRawFormat: binary`).
    Binary(BinaryAnswer),
}

/// How a binary answer is read and served.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BinaryAnswer {
    /// The media type the answer is served with whatever the upstream says (`outputMediaType`;
    /// for an exposed operation, its own response contract's or function's when the consumed
    /// operation names none).
    pub media_type: Option<String>,
    /// The largest answer read or served (`maxBinarySize`): the consumed operation's own, else the
    /// adapter's, else [`DEFAULT_MAX_BINARY_BYTES`]. On a consumed operation: what its client
    /// method reads at most (the most any adapter serves, where it declares none).
    pub max_bytes: Option<u64>,
}

/// The engine's default `maxBinarySize`: 10 MiB.
pub const DEFAULT_MAX_BINARY_BYTES: u64 = 10 * 1024 * 1024;

impl RawFormat {
    /// The format `outputRawFormat` names, if this generator reads it.
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "json" => Self::Json,
            "text" => Self::Text,
            "xml" => Self::Xml,
            "csv" => Self::Delimited(','),
            "tsv" => Self::Delimited('\t'),
            "psv" => Self::Delimited('|'),
            "yaml" => Self::Yaml,
            _ => return None,
        })
    }

    /// Is the body read into JSON by the generated `formats` module?
    pub fn is_converted(&self) -> bool {
        !matches!(self, Self::Json | Self::Text | Self::Binary(_))
    }

    /// The binary answer's reading, for `outputRawFormat: binary`.
    pub fn binary(&self) -> Option<&BinaryAnswer> {
        match self {
            Self::Binary(b) => Some(b),
            _ => None,
        }
    }
}

/// A mock output's value.
#[derive(Debug, Clone, PartialEq)]
pub enum MockValue {
    /// `const`, or a `value` without placeholders (kept as JSON).
    Const(serde_json::Value),
    /// A `value` with `{{input}}` placeholders: text.
    Template(Template<InputId>),
}

/// One node of a shaped output.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A value at `path` (relative to the current context: the response, or the array element).
    Value { path: JsonPath, ty: ShapeType },
    /// An object whose properties are mapped from the current context (the engine's rule:
    /// properties are not relative to the object's own `mapping`).
    Object { fields: Vec<(Name, Shape)> },
    /// The array at `path`, each element shaped by `items` relative to the element.
    Array { path: JsonPath, items: Box<Shape> },
    /// Several top-level outputs: the first that is not `null` (the engine's rule), as JSON.
    FirstOf(Vec<Shape>),
    /// A fixed value (`const`, or a `value` without placeholders).
    Const(serde_json::Value),
    /// Text made from the operation's inputs (a `value` with `{{input}}`s).
    Template(Template<InputId>),
}

impl Shape {
    /// Does any node make text from the inputs (the shape function then takes them)?
    pub fn has_templates(&self) -> bool {
        match self {
            Shape::Template(_) => true,
            Shape::Object { fields } => fields.iter().any(|(_, s)| s.has_templates()),
            Shape::Array { items, .. } => items.has_templates(),
            Shape::FirstOf(all) => all.iter().any(Shape::has_templates),
            Shape::Value { .. } | Shape::Const(_) => false,
        }
    }
}

/// The Rust type of a mapped value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeType {
    String,
    Number,
    Integer,
    Boolean,
    /// `object` or `array` without `properties` / `items`: the JSON under the path, as it is.
    Json,
}

/// A JSONPath of names and indexes (`$.a.b[0]`), with its text for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    pub text: String,
    pub steps: Vec<PathStep>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

impl Shape {
    /// Call `f` with every input its templates read (once per place).
    pub fn each_input(&self, f: &mut dyn FnMut(InputId)) {
        match self {
            Shape::Template(parts) => each_slot(parts, f),
            Shape::Object { fields } => fields.iter().for_each(|(_, s)| s.each_input(f)),
            Shape::Array { items, .. } => items.each_input(f),
            Shape::FirstOf(all) => all.iter().for_each(|s| s.each_input(f)),
            Shape::Value { .. } | Shape::Const(_) => {}
        }
    }
}

/// Call `f` with the input of every slot of `parts`.
pub(crate) fn each_slot(parts: &[Part<InputId>], f: &mut dyn FnMut(InputId)) {
    for part in parts {
        if let Part::Slot(i) = part {
            f(*i);
        }
    }
}

impl Output {
    /// The format of the upstream answer the output is made of.
    pub fn format(&self) -> &RawFormat {
        match self {
            Output::PassThrough { format, .. } | Output::Shaped { format, .. } => format,
        }
    }

    /// The binary answer's reading, for an output passed on as bytes.
    pub fn binary(&self) -> Option<&BinaryAnswer> {
        self.format().binary()
    }
}
