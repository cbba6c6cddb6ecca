//! The OpenAPI matching over the real capability files that have their API's document beside
//! them: the engine's own tutorials and fixtures (alpha2 and Ikanos beta5) call the shipyard's
//! two APIs, whose OpenAPI documents they ship. Each consumed namespace whose `baseUri` is below
//! a document's server URL is tied to it (`Options::openapi_by_server_url`); every such file still generates, its operations
//! are matched or noted as missing, and its tool schemas keep to the rules
//! (`../shared/specs-corpus`, or `$NAFTIKO_SHARED`; skipped with one line when absent).

#[path = "../../tests/src/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};

use naftiko_codegen::Options;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        if path.is_dir() {
            files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
}

/// The OpenAPI documents among `all`.
fn documents(all: &[PathBuf]) -> Vec<PathBuf> {
    all.iter()
        .filter(|path| {
            std::fs::read_to_string(path).is_ok_and(|text| {
                text.lines()
                    .any(|l| l.starts_with("openapi:") || l.starts_with("swagger:"))
            })
        })
        .cloned()
        .collect()
}

#[test]
fn capability_files_beside_their_api_s_document_are_typed_by_it() {
    let shared = std::env::var_os("NAFTIKO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let corpus = shared.join("specs-corpus");
    if !corpus.is_dir() {
        skip::skip(&format!("{} is absent", corpus.display()));
        return;
    }
    let (mut tied_files, mut matched, mut missed) = (0, 0, 0);
    let mut problems = Vec::new();
    let mut top: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    top.sort();
    for folder in top {
        let mut all = Vec::new();
        files(&folder, &mut all);
        all.sort();
        let docs = documents(&all);
        if docs.is_empty() {
            continue;
        }
        for spec in &all {
            let Ok(options) = Options::default().openapi_by_server_url(spec, &docs) else {
                continue;
            };
            if options.openapi.is_empty() {
                continue;
            }
            tied_files += 1;
            match naftiko_codegen::generate_crate_with(spec, None, &options) {
                Ok(generated) => {
                    matched += generated
                        .notes
                        .iter()
                        .filter(|n| n.message.contains("` is `"))
                        .count();
                    missed += generated
                        .notes
                        .iter()
                        .filter(|n| n.message.contains("is in no operation"))
                        .count();
                }
                Err(e) => problems.push(format!("{}: {e}", spec.display())),
            }
        }
    }
    println!(
        "{tied_files} files tied to their API's document: {matched} operations matched, {missed} missed"
    );
    assert_eq!(problems, Vec::<String>::new());
    assert!(
        tied_files >= 10 && matched >= 20,
        "{tied_files} files, {matched} matched"
    );
}
