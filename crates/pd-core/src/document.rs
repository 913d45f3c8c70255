use serde::{Deserialize, Serialize};

use crate::{Date, Id, Timestamp};

/// A document in the library: one original file, perhaps an archive PDF and a thumbnail.
///
/// Field names follow paperless-ngx 3's `documents.document` model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: Id,
    pub title: String,
    /// Extracted or recognised text; used for matching and search.
    pub content: String,
    /// The document date (parsed from the content, else the file's date).
    pub created: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub added: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub modified: Timestamp,
    pub mime_type: String,
    /// The uploaded file's base name.
    pub original_filename: Option<String>,
    /// Path of the original relative to `documents/originals`, POSIX separators.
    pub filename: Option<String>,
    /// Path of the archive PDF relative to `documents/archive`.
    pub archive_filename: Option<String>,
    /// SHA-256 of the stored original, lower-case hex.
    pub checksum: String,
    /// SHA-256 of the archive PDF, lower-case hex.
    pub archive_checksum: Option<String>,
    pub page_count: Option<i32>,
    /// Archive serial number, 0 ..= 4 294 967 295, unique.
    pub archive_serial_number: Option<i64>,
    pub correspondent: Option<Id>,
    pub document_type: Option<Id>,
    pub storage_path: Option<Id>,
    pub owner: Option<Id>,
    /// Tag ids, sorted.
    pub tags: Vec<Id>,
    /// Set while the document is in the trash.
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<Timestamp>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub restored_at: Option<Timestamp>,
    /// Groups objects trashed together (a UUID).
    pub transaction_id: Option<String>,
    /// Set when this row is a version of another document.
    pub root_document: Option<Id>,
    pub version_index: Option<i32>,
    pub version_label: Option<String>,
    /// How the original and the thumbnail are stored: plain, or GnuPG-encrypted by an
    /// old paperless installation (until `pd decrypt`). Absent in paperless-ngx 3
    /// manifests, where every document is unencrypted.
    #[serde(default)]
    pub storage_type: StorageType,
}

/// How a document's files are stored, as paperless(-ng) named it in `storage_type`.
///
/// paperless and paperless-ng could encrypt originals and thumbnails with one GnuPG
/// passphrase; paperless-ngx 3 and pd store every new document unencrypted and only read
/// the old form until `pd decrypt` has turned it into plain files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum StorageType {
    /// Plain files (`"unencrypted"`).
    #[default]
    #[serde(rename = "unencrypted")]
    Unencrypted,
    /// GnuPG symmetric ciphertext: the original as `<name>.gpg`, the thumbnail as
    /// `<id:07>.webp.gpg` (`"gpg"`).
    #[serde(rename = "gpg")]
    Gpg,
}

impl StorageType {
    /// The name paperless used in its database and manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageType::Unencrypted => "unencrypted",
            StorageType::Gpg => "gpg",
        }
    }

    /// Reads paperless's name; `None` for anything else.
    pub fn parse(name: &str) -> Option<StorageType> {
        match name {
            "unencrypted" => Some(StorageType::Unencrypted),
            "gpg" => Some(StorageType::Gpg),
            _ => None,
        }
    }

    /// The suffix paperless appended to encrypted files' names (`".gpg"`), else `""`.
    pub fn suffix(self) -> &'static str {
        match self {
            StorageType::Unencrypted => "",
            StorageType::Gpg => ".gpg",
        }
    }
}

impl std::fmt::Display for StorageType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Document {
    /// The largest archive serial number paperless-ngx accepts.
    pub const MAX_ASN: i64 = 4_294_967_295;
    /// The consumer truncates titles to this many characters.
    pub const MAX_TITLE_CHARS: usize = 127;

    /// Whether the document is in the trash.
    pub fn is_trashed(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// The original's extension with its dot, from the mime type (`.pdf`), or `""`.
    pub fn file_type(&self) -> &'static str {
        mime_extension(&self.mime_type)
    }

    /// The original's path relative to `documents/originals`: the stored `filename`,
    /// else the default `<id:07><ext>` (`<id:07><ext>.gpg` when stored encrypted).
    pub fn source_filename(&self) -> String {
        match &self.filename {
            Some(name) => name.clone(),
            None => format!(
                "{:07}{}{}",
                self.id,
                self.file_type(),
                self.storage_type.suffix()
            ),
        }
    }

    /// The thumbnail's name in `documents/thumbnails`; always id-based
    /// (`<id:07>.webp`, or `<id:07>.webp.gpg` when stored encrypted).
    pub fn thumbnail_filename(&self) -> String {
        format!("{:07}.webp{}", self.id, self.storage_type.suffix())
    }

    /// Whether the original and thumbnail are GnuPG ciphertext (see [`StorageType`]).
    pub fn is_encrypted(&self) -> bool {
        self.storage_type == StorageType::Gpg
    }

    /// paperless-ngx's string form: `"<created> <correspondent> <title>"`.
    pub fn display_name(&self, correspondent: Option<&str>) -> String {
        let mut name = self.created.to_string();
        if let Some(c) = correspondent {
            name.push(' ');
            name.push_str(c);
        }
        if !self.title.is_empty() {
            name.push(' ');
            name.push_str(&self.title);
        }
        name
    }
}

/// What the consumer knows about a document before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDocument {
    pub title: String,
    pub content: String,
    pub created: Date,
    pub added: Timestamp,
    pub mime_type: String,
    pub original_filename: Option<String>,
    pub checksum: String,
    pub archive_checksum: Option<String>,
    pub page_count: Option<i32>,
    pub archive_serial_number: Option<i64>,
    pub correspondent: Option<Id>,
    pub document_type: Option<Id>,
    pub storage_path: Option<Id>,
    pub owner: Option<Id>,
    pub tags: Vec<Id>,
}

/// The file extension (with its dot) paperless-ngx uses for a mime type, or `""`.
pub fn mime_extension(mime_type: &str) -> &'static str {
    match mime_type {
        "application/pdf" => ".pdf",
        "image/jpeg" => ".jpg",
        "image/png" => ".png",
        "image/tiff" => ".tif",
        "image/gif" => ".gif",
        "image/bmp" => ".bmp",
        "image/webp" => ".webp",
        "image/heic" => ".heic",
        "text/plain" => ".txt",
        "text/csv" | "application/csv" => ".csv",
        "message/rfc822" => ".eml",
        "application/msword" => ".doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => ".docx",
        "application/vnd.ms-excel" => ".xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => ".xlsx",
        "application/vnd.ms-powerpoint" => ".ppt",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => ".pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow" => ".ppsx",
        "application/vnd.oasis.opendocument.presentation" => ".odp",
        "application/vnd.oasis.opendocument.spreadsheet" => ".ods",
        "application/vnd.oasis.opendocument.text" => ".odt",
        "application/vnd.oasis.opendocument.graphics" => ".odg",
        "application/rtf" | "text/rtf" => ".rtf",
        "application/zip" => ".zip",
        "application/json" => ".json",
        "text/html" => ".html",
        "application/xml" | "text/xml" => ".xml",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    pub(crate) fn sample() -> Document {
        Document {
            id: 7,
            title: "Invoice".into(),
            content: String::new(),
            created: date!(2020 - 12 - 25),
            added: datetime!(2021-01-01 10:00 UTC),
            modified: datetime!(2021-01-01 10:00 UTC),
            mime_type: "application/pdf".into(),
            original_filename: Some("scan.pdf".into()),
            filename: None,
            archive_filename: None,
            checksum: "0".repeat(64),
            archive_checksum: None,
            page_count: Some(1),
            archive_serial_number: None,
            correspondent: None,
            document_type: None,
            storage_path: None,
            owner: None,
            tags: vec![],
            deleted_at: None,
            restored_at: None,
            transaction_id: None,
            root_document: None,
            version_index: None,
            version_label: None,
            storage_type: StorageType::Unencrypted,
        }
    }

    #[test]
    fn default_names_follow_paperless() {
        let mut doc = sample();
        assert_eq!(doc.source_filename(), "0000007.pdf");
        assert_eq!(doc.thumbnail_filename(), "0000007.webp");
        doc.mime_type = "image/jpegasd".into();
        assert_eq!(doc.source_filename(), "0000007");
        doc.filename = Some("a/b.pdf".into());
        assert_eq!(doc.source_filename(), "a/b.pdf");
    }

    #[test]
    fn encrypted_documents_have_gpg_names() {
        let mut doc = sample();
        doc.storage_type = StorageType::Gpg;
        assert!(doc.is_encrypted());
        assert_eq!(doc.source_filename(), "0000007.pdf.gpg");
        assert_eq!(doc.thumbnail_filename(), "0000007.webp.gpg");
        doc.filename = Some("a/b.pdf.gpg".into());
        assert_eq!(doc.source_filename(), "a/b.pdf.gpg");
    }

    #[test]
    fn storage_type_uses_paperless_names() {
        assert_eq!(serde_json::to_string(&StorageType::Gpg).unwrap(), "\"gpg\"");
        assert_eq!(
            serde_json::from_str::<StorageType>("\"unencrypted\"").unwrap(),
            StorageType::Unencrypted
        );
        assert_eq!(StorageType::parse("gpg"), Some(StorageType::Gpg));
        assert_eq!(StorageType::parse("GPG"), None);
        let mut json = serde_json::to_value(sample()).unwrap();
        json.as_object_mut().unwrap().remove("storage_type");
        let doc: Document = serde_json::from_value(json).unwrap();
        assert_eq!(doc.storage_type, StorageType::Unencrypted);
    }

    #[test]
    fn display_name_is_date_correspondent_title() {
        let doc = sample();
        assert_eq!(doc.display_name(Some("ACME")), "2020-12-25 ACME Invoice");
        assert_eq!(doc.display_name(None), "2020-12-25 Invoice");
    }

    #[test]
    fn extensions() {
        assert_eq!(mime_extension("image/tiff"), ".tif");
        assert_eq!(mime_extension("application/csv"), ".csv");
        assert_eq!(mime_extension("message/rfc822"), ".eml");
        assert_eq!(mime_extension("application/x-unknown"), "");
    }
}
