//! Where an export's files go: a directory updated incrementally and atomically, or one
//! ZIP written under a temporary name.
//!
//! In a directory every changed file is first *staged* beside its destination under a
//! temporary name; only [`Sink::commit`] renames the staged files into place, the
//! manifest last. An export interrupted before the commit leaves the previous export as
//! it was (plus temporary files the next run removes); one interrupted during the
//! renames is completed by the next run. Staged files are not synced one by one: the
//! commit syncs the file system once before the first rename and once after the last.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2_010::{Digest, Sha256};

use crate::{Error, Result};

/// Temporary files of an export start with this.
pub const TMP_PREFIX: &str = ".pd-export-tmp-";
/// pd's own record of every exported file's SHA-256 and size (ignored by paperless-ngx,
/// whose importer only reads `manifest.json`, `*-manifest.json` and `metadata.json`).
pub const CHECKSUMS_FILE: &str = "pd-checksums.json";
/// While staged files are renamed into place (and, with `delete`, stale files removed),
/// the list of them (removed at the end; a killed export leaves it, `pd verify` reads
/// it, the next export removes it).
pub const COMMIT_JOURNAL: &str = ".pd-export-tmp-commit.json";

/// One file's SHA-256 and size, as [`CHECKSUMS_FILE`] lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSum {
    /// Lower-case hex.
    pub sha256: String,
    /// Bytes.
    pub size: u64,
}

/// The content of [`CHECKSUMS_FILE`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksums {
    /// Always `pd-checksums/1`.
    pub format: String,
    /// Every exported file but this one, by its `/`-separated path in the export.
    pub files: BTreeMap<String, FileSum>,
}

impl Checksums {
    /// The format name this version writes.
    pub const FORMAT: &str = "pd-checksums/1";

    /// Reads `dir`'s checksums file; `None` when absent or unreadable.
    pub fn read(dir: &Path) -> Option<Checksums> {
        let bytes = fs::read(dir.join(CHECKSUMS_FILE)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// A staged file waiting for its rename.
struct Staged {
    tmp: tempfile::TempPath,
    dest: PathBuf,
}

/// A directory export.
pub struct DirSink {
    root: PathBuf,
    /// Files present before this run, relative.
    snapshot: BTreeSet<String>,
    claimed: BTreeSet<String>,
    staged: Vec<Staged>,
    previous: Checksums,
    compare_checksums: bool,
    /// Stop with an error after this many staged writes or renames (tests).
    fail_after: Option<usize>,
    writes: usize,
    /// Files written (renamed into place) and left as they were.
    pub written: Vec<String>,
    /// Files found current and left untouched.
    pub unchanged: usize,
    /// Bytes staged.
    pub bytes: u64,
}

/// A ZIP export.
pub struct ZipSink {
    dest: PathBuf,
    tmp: Option<tempfile::TempPath>,
    zip: zip::ZipWriter<File>,
    dirs: BTreeSet<String>,
    /// Members written.
    pub written: Vec<String>,
    /// Bytes written (uncompressed).
    pub bytes: u64,
}

/// A ZIP member being written by [`ZipSink::stream`].
pub struct ZipStream<'a> {
    sink: &'a mut ZipSink,
    hasher: Sha256,
    size: u64,
}

impl ZipStream<'_> {
    /// The member's SHA-256 and size.
    pub fn finish(self) -> FileSum {
        self.sink.bytes += self.size;
        FileSum {
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        }
    }
}

impl Write for ZipStream<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sink.zip.write_all(buf)?;
        self.hasher.update(buf);
        self.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Either kind of export target.
pub enum Sink {
    /// A directory, updated incrementally.
    Dir(Box<DirSink>),
    /// A single ZIP.
    Zip(Box<ZipSink>),
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |e| Error::io(action, path, e)
}

/// Copies `src` into `out` while hashing it.
fn copy_hashing(src: &Path, out: &mut impl Write) -> Result<FileSum> {
    let mut input = File::open(src).map_err(io_err("cannot open", src))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("cannot read", src, e)),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(io_err("cannot write a copy of", src))?;
        size += n as u64;
    }
    Ok(FileSum {
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

fn sum_bytes(bytes: &[u8]) -> FileSum {
    FileSum {
        sha256: pd_store::media::sha256_bytes(bytes),
        size: bytes.len() as u64,
    }
}

/// Every regular file below `dir` (symlinks are neither followed nor listed).
fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(io_err("cannot list", dir))? {
        let entry = entry.map_err(io_err("cannot list", dir))?;
        let ty = entry.file_type().map_err(io_err("cannot read", dir))?;
        if ty.is_dir() {
            walk(root, &entry.path(), out)?;
        } else if ty.is_file()
            && let Ok(rel) = entry.path().strip_prefix(root)
        {
            out.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

impl DirSink {
    /// Opens `root` (an existing directory), noting every file already there and removing
    /// temporary files an interrupted run left.
    pub fn open(
        root: &Path,
        compare_checksums: bool,
        fail_after: Option<usize>,
    ) -> Result<DirSink> {
        let mut snapshot = BTreeSet::new();
        walk(root, root, &mut snapshot)?;
        let leftovers: Vec<String> = snapshot
            .iter()
            .filter(|p| {
                p.rsplit('/')
                    .next()
                    .is_some_and(|n| n.starts_with(TMP_PREFIX))
            })
            .cloned()
            .collect();
        for p in leftovers {
            let path = root.join(&p);
            fs::remove_file(&path).map_err(io_err("cannot remove", &path))?;
            snapshot.remove(&p);
        }
        Ok(DirSink {
            root: root.to_owned(),
            snapshot,
            claimed: BTreeSet::new(),
            staged: Vec::new(),
            previous: Checksums::read(root).unwrap_or_default(),
            compare_checksums,
            fail_after,
            writes: 0,
            written: Vec::new(),
            unchanged: 0,
            bytes: 0,
        })
    }

    fn tick(&mut self) -> Result<()> {
        self.writes += 1;
        match self.fail_after {
            Some(n) if self.writes > n => Err(Error::Invalid(format!(
                "export interrupted on purpose after {n} writes"
            ))),
            _ => Ok(()),
        }
    }

    fn dest(&mut self, rel: &str) -> Result<PathBuf> {
        let dest = pd_store::media::join_inside(&self.root, rel)?;
        self.claimed.insert(rel.to_owned());
        Ok(dest)
    }

    fn stage(
        &mut self,
        dest: &Path,
        fill: impl FnOnce(&mut File) -> Result<FileSum>,
    ) -> Result<FileSum> {
        self.tick()?;
        let dir = dest.parent().unwrap_or(&self.root).to_owned();
        fs::create_dir_all(&dir).map_err(io_err("cannot create", &dir))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .tempfile_in(&dir)
            .map_err(io_err("cannot create a temporary file in", &dir))?;
        // No fsync here: the commit syncs every staged file at once.
        let sum = fill(tmp.as_file_mut())?;
        self.bytes += sum.size;
        self.staged.push(Staged {
            tmp: tmp.into_temp_path(),
            dest: dest.to_owned(),
        });
        Ok(sum)
    }

    /// Exports `src` as `rel`, unless the file there is current: same size and
    /// modification time, or, with `compare_checksums` and a `checksum` known, the same
    /// SHA-256. A copy keeps the source's modification time and permissions.
    pub fn add_file(&mut self, rel: &str, src: &Path, checksum: Option<&str>) -> Result<FileSum> {
        let dest = self.dest(rel)?;
        let meta = fs::metadata(src).map_err(io_err("cannot read", src))?;
        if let Ok(existing) = fs::symlink_metadata(&dest)
            && existing.is_file()
        {
            let current = match (self.compare_checksums, checksum) {
                (true, Some(sum)) => pd_store::media::sha256_file(&dest)?.eq_ignore_ascii_case(sum),
                _ => {
                    existing.len() == meta.len() && existing.modified().ok() == meta.modified().ok()
                }
            };
            if current {
                self.unchanged += 1;
                return match self.previous.files.get(rel) {
                    Some(s) if s.size == existing.len() => Ok(s.clone()),
                    _ => Ok(FileSum {
                        sha256: pd_store::media::sha256_file(&dest)?,
                        size: existing.len(),
                    }),
                };
            }
        }
        let mtime: Option<SystemTime> = meta.modified().ok();
        let permissions = meta.permissions();
        self.stage(&dest, |out| {
            let sum = copy_hashing(src, out)?;
            out.set_permissions(permissions)
                .map_err(io_err("cannot set permissions of", src))?;
            if let Some(t) = mtime {
                out.set_modified(t)
                    .map_err(io_err("cannot set the time of", src))?;
            }
            Ok(sum)
        })
    }

    /// Exports `bytes` as `rel`, unless the file there has exactly these bytes.
    pub fn add_json(&mut self, rel: &str, bytes: &[u8]) -> Result<FileSum> {
        let dest = self.dest(rel)?;
        let sum = sum_bytes(bytes);
        if let Ok(existing) = fs::symlink_metadata(&dest)
            && existing.is_file()
            && existing.len() == bytes.len() as u64
            && fs::read(&dest).map_err(io_err("cannot read", &dest))? == bytes
        {
            self.unchanged += 1;
            return Ok(sum);
        }
        self.stage(&dest, |out| {
            out.write_all(bytes)
                .map_err(io_err("cannot write", rel.as_ref()))?;
            Ok(sum.clone())
        })?;
        Ok(sum)
    }

    /// The previous run's checksum of `rel`.
    pub fn previous(&self, rel: &str) -> Option<&FileSum> {
        self.previous.files.get(rel)
    }

    /// Renames every staged file into place, in staging order (so the manifest, staged
    /// last, lands last); then, with `delete`, removes every file of the snapshot that
    /// this run did not claim and the folders that leaves empty. Returns the deleted paths.
    pub fn commit(&mut self, delete: bool) -> Result<Vec<String>> {
        let journal = self.root.join(COMMIT_JOURNAL);
        let staged = std::mem::take(&mut self.staged);
        let doomed: Vec<String> = if delete {
            self.snapshot.difference(&self.claimed).cloned().collect()
        } else {
            Vec::new()
        };
        if !staged.is_empty() || !doomed.is_empty() {
            // Every staged file's content is durable before any of them replaces a file
            // of the previous export: one sync of the file system instead of an fsync
            // per file.
            pd_store::media::sync_file_systems([self.root.as_path()])?;
            let names: Vec<String> = staged
                .iter()
                .filter_map(|s| s.dest.strip_prefix(&self.root).ok())
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .chain(doomed.iter().cloned())
                .collect();
            let bytes = serde_json::to_vec(&names)
                .map_err(|e| Error::Invalid(format!("cannot write {COMMIT_JOURNAL}: {e}")))?;
            let mut tmp = tempfile::Builder::new()
                .prefix(TMP_PREFIX)
                .tempfile_in(&self.root)
                .map_err(io_err("cannot create a temporary file in", &self.root))?;
            tmp.write_all(&bytes)
                .and_then(|()| tmp.as_file().sync_all())
                .map_err(io_err("cannot write", &journal))?;
            tmp.persist(&journal)
                .map_err(|e| Error::io("cannot rename into", &journal, e.error))?;
        }
        for staged in staged {
            self.tick()?;
            let rel = staged
                .dest
                .strip_prefix(&self.root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            staged
                .tmp
                .persist(&staged.dest)
                .map_err(|e| Error::io("cannot rename into", &staged.dest, e.error))?;
            self.written.push(rel);
        }
        let mut deleted = Vec::new();
        if delete {
            for rel in &doomed {
                let path = self.root.join(rel);
                fs::remove_file(&path).map_err(io_err("cannot remove", &path))?;
                if let Some(parent) = path.parent() {
                    pd_store::naming::delete_empty_directories(parent, &self.root);
                }
                deleted.push(rel.clone());
            }
        }
        if journal.exists() {
            fs::remove_file(&journal).map_err(io_err("cannot remove", &journal))?;
            pd_store::media::sync_file_systems([self.root.as_path()])?;
        }
        Ok(deleted)
    }
}

/// Writes a file that is produced piece by piece (the manifest), comparing it with the
/// file already at its destination instead of holding it in memory: as long as every
/// byte matches, nothing is written; at the first difference the matching prefix is
/// copied from the old file into a staged temporary file and writing goes on there.
pub struct StreamWriter {
    dest: PathBuf,
    old: Option<io::BufReader<File>>,
    matched: u64,
    staged: Option<tempfile::NamedTempFile>,
    hasher: Sha256,
    size: u64,
    compared: Vec<u8>,
}

impl StreamWriter {
    fn new(dest: PathBuf) -> StreamWriter {
        let old = match fs::symlink_metadata(&dest) {
            Ok(m) if m.is_file() => File::open(&dest).ok().map(io::BufReader::new),
            _ => None,
        };
        StreamWriter {
            dest,
            old,
            matched: 0,
            staged: None,
            hasher: Sha256::new(),
            size: 0,
            compared: Vec::new(),
        }
    }

    /// Starts writing into a temporary file beside the destination, with the prefix
    /// that matched so far.
    fn diverge(&mut self) -> io::Result<()> {
        let dir = self.dest.parent().unwrap_or(Path::new(".")).to_owned();
        fs::create_dir_all(&dir)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .tempfile_in(&dir)?;
        if self.matched > 0 {
            let mut old = File::open(&self.dest)?.take(self.matched);
            let copied = io::copy(&mut old, tmp.as_file_mut())?;
            if copied != self.matched {
                return Err(io::Error::other(
                    "the previous file shrank while it was compared",
                ));
            }
        }
        self.old = None;
        self.staged = Some(tmp);
        Ok(())
    }

    /// The SHA-256 and size of everything written, and the staged file when it differs
    /// from the one at the destination.
    fn finish(mut self) -> Result<(FileSum, Option<Staged>)> {
        if self.staged.is_none() {
            let longer = match self.old.as_mut() {
                Some(old) => !old
                    .fill_buf()
                    .map_err(io_err("cannot read", &self.dest))?
                    .is_empty(),
                None => true,
            };
            if longer {
                self.diverge().map_err(io_err("cannot write", &self.dest))?;
            }
        }
        let sum = FileSum {
            sha256: hex::encode(self.hasher.finalize_reset()),
            size: self.size,
        };
        let staged = self.staged.take().map(|tmp| Staged {
            tmp: tmp.into_temp_path(),
            dest: self.dest.clone(),
        });
        Ok((sum, staged))
    }
}

impl Write for StreamWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.size += buf.len() as u64;
        if self.staged.is_none() {
            let same = match self.old.as_mut() {
                Some(old) => {
                    self.compared.resize(buf.len(), 0);
                    match old.read_exact(&mut self.compared) {
                        Ok(()) => self.compared == buf,
                        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => false,
                        Err(e) => return Err(e),
                    }
                }
                None => false,
            };
            if same {
                self.matched += buf.len() as u64;
                return Ok(buf.len());
            }
            self.diverge()?;
        }
        let tmp = self
            .staged
            .as_mut()
            .expect("a diverged stream has its file");
        tmp.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl DirSink {
    /// A writer for `rel` whose bytes are compared with the file there; hand it back to
    /// [`DirSink::finish_stream`].
    pub fn stream(&mut self, rel: &str) -> Result<StreamWriter> {
        let dest = self.dest(rel)?;
        Ok(StreamWriter::new(dest))
    }

    /// Ends a [`DirSink::stream`]: returns the file's SHA-256 and size, and keeps it
    /// staged (renamed by [`DirSink::commit`] after everything staged before it) when it
    /// differs from the file already there.
    pub fn finish_stream(&mut self, writer: StreamWriter) -> Result<FileSum> {
        let (sum, staged) = writer.finish()?;
        match staged {
            Some(staged) => {
                self.tick()?;
                self.bytes += sum.size;
                self.staged.push(staged);
            }
            None => self.unchanged += 1,
        }
        Ok(sum)
    }

    /// Moves the file staged last to the end of the commit order (the manifest, staged
    /// before the checksums file that names its SHA-256, lands last).
    pub fn stage_last(&mut self, rel: &str) {
        if let Some(i) = self.staged.iter().position(|s| {
            s.dest
                .strip_prefix(&self.root)
                .is_ok_and(|p| p == Path::new(rel))
        }) {
            let s = self.staged.remove(i);
            self.staged.push(s);
        }
    }
}

impl ZipSink {
    /// Starts `<dir>/<name>` under a temporary name in `dir`.
    pub fn create(dir: &Path, name: &str) -> Result<ZipSink> {
        let dest = dir.join(name);
        let tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .suffix(".zip.tmp")
            .tempfile_in(dir)
            .map_err(io_err("cannot create a temporary file in", dir))?;
        let (file, tmp) = tmp.into_parts();
        Ok(ZipSink {
            dest,
            tmp: Some(tmp),
            zip: zip::ZipWriter::new(file),
            dirs: BTreeSet::new(),
            written: Vec::new(),
            bytes: 0,
        })
    }

    fn start(&mut self, rel: &str) -> Result<()> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        let parts: Vec<&str> = rel.split('/').collect();
        for i in 1..parts.len() {
            let dir = format!("{}/", parts[..i].join("/"));
            if self.dirs.insert(dir.clone()) {
                self.zip
                    .add_directory(dir, options)
                    .map_err(|e| self.zip_err(e))?;
            }
        }
        self.zip
            .start_file(rel, options)
            .map_err(|e| self.zip_err(e))?;
        self.written.push(rel.to_owned());
        Ok(())
    }

    fn zip_err(&self, e: zip::result::ZipError) -> Error {
        Error::Zip {
            path: self.dest.clone(),
            message: e.to_string(),
        }
    }

    /// Adds `src` as member `rel`.
    pub fn add_file(&mut self, rel: &str, src: &Path) -> Result<FileSum> {
        self.start(rel)?;
        let sum = copy_hashing(src, &mut self.zip)?;
        self.bytes += sum.size;
        Ok(sum)
    }

    /// Adds `bytes` as member `rel`.
    pub fn add_json(&mut self, rel: &str, bytes: &[u8]) -> Result<FileSum> {
        self.start(rel)?;
        self.zip
            .write_all(bytes)
            .map_err(io_err("cannot write", &self.dest))?;
        self.bytes += bytes.len() as u64;
        Ok(sum_bytes(bytes))
    }

    /// A writer for member `rel`, written straight into the ZIP.
    pub fn stream(&mut self, rel: &str) -> Result<ZipStream<'_>> {
        self.start(rel)?;
        Ok(ZipStream {
            sink: self,
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Finishes the ZIP; with `delete`, removes everything else in its folder; then
    /// renames it into place. Returns the deleted top-level names.
    pub fn commit(mut self, delete: bool) -> Result<Vec<String>> {
        let file = self.zip.finish().map_err(|e| Error::Zip {
            path: self.dest.clone(),
            message: e.to_string(),
        })?;
        file.sync_all()
            .map_err(io_err("cannot write", &self.dest))?;
        let tmp = self
            .tmp
            .take()
            .expect("the temporary ZIP is kept until the commit");
        let dir = self.dest.parent().unwrap_or(Path::new(".")).to_owned();
        let mut deleted = Vec::new();
        if delete {
            for entry in fs::read_dir(&dir).map_err(io_err("cannot list", &dir))? {
                let entry = entry.map_err(io_err("cannot list", &dir))?;
                let path = entry.path();
                if path == *tmp {
                    continue;
                }
                let ty = entry.file_type().map_err(io_err("cannot read", &path))?;
                if ty.is_dir() {
                    fs::remove_dir_all(&path).map_err(io_err("cannot remove", &path))?;
                } else {
                    fs::remove_file(&path).map_err(io_err("cannot remove", &path))?;
                }
                deleted.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        tmp.persist(&self.dest)
            .map_err(|e| Error::io("cannot rename into", &self.dest, e.error))?;
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Streams `new` in pieces of `piece` bytes over a directory holding `old` (if any)
    /// and commits; returns whether a file was written, and checks what is there.
    fn stream_over(old: Option<&[u8]>, new: &[u8], piece: usize) -> bool {
        let dir = tempfile::tempdir().unwrap();
        if let Some(old) = old {
            fs::write(dir.path().join("m.json"), old).unwrap();
        }
        let mut sink = DirSink::open(dir.path(), false, None).unwrap();
        let mut out = sink.stream("m.json").unwrap();
        for chunk in new.chunks(piece.max(1)) {
            out.write_all(chunk).unwrap();
        }
        let sum = sink.finish_stream(out).unwrap();
        assert_eq!(sum, sum_bytes(new));
        sink.commit(false).unwrap();
        assert_eq!(fs::read(dir.path().join("m.json")).unwrap(), new);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["m.json"], "no temporary file is left");
        sink.written == ["m.json"]
    }

    #[test]
    fn a_stream_writes_only_when_it_differs_from_the_file_there() {
        let text = b"[{\"model\": \"documents.tag\"},\n{\"pk\": 2}\n]".as_slice();
        for piece in [1, 3, 7, 1000] {
            assert!(
                !stream_over(Some(text), text, piece),
                "identical, piece {piece}"
            );
            assert!(stream_over(None, text, piece), "new file, piece {piece}");
            let mut changed = text.to_vec();
            changed[20] = b'X';
            assert!(
                stream_over(Some(text), &changed, piece),
                "changed in the middle"
            );
            assert!(
                stream_over(Some(text), &text[..30], piece),
                "shorter than before"
            );
            assert!(
                stream_over(Some(&text[..30]), text, piece),
                "longer than before"
            );
            assert!(stream_over(Some(text), b"", piece), "empty now");
            assert!(stream_over(Some(b""), text, piece), "empty before");
        }
    }
}
