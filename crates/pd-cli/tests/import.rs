//! `pd import` and `pd verify` on paperless-ngx 3.0.5's own exports.

mod common;

use std::path::PathBuf;

use common::Library;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/paperless-3.0.5")
        .join(name);
    path.to_string_lossy().into_owned()
}

#[test]
fn imports_the_fixture_then_refuses_a_second_import_without_merge() {
    let lib = Library::new();
    let report = lib.json(&["import", &fixture("export-default")]);
    assert_eq!(report["imported"]["documents"], 30);
    assert_eq!(report["files_verified"], 45);
    assert_eq!(lib.documents().len(), 30);
    let files = lib.stored_files();

    let (code, _, stderr) = lib.run(&["import", &fixture("export-zip/export-2026-11-25.zip")]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("not empty") && stderr.contains("--merge"),
        "{stderr}"
    );
    assert_eq!(lib.stored_files(), files);

    let report = lib.json(&[
        "import",
        "--merge",
        &fixture("export-zip/export-2026-11-25.zip"),
    ]);
    assert_eq!(report["imported"]["documents"], 0);
    assert_eq!(report["skipped_documents"].as_array().unwrap().len(), 30);
    assert_eq!(lib.stored_files(), files);
}

#[test]
fn import_brings_a_current_search_index_up_to_date() {
    let lib = Library::new();
    lib.ok(&["index", "reindex"]);
    lib.ok(&["import", &fixture("export-default")]);
    let (code, stdout, stderr) = lib.run(&["search", "--json", "Manchester", "dental"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        !stderr.contains("rebuilt"),
        "the import left the index stale: {stderr}"
    );
    let hits: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let titles: Vec<&str> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Receipt 2022-05 Dr. 428"), "{titles:?}");
}

#[test]
fn dry_run_writes_nothing() {
    let lib = Library::new();
    let out = lib.ok(&["import", "--dry-run", &fixture("export-default")]);
    assert!(out.contains("Would import 30 documents"), "{out}");
    assert!(lib.documents().is_empty());
    assert!(lib.stored_files().is_empty());
}

#[test]
fn malformed_manifest_names_the_file_and_position() {
    let lib = Library::new();
    let export = lib.folder("export");
    std::fs::write(export.join("manifest.json"), "[\n  {\"model\": ,}\n]").unwrap();
    let (code, _, stderr) = lib.run(&["import", &export.to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("manifest.json") && stderr.contains("line 2"),
        "{stderr}"
    );
    assert!(lib.documents().is_empty());
}

#[test]
fn verify_reports_a_tampered_export() {
    let lib = Library::new();
    let out = lib.ok(&["verify", &fixture("export-default")]);
    assert!(out.contains("complete and intact"), "{out}");

    let export = lib.folder("export");
    for e in std::fs::read_dir(fixture("export-default")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), export.join(e.file_name())).unwrap();
    }
    let victim =
        export.join("2022-05-01 Dr. Emily Carter Dental Practice Receipt 2022-05 Dr. 428.pdf");
    std::fs::write(&victim, b"tampered").unwrap();
    let report = lib.expect_json(1, &["verify", &export.to_string_lossy()], &[]);
    assert_eq!(report["corrupt"].as_array().unwrap().len(), 1);
    let (code, _, stderr) = lib.run(&["import", &export.to_string_lossy()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert!(lib.documents().is_empty());
}
