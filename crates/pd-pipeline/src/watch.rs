//! The consumption folder (`pd consume --watch DIR`, paperless-ngx's
//! `document_consumer`): files dropped into a folder are consumed once they are
//! completely written, and leave the folder once their document is committed.
//!
//! The folder is polled: every `PD_CONSUMER_POLLING_INTERVAL` it is listed (with
//! sub-folders when `PD_CONSUMER_RECURSIVE`), and a file is consumed once its size and
//! modification time have been seen unchanged for `PD_CONSUMER_STABILITY_DELAY`, on two
//! looks at least. Polling rather than inotify (the `notify` crate) because it needs no
//! dependency, works the same on network shares and bind mounts where inotify events
//! never arrive (paperless-ngx users meet this and switch to its polling mode), and
//! the stability check needs the file's size and time looked at anyway; a listing
//! per second is nothing next to OCR.
//!
//! - Names paperless-ngx ignores are ignored (`.DS_Store`, `._*`, `desktop.ini`,
//!   `Thumbs.db`, hidden files and folders, `@eaDir`, …), and so are names that match
//!   `PD_CONSUMER_IGNORE_PATTERNS`.
//! - A consumed file is removed from the folder only after its document is committed
//!   (with its macOS `._name` companion). A file that fails stays and is reported, and
//!   is tried again only when it changes. With `PD_CONSUMER_DELETE_DUPLICATES`, a
//!   rejected duplicate is removed, as paperless-ngx does.
//!
//! [`ConsumptionFolder::poll`] looks once and consumes what is ready; the caller loops,
//! sleeping [`ConsumptionFolder::interval`] in between, until it is told to stop.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use pd_core::ConsumerConfig;
use pd_store::Store;
use regex::Regex;
use serde::Serialize;

use crate::consume::{ConsumeError, ConsumedDocument, consume_file_unindexed, is_ignored};
use crate::pdfium::PdfEngine;

/// The shortest polling interval: a configured 0 would spin.
const MIN_INTERVAL: Duration = Duration::from_millis(50);

/// Why the folder cannot be watched.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The folder is missing, not a folder, or cannot be listed.
    #[error("cannot watch {}: {message}", path.display())]
    Folder { path: PathBuf, message: String },
    /// An ignore pattern is not a valid regular expression.
    #[error("invalid PD_CONSUMER_IGNORE_PATTERNS entry `{pattern}`: {message}")]
    Pattern { pattern: String, message: String },
}

/// How the folder is watched.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Sub-folders too.
    pub recursive: bool,
    /// How long a file must stay unchanged before it is consumed.
    pub stability_delay: Duration,
    /// How often the folder is looked at.
    pub polling_interval: Duration,
    /// File names never consumed, besides the built-in list.
    pub ignore_patterns: Vec<Regex>,
}

impl WatchOptions {
    /// The options `PD_CONSUMER_*` give.
    ///
    /// # Errors
    ///
    /// [`WatchError::Pattern`] for an ignore pattern that is not a regular expression.
    pub fn from_config(config: &ConsumerConfig) -> Result<WatchOptions, WatchError> {
        let ignore_patterns = config
            .ignore_patterns
            .iter()
            .map(|pattern| {
                Regex::new(pattern).map_err(|e| WatchError::Pattern {
                    pattern: pattern.clone(),
                    message: e.to_string(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(WatchOptions {
            recursive: config.recursive,
            stability_delay: Duration::from_secs_f64(config.stability_delay),
            polling_interval: Duration::from_secs_f64(config.polling_interval),
            ignore_patterns,
        })
    }
}

/// A file that could not be consumed; it stays in the folder (unless `removed`).
#[derive(Debug, Clone, Serialize)]
pub struct WatchFailure {
    pub path: PathBuf,
    pub error: String,
    /// The file was removed all the same (a rejected duplicate).
    pub removed: bool,
}

/// What one look at the folder did.
#[derive(Debug, Default, Serialize)]
pub struct WatchBatch {
    pub consumed: Vec<ConsumedDocument>,
    pub failed: Vec<WatchFailure>,
    /// Warnings that belong to no document (the search index, removing a file).
    pub warnings: Vec<String>,
}

/// A file's size and modification time: when both stay put, it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// A watched folder and what has been seen in it.
#[derive(Debug)]
pub struct ConsumptionFolder {
    folder: PathBuf,
    options: WatchOptions,
    /// Files seen, with their stamp and since when it has not changed.
    seen: HashMap<PathBuf, (Stamp, Instant)>,
    /// Files that failed (or were consumed but could not be removed), with the stamp
    /// they had: tried again only once they change.
    settled: HashMap<PathBuf, Stamp>,
}

impl ConsumptionFolder {
    /// Watches `folder`.
    ///
    /// # Errors
    ///
    /// [`WatchError::Folder`] when it is not a folder.
    pub fn new(folder: &Path, options: WatchOptions) -> Result<ConsumptionFolder, WatchError> {
        let meta = std::fs::metadata(folder).map_err(|e| WatchError::Folder {
            path: folder.to_owned(),
            message: e.to_string(),
        })?;
        if !meta.is_dir() {
            return Err(WatchError::Folder {
                path: folder.to_owned(),
                message: "not a folder".into(),
            });
        }
        Ok(ConsumptionFolder {
            folder: folder.to_owned(),
            options,
            seen: HashMap::new(),
            settled: HashMap::new(),
        })
    }

    /// The folder watched.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// How long to wait between two polls.
    pub fn interval(&self) -> Duration {
        self.options.polling_interval.max(MIN_INTERVAL)
    }

    /// Looks at the folder and returns the files that are ready: seen before with the
    /// same size and time, unchanged for the stability delay. Files that settled
    /// (failed) are skipped until they change.
    ///
    /// # Errors
    ///
    /// [`WatchError::Folder`] when the watched folder itself cannot be listed (a
    /// sub-folder that cannot be is skipped).
    pub fn ready(&mut self, now: Instant) -> Result<Vec<PathBuf>, WatchError> {
        let mut present = Vec::new();
        list(&self.folder, self.options.recursive, true, &mut present).map_err(|e| {
            WatchError::Folder {
                path: self.folder.clone(),
                message: e.to_string(),
            }
        })?;
        present.retain(|(path, _)| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            !self
                .options
                .ignore_patterns
                .iter()
                .any(|p| p.is_match(&name))
        });

        let mut ready = Vec::new();
        let mut seen = HashMap::with_capacity(present.len());
        for (path, stamp) in present {
            if self.settled.get(&path) == Some(&stamp) {
                continue;
            }
            self.settled.remove(&path);
            let since = match self.seen.get(&path) {
                Some(&(previous, since)) if previous == stamp => {
                    if now.duration_since(since) >= self.options.stability_delay {
                        ready.push(path.clone());
                    }
                    since
                }
                _ => now,
            };
            seen.insert(path, (stamp, since));
        }
        self.seen = seen;
        // Settled files that are gone are forgotten.
        self.settled.retain(|path, _| path.exists());
        ready.sort();
        Ok(ready)
    }

    /// Looks once and consumes every file that is ready, unless `stop` is set (it is
    /// checked before each file). The search index is updated once for the batch.
    ///
    /// # Errors
    ///
    /// [`WatchError::Folder`] when the folder cannot be listed.
    pub async fn poll(
        &mut self,
        store: &Store,
        engine: Option<&PdfEngine>,
        stop: &AtomicBool,
    ) -> Result<WatchBatch, WatchError> {
        let ready = self.ready(Instant::now())?;
        let mut batch = WatchBatch::default();
        if ready.is_empty() {
            return Ok(batch);
        }
        let sync = pd_index::IndexSync::begin(store).await;
        for path in ready {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            // Changed since it was judged ready: it is being written again.
            let Some(stamp) = self.current_stamp(&path) else {
                continue;
            };
            self.seen.remove(&path);
            match consume_file_unindexed(store, engine, &path).await {
                Ok(mut done) => {
                    if let Err(e) = remove_source(&path) {
                        done.warnings.push(format!(
                            "{}: consumed as #{} but not removed ({e}); it stays until it changes",
                            path.display(),
                            done.document.id
                        ));
                        self.settled.insert(path, stamp);
                    }
                    batch.consumed.push(done);
                }
                Err(err) => {
                    let removed = matches!(err, ConsumeError::Duplicate { .. })
                        && store.config().consumer_delete_duplicates
                        && remove_source(&path).is_ok();
                    if !removed {
                        self.settled.insert(path.clone(), stamp);
                    }
                    batch.failed.push(WatchFailure {
                        path,
                        error: err.to_string(),
                        removed,
                    });
                }
            }
        }
        let ids: Vec<i64> = batch.consumed.iter().map(|c| c.document.id).collect();
        if !ids.is_empty() {
            let synced = match sync {
                Ok(sync) => sync.finish(store, &ids).await,
                Err(e) => Err(e),
            };
            if let Err(e) = synced {
                batch.warnings.push(format!(
                    "the search index was not updated ({e}); the next search rebuilds it"
                ));
            }
        }
        Ok(batch)
    }

    fn current_stamp(&self, path: &Path) -> Option<Stamp> {
        let stamp = Stamp::of(&std::fs::metadata(path).ok()?);
        let expected = self.seen.get(path).map(|(s, _)| *s);
        (expected == Some(stamp)).then_some(stamp)
    }
}

/// Removes a consumed file and the macOS `._name` file beside it.
fn remove_source(path: &Path) -> std::io::Result<()> {
    std::fs::remove_file(path)?;
    if let (Some(dir), Some(name)) = (path.parent(), path.file_name()) {
        let shadow = dir.join(format!("._{}", name.to_string_lossy()));
        let _ = std::fs::remove_file(shadow);
    }
    Ok(())
}

/// The files below `dir` (not ignored), with their stamps.
fn list(
    dir: &Path,
    recursive: bool,
    top: bool,
    out: &mut Vec<(PathBuf, Stamp)>,
) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if top => return Err(e),
        // A sub-folder that went away or cannot be read is looked at next time.
        Err(_) => return Ok(()),
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if is_ignored(&name.to_string_lossy()) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if recursive {
                list(&path, recursive, false, out)?;
            }
        } else if meta.is_file() {
            out.push((path, Stamp::of(&meta)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(delay_ms: u64) -> WatchOptions {
        WatchOptions {
            recursive: false,
            stability_delay: Duration::from_millis(delay_ms),
            polling_interval: Duration::from_millis(10),
            ignore_patterns: vec![Regex::new(r"\.part$").unwrap()],
        }
    }

    #[test]
    fn files_are_ready_once_unchanged_for_the_delay() {
        let dir = tempfile::tempdir().unwrap();
        let mut folder = ConsumptionFolder::new(dir.path(), options(1000)).unwrap();
        let file = dir.path().join("scan.pdf");
        std::fs::write(&file, b"first half").unwrap();
        std::fs::write(dir.path().join(".DS_Store"), b"x").unwrap();
        std::fs::write(dir.path().join("._scan.pdf"), b"x").unwrap();
        std::fs::write(dir.path().join("download.part"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/deep.txt"), b"x").unwrap();

        let start = Instant::now();
        assert!(folder.ready(start).unwrap().is_empty(), "first sight");
        let later = start + Duration::from_millis(1500);
        assert_eq!(folder.ready(later).unwrap(), std::slice::from_ref(&file));

        // Still being written: the clock starts again.
        std::fs::write(&file, b"first half, second half").unwrap();
        assert!(
            folder
                .ready(later + Duration::from_millis(1500))
                .unwrap()
                .is_empty()
        );
        assert!(
            folder
                .ready(later + Duration::from_millis(2000))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            folder.ready(later + Duration::from_millis(3000)).unwrap(),
            [file]
        );
    }

    #[test]
    fn settled_files_wait_until_they_change_and_recursion_is_optional() {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = options(0);
        opts.recursive = true;
        let mut folder = ConsumptionFolder::new(dir.path(), opts).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::create_dir(dir.path().join("@eaDir")).unwrap();
        std::fs::write(dir.path().join("@eaDir/thumb.jpg"), b"x").unwrap();
        let deep = dir.path().join("sub/deep.txt");
        std::fs::write(&deep, b"x").unwrap();
        let now = Instant::now();
        assert!(folder.ready(now).unwrap().is_empty());
        assert_eq!(folder.ready(now).unwrap(), std::slice::from_ref(&deep));
        folder.settled.insert(deep.clone(), folder.seen[&deep].0);
        assert!(folder.ready(now).unwrap().is_empty());
        std::fs::write(&deep, b"fixed").unwrap();
        assert!(folder.ready(now).unwrap().is_empty(), "changed: seen anew");
        assert_eq!(folder.ready(now).unwrap(), [deep]);
    }

    #[test]
    fn bad_folders_and_patterns_are_errors() {
        let err = ConsumptionFolder::new(Path::new("/nonexistent/inbox"), options(0)).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/inbox"), "{err}");
        let config = ConsumerConfig {
            ignore_patterns: vec!["(".into()],
            ..ConsumerConfig::default()
        };
        let err = WatchOptions::from_config(&config).unwrap_err();
        assert!(
            err.to_string().contains("PD_CONSUMER_IGNORE_PATTERNS"),
            "{err}"
        );
    }
}
