//! Where an export's files go: a directory updated incrementally and atomically, or one
//! ZIP written under a temporary name.
//!
//! In a directory every changed file is first *staged* beside its destination under a
//! temporary name; only [`DirSink::commit`] renames the staged files into place, the
//! manifest last. An export interrupted before the commit leaves the previous export as
//! it was (plus temporary files the next run removes); one interrupted during the
//! renames is completed by the next run. Staged files are not synced one by one: the
//! commit syncs the file system once before the first rename and once after the last.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2_010::{Digest, Sha256};

use super::spool::{Spool, SpoolReader, bytes_path, path_bytes};
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

/// A path inside an export as a fixed-size key: the first 16 bytes of its SHA-256.
/// Sets of keys stand in for sets of paths, in a fraction of the memory.
pub(crate) fn path_key(rel: &str) -> u128 {
    let digest = Sha256::digest(rel.as_bytes());
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(key)
}

/// Streams the entries of a [`CHECKSUMS_FILE`] to `each` in file order, without holding
/// the list: `Ok(Err(e))` when `each` failed with `e`, `Err` when the JSON is malformed.
pub(crate) fn for_each_checksum(
    reader: impl io::Read,
    mut each: impl FnMut(String, FileSum) -> Result<()>,
) -> std::result::Result<Result<()>, serde_json::Error> {
    use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};

    /// The whole file: `format` and the `files` map, other keys ignored.
    struct Whole<'a, F>(Entries<'a, F>);
    /// The `files` map, entry by entry.
    struct Entries<'a, F> {
        each: &'a mut F,
        failure: &'a mut Option<Error>,
    }

    impl<'de, F: FnMut(String, FileSum) -> Result<()>> Visitor<'de> for Whole<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a checksums file")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            let Whole(entries) = self;
            while let Some(key) = map.next_key::<String>()? {
                if key == "files" {
                    map.next_value_seed(Entries {
                        each: &mut *entries.each,
                        failure: &mut *entries.failure,
                    })?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }

    impl<'de, F: FnMut(String, FileSum) -> Result<()>> DeserializeSeed<'de> for Entries<'_, F> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de, F: FnMut(String, FileSum) -> Result<()>> Visitor<'de> for Entries<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("paths with their SHA-256 and size")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            while let Some((rel, sum)) = map.next_entry::<String, FileSum>()? {
                if let Err(e) = (self.each)(rel, sum) {
                    *self.failure = Some(e);
                    return Err(serde::de::Error::custom("stopped"));
                }
            }
            Ok(())
        }
    }

    let mut failure = None;
    let mut de = serde_json::Deserializer::from_reader(reader);
    let parsed = serde::Deserializer::deserialize_map(
        &mut de,
        Whole(Entries {
            each: &mut each,
            failure: &mut failure,
        }),
    )
    .and_then(|()| de.end());
    match failure {
        Some(e) => Ok(Err(e)),
        None => parsed.map(Ok),
    }
}

/// The previous export's checksums, by [`path_key`]: what [`CHECKSUMS_FILE`] lists,
/// read as a stream, without the paths.
#[derive(Default)]
struct PreviousSums(HashMap<u128, ([u8; 32], u64)>);

impl PreviousSums {
    /// Reads `dir`'s checksums file; empty when absent or unreadable.
    fn read(dir: &Path) -> PreviousSums {
        let Ok(file) = File::open(dir.join(CHECKSUMS_FILE)) else {
            return PreviousSums::default();
        };
        let mut sums = HashMap::new();
        let read = for_each_checksum(io::BufReader::new(file), |rel, sum| {
            let mut sha = [0u8; 32];
            if hex::decode_to_slice(&sum.sha256, &mut sha).is_ok() {
                sums.insert(path_key(&rel), (sha, sum.size));
            }
            Ok(())
        });
        match read {
            Ok(Ok(())) => PreviousSums(sums),
            _ => PreviousSums::default(),
        }
    }

    fn get(&self, rel: &str) -> Option<FileSum> {
        self.0.get(&path_key(rel)).map(|(sha, size)| FileSum {
            sha256: hex::encode(sha),
            size: *size,
        })
    }
}

/// Writes [`CHECKSUMS_FILE`] entry by entry, in the order files are exported, in the
/// format serde_json's pretty printer gives [`Checksums`].
pub struct ChecksumsWriter<W: Write> {
    out: W,
    entries: usize,
}

impl<W: Write> ChecksumsWriter<W> {
    /// Starts the file.
    pub fn new(mut out: W) -> io::Result<ChecksumsWriter<W>> {
        write!(
            out,
            "{{\n  \"format\": \"{}\",\n  \"files\": {{",
            Checksums::FORMAT
        )?;
        Ok(ChecksumsWriter { out, entries: 0 })
    }

    /// Adds one file; each path once.
    pub fn add(&mut self, rel: &str, sum: &FileSum) -> io::Result<()> {
        let out = &mut self.out;
        out.write_all(if self.entries == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        serde_json::to_writer(&mut *out, rel)?;
        out.write_all(b": {\n      \"sha256\": ")?;
        serde_json::to_writer(&mut *out, &sum.sha256)?;
        write!(out, ",\n      \"size\": {}\n    }}", sum.size)?;
        self.entries += 1;
        Ok(())
    }

    /// Ends the file; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(if self.entries == 0 {
            b"}\n}\n"
        } else {
            b"\n  }\n}\n"
        })?;
        Ok(self.out)
    }
}

/// Counts what is written to it: the size a file would have.
#[derive(Debug, Default)]
pub struct ByteCount(pub u64);

impl Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A new temporary file beside `dir`'s other files, named so the next export (and
/// `pd verify`) knows it for a leftover.
fn temp_file_in(dir: &Path) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new().prefix(TMP_PREFIX).tempfile_in(dir)
}

/// A directory export.
///
/// What it keeps in memory does not grow with the library but by a few dozen bytes a
/// file: the staged files wait for their renames in a [`Spool`] on disk, the previous
/// checksums and (with `delete`) the paths written are kept as [`path_key`]s.
pub struct DirSink {
    root: PathBuf,
    /// With `delete`: every path this run wrote or kept, by [`path_key`].
    claimed: Option<HashSet<u128>>,
    /// Staged files: (temporary path, destination relative to the root).
    staged: Option<Spool<2>>,
    /// Staged files renamed after all others, in this order.
    last: Vec<Staged>,
    previous: PreviousSums,
    compare_checksums: bool,
    /// Stop with an error after this many staged writes or renames (tests).
    fail_after: Option<usize>,
    writes: usize,
    /// Files written (renamed into place).
    pub written: usize,
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
    pub written: usize,
    /// Bytes written (uncompressed).
    pub bytes: u64,
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |e| Error::io(action, path, e)
}

/// Copies `input` (the file `src`) into `out` while hashing it.
fn copy_hashing(input: &mut impl Read, src: &Path, out: &mut impl Write) -> Result<FileSum> {
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

/// Staged files not renamed yet: when dropped (an error, a test's interruption), their
/// temporary files are removed. Files already renamed are no longer at their temporary
/// path, so removing every listed one is safe.
struct PendingRenames(Option<SpoolReader<2>>);

impl Drop for PendingRenames {
    fn drop(&mut self) {
        if let Some(reader) = &mut self.0
            && reader.rewind().is_ok()
        {
            while let Ok(Some([tmp, _])) = reader.next_record() {
                let _ = fs::remove_file(bytes_path(tmp));
            }
        }
    }
}

impl Drop for DirSink {
    fn drop(&mut self) {
        if let Some(spool) = self.staged.take()
            && let Ok(reader) = spool.read()
        {
            drop(PendingRenames(Some(reader)));
        }
    }
}

/// A temporary file of an export (the name of a file below its root).
fn is_temporary(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with(TMP_PREFIX))
}

/// Calls `each` with every regular file below `dir`, relative to `root` with `/`
/// separators (symlinks are neither followed nor listed).
fn each_file(root: &Path, dir: &Path, each: &mut dyn FnMut(&str) -> Result<()>) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(io_err("cannot list", dir))? {
        let entry = entry.map_err(io_err("cannot list", dir))?;
        let ty = entry.file_type().map_err(io_err("cannot read", dir))?;
        if ty.is_dir() {
            each_file(root, &entry.path(), each)?;
        } else if ty.is_file()
            && let Ok(rel) = entry.path().strip_prefix(root)
        {
            each(&rel.to_string_lossy().replace('\\', "/"))?;
        }
    }
    Ok(())
}

/// Writes a JSON list of strings, one at a time.
struct JsonList<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> JsonList<W> {
    fn new(mut out: W) -> io::Result<JsonList<W>> {
        out.write_all(b"[")?;
        Ok(JsonList { out, first: true })
    }

    fn push(&mut self, s: &str) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, s)?;
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.out.write_all(b"]")
    }
}

impl DirSink {
    /// Opens `root` (an existing directory), removing temporary files an interrupted run
    /// left. With `delete`, the commit removes every file this run did not write or keep.
    pub fn open(
        root: &Path,
        compare_checksums: bool,
        delete: bool,
        fail_after: Option<usize>,
    ) -> Result<DirSink> {
        each_file(root, root, &mut |rel| {
            if is_temporary(rel) {
                let path = root.join(rel);
                fs::remove_file(&path).map_err(io_err("cannot remove", &path))?;
            }
            Ok(())
        })?;
        Ok(DirSink {
            root: root.to_owned(),
            claimed: delete.then(HashSet::new),
            staged: None,
            last: Vec::new(),
            previous: PreviousSums::read(root),
            compare_checksums,
            fail_after,
            writes: 0,
            written: 0,
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
        if let Some(claimed) = &mut self.claimed {
            claimed.insert(path_key(rel));
        }
        Ok(dest)
    }

    /// Lists a staged file for the commit.
    fn push_staged(&mut self, tmp: tempfile::TempPath, rel: &str) -> Result<()> {
        if self.staged.is_none() {
            self.staged = Some(Spool::new_in(&self.root)?);
        }
        let spool = self.staged.as_mut().expect("created above");
        // From here the spool owns the file: [`Drop`] or the commit deals with it.
        let tmp = tmp
            .keep()
            .map_err(|e| Error::io("cannot keep", Path::new(rel), e.error))?;
        spool.push([path_bytes(&tmp), rel.as_bytes()])
    }

    fn stage(
        &mut self,
        rel: &str,
        dest: &Path,
        fill: impl FnOnce(&mut File) -> Result<FileSum>,
    ) -> Result<FileSum> {
        self.tick()?;
        let dir = dest.parent().unwrap_or(&self.root).to_owned();
        fs::create_dir_all(&dir).map_err(io_err("cannot create", &dir))?;
        let mut tmp =
            temp_file_in(&dir).map_err(io_err("cannot create a temporary file in", &dir))?;
        // No fsync here: the commit syncs every staged file at once.
        let sum = fill(tmp.as_file_mut())?;
        self.bytes += sum.size;
        self.push_staged(tmp.into_temp_path(), rel)?;
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
                return match self.previous.get(rel) {
                    Some(s) if s.size == existing.len() => Ok(s),
                    _ => Ok(FileSum {
                        sha256: pd_store::media::sha256_file(&dest)?,
                        size: existing.len(),
                    }),
                };
            }
        }
        let mtime: Option<SystemTime> = meta.modified().ok();
        let permissions = meta.permissions();
        self.stage(rel, &dest, |out| {
            let mut input = File::open(src).map_err(io_err("cannot open", src))?;
            let sum = copy_hashing(&mut input, src, out)?;
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
        self.stage(rel, &dest, |out| {
            out.write_all(bytes)
                .map_err(io_err("cannot write", rel.as_ref()))?;
            Ok(sum.clone())
        })?;
        Ok(sum)
    }

    /// The files `delete` removes: every file not written or kept by this run (nor a
    /// temporary file of it).
    fn doomed(&self) -> Result<Vec<String>> {
        let mut doomed = Vec::new();
        if let Some(claimed) = &self.claimed {
            each_file(&self.root, &self.root, &mut |rel| {
                if !is_temporary(rel) && !claimed.contains(&path_key(rel)) {
                    doomed.push(rel.to_owned());
                }
                Ok(())
            })?;
        }
        doomed.sort();
        Ok(doomed)
    }

    /// Renames every staged file into place (the ones staged with `last` at the end)
    /// and, with `delete`, removes the files [`DirSink::doomed`] finds. Returns the
    /// deleted paths.
    ///
    /// Before the first rename, one sync makes every staged file durable and the journal
    /// names every path about to change; it goes when all is done.
    pub fn commit(&mut self) -> Result<Vec<String>> {
        let journal = self.root.join(COMMIT_JOURNAL);
        let doomed = self.doomed()?;
        let mut pending = PendingRenames(match self.staged.take() {
            Some(spool) => Some(spool.read()?),
            None => None,
        });
        let last = std::mem::take(&mut self.last);
        if pending.0.is_some() || !last.is_empty() || !doomed.is_empty() {
            pd_store::media::sync_file_systems([self.root.as_path()])?;
            let mut tmp = temp_file_in(&self.root)
                .map_err(io_err("cannot create a temporary file in", &self.root))?;
            {
                let mut out = io::BufWriter::new(tmp.as_file_mut());
                let mut names =
                    JsonList::new(&mut out).map_err(io_err("cannot write", &journal))?;
                if let Some(reader) = &mut pending.0 {
                    while let Some([_, rel]) = reader.next_record()? {
                        names
                            .push(&String::from_utf8_lossy(&rel))
                            .map_err(io_err("cannot write", &journal))?;
                    }
                }
                for rel in last
                    .iter()
                    .filter_map(|s| s.dest.strip_prefix(&self.root).ok())
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .chain(doomed.iter().cloned())
                {
                    names.push(&rel).map_err(io_err("cannot write", &journal))?;
                }
                names
                    .finish()
                    .and_then(|()| out.flush())
                    .map_err(io_err("cannot write", &journal))?;
            }
            tmp.as_file()
                .sync_all()
                .map_err(io_err("cannot write", &journal))?;
            tmp.persist(&journal)
                .map_err(|e| Error::io("cannot rename into", &journal, e.error))?;
        }
        if let Some(renames) = &mut pending.0 {
            renames.rewind()?;
            while let Some([tmp, rel]) = renames.next_record()? {
                self.tick()?;
                let dest = self.root.join(String::from_utf8_lossy(&rel).as_ref());
                fs::rename(bytes_path(tmp), &dest)
                    .map_err(|e| Error::io("cannot rename into", &dest, e))?;
                self.written += 1;
            }
        }
        pending.0 = None;
        for staged in last {
            self.tick()?;
            staged
                .tmp
                .persist(&staged.dest)
                .map_err(|e| Error::io("cannot rename into", &staged.dest, e.error))?;
            self.written += 1;
        }
        let mut deleted = Vec::new();
        for rel in doomed {
            let path = self.root.join(&rel);
            fs::remove_file(&path).map_err(io_err("cannot remove", &path))?;
            if let Some(parent) = path.parent() {
                pd_store::naming::delete_empty_directories(parent, &self.root);
            }
            deleted.push(rel);
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
    rel: String,
    dest: PathBuf,
    old: Option<io::BufReader<File>>,
    matched: u64,
    staged: Option<tempfile::NamedTempFile>,
    hasher: Sha256,
    size: u64,
    compared: Vec<u8>,
}

impl StreamWriter {
    fn new(rel: &str, dest: PathBuf) -> StreamWriter {
        let old = match fs::symlink_metadata(&dest) {
            Ok(m) if m.is_file() => File::open(&dest).ok().map(io::BufReader::new),
            _ => None,
        };
        StreamWriter {
            rel: rel.to_owned(),
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
        let mut tmp = temp_file_in(&dir)?;
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
        Ok(StreamWriter::new(rel, dest))
    }

    /// Ends a [`DirSink::stream`]: returns the file's SHA-256 and size, and keeps it
    /// staged when it differs from the file already there — renamed by
    /// [`DirSink::commit`] with the others or, with `last`, after all of them (the
    /// manifest lands last).
    pub fn finish_stream(&mut self, writer: StreamWriter, last: bool) -> Result<FileSum> {
        let rel = writer.rel.clone();
        let (sum, staged) = writer.finish()?;
        match staged {
            Some(staged) => {
                self.tick()?;
                self.bytes += sum.size;
                if last {
                    self.last.push(staged);
                } else {
                    self.push_staged(staged.tmp, &rel)?;
                }
            }
            None => self.unchanged += 1,
        }
        Ok(sum)
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
            written: 0,
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
        self.written += 1;
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
        let mut input = File::open(src).map_err(io_err("cannot open", src))?;
        let sum = copy_hashing(&mut input, src, &mut self.zip)?;
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

    /// Adds what `input` holds (`what` names it in errors) as member `rel`.
    pub fn add_reader(&mut self, rel: &str, input: &mut impl Read, what: &Path) -> Result<FileSum> {
        self.start(rel)?;
        let sum = copy_hashing(input, what, &mut self.zip)?;
        self.bytes += sum.size;
        Ok(sum)
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
        let mut sink = DirSink::open(dir.path(), false, false, None).unwrap();
        let mut out = sink.stream("m.json").unwrap();
        for chunk in new.chunks(piece.max(1)) {
            out.write_all(chunk).unwrap();
        }
        let sum = sink.finish_stream(out, false).unwrap();
        assert_eq!(sum, sum_bytes(new));
        sink.commit().unwrap();
        assert_eq!(fs::read(dir.path().join("m.json")).unwrap(), new);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["m.json"], "no temporary file is left");
        sink.written == 1
    }

    #[test]
    fn the_checksums_writer_writes_what_serde_writes() {
        let mut sums = Checksums {
            format: Checksums::FORMAT.into(),
            files: Default::default(),
        };
        let expected = |sums: &Checksums| {
            let mut bytes = serde_json::to_vec_pretty(sums).unwrap();
            bytes.push(b'\n');
            bytes
        };
        let written = |sums: &Checksums| {
            let mut w = ChecksumsWriter::new(Vec::new()).unwrap();
            for (rel, sum) in &sums.files {
                w.add(rel, sum).unwrap();
            }
            w.finish().unwrap()
        };
        assert_eq!(written(&sums), expected(&sums), "no files");
        for (rel, size) in [("a.pdf", 1), ("dir/\"quoted\" ä\\b.pdf", 123_456_789)] {
            sums.files.insert(
                rel.into(),
                FileSum {
                    sha256: "ab".repeat(32),
                    size,
                },
            );
            assert_eq!(
                written(&sums),
                expected(&sums),
                "{} files",
                sums.files.len()
            );
        }
        let mut count = ChecksumsWriter::new(ByteCount::default()).unwrap();
        for (rel, sum) in &sums.files {
            count.add(rel, sum).unwrap();
        }
        assert_eq!(count.finish().unwrap().0, expected(&sums).len() as u64);
    }

    #[test]
    fn previous_checksums_are_read_as_keys() {
        let dir = tempfile::tempdir().unwrap();
        let sum = FileSum {
            sha256: "0f".repeat(32),
            size: 7,
        };
        let mut w = ChecksumsWriter::new(Vec::new()).unwrap();
        w.add("a/b.pdf", &sum).unwrap();
        w.add(
            "bad.pdf",
            &FileSum {
                sha256: "xyz".into(),
                size: 1,
            },
        )
        .unwrap();
        fs::write(dir.path().join(CHECKSUMS_FILE), w.finish().unwrap()).unwrap();
        let previous = PreviousSums::read(dir.path());
        assert_eq!(previous.get("a/b.pdf"), Some(sum));
        assert_eq!(previous.get("bad.pdf"), None, "not a SHA-256");
        assert_eq!(previous.get("a/c.pdf"), None);
        fs::write(dir.path().join(CHECKSUMS_FILE), b"{ not json").unwrap();
        assert_eq!(PreviousSums::read(dir.path()).0.len(), 0);
    }

    #[test]
    fn an_interrupted_commit_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = DirSink::open(dir.path(), false, false, Some(3)).unwrap();
        for name in ["a.json", "b/c.json", "d.json"] {
            sink.add_json(name, name.as_bytes()).unwrap();
        }
        assert!(sink.commit().is_err(), "the fourth write stops it");
        drop(sink);
        let mut left = Vec::new();
        each_file(dir.path(), dir.path(), &mut |rel| {
            left.push(rel.to_owned());
            Ok(())
        })
        .unwrap();
        left.sort();
        // The journal names what was about to change; the next export removes it.
        assert_eq!(left, [COMMIT_JOURNAL]);
    }

    #[test]
    fn delete_removes_only_what_this_run_did_not_claim() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["keep.json", "old/stale.json", "stale.json"] {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, name).unwrap();
        }
        let mut sink = DirSink::open(dir.path(), false, true, None).unwrap();
        sink.add_json("keep.json", b"keep.json").unwrap();
        sink.add_json("new/file.json", b"new").unwrap();
        let deleted = sink.commit().unwrap();
        assert_eq!(deleted, ["old/stale.json", "stale.json"]);
        assert_eq!(sink.written, 1);
        assert_eq!(sink.unchanged, 1);
        assert!(dir.path().join("keep.json").is_file());
        assert!(dir.path().join("new/file.json").is_file());
        assert!(
            !dir.path().join("old").exists(),
            "the emptied folder goes too"
        );
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
