//! Emptying the trash: the only place pd removes a document for good.
//!
//! The database row goes first, then the files. A crash in between leaves files without
//! a row — orphans the sanity checker reports — never a row pointing at missing files.

use std::fs;
use std::path::{Path, PathBuf};

use pd_core::Id;
use serde::Serialize;

use crate::media::move_file;
use crate::naming::delete_empty_directories;
use crate::{Error, Result, Store};

/// Which trashed documents to remove.
#[derive(Debug, Clone, Default)]
pub struct EmptyTrashOptions {
    /// Only these documents (each must be in the trash); all when `None`.
    pub ids: Option<Vec<Id>>,
    /// Only documents trashed at least this many days ago.
    pub older_than_days: Option<u32>,
    /// Report what would be removed and change nothing.
    pub dry_run: bool,
}

/// What emptying the trash did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct EmptyTrashReport {
    pub dry_run: bool,
    pub documents: Vec<EmptiedDocument>,
    /// Files that were already missing and the like; nothing that stopped the work.
    pub warnings: Vec<String>,
}

/// One document removed from the trash.
#[derive(Debug, Clone, Serialize)]
pub struct EmptiedDocument {
    pub id: Id,
    pub title: String,
    /// Where the original went when an empty-trash folder is configured.
    pub original_kept_at: Option<PathBuf>,
    /// Files deleted from the media folder.
    pub deleted_files: Vec<PathBuf>,
}

impl Store {
    /// Removes trashed documents for good: rows first, then files. With
    /// `PD_EMPTY_TRASH_DIR` set, originals are moved there instead of deleted.
    pub async fn empty_trash(&self, opts: &EmptyTrashOptions) -> Result<EmptyTrashReport> {
        let trashed = self.trashed_documents().await?;
        if let Some(ids) = &opts.ids
            && let Some(missing) = ids.iter().find(|id| !trashed.iter().any(|d| d.id == **id))
        {
            return Err(Error::Invalid(format!(
                "document {missing} is not in the trash"
            )));
        }
        let cutoff = opts
            .older_than_days
            .map(|days| pd_core::now() - time::Duration::days(i64::from(days)));
        let selected: Vec<_> = trashed
            .into_iter()
            .filter(|d| opts.ids.as_ref().is_none_or(|ids| ids.contains(&d.id)))
            .filter(|d| match (cutoff, d.deleted_at) {
                (Some(cutoff), Some(at)) => at <= cutoff,
                _ => true,
            })
            .collect();

        let mut report = EmptyTrashReport {
            dry_run: opts.dry_run,
            documents: Vec::new(),
            warnings: Vec::new(),
        };
        let _lock = if opts.dry_run {
            None
        } else {
            Some(self.media().lock()?)
        };
        for doc in selected {
            let original = self.media().original_path(&doc)?;
            let archive = self.media().archive_path(&doc)?;
            let thumbnail = self.media().thumbnail_path(&doc);
            let mut entry = EmptiedDocument {
                id: doc.id,
                title: doc.title.clone(),
                original_kept_at: None,
                deleted_files: Vec::new(),
            };
            if opts.dry_run {
                entry.deleted_files = [Some(original), archive, Some(thumbnail)]
                    .into_iter()
                    .flatten()
                    .filter(|p| p.exists())
                    .collect();
                report.documents.push(entry);
                continue;
            }

            let mut tx = self.db().begin().await?;
            tx.delete_document(doc.id).await?;
            tx.commit().await?;

            match &self.config().empty_trash_dir {
                Some(dir) if original.exists() => {
                    let target = free_name_in(dir, &original)?;
                    move_file(&original, &target)?;
                    entry.original_kept_at = Some(target);
                }
                _ => remove(&original, &mut entry, &mut report.warnings),
            }
            if let Some(archive) = &archive {
                remove(archive, &mut entry, &mut report.warnings);
            }
            remove(&thumbnail, &mut entry, &mut report.warnings);
            if let Some(parent) = original.parent() {
                delete_empty_directories(parent, &self.media().originals_dir());
            }
            if let Some(parent) = archive.as_deref().and_then(Path::parent) {
                delete_empty_directories(parent, &self.media().archive_dir());
            }
            report.documents.push(entry);
        }
        Ok(report)
    }
}

fn remove(path: &Path, entry: &mut EmptiedDocument, warnings: &mut Vec<String>) {
    match fs::remove_file(path) {
        Ok(()) => entry.deleted_files.push(path.to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => warnings.push(format!(
            "document {}: {} was already missing",
            entry.id,
            path.display()
        )),
        Err(e) => warnings.push(format!(
            "document {}: cannot delete {}: {e}",
            entry.id,
            path.display()
        )),
    }
}

/// `dir/<basename>`, or `dir/<stem>_01.<ext>`, `_02`, … when taken (a flat folder, as
/// paperless-ngx keeps it).
fn free_name_in(dir: &Path, original: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    let name = original
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name.as_str(), ""),
    };
    let mut candidate = dir.join(&name);
    let mut counter = 0;
    while candidate.exists() {
        counter += 1;
        candidate = dir.join(format!("{stem}_{counter:02}{ext}"));
    }
    Ok(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trash_folder_names_count_up() {
        let dir = tempfile::tempdir().unwrap();
        let original = Path::new("/media/documents/originals/x/none.pdf");
        assert_eq!(
            free_name_in(dir.path(), original).unwrap(),
            dir.path().join("none.pdf")
        );
        fs::write(dir.path().join("none.pdf"), b"1").unwrap();
        assert_eq!(
            free_name_in(dir.path(), original).unwrap(),
            dir.path().join("none_01.pdf")
        );
        fs::write(dir.path().join("none_01.pdf"), b"2").unwrap();
        assert_eq!(
            free_name_in(dir.path(), original).unwrap(),
            dir.path().join("none_02.pdf")
        );
    }
}
