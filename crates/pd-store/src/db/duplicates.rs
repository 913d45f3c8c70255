//! Pairs of documents recorded as "not a duplicate", which `pd duplicates` leaves out.

use std::ops::DerefMut;

use pd_core::Id;
use sqlx::AnyConnection;

use super::Conn;
use super::sql::{RowExt, ts};
use crate::{Error, Result};

/// A pair stored once, lower id first.
fn ordered(a: Id, b: Id) -> Result<(Id, Id)> {
    if a == b {
        return Err(Error::Invalid(format!(
            "a document cannot be a duplicate of itself ({a})"
        )));
    }
    Ok((a.min(b), a.max(b)))
}

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    /// Records that documents `a` and `b` (either order) are not duplicates. Returns
    /// `false` when that was already recorded.
    pub async fn ignore_duplicate_pair(&mut self, a: Id, b: Id) -> Result<bool> {
        let (a, b) = ordered(a, b)?;
        self.require("documents", "document", a).await?;
        self.require("documents", "document", b).await?;
        if self.duplicate_pair_ignored(a, b).await? {
            return Ok(false);
        }
        let q = self
            .query(
                "INSERT INTO duplicate_ignores (document_a_id, document_b_id, created_at) \
                 VALUES (?, ?, ?)",
            )
            .bind(a)
            .bind(b)
            .bind(ts(pd_core::now()));
        self.execute(q).await?;
        Ok(true)
    }

    /// Forgets that `a` and `b` are not duplicates. Returns `false` when it was not
    /// recorded.
    pub async fn unignore_duplicate_pair(&mut self, a: Id, b: Id) -> Result<bool> {
        let (a, b) = ordered(a, b)?;
        let q = self
            .query("DELETE FROM duplicate_ignores WHERE document_a_id = ? AND document_b_id = ?")
            .bind(a)
            .bind(b);
        Ok(self.execute(q).await? > 0)
    }

    /// Whether `a` and `b` (either order) are recorded as not duplicates.
    pub async fn duplicate_pair_ignored(&mut self, a: Id, b: Id) -> Result<bool> {
        let (a, b) = ordered(a, b)?;
        let q = self
            .query(
                "SELECT document_a_id FROM duplicate_ignores \
                 WHERE document_a_id = ? AND document_b_id = ?",
            )
            .bind(a)
            .bind(b);
        Ok(self.fetch_optional(q).await?.is_some())
    }

    /// Every pair recorded as not duplicates, `(lower id, higher id)`, sorted.
    pub async fn duplicate_ignores(&mut self) -> Result<Vec<(Id, Id)>> {
        let q = self.query(
            "SELECT document_a_id, document_b_id FROM duplicate_ignores \
             ORDER BY document_a_id, document_b_id",
        );
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| Ok((r.int("document_a_id")?, r.int("document_b_id")?)))
            .collect()
    }
}
