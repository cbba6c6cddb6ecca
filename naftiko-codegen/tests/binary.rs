//! Binary answers as the generator reads them (Ikanos `outputRawFormat: binary`,
//! `maxBinarySize`, `responses`, `responseBinary`): what the OpenAPI document says of them, and
//! what is a warning or an error. What the generated server does with them is tested against a
//! fake upstream in tests/corpus/tests/binary.rs.

mod common;

use common::{Folder, errors, only};
use serde_json::{Value, json};

const SPEC: &str = r#"ikanos: "1.0.0-beta5"
info:
  display: Photos
capability:
  consumes:
  - type: http
    namespace: photos
    baseUri: https://photos.example
    resources:
      photo:
        path: /photos/{{id}}
        operations:
          download:
            method: GET
            outputRawFormat: binary
            maxBinarySize: 5MiB
            inputParameters:
              id:
                in: path
  exposes:
  - type: rest
    namespace: photos-rest
    port: 8080
    resources:
      image:
        path: /photos/{{id}}/image
        operations:
          get-image:
            method: GET
            inputParameters:
              id:
                in: path
                type: string
            call: photos.download
            with:
              id: "{{id}}"
            responseBinary:
              mediaType: image/png
              description: The image.
      raw:
        path: /photos/{{id}}/raw
        operations:
          get-raw:
            method: GET
            inputParameters:
              id:
                in: path
                type: string
            call: photos.download
            with:
              id: "{{id}}"
"#;

fn openapi(spec: &std::path::Path) -> Value {
    let generated = naftiko_codegen::generate_crate(spec, None).expect("generates");
    let file = generated
        .files
        .iter()
        .find(|f| f.path == "openapi/photos-rest.json")
        .expect("the OpenAPI document");
    serde_json::from_str(&file.contents).unwrap()
}

#[test]
fn openapi_describes_binary_answers_as_bytes_of_their_media_type() {
    let folder = Folder::new("binary-openapi");
    let spec = folder.write("photos.yaml", SPEC);
    let document = openapi(&spec);
    let bytes = json!({"schema": {"type": "string", "format": "binary"}});
    // `responseBinary` is the 200 answer it names.
    assert_eq!(
        document["paths"]["/photos/{id}/image"]["get"]["responses"]["200"],
        json!({"description": "The image.", "content": {"image/png": bytes}})
    );
    // Without a contract, bytes of no declared type.
    assert_eq!(
        document["paths"]["/photos/{id}/raw"]["get"]["responses"]["200"]["content"],
        json!({"application/octet-stream": bytes})
    );
}

#[test]
fn sizes_without_a_unit_are_bytes_with_a_warning() {
    let folder = Folder::new("binary-bare-size");
    let spec = folder.write(
        "photos.yaml",
        &SPEC.replace("maxBinarySize: 5MiB", "maxBinarySize: 4096"),
    );
    let resolved = naftiko_codegen::check(&spec).expect("generates");
    let warning = resolved
        .warnings
        .iter()
        .find(|w| w.message.contains("maxBinarySize"))
        .expect("a warning");
    assert_eq!(
        warning.message,
        "`maxBinarySize: 4096` has no unit: read as 4096 bytes"
    );
    assert_eq!(warning.position.map(|p| p.line), Some(16));
}

#[test]
fn what_has_no_reading_is_a_located_error() {
    let folder = Folder::new("binary-refused");
    let spec = folder.write(
        "size.yaml",
        &SPEC.replace("maxBinarySize: 5MiB", "maxBinarySize: 5MB"),
    );
    let error = only(&spec);
    assert_eq!(error.message, "`5MB` is not a size");
    assert_eq!(error.position.map(|p| p.line), Some(16));

    // Both the shorthand and the contract: which one is meant?
    let both = SPEC.replace(
        "            responseBinary:\n",
        "            responses:\n              \"200\":\n                description: The image.\n            responseBinary:\n",
    );
    let spec = folder.write("both.yaml", &both);
    let error = only(&spec);
    assert_eq!(
        error.message,
        "`responseBinary` and `responses` cannot both be written"
    );

    // Bytes promised of an answer that is JSON.
    let json_answer = SPEC.replace(
        "            outputRawFormat: binary\n            maxBinarySize: 5MiB\n",
        "",
    );
    let spec = folder.write("json.yaml", &json_answer);
    let found = errors(&spec);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].message, "`binary: true` needs a binary answer");
    assert_eq!(found[0].position.map(|p| p.line), Some(35));
}

#[test]
fn a_step_calling_a_binary_operation_is_refused_by_name() {
    let folder = Folder::new("binary-step");
    let steps = SPEC.replace(
        "            call: photos.download\n            with:\n              id: \"{{id}}\"\n            responseBinary:",
        "            steps:\n              fetch:\n                type: call\n                call: photos.download\n                with:\n                  id: \"{{id}}\"\n            responseBinary:",
    );
    let spec = folder.write("steps.yaml", &steps);
    let found = errors(&spec);
    assert!(
        found.iter().any(|e| e.message.starts_with(
            "a step calling an operation with a binary answer (`outputRawFormat: binary`) is not supported"
        )),
        "{found:#?}"
    );
}

/// A resolver's message on an Ikanos file names the path as the file writes it (named maps),
/// not the lists it is read into.
#[test]
fn messages_name_the_path_as_written() {
    let folder = Folder::new("binary-written-path");
    let spec = folder.write(
        "size.yaml",
        &SPEC.replace("maxBinarySize: 5MiB", "maxBinarySize: 5MB"),
    );
    let error = only(&spec);
    assert_eq!(
        error.yaml_path,
        "capability.consumes[0].resources.photo.operations.download.maxBinarySize"
    );
}
