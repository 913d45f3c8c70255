//! `pd import`: check everything, then write everything or nothing.
//!
//! Before the database is touched the whole export is read and checked: JSON, duplicate
//! pks, references, every referenced file inside the export, every SHA-256 (hashed in
//! parallel, a batch of documents at a time). Then, holding the media lock, one
//! transaction writes every row — the documents as the export is read a second time —,
//! the files are copied into place (temporary name + rename) and the transaction
//! commits. Any failure rolls the transaction back and removes the files already placed.
//! Neither reading keeps the documents: what stays per document is its id and keys of
//! its names, and the list of files to place waits in a temporary file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pd_core::Id;
use pd_store::Store;
use pd_store::media::{stage_copy, sync_file_systems};
use pd_store::naming::delete_empty_directories;
use rayon::prelude::*;
use serde::Serialize;

use crate::convert::{ExportedDocument, ImportData, document};
use crate::crypt::Crypter;
use crate::export::spool::{Spool, SpoolReader, bytes_path, path_bytes};
use crate::legacy::checksum::hash_file;
use crate::manifest::{Fields, read_records, read_records_from};
use crate::plan::{self, Reused};
use crate::source::{ExportSource, SourceKind, ZipLimits};
use crate::{Error, Result};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Import into a library that already holds data: ids are remapped, objects with the
    /// same name reused, documents whose checksum is present skipped.
    pub merge: bool,
    /// The export's passphrase, needed when its metadata has `__crypto__`.
    pub passphrase: Option<String>,
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Limits for unpacking a ZIP.
    pub zip_limits: ZipLimits,
    /// Where a ZIP is unpacked (the system's temporary folder when unset).
    pub work_dir: Option<PathBuf>,
}

/// How many rows of each kind an import wrote (or, dry, would write).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Documents written.
    pub documents: usize,
    /// Users written.
    pub users: usize,
    /// Correspondents written.
    pub correspondents: usize,
    /// Document types written.
    pub document_types: usize,
    /// Storage paths written.
    pub storage_paths: usize,
    /// Tags written.
    pub tags: usize,
    /// Custom fields written.
    pub custom_fields: usize,
    /// Custom field instances written.
    pub custom_field_instances: usize,
    /// Notes written.
    pub notes: usize,
    /// Mail accounts written.
    pub mail_accounts: usize,
    /// Mail rules written.
    pub mail_rules: usize,
    /// Records of models pd does not use, kept verbatim for a later export.
    pub other_records: usize,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The export imported.
    pub source: PathBuf,
    /// Directory or ZIP.
    pub kind: SourceKind,
    /// The version the export's metadata names.
    pub export_version: Option<String>,
    /// Nothing was written.
    pub dry_run: bool,
    /// `--merge` was given.
    pub merge: bool,
    /// Rows written (or to be written).
    pub imported: ImportCounts,
    /// Export ids of documents skipped because the library has their checksum.
    pub skipped_documents: Vec<Id>,
    /// Existing objects reused by name with `--merge`.
    pub reused: Reused,
    /// Kept records not written because one with the same model and pk was kept already.
    pub skipped_other_records: usize,
    /// Files whose SHA-256 was checked against the manifest.
    pub files_verified: usize,
    /// Files copied into the media folder.
    pub files_placed: usize,
    /// Bytes copied into the media folder.
    pub bytes_placed: u64,
    /// What was dropped or adjusted (archive without file, ASN taken, …).
    pub warnings: Vec<String>,
}

/// How far an import is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportProgress {
    /// Checking: bytes of the manifests read so far (every document's files hashed on
    /// the way), of all.
    Checking { done: u64, total: u64 },
    /// Writing the rows: documents written, of all.
    Writing { done: u64, total: u64 },
    /// Copying files into the media folder: files placed, of all.
    Placing { done: u64, total: u64 },
}

/// A progress callback that ignores what it is told.
pub(crate) fn no_progress(_: ImportProgress) {}

/// A progress callback.
pub(crate) type OnProgress<'a> = &'a (dyn Fn(ImportProgress) + Sync);

/// Counts the bytes read through it.
struct Counted<'a, R> {
    inner: R,
    count: &'a std::cell::Cell<u64>,
}

impl<R: std::io::Read> std::io::Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// How many documents are checked together: their files are hashed in parallel, and
/// only they are held in memory.
pub(crate) const CHECK_BATCH: usize = 256;

/// Reads, decrypts, converts and checks every record of an opened export, and every
/// document's files. Documents are not kept (the write reads them again); everything
/// else is.
fn check_export(
    source: &ExportSource,
    passphrase: Option<&str>,
    resolve: Resolve,
    progress: OnProgress,
) -> Result<(ImportData, FileCheck)> {
    let crypter = match source.metadata().and_then(|m| m.crypto.as_ref()) {
        None => None,
        Some(params) => {
            let passphrase = passphrase.ok_or_else(|| {
                Error::Passphrase(
                    "this export contains encrypted fields: give its passphrase (--passphrase)"
                        .into(),
                )
            })?;
            Some(Crypter::new(passphrase, params)?)
        }
    };
    let mut data = ImportData::default();
    let mut files = FileCheck::default();
    let mut batch = Vec::with_capacity(CHECK_BATCH);
    let total = source
        .manifests()
        .iter()
        .map(|m| std::fs::metadata(m).map_or(0, |m| m.len()))
        .sum();
    let read = std::cell::Cell::new(0);
    for manifest in source.manifests() {
        let file =
            std::fs::File::open(manifest).map_err(|e| Error::io("cannot open", manifest, e))?;
        let counted = Counted {
            inner: file,
            count: &read,
        };
        read_records_from(std::io::BufReader::new(counted), manifest, |mut record| {
            if let Some(c) = &crypter {
                c.decrypt_record(&mut record)?;
            }
            if let Some(mut e) = data.add_streamed(record)? {
                e.document.content = String::new();
                batch.push(e);
                if batch.len() == CHECK_BATCH {
                    files.check(&batch, resolve)?;
                    batch.clear();
                    progress(ImportProgress::Checking {
                        done: read.get(),
                        total,
                    });
                }
            }
            Ok(())
        })?;
    }
    files.check(&batch, resolve)?;
    progress(ImportProgress::Checking { done: total, total });
    drop(batch);
    data.finish()?;
    Ok((data, files))
}

/// Finds a manifest path's file (inside the export, or the installation's media folder).
pub(crate) type Resolve<'a> = &'a (dyn Fn(&str) -> Result<PathBuf> + Sync);

/// What checking a document's files found, kept for the write: how many files were
/// checked against the manifest, and the SHA-256s that differ from what the manifest
/// says (an MD5 of paperless-ngx 2 and older, upper-case hex, an archive without a
/// checksum), by export id. An export pd or paperless-ngx 3 wrote has none of those,
/// so nothing is kept per document.
#[derive(Debug, Default)]
pub(crate) struct FileCheck {
    pub verified: usize,
    found: HashMap<Id, (Option<String>, Option<String>)>,
}

impl FileCheck {
    /// Checks the documents' files in parallel (see [`check_document_files`]). The first
    /// failing document (in order) gives the error.
    fn check(&mut self, docs: &[ExportedDocument], resolve: Resolve) -> Result<()> {
        let results: Vec<Result<Checked>> = docs
            .par_iter()
            .map(|e| check_document_files(e, resolve))
            .collect();
        for (e, result) in docs.iter().zip(results) {
            let ((checksum, archive), verified) = result?;
            self.verified += verified;
            let d = &e.document;
            let checksum = checksum.filter(|c| *c != d.checksum);
            let archive = archive.filter(|a| d.archive_checksum.as_ref() != Some(a));
            if checksum.is_some() || archive.is_some() {
                self.found.insert(e.export_id, (checksum, archive));
            }
        }
        Ok(())
    }

    /// Gives a document the SHA-256s its files were found to have.
    fn apply(&self, e: &mut ExportedDocument) {
        let d = &mut e.document;
        if let Some((checksum, archive)) = self.found.get(&e.export_id) {
            if let Some(c) = checksum {
                d.checksum.clone_from(c);
            }
            if archive.is_some() {
                d.archive_checksum.clone_from(archive);
            }
        }
        d.checksum.make_ascii_lowercase();
    }
}

/// What checking one document's files found: its SHA-256s (original, archive) where a
/// file was hashed (legacy MD5 rows get SHA-256 ones), and how many files were checked
/// against the manifest.
type Checked = ((Option<String>, Option<String>), usize);

/// Checks a document's files: the original against its checksum (SHA-256, or MD5 for
/// paperless-ngx 2 and older; a GnuPG-stored original only once `pd decrypt` can read
/// it), the archive likewise, the thumbnail's presence.
pub(crate) fn check_document_files(e: &ExportedDocument, resolve: Resolve) -> Result<Checked> {
    let d = &e.document;
    let original = resolve(&e.file)?;
    let mut verified = 0;
    let mut checksum = None;
    if d.is_encrypted() {
        if !original.is_file() {
            return Err(Error::Invalid(format!(
                "document pk={}: {} is not a file",
                d.id, e.file
            )));
        }
    } else {
        let actual = hash_file(&original)?;
        if !actual.matches(&d.checksum) {
            return Err(Error::Checksum {
                path: e.file.clone(),
                expected: d.checksum.clone(),
                actual: actual.like(&d.checksum).to_owned(),
            });
        }
        verified += 1;
        checksum = Some(actual.sha256);
    }
    let mut archive_checksum = None;
    if let Some(name) = &e.archive {
        let actual = hash_file(&resolve(name)?)?;
        match &d.archive_checksum {
            Some(expected) if !actual.matches(expected) => {
                return Err(Error::Checksum {
                    path: name.clone(),
                    expected: expected.clone(),
                    actual: actual.like(expected).to_owned(),
                });
            }
            Some(_) => verified += 1,
            None => {}
        }
        archive_checksum = Some(actual.sha256);
    }
    if let Some(name) = &e.thumbnail {
        resolve(name)?;
    }
    Ok(((checksum, archive_checksum), verified))
}

/// Checks the documents' files in parallel (see [`check_document_files`]), gives the
/// documents the SHA-256s found, and returns how many files were checked against the
/// manifest. The first failing document (in order) gives the error.
pub(crate) fn check_all_files(docs: &mut [ExportedDocument], resolve: Resolve) -> Result<usize> {
    let mut files = FileCheck::default();
    files.check(docs, resolve)?;
    for e in docs.iter_mut() {
        files.apply(e);
    }
    Ok(files.verified)
}

/// Imports a paperless-ngx 3 (or pd) export — a directory or a ZIP, with or without
/// split manifests, folder prefixes or a passphrase — into the library.
///
/// The export is read twice, and neither time whole: first to check every record and
/// file (documents a batch at a time), then, inside the transaction, to write each
/// document as it comes. So memory does not grow with the number of documents beyond a
/// few bytes of id and name keys each.
pub async fn import(store: &Store, source: &Path, opts: &ImportOptions) -> Result<ImportReport> {
    import_with(store, source, opts, &no_progress).await
}

/// [`import()`], telling `progress` how far it is.
pub async fn import_with(
    store: &Store,
    source: &Path,
    opts: &ImportOptions,
    progress: OnProgress<'_>,
) -> Result<ImportReport> {
    let export = ExportSource::open(source, &opts.zip_limits, opts.work_dir.as_deref())?;
    let resolve = |name: &str| export.resolve(name);
    let (data, files) = check_export(&export, opts.passphrase.as_deref(), &resolve, progress)?;
    let version = export.metadata().and_then(|m| m.version.clone());
    let documents = Documents::Reread {
        manifests: export.manifests().to_vec(),
        versions: data.versions > 0,
        files,
    };
    write_import(
        store,
        data,
        documents,
        &resolve,
        opts,
        (source.to_owned(), export.kind(), version),
        progress,
    )
    .await
}

/// Where the documents to write come from.
pub(crate) enum Documents {
    /// Held in memory with the rest of the data, roots first, files checked.
    Held { files_verified: usize },
    /// Read again from the export's manifests (checked already), roots first.
    Reread {
        manifests: Vec<PathBuf>,
        /// Whether any document is a version: then a second reading brings them.
        versions: bool,
        files: FileCheck,
    },
}

/// The documents in the order they are written: roots before their versions.
enum DocumentFeed {
    Held(std::vec::IntoIter<ExportedDocument>),
    Reread {
        rx: tokio::sync::mpsc::Receiver<Result<ExportedDocument>>,
        files: FileCheck,
    },
}

impl DocumentFeed {
    /// Starts reading the export's documents in a thread: every manifest for the roots,
    /// then, when there are versions, every manifest again for them.
    fn reread(manifests: Vec<PathBuf>, versions: bool, files: FileCheck) -> DocumentFeed {
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        std::thread::spawn(move || {
            let rounds: &[bool] = if versions { &[false, true] } else { &[false] };
            for &want_versions in rounds {
                for manifest in &manifests {
                    let read = read_records(manifest, |record| {
                        if record.model != crate::manifest::models::DOCUMENT {
                            return Ok(());
                        }
                        let id = record.int_pk().unwrap_or_default();
                        let e = document(&Fields { record: &record }, id)?;
                        if e.document.root_document.is_some() != want_versions {
                            return Ok(());
                        }
                        // The receiver is gone when the import stopped early: stop too.
                        tx.blocking_send(Ok(e))
                            .map_err(|_| Error::Invalid("the import stopped".into()))
                    });
                    if let Err(e) = read {
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                }
            }
        });
        DocumentFeed::Reread { rx, files }
    }

    /// The next document, or `None` after the last.
    async fn next(&mut self) -> Result<Option<ExportedDocument>> {
        match self {
            DocumentFeed::Held(docs) => Ok(docs.next()),
            DocumentFeed::Reread { rx, files } => match rx.recv().await {
                None => Ok(None),
                Some(e) => {
                    let mut e = e?;
                    files.apply(&mut e);
                    Ok(Some(e))
                }
            },
        }
    }
}

/// Writes checked data: holding the media lock, one transaction for every row, the
/// files placed atomically, commit — or nothing at all. `origin` is what the report
/// names as the source: its path, kind and version.
pub(crate) async fn write_import(
    store: &Store,
    mut data: ImportData,
    documents: Documents,
    resolve: Resolve<'_>,
    opts: &ImportOptions,
    origin: (PathBuf, SourceKind, Option<String>),
    progress: OnProgress<'_>,
) -> Result<ImportReport> {
    let _lock = if opts.dry_run {
        None
    } else {
        Some(store.media().lock()?)
    };
    let recovered = if opts.dry_run {
        0
    } else {
        crate::placing::recover(store).await?
    };
    let mut tx = store.db().begin().await?;
    if !opts.merge {
        let c = tx.library_counts().await?;
        let held = c.documents
            + c.trashed_documents
            + c.correspondents
            + c.document_types
            + c.tags
            + c.storage_paths
            + c.custom_fields
            + c.users
            + c.mail_accounts;
        if held > 0 {
            return Err(Error::NotEmpty(format!(
                "the library is not empty ({} documents, {} users, {} tags, …): \
                 refusing to import into it; use --merge to add the export to it",
                c.documents + c.trashed_documents,
                c.users,
                c.tags
            )));
        }
    }
    let mut reused = Reused::default();
    let objects = plan::remap_objects(&mut tx, &mut data, opts.merge, &mut reused).await?;
    let mut planner = plan::DocumentPlanner::new(&mut tx, objects, opts.merge).await?;
    let (mut feed, files_verified) = match documents {
        Documents::Held { files_verified } => (
            DocumentFeed::Held(std::mem::take(&mut data.documents).into_iter()),
            files_verified,
        ),
        Documents::Reread {
            manifests,
            versions,
            files,
        } => {
            let verified = files.verified;
            (DocumentFeed::reread(manifests, versions, files), verified)
        }
    };

    let mut report = ImportReport {
        source: origin.0,
        kind: origin.1,
        export_version: origin.2,
        dry_run: opts.dry_run,
        merge: opts.merge,
        imported: ImportCounts::default(),
        skipped_documents: Vec::new(),
        reused,
        skipped_other_records: 0,
        files_verified,
        files_placed: 0,
        bytes_placed: 0,
        warnings: std::mem::take(&mut data.warnings),
    };
    if recovered > 0 {
        report.warnings.push(format!(
            "removed {recovered} files an interrupted import had left in the media folder"
        ));
    }
    if !opts.dry_run {
        write_objects(&mut tx, &data).await?;
    }
    // Each document is planned and written as it comes; its files wait in a spool
    // (export path, media path) until every row is written.
    let mut spool = if opts.dry_run {
        None
    } else {
        Some(Spool::<2>::new_in(&store.config().data_dir)?)
    };
    let total = data.document_count() as u64;
    let mut done = 0;
    while let Some(mut e) = feed.next().await? {
        done += 1;
        progress(ImportProgress::Writing { done, total });
        if let plan::Planned::Present = planner.plan(store, &data, &mut e)? {
            continue;
        }
        report.imported.documents += 1;
        let Some(spool) = spool.as_mut() else {
            continue;
        };
        tx.import_document(&e.document).await.map_err(|err| {
            Error::Invalid(format!(
                "document \"{}\" cannot be written: {err}",
                e.document.title
            ))
        })?;
        for (source, target) in plan::document_files(store.media(), &e)? {
            spool.push([source.as_bytes(), path_bytes(&target)])?;
        }
    }
    drop(feed);
    planner.remap_dependents(&mut tx, &mut data).await?;
    report.skipped_documents = std::mem::take(&mut planner.skipped);
    report.warnings.append(&mut planner.warnings);
    let counts = &mut report.imported;
    counts.users = data.users.len();
    counts.correspondents = data.correspondents.len();
    counts.document_types = data.document_types.len();
    counts.storage_paths = data.storage_paths.len();
    counts.tags = data.tags.len();
    counts.custom_fields = data.custom_fields.len();
    counts.custom_field_instances = data.custom_field_instances.len();
    counts.notes = data.notes.len();
    counts.mail_accounts = data.mail_accounts.len();
    counts.mail_rules = data.mail_rules.len();
    let Some(spool) = spool else {
        tx.rollback().await?;
        report.imported.other_records = data.other_records.len();
        return Ok(report);
    };
    write_dependents(&mut tx, &data, &mut report).await?;

    let mut files = spool.read()?;
    crate::placing::begin(
        store,
        std::iter::from_fn(|| next_target(&mut files).transpose()),
    )?;
    files.rewind()?;
    let mut placed = 0;
    let result = place_files(&mut files, resolve, &mut placed, &mut report, progress);
    let result = match result {
        Ok(()) => tx.commit().await.map_err(Error::from),
        Err(e) => {
            drop(tx);
            Err(e)
        }
    };
    if let Err(e) = result {
        remove_placed(store, &mut files, placed);
        crate::placing::end(store);
        return Err(e);
    }
    crate::placing::end(store);
    Ok(report)
}

/// The next spooled file: its path in the export and its target in the media folder.
fn next_file(files: &mut SpoolReader<2>) -> Result<Option<(String, PathBuf)>> {
    Ok(files.next_record()?.map(|[source, target]| {
        (
            String::from_utf8_lossy(&source).into_owned(),
            bytes_path(target),
        )
    }))
}

fn next_target(files: &mut SpoolReader<2>) -> Result<Option<PathBuf>> {
    Ok(next_file(files)?.map(|(_, target)| target))
}

/// Writes the rows documents refer to: users, correspondents, types, storage paths,
/// tags, custom fields.
async fn write_objects<C>(tx: &mut pd_store::Conn<C>, data: &ImportData) -> Result<()>
where
    C: std::ops::DerefMut<Target = sqlx::AnyConnection> + Send,
{
    for u in &data.users {
        tx.import_user(u).await?;
    }
    for c in &data.correspondents {
        tx.import_correspondent(c).await?;
    }
    for t in &data.document_types {
        tx.import_document_type(t).await?;
    }
    for p in &data.storage_paths {
        tx.import_storage_path(p).await?;
    }
    for t in &data.tags {
        tx.import_tag(t).await?;
    }
    for f in &data.custom_fields {
        tx.import_custom_field(f).await?;
    }
    Ok(())
}

/// Writes the rows that refer to documents, the mail settings and the kept records,
/// and moves the id sequences past every id written.
async fn write_dependents<C>(
    tx: &mut pd_store::Conn<C>,
    data: &ImportData,
    report: &mut ImportReport,
) -> Result<()>
where
    C: std::ops::DerefMut<Target = sqlx::AnyConnection> + Send,
{
    for n in &data.notes {
        tx.import_note(n).await?;
    }
    for i in &data.custom_field_instances {
        tx.import_custom_field_instance(i).await?;
    }
    for a in &data.mail_accounts {
        tx.import_mail_account(a).await?;
    }
    for r in &data.mail_rules {
        tx.import_mail_rule(r).await?;
    }
    for r in &data.other_records {
        if tx.insert_paperless_record(r).await? {
            report.imported.other_records += 1;
        } else {
            report.skipped_other_records += 1;
        }
    }
    tx.reset_id_sequences().await?;
    Ok(())
}

/// Copies every spooled file into the media folder. Each copy is written beside its
/// target and renamed into place without an `fsync` of its own; one sync of the file
/// system at the end makes every copy and name durable before the caller commits, so a
/// committed row never lacks its file, while a crash before the commit leaves only files
/// the placing journal lists for removal.
fn place_files(
    files: &mut SpoolReader<2>,
    resolve: Resolve,
    placed: &mut usize,
    report: &mut ImportReport,
    progress: OnProgress,
) -> Result<()> {
    let mut dirs: std::collections::BTreeSet<PathBuf> = Default::default();
    let total = files.len() as u64;
    while let Some((source, target)) = next_file(files)? {
        let source = resolve(&source)?;
        let appeared = || {
            Error::Invalid(format!(
                "{} appeared in the media folder during the import",
                target.display()
            ))
        };
        if target.exists() {
            return Err(appeared());
        }
        let staged = stage_copy(&source, &target)?;
        let size = staged.size();
        staged.place().map_err(|e| match e {
            pd_store::Error::Conflict(_) => appeared(),
            e => e.into(),
        })?;
        *placed += 1;
        report.files_placed += 1;
        progress(ImportProgress::Placing {
            done: *placed as u64,
            total,
        });
        report.bytes_placed += size;
        if let Some(dir) = target.parent()
            && !dirs.contains(dir)
        {
            dirs.insert(dir.to_owned());
        }
    }
    sync_file_systems(dirs.iter().map(PathBuf::as_path))?;
    Ok(())
}

/// Undoes [`place_files`]: removes the first `placed` files and the folders that became
/// empty.
fn remove_placed(store: &Store, files: &mut SpoolReader<2>, placed: usize) {
    let media = store.media();
    let roots = [
        media.originals_dir(),
        media.archive_dir(),
        media.thumbnails_dir(),
    ];
    if files.rewind().is_err() {
        return;
    }
    for _ in 0..placed {
        let Ok(Some(path)) = next_target(files) else {
            return;
        };
        let _ = std::fs::remove_file(&path);
        if let (Some(dir), Some(root)) = (path.parent(), roots.iter().find(|r| path.starts_with(r)))
        {
            delete_empty_directories(dir, root);
        }
    }
}
