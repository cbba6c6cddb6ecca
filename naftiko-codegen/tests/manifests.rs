//! The OpenAPI documents of REST adapters describe their inbound authentication; deployment
//! files follow what the capability serves.

#[path = "../../tests/src/skip.rs"]
mod skip;

use std::path::Path;

use serde_json::{Value, json};

fn document(spec: &str, file: &str) -> Value {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join(spec);
    let generated = naftiko_codegen::generate_crate(&spec, None).expect("generates");
    let text = &generated
        .files
        .iter()
        .find(|f| f.path == file)
        .unwrap_or_else(|| panic!("no {file}"))
        .contents;
    serde_json::from_str(text).expect("JSON")
}

#[test]
fn an_oauth2_adapter_publishes_its_client_credentials_flow() {
    let doc = document("../tests/fixtures/oauth2.yaml", "openapi/fleet-rest.json");
    assert_eq!(
        doc["components"]["securitySchemes"]["inbound"]["flows"],
        json!({"clientCredentials": {"tokenUrl": "https://auth.fleet.example/oauth/token", "scopes": {}}})
    );
    assert_eq!(doc["security"], json!([{"inbound": []}]));
    // Health, readiness and metrics stay open.
    assert_eq!(doc["paths"]["/healthz"]["get"]["security"], json!([]));
}

#[test]
fn a_bearer_adapter_publishes_the_http_scheme_and_an_open_one_none() {
    let doc = document(
        "../tests/fixtures/file-binds.yaml",
        "openapi/registry-rest.json",
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["inbound"],
        json!({"type": "http", "scheme": "bearer"})
    );
    let open = document(
        "../specs/humanitec-tokeninfo.yaml",
        "openapi/humanitec-tokeninfo-rest.json",
    );
    assert!(open.get("security").is_none(), "{}", open["security"]);
    assert!(open["components"].get("securitySchemes").is_none());
}

/// A capability served over standard input and output only: an image without ports, and no
/// Score or Kubernetes workload (its MCP client starts it).
#[test]
fn a_stdio_only_capability_gets_an_image_and_no_workload() {
    let dir = std::env::temp_dir().join(format!("naftiko-stdio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("stdio.yaml");
    std::fs::write(
        &spec,
        "naftiko: 1.0.0-alpha2\ninfo:\n  label: Local\ncapability:\n  exposes:\n  - type: mcp\n    namespace: local-mcp\n    transport: stdio\n    tools:\n    - name: ping\n      description: Ping.\n      outputParameters:\n      - {name: pong, type: string, value: pong}\n",
    )
    .unwrap();
    let generated = naftiko_codegen::generate_crate(&spec, None).expect("generates");
    let _ = std::fs::remove_dir_all(&dir);
    let paths: Vec<&str> = generated.files.iter().map(|f| f.path.as_str()).collect();
    assert!(!paths.contains(&"score.yaml"), "{paths:?}");
    assert!(!paths.contains(&"deploy/kubernetes.yaml"), "{paths:?}");
    let dockerfile = &generated
        .files
        .iter()
        .find(|f| f.path == "Dockerfile")
        .expect("a Dockerfile")
        .contents;
    assert!(!dockerfile.contains("EXPOSE"), "{dockerfile}");
    assert!(!dockerfile.contains("HEALTHCHECK"), "{dockerfile}");
    let readme = &generated
        .files
        .iter()
        .find(|f| f.path == "README.md")
        .expect("a README")
        .contents;
    assert!(readme.contains("\"command\": \"docker\""), "{readme}");
}

/// A spec whose binds read a file: the deployment mounts it where `NAFTIKO_SPEC_DIR` points.
#[test]
fn bind_files_are_mounted_where_the_server_reads_them() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/file-binds.yaml");
    let generated = naftiko_codegen::generate_crate(&spec, None).expect("generates");
    let file = |path: &str| {
        generated
            .files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .contents
            .clone()
    };
    let kubernetes: Value = serde_saphyr::from_str(
        file("deploy/kubernetes.yaml")
            .split("\n---\n")
            .next()
            .unwrap(),
    )
    .expect("YAML");
    let pod = &kubernetes["spec"]["template"]["spec"];
    assert_eq!(
        pod["volumes"][0]["secret"]["items"],
        json!([{"key": "shared-fixture-secrets.yaml", "path": "shared/fixture-secrets.yaml"}])
    );
    assert_eq!(pod["securityContext"]["fsGroup"], json!(65532));
    let container = &pod["containers"][0];
    assert_eq!(
        container["volumeMounts"][0]["mountPath"],
        "/etc/naftiko/spec"
    );
    assert!(
        container["env"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "NAFTIKO_SPEC_DIR", "value": "/etc/naftiko/spec"}))
    );

    let score: Value = serde_saphyr::from_str(&file("score.yaml")).expect("YAML");
    assert_eq!(
        score["containers"]["main"]["files"]["/etc/naftiko/spec/shared/fixture-secrets.yaml"]["source"],
        "bind-files/shared/fixture-secrets.yaml"
    );
    let shared = std::env::var_os("NAFTIKO_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let Ok(schema) = std::fs::read_to_string(shared.join("deploy-schemas/score-v1b1.json")) else {
        skip::skip("the shared deploy schemas are absent: the Score schema is not checked");
        return;
    };
    let schema: Value = serde_json::from_str(&schema).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the Score schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&score)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
