//! The `.tar.gz` itself: written member by member through gzip (never whole in memory),
//! and unpacked with every member checked before a byte of it lands on disk.
//!
//! The first member is always [`HEADER_FILE`], which declares how many members follow and
//! how many bytes they hold; the reader refuses anything beyond that (and stops reading
//! the gzip stream there), so a tar or gzip bomb is caught after at most the declared
//! size, never after the disk is full.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use sha2_010::{Digest, Sha256};

use super::{BackupHeader, BackupLimits, HEADER_FILE};
use crate::export::sink::FileSum;
use crate::source::check_relative;
use crate::{Error, Result};

/// Temporary files of a backup being written start with this.
pub const TMP_PREFIX: &str = ".pd-backup-tmp-";

/// Per member, what a tar stream may hold beyond the member's data: its header block,
/// the padding to the next block and a long-name entry.
const MEMBER_OVERHEAD: u64 = 512 + 511 + 512 + 4096;
/// The end-of-archive blocks and the tar writer's record padding.
const END_OVERHEAD: u64 = 20 * 512;

/// A backup archive being written under a temporary name.
pub(crate) struct ArchiveWriter {
    dest: PathBuf,
    tmp: tempfile::TempPath,
    tar: tar::Builder<GzEncoder<BufWriter<File>>>,
    /// Members written after the header.
    pub members: usize,
    /// Their bytes.
    pub bytes: u64,
}

/// Hashes and counts what passes through.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

impl ArchiveWriter {
    /// Starts `dest` as a temporary file beside it.
    pub fn create(dest: &Path) -> Result<ArchiveWriter> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        let tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .suffix(".tar.gz")
            .tempfile_in(dir)
            .map_err(|e| Error::io("cannot create a temporary file in", dir, e))?;
        let (file, tmp) = tmp.into_parts();
        // Documents are mostly compressed already (PDF, WebP): the fastest level costs
        // little size and saves most of the time.
        let gz = GzEncoder::new(BufWriter::with_capacity(1 << 20, file), Compression::fast());
        Ok(ArchiveWriter {
            dest: dest.to_owned(),
            tmp,
            tar: tar::Builder::new(gz),
            members: 0,
            bytes: 0,
        })
    }

    fn append(
        &mut self,
        rel: &str,
        size: u64,
        mtime: u64,
        data: impl Read,
    ) -> Result<(FileSum, u64)> {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        let mut reader = Hashing {
            inner: data.take(size),
            hasher: Sha256::new(),
            count: 0,
        };
        self.tar
            .append_data(&mut header, rel, &mut reader)
            .map_err(|e| Error::io("cannot write", &self.dest, e))?;
        self.members += 1;
        self.bytes += reader.count;
        Ok((
            FileSum {
                sha256: hex::encode(reader.hasher.finalize()),
                size: reader.count,
            },
            reader.count,
        ))
    }

    /// Adds the header; it must be the first member.
    pub fn add_header(&mut self, header: &BackupHeader) -> Result<()> {
        let bytes = super::header_bytes(header)?;
        self.append(HEADER_FILE, bytes.len() as u64, now_secs(), &bytes[..])?;
        self.members = 0;
        self.bytes = 0;
        Ok(())
    }

    /// Adds a stored file as `rel`, which must still be `size` bytes long.
    pub fn add_file(&mut self, rel: &str, src: &Path, size: u64) -> Result<FileSum> {
        let file = File::open(src).map_err(|e| Error::io("cannot open", src, e))?;
        let mtime = file
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        let (sum, count) =
            self.append(rel, size, mtime, BufReader::with_capacity(256 * 1024, file))?;
        if count != size {
            return Err(Error::Invalid(format!(
                "{} changed while it was backed up ({size} bytes, then {count})",
                src.display()
            )));
        }
        Ok(sum)
    }

    /// Adds `bytes` as `rel`.
    pub fn add_bytes(&mut self, rel: &str, bytes: &[u8]) -> Result<FileSum> {
        Ok(self.append(rel, bytes.len() as u64, now_secs(), bytes)?.0)
    }

    /// Finishes the archive, flushes it to disk and renames it into place (never over an
    /// existing file). Returns its size.
    pub fn commit(self) -> Result<u64> {
        let dest = self.dest;
        let io = |e| Error::io("cannot write", &dest, e);
        let gz = self.tar.into_inner().map_err(io)?;
        let buffered = gz.finish().map_err(io)?;
        let file = buffered.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        drop(file);
        self.tmp
            .persist_noclobber(&dest)
            .map_err(|e| Error::io("cannot rename into", &dest, e.error))?;
        if let Some(dir) = dest.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(size)
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Reads at most `remaining` bytes, then fails (and says so through `tripped`).
struct Capped<R> {
    inner: R,
    remaining: Arc<std::sync::atomic::AtomicU64>,
    tripped: Arc<AtomicBool>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.remaining.load(Ordering::Relaxed);
        if left == 0 {
            // Probe one byte: the end of the stream is fine, anything more is too much.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.tripped.store(true, Ordering::Relaxed);
                    Err(io::Error::other("the archive holds more than it declares"))
                }
            };
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.remaining.fetch_sub(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Whether `path` starts like a gzip stream.
pub(crate) fn is_gzip(path: &Path) -> Result<bool> {
    let mut magic = [0u8; 2];
    let mut file = File::open(path).map_err(|e| Error::io("cannot open", path, e))?;
    match file.read_exact(&mut magic) {
        Ok(()) => Ok(magic == [0x1f, 0x8b]),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(Error::io("cannot read", path, e)),
    }
}

/// Unpacks the backup `archive` into `dest` (an empty directory), checking every member
/// first: the header first and within `limits`, from a schema this pd knows; then only
/// regular files and directories, at safe relative paths, each once, no more members or
/// bytes than the header declares. `progress` gets the bytes unpacked so far.
pub(crate) fn unpack(
    archive: &Path,
    dest: &Path,
    limits: &BackupLimits,
    progress: &dyn Fn(u64, u64),
) -> Result<BackupHeader> {
    let refuse = |reason: String| Error::Archive {
        path: archive.to_owned(),
        reason,
    };
    let file = File::open(archive).map_err(|e| Error::io("cannot open", archive, e))?;
    let remaining = Arc::new(std::sync::atomic::AtomicU64::new(
        limits.max_header_bytes + MEMBER_OVERHEAD + END_OVERHEAD,
    ));
    let tripped = Arc::new(AtomicBool::new(false));
    let capped = Capped {
        inner: GzDecoder::new(BufReader::with_capacity(1 << 20, file)),
        remaining: remaining.clone(),
        tripped: tripped.clone(),
    };
    let mut tar = tar::Archive::new(capped);
    let read_error = |e: io::Error| {
        if tripped.load(Ordering::Relaxed) {
            refuse("it unpacks to more than it declares (a tar or gzip bomb?)".into())
        } else {
            refuse(format!("it is not a readable .tar.gz: {e}"))
        }
    };
    let mut entries = tar.entries().map_err(read_error)?;

    // The header.
    let mut first = match entries.next() {
        Some(entry) => entry.map_err(read_error)?,
        None => return Err(refuse("it is empty".into())),
    };
    let name = String::from_utf8_lossy(&first.path_bytes()).into_owned();
    if name != HEADER_FILE || first.header().entry_type() != tar::EntryType::Regular {
        return Err(refuse(format!(
            "its first member is \"{name}\", not {HEADER_FILE}: it is not a pd backup"
        )));
    }
    if first.size() > limits.max_header_bytes {
        return Err(refuse(format!(
            "its {HEADER_FILE} is {} bytes, more than {}",
            first.size(),
            limits.max_header_bytes
        )));
    }
    let mut bytes = Vec::new();
    (&mut first)
        .take(limits.max_header_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    drop(first);
    let header = super::read_header(archive, &bytes)?;
    if header.bytes > limits.max_total_bytes {
        return Err(refuse(format!(
            "it declares {} bytes, more than the limit of {}",
            header.bytes, limits.max_total_bytes
        )));
    }
    if header.files > limits.max_members {
        return Err(refuse(format!(
            "it declares {} members, more than the limit of {}",
            header.files, limits.max_members
        )));
    }
    remaining.store(
        header
            .bytes
            .saturating_add((header.files as u64).saturating_mul(MEMBER_OVERHEAD))
            .saturating_add(END_OVERHEAD),
        Ordering::Relaxed,
    );

    let mut seen: HashSet<String> = HashSet::new();
    seen.insert(HEADER_FILE.to_owned());
    let mut members = 0usize;
    let mut total = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(read_error)?;
        let raw = entry.path_bytes().into_owned();
        let name =
            String::from_utf8(raw).map_err(|_| refuse("a member's name is not UTF-8".into()))?;
        let kind = entry.header().entry_type();
        let unsafe_member = |reason: &str| Error::UnsafePath {
            path: name.clone(),
            reason: reason.to_owned(),
        };
        match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Directory => {}
            tar::EntryType::Symlink => return Err(unsafe_member("the member is a symlink")),
            tar::EntryType::Link => return Err(unsafe_member("the member is a hard link")),
            tar::EntryType::Char | tar::EntryType::Block => {
                return Err(unsafe_member("the member is a device"));
            }
            tar::EntryType::Fifo => return Err(unsafe_member("the member is a FIFO")),
            other => {
                return Err(unsafe_member(&format!(
                    "the member is of tar type {:?}, not a regular file",
                    other.as_byte() as char
                )));
            }
        }
        let trimmed = name.trim_end_matches('/');
        check_relative(trimmed)?;
        let relative = trimmed
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect::<Vec<_>>()
            .join("/");
        if relative.is_empty() {
            return Err(unsafe_member("it names the archive's root"));
        }
        let target = dest.join(&relative);
        if kind == tar::EntryType::Directory {
            fs::create_dir_all(&target).map_err(|e| Error::io("cannot create", &target, e))?;
            continue;
        }
        if !seen.insert(relative.clone()) {
            return Err(refuse(format!("the member \"{relative}\" appears twice")));
        }
        members += 1;
        let size = entry.size();
        total = total.saturating_add(size);
        if members > header.files || total > header.bytes {
            return Err(refuse(format!(
                "it holds more than the {} members and {} bytes its {HEADER_FILE} declares \
                 (a tar or gzip bomb?)",
                header.files, header.bytes
            )));
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
        }
        let mut out = File::options()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(|e| Error::io("cannot create", &target, e))?;
        let written = io::copy(&mut (&mut entry).take(size), &mut out).map_err(read_error)?;
        if written != size {
            return Err(refuse(format!(
                "the member \"{relative}\" is truncated ({written} of {size} bytes)"
            )));
        }
        out.flush()
            .map_err(|e| Error::io("cannot write", &target, e))?;
        progress(total, header.bytes);
    }
    if members != header.files || total != header.bytes {
        return Err(refuse(format!(
            "it is incomplete: {members} members and {total} bytes, but its {HEADER_FILE} \
             declares {} and {}",
            header.files, header.bytes
        )));
    }
    Ok(header)
}
