//! `upgrade`: a spec rewritten for `ikanos: 1.0.0-beta5` means what it meant. Proven by the
//! round trip on every alpha file of the shared specs corpus and the sample of the wild
//! collection: upgraded (with the files it imports), it generates the same crate as the
//! original, byte for byte. Plus the rewrite itself on a small spec: comments, order and
//! quoting kept; decisions noted.

#[path = "../../tests/src/skip.rs"]
mod skip;

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::Folder;
use common::cpus::on_every_cpu;
use naftiko_codegen::Severity;

fn shared() -> Option<PathBuf> {
    let shared = std::env::var_os("NAFTIKO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    if shared.join("specs-corpus").is_dir() {
        Some(shared)
    } else {
        skip::skip(&format!(
            "the specs corpus is absent ({})",
            shared.display()
        ));
        None
    }
}

fn copy_tree(from: &Path, to: &Path, files: &mut Vec<PathBuf>) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&source, &target, files);
        } else if kind.is_file() {
            std::fs::copy(&source, &target).unwrap();
            files.push(target);
        }
    }
}

fn crate_of(spec: &Path) -> Option<BTreeMap<String, String>> {
    let generated = naftiko_codegen::generate_crate(spec, Some("capability")).ok()?;
    Some(
        generated
            .files
            .into_iter()
            .map(|f| (f.path, f.contents))
            .collect(),
    )
}

fn header(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.strip_prefix("naftiko:"))
        .map(str::trim)
}

/// Whether the upgraded copy `file` of a capability of `original` generates the crate the
/// original does: `None` when it is no alpha capability that generates, else why not.
fn round_trip(
    collection: &str,
    original: &Path,
    copy: &Path,
    file: &Path,
) -> Option<Result<(), String>> {
    let rel = file.strip_prefix(copy).unwrap();
    let before = std::fs::read_to_string(original.join(rel)).unwrap_or_default();
    if !header(&before).is_some_and(|v| v.contains("1.0.0-alpha"))
        || !before.lines().any(|l| l.starts_with("capability:"))
    {
        return None;
    }
    let expected = crate_of(&original.join(rel))?;
    Some(match crate_of(file) {
        Some(got) if got == expected => Ok(()),
        Some(got) => {
            let differing: Vec<&String> = expected
                .keys()
                .chain(got.keys())
                .filter(|k| expected.get(*k) != got.get(*k))
                .collect();
            Err(format!(
                "{collection}/{}: the crate differs in {differing:?}",
                rel.display()
            ))
        }
        None => Err(format!(
            "{collection}/{}: not upgraded, or the upgraded spec does not generate: {}",
            rel.display(),
            naftiko_codegen::upgrade_file(&original.join(rel), "1.0.0-beta5")
                .err()
                .or_else(|| naftiko_codegen::check(file).err())
                .map_or(String::new(), |e| e.to_string())
        )),
    })
}

/// Every alpha file of the two collections, upgraded in a copy; every capability that
/// generated before generates the same crate after.
#[test]
fn upgraded_specs_generate_the_same_crates() {
    let Some(shared) = shared() else {
        return;
    };
    let folder = Folder::new("upgrade-round-trip");
    let mut report = Vec::new();
    let (mut same, mut capabilities) = (0, 0);
    for collection in ["specs-corpus", "corpus-sample"] {
        let (original, copy) = (shared.join(collection), folder.path().join(collection));
        let mut files = Vec::new();
        copy_tree(&original, &copy, &mut files);
        files.sort();
        // First upgrade every alpha file of the copy (capabilities and the files they
        // import). A file that does not generate may be refused (names declared twice, YAML
        // that does not parse); one that generates must come out the same below.
        on_every_cpu(&files, |file| {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            if !header(&text).is_some_and(|v| v.contains("1.0.0-alpha")) {
                return;
            }
            if let Ok(upgraded) = naftiko_codegen::upgrade_file(file, "1.0.0-beta5") {
                std::fs::write(file, upgraded.text).unwrap();
            }
        });
        // Then compare the crates.
        let outcomes = on_every_cpu(&files, |file| {
            round_trip(collection, &original, &copy, file)
        });
        for outcome in outcomes.into_iter().flatten() {
            capabilities += 1;
            match outcome {
                Ok(()) => same += 1,
                Err(why) => report.push(why),
            }
        }
    }
    println!("{same} of {capabilities} capabilities give the same crate after upgrade");
    assert!(capabilities > 200, "only {capabilities} capabilities found");
    assert!(report.is_empty(), "{}", report.join("\n"));
}

const ALPHA2: &str = r#"---
naftiko: "1.0.0-alpha2"   # the version
info:
  label: Fleet
capability:
  consumes:
  # the registry
  - namespace: registry
    type: http
    baseUri: https://registry.example
    resources:
      - path: /ships/{{imo}}
        operations:
          - name: get-ship
            label: "One ship"
            method: GET
            inputParameters:
              - {name: imo, in: path}
  exposes:
  - type: mcp
    namespace: fleet
    port: 3001
    tools:
    - description: One ship.
      name: get-ship
      inputParameters:
      - name: imo
        type: string
        description: |
          Its IMO number.
      call: registry.get-ship
      with:
        imo: fleet.imo
"#;

const BETA5: &str = r#"---
ikanos: "1.0.0-beta5"   # the version
info:
  display: Fleet
capability:
  consumes:
  # the registry
  - namespace: registry
    type: http
    baseUri: https://registry.example
    resources:
      ships-imo:
        path: /ships/{{imo}}
        operations:
          get-ship:
            display: "One ship"
            method: GET
            inputParameters:
              imo: {in: path}
  exposes:
  - type: mcp
    namespace: fleet
    port: 3001
    tools:
      get-ship:
        description: One ship.
        inputParameters:
          imo:
            type: string
            description: |
              Its IMO number.
        call: registry.get-ship
        with:
          imo: fleet.imo
"#;

#[test]
fn the_rewrite_keeps_comments_order_and_quoting_and_notes_its_decisions() {
    let folder = Folder::new("upgrade-small");
    let spec = folder.write("alpha2/fleet.yml", ALPHA2);
    let upgraded = naftiko_codegen::upgrade_file(&spec, "1.0.0-beta5").expect("upgrades");
    assert_eq!(upgraded.text, BETA5);
    let notes: Vec<(Severity, String, Option<usize>)> = upgraded
        .notes
        .iter()
        .map(|d| (d.severity, d.message.clone(), d.position.map(|p| p.line)))
        .collect();
    assert_eq!(
        notes,
        [(
            Severity::Warning,
            "no `name`: keyed by `ships-imo`".to_owned(),
            Some(12)
        )]
    );
    let upgraded_spec = folder.write("beta5/fleet.yml", &upgraded.text);
    assert_eq!(crate_of(&upgraded_spec), crate_of(&spec));
}

#[test]
fn what_cannot_be_keyed_is_a_located_error() {
    let folder = Folder::new("upgrade-refused");
    let twice = ALPHA2.replace(
        "    - description: One ship.\n      name: get-ship\n",
        "    - name: get-ship\n      call: registry.get-ship\n    - description: One ship.\n      name: get-ship\n",
    );
    let spec = folder.write("twice.yml", &twice);
    let Err(naftiko_codegen::Error::Spec(d)) = naftiko_codegen::upgrade_file(&spec, "1.0.0-beta5")
    else {
        panic!("a name declared twice is refused");
    };
    let error = d.errors().next().expect("an error");
    assert!(error.message.contains("declared twice"), "{error}");
    let second = twice
        .lines()
        .position(|l| l == "    - description: One ship.")
        .map(|i| i + 1);
    assert_eq!(error.position.map(|p| p.line), second);

    let spec = folder.write("old.yml", &ALPHA2.replace("1.0.0-alpha2", "0.3"));
    let Err(naftiko_codegen::Error::Spec(d)) = naftiko_codegen::upgrade_file(&spec, "1.0.0-beta5")
    else {
        panic!("0.3 is not upgraded");
    };
    let error = d.errors().next().expect("an error");
    assert_eq!(error.message, "`naftiko: 0.3` cannot be upgraded");
}

/// 0.5's `externalRefs` become `binds`, and the upgraded spec means the same.
#[test]
fn external_refs_of_0_5_become_binds() {
    let body = ALPHA2
        .split_once("info:\n")
        .map(|(_, rest)| format!("info:\n{rest}"))
        .unwrap();
    let v05 = format!(
        "naftiko: 0.5\nexternalRefs:\n- name: secrets\n  type: environment\n  resolution: file\n  uri: \"file:///./secrets.yaml\"\n  keys:\n    FLEET_TOKEN: fleet-token\n- name: env\n  type: variables\n  resolution: runtime\n  keys:\n    FLEET_REGION: FLEET_REGION\n{body}"
    );
    let folder = Folder::new("upgrade-v05");
    let spec = folder.write("v05/fleet.yml", &v05);
    let upgraded = naftiko_codegen::upgrade_file(&spec, "1.0.0-beta5").expect("upgrades");
    let head: Vec<&str> = upgraded.text.lines().take(10).collect();
    assert_eq!(
        head,
        [
            "ikanos: \"1.0.0-beta5\"",
            "binds:",
            "- namespace: secrets",
            "  location: \"file:///./secrets.yaml\"",
            "  keys:",
            "    FLEET_TOKEN: fleet-token",
            "- namespace: env",
            "  keys:",
            "    FLEET_REGION: FLEET_REGION",
            "info:",
        ]
    );
    let upgraded_spec = folder.write("beta5/fleet.yml", &upgraded.text);
    assert_eq!(crate_of(&upgraded_spec), crate_of(&spec));
}
