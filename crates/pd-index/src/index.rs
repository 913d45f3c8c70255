//! An open index: creating, opening (with its record checked), adding, replacing and
//! removing documents, merging segments.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pd_core::{Config, Id};
use pd_store::Store;
use serde::Serialize;
use tantivy::schema::OwnedValue;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::schema::{Fields, SearchLanguage, TEXT_TOKENIZER, build_schema, custom_field_key};
use crate::settings::IndexSettings;
use crate::source::{IndexedDocument, LibraryFingerprint};
use crate::{Error, Result};

/// The writer's memory budget; tantivy flushes a segment when it is used up, so this
/// bounds the memory of any rebuild, whatever the library's size.
pub const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;

/// Where a library's index lives: `<data dir>/index`.
pub fn index_dir(config: &Config) -> PathBuf {
    config.data_dir.join("index")
}

/// An open search index.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    dir: PathBuf,
    language: SearchLanguage,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// Segment counts before and after [`SearchIndex::optimize`].
#[derive(Debug, Clone, Serialize)]
pub struct OptimizeReport {
    pub segments_before: usize,
    pub segments_after: usize,
    pub documents: u64,
}

impl SearchIndex {
    fn wrap(index: Index, dir: &Path, language: SearchLanguage) -> Result<SearchIndex> {
        index
            .tokenizers()
            .register(TEXT_TOKENIZER, language.analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let (_, fields) = build_schema();
        Ok(SearchIndex {
            index,
            reader,
            fields,
            dir: dir.to_owned(),
            language,
        })
    }

    /// Creates an empty index in `dir`, removing whatever was there.
    pub fn create(dir: &Path, language: SearchLanguage) -> Result<SearchIndex> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io(dir))?;
        }
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let (schema, _) = build_schema();
        let index = Index::create_in_dir(dir, schema)?;
        IndexSettings::new(language).write(dir)?;
        SearchIndex::wrap(index, dir, language)
    }

    /// Opens the index in `dir` if its record matches this pd and `language`; otherwise
    /// [`Error::NeedsRebuild`] says why. The library fingerprint is not checked here
    /// (see [`open_current`]).
    pub fn open(dir: &Path, language: SearchLanguage) -> Result<SearchIndex> {
        let settings = IndexSettings::read(dir)?;
        if let Some(why) = settings.mismatch(language) {
            return Err(Error::NeedsRebuild(why));
        }
        let index = Index::open_in_dir(dir)
            .map_err(|e| Error::NeedsRebuild(format!("its files cannot be opened: {e}")))?;
        // Every file's checksum is verified. tantivy can panic on a truncated file (an
        // arithmetic overflow reading its footer), so a panic here is a damaged file too.
        let checked =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| index.validate_checksum()))
                .map_err(|_| Error::NeedsRebuild("its files are damaged (truncated)".into()))?;
        let corrupt =
            checked.map_err(|e| Error::NeedsRebuild(format!("its files are damaged: {e}")))?;
        if !corrupt.is_empty() {
            return Err(Error::NeedsRebuild(format!(
                "its files are damaged ({} with a wrong checksum)",
                corrupt.len()
            )));
        }
        let (schema, _) = build_schema();
        if index.schema() != schema {
            return Err(Error::NeedsRebuild(
                "its fields differ from this pd's".into(),
            ));
        }
        let opened = SearchIndex::wrap(index, dir, language)?;
        // Every segment's files are read once, so a truncated or garbled file is found
        // here rather than by the first query that touches it.
        opened
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .try_for_each(|s| -> tantivy::Result<()> {
                s.inverted_index(opened.fields.id)?;
                s.get_store_reader(1)?;
                Ok(())
            })
            .map_err(|e| Error::NeedsRebuild(format!("its files are damaged: {e}")))?;
        Ok(opened)
    }

    /// The folder the index lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The language the text is stemmed in.
    pub fn language(&self) -> SearchLanguage {
        self.language
    }

    /// The index's record.
    pub fn settings(&self) -> Result<IndexSettings> {
        IndexSettings::read(&self.dir)
    }

    /// Documents in the index.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Searchable segments.
    pub fn segment_count(&self) -> Result<usize> {
        Ok(self.index.searchable_segment_ids()?.len())
    }

    /// A writer with pd's memory budget, on at most two threads.
    pub(crate) fn writer(&self) -> Result<IndexWriter> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 2);
        Ok(self
            .index
            .writer_with_num_threads(threads, WRITER_HEAP_BYTES)?)
    }

    /// Makes the last commit visible to searches.
    pub(crate) fn reload(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }

    /// The tantivy document for `doc`.
    pub(crate) fn to_tantivy(&self, doc: &IndexedDocument) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_u64(f.id, doc.id as u64);
        d.add_text(f.checksum, &doc.checksum);
        d.add_text(f.title, &doc.title);
        d.add_text(f.content, &doc.content);
        for (field, id_field, value) in [
            (f.correspondent, f.correspondent_id, &doc.correspondent),
            (f.document_type, f.document_type_id, &doc.document_type),
            (f.storage_path, f.storage_path_id, &doc.storage_path),
        ] {
            if let Some((id, name)) = value {
                d.add_text(field, name);
                d.add_u64(id_field, *id as u64);
            }
        }
        for (id, name) in &doc.tags {
            d.add_text(f.tag, name);
            d.add_u64(f.tag_id, *id as u64);
        }
        if let Some(owner) = doc.owner {
            d.add_u64(f.owner_id, owner as u64);
        }
        for note in &doc.notes {
            d.add_text(f.notes, note);
        }
        d.add_u64(f.num_notes, doc.notes.len() as u64);
        for (name, value) in &doc.custom_fields {
            let mut object = BTreeMap::new();
            object.insert("name".to_owned(), OwnedValue::Str(name.clone()));
            object.insert("value".to_owned(), OwnedValue::Str(value.clone()));
            let key = custom_field_key(name);
            if key != "name" && key != "value" && !key.is_empty() {
                object.insert(key, OwnedValue::Str(value.clone()));
            }
            d.add_object(f.custom_fields, object);
        }
        if let Some(asn) = doc.asn.and_then(|a| u64::try_from(a).ok()) {
            d.add_u64(f.asn, asn);
        }
        if let Some(pages) = doc.page_count.and_then(|p| u64::try_from(p).ok()) {
            d.add_u64(f.page_count, pages);
        }
        let midnight = doc.created.midnight().assume_utc();
        d.add_date(f.created, DateTime::from_utc(midnight));
        d.add_date(f.added, DateTime::from_utc(doc.added));
        d.add_date(f.modified, DateTime::from_utc(doc.modified));
        d.add_text(f.mime_type, &doc.mime_type);
        if let Some(name) = &doc.original_filename {
            d.add_text(f.original_filename, name);
        }
        d
    }

    /// Queues `docs` on `writer`, replacing earlier versions of them.
    pub(crate) fn queue_upserts(
        &self,
        writer: &IndexWriter,
        docs: &[IndexedDocument],
    ) -> Result<()> {
        for doc in docs {
            writer.delete_term(Term::from_field_u64(self.fields.id, doc.id as u64));
            writer.add_document(self.to_tantivy(doc))?;
        }
        Ok(())
    }

    /// Adds or replaces documents and commits.
    pub fn upsert(&self, docs: &[IndexedDocument]) -> Result<()> {
        let mut writer = self.writer()?;
        self.queue_upserts(&writer, docs)?;
        writer.commit()?;
        self.reload()
    }

    /// Removes documents (absent ones are ignored) and commits.
    pub fn remove(&self, ids: &[Id]) -> Result<()> {
        let mut writer = self.writer()?;
        for id in ids {
            writer.delete_term(Term::from_field_u64(self.fields.id, *id as u64));
        }
        writer.commit()?;
        self.reload()
    }

    /// Merges every segment into one (dropping deleted documents), so queries touch one
    /// segment; paperless-ngx's `optimize` does nothing.
    pub fn optimize(&self) -> Result<OptimizeReport> {
        let segments = self.index.searchable_segment_ids()?;
        let before = segments.len();
        let mut writer = self.writer()?;
        if before > 1
            || self
                .reader
                .searcher()
                .segment_readers()
                .iter()
                .any(|s| s.has_deletes())
        {
            writer.merge(&segments).wait()?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        self.reload()?;
        Ok(OptimizeReport {
            segments_before: before,
            segments_after: self.segment_count()?,
            documents: self.num_docs(),
        })
    }

    /// Records that the index mirrors the library as `fingerprint` says.
    pub fn record_library(&self, fingerprint: &LibraryFingerprint) -> Result<()> {
        let mut settings = self.settings()?;
        settings.library = Some(fingerprint.clone());
        settings.rebuild = None;
        settings.write(&self.dir)
    }
}

/// The library's index, current: opened when its record matches this pd, the library's
/// language and the library's fingerprint; otherwise rebuilt (or an interrupted rebuild
/// resumed) first. Returns the index and, when it was rebuilt, why.
pub async fn open_current(store: &Store) -> Result<(SearchIndex, Option<String>)> {
    let dir = index_dir(store.config());
    let language = SearchLanguage::from_ocr(&store.config().ocr.language);
    let why = match SearchIndex::open(&dir, language) {
        Ok(index) => {
            let settings = index.settings()?;
            let now = LibraryFingerprint::of(store).await?;
            match (&settings.rebuild, &settings.library) {
                (Some(_), _) => "a rebuild was interrupted".to_owned(),
                (None, Some(seen)) if *seen == now => return Ok((index, None)),
                (None, Some(_)) => "the library changed since it was last updated".to_owned(),
                (None, None) => "it was never completed".to_owned(),
            }
        }
        Err(Error::NeedsRebuild(why)) => why,
        Err(e) => return Err(e),
    };
    crate::reindex(store, &crate::ReindexOptions::default(), &mut |_, _| {
        std::ops::ControlFlow::Continue(())
    })
    .await?;
    Ok((SearchIndex::open(&dir, language)?, Some(why)))
}
