//! Delimited text answers (`outputRawFormat: csv`, `tsv`, `psv`), read with the `csv` crate
//! (RFC 4180 quoting): an array of objects keyed by the header row.

use serde_json::Map;
use serde_json::Value;

use crate::error::BoxError;
use crate::error::Format;

/// Comma-separated values with a header row (`outputRawFormat: csv`).
pub const CSV: Format = Format {
    name: "CSV",
    read: |body| delimited(body, b','),
};

/// Tab-separated values with a header row (`outputRawFormat: tsv`).
pub const TSV: Format = Format {
    name: "TSV",
    read: |body| delimited(body, b'\t'),
};

/// Pipe-separated values with a header row (`outputRawFormat: psv`).
pub const PSV: Format = Format {
    name: "PSV",
    read: |body| delimited(body, b'|'),
};

/// Rows of fields separated by `delimiter` (RFC 4180 quoting: `"a ""b"", c"`), the first row
/// naming the fields: an array of objects, every value a string (the shaped outputs read
/// numeric text as numbers). Blank lines are skipped; a row of another length is an error.
pub fn delimited(body: &[u8], delimiter: u8) -> Result<Value, BoxError> {
    let text = std::str::from_utf8(body)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.strip_prefix('\u{feff}').unwrap_or(text).as_bytes());
    let mut records = reader.records();
    let Some(header) = records.next().transpose()? else {
        return Ok(Value::Array(Vec::new()));
    };
    let names: Vec<String> = header.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let record = record?;
        if record.len() != names.len() {
            let (row, got, want) = (i + 1, record.len(), names.len());
            return Err(format!("row {row} has {got} fields where the header has {want}").into());
        }
        let object: Map<String, Value> = names
            .iter()
            .cloned()
            .zip(record.iter().map(|v| Value::String(v.to_owned())))
            .collect();
        rows.push(Value::Object(object));
    }
    Ok(Value::Array(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quoted_fields_crlf_and_blank_lines() {
        let body = "name,tonnage\r\n\"Star, \"\"Northern\"\"\",32000.5\r\n\r\nSea Lark,45000\r\n";
        assert_eq!(
            delimited(body.as_bytes(), b',').unwrap(),
            json!([
                {"name": "Star, \"Northern\"", "tonnage": "32000.5"},
                {"name": "Sea Lark", "tonnage": "45000"},
            ])
        );
    }

    #[test]
    fn a_short_row_is_an_error_and_an_empty_body_no_rows() {
        let err = delimited(b"name,flag\nA\n", b',').unwrap_err();
        assert_eq!(err.to_string(), "row 1 has 1 fields where the header has 2");
        assert_eq!(delimited(b"", b',').unwrap(), json!([]));
        assert_eq!(
            delimited("\u{feff}a|b\n1|2".as_bytes(), b'|').unwrap(),
            json!([{"a": "1", "b": "2"}])
        );
    }
}
