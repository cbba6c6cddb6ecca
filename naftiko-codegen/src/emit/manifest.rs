//! `Cargo.toml` and `README.md`, from minijinja templates.

use std::collections::BTreeSet;

use serde_json::json as context;

use super::CrateInfo;
use super::jinja::{self, Template};
use super::text::one_line;
use crate::resolve::ir::{
    BindId, Capability, KeyPlacement, Part, Runs, UpstreamAuth, template_binds,
};

/// Every crate generated code may use, by the name code gives it, with the dependency line a
/// generated `Cargo.toml` declares it by. The runtime's lines agree with `naftiko-runtime`'s own
/// manifest (a test checks it).
const DEPENDENCIES: &[(&str, &str)] = &[
    ("aws_lc_rs", r#"aws-lc-rs = "1.19.0""#),
    ("axum", r#"axum = "0.8.9""#),
    ("base64", r#"base64 = "0.22.1""#),
    ("bytes", r#"bytes = "1.12.2""#),
    (
        "clap",
        r#"clap = { version = "4.6.9", features = ["env", "string"] }"#,
    ),
    ("csv", r#"csv = "1.4.0""#),
    ("form_urlencoded", r#"form_urlencoded = "1.2.2""#),
    ("http", r#"http = "1.5.0""#),
    ("http_body_util", r#"http-body-util = "0.1.5""#),
    ("hyper", r#"hyper = "1.12.0""#),
    (
        "hyper_rustls",
        r#"hyper-rustls = { version = "0.27.10", default-features = false, features = ["http1", "http2", "tls12", "aws-lc-rs"] }"#,
    ),
    (
        "hyper_util",
        r#"hyper-util = { version = "0.1.21", features = ["client-legacy", "http1", "http2", "server-auto", "tokio"] }"#,
    ),
    (
        "jsonwebtoken",
        r#"jsonwebtoken = { version = "12.0.0", default-features = false, features = ["aws_lc_rs"] }"#,
    ),
    ("md5", r#"md-5 = "0.11.0""#),
    ("metrics", r#"metrics = "0.24.6""#),
    (
        "metrics_exporter_prometheus",
        r#"metrics-exporter-prometheus = { version = "0.18.3", default-features = false }"#,
    ),
    ("percent_encoding", r#"percent-encoding = "2.3.2""#),
    (
        "pulldown_cmark",
        r#"pulldown-cmark = { version = "0.13.6", default-features = false }"#,
    ),
    ("quick_xml", r#"quick-xml = "0.42.0""#),
    ("regex", r#"regex = "1.13.2""#),
    (
        "reqwest",
        r#"reqwest = { version = "0.13.5", default-features = false, features = ["rustls", "http2"] }"#,
    ),
    (
        "rmcp",
        r#"rmcp = { version = "3.11.0", default-features = false, features = ["server", "transport-io", "transport-streamable-http-server"] }"#,
    ),
    (
        "rustls",
        r#"rustls = { version = "0.23.46", default-features = false, features = ["aws_lc_rs", "std", "tls12"] }"#,
    ),
    (
        "rustls_platform_verifier",
        r#"rustls-platform-verifier = "0.7.1""#,
    ),
    (
        "scraper",
        r#"scraper = { version = "0.29.0", default-features = false }"#,
    ),
    (
        "serde",
        r#"serde = { version = "1.0.229", features = ["derive"] }"#,
    ),
    ("serde_json", r#"serde_json = "1.0.154""#),
    (
        "serde_saphyr",
        r#"serde-saphyr = { version = "2.2.0", default-features = false, features = ["deserialize"] }"#,
    ),
    ("sha2", r#"sha2 = "0.11.1""#),
    ("thiserror", r#"thiserror = "2.0.21""#),
    (
        "tokio",
        r#"tokio = { version = "1.54.1", features = ["macros", "net", "rt-multi-thread", "signal", "sync", "time"] }"#,
    ),
    ("tokio_util", r#"tokio-util = "0.7.20""#),
    ("tower_layer", r#"tower-layer = "0.3.3""#),
    ("tower_service", r#"tower-service = "0.3.3""#),
    ("tracing", r#"tracing = "0.1.44""#),
    (
        "tracing_subscriber",
        r#"tracing-subscriber = { version = "0.3.23", features = ["env-filter", "json"] }"#,
    ),
];

/// The dependency lines of the crates `crates` (as code names them).
fn lines(crates: &BTreeSet<String>) -> Vec<String> {
    DEPENDENCIES
        .iter()
        .filter(|(name, _)| crates.contains(*name))
        .map(|(_, line)| (*line).to_owned())
        .collect()
}

/// The `[dependencies]` of a generated crate, sorted.
pub(super) struct Dependencies(Vec<String>);

impl Dependencies {
    /// A crate that carries its runtime: every crate its code and the copied runtime name.
    pub(super) fn vendored(crates: &BTreeSet<String>) -> Self {
        Self::sorted(lines(crates))
    }

    /// A crate that depends on `naftiko-runtime` (this generator's version, exactly, with
    /// `features`; at `path` too where given): the runtime and the crates its own code names.
    pub(super) fn on_runtime(
        crates: &BTreeSet<String>,
        features: &BTreeSet<&str>,
        path: Option<&str>,
    ) -> Self {
        let quoted = |text: &str| serde_json::Value::from(text).to_string();
        let mut runtime = format!(
            "naftiko-runtime = {{ version = {}",
            quoted(&format!("={}", env!("CARGO_PKG_VERSION")))
        );
        if let Some(path) = path {
            runtime.push_str(&format!(", path = {}", quoted(path)));
        }
        runtime.push_str(", default-features = false");
        if !features.is_empty() {
            let features: Vec<String> = features.iter().map(|f| quoted(f)).collect();
            runtime.push_str(&format!(", features = [{}]", features.join(", ")));
        }
        runtime.push_str(" }");
        let mut all = lines(crates);
        all.push(runtime);
        Self::sorted(all)
    }

    fn sorted(mut lines: Vec<String>) -> Self {
        lines.sort_unstable();
        Self(lines)
    }
}

pub(super) fn cargo_toml(
    cap: &Capability,
    info: &CrateInfo,
    dependencies: &Dependencies,
) -> String {
    let description = format!(
        "{} — generated by naftiko-codegen",
        one_line(Some(&cap.label))
    );
    jinja::render(
        Template::CargoToml,
        context!({ "package": info.package, "description": description, "dependencies": dependencies.0, "serves": cap.serves() }),
    )
}

pub(super) fn readme(cap: &Capability, info: &CrateInfo) -> String {
    let adapters: Vec<_> =
        cap.rest
            .iter()
            .map(|a| context!({ "kind": "REST", "namespace": a.namespace.wire, "port": a.port, "stdio": false }))
            .chain(cap.mcp.iter().map(|a| {
                let kind = if a.stdio { "MCP (stdio)" } else { "MCP" };
                context!({ "kind": kind, "namespace": a.namespace.wire, "port": a.port, "stdio": a.stdio })
            }))
            .chain(cap.control.iter().map(
                |c| context!({ "kind": "Control", "namespace": "control", "port": c.port, "stdio": false }),
            ))
            .chain(cap.skills.iter().map(
                |a| context!({ "kind": "Skills", "namespace": a.namespace.wire, "port": a.port, "stdio": false }),
            ))
            .collect();
    // Variables read from the environment (those of `binds` with a `location` come from files).
    let binds: Vec<_> = cap
        .binds
        .iter()
        .filter(|b| b.file.is_none())
        .map(|b| context!({ "env": b.env, "declared": b.declared }))
        .collect();
    let mut bind_files: Vec<&str> = Vec::new();
    for file in cap.binds.iter().filter_map(|b| b.file.as_ref()) {
        if !bind_files.contains(&file.path.as_str()) {
            bind_files.push(&file.path);
        }
    }
    let consumes: Vec<_> = cap
        .consumes
        .iter()
        .map(|c| {
            let envs = |parts: &[Part<BindId>]| {
                template_binds(parts).iter().map(|b| cap.binds[*b].env.clone()).collect::<Vec<_>>().join("`, `")
            };
            let auth = match &c.auth {
                UpstreamAuth::Bearer { token, implicit: true } => format!(
                    "Requests carry `Authorization: Bearer <{0}>`: the spec binds this variable but has no `authentication` block, so a bearer token is assumed (that is how this API authenticates). Add `authentication: {{type: bearer, token: \"{{{{{0}}}}}\"}}` to the spec to make it explicit.",
                    envs(token)
                ),
                UpstreamAuth::Bearer { token, implicit: false } => {
                    format!("Requests carry `Authorization: Bearer …` made from `{}`.", envs(token))
                }
                UpstreamAuth::ApiKey { name, placement, value } => format!(
                    "Requests carry the API key made from `{}` as the {} `{name}`.",
                    envs(value),
                    match placement {
                        KeyPlacement::Header => "header",
                        KeyPlacement::Query => "query parameter",
                        KeyPlacement::Cookie => "cookie",
                    }
                ),
                UpstreamAuth::Basic { password, .. } => format!(
                    "Requests carry `Authorization: Basic …` with the password from `{}`.",
                    envs(password)
                ),
                UpstreamAuth::Digest { password, .. } => format!(
                    "Requests answer the API's digest challenge (RFC 7616) with the password from `{}`.",
                    envs(password)
                ),
                UpstreamAuth::OAuth1 { consumer_key, .. } => format!(
                    "Requests are signed with OAuth 1.0a (RFC 5849) by the consumer `{}`.",
                    envs(consumer_key)
                ),
                UpstreamAuth::BodyKey { name, value } => format!(
                    "Requests carry the API key made from `{}` as the body field (or query parameter) `{name}`.",
                    envs(value)
                ),
                UpstreamAuth::ClientCredentials(client) => format!(
                    "Requests carry a bearer token of the OAuth 2.0 client credentials grant, fetched with the secret from `{}`.",
                    envs(&client.client_secret)
                ),
                UpstreamAuth::None => String::new(),
            };
            let operations: Vec<_> = c
                .operations
                .iter()
                .map(|op| context!({ "method_name": op.name.rust, "method": op.method.as_str(), "path": op.path_template }))
                .collect();
            context!({ "namespace": c.namespace.wire, "module": c.namespace.rust, "base_uri": c.base_uri.display(&cap.binds), "auth": auth, "operations": operations })
        })
        .collect();
    let rest: Vec<_> = cap
        .rest
        .iter()
        .map(|a| {
            let operations: Vec<_> = a
                .routes
                .iter()
                .flat_map(|r| {
                    r.operations.iter().map(|op| {
                        context!({ "method": op.method.as_str(), "path": r.path, "call": super::adapter::target(cap, &op.runs) })
                    })
                })
                .collect();
            context!({ "namespace": a.namespace.wire, "module": a.namespace.rust, "operations": operations, "ops_prefix": a.ops_prefix })
        })
        .collect();
    let mcp: Vec<_> = cap
        .mcp
        .iter()
        .map(|a| {
            let tools: Vec<_> = a
                .tools
                .iter()
                .map(|t| {
                    context!({ "name": t.name.wire, "call": match t.runs { Runs::Mock { .. } => "(mock)".to_owned(), _ => super::adapter::target(cap, &t.runs) }, "read_only": t.hints.read_only, "destructive": t.hints.destructive, "idempotent": t.hints.idempotent })
                })
                .collect();
            context!({ "namespace": a.namespace.wire, "port": a.port, "stdio": a.stdio, "tools": tools })
        })
        .collect();
    jinja::render(
        Template::Readme,
        context!({
            "label": cap.label,
            "description": one_line(cap.description.as_deref()),
            "spec_file": info.spec_file,
            "package": info.package,
            "lib": info.lib_name(),
            "adapters": adapters,
            "binds": binds,
            "bind_files": bind_files,
            "deploy_bind_files": super::deploy::bind_files(cap),
            "consumes": consumes,
            "rest": rest,
            "mcp": mcp,
            "serves": cap.serves(),
            // Served over the network at all (not only over standard input and output).
            "network": cap.rest.len() + cap.skills.len() + cap.mcp.iter().filter(|a| !a.stdio).count() + usize::from(cap.control.is_some()) > 0,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every dependency of `naftiko-runtime` is declared by a generated crate as the runtime
    /// declares it (without `optional`).
    #[test]
    fn dependency_lines_agree_with_the_runtime_manifest() {
        let manifest = include_str!("../../../naftiko-runtime/Cargo.toml");
        let section = manifest
            .split("[dependencies]")
            .nth(1)
            .and_then(|s| s.split("\n[").next())
            .unwrap();
        for line in section.lines().filter(|l| !l.trim().is_empty()) {
            let line = line.replace(", optional = true }", " }");
            let line = match line.strip_suffix(" }") {
                Some(inner)
                    if !inner.contains("features") && !inner.contains("default-features") =>
                {
                    let (name, rest) = inner.split_once(" = { version = ").unwrap();
                    format!("{name} = {rest}")
                }
                _ => line,
            };
            assert!(
                DEPENDENCIES.iter().any(|(_, known)| *known == line),
                "naftiko-runtime declares `{line}`; the generator's table must too"
            );
        }
    }
}
