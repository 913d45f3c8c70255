//! # pd-core — the domain model of pd
//!
//! pd is a document management system compatible with paperless-ngx 3. This crate holds
//! the types every other pd crate speaks in, and nothing else: no I/O beyond reading the
//! configuration file, no database, no terminals.
//!
//! - [`Document`] — a stored document with its files, checksums, dates and relations.
//! - [`Correspondent`], [`DocumentType`], [`Tag`], [`StoragePath`] — the objects a
//!   document is filed under; each carries a [`MatchRule`] (`match`, `matching_algorithm`,
//!   `is_insensitive`) with paperless-ngx's meaning.
//! - [`CustomField`], [`CustomFieldInstance`], [`Note`], [`User`] — what else an export carries.
//! - [`MailAccount`], [`MailRule`] — the mail fetcher's configuration.
//! - [`Config`] — settings from `pd.toml` in the data directory and `PD_*` variables.
//!
//! ```
//! use pd_core::{MatchRule, MatchingAlgorithm};
//!
//! let rule = MatchRule::default();
//! // paperless-ngx's defaults: "any word", case-insensitive, empty pattern.
//! assert_eq!(rule.algorithm, MatchingAlgorithm::Any);
//! assert!(rule.is_insensitive);
//! assert_eq!(MatchingAlgorithm::from_code(4), Some(MatchingAlgorithm::Regex));
//! ```

mod config;
mod custom_field;
mod date_order;
mod document;
mod error;
mod mail;
mod matching;
mod objects;

pub use config::{
    ArchiveFileGeneration, Config, ConfigOverrides, ConsumerConfig, OcrConfig, OcrMode, redact_url,
};
pub use custom_field::{CustomField, CustomFieldInstance, CustomFieldType, CustomFieldValue};
pub use date_order::{DateOrder, DatePart};
pub use document::{Document, NewDocument, StorageType, mime_extension};
pub use error::{Error, Result};
pub use mail::{
    MailAccount, MailAccountType, MailAction, MailAttachmentType, MailConsumptionScope,
    MailCorrespondentFrom, MailRule, MailSecurity, MailTitleFrom, ProcessedMail,
    ProcessedMailStatus,
};
pub use matching::{MatchRule, MatchingAlgorithm};
pub use objects::{Correspondent, DocumentType, Note, StoragePath, Tag, User};

/// Row identifiers. paperless-ngx uses integer primary keys; so does pd.
pub type Id = i64;

/// The time stamps pd stores are UTC.
pub type Timestamp = time::OffsetDateTime;

/// A calendar date (a document's `created` date is a date, not a time).
pub type Date = time::Date;

/// The current time in UTC, truncated to whole microseconds so that it survives a
/// round trip through every database pd supports.
pub fn now() -> Timestamp {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now)
}
