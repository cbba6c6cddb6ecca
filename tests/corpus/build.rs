//! Generates, with `naftiko_codegen::build::Builder`:
//! - the seed spec as the module `tokeninfo` (the README's build.rs example, as written);
//! - the fixtures `kitchen_sink`, `file_binds`, `digest_auth`, `raw_formats`, `step_args`,
//!   `oauth2_fixture`, `oauth1_fixture`, `assets`, `segments`, `control_only`, `client_credentials`,
//!   `coercions`, `binary_answers`, `output_schemas`, `openapi_types` and `petstore` (with their OpenAPI documents)
//!   and `skill_dirs` (tests/fixtures/*.yaml);
//! - every hostile spec the generator takes (tests/hostile, `ok` in its expected.txt) as one
//!   module each, in `hostile`;
//! - every capability file of the shared specs corpus (`$NAFTIKO_SHARED/specs-corpus` or
//!   `../../../shared/specs-corpus`) as one module each, listing the files refused with their
//!   first diagnostic in `$OUT_DIR/refused.txt`; a consumed API whose OpenAPI document is in the
//!   same folder of the corpus (the engine's shipyard APIs) is typed by it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use naftiko_codegen::Options;
use naftiko_codegen::build::Builder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    Builder::new()
        .spec("../../specs/humanitec-tokeninfo.yaml")
        .module_name("tokeninfo")
        .generate()?;
    // Every parameter, body and credential shape, exercised by tests/kitchen_sink.rs.
    Builder::new()
        .spec("../fixtures/kitchen-sink.yaml")
        .module_name("kitchen_sink")
        .generate()?;

    // `binds` with a `location`, exercised by tests/file_binds.rs.
    Builder::new()
        .spec("../fixtures/file-binds.yaml")
        .module_name("file_binds")
        .generate()?;

    // Digest authentication upstream, exercised by tests/digest.rs.
    Builder::new()
        .spec("../fixtures/digest.yaml")
        .module_name("digest_auth")
        .generate()?;

    // Upstreams answering XML, CSV, TSV, PSV and YAML, exercised by tests/formats.rs.
    Builder::new()
        .spec("../fixtures/formats.yaml")
        .module_name("raw_formats")
        .generate()?;

    // Orchestration steps whose calls read arguments from earlier steps, exercised by
    // tests/step_args.rs.
    Builder::new()
        .spec("../fixtures/step-args.yaml")
        .module_name("step_args")
        .generate()?;

    // Adapters that are OAuth 2.1 resource servers (JWKS, introspection), exercised by
    // tests/oauth2.rs.
    Builder::new()
        .spec("../fixtures/oauth2.yaml")
        .module_name("oauth2_fixture")
        .generate()?;

    // Upstreams taking OAuth 1.0a signed requests, exercised by tests/oauth1.rs.
    Builder::new()
        .spec("../fixtures/oauth1.yaml")
        .module_name("oauth1_fixture")
        .generate()?;

    // Prompts, resources and a skill read from files at generation, exercised by
    // tests/assets.rs.
    Builder::new()
        .spec("../fixtures/assets.yaml")
        .module_name("assets")
        .generate()?;

    // Path variables sharing their segment with text (`/{job}:cancel`), exercised by
    // tests/segments.rs.
    Builder::new()
        .spec("../fixtures/segments.yaml")
        .module_name("segments")
        .generate()?;

    // A control port alone, with observability off, exercised by tests/control_only.rs.
    Builder::new()
        .spec("../fixtures/control-only.yaml")
        .module_name("control_only")
        .generate()?;

    // Upstreams taking OAuth 2.0 client credentials tokens, exercised by
    // tests/client_credentials.rs.
    Builder::new()
        .spec("../fixtures/client-credentials.yaml")
        .module_name("client_credentials")
        .generate()?;

    // Values of one type feeding parameters of another, exercised by tests/coercions.rs.
    Builder::new()
        .spec("../fixtures/coercions.yaml")
        .module_name("coercions")
        .generate()?;

    // Binary answers (Ikanos): bytes with their media type, bounded by `maxBinarySize`,
    // exercised by tests/binary.rs.
    Builder::new()
        .spec("../fixtures/binary.yaml")
        .module_name("binary_answers")
        .generate()?;

    // Every kind of shaped output, its schemas published, exercised by tests/output_schemas.rs.
    Builder::new()
        .spec("../fixtures/output-schemas.yaml")
        .module_name("output_schemas")
        .generate()?;

    // A consumed API typed by its OpenAPI document, exercised by tests/openapi_types.rs.
    Builder::new()
        .spec("../fixtures/openapi-types.yaml")
        .openapi("store", "../fixtures/openapi-types.openapi/store.yaml")
        .module_name("openapi_types")
        .generate()?;

    // The public Swagger Petstore typed by its document, exercised by tests/openapi_types.rs.
    Builder::new()
        .spec("../fixtures/petstore.yaml")
        .openapi("pets", "../fixtures/petstore.openapi/pets.yaml")
        .module_name("petstore")
        .generate()?;

    // A skill folder read at run time (an absolute `location`), exercised by
    // tests/skill_dirs.rs.
    Builder::new()
        .spec("../fixtures/skill-dirs.yaml")
        .module_name("skill_dirs")
        .generate()?;

    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    hostile(&out)?;
    println!("cargo::rerun-if-env-changed=NAFTIKO_SHARED");
    println!("cargo::rustc-check-cfg=cfg(corpus)");
    let shared = std::env::var_os("NAFTIKO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let mut present = false;
    // The official and curated specs, and the sample of the wild collection (tests/corpus.rs
    // pins which files of each generate and why the others are refused).
    for (folder, name) in [("specs-corpus", "corpus"), ("corpus-sample", "sample")] {
        present |= corpus(&shared.join(folder), name, &out)?;
    }
    if present {
        println!("cargo::rustc-cfg=corpus");
    } else {
        println!(
            "cargo::warning=skipped: the specs corpus is absent ({}); set NAFTIKO_SHARED",
            shared.display()
        );
    }
    Ok(())
}

/// The hostile specs the generator takes (`ok` in tests/hostile/expected.txt), one module each
/// in `$OUT_DIR/hostile.rs`: what they generate compiles.
fn hostile(out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new("../hostile");
    println!("cargo::rerun-if-changed={}", dir.display());
    let expected = std::fs::read_to_string(dir.join("expected.txt"))?;
    let mut modules = String::new();
    for line in expected.lines() {
        let Some((file, "ok")) = line.split_once('\t') else {
            continue;
        };
        let module = format!(
            "hostile_{}",
            file.trim_end_matches(".yaml").replace('-', "_")
        );
        Builder::new()
            .spec(dir.join(file))
            .module_name(&module)
            .out_dir(out)
            .emit_cargo_directives(false)
            .generate()?;
        writeln!(
            modules,
            "include!(concat!(env!(\"OUT_DIR\"), \"/{module}.rs\"));"
        )?;
    }
    std::fs::write(out.join("hostile.rs"), modules)?;
    Ok(())
}

/// Every capability file under `dir`, generated as one module each into `$OUT_DIR/<name>.rs`;
/// the files refused, with their first diagnostic, in `<name>-refused.txt`, the others in
/// `<name>-generated.txt`. `false` when `dir` is absent (the files are then empty).
fn corpus(dir: &Path, name: &str, out: &Path) -> Result<bool, Box<dyn std::error::Error>> {
    let mut modules = String::new();
    let mut refused = String::new();
    let mut generated = Vec::new();
    let present = dir.is_dir();
    if present {
        println!("cargo::rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        collect(dir, &mut files)?;
        files.sort();
        let documents = openapi_documents(&files);
        for file in &files {
            let file = file.clone();
            let rel = file.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&file)?;
            // Support files (conformance cases, OpenAPI documents, bind values, shared consumes)
            // declare no capability.
            if !text.lines().any(|l| l.starts_with("capability:")) {
                continue;
            }
            let module = format!(
                "c_{}",
                naftiko_codegen::package_name(Path::new(&rel.replace(['/', '.'], "-")))
                    .split('-')
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join("_")
            );
            // A consumed API whose document sits in the same folder of the corpus is typed by it.
            let folder = top_folder(dir, &file);
            let beside: Vec<PathBuf> = documents
                .iter()
                .filter(|d| top_folder(dir, d) == folder)
                .cloned()
                .collect();
            let mut builder = Builder::new();
            if let Ok(tied) = Options::default().openapi_by_server_url(&file, &beside) {
                for (namespace, document) in tied.openapi {
                    builder = builder.openapi(namespace, document);
                }
            }
            let result = builder
                .spec(&file)
                .module_name(&module)
                .out_dir(out)
                .emit_cargo_directives(false)
                .generate();
            match result {
                Ok(_) => {
                    writeln!(
                        modules,
                        "include!(concat!(env!(\"OUT_DIR\"), \"/{module}.rs\"));"
                    )?;
                    generated.push(rel);
                }
                Err(naftiko_codegen::Error::Spec(diags)) => {
                    let first = diags.errors().next().or(diags.0.first());
                    let reason = first.map_or_else(String::new, |d| {
                        let at = d
                            .position
                            .map(|p| format!("{}:{}", p.line, p.column))
                            .unwrap_or_default();
                        // A diagnostic in an imported file names that file.
                        let elsewhere = (d.file != file)
                            .then(|| d.file.file_name())
                            .flatten()
                            .map(|f| format!("{}:", f.to_string_lossy()))
                            .unwrap_or_default();
                        format!("{elsewhere}{at} {}", d.message)
                    });
                    writeln!(refused, "{rel}\t{reason}")?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    std::fs::write(out.join(format!("{name}.rs")), modules)?;
    std::fs::write(out.join(format!("{name}-refused.txt")), refused)?;
    std::fs::write(
        out.join(format!("{name}-generated.txt")),
        generated.join("\n"),
    )?;
    Ok(present)
}

/// The OpenAPI documents among `files`.
fn openapi_documents(files: &[PathBuf]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|path| {
            std::fs::read_to_string(path).is_ok_and(|text| {
                text.lines()
                    .any(|l| l.starts_with("openapi:") || l.starts_with("swagger:"))
            })
        })
        .cloned()
        .collect()
}

/// The folder right under `dir` that holds `file`.
fn top_folder<'f>(dir: &Path, file: &'f Path) -> Option<std::path::Component<'f>> {
    file.strip_prefix(dir).ok()?.components().next()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(path);
        }
    }
    Ok(())
}
