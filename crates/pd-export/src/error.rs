use std::path::PathBuf;

/// Everything that can go wrong in an export, import or verification.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A manifest or metadata file is not valid JSON or not the expected shape.
    #[error("cannot read {path}: {message}")]
    Manifest { path: PathBuf, message: String },
    /// The export is inconsistent (duplicate pks, dangling references, missing fields).
    #[error("{0}")]
    Invalid(String),
    /// A path in the export would leave it (`..`, absolute, a symlink pointing outside).
    #[error("refusing {path:?}: {reason}")]
    UnsafePath { path: String, reason: String },
    /// A file's SHA-256 is not the one the manifest records.
    #[error("checksum mismatch for {path}: the manifest says {expected}, the file has {actual}")]
    Checksum {
        path: String,
        expected: String,
        actual: String,
    },
    /// A ZIP member would unpack beyond the limits (a zip bomb).
    #[error("refusing the ZIP {path}: {reason}")]
    ZipBomb { path: PathBuf, reason: String },
    /// The ZIP itself cannot be read.
    #[error("cannot read the ZIP {path}: {message}")]
    Zip { path: PathBuf, message: String },
    /// Encrypted fields and no passphrase, a wrong passphrase, or unknown key derivation.
    #[error("{0}")]
    Passphrase(String),
    /// The library already holds data and `--merge` was not given.
    #[error("{0}")]
    NotEmpty(String),
    /// A file or directory operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A backup archive is malformed or hostile (a member that is no regular file, a
    /// duplicate, more data than it declares).
    #[error("refusing the backup {path}: {reason}")]
    Archive { path: PathBuf, reason: String },
    /// A backup from a newer schema than this pd knows.
    #[error(
        "the backup {path} was made by pd {pd_version} at database migration {migration}, \
         but this pd only knows migrations up to {known}: restore it with pd {pd_version} or newer"
    )]
    TooNew {
        path: PathBuf,
        pd_version: String,
        migration: i64,
        known: i64,
    },
    /// The library (database or media folder) failed.
    #[error(transparent)]
    Store(#[from] pd_store::Error),
}

impl Error {
    /// An [`Error::Io`].
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
