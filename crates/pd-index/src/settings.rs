//! The index's own record, `pd-index.json` beside the segment files: schema version,
//! search language, the library fingerprint it mirrors, and the progress of a rebuild.

use std::path::{Path, PathBuf};

use pd_core::Id;
use serde::{Deserialize, Serialize};

use crate::schema::{SCHEMA_VERSION, SearchLanguage};
use crate::source::LibraryFingerprint;
use crate::{Error, Result};

/// The record's file name inside the index folder.
pub const FILE_NAME: &str = "pd-index.json";

/// A rebuild that has not finished: documents up to `last_id` are in the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuildProgress {
    /// The highest id indexed and committed so far (0 before the first batch).
    pub last_id: Id,
    /// Documents indexed so far.
    pub indexed: u64,
    /// The library as it was when the rebuild began.
    pub library: LibraryFingerprint,
}

/// What `pd-index.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSettings {
    /// [`SCHEMA_VERSION`] of the pd that built the index.
    pub schema_version: u32,
    /// The search language's name (`english`, `none`).
    pub language: String,
    /// The library the index mirrors; `None` while it mirrors nothing known.
    pub library: Option<LibraryFingerprint>,
    /// Set while a rebuild is under way or was interrupted.
    pub rebuild: Option<RebuildProgress>,
}

impl IndexSettings {
    /// Fresh settings for an empty index being rebuilt.
    pub fn new(language: SearchLanguage) -> IndexSettings {
        IndexSettings {
            schema_version: SCHEMA_VERSION,
            language: language.name().to_owned(),
            library: None,
            rebuild: None,
        }
    }

    /// The path of the record in `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(FILE_NAME)
    }

    /// Reads the record; a missing or unreadable one is [`Error::NeedsRebuild`].
    pub fn read(dir: &Path) -> Result<IndexSettings> {
        let path = IndexSettings::path(dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NeedsRebuild("there is no index yet".into()));
            }
            Err(source) => return Err(Error::Io { path, source }),
        };
        serde_json::from_str(&text)
            .map_err(|e| Error::NeedsRebuild(format!("{} is unreadable: {e}", path.display())))
    }

    /// Why an index with these settings cannot serve `language`, if it cannot.
    pub fn mismatch(&self, language: SearchLanguage) -> Option<String> {
        if self.schema_version != SCHEMA_VERSION {
            return Some(format!(
                "it was built with schema version {}, this pd uses {SCHEMA_VERSION}",
                self.schema_version
            ));
        }
        if self.language != language.name() {
            return Some(format!(
                "it was built for the language {}, the library now uses {}",
                self.language,
                language.name()
            ));
        }
        None
    }

    /// Writes the record atomically (temporary file, then rename).
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = IndexSettings::path(dir);
        let tmp = dir.join(format!(".{FILE_NAME}.tmp"));
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_garbled_records_need_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            IndexSettings::read(dir.path()),
            Err(Error::NeedsRebuild(_))
        ));
        std::fs::write(IndexSettings::path(dir.path()), "{not json").unwrap();
        let err = IndexSettings::read(dir.path()).unwrap_err();
        assert!(err.to_string().contains("unreadable"), "{err}");
    }

    #[test]
    fn version_and_language_must_match() {
        let en = SearchLanguage::parse("en").unwrap();
        let mut s = IndexSettings::new(en);
        assert_eq!(s.mismatch(en), None);
        assert!(
            s.mismatch(SearchLanguage::NONE)
                .unwrap()
                .contains("language")
        );
        s.schema_version = 0;
        assert!(s.mismatch(en).unwrap().contains("schema version"));
        let dir = tempfile::tempdir().unwrap();
        s.write(dir.path()).unwrap();
        assert_eq!(IndexSettings::read(dir.path()).unwrap(), s);
    }
}
