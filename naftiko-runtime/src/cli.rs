//! A generated server's command line: `serve` (the default) with the flags every server has and
//! the ones its spec needs, and `healthcheck` for container `HEALTHCHECK`s.
//!
//! Every flag also reads an environment variable (`NAFTIKO_*`); repeatable ones take
//! comma-separated values there.

use std::process::ExitCode;
use std::time::Duration;

use clap::Arg;
use clap::ArgAction;
use clap::ArgMatches;
use clap::Command;

use crate::budget;
use crate::server;
use crate::server::ServeOptions;
use crate::server::Spec;
use crate::startup::StartupError;
use crate::wire;

/// The binary's name and version, as `--help` and `--version` show them.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    /// The binary's name (`env!("CARGO_BIN_NAME")`).
    pub name: &'static str,
    /// Its version (`env!("CARGO_PKG_VERSION")`).
    pub version: &'static str,
}

/// A server binary's `main`: read the command line for `spec`, then `healthcheck`, or check the
/// configuration with `check` (`--check-config`), or `serve` until SIGTERM. Exit code 0 on
/// success, 2 for a usage error, 1 for any other error (printed as one line).
pub fn main<C, S, F>(spec: &Spec, program: Program, check: C, serve: S) -> ExitCode
where
    C: FnOnce(&ServeOptions) -> Result<(), StartupError>,
    S: FnOnce(ServeOptions) -> F,
    F: std::future::Future<Output = Result<(), StartupError>>,
{
    let matches = command(spec, program).get_matches();
    let args = match matches.subcommand() {
        Some(("healthcheck", args)) => {
            let url = args.get_one::<String>("url").map_or("", String::as_str);
            return server::healthcheck(url);
        }
        Some((_, args)) => args,
        None => &matches,
    };
    let json_logs = args
        .get_one::<String>("log-format")
        .is_some_and(|f| f == "json");
    let workers = args
        .get_one::<usize>("worker-threads")
        .copied()
        .unwrap_or(0);
    let check_only = args.get_flag("check-config");
    let run = async move {
        let options = options(spec, args)?;
        if check_only {
            check(&options)?;
            eprintln!("configuration ok");
            return Ok(());
        }
        serve(options).await
    };
    server::main(json_logs, workers, run)
}

/// The command line of `spec`'s binary.
pub fn command(spec: &Spec, program: Program) -> Command {
    let about = format!(
        "{} — serves the capability's REST and MCP adapters",
        spec.label
    );
    let long_about = format!("{about}.{}", start_up_note(spec));
    let health = Arg::new("url")
        .long("url")
        .value_name("URL")
        .default_value(spec.health_url)
        .help("The health endpoint.");
    Command::new(program.name)
        .version(program.version)
        .about(about)
        .long_about(long_about)
        .args_conflicts_with_subcommands(true)
        .args(serve_args(spec))
        .subcommand(
            Command::new("serve")
                .about("Serve every exposed adapter (the default).")
                .args(serve_args(spec)),
        )
        .subcommand(
            Command::new("healthcheck")
                .about("Exit 0 when the server at URL answers its health check (for container HEALTHCHECKs).")
                .arg(health),
        )
}

/// What the binary reads at start-up besides its flags: the environment variables that must be
/// set and the files bound values come from.
fn start_up_note(spec: &Spec) -> String {
    let mut note = String::new();
    if !spec.environment.is_empty() {
        note.push_str(&format!(
            "\n\nEnvironment: {} must be set.",
            spec.environment.join(", ")
        ));
    }
    if let Some(first) = spec.bound_files.first() {
        note.push_str(&format!(
            "\n\nBound values are also read from {first} (relative to --spec-dir)."
        ));
    }
    note
}

/// A flag `--<name>` that also reads `NAFTIKO_<NAME>`.
fn flag(name: &'static str, help: impl Into<String>) -> Arg {
    let env = format!("NAFTIKO_{}", name.replace('-', "_").to_ascii_uppercase());
    Arg::new(name).long(name).env(env).help(help.into())
}

/// A repeatable flag, comma-separated in its environment variable.
fn repeated(name: &'static str, value: &'static str, help: impl Into<String>) -> Arg {
    flag(name, help)
        .value_name(value)
        .value_delimiter(',')
        .action(ArgAction::Append)
}

/// A flag taking a duration (`30s`, `500ms`, `2m`).
fn duration(name: &'static str, default: &'static str, help: &'static str) -> Arg {
    flag(name, help)
        .value_name("DURATION")
        .default_value(default)
        .value_parser(server::parse_duration)
}

/// A flag taking a number of bytes.
fn bytes(name: &'static str, default: usize, help: &'static str) -> Arg {
    flag(name, help)
        .value_name("BYTES")
        .default_value(default.to_string())
        .value_parser(clap::value_parser!(usize))
}

/// A flag that is on or off.
fn switch(name: &'static str, help: &'static str) -> Arg {
    flag(name, help).action(ArgAction::SetTrue)
}

/// The flags of `serve`, in the order `--help` lists them.
fn serve_args(spec: &Spec) -> Vec<Arg> {
    let listed = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(namespace, default)| format!("{namespace}={default}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut args = vec![
        repeated(
            "listen",
            "NAMESPACE=ADDR",
            format!(
                "Listen address of an adapter, as NAMESPACE=ADDR (repeatable). Adapters and defaults: {}",
                listed(spec.adapters)
            ),
        ),
        repeated(
            "upstream",
            "NAMESPACE=URL",
            format!(
                "Base URL of a consumed API, as NAMESPACE=URL (repeatable). APIs and defaults: {}",
                listed(spec.upstreams)
            ),
        ),
        duration(
            "upstream-timeout",
            "30s",
            "How long to wait for an upstream answer (e.g. 30s, 500ms, 2m).",
        ),
        bytes(
            "max-body-bytes",
            wire::DEFAULT_MAX_BODY_BYTES,
            "Largest accepted request body, in bytes (larger ones get 413).",
        ),
        repeated(
            "allowed-host",
            "HOST",
            "Host header value the REST and MCP adapters accept (repeatable; localhost, 127.0.0.1 and ::1 always).",
        ),
        repeated(
            "allowed-origin",
            "ORIGIN",
            "Browser Origin the REST and MCP adapters accept besides their own (repeatable; * for any).",
        ),
        duration(
            "drain-timeout",
            "30s",
            "How long in-flight requests may take to finish after SIGTERM (e.g. 30s).",
        ),
        duration(
            "header-timeout",
            "60s",
            "How long a request head may take from its first byte to its last (e.g. 60s).",
        ),
        duration(
            "idle-timeout",
            "75s",
            "How long a connection with no request in flight stays open (e.g. 75s).",
        ),
        bytes(
            "max-header-bytes",
            wire::DEFAULT_MAX_HEADER_BYTES,
            "Largest request head (request line and headers), in bytes, at least 8192 (larger ones get 431).",
        ),
        bytes(
            "max-header-line-bytes",
            wire::DEFAULT_MAX_HEADER_LINE_BYTES,
            "Longest request target (414) or header line (431), in bytes.",
        ),
        switch(
            "ready-check-upstreams",
            "Make /readyz also check that every upstream accepts TCP connections.",
        ),
        flag("log-format", "Log format.")
            .value_parser(["text", "json"])
            .default_value("text"),
    ];
    if !spec.bound_files.is_empty() {
        args.push(
            flag(
                "spec-dir",
                "The folder that the spec's `binds` files are read from (the spec's own folder).",
            )
            .value_name("DIR")
            .default_value(".")
            .value_parser(clap::value_parser!(std::path::PathBuf)),
        );
    }
    if spec.checks_output {
        args.push(switch("strict-output", "Answer 502 (REST) or a tool error (MCP) when an upstream's success answer is not what its OpenAPI document says, rather than pass it on with a logged warning."));
    }
    if !spec.budgeted.is_empty() {
        args.push(repeated("answer-budget", "[NAME=]BYTES", format!("Answer budget, in bytes of JSON: BYTES for the tools of every MCP adapter (default {}; 0: none), or NAME=BYTES for one MCP adapter, one tool, or a REST adapter (whose answers are never cut otherwise). An answer over it is cut at JSON boundaries (array items dropped from the end, long strings shortened) and marked as cut", budget::DEFAULT_MCP_ANSWER_BUDGET)));
    }
    args.push(
        flag("worker-threads", "Worker threads: 1 runs everything on one thread (the fastest on one core), 0 one per CPU.")
            .value_name("N")
            .default_value("0")
            .value_parser(clap::value_parser!(usize)),
    );
    args.push(Arg::new("check-config").long("check-config").action(ArgAction::SetTrue).help("Check the configuration (bound variables present, addresses and URLs valid) and exit."));
    args
}

/// The options the flags in `args` say; the answer budgets they name installed.
fn options(spec: &Spec, args: &ArgMatches) -> Result<ServeOptions, StartupError> {
    let values = |name: &str| -> Vec<String> {
        args.get_many::<String>(name)
            .map(|values| values.cloned().collect())
            .unwrap_or_default()
    };
    let duration = |name: &str| args.get_one::<Duration>(name).copied().unwrap_or_default();
    let size = |name: &str| args.get_one::<usize>(name).copied().unwrap_or_default();
    let on = |name: &str| {
        args.try_get_one::<bool>(name)
            .ok()
            .flatten()
            .copied()
            .unwrap_or(false)
    };
    if !spec.budgeted.is_empty() {
        budget::Budgets::parse(&values("answer-budget"), spec.budgeted)?.install();
    }
    let listen = server::namespaced("listen", &values("listen"), &spec.adapter_namespaces())?;
    let base_urls =
        server::namespaced("upstream", &values("upstream"), &spec.upstream_namespaces())?;
    let max_body_bytes = size("max-body-bytes");
    let defaults = ServeOptions::default();
    let spec_dir = args
        .try_get_one::<std::path::PathBuf>("spec-dir")
        .ok()
        .flatten()
        .cloned();
    Ok(ServeOptions {
        listen,
        upstreams: crate::http::UpstreamOptions {
            base_urls,
            timeout: duration("upstream-timeout"),
            strict_output: on("strict-output"),
            spec_dir: spec_dir.unwrap_or(defaults.upstreams.spec_dir),
        },
        max_body_bytes,
        allowed_hosts: values("allowed-host"),
        allowed_origins: values("allowed-origin"),
        drain_timeout: duration("drain-timeout"),
        wire: wire::Wire {
            header_timeout: duration("header-timeout"),
            idle_timeout: duration("idle-timeout"),
            max_header_bytes: size("max-header-bytes"),
            max_header_line_bytes: size("max-header-line-bytes"),
            max_body_bytes,
        },
        ready_check_upstreams: on("ready-check-upstreams"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec = Spec {
        label: "Ships",
        adapters: &[
            ("ships-rest", "0.0.0.0:8080"),
            ("ships-mcp", "0.0.0.0:9090"),
        ],
        upstreams: &[("registry", "https://registry.example")],
        bound_variables: &["REGISTRY_TOKEN"],
        environment: &["REGISTRY_TOKEN"],
        bound_files: &[],
        budgeted: &["ships-rest", "ships-mcp", "list-ships"],
        checks_output: false,
        metrics: true,
        health_url: "http://127.0.0.1:8080/healthz",
    };

    const PROGRAM: Program = Program {
        name: "ships",
        version: "1.2.3",
    };

    fn read(args: &[&str]) -> Result<ServeOptions, StartupError> {
        let matches = command(&SPEC, PROGRAM)
            .try_get_matches_from(std::iter::once("ships").chain(args.iter().copied()))
            .map_err(|e| StartupError::Usage(e.to_string()))?;
        let args = matches.subcommand().map_or(&matches, |(_, args)| args);
        options(&SPEC, args)
    }

    #[test]
    fn the_command_line_is_well_formed() {
        command(&SPEC, PROGRAM).debug_assert();
    }

    #[test]
    fn flags_become_options_with_or_without_serve() {
        for prefix in [&[][..], &["serve"][..]] {
            let args: Vec<&str> = prefix
                .iter()
                .copied()
                .chain([
                    "--listen",
                    "ships-mcp=127.0.0.1:0",
                    "--upstream",
                    "registry=http://127.0.0.1:9",
                    "--upstream-timeout",
                    "500ms",
                    "--max-body-bytes",
                    "10",
                    "--allowed-host",
                    "a.example,b.example",
                    "--ready-check-upstreams",
                ])
                .collect();
            let options = read(&args).unwrap();
            assert_eq!(options.listen["ships-mcp"], "127.0.0.1:0");
            assert_eq!(
                options.upstreams.base_url("registry"),
                Some("http://127.0.0.1:9")
            );
            assert_eq!(options.upstreams.timeout, Duration::from_millis(500));
            assert_eq!(
                (options.max_body_bytes, options.wire.max_body_bytes),
                (10, 10)
            );
            assert_eq!(options.allowed_hosts, ["a.example", "b.example"]);
            assert!(options.ready_check_upstreams);
            assert_eq!(options.wire.idle_timeout, Duration::from_secs(75));
        }
    }

    #[test]
    fn unknown_namespaces_and_flags_the_spec_has_not_are_usage_errors() {
        let unknown = read(&["--listen", "nope=127.0.0.1:1"]).unwrap_err();
        assert!(
            unknown.to_string().contains("unknown namespace `nope`"),
            "{unknown}"
        );
        // Neither `binds` files nor OpenAPI checks in this spec.
        assert!(read(&["--spec-dir", "."]).is_err());
        assert!(read(&["--strict-output"]).is_err());
    }

    #[test]
    fn the_help_names_the_spec_s_adapters_apis_and_variables() {
        let help = command(&SPEC, PROGRAM).render_long_help().to_string();
        for expected in [
            "ships-rest=0.0.0.0:8080, ships-mcp=0.0.0.0:9090",
            "registry=https://registry.example",
            "Environment: REGISTRY_TOKEN must be set.",
            "NAFTIKO_LISTEN",
            "NAFTIKO_ANSWER_BUDGET",
        ] {
            assert!(help.contains(expected), "{expected} not in\n{help}");
        }
    }
}
