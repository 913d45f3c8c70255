//! `pd decrypt`: GnuPG-stored documents become plain files, one document at a time, in
//! an order that survives being killed at any point.
//!
//! For each document stored as `gpg`, holding the media lock:
//!
//! 1. decrypt the original and the thumbnail in memory and check the original against
//!    the stored checksum (MD5 for legacy rows, SHA-256 otherwise) — nothing is written
//!    for a document that does not decrypt or does not match;
//! 2. write the plain original (`foo.pdf.gpg` → `foo.pdf`) and thumbnail
//!    (`<id:07>.webp`), each to a temporary name and renamed;
//! 3. in one statement, switch the document to `unencrypted` with its new name and the
//!    SHA-256 of the plain original;
//! 4. only then remove the two `.gpg` files.
//!
//! Killed before 3, the document is still encrypted with its `.gpg` files intact and a
//! re-run starts it again (the plain files it wrote are rewritten with the same bytes).
//! Killed after 3, it is decrypted and verified; the next run removes the `.gpg` files it
//! left (after checking the plain original against its checksum) and pd's own temporary
//! files in the folders it writes to.
//!
//! A wrong passphrase is found before anything is written: the first documents are tried
//! until one decrypts; if none does, the run stops and changes nothing.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use pd_core::{Document, Id, StorageType};
use pd_store::Store;
use pd_store::media::{sha256_file, write_atomic};
use serde::Serialize;

use super::checksum::hash_bytes;
use super::gpg::{self, GpgFailure};
use crate::{Error, Result};

/// How many documents that do not decrypt are tried before the passphrase is called
/// wrong (when none decrypted): one damaged file must not pass for a wrong passphrase.
const PROBE_LIMIT: usize = 5;

/// The prefix of pd's temporary files (see [`pd_store::media::write_atomic`]).
const TEMP_PREFIX: &str = ".pd-tmp-";

/// How to decrypt.
#[derive(Clone, Default)]
pub struct DecryptOptions {
    /// The GnuPG passphrase the old installation used (`PAPERLESS_PASSPHRASE`). Not needed
    /// for a dry run.
    pub passphrase: Option<String>,
    /// List what would be decrypted; read and write nothing.
    pub dry_run: bool,
    /// Fault injection for crash tests: the process aborts right after this many steps
    /// (file writes, database updates, removals), as if it had been killed there.
    pub abort_after_steps: Option<u64>,
}

impl std::fmt::Debug for DecryptOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptOptions")
            .field("passphrase", &self.passphrase.as_ref().map(|_| "<hidden>"))
            .field("dry_run", &self.dry_run)
            .field("abort_after_steps", &self.abort_after_steps)
            .finish()
    }
}

/// One document decrypted (or, dry, to be decrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecryptedDocument {
    pub id: Id,
    pub title: String,
    /// The encrypted original, relative to `documents/originals`.
    pub from: String,
    /// The plain original, relative to `documents/originals`.
    pub to: String,
    /// Whether an encrypted thumbnail was (or would be) decrypted with it.
    pub thumbnail: bool,
}

/// A document left encrypted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecryptFailure {
    pub id: Id,
    pub title: String,
    /// The file concerned.
    pub path: PathBuf,
    pub error: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DecryptReport {
    /// Nothing was read or written.
    pub dry_run: bool,
    /// Documents stored encrypted when the run started.
    pub encrypted_documents: usize,
    /// Documents now stored in plain files (or, dry, that would be).
    pub decrypted: Vec<DecryptedDocument>,
    /// Documents left encrypted and intact.
    pub failed: Vec<DecryptFailure>,
    /// `.gpg` files and temporary files an interrupted run left behind, removed.
    pub leftovers_removed: Vec<PathBuf>,
    /// Notices (a document without a thumbnail, …).
    pub warnings: Vec<String>,
}

impl DecryptReport {
    /// Whether every encrypted document was decrypted.
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Progress of a run, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptProgress {
    /// This many documents are to be decrypted.
    Start { documents: u64 },
    /// One document is done (decrypted or failed).
    DocumentDone,
}

/// Counts steps and aborts the process after the configured one (crash tests only).
struct Steps {
    limit: Option<u64>,
    done: AtomicU64,
}

impl Steps {
    fn step(&self) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if self.limit == Some(n) {
            std::process::abort();
        }
    }
}

/// [`decrypt_with`] without progress reporting.
pub async fn decrypt(store: &Store, opts: &DecryptOptions) -> Result<DecryptReport> {
    decrypt_with(store, opts, &|_| {}).await
}

/// Where a document's files are and go.
struct Plan {
    doc: Document,
    /// The stored (encrypted) original, relative to the originals folder.
    from: String,
    /// The plain name to record (`None` keeps the id-based default).
    plain_filename: Option<String>,
    /// The plain name, relative to the originals folder.
    to: String,
    enc_original: PathBuf,
    plain_original: PathBuf,
    enc_thumbnail: PathBuf,
    plain_thumbnail: PathBuf,
}

fn plan(store: &Store, doc: &Document) -> std::result::Result<Plan, String> {
    let media = store.media();
    let from = doc.source_filename();
    let Some(stem) = from.strip_suffix(".gpg").filter(|s| !s.is_empty()) else {
        return Err(format!(
            "the stored name {from:?} does not end with .gpg; rename it before decrypting"
        ));
    };
    let mut plain = doc.clone();
    plain.storage_type = StorageType::Unencrypted;
    plain.filename = doc.filename.as_ref().map(|_| stem.to_owned());
    let enc_original = media.original_path(doc).map_err(|e| e.to_string())?;
    let plain_original = media.original_path(&plain).map_err(|e| e.to_string())?;
    Ok(Plan {
        from: from.clone(),
        to: plain.source_filename(),
        plain_filename: plain.filename.clone(),
        enc_original,
        plain_original,
        enc_thumbnail: media.thumbnail_path(doc),
        plain_thumbnail: media.thumbnail_path(&plain),
        doc: doc.clone(),
    })
}

/// Decrypts every GnuPG-stored document; see the module documentation.
pub async fn decrypt_with(
    store: &Store,
    opts: &DecryptOptions,
    progress: &(dyn Fn(DecryptProgress) + Sync),
) -> Result<DecryptReport> {
    let steps = Steps {
        limit: opts.abort_after_steps,
        done: AtomicU64::new(0),
    };
    let mut report = DecryptReport {
        dry_run: opts.dry_run,
        ..DecryptReport::default()
    };
    let _lock = if opts.dry_run {
        None
    } else {
        Some(store.media().lock()?)
    };
    let all = store.db().conn().await?.documents_for_integrity().await?;
    let encrypted: Vec<&Document> = all.iter().filter(|d| d.is_encrypted()).collect();
    report.encrypted_documents = encrypted.len();

    let mut plans = Vec::with_capacity(encrypted.len());
    for doc in &encrypted {
        match plan(store, doc) {
            Ok(p) => plans.push(p),
            Err(error) => report.failed.push(DecryptFailure {
                id: doc.id,
                title: doc.title.clone(),
                path: store.media().originals_dir().join(doc.source_filename()),
                error,
            }),
        }
    }
    if opts.dry_run {
        report.decrypted = plans
            .iter()
            .map(|p| DecryptedDocument {
                id: p.doc.id,
                title: p.doc.title.clone(),
                from: p.from.clone(),
                to: p.to.clone(),
                thumbnail: p.enc_thumbnail.is_file(),
            })
            .collect();
        return Ok(report);
    }

    // The passphrase is checked before anything, leftovers included, is touched.
    let passphrase = match opts.passphrase.as_deref() {
        _ if plans.is_empty() => "",
        Some(p) => p,
        None => {
            return Err(Error::Passphrase(
                "no passphrase: give the old installation's GnuPG passphrase with \
                 --passphrase or PD_PASSPHRASE"
                    .into(),
            ));
        }
    };
    if !plans.is_empty() {
        check_passphrase(&plans, passphrase)?;
    }
    remove_leftovers(store, &all, &plans, &mut report)?;
    if plans.is_empty() {
        return Ok(report);
    }

    progress(DecryptProgress::Start {
        documents: plans.len() as u64,
    });
    let mut taken: HashSet<String> = all
        .iter()
        .filter(|d| !d.is_encrypted())
        .map(|d| d.source_filename())
        .collect();
    let mut conn = store.db().conn().await?;
    for p in &plans {
        let fail = |path: &Path, error: String| DecryptFailure {
            id: p.doc.id,
            title: p.doc.title.clone(),
            path: path.to_owned(),
            error,
        };
        if taken.contains(&p.to) {
            report.failed.push(fail(
                &p.plain_original,
                format!(
                    "another document is stored as {}; rename one of them first",
                    p.to
                ),
            ));
            progress(DecryptProgress::DocumentDone);
            continue;
        }
        match decrypt_one(p, passphrase, &steps, &mut report.warnings) {
            Err((path, error)) => report.failed.push(fail(&path, error)),
            Ok((sha256, thumbnail)) => {
                let switched = conn
                    .set_document_decrypted(
                        p.doc.id,
                        p.plain_filename.as_deref(),
                        &sha256,
                        pd_core::now(),
                    )
                    .await;
                if let Err(e) = switched {
                    report.failed.push(fail(&p.plain_original, e.to_string()));
                    progress(DecryptProgress::DocumentDone);
                    continue;
                }
                steps.step();
                taken.insert(p.to.clone());
                for path in [&p.enc_original, &p.enc_thumbnail] {
                    if let Err(e) = remove_if_present(path) {
                        report.warnings.push(format!(
                            "document {}: decrypted, but {e}; `pd decrypt` removes it later",
                            p.doc.id
                        ));
                    }
                    steps.step();
                }
                report.decrypted.push(DecryptedDocument {
                    id: p.doc.id,
                    title: p.doc.title.clone(),
                    from: p.from.clone(),
                    to: p.to.clone(),
                    thumbnail,
                });
            }
        }
        progress(DecryptProgress::DocumentDone);
    }
    Ok(report)
}

/// Decrypts, checks and writes one document's plain files. Returns the SHA-256 of the
/// plain original and whether a thumbnail was decrypted, or the file and reason it
/// stays encrypted.
fn decrypt_one(
    p: &Plan,
    passphrase: &str,
    steps: &Steps,
    warnings: &mut Vec<String>,
) -> std::result::Result<(String, bool), (PathBuf, String)> {
    let err = |path: &Path, e: String| (path.to_owned(), e);
    let ciphertext = std::fs::read(&p.enc_original)
        .map_err(|e| err(&p.enc_original, format!("cannot read it: {e}")))?;
    let plain = gpg::decrypt(&ciphertext, passphrase).map_err(|e| {
        err(
            &p.enc_original,
            match e {
                GpgFailure::NotDecrypted(m) => format!(
                    "cannot be decrypted ({m}); the passphrase decrypts other documents, \
                     so this file is damaged or was encrypted with another passphrase"
                ),
                damaged => damaged.to_string(),
            },
        )
    })?;
    drop(ciphertext);
    let hashes = hash_bytes(&plain);
    if !hashes.matches(&p.doc.checksum) {
        return Err(err(
            &p.enc_original,
            format!(
                "checksum mismatch: the database has {}, the decrypted file has {}",
                p.doc.checksum,
                hashes.like(&p.doc.checksum)
            ),
        ));
    }
    let thumbnail = if p.enc_thumbnail.is_file() {
        let ciphertext = std::fs::read(&p.enc_thumbnail)
            .map_err(|e| err(&p.enc_thumbnail, format!("cannot read it: {e}")))?;
        let thumb = gpg::decrypt(&ciphertext, passphrase)
            .map_err(|e| err(&p.enc_thumbnail, format!("thumbnail {e}")))?;
        Some(thumb)
    } else {
        if !p.plain_thumbnail.is_file() {
            warnings.push(format!(
                "document {}: no thumbnail; `pd thumbnails` makes one",
                p.doc.id
            ));
        }
        None
    };
    if p.plain_original.exists() {
        // Left by an interrupted run (the same bytes) or someone else's file.
        let existing =
            sha256_file(&p.plain_original).map_err(|e| err(&p.plain_original, e.to_string()))?;
        if existing != hashes.sha256 {
            return Err(err(
                &p.plain_original,
                "a different file already has the plain name; move it away first".into(),
            ));
        }
    }
    write_atomic(&p.plain_original, &plain).map_err(|e| err(&p.plain_original, e.to_string()))?;
    steps.step();
    if let Some(thumb) = &thumbnail {
        write_atomic(&p.plain_thumbnail, thumb)
            .map_err(|e| err(&p.plain_thumbnail, e.to_string()))?;
        steps.step();
    }
    Ok((hashes.sha256, thumbnail.is_some()))
}

/// Tries documents (thumbnail first, it is small) until one decrypts. Fails when none
/// of the first [`PROBE_LIMIT`] that could be read decrypts.
fn check_passphrase(plans: &[Plan], passphrase: &str) -> Result<()> {
    let mut failures: Vec<(PathBuf, String)> = Vec::new();
    for p in plans {
        let path = if p.enc_thumbnail.is_file() {
            &p.enc_thumbnail
        } else {
            &p.enc_original
        };
        let Ok(ciphertext) = std::fs::read(path) else {
            continue;
        };
        match gpg::decrypt(&ciphertext, passphrase) {
            Ok(_) => return Ok(()),
            Err(GpgFailure::Damaged(_)) => {}
            Err(GpgFailure::NotDecrypted(m)) => {
                failures.push((path.clone(), m));
                if failures.len() >= PROBE_LIMIT {
                    break;
                }
            }
        }
    }
    match failures.first() {
        None => Ok(()),
        Some((path, message)) => {
            let others = match failures.len() {
                1 => String::new(),
                n => format!(" (nor do the next {} encrypted documents tried)", n - 1),
            };
            Err(Error::Passphrase(format!(
                "wrong passphrase: it does not decrypt {}{others}: {message}; \
                 nothing was changed",
                path.display()
            )))
        }
    }
}

/// Removes what an interrupted run left: the `.gpg` files of documents already switched
/// to plain files (once the plain original matches its checksum), and pd's temporary
/// files in the folders decryption writes to.
fn remove_leftovers(
    store: &Store,
    all: &[Document],
    plans: &[Plan],
    report: &mut DecryptReport,
) -> Result<()> {
    let media = store.media();
    let claimed: HashSet<&Path> = plans
        .iter()
        .flat_map(|p| [p.enc_original.as_path(), p.enc_thumbnail.as_path()])
        .collect();
    for doc in all.iter().filter(|d| !d.is_encrypted()) {
        let Ok(plain) = media.original_path(doc) else {
            continue;
        };
        let mut encrypted_twin = doc.clone();
        encrypted_twin.storage_type = StorageType::Gpg;
        encrypted_twin.filename = doc.filename.as_ref().map(|n| format!("{n}.gpg"));
        let Ok(enc_original) = media.original_path(&encrypted_twin) else {
            continue;
        };
        let enc_thumbnail = media.thumbnail_path(&encrypted_twin);
        let leftovers: Vec<&PathBuf> = [&enc_original, &enc_thumbnail]
            .into_iter()
            .filter(|p| p.is_file() && !claimed.contains(p.as_path()))
            .collect();
        if leftovers.is_empty() {
            continue;
        }
        let verified = sha256_file(&plain).is_ok_and(|sum| sum == doc.checksum);
        if !verified {
            report.warnings.push(format!(
                "document {}: {} is left in place because the plain original does not \
                 match its checksum",
                doc.id,
                leftovers[0].display()
            ));
            continue;
        }
        for path in leftovers {
            if path == &enc_thumbnail && !media.thumbnail_path(doc).is_file() {
                continue;
            }
            remove_if_present(path)?;
            report.leftovers_removed.push(path.clone());
        }
    }
    let mut dirs: BTreeSet<PathBuf> = plans
        .iter()
        .filter_map(|p| p.plain_original.parent().map(Path::to_owned))
        .collect();
    dirs.insert(media.thumbnails_dir());
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let is_temp = entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX);
            if is_temp && entry.file_type().is_ok_and(|t| t.is_file()) {
                remove_if_present(&entry.path())?;
                report.leftovers_removed.push(entry.path());
            }
        }
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("cannot remove", path, e)),
    }
}
