use std::path::PathBuf;

use pd_core::Id;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database refused or failed a statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database server could not be reached or refused the connection.
    #[error("cannot connect to the {backend} database at {url}: {source}")]
    Connect {
        backend: crate::db::Backend,
        /// The URL with any password replaced by `***`.
        url: String,
        source: sqlx::Error,
    },
    /// The database was migrated by a newer pd than this one.
    #[error("database is at migration {applied}, this pd knows up to {known}")]
    DatabaseTooNew { applied: i64, known: i64 },
    /// A migration failed or the database's migrations do not match pd's.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A file or directory operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// No row of that kind has that id or name.
    #[error("{kind} {key} not found")]
    NotFound { kind: &'static str, key: String },
    /// The change would break a uniqueness rule (a name or ASN already taken).
    #[error("{0}")]
    Conflict(String),
    /// A value the store cannot accept.
    #[error("{0}")]
    Invalid(String),
    /// Configuration problem.
    #[error(transparent)]
    Core(#[from] pd_core::Error),
}

impl Error {
    /// A [`Error::NotFound`] for a numeric id.
    pub fn not_found(kind: &'static str, id: Id) -> Self {
        Error::NotFound {
            kind,
            key: id.to_string(),
        }
    }

    /// An [`Error::Io`] with what was being done and to which path.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// `Result` with pd-store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
