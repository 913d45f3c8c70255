use std::path::Path;

use anyhow::Result;
use pd_store::Store;
use pd_store::db::{Database, LibraryCounts};
use serde::Serialize;

use crate::output::{Output, Status};

#[derive(Serialize)]
struct StatusReport {
    pd_version: &'static str,
    data_dir: String,
    media_dir: String,
    database: DatabaseStatus,
    counts: LibraryCounts,
    files: FileStats,
}

#[derive(Serialize)]
struct DatabaseStatus {
    backend: String,
    url: String,
    migration: i64,
    latest_migration: i64,
}

#[derive(Serialize, Default)]
struct FileStats {
    originals: DirStats,
    archive: DirStats,
    thumbnails: DirStats,
}

#[derive(Serialize, Default, Clone, Copy)]
struct DirStats {
    files: u64,
    bytes: u64,
}

pub async fn run(store: &Store, out: &Output) -> Result<Status> {
    let db = store.db();
    let counts = db.conn().await?.library_counts().await?;
    let media = store.media();
    let report = StatusReport {
        pd_version: env!("CARGO_PKG_VERSION"),
        data_dir: store.config().data_dir.display().to_string(),
        media_dir: media.root().display().to_string(),
        database: DatabaseStatus {
            backend: db.backend().to_string(),
            url: store.config().database_url_redacted(),
            migration: db.applied_version().await?,
            latest_migration: Database::latest_version(),
        },
        counts,
        files: FileStats {
            originals: dir_stats(&media.originals_dir()),
            archive: dir_stats(&media.archive_dir()),
            thumbnails: dir_stats(&media.thumbnails_dir()),
        },
    };
    out.report(&report, |r| {
        let c = &r.counts;
        let f = &r.files;
        [
            format!("pd {}", r.pd_version),
            format!("data folder:    {}", r.data_dir),
            format!("media folder:   {}", r.media_dir),
            format!(
                "database:       {} {} (migration {} of {})",
                r.database.backend,
                r.database.url,
                r.database.migration,
                r.database.latest_migration
            ),
            format!(
                "documents:      {} ({} in the trash)",
                c.documents, c.trashed_documents
            ),
            format!(
                "correspondents: {}, tags: {}, document types: {}, storage paths: {}",
                c.correspondents, c.tags, c.document_types, c.storage_paths
            ),
            format!(
                "custom fields:  {}, notes: {}, users: {}, mail accounts: {}, mail rules: {}",
                c.custom_fields, c.notes, c.users, c.mail_accounts, c.mail_rules
            ),
            format!(
                "originals:      {} files, {}",
                f.originals.files,
                human_bytes(f.originals.bytes)
            ),
            format!(
                "archive:        {} files, {}",
                f.archive.files,
                human_bytes(f.archive.bytes)
            ),
            format!(
                "thumbnails:     {} files, {}",
                f.thumbnails.files,
                human_bytes(f.thumbnails.bytes)
            ),
        ]
        .join("\n")
    });
    Ok(Status::Ok)
}

fn dir_stats(dir: &Path) -> DirStats {
    let mut stats = DirStats::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return stats;
    };
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            let sub = dir_stats(&entry.path());
            stats.files += sub.files;
            stats.bytes += sub.bytes;
        } else if meta.is_file() {
            stats.files += 1;
            stats.bytes += meta.len();
        }
    }
    stats
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
