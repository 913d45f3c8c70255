//! Keeping the index in step with changes the rest of pd makes to the library.
//!
//! A change is bracketed: [`IndexSync::begin`] before it (noting whether the index
//! mirrored the library up to then), [`IndexSync::finish`] after it with the ids of the
//! documents it touched. `finish` re-reads those documents from the database — those
//! that are gone or in the trash are removed from the index — and records the library's
//! new fingerprint only if the index was current before the change. An index that was
//! already stale, missing or being rebuilt is left alone: the next search rebuilds it.

use pd_core::Id;
use pd_store::Store;
use serde::Serialize;

use crate::index::{SearchIndex, index_dir};
use crate::schema::SearchLanguage;
use crate::source::{LibraryFingerprint, load_documents};
use crate::{Error, Result};

/// A change to the library in progress; see the module documentation.
#[derive(Debug)]
pub struct IndexSync {
    /// Whether the index mirrored the library before the change.
    current: bool,
}

/// What [`IndexSync::finish`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    /// Documents added or replaced in the index.
    pub indexed: usize,
    /// Documents removed from it (gone, or in the trash).
    pub removed: usize,
    /// Set when the index was not current and is left for the next search to rebuild.
    pub stale: Option<String>,
}

impl IndexSync {
    /// Notes whether the library's index is current, before a change to the library.
    pub async fn begin(store: &Store) -> Result<IndexSync> {
        let dir = index_dir(store.config());
        let language = SearchLanguage::from_ocr(&store.config().ocr.language);
        let current = match crate::settings::IndexSettings::read(&dir) {
            Ok(s) if s.mismatch(language).is_none() && s.rebuild.is_none() => {
                s.library.is_some() && s.library == Some(LibraryFingerprint::of(store).await?)
            }
            Ok(_) | Err(Error::NeedsRebuild(_)) => false,
            Err(e) => return Err(e),
        };
        Ok(IndexSync { current })
    }

    /// Brings documents `ids` up to date in the index after the change.
    pub async fn finish(self, store: &Store, ids: &[Id]) -> Result<SyncReport> {
        if !self.current {
            return Ok(SyncReport {
                stale: Some("the search index was not current; the next search rebuilds it".into()),
                ..SyncReport::default()
            });
        }
        let dir = index_dir(store.config());
        let language = SearchLanguage::from_ocr(&store.config().ocr.language);
        let index = SearchIndex::open(&dir, language)?;
        let docs = load_documents(store, ids).await?;
        let gone: Vec<Id> = ids
            .iter()
            .copied()
            .filter(|id| !docs.iter().any(|d| d.id == *id))
            .collect();
        let mut writer = index.writer()?;
        for id in &gone {
            writer.delete_term(tantivy::Term::from_field_u64(index.fields.id, *id as u64));
        }
        index.queue_upserts(&writer, &docs)?;
        writer.commit()?;
        index.record_library(&LibraryFingerprint::of(store).await?)?;
        Ok(SyncReport {
            indexed: docs.len(),
            removed: gone.len(),
            stale: None,
        })
    }
}
