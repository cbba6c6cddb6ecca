//! Files named by `location` on MCP resources and prompts and on skills: read at generation,
//! relative to the capability's folder, watched by build scripts, and refused with a located
//! error when they cannot be used.

mod common;

use common::{Folder, only};

/// A capability with a prompt, a resource and a skill, each read from `location`.
fn capability(prompt: &str, resource: &str, skill: &str, instruction: &str) -> String {
    format!(
        r#"naftiko: "1.0.0-alpha2"
capability:
  exposes:
    - type: mcp
      namespace: docs-mcp
      port: 9090
      tools:
        - name: ping
          description: Ping.
          outputParameters:
            - {{name: pong, type: string, value: pong}}
      resources:
        - name: docs
          label: Docs
          uri: docs://all
          description: Every document.
          location: "{resource}"
      prompts:
        - name: summarize
          label: Summarize
          description: Summarize a topic.
          arguments:
            - {{name: topic, description: The topic, required: true}}
          location: "{prompt}"
    - type: skill
      namespace: docs-skills
      port: 8080
      skills:
        - name: writing
          description: Write well.
          location: "{skill}"
          tools:
            - name: style
              description: The style guide.
              instruction: "{instruction}"
"#
    )
}

/// A folder with the files the capability names.
fn library(name: &str) -> Folder {
    let dir = Folder::new(name);
    dir.write(
        "prompts/summarize.md",
        "Summarize {{topic}} in three lines.",
    );
    dir.write("docs/a.md", "# A");
    dir.write("docs/sub/b.txt", "B");
    dir.write(
        "skills/writing/SKILL.md",
        "---\nname: writing\n---\nWrite well.",
    );
    dir.write("skills/writing/style.md", "Short sentences.");
    dir
}

const GOOD: [&str; 4] = [
    "file:///./prompts/summarize.md",
    "file:///./docs",
    "file:///./skills/writing",
    "./style.md",
];

#[test]
fn located_files_are_compiled_in_and_watched() {
    let dir = library("good");
    let spec = dir.write("cap.yaml", &capability(GOOD[0], GOOD[1], GOOD[2], GOOD[3]));
    let resolved = naftiko_codegen::check(&spec).expect("valid");
    let mcp = &resolved.capability.mcp[0];
    let uris: Vec<&str> = mcp.files.iter().map(|f| f.uri.as_str()).collect();
    assert_eq!(uris, ["docs://all/a.md", "docs://all/sub/b.txt"]);
    assert_eq!(mcp.prompts[0].messages.len(), 1);
    let skill = &resolved.capability.skills[0].skills[0];
    let paths: Vec<&str> = skill.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["SKILL.md", "style.md"]);
    // Build scripts rerun when the prompt file or either folder changes.
    let watched: Vec<String> = resolved
        .files
        .iter()
        .map(|p| {
            p.strip_prefix(dir.path())
                .unwrap_or(p)
                .display()
                .to_string()
        })
        .collect();
    for expected in ["cap.yaml", "prompts/summarize.md", "docs", "skills/writing"] {
        assert!(
            watched.iter().any(|w| w == expected),
            "{expected} not in {watched:?}"
        );
    }
    // Generation is deterministic and carries the content, not the build machine's paths.
    let first = naftiko_codegen::generate_crate(&spec, None).expect("generates");
    let second = naftiko_codegen::generate_crate(&spec, None).expect("generates");
    assert_eq!(first.files, second.files);
    let all: String = first.files.iter().map(|f| f.contents.as_str()).collect();
    assert!(all.contains("Short sentences."));
    assert!(!all.contains(&dir.path().display().to_string()));
}

#[test]
fn a_missing_file_is_located_at_its_location() {
    let dir = library("missing");
    let spec = dir.write(
        "cap.yaml",
        &capability("file:///./prompts/nope.md", GOOD[1], GOOD[2], GOOD[3]),
    );
    let d = only(&spec);
    assert_eq!(d.yaml_path, "capability.exposes[0].prompts[0].location");
    assert!(d.message.contains("cannot read"), "{}", d.message);
    assert!(d.position.is_some());
}

#[test]
fn locations_outside_the_capability_folder_are_refused() {
    let dir = library("escape");
    for (location, expected) in [
        ("file:///etc/passwd", "relative to the spec's folder"),
        ("file:///./../outside", "leaves"),
        ("https://example.com/docs", "only `file:` locations"),
    ] {
        let spec = dir.write("cap.yaml", &capability(GOOD[0], location, GOOD[2], GOOD[3]));
        let d = only(&spec);
        assert_eq!(d.yaml_path, "capability.exposes[0].resources[0].location");
        assert!(d.message.contains(expected), "{location}: {}", d.message);
    }
}

#[test]
fn a_prompt_argument_the_file_uses_must_be_declared() {
    let dir = library("argument");
    dir.write("prompts/other.md", "About {{subject}}.");
    let spec = dir.write(
        "cap.yaml",
        &capability("file:///./prompts/other.md", GOOD[1], GOOD[2], GOOD[3]),
    );
    let d = only(&spec);
    assert_eq!(d.yaml_path, "capability.exposes[0].prompts[0].location");
    assert!(
        d.message
            .contains("`{{subject}}` names no argument of prompt `summarize`"),
        "{}",
        d.message
    );
}

#[test]
fn a_skill_folder_needs_skill_md_and_its_instructions() {
    let dir = library("skill");
    dir.write("skills/empty/notes.md", "no SKILL.md here");
    let spec = dir.write(
        "cap.yaml",
        &capability(GOOD[0], GOOD[1], "file:///./skills/empty", GOOD[3]),
    );
    let d = only(&spec);
    assert_eq!(d.yaml_path, "capability.exposes[1].skills[0].location");
    assert!(d.message.contains("no SKILL.md"), "{}", d.message);

    let spec = dir.write(
        "cap.yaml",
        &capability(GOOD[0], GOOD[1], GOOD[2], "./missing.md"),
    );
    let d = only(&spec);
    assert_eq!(
        d.yaml_path,
        "capability.exposes[1].skills[0].tools[0].instruction"
    );
    assert!(
        d.message.contains("is not a file of skill `writing`"),
        "{}",
        d.message
    );
    assert!(d.help.as_deref().unwrap_or("").contains("style.md"));

    // An instruction may not climb out of the skill's folder.
    let spec = dir.write(
        "cap.yaml",
        &capability(GOOD[0], GOOD[1], GOOD[2], "../../prompts/summarize.md"),
    );
    let d = only(&spec);
    assert_eq!(
        d.yaml_path,
        "capability.exposes[1].skills[0].tools[0].instruction"
    );
}

#[test]
fn a_resource_location_takes_a_fixed_uri() {
    let dir = library("template");
    let spec = dir.write(
        "cap.yaml",
        &capability(GOOD[0], GOOD[1], GOOD[2], GOOD[3]).replace("docs://all", "docs://{name}"),
    );
    let d = only(&spec);
    assert_eq!(d.yaml_path, "capability.exposes[0].resources[0].uri");
}
