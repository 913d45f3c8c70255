//! A store with a media folder in a temporary directory, and documents with real files.

use std::path::{Path, PathBuf};

use pd_core::{Config, Document};
use pd_store::media::sha256_bytes;
use pd_store::{Database, Store};

use crate::fixtures::new_doc;

pub struct Library {
    pub store: Store,
    pub _dir: tempfile::TempDir,
}

/// Files to give a new document.
pub struct Files<'a> {
    pub content: &'a str,
    pub original: &'a [u8],
    pub archive: Option<&'a [u8]>,
    pub thumbnail: bool,
}

impl Default for Files<'_> {
    fn default() -> Self {
        Files {
            content: "some text",
            original: b"%PDF-1.4 original",
            archive: None,
            thumbnail: true,
        }
    }
}

impl Library {
    pub fn new(db: Database) -> Library {
        Library::with_config(db, |_| {})
    }

    pub fn with_config(db: Database, change: impl FnOnce(&mut Config)) -> Library {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_data_dir(dir.path());
        change(&mut config);
        let store = Store::from_parts(&config, db);
        store.media().create_dirs().unwrap();
        Library { store, _dir: dir }
    }

    /// A document stored as `0000<id>.pdf` (archive likewise) with the given files.
    pub async fn add(&self, title: &str, files: Files<'_>) -> Document {
        let mut conn = self.store.db().conn().await.unwrap();
        let id = conn
            .insert_document(&pd_core::NewDocument {
                content: files.content.into(),
                checksum: sha256_bytes(files.original),
                archive_checksum: files.archive.map(sha256_bytes),
                ..new_doc(title)
            })
            .await
            .unwrap();
        let name = format!("{id:07}.pdf");
        let archive = files.archive.map(|_| name.clone());
        conn.set_document_files(id, Some(&name), archive.as_deref(), pd_core::now())
            .await
            .unwrap();
        let doc = conn.document(id).await.unwrap();
        let media = self.store.media();
        write(&media.original_path(&doc).unwrap(), files.original);
        if let Some(bytes) = files.archive {
            write(&media.archive_path(&doc).unwrap().unwrap(), bytes);
        }
        if files.thumbnail {
            write(&media.thumbnail_path(&doc), b"RIFF....WEBP");
        }
        doc
    }

    pub async fn document(&self, id: i64) -> Document {
        self.store
            .db()
            .conn()
            .await
            .unwrap()
            .document(id)
            .await
            .unwrap()
    }

    pub async fn save(&self, doc: &Document) {
        let mut conn = self.store.db().conn().await.unwrap();
        conn.update_document(doc).await.unwrap();
    }

    pub fn originals(&self) -> PathBuf {
        self.store.media().originals_dir()
    }

    /// Every file below `dir`, relative, sorted.
    pub fn files_below(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_owned()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.push(
                        path.strip_prefix(dir)
                            .unwrap()
                            .to_string_lossy()
                            .into_owned(),
                    );
                }
            }
        }
        out.sort();
        out
    }
}

pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}
