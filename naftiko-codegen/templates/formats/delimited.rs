
/// Comma-separated values with a header row (`outputRawFormat: csv`).
pub const CSV: Format = Format { name: "CSV", read: |body| delimited(body, ',') };

/// Tab-separated values with a header row (`outputRawFormat: tsv`).
pub const TSV: Format = Format { name: "TSV", read: |body| delimited(body, '\t') };

/// Pipe-separated values with a header row (`outputRawFormat: psv`).
pub const PSV: Format = Format { name: "PSV", read: |body| delimited(body, '|') };

/// Rows of fields separated by `delimiter` (RFC 4180 quoting: `"a ""b"", c"`), the first row
/// naming the fields: an array of objects, every value a string (the shaped outputs read
/// numeric text as numbers). Blank lines are skipped; a row of another length is an error.
pub fn delimited(body: &[u8], delimiter: char) -> Result<Value, BoxError> {
    let text = std::str::from_utf8(body)?;
    let mut rows = records(text.strip_prefix('\u{feff}').unwrap_or(text), delimiter)?
        .into_iter()
        .filter(|row| !matches!(row.as_slice(), [only] if only.is_empty()));
    let Some(header) = rows.next() else {
        return Ok(Value::Array(Vec::new()));
    };
    rows.enumerate()
        .map(|(i, row)| {
            if row.len() != header.len() {
                return Err(format!("row {} has {} fields where the header has {}", i + 1, row.len(), header.len()).into());
            }
            Ok(Value::Object(header.iter().cloned().zip(row.into_iter().map(Value::String)).collect()))
        })
        .collect::<Result<Vec<_>, BoxError>>()
        .map(Value::Array)
}

fn records(text: &str, delimiter: char) -> Result<Vec<Vec<String>>, BoxError> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            c if c == delimiter => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            c => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".into());
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}
