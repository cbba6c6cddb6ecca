//! `lint`: deviations from the official schema of each version and dialect findings, located.

#[path = "../../tests/src/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};
use std::process::Command;

use naftiko_codegen::lint::Schema;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The official schema from the shared data folder, or `None` (with one printed line).
fn schema_path() -> Option<PathBuf> {
    let shared = std::env::var_os("NAFTIKO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    let path = shared.join("naftiko-schema/naftiko-schema-v1.0.0-alpha2.json");
    if path.is_file() {
        Some(path)
    } else {
        skip::skip(&format!(
            "the official schema is absent ({})",
            path.display()
        ));
        None
    }
}

fn seed() -> PathBuf {
    root().join("specs/humanitec-tokeninfo.yaml")
}

#[test]
fn lint_reports_the_seeds_deviations_with_line_numbers() {
    let Some(schema) = schema_path() else { return };
    let schema = Schema::load(&schema).unwrap();
    let findings = naftiko_codegen::lint(&seed(), Some(&schema)).unwrap();
    assert!(
        findings.iter().all(|f| !f.is_error()),
        "the seed generates: only warnings"
    );
    let at = |line: usize, column: usize, needle: &str| {
        findings.iter().any(|f| {
            f.position
                .is_some_and(|p| (p.line, p.column) == (line, column))
                && f.message.contains(needle)
                && f.help.is_some()
        })
    };
    let all: Vec<String> = findings
        .iter()
        .map(|f| format!("{:?} {}", f.position, f.message))
        .collect();
    assert!(at(18, 16, "no `authentication` block"), "{all:#?}");
    assert!(at(23, 13, "single-brace"), "{all:#?}");
    assert!(
        at(34, 11, "'type', 'description', 'required' were unexpected"),
        "{all:#?}"
    );
    assert!(at(100, 5, "'description' was unexpected"), "{all:#?}");
    assert!(
        at(
            115,
            19,
            "`rest.userId`: `rest.` is not an exposes namespace"
        ),
        "{all:#?}"
    );
    assert!(
        at(117, 11, "\"properties\" is a required property"),
        "{all:#?}"
    );
    assert!(at(168, 17, "`tools.userId`"), "{all:#?}");
    assert!(findings.len() >= 30, "{all:#?}");
}

#[test]
fn an_official_file_has_no_schema_findings() {
    let Some(schema_file) = schema_path() else {
        return;
    };
    let schema = Schema::load(&schema_file).unwrap();
    let official = schema_file.parent().unwrap().join("../specs-corpus/official-naftiko-framework-v1.0.0-alpha2/test-fixtures/mcp/mcp-hints-capability.yaml");
    let findings = naftiko_codegen::lint(&official, Some(&schema)).unwrap();
    let schema_findings: Vec<_> = findings
        .iter()
        .filter(|f| f.message.contains("official schema"))
        .collect();
    assert!(schema_findings.is_empty(), "{schema_findings:#?}");
}

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_naftiko-codegen"))
}

#[test]
fn lint_and_generate_honour_deny_warnings() {
    let Some(schema) = schema_path() else { return };
    let lint = cli()
        .arg("lint")
        .arg(seed())
        .arg("--schema")
        .arg(&schema)
        .output()
        .unwrap();
    assert_eq!(lint.status.code(), Some(0));
    let text = String::from_utf8_lossy(&lint.stderr);
    assert!(text.contains("humanitec-tokeninfo.yaml:34:11"), "{text}");

    let denied = cli()
        .arg("lint")
        .arg(seed())
        .arg("--schema")
        .arg(&schema)
        .arg("--deny-warnings")
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1));

    let out = std::env::temp_dir().join(format!("naftiko-deny-{}", std::process::id()));
    let generate = cli()
        .arg("generate")
        .arg(seed())
        .arg("--out")
        .arg(&out)
        .arg("--deny-warnings")
        .output()
        .unwrap();
    assert_eq!(
        generate.status.code(),
        Some(1),
        "the implicit bearer warning is denied"
    );
    assert!(!Path::new(&out).exists(), "nothing written");
    let generate = cli()
        .arg("generate")
        .arg(seed())
        .arg("--out")
        .arg(&out)
        .arg("--schema")
        .arg(&schema)
        .output()
        .unwrap();
    assert_eq!(generate.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&generate.stderr).contains("not in the official schema"));
    std::fs::remove_dir_all(&out).unwrap();
}

/// `--schema` a folder of the published schemas: each file is checked against its version's.
#[test]
fn a_schema_folder_gives_each_file_its_versions_schema() {
    let Some(schema) = schema_path() else { return };
    let folder = schema.parent().expect("the schema folder");
    let beta5 = folder.join(
        "../specs-corpus/official-ikanos-1.0.0-beta5/tutorial/step-9-shipyard-aggregates.yml",
    );
    let alpha2 = folder.join("../specs-corpus/official-naftiko-framework-v1.0.0-alpha2/tutorial/step-9-shipyard-aggregates.yml");
    for spec in [&beta5, &alpha2] {
        let schema = Schema::for_spec(folder, spec).unwrap();
        let findings = naftiko_codegen::lint(spec, Some(&schema)).unwrap();
        let deviations: Vec<_> = findings
            .iter()
            .filter(|f| f.message.starts_with("not in the official schema"))
            .collect();
        assert!(deviations.is_empty(), "{}: {deviations:#?}", spec.display());
    }
    // The alpha2 schema on the beta5 file finds its maps.
    let findings = naftiko_codegen::lint(&beta5, Some(&Schema::load(&schema).unwrap())).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.message.starts_with("not in the official schema")),
        "the alpha2 schema accepts a beta5 file"
    );
    let unknown =
        folder.join("../specs-corpus/other-versions/naftiko-0.5/discover-apis-github.yml");
    let loaded = Schema::for_spec(folder, &unknown);
    assert!(loaded.is_ok(), "0.5 has its schema: {:?}", loaded.err());
}
