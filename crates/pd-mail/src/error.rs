//! pd-mail's errors. None of them ever holds a password or token.

/// Why mail could not be fetched or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The server resolves to a loopback, private or otherwise non-public address.
    #[error(
        "Connection blocked: {server} resolves to a non-public address ({address}); \
         set PD_EMAIL_ALLOW_INTERNAL_HOSTS=true to allow it"
    )]
    BlockedHost { server: String, address: String },
    /// The server could not be reached.
    #[error("cannot connect to {server}:{port}: {message}")]
    Connect {
        server: String,
        port: u16,
        message: String,
    },
    /// The TLS handshake or the TLS set-up failed.
    #[error("TLS with {server}: {message}")]
    Tls { server: String, message: String },
    /// The server refused the login.
    #[error("Error while authenticating account {account}: {message}")]
    Login { account: String, message: String },
    /// A rule's folder (or its move target) does not exist.
    #[error("Rule {rule}: Folder {folder} does not exist in account {account}")]
    FolderMissing {
        rule: String,
        folder: String,
        account: String,
    },
    /// An IMAP command failed.
    #[error("account {account}: {command}: {message}")]
    Imap {
        account: String,
        command: String,
        message: String,
    },
    /// A rule's settings cannot work (a move without a folder, an unknown Apple colour).
    #[error("rule {rule}: {message}")]
    InvalidRule { rule: String, message: String },
    /// No account or rule of that name.
    #[error("{0}")]
    NotFound(String),
    /// A setting (`PD_EMAIL_*`) is wrong.
    #[error("{0}")]
    Config(String),
    /// A document to send could not be read.
    #[error("{0}")]
    Document(String),
    /// The SMTP server refused the message or could not be reached.
    #[error("cannot send the mail through {server}: {message}")]
    Smtp { server: String, message: String },
    /// The library's database failed.
    #[error(transparent)]
    Store(#[from] pd_store::Error),
    /// A local file could not be written (temporary copies of attachments).
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

/// pd-mail's result type.
pub type Result<T, E = MailError> = std::result::Result<T, E>;
