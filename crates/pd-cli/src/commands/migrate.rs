use anyhow::Result;
use pd_core::Config;
use pd_store::Store;
use pd_store::db::Database;
use serde::Serialize;

use crate::cli::MigrateArgs;
use crate::output::{Output, Status, table};

#[derive(Serialize)]
struct InitReport {
    data_dir: String,
    media_dir: String,
    database: String,
    migration: i64,
}

pub async fn init(config: &Config, out: &Output) -> Result<Status> {
    let store = Store::init(config).await?;
    let report = InitReport {
        data_dir: config.data_dir.display().to_string(),
        media_dir: config.media_dir.display().to_string(),
        database: config.database_url_redacted(),
        migration: store.db().applied_version().await?,
    };
    out.report(&report, |r| {
        format!(
            "library ready in {}\nmedia folder: {}\ndatabase: {} (migration {})",
            r.data_dir, r.media_dir, r.database, r.migration
        )
    });
    Ok(Status::Ok)
}

#[derive(Serialize)]
struct MigrationRow {
    version: i64,
    description: String,
    applied: bool,
}

pub async fn migrate(config: &Config, args: &MigrateArgs, out: &Output) -> Result<Status> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let db = Database::connect(&config.database_url).await?;
    if args.list {
        let applied = db.applied_version().await?;
        let rows: Vec<MigrationRow> = Database::migrations()
            .into_iter()
            .map(|m| MigrationRow {
                applied: m.version <= applied,
                version: m.version,
                description: m.description,
            })
            .collect();
        out.report(&rows, |rows| {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.version.to_string(),
                        if r.applied { "applied" } else { "pending" }.to_owned(),
                        r.description.clone(),
                    ]
                })
                .collect();
            table(&["VERSION", "STATE", "DESCRIPTION"], &cells)
        });
        return Ok(Status::Ok);
    }
    let report = match args.to {
        Some(target) => db.migrate_to(target).await?,
        None => db.migrate().await?,
    };
    out.report(&report, |r| {
        if r.from == r.to {
            format!("the database is already at migration {}", r.to)
        } else {
            format!(
                "migrated the database from migration {} to {}",
                r.from, r.to
            )
        }
    });
    Ok(Status::Ok)
}
