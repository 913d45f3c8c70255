//! A generated library for the sanity benchmarks: `docs` documents, each with an
//! original and an archive of about `size` bytes (±25 %, pseudo-random content) and an
//! 8 KiB thumbnail, in a pd data folder that `pd` itself can open.

use std::path::Path;

use pd_core::{Config, NewDocument};
use pd_store::Store;
use pd_store::media::{sha256_bytes, write_atomic};

/// Opens the library in `dir`, generating it first unless it already holds `docs`
/// documents.
pub async fn library(dir: &Path, docs: usize, size: usize) -> Store {
    let store = Store::init(&Config::for_data_dir(dir)).await.unwrap();
    let mut conn = store.db().conn().await.unwrap();
    let have = conn.library_counts().await.unwrap().documents;
    drop(conn);
    if have == docs as i64 {
        return store;
    }
    assert_eq!(have, 0, "{} holds another library", dir.display());
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut tx = store.db().begin().await.unwrap();
    for i in 0..docs {
        let len = size * 3 / 4 + (next(&mut rng) as usize % (size / 2).max(1));
        let original = bytes(&mut rng, len);
        let archive = bytes(&mut rng, len);
        let id = tx
            .insert_document(&NewDocument {
                title: format!("Document {i}"),
                content: format!("text of document {i}"),
                created: time::macros::date!(2024 - 01 - 01),
                added: pd_core::now(),
                mime_type: "application/pdf".into(),
                original_filename: Some(format!("scan {i}.pdf")),
                checksum: sha256_bytes(&original),
                archive_checksum: Some(sha256_bytes(&archive)),
                page_count: Some(1),
                archive_serial_number: None,
                correspondent: None,
                document_type: None,
                storage_path: None,
                owner: None,
                tags: vec![],
            })
            .await
            .unwrap();
        let name = format!("{id:07}.pdf");
        tx.set_document_files(id, Some(&name), Some(&name), pd_core::now())
            .await
            .unwrap();
        let media = store.media();
        write_atomic(&media.originals_dir().join(&name), &original).unwrap();
        write_atomic(&media.archive_dir().join(&name), &archive).unwrap();
        let thumb = media.thumbnails_dir().join(format!("{id:07}.webp"));
        write_atomic(&thumb, &bytes(&mut rng, 8 * 1024)).unwrap();
    }
    tx.commit().await.unwrap();
    store
}

fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn bytes(rng: &mut u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&next(rng).to_le_bytes());
    }
    out.truncate(len);
    out
}
