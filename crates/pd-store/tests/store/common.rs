//! Fresh, empty, isolated databases for each test, on every backend that answers.
//!
//! SQLite lives in a temporary directory. For PostgreSQL (`PD_TEST_POSTGRES_URL`,
//! default `postgres://postgres@127.0.0.1:5432/test`) and MariaDB (`PD_TEST_MYSQL_URL`,
//! default `mysql://root@127.0.0.1:3306/test`) each test creates a database
//! `pd_test_<unix time>_<random>` through that admin URL and drops it when done, also
//! when the test fails. Databases left behind by killed runs are dropped after an hour.
//! A server that does not answer is skipped with a note, unless
//! `PD_TEST_REQUIRE_ALL_DATABASES=1`.

use std::future::Future;
use std::sync::Once;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pd_store::{Backend, Database};
use sqlx::{AnyConnection, AssertSqlSafe, Connection};

/// Runs `test` on a fresh database of `backend`; migrated to the latest version when
/// `migrated` is set. Returns without running when the backend is unavailable.
pub async fn run<F, Fut>(backend: Backend, migrated: bool, test: F)
where
    F: FnOnce(Database) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(fresh) = Fresh::create(backend).await else {
        return;
    };
    let db = Database::connect(&fresh.url)
        .await
        .unwrap_or_else(|e| panic!("connecting to the fresh {backend} database: {e}"));
    if migrated {
        db.migrate().await.expect("migrating the fresh database");
    }
    test(db.clone()).await;
    db.close().await;
}

/// One test database; dropping it removes the database (or directory).
pub struct Fresh {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(#[allow(dead_code)] tempfile::TempDir),
    Server {
        backend: Backend,
        admin_url: String,
        name: String,
    },
}

fn required() -> bool {
    std::env::var("PD_TEST_REQUIRE_ALL_DATABASES").is_ok_and(|v| v == "1")
}

fn admin_url(backend: Backend) -> String {
    let (var, default) = match backend {
        Backend::Postgres => (
            "PD_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/test",
        ),
        _ => ("PD_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
    };
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{scheme}://{authority}/{name}{query}")
}

async fn admin_connection(backend: Backend, url: &str) -> Result<AnyConnection, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let url = url.replacen("mariadb://", "mysql://", 1);
    match tokio::time::timeout(Duration::from_secs(10), AnyConnection::connect(&url)).await {
        Ok(result) => result,
        Err(_) => Err(sqlx::Error::Protocol(format!(
            "no answer from the {backend} server within 10 s"
        ))),
    }
}

async fn execute(conn: &mut AnyConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::query(AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(|_| ())
}

fn drop_statement(backend: Backend, name: &str) -> String {
    match backend {
        Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        _ => format!("DROP DATABASE IF EXISTS {name}"),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Drops `pd_test_*` databases of killed runs (older than an hour), once per process.
async fn sweep(backend: Backend, conn: &mut AnyConnection) {
    static PG: Once = Once::new();
    static MY: Once = Once::new();
    let mut first = false;
    match backend {
        Backend::Postgres => PG.call_once(|| first = true),
        _ => MY.call_once(|| first = true),
    }
    if !first {
        return;
    }
    let list = match backend {
        Backend::Postgres => {
            "SELECT CAST(datname AS TEXT) AS name FROM pg_database WHERE datname LIKE 'pd_test_%'"
        }
        _ => {
            "SELECT CAST(schema_name AS CHAR) AS name FROM information_schema.schemata \
             WHERE schema_name LIKE 'pd_test_%'"
        }
    };
    let Ok(rows) = sqlx::query(list).fetch_all(&mut *conn).await else {
        return;
    };
    let now = unix_now();
    for row in rows {
        let name: String = sqlx::Row::try_get(&row, "name").unwrap_or_default();
        let born = name
            .strip_prefix("pd_test_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|t| t.parse::<u64>().ok());
        if born.is_some_and(|t| t + 3600 < now) {
            let _ = execute(conn, drop_statement(backend, &name)).await;
        }
    }
}

impl Fresh {
    pub async fn create(backend: Backend) -> Option<Fresh> {
        if backend == Backend::Sqlite {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!("sqlite://{}", dir.path().join("db/pd.sqlite3").display());
            return Some(Fresh {
                url,
                cleanup: Cleanup::Dir(dir),
            });
        }
        let admin = admin_url(backend);
        let mut conn = match admin_connection(backend, &admin).await {
            Ok(conn) => conn,
            Err(e) => {
                let shown = pd_core::redact_url(&admin);
                if required() {
                    panic!(
                        "{backend} at {shown} is required (PD_TEST_REQUIRE_ALL_DATABASES=1) \
                         but does not answer: {e}"
                    );
                }
                eprintln!("note: skipping {backend}: {shown} does not answer: {e}");
                return None;
            }
        };
        sweep(backend, &mut conn).await;
        let name = format!("pd_test_{}_{}", unix_now(), uuid::Uuid::new_v4().simple());
        let create = match backend {
            Backend::Postgres => format!("CREATE DATABASE {name}"),
            _ => format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
        };
        execute(&mut conn, create)
            .await
            .unwrap_or_else(|e| panic!("creating {name} on {backend}: {e}"));
        let _ = conn.close().await;
        Some(Fresh {
            url: with_database(&admin, &name),
            cleanup: Cleanup::Server {
                backend,
                admin_url: admin,
                name,
            },
        })
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let Cleanup::Server {
            backend,
            admin_url,
            name,
        } = &self.cleanup
        else {
            return;
        };
        let (backend, admin_url, name) = (*backend, admin_url.clone(), name.clone());
        // A test runs inside a runtime, which cannot block on another future: drop the
        // database from a thread with a small runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = admin_connection(backend, &admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                execute(&mut conn, drop_statement(backend, &name))
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = conn.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("note: could not drop test database {}: {e}", self.url);
        }
    }
}

/// Defines one test per backend: `name::sqlite`, `name::postgres`, `name::mariadb`.
///
/// `store_test!(async fn name(db) { … })` hands the body a migrated database;
/// `store_test!(empty async fn name(db) { … })` an empty one.
macro_rules! store_test {
    (empty async fn $name:ident($db:ident) $body:block) => {
        store_test!(@def false, $name, $db, $body);
    };
    (async fn $name:ident($db:ident) $body:block) => {
        store_test!(@def true, $name, $db, $body);
    };
    (@def $migrated:expr, $name:ident, $db:ident, $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: pd_store::Database) $body

            #[tokio::test]
            async fn sqlite() {
                crate::common::run(pd_store::Backend::Sqlite, $migrated, body).await;
            }

            #[tokio::test]
            async fn postgres() {
                crate::common::run(pd_store::Backend::Postgres, $migrated, body).await;
            }

            #[tokio::test]
            async fn mariadb() {
                crate::common::run(pd_store::Backend::MySql, $migrated, body).await;
            }
        }
    };
}
pub(crate) use store_test;

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "pd_test_1"),
        "postgres://postgres@127.0.0.1:5432/pd_test_1"
    );
    assert_eq!(
        with_database("mysql://root:pw@db:3306/test?ssl-mode=disabled", "x"),
        "mysql://root:pw@db:3306/x?ssl-mode=disabled"
    );
    assert_eq!(with_database("mysql://root@db", "x"), "mysql://root@db/x");
}
