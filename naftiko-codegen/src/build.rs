//! Generating from a build script: the spec becomes a module of your own crate.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     naftiko_codegen::build::Builder::new()
//!         .spec("specs/humanitec-tokeninfo.yaml")
//!         .module_name("tokeninfo")
//!         .generate()?;
//!     Ok(())
//! }
//! ```
//!
//! and in `src/lib.rs` (or `main.rs`), at the crate root:
//!
//! ```ignore
//! include!(concat!(env!("OUT_DIR"), "/tokeninfo.rs"));
//! // now: tokeninfo::clients, tokeninfo::rest, tokeninfo::mcp, tokeninfo::server, …
//! ```

use std::path::{Path, PathBuf};

use crate::resolve::names::Name;
use crate::{Diagnostic, Error};

/// Generates a module from a spec into `OUT_DIR`, telling Cargo when to run again.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    spec: Option<PathBuf>,
    module_name: Option<String>,
    out_dir: Option<PathBuf>,
    deny_warnings: bool,
    emit_cargo_directives: Option<bool>,
    options: crate::Options,
}

/// What [`Builder::generate`] wrote.
#[derive(Debug, Clone)]
pub struct Output {
    /// The module file (`$OUT_DIR/<module>.rs`).
    pub path: PathBuf,
    /// The files the module depends on (Cargo is told to watch them).
    pub inputs: Vec<PathBuf>,
    /// The spec's warnings (also printed as `cargo::warning`s).
    pub warnings: Vec<Diagnostic>,
    /// The features of `naftiko-runtime` the module uses (`rest`, `mcp`, `xml`, …): the crate
    /// must depend on `naftiko-runtime` with them.
    pub runtime_features: Vec<String>,
}

impl Builder {
    /// A builder with no spec yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Type the operations of the consumed namespace `namespace` from the OpenAPI document at
    /// `file` (3.0, 3.1 or Swagger 2.0; relative to the crate's manifest directory, or absolute).
    pub fn openapi(mut self, namespace: impl Into<String>, file: impl AsRef<Path>) -> Self {
        self.options = self.options.openapi(namespace, file.as_ref());
        self
    }

    /// The capability file, relative to the crate's manifest directory (or absolute).
    pub fn spec(mut self, path: impl AsRef<Path>) -> Self {
        self.spec = Some(path.as_ref().to_path_buf());
        self
    }

    /// The module's name (default: from the spec's file name). Must be a Rust identifier.
    pub fn module_name(mut self, name: impl Into<String>) -> Self {
        self.module_name = Some(name.into());
        self
    }

    /// Where to write (default: `$OUT_DIR`).
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Fail on warnings too.
    pub fn deny_warnings(mut self, deny: bool) -> Self {
        self.deny_warnings = deny;
        self
    }

    /// Print `cargo::rerun-if-changed` / `cargo::warning` lines (default: when run by Cargo).
    pub fn emit_cargo_directives(mut self, emit: bool) -> Self {
        self.emit_cargo_directives = Some(emit);
        self
    }

    /// Generate. Diagnostics are printed to stderr (Cargo shows them when the build fails).
    ///
    /// # Errors
    ///
    /// No spec or output directory, an unreadable spec, errors in the spec (or warnings with
    /// [`Builder::deny_warnings`]), or an unwritable output file.
    pub fn generate(self) -> Result<Output, Error> {
        let cargo = self
            .emit_cargo_directives
            .unwrap_or_else(|| std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        let usage = |message: &str| Error::Io {
            path: PathBuf::new(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, message.to_owned()),
        };
        let spec = self
            .spec
            .clone()
            .ok_or_else(|| usage("Builder::spec was not called"))?;
        let spec = match std::env::var_os("CARGO_MANIFEST_DIR") {
            Some(dir) if spec.is_relative() => PathBuf::from(dir).join(&spec),
            _ => spec,
        };
        let out_dir = self
            .out_dir
            .clone()
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from))
            .ok_or_else(|| usage("no output directory: OUT_DIR is not set (call Builder::out_dir outside build scripts)"))?;
        if cargo {
            println!("cargo::rerun-if-changed={}", spec.display());
        }
        let module = self
            .module_name
            .clone()
            .unwrap_or_else(|| crate::package_name(&spec).replace('-', "_"));
        let ident = Name::snake(&module);
        if ident.rust != module {
            return Err(usage(&format!(
                "module name `{module}` is not a Rust identifier (try `{}`)",
                ident.rust
            )));
        }
        let mut options = self.options.clone();
        for (_, file) in &mut options.openapi {
            if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR")
                && file.is_relative()
            {
                *file = PathBuf::from(dir).join(&*file);
            }
            if cargo {
                println!("cargo::rerun-if-changed={}", file.display());
            }
        }
        let resolved = match crate::check_with(&spec, &options) {
            Ok(r) => r,
            Err(Error::Spec(diags)) => {
                eprintln!("{diags}");
                return Err(Error::Spec(diags));
            }
            Err(e) => return Err(e),
        };
        if cargo {
            for file in resolved.files.iter().skip(1) {
                println!("cargo::rerun-if-changed={}", file.display());
            }
        }
        for w in &resolved.warnings {
            eprintln!("{w}\n");
            if cargo {
                let position = w
                    .position
                    .map(|p| format!(":{}:{}", p.line, p.column))
                    .unwrap_or_default();
                // One line each: a line break in a spec's text would be another directive.
                let file = w.file.display().to_string();
                println!(
                    "cargo::warning={}{position}: {}",
                    crate::diagnostic::printable(&file),
                    crate::diagnostic::printable(&w.message)
                );
            }
        }
        if self.deny_warnings && !resolved.warnings.is_empty() {
            return Err(Error::Spec(crate::Diagnostics(resolved.warnings)));
        }
        let info = crate::emit::CrateInfo {
            package: module.clone(),
            spec_file: spec
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            runtime: crate::Runtime::Crate { path: None },
        };
        let emitted = crate::emit::emit_module(&resolved.capability, &info, &ident.ident())?;
        let text = emitted.text;
        let path = out_dir.join(format!("{module}.rs"));
        // Write only on change, so dependents are not rebuilt for nothing.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        }
        let inputs = std::iter::once(spec)
            .chain(options.openapi.into_iter().map(|(_, file)| file))
            .collect();
        Ok(Output {
            path,
            inputs,
            warnings: resolved.warnings,
            runtime_features: emitted.runtime_features,
        })
    }
}
