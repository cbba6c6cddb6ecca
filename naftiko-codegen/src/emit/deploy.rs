//! Deployment files: `Dockerfile`, `.dockerignore`, `score.yaml` (Score workload) and
//! `deploy/kubernetes.yaml`, from minijinja templates.

use serde_json::json;

use super::jinja::{self, Template};
use super::{CrateInfo, GeneratedFile};
use crate::resolve::ir::Capability;

pub(super) fn files(cap: &Capability, info: &CrateInfo) -> Vec<GeneratedFile> {
    let control_name = "control".to_owned();
    let mut adapters = Vec::new();
    for (kind, list) in [
        (
            "rest",
            cap.rest
                .iter()
                .map(|a| (&a.namespace.wire, a.port))
                .collect::<Vec<_>>(),
        ),
        (
            "mcp",
            cap.mcp
                .iter()
                .filter(|a| !a.stdio)
                .map(|a| (&a.namespace.wire, a.port))
                .collect(),
        ),
        (
            "skills",
            cap.skills
                .iter()
                .map(|a| (&a.namespace.wire, a.port))
                .collect(),
        ),
        (
            "control",
            cap.control
                .iter()
                .map(|c| (&control_name, c.port))
                .collect(),
        ),
    ] {
        for (i, (namespace, port)) in list.into_iter().enumerate() {
            // Kubernetes port names are at most 15 characters: name them by kind.
            let port_name = if i == 0 {
                kind.to_owned()
            } else {
                format!("{kind}-{}", i + 1)
            };
            adapters.push(json!({ "namespace": namespace, "port": port, "port_name": port_name }));
        }
    }
    let listen = adapters
        .iter()
        .map(|a| {
            format!(
                "{}=0.0.0.0:{}",
                a["namespace"].as_str().unwrap_or_default(),
                a["port"]
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let health_port = adapters
        .first()
        .map(|a| a["port"].clone())
        .unwrap_or(json!(8080));
    // Environment variables only: values of `binds` with a `location` come from their files.
    let binds: Vec<_> = cap
        .binds
        .iter()
        .filter(|b| b.file.is_none())
        .map(|b| json!({ "env": b.env }))
        .collect();
    let bind_files = bind_files(cap);
    let skill_dirs = skill_dirs(cap);
    let ctx = json!({
        "bind_files": bind_files,
        "skill_dirs": skill_dirs,
        "spec_dir": "/etc/naftiko/spec",
        "package": info.package,
        "adapters": adapters,
        "listen": listen,
        "health_port": health_port,
        "healthz": cap.probe_path("healthz"),
        "readyz": cap.probe_path("readyz"),
        "binds": binds,
        "openapi": !cap.rest.is_empty(),
        "allowed_hosts": format!("{},localhost,127.0.0.1", info.package),
    });
    let mut files = vec![
        GeneratedFile {
            path: "Dockerfile".into(),
            contents: jinja::render(Template::Dockerfile, ctx.clone()),
        },
        GeneratedFile {
            path: ".dockerignore".into(),
            contents: jinja::render(Template::Dockerignore, ctx.clone()),
        },
    ];
    // A capability served over standard input and output only is started by its MCP client,
    // not run as a service: an image, but no workload to schedule.
    if !adapters.is_empty() {
        files.push(GeneratedFile {
            path: "score.yaml".into(),
            contents: jinja::render(Template::Score, ctx.clone()),
        });
        files.push(GeneratedFile {
            path: "deploy/kubernetes.yaml".into(),
            contents: jinja::render(Template::Kubernetes, ctx),
        });
    }
    files
}

/// The skill folders read at run time (an absolute `location`), each with a name fit for a
/// volume (`skill-<slug>`, a DNS label) and the path it is mounted at.
fn skill_dirs(cap: &Capability) -> Vec<serde_json::Value> {
    let mut dirs: Vec<serde_json::Value> = Vec::new();
    for skill in cap.skills.iter().flat_map(|a| &a.skills) {
        let Some(dir) = &skill.run_time_dir else {
            continue;
        };
        if dirs.iter().any(|d| d["path"] == dir.path.as_str()) {
            continue;
        }
        let mut slug = crate::kebab(&skill.name);
        slug.truncate(50);
        let slug = format!("{}-{}", slug.trim_matches('-'), dirs.len());
        dirs.push(json!({ "slug": slug, "path": dir.path, "skill": skill.name }));
    }
    dirs
}

/// The files holding bound values (`binds` with a `location`), each with the key of the secret
/// it is mounted from: mounted read-only where `NAFTIKO_SPEC_DIR` points.
pub(super) fn bind_files(cap: &Capability) -> Vec<serde_json::Value> {
    let mut bind_files: Vec<serde_json::Value> = Vec::new();
    for file in cap.binds.iter().filter_map(|b| b.file.as_ref()) {
        let path: Vec<&str> = file
            .path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        let path = path.join("/");
        if bind_files.iter().any(|f| f["path"] == path.as_str()) {
            continue;
        }
        // Secret keys are `[-._a-zA-Z0-9]+`.
        let key: String = path
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-._".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        bind_files.push(json!({ "path": path, "key": key }));
    }
    bind_files
}
