//! `pd backup` and `pd restore`: the whole library in one self-checking `.tar.gz`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use pd_core::Config;
use pd_export::{BackupOptions, BackupReport, RestoreOptions, RestoreReport};
use pd_store::Store;
use pd_store::db::IdTable;

use crate::output::{Output, Status};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the backup: a folder (the file is named pd-backup-<UTC time>.tar.gz)
    /// or a file name. Default: the folder "backups" in the data folder.
    pub location: Option<PathBuf>,
    /// Encrypt mail account passwords and tokens with this passphrase (pd restore then
    /// needs it).
    #[arg(long, value_name = "P")]
    pub passphrase: Option<String>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup: a .tar.gz written by pd backup.
    pub archive: PathBuf,
    /// Restore into a library that already holds data: ids are remapped, objects with
    /// the same name are reused and documents whose checksum is present are skipped.
    #[arg(long)]
    pub merge: bool,
    /// The passphrase the backup was made with.
    #[arg(long, value_name = "P")]
    pub passphrase: Option<String>,
    /// Unpack and check everything, write nothing to the library.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn backup(store: &Store, args: &BackupArgs, out: &Output) -> Result<Status> {
    let opts = BackupOptions {
        passphrase: args.passphrase.clone(),
        ..BackupOptions::default()
    };
    let bar = out.progress(0, "backup");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = pd_export::backup(store, args.location.as_deref(), &opts, &progress).await;
    bar.finish_and_clear();
    let report = report?;
    for w in &report.warnings {
        out.warn(w);
    }
    out.report(&report, human_backup);
    Ok(Status::Ok)
}

fn human_backup(r: &BackupReport) -> String {
    let mut text = format!(
        "Backed up {} documents ({} records, {} files, {} bytes) to {} ({} bytes).\n\
         pd {}, database migration {}.\n",
        r.header.documents,
        r.records,
        r.header.files,
        r.header.bytes,
        r.archive.display(),
        r.archive_bytes,
        r.header.pd_version,
        r.header.migration,
    );
    if r.leftovers_removed > 0 {
        text.push_str(&format!(
            "Removed {} temporary files of interrupted backups.\n",
            r.leftovers_removed
        ));
    }
    text
}

pub async fn restore(config: &Config, args: &RestoreArgs, out: &Output) -> Result<Status> {
    let store = Store::open(config).await?;
    let opts = RestoreOptions {
        merge: args.merge,
        passphrase: args.passphrase.clone(),
        dry_run: args.dry_run,
        ..RestoreOptions::default()
    };
    let before = store.db().conn().await?.max_id(IdTable::Documents).await?;
    let sync = if args.dry_run {
        None
    } else {
        Some(pd_index::IndexSync::begin(&store).await?)
    };
    let bar = out.progress(0, "unpacking");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = pd_export::restore(&store, &args.archive, &opts, &progress).await;
    bar.finish_and_clear();
    let report = report?;
    if let Some(sync) = sync {
        let after = store.db().conn().await?.max_id(IdTable::Documents).await?;
        let ids: Vec<i64> = (before + 1..=after).collect();
        super::index::follow(out, sync.finish(&store, &ids).await);
    }
    for w in &report.import.warnings {
        out.warn(w);
    }
    out.report(&report, human_restore);
    Ok(Status::Ok)
}

fn human_restore(r: &RestoreReport) -> String {
    let c = &r.import.imported;
    let verb = if r.import.dry_run {
        "Would restore"
    } else {
        "Restored"
    };
    let mut text = format!(
        "{} files of {} checked against their SHA-256 (backup of {}, pd {}, migration {}).\n\
         {verb} {} documents, {} tags, {} correspondents, {} document types, {} storage \
         paths, {} custom fields, {} notes, {} users, {} mail accounts, {} mail rules, {} \
         other paperless-ngx records; {} files placed.\n",
        r.files_checked,
        r.archive.display(),
        r.header.created,
        r.header.pd_version,
        r.header.migration,
        c.documents,
        c.tags,
        c.correspondents,
        c.document_types,
        c.storage_paths,
        c.custom_fields,
        c.notes,
        c.users,
        c.mail_accounts,
        c.mail_rules,
        c.other_records,
        r.import.files_placed,
    );
    if !r.import.skipped_documents.is_empty() {
        text.push_str(&format!(
            "Skipped {} documents already in the library.\n",
            r.import.skipped_documents.len()
        ));
    }
    text
}
