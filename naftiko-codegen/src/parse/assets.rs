//! Files a capability points at with `location` — MCP resources served from a folder, prompts
//! written in a file, skills with their `SKILL.md` — read at generation. Their content is compiled
//! into the crate, so the server needs no files beside it; `build::Builder` reruns when they
//! change. (Bound values are the opposite: secrets, read at start-up, never compiled in.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Document, file_location, inside, unlinked};
use crate::diagnostic::Diagnostic;

/// At most this many bytes in one file…
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// …this many files under one `location`…
pub const MAX_FILES: usize = 256;
/// …and this many bytes under one `location`.
pub const MAX_TOTAL_BYTES: u64 = 8 << 20;

/// What one `location` names: a file, or a folder and every file under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asset {
    File(AssetFile),
    /// The folder (where it was read) and its files.
    Folder(PathBuf, Vec<AssetFile>),
}

/// One file read for an [`Asset`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetFile {
    /// Its path relative to the folder (`/`-separated, sorted), or its file name.
    pub name: String,
    /// Where it was read (for `rerun-if-changed`).
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl Asset {
    /// Every file, in order.
    pub fn files(&self) -> &[AssetFile] {
        match self {
            Asset::File(f) => std::slice::from_ref(f),
            Asset::Folder(_, files) => files,
        }
    }

    /// What a build script watches: the file, or the folder (files added to it count).
    pub fn watched(&self) -> &Path {
        match self {
            Asset::File(f) => &f.path,
            Asset::Folder(path, _) => path,
        }
    }
}

/// Read every `location` of the adapters of `doc` (found relative to `root`, the capability's
/// folder), keyed by the YAML path of the `location` field.
pub(super) fn load(doc: &mut Document, root: &Path, errors: &mut Vec<Diagnostic>) {
    let mut wanted = Vec::new();
    let exposes = doc
        .json
        .pointer("/capability/exposes")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default();
    for (i, adapter) in exposes.iter().enumerate() {
        for list in ["resources", "prompts", "skills"] {
            let Some(items) = adapter.get(list).and_then(|v| v.as_array()) else {
                continue;
            };
            for (j, item) in items.iter().enumerate() {
                if let Some(location) = item.get("location").and_then(|l| l.as_str()) {
                    wanted.push((
                        format!("capability.exposes[{i}].{list}[{j}].location"),
                        location.to_owned(),
                    ));
                }
            }
        }
    }
    for (yaml_path, location) in wanted {
        // A skill's folder at an absolute path is the deploy machine's: read there at run time.
        if yaml_path.contains("].skills[")
            && let Some(dir) = absolute_folder(&location)
        {
            doc.run_time_dirs.insert(yaml_path, dir);
            continue;
        }
        let relative = file_location(&location, "location")
            .and_then(|rel| inside(Path::new(&rel), &location))
            .and_then(|rel| unlinked(root, rel, &location));
        let read = relative.and_then(|rel| read(&root.join(rel), &location));
        match read {
            Ok(asset) => {
                doc.assets.insert(yaml_path, asset);
            }
            Err(message) => {
                let mut d = doc.error(&yaml_path, message);
                d.help = Some(
                    "a `location` is relative to the capability's folder and read at generation (e.g. `file:///./prompts/summary.md`)"
                        .into(),
                );
                errors.push(d);
            }
        }
    }
}

/// The absolute folder a `file:///abs/path` location names: a clean absolute path (no `.` or
/// `..`, no empty segment, no control or shell characters).
fn absolute_folder(location: &str) -> Option<String> {
    let path = location.strip_prefix("file://")?;
    let rest = path.strip_prefix('/')?;
    let clean = !rest.is_empty()
        && rest
            .trim_end_matches('/')
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '@' | '+'));
    clean.then(|| path.trim_end_matches('/').to_owned())
}

/// The file or folder at `path`.
fn read(path: &Path, location: &str) -> Result<Asset, String> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|err| format!("cannot read `{location}` ({}): {err}", path.display()))?;
    if meta.is_dir() {
        let mut files = Vec::new();
        let mut total = 0;
        walk(path, "", location, &mut files, &mut total)?;
        if files.is_empty() {
            return Err(format!("the folder `{location}` has no files"));
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Asset::Folder(path.to_path_buf(), files))
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Asset::File(file(path, name, location, &meta)?))
    }
}

fn walk(
    dir: &Path,
    prefix: &str,
    location: &str,
    files: &mut Vec<AssetFile>,
    total: &mut u64,
) -> Result<(), String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|err| format!("cannot list `{location}` ({}): {err}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|err| format!("cannot list `{location}`: {err}"))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with('.') {
            continue; // hidden files and editor droppings are not content
        }
        let name = format!("{prefix}{file_name}");
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        if meta.is_dir() {
            walk(&path, &format!("{name}/"), location, files, total)?;
            continue;
        }
        let f = file(&path, name, location, &meta)?;
        *total += f.bytes.len() as u64;
        files.push(f);
        if files.len() > MAX_FILES {
            return Err(format!(
                "`{location}` holds more than {MAX_FILES} files: its content is compiled into the crate"
            ));
        }
        if *total > MAX_TOTAL_BYTES {
            return Err(format!(
                "`{location}` holds more than {} MiB: its content is compiled into the crate",
                MAX_TOTAL_BYTES >> 20
            ));
        }
    }
    Ok(())
}

fn file(
    path: &Path,
    name: String,
    location: &str,
    meta: &std::fs::Metadata,
) -> Result<AssetFile, String> {
    if meta.file_type().is_symlink() {
        return Err(format!(
            "`{location}`: {} is a symbolic link; links are not followed (they could leave the capability's folder)",
            path.display()
        ));
    }
    if !meta.file_type().is_file() {
        return Err(format!(
            "`{location}`: {} is not a regular file (a FIFO, a socket or a device)",
            path.display()
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "`{location}`: {} is larger than {} MiB: its content is compiled into the crate",
            path.display(),
            MAX_FILE_BYTES >> 20
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    Ok(AssetFile {
        name,
        path: path.to_path_buf(),
        bytes,
    })
}

/// The assets of a document, for the resolver: by the YAML path of their `location`.
pub type Assets = BTreeMap<String, Asset>;
