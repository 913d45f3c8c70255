//! # pd-index — full-text search
//!
//! pd's tantivy index of the library, in `<data dir>/index/`: the schema paperless-ngx
//! 3 indexes (title, content, correspondent, document type, storage path, tags, owner,
//! notes, custom fields, ASN, dates, page count, mime type, original file name; text
//! ASCII-folded and stemmed in the library's language), kept in step with the library,
//! rebuilt in bounded memory, and searched with the query language paperless-ngx users
//! know.
//!
//! - [`SearchIndex`] — an open index: [`SearchIndex::search`], [`SearchIndex::more_like_this`],
//!   [`SearchIndex::upsert`] and [`SearchIndex::remove`], [`SearchIndex::optimize`].
//! - [`sync`] — how the rest of pd keeps the index current: [`IndexSync::begin`] before a
//!   change to the library, [`IndexSync::finish`] with the changed ids after it.
//! - [`reindex()`] — the rebuild from the database, batched and resumable.
//! - [`query`] — the query language: parsing with clear errors, relative dates.
//!
//! The database is the source of truth. The index records the schema version, the
//! search language and a [`LibraryFingerprint`] of the library it mirrors; an index
//! whose record is missing, different or unreadable, or whose files are corrupt, is
//! rebuilt ([`open_current`]) rather than trusted.
//!
//! ```
//! use pd_index::{SearchIndex, SearchLanguage, SearchOptions};
//! use pd_index::source::IndexedDocument;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let index = SearchIndex::create(dir.path(), SearchLanguage::parse("en").unwrap()).unwrap();
//! let mut doc = IndexedDocument::bare(&pd_core::Document {
//!     id: 1,
//!     title: "Electricity bill".into(),
//!     content: "Your invoices for March".into(),
//!     created: time::macros::date!(2024 - 03 - 31),
//!     added: time::macros::datetime!(2024-04-01 10:00 UTC),
//!     modified: time::macros::datetime!(2024-04-01 10:00 UTC),
//!     mime_type: "text/plain".into(),
//!     original_filename: None, filename: None, archive_filename: None,
//!     checksum: "0".repeat(64), archive_checksum: None, page_count: Some(1),
//!     archive_serial_number: Some(42), correspondent: None, document_type: None,
//!     storage_path: None, owner: None, tags: vec![], deleted_at: None,
//!     restored_at: None, transaction_id: None, root_document: None,
//!     version_index: None, version_label: None,
//!     storage_type: Default::default(),
//! });
//! doc.tags = vec![(3, "Utilities".into())];
//! index.upsert(&[doc]).unwrap();
//! let opts = SearchOptions::default();
//! let found = index.search("invoice tag:utilities created:[2024 to 2024]", &opts).unwrap();
//! assert_eq!(found.hits[0].id, 1);
//! assert!(index.search("title:(bill", &opts).is_err());
//! ```

pub mod index;
pub mod query;
pub mod reindex;
mod results;
pub mod schema;
pub mod settings;
pub mod source;
pub mod sync;

pub use index::{SearchIndex, index_dir, open_current};
pub use query::QueryError;
pub use reindex::{ReindexOptions, ReindexReport, reindex};
pub use results::{Highlight, SearchHit, SearchOptions, SearchResults};
pub use schema::SearchLanguage;
pub use source::LibraryFingerprint;
pub use sync::{IndexSync, SyncReport};

/// Everything that can go wrong with the index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the library failed.
    #[error(transparent)]
    Store(#[from] pd_store::Error),
    /// The search engine failed (corrupt files, a full disk, another writer).
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The query is malformed; the message says where and why.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The index cannot be used as it is and must be rebuilt; says why.
    #[error("the search index must be rebuilt: {0}")]
    NeedsRebuild(String),
    /// The document is not in the index (not in the library, or in the trash).
    #[error("document {0} is not in the search index (no such document, or in the trash)")]
    NotIndexed(pd_core::Id),
    /// A file of the index could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
