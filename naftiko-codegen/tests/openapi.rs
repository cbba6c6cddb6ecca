//! The OpenAPI documents of REST adapters describe their inbound authentication.

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
