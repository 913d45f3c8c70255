//! `pd restore`: unpack into a staging folder, check every member, import all or nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pd_store::Store;
use pd_store::media::sha256_file;
use rayon::prelude::*;
use serde::Serialize;

use super::{BackupHeader, BackupLimits, HEADER_FILE, archive};
use crate::export::sink::{CHECKSUMS_FILE, Checksums};
use crate::import::{ImportOptions, ImportReport, import};
use crate::{Error, Result};

/// Staging folders of restores start with this (in the data folder).
pub const STAGING_PREFIX: &str = ".pd-restore-";

/// How to restore.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// Restore into a library that already holds data (as `pd import --merge`).
    pub merge: bool,
    /// The passphrase the backup's secrets were encrypted with.
    pub passphrase: Option<String>,
    /// Check everything, write nothing to the library.
    pub dry_run: bool,
    /// Limits against hostile archives.
    pub limits: BackupLimits,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    /// The archive restored.
    pub archive: PathBuf,
    /// Its header.
    pub header: BackupHeader,
    /// Members checked against `pd-checksums.json`.
    pub files_checked: usize,
    /// Their bytes.
    pub bytes_checked: u64,
    /// The import of the unpacked backup.
    pub import: ImportReport,
}

/// Removes the staging folders of restores that were killed.
fn remove_stale_staging(data_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(STAGING_PREFIX))
            && entry.file_type().is_ok_and(|t| t.is_dir())
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Every file below `dir`, `/`-separated and relative to `root`.
fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("cannot list", dir, e))? {
        let entry = entry.map_err(|e| Error::io("cannot list", dir, e))?;
        let path = entry.path();
        let ty = entry
            .file_type()
            .map_err(|e| Error::io("cannot read", &path, e))?;
        if ty.is_dir() {
            walk(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Checks every unpacked member against `pd-checksums.json`: each listed, present, of
/// its size and SHA-256, and nothing else there. Returns (files, bytes) checked.
pub(crate) fn check_members(archive: &Path, root: &Path) -> Result<(usize, u64)> {
    let refuse = |reason: String| Error::Archive {
        path: archive.to_owned(),
        reason,
    };
    let bytes = std::fs::read(root.join(CHECKSUMS_FILE))
        .map_err(|_| refuse(format!("it has no {CHECKSUMS_FILE}")))?;
    let sums: Checksums = serde_json::from_slice(&bytes)
        .map_err(|e| refuse(format!("its {CHECKSUMS_FILE} is malformed: {e}")))?;
    let mut present = BTreeSet::new();
    walk(root, root, &mut present)?;
    for name in [HEADER_FILE, CHECKSUMS_FILE] {
        present.remove(name);
    }
    if let Some(extra) = present.iter().find(|p| !sums.files.contains_key(*p)) {
        return Err(refuse(format!(
            "the member \"{extra}\" is not listed in its {CHECKSUMS_FILE}"
        )));
    }
    if let Some(missing) = sums.files.keys().find(|p| !present.contains(*p)) {
        return Err(refuse(format!(
            "{CHECKSUMS_FILE} lists \"{missing}\", which is not in it"
        )));
    }
    sums.files
        .par_iter()
        .map(|(rel, sum)| {
            let path = root.join(rel);
            let size = std::fs::metadata(&path)
                .map_err(|e| Error::io("cannot read", &path, e))?
                .len();
            let actual = sha256_file(&path)?;
            if size != sum.size || !actual.eq_ignore_ascii_case(&sum.sha256) {
                return Err(Error::Checksum {
                    path: rel.clone(),
                    expected: sum.sha256.clone(),
                    actual,
                });
            }
            Ok(())
        })
        .collect::<Result<Vec<()>>>()?;
    Ok((sums.files.len(), sums.files.values().map(|s| s.size).sum()))
}

/// Restores the backup `archive` into the library: unpacked into a staging folder in the
/// data folder, every member checked, then imported in one transaction (see
/// [`crate::import()`]); on any failure the library is as before. `progress` gets the
/// bytes unpacked and the total.
pub async fn restore(
    store: &Store,
    archive_path: &Path,
    opts: &RestoreOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<RestoreReport> {
    if !archive_path.is_file() {
        return Err(Error::Invalid(format!(
            "{} does not exist or is not a file",
            archive_path.display()
        )));
    }
    if !archive::is_gzip(archive_path)? {
        return Err(Error::Archive {
            path: archive_path.to_owned(),
            reason: "it is not gzip-compressed: not a pd backup (.tar.gz)".into(),
        });
    }
    let data_dir = store.config().data_dir.clone();
    {
        let _lock = store.media().lock()?;
        remove_stale_staging(&data_dir);
    }
    let staging = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(&data_dir)
        .map_err(|e| Error::io("cannot create a staging folder in", &data_dir, e))?;
    let header = archive::unpack(archive_path, staging.path(), &opts.limits, progress)?;
    let (files_checked, bytes_checked) = check_members(archive_path, staging.path())?;
    let import_opts = ImportOptions {
        merge: opts.merge,
        passphrase: opts.passphrase.clone(),
        dry_run: opts.dry_run,
        work_dir: Some(data_dir),
        ..ImportOptions::default()
    };
    let mut report = import(store, staging.path(), &import_opts).await?;
    report.source = archive_path.to_owned();
    Ok(RestoreReport {
        archive: archive_path.to_owned(),
        header,
        files_checked,
        bytes_checked,
        import: report,
    })
}
