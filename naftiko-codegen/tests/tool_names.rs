//! MCP tool names over 64 characters — what Claude's and OpenAI's clients take whole — are
//! published shortened, the same way on every run, with a located warning; the tool's handler
//! keeps the name the spec gives it.

mod common;

use common::Folder;

const LONG: &str = "list-every-token-associated-with-the-user-including-expired-and-revoked-ones";

fn spec(first: &str, second: &str) -> String {
    format!(
        r#"naftiko: 1.0.0-alpha2
info:
  label: Names
capability:
  consumes:
  - type: http
    namespace: api
    baseUri: https://api.example
    resources:
    - name: tokens
      path: /tokens
      operations:
      - name: list
        method: GET
  exposes:
  - type: mcp
    namespace: names-mcp
    port: 9090
    tools:
    - name: {first}
      description: One.
      call: api.list
    - name: {second}
      description: Two.
      call: api.list
"#
    )
}

fn published(spec_text: &str, folder: &str) -> (Vec<String>, Vec<naftiko_codegen::Diagnostic>) {
    let folder = Folder::new(folder);
    let path = folder.write("names.yaml", spec_text);
    let resolved = naftiko_codegen::check(&path).expect("generates");
    let names = resolved.capability.mcp[0]
        .tools
        .iter()
        .map(|t| t.name.wire.clone())
        .collect();
    (names, resolved.warnings)
}

#[test]
fn a_long_name_is_shortened_with_a_located_warning() {
    let (names, warnings) = published(&spec(LONG, "short"), "tool-names-long");
    assert_eq!(names[1], "short");
    let short = &names[0];
    assert_eq!(short.len(), 64, "{short}");
    assert!(short.starts_with("list-every-token-associated-with-the-user-including-exp"));
    assert!(
        short[56..].chars().all(|c| c.is_ascii_hexdigit()),
        "{short}"
    );
    let warning = warnings
        .iter()
        .find(|w| w.message.contains("MCP clients"))
        .expect("a warning");
    assert_eq!(
        warning.message,
        format!(
            "tool name `{LONG}` is 76 characters; MCP clients cut or refuse names over 64: published as `{short}`"
        )
    );
    assert_eq!(warning.position.map(|p| (p.line, p.column)), Some((20, 13)));
    assert_eq!(
        warning.help.as_deref(),
        Some("name the tool in at most 64 characters")
    );
    // The same on every run.
    let (again, _) = published(&spec(LONG, "short"), "tool-names-again");
    assert_eq!(&again[0], short);
}

#[test]
fn two_long_names_with_one_beginning_stay_apart() {
    let other = format!("{LONG}-v2");
    let (names, _) = published(&spec(LONG, &other), "tool-names-two");
    assert_ne!(names[0], names[1]);
    assert!(names.iter().all(|n| n.len() <= 64), "{names:?}");
}

#[test]
fn a_name_that_fits_is_kept() {
    let fits = "a".repeat(64);
    let (names, warnings) = published(&spec(&fits, "short"), "tool-names-fit");
    assert_eq!(names[0], fits);
    assert!(
        warnings.iter().all(|w| !w.message.contains("MCP clients")),
        "{warnings:?}"
    );
}

#[test]
fn the_generated_server_publishes_the_short_name() {
    let folder = Folder::new("tool-names-crate");
    let path = folder.write("names.yaml", &spec(LONG, "short"));
    let generated = naftiko_codegen::generate_crate(&path, None).expect("generates");
    let server = generated
        .files
        .iter()
        .find(|f| f.path == "src/mcp/names_mcp.rs")
        .expect("the MCP module");
    let (names, _) = published(&spec(LONG, "short"), "tool-names-crate-check");
    assert!(server.contents.contains(&format!("\"{}\"", names[0])));
    assert!(!server.contents.contains(&format!("\"{LONG}\"")));
    // Its handler keeps the spec's name.
    assert!(server.contents.contains(
        "async fn list_every_token_associated_with_the_user_including_expired_and_revoked_ones("
    ));
}
