//! `pd import`: check everything, then write everything or nothing.
//!
//! Before the database is touched the whole export is read and checked: JSON, duplicate
//! pks, references, every referenced file inside the export, every SHA-256 (hashed in
//! parallel). Then, holding the media lock, one transaction writes every row, the files
//! are copied into place (temporary name + rename) and the transaction commits. Any
//! failure rolls the transaction back and removes the files already placed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pd_core::Id;
use pd_store::Store;
use pd_store::media::{stage_copy, sync_file_systems};
use pd_store::naming::delete_empty_directories;
use rayon::prelude::*;
use serde::Serialize;

use crate::convert::{ExportedDocument, ImportData};
use crate::crypt::Crypter;
use crate::legacy::checksum::hash_file;
use crate::manifest::read_records;
use crate::plan::{self, PlannedDocument, Reused};
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

/// Reads, decrypts, converts and checks every record of an opened export.
pub fn read_export(source: &ExportSource, passphrase: Option<&str>) -> Result<ImportData> {
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
    data.defer_content = true;
    for manifest in source.manifests() {
        read_records(manifest, |mut record| {
            if let Some(c) = &crypter {
                c.decrypt_record(&mut record)?;
            }
            data.add(record)
        })?;
    }
    data.finish()?;
    Ok(data)
}

/// Resolves every document's files inside the export and checks their SHA-256s, in
/// parallel. Returns `(original, archive, thumbnail)` per export id.
pub(crate) type Resolved = HashMap<Id, (PathBuf, Option<PathBuf>, Option<PathBuf>)>;

/// One document's checked files, its SHA-256s (original, archive) where a file was
/// hashed (legacy MD5 rows get SHA-256 ones), and how many files were checked against
/// the manifest.
type Checked = (
    Id,
    (PathBuf, Option<PathBuf>, Option<PathBuf>),
    (Option<String>, Option<String>),
    usize,
);

/// Checks a document's files: the original against its checksum (SHA-256, or MD5 for
/// paperless-ngx 2 and older; a GnuPG-stored original only once `pd decrypt` can read
/// it), the archive likewise. `resolve` finds a manifest path's file.
pub(crate) fn check_document_files(
    e: &ExportedDocument,
    resolve: &dyn Fn(&str) -> Result<PathBuf>,
) -> Result<Checked> {
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
    let archive = match &e.archive {
        None => None,
        Some(name) => {
            let path = resolve(name)?;
            let actual = hash_file(&path)?;
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
            Some(path)
        }
    };
    let thumbnail = e.thumbnail.as_deref().map(resolve).transpose()?;
    Ok((
        d.id,
        (original, archive, thumbnail),
        (checksum, archive_checksum),
        verified,
    ))
}

/// Checks every document's files in parallel (see [`check_document_files`]) and
/// records the SHA-256s found.
pub(crate) fn check_all_files(
    docs: &mut [ExportedDocument],
    resolve: &(dyn Fn(&str) -> Result<PathBuf> + Sync),
) -> Result<(Resolved, usize)> {
    let results: Vec<Result<Checked>> = docs
        .par_iter()
        .map(|e| check_document_files(e, resolve))
        .collect();
    let mut resolved = HashMap::with_capacity(results.len());
    let mut verified = 0;
    let mut computed = HashMap::new();
    for r in results {
        let (id, files, sums, n) = r?;
        resolved.insert(id, files);
        verified += n;
        computed.insert(id, sums);
    }
    for e in docs.iter_mut() {
        if let Some((checksum, archive)) = computed.remove(&e.document.id) {
            if let Some(c) = checksum {
                e.document.checksum = c;
            }
            if archive.is_some() {
                e.document.archive_checksum = archive;
            }
        }
        e.document.checksum = e.document.checksum.to_ascii_lowercase();
    }
    Ok((resolved, verified))
}

fn check_files(source: &ExportSource, docs: &mut [ExportedDocument]) -> Result<(Resolved, usize)> {
    check_all_files(docs, &|name| source.resolve(name))
}

/// Imports a paperless-ngx 3 (or pd) export — a directory or a ZIP, with or without
/// split manifests, folder prefixes or a passphrase — into the library.
pub async fn import(store: &Store, source: &Path, opts: &ImportOptions) -> Result<ImportReport> {
    let export = ExportSource::open(source, &opts.zip_limits, opts.work_dir.as_deref())?;
    let mut data = read_export(&export, opts.passphrase.as_deref())?;
    let (resolved, files_verified) = check_files(&export, &mut data.documents)?;

    let version = export.metadata().and_then(|m| m.version.clone());
    write_import(
        store,
        data,
        &resolved,
        files_verified,
        opts,
        (source.to_owned(), export.kind(), version),
        Some(&export),
    )
    .await
}

/// The documents' content, read again from an export's manifests in a thread while
/// their rows are written (the first reading kept none of it).
pub(crate) struct ContentFeed {
    rx: tokio::sync::mpsc::Receiver<Result<(Id, String)>>,
    /// Contents that arrived before they were asked for (versions come after roots).
    early: HashMap<Id, String>,
}

impl ContentFeed {
    /// Starts reading the content of the documents in `wanted` from `manifests`.
    fn start(manifests: Vec<PathBuf>, wanted: std::collections::HashSet<Id>) -> ContentFeed {
        let (tx, rx) = tokio::sync::mpsc::channel(64);
        std::thread::spawn(move || {
            for manifest in &manifests {
                let read = read_records(manifest, |record| {
                    if record.model != crate::manifest::models::DOCUMENT {
                        return Ok(());
                    }
                    let Some(id) = record.int_pk().filter(|id| wanted.contains(id)) else {
                        return Ok(());
                    };
                    let content = match record.fields.get("content") {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        _ => String::new(),
                    };
                    // The receiver is gone when the import stopped early: stop too.
                    tx.blocking_send(Ok((id, content)))
                        .map_err(|_| Error::Invalid("the import stopped".into()))
                });
                if let Err(e) = read {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        });
        ContentFeed {
            rx,
            early: HashMap::new(),
        }
    }

    /// The content of the export's document `id`.
    async fn take(&mut self, id: Id) -> Result<String> {
        if let Some(content) = self.early.remove(&id) {
            return Ok(content);
        }
        while let Some(next) = self.rx.recv().await {
            let (pk, content) = next?;
            if pk == id {
                return Ok(content);
            }
            self.early.insert(pk, content);
        }
        Err(Error::Invalid(format!(
            "document pk={id} was no longer in the manifest when it was read again; \
             was the export changed during the import? Nothing was imported"
        )))
    }
}

/// Writes checked data: holding the media lock, one transaction for every row, the
/// files placed atomically, commit — or nothing at all. `origin` is what the report
/// names as the source: its path, kind and version.
pub(crate) async fn write_import(
    store: &Store,
    mut data: ImportData,
    resolved: &Resolved,
    files_verified: usize,
    opts: &ImportOptions,
    origin: (PathBuf, SourceKind, Option<String>),
    source: Option<&ExportSource>,
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
    let skipped = plan::remap(&mut tx, &mut data, opts.merge, &mut reused).await?;
    let planned = plan::name_files(store, &mut tx, &mut data, resolved).await?;

    let mut report = ImportReport {
        source: origin.0,
        kind: origin.1,
        export_version: origin.2,
        dry_run: opts.dry_run,
        merge: opts.merge,
        imported: ImportCounts {
            documents: planned.len(),
            users: data.users.len(),
            correspondents: data.correspondents.len(),
            document_types: data.document_types.len(),
            storage_paths: data.storage_paths.len(),
            tags: data.tags.len(),
            custom_fields: data.custom_fields.len(),
            custom_field_instances: data.custom_field_instances.len(),
            notes: data.notes.len(),
            mail_accounts: data.mail_accounts.len(),
            mail_rules: data.mail_rules.len(),
            other_records: 0,
        },
        skipped_documents: skipped,
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
    if opts.dry_run {
        tx.rollback().await?;
        report.imported.other_records = data.other_records.len();
        return Ok(report);
    }

    let mut feed = match source {
        Some(source) if data.defer_content => Some(ContentFeed::start(
            source.manifests().to_vec(),
            planned.iter().map(|d| d.export_id).collect(),
        )),
        _ => None,
    };
    write_rows(&mut tx, &data, &planned, feed.as_mut(), &mut report).await?;
    drop(feed);
    let mut placed: Vec<PathBuf> = Vec::new();
    let targets = planned
        .iter()
        .flat_map(|d| d.files.iter().map(|f| f.target.clone()))
        .collect();
    crate::placing::begin(store, targets)?;
    let result = place_files(&planned, &mut placed, &mut report);
    let result = match result {
        Ok(()) => tx.commit().await.map_err(Error::from),
        Err(e) => {
            drop(tx);
            Err(e)
        }
    };
    if let Err(e) = result {
        remove_placed(store, &placed);
        crate::placing::end(store);
        return Err(e);
    }
    crate::placing::end(store);
    Ok(report)
}

async fn write_rows<C>(
    tx: &mut pd_store::Conn<C>,
    data: &ImportData,
    planned: &[PlannedDocument],
    mut feed: Option<&mut ContentFeed>,
    report: &mut ImportReport,
) -> Result<()>
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
    for d in planned {
        let with_content;
        let document = match feed.as_deref_mut() {
            Some(feed) => {
                let mut doc = d.document.clone();
                doc.content = feed.take(d.export_id).await?;
                with_content = doc;
                &with_content
            }
            None => &d.document,
        };
        tx.import_document(document).await.map_err(|e| {
            Error::Invalid(format!(
                "document \"{}\" cannot be written: {e}",
                d.document.title
            ))
        })?;
    }
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

/// Copies every planned file into the media folder. Each copy is written beside its
/// target and renamed into place without an `fsync` of its own; one sync of the file
/// system at the end makes every copy and name durable before the caller commits, so a
/// committed row never lacks its file, while a crash before the commit leaves only files
/// the placing journal lists for removal.
fn place_files(
    planned: &[PlannedDocument],
    placed: &mut Vec<PathBuf>,
    report: &mut ImportReport,
) -> Result<()> {
    let mut dirs: std::collections::BTreeSet<PathBuf> = Default::default();
    for d in planned {
        for f in &d.files {
            let appeared = || {
                Error::Invalid(format!(
                    "{} appeared in the media folder during the import",
                    f.target.display()
                ))
            };
            if f.target.exists() {
                return Err(appeared());
            }
            let staged = stage_copy(&f.source, &f.target)?;
            let size = staged.size();
            staged.place().map_err(|e| match e {
                pd_store::Error::Conflict(_) => appeared(),
                e => e.into(),
            })?;
            placed.push(f.target.clone());
            report.files_placed += 1;
            report.bytes_placed += size;
            if let Some(dir) = f.target.parent() {
                dirs.insert(dir.to_owned());
            }
        }
    }
    sync_file_systems(dirs.iter().map(PathBuf::as_path))?;
    Ok(())
}

/// Undoes [`place_files`]: removes the files and the folders that became empty.
fn remove_placed(store: &Store, placed: &[PathBuf]) {
    let media = store.media();
    let roots = [
        media.originals_dir(),
        media.archive_dir(),
        media.thumbnails_dir(),
    ];
    for path in placed {
        let _ = std::fs::remove_file(path);
        if let (Some(dir), Some(root)) = (path.parent(), roots.iter().find(|r| path.starts_with(r)))
        {
            delete_empty_directories(dir, root);
        }
    }
}
