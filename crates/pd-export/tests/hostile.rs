//! Hostile and broken exports: each is refused with a clear message, the library unchanged.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use pd_export::crypt::Crypter;
use pd_export::manifest::CryptoParams;
use pd_export::{Error, ImportOptions, VerifyOptions, ZipLimits, import, verify};
use serde_json::Value;

/// Imports `export` into a fresh library, expects failure, checks nothing changed.
async fn refused(dir: &Path, export: &Path, opts: &ImportOptions) -> Error {
    let store = library(dir).await;
    let before = snapshot(&store).await;
    let err = import(&store, export, opts).await.unwrap_err();
    assert_eq!(snapshot(&store).await, before, "the library changed: {err}");
    err
}

fn edit_first_document(export: &Path, edit: impl FnOnce(&mut Value)) {
    let mut records = read_manifest(export);
    let doc = records
        .iter_mut()
        .find(|r| r["model"] == "documents.document")
        .unwrap();
    edit(doc);
    write_manifest(export, &records);
}

fn write_zip(path: &Path, members: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[tokio::test]
async fn zip_member_with_path_traversal() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("evil.zip");
    write_zip(
        &zip,
        &[("manifest.json", b"[]"), ("../../evil.txt", b"owned")],
    );
    let err = refused(dir.path(), &zip, &ImportOptions::default()).await;
    assert!(matches!(err, Error::UnsafePath { .. }), "{err}");
    assert!(err.to_string().contains("../../evil.txt"), "{err}");
    assert!(!dir.path().join("evil.txt").exists());
}

#[tokio::test]
async fn absolute_path_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    edit_first_document(&export, |d| {
        d["__exported_file_name__"] = "/etc/passwd".into()
    });
    let err = refused(dir.path(), &export, &ImportOptions::default()).await;
    assert!(
        matches!(err, Error::UnsafePath { .. }) && err.to_string().contains("absolute"),
        "{err}"
    );
}

#[tokio::test]
async fn dotdot_path_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    edit_first_document(&export, |d| {
        d["__exported_thumbnail_name__"] = "../outside.webp".into()
    });
    std::fs::write(dir.path().join("outside.webp"), b"x").unwrap();
    let err = refused(dir.path(), &export, &ImportOptions::default()).await;
    assert!(err.to_string().contains("\"..\""), "{err}");
}

#[tokio::test]
async fn symlink_escaping_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    let records = read_manifest(&export);
    let name = records
        .iter()
        .find(|r| r["model"] == "documents.document")
        .unwrap()["__exported_file_name__"]
        .as_str()
        .unwrap()
        .to_owned();
    let outside = dir.path().join("secret.pdf");
    std::fs::rename(export.join(&name), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, export.join(&name)).unwrap();
    let err = refused(dir.path(), &export, &ImportOptions::default()).await;
    assert!(err.to_string().contains("symlink"), "{err}");
}

#[tokio::test]
async fn wrong_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    let records = read_manifest(&export);
    let doc = of_model(&records, "documents.document")[5].clone();
    let name = doc["__exported_file_name__"].as_str().unwrap();
    let mut bytes = std::fs::read(export.join(name)).unwrap();
    bytes[100] ^= 1;
    std::fs::write(export.join(name), bytes).unwrap();
    let err = refused(dir.path(), &export, &ImportOptions::default()).await;
    assert!(matches!(err, Error::Checksum { .. }), "{err}");
    assert!(err.to_string().contains(name), "{err}");
}

#[tokio::test]
async fn malformed_json() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    std::fs::write(
        export.join("manifest.json"),
        b"[\n{\"model\": \"documents.tag\",\n \"pk\": }\n]",
    )
    .unwrap();
    let err = refused(dir.path(), &export, &ImportOptions::default()).await;
    let text = err.to_string();
    assert!(
        text.contains("manifest.json") && text.contains("line 3"),
        "{text}"
    );
}

#[tokio::test]
async fn duplicate_pk() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    let mut records = read_manifest(&export);
    let tag = of_model(&records, "documents.tag")[0].clone();
    records.push(tag);
    write_manifest(&export, &records);
    let err = refused(dir.path(), &export, &ImportOptions::default()).await;
    assert!(
        err.to_string().contains("duplicate record: documents.tag"),
        "{err}"
    );
}

#[tokio::test]
async fn dangling_reference() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    edit_first_document(&export, |d| d["fields"]["correspondent"] = 999.into());
    let err = refused(dir.path(), &export, &ImportOptions::default()).await;
    assert!(
        err.to_string()
            .contains("correspondent 999, which is not in the export"),
        "{err}"
    );
}

#[tokio::test]
async fn zip_bomb() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("bomb.zip");
    let zeros = vec![0u8; 8 << 20];
    write_zip(&zip, &[("manifest.json", b"[]"), ("zeros.bin", &zeros)]);
    let err = refused(dir.path(), &zip, &ImportOptions::default()).await;
    assert!(
        matches!(err, Error::ZipBomb { .. }) && err.to_string().contains("ratio"),
        "{err}"
    );
    // The total size limit holds as well.
    let small = ImportOptions {
        zip_limits: ZipLimits {
            max_total_bytes: 1000,
            ..ZipLimits::default()
        },
        ..ImportOptions::default()
    };
    let err = refused(dir.path(), &fixture_zip(), &small).await;
    assert!(err.to_string().contains("more than 1000 bytes"), "{err}");
}

/// The fixture with its mail password encrypted as paperless-ngx does (fewer iterations).
fn encrypted_export(dir: &Path) -> std::path::PathBuf {
    let export = export_copy(dir);
    let params = CryptoParams {
        key_algo: "pbkdf2_sha256".into(),
        key_iters: 1000,
        key_size: 32,
        salt_hex: "0123456789abcdef0123456789abcdef".into(),
    };
    let crypter = Crypter::new("correct horse", &params).unwrap();
    let mut records = read_manifest(&export);
    for r in &mut records {
        let mut record: pd_export::Record = serde_json::from_value(r.clone()).unwrap();
        crypter.encrypt_record(&mut record).unwrap();
        *r = serde_json::to_value(record).unwrap();
    }
    let account = records
        .iter()
        .find(|r| r["model"] == "paperless_mail.mailaccount")
        .unwrap();
    assert_ne!(account["fields"]["password"], "s3cret-mail-password");
    write_manifest(&export, &records);
    let metadata = serde_json::json!({"version": "3.0.5", "__crypto__": params});
    std::fs::write(export.join("metadata.json"), metadata.to_string()).unwrap();
    export
}

#[tokio::test]
async fn passphrase_wrong_missing_and_right() {
    let dir = tempfile::tempdir().unwrap();
    let export = encrypted_export(dir.path());
    let wrong = ImportOptions {
        passphrase: Some("wrong".into()),
        ..ImportOptions::default()
    };
    let err = refused(&dir.path().join("a"), &export, &wrong).await;
    assert!(err.to_string().contains("passphrase is wrong"), "{err}");
    let err = refused(&dir.path().join("b"), &export, &ImportOptions::default()).await;
    assert!(err.to_string().contains("encrypted fields"), "{err}");

    let store = library(&dir.path().join("c")).await;
    let right = ImportOptions {
        passphrase: Some("correct horse".into()),
        ..ImportOptions::default()
    };
    import(&store, &export, &right).await.unwrap();
    let accounts = store
        .db()
        .conn()
        .await
        .unwrap()
        .mail_accounts()
        .await
        .unwrap();
    assert_eq!(accounts[0].password, "s3cret-mail-password");
}

#[test]
fn verify_the_fixture_and_a_tampered_copy() {
    for source in [fixture(), fixture_zip()] {
        let report = verify(&source, &VerifyOptions::default()).unwrap();
        assert!(report.is_clean(), "{report:?}");
        assert_eq!(report.files_checked, 75);
    }
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    let records = read_manifest(&export);
    let docs = of_model(&records, "documents.document");
    let corrupt = docs[0]["__exported_archive_name__"].as_str().unwrap();
    let missing = docs[1]["__exported_thumbnail_name__"].as_str().unwrap();
    std::fs::write(export.join(corrupt), b"not the archive").unwrap();
    std::fs::remove_file(export.join(missing)).unwrap();
    std::fs::write(export.join("stray.txt"), b"?").unwrap();
    let report = verify(&export, &VerifyOptions::default()).unwrap();
    assert!(!report.is_clean());
    assert_eq!(report.corrupt.len(), 1);
    assert_eq!(report.corrupt[0].path, corrupt);
    assert_eq!(report.missing, vec![missing.to_owned()]);
    assert_eq!(report.extra, vec!["stray.txt".to_owned()]);
}
