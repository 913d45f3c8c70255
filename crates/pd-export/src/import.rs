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

/// Finds a manifest path's file (inside the export, or the installation's media folder).
pub(crate) type Resolve<'a> = &'a (dyn Fn(&str) -> Result<PathBuf> + Sync);

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

/// Checks every document's files in parallel (see [`check_document_files`]), records
/// the SHA-256s found, and returns how many files were checked against the manifest. The
/// first failing document (in manifest order) gives the error.
pub(crate) fn check_all_files(docs: &mut [ExportedDocument], resolve: Resolve) -> Result<usize> {
    let results: Vec<Result<usize>> = docs
        .par_iter_mut()
        .map(|e| {
            let ((checksum, archive), verified) = check_document_files(e, resolve)?;
            if let Some(c) = checksum {
                e.document.checksum = c;
            }
            if archive.is_some() {
                e.document.archive_checksum = archive;
            }
            e.document.checksum = e.document.checksum.to_ascii_lowercase();
            Ok(verified)
        })
        .collect();
    results.into_iter().sum()
}

/// Imports a paperless-ngx 3 (or pd) export — a directory or a ZIP, with or without
/// split manifests, folder prefixes or a passphrase — into the library.
pub async fn import(store: &Store, source: &Path, opts: &ImportOptions) -> Result<ImportReport> {
    let export = ExportSource::open(source, &opts.zip_limits, opts.work_dir.as_deref())?;
    let mut data = read_export(&export, opts.passphrase.as_deref())?;
    let resolve = |name: &str| export.resolve(name);
    let files_verified = check_all_files(&mut data.documents, &resolve)?;

    let version = export.metadata().and_then(|m| m.version.clone());
    write_import(
        store,
        data,
        &resolve,
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
    resolve: Resolve<'_>,
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
    plan::name_files(store, &mut tx, &mut data).await?;

    let mut report = ImportReport {
        source: origin.0,
        kind: origin.1,
        export_version: origin.2,
        dry_run: opts.dry_run,
        merge: opts.merge,
        imported: ImportCounts {
            documents: data.documents.len(),
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
            data.documents.iter().map(|d| d.export_id).collect(),
        )),
        _ => None,
    };
    write_rows(&mut tx, &data, feed.as_mut(), &mut report).await?;
    drop(feed);
    let media = store.media();
    crate::placing::begin(
        store,
        data.documents
            .iter()
            .map(|e| plan::document_files(media, e))
            .flat_map(|files| match files {
                Ok(files) => files.into_iter().map(|(_, target)| Ok(target)).collect(),
                Err(e) => vec![Err(e)],
            }),
    )?;
    let mut placed = 0;
    let result = place_files(store, &data.documents, resolve, &mut placed, &mut report);
    let result = match result {
        Ok(()) => tx.commit().await.map_err(Error::from),
        Err(e) => {
            drop(tx);
            Err(e)
        }
    };
    if let Err(e) = result {
        remove_placed(store, &data.documents, placed);
        crate::placing::end(store);
        return Err(e);
    }
    crate::placing::end(store);
    Ok(report)
}

async fn write_rows<C>(
    tx: &mut pd_store::Conn<C>,
    data: &ImportData,
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
    for d in &data.documents {
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
    store: &Store,
    documents: &[ExportedDocument],
    resolve: Resolve,
    placed: &mut usize,
    report: &mut ImportReport,
) -> Result<()> {
    let mut dirs: std::collections::BTreeSet<PathBuf> = Default::default();
    for e in documents {
        for (source, target) in plan::document_files(store.media(), e)? {
            let source = resolve(source)?;
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
            report.bytes_placed += size;
            if let Some(dir) = target.parent()
                && !dirs.contains(dir)
            {
                dirs.insert(dir.to_owned());
            }
        }
    }
    sync_file_systems(dirs.iter().map(PathBuf::as_path))?;
    Ok(())
}

/// Undoes [`place_files`]: removes the first `placed` files and the folders that became
/// empty.
fn remove_placed(store: &Store, documents: &[ExportedDocument], placed: usize) {
    let media = store.media();
    let roots = [
        media.originals_dir(),
        media.archive_dir(),
        media.thumbnails_dir(),
    ];
    let targets = documents
        .iter()
        .filter_map(|e| plan::document_files(media, e).ok())
        .flatten()
        .map(|(_, target)| target)
        .take(placed);
    for path in targets {
        let _ = std::fs::remove_file(&path);
        if let (Some(dir), Some(root)) = (path.parent(), roots.iter().find(|r| path.starts_with(r)))
        {
            delete_empty_directories(dir, root);
        }
    }
}
