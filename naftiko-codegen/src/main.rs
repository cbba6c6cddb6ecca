//! The `naftiko-codegen` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use naftiko_codegen::write::{self, Mode};
use naftiko_codegen::{Error, Generated};

/// Generate a standalone Rust crate (typed client, axum REST routes, MCP tools, server) from a
/// Naftiko capability spec.
///
/// Exit codes: 0 success, 1 errors in the spec, 2 usage or I/O errors.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct LintArgs {
    /// The official JSON schema to check against (naftiko-schema-v1.0.0-alpha2.json,
    /// ikanos-schema-v1.0.0-beta5.json, …), or a folder of them: the one the spec's header names.
    #[arg(long, value_name = "FILE", env = "NAFTIKO_SCHEMA")]
    schema: Option<PathBuf>,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
}

impl LintArgs {
    /// Print the findings; `Err(exit code)` when generation must not go on.
    fn run(&self, spec: &std::path::Path) -> Result<(), ExitCode> {
        let schema = self.schema(spec)?;
        let findings = naftiko_codegen::lint(spec, schema.as_ref()).map_err(failure)?;
        self.report(&findings)
    }

    /// The official schema to check `spec` against, if one is given.
    fn schema(
        &self,
        spec: &std::path::Path,
    ) -> Result<Option<naftiko_codegen::lint::Schema>, ExitCode> {
        match &self.schema {
            Some(path) => match naftiko_codegen::lint::Schema::for_spec(path, spec) {
                Ok(schema) => Ok(Some(schema)),
                Err(e) => {
                    eprintln!("error: {e}");
                    Err(ExitCode::from(2))
                }
            },
            None => Ok(None),
        }
    }

    /// Print `findings`; `Err(exit code)` when generation must not go on.
    fn report(&self, findings: &[naftiko_codegen::Diagnostic]) -> Result<(), ExitCode> {
        for f in findings {
            eprintln!("{f}\n");
        }
        let errors = findings.iter().filter(|f| f.is_error()).count();
        let warnings = findings.len() - errors;
        if errors > 0 || (self.deny_warnings && warnings > 0) {
            eprintln!(
                "error: {errors} error(s), {warnings} warning(s){}",
                if self.deny_warnings {
                    " (warnings denied)"
                } else {
                    ""
                }
            );
            return Err(ExitCode::from(1));
        }
        Ok(())
    }
}

#[derive(Debug, clap::Args)]
struct TypeArgs {
    /// Type the operations of consumed namespace NAMESPACE from the OpenAPI document FILE
    /// (OpenAPI 3.0 / 3.1 or Swagger 2.0, YAML or JSON); repeat it for several namespaces.
    #[arg(long, value_name = "NAMESPACE=FILE", value_parser = namespace_file)]
    openapi: Vec<(String, PathBuf)>,
}

impl TypeArgs {
    fn options(&self) -> naftiko_codegen::Options {
        naftiko_codegen::Options {
            openapi: self.openapi.clone(),
            ..Default::default()
        }
    }
}

/// Where the generated crate's runtime comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RuntimeMode {
    /// Copy the parts of naftiko-runtime the crate uses under src/runtime/: the crate stands
    /// alone; a runtime fix reaches it by regenerating.
    Vendored,
    /// Depend on naftiko-runtime (this generator's exact version, the features the crate needs):
    /// no copy; a runtime fix reaches it with the dependency.
    Crate,
}

#[derive(Debug, clap::Args)]
struct RuntimeArgs {
    /// Where the crate's runtime comes from.
    #[arg(long, value_enum, default_value_t = RuntimeMode::Vendored)]
    runtime: RuntimeMode,
    /// With `--runtime crate`: the folder of naftiko-runtime, relative to DIR, written beside
    /// the version (for a workspace that holds the runtime).
    #[arg(long, value_name = "PATH")]
    runtime_path: Option<String>,
}

impl RuntimeArgs {
    fn runtime(&self) -> Result<naftiko_codegen::Runtime, String> {
        match (self.runtime, &self.runtime_path) {
            (RuntimeMode::Vendored, None) => Ok(naftiko_codegen::Runtime::Vendored),
            (RuntimeMode::Vendored, Some(_)) => {
                Err("--runtime-path goes with --runtime crate".into())
            }
            (RuntimeMode::Crate, path) => {
                Ok(naftiko_codegen::Runtime::Crate { path: path.clone() })
            }
        }
    }
}

/// `NAMESPACE=FILE`.
fn namespace_file(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((namespace, file)) if !namespace.is_empty() && !file.is_empty() => {
            Ok((namespace.to_owned(), PathBuf::from(file)))
        }
        _ => Err(format!("`{text}` is not NAMESPACE=FILE")),
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the crate for SPEC into DIR.
    Generate {
        /// The capability file (YAML).
        spec: PathBuf,
        /// The crate directory to write (created if missing).
        #[arg(long, short, value_name = "DIR")]
        out: PathBuf,
        /// The Cargo package name (default: from the spec's file name).
        #[arg(long, value_name = "NAME")]
        package: Option<String>,
        /// Change nothing; fail if DIR is not what SPEC generates.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        lint: LintArgs,
        #[command(flatten)]
        types: TypeArgs,
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Report where SPEC deviates from the official schema of its version (and the dialect
    /// rules applied to it), with file:line:column and a hint for the official form.
    Lint {
        /// The capability file (YAML).
        spec: PathBuf,
        #[command(flatten)]
        lint: LintArgs,
    },
    /// Rewrite SPEC (naftiko 0.4 to 1.0.0-alpha3) for a newer version of the same meaning:
    /// lists of named entries as maps keyed by name, `display`, `flows`, `target`, `from`.
    /// Comments and key order are kept; each decision is a located note. Prints the new spec,
    /// or writes it over SPEC with --write. Imported files are upgraded one by one.
    Upgrade {
        /// The capability file (YAML).
        spec: PathBuf,
        /// The version to write (`ikanos: <VERSION>`).
        #[arg(long, value_name = "VERSION", default_value = naftiko_codegen::upgrade::LATEST)]
        to: String,
        /// Write the upgraded spec over SPEC instead of printing it.
        #[arg(long)]
        write: bool,
    },
    /// Validate SPEC and print its diagnostics; generate nothing.
    Check {
        /// The capability file (YAML).
        spec: PathBuf,
        #[command(flatten)]
        types: TypeArgs,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Check { spec, types } => {
            match naftiko_codegen::check_with(&spec, &types.options()) {
                Ok(resolved) => {
                    print_warnings(&resolved.notes);
                    print_warnings(&resolved.warnings);
                    eprintln!("{}: ok", spec.display());
                    ExitCode::SUCCESS
                }
                Err(e) => failure(e),
            }
        }
        Command::Upgrade { spec, to, write } => match naftiko_codegen::upgrade_file(&spec, &to) {
            Ok(upgraded) => {
                print_warnings(&upgraded.notes);
                if !write {
                    print!("{}", upgraded.text);
                    return ExitCode::SUCCESS;
                }
                match std::fs::write(&spec, &upgraded.text) {
                    Ok(()) => {
                        eprintln!("{}: upgraded to ikanos {to}", spec.display());
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: cannot write {}: {e}", spec.display());
                        ExitCode::from(2)
                    }
                }
            }
            Err(e) => failure(e),
        },
        Command::Lint { spec, lint } => match lint.run(&spec) {
            Ok(()) => {
                eprintln!("{}: no error", spec.display());
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Generate {
            spec,
            out,
            package,
            check,
            lint,
            types,
            runtime,
        } => {
            let runtime = match runtime.runtime() {
                Ok(runtime) => runtime,
                Err(problem) => {
                    eprintln!("error: {problem}");
                    return ExitCode::from(2);
                }
            };
            if let Some(problem) = package
                .as_deref()
                .and_then(naftiko_codegen::package_name_problem)
            {
                eprintln!("error: {problem}");
                return ExitCode::from(2);
            }
            let schema = match lint.schema(&spec) {
                Ok(schema) => schema,
                Err(code) => return code,
            };
            let linted = naftiko_codegen::lint_and_generate(
                &spec,
                package.as_deref(),
                &types.options().runtime(runtime),
                schema.as_ref(),
            );
            let linted = match linted {
                Ok(linted) => linted,
                Err(e) => return failure(e),
            };
            if let Err(code) = lint.report(&linted.findings) {
                return code;
            }
            let Some(Generated { files, notes, .. }) = linted.generated else {
                // Not generated only when a finding is an error, and `report` refused those.
                return ExitCode::from(1);
            };
            print_warnings(&notes);
            let mode = if check { Mode::Check } else { Mode::Overwrite };
            match write::ensure_files(&out, &files, mode) {
                Ok(changes) if check && !changes.is_empty() => {
                    for c in &changes {
                        eprintln!("stale: {}", c.path().display());
                    }
                    eprintln!(
                        "{} is out of date: run `naftiko-codegen generate` again",
                        out.display()
                    );
                    ExitCode::from(1)
                }
                Ok(changes) => {
                    let unchanged = files.len().saturating_sub(changes.len());
                    eprintln!(
                        "{}: {} file(s) written, {unchanged} unchanged",
                        out.display(),
                        changes.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn print_warnings(warnings: &[naftiko_codegen::Diagnostic]) {
    for w in warnings {
        eprintln!("{w}\n");
    }
}

fn failure(e: Error) -> ExitCode {
    match e {
        Error::Spec(diags) => {
            eprint!("{diags}");
            let n = diags.errors().count();
            eprintln!("error: {n} error(s) in the spec; nothing generated");
            ExitCode::from(1)
        }
        other => {
            eprintln!("error: {other}");
            ExitCode::from(2)
        }
    }
}
