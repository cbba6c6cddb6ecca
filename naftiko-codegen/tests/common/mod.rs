//! Helpers shared by the generator's integration tests.

use std::path::{Path, PathBuf};

use naftiko_codegen::{Diagnostic, Error};

#[allow(dead_code)] // not every test binary needs it
pub mod cpus;

/// A fresh folder under the system's temporary directory, removed when dropped.
pub struct Folder(PathBuf);

impl Folder {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("naftiko-tests-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary folder");
        Folder(dir)
    }

    #[allow(dead_code)] // not every test binary needs it
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
        std::fs::write(&path, text).expect("write");
        path
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The errors `check` reports for the spec file at `spec` (it must be refused).
#[allow(dead_code)] // not every test binary needs it
pub fn errors(spec: &Path) -> Vec<Diagnostic> {
    match naftiko_codegen::check(spec) {
        Err(Error::Spec(d)) => d.errors().cloned().collect(),
        Ok(_) => panic!("the spec was accepted"),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

/// The one error `check` reports for the spec file at `spec`.
#[allow(dead_code)] // not every test binary needs it
pub fn only(spec: &Path) -> Diagnostic {
    let mut errors = errors(spec);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.remove(0)
}
