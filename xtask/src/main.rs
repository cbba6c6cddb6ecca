//! Project tasks: `cargo xtask codegen [--check]`, `cargo xtask bench [codegen]`,
//! `cargo xtask fuzz [SECONDS]`, `cargo xtask soak [SECONDS]`.

use std::path::Path;
use std::process::{Command, ExitCode};

use naftiko_codegen::write::Mode;

mod bench;
mod instructions;
mod plot;
mod process;
mod soak;

const USAGE: &str = "usage: cargo xtask codegen [--check] | cargo xtask bench [codegen] | cargo xtask fuzz [SECONDS]
       | cargo xtask soak [SECONDS]

  codegen          regenerate every specs/*.yaml into its generated-* crate and every
                   tests/fixtures/*.yaml into its snapshot under tests/snapshots/
  codegen --check  change nothing; fail, naming each stale file, when a crate is out of date
  bench            the generated server beside nginx and FastMCP, and codegen speed
                   (installs nginx, wrk and fastmcp; writes target/bench/report.md)
  bench codegen    the generator's speed only, on specs of growing size (installs nothing;
                   writes target/bench/codegen.md)
  fuzz [SECONDS]   the mutation test for longer (default 600 s, release build): specs changed
                   at random must give a crate or located errors, never a crash, a hang or a
                   file outside --out; NAFTIKO_MUTATION_SEED picks another sequence
  soak [SECONDS]   the seed's server under steady load with faults mixed in (default 600 s,
                   profile `server`): RSS and open fds sampled, writes target/soak/report.md,
                   fails unless both stay flat";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mode = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["bench", rest @ ..] if rest.len() <= 1 => {
            let result = match rest {
                ["codegen"] => bench::bench_codegen(&root),
                [] => bench::bench(&root),
                _ => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            };
            return print_report(result);
        }
        ["fuzz", rest @ ..] if rest.len() <= 1 => {
            let seconds = match rest.first().map(|s| s.parse::<u64>()) {
                None => 600,
                Some(Ok(n)) if n > 0 => n,
                _ => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            };
            return fuzz(&root, seconds);
        }
        ["soak", rest @ ..] if rest.len() <= 1 => {
            let seconds = match rest.first().map(|s| s.parse::<u64>()) {
                None => 600,
                Some(Ok(n)) if n >= 30 => n,
                _ => {
                    eprintln!("{USAGE}");
                    return ExitCode::from(2);
                }
            };
            return print_report(soak::soak(&root, seconds));
        }
        ["codegen"] => Mode::Overwrite,
        ["codegen", "--check"] => Mode::Check,
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match naftiko_codegen::codegen::ensure_workspace(&root, mode) {
        Ok(report) => {
            for w in &report.warnings {
                eprintln!("{w}\n");
            }
            if report.changes.is_empty() {
                eprintln!("{} crate(s) up to date", report.crates);
                return ExitCode::SUCCESS;
            }
            for c in &report.changes {
                let rel = c.path().strip_prefix(&root).unwrap_or(c.path());
                match mode {
                    Mode::Check => eprintln!("stale: {}", rel.display()),
                    Mode::Overwrite => eprintln!("updated: {}", rel.display()),
                }
            }
            if mode == Mode::Check {
                eprintln!("generated crates are out of date: run `cargo xtask codegen`");
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// A task's report on stdout, or its error on stderr and a failing exit.
fn print_report(result: process::Result<String>) -> ExitCode {
    match result {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the mutation test (`naftiko-codegen/tests/mutations.rs`) for `seconds`, optimised.
fn fuzz(root: &Path, seconds: u64) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "test",
            "-p",
            "naftiko-codegen",
            "--release",
            "--test",
            "mutations",
        ])
        .args(["--", "--nocapture"])
        .env("NAFTIKO_MUTATION_SECONDS", seconds.to_string())
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
