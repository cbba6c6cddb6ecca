//! `naftiko-codegen upgrade`: a spec of an older version rewritten for `ikanos: 1.0.0-beta5`
//! (or another Ikanos version of the same shape) with the same meaning. The file's text is
//! edited in place (see [`edit`]), so comments, blank lines, quoting and key order stay as
//! written; each decision the rewrite had to make is a located note.
//!
//! What changes from alpha2 (the reverse of `parse::version::ikanos`): the header; lists of
//! named entries become maps keyed by the name (resources, operations, tools, prompts and their
//! arguments, skills and their tools, steps, aggregate functions, every `inputParameters`,
//! consumed outputs, orchestrated and mock outputs); `label` is `display`; a mapping's
//! `targetName` is `target`; an aggregate's `functions` are its `flows`; an import's `location`
//! is `from`; 0.5's `externalRefs` are `binds`. Imported files are not rewritten: each is
//! upgraded on its own.

mod edit;

use serde_saphyr::Spanned;

use crate::diagnostic::{Diagnostic, Diagnostics, Position, Severity, SourceFile};
use crate::parse::node::Node;
use edit::Editor;

/// The versions `upgrade` writes (the Ikanos versions, all of one shape).
pub const TARGETS: &[&str] = crate::parse::version::IKANOS;

/// The version `upgrade` writes unless told otherwise.
pub const LATEST: &str = "1.0.0-beta5";

/// An upgraded spec: its new text, and the notes of what was decided.
#[derive(Debug, Clone)]
pub struct Upgraded {
    pub text: String,
    pub notes: Vec<Diagnostic>,
}

/// Rewrite `source` for `ikanos: <to>`.
pub fn upgrade(source: &SourceFile, to: &str) -> Result<Upgraded, Diagnostics> {
    if !TARGETS.contains(&to) {
        let d = source.diagnostic(
            Severity::Error,
            None,
            "",
            format!("`--to {to}`: upgrade writes one of {}", TARGETS.join(", ")),
        );
        return Err(Diagnostics(vec![d]));
    }
    let root = crate::parse::tree(source)?;
    let mut walk = Walk {
        source,
        editor: Editor::new(&source.text),
        notes: Vec::new(),
        resource_path: String::new(),
    };
    walk.root(&root, to);
    if walk.notes.iter().any(Diagnostic::is_error) {
        return Err(Diagnostics(walk.notes));
    }
    Ok(Upgraded {
        text: walk.editor.finish(),
        notes: walk.notes,
    })
}

type Entries = [(Spanned<Node>, Spanned<Node>)];

/// The line and column of a node.
fn at(node: &Spanned<Node>) -> (usize, usize) {
    let l = &node.referenced;
    (
        usize::try_from(l.line()).unwrap_or(0),
        usize::try_from(l.column()).unwrap_or(0),
    )
}

fn key_text(key: &Spanned<Node>) -> &str {
    match &key.value {
        Node::Str(s) => s,
        _ => "",
    }
}

fn entries(node: &Spanned<Node>) -> &Entries {
    match &node.value {
        Node::Map(entries) => entries,
        _ => &[],
    }
}

fn lookup<'a>(node: &'a Spanned<Node>, name: &str) -> Option<&'a Spanned<Node>> {
    entries(node)
        .iter()
        .find(|(k, _)| key_text(k) == name)
        .map(|(_, v)| v)
}

fn text_of(node: &Spanned<Node>) -> Option<String> {
    match &node.value {
        Node::Str(s) => Some(s.clone()),
        Node::Int(i) => Some(i.to_string()),
        // `naftiko: 0.5`, unquoted.
        Node::Float(f) => Some(f.to_string()),
        Node::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// How an entry of a list is keyed in its map.
#[derive(Clone, Copy)]
enum Kind {
    /// By its `name`, which it must have.
    Named,
    /// By its `name`, or a key made from its `path` (resources; `forward ` and the path for a
    /// forwarding one, as the generator names it). Two of the same name get a suffix.
    Path,
    /// By its `name`, or a key made from its `method` and its resource's path (REST operations,
    /// as the generator names their handlers). Two of the same name get a suffix.
    Method,
}

/// What is done to each entry once keyed.
type Visit<'a> = fn(&mut Walk<'a>, &Spanned<Node>, &str);

struct Walk<'a> {
    source: &'a SourceFile,
    editor: Editor,
    notes: Vec<Diagnostic>,
    /// The path of the REST resource whose operations are being keyed.
    resource_path: String,
}

impl<'a> Walk<'a> {
    fn note(
        &mut self,
        severity: Severity,
        (line, column): (usize, usize),
        path: &str,
        message: String,
        help: &str,
    ) {
        let mut d =
            self.source
                .diagnostic(severity, Some(Position { line, column }), path, message);
        d.help = (!help.is_empty()).then(|| help.to_owned());
        self.notes.push(d);
    }

    fn root(&mut self, root: &Spanned<Node>, to: &str) {
        let Some((key, value)) = entries(root)
            .iter()
            .find(|(k, _)| matches!(key_text(k), "naftiko" | "ikanos"))
        else {
            self.note(
                Severity::Error,
                at(root),
                "",
                "the file does not say its spec version".into(),
                "a capability file starts with `naftiko: \"1.0.0-alpha2\"`",
            );
            return;
        };
        let version = text_of(value).unwrap_or_default();
        match (key_text(key), version.as_str()) {
            ("naftiko", "0.4" | "0.5" | "1.0.0-alpha1" | "1.0.0-alpha2" | "1.0.0-alpha3") => {}
            ("ikanos", v) if TARGETS.contains(&v) => {
                // Already of the Ikanos shape: only the version changes.
                self.header(key, value, to);
                return;
            }
            (name, v) => {
                self.note(
                    Severity::Error,
                    at(value),
                    name,
                    format!("`{name}: {v}` cannot be upgraded"),
                    "upgrade reads `naftiko: 0.4`, `0.5`, `1.0.0-alpha1`, `1.0.0-alpha2` and `1.0.0-alpha3`, and the Ikanos versions",
                );
                return;
            }
        }
        self.header(key, value, to);
        for (key, value) in entries(root) {
            match key_text(key) {
                "info" => self.rename(value, "label", "display"),
                "externalRefs" => self.external_refs(key, value),
                "consumes" => self.each(value, "consumes", Walk::consumes),
                "capability" => self.capability(value),
                _ => {}
            }
        }
    }

    /// `naftiko: "1.0.0-alpha2"` → `ikanos: "1.0.0-beta5"`, its comment kept.
    fn header(&mut self, key: &Spanned<Node>, value: &Spanned<Node>, to: &str) {
        let (line, column) = at(key);
        let (_, value_column) = at(value);
        let text = self.editor.text(line).to_owned();
        let comment = edit::trailing_comment(&text, value_column + 1).to_owned();
        let indent = " ".repeat(column.saturating_sub(1));
        self.editor
            .replace(line, format!("{indent}ikanos: \"{to}\"{comment}"));
    }

    /// 0.5's `externalRefs` as `binds`: `name` is `namespace`, a file reference's `uri` its
    /// `location`; `type` and `resolution` go (a bind with a `location` reads a file, one
    /// without the environment).
    fn external_refs(&mut self, key: &Spanned<Node>, value: &Spanned<Node>) {
        let (line, column) = at(key);
        self.editor
            .rename_key(line, column, "externalRefs", "binds");
        let Node::Seq(refs) = &value.value else {
            return;
        };
        for reference in refs {
            let from_file = lookup(reference, "resolution")
                .and_then(text_of)
                .is_some_and(|r| r == "file");
            for (k, _) in entries(reference) {
                let (line, column) = at(k);
                match key_text(k) {
                    "name" => {
                        self.editor.rename_key(line, column, "name", "namespace");
                    }
                    "uri" if from_file => {
                        self.editor.rename_key(line, column, "uri", "location");
                    }
                    "type" | "resolution" | "uri" if line != at(reference).0 => {
                        self.editor.delete(line);
                    }
                    _ => {}
                }
            }
        }
    }

    fn capability(&mut self, node: &Spanned<Node>) {
        for (key, value) in entries(node) {
            match key_text(key) {
                "consumes" => self.each(value, "capability.consumes", Walk::consumes),
                "exposes" => self.each(value, "capability.exposes", Walk::exposes),
                "aggregates" => self.each(value, "capability.aggregates", Walk::aggregate),
                _ => {}
            }
        }
    }

    fn consumes(&mut self, node: &Spanned<Node>, path: &str) {
        if lookup(node, "import").is_some() {
            self.rename(node, "location", "from");
        }
        for (key, value) in entries(node) {
            let here = format!("{path}.{}", key_text(key));
            match key_text(key) {
                "inputParameters" => self.named(key, value, &here, Kind::Named, Walk::leaf),
                "resources" => self.named(key, value, &here, Kind::Path, Walk::consumed_resource),
                _ => {}
            }
        }
    }

    fn consumed_resource(&mut self, node: &Spanned<Node>, path: &str) {
        self.rename(node, "label", "display");
        for (key, value) in entries(node) {
            let here = format!("{path}.{}", key_text(key));
            match key_text(key) {
                "inputParameters" => self.named(key, value, &here, Kind::Named, Walk::leaf),
                "operations" => {
                    self.named(key, value, &here, Kind::Named, Walk::consumed_operation)
                }
                _ => {}
            }
        }
    }

    fn consumed_operation(&mut self, node: &Spanned<Node>, path: &str) {
        self.rename(node, "label", "display");
        for (key, value) in entries(node) {
            let here = format!("{path}.{}", key_text(key));
            if matches!(key_text(key), "inputParameters" | "outputParameters") {
                self.named(key, value, &here, Kind::Named, Walk::leaf);
            }
        }
    }

    fn exposes(&mut self, node: &Spanned<Node>, path: &str) {
        let kind = lookup(node, "type").and_then(text_of).unwrap_or_default();
        for (key, value) in entries(node) {
            let here = format!("{path}.{}", key_text(key));
            match (kind.as_str(), key_text(key)) {
                ("rest" | "http", "resources") => {
                    self.named(key, value, &here, Kind::Path, Walk::rest_resource)
                }
                ("mcp", "tools") => self.named(key, value, &here, Kind::Named, Walk::unit),
                ("mcp", "resources") => self.named(key, value, &here, Kind::Named, Walk::unit),
                ("mcp", "prompts") => self.named(key, value, &here, Kind::Named, Walk::prompt),
                ("skill", "skills") => self.named(key, value, &here, Kind::Named, Walk::skill),
                _ => {}
            }
        }
    }

    fn rest_resource(&mut self, node: &Spanned<Node>, path: &str) {
        self.rename(node, "label", "display");
        self.resource_path = lookup(node, "path").and_then(text_of).unwrap_or_default();
        for (key, value) in entries(node) {
            let here = format!("{path}.{}", key_text(key));
            match key_text(key) {
                "inputParameters" => self.named(key, value, &here, Kind::Named, Walk::leaf),
                "operations" => self.named(key, value, &here, Kind::Method, Walk::unit),
                _ => {}
            }
        }
    }

    /// A tool, an operation, a flow or a dynamic resource: a call, steps or mock outputs.
    fn unit(&mut self, node: &Spanned<Node>, path: &str) {
        self.rename(node, "label", "display");
        // The outputs of a call (or of a `ref`, whose flow decides) stay a list; orchestrated
        // and mock outputs are keyed by name.
        let outputs_by_name = lookup(node, "call").is_none()
            && lookup(node, "ref").is_none()
            && lookup(node, "outputParameters").is_some_and(|outputs| match &outputs.value {
                Node::Seq(items) => items.iter().all(|o| lookup(o, "name").is_some()),
                _ => false,
            });
        for (key, value) in entries(node) {
            let here = format!("{path}.{}", key_text(key));
            match key_text(key) {
                "inputParameters" | "arguments" => {
                    self.named(key, value, &here, Kind::Named, Walk::leaf)
                }
                "steps" => self.named(key, value, &here, Kind::Named, Walk::leaf),
                "mappings" => self.each(value, &here, Walk::mapping),
                "outputParameters" if outputs_by_name => {
                    self.named(key, value, &here, Kind::Named, Walk::orchestrated_output)
                }
                _ => {}
            }
        }
    }

    fn prompt(&mut self, node: &Spanned<Node>, path: &str) {
        self.rename(node, "label", "display");
        for (key, value) in entries(node) {
            if key_text(key) == "arguments" {
                let here = format!("{path}.arguments");
                self.named(key, value, &here, Kind::Named, Walk::leaf);
            }
        }
    }

    fn skill(&mut self, node: &Spanned<Node>, path: &str) {
        for (key, value) in entries(node) {
            if key_text(key) == "tools" {
                let here = format!("{path}.tools");
                self.named(key, value, &here, Kind::Named, Walk::leaf);
            }
        }
    }

    fn aggregate(&mut self, node: &Spanned<Node>, path: &str) {
        self.rename(node, "label", "display");
        for (key, value) in entries(node) {
            if key_text(key) == "functions" {
                let (line, column) = at(key);
                self.editor.rename_key(line, column, "functions", "flows");
                let here = format!("{path}.flows");
                self.named(key, value, &here, Kind::Named, Walk::unit);
            }
        }
    }

    fn mapping(&mut self, node: &Spanned<Node>, _path: &str) {
        self.rename(node, "targetName", "target");
    }

    /// An orchestrated output: an array's `items` are keyed by name too; an object's
    /// `properties` are a map already, whose entries lose a `name` that repeats their key.
    fn orchestrated_output(&mut self, node: &Spanned<Node>, path: &str) {
        for (key, value) in entries(node) {
            let here = format!("{path}.{}", key_text(key));
            match key_text(key) {
                "items" if matches!(value.value, Node::Seq(_)) => {
                    self.named(key, value, &here, Kind::Named, Walk::orchestrated_output)
                }
                "properties" => {
                    for (k, v) in entries(value) {
                        let here = format!("{here}.{}", key_text(k));
                        self.drop_repeated_name(k, v);
                        self.orchestrated_output(v, &here);
                    }
                }
                _ => {}
            }
        }
    }

    fn drop_repeated_name(&mut self, key: &Spanned<Node>, node: &Spanned<Node>) {
        if let Some((k, v)) = entries(node).iter().find(|(k, _)| key_text(k) == "name")
            && text_of(v).as_deref() == Some(key_text(key))
            && at(k).0 != at(key).0
        {
            self.editor.delete(at(k).0);
        }
    }

    fn leaf(&mut self, _node: &Spanned<Node>, _path: &str) {}

    // ---- the edits -------------------------------------------------------------------------

    fn each(&mut self, node: &Spanned<Node>, path: &str, visit: Visit<'a>) {
        if let Node::Seq(items) = &node.value {
            for (i, item) in items.iter().enumerate() {
                visit(self, item, &format!("{path}[{i}]"));
            }
        }
    }

    fn rename(&mut self, node: &Spanned<Node>, from: &str, to: &str) {
        if entries(node).iter().any(|(k, _)| key_text(k) == to) {
            return;
        }
        if let Some((key, _)) = entries(node).iter().find(|(k, _)| key_text(k) == from) {
            let (line, column) = at(key);
            self.editor.rename_key(line, column, from, to);
        }
    }

    /// The list under `key` becomes a map keyed by each entry's name.
    fn named(
        &mut self,
        key: &Spanned<Node>,
        node: &Spanned<Node>,
        path: &str,
        kind: Kind,
        visit: Visit<'a>,
    ) {
        let Node::Seq(items) = &node.value else {
            return;
        };
        if items.is_empty() {
            // `[]` is an empty map.
            let (line, column) = at(node);
            let text = self.editor.text(line).to_owned();
            let chars: Vec<char> = text.chars().collect();
            if chars.get(column - 1..column + 1) == Some(&['[', ']']) {
                let edited: String = chars[..column - 1]
                    .iter()
                    .chain(['{', '}'].iter())
                    .chain(chars[column + 1..].iter())
                    .collect();
                self.editor.replace(line, edited);
            }
            return;
        }
        let parent_column = at(key).1;
        let keys = self.keys(items, path, kind);
        let Some(keys) = keys else {
            return;
        };
        for (i, (item, name)) in items.iter().zip(keys).enumerate() {
            let next = items.get(i + 1).map(|n| at(n).0);
            let here = format!("{path}.{name}");
            if self.keyed(item, &name, parent_column, next, &format!("{path}[{i}]")) {
                visit(self, item, &here);
            }
        }
    }

    /// The key of each entry of `items`: its `name`, or one made up (with a warning); `None`
    /// (with an error) when two entries have the same.
    fn keys(&mut self, items: &[Spanned<Node>], path: &str, kind: Kind) -> Option<Vec<String>> {
        let mut keys: Vec<String> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let here = format!("{path}[{i}]");
            // An entry that names no `name` but a `ref` takes its function's name.
            let name = lookup(item, "name").and_then(text_of).or_else(|| {
                let reference = lookup(item, "ref").and_then(text_of)?;
                Some(reference.split_once('.')?.1.to_owned())
            });
            let key = match (name, kind) {
                (Some(name), _) => name,
                (None, Kind::Path) => {
                    let path = lookup(item, "path").and_then(text_of).unwrap_or_default();
                    let forwards = lookup(item, "forward").is_some();
                    made_up(
                        &format!("{}{path}", if forwards { "forward " } else { "" }),
                        "resource",
                    )
                }
                (None, Kind::Method) => {
                    let method = lookup(item, "method").and_then(text_of).unwrap_or_default();
                    made_up(
                        &format!("{} {}", method.to_lowercase(), self.resource_path),
                        "operation",
                    )
                }
                (None, Kind::Named) => {
                    self.note(
                        Severity::Error,
                        at(item),
                        &here,
                        "an entry without `name` cannot be keyed by it".into(),
                        "give the entry its `name`, then upgrade",
                    );
                    return None;
                }
            };
            let mut unique = key.clone();
            let mut n = 2;
            while keys.contains(&unique) {
                unique = format!("{key}-{n}");
                n += 1;
            }
            let named = lookup(item, "name").is_some();
            if !named || unique != key {
                if unique != key && named && matches!(kind, Kind::Named) {
                    self.note(
                        Severity::Error,
                        at(item),
                        &here,
                        format!("`{key}` is declared twice here: a map cannot hold it twice"),
                        "rename one of them, then upgrade",
                    );
                    return None;
                }
                let message = if named || unique != key {
                    format!("`{key}` is declared twice here: the second is keyed by `{unique}`")
                } else {
                    format!("no `name`: keyed by `{unique}`")
                };
                self.note(
                    Severity::Warning,
                    at(item),
                    &here,
                    message,
                    &format!("write `name: {unique}` to choose the key"),
                );
            }
            keys.push(unique);
        }
        Some(keys)
    }

    /// Rewrite one entry `- name: x …` as `x: …`. `parent_column`: the column of the list's
    /// key; `next`: the line of the next entry. False when its layout is not one this rewrite
    /// knows (a located error says so).
    fn keyed(
        &mut self,
        item: &Spanned<Node>,
        name: &str,
        parent_column: usize,
        next: Option<usize>,
        path: &str,
    ) -> bool {
        let (line, column) = at(item);
        let text = self.editor.text(line).to_owned();
        let chars: Vec<char> = text.chars().collect();
        // The dash before the entry's first key.
        let dash = chars[..column.saturating_sub(1).min(chars.len())]
            .iter()
            .rposition(|c| *c != ' ');
        let Some(dash) = dash.filter(|d| chars[*d] == '-') else {
            self.note(
                Severity::Error,
                (line, column),
                path,
                "this entry's layout is not one upgrade rewrites (its first key on the line of its `-`)".into(),
                "write the entry as `- name: …` with its fields below",
            );
            return false;
        };
        let dash_column = dash + 1;
        let key = yaml_key(name);
        if chars.get(column - 1) == Some(&'{') {
            return self.keyed_flow(item, &key, line, dash, parent_column, path);
        }
        let end = self.end_of_entry(line, dash_column, next);
        let shift = if dash_column <= parent_column { 2 } else { 0 };
        let first_is_name = entries(item)
            .first()
            .is_some_and(|(k, _)| key_text(k) == "name" && at(k).0 == line);
        let padding = " ".repeat(dash);
        if first_is_name {
            let value_column = entries(item).first().map_or(column, |(_, v)| at(v).1);
            let comment = edit::trailing_comment(&text, value_column + 1).to_owned();
            self.editor
                .replace(line, format!("{padding}{key}:{comment}"));
        } else {
            let mut edited = chars.clone();
            edited[dash] = ' ';
            self.editor.replace(line, edited.into_iter().collect());
            self.editor.insert_before(line, format!("{padding}{key}:"));
            if let Some((k, _)) = entries(item).iter().find(|(k, _)| key_text(k) == "name") {
                self.editor.delete(at(k).0);
            }
        }
        self.editor.shift(line, end, shift);
        true
    }

    /// `- {name: x, in: query}` → `x: {in: query}` (on one line).
    fn keyed_flow(
        &mut self,
        item: &Spanned<Node>,
        key: &str,
        line: usize,
        dash: usize,
        parent_column: usize,
        path: &str,
    ) -> bool {
        let text = self.editor.text(line).to_owned();
        let chars: Vec<char> = text.chars().collect();
        let close = chars.iter().rposition(|c| *c == '}');
        let fields = entries(item);
        let one_line = fields.iter().all(|(k, _)| at(k).0 == line);
        let Some(close) = close.filter(|_| one_line) else {
            self.note(
                Severity::Error,
                at(item),
                path,
                "a flow-style entry over several lines is not one upgrade rewrites".into(),
                "write the entry in block style (`- name: …` with its fields below)",
            );
            return false;
        };
        let starts: Vec<usize> = fields.iter().map(|(k, _)| at(k).1 - 1).collect();
        let mut kept = Vec::new();
        for (i, (k, _)) in fields.iter().enumerate() {
            if key_text(k) == "name" {
                continue;
            }
            let end = starts.get(i + 1).copied().unwrap_or(close);
            let slice: String = chars[starts[i]..end].iter().collect();
            kept.push(slice.trim_end().trim_end_matches(',').trim_end().to_owned());
        }
        let rest: String = chars[close + 1..].iter().collect();
        // The key takes the dash's place, two further in when the dash stood at the list's
        // own key.
        let column = if dash < parent_column { dash + 2 } else { dash };
        let padding = " ".repeat(column);
        self.editor.replace(
            line,
            format!("{padding}{key}: {{{}}}{rest}", kept.join(", ")),
        );
        true
    }

    /// The last line of the entry whose `-` is at `line:dash_column`: the line before `next`,
    /// or before the first line that is less indented than its fields.
    fn end_of_entry(&self, line: usize, dash_column: usize, next: Option<usize>) -> usize {
        if let Some(next) = next {
            // The next entry's `-` may stand on a line of its own before its first key.
            return next - 1;
        }
        let mut last = line;
        let mut at = line + 1;
        while at <= self.editor.len() {
            let text = self.editor.text(at);
            if !edit::is_empty(text) {
                if edit::indent(text) < dash_column {
                    break;
                }
                last = at;
            }
            at += 1;
        }
        last
    }
}

/// A key made from a path or a method (`/users/{id}/tokens` → `users-id-tokens`), as the
/// generator names what is unnamed.
fn made_up(from: &str, fallback: &str) -> String {
    crate::resolve::syntax::derived_name(from, fallback)
}

/// `name` as a YAML mapping key: plain when it can be, quoted otherwise.
fn yaml_key(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | '/'))
        && !name.starts_with(['-', '*'])
        && !matches!(
            name,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        )
        && name.parse::<f64>().is_err();
    if plain {
        name.to_owned()
    } else {
        serde_json::to_string(name).unwrap_or_default()
    }
}
