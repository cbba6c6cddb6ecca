//! Located diagnostics: every problem names file:line:column, the YAML path and a snippet.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Something found that asks nothing of the author (e.g. which operation of an OpenAPI
    /// document typed a consumed one).
    Note,
    /// The spec is used as written, but a reader should know (e.g. an implicit rule was applied).
    Warning,
    /// The spec cannot be turned into code.
    Error,
}

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The file the problem is in.
    pub file: PathBuf,
    /// Where in the file; `None` only when the file could not be read at all.
    pub position: Option<Position>,
    /// The YAML path of the offending node, e.g. `capability.exposes[1].tools[0].call`.
    pub yaml_path: String,
    /// The source line the position points into.
    pub snippet: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// Is this an error (as opposed to a warning)?
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `text` with its control characters (tabs aside) and text-direction controls escaped: what a
/// spec says is shown, never acted on by the terminal or the log it is printed to.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let hostile = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.contains(hostile) {
        return text.into();
    }
    text.chars()
        .map(|c| match hostile(c) {
            true => c.escape_unicode().to_string(),
            false => c.to_string(),
        })
        .collect()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        writeln!(f, "{kind}: {}", printable(&self.message))?;
        let file = self.file.display().to_string();
        let file = printable(&file);
        match self.position {
            Some(p) => write!(f, "  --> {file}:{}:{}", p.line, p.column)?,
            None => write!(f, "  --> {file}")?,
        }
        if !self.yaml_path.is_empty() {
            write!(f, " (at `{}`)", printable(&self.yaml_path))?;
        }
        if let (Some(snippet), Some(p)) = (&self.snippet, self.position) {
            // The caret's column counts characters as written; escapes before it widen the line.
            let before: String = snippet.chars().take(p.column.saturating_sub(1)).collect();
            let before = printable(&before);
            let snippet = printable(snippet);
            let gutter = p.line.to_string();
            let pad = " ".repeat(gutter.len());
            write!(f, "\n{pad} |\n{gutter} | {snippet}\n{pad} | ")?;
            let indent: String = before
                .chars()
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "{indent}^")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {}", printable(help))?;
        }
        Ok(())
    }
}

/// A list of diagnostics, at least one of them an error when returned as `Err`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Any errors among them?
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| !d.is_error())
    }
    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The text of one source file, for locating diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given by the user.
    pub path: PathBuf,
    /// Full text.
    pub text: String,
    /// Byte offset of the start of each line (so a snippet costs no scan of the file).
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A source file from its path and text.
    pub fn new(path: impl AsRef<Path>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            path: path.as_ref().to_path_buf(),
            text,
            line_starts,
        }
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        self.text
            .get(start..end.max(start))
            .map(|l| l.trim_end_matches('\r'))
    }

    /// A diagnostic at `position` in this file.
    pub fn diagnostic(
        &self,
        severity: Severity,
        position: Option<Position>,
        yaml_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity,
            message: message.into(),
            file: self.path.clone(),
            position,
            yaml_path: yaml_path.into(),
            snippet: position.and_then(|p| self.line(p.line)).map(str::to_owned),
            help: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A spec cannot forge lines of the log a diagnostic is printed to.
    #[test]
    fn control_characters_are_printed_escaped() {
        let source = SourceFile::new("a.yaml", "name: \"x\u{1b}[2J\u{202e}\"\n");
        let mut d = source.diagnostic(
            Severity::Error,
            Some(Position { line: 1, column: 8 }),
            "name",
            "bad `x\r\nerror: forged`",
        );
        d.help = Some("fix\n".into());
        let text = d.to_string();
        assert_eq!(text.lines().count(), 6, "{text}");
        assert!(text.contains("bad `x\\u{d}\\u{a}error: forged`"), "{text}");
        assert!(text.contains("\\u{1b}[2J\\u{202e}"), "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains('\r'));
    }
}
