//! `pd verify`: re-hash an export against its manifest and list missing, extra and
//! corrupt files. Reads only; works on directories and ZIPs alike.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use pd_store::media::sha256_file;
use rayon::prelude::*;
use serde::Serialize;

use crate::manifest::{METADATA_FILE, VERSION_FILE, models, read_records};
use crate::source::{ExportSource, SourceKind, ZipLimits, walk_files};
use crate::{Error, Result};

/// How to verify.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Limits for unpacking a ZIP.
    pub zip_limits: ZipLimits,
    /// Where a ZIP is unpacked (the system's temporary folder when unset).
    pub work_dir: Option<PathBuf>,
}

/// A file whose SHA-256 is not the manifest's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorruptFile {
    /// The path inside the export.
    pub path: String,
    /// The SHA-256 the manifest records.
    pub expected: String,
    /// The file's SHA-256.
    pub actual: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The export verified.
    pub source: PathBuf,
    /// Directory or ZIP.
    pub kind: SourceKind,
    /// Records in all manifests.
    pub records: usize,
    /// Document records among them.
    pub documents: usize,
    /// Files the manifest names that were found and, where it records a SHA-256, hashed.
    pub files_checked: usize,
    /// Files the manifest names that are not in the export.
    pub missing: Vec<String>,
    /// Files whose SHA-256 differs from the manifest's.
    pub corrupt: Vec<CorruptFile>,
    /// Files in the export no record names.
    pub extra: Vec<String>,
    /// Paths the manifest names that would leave the export (`..`, absolute, symlinks).
    pub unsafe_paths: Vec<String>,
    /// Files an interrupted `pd export` had already renamed into place beside this
    /// (still complete) export, or was about to delete; the next export run completes
    /// the update.
    pub interrupted_export: Vec<String>,
}

impl VerifyReport {
    /// Whether the export is complete and intact.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
            && self.corrupt.is_empty()
            && self.extra.is_empty()
            && self.unsafe_paths.is_empty()
    }
}

/// One file to check: its path in the export and the SHA-256 the manifest records.
struct Expected {
    path: String,
    checksum: Option<String>,
}

/// `a/./b` → `a/b`, so names compare equal to what a directory walk yields.
fn normalise(relative: &str) -> String {
    Path::new(relative)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Re-hashes every file an export's manifests name.
pub fn verify(path: &Path, opts: &VerifyOptions) -> Result<VerifyReport> {
    verify_with(path, opts, &|_, _| {})
}

/// [`verify()`], telling `progress` the files checked so far and how many there are.
pub fn verify_with(
    path: &Path,
    opts: &VerifyOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<VerifyReport> {
    let export = ExportSource::open(path, &opts.zip_limits, opts.work_dir.as_deref())?;
    let mut expected = Vec::new();
    let mut records = 0;
    let mut documents = 0;
    for manifest in export.manifests() {
        read_records(manifest, |r| {
            records += 1;
            if r.model == models::DOCUMENT {
                documents += 1;
            }
            let field = |name: &str| {
                r.fields
                    .get(name)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            if let Some(p) = &r.exported_file_name {
                expected.push(Expected {
                    path: p.clone(),
                    checksum: field("checksum"),
                });
            }
            if let Some(p) = &r.exported_archive_name {
                expected.push(Expected {
                    path: p.clone(),
                    checksum: field("archive_checksum"),
                });
            }
            for p in [
                &r.exported_thumbnail_name,
                &r.exported_share_link_bundle_name,
            ]
            .into_iter()
            .flatten()
            {
                expected.push(Expected {
                    path: p.clone(),
                    checksum: None,
                });
            }
            Ok(())
        })?;
    }
    // pd's exports list every file's SHA-256, thumbnails included.
    if let Some(sums) = crate::export::sink::Checksums::read(export.root()) {
        for e in &mut expected {
            if e.checksum.is_none() {
                e.checksum = sums
                    .files
                    .get(&normalise(&e.path))
                    .map(|s| s.sha256.clone());
            }
        }
    }
    enum Outcome {
        Ok,
        Missing,
        Unsafe,
        Corrupt(CorruptFile),
    }
    let total = expected.len() as u64;
    let checked = std::sync::atomic::AtomicU64::new(0);
    progress(0, total);
    let outcomes: Vec<Result<Outcome>> = expected
        .par_iter()
        .map(|e| {
            let file = match export.resolve(&e.path) {
                Ok(file) => file,
                Err(Error::UnsafePath { .. }) => return Ok(Outcome::Unsafe),
                Err(Error::Invalid(_)) => return Ok(Outcome::Missing),
                Err(other) => return Err(other),
            };
            let Some(checksum) = &e.checksum else {
                return Ok(Outcome::Ok);
            };
            let actual = sha256_file(&file)?;
            Ok(if actual.eq_ignore_ascii_case(checksum) {
                Outcome::Ok
            } else {
                Outcome::Corrupt(CorruptFile {
                    path: e.path.clone(),
                    expected: checksum.clone(),
                    actual,
                })
            })
        })
        .inspect(|_| {
            let done = checked.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(done, total);
        })
        .collect();
    let mut report = VerifyReport {
        source: path.to_owned(),
        kind: export.kind(),
        records,
        documents,
        files_checked: 0,
        missing: Vec::new(),
        corrupt: Vec::new(),
        extra: Vec::new(),
        unsafe_paths: Vec::new(),
        interrupted_export: Vec::new(),
    };
    for (e, outcome) in expected.iter().zip(outcomes) {
        match outcome? {
            Outcome::Ok => report.files_checked += 1,
            Outcome::Missing => report.missing.push(e.path.clone()),
            Outcome::Unsafe => report.unsafe_paths.push(e.path.clone()),
            Outcome::Corrupt(c) => {
                report.files_checked += 1;
                report.corrupt.push(c);
            }
        }
    }
    let mut known: BTreeSet<String> = expected.iter().map(|e| normalise(&e.path)).collect();
    known.insert(METADATA_FILE.into());
    known.insert(VERSION_FILE.into());
    known.insert(crate::export::sink::CHECKSUMS_FILE.into());
    known.insert(crate::backup::HEADER_FILE.into());
    for m in export.manifests() {
        if let Ok(rel) = m.strip_prefix(export.root()) {
            known.insert(normalise(&rel.to_string_lossy()));
        }
    }
    let mut present = Vec::new();
    walk_files(export.root(), &mut |rel| {
        present.push(normalise(&rel.to_string_lossy()));
        Ok(())
    })?;
    // What an interrupted export left: its temporary files, and the files it had renamed
    // into place before it was stopped (listed in its commit journal).
    let journal = export.root().join(crate::export::sink::COMMIT_JOURNAL);
    let pending: BTreeSet<String> = std::fs::read(&journal)
        .ok()
        .and_then(|b| serde_json::from_slice::<Vec<String>>(&b).ok())
        .unwrap_or_default()
        .iter()
        .map(|p| normalise(p))
        .collect();
    for p in present.into_iter().filter(|p| !known.contains(p)) {
        let leftover = p
            .rsplit('/')
            .next()
            .is_some_and(|n| n.starts_with(crate::export::sink::TMP_PREFIX));
        if leftover || pending.contains(&p) {
            report.interrupted_export.push(p);
        } else {
            report.extra.push(p);
        }
    }
    report.extra.sort();
    report.interrupted_export.sort();
    Ok(report)
}
