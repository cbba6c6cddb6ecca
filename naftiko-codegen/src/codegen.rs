//! Regenerating a workspace's checked-in crates: every `specs/*.yaml` → `generated-<name>/`.
//!
//! [`ensure_workspace`] backs `cargo xtask codegen` (write), `cargo xtask codegen --check` and the
//! freshness test (check), so the three always agree.

use std::path::{Path, PathBuf};

use crate::write::{self, Change, Mode};
use crate::{Diagnostic, Error};

/// What a run did (or, in check mode, would do).
#[derive(Debug, Default)]
pub struct Report {
    /// How many specs were processed.
    pub crates: usize,
    /// Files written, or stale in check mode.
    pub changes: Vec<Change>,
    /// Warnings of every spec.
    pub warnings: Vec<Diagnostic>,
}

/// The specs of a workspace: `specs/*.yaml` and `specs/*.yml`, sorted.
pub fn specs(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root.join("specs"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    specs.sort();
    Ok(specs)
}

/// Regenerate (or check) the crate of every spec under `root`.
pub fn ensure_workspace(root: &Path, mode: Mode) -> Result<Report, Error> {
    let specs = specs(root).map_err(|source| Error::Io {
        path: root.join("specs"),
        source,
    })?;
    let mut report = Report::default();
    for spec in specs {
        let relative = |mut d: Diagnostic| {
            if let Ok(rel) = d.file.strip_prefix(root) {
                d.file = rel.to_path_buf();
            }
            d
        };
        let generated = match crate::generate_crate(&spec, None) {
            Ok(g) => g,
            Err(Error::Spec(diags)) => {
                return Err(Error::Spec(crate::Diagnostics(
                    diags.0.into_iter().map(relative).collect(),
                )));
            }
            Err(e) => return Err(e),
        };
        let dir = root.join(format!("generated-{}", crate::package_name(&spec)));
        let changes = write::ensure_files(&dir, &generated.files, mode)
            .map_err(|source| Error::Io { path: dir, source })?;
        report.crates += 1;
        report.changes.extend(changes);
        report
            .warnings
            .extend(generated.warnings.into_iter().map(relative));
    }
    Ok(report)
}
