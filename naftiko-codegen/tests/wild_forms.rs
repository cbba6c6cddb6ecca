//! Forms of the wild alpha2 files that have one reasonable reading, each generated with a
//! located warning that gives the explicit form: `call: <namespace>` of a namespace with one
//! operation, an operation name declared twice where the calling REST operation's method says
//! which one is meant, and a `consumes` entry repeated byte for byte.

mod common;

use common::{Folder, errors, only};
use naftiko_codegen::resolve::ir::{Capability, Method};

const SPEC: &str = r#"naftiko: "1.0.0-alpha2"
info:
  label: Store
capability:
  consumes:
  - namespace: store
    type: http
    baseUri: https://store.example
    resources:
    - name: items
      path: /items
      operations:
      - name: items
        method: GET
      - name: items
        method: POST
  - namespace: health
    type: http
    baseUri: https://health.example
    resources:
    - name: ping
      path: /ping
      operations:
      - name: ping
        method: GET
  exposes:
  - type: rest
    namespace: store-rest
    port: 8080
    resources:
    - path: /items
      operations:
      - name: list-items
        method: GET
        call: store.items
      - name: add-item
        method: POST
        call: store.items
    - path: /ping
      operations:
      - name: ping
        method: GET
        call: health
"#;

/// The consumed operation (method and upstream path) each REST operation calls.
fn calls(capability: &Capability) -> Vec<(String, Method, String)> {
    capability.rest[0]
        .routes
        .iter()
        .flat_map(|r| &r.operations)
        .filter_map(|op| {
            let call = op.runs.call()?;
            let consumed = &capability.consumes[call.consumes].operations[call.operation];
            Some((
                op.name.wire.clone(),
                consumed.method,
                consumed.path_template.clone(),
            ))
        })
        .collect()
}

#[test]
fn one_reading_each_with_a_warning_giving_the_explicit_form() {
    let folder = Folder::new("wild-forms");
    let spec = folder.write("store.yaml", SPEC);
    let resolved = naftiko_codegen::check(&spec).expect("generates");
    assert_eq!(
        calls(&resolved.capability),
        [
            ("list-items".to_owned(), Method::Get, "/items".to_owned()),
            ("add-item".to_owned(), Method::Post, "/items".to_owned()),
            ("ping".to_owned(), Method::Get, "/ping".to_owned()),
        ]
    );
    let messages: Vec<(&str, Option<usize>, Option<&str>)> = resolved
        .warnings
        .iter()
        .filter(|w| w.message.starts_with("`call:"))
        .map(|w| {
            (
                w.message.as_str(),
                w.position.map(|p| p.line),
                w.help.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            (
                "`call: store.items`: `store` declares `items` 2 times; the one of method GET (`GET /items`) is meant, as this operation's method says",
                Some(35),
                Some("give the operations of one API distinct names"),
            ),
            (
                "`call: store.items`: `store` declares `items` 2 times; the one of method POST (`POST /items`) is meant, as this operation's method says",
                Some(38),
                Some("give the operations of one API distinct names"),
            ),
            (
                "`call: health` read as `health.ping`, the one operation of `health`",
                Some(43),
                Some("write `call: health.ping`"),
            ),
        ]
    );
    naftiko_codegen::generate_crate(&spec, None).expect("the crate is made");
}

#[test]
fn what_has_no_one_reading_stays_an_error() {
    let folder = Folder::new("wild-forms-refused");
    // Two of one name and one method: nothing says which.
    let spec = folder.write(
        "same-method.yaml",
        &SPEC.replace(
            "        method: POST\n  - namespace",
            "        method: GET\n  - namespace",
        ),
    );
    let refused = errors(&spec);
    assert_eq!(refused.len(), 2, "{refused:#?}");
    assert!(
        refused.iter().all(|e| e.message.contains("is ambiguous")),
        "{refused:#?}"
    );
    // `call: <namespace>` of a namespace with two operations.
    let spec = folder.write(
        "namespace.yaml",
        &SPEC
            .replace("        call: health\n", "        call: store\n")
            .replace(
                "      - name: items\n        method: POST",
                "      - name: add\n        method: POST",
            ),
    );
    let error = only(&spec);
    assert!(error.message.contains("not of the form"), "{error}");
}

/// A `consumes` entry written twice, byte for byte, is one API (a warning at the repeat); a
/// second entry of the namespace that differs stays an error.
#[test]
fn a_consumes_entry_repeated_exactly_is_read_once() {
    let health = "  - namespace: health\n    type: http\n    baseUri: https://health.example\n    resources:\n    - name: ping\n      path: /ping\n      operations:\n      - name: ping\n        method: GET\n";
    let repeated = SPEC.replace(health, &format!("{health}{health}"));
    let folder = Folder::new("wild-forms-repeated");
    let spec = folder.write("store.yaml", &repeated);
    let resolved = naftiko_codegen::check(&spec).expect("generates");
    assert_eq!(resolved.capability.consumes.len(), 2);
    let warning = resolved
        .warnings
        .iter()
        .find(|w| w.message.contains("repeats"))
        .unwrap_or_else(|| panic!("{:#?}", resolved.warnings));
    assert_eq!(
        warning.message,
        "`consumes[2]` repeats `consumes[1]` (`health`) exactly: the API is read once"
    );
    assert_eq!(warning.yaml_path, "capability.consumes[2]");

    let differing = SPEC.replace(
        health,
        &format!(
            "{health}{}",
            health.replace("health.example", "other.example")
        ),
    );
    let spec = folder.write("differing.yaml", &differing);
    let error = only(&spec);
    assert!(error.message.contains("clashes with"), "{error}");
    assert_eq!(error.yaml_path, "capability.consumes[2].namespace");
}

/// A file whose last comment says it was cut short (as a publisher of capability files marks
/// the ones it cut) is read up to the entry that was still open where it ends: the least cut
/// that resolves, with a warning at the first line left out.
#[test]
fn a_file_that_says_it_was_cut_short_is_read_without_its_open_entry() {
    const CUT: &str = r#"naftiko: "1.0.0-alpha2"
info:
  label: Store
capability:
  consumes:
  - namespace: store
    type: http
    baseUri: https://store.example
    resources:
    - name: items
      path: /items
      operations:
      - name: list
        method: GET
      - name: add
        method: POST
  exposes:
  - type: rest
    namespace: store-rest
    port: 8080
    resources:
    - path: /items
      operations:
      - method: GET
        call: store.list
    - name: add-items
      operations:
      - method: POST
        call: store.add
        inputParameters:
        - name: title
          in: bo

# --- truncated at 1 KB (3 KB total) ---
"#;
    let folder = Folder::new("wild-forms-cut");
    let spec = folder.write("store.yaml", CUT);
    let resolved = naftiko_codegen::check(&spec).expect("generates");
    // Without its last parameter, or without its operation, the resource `add-items` has no
    // path: the whole resource goes.
    let routes: Vec<&str> = resolved.capability.rest[0]
        .routes
        .iter()
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(routes, ["/items"]);
    let warning = &resolved.warnings[0];
    assert_eq!(
        warning.message,
        "the file says it was cut short (`# --- truncated at 1 KB (3 KB total) ---`, line 34): it is read up to line 25, without the entry that was still open where it ends"
    );
    assert_eq!(warning.position.map(|p| p.line), Some(26));
    assert_eq!(
        warning.help.as_deref(),
        Some("generate from the whole file")
    );
    naftiko_codegen::generate_crate(&spec, None).expect("the crate is made");

    // Without the comment, the same text is a spec with errors.
    let whole = folder.write("whole.yaml", &CUT.replace("# --- truncated", "# ---"));
    assert!(!errors(&whole).is_empty());
}

/// An optional parameter without a name is left out with a warning (nothing can be sent for
/// it); two spellings of one name are one parameter. A required one without a name stays an
/// error.
#[test]
fn nameless_optional_parameters_and_two_spellings_of_one_name() {
    let params = "      - name: items\n        method: GET\n";
    let with = SPEC.replacen(
        params,
        &format!(
            "{params}        inputParameters:\n        - name: ''\n          in: query\n        - name: pageSize\n          in: query\n        - name: PageSize\n          in: query\n"
        ),
        1,
    );
    let folder = Folder::new("wild-forms-params");
    let spec = folder.write("store.yaml", &with);
    let resolved = naftiko_codegen::check(&spec).expect("generates");
    let sent: Vec<&str> = resolved.capability.consumes[0].operations[0]
        .params
        .iter()
        .map(|p| p.name.wire.as_str())
        .collect();
    assert_eq!(sent, ["pageSize"]);
    let messages: Vec<&str> = resolved
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .filter(|m| m.contains("parameter"))
        .collect();
    assert_eq!(
        messages,
        [
            "an optional parameter without a `name` cannot be sent: it is left out",
            "parameter `PageSize` and parameter `pageSize` differ only in case or separators: they are taken as one parameter, sent as `pageSize`",
        ]
    );
    let required = folder.write(
        "required.yaml",
        &with.replace(
            "        - name: ''\n          in: query\n",
            "        - name: ''\n          in: query\n          required: true\n",
        ),
    );
    assert_eq!(only(&required).message, "a parameter needs a `name`");
}
