//! `pd thumbnails` (paperless-ngx's `document_thumbnails`): thumbnails of every document
//! not in the trash, or of one, made again on several threads; and [`Thumbnailer`], the
//! same renderer for pd-store's sanity fixer.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use pd_core::{Document, Id};
use pd_store::Store;
use pd_store::sanity::ThumbnailGenerator;
use serde::Serialize;

use super::{ThumbnailError, ThumbnailKind, render_thumbnail, write_thumbnail};
use crate::pdfium::PdfEngine;

/// How [`regenerate_thumbnails`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThumbnailOptions {
    /// Only this document (it must exist and not be in the trash).
    pub document: Option<Id>,
    /// Documents worked on at once (at least 1).
    pub processes: usize,
}

impl Default for ThumbnailOptions {
    fn default() -> Self {
        ThumbnailOptions {
            document: None,
            processes: default_processes(),
        }
    }
}

/// paperless-ngx's default worker count: a quarter of the cores, at least 1.
pub fn default_processes() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores / 4).max(1)
}

/// What [`regenerate_thumbnails`] tells its caller while it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThumbnailProgress {
    /// This many documents will get a thumbnail.
    Started {
        /// Documents to do.
        documents: usize,
    },
    /// One document is done (or failed).
    Done {
        /// Its id.
        document_id: Id,
    },
}

/// A document whose thumbnail could not be made; its old thumbnail, if any, is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThumbnailFailure {
    /// The document.
    pub document_id: Id,
    /// Why.
    pub error: String,
}

/// A document that got the placeholder, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThumbnailWarning {
    /// The document.
    pub document_id: Id,
    /// Why it has the placeholder.
    pub message: String,
}

/// What [`regenerate_thumbnails`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThumbnailReport {
    /// Documents worked on.
    pub documents: usize,
    /// Thumbnails rendered from a PDF page.
    pub pages: usize,
    /// Thumbnails drawn from text.
    pub text: usize,
    /// Documents that got the generic placeholder (see `warnings`).
    pub placeholders: usize,
    /// Why documents got the placeholder.
    pub warnings: Vec<ThumbnailWarning>,
    /// Documents without a new thumbnail.
    pub failed: Vec<ThumbnailFailure>,
    /// Worker threads used.
    pub processes: usize,
    /// Wall-clock time.
    pub seconds: f64,
}

/// Makes the thumbnails of every document not in the trash, or of
/// [`ThumbnailOptions::document`], replacing the stored ones, each through a temporary
/// file and a rename while the media lock is held. One document's failure is reported
/// and the others go on. `engine` renders PDFs; without one, the library's configured
/// PDFium is bound if it can be (PDFs fail without it).
///
/// # Errors
///
/// Reading the library or taking the media lock failed, or the one document asked for
/// does not exist or is in the trash.
pub async fn regenerate_thumbnails(
    store: &Store,
    engine: Option<&PdfEngine>,
    opts: &ThumbnailOptions,
    progress: &(dyn Fn(ThumbnailProgress) + Sync),
) -> Result<ThumbnailReport, ThumbnailError> {
    let started = Instant::now();
    let docs = crate::selected_documents(store, opts.document).await?;
    progress(ThumbnailProgress::Started {
        documents: docs.len(),
    });
    let engine = engine.copied().or_else(|| {
        docs.iter()
            .any(|d| d.mime_type == "application/pdf")
            .then(|| PdfEngine::new(store.config().pdfium_path.as_deref()).ok())
            .flatten()
    });
    let processes = opts.processes.clamp(1, docs.len().max(1));
    let mut report = ThumbnailReport {
        documents: docs.len(),
        pages: 0,
        text: 0,
        placeholders: 0,
        warnings: Vec::new(),
        failed: Vec::new(),
        processes,
        seconds: 0.0,
    };
    if docs.is_empty() {
        return Ok(report);
    }

    let _lock = store.media().lock()?;
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some(doc) = docs.get(next.fetch_add(1, Ordering::Relaxed)) {
            let outcome = thumbnail_of(store, engine.as_ref(), doc);
            progress(ThumbnailProgress::Done {
                document_id: doc.id,
            });
            done.push((doc.id, outcome));
        }
        done
    };
    // PDFium runs one call at a time (pdfium-render serialises them), but reading,
    // drawing, WebP encoding and writing run in parallel around it.
    let mut outcomes: Vec<(Id, Outcome)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..processes).map(|_| scope.spawn(work)).collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    // A worker that panicked took its results along; its documents count as failed.
    let reported: std::collections::HashSet<Id> = outcomes.iter().map(|(id, _)| *id).collect();
    for doc in docs.iter().filter(|d| !reported.contains(&d.id)) {
        outcomes.push((
            doc.id,
            Err("the thread rendering it stopped unexpectedly".into()),
        ));
    }
    outcomes.sort_by_key(|(id, _)| *id);
    for (document_id, outcome) in outcomes {
        match outcome {
            Ok((kind, warning)) => {
                match kind {
                    ThumbnailKind::Page => report.pages += 1,
                    ThumbnailKind::Text => report.text += 1,
                    ThumbnailKind::Placeholder => report.placeholders += 1,
                }
                if let Some(message) = warning {
                    report.warnings.push(ThumbnailWarning {
                        document_id,
                        message,
                    });
                }
            }
            Err(error) => report.failed.push(ThumbnailFailure { document_id, error }),
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// How one document went: how its thumbnail was made and any warning, or the error.
type Outcome = Result<(ThumbnailKind, Option<String>), String>;

fn thumbnail_of(store: &Store, engine: Option<&PdfEngine>, doc: &Document) -> Outcome {
    let media = store.media();
    let original = media.original_path(doc).map_err(|e| e.to_string())?;
    let thumbnail =
        render_thumbnail(&original, &doc.mime_type, engine).map_err(|e| e.to_string())?;
    write_thumbnail(&thumbnail, &media.thumbnail_path(doc)).map_err(|e| e.to_string())?;
    Ok((thumbnail.kind, thumbnail.warning))
}

/// The thumbnail renderer for pd-store's sanity fixer (`pd sanity --fix`), which decides
/// where the file goes. Placeholder warnings are kept for the caller to show.
#[derive(Debug, Default)]
pub struct Thumbnailer {
    engine: Option<PdfEngine>,
    warnings: Mutex<Vec<String>>,
}

impl Thumbnailer {
    /// Renders PDFs with `engine`; without one, PDFium is bound on demand.
    pub fn new(engine: Option<PdfEngine>) -> Thumbnailer {
        Thumbnailer {
            engine,
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// The warnings of every placeholder made so far, emptied.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl ThumbnailGenerator for Thumbnailer {
    fn generate(&self, original: &Path, mime_type: &str, dest: &Path) -> Result<(), String> {
        let thumbnail = render_thumbnail(original, mime_type, self.engine.as_ref())
            .map_err(|e| e.to_string())?;
        if let Some(warning) = thumbnail.warning {
            self.warnings
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(warning);
        }
        // `dest` is the fixer's temporary file, which it renames into place itself.
        std::fs::write(dest, &thumbnail.webp)
            .map_err(|e| format!("cannot write {}: {e}", dest.display()))
    }
}
