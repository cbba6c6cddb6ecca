//! The Ikanos generation (`ikanos: 1.0.0-alpha3` to `1.0.0-beta5`), rewritten into the model's
//! shape:
//!
//! - named maps become sequences of entries with `name` (the key, at the key's position):
//!   resources, operations, tools, prompts, skills and their tools, steps, flows, every
//!   `inputParameters`, prompt `arguments`, consumed outputs, orchestrated and mock outputs (the
//!   engine still reads the sequence form, and so does this reader);
//! - `display` is `label`, a mapping's `target` is `targetName`, an aggregate's `flows` are its
//!   `functions`, an import's `from` is its `location`;
//! - `binds` under `capability` join the root's (an imported bind keeps `from`, `import`, `as`).
//!
//! What the generation adds that has no reading here yet is an error at its key, never dropped.

use serde_saphyr::Spanned;

use super::Notes;
use crate::parse::node::Node;

type Entries = Vec<(Spanned<Node>, Spanned<Node>)>;

/// Rewrite the whole file.
pub(super) fn rewrite(root: &mut Spanned<Node>, notes: &mut Notes) {
    let Node::Map(entries) = &mut root.value else {
        return;
    };
    hoist_capability_binds(entries);
    for (key, value) in entries.iter_mut() {
        match key_text(key) {
            "info" => rename(value, "display", "label"),
            "consumes" => each(value, "consumes", notes, consumes),
            "capability" => capability(value, notes),

            name @ ("exposes" | "aggregates") => notes.error(
                key.referenced,
                name,
                format!(
                    "a shared `{name}` file is not supported by this version of naftiko-codegen"
                ),
                "declare the adapters under `capability` of the capability file",
            ),
            _ => {}
        }
    }
}

/// `capability.binds` (where Ikanos also accepts them) appended to the root's `binds`.
fn hoist_capability_binds(root: &mut Entries) {
    let Some(capability) = root
        .iter_mut()
        .find(|(k, _)| key_text(k) == "capability")
        .map(|(_, v)| v)
    else {
        return;
    };
    let Node::Map(cap) = &mut capability.value else {
        return;
    };
    let Some(at) = cap.iter().position(|(k, _)| key_text(k) == "binds") else {
        return;
    };
    let (key, binds) = cap.remove(at);
    match root.iter_mut().find(|(k, _)| key_text(k) == "binds") {
        Some((_, existing)) => {
            if let (Node::Seq(items), Node::Seq(more)) = (&mut existing.value, binds.value) {
                items.extend(more);
            }
        }
        None => root.push((key, binds)),
    }
}

fn capability(node: &mut Spanned<Node>, notes: &mut Notes) {
    for (key, value) in entries(node) {
        match key_text(key) {
            "consumes" => each(value, "capability.consumes", notes, consumes),
            "exposes" => each(value, "capability.exposes", notes, exposes),
            "aggregates" => each(value, "capability.aggregates", notes, aggregate),
            _ => {}
        }
    }
}

fn consumes(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    // `ImportEntry`: `from` is alpha2's `location`.
    rename(node, "from", "location");
    refuse(node, "tunnel", path, notes, "`tunnel` (an overlay network)");
    for (key, value) in entries(node) {
        let here = format!("{path}.{}", key_text(key));
        match key_text(key) {
            "inputParameters" => named(value, &here, notes, leaf),
            "resources" => named(value, &here, notes, consumed_resource),
            _ => {}
        }
    }
}

fn consumed_resource(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    rename(node, "display", "label");
    for (key, value) in entries(node) {
        let here = format!("{path}.{}", key_text(key));
        match key_text(key) {
            "inputParameters" => named(value, &here, notes, leaf),
            "operations" => named(value, &here, notes, consumed_operation),
            _ => {}
        }
    }
}

fn consumed_operation(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    rename(node, "display", "label");
    for (key, value) in entries(node) {
        let here = format!("{path}.{}", key_text(key));
        match key_text(key) {
            "inputParameters" | "outputParameters" => named(value, &here, notes, leaf),
            _ => {}
        }
    }
}

fn exposes(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    if has(node, "from") || has(node, "import") {
        refuse_import(node, path, notes, "an imported `exposes` entry");
        return;
    }
    let kind = match lookup(node, "type").map(|t| &t.value) {
        Some(Node::Str(kind)) => kind.clone(),
        _ => String::new(),
    };
    for (key, value) in entries(node) {
        let here = format!("{path}.{}", key_text(key));
        match (kind.as_str(), key_text(key)) {
            ("rest" | "http", "resources") => named(value, &here, notes, rest_resource),
            ("mcp", "tools") => named(value, &here, notes, unit),
            ("mcp", "resources") => named(value, &here, notes, mcp_resource),
            ("mcp", "prompts") => named(value, &here, notes, prompt),
            ("skill", "skills") => named(value, &here, notes, skill),
            _ => {}
        }
    }
}

fn rest_resource(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    rename(node, "display", "label");
    for (key, value) in entries(node) {
        let here = format!("{path}.{}", key_text(key));
        match key_text(key) {
            "inputParameters" => named(value, &here, notes, leaf),
            "operations" => named(value, &here, notes, rest_operation),
            _ => {}
        }
    }
}

fn rest_operation(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    response_binary(node, path, notes);
    unit(node, path, notes);
}

/// `responseBinary: {status, mediaType, description}`, the shorthand of one binary answer, is
/// `responses: {"<status>": {description, content: {<mediaType>: {binary: true}}}}` (the engine
/// reads it so); both at once is an error.
fn response_binary(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    let Node::Map(fields) = &mut node.value else {
        return;
    };
    let Some(at) = fields
        .iter()
        .position(|(k, _)| key_text(k) == "responseBinary")
    else {
        return;
    };
    if fields.iter().any(|(k, _)| key_text(k) == "responses") {
        let key = &fields[at].0;
        notes.error(
            key.referenced,
            &format!("{path}.responseBinary"),
            "`responseBinary` and `responses` cannot both be written".to_owned(),
            "write the binary answer under `responses` (`content: {<media type>: {binary: true}}`)",
        );
        return;
    }
    let (key, value) = fields.remove(at);
    let (referenced, defined) = (key.referenced, key.defined);
    let text = |s: &str| Spanned::new(Node::Str(s.to_owned()), referenced, defined);
    let status = match lookup(&value, "status").map(|s| &s.value) {
        Some(Node::Int(code)) => code.to_string(),
        Some(Node::Str(code)) => code.clone(),
        _ => "200".to_owned(),
    };
    let media = match lookup(&value, "mediaType").map(|s| &s.value) {
        Some(Node::Str(media)) => media.clone(),
        _ => "application/octet-stream".to_owned(),
    };
    let binary = Node::Map(vec![(
        text("binary"),
        Spanned::new(Node::Bool(true), referenced, defined),
    )]);
    let mut answer = vec![(
        text("content"),
        Spanned::new(
            Node::Map(vec![(
                text(&media),
                Spanned::new(binary, referenced, defined),
            )]),
            referenced,
            defined,
        ),
    )];
    if let Some(description) = lookup(&value, "description") {
        answer.insert(0, (text("description"), description.clone()));
    }
    let responses = Node::Map(vec![(
        text(&status),
        Spanned::new(Node::Map(answer), referenced, defined),
    )]);
    fields.insert(
        at,
        (
            text("responses"),
            Spanned::new(responses, referenced, defined),
        ),
    );
}

/// What tools, operations and flows share: a call, steps or mock outputs, with inputs.
fn unit(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    rename(node, "display", "label");
    for (key, value) in entries(node) {
        let here = format!("{path}.{}", key_text(key));
        match key_text(key) {
            "inputParameters" => named(value, &here, notes, leaf),
            "steps" => named(value, &here, notes, leaf),
            "mappings" => each(value, &here, notes, mapping),
            // A sequence: the outputs of a call, as in alpha2. A map: orchestrated or mock
            // outputs by name.
            "outputParameters" => named(value, &here, notes, orchestrated_output),
            _ => {}
        }
    }
}

fn mcp_resource(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    unit(node, path, notes);
}

fn prompt(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    rename(node, "display", "label");
    for (key, value) in entries(node) {
        if key_text(key) == "arguments" {
            let here = format!("{path}.arguments");
            named(value, &here, notes, leaf);
        }
    }
}

fn skill(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    for (key, value) in entries(node) {
        if key_text(key) == "tools" {
            let here = format!("{path}.tools");
            named(value, &here, notes, leaf);
        }
    }
}

fn aggregate(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    if has(node, "from") || has(node, "import") {
        refuse_import(node, path, notes, "an imported `aggregates` entry");
        return;
    }
    rename(node, "display", "label");
    rename(node, "flows", "functions");
    for (key, value) in entries(node) {
        if key_text(key) == "functions" {
            let here = format!("{path}.flows");
            named(value, &here, notes, unit);
        }
    }
}

fn mapping(node: &mut Spanned<Node>, _path: &str, _notes: &mut Notes) {
    rename(node, "target", "targetName");
}

/// An orchestrated output: an array's `items` are named outputs too; an object's `properties`
/// are already a map of them.
fn orchestrated_output(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    for (key, value) in entries(node) {
        let here = format!("{path}.{}", key_text(key));
        match key_text(key) {
            "items" if is_named_map(value) => named(value, &here, notes, orchestrated_output),
            "properties" => {
                for (k, v) in entries(value) {
                    let here = format!("{here}.{}", key_text(k));
                    orchestrated_output(v, &here, notes);
                }
            }
            _ => {}
        }
    }
}

/// A map of named entries (every value a mapping), as opposed to the one output an array of a
/// call's outputs holds (whose `type` is text). A property may be called `type`.
fn is_named_map(node: &Spanned<Node>) -> bool {
    match &node.value {
        Node::Map(entries) => {
            !entries.is_empty()
                && entries
                    .iter()
                    .all(|(_, v)| matches!(v.value, Node::Map(_) | Node::Null))
        }
        _ => false,
    }
}

fn leaf(_node: &mut Spanned<Node>, _path: &str, _notes: &mut Notes) {}

// ---- the tree ------------------------------------------------------------------------------

type Visit = fn(&mut Spanned<Node>, &str, &mut Notes);

/// A map keyed by name becomes a sequence of its entries, each with `name: <key>` first (at
/// the key's position); `visit` sees each entry with the map's YAML path. A sequence is visited
/// as it is.
fn named(node: &mut Spanned<Node>, path: &str, notes: &mut Notes, visit: Visit) {
    if let Node::Map(entries) = &mut node.value {
        let items = std::mem::take(entries)
            .into_iter()
            .map(|(key, value)| with_name(key, value, path, notes, visit))
            .collect();
        node.value = Node::Seq(items);
    } else {
        each(node, path, notes, visit);
    }
}

fn with_name(
    key: Spanned<Node>,
    mut value: Spanned<Node>,
    path: &str,
    notes: &mut Notes,
    visit: Visit,
) -> Spanned<Node> {
    let name = key_text(&key).to_owned();
    let here = format!("{path}.{name}");
    if matches!(value.value, Node::Null) {
        value = Spanned::new(Node::Map(Vec::new()), key.referenced, key.defined);
    }
    if let Node::Map(fields) = &mut value.value {
        match fields.iter().find(|(k, _)| key_text(k) == "name") {
            Some((k, v)) if !matches!(&v.value, Node::Str(s) if *s == name) => notes.warning(
                k.referenced,
                &format!("{here}.name"),
                format!("`name` differs from the key `{name}`: the key is the name"),
                "drop `name`: in a map keyed by name the key is the name",
            ),
            _ => {}
        }
        fields.retain(|(k, _)| key_text(k) != "name");
        let name_key = Spanned::new(Node::Str("name".into()), key.referenced, key.defined);
        let name_value = Spanned::new(Node::Str(name), key.referenced, key.defined);
        fields.insert(0, (name_key, name_value));
    }
    visit(&mut value, &here, notes);
    value
}

/// Visit every entry of a sequence.
fn each(node: &mut Spanned<Node>, path: &str, notes: &mut Notes, visit: Visit) {
    if let Node::Seq(items) = &mut node.value {
        for (i, item) in items.iter_mut().enumerate() {
            visit(item, &format!("{path}[{i}]"), notes);
        }
    }
}

/// The entries of a mapping (none for anything else).
fn entries(node: &mut Spanned<Node>) -> impl Iterator<Item = &mut (Spanned<Node>, Spanned<Node>)> {
    match &mut node.value {
        Node::Map(entries) => entries.iter_mut(),
        _ => [].iter_mut(),
    }
}

fn key_text(key: &Spanned<Node>) -> &str {
    match &key.value {
        Node::Str(s) => s,
        _ => "",
    }
}

fn lookup<'a>(node: &'a Spanned<Node>, name: &str) -> Option<&'a Spanned<Node>> {
    match &node.value {
        Node::Map(entries) => entries
            .iter()
            .find(|(k, _)| key_text(k) == name)
            .map(|(_, v)| v),
        _ => None,
    }
}

fn has(node: &Spanned<Node>, name: &str) -> bool {
    lookup(node, name).is_some()
}

/// Rename the key `from` to `to` (when the mapping has no `to` already).
fn rename(node: &mut Spanned<Node>, from: &str, to: &str) {
    let Node::Map(entries) = &mut node.value else {
        return;
    };
    if entries.iter().any(|(k, _)| key_text(k) == to) {
        return;
    }
    if let Some((key, _)) = entries.iter_mut().find(|(k, _)| key_text(k) == from) {
        key.value = Node::Str(to.to_owned());
    }
}

/// An error at the `from` (or `import`) of an import entry: `feature` is not generated.
fn refuse_import(node: &Spanned<Node>, path: &str, notes: &mut Notes, feature: &str) {
    let name = if has(node, "from") { "from" } else { "import" };
    refuse(node, name, path, notes, feature);
}

/// An error at the key `name` when the mapping has it: `feature` is not generated.
fn refuse(node: &Spanned<Node>, name: &str, path: &str, notes: &mut Notes, feature: &str) {
    let Node::Map(entries) = &node.value else {
        return;
    };
    if let Some((key, _)) = entries.iter().find(|(k, _)| key_text(k) == name) {
        notes.error(
            key.referenced,
            &format!("{path}.{name}"),
            format!("{feature} is not supported by this version of naftiko-codegen"),
            "remove it, or generate from a spec without it; the generator refuses rather than emit code that ignores it",
        );
    }
}
