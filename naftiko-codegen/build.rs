//! Reads `naftiko-runtime`'s modules into the index of their items that the vendoring uses
//! (`src/emit/vendor/`), once, as the generator is built: a run of the generator then parses
//! nothing but its spec.

// The vendoring's own modules, shared with the generator; the build script uses the part
// that reads the runtime, the generator the rest.
#[allow(dead_code)]
#[path = "src/emit/vendor/items.rs"]
mod items;
#[allow(dead_code)]
#[path = "src/emit/vendor/parse.rs"]
mod parse;
#[allow(dead_code)]
#[path = "src/emit/vendor/scan.rs"]
mod scan;
#[allow(dead_code)]
#[path = "src/emit/vendor/sources.rs"]
mod sources;

fn main() {
    println!("cargo:rerun-if-changed=../naftiko-runtime/src");
    println!("cargo:rerun-if-changed=src/emit/vendor");
    let index = parse::read_all();
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let json = serde_json::to_string(&index).expect("the index is JSON");
    std::fs::write(out.join("runtime-index.json"), json).expect("OUT_DIR is writable");
}
