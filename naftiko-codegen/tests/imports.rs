//! Imported adapters (`consumes: [{location, import, as}]`): read relative to the importing file,
//! resolved where they are written, and refused with a located error when they cannot be.

mod common;

use common::{Folder, only};

/// A shared file declaring two adapters, as the official tutorial's `shared/` files do.
const SHARED: &str = r#"naftiko: "1.0.0-alpha2"
consumes:
  - namespace: pets
    type: http
    baseUri: "https://pets.example"
    authentication:
      type: bearer
      token: "{{PETS_TOKEN}}"
    resources:
      - name: pet
        path: "/pets/{{petId}}"
        operations:
          - name: get-pet
            method: GET
            inputParameters:
              - name: petId
                in: path
  - namespace: owners
    type: http
    baseUri: "https://owners.example"
    resources:
      - name: owners
        path: "/owners"
        operations:
          - name: list-owners
            method: GET
"#;

/// A capability importing `pets` from `location` under the local name `animals`.
fn capability(location: &str, import: &str) -> String {
    format!(
        r#"naftiko: "1.0.0-alpha2"
binds:
  - namespace: env
    keys:
      PETS_TOKEN: PETS_TOKEN
capability:
  consumes:
    - location: "{location}"
      import: {import}
      as: animals
  exposes:
    - type: mcp
      namespace: pets-mcp
      port: 9090
      tools:
        - name: get-pet
          description: Get a pet
          inputParameters:
            - name: id
              type: string
              required: true
              description: The pet
          call: animals.get-pet
          with:
            petId: pets-mcp.id
"#
    )
}

#[test]
fn an_imported_adapter_is_used_under_its_alias() {
    let dir = Folder::new("alias");
    let shared = dir.write("shared/pets.yaml", SHARED);
    let spec = dir.write("cap.yaml", &capability("./shared/pets.yaml", "pets"));
    let resolved = naftiko_codegen::check(&spec).expect("valid");
    let names: Vec<&str> = resolved
        .capability
        .consumes
        .iter()
        .map(|c| c.namespace.wire.as_str())
        .collect();
    assert_eq!(names, ["animals"]);
    assert_eq!(resolved.files, [spec.clone(), shared]);

    // The generated client is the imported adapter's, under the local name.
    let generated = naftiko_codegen::generate_crate(&spec, None).expect("generates");
    let client = generated
        .files
        .iter()
        .find(|f| f.path == "src/clients/animals.rs")
        .unwrap_or_else(|| {
            let paths: Vec<_> = generated.files.iter().map(|f| &f.path).collect();
            panic!("no animals client among {paths:?}")
        });
    assert!(client.contents.contains("pub async fn get_pet"));
    assert!(client.contents.contains("https://pets.example"));
}

#[test]
fn the_engine_form_of_location_and_nested_imports_resolve() {
    let dir = Folder::new("nested");
    dir.write("shared/pets.yaml", SHARED);
    // A shared file may itself import; its location is relative to itself.
    dir.write(
        "shared/reexport.yaml",
        "naftiko: \"1.0.0-alpha2\"\nconsumes:\n  - location: \"./pets.yaml\"\n    import: pets\n",
    );
    let spec = dir.write(
        "cap.yaml",
        &capability("file:///./shared/reexport.yaml", "pets"),
    );
    let resolved = naftiko_codegen::check(&spec).expect("valid");
    assert_eq!(resolved.capability.consumes[0].namespace.wire, "animals");
    assert_eq!(resolved.files.len(), 3);
}

#[test]
fn errors_in_an_imported_file_point_into_that_file() {
    let dir = Folder::new("located");
    let shared = dir.write(
        "shared/pets.yaml",
        &SHARED.replace(
            "method: GET\n            inputParameters",
            "method: FETCH\n            inputParameters",
        ),
    );
    let spec = dir.write("cap.yaml", &capability("./shared/pets.yaml", "pets"));
    let d = only(&spec);
    assert_eq!(d.file, shared);
    assert_eq!(d.yaml_path, "consumes[0].resources[0].operations[0].method");
    assert_eq!(d.position.map(|p| p.line), Some(14));
    assert!(d.message.contains("FETCH"), "{}", d.message);
}

#[test]
fn a_namespace_the_file_does_not_declare_is_named_with_the_ones_it_does() {
    let dir = Folder::new("namespace");
    dir.write("shared/pets.yaml", SHARED);
    let spec = dir.write("cap.yaml", &capability("./shared/pets.yaml", "cats"));
    let d = only(&spec);
    assert_eq!(d.file, spec);
    assert_eq!(d.yaml_path, "capability.consumes[0].import");
    assert!(
        d.message.contains("no consumes namespace `cats`"),
        "{}",
        d.message
    );
    assert_eq!(d.help.as_deref(), Some("it declares `pets`, `owners`"));
}

#[test]
fn unreadable_escaping_and_cyclic_imports_are_located_errors() {
    let dir = Folder::new("refused");
    let missing = dir.write("missing.yaml", &capability("./shared/nowhere.yaml", "pets"));
    let d = only(&missing);
    assert_eq!(d.yaml_path, "capability.consumes[0].location");
    assert!(
        d.message.contains("cannot read the imported file"),
        "{}",
        d.message
    );

    let escaping = dir.write("escaping.yaml", &capability("../pets.yaml", "pets"));
    let d = only(&escaping);
    assert!(d.message.contains("leaves"), "{}", d.message);

    let remote = dir.write(
        "remote.yaml",
        &capability("https://example.com/pets.yaml", "pets"),
    );
    let d = only(&remote);
    assert!(
        d.message.contains("only `file:` locations"),
        "{}",
        d.message
    );

    dir.write(
        "shared/a.yaml",
        "naftiko: \"1.0.0-alpha2\"\nconsumes:\n  - location: \"./b.yaml\"\n    import: pets\n",
    );
    dir.write(
        "shared/b.yaml",
        "naftiko: \"1.0.0-alpha2\"\nconsumes:\n  - location: \"./a.yaml\"\n    import: pets\n",
    );
    let cyclic = dir.write("cyclic.yaml", &capability("./shared/a.yaml", "pets"));
    let d = only(&cyclic);
    assert!(d.file.ends_with("shared/b.yaml"), "{}", d.file.display());
    assert_eq!(
        d.message,
        "import cycle: shared/a.yaml → shared/b.yaml → shared/a.yaml"
    );
}

#[test]
fn an_import_that_also_declares_an_adapter_is_refused() {
    let dir = Folder::new("mixed");
    dir.write("shared/pets.yaml", SHARED);
    let spec = dir.write(
        "cap.yaml",
        &capability("./shared/pets.yaml", "pets").replace(
            "      as: animals\n",
            "      as: animals\n      baseUri: https://x.example\n",
        ),
    );
    let d = only(&spec);
    assert_eq!(d.yaml_path, "capability.consumes[0].baseUri");
    assert!(
        d.message.contains("cannot also declare `baseUri`"),
        "{}",
        d.message
    );
}

/// `binds` of an imported file bind for the whole capability, with a warning; a `location`
/// there is relative to the imported file; repeating the capability's own bind is no conflict.
#[test]
fn binds_of_an_imported_file_are_the_capabilitys() {
    let dir = Folder::new("imported-binds");
    let shared = SHARED.replacen(
        "consumes:",
        "binds:\n  - namespace: env\n    keys:\n      PETS_TOKEN: PETS_TOKEN\n  - namespace: owners-file\n    location: \"file:///./owners-secrets.yaml\"\n    keys:\n      OWNERS_KEY: owners-key\nconsumes:",
        1,
    );
    let shared = dir.write("shared/pets.yaml", &shared);
    let spec = dir.write("cap.yaml", &capability("./shared/pets.yaml", "pets"));
    let resolved = naftiko_codegen::check(&spec).expect("valid");
    let warning = resolved
        .warnings
        .iter()
        .find(|w| {
            w.message
                .contains("`binds` of the imported file `pets.yaml`")
        })
        .unwrap_or_else(|| panic!("{:#?}", resolved.warnings));
    assert_eq!(warning.file, shared);
    let owners = resolved
        .capability
        .binds
        .iter()
        .find(|b| b.name.wire == "OWNERS_KEY")
        .expect("the imported file's variable is bound");
    let file = owners.file.as_ref().expect("read from a file");
    assert_eq!(file.path, "shared/owners-secrets.yaml");
    assert_eq!(file.key, "owners-key");
    let tokens = resolved
        .capability
        .binds
        .iter()
        .filter(|b| b.name.wire == "PETS_TOKEN")
        .count();
    assert_eq!(tokens, 1);

    // A different bind of the same variable is a conflict, located in the imported file.
    let conflicting = dir.write(
        "shared/pets.yaml",
        &SHARED.replacen(
            "consumes:",
            "binds:\n  - namespace: env\n    keys:\n      PETS_TOKEN: OTHER_TOKEN\nconsumes:",
            1,
        ),
    );
    let error = only(&spec);
    assert_eq!(error.message, "variable `PETS_TOKEN` is bound twice");
    assert_eq!(error.file, conflicting);
}

/// A file of shared binds, as an Ikanos capability imports one of them (`from` + `import`).
const SHARED_BINDS: &str = r#"ikanos: "1.0.0-beta5"
binds:
  - namespace: registry-env
    location: "file:///./secrets.yaml"
    keys:
      PETS_TOKEN: pets-token
  - namespace: other-env
    keys:
      OTHER_TOKEN: OTHER_TOKEN
"#;

/// The capability of [`capability`], in Ikanos form, its bind imported from `from`.
fn importing_binds(from: &str, import: &str) -> String {
    capability("./shared/pets.yaml", "pets")
        .replace("naftiko: \"1.0.0-alpha2\"", "ikanos: \"1.0.0-beta5\"")
        .replace(
            "  - namespace: env\n    keys:\n      PETS_TOKEN: PETS_TOKEN\n",
            &format!("  - from: \"{from}\"\n    import: {import}\n    as: registry\n"),
        )
        .replace("        - name: get-pet\n", "        get-pet:\n")
        .replace(
            "          inputParameters:\n            - name: id\n",
            "          inputParameters:\n            id:\n",
        )
}

/// An imported bind (Ikanos `ImportEntry`) is the one the file declares under that namespace,
/// its `location` relative to that file, under its local name; only that bind is read.
#[test]
fn an_imported_bind_is_read_as_its_file_declares_it() {
    let dir = Folder::new("bind-imports");
    dir.write("shared/pets.yaml", SHARED);
    dir.write("shared/binds.yaml", SHARED_BINDS);
    let spec = dir.write(
        "cap.yaml",
        &importing_binds("./shared/binds.yaml", "registry-env"),
    );
    let resolved = naftiko_codegen::check(&spec).expect("valid");
    let binds = &resolved.capability.binds;
    let token = binds
        .iter()
        .find(|b| b.name.wire == "PETS_TOKEN")
        .expect("the imported bind's variable");
    assert_eq!(token.namespace, "registry");
    let file = token.file.as_ref().expect("read from the file it names");
    assert_eq!(file.path, "shared/secrets.yaml");
    assert_eq!(file.key, "pets-token");
    assert!(binds.iter().all(|b| b.name.wire != "OTHER_TOKEN"));
    naftiko_codegen::generate_crate(&spec, None).expect("the crate is made");
}

#[test]
fn an_imported_bind_the_file_does_not_declare_is_a_located_error() {
    let dir = Folder::new("bind-imports-refused");
    dir.write("shared/pets.yaml", SHARED);
    dir.write("shared/binds.yaml", SHARED_BINDS);
    let spec = dir.write(
        "cap.yaml",
        &importing_binds("./shared/binds.yaml", "nowhere"),
    );
    let error = only(&spec);
    assert_eq!(
        error.message,
        "`./shared/binds.yaml` declares no bind namespace `nowhere`"
    );
    assert_eq!(error.yaml_path, "binds[0].import");
    assert_eq!(
        error.help.as_deref(),
        Some("it declares `registry-env`, `other-env`")
    );

    // Imports are not transitive.
    dir.write(
        "shared/binds.yaml",
        "ikanos: \"1.0.0-beta5\"\nbinds:\n  - from: ./more.yaml\n    import: registry-env\n",
    );
    dir.write("shared/more.yaml", SHARED_BINDS);
    let spec = dir.write(
        "cap.yaml",
        &importing_binds("./shared/binds.yaml", "registry-env"),
    );
    let error = only(&spec);
    assert_eq!(error.message, "an imported bind is itself imported");

    let spec = dir.write(
        "cap.yaml",
        &importing_binds("./shared/missing.yaml", "registry-env"),
    );
    let error = only(&spec);
    assert!(
        error
            .message
            .starts_with("cannot read the imported file `./shared/missing.yaml`"),
        "{error:?}"
    );
}
