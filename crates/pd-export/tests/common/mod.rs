//! Helpers the import tests share: the fixture export, libraries in temporary
//! directories, snapshots of a library, and rewriting an export on the fly.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pd_core::Config;
use pd_store::{LibraryCounts, Store};
use serde_json::Value;

/// paperless-ngx 3.0.5's own export of the fixture library (directory form).
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/paperless-3.0.5/export-default")
}

/// The same library exported with `-z`.
pub fn fixture_zip() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/paperless-3.0.5/export-zip/export-2026-11-25.zip")
}

/// Copies a directory tree.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), to).unwrap();
        }
    }
}

/// A writable copy of the fixture export in `dir/export`.
pub fn export_copy(dir: &Path) -> PathBuf {
    let to = dir.join("export");
    copy_dir(&fixture(), &to);
    to
}

pub fn read_manifest(export: &Path) -> Vec<Value> {
    serde_json::from_slice(&std::fs::read(export.join("manifest.json")).unwrap()).unwrap()
}

pub fn write_manifest(export: &Path, records: &[Value]) {
    std::fs::write(
        export.join("manifest.json"),
        serde_json::to_vec_pretty(records).unwrap(),
    )
    .unwrap();
}

/// A new, empty library in `dir/data`.
pub async fn library(dir: &Path) -> Store {
    Store::init(&Config::for_data_dir(dir.join("data")))
        .await
        .unwrap()
}

/// Everything that must not change when an import fails: counts, kept records, files.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    counts: LibraryCounts,
    kept: usize,
    files: Vec<String>,
}

pub async fn snapshot(store: &Store) -> Snapshot {
    let mut conn = store.db().conn().await.unwrap();
    let mut files = Vec::new();
    walk(store.media().root(), store.media().root(), &mut files);
    files.retain(|f| f != "media.lock");
    files.sort();
    Snapshot {
        counts: conn.library_counts().await.unwrap(),
        kept: conn.paperless_records().await.unwrap().len(),
        files,
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let e = e.unwrap();
        let p = e.path();
        out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        if e.file_type().unwrap().is_dir() {
            walk(root, &p, out);
        }
    }
}

/// The records of one model.
pub fn of_model<'a>(records: &'a [Value], model: &str) -> Vec<&'a Value> {
    records.iter().filter(|r| r["model"] == model).collect()
}
