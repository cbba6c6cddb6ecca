//! Consumed operations typed by the upstream's OpenAPI document (`--openapi NAMESPACE=FILE`):
//! matched by method and path whatever the names of templated segments, each match and miss a
//! located note; OpenAPI 3.0, 3.1 and Swagger 2.0 read into JSON Schema 2020-12; `$ref` cycles,
//! references to nothing and `nullable` handled without a crash.

mod common;

use common::Folder;
use naftiko_codegen::{Error, Options};
use serde_json::{Value, json};

const SPEC: &str = r#"naftiko: 1.0.0-alpha2
info:
  label: Shelf
capability:
  consumes:
  - type: http
    namespace: shelf
    baseUri: https://shelf.example/v2
    resources:
    - name: books
      path: /books/{{bookId}}
      operations:
      - name: get-book
        method: GET
        inputParameters:
        - name: bookId
          in: path
    - name: shelves
      path: /shelves
      operations:
      - name: list-shelves
        method: GET
      - name: add-shelf
        method: POST
        body:
          type: json
          data: '{{shelf}}'
        inputParameters:
        - name: shelf
          in: body
          type: object
  exposes:
  - type: mcp
    namespace: shelf-mcp
    port: 9090
    tools:
    - name: book
      description: One book.
      call: shelf.get-book
      with:
        bookId: shelf-mcp.id
      inputParameters:
      - name: id
        type: string
        required: true
    - name: shelves
      description: Every shelf.
      call: shelf.list-shelves
  - type: rest
    namespace: shelf-rest
    port: 8080
    resources:
    - path: /books/{id}
      operations:
      - method: GET
        name: book
        call: shelf.get-book
        with:
          bookId: shelf-rest.id
"#;

/// OpenAPI 3.0: the server's path is `/v2`, the path variable named otherwise, a `nullable`
/// field, a schema that contains itself, and a `$ref` to nothing.
const OPENAPI_30: &str = r#"openapi: 3.0.3
info: {title: Shelf, version: "1"}
servers:
- url: https://shelf.example/v2/
paths:
  /books/{id}:
    get:
      operationId: getBook
      summary: A book by its id
      parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: The book.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Book'}
        "404": {description: No such book.}
  /shelves:
    get:
      operationId: listShelves
      responses:
        "200":
          description: Shelves.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing'}
components:
  schemas:
    Book:
      type: object
      required: [id, title]
      properties:
        id: {type: string}
        title: {type: string}
        subtitle: {type: string, nullable: true}
        pages: {type: integer, minimum: 1, exclusiveMinimum: true}
        sequel: {$ref: '#/components/schemas/Book'}
      example: {id: "1", title: Dune}
"#;

/// Swagger 2.0: `basePath`, `definitions`, a body parameter and a response `schema`.
const SWAGGER_2: &str = r#"swagger: "2.0"
info: {title: Shelf, version: "1"}
basePath: /v2
paths:
  /shelves:
    post:
      operationId: addShelf
      parameters:
      - {name: shelf, in: body, required: true, schema: {$ref: '#/definitions/Shelf'}}
      responses:
        "201":
          description: Made.
          schema: {$ref: '#/definitions/Shelf'}
    get:
      responses:
        "200":
          description: Shelves.
          schema: {type: array, items: {$ref: '#/definitions/Shelf'}}
definitions:
  Shelf:
    type: object
    properties:
      name: {type: string, x-nullable: true}
"#;

fn generate(folder: &Folder, document: (&str, &str)) -> naftiko_codegen::Generated {
    let spec = folder.write("shelf.yaml", SPEC);
    let api = folder.write(document.0, document.1);
    let options = Options::default().openapi("shelf", api);
    naftiko_codegen::generate_crate_with(&spec, None, &options).expect("generates")
}

/// The `outputSchema` of `tool` in the generated MCP module.
fn output_schema(generated: &naftiko_codegen::Generated, tool: &str) -> Option<Value> {
    let module = generated
        .files
        .iter()
        .find(|f| f.path == "src/mcp/shelf_mcp.rs")
        .expect("the MCP module");
    let start = module.contents.find(&format!("fn {tool}_tool() -> Tool"))?;
    let rest = &module.contents[start..];
    let end = rest.find("\n}\n").unwrap_or(rest.len());
    let body = &rest[..end];
    let schema_at = body.find("with_raw_output_schema")?;
    let text = &body[schema_at..];
    let open = text.find("r#\"")? + 3;
    let close = text[open..].find("\"#")? + open;
    Some(serde_json::from_str(&text[open..close]).expect("JSON"))
}

#[test]
fn operations_are_matched_by_method_and_path_with_a_note_each() {
    let folder = Folder::new("openapi-notes");
    let generated = generate(&folder, ("shelf.openapi.yaml", OPENAPI_30));
    let notes: Vec<String> = generated.notes.iter().map(|n| n.message.clone()).collect();
    let file = folder
        .path()
        .join("shelf.openapi.yaml")
        .display()
        .to_string();
    assert!(
        notes.contains(&format!(
            "`get-book` is `GET /books/{{id}}` (`getBook`) of {file}: its 200 answer typed by it"
        )),
        "{notes:#?}"
    );
    assert!(
        notes.contains(&format!(
            "`add-shelf` (`POST /shelves`) is in no operation of {file}: its answer stays untyped"
        )),
        "{notes:#?}"
    );
    // Located at the operation in the spec.
    let book = generated
        .notes
        .iter()
        .find(|n| n.message.starts_with("`get-book`"))
        .unwrap();
    assert_eq!(book.position.map(|p| p.line), Some(13));
    // Notes are not warnings.
    assert!(
        generated
            .warnings
            .iter()
            .all(|w| !w.message.contains(&file))
    );
}

#[test]
fn openapi_30_is_read_as_json_schema_2020_12() {
    let folder = Folder::new("openapi-30");
    let generated = generate(&folder, ("shelf.openapi.yaml", OPENAPI_30));
    let book = output_schema(&generated, "book").expect("an output schema");
    assert_eq!(
        book["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let properties = &book["properties"];
    assert_eq!(properties["subtitle"]["type"], json!(["string", "null"]));
    assert_eq!(
        properties["pages"],
        json!({"type": "integer", "exclusiveMinimum": 1})
    );
    // OpenAPI's own keywords are left out.
    assert!(book.get("example").is_none(), "{book}");
    // The schema that contains itself: any JSON where it recurs.
    assert_eq!(properties["sequel"], json!({}));
    assert!(!book.to_string().contains("$ref"), "{book}");
    // A `$ref` to nothing: a note, and any JSON — the tool still wraps it as an object.
    let shelves = output_schema(&generated, "shelves").expect("an output schema");
    assert_eq!(shelves["type"], "object", "{shelves}");
    assert!(
        generated.notes.iter().any(|n| n
            .message
            .contains("`$ref: #/components/schemas/Missing` is not a schema of this file")),
        "{:#?}",
        generated.notes
    );
    // The REST adapter's document carries the same schema (without the dialect line).
    let document = generated
        .files
        .iter()
        .find(|f| f.path == "openapi/shelf-rest.json")
        .unwrap();
    let document: Value = serde_json::from_str(&document.contents).unwrap();
    let rest = &document["paths"]["/books/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(rest["properties"], book["properties"]);
}

#[test]
fn swagger_20_definitions_bodies_and_answers_are_read() {
    let folder = Folder::new("openapi-swagger");
    let generated = generate(&folder, ("shelf.swagger.yaml", SWAGGER_2));
    let shelves = output_schema(&generated, "shelves").expect("an output schema");
    // An array answer, wrapped under the output's name as the answer is.
    let items = &shelves["properties"]["result"]["items"];
    assert_eq!(
        items["properties"]["name"]["type"],
        json!(["string", "null"])
    );
    let file = folder
        .path()
        .join("shelf.swagger.yaml")
        .display()
        .to_string();
    assert!(
        generated.notes.iter().any(|n| n.message
            == format!("`add-shelf` is `POST /shelves` (`addShelf`) of {file}: its 201 answer and its request body typed by it")),
        "{:#?}",
        generated.notes
    );
}

#[test]
fn openapi_31_schemas_are_taken_as_they_are() {
    let folder = Folder::new("openapi-31");
    let document = OPENAPI_30
        .replace("openapi: 3.0.3", "openapi: 3.1.0")
        .replace(
            "{type: string, nullable: true}",
            "{type: [string, \"null\"]}",
        )
        .replace(
            "{type: integer, minimum: 1, exclusiveMinimum: true}",
            "{type: integer, exclusiveMinimum: 1}",
        );
    let generated = generate(&folder, ("shelf.openapi.yaml", &document));
    let book = output_schema(&generated, "book").expect("an output schema");
    assert_eq!(
        book["properties"]["subtitle"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(
        book["properties"]["pages"],
        json!({"type": "integer", "exclusiveMinimum": 1})
    );
}

#[test]
fn what_cannot_be_used_is_refused_clearly() {
    let folder = Folder::new("openapi-refused");
    let spec = folder.write("shelf.yaml", SPEC);
    // A namespace the spec does not consume: a located error naming the ones it does.
    let api = folder.write("shelf.openapi.yaml", OPENAPI_30);
    let options = Options::default().openapi("library", &api);
    match naftiko_codegen::check_with(&spec, &options) {
        Err(Error::Spec(diags)) => {
            let error = diags.errors().next().unwrap();
            assert!(
                error
                    .message
                    .contains("tied to `library`, a namespace this spec does not consume"),
                "{error}"
            );
            assert_eq!(error.help.as_deref(), Some("tie it to one of: shelf"));
            assert!(error.position.is_some());
        }
        other => panic!("expected an error, got {other:?}"),
    }
    // Not an OpenAPI document.
    let not_api = folder.write("notes.yaml", "title: not an API\n");
    let options = Options::default().openapi("shelf", &not_api);
    match naftiko_codegen::check_with(&spec, &options) {
        Err(Error::Usage(message)) => {
            assert!(
                message.contains("not an OpenAPI 3.0 / 3.1 or Swagger 2.0 document"),
                "{message}"
            )
        }
        other => panic!("expected a usage error, got {other:?}"),
    }
    // A file that is not there.
    let options = Options::default().openapi("shelf", folder.path().join("gone.yaml"));
    assert!(matches!(
        naftiko_codegen::check_with(&spec, &options),
        Err(Error::Usage(message)) if message.contains("gone.yaml")
    ));
}

#[test]
fn without_a_document_nothing_changes() {
    let folder = Folder::new("openapi-none");
    let spec = folder.write("shelf.yaml", SPEC);
    let generated = naftiko_codegen::generate_crate(&spec, None).expect("generates");
    assert!(generated.notes.is_empty());
    assert_eq!(output_schema(&generated, "book"), None);
}
