//! `pd import` and `pd verify`: paperless-ngx 3 (and pd) exports in, and exports checked.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use pd_core::Config;
use pd_export::{ImportOptions, ImportProgress, ImportReport, VerifyOptions, VerifyReport};
use pd_store::db::IdTable;

use crate::output::{Output, Status};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export: a directory with manifest.json, or a ZIP file.
    #[arg(required_unless_present = "from_instance")]
    pub source: Option<PathBuf>,
    /// Read a paperless / paperless-ng / paperless-ngx installation directly (read-only)
    /// instead of an export: give its --database and --media.
    #[arg(long, requires_all = ["database", "media"], conflicts_with_all = ["source", "passphrase"])]
    pub from_instance: bool,
    /// With --from-instance: the installation's database, a SQLite file (its
    /// db.sqlite3) or a postgres:// / mysql:// / mariadb:// URL.
    #[arg(long, value_name = "PATH_OR_URL", requires = "from_instance")]
    pub database: Option<String>,
    /// With --from-instance: the installation's media folder (PAPERLESS_MEDIA_ROOT, the
    /// folder holding documents/originals).
    #[arg(long, value_name = "DIR", requires = "from_instance")]
    pub media: Option<PathBuf>,
    /// Import into a library that already holds data: ids are remapped, objects with the
    /// same name are reused and documents whose checksum is present are skipped.
    #[arg(long)]
    pub merge: bool,
    /// The passphrase the export's sensitive fields were encrypted with.
    #[arg(long, value_name = "P")]
    pub passphrase: Option<String>,
    /// Check everything (manifest, files, checksums), write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The export: a directory with manifest.json, a ZIP file, or a pd backup (.tar.gz).
    pub export: PathBuf,
}

pub async fn import(config: &Config, args: &ImportArgs, out: &Output) -> Result<Status> {
    let store = pd_store::Store::open(config).await?;
    let opts = ImportOptions {
        merge: args.merge,
        passphrase: args.passphrase.clone(),
        dry_run: args.dry_run,
        work_dir: Some(config.data_dir.clone()),
        ..ImportOptions::default()
    };
    // Imported documents get ids above every id already there (kept in an empty
    // library, remapped past the largest with --merge), which is how the index finds them.
    let before = store.db().conn().await?.max_id(IdTable::Documents).await?;
    let sync = if args.dry_run {
        None
    } else {
        Some(pd_index::IndexSync::begin(&store).await?)
    };
    let bar = out.progress(0, "checking");
    let progress = |step: ImportProgress| {
        let (what, done, total) = match step {
            ImportProgress::Checking { done, total } => ("checking", done, total),
            ImportProgress::Writing { done, total } => ("importing", done, total),
            ImportProgress::Placing { done, total } => ("placing files", done, total),
        };
        bar.set_prefix(what);
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = match (&args.source, &args.database, &args.media) {
        (Some(source), _, _) => pd_export::import_with(&store, source, &opts, &progress).await,
        (None, Some(database), Some(media)) => {
            let instance = pd_export::InstanceSource {
                database: database.clone(),
                media: media.clone(),
            };
            pd_export::import_instance_with(&store, &instance, &opts, &progress).await
        }
        _ => anyhow::bail!("give an export, or --from-instance with --database and --media"),
    };
    bar.finish_and_clear();
    let report = report?;
    if let Some(sync) = sync {
        let after = store.db().conn().await?.max_id(IdTable::Documents).await?;
        let ids: Vec<i64> = (before + 1..=after).collect();
        super::index::follow(out, sync.finish(&store, &ids).await);
    }
    for w in &report.warnings {
        out.warn(w);
    }
    out.report(&report, human_import);
    Ok(Status::Ok)
}

fn human_import(r: &ImportReport) -> String {
    let c = &r.imported;
    let verb = if r.dry_run {
        "Would import"
    } else {
        "Imported"
    };
    let mut text = format!(
        "{verb} {} documents, {} tags, {} correspondents, {} document types, {} storage paths, \
         {} custom fields ({} values), {} notes, {} users, {} mail accounts, {} mail rules, \
         {} other paperless-ngx records.\n{} files checked against their checksums, {} placed.\n",
        c.documents,
        c.tags,
        c.correspondents,
        c.document_types,
        c.storage_paths,
        c.custom_fields,
        c.custom_field_instances,
        c.notes,
        c.users,
        c.mail_accounts,
        c.mail_rules,
        c.other_records,
        r.files_verified,
        r.files_placed,
    );
    if !r.skipped_documents.is_empty() {
        text.push_str(&format!(
            "Skipped {} documents already in the library.\n",
            r.skipped_documents.len()
        ));
    }
    text
}

pub fn verify(config: &Config, args: &VerifyArgs, out: &Output) -> Result<Status> {
    let opts = VerifyOptions {
        work_dir: Some(config.data_dir.clone()),
        ..VerifyOptions::default()
    };
    let bar = out.progress(0, "verifying");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = pd_export::verify_with(&args.export, &opts, &progress);
    bar.finish_and_clear();
    let report = report?;
    out.report(&report, human_verify);
    Ok(if report.is_clean() {
        Status::Ok
    } else {
        Status::Failed
    })
}

fn human_verify(r: &VerifyReport) -> String {
    let mut text = format!(
        "{} records, {} documents, {} files checked.\n",
        r.records, r.documents, r.files_checked
    );
    for m in &r.missing {
        text.push_str(&format!("missing: {m}\n"));
    }
    for c in &r.corrupt {
        text.push_str(&format!(
            "corrupt: {} (manifest {}, file {})\n",
            c.path, c.expected, c.actual
        ));
    }
    for e in &r.extra {
        text.push_str(&format!("extra: {e}\n"));
    }
    for u in &r.unsafe_paths {
        text.push_str(&format!("unsafe path: {u}\n"));
    }
    if !r.interrupted_export.is_empty() {
        text.push_str(&format!(
            "{} files of an interrupted export beside it (the next pd export completes it).\n",
            r.interrupted_export.len()
        ));
    }
    text.push_str(if r.is_clean() {
        "The export is complete and intact.\n"
    } else {
        "The export is NOT intact.\n"
    });
    text
}
