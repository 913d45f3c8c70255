//! paperless-ngx 3's export manifest: the records (`model`, `pk`, `fields` and the
//! `__exported_*_name__` keys), `metadata.json` / `version.json`, and a streaming reader
//! that hands over one record at a time, so a manifest is never held as one JSON tree.

use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::{Error, Result};

/// The model labels pd maps onto its own tables; records of every other model are kept
/// verbatim (see [`Record::is_known_model`]).
pub mod models {
    /// `documents.document`
    pub const DOCUMENT: &str = "documents.document";
    /// `documents.correspondent`
    pub const CORRESPONDENT: &str = "documents.correspondent";
    /// `documents.documenttype`
    pub const DOCUMENT_TYPE: &str = "documents.documenttype";
    /// `documents.tag`
    pub const TAG: &str = "documents.tag";
    /// `documents.storagepath`
    pub const STORAGE_PATH: &str = "documents.storagepath";
    /// `documents.note`
    pub const NOTE: &str = "documents.note";
    /// `documents.customfield`
    pub const CUSTOM_FIELD: &str = "documents.customfield";
    /// `documents.customfieldinstance`
    pub const CUSTOM_FIELD_INSTANCE: &str = "documents.customfieldinstance";
    /// `auth.user`
    pub const USER: &str = "auth.user";
    /// `paperless_mail.mailaccount`
    pub const MAIL_ACCOUNT: &str = "paperless_mail.mailaccount";
    /// `paperless_mail.mailrule`
    pub const MAIL_RULE: &str = "paperless_mail.mailrule";
    /// `socialaccount.socialtoken` (kept verbatim; its secrets are encrypted too).
    pub const SOCIAL_TOKEN: &str = "socialaccount.socialtoken";

    /// Every model pd maps onto its own tables.
    pub const KNOWN: [&str; 11] = [
        DOCUMENT,
        CORRESPONDENT,
        DOCUMENT_TYPE,
        TAG,
        STORAGE_PATH,
        NOTE,
        CUSTOM_FIELD,
        CUSTOM_FIELD_INSTANCE,
        USER,
        MAIL_ACCOUNT,
        MAIL_RULE,
    ];
}

/// The file every export has at its root.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The version (and crypto parameters) file of paperless-ngx 3 exports.
pub const METADATA_FILE: &str = "metadata.json";
/// What older exports carry instead of [`METADATA_FILE`].
pub const VERSION_FILE: &str = "version.json";
/// Split manifests (`-sm`) end with this.
pub const SPLIT_MANIFEST_SUFFIX: &str = "-manifest.json";

/// One manifest record, as Django's serializer writes it plus paperless-ngx's extras.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The model label, `<app>.<model>` (`documents.document`).
    pub model: String,
    /// The primary key (an integer for every model pd maps).
    pub pk: Value,
    /// Every exported field but the pk; foreign keys are pks, many-to-many lists of pks.
    #[serde(default)]
    pub fields: Map<String, Value>,
    /// The original's path inside the export (document records).
    #[serde(
        rename = "__exported_file_name__",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exported_file_name: Option<String>,
    /// The thumbnail's path inside the export, unless exported with `-nt`.
    #[serde(
        rename = "__exported_thumbnail_name__",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exported_thumbnail_name: Option<String>,
    /// The archive PDF's path inside the export, when there is one and not `-na`.
    #[serde(
        rename = "__exported_archive_name__",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exported_archive_name: Option<String>,
    /// A share-link bundle's ZIP inside the export.
    #[serde(
        rename = "__exported_share_link_bundle_name__",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exported_share_link_bundle_name: Option<String>,
}

impl Record {
    /// The pk as an integer, if it is one.
    pub fn int_pk(&self) -> Option<i64> {
        self.pk.as_i64()
    }

    /// Whether pd maps this record's model onto its own tables.
    pub fn is_known_model(&self) -> bool {
        models::KNOWN.contains(&self.model.as_str())
    }

    /// The paths inside the export this record names (original, archive, thumbnail, bundle).
    pub fn exported_files(&self) -> impl Iterator<Item = &str> {
        [
            &self.exported_file_name,
            &self.exported_archive_name,
            &self.exported_thumbnail_name,
            &self.exported_share_link_bundle_name,
        ]
        .into_iter()
        .filter_map(|p| p.as_deref())
    }
}

/// `__crypto__` in `metadata.json`: how the passphrase becomes the Fernet key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoParams {
    /// Only `pbkdf2_sha256` is known.
    #[serde(rename = "__key_algo__")]
    pub key_algo: String,
    /// PBKDF2 iterations (paperless-ngx: 1 000 000).
    #[serde(rename = "__key_iters__")]
    pub key_iters: u32,
    /// Derived key length in bytes (32).
    #[serde(rename = "__key_size__")]
    pub key_size: usize,
    /// The salt, hex.
    #[serde(rename = "__salt_hex__")]
    pub salt_hex: String,
}

/// `metadata.json` (or an older `version.json`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// The paperless-ngx (or pd) version that wrote the export.
    #[serde(default)]
    pub version: Option<String>,
    /// Present when sensitive fields are encrypted with a passphrase.
    #[serde(
        rename = "__crypto__",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub crypto: Option<CryptoParams>,
}

/// A JSON syntax or shape error, with the file and position it was found at.
pub(crate) fn json_error(path: &Path, e: &serde_json::Error) -> Error {
    Error::Manifest {
        path: path.to_owned(),
        // serde_json's message ends with "at line L column C".
        message: e.to_string(),
    }
}

/// Reads `metadata.json` or `version.json` in `dir`; `None` when neither exists.
pub fn read_metadata(dir: &Path) -> Result<Option<Metadata>> {
    for name in [METADATA_FILE, VERSION_FILE] {
        let path = dir.join(name);
        if path.is_file() {
            let bytes = std::fs::read(&path).map_err(|e| Error::io("cannot read", &path, e))?;
            return serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| json_error(&path, &e));
        }
    }
    Ok(None)
}

/// Streams the records of one manifest file (a JSON array) to `each`, in file order.
/// Malformed JSON fails with the file, line and column; `each` may stop early by
/// returning an error, which is passed through.
pub fn read_records(path: &Path, each: impl FnMut(Record) -> Result<()>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("cannot open", path, e))?;
    read_records_from(BufReader::new(file), path, each)
}

/// [`read_records`] over any reader; `path` only names it in errors.
pub fn read_records_from(
    reader: impl Read,
    path: &Path,
    mut each: impl FnMut(Record) -> Result<()>,
) -> Result<()> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut failure = None;
    let visitor = RecordVisitor {
        each: &mut each,
        failure: &mut failure,
    };
    let parsed = de.deserialize_seq(visitor).and_then(|()| de.end());
    if let Some(e) = failure {
        return Err(e);
    }
    parsed.map_err(|e| json_error(path, &e))
}

struct RecordVisitor<'a, F> {
    each: &'a mut F,
    failure: &'a mut Option<Error>,
}

impl<'de, F: FnMut(Record) -> Result<()>> Visitor<'de> for RecordVisitor<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of manifest records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(record) = seq.next_element::<Record>()? {
            if let Err(e) = (self.each)(record) {
                *self.failure = Some(e);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// Reads every record of a manifest into memory (small manifests, tests).
pub fn read_all_records(path: &Path) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    read_records(path, |r| {
        records.push(r);
        Ok(())
    })?;
    Ok(records)
}

/// Helpers that read typed values out of a record's `fields`, naming the record and the
/// field when a value has the wrong type.
pub(crate) struct Fields<'a> {
    pub record: &'a Record,
}

impl<'a> Fields<'a> {
    fn bad(&self, name: &str, expected: &str) -> Error {
        Error::Invalid(format!(
            "{} pk={}: field \"{name}\" is not {expected} (found {})",
            self.record.model,
            self.record.pk,
            self.record.fields.get(name).unwrap_or(&Value::Null)
        ))
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.record.fields.get(name).filter(|v| !v.is_null())
    }

    pub fn opt_str(&self, name: &str) -> Result<Option<String>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.bad(name, "a string")),
        }
    }

    pub fn str_or(&self, name: &str, default: &str) -> Result<String> {
        Ok(self.opt_str(name)?.unwrap_or_else(|| default.to_owned()))
    }

    pub fn req_str(&self, name: &str) -> Result<String> {
        self.opt_str(name)?
            .ok_or_else(|| self.bad(name, "a string"))
    }

    pub fn opt_int(&self, name: &str) -> Result<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.bad(name, "an integer")),
        }
    }

    pub fn int_or(&self, name: &str, default: i64) -> Result<i64> {
        Ok(self.opt_int(name)?.unwrap_or(default))
    }

    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool> {
        match self.get(name) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.bad(name, "a boolean")),
        }
    }

    pub fn ids(&self, name: &str) -> Result<Vec<i64>> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_i64().ok_or_else(|| self.bad(name, "a list of ids")))
                .collect(),
            Some(_) => Err(self.bad(name, "a list of ids")),
        }
    }

    pub fn opt_ts(&self, name: &str) -> Result<Option<pd_core::Timestamp>> {
        match self.opt_str(name)? {
            None => Ok(None),
            Some(s) => parse_timestamp(&s)
                .map(Some)
                .ok_or_else(|| self.bad(name, "a time stamp")),
        }
    }

    pub fn ts_or_now(&self, name: &str) -> Result<pd_core::Timestamp> {
        Ok(self.opt_ts(name)?.unwrap_or_else(pd_core::now))
    }

    pub fn opt_date(&self, name: &str) -> Result<Option<pd_core::Date>> {
        match self.opt_str(name)? {
            None => Ok(None),
            Some(s) => parse_date(&s)
                .map(Some)
                .ok_or_else(|| self.bad(name, "a date")),
        }
    }

    pub fn value(&self, name: &str) -> Option<&'a Value> {
        self.get(name)
    }
}

/// An ISO 8601 time stamp as Django writes it (`…Z`, `…+02:00`, or naive = UTC).
pub(crate) fn parse_timestamp(s: &str) -> Option<pd_core::Timestamp> {
    use time::format_description::well_known::Iso8601;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t.to_offset(time::UtcOffset::UTC));
    }
    time::PrimitiveDateTime::parse(s, &Iso8601::DEFAULT)
        .ok()
        .map(|t| t.assume_utc())
}

/// A date (`2024-05-01`); a time stamp is cut to its date.
pub(crate) fn parse_date(s: &str) -> Option<pd_core::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    pd_core::Date::parse(s.get(..10)?, format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_stream_in_order_and_keep_extras() {
        let json = br#"[{"model": "documents.tag", "pk": 2, "fields": {"name": "a"}},
            {"model": "documents.document", "pk": 1, "fields": {},
             "__exported_file_name__": "x.pdf"}]"#;
        let mut seen = Vec::new();
        read_records_from(&json[..], Path::new("m.json"), |r| {
            seen.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].exported_file_name.as_deref(), Some("x.pdf"));
        assert!(seen[0].is_known_model());
    }

    #[test]
    fn malformed_json_names_file_and_position() {
        let json = b"[{\"model\": \"a.b\", \"pk\": 1, \"fields\": {}},\n {\"model\": }]";
        let err = read_records_from(&json[..], Path::new("bad.json"), |_| Ok(())).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("bad.json") && text.contains("line 2"),
            "{text}"
        );
    }

    #[test]
    fn timestamps_and_dates() {
        let t = parse_timestamp("2026-11-25T03:45:21.201Z").unwrap();
        assert_eq!(t.millisecond(), 201);
        assert!(parse_timestamp("2024-01-02T03:04:05+02:00").is_some());
        assert!(parse_timestamp("2024-01-02T03:04:05").is_some());
        assert_eq!(parse_date("2022-05-01").unwrap().to_string(), "2022-05-01");
        assert!(parse_date("2022-5-1").is_none());
    }
}
