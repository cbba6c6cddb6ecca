//! The fixtures under `tests/fixtures/` are checked in as generated crates under
//! `tests/snapshots/` (`cargo xtask codegen`), which the workspace compiles and clippy checks
//! with `-D warnings`; here, what they warn about.

use naftiko_tests::workspace_root;

#[test]
fn the_kitchen_sink_fixture_warns_what_it_assumes() {
    let root = workspace_root();
    let generated =
        naftiko_codegen::generate_crate(&root.join("tests/fixtures/kitchen-sink.yaml"), None)
            .unwrap();
    let warnings: Vec<&str> = generated
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(
        warnings,
        [
            "no `baseUri`: the server needs `--upstream` for this API at start-up",
            "`type: http` read as `type: rest`",
        ]
    );
}

#[test]
fn every_fixture_has_its_snapshot_crate_in_the_workspace() {
    let root = workspace_root();
    let targets = naftiko_codegen::codegen::targets(&root).unwrap();
    let snapshots: Vec<_> = targets
        .iter()
        .filter(|t| t.dir.starts_with(root.join("tests/snapshots")))
        .collect();
    assert!(snapshots.len() >= 7, "{snapshots:#?}");
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(workspace.contains("\"tests/snapshots/*\""));
    for t in snapshots {
        let manifest = std::fs::read_to_string(t.dir.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("name = \"{}\"", t.package)),
            "{}",
            t.dir.display()
        );
    }
}

#[test]
fn snapshots_depend_on_the_runtime_crate_and_the_seed_carries_its_copy() {
    let root = workspace_root();
    let version = format!("version = \"={}\"", env!("CARGO_PKG_VERSION"));
    for t in naftiko_codegen::codegen::targets(&root).unwrap() {
        let manifest = std::fs::read_to_string(t.dir.join("Cargo.toml")).unwrap();
        let depends = manifest
            .lines()
            .find(|l| l.starts_with("naftiko-runtime = "));
        let copied = t.dir.join("src/runtime").exists();
        match t.runtime {
            naftiko_codegen::Runtime::Vendored => {
                assert!(copied, "{} carries its runtime", t.dir.display());
                assert_eq!(depends, None, "{}", t.dir.display());
            }
            naftiko_codegen::Runtime::Crate { .. } => {
                assert!(!copied, "{} has a copy of the runtime", t.dir.display());
                let line = depends.unwrap_or_else(|| panic!("{}: {manifest}", t.dir.display()));
                assert!(line.contains(&version), "{line}");
                assert!(
                    line.contains(r#"path = "../../../naftiko-runtime""#),
                    "{line}"
                );
            }
        }
    }
    let seed = root.join("generated-humanitec-tokeninfo");
    assert!(seed.join("src/runtime/mod.rs").is_file());
}
