//! Files that say they were cut short: a file whose last lines are comments, one of them naming
//! truncation (as `# --- truncated at 32 KB (125 KB total) ---`, which a publisher of capability
//! files appends where it cut one), ends inside an entry that was still being written.
//!
//! Such a file is read up to the entry that was open where it ends: [`readings`] gives the
//! candidates, from the least cut (the innermost open entry of a sequence left out) to the most
//! (each further reading leaves out the entry enclosing the one before). The caller takes the
//! first that resolves, and says what it left out.

use crate::diagnostic::SourceFile;

/// Where a file says it was cut short.
#[derive(Debug, Clone)]
pub struct Truncation {
    /// The 1-based line of the comment that says so.
    pub marker_line: usize,
    /// That comment, trimmed.
    pub marker: String,
}

/// One reading of a truncated file: its text up to an entry left out.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The text kept, under the file's path (positions are those of the file).
    pub source: SourceFile,
    /// The 1-based line of the first line left out.
    pub first_left_out: usize,
}

/// The comment at the end of `source` that says the file was cut short, if there is one.
pub fn truncation(source: &SourceFile) -> Option<Truncation> {
    let lines: Vec<&str> = source.text.lines().collect();
    let trailing = lines
        .iter()
        .enumerate()
        .rev()
        .take_while(|(_, l)| l.trim().is_empty() || l.trim_start().starts_with('#'));
    for (index, line) in trailing {
        if line.to_ascii_lowercase().contains("truncated") {
            return Some(Truncation {
                marker_line: index + 1,
                marker: line.trim().to_owned(),
            });
        }
    }
    None
}

/// The readings of a file cut short at `truncation`, from the least cut; none when the file's
/// end is in no entry of a sequence.
pub fn readings(source: &SourceFile, truncation: &Truncation) -> Vec<Reading> {
    let lines: Vec<&str> = source.text.lines().collect();
    let body = &lines[..truncation.marker_line.saturating_sub(1).min(lines.len())];
    let entries: Vec<usize> = (0..body.len()).filter(|&i| is_entry(body[i])).collect();
    let mut readings = Vec::new();
    let mut open = entries.last().copied();
    while let Some(cut) = open {
        let kept = kept_before(body, cut);
        let mut text = body[..kept].join("\n");
        text.push('\n');
        readings.push(Reading {
            source: SourceFile::new(&source.path, text),
            first_left_out: kept + 1,
        });
        let depth = indent(body[cut]);
        open = entries
            .iter()
            .rev()
            .copied()
            .find(|&i| i < cut && indent(body[i]) < depth);
    }
    readings
}

/// Whether `line` starts an entry of a block sequence (`- …` or a lone `-`).
fn is_entry(line: &str) -> bool {
    let rest = line.trim_start();
    rest == "-" || rest.starts_with("- ")
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// How many lines of `body` to keep when the entry at `cut` is left out: the lines before it,
/// without the blank lines, comments and keys with nothing written after them at their end (a
/// key whose only content was the entry left out would read as null).
fn kept_before(body: &[&str], cut: usize) -> usize {
    let mut kept = cut;
    while kept > 0 {
        let line = body[kept - 1].trim();
        let bare_key = line.ends_with(':') && !line.starts_with('-') && !line.contains(": ");
        if line.is_empty() || line.starts_with('#') || bare_key {
            kept -= 1;
        } else {
            break;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    const CUT: &str = "\
capability:
  consumes:
  - namespace: ships
    resources:
    - path: /ships
      operations:
      - name: list
        method: GET
      - name: get
        meth

# --- truncated at 32 KB (40 KB total) ---
";

    #[test]
    fn a_file_that_says_it_is_cut_short_is_read_entry_by_entry_further_out() {
        let source = SourceFile::new("cut.yaml", CUT);
        let truncation = truncation(&source).expect("the marker");
        assert_eq!(truncation.marker_line, 12);
        let readings = readings(&source, &truncation);
        let ends: Vec<usize> = readings.iter().map(|r| r.first_left_out).collect();
        // The open operation, then its resource (whose key goes too), then the consumed API.
        assert_eq!(ends, [9, 4, 1]);
        assert!(readings[0].source.text.ends_with("        method: GET\n"));
        assert!(readings[1].source.text.ends_with("  - namespace: ships\n"));
        assert_eq!(readings[2].source.text, "\n");
    }

    #[test]
    fn a_file_without_the_marker_is_read_whole() {
        let source = SourceFile::new("whole.yaml", "a:\n- b\n# a comment\n");
        assert!(truncation(&source).is_none());
    }
}
