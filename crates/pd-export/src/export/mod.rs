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

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use pd_core::{Document, Id};
use pd_store::Store;
use pd_store::db::{DocumentFilter, TrashFilter};
use serde::Serialize;
use serde_json::{Value, json};

use crate::crypt::{self, Crypter, ENCRYPTED_FIELDS};
use crate::manifest::{self, CryptoParams, MANIFEST_FILE, METADATA_FILE};
use crate::{Error, Result};
use records::OutRecord;
use sink::{CHECKSUMS_FILE, Checksums, DirSink, FileSum, Sink, ZipSink};

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

/// One document with everything exported alongside it. Its content is not kept: the
/// manifest is written in chunks of documents whose content is read again then, so
/// memory does not grow with the library's text.
struct DocumentOut {
    /// The document, its content left empty.
    doc: Document,
    names: ExportNames,
    notes: Vec<OutRecord>,
    instances: Vec<OutRecord>,
}

impl DocumentOut {
    /// The document's record with `content` and the `__exported_*` keys.
    fn record(&self, content: String, opts: &ManifestFlags) -> OutRecord {
        let mut record = records::document(&self.doc);
        if let Some(v) = record.field_mut("content") {
            *v = Value::String(content);
        }
        record.set_extra(
            "__exported_file_name__",
            Value::String(self.names.original.clone()),
        );
        if !opts.no_thumbnail {
            record.set_extra(
                "__exported_thumbnail_name__",
                Value::String(self.names.thumbnail.clone()),
            );
        }
        if !opts.no_archive && self.doc.archive_filename.is_some() {
            record.set_extra(
                "__exported_archive_name__",
                Value::String(self.names.archive.clone()),
            );
        }
        record
    }
}

/// The export flags that shape document records.
#[derive(Debug, Clone, Copy)]
struct ManifestFlags {
    no_thumbnail: bool,
    no_archive: bool,
    split: bool,
}

/// Documents whose content is read from the database at once while a manifest is
/// written.
const CONTENT_CHUNK: usize = 256;

/// Everything a manifest holds, ready to be streamed: the records before the documents
/// (notes and custom field values included unless split), the documents without their
/// content, and the records after them.
pub(crate) struct ManifestPlan {
    head: Vec<OutRecord>,
    docs: Vec<DocumentOut>,
    tail: Vec<OutRecord>,
    flags: ManifestFlags,
}

fn write_err(rel: &str) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::io("cannot write", Path::new(rel), e)
}

impl ManifestPlan {
    /// The contents of `docs[range]`, read again from the database.
    async fn contents(&self, store: &Store, range: std::ops::Range<usize>) -> Result<Vec<String>> {
        let docs = &self.docs[range];
        let ids: Vec<Id> = docs.iter().map(|d| d.doc.id).collect();
        let mut fresh: HashMap<Id, String> = store
            .db()
            .conn()
            .await?
            .documents(&DocumentFilter {
                trash: TrashFilter::Include,
                ids: Some(ids),
            })
            .await?
            .into_iter()
            .map(|d| (d.id, d.content))
            .collect();
        docs.iter()
            .map(|d| {
                fresh.remove(&d.doc.id).ok_or_else(|| {
                    Error::Invalid(format!(
                        "document {} was deleted while the export ran; run it again",
                        d.doc.id
                    ))
                })
            })
            .collect()
    }

    fn chunks(&self) -> impl Iterator<Item = std::ops::Range<usize>> + use<> {
        let n = self.docs.len();
        (0..n)
            .step_by(CONTENT_CHUNK)
            .map(move |start| start..(start + CONTENT_CHUNK).min(n))
    }

    /// Writes `manifest.json` to `out`, in paperless-ngx's byte format.
    pub(crate) async fn write(&self, store: &Store, out: &mut (dyn Write + Send)) -> Result<()> {
        const FLUSH_AT: usize = 1 << 20;
        let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 64 * 1024);
        let mut first = true;
        let mut put = |r: &OutRecord, buf: &mut Vec<u8>| {
            buf.extend_from_slice(if first { b"[" } else { b",\n" });
            first = false;
            r.write_to(buf);
        };
        for r in &self.head {
            put(r, &mut buf);
            if buf.len() >= FLUSH_AT {
                out.write_all(&buf).map_err(write_err(MANIFEST_FILE))?;
                buf.clear();
            }
        }
        if !self.flags.split {
            for range in self.chunks() {
                let contents = self.contents(store, range.clone()).await?;
                for (d, content) in self.docs[range].iter().zip(contents) {
                    put(&d.record(content, &self.flags), &mut buf);
                    if buf.len() >= FLUSH_AT {
                        out.write_all(&buf).map_err(write_err(MANIFEST_FILE))?;
                        buf.clear();
                    }
                }
            }
        }
        for r in &self.tail {
            put(r, &mut buf);
        }
        if first {
            buf.push(b'[');
        }
        buf.extend_from_slice(b"\n]");
        out.write_all(&buf).map_err(write_err(MANIFEST_FILE))?;
        Ok(())
    }

    /// With `-sm`: every document's own manifest (its record, notes and custom field
    /// values), as path and bytes, a chunk of documents at a time.
    pub(crate) async fn each_split(
        &self,
        store: &Store,
        mut each: impl FnMut(&str, &[u8]) -> Result<()>,
    ) -> Result<()> {
        if !self.flags.split {
            return Ok(());
        }
        for range in self.chunks() {
            let contents = self.contents(store, range.clone()).await?;
            for (d, content) in self.docs[range].iter().zip(contents) {
                let record = d.record(content, &self.flags);
                let bytes = records::manifest_bytes(
                    std::iter::once(&record).chain(&d.notes).chain(&d.instances),
                );
                each(&d.names.manifest, &bytes)?;
            }
        }
        Ok(())
    }
}

/// Exports the library to `target`, an existing directory.
pub async fn export(store: &Store, target: &Path, opts: &ExportOptions) -> Result<ExportReport> {
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
        files,
        metadata: metadata_bytes,
        manifest,
    } = prepare(store, opts, previous).await?;
    report.target = target.to_owned();

    let mut sink = if opts.zip {
        let name = opts.zip_name.clone().unwrap_or_else(default_zip_name);
        let file = Path::new(&name).with_extension("zip");
        report.zip = Some(target.join(&file));
        Sink::Zip(Box::new(ZipSink::create(target, &file.to_string_lossy())?))
    } else {
        Sink::Dir(Box::new(DirSink::open(
            target,
            opts.compare_checksums,
            opts.fail_after_writes,
        )?))
    };
    let mut sums = Checksums {
        format: Checksums::FORMAT.into(),
        files: Default::default(),
    };
    for f in files {
        let sum = match &mut sink {
            Sink::Dir(s) => s.add_file(&f.rel, &f.source, f.checksum.as_deref())?,
            Sink::Zip(s) => s.add_file(&f.rel, &f.source)?,
        };
        sums.files.insert(f.rel, sum);
    }
    let add_json = |sink: &mut Sink, sums: &mut Checksums, rel: &str, bytes: &[u8]| -> Result<()> {
        let sum: FileSum = match sink {
            Sink::Dir(s) => s.add_json(rel, bytes)?,
            Sink::Zip(s) => s.add_json(rel, bytes)?,
        };
        sums.files.insert(rel.to_owned(), sum);
        Ok(())
    };
    manifest
        .each_split(store, |rel, bytes| {
            add_json(&mut sink, &mut sums, rel, bytes)
        })
        .await?;
    add_json(&mut sink, &mut sums, METADATA_FILE, &metadata_bytes)?;
    // The manifest is streamed (compared with the previous one as it is written); the
    // checksums file naming its SHA-256 is staged after it, but it lands last.
    let manifest_sum = match &mut sink {
        Sink::Dir(s) => {
            let mut out = s.stream(MANIFEST_FILE)?;
            manifest.write(store, &mut out).await?;
            s.finish_stream(out)?
        }
        Sink::Zip(s) => {
            let mut out = s.stream(MANIFEST_FILE)?;
            manifest.write(store, &mut out).await?;
            out.finish()
        }
    };
    sums.files.insert(MANIFEST_FILE.into(), manifest_sum);
    let checksums_bytes = checksums_json(&sums)?;
    let mut ignore = Checksums::default();
    add_json(&mut sink, &mut ignore, CHECKSUMS_FILE, &checksums_bytes)?;

    match sink {
        Sink::Dir(mut s) => {
            s.stage_last(MANIFEST_FILE);
            report.files_deleted = s.commit(opts.delete)?;
            report.files_written = s.written.len();
            report.files_unchanged = s.unchanged;
            report.bytes_written = s.bytes;
        }
        Sink::Zip(s) => {
            report.files_written = s.written.len();
            report.bytes_written = s.bytes;
            report.files_deleted = s.commit(opts.delete)?;
        }
    }
    Ok(report)
}

/// `pd-checksums.json`'s bytes.
pub(crate) fn checksums_json(sums: &Checksums) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(sums)
        .map_err(|e| Error::Invalid(format!("cannot write the checksums: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
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

/// An export ready to be written: every record but the documents' serialised, every
/// file chosen.
pub(crate) struct Prepared {
    /// The report so far (counts, warnings, encryption).
    pub report: ExportReport,
    /// The document files, in document order.
    pub files: Vec<PlannedFile>,
    /// `metadata.json`.
    pub metadata: Vec<u8>,
    /// `manifest.json` and, with `-sm`, the split manifests, written on demand.
    pub manifest: ManifestPlan,
}

/// Reads the library and plans everything an export writes but the checksums file.
/// `previous` is an earlier export whose passphrase salt and tokens may be reused. The
/// caller holds the media lock.
pub(crate) async fn prepare(
    store: &Store,
    opts: &ExportOptions,
    previous: Option<&Path>,
) -> Result<Prepared> {
    let mut report = ExportReport {
        version: EXPORT_VERSION.into(),
        ..ExportReport::default()
    };
    let (mut head, mut docs, tail) = collect(store, opts, &mut report).await?;

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

    report.records = head.len()
        + tail.len()
        + docs
            .iter()
            .map(|d| 1 + d.notes.len() + d.instances.len())
            .sum::<usize>();
    report.documents = docs.len();
    if !opts.split_manifest {
        for d in &mut docs {
            head.append(&mut d.notes);
            head.append(&mut d.instances);
        }
        head.sort_by_key(|r| records::model_rank(&r.model));
    }
    let mut metadata = json!({ "version": EXPORT_VERSION });
    if let Some(params) = &crypto {
        metadata["__crypto__"] = serde_json::to_value(params)
            .map_err(|e| Error::Invalid(format!("cannot write the metadata: {e}")))?;
    }
    let metadata = records::pretty(&metadata);

    let media = store.media();
    let mut files = Vec::new();
    for d in &docs {
        if opts.data_only {
            continue;
        }
        // A GnuPG-stored original's checksum is of the plain bytes: nothing to compare.
        files.push(PlannedFile {
            rel: d.names.original.clone(),
            source: media.original_path(&d.doc)?,
            checksum: (!d.doc.is_encrypted()).then(|| d.doc.checksum.clone()),
        });
        if !opts.no_thumbnail {
            files.push(PlannedFile {
                rel: d.names.thumbnail.clone(),
                source: media.thumbnail_path(&d.doc),
                checksum: None,
            });
        }
        if !opts.no_archive
            && let Some(path) = media.archive_path(&d.doc)?
        {
            files.push(PlannedFile {
                rel: d.names.archive.clone(),
                source: path,
                checksum: d.doc.archive_checksum.clone(),
            });
        }
    }
    Ok(Prepared {
        report,
        files,
        metadata,
        manifest: ManifestPlan {
            head,
            docs,
            tail,
            flags: ManifestFlags {
                no_thumbnail: opts.no_thumbnail,
                no_archive: opts.no_archive,
                split: opts.split_manifest,
            },
        },
    })
}

fn default_zip_name() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    format!("export-{}", now.date())
}

type Collected = (Vec<OutRecord>, Vec<DocumentOut>, Vec<OutRecord>);

/// Reads the library: records before the documents (sorted in manifest order), the
/// documents with their names, notes and custom field values, and the records after.
async fn collect(
    store: &Store,
    opts: &ExportOptions,
    report: &mut ExportReport,
) -> Result<Collected> {
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
    head.sort_by_key(|r| records::model_rank(&r.model));
    tail.sort_by_key(|r| records::model_rank(&r.model));

    let names: HashMap<Id, String> = correspondents.into_iter().map(|c| (c.id, c.name)).collect();
    let mut ids = conn.document_ids(TrashFilter::Include).await?;
    ids.sort_unstable();
    let mut used: HashSet<String> = HashSet::new();
    let mut docs = Vec::with_capacity(ids.len());
    let lookup = if opts.use_filename_format {
        Some(pd_store::FilenameLookup::load(&mut conn).await?)
    } else {
        None
    };
    let naming = opts.naming.as_ref().unwrap_or(store.naming());
    let mut all_notes = conn.notes_by_document().await?;
    let mut all_instances = conn.custom_field_instances_by_document().await?;
    for chunk in ids.chunks(CONTENT_CHUNK) {
        let filter = DocumentFilter {
            trash: TrashFilter::Include,
            ids: Some(chunk.to_vec()),
        };
        for mut doc in conn.documents(&filter).await? {
            // Read again, a chunk at a time, when the manifest is written.
            doc.content = String::new();
            let ctx = match &lookup {
                Some(lookup) => Some(store.filename_context_with(&mut conn, &doc, lookup).await?),
                None => None,
            };
            let mut counter = 0;
            let base = loop {
                let candidate = match &ctx {
                    Some(ctx) => {
                        pd_store::naming::generate_filename(ctx, naming, counter, false).path
                    }
                    None => pd_store::naming::public_filename(
                        &doc,
                        doc.correspondent
                            .and_then(|c| names.get(&c))
                            .map(String::as_str),
                        false,
                        counter,
                        None,
                    ),
                };
                if used.insert(candidate.clone()) {
                    break candidate;
                }
                counter += 1;
            };
            let mut names = ExportNames::new(&base, opts.use_folder_prefix);
            if doc.is_encrypted() {
                names.original.push_str(doc.storage_type.suffix());
                names.thumbnail.push_str(doc.storage_type.suffix());
            }
            let notes = all_notes
                .remove(&doc.id)
                .unwrap_or_default()
                .iter()
                .map(records::note)
                .collect();
            let instances = all_instances
                .remove(&doc.id)
                .unwrap_or_default()
                .iter()
                .map(records::custom_field_instance)
                .collect();
            docs.push(DocumentOut {
                doc,
                names,
                notes,
                instances,
            });
        }
    }
    Ok((head, docs, tail))
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
