//! `naftiko: 0.5` (and `0.4`), rewritten into the model's shape: `externalRefs` are `binds`.
//! An external reference's `name` is the bind's `namespace`; one with `resolution: file` reads
//! its `keys` from the file its `uri` names (the bind's `location`); one resolved at run time
//! (`resolution: runtime`, the default) reads them from the environment. The rest of the file
//! has alpha2's shape.

use serde_saphyr::Spanned;

use super::Notes;
use crate::parse::node::Node;

pub(super) fn rewrite(root: &mut Spanned<Node>, notes: &mut Notes) {
    let Node::Map(entries) = &mut root.value else {
        return;
    };
    if entries.iter().any(|(k, _)| is(k, "binds")) {
        return;
    }
    for (key, value) in entries.iter_mut() {
        if !is(key, "externalRefs") {
            continue;
        }
        key.value = Node::Str("binds".into());
        let Node::Seq(refs) = &mut value.value else {
            continue;
        };
        for (i, reference) in refs.iter_mut().enumerate() {
            external_ref(reference, &format!("externalRefs[{i}]"), notes);
        }
    }
}

fn external_ref(node: &mut Spanned<Node>, path: &str, notes: &mut Notes) {
    let Node::Map(fields) = &mut node.value else {
        return;
    };
    let from_file = fields
        .iter()
        .any(|(k, v)| is(k, "resolution") && matches!(&v.value, Node::Str(s) if s == "file"));
    for (key, _) in fields.iter_mut() {
        if is(key, "name") {
            key.value = Node::Str("namespace".into());
        } else if is(key, "uri") && from_file {
            key.value = Node::Str("location".into());
        }
    }
    if !from_file && let Some((key, _)) = fields.iter().find(|(k, _)| is(k, "uri")) {
        notes.warning(
            key.referenced,
            &format!("{path}.uri"),
            "`uri` of an external reference resolved at run time: its keys are read from the environment".into(),
            "drop `uri`, or write `resolution: file` to read the keys from that file",
        );
    }
}

fn is(key: &Spanned<Node>, name: &str) -> bool {
    matches!(&key.value, Node::Str(s) if s == name)
}
