//! The consumer: turns files into documents of the library.
//!
//! For each file: read it, SHA-256 it, look for documents with the same content, parse
//! it (text and page count; OCR for images and scanned pages, with the library's
//! `PD_OCR_*` settings) and render its thumbnail (the placeholder and a warning when
//! it cannot be rendered), date it (the first date in its text, see [`crate::date`],
//! else the file's modification date), apply the library's match rules (inbox tags, then the
//! first matching correspondent, document type and storage path and every matching
//! tag, see `pd_match::rules`; objects with the auto algorithm get what the saved
//! classifier model predicts), then — holding the media lock and inside one database
//! transaction — create the row, name the file with the library's template and copy it
//! and its thumbnail into the media folder, each under a temporary name before renaming
//! it into place. The transaction commits only after the files are in place; if
//! anything fails, the row is rolled back and the written files removed. The source
//! file is never changed. Last, the document goes into the search index
//! (`pd_index::IndexSync`).
//!
//! The archive version (PDF/A-2B) is made as `PD_ARCHIVE_FILE_GENERATION` says, with
//! paperless-ngx's meaning: `auto` for images and PDFs without a text layer, `always`
//! for PDFs and images, `never` never. Its pages are the images OCR has just read, with
//! the words Tesseract found (no second OCR pass); it is stored with the original,
//! under `documents/archive/` with the name the library gives archives, and its SHA-256
//! recorded. When the archive cannot be made (a page too large for a PDF, say), the
//! document is consumed without one and a warning says so — `pd archive` makes it
//! later; when it cannot be written, the consume fails like any other storing error.

use std::path::{Path, PathBuf};

use pd_core::{ArchiveFileGeneration, Document, Id, NewDocument};
use pd_match::classifier::{Classifier, model_path};
use pd_match::rules::{CurrentValues, Predict, RuleSet, SetOptions, Targets, plan};
use pd_store::Store;
use pd_store::db::{DocumentFilter, TrashFilter};
use pd_store::media::{copy_atomic, join_inside, sha256_file, write_atomic};
use pd_store::naming::generate_unique_filename;
use serde::Serialize;

use crate::archive::{ArchiveError, ArchiveOptions, ArchiveWriter, ImageCompression, parsed_pages};
use crate::date::DateParser;
use crate::parse::{ParseError, ParseOptions, Parsed, parse_document_with};
use crate::pdfium::PdfEngine;
use crate::thumbnail::{Thumbnail, placeholder, render_thumbnail};

/// Why a file was not consumed.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    /// The path is not a readable file.
    #[error("cannot consume {path}: {message}")]
    NotAFile { path: PathBuf, message: String },
    /// The file's content could not be read or understood.
    #[error("cannot consume {path}: {source}")]
    Parse { path: PathBuf, source: ParseError },
    /// The file is already in the library and the configuration rejects duplicates.
    #[error("not consuming {path}: it is a duplicate of {existing} (#{id}){note}")]
    Duplicate {
        path: PathBuf,
        existing: String,
        id: Id,
        note: &'static str,
    },
    /// Storing the document failed; nothing was kept.
    #[error("cannot store {path}: {source}")]
    Store {
        path: PathBuf,
        source: pd_store::Error,
    },
}

/// A document the consumer stored.
#[derive(Debug, Clone, Serialize)]
pub struct ConsumedDocument {
    /// The file that was consumed.
    pub source: PathBuf,
    pub document: Document,
    /// Duplicate notices and template fallbacks: the document was stored all the same.
    pub warnings: Vec<String>,
}

/// Consumes one file into the library and adds it to the search index.
pub async fn consume_file(
    store: &Store,
    engine: Option<&PdfEngine>,
    path: &Path,
) -> Result<ConsumedDocument, ConsumeError> {
    // The index follows the database; a failure to update it never fails the consume,
    // and leaves the index stale so that the next search rebuilds it.
    let sync = pd_index::IndexSync::begin(store).await;
    let mut consumed = consume_file_unindexed(store, engine, path).await?;
    let synced = match sync {
        Ok(sync) => sync.finish(store, &[consumed.document.id]).await,
        Err(e) => Err(e),
    };
    if let Err(e) = synced {
        consumed.warnings.push(format!(
            "{}: the search index was not updated ({e}); the next search rebuilds it",
            path.display()
        ));
    }
    Ok(consumed)
}

/// What a caller (the mail fetcher, say) sets on a document before the library's match
/// rules run; match rules keep what is set here and fill in the rest.
#[derive(Debug, Clone, Default)]
pub struct Assignments {
    /// The title; else the file name without its extension.
    pub title: Option<String>,
    pub correspondent: Option<Id>,
    pub document_type: Option<Id>,
    pub tags: Vec<Id>,
    pub owner: Option<Id>,
    /// Content the caller has already read (a type the parser does not know, such as a
    /// mail as `.eml`): the parser is skipped and the placeholder thumbnail used.
    pub parsed: Option<Parsed>,
}

/// [`consume_file`] without the search index, for a caller that consumes many files
/// and updates the index once for all of them (`pd_index::IndexSync`).
pub async fn consume_file_unindexed(
    store: &Store,
    engine: Option<&PdfEngine>,
    path: &Path,
) -> Result<ConsumedDocument, ConsumeError> {
    consume_file_with(store, engine, path, Assignments::default()).await
}

/// [`consume_file_unindexed`] with what the caller assigns to the document.
pub async fn consume_file_with(
    store: &Store,
    engine: Option<&PdfEngine>,
    path: &Path,
    assign: Assignments,
) -> Result<ConsumedDocument, ConsumeError> {
    let not_a_file = |message: String| ConsumeError::NotAFile {
        path: path.to_owned(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| not_a_file(e.to_string()))?;
    if !meta.is_file() {
        return Err(not_a_file("not a regular file".into()));
    }
    let store_err = |source| ConsumeError::Store {
        path: path.to_owned(),
        source,
    };
    let mut warnings = Vec::new();

    let checksum = sha256_file(path).map_err(store_err)?;
    let duplicates = {
        let mut conn = store.db().conn().await.map_err(store_err)?;
        conn.documents_by_checksum(&checksum)
            .await
            .map_err(store_err)?
    };
    if let Some(first) = duplicates.first() {
        let in_trash = duplicates.iter().any(Document::is_trashed);
        if store.config().consumer_delete_duplicates {
            let existing = if first.title.is_empty() {
                first
                    .original_filename
                    .clone()
                    .unwrap_or_else(|| first.source_filename())
            } else {
                first.title.clone()
            };
            return Err(ConsumeError::Duplicate {
                path: path.to_owned(),
                existing,
                id: first.id,
                note: if first.is_trashed() {
                    " (note: the existing document is in the trash)"
                } else {
                    ""
                },
            });
        }
        warnings.push(format!(
            "consuming duplicate {}: {} existing document(s) share the same content{}",
            path.display(),
            duplicates.len(),
            if in_trash {
                " (note: at least one of them is in the trash)"
            } else {
                ""
            },
        ));
    }

    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let title = assign
        .title
        .map(|t| t.chars().take(Document::MAX_TITLE_CHARS).collect())
        .unwrap_or_else(|| title_from_file_name(&file_name));

    let (parsed, thumbnail, archive): (Parsed, Option<Thumbnail>, Option<ArchiveFile>) =
        if let Some(parsed) = assign.parsed {
            let label = parsed
                .mime_type
                .rsplit('/')
                .next()
                .unwrap_or("?")
                .to_uppercase();
            (parsed, placeholder(&label, None).ok(), None)
        } else {
            let owned = path.to_owned();
            let generation = store.config().archive_file_generation;
            let options = ParseOptions {
                // The pages OCR reads become the archive's pages.
                keep_page_images: generation != ArchiveFileGeneration::Never,
                ..ParseOptions::from_config(store.config(), engine.copied())
            };
            let archive_title = title.clone();
            let (parsed, thumbnail, archive) = tokio::task::spawn_blocking(move || {
                let mut parsed = parse_document_with(&owned, &options)?;
                let thumbnail =
                    consumed_thumbnail(&owned, &parsed.mime_type, options.engine.as_ref());
                let archive =
                    consumed_archive(&owned, &mut parsed, &options, generation, archive_title);
                Ok((parsed, thumbnail, archive))
            })
            .await
            .map_err(|e| not_a_file(format!("the parser stopped: {e}")))?
            .map_err(|source| ConsumeError::Parse {
                path: path.to_owned(),
                source,
            })?;
            let archive = match archive {
                Ok(archive) => archive,
                Err(e) => {
                    warnings.push(format!(
                        "{}: no archive version was made ({e}); `pd archive` makes it later",
                        path.display()
                    ));
                    None
                }
            };
            (parsed, thumbnail, archive)
        };
    match &thumbnail {
        Some(t) => warnings.extend(t.warning.clone()),
        None => warnings.push(format!(
            "{}: no thumbnail could be made, not even the placeholder",
            path.display()
        )),
    }

    let now = pd_core::now();
    // paperless-ngx: the first date in the name (if configured) or text, else the file's.
    let created = DateParser::from_config(store.config())
        .parse(&file_name, &parsed.content)
        .or_else(|| file_date(&meta))
        .unwrap_or_else(|| now.date());
    let new = NewDocument {
        title,
        content: parsed.content,
        created,
        added: now,
        mime_type: parsed.mime_type,
        original_filename: Some(file_name),
        checksum,
        archive_checksum: archive.as_ref().map(|a| a.sha256.clone()),
        page_count: parsed.page_count,
        archive_serial_number: None,
        correspondent: assign.correspondent,
        document_type: assign.document_type,
        storage_path: None,
        owner: assign.owner,
        tags: assign.tags,
    };
    let document = store_document(
        store,
        path,
        new,
        thumbnail.as_ref(),
        archive.as_ref(),
        &mut warnings,
    )
    .await
    .map_err(store_err)?;
    Ok(ConsumedDocument {
        source: path.to_owned(),
        document,
        warnings,
    })
}

async fn store_document(
    store: &Store,
    source: &Path,
    mut new: NewDocument,
    thumbnail: Option<&Thumbnail>,
    archive: Option<&ArchiveFile>,
    warnings: &mut Vec<String>,
) -> pd_store::Result<Document> {
    let media = store.media();
    media.create_dirs()?;
    let _lock = media.lock()?;
    apply_match_rules(store, &mut new, warnings).await?;
    let mut tx = store.db().begin().await?;
    let id = tx.insert_document(&new).await?;
    let mut document = tx.document(id).await?;
    let context = store.filename_context(&mut tx, &document).await?;
    let name = generate_unique_filename(&context, store.naming(), &media.originals_dir(), false);
    warnings.extend(name.warning);
    document.filename = Some(name.path);
    let target = media.original_path(&document)?;
    copy_atomic(source, &target)?;
    let thumbnail_path = media.thumbnail_path(&document);
    let mut written = vec![target];
    let placed = async {
        if let Some(thumbnail) = thumbnail {
            write_atomic(&thumbnail_path, &thumbnail.webp)?;
            written.push(thumbnail_path);
        }
        if let Some(archive) = archive {
            // Named after the original's name, as the library names archives.
            let context = store.filename_context(&mut tx, &document).await?;
            let name =
                generate_unique_filename(&context, store.naming(), &media.archive_dir(), true);
            let dest = join_inside(&media.archive_dir(), &name.path)?;
            write_atomic(&dest, &archive.bytes)?;
            written.push(dest);
            document.archive_filename = Some(name.path);
        }
        tx.set_document_files(
            id,
            document.filename.as_deref(),
            document.archive_filename.as_deref(),
            document.modified,
        )
        .await?;
        tx.commit().await
    };
    if let Err(e) = placed.await {
        for file in &written {
            let _ = std::fs::remove_file(file);
        }
        return Err(e);
    }
    Ok(document)
}

/// An archive version made at consume time, not yet stored.
struct ArchiveFile {
    bytes: Vec<u8>,
    sha256: String,
}

/// The archive version of a parsed file, when `generation` asks for one (as
/// paperless-ngx decides: `always` for PDFs and images, `auto` for images and PDFs
/// without a text layer of their own, `never` never), made from the pages OCR has
/// read (their images and words are taken out of `parsed`) and, for a PDF's other
/// pages, PDFium's rendering at the OCR resolution with their own words.
fn consumed_archive(
    path: &Path,
    parsed: &mut Parsed,
    options: &ParseOptions,
    generation: ArchiveFileGeneration,
    title: String,
) -> Result<Option<ArchiveFile>, ArchiveError> {
    let ocr_pages = std::mem::take(&mut parsed.ocr_pages);
    let is_pdf = parsed.mime_type == "application/pdf";
    let wanted = match generation {
        ArchiveFileGeneration::Never => false,
        _ if !is_pdf && !crate::parse::is_raster_type(&parsed.mime_type) => false,
        ArchiveFileGeneration::Always => true,
        ArchiveFileGeneration::Auto => {
            !is_pdf || !has_text_layer(path, parsed, &ocr_pages, options)?
        }
    };
    if !wanted {
        return Ok(None);
    }
    let pages = Parsed {
        mime_type: parsed.mime_type.clone(),
        content: String::new(),
        page_count: parsed.page_count,
        ocr_pages,
    };
    let mut writer = ArchiveWriter::new(ArchiveOptions {
        title: Some(title).filter(|t| !t.trim().is_empty()),
        compression: ImageCompression::Auto,
        created: None,
    });
    let dpi = options.ocr.dpi.max(1) as f32;
    parsed_pages(pages, path, options, dpi, &mut |page| {
        writer.add_owned_page(&page)
    })?;
    let bytes = writer.finish()?;
    let sha256 = pd_store::media::sha256_bytes(&bytes);
    Ok(Some(ArchiveFile { bytes, sha256 }))
}

/// Whether a parsed PDF has text of its own: in skip mode, when OCR left any page
/// alone; else as PDFium reads the file.
fn has_text_layer(
    path: &Path,
    parsed: &Parsed,
    ocr_pages: &[crate::ocr::OcrPage],
    options: &ParseOptions,
) -> Result<bool, ArchiveError> {
    let pages = parsed
        .page_count
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    if options.ocr.mode == pd_core::OcrMode::Skip {
        return Ok(ocr_pages.len() < pages);
    }
    let bytes = std::fs::read(path).map_err(|source| ArchiveError::Read {
        path: path.to_owned(),
        source,
    })?;
    let (text, _) = options.pdf_engine()?.extract_text(bytes, path)?;
    Ok(!text.trim().is_empty())
}

/// The thumbnail of a file being consumed; when it cannot be rendered (PDFium failing
/// on a page it could parse, say), the placeholder with the reason as its warning, so a
/// thumbnail never stops a consume.
fn consumed_thumbnail(
    path: &Path,
    mime_type: &str,
    engine: Option<&PdfEngine>,
) -> Option<Thumbnail> {
    render_thumbnail(path, mime_type, engine)
        .or_else(|e| placeholder("?", Some(format!("{e}; using the generic thumbnail"))))
        .ok()
}

/// What paperless-ngx does when a document has been consumed: every inbox tag, then
/// the first matching correspondent, document type and storage path (by name) and
/// every matching tag, each tag with its ancestors. Values already set are kept.
async fn apply_match_rules(
    store: &Store,
    new: &mut NewDocument,
    warnings: &mut Vec<String>,
) -> pd_store::Result<()> {
    let rules = RuleSet::load(store).await?;
    warnings.extend(rules.warnings());
    // The model is read only when an object uses the auto algorithm; an unreadable one
    // is skipped with a warning (training replaces it).
    let classifier = if rules.uses_auto() {
        Classifier::load_cached(&model_path(store.config())).unwrap_or_else(|e| {
            warnings.push(format!(
                "{e}; auto matching is off until `pd classifier train`"
            ));
            None
        })
    } else {
        None
    };
    let mut tags = rules.inbox_tags(new.owner);
    tags.extend_from_slice(&new.tags);
    let current = CurrentValues {
        correspondent: new.correspondent,
        document_type: new.document_type,
        storage_path: new.storage_path,
        tags,
    };
    let opts = SetOptions {
        replace: false,
        use_first: true,
    };
    let after = plan(
        &rules,
        &current,
        new.owner,
        &new.content,
        classifier.as_deref().map(|c| c as &dyn Predict),
        Targets::ALL,
        opts,
    )
    .apply(&current);
    new.correspondent = after.correspondent;
    new.document_type = after.document_type;
    new.storage_path = after.storage_path;
    new.tags = after.tags;
    Ok(())
}

/// The title paperless-ngx gives a consumed file: its name without the extension,
/// at most 127 characters.
pub fn title_from_file_name(file_name: &str) -> String {
    let stem = match file_name.rfind('.') {
        Some(i) if i > 0 => &file_name[..i],
        _ => file_name,
    };
    stem.chars().take(Document::MAX_TITLE_CHARS).collect()
}

fn file_date(meta: &std::fs::Metadata) -> Option<pd_core::Date> {
    let modified = time::OffsetDateTime::from(meta.modified().ok()?);
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    Some(modified.to_offset(offset).date())
}

/// The files a list of paths names: files as given, folders walked recursively in name
/// order, skipping hidden files and the system clutter paperless-ngx ignores
/// (`.DS_Store`, `._*`, `desktop.ini`, `Thumbs.db`, `@eaDir`, …). Any folder that cannot
/// be read is an error before anything is consumed.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ConsumeError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| ConsumeError::NotAFile {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), ConsumeError> {
    let unreadable = |e: std::io::Error| ConsumeError::NotAFile {
        path: dir.to_owned(),
        message: format!("cannot read the folder: {e}"),
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .collect::<Result<_, _>>()
        .map_err(unreadable)?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_ignored(&name) {
            continue;
        }
        let path = entry.path();
        let meta = std::fs::metadata(&path).map_err(|e| ConsumeError::NotAFile {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            walk(&path, files)?;
        } else if meta.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

pub(crate) fn is_ignored(name: &str) -> bool {
    const IGNORED: [&str; 11] = [
        "desktop.ini",
        "Thumbs.db",
        "@eaDir",
        "__MACOSX",
        ".DS_Store",
        ".DS_STORE",
        ".stfolder",
        ".stversions",
        ".localized",
        ".Spotlight-V100",
        ".Trashes",
    ];
    name.starts_with('.') || IGNORED.contains(&name)
}

/// Documents currently in the library (not trashed), for callers that report totals.
pub async fn library_documents(store: &Store) -> pd_store::Result<Vec<Document>> {
    store
        .db()
        .conn()
        .await?
        .documents(&DocumentFilter {
            trash: TrashFilter::Exclude,
            ..DocumentFilter::default()
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_file_stems() {
        assert_eq!(title_from_file_name("Invoice 2024.pdf"), "Invoice 2024");
        assert_eq!(title_from_file_name("archive.tar.gz"), "archive.tar");
        assert_eq!(title_from_file_name(".hidden"), ".hidden");
        assert_eq!(
            title_from_file_name(&format!("{}.pdf", "x".repeat(300))).len(),
            127
        );
    }

    #[test]
    fn clutter_is_ignored() {
        for name in [
            ".DS_Store",
            "._scan.pdf",
            "Thumbs.db",
            "desktop.ini",
            ".hidden.pdf",
            "@eaDir",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        assert!(!is_ignored("scan.pdf"));
    }

    #[test]
    fn unreadable_paths_are_errors_before_anything_happens() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.pdf"), b"x").unwrap();
        std::fs::write(dir.path().join("a.txt"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/c.txt"), b"x").unwrap();
        std::fs::write(dir.path().join(".DS_Store"), b"x").unwrap();
        let files = collect_files(&[dir.path().to_owned()]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, ["a.txt", "b.pdf", "sub/c.txt"]);
        let err = collect_files(&[dir.path().join("nope")]).unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
