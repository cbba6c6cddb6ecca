//! The generated deployment files: the Dockerfile is lint-clean and copies what exists, the Score
//! workload is valid against the Score schema, the Kubernetes manifests are valid and match it.

use std::path::{Path, PathBuf};
use std::process::Command;

use naftiko_tests::workspace_root;
use serde_json::Value;

fn crate_dir() -> PathBuf {
    workspace_root().join("generated-humanitec-tokeninfo")
}

fn yaml_documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.split("\n---\n")
        .map(|doc| serde_saphyr::from_str::<Value>(doc).unwrap())
        .collect()
}

/// The shared data folder beside the project (`$NAFTIKO_SHARED` or `../shared`).
fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("NAFTIKO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared"));
    dir.is_dir().then_some(dir)
}

/// Run an external validator; when it is not installed, fail in CI and skip elsewhere.
fn run_tool(tool: &str, args: &[&str]) -> Option<std::process::Output> {
    match Command::new(tool).args(args).output() {
        Ok(output) => Some(output),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::env::var_os("CI").is_none() => {
            naftiko_tests::skip::skip(
                "`{tool}` is not installed (`pip install -r tests/requirements.txt`)",
            );
            None
        }
        Err(e) => panic!("cannot run {tool}: {e}"),
    }
}

#[test]
fn the_dockerfile_is_hadolint_clean() {
    let dockerfile = crate_dir().join("Dockerfile");
    let Some(out) = run_tool("hadolint", &[dockerfile.to_str().unwrap()]) else {
        return;
    };
    assert!(
        out.status.success(),
        "hadolint:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_dockerfile_copies_paths_that_exist_and_runs_the_binary_the_crate_builds() {
    let dir = crate_dir();
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let bin = manifest
        .split("[[bin]]")
        .nth(1)
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("name = ")))
        .map(|n| n.trim_matches('"').to_owned())
        .expect("Cargo.toml declares a binary");
    let mut copies = 0;
    for line in dockerfile
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        for source in &parts[1..parts.len() - 1] {
            assert!(
                dir.join(source).exists(),
                "the Dockerfile copies `{source}`, which the crate lacks"
            );
            copies += 1;
        }
    }
    assert!(copies >= 2);
    assert!(
        dockerfile.contains(&format!("cargo build --release --bin {bin}")),
        "{dockerfile}"
    );
    let runtime_copy = format!("COPY --from=build /src/target/release/{bin} /usr/local/bin/{bin}");
    assert!(dockerfile.contains(&runtime_copy), "{dockerfile}");
    assert!(
        dockerfile.contains(&format!("ENTRYPOINT [\"/usr/local/bin/{bin}\"]")),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("HEALTHCHECK"));
    assert!(
        dockerfile
            .lines()
            .any(|l| l.starts_with("USER ") && !l.contains("root") && !l.contains(" 0")),
        "non-root user"
    );
    for port in ["8080", "9090"] {
        assert!(
            dockerfile
                .lines()
                .any(|l| l.starts_with("EXPOSE") && l.contains(port))
        );
    }
    let ignore = std::fs::read_to_string(dir.join(".dockerignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "target/"));
}

#[test]
fn the_score_workload_is_valid_against_the_score_schema() {
    let Some(shared) = shared() else {
        naftiko_tests::skip::skip(
            "the shared data folder (../shared or $NAFTIKO_SHARED) is absent",
        );
        return;
    };
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(shared.join("deploy-schemas/score-v1b1.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    // The seed's, and the fixtures' whose files mount bind files and skill folders.
    for dir in [
        crate_dir(),
        workspace_root().join("tests/snapshots/file-binds"),
        workspace_root().join("tests/snapshots/skill-dirs"),
    ] {
        let score = &yaml_documents(&dir.join("score.yaml"))[0];
        let errors: Vec<String> = validator
            .iter_errors(score)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", dir.display());
    }
    let score = &yaml_documents(&crate_dir().join("score.yaml"))[0];
    // The validator does reject a broken workload.
    let mut broken = score.clone();
    broken["containers"]["main"]["livenessProbe"] =
        serde_json::json!({"httpGet": {"path": "/healthz"}});
    assert!(!validator.is_valid(&broken));
}

#[test]
fn the_kubernetes_manifests_are_valid() {
    let file = crate_dir().join("deploy/kubernetes.yaml");
    let Some(out) = run_tool("kubernetes-validate", &["--strict", file.to_str().unwrap()]) else {
        return;
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("deployment/humanitec-tokeninfo")
            && text.contains("service/humanitec-tokeninfo"),
        "{text}"
    );
}

#[test]
fn skill_folders_read_at_run_time_are_mounted_where_the_server_reads_them() {
    let dir = workspace_root().join("tests/snapshots/skill-dirs");
    let file = dir.join("deploy/kubernetes.yaml");
    let deployment = &yaml_documents(&file)[0];
    let pod = &deployment["spec"]["template"]["spec"];
    let mount = &pod["containers"][0]["volumeMounts"][0];
    assert_eq!(mount["mountPath"], "/opt/naftiko/skills/deployed-ops");
    assert_eq!(mount["readOnly"], true);
    let volume = &pod["volumes"][0];
    assert_eq!(volume["name"], mount["name"]);
    assert_eq!(
        volume["configMap"]["name"],
        "snapshot-skill-dirs-skill-deployed-ops-0"
    );
    let score = &yaml_documents(&dir.join("score.yaml"))[0];
    let source =
        score["containers"]["main"]["volumes"]["/opt/naftiko/skills/deployed-ops"]["source"]
            .as_str()
            .unwrap();
    let resource = source
        .strip_prefix("${resources.")
        .and_then(|r| r.strip_suffix('}'))
        .unwrap();
    assert_eq!(score["resources"][resource]["type"], "volume");
    let Some(out) = run_tool("kubernetes-validate", &["--strict", file.to_str().unwrap()]) else {
        return;
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn kubernetes_matches_score_and_secrets_are_references_never_values() {
    let score = &yaml_documents(&crate_dir().join("score.yaml"))[0];
    let docs = yaml_documents(&crate_dir().join("deploy/kubernetes.yaml"));
    let deployment = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let service = docs.iter().find(|d| d["kind"] == "Service").unwrap();
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let main = &score["containers"]["main"];

    // The same ports.
    let score_ports: Vec<(String, u64)> = score["service"]["ports"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, p)| (name.clone(), p["port"].as_u64().unwrap()))
        .collect();
    let k8s_ports: Vec<(String, u64)> = service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["port"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(score_ports, k8s_ports);
    assert_eq!(
        score_ports,
        [("rest".to_owned(), 8080), ("mcp".to_owned(), 9090)]
    );

    // The same environment, with the bound variable from a secret in both.
    let score_env = main["variables"].as_object().unwrap();
    for env in container["env"].as_array().unwrap() {
        let name = env["name"].as_str().unwrap();
        let in_score = &score_env[name];
        if let Some(value) = env.get("value") {
            assert_eq!(value, in_score, "{name}");
        } else {
            assert_eq!(env["valueFrom"]["secretKeyRef"]["key"], name);
            assert_eq!(
                in_score,
                &Value::String(format!("${{resources.secrets.{name}}}"))
            );
        }
    }
    assert_eq!(container["env"].as_array().unwrap().len(), score_env.len());
    assert!(score_env.contains_key("HUMANITEC_API_KEY"));

    // The same probes.
    for probe in ["livenessProbe", "readinessProbe"] {
        assert_eq!(
            container[probe]["httpGet"]["path"],
            main[probe]["httpGet"]["path"]
        );
        assert_eq!(
            container[probe]["httpGet"]["port"],
            main[probe]["httpGet"]["port"]
        );
    }
    assert_eq!(main["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert!(container["resources"]["requests"]["cpu"].is_string());
}
