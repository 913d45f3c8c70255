//! `pd index reindex`: the index rebuilt from the database in batches, each committed
//! and recorded, so memory stays bounded and an interrupted rebuild resumes after the
//! last committed batch.

use std::ops::ControlFlow;

use pd_core::Id;
use pd_store::Store;
use serde::Serialize;

use crate::index::{SearchIndex, index_dir};
use crate::schema::SearchLanguage;
use crate::settings::{IndexSettings, RebuildProgress};
use crate::source::{LibraryFingerprint, document_ids_after, load_documents};
use crate::{Error, Result};

/// How to rebuild.
#[derive(Debug, Clone)]
pub struct ReindexOptions {
    /// Documents per committed batch.
    pub batch_size: usize,
    /// Start from scratch even when an interrupted rebuild could be resumed.
    pub restart: bool,
}

impl Default for ReindexOptions {
    fn default() -> Self {
        ReindexOptions {
            batch_size: 1000,
            restart: false,
        }
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, Serialize)]
pub struct ReindexReport {
    /// Documents in the index at the end.
    pub documents: u64,
    /// Documents indexed by this run.
    pub indexed: u64,
    /// The id after which an interrupted rebuild was resumed.
    pub resumed_after: Option<Id>,
    /// Why an interrupted rebuild could not be resumed, if it could not.
    pub restarted_because: Option<String>,
    /// Set when the progress callback stopped the rebuild; run it again to resume.
    pub interrupted: bool,
    /// Searchable segments at the end.
    pub segments: usize,
}

/// The progress callback: (documents done, documents in the library); returning
/// `Break` stops after the batch just committed.
pub type Progress<'a> = dyn FnMut(u64, u64) -> ControlFlow<()> + 'a;

async fn count_documents(store: &Store) -> Result<u64> {
    Ok(store
        .db()
        .conn()
        .await?
        .library_counts()
        .await?
        .documents
        .max(0) as u64)
}

/// Rebuilds the library's index from its database, resuming an interrupted rebuild
/// when the library has not changed since it began.
pub async fn reindex(
    store: &Store,
    opts: &ReindexOptions,
    progress: &mut Progress<'_>,
) -> Result<ReindexReport> {
    let dir = index_dir(store.config());
    let language = SearchLanguage::from_ocr(&store.config().ocr.language);
    let library = LibraryFingerprint::of(store).await?;
    let mut restarted_because = None;
    let resumable = match IndexSettings::read(&dir) {
        Ok(s) if !opts.restart && s.mismatch(language).is_none() => match s.rebuild {
            Some(p) if p.library == library => SearchIndex::open(&dir, language)
                .map(|index| (index, p))
                .map_err(|e| restarted_because = Some(e.to_string()))
                .ok(),
            Some(_) => {
                restarted_because = Some("the library changed since the rebuild began".into());
                None
            }
            None => None,
        },
        Ok(_) | Err(Error::NeedsRebuild(_)) => None,
        Err(e) => return Err(e),
    };
    let resumed_after = resumable.as_ref().map(|(_, p)| p.last_id);
    let (index, mut state) = match resumable {
        Some(found) => found,
        None => {
            let index = SearchIndex::create(&dir, language)?;
            let state = RebuildProgress {
                last_id: 0,
                indexed: 0,
                library: library.clone(),
            };
            (index, state)
        }
    };
    let mut settings = IndexSettings::new(language);
    settings.rebuild = Some(state.clone());
    settings.write(&dir)?;

    let total = count_documents(store).await?;
    let mut writer = index.writer()?;
    let mut indexed = 0;
    let mut interrupted = false;
    loop {
        let ids = document_ids_after(store, state.last_id, opts.batch_size.max(1)).await?;
        let Some(&last) = ids.last() else { break };
        let docs = load_documents(store, &ids).await?;
        // Upserts, so a batch committed just before a crash is not added twice.
        index.queue_upserts(&writer, &docs)?;
        writer.commit()?;
        indexed += docs.len() as u64;
        state.last_id = last;
        state.indexed += docs.len() as u64;
        settings.rebuild = Some(state.clone());
        settings.write(&dir)?;
        if progress(state.indexed, total).is_break() {
            interrupted = true;
            break;
        }
    }
    writer.wait_merging_threads()?;
    if !interrupted {
        settings.rebuild = None;
        settings.library = Some(library);
        settings.write(&dir)?;
    }
    index.reload()?;
    Ok(ReindexReport {
        documents: index.num_docs(),
        indexed,
        resumed_after,
        restarted_because,
        interrupted,
        segments: index.segment_count()?,
    })
}
