//! The query language paperless-ngx users know, parsed into a [`Query`] tree with
//! errors that say where and why.
//!
//! - words, `"phrases"` (`"a b"~2` allows two words between), `prefix*`, fuzzy `word~`
//!   or `word~2`;
//! - `AND`, `OR`, `NOT` (also `&&`, `||`, `!`, `+word`, `-word`) and parentheses; words
//!   side by side must all match, as in paperless-ngx;
//! - fields: `title:`, `content:`, `correspondent:`, `type:` (`document_type:`), `path:`
//!   (`storage_path:`), `tag:` (`tag:a,b` is `tag:a AND tag:b`), `notes:`,
//!   `original_filename:`, `checksum:`, `mime_type:`, custom fields as
//!   `custom_fields.value:`, `custom_fields.name:` or `custom_fields.<field name>:`;
//!   numbers `asn:`, `page_count:`, `id:` and ids `tag_id:`, `correspondent_id:`,
//!   `type_id:`, `path_id:`, `owner_id:`, each with ranges `[1 to 9]`;
//! - dates `created:`, `added:`, `modified:` with every form in [`dates`].
//!
//! A word not qualified by a field searches title (weighted double), content,
//! correspondent, document type and tags, as in paperless-ngx.

pub(crate) mod compile;
pub mod dates;
mod lexer;
mod parser;

pub use dates::DateExpr;
pub use parser::parse;

/// A malformed query: what is wrong, and at which character (counted from 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid query: {message} (at character {position}: {context})")]
pub struct QueryError {
    /// What is wrong, in words.
    pub message: String,
    /// Where (in characters from the start of the query).
    pub position: usize,
    /// The query from that position on, shortened.
    pub context: String,
}

impl QueryError {
    pub(crate) fn new(query: &str, position: usize, message: impl Into<String>) -> QueryError {
        let rest: String = query.chars().skip(position).take(24).collect();
        QueryError {
            message: message.into(),
            position,
            context: if rest.is_empty() {
                "end of query".into()
            } else {
                format!("{rest:?}")
            },
        }
    }
}

/// A text field of the index, as a query names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    Title,
    Content,
    Correspondent,
    DocumentType,
    StoragePath,
    Tag,
    Notes,
    OriginalFilename,
    /// Whole-value fields (`checksum`, `mime_type`), matched exactly.
    Checksum,
    MimeType,
}

/// A number field of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberField {
    Id,
    Asn,
    PageCount,
    NumNotes,
    TagId,
    CorrespondentId,
    DocumentTypeId,
    StoragePathId,
    OwnerId,
}

/// A date field of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateField {
    /// The document date: calendar dates, compared as UTC midnights.
    Created,
    /// Time stamps: calendar dates are local midnights.
    Added,
    Modified,
}

/// Where a query clause looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Title, content, correspondent, document type, tags.
    Default,
    Text(TextField),
    /// A key of the custom fields' JSON objects: `name`, `value` or a normalised field name.
    CustomField(String),
    Number(NumberField),
    Date(DateField),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Every sub-query must match.
    And(Vec<Query>),
    /// At least one must match.
    Or(Vec<Query>),
    /// Must not match.
    Not(Box<Query>),
    /// A word: `fuzzy` edits allowed, or a prefix.
    Word {
        target: Target,
        text: String,
        fuzzy: Option<u8>,
        prefix: bool,
    },
    /// Words in this order, up to `slop` words apart.
    Phrase {
        target: Target,
        text: String,
        slop: u32,
    },
    /// A number, or numbers in a range (both bounds inclusive).
    Numbers {
        field: NumberField,
        lo: Option<u64>,
        hi: Option<u64>,
    },
    /// A date or a date range.
    Dates {
        field: DateField,
        lo: Option<DateExpr>,
        hi: Option<DateExpr>,
        /// `{a to b}`: the bounds themselves excluded.
        exclusive: bool,
    },
}

/// The field a `name:` prefix names, or `None`.
pub(crate) fn target_named(name: &str) -> Option<Target> {
    use NumberField as N;
    use TextField as T;
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("custom_fields.") {
        let key = crate::schema::custom_field_key(&name["custom_fields.".len()..]);
        return (!key.is_empty()).then_some(Target::CustomField(key));
    }
    Some(match lower.as_str() {
        "title" => Target::Text(T::Title),
        "content" => Target::Text(T::Content),
        "correspondent" => Target::Text(T::Correspondent),
        "type" | "document_type" => Target::Text(T::DocumentType),
        "path" | "storage_path" => Target::Text(T::StoragePath),
        "tag" | "tags" => Target::Text(T::Tag),
        "note" | "notes" | "notes.note" => Target::Text(T::Notes),
        "original_filename" | "filename" => Target::Text(T::OriginalFilename),
        "checksum" => Target::Text(T::Checksum),
        "mime_type" | "mime" => Target::Text(T::MimeType),
        "custom_fields" | "custom_field" => Target::CustomField("value".into()),
        "id" => Target::Number(N::Id),
        "asn" | "archive_serial_number" => Target::Number(N::Asn),
        "page_count" | "pages" => Target::Number(N::PageCount),
        "num_notes" => Target::Number(N::NumNotes),
        "tag_id" => Target::Number(N::TagId),
        "correspondent_id" => Target::Number(N::CorrespondentId),
        "type_id" | "document_type_id" => Target::Number(N::DocumentTypeId),
        "path_id" | "storage_path_id" => Target::Number(N::StoragePathId),
        "owner_id" | "owner" => Target::Number(N::OwnerId),
        "created" => Target::Date(DateField::Created),
        "added" => Target::Date(DateField::Added),
        "modified" => Target::Date(DateField::Modified),
        _ => return None,
    })
}

/// The field names a query may use, for error messages.
pub(crate) const FIELD_NAMES: &str = "title, content, correspondent, type, path, tag, notes, \
     original_filename, checksum, mime_type, custom_fields.<name>, id, asn, page_count, \
     tag_id, correspondent_id, type_id, path_id, owner_id, created, added, modified";

#[cfg(test)]
mod tests;
