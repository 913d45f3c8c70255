//! Notes on documents.

use std::collections::HashMap;
use std::ops::DerefMut;

use pd_core::{Id, Note};
use sqlx::AnyConnection;

use super::Conn;
use super::sql::{RowExt, ts};
use crate::Result;

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    /// Adds a note to a document, written now by `user`.
    pub async fn add_note(&mut self, document: Id, text: &str, user: Option<Id>) -> Result<Note> {
        self.require("documents", "document", document).await?;
        let created = pd_core::now();
        let q = self
            .query(
                "INSERT INTO notes (document_id, note, created, user_id) VALUES (?, ?, ?, ?) \
                 RETURNING id",
            )
            .bind(document)
            .bind(text.to_owned())
            .bind(ts(created))
            .bind(user);
        let id = self.fetch_one(q).await?.int("id")?;
        Ok(Note {
            id,
            document,
            note: text.to_owned(),
            created,
            user,
            deleted_at: None,
        })
    }

    /// A document's notes, oldest first, soft-deleted ones included.
    pub async fn notes(&mut self, document: Id) -> Result<Vec<Note>> {
        let q = self
            .query(
                "SELECT id, document_id, note, created, user_id, deleted_at FROM notes \
                 WHERE document_id = ? ORDER BY created, id",
            )
            .bind(document);
        self.fetch_all(q).await?.iter().map(note_from_row).collect()
    }

    /// Every document's notes, soft-deleted ones included, each document's in the order
    /// [`Conn::notes`] gives: one query instead of one per document.
    pub async fn notes_by_document(&mut self) -> Result<HashMap<Id, Vec<Note>>> {
        let q = self.query(
            "SELECT id, document_id, note, created, user_id, deleted_at FROM notes \
             ORDER BY document_id, created, id",
        );
        let mut out: HashMap<Id, Vec<Note>> = HashMap::new();
        for r in self.fetch_all(q).await? {
            let note = note_from_row(&r)?;
            out.entry(note.document).or_default().push(note);
        }
        Ok(out)
    }
}

fn note_from_row(r: &sqlx::any::AnyRow) -> Result<Note> {
    Ok(Note {
        id: r.int("id")?,
        document: r.int("document_id")?,
        note: r.text("note")?,
        created: r.ts("created")?,
        user: r.opt_int("user_id")?,
        deleted_at: r.opt_ts("deleted_at")?,
    })
}
