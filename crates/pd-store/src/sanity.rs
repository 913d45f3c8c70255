//! The sanity checker: does every stored file exist, read and match its checksum, and is
//! every file in the media folder some document's?
//!
//! [`check`] looks at every document, trashed ones and versions included:
//!
//! - the thumbnail (`documents/thumbnails/<id:07>.webp`) must exist and be readable;
//! - the original must exist, be readable and have the stored SHA-256;
//! - a document still GnuPG-encrypted by an old paperless (`storage_type = gpg`) has its
//!   original at `<name>.gpg` and thumbnail at `<id:07>.webp.gpg`; they must exist and be
//!   readable, but their checksum (of the plain file, often MD5) waits for `pd decrypt`;
//! - an archive checksum needs an archive file name and the other way round; a named
//!   archive must exist, be readable and match;
//! - a document without text content is reported as info (it cannot be found by search);
//! - a rename that a crash interrupted (an entry left in the rename journal) is a warning.
//!
//! Then every file in the media folder that no document claimed is an orphan (a global
//! warning), unless it matches the ignore list ([`pd_core::Config::sanity_ignore`], real
//! glob patterns, see [`IgnoreList`]). Errors, warnings and infos are grouped by document;
//! the [`Summary`] counts them as paperless-ngx does.
//!
//! Files are hashed on every core at once, each streamed through a small buffer
//! ([`hash`]). With [`SanityOptions::changed_only`] a file is hashed only when its size or
//! modification time differs from what the last successful check recorded (or its name or
//! checksum changed in the database); unchanged files are taken as verified. A full check
//! runs anyway when none is recorded or the last is older than
//! [`SanityOptions::full_check_every_days`]; [`SanityReport::mode`] says which ran.
//!
//! [`fix()`] repairs what can be repaired without guessing: see its module.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> pd_store::Result<()> {
//! use pd_store::sanity::{self, SanityOptions};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = pd_store::Store::init(&pd_core::Config::for_data_dir(dir.path())).await?;
//! std::fs::write(store.media().originals_dir().join("stray.pdf"), b"%PDF").unwrap();
//! let report = sanity::check(&store, &SanityOptions::default()).await?;
//! assert_eq!(report.summary.global_warnings, 1);
//! assert_eq!(report.worst_level(), Some(sanity::Level::Warning));
//! # Ok(()) }
//! ```

mod fix;
pub mod hash;
mod inventory;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use pd_core::{Document, Id, Timestamp};
use serde::Serialize;

use crate::db::{FileKind, FileRecord, SanityRun};
use crate::{Result, Store};

pub use fix::{FixAction, FixKind, FixOptions, FixOutcome, FixReport, ThumbnailGenerator, fix};
pub use hash::{FileOpener, StdFiles};
pub use inventory::IgnoreList;

/// How [`check`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanityOptions {
    /// Hash only files whose size or modification time changed since they were last
    /// verified (a full check runs anyway when one is due).
    pub changed_only: bool,
    /// With `changed_only`: run a full check when the last one is older than this.
    pub full_check_every_days: u32,
    /// Hashing threads; all cores when `None`.
    pub threads: Option<usize>,
}

impl Default for SanityOptions {
    fn default() -> Self {
        SanityOptions {
            changed_only: false,
            full_check_every_days: 30,
            threads: None,
        }
    }
}

/// How bad an issue is. Infos do not count as issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Level::Info => "INFO",
            Level::Warning => "WARN",
            Level::Error => "ERROR",
        })
    }
}

/// What an issue is about, for programs reading the JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    ThumbnailMissing,
    ThumbnailUnreadable,
    OriginalMissing,
    OriginalUnreadable,
    OriginalChecksumMismatch,
    /// The stored file name points outside the media folder.
    UnsafeFilename,
    ArchiveChecksumWithoutFilename,
    ArchiveFilenameWithoutChecksum,
    ArchiveMissing,
    ArchiveUnreadable,
    ArchiveChecksumMismatch,
    NoContent,
    /// The original is GnuPG-encrypted (a legacy paperless document): read, but its
    /// checksum is of the plain file and is checked when `pd decrypt` runs.
    EncryptedOriginal,
    InterruptedRename,
    OrphanedFile,
    UnlistableFolder,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub level: Level,
    pub kind: IssueKind,
    pub message: String,
    /// The file concerned, when there is one.
    pub path: Option<String>,
}

impl Issue {
    fn new(level: Level, kind: IssueKind, message: String, path: Option<&Path>) -> Issue {
        Issue {
            level,
            kind,
            message,
            path: path.map(|p| p.to_string_lossy().into_owned()),
        }
    }
}

/// The issues of one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentIssues {
    pub id: Id,
    pub title: String,
    pub trashed: bool,
    pub issues: Vec<Issue>,
}

/// Which kind of check ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckMode {
    /// Every file was hashed.
    Full,
    /// Only files that changed since they were last verified were hashed.
    ChangedOnly,
}

/// Counts as paperless-ngx makes them: documents with at least one message of a level,
/// global warnings, and issues (errors and warnings; infos are not issues).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub documents_with_errors: usize,
    pub documents_with_warnings: usize,
    pub documents_with_infos: usize,
    pub global_warnings: usize,
    pub total_issues: usize,
}

impl Summary {
    /// One line for people: `2 documents with errors, 1 global warning` or `no issues`.
    pub fn sentence(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let parts: Vec<String> = [
            (self.documents_with_errors, "document with errors"),
            (self.documents_with_warnings, "document with warnings"),
            (self.documents_with_infos, "document with infos"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| plural(n, what, &what.replacen("document", "documents", 1)))
        .chain(
            (self.global_warnings > 0)
                .then(|| plural(self.global_warnings, "global warning", "global warnings")),
        )
        .collect();
        if parts.is_empty() {
            "no issues".into()
        } else {
            parts.join(", ")
        }
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SanityReport {
    pub mode: CheckMode,
    /// Why this mode ran (`--changed-only` may still run a full check).
    pub mode_reason: String,
    /// When the newest full check before this one started (RFC 3339).
    pub last_full_check: Option<String>,
    /// Documents looked at, trashed ones included.
    pub documents_checked: usize,
    pub files_hashed: u64,
    pub bytes_hashed: u64,
    /// Files skipped by `--changed-only` because they had not changed.
    pub files_unchanged: u64,
    pub threads: usize,
    pub seconds: f64,
    /// Documents with at least one message, by id.
    pub documents: Vec<DocumentIssues>,
    /// Findings about no document: orphans, unlistable folders.
    pub global: Vec<Issue>,
    pub summary: Summary,
}

impl SanityReport {
    /// The worst level of any finding that counts: `Error`, `Warning`, or `None` when
    /// the library is clean (infos alone leave it clean).
    pub fn worst_level(&self) -> Option<Level> {
        self.documents
            .iter()
            .flat_map(|d| &d.issues)
            .chain(&self.global)
            .map(|i| i.level)
            .filter(|l| *l > Level::Info)
            .max()
    }
}

/// Progress of a check, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanityProgress {
    /// Hashing starts: this many files and bytes to read.
    Reading { files: u64, bytes: u64 },
    /// One file was read.
    FileDone { bytes: u64 },
}

/// Checks the library with the real file system and no progress reporting.
pub async fn check(store: &Store, opts: &SanityOptions) -> Result<SanityReport> {
    check_with(store, opts, &StdFiles, &|_| {}).await
}

/// What a document's file check turned into before reading.
enum Planned {
    /// Not a file (or no such path).
    Missing(PathBuf),
    /// Read as job `n`.
    Job(usize),
    /// `--changed-only`: unchanged since it was last verified.
    Unchanged,
    /// The stored name leaves the media folder.
    Unsafe(String),
}

struct DocPlan {
    thumbnail: Planned,
    original: Planned,
    archive: Option<Planned>,
}

/// What a job is, to turn its outcome into a record.
struct JobMeta {
    document: usize,
    kind: Option<FileKind>,
    filename: String,
    expected: Option<String>,
}

/// [`check`] with a caller's file opener (tests use one to make files unreadable) and
/// progress callback. Hashing runs on a rayon pool while this future waits.
pub async fn check_with(
    store: &Store,
    opts: &SanityOptions,
    opener: &dyn FileOpener,
    progress: &(dyn Fn(SanityProgress) + Sync),
) -> Result<SanityReport> {
    let started = Instant::now();
    let started_at = pd_core::now();
    let ignore = IgnoreList::new(&store.config().sanity_ignore)?;
    let mut conn = store.db().conn().await?;
    let docs = conn.documents_for_integrity().await?;
    let last_full = conn.last_full_sanity_check().await?;
    let journal = conn.rename_journal().await?;
    let (mode, mode_reason) = choose_mode(opts, last_full, started_at);
    let records: HashMap<(Id, FileKind), FileRecord> = if mode == CheckMode::ChangedOnly {
        conn.sanity_file_records()
            .await?
            .into_iter()
            .map(|r| ((r.document_id, r.kind), r))
            .collect()
    } else {
        HashMap::new()
    };
    drop(conn);

    let media = store.media();
    let mut skip_dirs = vec![quarantine_root(store)];
    skip_dirs.retain(|d| d.starts_with(media.root()));
    let (mut inventory, unlistable) = inventory::inventory(media.root(), &ignore, &skip_dirs);
    inventory.remove(&media.root().join("media.lock"));

    let mut jobs = Vec::new();
    let mut metas = Vec::new();
    let mut plans = Vec::with_capacity(docs.len());
    let mut claimed: HashSet<PathBuf> = HashSet::new();
    let mut files_unchanged = 0u64;
    for (index, doc) in docs.iter().enumerate() {
        let mut plan_file =
            |path: PathBuf, kind: Option<FileKind>, name: &str, sum: Option<&str>| {
                let stamp = hash::FileStamp::of(&path).ok().filter(|_| path.is_file());
                let Some(stamp) = stamp else {
                    return Planned::Missing(path);
                };
                claimed.insert(path.clone());
                if let (Some(kind), Some(sum)) = (kind, sum)
                    && let Some(r) = records.get(&(doc.id, kind))
                    && r.filename == name
                    && r.checksum == sum
                    && r.size == stamp.size as i64
                    && r.mtime_ns == stamp.mtime_ns
                {
                    files_unchanged += 1;
                    return Planned::Unchanged;
                }
                jobs.push(hash::ReadJob {
                    path,
                    hash: sum.is_some(),
                    size_hint: stamp.size,
                });
                metas.push(JobMeta {
                    document: index,
                    kind,
                    filename: name.to_owned(),
                    expected: sum.map(str::to_owned),
                });
                Planned::Job(jobs.len() - 1)
            };
        let thumbnail = plan_file(media.thumbnail_path(doc), None, "", None);
        let name = doc.source_filename();
        // A GnuPG-stored original can only be read here: its checksum (often a legacy
        // MD5) is of the plain file.
        let original_sum = (!doc.is_encrypted()).then_some(doc.checksum.as_str());
        let original = match media.original_path(doc) {
            Ok(path) => plan_file(path, Some(FileKind::Original), &name, original_sum),
            Err(e) => Planned::Unsafe(e.to_string()),
        };
        let archive = match (&doc.archive_filename, &doc.archive_checksum) {
            (Some(name), Some(sum)) => Some(match media.archive_path(doc) {
                Ok(Some(path)) => plan_file(path, Some(FileKind::Archive), name, Some(sum)),
                Ok(None) => Planned::Unsafe(format!("archive name {name:?} unusable")),
                Err(e) => Planned::Unsafe(e.to_string()),
            }),
            (Some(_), None) => {
                // Named but without checksum (reported below): still the document's file,
                // not an orphan.
                if let Ok(Some(path)) = media.archive_path(doc) {
                    claimed.insert(path);
                }
                None
            }
            _ => None,
        };
        plans.push(DocPlan {
            thumbnail,
            original,
            archive,
        });
    }

    let total_bytes = jobs.iter().map(|j| j.size_hint).sum();
    progress(SanityProgress::Reading {
        files: jobs.len() as u64,
        bytes: total_bytes,
    });
    let bytes_read = AtomicU64::new(0);
    let outcomes = hash::read_all(&jobs, opts.threads, opener, &|bytes| {
        bytes_read.fetch_add(bytes, Ordering::Relaxed);
        progress(SanityProgress::FileDone { bytes });
    })?;
    let threads = opts.threads.unwrap_or_else(rayon::current_num_threads);

    let mut by_doc: HashMap<Id, Vec<&crate::db::JournalEntry>> = HashMap::new();
    for entry in &journal {
        by_doc.entry(entry.document_id).or_default().push(entry);
    }
    let mut documents = Vec::new();
    for (doc, plan) in docs.iter().zip(&plans) {
        let mut issues = document_issues(doc, plan, &outcomes, &jobs);
        for entry in by_doc.remove(&doc.id).unwrap_or_default() {
            issues.push(interrupted_rename(entry));
        }
        if !issues.is_empty() {
            documents.push(DocumentIssues {
                id: doc.id,
                title: doc.title.clone(),
                trashed: doc.is_trashed(),
                issues,
            });
        }
    }

    let mut global = Vec::new();
    for entries in by_doc.into_values() {
        global.extend(entries.into_iter().map(interrupted_rename));
    }
    for warning in unlistable {
        global.push(Issue::new(
            Level::Warning,
            IssueKind::UnlistableFolder,
            warning,
            None,
        ));
    }
    let mut orphans: Vec<PathBuf> = inventory.difference(&claimed).cloned().collect();
    orphans.sort();
    for path in orphans {
        global.push(Issue::new(
            Level::Warning,
            IssueKind::OrphanedFile,
            format!("orphaned file in the media folder: {}", path.display()),
            Some(&path),
        ));
    }
    inventory.clear();

    let summary = summarise(&documents, &global);
    let (records, forget) = new_records(&docs, &metas, &outcomes, started_at);
    let files_hashed = jobs.iter().filter(|j| j.hash).count() as u64;
    let bytes_hashed = jobs
        .iter()
        .zip(&outcomes)
        .filter(|(j, _)| j.hash)
        .map(|(_, o)| o.bytes)
        .sum();
    let mut conn = store.db().conn().await?;
    conn.update_sanity_file_records(&forget, &records).await?;
    let count = |level| {
        documents
            .iter()
            .flat_map(|d| &d.issues)
            .chain(&global)
            .filter(|i| i.level == level)
            .count() as i64
    };
    conn.insert_sanity_run(&SanityRun {
        started_at,
        finished_at: pd_core::now(),
        full_check: mode == CheckMode::Full,
        files_hashed: files_hashed as i64,
        bytes_hashed: i64::try_from(bytes_hashed).unwrap_or(i64::MAX),
        errors: count(Level::Error),
        warnings: count(Level::Warning),
    })
    .await?;

    Ok(SanityReport {
        mode,
        mode_reason,
        last_full_check: last_full.map(rfc3339),
        documents_checked: docs.len(),
        files_hashed,
        bytes_hashed,
        files_unchanged,
        threads,
        seconds: started.elapsed().as_secs_f64(),
        documents,
        global,
        summary,
    })
}

/// Where `--fix` moves orphans: `<data dir>/quarantine`.
pub fn quarantine_root(store: &Store) -> PathBuf {
    store.config().data_dir.join("quarantine")
}

fn rfc3339(t: Timestamp) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn choose_mode(
    opts: &SanityOptions,
    last_full: Option<Timestamp>,
    now: Timestamp,
) -> (CheckMode, String) {
    if !opts.changed_only {
        return (CheckMode::Full, "a full check was asked for".into());
    }
    let Some(last) = last_full else {
        return (
            CheckMode::Full,
            "no full check is recorded yet, so this one is full".into(),
        );
    };
    let age = now - last;
    let limit = time::Duration::days(i64::from(opts.full_check_every_days));
    if age >= limit {
        return (
            CheckMode::Full,
            format!(
                "the last full check ({}) is more than {} day(s) old, so this one is full",
                rfc3339(last),
                opts.full_check_every_days
            ),
        );
    }
    (
        CheckMode::ChangedOnly,
        format!(
            "only files changed since they were last verified were hashed; last full check {}",
            rfc3339(last)
        ),
    )
}

fn interrupted_rename(entry: &crate::db::JournalEntry) -> Issue {
    Issue::new(
        Level::Warning,
        IssueKind::InterruptedRename,
        format!(
            "an interrupted rename of document {}'s {} ({} -> {}): run `pd rename` to finish it",
            entry.document_id, entry.kind, entry.from_name, entry.to_name
        ),
        None,
    )
}

fn document_issues(
    doc: &Document,
    plan: &DocPlan,
    outcomes: &[hash::ReadOutcome],
    jobs: &[hash::ReadJob],
) -> Vec<Issue> {
    use IssueKind as K;
    let mut issues = Vec::new();
    match &plan.thumbnail {
        Planned::Missing(path) => issues.push(Issue::new(
            Level::Error,
            K::ThumbnailMissing,
            format!("thumbnail missing: {}", path.display()),
            Some(path),
        )),
        Planned::Job(n) => {
            if let Err(e) = &outcomes[*n].result {
                let path = &jobs[*n].path;
                issues.push(Issue::new(
                    Level::Error,
                    K::ThumbnailUnreadable,
                    format!("thumbnail unreadable: {}: {e}", path.display()),
                    Some(path),
                ));
            }
        }
        Planned::Unchanged | Planned::Unsafe(_) => {}
    }
    let files = FileChecks { outcomes, jobs };
    files.check(
        &mut issues,
        &plan.original,
        "original",
        [
            K::OriginalMissing,
            K::OriginalUnreadable,
            K::OriginalChecksumMismatch,
        ],
        &doc.checksum,
    );
    match (&doc.archive_filename, &doc.archive_checksum, &plan.archive) {
        (None, Some(_), _) => issues.push(Issue::new(
            Level::Error,
            K::ArchiveChecksumWithoutFilename,
            "the database has an archive checksum but no archive file name".into(),
            None,
        )),
        (Some(name), None, _) => issues.push(Issue::new(
            Level::Error,
            K::ArchiveFilenameWithoutChecksum,
            format!("the database names an archive file ({name}) but has no checksum for it"),
            None,
        )),
        (Some(_), Some(sum), Some(planned)) => files.check(
            &mut issues,
            planned,
            "archive",
            [
                K::ArchiveMissing,
                K::ArchiveUnreadable,
                K::ArchiveChecksumMismatch,
            ],
            sum,
        ),
        _ => {}
    }
    if doc.is_encrypted() {
        issues.push(Issue::new(
            Level::Info,
            K::EncryptedOriginal,
            "stored GnuPG-encrypted by an old paperless: `pd decrypt` turns it into plain \
             files and verifies its checksum"
                .into(),
            None,
        ));
    }
    if doc.content.is_empty() {
        issues.push(Issue::new(
            Level::Info,
            K::NoContent,
            "no text content: the document cannot be found by searching".into(),
            None,
        ));
    }
    issues
}

struct FileChecks<'a> {
    outcomes: &'a [hash::ReadOutcome],
    jobs: &'a [hash::ReadJob],
}

impl FileChecks<'_> {
    /// Missing, unreadable or corrupt (`kinds` in that order).
    fn check(
        &self,
        issues: &mut Vec<Issue>,
        planned: &Planned,
        what: &str,
        kinds: [IssueKind; 3],
        stored: &str,
    ) {
        let issue = match planned {
            Planned::Missing(path) => Issue::new(
                Level::Error,
                kinds[0],
                format!("{what} missing: {}", path.display()),
                Some(path),
            ),
            Planned::Unsafe(e) => {
                Issue::new(Level::Error, IssueKind::UnsafeFilename, e.clone(), None)
            }
            Planned::Unchanged => return,
            Planned::Job(n) => {
                let path = &self.jobs[*n].path;
                match &self.outcomes[*n].result {
                    Err(e) => Issue::new(
                        Level::Error,
                        kinds[1],
                        format!("{what} unreadable: {}: {e}", path.display()),
                        Some(path),
                    ),
                    Ok(Some(actual)) if actual != stored => Issue::new(
                        Level::Error,
                        kinds[2],
                        format!(
                            "{what} corrupt: its SHA-256 is {actual}, the database has {stored}: {}",
                            path.display()
                        ),
                        Some(path),
                    ),
                    Ok(_) => return,
                }
            }
        };
        issues.push(issue);
    }
}

fn summarise(documents: &[DocumentIssues], global: &[Issue]) -> Summary {
    let with = |level| {
        documents
            .iter()
            .filter(|d| d.issues.iter().any(|i| i.level == level))
            .count()
    };
    let counted = |i: &&Issue| i.level > Level::Info;
    let global_warnings = global.iter().filter(counted).count();
    Summary {
        documents_with_errors: with(Level::Error),
        documents_with_warnings: with(Level::Warning),
        documents_with_infos: with(Level::Info),
        global_warnings,
        total_issues: documents
            .iter()
            .flat_map(|d| &d.issues)
            .filter(counted)
            .count()
            + global_warnings,
    }
}

/// Records for files that hashed to their stored checksum and did not change while
/// read; the keys of hashed files that did not verify, to forget.
fn new_records(
    docs: &[Document],
    metas: &[JobMeta],
    outcomes: &[hash::ReadOutcome],
    now: Timestamp,
) -> (Vec<FileRecord>, Vec<(Id, FileKind)>) {
    let mut records = Vec::new();
    let mut forget = Vec::new();
    for (meta, outcome) in metas.iter().zip(outcomes) {
        let Some(kind) = meta.kind else { continue };
        let id = docs[meta.document].id;
        match (&outcome.result, &meta.expected, outcome.stamp) {
            (Ok(Some(actual)), Some(expected), Some(stamp)) if actual == expected => {
                records.push(FileRecord {
                    document_id: id,
                    kind,
                    filename: meta.filename.clone(),
                    size: i64::try_from(stamp.size).unwrap_or(i64::MAX),
                    mtime_ns: stamp.mtime_ns,
                    checksum: expected.clone(),
                    verified_at: now,
                })
            }
            _ => forget.push((id, kind)),
        }
    }
    (records, forget)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_sentences() {
        let mut s = Summary::default();
        assert_eq!(s.sentence(), "no issues");
        s.documents_with_errors = 2;
        s.global_warnings = 1;
        assert_eq!(s.sentence(), "2 documents with errors, 1 global warning");
        s.documents_with_infos = 1;
        assert_eq!(
            s.sentence(),
            "2 documents with errors, 1 document with infos, 1 global warning"
        );
    }

    #[test]
    fn changed_only_runs_full_checks_when_due() {
        let now = pd_core::now();
        let opts = SanityOptions {
            changed_only: true,
            ..SanityOptions::default()
        };
        assert_eq!(choose_mode(&opts, None, now).0, CheckMode::Full);
        let recent = now - time::Duration::days(3);
        assert_eq!(
            choose_mode(&opts, Some(recent), now).0,
            CheckMode::ChangedOnly
        );
        let old = now - time::Duration::days(31);
        let (mode, reason) = choose_mode(&opts, Some(old), now);
        assert_eq!(mode, CheckMode::Full);
        assert!(reason.contains("30 day"), "{reason}");
        assert_eq!(
            choose_mode(&SanityOptions::default(), Some(recent), now).0,
            CheckMode::Full
        );
    }
}
