//! Regenerating a workspace's checked-in crates: every `specs/*.yaml` → `generated-<name>/`, and
//! every test fixture `tests/fixtures/*.yaml` → `tests/snapshots/<name>/` (package
//! `snapshot-<name>`), so that a change of the generator is reviewed as a diff of generated code.
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
    yaml_files(&root.join("specs"))
}

/// The YAML files directly in `dir`, sorted.
fn yaml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    specs.sort();
    Ok(specs)
}

/// What the workspace keeps beside a spec: the OpenAPI documents of its consumed namespaces,
/// `<spec stem>.openapi/<namespace>.yaml` (or `.yml`, `.json`) next to `<spec stem>.yaml`.
pub fn options_beside(spec: &Path) -> std::io::Result<crate::Options> {
    let mut options = crate::Options::default();
    let stem = spec.file_stem().unwrap_or_default().to_string_lossy();
    let dir = spec.with_file_name(format!("{stem}.openapi"));
    if !dir.is_dir() {
        return Ok(options);
    }
    let mut documents: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    documents.sort();
    for document in documents {
        let namespace = document
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        options = options.openapi(namespace, document);
    }
    Ok(options)
}

/// One crate a workspace checks in: the spec, the crate's folder and its package name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The spec file.
    pub spec: PathBuf,
    /// Where its crate is checked in.
    pub dir: PathBuf,
    /// The crate's package name.
    pub package: String,
    /// Where its runtime comes from.
    pub runtime: crate::Runtime,
}

/// Every crate a workspace checks in: `specs/*.yaml` as `generated-<name>/` (standalone, the
/// runtime copied in), then the fixtures `tests/fixtures/*.yaml` (when the folder exists) as
/// `tests/snapshots/<name>/`, which depend on the workspace's `naftiko-runtime` — so that a
/// change of the runtime is reviewed once, not once per snapshot.
pub fn targets(root: &Path) -> std::io::Result<Vec<Target>> {
    let mut targets: Vec<Target> = specs(root)?
        .into_iter()
        .map(|spec| {
            let name = crate::package_name(&spec);
            Target {
                dir: root.join(format!("generated-{name}")),
                package: name,
                spec,
                runtime: crate::Runtime::Vendored,
            }
        })
        .collect();
    let fixtures = root.join("tests/fixtures");
    if fixtures.is_dir() {
        targets.extend(yaml_files(&fixtures)?.into_iter().map(|spec| {
            let name = crate::package_name(&spec);
            Target {
                dir: root.join("tests/snapshots").join(&name),
                package: format!("snapshot-{name}"),
                spec,
                runtime: crate::Runtime::Crate {
                    path: Some("../../../naftiko-runtime".into()),
                },
            }
        }));
    }
    Ok(targets)
}

/// Regenerate (or check) the crate of every spec under `root`.
pub fn ensure_workspace(root: &Path, mode: Mode) -> Result<Report, Error> {
    let targets = targets(root).map_err(|source| Error::Io {
        path: root.join("specs"),
        source,
    })?;
    let mut report = Report::default();
    for Target {
        spec,
        dir,
        package,
        runtime,
    } in targets
    {
        let relative = |mut d: Diagnostic| {
            if let Ok(rel) = d.file.strip_prefix(root) {
                d.file = rel.to_path_buf();
            }
            d
        };
        let options = options_beside(&spec)
            .map_err(|source| Error::Io {
                path: spec.clone(),
                source,
            })?
            .runtime(runtime);
        let generated = match crate::generate_crate_with(&spec, Some(&package), &options) {
            Ok(g) => g,
            Err(Error::Spec(diags)) => {
                return Err(Error::Spec(crate::Diagnostics(
                    diags.0.into_iter().map(relative).collect(),
                )));
            }
            Err(e) => return Err(e),
        };
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
