
/// The rows of the Markdown (GFM) tables of a document (`outputRawFormat: markdown`): with a
/// heading `prefix` (`outputSchema`, e.g. `## Results`), only the tables in sections whose
/// heading starts with it, up to the next heading of the same or a higher level. An array of
/// objects keyed by the header cells, every value the cell's text (`\|` an escaped pipe), a
/// missing cell `null`.
pub fn markdown(body: &[u8], prefix: Option<&str>) -> Result<Value, BoxError> {
    let text = std::str::from_utf8(body)?;
    let lines: Vec<&str> = text.lines().collect();
    // The level of the section being read, when a prefix selects sections.
    let mut inside: Option<usize> = None;
    let mut rows = Vec::new();
    let mut i = 0;
    let mut in_fence = false;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            in_fence = !in_fence;
            i += 1;
            continue;
        }
        if in_fence {
            i += 1;
            continue;
        }
        if let Some(level) = heading_level(line) {
            if let Some(open) = inside
                && level <= open
            {
                inside = None;
            }
            if prefix.is_some_and(|p| line.trim_start().starts_with(p.trim())) {
                inside = Some(level);
            }
            i += 1;
            continue;
        }
        let selected = prefix.is_none() || inside.is_some();
        if selected && is_row(line) && lines.get(i + 1).is_some_and(|next| is_delimiter(next)) {
            let header = cells(line);
            i += 2;
            while i < lines.len() && is_row(lines[i]) {
                let mut values = cells(lines[i]).into_iter();
                let object: Map<String, Value> = header
                    .iter()
                    .map(|name| (name.clone(), values.next().map_or(Value::Null, Value::String)))
                    .collect();
                rows.push(Value::Object(object));
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    Ok(Value::Array(rows))
}

/// `#` to `######` followed by a space: the heading's level.
fn heading_level(line: &str) -> Option<usize> {
    let line = line.trim_start();
    let level = line.chars().take_while(|c| *c == '#').count();
    ((1..=6).contains(&level) && line[level..].starts_with(' ')).then_some(level)
}

fn is_row(line: &str) -> bool {
    line.trim().contains('|') && !line.trim().is_empty()
}

/// `| --- | :-: |`: the line under a table's header.
fn is_delimiter(line: &str) -> bool {
    let cells = cells(line);
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim_matches(':');
            !c.is_empty() && c.chars().all(|ch| ch == '-')
        })
}

/// The cells of a table row: split at unescaped pipes, outer pipes dropped, trimmed.
fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = if line.ends_with('|') && !line.ends_with("\\|") { &line[..line.len() - 1] } else { line };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cell.push('|');
            }
            '|' => cells.push(std::mem::take(&mut cell).trim().to_owned()),
            c => cell.push(c),
        }
    }
    cells.push(cell.trim().to_owned());
    cells
}
