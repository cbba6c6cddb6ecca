//! XML answers (`outputRawFormat: xml`), read into JSON the way the reference engine reads them.

use serde_json::Map;
use serde_json::Value;

use crate::error::BoxError;
use crate::error::Format;

/// XML (`outputRawFormat: xml`).
pub const XML: Format = Format {
    name: "XML",
    read: xml,
};

/// An element being read: its name, its attributes and children so far, and its text.
struct Element {
    name: String,
    fields: Map<String, Value>,
    text: String,
}

impl Element {
    fn open(start: &quick_xml::events::BytesStart<'_>) -> Result<Self, BoxError> {
        let name = start.local_name().as_ref().to_owned();
        let mut fields = Map::new();
        for attribute in start.attributes() {
            let attribute = attribute?;
            if attribute.key.as_ref().starts_with("xmlns") {
                continue;
            }
            let key = attribute.key.local_name().as_ref().to_owned();
            let value = attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0)?;
            fields.insert(key, Value::String(value.into_owned()));
        }
        Ok(Element {
            name,
            fields,
            text: String::new(),
        })
    }

    /// A child element: a repeated name becomes an array, in document order.
    fn add(&mut self, name: String, value: Value) {
        match self.fields.get_mut(&name) {
            // Values read from XML are objects or strings: an array is a repeated element.
            Some(Value::Array(items)) => items.push(value),
            Some(first) => {
                let first = first.take();
                self.fields.insert(name, Value::Array(vec![first, value]));
            }
            None => {
                self.fields.insert(name, value);
            }
        }
    }

    fn close(self) -> (String, Value) {
        let text = self.text.trim();
        let value = if self.fields.is_empty() {
            Value::String(text.to_owned())
        } else {
            let mut fields = self.fields;
            if !text.is_empty() {
                fields.insert(String::new(), Value::String(text.to_owned()));
            }
            Value::Object(fields)
        };
        (self.name, value)
    }
}

/// XML read as JSON the way the reference engine reads it: the document is the root element's
/// content; an element with text only is a string, one with attributes or children an object
/// (attributes and children by name, a repeated child as an array, text beside children under
/// `""`). XML has no numbers or arrays: the shaped outputs read numeric text as numbers and a
/// lone element as an array of one.
pub fn xml(body: &[u8]) -> Result<Value, BoxError> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_str(std::str::from_utf8(body)?);
    let mut open: Vec<Element> = Vec::new();
    loop {
        let closed = match reader.read_event()? {
            Event::Start(start) => {
                open.push(Element::open(&start)?);
                continue;
            }
            Event::Empty(start) => Element::open(&start)?.close(),
            Event::End(_) => open.pop().ok_or("an end tag closes no element")?.close(),
            Event::Text(text) => {
                if let Some(element) = open.last_mut() {
                    element.text.push_str(&text.xml10_content());
                }
                continue;
            }
            Event::CData(data) => {
                if let Some(element) = open.last_mut() {
                    element.text.push_str(&data.xml10_content());
                }
                continue;
            }
            Event::GeneralRef(reference) => {
                let Some(element) = open.last_mut() else {
                    continue;
                };
                match reference.resolve_char_ref()? {
                    Some(c) => element.text.push(c),
                    None => {
                        let name = reference.xml10_content();
                        let text = quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("unknown entity `&{name};`"))?;
                        element.text.push_str(text);
                    }
                }
                continue;
            }
            Event::Eof => {
                return Err(match open.last() {
                    Some(element) => {
                        format!("the document ends inside `<{}>`", element.name).into()
                    }
                    None => "no root element".into(),
                });
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => continue,
        };
        let (name, value) = closed;
        match open.last_mut() {
            Some(parent) => parent.add(name, value),
            None => return Ok(value),
        }
    }
}
