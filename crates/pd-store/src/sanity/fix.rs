//! Repairs for what [`check`](super::check) found, when they need no guessing:
//!
//! - an interrupted rename is finished by replaying the rename journal;
//! - an archive file whose checksum the database lacks gets it from the file;
//! - an orphaned file is moved into the quarantine folder (`<data dir>/quarantine/<time>/`,
//!   keeping its path below the media folder); nothing is deleted;
//! - a missing thumbnail is rendered again by a caller-supplied [`ThumbnailGenerator`]
//!   (pd-store renders nothing itself); without one it is reported as not yet possible.
//!
//! Everything else — a missing or corrupt original or archive, an archive checksum
//! without a file name — is listed as not fixable: the right content cannot be known,
//! so restore from a backup. Without [`FixOptions::apply`] nothing changes and the
//! report lists what would be done.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use pd_core::Id;
use serde::Serialize;

use super::{IssueKind, SanityReport, quarantine_root};
use crate::{Error, Result, Store};

/// Renders thumbnails; supplied by whoever can (the processing pipeline).
pub trait ThumbnailGenerator: Sync {
    /// Writes a WebP thumbnail of `original` (of `mime_type`) to `dest`.
    fn generate(
        &self,
        original: &Path,
        mime_type: &str,
        dest: &Path,
    ) -> std::result::Result<(), String>;
}

/// How [`fix`] runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixOptions {
    /// Make the changes; otherwise only list them.
    pub apply: bool,
    /// Where orphans go; `<data dir>/quarantine` when `None`.
    pub quarantine_dir: Option<PathBuf>,
}

/// What a repair is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixKind {
    FinishRename,
    RecomputeArchiveChecksum,
    QuarantineOrphan,
    RegenerateThumbnail,
    /// Reported only: there is no safe repair.
    None,
}

/// How a repair went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixOutcome {
    /// Would be done (without `apply`).
    Planned,
    Done,
    /// Not possible with what this build has (no thumbnail generator).
    NotYetPossible,
    /// Not done because the situation changed since the check.
    Skipped,
    NotFixable,
    Failed,
}

/// One repair, planned or made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixAction {
    pub document_id: Option<Id>,
    pub kind: FixKind,
    pub description: String,
    pub outcome: FixOutcome,
    /// Why, or where a file went.
    pub detail: Option<String>,
}

/// What [`fix`] did or would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixReport {
    pub applied: bool,
    /// This run's quarantine folder.
    pub quarantine_dir: String,
    pub actions: Vec<FixAction>,
}

/// Repairs what `report` found; see the module documentation. Holds the media lock
/// while it changes anything.
pub async fn fix(
    store: &Store,
    report: &SanityReport,
    opts: &FixOptions,
    thumbnails: Option<&dyn ThumbnailGenerator>,
) -> Result<FixReport> {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_else(|_| "now".into());
    let quarantine = opts
        .quarantine_dir
        .clone()
        .unwrap_or_else(|| quarantine_root(store))
        .join(stamp);
    let mut out = FixReport {
        applied: opts.apply,
        quarantine_dir: quarantine.to_string_lossy().into_owned(),
        actions: Vec::new(),
    };
    let planned = if opts.apply {
        FixOutcome::Done
    } else {
        FixOutcome::Planned
    };
    let lock = if opts.apply {
        Some(store.media().lock()?)
    } else {
        None
    };

    let interrupted = report
        .documents
        .iter()
        .flat_map(|d| &d.issues)
        .chain(&report.global)
        .any(|i| i.kind == IssueKind::InterruptedRename);
    if interrupted {
        match &lock {
            Some(lock) => {
                for r in crate::rename::recover(store, lock).await? {
                    out.actions.push(FixAction {
                        document_id: Some(r.document_id),
                        kind: FixKind::FinishRename,
                        description: format!("finish the rename {} -> {}", r.from, r.to),
                        outcome: FixOutcome::Done,
                        detail: Some(r.note),
                    });
                }
            }
            None => out.actions.push(FixAction {
                document_id: None,
                kind: FixKind::FinishRename,
                description: "finish the interrupted renames from the journal".into(),
                outcome: FixOutcome::Planned,
                detail: None,
            }),
        }
    }

    for doc in &report.documents {
        for issue in &doc.issues {
            let mut action = FixAction {
                document_id: Some(doc.id),
                kind: FixKind::None,
                description: issue.message.clone(),
                outcome: FixOutcome::NotFixable,
                detail: None,
            };
            match issue.kind {
                IssueKind::NoContent
                | IssueKind::EncryptedOriginal
                | IssueKind::InterruptedRename => continue,
                IssueKind::ArchiveFilenameWithoutChecksum => {
                    action.kind = FixKind::RecomputeArchiveChecksum;
                    action.description = "compute the archive checksum from the file".into();
                    action.outcome = planned;
                    if opts.apply {
                        settle(&mut action, recompute_archive_checksum(store, doc.id).await);
                    }
                }
                IssueKind::ThumbnailMissing => {
                    action.kind = FixKind::RegenerateThumbnail;
                    action.description = "render the thumbnail again".into();
                    match thumbnails {
                        None => {
                            action.outcome = FixOutcome::NotYetPossible;
                            action.detail = Some(
                                "cannot regenerate yet: this pd has no thumbnail renderer".into(),
                            );
                        }
                        Some(generator) => {
                            action.outcome = planned;
                            if opts.apply {
                                let result = regenerate_thumbnail(store, doc.id, generator).await;
                                settle(&mut action, result);
                            }
                        }
                    }
                }
                IssueKind::ThumbnailUnreadable => {
                    action.detail =
                        Some("check the file's permissions; pd does not replace files".into());
                }
                _ => {
                    action.detail = Some(
                        "nothing is guessed: restore the file from a backup, or check the disk"
                            .into(),
                    );
                }
            }
            out.actions.push(action);
        }
    }

    let claimed = if opts.apply {
        claimed_paths(store).await?
    } else {
        HashSet::new()
    };
    for issue in &report.global {
        let mut action = FixAction {
            document_id: None,
            kind: FixKind::None,
            description: issue.message.clone(),
            outcome: FixOutcome::NotFixable,
            detail: None,
        };
        match (issue.kind, &issue.path) {
            (IssueKind::InterruptedRename, _) => continue,
            (IssueKind::OrphanedFile, Some(path)) => {
                let path = PathBuf::from(path);
                let relative = path
                    .strip_prefix(store.media().root())
                    .unwrap_or(&path)
                    .to_owned();
                let target = quarantine.join(&relative);
                action.kind = FixKind::QuarantineOrphan;
                action.description = format!("move {} into quarantine", path.display());
                action.detail = Some(target.to_string_lossy().into_owned());
                action.outcome = planned;
                if opts.apply {
                    if claimed.contains(&path) {
                        action.outcome = FixOutcome::Skipped;
                        action.detail = Some("a document claims this file now".into());
                    } else if !path.exists() {
                        action.outcome = FixOutcome::Skipped;
                        action.detail = Some("the file is gone".into());
                    } else if let Err(e) = crate::rename::move_no_replace(
                        &path,
                        &target,
                        &crate::rename::Steps::default(),
                    ) {
                        action.outcome = FixOutcome::Failed;
                        action.detail = Some(e.to_string());
                    } else if let Some(parent) = path.parent() {
                        crate::naming::delete_empty_directories(
                            parent,
                            &store.media().originals_dir(),
                        );
                        crate::naming::delete_empty_directories(
                            parent,
                            &store.media().archive_dir(),
                        );
                    }
                }
            }
            _ => {}
        }
        out.actions.push(action);
    }
    drop(lock);
    Ok(out)
}

fn settle(action: &mut FixAction, result: Result<Option<String>>) {
    match result {
        Ok(None) => {}
        Ok(Some(skipped)) => {
            action.outcome = FixOutcome::Skipped;
            action.detail = Some(skipped);
        }
        Err(e) => {
            action.outcome = FixOutcome::Failed;
            action.detail = Some(e.to_string());
        }
    }
}

/// `Ok(Some(reason))` when there was nothing to do any more.
async fn recompute_archive_checksum(store: &Store, id: Id) -> Result<Option<String>> {
    let mut tx = store.db().begin().await?;
    let mut doc = tx.document(id).await?;
    if doc.archive_checksum.is_some() {
        return Ok(Some("the checksum has been set meanwhile".into()));
    }
    let Some(path) = store.media().archive_path(&doc)? else {
        return Ok(Some("the document has no archive file any more".into()));
    };
    doc.archive_checksum = Some(crate::media::sha256_file(&path)?);
    tx.update_document(&doc).await?;
    tx.commit().await?;
    Ok(None)
}

async fn regenerate_thumbnail(
    store: &Store,
    id: Id,
    generator: &dyn ThumbnailGenerator,
) -> Result<Option<String>> {
    let doc = store.db().conn().await?.document(id).await?;
    let dest = store.media().thumbnail_path(&doc);
    if dest.exists() {
        return Ok(Some("the thumbnail exists now".into()));
    }
    let original = store.media().original_path(&doc)?;
    let dir = store.media().thumbnails_dir();
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".pd-tmp-")
        .suffix(".webp")
        .tempfile_in(&dir)
        .map_err(|e| Error::io("cannot create a temporary file in", &dir, e))?;
    generator
        .generate(&original, &doc.mime_type, tmp.path())
        .map_err(|e| Error::Invalid(format!("cannot render the thumbnail: {e}")))?;
    tmp.persist_noclobber(&dest)
        .map_err(|e| Error::io("cannot rename into", &dest, e.error))?;
    Ok(None)
}

/// Every path some document's row names, trash included.
async fn claimed_paths(store: &Store) -> Result<HashSet<PathBuf>> {
    let docs = store.db().conn().await?.documents_for_integrity().await?;
    let media = store.media();
    let mut claimed = HashSet::new();
    for doc in &docs {
        claimed.insert(media.thumbnail_path(doc));
        if let Ok(path) = media.original_path(doc) {
            claimed.insert(path);
        }
        if let Ok(Some(path)) = media.archive_path(doc) {
            claimed.insert(path);
        }
    }
    Ok(claimed)
}
