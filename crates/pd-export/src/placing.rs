//! The files an import has placed in the media folder but not yet committed.
//!
//! An import copies every file into place before its transaction commits (so a row never
//! lacks its file). Before the first copy it writes the list of targets to
//! [`JOURNAL_FILE`] in the data folder, and removes it after the commit. An import killed
//! in between leaves that list behind: the next import (or restore) removes every file on
//! it that no document row refers to, with the temporary files of interrupted copies,
//! before it does anything else.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use pd_store::Store;
use pd_store::db::{DocumentFilter, TrashFilter};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The journal's name in the data folder.
pub const JOURNAL_FILE: &str = ".pd-import-placing.json";

#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    files: Vec<PathBuf>,
}

fn journal_path(store: &Store) -> PathBuf {
    store.config().data_dir.join(JOURNAL_FILE)
}

/// Records the files about to be placed (written as they come, never all in memory).
/// The caller holds the media lock.
pub(crate) fn begin(store: &Store, files: impl IntoIterator<Item = Result<PathBuf>>) -> Result<()> {
    // A fixed temporary name rather than a random one: a write killed halfway leaves a
    // file the next import overwrites and renames away, never a stray one.
    let path = journal_path(store);
    let tmp = path.with_extension("json.tmp");
    let io = |e| Error::io("cannot write", &path, e);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
    out.write_all(b"{\"files\":[").map_err(io)?;
    for (i, file) in files.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",").map_err(io)?;
        }
        serde_json::to_writer(&mut out, &file?)
            .map_err(|e| Error::Invalid(format!("cannot write the import journal: {e}")))?;
    }
    out.write_all(b"]}").map_err(io)?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(())
}

/// Forgets the journal once the placed files are committed (or removed).
pub(crate) fn end(store: &Store) {
    let _ = std::fs::remove_file(journal_path(store));
}

/// Removes what an interrupted import left: every journaled file no document refers to,
/// and temporary copies beside them. The caller holds the media lock. Returns how many
/// files were removed.
pub(crate) async fn recover(store: &Store) -> Result<usize> {
    let path = journal_path(store);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io("cannot read", &path, e)),
    };
    // A journal cut short by a crash lists nothing that was placed: its write comes first.
    let journal: Journal = serde_json::from_slice(&bytes).unwrap_or(Journal { files: vec![] });
    let media = store.media();
    let docs = store
        .db()
        .conn()
        .await?
        .documents(&DocumentFilter {
            trash: TrashFilter::Include,
            ids: None,
        })
        .await?;
    let mut referenced: HashSet<PathBuf> = HashSet::new();
    for d in &docs {
        if let Ok(p) = media.original_path(d) {
            referenced.insert(p);
        }
        if let Ok(Some(p)) = media.archive_path(d) {
            referenced.insert(p);
        }
        referenced.insert(media.thumbnail_path(d));
    }
    let roots = [
        media.originals_dir(),
        media.archive_dir(),
        media.thumbnails_dir(),
    ];
    let mut removed = 0;
    let mut dirs: HashSet<PathBuf> = HashSet::new();
    for file in &journal.files {
        if !roots.iter().any(|r| file.starts_with(r)) {
            continue;
        }
        if let Some(dir) = file.parent() {
            dirs.insert(dir.to_owned());
        }
        if !referenced.contains(file) && std::fs::remove_file(file).is_ok() {
            removed += 1;
        }
    }
    for dir in &dirs {
        removed += remove_temporary_copies(dir);
        if let Some(root) = roots.iter().find(|r| dir.starts_with(r)) {
            pd_store::naming::delete_empty_directories(dir, root);
        }
    }
    end(store);
    Ok(removed)
}

/// Removes `.pd-tmp-*` files (copies a crash cut short) in `dir`.
fn remove_temporary_copies(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(".pd-tmp-"))
                && e.file_type().is_ok_and(|t| t.is_file())
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}
