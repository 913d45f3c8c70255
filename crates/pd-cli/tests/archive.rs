//! `pd archive` through the real binary: archives created, recorded and valid PDF/A-2B,
//! existing ones skipped or made again, one document at a time, dry runs, the
//! `PD_ARCHIVE_FILE_GENERATION` setting, and a broken document skipped with exit code 1.

mod common;
#[path = "../../pd-pipeline/tests/support/pdfa.rs"]
mod pdfa;

use std::path::PathBuf;

use common::Library;
use pd_pipeline::sample::text_pdf;
use serde_json::Value;

const ALWAYS: &[(&str, &str)] = &[("PD_ARCHIVE_FILE_GENERATION", "always")];

/// Two consumed PDFs (ids 1 and 2) and a text note (id 3).
fn library() -> Library {
    let lib = Library::new();
    let inbox = lib.inbox();
    std::fs::write(
        inbox.join("a invoice.pdf"),
        text_pdf(&["Brightwater invoice 17\nTotal 12 EUR"]),
    )
    .unwrap();
    std::fs::write(
        inbox.join("b letter.pdf"),
        text_pdf(&[
            "Dear Anna,\nthe harbour opens in May.",
            "Second page greetings",
        ]),
    )
    .unwrap();
    std::fs::write(inbox.join("c note.txt"), "Buy milk\n").unwrap();
    lib.ok(&["consume", inbox.to_str().unwrap()]);
    lib
}

fn archive_file(lib: &Library, name: &str) -> PathBuf {
    lib.media().join("documents/archive").join(name)
}

fn document(lib: &Library, id: i64) -> Value {
    lib.json(&["documents", "show", &id.to_string()])["document"].clone()
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["document_id"].as_i64().unwrap())
        .collect()
}

#[test]
fn missing_archives_are_made_recorded_and_valid() {
    let lib = library();
    let report = lib.expect_json(0, &["archive", "--dpi", "100"], ALWAYS);
    assert_eq!(report["documents"], 3);
    assert_eq!(ids(&report["archived"]), vec![1, 2]);
    assert_eq!(ids(&report["skipped"]), vec![3], "text has no archive");
    assert!(
        report["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("text/plain")
    );
    assert_eq!(report["failed"].as_array().unwrap().len(), 0);
    assert_eq!(report["archived"][1]["pages"], 2);

    for (id, name, pages, words) in [
        (
            1,
            "0000001.pdf",
            1,
            &["Brightwater", "invoice", "17", "Total"][..],
        ),
        (
            2,
            "0000002.pdf",
            2,
            &["Dear", "Anna,", "harbour", "Second", "greetings"][..],
        ),
    ] {
        let doc = document(&lib, id);
        assert_eq!(doc["archive_filename"], name);
        let path = archive_file(&lib, name);
        let sha = pd_store::media::sha256_file(&path).unwrap();
        assert_eq!(doc["archive_checksum"], Value::String(sha.clone()));
        let entry = &report["archived"][(id - 1) as usize];
        assert_eq!(entry["sha256"], Value::String(sha));
        pdfa::assert_pdfa_2b(&path, pages);
        let text = pdfa::pdftotext(&path);
        let found = pdfa::words(&text);
        for word in words {
            assert!(found.contains(word), "{word} not in {found:?}");
        }
    }
    assert!(document(&lib, 3)["archive_filename"].is_null());

    // The sanity checker hashes archives against their recorded checksums.
    lib.ok(&["sanity"]);
    // An export carries the archives.
    let export = lib.folder("export");
    lib.ok(&["export", export.to_str().unwrap()]);
    let manifest = std::fs::read_to_string(export.join("manifest.json")).unwrap();
    assert_eq!(manifest.matches("__exported_archive_name__").count(), 2);

    let text = lib.expect_env(0, &["archive"], ALWAYS);
    assert!(
        text.contains("archived 0 of 3 document(s); 2 already had one, 1 skipped, 0 failed"),
        "{text}"
    );
}

#[test]
fn existing_archives_are_kept_unless_overwritten_and_one_document_can_be_chosen() {
    let lib = library();
    let report = lib.expect_json(0, &["archive", "--document", "2", "--dpi", "72"], ALWAYS);
    assert_eq!(report["documents"], 1);
    assert_eq!(ids(&report["archived"]), vec![2]);
    assert!(document(&lib, 1)["archive_filename"].is_null());

    let path = archive_file(&lib, "0000002.pdf");
    std::fs::write(&path, b"stale").unwrap();
    let report = lib.expect_json(0, &["archive", "--document", "2"], ALWAYS);
    assert_eq!(report["already_archived"], 1);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"stale",
        "kept without --overwrite"
    );

    let report = lib.expect_json(
        0,
        &["archive", "--document", "2", "--overwrite", "--dpi", "72"],
        ALWAYS,
    );
    assert_eq!(ids(&report["archived"]), vec![2]);
    assert_eq!(report["archived"][0]["archive_filename"], "0000002.pdf");
    pdfa::assert_pdfa_2b(&path, 2);
    assert_eq!(
        document(&lib, 2)["archive_checksum"],
        Value::String(pd_store::media::sha256_file(&path).unwrap())
    );

    let (code, _, stderr) = lib.run_env(&["archive", "--document", "99"], ALWAYS);
    assert_ne!(code, 0);
    assert!(stderr.contains("99"), "{stderr}");

    // A document in the trash is not archived, and says why.
    lib.ok(&["documents", "delete", "1"]);
    let (code, _, stderr) = lib.run_env(&["archive", "--document", "1"], ALWAYS);
    assert_ne!(code, 0);
    assert!(stderr.contains("in the trash"), "{stderr}");
    assert!(!archive_file(&lib, "0000001.pdf").exists());
}

#[test]
fn a_broken_document_is_skipped_with_a_message_and_exit_code_1() {
    let lib = library();
    // Damage the stored original of document 2 (as a failing disk would).
    let original = lib.original("0000002.pdf");
    let before = std::fs::read(&original).unwrap();
    std::fs::write(&original, &before[..before.len() / 3]).unwrap();
    let damaged = std::fs::read(&original).unwrap();

    let (code, stdout, stderr) = lib.run_env(&["archive", "--dpi", "72"], ALWAYS);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("error: document 2:"), "{stderr}");
    assert!(stderr.contains("0000002.pdf"), "{stderr}");
    assert!(stdout.contains("failed"), "{stdout}");

    assert_eq!(document(&lib, 1)["archive_filename"], "0000001.pdf");
    let doc = document(&lib, 2);
    assert!(doc["archive_filename"].is_null() && doc["archive_checksum"].is_null());
    assert!(!archive_file(&lib, "0000002.pdf").exists());
    assert_eq!(
        std::fs::read(&original).unwrap(),
        damaged,
        "original untouched"
    );
    let names: Vec<_> = std::fs::read_dir(lib.media().join("documents/archive"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["0000001.pdf"], "no temporary file left");

    let report = lib.expect_json(1, &["archive", "--dpi", "72"], ALWAYS);
    assert_eq!(ids(&report["failed"]), vec![2]);
}

#[test]
fn the_generation_setting_and_dry_runs_write_nothing() {
    let lib = library();
    // auto: PDFs with a text layer get no archive, as in paperless-ngx.
    let report = lib.json(&["archive"]);
    assert_eq!(report["archived"].as_array().unwrap().len(), 0);
    assert_eq!(ids(&report["skipped"]), vec![1, 2, 3]);
    assert!(
        report["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("PD_ARCHIVE_FILE_GENERATION=auto")
    );
    let never = lib.expect_json(0, &["archive"], &[("PD_ARCHIVE_FILE_GENERATION", "never")]);
    assert_eq!(ids(&never["skipped"]), vec![1, 2, 3]);

    let dry = lib.expect_json(0, &["archive", "--dry-run"], ALWAYS);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(ids(&dry["archived"]), vec![1, 2]);
    assert_eq!(dry["archived"][0]["archive_filename"], "0000001.pdf");
    let text = lib.expect_env(0, &["archive", "--dry-run"], ALWAYS);
    assert!(text.contains("would archive 2 of 3"), "{text}");

    assert!(!lib.media().join("documents/archive/0000001.pdf").exists());
    assert!(document(&lib, 1)["archive_filename"].is_null());
}
