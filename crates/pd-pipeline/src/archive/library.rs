//! `pd archive` (paperless-ngx's `document_archiver`): PDF/A archive versions for the
//! documents of a library that lack one, stored under `documents/archive/` with the name
//! the library's file naming gives and recorded with their SHA-256.
//!
//! Where a document's pages come from is a [`PageSource`]. [`PdfPageSource`] renders
//! PDFs with PDFium and takes their words from the text layer;
//! [`super::OcrPageSource`] also reads images and scanned pages with Tesseract.

use std::path::Path;
use std::time::Instant;

use pd_core::{ArchiveFileGeneration, Document, Id};
use pd_store::Store;
use pd_store::naming::generate_unique_filename;
use serde::Serialize;

use super::{ArchiveError, ArchiveOptions, ArchiveWriter, ImageCompression, OwnedPage};
use crate::pdfium::PdfEngine;

/// What a [`PageSource`] can tell about a document before rendering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceInfo {
    /// The document has a text layer of its own (a born-digital PDF).
    pub born_digital: bool,
    /// The pages will come with words (from the text layer or from OCR).
    pub words_available: bool,
}

/// Where the pages of a document's archive come from.
pub trait PageSource: Sync {
    /// What this source makes of the document whose original is at `original`, or
    /// `Ok(None)` when it does not handle its type.
    ///
    /// # Errors
    ///
    /// The original cannot be read or opened (damaged, encrypted).
    fn inspect(&self, doc: &Document, original: &Path) -> Result<Option<SourceInfo>, ArchiveError>;

    /// Hands the document's pages to `each`, in order, and returns how many there were.
    ///
    /// # Errors
    ///
    /// The original cannot be read, opened or rendered, or `each` failed.
    fn pages(
        &self,
        doc: &Document,
        original: &Path,
        each: &mut dyn FnMut(OwnedPage) -> Result<(), ArchiveError>,
    ) -> Result<usize, ArchiveError>;
}

/// PDFs, rendered by PDFium at `dpi`, with the words of their text layer.
#[derive(Debug, Clone, Copy)]
pub struct PdfPageSource {
    /// The bound PDFium.
    pub engine: PdfEngine,
    /// Rendering resolution.
    pub dpi: f32,
}

pub(super) fn read(path: &Path) -> Result<Vec<u8>, ArchiveError> {
    std::fs::read(path).map_err(|source| ArchiveError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Whether the PDF at `original` has a text layer of its own (is born digital).
///
/// # Errors
///
/// It cannot be read, is empty, or PDFium cannot open it (damaged, encrypted).
pub(super) fn pdf_has_text(engine: &PdfEngine, original: &Path) -> Result<bool, ArchiveError> {
    let bytes = read(original)?;
    if bytes.is_empty() {
        return Err(ArchiveError::Source(crate::ParseError::Empty {
            path: original.to_owned(),
        }));
    }
    let (text, _) = engine.extract_text(bytes, original)?;
    Ok(!text.trim().is_empty())
}

impl PageSource for PdfPageSource {
    fn inspect(&self, doc: &Document, original: &Path) -> Result<Option<SourceInfo>, ArchiveError> {
        if doc.mime_type != "application/pdf" {
            return Ok(None);
        }
        let born_digital = pdf_has_text(&self.engine, original)?;
        Ok(Some(SourceInfo {
            born_digital,
            words_available: born_digital,
        }))
    }

    fn pages(
        &self,
        _doc: &Document,
        original: &Path,
        each: &mut dyn FnMut(OwnedPage) -> Result<(), ArchiveError>,
    ) -> Result<usize, ArchiveError> {
        super::pdf_pages(&self.engine, read(original)?, original, self.dpi, each)
    }
}

/// How [`archive_documents`] runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveRunOptions {
    /// Only this document (it must exist and not be in the trash).
    pub document: Option<Id>,
    /// Make archives again for documents that have one (kept under their name).
    pub overwrite: bool,
    /// Report what would be archived; write nothing.
    pub dry_run: bool,
    /// When an archive is made (`PD_ARCHIVE_FILE_GENERATION`).
    pub generation: ArchiveFileGeneration,
    /// How page images are compressed.
    pub compression: ImageCompression,
}

impl ArchiveRunOptions {
    /// Every document lacking an archive, as the library's configuration says.
    pub fn from_config(config: &pd_core::Config) -> ArchiveRunOptions {
        ArchiveRunOptions {
            document: None,
            overwrite: false,
            dry_run: false,
            generation: config.archive_file_generation,
            compression: ImageCompression::Auto,
        }
    }
}

/// What [`archive_documents`] tells its caller while it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveProgress {
    /// This many documents will be looked at.
    Started {
        /// Documents to look at.
        documents: usize,
    },
    /// One document is done (archived, skipped or failed).
    Done {
        /// Its id.
        document_id: Id,
    },
}

/// A document that got an archive (or would, in a dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivedDocument {
    /// The document.
    pub document_id: Id,
    /// The archive's name under `documents/archive/`.
    pub archive_filename: String,
    /// SHA-256 of the archive (empty in a dry run).
    pub sha256: String,
    /// Pages written (0 in a dry run).
    pub pages: usize,
    /// Size in bytes (0 in a dry run).
    pub bytes: u64,
}

/// A document left without a new archive, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchiveFailure {
    /// The document.
    pub document_id: Id,
    /// Why.
    pub reason: String,
}

/// What [`archive_documents`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveReport {
    /// Documents looked at.
    pub documents: usize,
    /// Documents that got an archive (or would).
    pub archived: Vec<ArchivedDocument>,
    /// Documents that already had an archive (without `overwrite`).
    pub already_archived: usize,
    /// Documents that need no archive or have no way to one yet (type without a
    /// renderer, born-digital with `auto`, scans waiting for OCR), with the reason.
    pub skipped: Vec<ArchiveFailure>,
    /// Documents that could not be converted (damaged, encrypted, unreadable); the
    /// library is unchanged for them.
    pub failed: Vec<ArchiveFailure>,
    /// Nothing was written.
    pub dry_run: bool,
    /// Wall-clock time.
    pub seconds: f64,
}

/// Makes the missing archives: for every document not in the trash (or
/// [`ArchiveRunOptions::document`]) without an archive (or every one, with
/// `overwrite`), the first of `sources` that handles its type gives the pages; the
/// archive is written under a temporary name and renamed into place while the media
/// lock is held, then its name and SHA-256 are recorded. A document that cannot be
/// converted is reported and the others go on; nothing is written for it.
///
/// # Errors
///
/// Reading the library or taking the media lock failed, or the one document asked for
/// does not exist or is in the trash.
pub async fn archive_documents(
    store: &Store,
    sources: &[&dyn PageSource],
    opts: &ArchiveRunOptions,
    progress: &(dyn Fn(ArchiveProgress) + Sync),
) -> Result<ArchiveReport, ArchiveError> {
    let started = Instant::now();
    let docs = crate::selected_documents(store, opts.document).await?;
    let mut report = ArchiveReport {
        documents: docs.len(),
        archived: Vec::new(),
        already_archived: 0,
        skipped: Vec::new(),
        failed: Vec::new(),
        dry_run: opts.dry_run,
        seconds: 0.0,
    };
    progress(ArchiveProgress::Started {
        documents: docs.len(),
    });
    let _lock = if opts.dry_run {
        None
    } else {
        Some(store.media().lock()?)
    };
    for doc in docs {
        let document_id = doc.id;
        let outcome = archive_one(store, sources, opts, doc).await;
        match outcome {
            Ok(Outcome::Archived(done)) => report.archived.push(done),
            Ok(Outcome::AlreadyArchived) => report.already_archived += 1,
            Ok(Outcome::Skipped(reason)) => report.skipped.push(ArchiveFailure {
                document_id,
                reason,
            }),
            Err(err) => report.failed.push(ArchiveFailure {
                document_id,
                reason: err.to_string(),
            }),
        }
        progress(ArchiveProgress::Done { document_id });
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

enum Outcome {
    Archived(ArchivedDocument),
    AlreadyArchived,
    Skipped(String),
}

async fn archive_one(
    store: &Store,
    sources: &[&dyn PageSource],
    opts: &ArchiveRunOptions,
    mut doc: Document,
) -> Result<Outcome, ArchiveError> {
    if doc.archive_filename.is_some() && !opts.overwrite {
        return Ok(Outcome::AlreadyArchived);
    }
    if opts.generation == ArchiveFileGeneration::Never {
        return Ok(Outcome::Skipped(
            "archives are switched off (PD_ARCHIVE_FILE_GENERATION=never)".into(),
        ));
    }
    let media = store.media();
    let original = media.original_path(&doc)?;
    let mut chosen = None;
    for &source in sources {
        if let Some(info) = source.inspect(&doc, &original)? {
            chosen = Some((source, info));
            break;
        }
    }
    let Some((source, info)) = chosen else {
        return Ok(Outcome::Skipped(format!(
            "no archive can be made of type {} yet",
            if doc.mime_type.is_empty() {
                "unknown"
            } else {
                &doc.mime_type
            }
        )));
    };
    if info.born_digital && opts.generation == ArchiveFileGeneration::Auto {
        return Ok(Outcome::Skipped(
            "a PDF with a text layer gets no archive with PD_ARCHIVE_FILE_GENERATION=auto".into(),
        ));
    }
    if !info.words_available {
        return Ok(Outcome::Skipped(
            "it has no text layer, and this page source does not OCR".into(),
        ));
    }

    // Kept under its name when made again; else named as the library names archives.
    let name = match &doc.archive_filename {
        Some(name) => name.clone(),
        None => {
            let mut conn = store.db().conn().await?;
            let context = store.filename_context(&mut conn, &doc).await?;
            generate_unique_filename(&context, store.naming(), &media.archive_dir(), true).path
        }
    };
    let dest = pd_store::media::join_inside(&media.archive_dir(), &name)?;
    if opts.dry_run {
        return Ok(Outcome::Archived(ArchivedDocument {
            document_id: doc.id,
            archive_filename: name,
            sha256: String::new(),
            pages: 0,
            bytes: 0,
        }));
    }

    let mut writer = ArchiveWriter::new(ArchiveOptions {
        title: Some(doc.title.clone()).filter(|t| !t.trim().is_empty()),
        compression: opts.compression,
        created: None,
    });
    let pages = source.pages(&doc, &original, &mut |page| writer.add_owned_page(&page))?;
    let bytes = writer.finish()?;

    let existed = dest.exists();
    let written = super::store_archive(&bytes, pages, &dest)?;
    doc.archive_filename = Some(name.clone());
    doc.archive_checksum = Some(written.sha256.clone());
    let recorded = match store.db().conn().await {
        Ok(mut conn) => conn.update_document(&doc).await,
        Err(err) => Err(err),
    };
    if let Err(err) = recorded {
        if !existed {
            let _ = std::fs::remove_file(&dest);
        }
        return Err(err.into());
    }
    Ok(Outcome::Archived(ArchivedDocument {
        document_id: doc.id,
        archive_filename: name,
        sha256: written.sha256,
        pages: written.pages,
        bytes: written.bytes,
    }))
}
