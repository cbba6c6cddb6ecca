//! A YAML tree with the source position of every node, read by `serde-saphyr`.
//!
//! The typed model (see [`super::model`]) is deserialized from the JSON form of this tree, and the
//! tree answers "where is `capability.exposes[1].tools[0].call`?" for every diagnostic.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diagnostic::Position;

/// One YAML node.
#[derive(Debug, Clone)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<Node>, Spanned<Node>)>),
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        i128::try_from(v)
            .map(Node::Int)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Node>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

impl Node {
    /// The text of a scalar used as a mapping key.
    fn key_text(&self) -> String {
        match self {
            Node::Null => "null".into(),
            Node::Bool(b) => b.to_string(),
            Node::Int(i) => i.to_string(),
            Node::Float(f) => f.to_string(),
            Node::Str(s) => s.clone(),
            Node::Seq(_) | Node::Map(_) => "<complex key>".into(),
        }
    }

    /// The JSON form of this node (what the typed model is deserialized from).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => match i64::try_from(*i) {
                Ok(v) => Value::from(v),
                Err(_) => u64::try_from(*i)
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(i.to_string())),
            },
            Node::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(f.to_string())),
            Node::Str(s) => Value::String(s.clone()),
            Node::Seq(items) => Value::Array(items.iter().map(|i| i.value.to_json()).collect()),
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.key_text(), v.value.to_json()))
                    .collect(),
            ),
        }
    }
}

pub(super) fn position(location: &serde_saphyr::Location) -> Position {
    Position {
        line: usize::try_from(location.line()).unwrap_or(usize::MAX),
        column: usize::try_from(location.column()).unwrap_or(usize::MAX),
    }
}

/// Where each YAML path starts in the source (the value's position; for mapping entries, the key's
/// position is kept too so that "missing field" errors can point at the mapping).
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    values: HashMap<String, Position>,
    keys: HashMap<String, Position>,
    /// For a rewritten file: the path as written of each rewritten path that differs
    /// (`capability.consumes[0].resources[0]` → `capability.consumes[0].resources.ships`).
    written: HashMap<String, String>,
}

impl SourceMap {
    /// Index every node of `root`.
    pub fn build(root: &Spanned<Node>) -> Self {
        let mut map = SourceMap::default();
        map.walk(String::new(), root);
        map
    }

    fn walk(&mut self, path: String, node: &Spanned<Node>) {
        match &node.value {
            Node::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.walk(format!("{path}[{i}]"), item);
                }
            }
            Node::Map(entries) => {
                for (k, v) in entries {
                    let child = if path.is_empty() {
                        k.value.key_text()
                    } else {
                        format!("{path}.{}", k.value.key_text())
                    };
                    self.keys.insert(child.clone(), position(&k.referenced));
                    self.walk(child, v);
                }
            }
            _ => {}
        }
        self.values.insert(path, position(&node.referenced));
    }

    /// Add the paths of `other` that this map lacks: a file rewritten by the reader of its
    /// version is found by the paths of both shapes (`resources.ships` and `resources[0]`).
    pub fn merge(&mut self, other: SourceMap) {
        // The same node in both shapes starts at the same place.
        let mut by_position: HashMap<Position, &str> = HashMap::new();
        for (path, at) in &other.values {
            let slot = by_position.entry(*at).or_insert(path);
            if path.len() > slot.len() {
                *slot = path;
            }
        }
        for (path, at) in &self.values {
            if let Some(written) = by_position.get(at).filter(|w| **w != path.as_str()) {
                self.written.insert(path.clone(), (*written).to_owned());
            }
        }
        for (path, at) in other.values {
            self.values.entry(path).or_insert(at);
        }
        for (path, at) in other.keys {
            self.keys.entry(path).or_insert(at);
        }
    }

    /// `path` as the file writes it: for a rewritten file, its nearest ancestor that has a
    /// written form, followed by the rest (`…resources[0].path` → `…resources.ships.path`).
    pub fn written_path(&self, path: &str) -> String {
        if self.written.is_empty() {
            return path.to_owned();
        }
        let mut prefix = path;
        loop {
            if let Some(written) = self.written.get(prefix) {
                return format!("{written}{}", &path[prefix.len()..]);
            }
            match prefix.rfind(['.', '[']) {
                Some(cut) if cut > 0 => prefix = &prefix[..cut],
                _ => return path.to_owned(),
            }
        }
    }

    /// The position of the value at `path`, or of its nearest ancestor that exists.
    pub fn value(&self, path: &str) -> Option<Position> {
        self.lookup(path, &self.values)
    }

    /// The position of the key at `path` (the `call:` of `…tools[0].call`), or of the nearest
    /// ancestor.
    pub fn key(&self, path: &str) -> Option<Position> {
        self.lookup(path, &self.keys).or_else(|| self.value(path))
    }

    fn lookup(&self, path: &str, table: &HashMap<String, Position>) -> Option<Position> {
        let mut path = path;
        loop {
            if let Some(p) = table.get(path) {
                return Some(*p);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
            if path.is_empty() {
                return table
                    .get("")
                    .copied()
                    .or_else(|| self.values.get("").copied());
            }
        }
    }
}
