//! `pd import --from-instance`: a paperless, paperless-ng or paperless-ngx installation
//! read in place — its database (a SQLite file, or a PostgreSQL / MariaDB URL) and its
//! media folder — for installations that cannot run their own exporter any more.
//!
//! The database is only read: SQLite is opened with `mode=ro`, servers inside a
//! read-only transaction that is rolled back. Tables have the names Django gave them
//! (`documents_document`, `documents_tag`, `documents_document_tags`, `auth_user`, …);
//! their columns changed over the versions (`colour` became `color`, owners, storage
//! paths, notes, custom fields, trash and versions came later, `storage_type` went away
//! in paperless-ngx 3), so the columns present are read and the rest take their
//! defaults. Every row becomes the manifest record an export would have held, and the
//! import then goes the way of `pd import`: everything checked before anything is
//! written, one transaction, files placed atomically, all or nothing.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use pd_core::{StorageType, mime_extension};
use pd_store::Store;
use pd_store::db::Backend;
use serde_json::{Map, Value, json};
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Row};

use crate::convert::ImportData;
use crate::import::{
    CHECK_BATCH, Documents, ImportOptions, ImportProgress, ImportReport, OnProgress,
    check_all_files, no_progress, write_import,
};
use crate::manifest::{Record, models};
use crate::source::SourceKind;
use crate::{Error, Result};

/// Where the installation is.
#[derive(Debug, Clone)]
pub struct InstanceSource {
    /// Its database: a SQLite file (path or `sqlite://` URL), or a `postgres://` /
    /// `mysql://` / `mariadb://` URL.
    pub database: String,
    /// Its media folder (`PAPERLESS_MEDIA_ROOT`, holding `documents/originals`, …).
    pub media: PathBuf,
}

/// Tag colours of paperless before paperless-ng 1.0, by their number (`colour`).
const OLD_TAG_COLOURS: [&str; 13] = [
    "#a6cee3", "#1f78b4", "#b2df8a", "#33a02c", "#fb9a99", "#e31a1c", "#fdbf6f", "#ff7f00",
    "#cab2d6", "#6a3d9a", "#b15928", "#000000", "#cccccc",
];

/// Imports an installation's documents, correspondents, tags, document types, storage
/// paths, custom fields, notes and users into the library, reading it and never
/// writing to it. GnuPG-stored documents stay encrypted (see [`crate::decrypt()`]).
pub async fn import_instance(
    store: &Store,
    source: &InstanceSource,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    import_instance_with(store, source, opts, &no_progress).await
}

/// [`import_instance`], telling `progress` how far it is (its checking phase counts
/// documents, not bytes).
pub async fn import_instance_with(
    store: &Store,
    source: &InstanceSource,
    opts: &ImportOptions,
    progress: OnProgress<'_>,
) -> Result<ImportReport> {
    let media = source.media.canonicalize().map_err(|e| {
        Error::io(
            "cannot open the installation's media folder",
            &source.media,
            e,
        )
    })?;
    if !media.join("documents").is_dir() {
        return Err(Error::Invalid(format!(
            "{} has no documents folder: give the installation's media folder \
             (PAPERLESS_MEDIA_ROOT)",
            media.display()
        )));
    }
    let mut data = read_instance(&source.database, &media).await?;
    let encrypted = data
        .documents
        .iter()
        .filter(|d| d.document.is_encrypted())
        .count();
    if encrypted > 0 {
        data.warnings.push(format!(
            "{encrypted} documents are stored GnuPG-encrypted: they stay so until \
             `pd decrypt` turns them into plain files (their checksums are verified then)"
        ));
    }
    let resolve = |name: &str| -> Result<PathBuf> {
        let path = pd_store::media::join_inside(&media, name)?;
        if path.is_file() {
            Ok(path)
        } else {
            Err(Error::Invalid(format!(
                "{} is missing from the installation's media folder",
                path.display()
            )))
        }
    };
    let total = data.documents.len() as u64;
    let mut files_verified = 0;
    let mut done = 0;
    for batch in data.documents.chunks_mut(CHECK_BATCH) {
        files_verified += check_all_files(batch, &resolve)?;
        done += batch.len() as u64;
        progress(ImportProgress::Checking { done, total });
    }
    let label = PathBuf::from(pd_core::redact_url(&source.database));
    write_import(
        store,
        data,
        Documents::Held { files_verified },
        &resolve,
        opts,
        (label, SourceKind::Instance, None),
        progress,
    )
    .await
}

/// A read-only connection to the installation's database.
struct Source {
    conn: AnyConnection,
    backend: Backend,
    tables: HashSet<String>,
}

fn sqlite_url(database: &str) -> Result<String> {
    let path = database
        .strip_prefix("sqlite://")
        .or_else(|| database.strip_prefix("sqlite:"))
        .unwrap_or(database);
    let path = path.split('?').next().unwrap_or(path);
    let path = Path::new(path)
        .canonicalize()
        .map_err(|e| Error::io("cannot open the installation's database", path, e))?;
    Ok(format!("sqlite://{}?mode=ro", path.display()))
}

impl Source {
    async fn open(database: &str) -> Result<Source> {
        sqlx::any::install_default_drivers();
        let is_url = database.contains("://");
        let backend = if is_url {
            Backend::from_url(database)?
        } else {
            Backend::Sqlite
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(database)?,
            Backend::Postgres => database.to_owned(),
            Backend::MySql => match database.split_once("://") {
                Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
                    format!("mysql://{rest}")
                }
                _ => database.to_owned(),
            },
        };
        let redacted = pd_core::redact_url(database);
        let mut conn = AnyConnection::connect(&url).await.map_err(|e| {
            Error::Invalid(format!(
                "cannot open the installation's database {redacted}: {e}"
            ))
        })?;
        let begin = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some("BEGIN READ ONLY"),
            Backend::MySql => Some("START TRANSACTION READ ONLY"),
        };
        if let Some(begin) = begin {
            sqlx::raw_sql(begin).execute(&mut conn).await.map_err(|e| {
                Error::Invalid(format!("cannot start a read-only transaction: {e}"))
            })?;
        }
        let mut source = Source {
            conn,
            backend,
            tables: HashSet::new(),
        };
        let sql = match backend {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema()"
            }
            Backend::MySql => {
                "SELECT CAST(table_name AS CHAR) AS name FROM information_schema.tables \
                 WHERE table_schema = DATABASE()"
            }
        };
        source.tables = source.strings(sql).await?.into_iter().collect();
        if !source.tables.contains("documents_document") {
            return Err(Error::Invalid(format!(
                "{redacted} is not a paperless database: it has no documents_document table"
            )));
        }
        Ok(source)
    }

    async fn strings(&mut self, sql: &str) -> Result<Vec<String>> {
        // The statements are built here from fixed table and column names.
        let rows = sqlx::query(AssertSqlSafe(sql.to_owned()))
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| query_error(sql, e))?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(|e| query_error(sql, e)))
            .collect()
    }

    fn has(&self, table: &str) -> bool {
        self.tables.contains(table)
    }

    async fn columns(&mut self, table: &str) -> Result<HashSet<String>> {
        let sql = match self.backend {
            Backend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}')"),
            Backend::Postgres => format!(
                "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = '{table}'"
            ),
            Backend::MySql => format!(
                "SELECT CAST(column_name AS CHAR) AS name FROM information_schema.columns \
                 WHERE table_schema = DATABASE() AND table_name = '{table}'"
            ),
        };
        Ok(self.strings(&sql).await?.into_iter().collect())
    }

    /// Every row of `table` (ordered by `order`), the `wanted` columns that exist, each
    /// as text or NULL, so that every backend's types read alike.
    async fn rows(&mut self, table: &str, wanted: &[&str], order: &str) -> Result<Vec<TextRow>> {
        let present = self.columns(table).await?;
        let cols: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|c| present.contains(*c))
            .collect();
        if cols.is_empty() {
            return Ok(Vec::new());
        }
        let quote = |c: &str| match self.backend {
            Backend::MySql => format!("`{c}`"),
            _ => format!("\"{c}\""),
        };
        let text = match self.backend {
            Backend::MySql => "CHAR",
            _ => "TEXT",
        };
        let select: Vec<String> = cols
            .iter()
            .map(|c| format!("CAST({} AS {text}) AS {}", quote(c), quote(c)))
            .collect();
        let sql = format!(
            "SELECT {} FROM {table} ORDER BY {}",
            select.join(", "),
            quote(order)
        );
        let rows = sqlx::query(AssertSqlSafe(sql.clone()))
            .fetch_all(&mut self.conn)
            .await
            .map_err(|e| query_error(&sql, e))?;
        rows.iter()
            .map(|r| {
                let mut values = HashMap::with_capacity(cols.len());
                for (i, c) in cols.iter().enumerate() {
                    let v: Option<String> = r.try_get(i).map_err(|e| query_error(&sql, e))?;
                    values.insert((*c).to_owned(), v);
                }
                Ok(TextRow {
                    table: table.to_owned(),
                    values,
                })
            })
            .collect()
    }

    async fn close(mut self) {
        if self.backend != Backend::Sqlite {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut self.conn).await;
        }
        let _ = self.conn.close().await;
    }
}

fn query_error(sql: &str, e: sqlx::Error) -> Error {
    Error::Invalid(format!(
        "cannot read the installation's database ({e}) in: {sql}"
    ))
}

/// One row, every column as text.
struct TextRow {
    table: String,
    values: HashMap<String, Option<String>>,
}

impl TextRow {
    fn has(&self, col: &str) -> bool {
        self.values.contains_key(col)
    }

    fn get(&self, col: &str) -> Option<&str> {
        self.values.get(col).and_then(|v| v.as_deref())
    }

    fn id(&self) -> Result<i64> {
        self.get("id")
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| Error::Invalid(format!("{}: a row without an integer id", self.table)))
    }

    fn bad(&self, col: &str, what: &str) -> Error {
        Error::Invalid(format!(
            "{} id={}: {col} is not {what}: {:?}",
            self.table,
            self.get("id").unwrap_or("?"),
            self.get(col).unwrap_or_default()
        ))
    }

    fn text(&self, col: &str) -> Value {
        self.get(col).map_or(Value::Null, |v| json!(v))
    }

    fn int(&self, col: &str) -> Result<Value> {
        match self.get(col) {
            None => Ok(Value::Null),
            Some(v) => {
                let v = v.trim();
                // MySQL and some casts give `3.0` for a number column.
                let n = v.parse::<i64>().ok().or_else(|| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|f| f.fract() == 0.0)
                        .map(|f| f as i64)
                });
                n.map(|n| json!(n))
                    .ok_or_else(|| self.bad(col, "an integer"))
            }
        }
    }

    fn float(&self, col: &str) -> Result<Value> {
        match self.get(col) {
            None => Ok(Value::Null),
            Some(v) => v
                .trim()
                .parse::<f64>()
                .map(|f| json!(f))
                .map_err(|_| self.bad(col, "a number")),
        }
    }

    fn boolean(&self, col: &str) -> Result<Value> {
        match self.get(col).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(Value::Null),
            Some(v) => match v.as_str() {
                "1" | "t" | "true" | "y" | "yes" => Ok(json!(true)),
                "0" | "f" | "false" | "n" | "no" => Ok(json!(false)),
                _ => Err(self.bad(col, "a boolean")),
            },
        }
    }

    fn timestamp(&self, col: &str) -> Value {
        self.get(col)
            .map_or(Value::Null, |v| json!(normalize_timestamp(v)))
    }

    fn json(&self, col: &str) -> Result<Value> {
        match self.get(col) {
            None => Ok(Value::Null),
            Some(v) => serde_json::from_str(v).map_err(|_| self.bad(col, "JSON")),
        }
    }
}

/// A database's time stamp text as ISO 8601: `2021-01-02 03:04:05.6+00` (PostgreSQL),
/// `2021-01-02 03:04:05.600000` (SQLite, MariaDB; UTC) → `2021-01-02T03:04:05.6+00:00`.
fn normalize_timestamp(v: &str) -> String {
    let mut s = v.trim().to_owned();
    if s.len() > 10 && s.as_bytes()[10] == b' ' {
        s.replace_range(10..11, "T");
    }
    // `+00` / `-05` without minutes.
    let tail = s.len().saturating_sub(3);
    if s.len() > 19
        && s.is_char_boundary(tail)
        && matches!(s.as_bytes()[tail], b'+' | b'-')
        && s[tail + 1..].bytes().all(|b| b.is_ascii_digit())
    {
        s.push_str(":00");
    }
    s
}

fn record(model: &str, pk: i64, fields: Map<String, Value>) -> Record {
    Record {
        model: model.to_owned(),
        pk: json!(pk),
        fields,
        exported_file_name: None,
        exported_thumbnail_name: None,
        exported_archive_name: None,
        exported_share_link_bundle_name: None,
    }
}

/// Puts `(name, value)` into the fields when the row has that column.
fn put(fields: &mut Map<String, Value>, row: &TextRow, name: &str, col: &str, value: Value) {
    if row.has(col) {
        fields.insert(name.to_owned(), value);
    }
}

const MATCHING: [&str; 6] = [
    "id",
    "name",
    "match",
    "matching_algorithm",
    "is_insensitive",
    "owner_id",
];

fn matching_fields(row: &TextRow) -> Result<Map<String, Value>> {
    let mut f = Map::new();
    f.insert("name".into(), row.text("name"));
    put(&mut f, row, "match", "match", row.text("match"));
    put(
        &mut f,
        row,
        "matching_algorithm",
        "matching_algorithm",
        row.int("matching_algorithm")?,
    );
    put(
        &mut f,
        row,
        "is_insensitive",
        "is_insensitive",
        row.boolean("is_insensitive")?,
    );
    put(&mut f, row, "owner", "owner_id", row.int("owner_id")?);
    // A NULL is read as "absent": the field takes its default.
    f.retain(|_, v| !v.is_null());
    Ok(f)
}

/// Reads every table pd imports into [`ImportData`], with the documents' files named
/// relative to the media folder.
async fn read_instance(database: &str, media: &Path) -> Result<ImportData> {
    let mut src = Source::open(database).await?;
    let result = read_tables(&mut src, media).await;
    src.close().await;
    result
}

async fn read_tables(src: &mut Source, media: &Path) -> Result<ImportData> {
    let mut data = ImportData::default();
    let mut warnings = Vec::new();

    if src.has("auth_user") {
        let cols = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "password",
            "is_superuser",
            "is_staff",
            "is_active",
            "date_joined",
        ];
        for row in src.rows("auth_user", &cols, "id").await? {
            let mut f = Map::new();
            for c in ["username", "first_name", "last_name", "email", "password"] {
                put(&mut f, &row, c, c, row.text(c));
            }
            for c in ["is_superuser", "is_staff", "is_active"] {
                put(&mut f, &row, c, c, row.boolean(c)?);
            }
            put(
                &mut f,
                &row,
                "date_joined",
                "date_joined",
                row.timestamp("date_joined"),
            );
            f.retain(|_, v| !v.is_null());
            data.add(record(models::USER, row.id()?, f))?;
        }
    }

    for (table, model) in [
        ("documents_correspondent", models::CORRESPONDENT),
        ("documents_documenttype", models::DOCUMENT_TYPE),
    ] {
        if src.has(table) {
            for row in src.rows(table, &MATCHING, "id").await? {
                data.add(record(model, row.id()?, matching_fields(&row)?))?;
            }
        }
    }
    if src.has("documents_storagepath") {
        let mut cols = MATCHING.to_vec();
        cols.push("path");
        for row in src.rows("documents_storagepath", &cols, "id").await? {
            let mut f = matching_fields(&row)?;
            put(&mut f, &row, "path", "path", row.text("path"));
            data.add(record(models::STORAGE_PATH, row.id()?, f))?;
        }
    }
    let mut cols = MATCHING.to_vec();
    cols.extend(["color", "colour", "is_inbox_tag", "tn_parent_id"]);
    for row in src.rows("documents_tag", &cols, "id").await? {
        let mut f = matching_fields(&row)?;
        if let Some(c) = row.get("color") {
            f.insert("color".into(), json!(c));
        } else if row.has("colour") {
            let n = row.int("colour")?.as_i64().unwrap_or(1);
            let colour = usize::try_from(n - 1)
                .ok()
                .and_then(|i| OLD_TAG_COLOURS.get(i))
                .unwrap_or(&OLD_TAG_COLOURS[0]);
            f.insert("color".into(), json!(colour));
        }
        put(
            &mut f,
            &row,
            "is_inbox_tag",
            "is_inbox_tag",
            row.boolean("is_inbox_tag")?,
        );
        put(
            &mut f,
            &row,
            "tn_parent",
            "tn_parent_id",
            row.int("tn_parent_id")?,
        );
        f.retain(|_, v| !v.is_null());
        data.add(record(models::TAG, row.id()?, f))?;
    }

    let mut select_ids: HashMap<i64, Vec<String>> = HashMap::new();
    if src.has("documents_customfield") {
        let cols = ["id", "name", "data_type", "extra_data", "created"];
        for row in src.rows("documents_customfield", &cols, "id").await? {
            let id = row.id()?;
            let mut f = Map::new();
            f.insert("name".into(), row.text("name"));
            f.insert("data_type".into(), row.text("data_type"));
            put(&mut f, &row, "created", "created", row.timestamp("created"));
            let mut extra = row.json("extra_data")?;
            // paperless-ngx 2 kept select options as a list of labels and the chosen
            // option as its index; later versions give each option an id.
            if let Some(options) = extra
                .get_mut("select_options")
                .and_then(Value::as_array_mut)
                && options.iter().all(Value::is_string)
            {
                let labels: Vec<String> = options
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                *options = labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| json!({"id": format!("opt{i}"), "label": l}))
                    .collect();
                select_ids.insert(id, (0..labels.len()).map(|i| format!("opt{i}")).collect());
            }
            if !extra.is_null() {
                f.insert("extra_data".into(), extra);
            }
            f.retain(|_, v| !v.is_null());
            data.add(record(models::CUSTOM_FIELD, id, f))?;
        }
    }

    let mut tags: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for row in src
        .rows(
            "documents_document_tags",
            &["id", "document_id", "tag_id"],
            "id",
        )
        .await?
    {
        let (Some(d), Some(t)) = (
            row.int("document_id")?.as_i64(),
            row.int("tag_id")?.as_i64(),
        ) else {
            continue;
        };
        tags.entry(d).or_default().push(t);
    }

    let cols = [
        "id",
        "title",
        "content",
        "created",
        "modified",
        "added",
        "mime_type",
        "file_type",
        "checksum",
        "archive_checksum",
        "storage_type",
        "filename",
        "archive_filename",
        "original_filename",
        "archive_serial_number",
        "correspondent_id",
        "document_type_id",
        "storage_path_id",
        "owner_id",
        "page_count",
        "deleted_at",
        "restored_at",
        "transaction_id",
        "root_document_id",
        "version_index",
        "version_label",
    ];
    for row in src.rows("documents_document", &cols, "id").await? {
        let id = row.id()?;
        let mut f = Map::new();
        for c in [
            "title",
            "content",
            "checksum",
            "archive_checksum",
            "filename",
            "archive_filename",
            "original_filename",
            "transaction_id",
            "version_label",
        ] {
            put(&mut f, &row, c, c, row.text(c));
        }
        for c in ["created", "modified", "added", "deleted_at", "restored_at"] {
            put(&mut f, &row, c, c, row.timestamp(c));
        }
        for (name, col) in [
            ("archive_serial_number", "archive_serial_number"),
            ("correspondent", "correspondent_id"),
            ("document_type", "document_type_id"),
            ("storage_path", "storage_path_id"),
            ("owner", "owner_id"),
            ("page_count", "page_count"),
            ("root_document", "root_document_id"),
            ("version_index", "version_index"),
        ] {
            put(&mut f, &row, name, col, row.int(col)?);
        }
        let mime = match row.get("mime_type") {
            Some(m) => m.to_owned(),
            None => legacy_mime(row.get("file_type").unwrap_or_default()),
        };
        f.insert("mime_type".into(), json!(mime));
        let storage = match row.get("storage_type") {
            None => StorageType::Unencrypted,
            Some(s) => StorageType::parse(s)
                .ok_or_else(|| row.bad("storage_type", "unencrypted or gpg"))?,
        };
        f.insert("storage_type".into(), json!(storage.as_str()));
        f.insert("tags".into(), json!(tags.remove(&id).unwrap_or_default()));
        f.retain(|_, v| !v.is_null());

        let original = match row.get("filename") {
            Some(name) => name.to_owned(),
            None => format!("{id:07}{}{}", mime_extension(&mime), storage.suffix()),
        };
        let mut r = record(models::DOCUMENT, id, f);
        r.exported_file_name = Some(format!("documents/originals/{original}"));
        let archive = match row.get("archive_filename") {
            Some(name) => Some(name.to_owned()),
            // paperless-ng 1.0 named archives by id.
            None if !row.has("archive_filename") && row.get("archive_checksum").is_some() => {
                Some(format!("{id:07}.pdf"))
            }
            None => None,
        };
        if let Some(name) = archive {
            let rel = format!("documents/archive/{name}");
            if media.join(&rel).is_file() {
                if !row.has("archive_filename") {
                    r.fields.insert("archive_filename".into(), json!(name));
                }
                r.exported_archive_name = Some(rel);
            } else {
                warnings.push(format!(
                    "document {id}: its archive file {rel} is missing; imported without one"
                ));
                r.fields.remove("archive_checksum");
                r.fields.remove("archive_filename");
            }
        }
        let thumb = format!("documents/thumbnails/{id:07}.webp{}", storage.suffix());
        if media.join(&thumb).is_file() {
            r.exported_thumbnail_name = Some(thumb);
        } else {
            warnings.push(format!(
                "document {id}: no thumbnail ({thumb}); `pd thumbnails` makes one{}",
                if storage == StorageType::Gpg {
                    " after `pd decrypt`"
                } else {
                    ""
                }
            ));
        }
        data.add(r)?;
    }

    for (table, text_col) in [("documents_note", "note"), ("documents_comment", "comment")] {
        if !src.has(table) {
            continue;
        }
        let cols = [
            "id",
            text_col,
            "created",
            "document_id",
            "user_id",
            "deleted_at",
        ];
        for row in src.rows(table, &cols, "id").await? {
            let mut f = Map::new();
            f.insert("note".into(), row.text(text_col));
            put(&mut f, &row, "created", "created", row.timestamp("created"));
            f.insert("document".into(), row.int("document_id")?);
            put(&mut f, &row, "user", "user_id", row.int("user_id")?);
            put(
                &mut f,
                &row,
                "deleted_at",
                "deleted_at",
                row.timestamp("deleted_at"),
            );
            f.retain(|_, v| !v.is_null());
            data.add(record(models::NOTE, row.id()?, f))?;
        }
        break;
    }

    if src.has("documents_customfieldinstance") {
        let cols = [
            "id",
            "created",
            "document_id",
            "field_id",
            "deleted_at",
            "value_text",
            "value_bool",
            "value_url",
            "value_date",
            "value_int",
            "value_float",
            "value_monetary",
            "value_document_ids",
            "value_select",
            "value_long_text",
        ];
        for row in src
            .rows("documents_customfieldinstance", &cols, "id")
            .await?
        {
            let field = row.int("field_id")?;
            let mut f = Map::new();
            put(&mut f, &row, "created", "created", row.timestamp("created"));
            f.insert("document".into(), row.int("document_id")?);
            f.insert("field".into(), field.clone());
            put(
                &mut f,
                &row,
                "deleted_at",
                "deleted_at",
                row.timestamp("deleted_at"),
            );
            for c in [
                "value_text",
                "value_url",
                "value_monetary",
                "value_long_text",
            ] {
                put(&mut f, &row, c, c, row.text(c));
            }
            put(
                &mut f,
                &row,
                "value_date",
                "value_date",
                row.text("value_date"),
            );
            put(
                &mut f,
                &row,
                "value_bool",
                "value_bool",
                row.boolean("value_bool")?,
            );
            put(
                &mut f,
                &row,
                "value_int",
                "value_int",
                row.int("value_int")?,
            );
            put(
                &mut f,
                &row,
                "value_float",
                "value_float",
                row.float("value_float")?,
            );
            put(
                &mut f,
                &row,
                "value_document_ids",
                "value_document_ids",
                row.json("value_document_ids")?,
            );
            let select = match (
                field.as_i64().and_then(|id| select_ids.get(&id)),
                row.get("value_select"),
            ) {
                (Some(ids), Some(v)) => v
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| ids.get(i))
                    .map_or(Value::Null, |id| json!(id)),
                _ => row.text("value_select"),
            };
            put(&mut f, &row, "value_select", "value_select", select);
            f.retain(|_, v| !v.is_null());
            data.add(record(models::CUSTOM_FIELD_INSTANCE, row.id()?, f))?;
        }
    }

    data.finish()?;
    data.warnings.extend(warnings);
    Ok(data)
}

/// The mime type of paperless's oldest `file_type` column (`pdf`, `jpg`, …).
fn legacy_mime(file_type: &str) -> String {
    match file_type.to_ascii_lowercase().as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "tif" | "tiff" => "image/tiff",
        "txt" => "text/plain",
        "csv" => "text/csv",
        _ => "application/octet-stream",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_time_stamps_become_iso_8601() {
        assert_eq!(
            normalize_timestamp("2021-01-02 03:04:05.6+00"),
            "2021-01-02T03:04:05.6+00:00"
        );
        assert_eq!(
            normalize_timestamp("2021-01-02 03:04:05.600000"),
            "2021-01-02T03:04:05.600000"
        );
        assert_eq!(
            normalize_timestamp("2021-01-02 03:04:05+05:30"),
            "2021-01-02T03:04:05+05:30"
        );
        assert_eq!(normalize_timestamp("2021-01-02"), "2021-01-02");
        for s in ["2021-01-02 03:04:05.6+00", "2021-01-02 03:04:05.600000"] {
            assert!(crate::manifest::parse_timestamp(&normalize_timestamp(s)).is_some());
        }
    }

    #[test]
    fn oldest_file_types_map_to_mime_types() {
        assert_eq!(legacy_mime("PDF"), "application/pdf");
        assert_eq!(legacy_mime("jpg"), "image/jpeg");
    }
}
