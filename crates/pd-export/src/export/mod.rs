//! `pd export`: the library as a paperless-ngx 3 export (spec §3), which paperless-ngx's
//! own `document_importer` and `pd import` both accept.
//!
//! The manifest is built in memory in paperless-ngx's model order and byte format
//! ([`records`]); files are named as paperless-ngx names them (public names, or the
//! filename template with `-f`); what pd adds — every file's SHA-256 and size — goes
//! into `pd-checksums.json`, a file paperless-ngx's importer never opens. A directory
//! export is truly incremental and atomic ([`sink`]): an unchanged library writes no
//! file at all, and nothing is renamed into place before every changed file is staged.

pub mod records;
pub mod sink;
pub(crate) mod spool;

use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use pd_core::{CustomFieldInstance, Id, Note};
use pd_store::Store;
use pd_store::db::{DocumentFilter, TrashFilter};
use serde::Serialize;
use serde_json::{Value, json};

use crate::crypt::{self, Crypter, ENCRYPTED_FIELDS};
use crate::manifest::{self, CryptoParams, MANIFEST_FILE, METADATA_FILE};
use crate::{Error, Result};
use records::OutRecord;
use sink::{CHECKSUMS_FILE, ChecksumsWriter, DirSink, FileSum, ZipSink};

/// The version `metadata.json` names: the paperless-ngx release whose manifest schema
/// pd writes, so its importer raises no "Version mismatch" warning.
pub const EXPORT_VERSION: &str = "3.0.5";

/// Users paperless-ngx never exports.
const SKIPPED_USERS: [&str; 2] = ["consumer", "AnonymousUser"];

/// How to export; the flags of paperless-ngx's `document_exporter`.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// `-c`: decide whether an original or archive in the target is current by its
    /// SHA-256 against the library's checksum instead of size and modification time.
    pub compare_checksums: bool,
    /// `-d`: after a successful export, delete files in the target it did not write or
    /// keep (with `zip`: everything else in the target).
    pub delete: bool,
    /// `-f`: name files with the library's filename template instead of public names.
    pub use_filename_format: bool,
    /// `-na`: no archive PDFs (and no `__exported_archive_name__`).
    pub no_archive: bool,
    /// `-nt`: no thumbnails (and no `__exported_thumbnail_name__`).
    pub no_thumbnail: bool,
    /// `-p`: files under `originals/`, `archive/`, `thumbnails/`, split manifests under `json/`.
    pub use_folder_prefix: bool,
    /// `-sm`: one `*-manifest.json` per document with its notes and custom field values.
    pub split_manifest: bool,
    /// `-z`: one ZIP in the target.
    pub zip: bool,
    /// `-zn`: the ZIP's name; `.zip` replaces any suffix (default `export-<local date>`).
    pub zip_name: Option<String>,
    /// `--data-only`: the manifest and metadata only, no document files.
    pub data_only: bool,
    /// `--passphrase`: encrypt mail account and social token secrets (spec §3.7).
    pub passphrase: Option<String>,
    /// PBKDF2 iterations for a new passphrase export (paperless-ngx: 1 000 000).
    pub kdf_iterations: u32,
    /// Fault injection for tests: fail after this many file writes and renames.
    pub fail_after_writes: Option<usize>,
    /// The template `use_filename_format` names files with, instead of the library's
    /// (storage paths still take precedence).
    pub naming: Option<pd_store::naming::NamingOptions>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            compare_checksums: false,
            delete: false,
            use_filename_format: false,
            no_archive: false,
            no_thumbnail: false,
            use_folder_prefix: false,
            split_manifest: false,
            zip: false,
            zip_name: None,
            data_only: false,
            passphrase: None,
            kdf_iterations: crypt::DEFAULT_ITERATIONS,
            fail_after_writes: None,
            naming: None,
        }
    }
}

/// What an export did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportReport {
    /// The target directory.
    pub target: PathBuf,
    /// The ZIP written, with `zip`.
    pub zip: Option<PathBuf>,
    /// The version `metadata.json` names.
    pub version: String,
    /// Document records exported.
    pub documents: usize,
    /// Records exported, documents included.
    pub records: usize,
    /// Files written (renamed into place, or ZIP members).
    pub files_written: usize,
    /// Files already current and left untouched.
    pub files_unchanged: usize,
    /// Files (or, with a ZIP, top-level entries) deleted by `delete`.
    pub files_deleted: Vec<String>,
    /// Bytes written.
    pub bytes_written: u64,
    /// Sensitive fields were encrypted with a passphrase.
    pub encrypted: bool,
    /// Notices (plain-text secrets, records that lost a file).
    pub warnings: Vec<String>,
}

/// Where one document's files go inside the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportNames {
    /// The original.
    pub original: String,
    /// The thumbnail.
    pub thumbnail: String,
    /// The archive PDF.
    pub archive: String,
    /// The split manifest.
    pub manifest: String,
}

impl ExportNames {
    /// The names for a unique base name (§3.5).
    pub fn new(base: &str, folder_prefix: bool) -> ExportNames {
        let (dir, file) = match base.rfind('/') {
            Some(i) => (&base[..=i], &base[i + 1..]),
            None => ("", base),
        };
        let stem = match file.rfind('.') {
            Some(i) if i > 0 => &file[..i],
            _ => file,
        };
        let prefixed = |folder: &str, name: String| {
            if folder_prefix {
                format!("{folder}/{name}")
            } else {
                name
            }
        };
        ExportNames {
            original: prefixed("originals", base.to_owned()),
            thumbnail: prefixed("thumbnails", format!("{dir}{stem}-thumbnail.webp")),
            archive: prefixed("archive", format!("{dir}{stem}-archive.pdf")),
            manifest: prefixed(
                "json",
                format!("{dir}{stem}{}", manifest::SPLIT_MANIFEST_SUFFIX),
            ),
        }
    }
}

/// One document as an export writes it.
pub(crate) struct DocumentItem {
    /// Its record, content and `__exported_*` keys included.
    pub record: OutRecord,
    /// With `-sm`: its own manifest (its record, notes and custom field values), as
    /// path and bytes.
    pub split: Option<(String, Vec<u8>)>,
    /// Its files.
    pub files: Vec<PlannedFile>,
}

/// The export flags that shape document records and their files.
#[derive(Debug, Clone, Copy)]
struct DocumentFlags {
    no_thumbnail: bool,
    no_archive: bool,
    split: bool,
    folder_prefix: bool,
    data_only: bool,
}

/// Documents read from the database at once.
const CHUNK: usize = 256;

/// The documents to export, walked a chunk at a time: nothing of a document is kept once
/// it is written, so memory does not grow with the library but for the names taken
/// (16 bytes a document).
struct DocumentWalk {
    ids: Vec<Id>,
    flags: DocumentFlags,
    correspondents: HashMap<Id, String>,
    /// With `-f`: the objects file names are made of.
    lookup: Option<pd_store::FilenameLookup>,
    naming: pd_store::naming::NamingOptions,
    /// With `-sm`: each document's notes and custom field values.
    notes: HashMap<Id, Vec<Note>>,
    instances: HashMap<Id, Vec<CustomFieldInstance>>,
}

impl DocumentWalk {
    /// Calls `each` with every document, in id order.
    async fn run(
        &mut self,
        store: &Store,
        mut each: impl FnMut(DocumentItem) -> Result<()>,
    ) -> Result<()> {
        let mut conn = store.db().conn().await?;
        let media = store.media();
        let flags = self.flags;
        let mut used: HashSet<u128> = HashSet::with_capacity(self.ids.len());
        for chunk in self.ids.chunks(CHUNK) {
            let filter = DocumentFilter {
                trash: TrashFilter::Include,
                ids: Some(chunk.to_vec()),
            };
            let mut docs = conn.documents(&filter).await?;
            docs.sort_unstable_by_key(|d| d.id);
            for doc in docs {
                let ctx = match &self.lookup {
                    Some(lookup) => {
                        Some(store.filename_context_with(&mut conn, &doc, lookup).await?)
                    }
                    None => None,
                };
                let mut counter = 0;
                let base = loop {
                    let candidate = match &ctx {
                        Some(ctx) => {
                            pd_store::naming::generate_filename(ctx, &self.naming, counter, false)
                                .path
                        }
                        None => pd_store::naming::public_filename(
                            &doc,
                            doc.correspondent
                                .and_then(|c| self.correspondents.get(&c))
                                .map(String::as_str),
                            false,
                            counter,
                            None,
                        ),
                    };
                    if used.insert(sink::path_key(&candidate)) {
                        break candidate;
                    }
                    counter += 1;
                };
                let mut names = ExportNames::new(&base, flags.folder_prefix);
                if doc.is_encrypted() {
                    names.original.push_str(doc.storage_type.suffix());
                    names.thumbnail.push_str(doc.storage_type.suffix());
                }

                let mut files = Vec::new();
                if !flags.data_only {
                    // A GnuPG-stored original's checksum is of the plain bytes: nothing to
                    // compare.
                    files.push(PlannedFile {
                        rel: names.original.clone(),
                        source: media.original_path(&doc)?,
                        checksum: (!doc.is_encrypted()).then(|| doc.checksum.clone()),
                    });
                    if !flags.no_thumbnail {
                        files.push(PlannedFile {
                            rel: names.thumbnail.clone(),
                            source: media.thumbnail_path(&doc),
                            checksum: None,
                        });
                    }
                    if !flags.no_archive
                        && let Some(path) = media.archive_path(&doc)?
                    {
                        files.push(PlannedFile {
                            rel: names.archive.clone(),
                            source: path,
                            checksum: doc.archive_checksum.clone(),
                        });
                    }
                }

                let mut record = records::document(&doc);
                record.set_extra(
                    "__exported_file_name__",
                    Value::String(names.original.clone()),
                );
                if !flags.no_thumbnail {
                    record.set_extra(
                        "__exported_thumbnail_name__",
                        Value::String(names.thumbnail.clone()),
                    );
                }
                if !flags.no_archive && doc.archive_filename.is_some() {
                    record.set_extra(
                        "__exported_archive_name__",
                        Value::String(names.archive.clone()),
                    );
                }
                let split = if flags.split {
                    let notes: Vec<OutRecord> = self
                        .notes
                        .remove(&doc.id)
                        .unwrap_or_default()
                        .iter()
                        .map(records::note)
                        .collect();
                    let instances: Vec<OutRecord> = self
                        .instances
                        .remove(&doc.id)
                        .unwrap_or_default()
                        .iter()
                        .map(records::custom_field_instance)
                        .collect();
                    let bytes = records::manifest_bytes(
                        std::iter::once(&record).chain(&notes).chain(&instances),
                    );
                    Some((names.manifest, bytes))
                } else {
                    None
                };
                each(DocumentItem {
                    record,
                    split,
                    files,
                })?;
            }
        }
        Ok(())
    }
}

/// Writes a manifest's records, in paperless-ngx's byte format, in large writes.
struct ManifestWriter<'a> {
    out: &'a mut (dyn Write + Send),
    buf: Vec<u8>,
    first: bool,
}

impl<'a> ManifestWriter<'a> {
    const FLUSH_AT: usize = 1 << 20;

    fn new(out: &'a mut (dyn Write + Send)) -> ManifestWriter<'a> {
        ManifestWriter {
            out,
            buf: Vec::with_capacity(Self::FLUSH_AT + 64 * 1024),
            first: true,
        }
    }

    fn put(&mut self, r: &OutRecord) -> Result<()> {
        self.buf
            .extend_from_slice(if self.first { b"[" } else { b",\n" });
        self.first = false;
        r.write_to(&mut self.buf);
        if self.buf.len() >= Self::FLUSH_AT {
            self.out
                .write_all(&self.buf)
                .map_err(write_err(MANIFEST_FILE))?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        if self.first {
            self.buf.push(b'[');
        }
        self.buf.extend_from_slice(b"\n]");
        self.out
            .write_all(&self.buf)
            .map_err(write_err(MANIFEST_FILE))
    }
}

/// Everything an export writes but `metadata.json`, ready to be streamed: the records
/// before the documents (notes and custom field values included unless split), the
/// documents, and the records after them.
pub(crate) struct ExportPlan {
    head: Vec<OutRecord>,
    documents: DocumentWalk,
    tail: Vec<OutRecord>,
}

fn write_err(rel: &str) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::io("cannot write", Path::new(rel), e)
}

impl ExportPlan {
    /// Writes `manifest.json` to `out` while it walks the documents, and hands every
    /// document (its files, its split manifest) to `each` on the way.
    pub(crate) async fn write(
        &mut self,
        store: &Store,
        out: &mut (dyn Write + Send),
        mut each: impl FnMut(DocumentItem) -> Result<()>,
    ) -> Result<()> {
        let mut manifest = ManifestWriter::new(out);
        for r in &self.head {
            manifest.put(r)?;
        }
        let split = self.documents.flags.split;
        self.documents
            .run(store, |item| {
                if !split {
                    manifest.put(&item.record)?;
                }
                each(item)
            })
            .await?;
        for r in &self.tail {
            manifest.put(r)?;
        }
        manifest.finish()
    }
}

/// Exports the library to `target`, an existing directory.
pub async fn export(store: &Store, target: &Path, opts: &ExportOptions) -> Result<ExportReport> {
    export_with(store, target, opts, &|_, _| {}).await
}

/// [`export()`], telling `progress` the documents exported so far and how many there are.
pub async fn export_with(
    store: &Store,
    target: &Path,
    opts: &ExportOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ExportReport> {
    if opts.zip && opts.compare_checksums {
        return Err(Error::Invalid(
            "--compare-checksums has no effect when used with --zip".into(),
        ));
    }
    if !target.exists() {
        return Err(Error::Invalid(format!(
            "{}: that path doesn't exist",
            target.display()
        )));
    }
    if !target.is_dir() {
        return Err(Error::Invalid(format!(
            "{}: that path isn't a directory",
            target.display()
        )));
    }
    let _lock = store.media().lock()?;
    let previous = if opts.zip { None } else { Some(target) };
    let Prepared {
        mut report,
        metadata,
        plan,
    } = prepare(store, opts, previous).await?;
    report.target = target.to_owned();
    let writing = Writing {
        store,
        target,
        opts,
        metadata,
        progress: Progress::new(plan.documents.ids.len(), progress),
        plan,
        report,
    };
    if opts.zip {
        writing.into_zip().await
    } else {
        writing.into_dir().await
    }
}

fn sums_err(e: std::io::Error) -> Error {
    Error::io("cannot write", Path::new(CHECKSUMS_FILE), e)
}

/// Where a document's files and split manifest go: a directory or a ZIP.
trait DocumentSink {
    fn add_file(&mut self, f: &PlannedFile) -> Result<FileSum>;
    fn add_json(&mut self, rel: &str, bytes: &[u8]) -> Result<FileSum>;
}

impl DocumentSink for DirSink {
    fn add_file(&mut self, f: &PlannedFile) -> Result<FileSum> {
        DirSink::add_file(self, &f.rel, &f.source, f.checksum.as_deref())
    }

    fn add_json(&mut self, rel: &str, bytes: &[u8]) -> Result<FileSum> {
        DirSink::add_json(self, rel, bytes)
    }
}

impl DocumentSink for ZipSink {
    fn add_file(&mut self, f: &PlannedFile) -> Result<FileSum> {
        ZipSink::add_file(self, &f.rel, &f.source)
    }

    fn add_json(&mut self, rel: &str, bytes: &[u8]) -> Result<FileSum> {
        ZipSink::add_json(self, rel, bytes)
    }
}

/// Counts the documents exported for a progress callback.
struct Progress<'a> {
    done: std::sync::atomic::AtomicU64,
    total: u64,
    report: &'a (dyn Fn(u64, u64) + Sync),
}

impl<'a> Progress<'a> {
    fn new(total: usize, report: &'a (dyn Fn(u64, u64) + Sync)) -> Progress<'a> {
        let total = total as u64;
        report(0, total);
        Progress {
            done: std::sync::atomic::AtomicU64::new(0),
            total,
            report,
        }
    }

    fn document_done(&self) {
        let done = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        (self.report)(done, self.total);
    }
}

/// Exports one document's files and split manifest, listing each in the checksums file.
fn add_document(
    sink: &mut impl DocumentSink,
    sums: &mut ChecksumsWriter<impl Write>,
    item: &DocumentItem,
) -> Result<()> {
    for f in &item.files {
        let sum = sink.add_file(f)?;
        sums.add(&f.rel, &sum).map_err(sums_err)?;
    }
    if let Some((rel, bytes)) = &item.split {
        let sum = sink.add_json(rel, bytes)?;
        sums.add(rel, &sum).map_err(sums_err)?;
    }
    Ok(())
}

/// What writing a planned export needs, whichever form it takes.
struct Writing<'a> {
    store: &'a Store,
    target: &'a Path,
    opts: &'a ExportOptions,
    /// `metadata.json`.
    metadata: Vec<u8>,
    plan: ExportPlan,
    report: ExportReport,
    progress: Progress<'a>,
}

impl Writing<'_> {
    /// Writes the manifest (and any split manifests) to `manifest` and every document's
    /// files into `sink`, naming each in `sums`.
    async fn write_documents(
        &mut self,
        sink: &mut impl DocumentSink,
        sums: &mut ChecksumsWriter<impl Write>,
        manifest: &mut (dyn Write + Send),
    ) -> Result<()> {
        let progress = &self.progress;
        self.plan
            .write(self.store, manifest, |item| {
                add_document(sink, sums, &item)?;
                progress.document_done();
                Ok(())
            })
            .await
    }

    /// A directory export: every file compared with the one there, only changed ones
    /// staged and renamed into place, the manifest last.
    async fn into_dir(mut self) -> Result<ExportReport> {
        let (target, opts) = (self.target, self.opts);
        let mut sink = DirSink::open(
            target,
            opts.compare_checksums,
            opts.delete,
            opts.fail_after_writes,
        )?;
        let mut sums = ChecksumsWriter::new(BufWriter::with_capacity(
            64 * 1024,
            sink.stream(CHECKSUMS_FILE)?,
        ))
        .map_err(sums_err)?;
        let mut manifest = sink.stream(MANIFEST_FILE)?;
        self.write_documents(&mut sink, &mut sums, &mut manifest)
            .await?;
        // The manifest is staged to land after everything else, the checksums file naming
        // its SHA-256 just before it.
        let manifest_sum = sink.finish_stream(manifest, true)?;
        let metadata_sum = sink.add_json(METADATA_FILE, &self.metadata)?;
        sums.add(METADATA_FILE, &metadata_sum).map_err(sums_err)?;
        sums.add(MANIFEST_FILE, &manifest_sum).map_err(sums_err)?;
        let sums = sums
            .finish()
            .and_then(|out| out.into_inner().map_err(|e| e.into_error()))
            .map_err(sums_err)?;
        sink.finish_stream(sums, false)?;
        self.report.files_deleted = sink.commit()?;
        self.report.files_written = sink.written;
        self.report.files_unchanged = sink.unchanged;
        self.report.bytes_written = sink.bytes;
        Ok(self.report)
    }

    /// A ZIP export: every file a member as it comes; the manifest and the checksums
    /// file go through unnamed temporary files, as a ZIP is written one member at a time.
    async fn into_zip(mut self) -> Result<ExportReport> {
        let (target, opts) = (self.target, self.opts);
        let name = opts.zip_name.clone().unwrap_or_else(default_zip_name);
        let file = Path::new(&name).with_extension("zip");
        self.report.zip = Some(target.join(&file));
        let mut sink = ZipSink::create(target, &file.to_string_lossy())?;
        let spool = || {
            tempfile::tempfile_in(target)
                .map_err(|e| Error::io("cannot create a temporary file in", target, e))
        };
        let mut sums = ChecksumsWriter::new(BufWriter::with_capacity(64 * 1024, spool()?))
            .map_err(sums_err)?;
        let mut manifest = BufWriter::with_capacity(64 * 1024, spool()?);
        self.write_documents(&mut sink, &mut sums, &mut manifest)
            .await?;
        let metadata_sum = sink.add_json(METADATA_FILE, &self.metadata)?;
        sums.add(METADATA_FILE, &metadata_sum).map_err(sums_err)?;
        let rewound = |w: BufWriter<std::fs::File>| {
            let mut file = w.into_inner().map_err(|e| e.into_error())?;
            file.seek(SeekFrom::Start(0))?;
            Ok::<_, std::io::Error>(file)
        };
        let mut manifest = rewound(manifest).map_err(write_err(MANIFEST_FILE))?;
        let manifest_sum =
            sink.add_reader(MANIFEST_FILE, &mut manifest, Path::new(MANIFEST_FILE))?;
        sums.add(MANIFEST_FILE, &manifest_sum).map_err(sums_err)?;
        let mut sums = sums.finish().and_then(rewound).map_err(sums_err)?;
        sink.add_reader(CHECKSUMS_FILE, &mut sums, Path::new(CHECKSUMS_FILE))?;
        self.report.files_written = sink.written;
        self.report.bytes_written = sink.bytes;
        self.report.files_deleted = sink.commit(opts.delete)?;
        Ok(self.report)
    }
}

/// One library file an export copies.
#[derive(Debug, Clone)]
pub(crate) struct PlannedFile {
    /// Its path inside the export.
    pub rel: String,
    /// The stored file.
    pub source: PathBuf,
    /// The library's SHA-256 of it (originals and archives).
    pub checksum: Option<String>,
}

/// An export ready to be written.
pub(crate) struct Prepared {
    /// The report so far (counts, warnings, encryption).
    pub report: ExportReport,
    /// `metadata.json`.
    pub metadata: Vec<u8>,
    /// The manifest, the split manifests and the document files, written on demand.
    pub plan: ExportPlan,
}

/// Reads the library's records and plans everything an export writes. `previous` is an
/// earlier export whose passphrase salt and tokens may be reused. The caller holds the
/// media lock.
pub(crate) async fn prepare(
    store: &Store,
    opts: &ExportOptions,
    previous: Option<&Path>,
) -> Result<Prepared> {
    let mut report = ExportReport {
        version: EXPORT_VERSION.into(),
        ..ExportReport::default()
    };
    let (mut head, documents, tail) = collect(store, opts, &mut report).await?;

    // Secrets: reuse the previous export's salt and tokens when they still match, so an
    // unchanged library gives a byte-identical manifest.
    let crypto = match &opts.passphrase {
        None => {
            let secrets = head
                .iter()
                .any(|r| ENCRYPTED_FIELDS.iter().any(|(m, _)| *m == r.model));
            if secrets {
                report
                    .warnings
                    .push("No passphrase was given, sensitive fields will be in plaintext".into());
            }
            None
        }
        Some(passphrase) => {
            let previous = previous.and_then(|target| previous_crypto(target, opts));
            let params = match &previous {
                Some((params, _)) => params.clone(),
                None => crypt::new_params(opts.kdf_iterations)?,
            };
            let crypter = Crypter::new(passphrase, &params)?;
            let old = previous.map(|(_, old)| old).unwrap_or_default();
            for r in &mut head {
                encrypt(&crypter, r, &old);
            }
            report.encrypted = true;
            Some(params)
        }
    };

    report.documents = documents.ids.len();
    report.records = head.len()
        + tail.len()
        + documents.ids.len()
        + documents.notes.values().map(Vec::len).sum::<usize>()
        + documents.instances.values().map(Vec::len).sum::<usize>();
    let mut metadata = json!({ "version": EXPORT_VERSION });
    if let Some(params) = &crypto {
        metadata["__crypto__"] = serde_json::to_value(params)
            .map_err(|e| Error::Invalid(format!("cannot write the metadata: {e}")))?;
    }
    let metadata = records::pretty(&metadata);
    Ok(Prepared {
        report,
        metadata,
        plan: ExportPlan {
            head,
            documents,
            tail,
        },
    })
}

fn default_zip_name() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    format!("export-{}", now.date())
}

/// Reads the library: the records before the documents (sorted in manifest order, with
/// the notes and custom field values unless split), the documents to walk, and the
/// records after them.
async fn collect(
    store: &Store,
    opts: &ExportOptions,
    report: &mut ExportReport,
) -> Result<(Vec<OutRecord>, DocumentWalk, Vec<OutRecord>)> {
    let mut conn = store.db().conn().await?;
    let mut head: Vec<OutRecord> = Vec::new();
    let correspondents = conn.correspondents().await?;
    head.extend(correspondents.iter().map(records::correspondent));
    head.extend(records::tags(&conn.tags().await?));
    head.extend(
        conn.document_types()
            .await?
            .iter()
            .map(records::document_type),
    );
    head.extend(
        conn.storage_paths()
            .await?
            .iter()
            .map(records::storage_path),
    );
    head.extend(
        conn.mail_accounts()
            .await?
            .iter()
            .map(records::mail_account),
    );
    head.extend(conn.mail_rules().await?.iter().map(records::mail_rule));
    head.extend(
        conn.users()
            .await?
            .iter()
            .filter(|u| !SKIPPED_USERS.contains(&u.username.as_str()))
            .map(records::user),
    );
    head.extend(
        conn.custom_fields()
            .await?
            .iter()
            .map(records::custom_field),
    );
    let mut tail = Vec::new();
    for kept in conn.paperless_records().await? {
        let mut r = OutRecord::from_kept(&kept.record);
        if r.remove_extra("__exported_share_link_bundle_name__")
            .is_some()
        {
            report.warnings.push(format!(
                "{} pk={}: pd keeps no share link bundle files; exported without its file",
                r.model, r.pk
            ));
        }
        if records::model_rank(&r.model) >= 200 {
            tail.push(r);
        } else {
            head.push(r);
        }
    }

    let mut ids = conn.document_ids(TrashFilter::Include).await?;
    ids.sort_unstable();
    let mut notes = conn.notes_by_document().await?;
    let mut instances = conn.custom_field_instances_by_document().await?;
    if !opts.split_manifest {
        // In `manifest.json` they come before the documents, in document order.
        for id in &ids {
            for n in notes.remove(id).unwrap_or_default() {
                head.push(records::note(&n));
            }
            for i in instances.remove(id).unwrap_or_default() {
                head.push(records::custom_field_instance(&i));
            }
        }
        notes.clear();
        instances.clear();
    }
    head.sort_by_key(|r| records::model_rank(&r.model));
    tail.sort_by_key(|r| records::model_rank(&r.model));

    let lookup = if opts.use_filename_format {
        Some(pd_store::FilenameLookup::load(&mut conn).await?)
    } else {
        None
    };
    let documents = DocumentWalk {
        ids,
        flags: DocumentFlags {
            no_thumbnail: opts.no_thumbnail,
            no_archive: opts.no_archive,
            split: opts.split_manifest,
            folder_prefix: opts.use_folder_prefix,
            data_only: opts.data_only,
        },
        correspondents: correspondents.into_iter().map(|c| (c.id, c.name)).collect(),
        lookup,
        naming: opts
            .naming
            .clone()
            .unwrap_or_else(|| store.naming().clone()),
        notes,
        instances,
    };
    Ok((head, documents, tail))
}

/// Previous ciphertexts by (model, pk, field).
type OldSecrets = HashMap<(String, String, String), String>;

/// The previous export's crypto parameters (when they are the ones this run would use)
/// and its stored secrets.
fn previous_crypto(target: &Path, opts: &ExportOptions) -> Option<(CryptoParams, OldSecrets)> {
    let params = manifest::read_metadata(target).ok()??.crypto?;
    if params.key_algo != crypt::KEY_ALGO || params.key_iters != opts.kdf_iterations {
        return None;
    }
    let mut old = OldSecrets::new();
    let path = target.join(MANIFEST_FILE);
    let _ = manifest::read_records(&path, |r| {
        if let Some((_, names)) = ENCRYPTED_FIELDS.iter().find(|(m, _)| *m == r.model) {
            for name in *names {
                if let Some(Value::String(v)) = r.fields.get(*name) {
                    old.insert(
                        (r.model.clone(), r.pk.to_string(), (*name).to_owned()),
                        v.clone(),
                    );
                }
            }
        }
        Ok(())
    });
    Some((params, old))
}

/// Encrypts a record's secrets, reusing a previous token that still decrypts to the value.
fn encrypt(crypter: &Crypter, r: &mut OutRecord, old: &OldSecrets) {
    let Some((_, names)) = ENCRYPTED_FIELDS.iter().find(|(m, _)| *m == r.model) else {
        return;
    };
    let pk = r.pk.to_string();
    let model = r.model.clone();
    for name in *names {
        if let Some(Value::String(plain)) = r.field_mut(name)
            && !plain.is_empty()
        {
            let key = (model.clone(), pk.clone(), (*name).to_owned());
            *plain = match old.get(&key) {
                Some(token) if crypter.decrypt(token).ok().as_deref() == Some(plain.as_str()) => {
                    token.clone()
                }
                _ => crypter.encrypt(plain),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_paperless() {
        let n = ExportNames::new("2021-03-04 ACME Invoice 42.pdf", false);
        assert_eq!(n.thumbnail, "2021-03-04 ACME Invoice 42-thumbnail.webp");
        assert_eq!(n.archive, "2021-03-04 ACME Invoice 42-archive.pdf");
        let n = ExportNames::new("wow2/none_01.pdf", true);
        assert_eq!(n.original, "originals/wow2/none_01.pdf");
        assert_eq!(n.thumbnail, "thumbnails/wow2/none_01-thumbnail.webp");
        assert_eq!(n.archive, "archive/wow2/none_01-archive.pdf");
        assert_eq!(n.manifest, "json/wow2/none_01-manifest.json");
    }
}
