//! The `naftiko-codegen` binary: exit codes 0 / 1 (spec errors) / 2 (usage or I/O).

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_naftiko-codegen"))
}

fn seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs/humanitec-tokeninfo.yaml")
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("naftiko-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_accepts_the_seed_and_prints_the_implicit_bearer_warning() {
    let out = bin().arg("check").arg(seed()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: no `authentication` block"),
        "{stderr}"
    );
    assert!(
        stderr.contains("humanitec-tokeninfo.yaml:18:16"),
        "{stderr}"
    );
}

#[test]
fn a_broken_spec_exits_1_with_a_located_error_and_writes_nothing() {
    let dir = temp("broken");
    let spec = dir.join("broken.yaml");
    let text = std::fs::read_to_string(seed()).unwrap().replace(
        "call: humanitec-tokeninfo.getusertoken\n        with:\n          userId: rest.userId",
        "call: getusertoken\n        with:\n          userId: rest.userId",
    );
    std::fs::write(&spec, text).unwrap();
    let out_dir = dir.join("out");
    let out = bin()
        .arg("generate")
        .arg(&spec)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "broken.yaml:136:15 (at `capability.exposes[0].resources[1].operations[0].call`)"
        ),
        "{stderr}"
    );
    assert!(!out_dir.exists(), "nothing is written for a broken spec");
}

#[test]
fn generate_writes_a_crate_and_check_mode_verifies_it() {
    let dir = temp("generate");
    let out = bin()
        .arg("generate")
        .arg(seed())
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("src/clients/humanitec_tokeninfo.rs").is_file());
    let again = bin()
        .arg("generate")
        .arg(seed())
        .arg("--out")
        .arg(&dir)
        .arg("--check")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    std::fs::write(dir.join("src/lib.rs"), "// edited\n").unwrap();
    let stale = bin()
        .arg("generate")
        .arg(seed())
        .arg("--out")
        .arg(&dir)
        .arg("--check")
        .output()
        .unwrap();
    assert_eq!(stale.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stale.stderr).contains("stale:"));
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(bin().output().unwrap().status.code(), Some(2));
    assert_eq!(
        bin()
            .args(["generate", "x.yaml"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
    let missing = bin()
        .args(["check", "/nonexistent/spec.yaml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("cannot read /nonexistent/spec.yaml")
    );
    assert_eq!(bin().arg("--help").output().unwrap().status.code(), Some(0));
}

#[test]
fn runtime_crate_depends_on_the_runtime_instead_of_copying_it() {
    let dir = temp("runtime-crate");
    let generate = |args: &[&str]| {
        bin()
            .arg("generate")
            .arg(seed())
            .arg("--out")
            .arg(&dir)
            .args(args)
            .output()
            .unwrap()
    };
    let out = generate(&["--runtime", "crate", "--runtime-path", "../naftiko-runtime"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!dir.join("src/runtime").exists());
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let line = format!(
        r#"naftiko-runtime = {{ version = "={}", path = "../naftiko-runtime", default-features = false, features = ["mcp", "rest", "server"] }}"#,
        env!("CARGO_PKG_VERSION")
    );
    assert!(manifest.lines().any(|l| l == line), "{manifest}");
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    assert!(
        lib.contains("pub use ::naftiko_runtime as runtime;"),
        "{lib}"
    );

    let out = generate(&["--runtime-path", "../naftiko-runtime"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--runtime-path goes with --runtime crate"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
