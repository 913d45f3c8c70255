//! What the index holds of a document, read from the store (the source of truth), and
//! the library fingerprint that tells whether an index still matches its database.

use std::collections::{HashMap, HashSet};

use pd_core::{CustomField, CustomFieldValue, Date, Document, Id, Timestamp};
use pd_store::Store;
use pd_store::db::DocumentFilter;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};

use crate::Result;

/// One document as the index sees it: its own fields plus the names of what it is
/// filed under, its notes and its custom field values.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedDocument {
    pub id: Id,
    pub title: String,
    pub content: String,
    pub checksum: String,
    /// Related objects as (id, name).
    pub correspondent: Option<(Id, String)>,
    pub document_type: Option<(Id, String)>,
    pub storage_path: Option<(Id, String)>,
    pub tags: Vec<(Id, String)>,
    pub owner: Option<Id>,
    /// Texts of the notes that are not deleted.
    pub notes: Vec<String>,
    /// (field name, display value) of every custom field with a value.
    pub custom_fields: Vec<(String, String)>,
    pub asn: Option<i64>,
    pub created: Date,
    pub added: Timestamp,
    pub modified: Timestamp,
    pub page_count: Option<i32>,
    pub mime_type: String,
    pub original_filename: Option<String>,
}

impl IndexedDocument {
    /// A document with no related objects, notes or custom fields.
    pub fn bare(doc: &Document) -> IndexedDocument {
        IndexedDocument {
            id: doc.id,
            title: doc.title.clone(),
            content: doc.content.clone(),
            checksum: doc.checksum.clone(),
            correspondent: None,
            document_type: None,
            storage_path: None,
            tags: Vec::new(),
            owner: doc.owner,
            notes: Vec::new(),
            custom_fields: Vec::new(),
            asn: doc.archive_serial_number,
            created: doc.created,
            added: doc.added,
            modified: doc.modified,
            page_count: doc.page_count,
            mime_type: doc.mime_type.clone(),
            original_filename: doc.original_filename.clone(),
        }
    }
}

/// The names of the library's objects, loaded once per batch of documents.
struct Names {
    correspondents: HashMap<Id, String>,
    document_types: HashMap<Id, String>,
    storage_paths: HashMap<Id, String>,
    tags: HashMap<Id, String>,
    custom_fields: HashMap<Id, CustomField>,
}

impl Names {
    async fn load(store: &Store) -> Result<Names> {
        let mut conn = store.db().conn().await?;
        Ok(Names {
            correspondents: conn
                .correspondents()
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect(),
            document_types: conn
                .document_types()
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect(),
            storage_paths: conn
                .storage_paths()
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect(),
            tags: conn
                .tags()
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect(),
            custom_fields: conn
                .custom_fields()
                .await?
                .into_iter()
                .map(|f| (f.id, f))
                .collect(),
        })
    }

    fn named(map: &HashMap<Id, String>, id: Option<Id>) -> Option<(Id, String)> {
        let id = id?;
        Some((id, map.get(&id).cloned().unwrap_or_default()))
    }
}

/// The display value paperless-ngx indexes for a custom field (a select's label).
fn display_value(field: Option<&CustomField>, value: &CustomFieldValue) -> String {
    match value {
        CustomFieldValue::String(s)
        | CustomFieldValue::Url(s)
        | CustomFieldValue::Monetary(s)
        | CustomFieldValue::LongText(s) => s.clone(),
        CustomFieldValue::Date(d) => d.to_string(),
        CustomFieldValue::Boolean(b) => b.to_string(),
        CustomFieldValue::Integer(i) => i.to_string(),
        CustomFieldValue::Float(f) => f.to_string(),
        CustomFieldValue::DocumentLink(ids) => {
            ids.iter().map(Id::to_string).collect::<Vec<_>>().join(" ")
        }
        CustomFieldValue::Select(option) => field
            .and_then(|f| f.select_label(option))
            .unwrap_or(option)
            .to_owned(),
    }
}

/// Document ids (not in the trash) with notes or custom field values, among `ids`.
async fn ids_with(store: &Store, table: &str, ids: &[Id]) -> Result<HashSet<Id>> {
    let (Some(lo), Some(hi)) = (ids.iter().min(), ids.iter().max()) else {
        return Ok(HashSet::new());
    };
    // Only integers are formatted into the statement; no placeholder dialects needed.
    let sql =
        format!("SELECT DISTINCT document_id FROM {table} WHERE document_id BETWEEN {lo} AND {hi}");
    let mut conn = store.db().conn().await?;
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(conn.connection())
        .await
        .map_err(pd_store::Error::from)?;
    let mut found = HashSet::new();
    for row in rows {
        found.insert(row.try_get::<i64, _>(0).map_err(pd_store::Error::from)?);
    }
    Ok(found)
}

/// The documents with these ids that are not in the trash, in index form, in id order.
/// Reads related names once and notes and custom fields only for documents that have any.
pub async fn load_documents(store: &Store, ids: &[Id]) -> Result<Vec<IndexedDocument>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let names = Names::load(store).await?;
    let docs = store
        .db()
        .conn()
        .await?
        .documents(&DocumentFilter {
            ids: Some(ids.to_vec()),
            ..DocumentFilter::default()
        })
        .await?;
    let with_notes = ids_with(store, "notes", ids).await?;
    let with_fields = ids_with(store, "custom_field_instances", ids).await?;
    let mut conn = store.db().conn().await?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in &docs {
        let mut d = IndexedDocument::bare(doc);
        d.correspondent = Names::named(&names.correspondents, doc.correspondent);
        d.document_type = Names::named(&names.document_types, doc.document_type);
        d.storage_path = Names::named(&names.storage_paths, doc.storage_path);
        d.tags = doc
            .tags
            .iter()
            .map(|t| (*t, names.tags.get(t).cloned().unwrap_or_default()))
            .collect();
        if with_notes.contains(&doc.id) {
            d.notes = conn
                .notes(doc.id)
                .await?
                .into_iter()
                .filter(|n| n.deleted_at.is_none())
                .map(|n| n.note)
                .collect();
        }
        if with_fields.contains(&doc.id) {
            for instance in conn.custom_field_instances(doc.id).await? {
                let (Some(value), None) = (&instance.value, instance.deleted_at) else {
                    continue;
                };
                let field = names.custom_fields.get(&instance.field);
                let name = field.map(|f| f.name.clone()).unwrap_or_default();
                d.custom_fields.push((name, display_value(field, value)));
            }
        }
        out.push(d);
    }
    Ok(out)
}

/// Ids of the documents not in the trash above `after`, ascending, at most `limit`.
pub async fn document_ids_after(store: &Store, after: Id, limit: usize) -> Result<Vec<Id>> {
    let sql = format!(
        "SELECT id FROM documents WHERE deleted_at IS NULL AND id > {after} ORDER BY id LIMIT {limit}"
    );
    let mut conn = store.db().conn().await?;
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(conn.connection())
        .await
        .map_err(pd_store::Error::from)?;
    rows.iter()
        .map(|r| Ok(r.try_get::<i64, _>(0).map_err(pd_store::Error::from)?))
        .collect()
}

/// A summary of everything the index mirrors. Any change the index did not see — a
/// document added, edited, trashed; a note, a custom field value, a tag link, an
/// object renamed — changes it, so a stale index is detected rather than trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryFingerprint {
    /// Aggregates of the documents not in the trash.
    pub documents: String,
    /// Aggregates of tag links, notes and custom field values.
    pub links: String,
    /// FNV-1a hash of every object's id and name.
    pub names: u64,
}

/// Aggregates over the tables the index mirrors; `{int}` is the backend's 64-bit
/// integer type, as SUM yields a decimal on PostgreSQL and MariaDB.
const FINGERPRINT_QUERIES: [&str; 5] = [
    "SELECT COUNT(*), CAST(COALESCE(SUM(id), 0) AS {int}), COALESCE(MAX(modified), ''), \
     CAST(COALESCE(SUM(COALESCE(correspondent_id, 0) + 3 * COALESCE(document_type_id, 0) \
     + 7 * COALESCE(storage_path_id, 0) + 11 * COALESCE(owner_id, 0) \
     + 13 * COALESCE(archive_serial_number, 0)), 0) AS {int}) \
     FROM documents WHERE deleted_at IS NULL",
    "SELECT COUNT(*), CAST(COALESCE(SUM(document_id * 7 + tag_id), 0) AS {int}), '', \
     COUNT(*) FROM document_tags",
    "SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(MAX(deleted_at), ''), \
     CAST(COALESCE(SUM(CASE WHEN deleted_at IS NULL THEN 1 ELSE 0 END), 0) AS {int}) FROM notes",
    "SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(MAX(deleted_at), ''), \
     CAST(COALESCE(SUM(CASE WHEN deleted_at IS NULL THEN 1 ELSE 0 END), 0) AS {int}) \
     FROM custom_field_instances",
    "SELECT COUNT(*), COALESCE(MAX(id), 0), '', COUNT(*) FROM custom_fields",
];

fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x100_0000_01b3);
    }
}

impl LibraryFingerprint {
    /// Computes the fingerprint: a few aggregate queries and the object names.
    pub async fn of(store: &Store) -> Result<LibraryFingerprint> {
        let mut parts = Vec::new();
        {
            let mut conn = store.db().conn().await?;
            let int = match store.db().backend() {
                pd_store::db::Backend::MySql => "SIGNED",
                _ => "BIGINT",
            };
            for sql in FINGERPRINT_QUERIES {
                let sql = sql.replace("{int}", int);
                let row = sqlx::query(AssertSqlSafe(sql))
                    .fetch_one(conn.connection())
                    .await
                    .map_err(pd_store::Error::from)?;
                let count: i64 = row.try_get(0).map_err(pd_store::Error::from)?;
                let sum: i64 = row.try_get(1).map_err(pd_store::Error::from)?;
                let text: String = row.try_get(2).map_err(pd_store::Error::from)?;
                let extra: i64 = row.try_get(3).map_err(pd_store::Error::from)?;
                parts.push(format!("{count}/{sum}/{text}/{extra}"));
            }
        }
        let names = Names::load(store).await?;
        let mut hash = 0xcbf2_9ce4_8422_2325_u64;
        for (kind, map) in [
            ("c", &names.correspondents),
            ("t", &names.document_types),
            ("s", &names.storage_paths),
            ("g", &names.tags),
        ] {
            let mut sorted: Vec<_> = map.iter().collect();
            sorted.sort();
            for (id, name) in sorted {
                fnv(&mut hash, format!("{kind}{id}={name}\n").as_bytes());
            }
        }
        let mut fields: Vec<_> = names.custom_fields.values().collect();
        fields.sort_by_key(|f| f.id);
        for f in fields {
            let extra = f
                .extra_data
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default();
            fnv(
                &mut hash,
                format!("f{}={}{extra}\n", f.id, f.name).as_bytes(),
            );
        }
        let links = parts.split_off(1).join(";");
        Ok(LibraryFingerprint {
            documents: parts.join(";"),
            links,
            names: hash,
        })
    }
}
