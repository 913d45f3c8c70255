//! Correspondents, document types and storage paths, and the code the four matchable
//! kinds (those three and tags) share: one implementation over a table name, a kind
//! name and a row mapper.

use std::ops::DerefMut;

use pd_core::{Correspondent, DocumentType, Id, MatchRule, MatchingAlgorithm, StoragePath, Tag};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::sql::{RowExt, conflict_on_unique, flag};
use super::{Conn, Query, check_len};
use crate::{Error, Result};

/// paperless-ngx's limit on names.
const MAX_NAME_CHARS: usize = 128;

/// The columns every matchable table has.
const BASE_COLUMNS: &str = "id, name, match_pattern, matching_algorithm, is_insensitive, owner_id";

/// What the four matchable tables have in common.
pub(crate) struct Base {
    pub id: Id,
    pub name: String,
    pub matching: MatchRule,
    pub owner: Option<Id>,
}

/// A kind of object that carries a name, a [`MatchRule`] and an owner.
pub(crate) trait Matchable: Sized {
    const TABLE: &'static str;
    /// What an error calls one (`tag`, `document type`).
    const KIND: &'static str;
    /// Columns beyond [`BASE_COLUMNS`], bound by [`Matchable::bind_extra`] in this order.
    const EXTRA: &'static [&'static str];

    fn from_row(base: Base, row: &AnyRow) -> Result<Self>;
    fn base(&self) -> Base;
    fn bind_extra(&self, q: Query) -> Query;
}

fn base_from_row(row: &AnyRow, table: &str) -> Result<Base> {
    let code = row.int16("matching_algorithm")?;
    let algorithm = MatchingAlgorithm::from_code(code)
        .ok_or_else(|| Error::Invalid(format!("unknown matching algorithm {code} in {table}")))?;
    Ok(Base {
        id: row.int("id")?,
        name: row.text("name")?,
        matching: MatchRule {
            pattern: row.text("match_pattern")?,
            algorithm,
            is_insensitive: row.flag("is_insensitive")?,
        },
        owner: row.opt_int("owner_id")?,
    })
}

fn columns<T: Matchable>() -> String {
    let mut cols = BASE_COLUMNS.to_owned();
    for c in T::EXTRA {
        cols.push_str(", ");
        cols.push_str(c);
    }
    cols
}

fn name_taken<T: Matchable>(name: &str) -> Error {
    Error::Conflict(format!("a {} named \"{name}\" already exists", T::KIND))
}

macro_rules! plain_matchable {
    ($ty:ty, $table:literal, $kind:literal) => {
        impl Matchable for $ty {
            const TABLE: &'static str = $table;
            const KIND: &'static str = $kind;
            const EXTRA: &'static [&'static str] = &[];
            fn from_row(b: Base, _row: &AnyRow) -> Result<Self> {
                Ok(Self {
                    id: b.id,
                    name: b.name,
                    matching: b.matching,
                    owner: b.owner,
                })
            }
            fn base(&self) -> Base {
                Base {
                    id: self.id,
                    name: self.name.clone(),
                    matching: self.matching.clone(),
                    owner: self.owner,
                }
            }
            fn bind_extra(&self, q: Query) -> Query {
                q
            }
        }
    };
}

plain_matchable!(Correspondent, "correspondents", "correspondent");
plain_matchable!(DocumentType, "document_types", "document type");

impl Matchable for StoragePath {
    const TABLE: &'static str = "storage_paths";
    const KIND: &'static str = "storage path";
    const EXTRA: &'static [&'static str] = &["path"];
    fn from_row(b: Base, row: &AnyRow) -> Result<Self> {
        Ok(StoragePath {
            id: b.id,
            name: b.name,
            matching: b.matching,
            owner: b.owner,
            path: row.text("path")?,
        })
    }
    fn base(&self) -> Base {
        Base {
            id: self.id,
            name: self.name.clone(),
            matching: self.matching.clone(),
            owner: self.owner,
        }
    }
    fn bind_extra(&self, q: Query) -> Query {
        q.bind(self.path.clone())
    }
}

impl Matchable for Tag {
    const TABLE: &'static str = "tags";
    const KIND: &'static str = "tag";
    const EXTRA: &'static [&'static str] = &["color", "is_inbox_tag", "parent_id"];
    fn from_row(b: Base, row: &AnyRow) -> Result<Self> {
        Ok(Tag {
            id: b.id,
            name: b.name,
            matching: b.matching,
            owner: b.owner,
            color: row.text("color")?,
            is_inbox_tag: row.flag("is_inbox_tag")?,
            parent: row.opt_int("parent_id")?,
        })
    }
    fn base(&self) -> Base {
        Base {
            id: self.id,
            name: self.name.clone(),
            matching: self.matching.clone(),
            owner: self.owner,
        }
    }
    fn bind_extra(&self, q: Query) -> Query {
        q.bind(self.color.clone())
            .bind(flag(self.is_inbox_tag))
            .bind(self.parent)
    }
}

/// The shared implementation of the matchable kinds.
impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    async fn check_name_free<T: Matchable>(
        &mut self,
        name: &str,
        owner: Option<Id>,
        except: Option<Id>,
    ) -> Result<()> {
        if name.trim().is_empty() {
            return Err(Error::Invalid(format!("a {} needs a name", T::KIND)));
        }
        check_len(&format!("the {} name", T::KIND), name, MAX_NAME_CHARS)?;
        let q = self
            .query(&format!(
                "SELECT id FROM {} WHERE name = ? AND COALESCE(owner_id, 0) = ? AND id <> ?",
                T::TABLE
            ))
            .bind(name.to_owned())
            .bind(owner.unwrap_or(0))
            .bind(except.unwrap_or(0));
        match self.fetch_optional(q).await? {
            Some(_) => Err(name_taken::<T>(name)),
            None => Ok(()),
        }
    }

    /// Inserts `obj` (its id is ignored) and returns the new id.
    pub(crate) async fn object_insert<T: Matchable>(&mut self, obj: &T) -> Result<Id> {
        let b = obj.base();
        self.check_name_free::<T>(&b.name, b.owner, None).await?;
        let extra: String = T::EXTRA.iter().map(|c| format!(", {c}")).collect();
        let marks: String = T::EXTRA.iter().map(|_| ", ?").collect();
        let q = self.query(&format!(
            "INSERT INTO {} (name, match_pattern, matching_algorithm, is_insensitive, owner_id{extra}) \
             VALUES (?, ?, ?, ?, ?{marks}) RETURNING id",
            T::TABLE
        ));
        let q = obj.bind_extra(
            q.bind(b.name.clone())
                .bind(b.matching.pattern.clone())
                .bind(b.matching.algorithm.code())
                .bind(flag(b.matching.is_insensitive))
                .bind(b.owner),
        );
        let row = self
            .fetch_one(q)
            .await
            .map_err(|e| conflict_on_unique(e, || name_taken::<T>(&b.name)))?;
        row.int("id")
    }

    /// Every object of the kind, by name (then id).
    pub(crate) async fn object_all<T: Matchable>(&mut self) -> Result<Vec<T>> {
        let q = self.query(&format!(
            "SELECT {} FROM {} ORDER BY name, id",
            columns::<T>(),
            T::TABLE
        ));
        let rows = self.fetch_all(q).await?;
        rows.iter()
            .map(|r| T::from_row(base_from_row(r, T::TABLE)?, r))
            .collect()
    }

    pub(crate) async fn object_get<T: Matchable>(&mut self, id: Id) -> Result<T> {
        let q = self
            .query(&format!(
                "SELECT {} FROM {} WHERE id = ?",
                columns::<T>(),
                T::TABLE
            ))
            .bind(id);
        match self.fetch_optional(q).await? {
            Some(r) => T::from_row(base_from_row(&r, T::TABLE)?, &r),
            None => Err(Error::not_found(T::KIND, id)),
        }
    }

    /// The object with that name: the unowned one if there is one, else the oldest.
    pub(crate) async fn object_by_name<T: Matchable>(&mut self, name: &str) -> Result<Option<T>> {
        let q = self
            .query(&format!(
                "SELECT {} FROM {} WHERE name = ? \
                 ORDER BY CASE WHEN owner_id IS NULL THEN 0 ELSE 1 END, id",
                columns::<T>(),
                T::TABLE
            ))
            .bind(name.to_owned());
        match self.fetch_all(q).await?.first() {
            Some(r) => Ok(Some(T::from_row(base_from_row(r, T::TABLE)?, r)?)),
            None => Ok(None),
        }
    }

    /// Writes every field but the id.
    pub(crate) async fn object_update<T: Matchable>(&mut self, obj: &T) -> Result<()> {
        let b = obj.base();
        self.require(T::TABLE, T::KIND, b.id).await?;
        self.check_name_free::<T>(&b.name, b.owner, Some(b.id))
            .await?;
        let extra: String = T::EXTRA.iter().map(|c| format!(", {c} = ?")).collect();
        let q = self.query(&format!(
            "UPDATE {} SET name = ?, match_pattern = ?, matching_algorithm = ?, \
             is_insensitive = ?, owner_id = ?{extra} WHERE id = ?",
            T::TABLE
        ));
        let q = obj
            .bind_extra(
                q.bind(b.name.clone())
                    .bind(b.matching.pattern.clone())
                    .bind(b.matching.algorithm.code())
                    .bind(flag(b.matching.is_insensitive))
                    .bind(b.owner),
            )
            .bind(b.id);
        self.execute(q)
            .await
            .map_err(|e| conflict_on_unique(e, || name_taken::<T>(&b.name)))?;
        Ok(())
    }

    pub(crate) async fn object_delete<T: Matchable>(&mut self, id: Id) -> Result<()> {
        self.require(T::TABLE, T::KIND, id).await?;
        let q = self
            .query(&format!("DELETE FROM {} WHERE id = ?", T::TABLE))
            .bind(id);
        self.execute(q).await?;
        Ok(())
    }
}

/// Correspondents, document types and storage paths.
impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    /// Adds a correspondent. Names are unique per owner and among unowned ones.
    pub async fn insert_correspondent(
        &mut self,
        name: &str,
        matching: &MatchRule,
        owner: Option<Id>,
    ) -> Result<Correspondent> {
        let mut obj = Correspondent {
            id: 0,
            name: name.to_owned(),
            matching: matching.clone(),
            owner,
        };
        obj.id = self.object_insert(&obj).await?;
        Ok(obj)
    }

    /// Every correspondent, by name.
    pub async fn correspondents(&mut self) -> Result<Vec<Correspondent>> {
        self.object_all().await
    }

    /// The correspondent with this id.
    pub async fn correspondent(&mut self, id: Id) -> Result<Correspondent> {
        self.object_get(id).await
    }

    /// The correspondent with this name (the unowned one if several users have one).
    pub async fn correspondent_by_name(&mut self, name: &str) -> Result<Option<Correspondent>> {
        self.object_by_name(name).await
    }

    /// Writes every field of the correspondent but its id.
    pub async fn update_correspondent(&mut self, c: &Correspondent) -> Result<()> {
        self.object_update(c).await
    }

    /// Deletes a correspondent; its documents keep existing without one.
    pub async fn delete_correspondent(&mut self, id: Id) -> Result<()> {
        self.object_delete::<Correspondent>(id).await
    }

    /// Adds a document type. Names are unique per owner and among unowned ones.
    pub async fn insert_document_type(
        &mut self,
        name: &str,
        matching: &MatchRule,
        owner: Option<Id>,
    ) -> Result<DocumentType> {
        let mut obj = DocumentType {
            id: 0,
            name: name.to_owned(),
            matching: matching.clone(),
            owner,
        };
        obj.id = self.object_insert(&obj).await?;
        Ok(obj)
    }

    /// Every document type, by name.
    pub async fn document_types(&mut self) -> Result<Vec<DocumentType>> {
        self.object_all().await
    }

    /// The document type with this id.
    pub async fn document_type(&mut self, id: Id) -> Result<DocumentType> {
        self.object_get(id).await
    }

    /// The document type with this name (the unowned one if several users have one).
    pub async fn document_type_by_name(&mut self, name: &str) -> Result<Option<DocumentType>> {
        self.object_by_name(name).await
    }

    /// Writes every field of the document type but its id.
    pub async fn update_document_type(&mut self, t: &DocumentType) -> Result<()> {
        self.object_update(t).await
    }

    /// Deletes a document type; its documents keep existing without one.
    pub async fn delete_document_type(&mut self, id: Id) -> Result<()> {
        self.object_delete::<DocumentType>(id).await
    }

    /// Adds a storage path with its file name template `path`.
    pub async fn insert_storage_path(
        &mut self,
        name: &str,
        path: &str,
        matching: &MatchRule,
        owner: Option<Id>,
    ) -> Result<StoragePath> {
        let mut obj = StoragePath {
            id: 0,
            name: name.to_owned(),
            matching: matching.clone(),
            owner,
            path: path.to_owned(),
        };
        obj.id = self.object_insert(&obj).await?;
        Ok(obj)
    }

    /// Every storage path, by name.
    pub async fn storage_paths(&mut self) -> Result<Vec<StoragePath>> {
        self.object_all().await
    }

    /// The storage path with this id.
    pub async fn storage_path(&mut self, id: Id) -> Result<StoragePath> {
        self.object_get(id).await
    }

    /// The storage path with this name (the unowned one if several users have one).
    pub async fn storage_path_by_name(&mut self, name: &str) -> Result<Option<StoragePath>> {
        self.object_by_name(name).await
    }

    /// Writes every field of the storage path but its id.
    pub async fn update_storage_path(&mut self, p: &StoragePath) -> Result<()> {
        self.object_update(p).await
    }

    /// Deletes a storage path; its documents keep existing without one.
    pub async fn delete_storage_path(&mut self, id: Id) -> Result<()> {
        self.object_delete::<StoragePath>(id).await
    }
}
