//! Reading a spec file: only a regular file, at most [`MAX_SPEC_BYTES`], UTF-8. A FIFO would
//! hang the generator, a device (`/dev/zero`) fill its memory, a link lead out of the
//! capability's folder; a file in another encoding is the spec's error, located.

use std::io::Read as _;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Position, Severity, SourceFile};

/// The largest spec file read (specs in the wild are under 1 MiB).
pub const MAX_SPEC_BYTES: u64 = 16 << 20;

/// Does reading follow a symbolic link? The spec named on the command line does (its user chose
/// it); files a spec names do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Read what a link points to (a regular file still).
    Follow,
    /// Refuse a link.
    Refuse,
}

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file system said no.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Not a regular file (a link where links are refused, a folder, a FIFO, a device).
    #[error("it is {0}, not a regular file")]
    NotAFile(&'static str),
    /// Larger than [`MAX_SPEC_BYTES`].
    #[error("it is larger than {} MiB", MAX_SPEC_BYTES >> 20)]
    TooLarge,
    /// Not UTF-8: the spec's error, located.
    #[error("{}", .0.message)]
    Encoding(Box<Diagnostic>),
}

/// The text of the spec file at `path`.
pub fn read_source(path: &Path, links: Links) -> Result<SourceFile, ReadError> {
    let meta = match links {
        Links::Follow => std::fs::metadata(path)?,
        Links::Refuse => std::fs::symlink_metadata(path)?,
    };
    check_kind(&meta)?;
    let file = std::fs::File::open(path)?;
    // What was opened is what was checked (the path may have changed in between).
    check_kind(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(MAX_SPEC_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SPEC_BYTES {
        return Err(ReadError::TooLarge);
    }
    decode(path, bytes).map_err(ReadError::Encoding)
}

fn check_kind(meta: &std::fs::Metadata) -> Result<(), ReadError> {
    let kind = meta.file_type();
    if kind.is_file() {
        return if meta.len() > MAX_SPEC_BYTES {
            Err(ReadError::TooLarge)
        } else {
            Ok(())
        };
    }
    Err(ReadError::NotAFile(if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a folder"
    } else {
        "a FIFO, a socket or a device"
    }))
}

/// `bytes` as UTF-8 text (a byte-order mark dropped), or a located error.
fn decode(path: &Path, bytes: Vec<u8>) -> Result<SourceFile, Box<Diagnostic>> {
    let utf16 = bytes.starts_with(&[0xff, 0xfe])
        || bytes.starts_with(&[0xfe, 0xff])
        || (bytes.len() >= 2 && (bytes[0] == 0) != (bytes[1] == 0));
    if utf16 {
        let source = SourceFile::new(path, "");
        let mut d = source.diagnostic(
            Severity::Error,
            Some(Position { line: 1, column: 1 }),
            "",
            "the file is UTF-16 (or holds NUL characters): YAML specs are read as UTF-8",
        );
        d.help = Some("save it as UTF-8".into());
        return Err(Box::new(d));
    }
    let bytes = match bytes.strip_prefix(b"\xef\xbb\xbf") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(path, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let valid = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            // The file up to the end of that line, for the snippet (the bad bytes replaced).
            let end = bytes[at..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(bytes.len(), |i| at + i);
            let source = SourceFile::new(path, String::from_utf8_lossy(&bytes[..end]));
            let mut d = source.diagnostic(
                Severity::Error,
                Some(Position { line, column }),
                "",
                format!(
                    "byte 0x{:02x} is not UTF-8: YAML specs are read as UTF-8",
                    bytes[at]
                ),
            );
            d.help = Some("save the file as UTF-8".into());
            Err(Box::new(d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_other_than_utf8_are_located_errors() {
        let d = decode(Path::new("x.yaml"), b"a: 1\nb: caf\xe9\n".to_vec()).unwrap_err();
        assert_eq!(d.position, Some(Position { line: 2, column: 7 }));
        assert!(d.message.contains("0xe9"), "{}", d.message);
        let d = decode(Path::new("x.yaml"), b"\xff\xfea\0:\0".to_vec()).unwrap_err();
        assert!(d.message.contains("UTF-16"));
        let ok = decode(Path::new("x.yaml"), b"\xef\xbb\xbfa: 1\n".to_vec()).unwrap();
        assert_eq!(ok.text, "a: 1\n");
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = std::env::temp_dir().join(format!("naftiko-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("spec.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        let link = dir.join("link.yaml");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(read_source(&link, Links::Follow).is_ok());
        assert!(matches!(
            read_source(&link, Links::Refuse),
            Err(ReadError::NotAFile("a symbolic link"))
        ));
        assert!(matches!(
            read_source(&dir, Links::Follow),
            Err(ReadError::NotAFile("a folder"))
        ));
        assert!(matches!(
            read_source(Path::new("/dev/zero"), Links::Follow),
            Err(ReadError::NotAFile(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
