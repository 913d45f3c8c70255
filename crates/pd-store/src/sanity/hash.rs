//! Reading and hashing many files at once: one job per file, spread over a rayon pool,
//! each read streamed through a fixed buffer per thread, so memory stays at
//! `threads × BUFFER` whatever the library's size. `sha2` picks SHA-NI or the ARMv8
//! crypto extensions at run time where the CPU has them.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Bytes read per call: large enough for the kernel's read-ahead, small enough to stay in
/// the CPU cache while it is hashed.
const BUFFER: usize = 256 * 1024;

/// Opens files for reading. The sanity checker reads every file through one, so tests
/// can make a file unreadable without changing its permissions (root reads anything).
pub trait FileOpener: Sync {
    /// Opens `path` for reading.
    fn open(&self, path: &Path) -> io::Result<Box<dyn Read + Send>>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdFiles;

impl FileOpener for StdFiles {
    fn open(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(File::open(path)?))
    }
}

/// Size and modification time of a file, as the change detection compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: i64,
}

impl FileStamp {
    /// The stamp of the file at `path` (following symlinks).
    pub fn of(path: &Path) -> io::Result<FileStamp> {
        let meta = std::fs::metadata(path)?;
        let mtime_ns = match meta.modified()?.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
        };
        Ok(FileStamp {
            size: meta.len(),
            mtime_ns,
        })
    }
}

/// One file to read: hashed when `hash` is set, else only read to the end.
#[derive(Debug, Clone)]
pub struct ReadJob {
    pub path: PathBuf,
    pub hash: bool,
    /// Expected size, to schedule big files first; 0 when unknown.
    pub size_hint: u64,
}

/// What reading one file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutcome {
    /// Lower-case hex SHA-256 for hashed jobs; `Err` holds the error message.
    pub result: std::result::Result<Option<String>, String>,
    pub bytes: u64,
    /// The file's stamp before and after the read agreed (it did not change meanwhile).
    pub stamp: Option<FileStamp>,
}

thread_local! {
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Reads every job on `threads` threads (all cores when `None`), biggest files first so
/// no thread is left with a large file at the end. `on_file` is called after each file
/// with the bytes read. Outcomes come back in the order of `jobs`.
pub fn read_all(
    jobs: &[ReadJob],
    threads: Option<usize>,
    opener: &dyn FileOpener,
    on_file: &(dyn Fn(u64) + Sync),
) -> Result<Vec<ReadOutcome>> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].size_hint));
    let work = || {
        let mut done: Vec<(usize, ReadOutcome)> = order
            .par_iter()
            .with_max_len(1)
            .map(|&i| {
                let outcome = read_one(&jobs[i], opener);
                on_file(outcome.bytes);
                (i, outcome)
            })
            .collect();
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, o)| o).collect()
    };
    match threads {
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .map_err(|e| Error::Invalid(format!("cannot start {n} hashing threads: {e}")))?;
            Ok(pool.install(work))
        }
        None => Ok(work()),
    }
}

fn read_one(job: &ReadJob, opener: &dyn FileOpener) -> ReadOutcome {
    let before = FileStamp::of(&job.path).ok();
    let mut bytes = 0u64;
    let result = opener.open(&job.path).and_then(|mut reader| {
        BUF.with_borrow_mut(|buf| {
            buf.resize(BUFFER, 0);
            let mut hasher = job.hash.then(Sha256::new);
            loop {
                let n = match reader.read(buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                bytes += n as u64;
                if let Some(h) = hasher.as_mut() {
                    h.update(&buf[..n]);
                }
            }
            Ok(hasher.map(|h| hex::encode(h.finalize())))
        })
    });
    let after = FileStamp::of(&job.path).ok();
    ReadOutcome {
        result: result.map_err(|e| e.to_string()),
        bytes,
        stamp: before.filter(|b| Some(*b) == after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Refuse(PathBuf);

    impl FileOpener for Refuse {
        fn open(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
            if path == self.0 {
                return Err(io::Error::from(io::ErrorKind::PermissionDenied));
            }
            StdFiles.open(path)
        }
    }

    #[test]
    fn hashes_in_parallel_in_job_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut jobs = Vec::new();
        for i in 0..20usize {
            let path = dir.path().join(format!("{i}.bin"));
            let data: Vec<u8> = (0..(i * 50_000 + 3)).map(|b| (b % 253) as u8).collect();
            std::fs::write(&path, &data).unwrap();
            jobs.push(ReadJob {
                path,
                hash: i % 2 == 0,
                size_hint: data.len() as u64,
            });
        }
        jobs.push(ReadJob {
            path: dir.path().join("missing"),
            hash: true,
            size_hint: 0,
        });
        let total = AtomicU64::new(0);
        let outcomes = read_all(&jobs, Some(3), &StdFiles, &|n| {
            total.fetch_add(n, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(outcomes.len(), jobs.len());
        let mut expected_total = 0;
        for (job, outcome) in jobs.iter().zip(&outcomes).take(20) {
            let data = std::fs::read(&job.path).unwrap();
            expected_total += data.len() as u64;
            assert_eq!(outcome.bytes, data.len() as u64);
            let want = job.hash.then(|| crate::media::sha256_bytes(&data));
            assert_eq!(outcome.result, Ok(want));
            assert_eq!(outcome.stamp.unwrap().size, data.len() as u64);
        }
        assert!(outcomes[20].result.is_err());
        assert_eq!(total.load(Ordering::Relaxed), expected_total);
    }

    #[test]
    fn the_opener_decides_what_is_readable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.pdf");
        std::fs::write(&path, b"x").unwrap();
        let job = ReadJob {
            path: path.clone(),
            hash: true,
            size_hint: 1,
        };
        let outcome = read_all(&[job], None, &Refuse(path), &|_| {}).unwrap();
        assert!(
            outcome[0]
                .result
                .as_ref()
                .unwrap_err()
                .contains("ermission"),
            "{outcome:?}"
        );
    }
}
