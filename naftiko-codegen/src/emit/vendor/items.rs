//! The runtime's items: what each defines, refers to and names (read from its sources when
//! the generator is built, by `parse.rs`).

use std::collections::BTreeSet;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::scan::Reference;

/// What a top-level item is, for the rules that decide whether it is copied.
#[derive(Debug, Serialize, Deserialize)]
pub(super) enum Kind {
    /// A `use`: copied when its module's copied items name it (a `use crate::<module>;` when
    /// they name a path in it).
    Use { module: bool },
    /// An `impl` block: `header` are the references of its trait and type, `functions` the
    /// names it defines.
    Impl {
        trait_impl: bool,
        header: Vec<Reference>,
        functions: Vec<String>,
    },
    /// Anything else that defines names.
    Named,
}

/// One top-level item of a runtime module.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Item {
    pub(super) module: usize,
    /// The names it defines.
    pub(super) names: Vec<String>,
    pub(super) kind: Kind,
    /// Its text in the module's source (with the comments just above it).
    pub(super) range: Range<usize>,
    /// Where the next item of the module starts (`None` for the last).
    pub(super) next: Option<usize>,
    pub(super) references: Vec<Reference>,
    /// Every identifier in it (method names included), for the inherent `impl` rule.
    pub(super) idents: Vec<String>,
    /// The external crates it names (`axum`, `serde_json`, …).
    pub(super) crates: BTreeSet<String>,
}

/// Traits the runtime imports for their methods only, with those methods: such a `use` is
/// copied when a copied item of its module calls one of them (a test checks that every `use`
/// its module never names is listed here).
pub(super) const TRAIT_METHODS: &[(&str, &[&str])] = &[
    ("BuildHasher", &["build_hasher"]),
    ("ConfigVerifierExt", &["with_platform_verifier"]),
    ("Digest", &["digest"]),
    ("Engine", &["encode", "decode"]),
    ("Hasher", &["finish", "write_u128"]),
    ("IntoResponse", &["into_response"]),
    ("SecureRandom", &["fill"]),
    ("ServiceExt", &["serve"]),
];
