//! `pd backup` and `pd restore`: the whole library in one `.tar.gz` that checks itself.
//!
//! A backup is a pd export (paperless-ngx 3's format, so it is also an export
//! paperless-ngx's importer reads once unpacked) streamed into a gzip-compressed tar:
//!
//! | member | what |
//! |---|---|
//! | `pd-backup.json` | first: the format, the pd version, the database migration, when, and how many members and bytes follow |
//! | `originals/<tree>` | every original, named by the library's filename template, else `<correspondent>/<title>` — a folder tree a person can browse |
//! | `archive/<tree>-archive.pdf`, `thumbnails/<tree>-thumbnail.webp` | archive PDFs and thumbnails beside them in their own trees |
//! | `metadata.json`, `manifest.json` | every record: tags, notes, custom fields, users, mail, and the paperless-ngx records pd keeps |
//! | `pd-checksums.json` | last: the SHA-256 and size of every other member |
//!
//! The archive is written under a temporary name and renamed into place when complete;
//! files are streamed through tar and gzip, never held whole in memory. Restoring
//! ([`restore()`]) unpacks into a staging folder inside the data folder, refusing anything
//! hostile (see [`archive`]), checks every member against `pd-checksums.json`, and then
//! imports through [`crate::import()`]: one transaction, all or nothing.

pub mod archive;
mod restore;

use std::path::{Path, PathBuf};

use pd_store::Store;
use pd_store::naming::NamingOptions;
use serde::{Deserialize, Serialize};

use crate::export::sink::{ByteCount, CHECKSUMS_FILE, ChecksumsWriter, FileSum};
use crate::export::spool::{Spool, bytes_path, path_bytes};
use crate::export::{self, ExportOptions, Prepared};
use crate::manifest::{MANIFEST_FILE, METADATA_FILE};
use crate::{Error, Result};
use archive::ArchiveWriter;

pub use restore::{RestoreOptions, RestoreReport, restore};

/// The first member of every backup.
pub const HEADER_FILE: &str = "pd-backup.json";
/// The format this pd writes (and the major version it reads).
pub const FORMAT: &str = "pd-backup/1";
/// How originals are named in a backup of a library without a filename template.
pub const DEFAULT_TEMPLATE: &str = "{{ correspondent }}/{{ title }}";
/// The folder in the data folder backups go to by default.
pub const BACKUP_DIR: &str = "backups";

/// What `pd-backup.json` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupHeader {
    /// [`FORMAT`].
    pub format: String,
    /// The pd that wrote it.
    pub pd_version: String,
    /// The database migration the library was at.
    pub migration: i64,
    /// When (UTC, RFC 3339).
    pub created: String,
    /// Documents (trashed ones included).
    pub documents: usize,
    /// Members after this one.
    pub files: usize,
    /// Their bytes, unpacked.
    pub bytes: u64,
}

/// How far a backup may unpack before it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupLimits {
    /// The largest `pd-backup.json`.
    pub max_header_bytes: u64,
    /// The most bytes a backup may declare.
    pub max_total_bytes: u64,
    /// The most members a backup may declare.
    pub max_members: usize,
}

impl Default for BackupLimits {
    fn default() -> Self {
        BackupLimits {
            max_header_bytes: 1 << 20,
            max_total_bytes: 1 << 40,
            max_members: 10_000_000,
        }
    }
}

/// How to back up.
#[derive(Debug, Clone, Default)]
pub struct BackupOptions {
    /// Encrypt mail account passwords and tokens with this passphrase (restoring then
    /// needs it).
    pub passphrase: Option<String>,
    /// PBKDF2 iterations for the passphrase (default: paperless-ngx's 1 000 000).
    pub kdf_iterations: Option<u32>,
}

/// What a backup wrote.
#[derive(Debug, Clone, Serialize)]
pub struct BackupReport {
    /// The archive.
    pub archive: PathBuf,
    /// Its header.
    pub header: BackupHeader,
    /// Records in the manifest, documents included.
    pub records: usize,
    /// The archive's size (compressed).
    pub archive_bytes: u64,
    /// Temporary files of interrupted backups removed from the folder.
    pub leftovers_removed: usize,
    /// Notices (plain-text secrets, …).
    pub warnings: Vec<String>,
}

pub(crate) fn header_bytes(header: &BackupHeader) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(header)
        .map_err(|e| Error::Invalid(format!("cannot write {HEADER_FILE}: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Parses and checks a header: the format, and a migration this pd knows.
pub(crate) fn read_header(archive: &Path, bytes: &[u8]) -> Result<BackupHeader> {
    let header: BackupHeader = serde_json::from_slice(bytes).map_err(|e| Error::Archive {
        path: archive.to_owned(),
        reason: format!("its {HEADER_FILE} is malformed: {e}"),
    })?;
    if header.format != FORMAT {
        return Err(Error::Archive {
            path: archive.to_owned(),
            reason: format!(
                "it is in the format \"{}\", which this pd (reading \"{FORMAT}\") does not know",
                header.format
            ),
        });
    }
    let known = pd_store::db::latest_version();
    if header.migration > known {
        return Err(Error::TooNew {
            path: archive.to_owned(),
            pd_version: header.pd_version.clone(),
            migration: header.migration,
            known,
        });
    }
    Ok(header)
}

/// Where a backup goes: `location` if it is a file path, inside it if it is a folder,
/// else `<data>/backups/`; the name `pd-backup-<UTC time>.tar.gz` unless given.
fn destination(store: &Store, location: Option<&Path>) -> Result<PathBuf> {
    let dir = match location {
        Some(path) if path.is_dir() => path.to_owned(),
        Some(path) => {
            if path.exists() || path.symlink_metadata().is_ok() {
                return Err(Error::Invalid(format!(
                    "{} exists: refusing to overwrite it",
                    path.display()
                )));
            }
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if !parent.is_dir() {
                return Err(Error::Invalid(format!(
                    "the folder {} does not exist: create it first",
                    parent.display()
                )));
            }
            return Ok(path.to_owned());
        }
        None => {
            let dir = store.config().data_dir.join(BACKUP_DIR);
            std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
            dir
        }
    };
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let mut candidate = dir.join(format!("pd-backup-{stamp}.tar.gz"));
    let mut n = 1;
    while candidate.symlink_metadata().is_ok() {
        candidate = dir.join(format!("pd-backup-{stamp}-{n}.tar.gz"));
        n += 1;
    }
    Ok(candidate)
}

/// Removes temporary files interrupted backups left in `dir`.
fn remove_leftovers(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let is_tmp = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(archive::TMP_PREFIX));
        if is_tmp
            && entry.file_type().is_ok_and(|t| t.is_file())
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Writes a backup of the whole library to `location` (see [`BackupReport::archive`]
/// for where it went). `progress` gets the members written and the total.
pub async fn backup(
    store: &Store,
    location: Option<&Path>,
    opts: &BackupOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<BackupReport> {
    let dest = destination(store, location)?;
    let migration = store.db().applied_version().await?;
    let _lock = store.media().lock()?;
    let dir = dest.parent().unwrap_or(Path::new(".")).to_owned();
    let leftovers_removed = remove_leftovers(&dir);

    let library = store.naming();
    let export_opts = ExportOptions {
        use_filename_format: true,
        use_folder_prefix: true,
        naming: Some(NamingOptions {
            filename_format: Some(
                library
                    .filename_format
                    .clone()
                    .unwrap_or_else(|| DEFAULT_TEMPLATE.to_owned()),
            ),
            remove_none: library.remove_none,
        }),
        passphrase: opts.passphrase.clone(),
        kdf_iterations: opts
            .kdf_iterations
            .unwrap_or(crate::crypt::DEFAULT_ITERATIONS),
        ..ExportOptions::default()
    };
    let Prepared {
        report,
        metadata,
        mut plan,
    } = export::prepare(store, &export_opts, None).await?;
    // First pass: the manifest goes to a temporary file beside the backup (its size is
    // declared before the first member is written, and it need not fit in memory), the
    // files to copy to a list on disk, with their sizes.
    let manifest_file = tempfile::Builder::new()
        .prefix(archive::TMP_PREFIX)
        .suffix(".json")
        .tempfile_in(&dir)
        .map_err(|e| Error::io("cannot create a temporary file in", &dir, e))?;
    let mut files: Spool<4> = Spool::new_in(&dir)?;
    // The checksums file's size too is declared: SHA-256s are always 64 hex digits, so
    // it is the size of the same file with zeros for them.
    let zero = "0".repeat(64);
    let mut placeholder = ChecksumsWriter::new(ByteCount::default()).map_err(sums_err)?;
    let mut declared = 0u64;
    let mut declare = |rel: &str, size: u64| -> Result<()> {
        declared += size;
        placeholder
            .add(
                rel,
                &FileSum {
                    sha256: zero.clone(),
                    size,
                },
            )
            .map_err(sums_err)
    };
    {
        let mut out = std::io::BufWriter::new(manifest_file.as_file());
        plan.write(store, &mut out, |item| {
            for f in item.files {
                let size = std::fs::metadata(&f.source)
                    .map_err(|e| Error::io("cannot read", &f.source, e))?
                    .len();
                declare(&f.rel, size)?;
                files.push([
                    f.rel.as_bytes(),
                    path_bytes(&f.source),
                    f.checksum.as_deref().unwrap_or_default().as_bytes(),
                    &size.to_le_bytes(),
                ])?;
            }
            Ok(())
        })
        .await?;
        std::io::Write::flush(&mut out)
            .map_err(|e| Error::io("cannot write", manifest_file.path(), e))?;
    }
    let manifest_size = manifest_file
        .as_file()
        .metadata()
        .map_err(|e| Error::io("cannot read", manifest_file.path(), e))?
        .len();
    declare(METADATA_FILE, metadata.len() as u64)?;
    declare(MANIFEST_FILE, manifest_size)?;
    let checksums_size = placeholder.finish().map_err(sums_err)?.0;
    let header = BackupHeader {
        format: FORMAT.into(),
        pd_version: env!("CARGO_PKG_VERSION").into(),
        migration,
        created: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| Error::Invalid(format!("cannot format the time: {e}")))?,
        documents: report.documents,
        files: files.len + 3,
        bytes: declared + checksums_size,
    };

    // Second pass: the members, their checksums listed in a temporary file.
    let total = header.files as u64;
    let mut out = ArchiveWriter::create(&dest)?;
    out.add_header(&header)?;
    let sums_file = tempfile::Builder::new()
        .prefix(archive::TMP_PREFIX)
        .suffix(".json")
        .tempfile_in(&dir)
        .map_err(|e| Error::io("cannot create a temporary file in", &dir, e))?;
    let mut sums =
        ChecksumsWriter::new(std::io::BufWriter::new(sums_file.as_file())).map_err(sums_err)?;
    let mut files = files.read()?;
    while let Some([rel, source, checksum, size]) = files.next_record()? {
        let rel = String::from_utf8_lossy(&rel);
        let source = bytes_path(source);
        let size = u64::from_le_bytes(
            size.try_into()
                .map_err(|_| Error::Invalid("internal: a listed file has no size".into()))?,
        );
        let sum = out.add_file(&rel, &source, size)?;
        if !checksum.is_empty() && !checksum.eq_ignore_ascii_case(sum.sha256.as_bytes()) {
            return Err(Error::Invalid(format!(
                "{} does not match the library's SHA-256 ({}, the file has {}): \
                 run `pd sanity`; no backup was written",
                source.display(),
                String::from_utf8_lossy(&checksum),
                sum.sha256
            )));
        }
        sums.add(&rel, &sum).map_err(sums_err)?;
        progress(out.members as u64, total);
    }
    let metadata_sum = out.add_bytes(METADATA_FILE, &metadata)?;
    sums.add(METADATA_FILE, &metadata_sum).map_err(sums_err)?;
    let manifest_sum = out.add_file(MANIFEST_FILE, manifest_file.path(), manifest_size)?;
    sums.add(MANIFEST_FILE, &manifest_sum).map_err(sums_err)?;
    sums.finish()
        .and_then(|mut w| std::io::Write::flush(&mut w))
        .map_err(sums_err)?;
    out.add_file(CHECKSUMS_FILE, sums_file.path(), checksums_size)?;
    progress(total, total);
    let archive_bytes = out.commit()?;
    Ok(BackupReport {
        archive: dest,
        header,
        records: report.records,
        archive_bytes,
        leftovers_removed,
        warnings: report.warnings,
    })
}

fn sums_err(e: std::io::Error) -> Error {
    Error::io("cannot write", Path::new(CHECKSUMS_FILE), e)
}
