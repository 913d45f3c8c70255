//! `retag` on a real store: a new storage path moves the stored file, through the journaled
//! renamer, and a dry run moves nothing.

use pd_core::{Config, MatchRule, MatchingAlgorithm, NewDocument};
use pd_match::retag::{RetagOptions, retag};
use pd_match::rules::{SetOptions, Targets};
use pd_store::Store;
use pd_store::media::{sha256_bytes, write_atomic};

const CONTENT: &[u8] = b"Invoice 42 from ACME";

/// A library with one stored document, `0000001.txt`, and a storage path whose rule
/// matches it.
async fn library(dir: &std::path::Path) -> Store {
    let store = Store::init(&Config::for_data_dir(dir)).await.unwrap();
    let mut conn = store.db().conn().await.unwrap();
    let rule = MatchRule {
        pattern: "invoice".into(),
        algorithm: MatchingAlgorithm::Any,
        is_insensitive: true,
    };
    conn.insert_storage_path("Bills", "bills/{{ title }}", &rule, None)
        .await
        .unwrap();
    let id = conn
        .insert_document(&NewDocument {
            title: "ACME 42".into(),
            content: String::from_utf8(CONTENT.to_vec()).unwrap(),
            created: time::macros::date!(2024 - 03 - 01),
            added: pd_core::now(),
            mime_type: "text/plain".into(),
            original_filename: Some("acme.txt".into()),
            checksum: sha256_bytes(CONTENT),
            archive_checksum: None,
            page_count: None,
            archive_serial_number: None,
            correspondent: None,
            document_type: None,
            storage_path: None,
            owner: None,
            tags: vec![],
        })
        .await
        .unwrap();
    write_atomic(&store.media().originals_dir().join("0000001.txt"), CONTENT).unwrap();
    conn.set_document_files(id, Some("0000001.txt"), None, pd_core::now())
        .await
        .unwrap();
    store
}

fn storage_paths_only(dry_run: bool) -> RetagOptions {
    RetagOptions {
        targets: Targets {
            correspondent: false,
            document_type: false,
            tags: false,
            storage_path: true,
        },
        inbox_only: false,
        id_range: None,
        set: SetOptions {
            replace: false,
            use_first: false,
        },
        dry_run,
    }
}

#[tokio::test]
async fn a_new_storage_path_moves_the_file_and_a_dry_run_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path()).await;
    let originals = store.media().originals_dir();

    let report = retag(&store, &storage_paths_only(true), None, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(report.storage_paths_set, 1);
    assert!(report.files.is_none());
    assert!(originals.join("0000001.txt").is_file());

    let report = retag(&store, &storage_paths_only(false), None, &|_, _| {})
        .await
        .unwrap();
    let files = report.files.expect("files are moved after a real run");
    assert_eq!(files.moves.len(), 1, "{files:?}");
    assert_eq!(files.moves[0].to, "bills/ACME 42.txt");
    assert!(files.moves[0].done);
    assert!(!originals.join("0000001.txt").exists());
    assert_eq!(
        std::fs::read(originals.join("bills/ACME 42.txt")).unwrap(),
        CONTENT
    );
    let doc = store.db().conn().await.unwrap().document(1).await.unwrap();
    assert_eq!(doc.filename.as_deref(), Some("bills/ACME 42.txt"));
}
