//! Documents: insert, read (with tags, without a query per document), update, and the
//! trash (soft delete with a transaction id, restore, hard delete).

use std::collections::HashMap;
use std::ops::DerefMut;

use pd_core::{Document, Id, NewDocument, StorageType, Timestamp};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::sql::{RowExt, conflict_on_unique, date, marks, opt_ts, ts};
use super::{Conn, Query, check_len};
use crate::{Error, Result};

/// paperless-ngx's limit on titles.
const MAX_TITLE_CHARS: usize = 128;
/// Ids per `IN (…)` list, well below every backend's limit on bound values.
const CHUNK: usize = 500;

const COLUMNS: &str = "d.id, d.title, d.content, d.created, d.added, d.modified, d.mime_type, \
     d.original_filename, d.filename, d.archive_filename, d.checksum, d.archive_checksum, \
     d.page_count, d.archive_serial_number, d.correspondent_id, d.document_type_id, \
     d.storage_path_id, d.owner_id, d.deleted_at, d.restored_at, d.transaction_id, \
     d.root_document_id, d.version_index, d.version_label, d.storage_type";

/// Which documents [`Conn::documents`] returns with respect to the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrashFilter {
    /// Only documents not in the trash (the default).
    #[default]
    Exclude,
    /// Only documents in the trash.
    Only,
    /// Both.
    Include,
}

/// Which documents [`Conn::documents`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocumentFilter {
    pub trash: TrashFilter,
    /// Only these ids (missing ones are skipped).
    pub ids: Option<Vec<Id>>,
}

/// The `WHERE` condition on `documents d` that `trash` selects.
fn trash_sql(trash: TrashFilter) -> &'static str {
    match trash {
        TrashFilter::Exclude => "d.deleted_at IS NULL",
        TrashFilter::Only => "d.deleted_at IS NOT NULL",
        TrashFilter::Include => "1 = 1",
    }
}

impl DocumentFilter {
    /// Every document not in the trash.
    pub fn all() -> DocumentFilter {
        DocumentFilter::default()
    }
}

/// A bound value of a `WHERE` clause, kept so it can be bound to two queries.
#[derive(Clone)]
enum Param {
    Int(i64),
    Text(String),
}

fn bind_all(mut q: Query, params: &[Param]) -> Query {
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.clone()),
        };
    }
    q
}

pub(super) fn document_from_row(r: &AnyRow) -> Result<Document> {
    Ok(Document {
        id: r.int("id")?,
        title: r.text("title")?,
        content: r.text("content")?,
        created: r.date("created")?,
        added: r.ts("added")?,
        modified: r.ts("modified")?,
        mime_type: r.text("mime_type")?,
        original_filename: r.opt_text("original_filename")?,
        filename: r.opt_text("filename")?,
        archive_filename: r.opt_text("archive_filename")?,
        checksum: r.text("checksum")?,
        archive_checksum: r.opt_text("archive_checksum")?,
        page_count: r.opt_int32("page_count")?,
        archive_serial_number: r.opt_int("archive_serial_number")?,
        correspondent: r.opt_int("correspondent_id")?,
        document_type: r.opt_int("document_type_id")?,
        storage_path: r.opt_int("storage_path_id")?,
        owner: r.opt_int("owner_id")?,
        tags: Vec::new(),
        deleted_at: r.opt_ts("deleted_at")?,
        restored_at: r.opt_ts("restored_at")?,
        transaction_id: r.opt_text("transaction_id")?,
        root_document: r.opt_int("root_document_id")?,
        version_index: r.opt_int32("version_index")?,
        version_label: r.opt_text("version_label")?,
        storage_type: storage_type(&r.text("storage_type")?)?,
    })
}

fn storage_type(name: &str) -> Result<StorageType> {
    StorageType::parse(name).ok_or_else(|| {
        Error::Invalid(format!(
            "unknown storage type {name:?} in column storage_type (expected \"unencrypted\" or \"gpg\")"
        ))
    })
}

fn check_asn(asn: Option<i64>) -> Result<()> {
    match asn {
        Some(n) if !(0..=Document::MAX_ASN).contains(&n) => Err(Error::Invalid(format!(
            "archive serial number {n} is outside 0 to {}",
            Document::MAX_ASN
        ))),
        _ => Ok(()),
    }
}

fn asn_taken(asn: i64) -> Error {
    Error::Conflict(format!("archive serial number {asn} is already in use"))
}

fn file_taken() -> Error {
    Error::Conflict("that file name is already used by another document".into())
}

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    /// Documents matching `where_sql` (on alias `d`), ordered by id, with their tags.
    async fn load_documents(&mut self, where_sql: &str, params: &[Param]) -> Result<Vec<Document>> {
        let q = self.query(&format!(
            "SELECT {COLUMNS} FROM documents d WHERE {where_sql} ORDER BY d.id"
        ));
        let rows = self.fetch_all(bind_all(q, params)).await?;
        let mut docs = rows
            .iter()
            .map(document_from_row)
            .collect::<Result<Vec<_>>>()?;
        if docs.is_empty() {
            return Ok(docs);
        }
        let q = self.query(&format!(
            "SELECT dt.document_id, dt.tag_id FROM document_tags dt \
             JOIN documents d ON d.id = dt.document_id WHERE {where_sql} \
             ORDER BY dt.document_id, dt.tag_id"
        ));
        let mut tags: HashMap<Id, Vec<Id>> = HashMap::new();
        for r in self.fetch_all(bind_all(q, params)).await? {
            tags.entry(r.int("document_id")?)
                .or_default()
                .push(r.int("tag_id")?);
        }
        for doc in &mut docs {
            doc.tags = tags.remove(&doc.id).unwrap_or_default();
        }
        Ok(docs)
    }

    /// Adds a document with its tags; `modified` is set to `added`. Returns its id.
    pub async fn insert_document(&mut self, doc: &NewDocument) -> Result<Id> {
        check_len("the title", &doc.title, MAX_TITLE_CHARS)?;
        check_asn(doc.archive_serial_number)?;
        let mut tx = self.nested().await?;
        if let Some(asn) = doc.archive_serial_number {
            tx.check_asn_free(asn, None).await?;
        }
        tx.check_tags_exist(&doc.tags).await?;
        let added = ts(doc.added);
        let q = tx
            .query(
                "INSERT INTO documents (title, content, created, added, modified, mime_type, \
                 original_filename, checksum, archive_checksum, page_count, \
                 archive_serial_number, correspondent_id, document_type_id, storage_path_id, \
                 owner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(doc.title.clone())
            .bind(doc.content.clone())
            .bind(date(doc.created))
            .bind(added.clone())
            .bind(added)
            .bind(doc.mime_type.clone())
            .bind(doc.original_filename.clone())
            .bind(doc.checksum.clone())
            .bind(doc.archive_checksum.clone())
            .bind(doc.page_count)
            .bind(doc.archive_serial_number)
            .bind(doc.correspondent)
            .bind(doc.document_type)
            .bind(doc.storage_path)
            .bind(doc.owner);
        let asn = doc.archive_serial_number.unwrap_or_default();
        let id = tx
            .fetch_one(q)
            .await
            .map_err(|e| conflict_on_unique(e, || asn_taken(asn)))?
            .int("id")?;
        tx.write_tags(id, &doc.tags).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn check_asn_free(&mut self, asn: i64, except: Option<Id>) -> Result<()> {
        let q = self
            .query(
                "SELECT id, deleted_at FROM documents WHERE archive_serial_number = ? AND id <> ?",
            )
            .bind(asn)
            .bind(except.unwrap_or(0));
        match self.fetch_optional(q).await? {
            None => Ok(()),
            Some(r) => {
                let trashed = if r.opt_text("deleted_at")?.is_some() {
                    " (it is in the trash)"
                } else {
                    ""
                };
                Err(Error::Conflict(format!(
                    "archive serial number {asn} is already used by document {}{trashed}",
                    r.int("id")?
                )))
            }
        }
    }

    async fn check_tags_exist(&mut self, tags: &[Id]) -> Result<()> {
        for chunk in tags.chunks(CHUNK) {
            let q = self.query(&format!(
                "SELECT id FROM tags WHERE id IN ({})",
                marks(chunk.len())
            ));
            let q = chunk.iter().fold(q, |q, id| q.bind(*id));
            let found = self
                .fetch_all(q)
                .await?
                .iter()
                .map(|r| r.int("id"))
                .collect::<Result<Vec<_>>>()?;
            if let Some(missing) = chunk.iter().find(|id| !found.contains(id)) {
                return Err(Error::not_found("tag", *missing));
            }
        }
        Ok(())
    }

    /// Replaces the document's tags.
    pub(super) async fn write_tags(&mut self, document: Id, tags: &[Id]) -> Result<()> {
        let q = self
            .query("DELETE FROM document_tags WHERE document_id = ?")
            .bind(document);
        self.execute(q).await?;
        let mut tags = tags.to_vec();
        tags.sort_unstable();
        tags.dedup();
        for tag in tags {
            let q = self
                .query("INSERT INTO document_tags (document_id, tag_id) VALUES (?, ?)")
                .bind(document)
                .bind(tag);
            self.execute(q).await?;
        }
        Ok(())
    }

    /// The document with this id, in the trash or not.
    pub async fn document(&mut self, id: Id) -> Result<Document> {
        self.load_documents("d.id = ?", &[Param::Int(id)])
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("document", id))
    }

    /// The ids of the documents `trash` selects, ascending, without loading them.
    pub async fn document_ids(&mut self, trash: TrashFilter) -> Result<Vec<Id>> {
        let q = self.query(&format!(
            "SELECT d.id FROM documents d WHERE {} ORDER BY d.id",
            trash_sql(trash)
        ));
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| r.int("id"))
            .collect()
    }

    /// Documents by id, with their tags (sorted ids).
    pub async fn documents(&mut self, filter: &DocumentFilter) -> Result<Vec<Document>> {
        let trash = trash_sql(filter.trash);
        let Some(ids) = &filter.ids else {
            return self.load_documents(trash, &[]).await;
        };
        let mut ids = ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let mut docs = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let where_sql = format!("{trash} AND d.id IN ({})", marks(chunk.len()));
            let params: Vec<Param> = chunk.iter().map(|id| Param::Int(*id)).collect();
            docs.extend(self.load_documents(&where_sql, &params).await?);
        }
        Ok(docs)
    }

    /// Documents whose original or archive has this checksum, trash included.
    pub async fn documents_by_checksum(&mut self, checksum: &str) -> Result<Vec<Document>> {
        let c = Param::Text(checksum.to_owned());
        self.load_documents(
            "(d.checksum = ? OR d.archive_checksum = ?)",
            &[c.clone(), c],
        )
        .await
    }

    /// The document with this archive serial number, trash included.
    pub async fn document_by_asn(&mut self, asn: i64) -> Result<Option<Document>> {
        Ok(self
            .load_documents("d.archive_serial_number = ?", &[Param::Int(asn)])
            .await?
            .pop())
    }

    /// Writes every field of the document except `id` and `added`, and replaces its tags.
    pub async fn update_document(&mut self, doc: &Document) -> Result<()> {
        check_len("the title", &doc.title, MAX_TITLE_CHARS)?;
        check_asn(doc.archive_serial_number)?;
        let mut tx = self.nested().await?;
        tx.require("documents", "document", doc.id).await?;
        if let Some(asn) = doc.archive_serial_number {
            tx.check_asn_free(asn, Some(doc.id)).await?;
        }
        tx.check_tags_exist(&doc.tags).await?;
        let q = tx
            .query(
                "UPDATE documents SET title = ?, content = ?, created = ?, modified = ?, \
                 mime_type = ?, original_filename = ?, filename = ?, archive_filename = ?, \
                 checksum = ?, archive_checksum = ?, page_count = ?, archive_serial_number = ?, \
                 correspondent_id = ?, document_type_id = ?, storage_path_id = ?, owner_id = ?, \
                 deleted_at = ?, restored_at = ?, transaction_id = ?, root_document_id = ?, \
                 version_index = ?, version_label = ?, storage_type = ? WHERE id = ?",
            )
            .bind(doc.title.clone())
            .bind(doc.content.clone())
            .bind(date(doc.created))
            .bind(ts(doc.modified))
            .bind(doc.mime_type.clone())
            .bind(doc.original_filename.clone())
            .bind(doc.filename.clone())
            .bind(doc.archive_filename.clone())
            .bind(doc.checksum.clone())
            .bind(doc.archive_checksum.clone())
            .bind(doc.page_count)
            .bind(doc.archive_serial_number)
            .bind(doc.correspondent)
            .bind(doc.document_type)
            .bind(doc.storage_path)
            .bind(doc.owner)
            .bind(opt_ts(doc.deleted_at))
            .bind(opt_ts(doc.restored_at))
            .bind(doc.transaction_id.clone())
            .bind(doc.root_document)
            .bind(doc.version_index)
            .bind(doc.version_label.clone())
            .bind(doc.storage_type.as_str())
            .bind(doc.id);
        tx.execute(q).await.map_err(|e| {
            conflict_on_unique(e, || {
                Error::Conflict(format!(
                    "document {}: its archive serial number, file name or version index \
                     is already in use",
                    doc.id
                ))
            })
        })?;
        tx.write_tags(doc.id, &doc.tags).await?;
        tx.commit().await
    }

    /// Records where the document's original and archive files are stored.
    pub async fn set_document_files(
        &mut self,
        id: Id,
        filename: Option<&str>,
        archive_filename: Option<&str>,
        modified: Timestamp,
    ) -> Result<()> {
        self.require("documents", "document", id).await?;
        let q = self
            .query(
                "UPDATE documents SET filename = ?, archive_filename = ?, modified = ? WHERE id = ?",
            )
            .bind(filename.map(str::to_owned))
            .bind(archive_filename.map(str::to_owned))
            .bind(ts(modified))
            .bind(id);
        self.execute(q)
            .await
            .map_err(|e| conflict_on_unique(e, file_taken))?;
        Ok(())
    }

    /// Records that a GnuPG-stored document is now stored in plain files: its storage
    /// type, its original's new name (`None` keeps the id-based default) and the SHA-256
    /// of the plain original, in one statement. Fails with [`Error::Conflict`] when the
    /// document is not stored encrypted any more (another run got there first) or the
    /// name is taken.
    pub async fn set_document_decrypted(
        &mut self,
        id: Id,
        filename: Option<&str>,
        checksum: &str,
        modified: Timestamp,
    ) -> Result<()> {
        self.require("documents", "document", id).await?;
        let q = self
            .query(
                "UPDATE documents SET storage_type = ?, filename = ?, checksum = ?, modified = ? \
                 WHERE id = ? AND storage_type = ?",
            )
            .bind(StorageType::Unencrypted.as_str())
            .bind(filename.map(str::to_owned))
            .bind(checksum.to_owned())
            .bind(ts(modified))
            .bind(id)
            .bind(StorageType::Gpg.as_str());
        let done = self
            .execute(q)
            .await
            .map_err(|e| conflict_on_unique(e, file_taken))?;
        if done == 0 {
            return Err(Error::Conflict(format!(
                "document {id} is not stored encrypted any more"
            )));
        }
        Ok(())
    }

    /// The document and its versions.
    async fn family(&mut self, id: Id) -> Result<Vec<Id>> {
        let q = self
            .query("SELECT id FROM documents WHERE id = ? OR root_document_id = ? ORDER BY id")
            .bind(id)
            .bind(id);
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| r.int("id"))
            .collect()
    }

    /// Moves a document to the trash: sets `deleted_at` and `transaction_id` on it, its
    /// versions, and their notes and custom field values (those not already deleted).
    pub async fn trash_document(
        &mut self,
        id: Id,
        at: Timestamp,
        transaction_id: &str,
    ) -> Result<()> {
        let doc = self.document(id).await?;
        if doc.is_trashed() {
            return Err(Error::Invalid(format!(
                "document {id} is already in the trash"
            )));
        }
        check_len("the transaction id", transaction_id, 36)?;
        let mut tx = self.nested().await?;
        for member in tx.family(id).await? {
            for table in ["documents", "notes", "custom_field_instances"] {
                let key = if table == "documents" {
                    "id"
                } else {
                    "document_id"
                };
                let q = tx
                    .query(&format!(
                        "UPDATE {table} SET deleted_at = ?, transaction_id = ? \
                         WHERE {key} = ? AND deleted_at IS NULL"
                    ))
                    .bind(ts(at))
                    .bind(transaction_id.to_owned())
                    .bind(member);
                tx.execute(q).await?;
            }
        }
        tx.commit().await
    }

    /// Takes a document out of the trash with everything trashed together with it (same
    /// transaction id), and sets its `restored_at`.
    pub async fn restore_document(&mut self, id: Id, at: Timestamp) -> Result<()> {
        let doc = self.document(id).await?;
        if !doc.is_trashed() {
            return Err(Error::Invalid(format!("document {id} is not in the trash")));
        }
        let mut tx = self.nested().await?;
        match &doc.transaction_id {
            Some(transaction) => {
                for member in tx.family(id).await? {
                    for table in ["documents", "notes", "custom_field_instances"] {
                        let key = if table == "documents" {
                            "id"
                        } else {
                            "document_id"
                        };
                        let q = tx
                            .query(&format!(
                                "UPDATE {table} SET deleted_at = NULL, restored_at = ? \
                                 WHERE {key} = ? AND transaction_id = ?"
                            ))
                            .bind(ts(at))
                            .bind(member)
                            .bind(transaction.clone());
                        tx.execute(q).await?;
                    }
                }
            }
            None => {
                let q = tx
                    .query("UPDATE documents SET deleted_at = NULL, restored_at = ? WHERE id = ?")
                    .bind(ts(at))
                    .bind(id);
                tx.execute(q).await?;
            }
        }
        let q = tx
            .query("UPDATE documents SET deleted_at = NULL, restored_at = ? WHERE id = ?")
            .bind(ts(at))
            .bind(id);
        tx.execute(q).await?;
        tx.commit().await
    }

    /// Deletes a document for good: its row, tags, notes, custom field values and
    /// versions. Files are the caller's business.
    pub async fn delete_document(&mut self, id: Id) -> Result<()> {
        self.require("documents", "document", id).await?;
        let mut tx = self.nested().await?;
        let mut family = tx.family(id).await?;
        // Versions first, then the root.
        family.retain(|m| *m != id);
        family.push(id);
        for member in family {
            for sql in [
                "DELETE FROM document_tags WHERE document_id = ?",
                "DELETE FROM notes WHERE document_id = ?",
                "DELETE FROM custom_field_instances WHERE document_id = ?",
                "DELETE FROM documents WHERE id = ?",
            ] {
                let q = tx.query(sql).bind(member);
                tx.execute(q).await?;
            }
        }
        tx.commit().await
    }
}
