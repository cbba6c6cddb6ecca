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
    },
    /// Validate SPEC and print its diagnostics; generate nothing.
    Check {
        /// The capability file (YAML).
        spec: PathBuf,
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
        Command::Check { spec } => match naftiko_codegen::check(&spec) {
            Ok(resolved) => {
                print_warnings(&resolved.warnings);
                eprintln!("{}: ok", spec.display());
                ExitCode::SUCCESS
            }
            Err(e) => failure(e),
        },
        Command::Generate {
            spec,
            out,
            package,
            check,
        } => {
            let Generated { files, warnings } =
                match naftiko_codegen::generate_crate(&spec, package.as_deref()) {
                    Ok(g) => g,
                    Err(e) => return failure(e),
                };
            print_warnings(&warnings);
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
                    eprintln!(
                        "{}: {} file(s) written, {} unchanged",
                        out.display(),
                        changes.len(),
                        files.len() - changes.len().min(files.len())
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
