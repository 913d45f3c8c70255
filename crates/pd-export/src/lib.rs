//! # pd-export — backups that verify themselves
//!
//! pd reads (and will write) paperless-ngx 3's export format, so a library moves from
//! paperless-ngx to pd and back without loss. This crate owns that format and the
//! commands over it:
//!
//! - [`manifest`] — the manifest records ([`Record`]: `model`, `pk`, `fields`, the
//!   `__exported_*_name__` keys), `metadata.json` / `version.json` ([`Metadata`]), read
//!   one record at a time.
//! - [`ExportSource`] — an export in any form paperless-ngx writes: a directory, split
//!   manifests (`*-manifest.json`), folder prefixes (`originals/`, `archive/`,
//!   `thumbnails/`, `json/`) or a ZIP, unpacked with limits against traversal and bombs.
//!   Every path a record names is resolved inside the export or refused.
//! - [`crypt`] — the passphrase: PBKDF2-HMAC-SHA256 and Fernet, as paperless-ngx encrypts
//!   mail passwords and tokens.
//! - [`import()`] — `pd import`: everything is checked (JSON, duplicate pks, references,
//!   files, every SHA-256) before the database is touched; then one transaction and
//!   atomically placed files, or nothing at all. Records of models pd does not use
//!   (permissions, saved views, workflows, …) are kept verbatim in the database
//!   (`paperless_records`, see [`pd_store::db::PaperlessRecord`]) for a later export.
//! - [`export()`] — `pd export`: the library as a paperless-ngx 3 export, incremental
//!   (an unchanged library writes no file) and atomic (staged files, manifest last).
//! - [`verify()`] — `pd verify`: missing, extra and corrupt files of an export (or a
//!   backup archive).
//! - [`backup()`] / [`restore()`] — `pd backup` / `pd restore`: the library in one
//!   `.tar.gz` (a pd export plus a header naming the pd version and database migration),
//!   streamed out, and restored only after every member passed its checks.
//! - [`legacy`] — what old paperless installations left: GnuPG-stored documents and MD5
//!   checksums; [`decrypt()`] (`pd decrypt`) turns such documents into plain files.
//!
//! ```
//! use pd_export::{Record, verify, VerifyOptions};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let original = b"%PDF-1.4 hello";
//! std::fs::write(dir.path().join("a.pdf"), original).unwrap();
//! let record = serde_json::json!({
//!     "model": "documents.document", "pk": 1,
//!     "fields": {"checksum": pd_store::media::sha256_bytes(original)},
//!     "__exported_file_name__": "a.pdf",
//! });
//! let manifest = serde_json::to_vec(&[record]).unwrap();
//! std::fs::write(dir.path().join("manifest.json"), manifest).unwrap();
//!
//! let report = verify(dir.path(), &VerifyOptions::default()).unwrap();
//! assert!(report.is_clean());
//! assert_eq!(report.files_checked, 1);
//! # let _: Option<Record> = None;
//! ```

pub mod backup;
pub mod convert;
pub mod crypt;
mod error;
pub mod export;
mod import;
pub mod legacy;
pub mod manifest;
mod placing;
mod plan;
mod source;
mod verify;

pub use backup::{
    BackupHeader, BackupLimits, BackupOptions, BackupReport, RestoreOptions, RestoreReport, backup,
    restore,
};
pub use error::{Error, Result};
pub use export::{ExportOptions, ExportReport, export, export_with};
pub use import::{ImportCounts, ImportOptions, ImportProgress, ImportReport, import, import_with};
pub use legacy::decrypt::{
    DecryptFailure, DecryptOptions, DecryptProgress, DecryptReport, DecryptedDocument, decrypt,
    decrypt_with,
};
pub use legacy::instance::{InstanceSource, import_instance, import_instance_with};
pub use manifest::{Metadata, Record};
pub use plan::Reused;
pub use source::{ExportSource, SourceKind, ZipLimits};
pub use verify::{CorruptFile, VerifyOptions, VerifyReport, verify, verify_with};
