//! Embedded, reversible migrations, one folder per backend with the same versions.

use serde::Serialize;
use sqlx::migrate::Migrator;

use super::sql::RowExt;
use super::{Backend, Database};
use crate::{Error, Result};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");
static MYSQL: Migrator = sqlx::migrate!("migrations/mysql");

/// sqlx's bookkeeping table.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// One migration pd knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationInfo {
    /// 1, 2, …; a database at version N has every migration up to N applied.
    pub version: i64,
    /// What it does (`library`, `mail`).
    pub description: String,
}

/// What [`Database::migrate_to`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MigrationReport {
    /// The version before.
    pub from: i64,
    /// The version after.
    pub to: i64,
    /// Versions applied, in order.
    pub applied: Vec<i64>,
    /// Versions reverted, in order.
    pub reverted: Vec<i64>,
}

fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
        Backend::MySql => &MYSQL,
    }
}

/// The migrations pd knows, oldest first (the same for every backend).
pub fn migrations() -> Vec<MigrationInfo> {
    SQLITE
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| MigrationInfo {
            version: m.version,
            description: m.description.to_string(),
        })
        .collect()
}

/// The newest migration pd knows.
pub fn latest_version() -> i64 {
    migrations().last().map_or(0, |m| m.version)
}

impl Database {
    /// The migrations pd knows, oldest first.
    pub fn migrations() -> Vec<MigrationInfo> {
        migrations()
    }

    /// The newest migration pd knows.
    pub fn latest_version() -> i64 {
        latest_version()
    }

    /// The newest migration applied to the database; 0 for an empty database.
    pub async fn applied_version(&self) -> Result<i64> {
        Ok(self.applied_versions().await?.last().copied().unwrap_or(0))
    }

    async fn applied_versions(&self) -> Result<Vec<i64>> {
        let exists = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) AS n FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = ?"
            }
            Backend::MySql => {
                "SELECT COUNT(*) AS n FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = ?"
            }
        };
        let mut conn = self.conn().await?;
        let q = conn.query(exists).bind(MIGRATIONS_TABLE);
        if conn.fetch_one(q).await?.int("n")? == 0 {
            return Ok(Vec::new());
        }
        let q = conn.query(&format!(
            "SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version"
        ));
        conn.fetch_all(q)
            .await?
            .iter()
            .map(|r| r.int("version"))
            .collect()
    }

    /// Applies every migration not yet applied.
    pub async fn migrate(&self) -> Result<MigrationReport> {
        self.migrate_to(latest_version()).await
    }

    /// Migrates up or down to `target` (0 removes every pd table).
    pub async fn migrate_to(&self, target: i64) -> Result<MigrationReport> {
        let latest = latest_version();
        if !(0..=latest).contains(&target) {
            return Err(Error::Invalid(format!(
                "there is no migration {target}: this pd knows migrations 0 to {latest}"
            )));
        }
        let before = self.applied_versions().await?;
        let from = before.last().copied().unwrap_or(0);
        if from > latest {
            return Err(Error::DatabaseTooNew {
                applied: from,
                known: latest,
            });
        }
        let migrator = migrator(self.backend);
        if target >= from {
            migrator.run_to(target, &self.pool).await?;
        } else {
            migrator.undo(&self.pool, target).await?;
        }
        let after = self.applied_versions().await?;
        let applied = after
            .iter()
            .filter(|v| !before.contains(v))
            .copied()
            .collect();
        let reverted = before
            .iter()
            .rev()
            .filter(|v| !after.contains(v))
            .copied()
            .collect();
        Ok(MigrationReport {
            from,
            to: after.last().copied().unwrap_or(0),
            applied,
            reverted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(m: &Migrator, down: bool) -> Vec<(i64, String)> {
        m.iter()
            .filter(|m| m.migration_type.is_down_migration() == down)
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    }

    #[test]
    fn every_backend_has_the_same_reversible_migrations() {
        let up = versions(&SQLITE, false);
        assert!(up.len() >= 2);
        for m in [&SQLITE, &POSTGRES, &MYSQL] {
            assert_eq!(versions(m, false), up);
            assert_eq!(versions(m, true), up, "every migration has a down script");
        }
        let numbers: Vec<i64> = up.iter().map(|(v, _)| *v).collect();
        assert_eq!(numbers, (1..=latest_version()).collect::<Vec<_>>());
    }
}
