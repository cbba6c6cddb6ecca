//! Broken specs get located diagnostics: file:line:column, the YAML path and a snippet.

use std::path::Path;

use naftiko_codegen::diagnostic::{Position, SourceFile};
use naftiko_codegen::{Diagnostic, Error, check_source};

/// A small valid spec; tests break one line of it.
const SPEC: &str = r#"naftiko: 1.0.0-alpha2
info:
  label: Pets
binds:
- namespace: env
  keys:
    PETS_TOKEN: PETS_TOKEN
capability:
  consumes:
  - type: http
    namespace: pets
    baseUri: https://pets.example
    authentication:
      type: bearer
      token: "{{PETS_TOKEN}}"
    resources:
    - name: pet
      path: /pets/{petId}
      operations:
      - name: get-pet
        method: GET
        inputParameters:
        - name: petId
          in: path
  exposes:
  - type: rest
    namespace: pets-rest
    port: 8080
    resources:
    - path: /v1/pets/{petid}
      operations:
      - method: GET
        name: get-pet
        call: pets.get-pet
        with:
          petId: rest.petId
  - type: mcp
    namespace: pets-mcp
    port: 9090
    tools:
    - name: get-pet
      description: Get a pet
      call: pets.get-pet
      with:
        petId: tools.petId
"#;

fn errors(text: &str) -> Vec<Diagnostic> {
    match check_source(SourceFile::new("pets.yaml", text)) {
        Err(Error::Spec(d)) => d.errors().cloned().collect(),
        Ok(_) => panic!("the spec was accepted"),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

fn only(text: &str) -> Diagnostic {
    let mut errors = errors(text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.remove(0)
}

fn at(line: usize, column: usize) -> Option<Position> {
    Some(Position { line, column })
}

#[test]
fn the_base_spec_is_valid_and_explicit_bearer_raises_no_warning() {
    let resolved = check_source(SourceFile::new("pets.yaml", SPEC)).expect("valid");
    assert!(resolved.warnings.is_empty(), "{:#?}", resolved.warnings);
    assert_eq!(
        resolved.capability.rest[0].routes[0].path,
        "/v1/pets/{petid}"
    );
}

#[test]
fn unknown_call_names_the_operation_and_lists_the_known_ones() {
    // The rest of the capability is generated; the operation is left out, with a warning.
    let spec = SPEC.replace("        call: pets.get-pet", "        call: pets.get-cat");
    let resolved = check_source(SourceFile::new("pets.yaml", &spec)).expect("an assumption");
    let d = resolved
        .warnings
        .iter()
        .find(|w| w.message.contains("no operation `get-cat`"))
        .unwrap_or_else(|| panic!("{:#?}", resolved.warnings));
    assert_eq!(d.file, Path::new("pets.yaml"));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[0].resources[0].operations[0].call"
    );
    assert_eq!(d.position, at(34, 15));
    assert_eq!(d.snippet.as_deref(), Some("        call: pets.get-cat"));
    assert!(d.message.contains("left out"), "{}", d.message);
    assert!(d.help.as_deref().unwrap().contains("get-pet"));
    let rendered = d.to_string();
    assert!(
        rendered.contains(
            "--> pets.yaml:34:15 (at `capability.exposes[0].resources[0].operations[0].call`)"
        ),
        "{rendered}"
    );
    // Its adapter, left with no operation, is left out too; the MCP adapter stays.
    assert!(resolved.capability.rest.is_empty());
    assert_eq!(resolved.capability.mcp[0].tools.len(), 1);
}

#[test]
fn unknown_namespace_in_a_tool_call_leaves_the_tool_out() {
    let spec = SPEC.replace(
        "      call: pets.get-pet\n      with:\n        petId: tools",
        "      call: cats.get-pet\n      with:\n        petId: tools",
    );
    let resolved = check_source(SourceFile::new("pets.yaml", &spec)).expect("an assumption");
    let d = resolved
        .warnings
        .iter()
        .find(|w| w.message.contains("unknown consumes namespace `cats`"))
        .unwrap_or_else(|| panic!("{:#?}", resolved.warnings));
    assert_eq!(d.yaml_path, "capability.exposes[1].tools[0].call");
    assert_eq!(d.position, at(43, 13));
    assert!(d.message.contains("left out"), "{}", d.message);
    assert!(d.help.as_deref().unwrap().contains("pets"));
    // The MCP adapter, left with no tool, is left out; the REST adapter stays.
    assert!(resolved.capability.mcp.is_empty());
    assert_eq!(resolved.capability.rest.len(), 1);
}

#[test]
fn with_naming_no_input_gains_that_input_with_a_warning() {
    let spec = SPEC.replace("petId: rest.petId", "petId: rest.ownerId");
    let resolved = check_source(SourceFile::new("pets.yaml", &spec)).expect("an assumption");
    let w = resolved
        .warnings
        .iter()
        .find(|w| w.message.contains("gains the query input `ownerId`"))
        .unwrap_or_else(|| panic!("{:#?}", resolved.warnings));
    assert_eq!(
        w.yaml_path,
        "capability.exposes[0].resources[0].operations[0]"
    );
    assert!(w.help.as_deref().unwrap_or("").contains("inputParameters"));
    let inputs = &resolved.capability.rest[0].routes[0].operations[0].inputs;
    assert!(
        inputs
            .iter()
            .any(|i| i.name.wire == "ownerId" && i.required),
        "{inputs:#?}"
    );
}

#[test]
fn with_naming_no_parameter() {
    // Nothing is sent for `ownerId`: a warning, not an error.
    let extra = SPEC.replace(
        "        petId: tools.petId",
        "        petId: tools.petId\n        ownerId: tools.petId",
    );
    let resolved = check_source(SourceFile::new("pets.yaml", extra)).expect("valid");
    let w = resolved
        .warnings
        .iter()
        .find(|w| w.yaml_path == "capability.exposes[1].tools[0].with.ownerId")
        .expect("a warning at the entry");
    assert!(
        w.message
            .contains("`ownerId`, which is not a parameter of `get-pet`: it is not sent"),
        "{}",
        w.message
    );
}

#[test]
fn yaml_syntax_error_is_located() {
    let d = only(&SPEC.replace("    namespace: pets-mcp", "    namespace: [pets-mcp"));
    assert!(d.message.starts_with("invalid YAML"), "{}", d.message);
    let p = d.position.expect("a position");
    assert!((38..=40).contains(&p.line), "{p:?}");
    assert!(d.snippet.is_some());
}

#[test]
fn wrong_type_is_located_with_its_path() {
    let d = only(&SPEC.replace("    port: 9090", "    port: [9090]"));
    assert_eq!(d.yaml_path, "capability.exposes[1].port");
    assert_eq!(d.position, at(39, 11));
    assert!(d.message.contains("invalid type"), "{}", d.message);
    assert_eq!(d.snippet.as_deref(), Some("    port: [9090]"));

    let d = only(&SPEC.replace(
        "      - name: get-pet\n        method: GET",
        "      - name: [get-pet]\n        method: GET",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.consumes[0].resources[0].operations[0].name"
    );
    assert_eq!(d.position, at(20, 15));
}

#[test]
fn a_missing_field_points_at_its_mapping() {
    let d = only(&SPEC.replace("    - path: /v1/pets/{petid}\n", "    - name: no-path\n"));
    assert_eq!(d.yaml_path, "capability.exposes[0].resources[0]");
    assert!(d.message.contains("missing field `path`"), "{}", d.message);
}

#[test]
fn unsupported_features_are_refused_by_name_never_ignored() {
    // Inbound oauth2 needs its issuer and resource, over https (http for localhost only);
    // upstream, the resource server's fields are not a client's.
    let all = errors(&SPEC.replace(
        "    port: 8080\n",
        "    port: 8080\n    authentication:\n      type: oauth2\n      resource: http://api.example/v1\n",
    ));
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(
        all[0]
            .message
            .contains("`oauth2` needs `authorizationServerUri`")
    );
    assert_eq!(
        all[1].yaml_path,
        "capability.exposes[0].authentication.resource"
    );
    assert!(
        all[1].message.contains("is not an https URL"),
        "{}",
        all[1].message
    );
    check_source(SourceFile::new(
        "pets.yaml",
        SPEC.replace(
            "    port: 8080\n",
            "    port: 8080\n    authentication:\n      type: oauth2\n      authorizationServerUri: http://localhost:8180/realms/pets\n      resource: https://pets.example/api\n      tokenValidation: introspection\n",
        ),
    ))
    .expect("inbound oauth2 is valid");
    let d = only(&SPEC.replace(
        "      type: bearer\n      token: \"{{PETS_TOKEN}}\"",
        "      type: oauth2\n      authorizationServerUri: https://auth.example\n      resource: https://pets.example",
    ));
    assert!(
        d.message
            .contains("upstream `oauth2` needs `tokenEndpoint`"),
        "{}",
        d.message
    );
    assert_eq!(d.yaml_path, "capability.consumes[0].authentication");
    // An inbound secret written into the spec is refused like an upstream one.
    let d = only(&SPEC.replace(
        "    port: 8080\n",
        "    port: 8080\n    authentication:\n      type: bearer\n      token: sk-inbound\n",
    ));
    assert_eq!(d.yaml_path, "capability.exposes[0].authentication.token");
    assert!(!d.message.contains("sk-inbound"), "{}", d.message);

    let d = only(&SPEC.replace(
        "      type: bearer\n      token: \"{{PETS_TOKEN}}\"",
        "      type: hmac\n      username: u",
    ));
    assert!(
        d.message.contains("upstream authentication `hmac`"),
        "{}",
        d.message
    );
    // An API key in the body is read from requests only upstream.
    let d = only(&SPEC.replace(
        "    port: 8080\n",
        "    port: 8080\n    authentication:\n      type: apikey\n      key: api_key\n      value: \"{{PETS_TOKEN}}\"\n      placement: body\n",
    ));
    assert!(
        d.message.contains("API key `placement: body`"),
        "{}",
        d.message
    );
    assert_eq!(
        d.yaml_path,
        "capability.exposes[0].authentication.placement"
    );
    // Digest needs its password from a bound variable, as basic does.
    let d = only(&SPEC.replace(
        "      type: bearer\n      token: \"{{PETS_TOKEN}}\"",
        "      type: digest\n      username: u",
    ));
    assert!(d.message.contains("missing `password`"), "{}", d.message);
}

#[test]
fn upstream_oauth2_is_the_client_credentials_grant_checked_where_written() {
    let with = |auth: &str| {
        SPEC.replace(
            "      type: bearer\n      token: \"{{PETS_TOKEN}}\"",
            &format!("      type: oauth2\n{auth}"),
        )
    };
    check_source(SourceFile::new(
        "pets.yaml",
        with("      tokenEndpoint: https://auth.example/token\n      clientId: pets-app\n      clientSecret: \"{{PETS_TOKEN}}\"\n      scopes: [pets.read]\n"),
    ))
    .expect("client credentials with a written client id");
    check_source(SourceFile::new(
        "pets.yaml",
        with("      tokenUrl: http://localhost:8180/token\n      clientId: pets-app\n      clientSecret: \"{{PETS_TOKEN}}\"\n      clientAuthentication: body\n"),
    ))
    .expect("`tokenUrl`, as OpenAPI names it, over http on loopback");
    // The secret must be bound; it is never repeated.
    let d = only(&with(
        "      tokenEndpoint: https://auth.example/token\n      clientId: pets-app\n      clientSecret: hunter2\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.consumes[0].authentication.clientSecret"
    );
    assert!(!d.message.contains("hunter2"), "{d}");
    // The secret would travel in clear to a token endpoint beyond loopback.
    let d = only(&with(
        "      tokenEndpoint: http://auth.example/token\n      clientId: pets-app\n      clientSecret: \"{{PETS_TOKEN}}\"\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.consumes[0].authentication.tokenEndpoint"
    );
    assert!(d.message.contains("plain http"), "{}", d.message);
    assert_eq!(d.position, at(15, 22));
    // A grant that needs someone to sign in has no reading for a server.
    let d = only(&with(
        "      grantType: authorization_code\n      tokenEndpoint: https://auth.example/token\n      clientId: pets-app\n      clientSecret: \"{{PETS_TOKEN}}\"\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.consumes[0].authentication.grantType"
    );
    assert!(d.message.contains("authorization_code"), "{}", d.message);
    let d = only(&with(
        "      tokenEndpoint: https://auth.example/token\n      clientId: pets-app\n      clientSecret: \"{{PETS_TOKEN}}\"\n      clientAuthentication: jwt\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.consumes[0].authentication.clientAuthentication"
    );
    let d = only(&with(
        "      tokenEndpoint: https://auth.example/token\n      clientSecret: \"{{PETS_TOKEN}}\"\n",
    ));
    assert!(d.message.contains("missing `clientId`"), "{}", d.message);
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let broken = SPEC
        .replace("token: \"{{PETS_TOKEN}}\"", "token: sk-live-123")
        .replace("        method: GET\n", "        method: FETCH\n");
    let errors = errors(&broken);
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn a_bearer_token_must_come_from_a_bind_never_a_literal() {
    let d = only(&SPEC.replace("token: \"{{PETS_TOKEN}}\"", "token: sk-live-123"));
    assert_eq!(d.yaml_path, "capability.consumes[0].authentication.token");
    assert!(
        !d.to_string().contains("help: sk-live"),
        "the help text does not echo the value"
    );
}

#[test]
fn undeclared_path_variables_become_required_string_parameters() {
    let spec = SPEC.replace(
        "        inputParameters:\n        - name: petId\n          in: path\n",
        "",
    );
    let resolved = check_source(SourceFile::new("pets.yaml", spec)).expect("valid");
    let op = &resolved.capability.consumes[0].operations[0];
    assert_eq!(op.params[0].name.wire, "petId");
    assert!(op.params[0].required);
}

#[test]
fn an_input_that_cannot_feed_its_parameter_is_an_error() {
    let spec = SPEC.replace("        - name: petId\n          in: path\n", "        - name: petId\n          in: path\n        - name: filter\n          in: query\n          type: object\n");
    let d = only(&spec.replace(
        "          petId: rest.petId",
        "          petId: rest.petId\n          filter: rest.petId",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[0].resources[0].operations[0].with"
    );
    assert!(
        d.message
            .contains("cannot feed parameter `filter` of type object"),
        "{}",
        d.message
    );

    let spec = SPEC.replace(
        "      description: Get a pet\n",
        "      description: Get a pet\n      inputParameters:\n      - name: petId\n        type: integer\n",
    );
    let d = only(&spec);
    assert!(
        d.message.contains(
            "argument `petId` (type integer) cannot feed parameter `petId` of type string"
        ),
        "{}",
        d.message
    );
}

#[test]
fn bind_locations_must_be_files_inside_the_spec_folder() {
    let with_location = |location: &str| {
        SPEC.replace(
            "- namespace: env\n",
            &format!("- namespace: env\n  location: \"{location}\"\n"),
        )
    };
    // The engine's form and plain relative paths are accepted.
    for ok in [
        "file:///./shared/secrets.yaml",
        "./secrets.yaml",
        "file:secrets/x.json",
    ] {
        let checked = check_source(SourceFile::new("pets.yaml", with_location(ok)));
        assert!(checked.is_ok(), "{ok}: {:?}", checked.err());
    }
    for (location, says) in [
        ("file:///etc/secrets.yaml", "relative to the spec's folder"),
        ("file:///./../../outside.yaml", "leaves the spec's folder"),
        ("vault://kv/pets", "only `file:` locations"),
    ] {
        let d = only(&with_location(location));
        assert_eq!(d.yaml_path, "binds[0].location", "{location}");
        assert!(d.message.contains(says), "{location}: {}", d.message);
    }
}

#[test]
fn path_parameter_values_are_fixed_or_bound_and_unused_ones_are_not_sent() {
    let bound = SPEC.replace(
        "        - name: petId\n          in: path\n",
        "        - name: petId\n          in: path\n          value: \"{{PETS_TOKEN}}\"\n",
    );
    // `with` still names `petId`, which is no longer a parameter: a warning, not an error.
    check_source(SourceFile::new("pets.yaml", &bound)).expect("a bound path value is valid");

    let unused = SPEC.replace(
        "        - name: petId\n          in: path\n",
        "        - name: petId\n          in: path\n        - name: version\n          in: path\n          value: v2\n",
    );
    // The engine fills a path only from its placeholders: the value is not sent, with a warning.
    let resolved = check_source(SourceFile::new("pets.yaml", &unused)).expect("an assumption");
    let w = resolved
        .warnings
        .iter()
        .find(|w| w.message.contains("`version` does not appear in the path"))
        .unwrap_or_else(|| panic!("{:#?}", resolved.warnings));
    assert_eq!(
        w.yaml_path,
        "capability.consumes[0].resources[0].operations[0].inputParameters[1].name"
    );
    assert!(w.message.contains("it is not sent"), "{}", w.message);
}

#[test]
fn an_input_pattern_must_compile_and_apply_to_a_string() {
    let with_input = |input: &str| {
        SPEC.replace(
            "      description: Get a pet\n",
            &format!("      description: Get a pet\n      inputParameters:\n{input}"),
        )
    };
    let d = only(&with_input(
        "      - name: petId\n        type: string\n        description: id\n        pattern: \"([a-z\"\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[1].tools[0].inputParameters[0].pattern"
    );
    assert!(
        d.message.contains("is not a regular expression"),
        "{}",
        d.message
    );
    let all = errors(&with_input(
        "      - name: petId\n        type: integer\n        description: id\n        pattern: \"^[0-9]+$\"\n",
    ));
    assert!(
        all.iter()
            .any(|d| d.message.contains("`type: string` inputs only")),
        "{all:#?}"
    );
}

#[test]
fn an_output_value_is_read_as_its_type() {
    let with_output = |output: &str| {
        SPEC.replace(
            "        with:\n          petId: rest.petId\n",
            &format!(
                "        with:\n          petId: rest.petId\n        outputParameters:\n        - type: object\n          properties:\n            kind:\n{output}"
            ),
        )
    };
    let fine = with_output("              type: number\n              value: \"2.5\"\n");
    check_source(SourceFile::new("pets.yaml", &fine)).expect("a number value is valid");

    let d = only(&with_output(
        "              type: number\n              value: lots\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[0].resources[0].operations[0].outputParameters[0].properties.kind.value"
    );
    assert!(
        d.message.contains("`lots` is not a number"),
        "{}",
        d.message
    );

    // Templates make text from the operation's inputs.
    let templated =
        with_output("              type: string\n              value: \"pet {{petid}}\"\n");
    check_source(SourceFile::new("pets.yaml", &templated)).expect("a template of an input");
    let d = only(&with_output(
        "              type: number\n              value: \"{{petid}}\"\n",
    ));
    assert!(
        d.message
            .contains("makes text, but this output is a number"),
        "{}",
        d.message
    );
    let d = only(&with_output(
        "              type: string\n              value: \"{{owner}}\"\n",
    ));
    assert!(
        d.message.contains("`{{owner}}` names no input"),
        "{}",
        d.message
    );
    assert!(
        d.help.as_deref().unwrap_or("").contains("petid"),
        "{:?}",
        d.help
    );
}

#[test]
fn an_html_selector_is_checked_when_generated() {
    let d = only(&SPEC.replace(
        "        method: GET\n        inputParameters:\n        - name: petId\n",
        "        method: GET\n        outputRawFormat: html\n        outputSchema: \"table[[\"\n        inputParameters:\n        - name: petId\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.consumes[0].resources[0].operations[0].outputSchema"
    );
    assert!(
        d.message.contains("`table[[` is not a CSS selector"),
        "{}",
        d.message
    );
    // Markdown takes any heading prefix, or none.
    let markdown = SPEC.replace(
        "        method: GET\n        inputParameters:\n        - name: petId\n",
        "        method: GET\n        outputRawFormat: markdown\n        inputParameters:\n        - name: petId\n",
    );
    check_source(SourceFile::new("pets.yaml", &markdown)).expect("markdown is valid");
}

#[test]
fn an_environment_parameter_is_a_variable_read_at_start_up() {
    let spec = SPEC.replace(
        "      path: /pets/{petId}\n",
        "      path: /{{REGION}}/pets/{petId}\n      inputParameters:\n      - name: REGION\n        in: environment\n",
    );
    let resolved = check_source(SourceFile::new("pets.yaml", &spec)).expect("valid");
    let region = resolved
        .capability
        .binds
        .iter()
        .find(|b| b.env == "REGION")
        .expect("REGION is read at start-up");
    assert_eq!(
        region.declared,
        "read by the `in: environment` parameter of the resource `/{{REGION}}/pets/{petId}` of `pets`"
    );

    // A `value` would replace the environment: refused rather than guessed.
    let d = only(&SPEC.replace(
        "        - name: petId\n          in: path\n",
        "        - name: petId\n          in: path\n        - name: REGION\n          in: environment\n          value: eu\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.consumes[0].resources[0].operations[0].inputParameters[1].value"
    );
}

#[test]
fn env_expressions_in_authentication_read_the_environment() {
    let spec = SPEC.replace("token: \"{{PETS_TOKEN}}\"", "token: $env.PETS_API_TOKEN");
    let resolved = check_source(SourceFile::new("pets.yaml", &spec)).expect("valid");
    let var = resolved
        .capability
        .binds
        .iter()
        .find(|b| b.env == "PETS_API_TOKEN")
        .expect("read at start-up");
    assert_eq!(
        var.declared,
        "read by `$env.PETS_API_TOKEN` in the authentication of `pets`"
    );
    assert!(!var.from_binds);
    let index = resolved
        .capability
        .binds
        .iter()
        .position(|b| b.env == "PETS_API_TOKEN");
    assert_eq!(
        resolved.capability.consumes[0].auth,
        naftiko_codegen::resolve::ir::UpstreamAuth::Bearer {
            token: vec![naftiko_codegen::resolve::ir::Part::Slot(
                naftiko_codegen::resolve::ir::BindId::new(index.unwrap())
            )],
            implicit: false,
        }
    );
}

#[test]
fn an_environment_parameter_is_never_taken_for_a_bearer_token() {
    // No binds, no authentication: the implicit bearer rule needs a bound variable.
    let spec = SPEC
        .replace(
            "binds:\n- namespace: env\n  keys:\n    PETS_TOKEN: PETS_TOKEN\n",
            "",
        )
        .replace(
            "    authentication:\n      type: bearer\n      token: \"{{PETS_TOKEN}}\"\n",
            "",
        )
        .replace(
            "      path: /pets/{petId}\n",
            "      path: /{{REGION}}/pets/{petId}\n      inputParameters:\n      - name: REGION\n        in: environment\n",
        );
    let resolved = check_source(SourceFile::new("pets.yaml", &spec)).expect("valid");
    assert_eq!(
        resolved.capability.consumes[0].auth,
        naftiko_codegen::resolve::ir::UpstreamAuth::None
    );
}
