use std::path::PathBuf;

/// Errors of the domain layer: bad configuration and invalid values.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    ConfigRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML or has a key of the wrong type.
    #[error("invalid configuration file {path}: {message}")]
    ConfigParse { path: PathBuf, message: String },
    /// An environment variable holds a value pd cannot use.
    #[error("invalid value {value:?} for {name}: {message}")]
    ConfigEnv {
        name: String,
        value: String,
        message: String,
    },
    /// A value is outside what the domain allows (an unknown algorithm code, say).
    #[error("{0}")]
    Invalid(String),
}

/// `Result` with pd-core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
