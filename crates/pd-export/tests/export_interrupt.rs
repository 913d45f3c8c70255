//! An export interrupted after any number of writes leaves the previous export
//! importable, and re-running completes it.

use std::path::{Path, PathBuf};

use pd_export::{ExportOptions, ImportOptions, VerifyOptions};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/paperless-3.0.5/export-default")
}

async fn library(dir: &Path) -> pd_store::Store {
    let config = pd_core::Config::for_data_dir(dir.to_owned());
    pd_store::Store::init(&config).await.unwrap()
}

#[tokio::test]
async fn interrupted_exports_leave_the_previous_one_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let store = library(&tmp.path().join("lib")).await;
    pd_export::import(&store, &fixture(), &ImportOptions::default())
        .await
        .unwrap();
    let target = tmp.path().join("export");
    std::fs::create_dir_all(&target).unwrap();
    pd_export::export(&store, &target, &ExportOptions::default())
        .await
        .unwrap();
    let mut manifest = std::fs::read(target.join("manifest.json")).unwrap();

    let ids: Vec<i64> = (1..=30).collect();
    for (trial, fail_after) in [0, 1, 3, 5, 7, 9, 11, 12, 13].into_iter().enumerate() {
        // Change a few documents so the next export has files to rewrite.
        let mut conn = store.db().conn().await.unwrap();
        for id in ids.iter().skip(trial * 3).take(3) {
            let mut d = conn.document(*id).await.unwrap();
            d.title = format!("{} (trial {trial})", d.title);
            conn.update_document(&d).await.unwrap();
        }
        drop(conn);
        let opts = ExportOptions {
            fail_after_writes: Some(fail_after),
            ..ExportOptions::default()
        };
        let result = pd_export::export(&store, &target, &opts).await;
        assert!(result.is_err(), "trial {trial} was not interrupted");
        let verify = pd_export::verify(&target, &VerifyOptions::default()).unwrap();
        if fail_after < 8 {
            // Interrupted while staging: the previous export is untouched.
            assert!(std::fs::read(target.join("manifest.json")).unwrap() == manifest);
            assert!(
                verify.missing.is_empty() && verify.corrupt.is_empty(),
                "trial {trial}: {verify:?}"
            );
            let fresh = library(&tmp.path().join(format!("check{trial}"))).await;
            pd_export::import(&fresh, &target, &ImportOptions::default())
                .await
                .unwrap();
        }
        let done = pd_export::export(&store, &target, &ExportOptions::default())
            .await
            .unwrap();
        assert!(done.files_written > 0);
        let verify = pd_export::verify(&target, &VerifyOptions::default()).unwrap();
        // Files of the documents' old names stay until `-d`; nothing is missing or corrupt.
        assert!(
            verify.missing.is_empty() && verify.corrupt.is_empty(),
            "trial {trial}: {verify:?}"
        );
        let again = pd_export::export(&store, &target, &ExportOptions::default())
            .await
            .unwrap();
        assert_eq!(again.files_written, 0, "trial {trial}");
        manifest = std::fs::read(target.join("manifest.json")).unwrap();
    }
}
