//! # pd-store — the database, the media folder, file names and the trash
//!
//! A pd library is a database and a media folder that must always agree. This crate owns
//! both and the rules that keep them together:
//!
//! - [`db`] — [`Database`] over SQLite (the embedded default, WAL mode), PostgreSQL or
//!   MariaDB through one set of SQL; embedded, reversible migrations
//!   ([`Database::migrate`], [`Database::migrate_to`]); repository methods for every
//!   entity on [`Conn`], which is either a pooled connection or a transaction.
//! - [`media`] — the media folder laid out as paperless-ngx lays it out
//!   (`documents/originals`, `documents/archive`, `documents/thumbnails/0000001.webp`),
//!   streamed SHA-256 checksums, the media lock, atomic writes.
//! - [`naming`] — stored file names from Jinja templates exactly as paperless-ngx
//!   generates them (`FILENAME_FORMAT`, storage paths, `-none-`, `_01` counters).
//! - [`Store`] — configuration, database and media together: opening a library,
//!   trashing and restoring documents, and [`Store::empty_trash`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> pd_store::Result<()> {
//! use pd_core::{Config, MatchRule};
//! use pd_store::Store;
//!
//! let dir = tempfile::tempdir().unwrap();
//! // A library with every default: SQLite and media inside the data folder.
//! let store = Store::init(&Config::for_data_dir(dir.path())).await?;
//! let mut conn = store.db().conn().await?;
//! let acme = conn.insert_correspondent("ACME", &MatchRule::default(), None).await?;
//! assert_eq!(conn.correspondents().await?[0].id, acme.id);
//! assert!(store.media().originals_dir().is_dir());
//! # Ok(()) }
//! ```

pub mod db;
mod error;
pub mod media;
pub mod naming;
pub mod rename;
pub mod sanity;
mod store;
pub mod trash;

pub use db::{
    Backend, Conn, Database, DocumentFilter, LibraryCounts, MigrationInfo, MigrationReport, NewTag,
    NewUser, TrashFilter, latest_version, migrations,
};
pub use error::{Error, Result};
pub use store::{FilenameLookup, Store};
