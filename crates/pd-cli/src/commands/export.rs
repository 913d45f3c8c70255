//! `pd export`: the library as a paperless-ngx 3 export (directory or ZIP).
//!
//! clap's short flags are single characters, so paperless-ngx's two-letter short forms
//! (`-na`, `-nt`, `-sm`, `-zn`) are not available: use `--no-archive`,
//! `--no-thumbnail`, `--split-manifest`, `--zip-name`. `-c`, `-d`, `-f`, `-p`, `-z`
//! work as in paperless-ngx.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use pd_export::{ExportOptions, ExportReport};
use pd_store::Store;

use crate::output::{Output, Status};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The export directory (must exist). Re-running over it updates only what changed.
    pub target: PathBuf,
    /// Decide whether an exported original or archive is current by its SHA-256 (against
    /// the library's checksum) instead of size and modification time.
    #[arg(short = 'c', long)]
    pub compare_checksums: bool,
    /// Accepted for paperless-ngx compatibility: pd never rewrites a JSON file whose
    /// bytes are unchanged.
    #[arg(long)]
    pub compare_json: bool,
    /// After a successful export, delete files in TARGET this export did not write (with
    /// --zip: everything else in TARGET).
    #[arg(short = 'd', long)]
    pub delete: bool,
    /// Name exported files with the library's filename template instead of
    /// "<created> <correspondent> <title>".
    #[arg(short = 'f', long)]
    pub use_filename_format: bool,
    /// Do not export archive PDFs (paperless-ngx's -na).
    #[arg(long)]
    pub no_archive: bool,
    /// Do not export thumbnails (paperless-ngx's -nt).
    #[arg(long)]
    pub no_thumbnail: bool,
    /// Put files under originals/, archive/, thumbnails/ and split manifests under json/.
    #[arg(short = 'p', long)]
    pub use_folder_prefix: bool,
    /// One <name>-manifest.json per document, with its notes and custom field values
    /// (paperless-ngx's -sm).
    #[arg(long)]
    pub split_manifest: bool,
    /// Write one ZIP into TARGET instead of a directory tree.
    #[arg(short = 'z', long)]
    pub zip: bool,
    /// The ZIP's name; ".zip" replaces any suffix (default export-<date>; paperless-ngx's -zn).
    #[arg(long, value_name = "NAME", requires = "zip")]
    pub zip_name: Option<String>,
    /// Export the manifest and metadata only, no document files.
    #[arg(long)]
    pub data_only: bool,
    /// Encrypt mail account passwords and tokens with this passphrase.
    #[arg(long, value_name = "P")]
    pub passphrase: Option<String>,
}

pub async fn run(store: &Store, args: &ExportArgs, out: &Output) -> Result<Status> {
    if args.zip && args.compare_json {
        anyhow::bail!("--compare-checksums and --compare-json have no effect when used with --zip");
    }
    let opts = ExportOptions {
        compare_checksums: args.compare_checksums,
        delete: args.delete,
        use_filename_format: args.use_filename_format,
        no_archive: args.no_archive,
        no_thumbnail: args.no_thumbnail,
        use_folder_prefix: args.use_folder_prefix,
        split_manifest: args.split_manifest,
        zip: args.zip,
        zip_name: args.zip_name.clone(),
        data_only: args.data_only,
        passphrase: args.passphrase.clone(),
        ..ExportOptions::default()
    };
    let bar = out.progress(0, "exporting");
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = pd_export::export_with(store, &args.target, &opts, &progress).await;
    bar.finish_and_clear();
    let report = report?;
    for w in &report.warnings {
        out.warn(w);
    }
    out.report(&report, human);
    Ok(Status::Ok)
}

fn human(r: &ExportReport) -> String {
    let mut text = format!(
        "Exported {} documents ({} records) to {}.\n{} files written ({} bytes), {} unchanged",
        r.documents,
        r.records,
        r.zip.as_ref().unwrap_or(&r.target).display(),
        r.files_written,
        r.bytes_written,
        r.files_unchanged,
    );
    if !r.files_deleted.is_empty() {
        text.push_str(&format!(", {} deleted", r.files_deleted.len()));
    }
    text.push_str(".\n");
    text
}
