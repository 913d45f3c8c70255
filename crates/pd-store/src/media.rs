//! The media folder, laid out as paperless-ngx lays it out:
//!
//! ```text
//! <media>/documents/originals/<filename>       0000001.pdf by default
//! <media>/documents/archive/<archive_filename>  PDF/A copies
//! <media>/documents/thumbnails/0000001.webp     always id-based
//! <media>/media.lock                            held by every file mover
//! ```
//!
//! Files are only ever written under a temporary name in the target directory and
//! renamed into place, so a crash leaves either the old file or the new one, never half
//! of one.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use pd_core::Document;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Checksums are computed in chunks of this size, so memory stays flat for any file.
const CHUNK: usize = 64 * 1024;

/// The media folder of a library.
#[derive(Debug, Clone)]
pub struct Media {
    root: PathBuf,
}

impl Media {
    /// The media folder at `root` (nothing is created until [`Media::create_dirs`]).
    pub fn new(root: impl Into<PathBuf>) -> Media {
        Media { root: root.into() }
    }

    /// The media folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `documents/originals`.
    pub fn originals_dir(&self) -> PathBuf {
        self.root.join("documents").join("originals")
    }

    /// `documents/archive`.
    pub fn archive_dir(&self) -> PathBuf {
        self.root.join("documents").join("archive")
    }

    /// `documents/thumbnails`.
    pub fn thumbnails_dir(&self) -> PathBuf {
        self.root.join("documents").join("thumbnails")
    }

    /// Creates the three document folders if they are missing.
    pub fn create_dirs(&self) -> Result<()> {
        for dir in [
            self.originals_dir(),
            self.archive_dir(),
            self.thumbnails_dir(),
        ] {
            fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", dir, e))?;
        }
        Ok(())
    }

    /// Where a document's original lives.
    pub fn original_path(&self, doc: &Document) -> Result<PathBuf> {
        join_inside(&self.originals_dir(), &doc.source_filename())
    }

    /// Where a document's archive lives, if it has one.
    pub fn archive_path(&self, doc: &Document) -> Result<Option<PathBuf>> {
        doc.archive_filename
            .as_deref()
            .map(|name| join_inside(&self.archive_dir(), name))
            .transpose()
    }

    /// Where a document's thumbnail lives.
    pub fn thumbnail_path(&self, doc: &Document) -> PathBuf {
        self.thumbnails_dir().join(doc.thumbnail_filename())
    }

    /// Takes the media lock, waiting for any other pd process that holds it.
    pub fn lock(&self) -> Result<MediaLock> {
        fs::create_dir_all(&self.root).map_err(|e| Error::io("cannot create", &self.root, e))?;
        let path = self.root.join("media.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("cannot open", &path, e))?;
        file.lock()
            .map_err(|e| Error::io("cannot lock", &path, e))?;
        Ok(MediaLock { _file: file })
    }
}

/// Held while files in the media folder move; released on drop.
#[derive(Debug)]
pub struct MediaLock {
    _file: File,
}

/// Joins a stored relative path to a root, refusing anything that would leave the root
/// (absolute paths, `..`), so a tampered database row cannot point pd outside its media.
pub fn join_inside(root: &Path, relative: &str) -> Result<PathBuf> {
    let rel = Path::new(relative);
    let escapes = rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if relative.is_empty() || escapes {
        return Err(Error::Invalid(format!(
            "refusing path {relative:?}: it leaves {}",
            root.display()
        )));
    }
    Ok(root.join(rel))
}

/// SHA-256 of a file as lower-case hex, read in 64 KiB chunks.
pub fn sha256_file(path: &Path) -> Result<String> {
    let file = File::open(path).map_err(|e| Error::io("cannot open", path, e))?;
    sha256_reader(file).map_err(|e| Error::io("cannot read", path, e))
}

/// SHA-256 of everything a reader yields, as lower-case hex.
pub fn sha256_reader(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// SHA-256 of bytes in memory, as lower-case hex.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Copies `src` to `dest` through a temporary file in `dest`'s folder and a rename,
/// keeping `src`'s modification time. Parent folders are created.
pub fn copy_atomic(src: &Path, dest: &Path) -> Result<()> {
    copy_staged(src, dest, true)?.replace()
}

/// Writes `bytes` to `dest` through a temporary file and a rename.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<()> {
    stage_with(dest, |out| {
        out.write_all(bytes)?;
        out.sync_all()
    })?
    .replace()
}

/// A file written under a temporary name beside its destination, not yet synced.
///
/// Writing many files with an `fsync` each is what makes copying thousands of small
/// files slow; staged files are instead made durable together by one
/// [`sync_file_systems`] call before anything depends on them. Dropping a staged file
/// removes its temporary copy.
#[derive(Debug)]
pub struct StagedFile {
    tmp: tempfile::TempPath,
    dest: PathBuf,
    size: u64,
}

impl StagedFile {
    /// Bytes written.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Renames the file into place; an existing file at the destination is an error
    /// and stays as it was.
    ///
    /// # Errors
    ///
    /// The destination exists or the rename fails.
    pub fn place(self) -> Result<()> {
        let StagedFile { tmp, dest, .. } = self;
        tmp.persist_noclobber(&dest).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                Error::Conflict(format!("{} exists already", dest.display()))
            } else {
                Error::io("cannot rename into", &dest, e.error)
            }
        })
    }

    /// Renames the file into place, replacing whatever is there.
    ///
    /// # Errors
    ///
    /// The rename fails.
    pub fn replace(self) -> Result<()> {
        let StagedFile { tmp, dest, .. } = self;
        tmp.persist(&dest)
            .map_err(|e| Error::io("cannot rename into", &dest, e.error))
    }
}

/// Temporary files of [`stage_copy`] and [`copy_atomic`] start with this.
pub const TMP_PREFIX: &str = ".pd-tmp-";

/// Writes `dest`'s future content through `fill` into a temporary file in `dest`'s
/// folder (created when missing), without syncing it.
///
/// # Errors
///
/// The folder or the file cannot be created or written.
pub fn stage_with(
    dest: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<StagedFile> {
    let dir = dest
        .parent()
        .ok_or_else(|| Error::Invalid(format!("{} has no parent folder", dest.display())))?;
    fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io("cannot create a temporary file in", dir, e))?;
    fill(tmp.as_file_mut()).map_err(|e| Error::io("cannot write", dest, e))?;
    let size = tmp
        .as_file()
        .metadata()
        .map_err(|e| Error::io("cannot write", dest, e))?
        .len();
    Ok(StagedFile {
        tmp: tmp.into_temp_path(),
        dest: dest.to_owned(),
        size,
    })
}

/// Copies `src` to a temporary file beside `dest`, keeping `src`'s modification time,
/// without syncing it; see [`StagedFile`].
///
/// # Errors
///
/// `src` cannot be read, or the copy cannot be written.
pub fn stage_copy(src: &Path, dest: &Path) -> Result<StagedFile> {
    copy_staged(src, dest, false)
}

fn copy_staged(src: &Path, dest: &Path, sync: bool) -> Result<StagedFile> {
    let mut input = File::open(src).map_err(|e| Error::io("cannot open", src, e))?;
    let mtime = input.metadata().and_then(|m| m.modified()).ok();
    stage_with(dest, |out| {
        io::copy(&mut input, out)?;
        if let Some(mtime) = mtime {
            out.set_modified(mtime)?;
        }
        if sync {
            out.sync_all()?;
        }
        Ok(())
    })
}

/// Makes everything written so far on the file systems holding `paths` durable — file
/// contents, new names and removals alike: one `syncfs` per file system (Linux), where
/// an `fsync` per file would cost one disk flush each.
///
/// # Errors
///
/// A path cannot be opened or the file system cannot be synced.
pub fn sync_file_systems<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let mut devices = std::collections::HashSet::new();
        for path in paths {
            let meta = fs::metadata(path).map_err(|e| Error::io("cannot read", path, e))?;
            if devices.insert(meta.dev()) {
                let handle = File::open(path).map_err(|e| Error::io("cannot open", path, e))?;
                rustix::fs::syncfs(&handle)
                    .map_err(|e| Error::io("cannot sync the file system of", path, e.into()))?;
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = paths.into_iter().count();
        rustix::fs::sync();
    }
    Ok(())
}

/// Moves a file, creating the target's folders; across file systems it copies
/// atomically and then removes the source. Never overwrites an existing target.
pub fn move_file(src: &Path, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(Error::Conflict(format!(
            "cannot move {} to {}: the target exists",
            src.display(),
            dest.display()
        )));
    }
    if let Some(dir) = dest.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    }
    match fs::rename(src, dest) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
            copy_atomic(src, dest)?;
            fs::remove_file(src).map_err(|e| Error::io("cannot remove", src, e))
        }
        Err(e) => Err(Error::io("cannot move", src, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_sha256_hex() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, b"abc").unwrap();
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_file(&path).unwrap(), expected);
        assert_eq!(sha256_bytes(b"abc"), expected);
        // Larger than one chunk, not a multiple of it.
        let big: Vec<u8> = (0..(CHUNK * 3 + 17)).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &big).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_bytes(&big));
        let err = sha256_file(&dir.path().join("missing")).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn atomic_copy_keeps_mtime_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.pdf");
        fs::write(&src, b"%PDF-1.4 hello").unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
        File::options()
            .write(true)
            .open(&src)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let dest = dir.path().join("a/b/0000001.pdf");
        copy_atomic(&src, &dest).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"%PDF-1.4 hello");
        assert_eq!(fs::metadata(&dest).unwrap().modified().unwrap(), old);
        let names: Vec<_> = fs::read_dir(dest.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("0000001.pdf")]);
        // Replacing goes through a rename as well.
        write_atomic(&dest, b"new").unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
    }

    #[test]
    fn move_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("sub/b");
        fs::write(&a, b"a").unwrap();
        move_file(&a, &b).unwrap();
        assert!(!a.exists());
        fs::write(&a, b"other").unwrap();
        assert!(matches!(move_file(&a, &b), Err(Error::Conflict(_))));
        assert_eq!(fs::read(&b).unwrap(), b"a");
        assert_eq!(fs::read(&a).unwrap(), b"other");
    }

    #[test]
    fn stored_paths_cannot_escape() {
        let root = Path::new("/media/documents/originals");
        assert_eq!(
            join_inside(root, "x/0000001.pdf").unwrap(),
            root.join("x/0000001.pdf")
        );
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", ""] {
            assert!(join_inside(root, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let media = Media::new(dir.path());
        let held = media.lock().unwrap();
        let path = dir.path().join("media.lock");
        let other = File::options().write(true).open(&path).unwrap();
        assert!(other.try_lock().is_err());
        drop(held);
        assert!(other.try_lock().is_ok());
    }
}
