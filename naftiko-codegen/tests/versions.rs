//! Spec versions: every version is read into the one model, so the same capability written for
//! `naftiko: 1.0.0-alpha2` and for `ikanos: 1.0.0-beta5` gives the same crate; what a version
//! adds that is not generated is a located error; an unknown version is refused at its header.

#[path = "../../tests/src/skip.rs"]
mod skip;

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{Folder, only};

fn shared() -> Option<PathBuf> {
    let shared = std::env::var_os("NAFTIKO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let corpus = shared.join("specs-corpus");
    if corpus.is_dir() {
        Some(corpus)
    } else {
        skip::skip(&format!(
            "the specs corpus is absent ({})",
            corpus.display()
        ));
        None
    }
}

/// The files of the crate generated from `spec`, by path.
fn crate_of(spec: &Path) -> BTreeMap<String, String> {
    let generated = naftiko_codegen::generate_crate(spec, Some("shipyard"))
        .unwrap_or_else(|e| panic!("{} does not generate: {e}", spec.display()));
    generated
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

/// The first line where `a` and `b` differ, for the report.
fn first_difference(a: &str, b: &str) -> String {
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()));
    format!(
        "line {}: alpha2 `{}` / beta5 `{}`",
        line + 1,
        a.lines().nth(line).unwrap_or("<end>"),
        b.lines().nth(line).unwrap_or("<end>")
    )
}

/// Each step of the engine's tutorial, as written for alpha2 and as rewritten for beta5 (named
/// maps, `display`, `flows`, `from`), gives a byte-identical crate.
#[test]
fn the_tutorial_gives_the_same_crates_in_alpha2_and_beta5() {
    let Some(corpus) = shared() else {
        return;
    };
    let alpha2 = corpus.join("official-naftiko-framework-v1.0.0-alpha2/tutorial");
    let beta5 = corpus.join("official-ikanos-1.0.0-beta5/tutorial");
    let mut steps: Vec<String> = std::fs::read_dir(&beta5)
        .expect("the beta5 tutorial")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("step-") && n.ends_with(".yml"))
        .collect();
    steps.sort();
    assert_eq!(steps.len(), 11, "{steps:?}");
    let mut differences = Vec::new();
    for step in &steps {
        let (old, new) = (crate_of(&alpha2.join(step)), crate_of(&beta5.join(step)));
        let paths: Vec<&String> = old.keys().chain(new.keys()).collect();
        for path in paths {
            match (old.get(path), new.get(path)) {
                (Some(a), Some(b)) if a == b => {}
                (Some(a), Some(b)) => differences.push(format!(
                    "{step}: {path} differs at {}",
                    first_difference(a, b)
                )),
                _ => differences.push(format!("{step}: {path} is in one crate only")),
            }
        }
    }
    differences.dedup();
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

const BETA5: &str = r#"ikanos: "1.0.0-beta5"
info:
  display: Fleet
  description: Ships by name.
capability:
  consumes:
  - namespace: registry
    type: http
    baseUri: https://registry.example
    resources:
      ships:
        path: /ships/{{imo}}
        operations:
          get-ship:
            method: GET
            inputParameters:
              imo:
                in: path
  exposes:
  - type: mcp
    namespace: fleet
    port: 3001
    description: Ships.
    tools:
      get-ship:
        description: One ship.
        inputParameters:
          imo:
            type: string
            required: true
            description: Its IMO number.
        call: registry.get-ship
        with:
          imo: fleet.imo
  - type: rest
    namespace: fleet-api
    port: 3002
    resources:
      ship:
        path: /ships/{{imo}}
        tags: [ships]
        operations:
          get-ship:
            method: GET
            tags: [read, ships]
            inputParameters:
              imo:
                in: path
                type: string
            call: registry.get-ship
            with:
              imo: fleet-api.imo
"#;

#[test]
fn a_beta5_spec_reads_into_the_model() {
    let folder = Folder::new("beta5-reads");
    let spec = folder.write("fleet.yml", BETA5);
    let resolved = naftiko_codegen::check(&spec).expect("the beta5 spec resolves");
    assert!(resolved.warnings.is_empty(), "{:#?}", resolved.warnings);
    let text = format!("{:?}", resolved.capability);
    assert!(text.contains("get-ship"), "the tool is named by its key");
    // `tags` of the resource and the operation, each once, are the operation's OpenAPI tags.
    let generated = naftiko_codegen::generate_crate(&spec, Some("fleet")).expect("generates");
    let openapi = generated
        .files
        .iter()
        .find(|f| f.path == "openapi/fleet-api.json")
        .expect("the REST adapter's OpenAPI document");
    let openapi: serde_json::Value = serde_json::from_str(&openapi.contents).unwrap();
    assert_eq!(
        openapi["paths"]["/ships/{imo}"]["get"]["tags"],
        serde_json::json!(["ships", "read"])
    );
}

#[test]
fn an_unknown_version_is_refused_at_its_header() {
    let folder = Folder::new("unknown-version");
    let spec = folder.write("x.yml", &BETA5.replace("1.0.0-beta5", "2.0.0"));
    let error = only(&spec);
    assert_eq!(error.message, "unsupported spec version `ikanos: 2.0.0`");
    assert_eq!(error.position.map(|p| (p.line, p.column)), Some((1, 9)));
    assert!(
        error
            .help
            .as_deref()
            .unwrap_or("")
            .contains("`1.0.0-beta5`")
    );
}

#[test]
fn a_file_without_a_version_is_refused() {
    let folder = Folder::new("no-version");
    let spec = folder.write(
        "x.yml",
        BETA5.trim_start_matches("ikanos: \"1.0.0-beta5\"\n"),
    );
    let error = only(&spec);
    assert_eq!(error.message, "the file does not say its spec version");
    let folder = Folder::new("two-versions");
    let spec = folder.write("x.yml", &format!("naftiko: \"1.0.0-alpha2\"\n{BETA5}"));
    let error = only(&spec);
    assert!(error.message.contains("twice"), "{error:?}");
    assert_eq!(error.position.map(|p| p.line), Some(2));
}

/// Each beta5 feature without a generated reading yet is an error at its key, never dropped.
#[test]
fn what_beta5_adds_and_is_not_generated_is_a_located_error() {
    let cases = [
        (
            "    resources:\n      ships:",
            "    tunnel:\n      type: ziti\n      service: registry\n    resources:\n      ships:",
            "capability.consumes[0].tunnel",
            "`tunnel`",
        ),
        (
            "  exposes:\n",
            "  exposes:\n  - from: ./shared/adapters.yml\n    import: fleet\n",
            "capability.exposes[0].from",
            "an imported `exposes` entry",
        ),
    ];
    for (anchor, replacement, path, feature) in cases {
        assert!(BETA5.contains(anchor), "{anchor}");
        let folder = Folder::new("beta5-unsupported");
        let spec = folder.write("x.yml", &BETA5.replacen(anchor, replacement, 1));
        let error = only(&spec);
        assert_eq!(error.yaml_path, path, "{error:?}");
        assert!(error.message.contains(feature), "{error:?}");
        assert!(error.message.contains("not supported"), "{error:?}");
    }
}

/// `responses` document an operation's answers; a binary one (`responseBinary`) needs an
/// operation whose answer is bytes.
#[test]
fn responses_are_read_and_a_binary_one_needs_a_binary_answer() {
    let folder = Folder::new("beta5-responses");
    let documented = BETA5.replacen(
        "            call: registry.get-ship\n",
        "            call: registry.get-ship\n            responses:\n              '404':\n                description: No such ship.\n",
        1,
    );
    let spec = folder.write("documented.yml", &documented);
    naftiko_codegen::check(&spec).expect("generates");
    let binary = BETA5.replacen(
        "            call: registry.get-ship\n",
        "            call: registry.get-ship\n            responseBinary:\n              mediaType: image/png\n",
        1,
    );
    let spec = folder.write("binary.yml", &binary);
    let error = only(&spec);
    assert_eq!(error.message, "`binary: true` needs a binary answer");
    assert_eq!(
        error.snippet.as_deref(),
        Some("            responseBinary:")
    );
}

/// `naftiko: 1.0.0-alpha1` (a subset of alpha2's schema) and the untagged `naftiko:
/// 1.0.0-alpha3` (alpha2's schema) are read as alpha2.
#[test]
fn alpha1_and_the_untagged_alpha3_read_as_alpha2() {
    let alpha2 = r#"naftiko: "1.0.0-alpha2"
info:
  label: Fleet
capability:
  consumes:
  - namespace: registry
    type: http
    baseUri: https://registry.example
    resources:
    - name: ships
      path: /ships/{{imo}}
      operations:
      - name: get-ship
        method: GET
        inputParameters:
        - name: imo
          in: path
  exposes:
  - type: mcp
    namespace: fleet
    port: 3001
    tools:
    - name: get-ship
      description: One ship.
      inputParameters:
      - name: imo
        type: string
        required: true
        description: Its IMO number.
      call: registry.get-ship
      with:
        imo: fleet.imo
"#;
    let folder = Folder::new("alpha1");
    let reference = crate_of(&folder.write("fleet.yml", alpha2));
    for version in ["1.0.0-alpha1", "1.0.0-alpha3"] {
        let folder = Folder::new(version);
        let spec = folder.write("fleet.yml", &alpha2.replace("1.0.0-alpha2", version));
        assert_eq!(crate_of(&spec), reference, "{version}");
    }
}

/// `naftiko: 0.5`: `externalRefs` are `binds` (a file's keys, or the environment's), and the
/// crate is the one of the same spec written with alpha2's `binds`.
#[test]
fn external_refs_of_0_5_are_binds() {
    let body = r#"info:
  label: Fleet
capability:
  consumes:
  - namespace: registry
    type: http
    baseUri: https://registry.example
    authentication:
      type: bearer
      token: "{{REGISTRY_TOKEN}}"
    inputParameters:
    - name: Registry-Version
      in: header
      value: "{{REGISTRY_VERSION}}"
    resources:
    - name: ships
      path: /ships
      operations:
      - name: list-ships
        method: GET
  exposes:
  - type: mcp
    namespace: fleet
    port: 3001
    tools:
    - name: list-ships
      description: Every ship.
      call: registry.list-ships
"#;
    let alpha2 = format!(
        "naftiko: \"1.0.0-alpha2\"\nbinds:\n- namespace: secrets\n  location: \"file:///./shared/secrets.yaml\"\n  keys:\n    REGISTRY_TOKEN: registry-token\n- namespace: env\n  keys:\n    REGISTRY_VERSION: FLEET_REGISTRY_VERSION\n{body}"
    );
    let v05 = format!(
        "naftiko: 0.5\nexternalRefs:\n- name: secrets\n  type: environment\n  resolution: file\n  uri: \"file:///./shared/secrets.yaml\"\n  keys:\n    REGISTRY_TOKEN: registry-token\n- name: env\n  type: variables\n  resolution: runtime\n  keys:\n    REGISTRY_VERSION: FLEET_REGISTRY_VERSION\n{body}"
    );
    let (a, b) = (Folder::new("v05-alpha2"), Folder::new("v05"));
    let reference = crate_of(&a.write("fleet.yml", &alpha2));
    let spec = b.write("fleet.yml", &v05);
    assert_eq!(crate_of(&spec), reference);
    let resolved = naftiko_codegen::check(&spec).unwrap();
    assert!(resolved.warnings.is_empty(), "{:#?}", resolved.warnings);
}
