//! The integrity tables of migration 3: what `pd sanity` last verified of each stored
//! file, the history of sanity checks, and the rename journal.

use std::ops::DerefMut;

use pd_core::{Document, Id, Timestamp};
use serde::Serialize;
use sqlx::AnyConnection;

use super::Conn;
use super::documents::document_from_row;
use super::sql::{RowExt, flag, marks, ts};
use crate::{Error, Result};

/// Rows per multi-row statement, well below every backend's limit on bound values.
const CHUNK: usize = 100;

/// Which of a document's stored files a record or journal entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// `documents/originals/<filename>`.
    Original,
    /// `documents/archive/<archive_filename>`.
    Archive,
}

impl FileKind {
    fn code(self) -> i16 {
        match self {
            FileKind::Original => 0,
            FileKind::Archive => 1,
        }
    }

    fn from_code(code: i16) -> Result<FileKind> {
        match code {
            0 => Ok(FileKind::Original),
            1 => Ok(FileKind::Archive),
            _ => Err(Error::Invalid(format!("unknown file kind {code}"))),
        }
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FileKind::Original => "original",
            FileKind::Archive => "archive",
        })
    }
}

/// A file `pd sanity` hashed and found to match its checksum, with the size and
/// modification time it had then; `--changed-only` skips it while both are unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    pub document_id: Id,
    pub kind: FileKind,
    /// The stored relative name at the time.
    pub filename: String,
    pub size: i64,
    /// Nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// The checksum the file matched.
    pub checksum: String,
    pub verified_at: Timestamp,
}

/// One finished sanity check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanityRun {
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// Every file was hashed (not only changed ones).
    pub full_check: bool,
    pub files_hashed: i64,
    pub bytes_hashed: i64,
    pub errors: i64,
    pub warnings: i64,
}

/// A file move `pd rename` announced: written before the file moves, removed together
/// with the database update that records the new name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    pub id: Id,
    pub document_id: Id,
    pub kind: FileKind,
    /// Relative to the originals or archive folder.
    pub from_name: String,
    pub to_name: String,
    pub created_at: Timestamp,
}

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    /// Every document, trashed ones included, ordered by id, without tags and with
    /// `content` cut to its first character (enough to tell an empty one), so that a
    /// check over a large library does not load every text.
    pub async fn documents_for_integrity(&mut self) -> Result<Vec<Document>> {
        let q = self.query(
            "SELECT d.id, d.title, SUBSTR(d.content, 1, 1) AS content, d.created, d.added, \
             d.modified, d.mime_type, d.original_filename, d.filename, d.archive_filename, \
             d.checksum, d.archive_checksum, d.page_count, d.archive_serial_number, \
             d.correspondent_id, d.document_type_id, d.storage_path_id, d.owner_id, \
             d.deleted_at, d.restored_at, d.transaction_id, d.root_document_id, \
             d.version_index, d.version_label, d.storage_type FROM documents d ORDER BY d.id",
        );
        self.fetch_all(q)
            .await?
            .iter()
            .map(document_from_row)
            .collect()
    }

    /// Every file record.
    pub async fn sanity_file_records(&mut self) -> Result<Vec<FileRecord>> {
        let q = self.query(
            "SELECT document_id, kind, filename, size, mtime_ns, checksum, verified_at \
             FROM sanity_file_records ORDER BY document_id, kind",
        );
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(FileRecord {
                    document_id: r.int("document_id")?,
                    kind: FileKind::from_code(r.int16("kind")?)?,
                    filename: r.text("filename")?,
                    size: r.int("size")?,
                    mtime_ns: r.int("mtime_ns")?,
                    checksum: r.text("checksum")?,
                    verified_at: r.ts("verified_at")?,
                })
            })
            .collect()
    }

    /// Forgets the records of `forget` and then writes `records` (replacing any with the
    /// same document and kind), in one nested transaction.
    pub async fn update_sanity_file_records(
        &mut self,
        forget: &[(Id, FileKind)],
        records: &[FileRecord],
    ) -> Result<()> {
        let mut tx = self.nested().await?;
        let keys: Vec<(Id, FileKind)> = forget
            .iter()
            .copied()
            .chain(records.iter().map(|r| (r.document_id, r.kind)))
            .collect();
        for kind in [FileKind::Original, FileKind::Archive] {
            let ids: Vec<Id> = keys
                .iter()
                .filter(|(_, k)| *k == kind)
                .map(|(id, _)| *id)
                .collect();
            for chunk in ids.chunks(CHUNK) {
                let q = tx.query(&format!(
                    "DELETE FROM sanity_file_records WHERE kind = ? AND document_id IN ({})",
                    marks(chunk.len())
                ));
                let q = chunk.iter().fold(q.bind(kind.code()), |q, id| q.bind(*id));
                tx.execute(q).await?;
            }
        }
        for chunk in records.chunks(CHUNK) {
            let values = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let q = tx.query(&format!(
                "INSERT INTO sanity_file_records (document_id, kind, filename, size, mtime_ns, \
                 checksum, verified_at) VALUES {values}"
            ));
            let q = chunk.iter().fold(q, |q, r| {
                q.bind(r.document_id)
                    .bind(r.kind.code())
                    .bind(r.filename.clone())
                    .bind(r.size)
                    .bind(r.mtime_ns)
                    .bind(r.checksum.clone())
                    .bind(ts(r.verified_at))
            });
            tx.execute(q).await?;
        }
        tx.commit().await
    }

    /// Records a finished sanity check.
    pub async fn insert_sanity_run(&mut self, run: &SanityRun) -> Result<()> {
        let q = self
            .query(
                "INSERT INTO sanity_runs (started_at, finished_at, full_check, files_hashed, \
                 bytes_hashed, errors, warnings) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(ts(run.started_at))
            .bind(ts(run.finished_at))
            .bind(flag(run.full_check))
            .bind(run.files_hashed)
            .bind(run.bytes_hashed)
            .bind(run.errors)
            .bind(run.warnings);
        self.execute(q).await?;
        Ok(())
    }

    /// Every recorded sanity check, oldest first.
    pub async fn sanity_runs(&mut self) -> Result<Vec<SanityRun>> {
        let q = self.query(
            "SELECT started_at, finished_at, full_check, files_hashed, bytes_hashed, errors, \
             warnings FROM sanity_runs ORDER BY started_at, id",
        );
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(SanityRun {
                    started_at: r.ts("started_at")?,
                    finished_at: r.ts("finished_at")?,
                    full_check: r.flag("full_check")?,
                    files_hashed: r.int("files_hashed")?,
                    bytes_hashed: r.int("bytes_hashed")?,
                    errors: r.int("errors")?,
                    warnings: r.int("warnings")?,
                })
            })
            .collect()
    }

    /// When the newest full sanity check started.
    pub async fn last_full_sanity_check(&mut self) -> Result<Option<Timestamp>> {
        let q = self.query(
            "SELECT started_at FROM sanity_runs WHERE full_check = 1 \
             ORDER BY started_at DESC, id DESC",
        );
        match self.fetch_optional(q).await? {
            Some(r) => Ok(Some(r.ts("started_at")?)),
            None => Ok(None),
        }
    }

    /// Announces file moves; returns the entries as stored.
    pub async fn insert_rename_journal(
        &mut self,
        document_id: Id,
        moves: &[(FileKind, String, String)],
        at: Timestamp,
    ) -> Result<Vec<JournalEntry>> {
        let mut tx = self.nested().await?;
        let mut entries = Vec::with_capacity(moves.len());
        for (kind, from, to) in moves {
            let q = tx
                .query(
                    "INSERT INTO rename_journal (document_id, kind, from_name, to_name, \
                     created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(document_id)
                .bind(kind.code())
                .bind(from.clone())
                .bind(to.clone())
                .bind(ts(at));
            let id = tx.fetch_one(q).await?.int("id")?;
            entries.push(JournalEntry {
                id,
                document_id,
                kind: *kind,
                from_name: from.clone(),
                to_name: to.clone(),
                created_at: at,
            });
        }
        tx.commit().await?;
        Ok(entries)
    }

    /// Every journal entry, oldest first.
    pub async fn rename_journal(&mut self) -> Result<Vec<JournalEntry>> {
        let q = self.query(
            "SELECT id, document_id, kind, from_name, to_name, created_at FROM rename_journal \
             ORDER BY id",
        );
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(JournalEntry {
                    id: r.int("id")?,
                    document_id: r.int("document_id")?,
                    kind: FileKind::from_code(r.int16("kind")?)?,
                    from_name: r.text("from_name")?,
                    to_name: r.text("to_name")?,
                    created_at: r.ts("created_at")?,
                })
            })
            .collect()
    }

    /// Removes a document's journal entries.
    pub async fn delete_rename_journal(&mut self, document_id: Id) -> Result<()> {
        let q = self
            .query("DELETE FROM rename_journal WHERE document_id = ?")
            .bind(document_id);
        self.execute(q).await?;
        Ok(())
    }
}
