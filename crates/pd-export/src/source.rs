//! Where an export is read from: a directory, or a ZIP unpacked (safely) into a
//! temporary one. Finds the manifests in every form paperless-ngx writes — `manifest.json`,
//! split manifests (`*-manifest.json`, under `json/` with a folder prefix) — and resolves
//! the paths records name without ever leaving the export.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use crate::manifest::{self, MANIFEST_FILE, Metadata, SPLIT_MANIFEST_SUFFIX};
use crate::{Error, Result};

/// How far a ZIP may unpack; beyond that it is refused as a zip bomb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// The most bytes all members together may unpack to.
    pub max_total_bytes: u64,
    /// The highest ratio of unpacked to packed size a member larger than 1 MiB may have.
    pub max_ratio: u64,
    /// The most members.
    pub max_members: usize,
}

impl Default for ZipLimits {
    fn default() -> Self {
        ZipLimits {
            max_total_bytes: 256 << 30,
            max_ratio: 200,
            max_members: 1_000_000,
        }
    }
}

/// The form an export came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A directory (paperless-ngx's default).
    Directory,
    /// A ZIP file (`-z`).
    Zip,
    /// A `pd backup` archive (`.tar.gz`).
    Backup,
    /// A paperless installation's database and media folder (`--from-instance`).
    Instance,
}

/// An opened export: its root directory, manifests and metadata.
#[derive(Debug)]
pub struct ExportSource {
    root: PathBuf,
    canonical_root: PathBuf,
    kind: SourceKind,
    manifests: Vec<PathBuf>,
    metadata: Option<Metadata>,
    _unpacked: Option<tempfile::TempDir>,
}

impl ExportSource {
    /// Opens an export directory or ZIP file. A ZIP is unpacked into a temporary directory
    /// under `work_dir` (the system's otherwise), refusing members that would leave it,
    /// symlinks, and anything beyond `limits`.
    pub fn open(path: &Path, limits: &ZipLimits, work_dir: Option<&Path>) -> Result<ExportSource> {
        let meta = fs::metadata(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::Invalid(format!("{} does not exist", path.display())),
            _ => Error::io("cannot read", path, e),
        })?;
        let (root, kind, unpacked) = if meta.is_dir() {
            (path.to_owned(), SourceKind::Directory, None)
        } else if is_zip(path)? {
            let dir = temp_dir(work_dir, path)?;
            unzip(path, dir.path(), limits)?;
            (dir.path().to_owned(), SourceKind::Zip, Some(dir))
        } else if crate::backup::archive::is_gzip(path)? {
            let dir = temp_dir(work_dir, path)?;
            let limits = crate::backup::BackupLimits::default();
            crate::backup::archive::unpack(path, dir.path(), &limits, &|_, _| {})?;
            (dir.path().to_owned(), SourceKind::Backup, Some(dir))
        } else {
            return Err(Error::Invalid(format!(
                "{} is neither an export directory nor a ZIP file nor a pd backup",
                path.display()
            )));
        };
        let canonical_root = root
            .canonicalize()
            .map_err(|e| Error::io("cannot resolve", &root, e))?;
        let main = root.join(MANIFEST_FILE);
        if !main.is_file() {
            return Err(Error::Invalid(format!(
                "{} does not contain a manifest.json file",
                path.display()
            )));
        }
        let mut split = Vec::new();
        find_split_manifests(&root, &mut split)?;
        split.sort();
        let mut manifests = vec![main];
        manifests.extend(split);
        let metadata = manifest::read_metadata(&root)?;
        Ok(ExportSource {
            root,
            canonical_root,
            kind,
            manifests,
            metadata,
            _unpacked: unpacked,
        })
    }

    /// The export's root directory (the unpacked copy for a ZIP).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Directory or ZIP.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// `manifest.json` first, then every split manifest, sorted.
    pub fn manifests(&self) -> &[PathBuf] {
        &self.manifests
    }

    /// `metadata.json` (or `version.json`), if the export has one.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }

    /// The file a record names, checked to be a regular file inside the export: no
    /// absolute paths, no `..`, no symlink that resolves outside the export.
    pub fn resolve(&self, relative: &str) -> Result<PathBuf> {
        check_relative(relative)?;
        let joined = self.root.join(relative);
        let real = match joined.canonicalize() {
            Ok(real) => real,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(Error::Invalid(format!(
                    "the manifest refers to \"{relative}\", which is not in the export"
                )));
            }
            Err(e) => return Err(Error::io("cannot resolve", joined, e)),
        };
        if !real.starts_with(&self.canonical_root) {
            return Err(Error::UnsafePath {
                path: relative.to_owned(),
                reason: "it resolves outside the export (a symlink)".into(),
            });
        }
        if !real.is_file() {
            return Err(Error::Invalid(format!(
                "the manifest refers to \"{relative}\", which is not a file"
            )));
        }
        Ok(real)
    }
}

/// A temporary directory to unpack `path` into, under `work_dir` when given.
fn temp_dir(work_dir: Option<&Path>, path: &Path) -> Result<tempfile::TempDir> {
    match work_dir {
        Some(w) => {
            fs::create_dir_all(w).map_err(|e| Error::io("cannot create", w, e))?;
            tempfile::Builder::new().prefix(".pd-import-").tempdir_in(w)
        }
        None => tempfile::Builder::new().prefix("pd-import-").tempdir(),
    }
    .map_err(|e| Error::io("cannot create a temporary directory for", path, e))
}

/// Refuses empty, absolute and `..` paths.
pub(crate) fn check_relative(relative: &str) -> Result<()> {
    let unsafe_path = |reason: &str| Error::UnsafePath {
        path: relative.to_owned(),
        reason: reason.to_owned(),
    };
    if relative.is_empty() {
        return Err(unsafe_path("it is empty"));
    }
    let bytes = relative.as_bytes();
    let drive = bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic();
    if relative.starts_with('/') || relative.starts_with('\\') || drive {
        return Err(unsafe_path("it is absolute"));
    }
    for c in Path::new(relative).components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(unsafe_path("it contains \"..\"")),
            Component::RootDir | Component::Prefix(_) => return Err(unsafe_path("it is absolute")),
        }
    }
    Ok(())
}

/// Calls `each` with every file (and symlink) below `root`, relative to it.
pub(crate) fn walk_files(root: &Path, each: &mut impl FnMut(&Path) -> Result<()>) -> Result<()> {
    fn walk(root: &Path, dir: &Path, each: &mut impl FnMut(&Path) -> Result<()>) -> Result<()> {
        for entry in fs::read_dir(dir).map_err(|e| Error::io("cannot list", dir, e))? {
            let entry = entry.map_err(|e| Error::io("cannot list", dir, e))?;
            let path = entry.path();
            let ty = entry
                .file_type()
                .map_err(|e| Error::io("cannot read", &path, e))?;
            if ty.is_dir() {
                walk(root, &path, each)?;
            } else if let Ok(rel) = path.strip_prefix(root) {
                each(rel)?;
            }
        }
        Ok(())
    }
    walk(root, root, each)
}

fn is_zip(path: &Path) -> Result<bool> {
    let mut magic = [0u8; 4];
    let mut file = File::open(path).map_err(|e| Error::io("cannot open", path, e))?;
    match file.read_exact(&mut magic) {
        Ok(()) => Ok(&magic == b"PK\x03\x04" || &magic == b"PK\x05\x06"),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(Error::io("cannot read", path, e)),
    }
}

/// Split manifests anywhere below `dir`; symlinked directories are not followed.
fn find_split_manifests(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io("cannot list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("cannot list", dir, e))?;
        let ty = entry
            .file_type()
            .map_err(|e| Error::io("cannot read", entry.path(), e))?;
        let path = entry.path();
        if ty.is_dir() {
            find_split_manifests(&path, out)?;
        } else if ty.is_file()
            && entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.ends_with(SPLIT_MANIFEST_SUFFIX))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Unpacks `zip` into `dest`, member by member, streamed; refuses traversal, symlinks and
/// bombs before writing past the limits.
fn unzip(zip: &Path, dest: &Path, limits: &ZipLimits) -> Result<()> {
    let zip_error = |e: zip::result::ZipError| Error::Zip {
        path: zip.to_owned(),
        message: e.to_string(),
    };
    let bomb = |reason: String| Error::ZipBomb {
        path: zip.to_owned(),
        reason,
    };
    let file = File::open(zip).map_err(|e| Error::io("cannot open", zip, e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(zip_error)?;
    if archive.len() > limits.max_members {
        return Err(bomb(format!(
            "it has {} members, more than {}",
            archive.len(),
            limits.max_members
        )));
    }
    // Declared sizes first, so a bomb is refused before anything is unpacked.
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let member = archive.by_index_raw(i).map_err(zip_error)?;
        let name = member.name().map_err(zip_error)?.into_owned();
        check_relative(&name)?;
        if member.enclosed_name().is_none() {
            return Err(Error::UnsafePath {
                path: name,
                reason: "the ZIP member would unpack outside the export".into(),
            });
        }
        if member.is_symlink() {
            return Err(Error::UnsafePath {
                path: name,
                reason: "the ZIP member is a symlink".into(),
            });
        }
        let (size, packed) = (member.size(), member.compressed_size());
        total = total.saturating_add(size);
        if total > limits.max_total_bytes {
            return Err(bomb(format!(
                "its members unpack to more than {} bytes",
                limits.max_total_bytes
            )));
        }
        if size > 1 << 20 && size / packed.max(1) > limits.max_ratio {
            return Err(bomb(format!(
                "member {name} unpacks {packed} bytes to {size} (ratio above {})",
                limits.max_ratio
            )));
        }
    }
    for i in 0..archive.len() {
        let mut member = archive.by_index(i).map_err(zip_error)?;
        let name = member.name().map_err(zip_error)?.into_owned();
        let Some(relative) = member.enclosed_name() else {
            return Err(Error::UnsafePath {
                path: name,
                reason: "the ZIP member would unpack outside the export".into(),
            });
        };
        let target = dest.join(relative);
        if member.is_dir() {
            fs::create_dir_all(&target).map_err(|e| Error::io("cannot create", &target, e))?;
            continue;
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io("cannot create", parent, e))?;
        }
        let declared = member.size();
        let mut out = File::options()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(|e| Error::io("cannot create", &target, e))?;
        // The declared size can lie: never write more than it says.
        let written = io::copy(&mut (&mut member).take(declared + 1), &mut out)
            .map_err(|e| Error::io("cannot unpack into", &target, e))?;
        if written > declared {
            return Err(bomb(format!(
                "member {name} unpacks to more than its declared {declared} bytes"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert!(check_relative("a/b.pdf").is_ok());
        assert!(check_relative("./a.pdf").is_ok());
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "\\x", "C:\\x"] {
            assert!(check_relative(bad).is_err(), "{bad}");
        }
    }
}
