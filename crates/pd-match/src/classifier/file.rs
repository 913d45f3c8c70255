//! The model file: one header line, then a JSON body.
//!
//! ```text
//! pd-classifier <format version> <SHA-256 of the body, lower-case hex>\n
//! {"fingerprint": …, "vocabulary": …, "correspondent": …, …}
//! ```
//!
//! Loading checks the magic word, the version and the checksum before the body is
//! parsed, then checks that the parsed parts fit together. The body is plain data
//! (serde), so a file can make a load fail but never run anything. A file from another
//! format version is [`LoadError::Incompatible`]; anything else wrong is
//! [`LoadError::Corrupt`]. Either way the caller retrains and replaces it.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::Classifier;

/// The first word of every model file.
const MAGIC: &str = "pd-classifier";

/// The model file's format version; a file of another version is retrained.
pub const FORMAT_VERSION: u32 = 1;

/// Why a model file was not used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read (it is left alone).
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The file is not a model this pd can trust: wrong magic, checksum or content.
    #[error("corrupt classifier model {path}: {reason}")]
    Corrupt { path: String, reason: String },
    /// The file was written in another format version.
    #[error("classifier model {path} has format version {found}, this pd writes {FORMAT_VERSION}")]
    Incompatible { path: String, found: String },
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The file's bytes for a model.
pub fn encode(model: &Classifier) -> Vec<u8> {
    // Serialising plain structs of numbers and strings cannot fail.
    let body = serde_json::to_vec(model).unwrap_or_default();
    let mut out = format!("{MAGIC} {FORMAT_VERSION} {}\n", sha256_hex(&body)).into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Reads a model file: `Ok(None)` when there is none.
pub fn load(path: &Path) -> Result<Option<Classifier>, LoadError> {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(LoadError::Io {
                path: shown,
                source,
            });
        }
    };
    decode(&bytes).map(Some).map_err(|e| e.with_path(shown))
}

/// A [`LoadError`] before the path is known.
#[derive(Debug)]
pub(super) enum DecodeError {
    Corrupt(String),
    Incompatible(String),
}

impl DecodeError {
    fn with_path(self, path: String) -> LoadError {
        match self {
            DecodeError::Corrupt(reason) => LoadError::Corrupt { path, reason },
            DecodeError::Incompatible(found) => LoadError::Incompatible { path, found },
        }
    }
}

/// Parses and checks a model file's bytes.
pub(super) fn decode(bytes: &[u8]) -> Result<Classifier, DecodeError> {
    let corrupt = |reason: &str| DecodeError::Corrupt(reason.to_owned());
    let newline = bytes
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| corrupt("no header line"))?;
    let header =
        std::str::from_utf8(&bytes[..newline]).map_err(|_| corrupt("the header is not text"))?;
    let body = &bytes[newline + 1..];
    let mut words = header.split(' ');
    if words.next() != Some(MAGIC) {
        return Err(corrupt("not a pd classifier model"));
    }
    let version = words.next().unwrap_or_default();
    if version != FORMAT_VERSION.to_string() {
        return Err(DecodeError::Incompatible(version.to_owned()));
    }
    let checksum = words.next().unwrap_or_default();
    if words.next().is_some() || checksum != sha256_hex(body) {
        return Err(corrupt("checksum mismatch"));
    }
    let mut model: Classifier = serde_json::from_slice(body)
        .map_err(|e| DecodeError::Corrupt(format!("unreadable body: {e}")))?;
    if !model.check_and_prepare() {
        return Err(corrupt("inconsistent model"));
    }
    Ok(model)
}

/// Writes the model atomically (temporary file and rename).
pub fn save(model: &Classifier, path: &Path) -> pd_store::Result<()> {
    pd_store::media::write_atomic(path, &encode(model))
}
