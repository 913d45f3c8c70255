//! `pd restore`: unpack into a staging folder, check every member, import all or nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use pd_store::Store;
use pd_store::media::sha256_file;
use rayon::prelude::*;
use serde::Serialize;

use super::{BackupHeader, BackupLimits, HEADER_FILE, archive};
use crate::export::sink::{CHECKSUMS_FILE, FileSum, for_each_checksum, path_key};
use crate::import::{ImportOptions, ImportReport, import};
use crate::source::walk_files;
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

/// How many members are hashed together.
const CHECK_BATCH: usize = 256;

/// Checks every unpacked member against `pd-checksums.json`: each listed, present, of
/// its size and SHA-256, and nothing else there. The list is read as a stream and the
/// members hashed a batch at a time in parallel; what stays of a member is a 16-byte key
/// of its path. Returns (files, bytes) checked.
pub(crate) fn check_members(archive: &Path, root: &Path) -> Result<(usize, u64)> {
    let refuse = |reason: String| Error::Archive {
        path: archive.to_owned(),
        reason,
    };
    let file = std::fs::File::open(root.join(CHECKSUMS_FILE))
        .map_err(|_| refuse(format!("it has no {CHECKSUMS_FILE}")))?;
    let check = |batch: &mut Vec<(String, FileSum)>| -> Result<()> {
        batch
            .par_iter()
            .map(|(rel, sum)| {
                let path = root.join(rel);
                if !path.is_file() {
                    return Err(refuse(format!(
                        "{CHECKSUMS_FILE} lists \"{rel}\", which is not in it"
                    )));
                }
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
        batch.clear();
        Ok(())
    };
    let mut listed: HashSet<u128> = HashSet::new();
    let (mut files, mut bytes) = (0, 0);
    let mut batch = Vec::with_capacity(CHECK_BATCH);
    let read = for_each_checksum(std::io::BufReader::new(file), |rel, sum| {
        if !listed.insert(path_key(&rel)) {
            return Ok(());
        }
        files += 1;
        bytes += sum.size;
        batch.push((rel, sum));
        if batch.len() == CHECK_BATCH {
            check(&mut batch)?;
        }
        Ok(())
    })
    .map_err(|e| refuse(format!("its {CHECKSUMS_FILE} is malformed: {e}")))?;
    read?;
    check(&mut batch)?;
    walk_files(root, &mut |rel| {
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel == HEADER_FILE || rel == CHECKSUMS_FILE || listed.contains(&path_key(&rel)) {
            return Ok(());
        }
        Err(refuse(format!(
            "the member \"{rel}\" is not listed in its {CHECKSUMS_FILE}"
        )))
    })?;
    Ok((files, bytes))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::sink::Checksums;

    /// An unpacked backup of `n` members (over one batch) and its checksums file.
    fn unpacked(n: usize) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let mut sums = Checksums {
            format: Checksums::FORMAT.into(),
            ..Checksums::default()
        };
        for i in 0..n {
            let rel = format!("documents/{}/{i}.pdf", i % 7);
            let bytes = format!("member {i}").into_bytes();
            let path = dir.path().join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
            sums.files.insert(
                rel,
                FileSum {
                    sha256: pd_store::media::sha256_bytes(&bytes),
                    size: bytes.len() as u64,
                },
            );
        }
        std::fs::write(
            dir.path().join(CHECKSUMS_FILE),
            serde_json::to_vec_pretty(&sums).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.path().join(HEADER_FILE), b"{}").unwrap();
        dir
    }

    fn reason(root: &Path) -> String {
        check_members(Path::new("b.tar.gz"), root)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn every_member_is_checked_and_nothing_else_may_be_there() {
        let n = CHECK_BATCH * 2 + 3;
        let dir = unpacked(n);
        let (files, bytes) = check_members(Path::new("b.tar.gz"), dir.path()).unwrap();
        assert_eq!(files, n);
        let expected: u64 = (0..n).map(|i| format!("member {i}").len() as u64).sum();
        assert_eq!(bytes, expected);

        // A changed member in the last batch.
        let last = dir
            .path()
            .join(format!("documents/{}/{}.pdf", (n - 1) % 7, n - 1));
        std::fs::write(&last, b"changed").unwrap();
        let why = reason(dir.path());
        assert!(
            why.contains("checksum mismatch") && why.contains(".pdf"),
            "{why}"
        );

        let dir = unpacked(n);
        std::fs::remove_file(dir.path().join("documents/3/10.pdf")).unwrap();
        assert!(
            reason(dir.path()).contains("lists \"documents/3/10.pdf\", which is not in it"),
            "{}",
            reason(dir.path())
        );

        let dir = unpacked(n);
        std::fs::write(dir.path().join("documents/stowaway.pdf"), b"x").unwrap();
        assert!(
            reason(dir.path()).contains("\"documents/stowaway.pdf\" is not listed"),
            "{}",
            reason(dir.path())
        );

        let dir = unpacked(3);
        std::fs::write(dir.path().join(CHECKSUMS_FILE), b"{\"files\": [").unwrap();
        assert!(
            reason(dir.path()).contains("malformed"),
            "{}",
            reason(dir.path())
        );
    }
}
