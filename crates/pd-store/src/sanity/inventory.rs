//! The media folder's inventory: every file under it, less the ignore list.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::{Error, Result};

/// Glob patterns of files that are never orphans.
///
/// A pattern without `/` matches a file's name (`._*`, `Thumbs.db`). A pattern with `/`
/// matches the end of a path relative to the media folder, so `@eaDir/*` matches every
/// file below any `@eaDir` folder; a leading `/` anchors it at the media folder instead
/// (`/exports/*`). `*` also matches across `/`.
#[derive(Debug, Clone)]
pub struct IgnoreList {
    names: GlobSet,
    paths: GlobSet,
}

impl IgnoreList {
    /// Compiles the patterns; a malformed one is an error that names it.
    pub fn new(patterns: &[String]) -> Result<IgnoreList> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for pattern in patterns {
            let (set, glob) = match pattern.strip_prefix('/') {
                Some(anchored) => (&mut paths, anchored.to_owned()),
                None if pattern.contains('/') => (&mut paths, format!("**/{pattern}")),
                None => (&mut names, pattern.clone()),
            };
            let glob = GlobBuilder::new(&glob)
                .literal_separator(false)
                .backslash_escape(true)
                .build()
                .map_err(|e| {
                    Error::Invalid(format!(
                        "bad sanity ignore pattern {pattern:?} (PD_SANITY_IGNORE): {e}"
                    ))
                })?;
            set.add(glob);
        }
        let build = |b: GlobSetBuilder| {
            b.build()
                .map_err(|e| Error::Invalid(format!("bad sanity ignore patterns: {e}")))
        };
        Ok(IgnoreList {
            names: build(names)?,
            paths: build(paths)?,
        })
    }

    /// Whether the file at `relative` (to the media folder) is ignored.
    pub fn is_ignored(&self, relative: &Path) -> bool {
        relative
            .file_name()
            .is_some_and(|name| self.names.is_match(name))
            || self.paths.is_match(relative)
    }
}

/// Every non-directory entry below `root` (symlinks to files included, symlinked folders
/// not entered), minus `skip_dirs` and ignored files. Folders that cannot be listed come
/// back as warnings.
pub fn inventory(
    root: &Path,
    ignore: &IgnoreList,
    skip_dirs: &[PathBuf],
) -> (HashSet<PathBuf>, Vec<String>) {
    let mut files = HashSet::new();
    let mut warnings = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                warnings.push(format!("cannot list folder {}: {e}", dir.display()));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    warnings.push(format!("cannot list folder {}: {e}", dir.display()));
                    continue;
                }
            };
            let path = entry.path();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                if !skip_dirs.contains(&path) {
                    stack.push(path);
                }
                continue;
            }
            if path.is_dir() {
                // A symlink to a folder: not walked, like paperless-ngx's os.walk.
                continue;
            }
            let relative = path.strip_prefix(root).unwrap_or(&path);
            if !ignore.is_ignored(relative) {
                files.insert(path);
            }
        }
    }
    (files, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(patterns: &[&str]) -> IgnoreList {
        IgnoreList::new(&patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn globs_are_real_globs() {
        let defaults: Vec<String> = pd_core::Config::DEFAULT_SANITY_IGNORE
            .iter()
            .map(|p| p.to_string())
            .collect();
        let ignore = IgnoreList::new(&defaults).unwrap();
        for ignored in [
            ".DS_Store",
            "documents/originals/.DS_Store",
            "documents/originals/._0000001.pdf",
            "documents/originals/@eaDir/0000001.pdf/SYNOFILE_THUMB_M.jpg",
            "@eaDir/x",
            ".stfolder/marker",
            "documents/Thumbs.db",
            "desktop.ini",
        ] {
            assert!(ignore.is_ignored(Path::new(ignored)), "{ignored}");
        }
        for reported in [
            "documents/originals/0000001.pdf",
            "documents/originals/x._y",
            "documents/originals/eaDir/x",
            "documents/.stfolder",
        ] {
            assert!(!ignore.is_ignored(Path::new(reported)), "{reported}");
        }
        let anchored = list(&["/exports/*", "*.tmp"]);
        assert!(anchored.is_ignored(Path::new("exports/a/b.zip")));
        assert!(!anchored.is_ignored(Path::new("documents/exports/b.zip")));
        assert!(anchored.is_ignored(Path::new("documents/x.tmp")));
        let err = IgnoreList::new(&["a[".to_string()]).unwrap_err();
        assert!(err.to_string().contains("a["), "{err}");
    }

    #[test]
    fn walks_everything_but_ignored_files_and_skipped_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["a/b/c.pdf", "a/.DS_Store", "q/x", "top"] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        let (files, warnings) = inventory(root, &list(&[".DS_Store"]), &[root.join("q")]);
        assert!(warnings.is_empty());
        let mut found: Vec<_> = files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        found.sort();
        assert_eq!(found, vec!["a/b/c.pdf", "top"]);
    }
}
