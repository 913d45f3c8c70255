//! The database: one [`Database`] handle over SQLite, PostgreSQL or MariaDB/MySQL, its
//! migrations, and the repository methods on [`Conn`].
//!
//! pd talks to all three backends through sqlx's `Any` driver, so there is one set of
//! queries, written with `?` placeholders (rewritten to `$1, $2, …` for PostgreSQL).
//! `Any` knows only integers, floats, text and blobs, which shapes the schema: time
//! stamps are stored as RFC 3339 UTC text with exactly six fractional digits and a `Z`
//! (`2024-05-01T12:30:00.123456Z`, so text order is time order), dates as `YYYY-MM-DD`
//! text, booleans as SMALLINT 0/1, JSON as text. Aggregates are limited to `COUNT(*)`,
//! since `SUM()` yields decimals `Any` cannot decode. Each backend has its own
//! migration folder (`migrations/{sqlite,postgres,mysql}`), embedded in the binary and
//! reversible; the schemas are the same table by table and column by column.
//!
//! Name rules that paperless-ngx enforces with partial unique indexes (a name is unique
//! per owner and among unowned objects) are checked in code, to give a clear
//! [`Error::Conflict`], and backed by a unique index on `(name, COALESCE(owner_id, 0))`
//! (a generated column on MariaDB).
//!
//! Repository methods live on [`Conn`], which wraps either a pooled connection
//! ([`Database::conn`]) or a transaction ([`Database::begin`]), so the same calls work
//! inside and outside a transaction. Methods that write several rows run in a nested
//! transaction (a savepoint inside an outer one) and so are atomic either way.
//!
//! ```no_run
//! # async fn demo() -> pd_store::Result<()> {
//! use pd_core::MatchRule;
//! use pd_store::Database;
//!
//! let db = Database::connect("sqlite:///tmp/pd-demo/pd.sqlite3").await?;
//! db.migrate().await?;
//! let mut tx = db.begin().await?;
//! let acme = tx.insert_correspondent("ACME", &MatchRule::default(), None).await?;
//! tx.commit().await?;
//! let mut conn = db.conn().await?;
//! assert_eq!(conn.correspondent(acme.id).await?.name, "ACME");
//! # Ok(()) }
//! ```

mod documents;
mod duplicates;
mod fields;
mod imports;
mod integrity;
mod mail;
mod migrate;
mod notes;
mod objects;
mod sql;
mod tags;
mod users;

use std::ops::DerefMut;
use std::time::Duration;

use serde::Serialize;
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Connection, Transaction};

use crate::{Error, Result};

pub use documents::{DocumentFilter, TrashFilter};
pub use imports::{IdTable, PaperlessRecord};
pub use integrity::{FileKind, FileRecord, JournalEntry, SanityRun};
pub use migrate::{MigrationInfo, MigrationReport, latest_version, migrations};
pub use tags::NewTag;
pub use users::NewUser;

use sql::RowExt;

/// A query with its arguments, ready to run on a connection.
pub(crate) type Query = sqlx::query::Query<'static, Any, AnyArguments>;

/// Which database server a [`Database`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Backend {
    /// A SQLite file (the default, in the data directory).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
    /// A MariaDB (or MySQL) server.
    MySql,
}

impl Backend {
    /// The backend a database URL names by its scheme: `sqlite:`, `postgres:` or
    /// `postgresql:`, `mysql:` or `mariadb:`.
    pub fn from_url(url: &str) -> Result<Backend> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "mysql" | "mariadb" => Ok(Backend::MySql),
            _ => Err(Error::Invalid(format!(
                "unsupported database URL {}: it must start with sqlite:, postgres:, \
                 postgresql:, mysql: or mariadb:",
                pd_core::redact_url(url)
            ))),
        }
    }

    /// Statements run on every new connection.
    fn session_setup(self) -> &'static [&'static str] {
        match self {
            Backend::Sqlite => &[
                "PRAGMA journal_mode = WAL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 10000",
                // Statement journals and sorts in memory: they are small here, and a
                // temporary file for each of them made bulk updates slow.
                "PRAGMA temp_store = MEMORY",
            ],
            Backend::Postgres => &[],
            Backend::MySql => &[
                "SET NAMES utf8mb4",
                "SET SESSION sql_mode = 'STRICT_ALL_TABLES,STRICT_TRANS_TABLES,\
                 ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,PIPES_AS_CONCAT'",
            ],
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MariaDB/MySQL",
        })
    }
}

/// A pool of connections to pd's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

impl Database {
    /// Opens a pool on `url` (`sqlite://…`, `postgres://…`, `mysql://…`, `mariadb://…`).
    ///
    /// For SQLite the file's directory is created and the file too (`mode=rwc`); every
    /// connection uses WAL journaling, enforces foreign keys and waits up to ten seconds
    /// for a lock. MariaDB sessions use utf8mb4 and strict mode. Nothing is migrated.
    pub async fn connect(url: &str) -> Result<Database> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let connect_error = |source| Error::Connect {
            backend,
            url: pd_core::redact_url(url),
            source,
        };
        let (url, in_memory) = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => (url.to_owned(), false),
            Backend::MySql => (mysql_url(url), false),
        };
        let options: AnyConnectOptions = url.parse().map_err(connect_error)?;
        // One plain attempt first: a pool retries a refused connection until its acquire
        // timeout, while a wrong URL should fail at once.
        AnyConnection::connect_with(&options)
            .await
            .map_err(connect_error)?
            .close()
            .await
            .map_err(connect_error)?;
        let mut pool = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if in_memory {
            // Every connection to `:memory:` is a database of its own: keep exactly one.
            pool = pool
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = pool
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    for statement in backend.session_setup() {
                        sqlx::query(*statement).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        Ok(Database { pool, backend })
    }

    /// The backend this database runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection; waits for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A connection from the pool; each repository call commits on its own.
    pub async fn conn(&self) -> Result<Conn<PoolConnection<Any>>> {
        Ok(Conn {
            conn: self.pool.acquire().await?,
            backend: self.backend,
        })
    }

    /// A transaction: nothing is visible to others until [`Conn::commit`]; dropping it
    /// without committing rolls it back.
    pub async fn begin(&self) -> Result<Conn<Transaction<'static, Any>>> {
        Ok(Conn {
            conn: self.pool.begin().await?,
            backend: self.backend,
        })
    }

    /// The names of the tables in the database, sorted (pd's and the migrations table;
    /// SQLite's own `sqlite_*` tables excluded).
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name AS table_name FROM sqlite_master \
                 WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS table_name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            }
            Backend::MySql => {
                "SELECT CAST(table_name AS CHAR) AS table_name FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
            }
        };
        let mut conn = self.conn().await?;
        let rows = conn.fetch_all(conn.query(sql)).await?;
        let mut names = rows
            .iter()
            .map(|r| r.text("table_name"))
            .collect::<Result<Vec<_>>>()?;
        names.sort();
        Ok(names)
    }
}

/// `(url, in_memory)`: creates the database file's directory and asks for the file to be
/// created when missing.
fn prepare_sqlite_url(url: &str) -> Result<(String, bool)> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    let in_memory = path.is_empty()
        || path == ":memory:"
        || query.is_some_and(|q| q.split('&').any(|kv| kv == "mode=memory"));
    if let Some(dir) = std::path::Path::new(path).parent()
        && !in_memory
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create database directory", dir, e))?;
    }
    let url = match query {
        Some(q) if q.split('&').any(|kv| kv.starts_with("mode=")) => url.to_owned(),
        Some(_) => format!("{url}&mode=rwc"),
        None if in_memory => url.to_owned(),
        None => format!("{url}?mode=rwc"),
    };
    Ok((url, in_memory))
}

/// sqlx knows MariaDB by the `mysql://` scheme.
fn mysql_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
            format!("mysql://{rest}")
        }
        _ => url.to_owned(),
    }
}

/// A connection or a transaction, with every repository method.
///
/// Obtained from [`Database::conn`] or [`Database::begin`].
pub struct Conn<C> {
    conn: C,
    backend: Backend,
}

impl<'c> Conn<Transaction<'c, Any>> {
    /// Makes the transaction's changes permanent.
    pub async fn commit(self) -> Result<()> {
        Ok(self.conn.commit().await?)
    }

    /// Discards the transaction's changes.
    pub async fn rollback(self) -> Result<()> {
        Ok(self.conn.rollback().await?)
    }
}

/// How many of each thing the library holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct LibraryCounts {
    /// Documents not in the trash (versions included).
    pub documents: i64,
    /// Documents in the trash.
    pub trashed_documents: i64,
    pub correspondents: i64,
    pub document_types: i64,
    pub tags: i64,
    pub storage_paths: i64,
    pub custom_fields: i64,
    /// Notes, soft-deleted ones included.
    pub notes: i64,
    pub users: i64,
    pub mail_accounts: i64,
    pub mail_rules: i64,
}

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    /// The backend this connection talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying sqlx connection, for queries this API does not offer. SQL must
    /// suit [`Conn::backend`] (placeholders, types).
    pub fn connection(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    /// How many rows of each kind the library holds.
    pub async fn library_counts(&mut self) -> Result<LibraryCounts> {
        Ok(LibraryCounts {
            documents: self.count("documents WHERE deleted_at IS NULL").await?,
            trashed_documents: self.count("documents WHERE deleted_at IS NOT NULL").await?,
            correspondents: self.count("correspondents").await?,
            document_types: self.count("document_types").await?,
            tags: self.count("tags").await?,
            storage_paths: self.count("storage_paths").await?,
            custom_fields: self.count("custom_fields").await?,
            notes: self.count("notes").await?,
            users: self.count("users").await?,
            mail_accounts: self.count("mail_accounts").await?,
            mail_rules: self.count("mail_rules").await?,
        })
    }

    async fn count(&mut self, from: &str) -> Result<i64> {
        let row = self
            .fetch_one(self.query(&format!("SELECT COUNT(*) AS n FROM {from}")))
            .await?;
        row.int("n")
    }

    /// A query with placeholders suited to the backend.
    pub(crate) fn query(&self, sql: &str) -> Query {
        sqlx::query(AssertSqlSafe(sql::placeholders(self.backend, sql)))
    }

    /// A nested transaction (a savepoint when this already is a transaction).
    pub(crate) async fn nested(&mut self) -> Result<Conn<Transaction<'_, Any>>> {
        Ok(Conn {
            conn: Connection::begin(&mut *self.conn).await?,
            backend: self.backend,
        })
    }

    pub(crate) async fn fetch_all(&mut self, q: Query) -> sqlx::Result<Vec<AnyRow>> {
        q.fetch_all(&mut *self.conn).await
    }

    pub(crate) async fn fetch_optional(&mut self, q: Query) -> sqlx::Result<Option<AnyRow>> {
        q.fetch_optional(&mut *self.conn).await
    }

    pub(crate) async fn fetch_one(&mut self, q: Query) -> sqlx::Result<AnyRow> {
        q.fetch_one(&mut *self.conn).await
    }

    pub(crate) async fn execute(&mut self, q: Query) -> sqlx::Result<u64> {
        Ok(q.execute(&mut *self.conn).await?.rows_affected())
    }

    /// Whether a row with this id exists in `table`.
    pub(crate) async fn exists(&mut self, table: &str, id: pd_core::Id) -> Result<bool> {
        let q = self
            .query(&format!("SELECT id FROM {table} WHERE id = ?"))
            .bind(id);
        Ok(self.fetch_optional(q).await?.is_some())
    }

    /// [`Error::NotFound`] unless a row with this id exists in `table`.
    pub(crate) async fn require(
        &mut self,
        table: &str,
        kind: &'static str,
        id: pd_core::Id,
    ) -> Result<()> {
        if self.exists(table, id).await? {
            Ok(())
        } else {
            Err(Error::not_found(kind, id))
        }
    }
}

/// Rejects a text longer than the column holds, naming the field.
pub(crate) fn check_len(what: &str, value: &str, max_chars: usize) -> Result<()> {
    if value.chars().count() > max_chars {
        Err(Error::Invalid(format!(
            "{what} is longer than {max_chars} characters"
        )))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_from_urls() {
        assert_eq!(
            Backend::from_url("sqlite:///x/pd.sqlite3").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(Backend::from_url("mariadb://h/db").unwrap(), Backend::MySql);
        assert_eq!(Backend::from_url("mysql://h/db").unwrap(), Backend::MySql);
        let err = Backend::from_url("oracle://u:secret@h/db").unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert_eq!(Backend::MySql.to_string(), "MariaDB/MySQL");
        assert_eq!(
            mysql_url("mariadb://root@h:3306/db"),
            "mysql://root@h:3306/db"
        );
    }

    #[test]
    fn sqlite_urls_create_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/pd.sqlite3");
        let (url, mem) = prepare_sqlite_url(&format!("sqlite://{}", file.display())).unwrap();
        assert!(!mem);
        assert!(url.ends_with("?mode=rwc"), "{url}");
        assert!(dir.path().join("sub").is_dir());
        let (url, _) = prepare_sqlite_url(&format!("sqlite://{}?mode=ro", file.display())).unwrap();
        assert!(url.ends_with("?mode=ro"), "{url}");
        let (_, mem) = prepare_sqlite_url("sqlite::memory:").unwrap();
        assert!(mem);
    }
}
