//! HTML answers (`outputRawFormat: html`): the rows of the tables a CSS selector finds.

use serde_json::Map;
use serde_json::Value;

use crate::error::BoxError;

/// The rows of the HTML tables `selector` finds (`outputRawFormat: html`, the selector from
/// `outputSchema`): an array of objects keyed by the header cells (`th` of the first row, or of
/// `thead`), every value the cell's text, whitespace collapsed. A selected element that is not
/// a table contributes the tables inside it. Rows without cells are skipped; a missing cell is
/// `null`.
pub fn html(body: &[u8], selector: &str) -> Result<Value, BoxError> {
    let text = std::str::from_utf8(body)?;
    let document = scraper::Html::parse_document(text);
    let selector = scraper::Selector::parse(selector)
        .map_err(|e| format!("the selector `{selector}` is not valid CSS: {e}"))?;
    let table = scraper::Selector::parse("table").map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for element in document.select(&selector) {
        if element.value().name() == "table" {
            table_rows(element, &mut rows);
        } else {
            for inner in element.select(&table) {
                table_rows(inner, &mut rows);
            }
        }
    }
    Ok(Value::Array(rows))
}

/// The rows of one table (not of the tables nested in it), as objects.
fn table_rows(table: scraper::ElementRef<'_>, out: &mut Vec<Value>) {
    let mut header: Option<Vec<String>> = None;
    for row in own_rows(table) {
        let cells: Vec<(bool, String)> = row
            .children()
            .filter_map(scraper::ElementRef::wrap)
            .filter(|c| matches!(c.value().name(), "th" | "td"))
            .map(|c| (c.value().name() == "th", cell_text(c)))
            .collect();
        if cells.is_empty() {
            continue;
        }
        match &header {
            None => header = Some(cells.into_iter().map(|(_, text)| text).collect()),
            Some(names) => {
                let mut values = cells.into_iter().map(|(_, text)| text);
                let object: Map<String, Value> = names
                    .iter()
                    .map(|name| {
                        (
                            name.clone(),
                            values.next().map_or(Value::Null, Value::String),
                        )
                    })
                    .collect();
                out.push(Value::Object(object));
            }
        }
    }
}

/// The `tr`s of `table`, directly or in its `thead`, `tbody` and `tfoot`, in order.
fn own_rows(table: scraper::ElementRef<'_>) -> Vec<scraper::ElementRef<'_>> {
    let mut rows = Vec::new();
    for child in table.children().filter_map(scraper::ElementRef::wrap) {
        match child.value().name() {
            "tr" => rows.push(child),
            "thead" | "tbody" | "tfoot" => rows.extend(
                child
                    .children()
                    .filter_map(scraper::ElementRef::wrap)
                    .filter(|r| r.value().name() == "tr"),
            ),
            _ => {}
        }
    }
    rows
}

fn cell_text(cell: scraper::ElementRef<'_>) -> String {
    cell.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
