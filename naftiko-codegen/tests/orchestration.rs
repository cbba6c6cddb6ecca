//! Orchestrated tools and operations (`steps`, `mappings`) and skill catalogs: what resolves, and
//! the located errors for what cannot.

use naftiko_codegen::diagnostic::SourceFile;
use naftiko_codegen::{Diagnostic, Error, check_source};

/// A registry with ships and crew, an MCP tool joining them, and a skill catalog over it.
const SPEC: &str = r#"naftiko: 1.0.0-alpha2
capability:
  consumes:
  - type: http
    namespace: registry
    baseUri: https://registry.example
    resources:
    - name: ship
      path: /ships/{{imo}}
      operations:
      - name: get-ship
        method: GET
        inputParameters:
        - name: imo
          in: path
    - name: crew
      path: /crew
      operations:
      - name: list-crew
        method: GET
  exposes:
  - type: mcp
    namespace: tools
    port: 9090
    tools:
    - name: ship-with-crew
      description: A ship and its crew
      inputParameters:
      - name: imo
        type: string
        required: true
        description: IMO number
      steps:
      - name: get-ship
        type: call
        call: registry.get-ship
        with:
          imo: "{{imo}}"
      - name: list-crew
        type: call
        call: registry.list-crew
      - name: resolve-crew
        type: lookup
        index: list-crew
        match: crewId
        lookupValue: $.get-ship.crew
        outputParameters: [fullName]
      mappings:
      - targetName: name
        value: $.get-ship.name
      - targetName: specs.tonnage
        value: $.get-ship.tonnage
      - targetName: crew
        value: $.resolve-crew
      outputParameters:
      - name: name
        type: string
      - name: specs
        type: object
        properties:
          tonnage:
            type: number
      - name: crew
        type: array
        items:
        - name: fullName
          type: string
  - type: skill
    namespace: catalog
    port: 8081
    skills:
    - name: fleet
      description: Fleet tools
      license: MIT
      tools:
      - name: ship-with-crew
        description: A ship and its crew
        from:
          sourceNamespace: tools
          action: ship-with-crew
"#;

fn errors(text: &str) -> Vec<Diagnostic> {
    match check_source(SourceFile::new("fleet.yaml", text)) {
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

#[test]
fn steps_lookups_and_a_skill_catalog_resolve() {
    let resolved = check_source(SourceFile::new("fleet.yaml", SPEC)).expect("valid");
    let tool = &resolved.capability.mcp[0].tools[0];
    let names: Vec<&str> = tool
        .runs
        .steps()
        .iter()
        .map(|s| s.name().wire.as_str())
        .collect();
    assert_eq!(names, ["get-ship", "list-crew", "resolve-crew"]);
    assert!(tool.runs.call().is_none());
    let skill = &resolved.capability.skills[0].skills[0];
    assert_eq!(skill.document["license"], "MIT");
    assert_eq!(
        skill.document["tools"][0]["source"],
        serde_json::json!({"type": "mcp", "namespace": "tools", "port": 9090, "tool": "ship-with-crew"})
    );
}

#[test]
fn a_mapping_that_reads_a_later_or_unknown_step_is_located() {
    let d = only(&SPEC.replace("value: $.get-ship.name", "value: $.get-shop.name"));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[0].tools[0].mappings[0].value"
    );
    assert!(d.message.contains("reads step `get-shop`"), "{}", d.message);
    let d = only(&SPEC.replace(
        "lookupValue: $.get-ship.crew",
        "lookupValue: $.resolve-crew.crew",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[0].tools[0].steps[2].lookupValue"
    );
}

#[test]
fn outputs_and_mappings_must_meet() {
    // The output `name` has no mapping; the mapping `title` has no output: both are located.
    let all = errors(&SPEC.replace("targetName: name\n", "targetName: title\n"));
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(
        all.iter()
            .any(|d| d.message == "no mapping has `targetName: name`"
                && d.yaml_path == "capability.exposes[0].tools[0].outputParameters[0]"),
        "{all:#?}"
    );
    assert!(
        all.iter().any(
            |d| d.message == "mapping target `title` is not an output parameter"
                && d.yaml_path == "capability.exposes[0].tools[0].mappings[0].targetName"
        ),
        "{all:#?}"
    );
}

#[test]
fn script_steps_and_unknown_skill_sources_are_refused_by_name() {
    let d = only(&SPEC.replace(
        "      - name: list-crew\n        type: call\n",
        "      - name: list-crew\n        type: script\n",
    ));
    assert_eq!(d.yaml_path, "capability.exposes[0].tools[0].steps[1].type");
    assert!(
        d.message.contains("a `script` step is not supported"),
        "{}",
        d.message
    );

    let d = only(&SPEC.replace("sourceNamespace: tools", "sourceNamespace: nowhere"));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[1].skills[0].tools[0].from.sourceNamespace"
    );
    let d = only(&SPEC.replace("action: ship-with-crew", "action: sink-ship"));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[1].skills[0].tools[0].from.action"
    );
}

/// The spec's tool as an aggregate function, referenced by a tool (hints from its semantics,
/// one overridden) and by a REST operation (the function's input read from the path).
fn with_aggregate() -> String {
    let function = r#"  aggregates:
  - label: Fleet
    namespace: fleet
    functions:
    - name: ship-with-crew
      description: A ship and its crew
      semantics:
        safe: true
        idempotent: true
      inputParameters:
      - name: imo
        type: string
        required: true
        description: IMO number
      steps:
      - name: get-ship
        type: call
        call: registry.get-ship
        with:
          imo: "{{imo}}"
      mappings:
      - targetName: name
        value: $.get-ship.name
      outputParameters:
      - name: name
        type: string
"#;
    let tools = r#"    tools:
    - name: by-ref
      ref: fleet.ship-with-crew
    - name: by-ref-destructive
      description: Overridden
      hints:
        destructive: true
      ref: fleet.ship-with-crew
  - type: rest
    namespace: api
    port: 8080
    resources:
    - path: /ships/{imo}
      operations:
      - method: GET
        ref: fleet.ship-with-crew
"#;
    let start = SPEC.find("    tools:\n").unwrap();
    let end = SPEC.find("  - type: skill\n").unwrap();
    let spec = format!("{}{tools}{}", &SPEC[..start], &SPEC[end..])
        .replace("action: ship-with-crew", "action: by-ref");
    spec.replacen("capability:\n", &format!("capability:\n{function}"), 1)
}

#[test]
fn a_ref_takes_the_function_with_hints_from_its_semantics() {
    let resolved = check_source(SourceFile::new("fleet.yaml", with_aggregate())).expect("valid");
    let tools = &resolved.capability.mcp[0].tools;
    assert_eq!(tools[0].name.wire, "by-ref");
    assert_eq!(tools[0].description.as_deref(), Some("A ship and its crew"));
    assert!(tools[0].hints.read_only && !tools[0].hints.destructive && tools[0].hints.idempotent);
    assert_eq!(tools[0].runs.steps().len(), 1);
    // Explicit hints win over the semantics; the description too.
    assert!(tools[1].hints.destructive);
    assert_eq!(tools[1].description.as_deref(), Some("Overridden"));
    // The REST operation takes its name and steps from the function, `imo` from the path.
    let op = &resolved.capability.rest[0].routes[0].operations[0];
    assert_eq!(op.name.wire, "ship-with-crew");
    assert_eq!(op.runs.steps().len(), 1);
    assert!(op.runs.used_inputs(op.inputs.len())[0]);
}

#[test]
fn an_unknown_ref_names_the_functions_there_are() {
    let d = only(&with_aggregate().replace(
        "ref: fleet.ship-with-crew\n  - type: rest",
        "ref: fleet.nothing\n  - type: rest",
    ));
    assert_eq!(d.yaml_path, "capability.exposes[0].tools[1].ref");
    assert_eq!(d.help.as_deref(), Some("functions: fleet.ship-with-crew"));
}

#[test]
fn a_control_adapter_resolves_and_what_it_cannot_do_is_refused() {
    let control = "  - type: control\n    port: 9091\n    management:\n      info: true\n";
    let spec = SPEC.replace("  - type: skill\n", &format!("{control}  - type: skill\n"));
    let resolved = check_source(SourceFile::new("fleet.yaml", spec.clone())).expect("valid");
    let c = resolved.capability.control.expect("a control adapter");
    assert!(c.health && c.info);
    assert_eq!(
        c.address.as_deref(),
        Some("127.0.0.1"),
        "localhost unless told otherwise"
    );
    let d = only(&spec.replace(
        "      info: true\n",
        "      info: true\n      reload: true\n",
    ));
    assert_eq!(d.yaml_path, "capability.exposes[1].management.reload");
    assert!(d.message.contains("is not supported"), "{}", d.message);
}

#[test]
fn a_step_argument_reads_an_earlier_step_or_is_located() {
    // `imo` of the first call from a later step: that step has not run yet.
    let d = only(&SPEC.replace(
        "        with:\n          imo: \"{{imo}}\"\n",
        "        with:\n          imo: $.list-crew.imo\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[0].tools[0].steps[0].with.imo"
    );
    assert!(
        d.message
            .contains("reads step `list-crew`, which does not run before it"),
        "{}",
        d.message
    );

    // A key that names no parameter of the call.
    let d = only(&SPEC.replace(
        "        call: registry.list-crew\n",
        "        call: registry.list-crew\n        with:\n          ship: $.get-ship.imo\n",
    ));
    assert_eq!(
        d.yaml_path,
        "capability.exposes[0].tools[0].steps[1].with.ship"
    );
    assert!(
        d.message
            .contains("`ship` is not a parameter of `list-crew`"),
        "{}",
        d.message
    );
}
