//! Edits of a YAML file's lines, made in the file's own coordinates (1-based lines and
//! columns, as the parser reports them) and applied together: keys renamed in place, lines
//! replaced, deleted or inserted before a line, ranges of lines indented further. Everything not
//! edited — comments, blank lines, quoting, key order — is kept as written.

struct Line {
    text: String,
    /// Spaces added in front (of this line and of the lines inserted before it).
    shift: usize,
    deleted: bool,
    /// Lines inserted before this one, as written at its original indentation.
    before: Vec<String>,
}

pub(super) struct Editor {
    lines: Vec<Line>,
    trailing_newline: bool,
}

impl Editor {
    pub(super) fn new(text: &str) -> Self {
        Editor {
            lines: text
                .lines()
                .map(|l| Line {
                    text: l.to_owned(),
                    shift: 0,
                    deleted: false,
                    before: Vec::new(),
                })
                .collect(),
            trailing_newline: text.ends_with('\n'),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.lines.len()
    }

    /// The text of `line` as edited so far (empty past the end).
    pub(super) fn text(&self, line: usize) -> &str {
        self.lines
            .get(line.wrapping_sub(1))
            .map_or("", |l| l.text.as_str())
    }

    fn line(&mut self, line: usize) -> Option<&mut Line> {
        self.lines.get_mut(line.wrapping_sub(1))
    }

    pub(super) fn replace(&mut self, line: usize, text: String) {
        if let Some(l) = self.line(line) {
            l.text = text;
        }
    }

    pub(super) fn delete(&mut self, line: usize) {
        if let Some(l) = self.line(line) {
            l.deleted = true;
        }
    }

    pub(super) fn insert_before(&mut self, line: usize, text: String) {
        if let Some(l) = self.line(line) {
            l.before.push(text);
        }
    }

    /// Indent lines `from..=to` by `by` more spaces.
    pub(super) fn shift(&mut self, from: usize, to: usize, by: usize) {
        for line in from..=to {
            if let Some(l) = self.line(line) {
                l.shift += by;
            }
        }
    }

    /// Rename the key `from` at `line:column` to `to`; false when the text there is not
    /// `from` followed by `:`.
    pub(super) fn rename_key(&mut self, line: usize, column: usize, from: &str, to: &str) -> bool {
        let Some(l) = self.line(line) else {
            return false;
        };
        let chars: Vec<char> = l.text.chars().collect();
        let start = column.saturating_sub(1);
        let end = start + from.chars().count();
        let found: String = chars
            .get(start..end)
            .map_or(String::new(), |c| c.iter().collect());
        let colon = chars[end.min(chars.len())..]
            .iter()
            .find(|c| **c != ' ')
            .is_some_and(|c| *c == ':');
        if found != from || !colon {
            return false;
        }
        l.text = chars[..start]
            .iter()
            .chain(to.chars().collect::<Vec<_>>().iter())
            .chain(chars[end..].iter())
            .collect();
        true
    }

    /// The whole file, edited.
    pub(super) fn finish(self) -> String {
        let mut out = String::new();
        for l in self.lines {
            let pad = " ".repeat(l.shift);
            for inserted in &l.before {
                out.push_str(&pad);
                out.push_str(inserted);
                out.push('\n');
            }
            if l.deleted {
                continue;
            }
            if !l.text.trim().is_empty() {
                out.push_str(&pad);
            }
            out.push_str(&l.text);
            out.push('\n');
        }
        if !self.trailing_newline {
            out.pop();
        }
        out
    }
}

/// The indentation of `text` (its leading spaces).
pub(super) fn indent(text: &str) -> usize {
    text.len() - text.trim_start_matches(' ').len()
}

/// A line that holds nothing (blank, or a comment only).
pub(super) fn is_empty(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || t.starts_with('#')
}

/// The comment that ends `text` after column `after` (`  # …`), if any.
pub(super) fn trailing_comment(text: &str, after: usize) -> &str {
    let start = text
        .char_indices()
        .nth(after.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    match text[start..].find(" #") {
        // With all the spaces before it.
        Some(i) => {
            let before = text[start..start + i].trim_end_matches(' ');
            &text[start + before.len()..]
        }
        None => "",
    }
}
