//! Specs with every parameter shape generate crates that compile clippy-clean.

use std::process::Command;

use naftiko_codegen::write::{Mode, ensure_files};
use naftiko_tests::workspace_root;

#[test]
fn the_kitchen_sink_fixture_generates_a_clippy_clean_crate() {
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
    let dir = std::env::temp_dir().join(format!("naftiko-kitchen-sink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    ensure_files(&dir, &generated.files, Mode::Overwrite).unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "clippy",
            "--quiet",
            "--offline",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(&dir)
        // Shared with the copied-out check in freshness.rs.
        .env("CARGO_TARGET_DIR", root.join("target/standalone"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && !stderr.contains("warning"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
