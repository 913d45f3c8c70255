//! The command line, declared with clap. Every command and flag carries its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// pd — a document management system that reads and writes paperless-ngx's data.
///
/// pd keeps a library of documents: a database (SQLite in the data folder by default,
/// or PostgreSQL / MariaDB) and a media folder laid out like paperless-ngx's.
/// Settings come from `pd.toml` in the data folder and `PD_*` environment variables.
#[derive(Debug, Parser)]
#[command(name = "pd", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The library's data folder (database, pd.toml, media by default).
    #[arg(long, global = true, env = "PD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print results as JSON on standard output.
    #[arg(long, global = true)]
    pub json: bool,
    /// Never show progress bars (they are hidden anyway when stderr is not a terminal).
    #[arg(long, global = true)]
    pub no_progress_bar: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data folder, the media folder and the database (safe to re-run).
    Init,
    /// Migrate the database to pd's newest schema, or up or down to a given migration.
    Migrate(MigrateArgs),
    /// Add files to the library: PDFs with a text layer and plain text files.
    ///
    /// Folders are walked recursively; hidden files and system clutter are skipped.
    /// Source files are never changed or removed. A file whose content is already in the
    /// library is consumed with a warning, or rejected when
    /// PD_CONSUMER_DELETE_DUPLICATES is set.
    Consume(ConsumeArgs),
    /// List, show, trash and restore documents.
    #[command(subcommand)]
    Documents(DocumentsCommand),
    /// Look into and empty the trash.
    #[command(subcommand)]
    Trash(TrashCommand),
    /// Manage tags.
    #[command(subcommand)]
    Tags(ObjectCommand),
    /// Manage correspondents.
    #[command(subcommand)]
    Correspondents(ObjectCommand),
    /// Manage document types.
    #[command(subcommand)]
    Types(ObjectCommand),
    /// Manage storage paths (file name templates for the documents they match).
    #[command(subcommand, name = "storage-paths")]
    StoragePaths(ObjectCommand),
    /// Show the library: counts, sizes, database, versions.
    Status,
    /// Check every stored file (exists, readable, checksum) and find orphans; exit code
    /// 0 clean, 1 warnings, 2 errors. --fix lists repairs, --fix --apply makes them.
    Sanity(crate::commands::sanity::SanityArgs),
    /// Move stored files to the names the file name format and storage paths give,
    /// journaled so that a crash never leaves disk and database apart.
    Rename(crate::commands::rename::RenameArgs),
    /// Find near-duplicate documents as paperless-ngx's document_fuzzy_match does (the
    /// same pairs and ratios), and exact duplicates; optionally move them to the trash.
    Duplicates(crate::commands::duplicates::DuplicatesArgs),
    /// Apply the match rules to documents already in the library (paperless-ngx's
    /// document_retagger).
    Retag(RetagArgs),
    /// Make the thumbnails again from the originals (paperless-ngx's document_thumbnails):
    /// the first page of a PDF, the first lines of a text file, else a placeholder.
    Thumbnails(crate::commands::thumbnails::ThumbnailsArgs),
    /// Make the missing PDF/A-2B archive versions (paperless-ngx's document_archiver):
    /// page images with an invisible, searchable text layer, under documents/archive.
    Archive(crate::commands::archive::ArchiveArgs),
    /// Train the model behind the auto matching algorithm.
    #[command(subcommand)]
    Classifier(crate::commands::classifier::ClassifierCommand),
    /// Explain the match rules: which ones match a document, and why.
    #[command(subcommand, name = "match")]
    Match(crate::commands::explain::MatchCommand),
    /// Search the library: words, "phrases", AND/OR/NOT, fields, dates, fuzzy terms
    /// (paperless-ngx's query language); ranked, with highlighted passages.
    Search(crate::commands::search::SearchArgs),
    /// Rebuild the search index (resumable) or merge its segments.
    #[command(subcommand)]
    Index(crate::commands::index::IndexCommand),
    /// Import a paperless-ngx 3 (or pd) export: a directory or ZIP, split manifests,
    /// folder prefixes, passphrases; or, with --from-instance, a paperless / paperless-ng
    /// / paperless-ngx installation's database and media folder, read-only. Every file
    /// and checksum is checked before anything is written; then all is imported in one
    /// transaction, or nothing.
    Import(crate::commands::import::ImportArgs),
    /// Re-hash an export (directory, ZIP or pd backup) against its manifest: missing,
    /// extra and corrupt files; exit code 1 when anything is wrong.
    Verify(crate::commands::import::VerifyArgs),
    /// Export the library in paperless-ngx 3's format (directory or ZIP), incrementally:
    /// an unchanged library writes no file, and the previous export stays intact until
    /// the new one is complete.
    Export(crate::commands::export::ExportArgs),
    /// Write the whole library into one .tar.gz: documents in a folder tree named by the
    /// library's filename template (else correspondent/title), thumbnails, archives, the
    /// full manifest, every file's SHA-256, the pd version and the database migration.
    Backup(crate::commands::backup::BackupArgs),
    /// Restore a pd backup into an empty library (or, with --merge, a non-empty one).
    /// Every member and SHA-256 is checked, and hostile or newer archives refused, before
    /// anything is written; then all is restored in one transaction, or nothing.
    Restore(crate::commands::backup::RestoreArgs),
    /// Decrypt the documents an old paperless stored GnuPG-encrypted: each original and
    /// thumbnail is verified against its checksum, written as a plain file, and only
    /// then is the encrypted file removed. Resumable; a wrong passphrase changes nothing.
    Decrypt(crate::commands::decrypt::DecryptArgs),
    /// Fetch documents from mail (IMAP accounts and rules), send documents by mail
    /// (SMTP), and manage mail accounts and rules.
    #[command(subcommand)]
    Mail(crate::commands::mail::MailCommand),
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Migrate up or down to this migration number (0 removes every pd table).
    #[arg(long, value_name = "N")]
    pub to: Option<i64>,
    /// List the migrations and which are applied, change nothing.
    #[arg(long, conflicts_with = "to")]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct ConsumeArgs {
    /// Files or folders to consume.
    #[arg(required_unless_present = "watch", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Watch this folder and consume every file dropped into it once it is completely
    /// written, removing it once stored (paperless-ngx's consumption folder); runs until
    /// Ctrl-C or SIGTERM. Settings: PD_CONSUMER_RECURSIVE, PD_CONSUMER_STABILITY_DELAY,
    /// PD_CONSUMER_POLLING_INTERVAL, PD_CONSUMER_IGNORE_PATTERNS.
    #[arg(long, value_name = "DIR", conflicts_with = "paths")]
    pub watch: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// List documents (not trashed ones unless asked).
    List(ListDocumentsArgs),
    /// Show one document with all its fields.
    Show {
        /// The document's id.
        id: i64,
    },
    /// Move documents to the trash (restorable until the trash is emptied).
    Delete {
        /// Document ids.
        #[arg(required = true)]
        ids: Vec<i64>,
        /// Show what would be trashed and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Bring documents back from the trash.
    Restore {
        /// Document ids.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

#[derive(Debug, Args)]
pub struct ListDocumentsArgs {
    /// List trashed documents too.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Subcommand)]
pub enum TrashCommand {
    /// List the documents in the trash.
    List,
    /// Remove trashed documents for good: rows and files (originals go to
    /// PD_EMPTY_TRASH_DIR when it is set).
    Empty(EmptyTrashArgs),
}

#[derive(Debug, Args)]
pub struct EmptyTrashArgs {
    /// Only these documents (they must be in the trash).
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<i64>,
    /// Only documents trashed at least this many days ago.
    #[arg(long, value_name = "DAYS")]
    pub older_than: Option<u32>,
    /// Show what would be removed and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation (needed when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum ObjectCommand {
    /// List them with their match rules.
    List,
    /// Add one, with an optional match rule.
    Add(AddObjectArgs),
    /// Remove one by name or id; documents keep existing without it.
    Remove {
        /// Name or id.
        name: String,
        /// Show what would be removed and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddObjectArgs {
    /// The name (unique).
    pub name: String,
    /// The match pattern; its meaning depends on --algorithm.
    #[arg(long = "match", value_name = "PATTERN", default_value = "")]
    pub pattern: String,
    /// none, any, all, literal, regex, fuzzy or auto (or their numbers 0–6).
    #[arg(long, default_value = "any", value_parser = parse_algorithm)]
    pub algorithm: pd_core::MatchingAlgorithm,
    /// Match case-sensitively (the default is case-insensitive).
    #[arg(long)]
    pub case_sensitive: bool,
    /// Owner's user name (no owner: visible to everybody).
    #[arg(long, value_name = "USERNAME")]
    pub owner: Option<String>,
    /// Tags only: colour as #rrggbb.
    #[arg(long, value_name = "#RRGGBB")]
    pub color: Option<String>,
    /// Tags only: every newly consumed document gets this tag.
    #[arg(long)]
    pub inbox: bool,
    /// Tags only: the parent tag's name or id.
    #[arg(long, value_name = "TAG")]
    pub parent: Option<String>,
    /// Storage paths only: the file name template, e.g.
    /// "{{ correspondent }}/{{ created_year }}/{{ title }}".
    #[arg(long, value_name = "TEMPLATE")]
    pub path: Option<String>,
}

fn parse_algorithm(text: &str) -> Result<pd_core::MatchingAlgorithm, String> {
    pd_core::MatchingAlgorithm::parse(text).ok_or_else(|| {
        format!("unknown algorithm {text:?}: use none, any, all, literal, regex, fuzzy or auto")
    })
}

#[derive(Debug, Args)]
pub struct RetagArgs {
    /// Set correspondents.
    #[arg(short = 'c', long)]
    pub correspondent: bool,
    /// Add tags (and with --overwrite remove tags that no longer match).
    #[arg(short = 'T', long)]
    pub tags: bool,
    /// Set document types.
    #[arg(short = 't', long, alias = "document_type")]
    pub document_type: bool,
    /// Set storage paths (stored files move to the names their templates now give).
    #[arg(short = 's', long, alias = "storage_path")]
    pub storage_path: bool,
    /// Only documents that have an inbox tag.
    #[arg(short = 'i', long)]
    pub inbox_only: bool,
    /// Only documents with LO <= id <= HI.
    #[arg(long, num_args = 2, value_names = ["LO", "HI"])]
    pub id_range: Option<Vec<i64>>,
    /// When several objects match, take the first by name (else none is assigned).
    #[arg(long)]
    pub use_first: bool,
    /// Replace set correspondents, types and paths (clearing them when nothing
    /// matches) and remove tags whose rule no longer matches; inbox tags and tags
    /// without a rule are kept.
    #[arg(short = 'f', long)]
    pub overwrite: bool,
    /// Show every change that would be made and change nothing.
    #[arg(long, alias = "suggest")]
    pub dry_run: bool,
}
