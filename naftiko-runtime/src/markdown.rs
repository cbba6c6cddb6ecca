//! Markdown answers (`outputRawFormat: markdown`): the rows of the GFM tables of a document, read
//! with `pulldown-cmark`.

use pulldown_cmark::Event;
use pulldown_cmark::Options;
use pulldown_cmark::Parser;
use pulldown_cmark::Tag;
use pulldown_cmark::TagEnd;
use serde_json::Map;
use serde_json::Value;

use crate::error::BoxError;

/// The rows of the Markdown (GFM) tables of a document (`outputRawFormat: markdown`): with a
/// heading `prefix` (`outputSchema`, e.g. `## Results`), only the tables in sections whose
/// heading starts with it, up to the next heading of the same or a higher level. An array of
/// objects keyed by the header cells, every value the cell's text (`\|` an escaped pipe); a row
/// shorter than the header has empty cells (GFM's rule). Tables in code blocks are text.
pub fn markdown(body: &[u8], prefix: Option<&str>) -> Result<Value, BoxError> {
    let text = std::str::from_utf8(body)?;
    let prefix = prefix.map(str::trim);
    let mut rows = Vec::new();
    // The level of the section being read, when a prefix selects sections.
    let mut inside: Option<usize> = None;
    // The heading being read (its level and text), the table being read (its header, then its
    // rows), and the row and cell being read.
    let mut heading: Option<(usize, String)> = None;
    let mut header: Option<Vec<String>> = None;
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as usize, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, title)) = heading.take() else {
                    continue;
                };
                if inside.is_some_and(|open| level <= open) {
                    inside = None;
                }
                let written = format!("{} {}", "#".repeat(level), title.trim());
                if prefix.is_some_and(|p| written.starts_with(p)) {
                    inside = Some(level);
                }
            }
            Event::Start(Tag::Table(_)) => header = None,
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => row.extend(cell.take()),
            Event::End(TagEnd::TableHead) => header = Some(std::mem::take(&mut row)),
            Event::End(TagEnd::TableRow) => {
                let cells = std::mem::take(&mut row);
                let selected = prefix.is_none() || inside.is_some();
                if let (true, Some(names)) = (selected, &header) {
                    let mut values = cells.into_iter();
                    let object: Map<String, Value> = names
                        .iter()
                        .map(|name| {
                            (
                                name.clone(),
                                values.next().map_or(Value::Null, Value::String),
                            )
                        })
                        .collect();
                    rows.push(Value::Object(object));
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(cell) = cell.as_mut() {
                    cell.push_str(&text);
                } else if let Some((_, title)) = heading.as_mut() {
                    title.push_str(&text);
                }
            }
            _ => {}
        }
    }
    Ok(Value::Array(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOTES: &str = "# Fleet notes

| Name | Flag |
|------|------|
| Not this | XX |

## Ships

| Name | Flag |
| :--- | :--: |
| Star \\| Bergen | NO |
| Sea Lark |

```
| Name | Flag |
| ---- | ---- |
| In a fence | ZZ |
```

## Crew

| Name | Flag |
|---|---|
| Not this either | YY |
";

    #[test]
    fn the_tables_of_the_selected_section() {
        assert_eq!(
            markdown(NOTES.as_bytes(), Some("## Ships")).unwrap(),
            json!([{"Name": "Star | Bergen", "Flag": "NO"}, {"Name": "Sea Lark", "Flag": ""}])
        );
    }

    #[test]
    fn every_table_without_a_prefix() {
        let rows = markdown(NOTES.as_bytes(), None).unwrap();
        let names: Vec<&str> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["Not this", "Star | Bergen", "Sea Lark", "Not this either"]
        );
    }
}
