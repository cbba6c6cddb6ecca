//! # naftiko-codegen
//!
//! Turns a [Naftiko](https://github.com/naftiko) capability spec (YAML) into a standalone Rust
//! crate: a typed client for the APIs it consumes, axum REST routes and MCP tools for what it
//! exposes, and a server binary that runs them.
//!
//! The pipeline's stages are its modules: [`parse`] (a typed serde model of the file and the
//! position of every node) → [`resolve`] (one intermediate representation, [`resolve::ir`],
//! every reference resolved and every problem located) → [`emit`] (the files of a crate, and the
//! parts of `naftiko-runtime` it carries) → [`write`](mod@write) (deterministic, checked or written).
//!
//! ```no_run
//! use std::path::Path;
//!
//! let generated = naftiko_codegen::generate_crate(Path::new("specs/humanitec-tokeninfo.yaml"), None)?;
//! for warning in &generated.warnings {
//!     eprintln!("{warning}");
//! }
//! naftiko_codegen::write::ensure_files(
//!     Path::new("generated-humanitec-tokeninfo"),
//!     &generated.files,
//!     naftiko_codegen::write::Mode::Overwrite,
//! )?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod build;
pub mod codegen;
pub mod diagnostic;
pub mod emit;
pub mod lint;
pub mod parse;
pub mod resolve;
pub mod upgrade;
pub mod write;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use emit::{GeneratedFile, Runtime};

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The spec has errors (and maybe warnings).
    #[error("{0}")]
    Spec(Diagnostics),
    /// An option's value cannot be used (e.g. a package name Cargo refuses).
    #[error("{0}")]
    Usage(String),
    /// A generator bug.
    #[error(transparent)]
    Emit(#[from] emit::EmitError),
}

/// The files of a generated crate and the warnings the spec raised.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Every file, sorted by path.
    pub files: Vec<GeneratedFile>,
    /// Warnings (the spec was still generated).
    pub warnings: Vec<Diagnostic>,
    /// Notes: what was found that asks nothing of the author.
    pub notes: Vec<Diagnostic>,
}

/// The spec file at `path` (a regular file, or a link to one; UTF-8).
fn read_spec(path: &Path) -> Result<diagnostic::SourceFile, Error> {
    use parse::read::{Links, ReadError, read_source};
    read_source(path, Links::Follow).map_err(|e| match e {
        ReadError::Encoding(d) => Error::Spec(Diagnostics(vec![*d])),
        ReadError::Io(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
        other => Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, other.to_string()),
        },
    })
}

/// What a run reads beside the spec.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// OpenAPI documents (3.0, 3.1 or Swagger 2.0) by the consumed namespace they describe
    /// (`--openapi NAMESPACE=FILE`): its operations are typed by them.
    pub openapi: Vec<(String, PathBuf)>,
    /// Where the generated crate's runtime comes from (`--runtime`): copied in (the default) or
    /// the `naftiko-runtime` crate.
    pub runtime: Runtime,
}

impl Options {
    /// Generate a crate whose runtime comes from `runtime`.
    pub fn runtime(mut self, runtime: Runtime) -> Self {
        self.runtime = runtime;
        self
    }

    /// Tie the OpenAPI document at `file` to the consumed namespace `namespace`.
    pub fn openapi(mut self, namespace: impl Into<String>, file: impl Into<PathBuf>) -> Self {
        self.openapi.push((namespace.into(), file.into()));
        self
    }

    /// Tie each consumed namespace of the spec at `spec` whose base URL is, or is below, the
    /// first server URL of one of `documents` (OpenAPI documents) to that document — the way an
    /// API's capability files sit beside the document they were made from. Documents that
    /// name no absolute server URL, or cannot be read, tie nothing.
    pub fn openapi_by_server_url(
        mut self,
        spec: &Path,
        documents: &[PathBuf],
    ) -> Result<Self, Error> {
        let servers: Vec<(&PathBuf, String)> = documents
            .iter()
            .filter_map(|doc| Some((doc, parse::openapi::server_url(doc)?)))
            .collect();
        if servers.is_empty() {
            return Ok(self);
        }
        let resolved = check(spec)?;
        for c in &resolved.capability.consumes {
            let resolve::ir::BaseUri::Fixed(url) = &c.base_uri else {
                continue;
            };
            let url = url.trim_end_matches('/');
            let below = |server: &str| {
                url.strip_prefix(server)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            };
            if let Some((doc, _)) = servers.iter().find(|(_, server)| below(server)) {
                self = self.openapi(c.namespace.wire.clone(), *doc);
            }
        }
        Ok(self)
    }
}

/// Parse and resolve the spec at `path` (validation only).
pub fn check(path: &Path) -> Result<resolve::Resolved, Error> {
    check_with(path, &Options::default())
}

/// [`check`], with what `options` ties to the spec.
pub fn check_with(path: &Path, options: &Options) -> Result<resolve::Resolved, Error> {
    let apis = load_apis(options)?;
    read(read_spec(path)?, &apis)?.resolved.map_err(Error::Spec)
}

/// A spec read: the document, and the document resolved or why it is not.
struct Read {
    doc: parse::Document,
    resolved: Result<resolve::Resolved, Diagnostics>,
}

/// The spec `source` parsed and resolved against `apis` (`Err` only when it cannot be parsed).
///
/// A file that says it was cut short ([`parse::truncated`]) is read up to the entry that was
/// open where it ends: of the readings that leave out that entry, or the entries enclosing it,
/// the least cut that resolves (else the least cut), with a warning saying what is left out.
fn read(
    source: diagnostic::SourceFile,
    apis: &[parse::openapi::ApiDocument],
) -> Result<Read, Error> {
    let Some(truncation) = parse::truncated::truncation(&source) else {
        return read_whole(source, apis).map_err(Error::Spec);
    };
    let readings = parse::truncated::readings(&source, &truncation);
    let mut first: Option<Result<Read, Diagnostics>> = None;
    for reading in readings {
        let left_out = truncation_warning(&source, &truncation, reading.first_left_out);
        let mut outcome = read_whole(reading.source, apis);
        match &mut outcome {
            Ok(Read {
                resolved: Ok(resolved),
                ..
            }) => {
                resolved.warnings.insert(0, left_out);
                return outcome.map_err(Error::Spec);
            }
            Ok(Read {
                resolved: Err(diags),
                ..
            })
            | Err(diags) => diags.0.insert(0, left_out),
        }
        first.get_or_insert(outcome);
    }
    match first {
        Some(outcome) => outcome.map_err(Error::Spec),
        None => read_whole(source, apis).map_err(Error::Spec),
    }
}

/// `source` parsed (with what it imports) and resolved against `apis`.
fn read_whole(
    source: diagnostic::SourceFile,
    apis: &[parse::openapi::ApiDocument],
) -> Result<Read, Diagnostics> {
    let mut doc = parse::load(source)?;
    doc.apis = apis.to_vec();
    let resolved = resolve::resolve(&doc);
    Ok(Read { doc, resolved })
}

/// The warning that a file cut short is read without its lines from `first_left_out` on.
fn truncation_warning(
    source: &diagnostic::SourceFile,
    truncation: &parse::truncated::Truncation,
    first_left_out: usize,
) -> Diagnostic {
    let line = first_left_out.min(truncation.marker_line);
    let mut warning = source.diagnostic(
        Severity::Warning,
        Some(diagnostic::Position { line, column: 1 }),
        "",
        format!(
            "the file says it was cut short (`{}`, line {}): it is read up to line {}, without the entry that was still open where it ends",
            truncation.marker, truncation.marker_line, first_left_out - 1
        ),
    );
    warning.help = Some("generate from the whole file".to_owned());
    warning
}

/// The OpenAPI documents `options` names, read.
fn load_apis(options: &Options) -> Result<Vec<parse::openapi::ApiDocument>, Error> {
    let mut apis = Vec::new();
    for (namespace, file) in &options.openapi {
        if apis
            .iter()
            .any(|a: &parse::openapi::ApiDocument| &a.namespace == namespace)
        {
            return Err(Error::Usage(format!(
                "two OpenAPI documents are tied to `{namespace}`"
            )));
        }
        apis.push(parse::openapi::load(namespace, file).map_err(|e| Error::Usage(e.to_string()))?);
    }
    Ok(apis)
}

/// The spec at `path` rewritten for `ikanos: <to>` (see [`upgrade`]); a file that says it was
/// cut short is rewritten as [`check`] reads it.
pub fn upgrade_file(path: &Path, to: &str) -> Result<upgrade::Upgraded, Error> {
    let source = read_spec(path)?;
    if parse::truncated::truncation(&source).is_none() {
        return upgrade::upgrade(&source, to).map_err(Error::Spec);
    }
    let read = read(source, &[])?;
    let mut upgraded = upgrade::upgrade(&read.doc.source, to).map_err(Error::Spec)?;
    let left_out = match &read.resolved {
        Ok(resolved) => resolved.warnings.first(),
        Err(diags) => diags.0.first(),
    };
    upgraded.notes.splice(0..0, left_out.cloned());
    Ok(upgraded)
}

/// Parse and resolve a spec already in memory.
pub fn check_source(source: diagnostic::SourceFile) -> Result<resolve::Resolved, Error> {
    read(source, &[])?.resolved.map_err(Error::Spec)
}

/// Everything `lint` reports for the spec at `path`: deviations from the official schema (when
/// `schema` is given), dialect findings, the resolver's warnings and any errors, sorted by
/// position. `Err` only when the file cannot be read or parsed.
pub fn lint(path: &Path, schema: Option<&lint::Schema>) -> Result<Vec<Diagnostic>, Error> {
    let Read { doc, resolved } = read(read_spec(path)?, &[])?;
    let mut findings = written_findings(&doc, schema);
    match resolved {
        Ok(resolved) => findings.extend(resolved.warnings),
        Err(diags) => findings.extend(diags.0),
    }
    findings.sort_by_key(|f| (f.position, f.severity));
    Ok(findings)
}

/// What [`lint`] finds in the spec as written: deviations from `schema`, and the dialect rules
/// applied to it.
fn written_findings(doc: &parse::Document, schema: Option<&lint::Schema>) -> Vec<Diagnostic> {
    let mut findings = schema
        .map(|s| lint::schema_findings(doc, s))
        .unwrap_or_default();
    findings.extend(lint::dialect_findings(doc));
    findings
}

/// The Cargo package name for a spec file: its file stem, lower-case, non-alphanumerics as `-`.
pub fn package_name(spec: &Path) -> String {
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name = kebab(&stem);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "capability-");
    }
    name
}

/// `text` lower-case with every other character than letters and digits as `-`, without `-` at
/// either end: a name Cargo and Kubernetes take.
pub(crate) fn kebab(text: &str) -> String {
    let name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    name.trim_matches('-').to_owned()
}

/// Why Cargo would refuse `name` as a package name, if it would.
pub fn package_name_problem(name: &str) -> Option<String> {
    let ok = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    (!ok).then(|| {
        format!(
            "package name `{}` is not one Cargo takes: start with a letter; letters, digits, `-` and `_`; at most 64 characters",
            name.escape_debug()
        )
    })
}

/// Generate the standalone crate for the spec at `path`. `package` defaults to
/// [`package_name`].
pub fn generate_crate(path: &Path, package: Option<&str>) -> Result<Generated, Error> {
    generate_crate_with(path, package, &Options::default())
}

/// [`generate_crate`], with what `options` ties to the spec.
pub fn generate_crate_with(
    path: &Path,
    package: Option<&str>,
    options: &Options,
) -> Result<Generated, Error> {
    if let Some(problem) = package.and_then(package_name_problem) {
        return Err(Error::Usage(problem));
    }
    let resolved = check_with(path, options)?;
    emit_resolved(path, package, options, resolved)
}

/// The crate of the spec at `path`, resolved as `resolved`.
fn emit_resolved(
    path: &Path,
    package: Option<&str>,
    options: &Options,
    resolved: resolve::Resolved,
) -> Result<Generated, Error> {
    let info = emit::CrateInfo {
        package: package.map_or_else(|| package_name(path), str::to_owned),
        spec_file: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        runtime: options.runtime.clone(),
    };
    let files = emit::emit_crate(&resolved.capability, &info)?;
    Ok(Generated {
        files,
        warnings: resolved.warnings,
        notes: resolved.notes,
    })
}

/// What `generate` finds and makes of one reading of a spec.
#[derive(Debug, Clone)]
pub struct Linted {
    /// What [`lint`] reports: the schema's and the dialect's findings, and the resolver's
    /// warnings or errors, sorted by place.
    pub findings: Vec<Diagnostic>,
    /// The crate, where no finding is an error.
    pub generated: Option<Generated>,
}

/// [`lint`] and [`generate_crate_with`] from one reading of the spec at `path` (what the
/// `generate` command runs): the spec is parsed and resolved once.
pub fn lint_and_generate(
    path: &Path,
    package: Option<&str>,
    options: &Options,
    schema: Option<&lint::Schema>,
) -> Result<Linted, Error> {
    if let Some(problem) = package.and_then(package_name_problem) {
        return Err(Error::Usage(problem));
    }
    let apis = load_apis(options)?;
    let Read { doc, resolved } = read(read_spec(path)?, &apis)?;
    let mut findings = written_findings(&doc, schema);
    let resolved = match resolved {
        Ok(resolved) => resolved,
        Err(diags) => {
            findings.extend(diags.0);
            findings.sort_by_key(|f| (f.position, f.severity));
            return Ok(Linted {
                findings,
                generated: None,
            });
        }
    };
    // The resolved capability is all that is emitted from: the parsed document goes first.
    drop(doc);
    findings.extend(resolved.warnings.iter().cloned());
    findings.sort_by_key(|f| (f.position, f.severity));
    let generated = if findings.iter().any(Diagnostic::is_error) {
        None
    } else {
        Some(emit_resolved(path, package, options, resolved)?)
    };
    Ok(Linted {
        findings,
        generated,
    })
}
