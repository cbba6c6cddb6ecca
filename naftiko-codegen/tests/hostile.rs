//! The hostile-spec suite (tests/hostile): each spec is refused with a located error (exit 1, the
//! error at file:line:column, no panic, nothing written), or generates a crate in which the
//! hostile text changed nothing — every file inside `--out`, the Dockerfile only its own
//! instructions, the manifests and Cargo.toml parseable with the keys the generator writes, the
//! README's shell lines quoted. (tests/corpus compiles the specs taken and checks their meaning
//! on the wire.) Plus what no checked-in file can be: links, FIFOs and devices where a spec
//! names a file.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::Folder;

fn hostile_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hostile")
}

fn codegen(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_naftiko-codegen"))
        .args(args)
        .output()
        .expect("the generator runs")
}

/// `(file, expected)` for every line of tests/hostile/expected.txt.
fn cases() -> Vec<(String, bool)> {
    let expected = std::fs::read_to_string(hostile_dir().join("expected.txt")).unwrap();
    let cases: Vec<(String, bool)> = expected
        .lines()
        .map(|line| {
            let (file, outcome) = line.split_once('\t').expect("file<TAB>outcome");
            assert!(matches!(outcome, "ok" | "error"), "{line}");
            (file.to_owned(), outcome == "ok")
        })
        .collect();
    // Every case is listed, and every listed case is there.
    let mut on_disk: Vec<String> = std::fs::read_dir(hostile_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = cases.iter().map(|(f, _)| f.clone()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "tests/hostile/expected.txt lists every case"
    );
    cases
}

/// What a diagnostic printed to a terminal or a CI log may hold: no control character but line
/// breaks and tabs (a spec cannot forge log lines or drive the terminal).
fn assert_printable(stderr: &str, case: &str) {
    let bad = stderr.chars().find(|c| {
        (c.is_control() && *c != '\n' && *c != '\t') || ('\u{202a}'..='\u{202e}').contains(c)
    });
    assert!(bad.is_none(), "{case}: {bad:?} printed raw:\n{stderr}");
}

#[test]
fn refused_specs_are_located_errors_and_write_nothing() {
    let dir = hostile_dir();
    let scratch = Folder::new("hostile-refused");
    for (file, ok) in cases() {
        if ok {
            continue;
        }
        let spec = dir.join(&file);
        let out = scratch.path().join(file.trim_end_matches(".yaml"));
        let run = codegen(&[
            "generate".as_ref(),
            spec.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(
            run.status.code(),
            Some(1),
            "{file}: exit 1 expected\n{stderr}"
        );
        let located = format!("{}:", spec.display());
        let at = stderr
            .lines()
            .find(|l| l.trim_start().starts_with("--> "))
            .unwrap_or_else(|| panic!("{file}: no location\n{stderr}"));
        let rest = at
            .split_once(&located)
            .map(|(_, r)| r)
            .unwrap_or_else(|| panic!("{file}: {at}"));
        let mut position = rest.split([':', ' ']);
        for part in ["line", "column"] {
            let n = position.next().unwrap_or_default();
            assert!(
                n.parse::<usize>().is_ok_and(|n| n > 0),
                "{file}: no {part} in `{at}`"
            );
        }
        assert_printable(&stderr, &file);
        assert!(!out.exists(), "{file}: something was written");
    }
}

#[test]
fn specs_taken_generate_files_whose_structure_the_spec_did_not_change() {
    let dir = hostile_dir();
    let scratch = Folder::new("hostile-taken");
    for (file, ok) in cases() {
        if !ok {
            continue;
        }
        let spec = dir.join(&file);
        let out = scratch.path().join("crate");
        let _ = std::fs::remove_dir_all(&out);
        let run = codegen(&[
            "generate".as_ref(),
            spec.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(0), "{file}\n{stderr}");
        assert_printable(&stderr, &file);
        // Nothing but the crate's folder in the scratch folder.
        let entries: Vec<_> = std::fs::read_dir(scratch.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["crate"], "{file}");
        check_dockerfile(&out, &file);
        check_manifests(&out, &file);
        check_readme(&out, &file);
        check_texts(&out, &file);
    }
}

/// Every line of the Dockerfile is one of the generator's instructions (or a comment, or the
/// continuation of an instruction the template continues).
fn check_dockerfile(out: &Path, case: &str) {
    let text = std::fs::read_to_string(out.join("Dockerfile")).unwrap();
    let mut continued = false;
    for line in text.lines() {
        let known = [
            "#",
            "FROM ",
            "WORKDIR ",
            "COPY ",
            "RUN cargo build",
            "USER ",
            "ENV ",
            "EXPOSE ",
            "HEALTHCHECK ",
            "ENTRYPOINT [",
            "CMD [",
        ];
        assert!(
            continued || line.is_empty() || known.iter().any(|k| line.starts_with(k)),
            "{case}: Dockerfile line `{line}`"
        );
        if continued {
            assert!(
                line.starts_with("  "),
                "{case}: Dockerfile continuation `{line}`"
            );
        }
        continued = line.ends_with('\\');
    }
    // The build's own settings, the same in every Dockerfile.
    const BUILD: &[(&str, &str)] = &[
        ("CARGO_PROFILE_RELEASE_LTO", "fat"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
    ];
    for line in text.lines().filter(|l| {
        l.starts_with("ENV ") || l.starts_with("    NAFTIKO_") || l.starts_with("    CARGO_")
    }) {
        let assignment = line
            .trim_start_matches("ENV ")
            .trim()
            .trim_end_matches(" \\");
        let (key, value) = assignment
            .split_once('=')
            .unwrap_or_else(|| panic!("{case}: `{line}`"));
        assert!(
            key.starts_with("NAFTIKO_") || BUILD.contains(&(key, value)),
            "{case}: ENV `{line}`"
        );
        assert!(
            !value.contains([' ', '"', '\'', '$']),
            "{case}: ENV value `{line}`"
        );
    }
}

/// `score.yaml`, `deploy/kubernetes.yaml` and `Cargo.toml` parse, with only the generator's keys.
fn check_manifests(out: &Path, case: &str) {
    let cargo: toml::Table =
        toml::from_str(&std::fs::read_to_string(out.join("Cargo.toml")).unwrap())
            .unwrap_or_else(|e| panic!("{case}: Cargo.toml: {e}"));
    let keys: Vec<&str> = cargo.keys().map(String::as_str).collect();
    assert!(
        keys.iter().all(|k| [
            "package",
            "lib",
            "bin",
            "dependencies",
            "dev-dependencies",
            "workspace",
            "features",
            "profile",
            "lints"
        ]
        .contains(k)),
        "{case}: Cargo.toml keys {keys:?}"
    );
    for file in ["score.yaml", "deploy/kubernetes.yaml"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(
            !text.contains("privileged"),
            "{case}: {file} asks for privileges"
        );
        for document in text.split("\n---\n") {
            serde_saphyr::from_str::<serde_json::Value>(document)
                .unwrap_or_else(|e| panic!("{case}: {file}: {e}"));
        }
    }
}

/// The README's shell blocks: a word with shell syntax in it is quoted.
fn check_readme(out: &Path, case: &str) {
    let text = std::fs::read_to_string(out.join("README.md")).unwrap();
    let mut in_shell = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_shell = line == "```sh";
            continue;
        }
        if !in_shell {
            continue;
        }
        // The template's own comments and `&&` aside.
        let code = line
            .split(" # ")
            .next()
            .unwrap_or(line)
            .replace(" && ", " ");
        let mut quoted = false;
        let mut chars = code.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' => quoted = !quoted,
                // `'\''`: a quote within a quoted word.
                '\\' if !quoted && chars.peek() == Some(&'\'') => {
                    chars.next();
                }
                '$' | '`' | ';' | '&' | '|' | '(' | ')' | '<' | '>' | '"' | '\\' if !quoted => {
                    let continuation = c == '\\' && code.ends_with(" \\");
                    assert!(
                        continuation,
                        "{case}: README shell line `{line}` has `{c}` unquoted"
                    );
                }
                _ => {}
            }
        }
        assert!(
            !quoted,
            "{case}: README shell line `{line}` leaves a quote open"
        );
    }
}

/// No generated text file holds a character that changes how the text around it reads.
fn check_texts(out: &Path, case: &str) {
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let bad = text.chars().find(|c| {
                (c.is_control() && *c != '\n' && *c != '\t')
                    || ('\u{202a}'..='\u{202e}').contains(c)
                    || ('\u{2066}'..='\u{2069}').contains(c)
            });
            assert!(bad.is_none(), "{case}: {} holds {bad:?}", path.display());
        }
    }
}

/// A spec with `consumes[0]` imported from `location`.
fn importing(location: &str) -> String {
    format!(
        "naftiko: 1.0.0-alpha2\ninfo:\n  label: Imports\ncapability:\n  consumes:\n  - location: \"{location}\"\n    import: users\n  exposes:\n  - type: mcp\n    namespace: users-mcp\n    tools:\n    - name: get\n      description: Get.\n      call: users.get\n"
    )
}

/// The error `check` prints for `spec`, which must be refused, located, within five seconds.
fn refused(spec: &Path) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_naftiko-codegen"))
        .arg("check")
        .arg(spec)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{}: the generator hangs", spec.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let run = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:6:", spec.display())),
        "not located at the import:\n{stderr}"
    );
    stderr
}

#[test]
fn imports_read_regular_yaml_files_in_the_folder_only() {
    let folder = Folder::new("hostile-imports");
    let secret = folder.write(
        "outside/credentials.yaml",
        "aws_secret_access_key: AKIAEXAMPLESECRET\n",
    );
    let spec_dir = folder.path().join("spec");
    std::fs::create_dir_all(&spec_dir).unwrap();
    std::os::unix::fs::symlink(&secret, spec_dir.join("shared.yaml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", spec_dir.join("zero.yaml")).unwrap();
    // A linked folder on the way: every component of the path, not only the last.
    std::fs::create_dir_all(spec_dir.join("imports")).unwrap();
    let outside = folder.path().join("outside");
    std::os::unix::fs::symlink(&outside, spec_dir.join("imports/outside-dir")).unwrap();
    let fifo = spec_dir.join("fifo.yaml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    folder.write("spec/.env", "API_TOKEN=s3cr3t-value\n");

    for (location, says) in [
        ("./shared.yaml", "symbolic link"),
        ("./zero.yaml", "symbolic link"),
        ("./imports/outside-dir/credentials.yaml", "symbolic link"),
        ("./fifo.yaml", "not a regular file"),
        ("./.env", "not a YAML file"),
        ("../outside/credentials.yaml", "leaves the"),
    ] {
        let spec = folder.write("spec/capability.yaml", &importing(location));
        let stderr = refused(&spec);
        assert!(stderr.contains(says), "{location}: {stderr}");
        for secret in ["AKIAEXAMPLESECRET", "s3cr3t-value"] {
            assert!(
                !stderr.contains(secret),
                "{location}: a secret in the error\n{stderr}"
            );
        }
    }
}

#[test]
fn the_spec_itself_is_a_regular_file_of_bounded_size() {
    let folder = Folder::new("hostile-spec-file");
    let fifo = folder.path().join("fifo.yaml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let large = folder.path().join("large.yaml");
    let file = std::fs::File::create(&large).unwrap();
    file.set_len(naftiko_codegen::parse::read::MAX_SPEC_BYTES + 1)
        .unwrap();
    for spec in [
        fifo.as_path(),
        Path::new("/dev/zero"),
        folder.path(),
        large.as_path(),
    ] {
        let run = codegen(&["check".as_ref(), spec.as_os_str()]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{}: {stderr}", spec.display());
        assert!(
            stderr.contains("not a regular file") || stderr.contains("larger than"),
            "{stderr}"
        );
    }
}

#[test]
fn a_package_name_cargo_refuses_is_a_usage_error() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/humanitec-tokeninfo.yaml");
    let folder = Folder::new("hostile-package");
    for name in ["my pkg", "../x", "", "9lives", "a\nb"] {
        let run = codegen(&[
            "generate".as_ref(),
            spec.as_os_str(),
            "--out".as_ref(),
            folder.path().as_os_str(),
            "--package".as_ref(),
            name.as_ref(),
        ]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{name:?}: {stderr}");
        assert!(stderr.contains("is not one Cargo takes"), "{stderr}");
        assert_printable(&stderr, name);
        assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
    }
}
