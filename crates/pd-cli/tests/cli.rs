//! Drives the real `pd` binary in temporary libraries and checks what a user sees:
//! output, exit codes and the files on disk.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::Library;
use serde_json::Value;

fn write_pdf(dir: &Path, name: &str, pages: &[&str]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pd_pipeline::sample::text_pdf(pages)).unwrap();
    path
}

fn sha256(path: &Path) -> String {
    pd_store::media::sha256_file(path).unwrap()
}

#[test]
fn consumes_pdfs_and_text_files() {
    let lib = Library::new();
    let inbox = lib.inbox();
    let pdf = write_pdf(
        &inbox,
        "Invoice 2024-03.pdf",
        &["ACME Ltd\nInvoice 42", "Page two"],
    );
    std::fs::write(inbox.join("note.txt"), "Call the plumber.\n").unwrap();
    let report = lib.json(&["consume", inbox.to_str().unwrap()]);
    assert_eq!(report["consumed"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(report["failed"].as_array().unwrap().len(), 0);

    let docs = lib.documents();
    assert_eq!(docs.len(), 2);
    let invoice = &docs[0];
    assert_eq!(invoice["title"], "Invoice 2024-03");
    assert_eq!(invoice["mime_type"], "application/pdf");
    assert_eq!(invoice["page_count"], 2);
    assert_eq!(invoice["original_filename"], "Invoice 2024-03.pdf");
    assert!(
        invoice["content"].as_str().unwrap().contains("Invoice 42"),
        "{invoice}"
    );
    assert!(invoice["content"].as_str().unwrap().contains("Page two"));
    assert_eq!(invoice["filename"], "0000001.pdf");
    assert_eq!(invoice["checksum"].as_str().unwrap(), sha256(&pdf));
    let note = &docs[1];
    assert_eq!(note["mime_type"], "text/plain");
    assert_eq!(
        note["content"], "Call the plumber.\n",
        "text is stored as written"
    );
    assert_eq!(lib.stored_files(), ["0000001.pdf", "0000002.txt"]);
    // The stored original is the source, byte for byte; the source is left alone.
    assert_eq!(sha256(&lib.originals().join("0000001.pdf")), sha256(&pdf));
    assert!(pdf.exists());

    let shown = lib.json(&["documents", "show", "1"]);
    assert_eq!(shown["document"]["id"], 1);
    let text = lib.ok(&["documents", "list"]);
    assert!(
        text.contains("Invoice 2024-03") && text.contains("2 document(s)"),
        "{text}"
    );
}

#[test]
fn bad_files_fail_clearly_and_change_nothing() {
    let lib = Library::new();
    let inbox = lib.inbox();
    std::fs::write(inbox.join("empty.pdf"), b"").unwrap();
    std::fs::write(
        inbox.join("broken.pdf"),
        b"%PDF-1.7\n1 0 obj << /Type /Catalog",
    )
    .unwrap();
    for name in ["empty.pdf", "broken.pdf"] {
        let path = inbox.join(name);
        let (code, _, stderr) = lib.run(&["consume", path.to_str().unwrap()]);
        assert_ne!(code, 0, "{name}");
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
    // A missing path stops the run before anything is consumed, good files included.
    let good = write_pdf(&inbox, "good.pdf", &["fine"]);
    let missing = inbox.join("no-such-folder");
    let (code, _, stderr) =
        lib.run(&["consume", good.to_str().unwrap(), missing.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(stderr.contains("no-such-folder"), "{stderr}");
    assert!(lib.documents().is_empty());
    assert!(lib.stored_files().is_empty());
}

#[test]
fn duplicates_warn_or_are_rejected() {
    let lib = Library::new();
    let inbox = lib.inbox();
    let pdf = write_pdf(&inbox, "scan.pdf", &["Same content"]);
    let copy = inbox.join("scan copy.pdf");
    std::fs::copy(&pdf, &copy).unwrap();
    lib.ok(&["consume", pdf.to_str().unwrap()]);

    let (code, _, stderr) = lib.run_env(
        &["consume", copy.to_str().unwrap()],
        &[("PD_CONSUMER_DELETE_DUPLICATES", "true")],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("duplicate of scan (#1)"), "{stderr}");
    assert!(copy.exists(), "a rejected file is left where it was");
    assert_eq!(lib.documents().len(), 1);

    let (code, _, stderr) = lib.run(&["consume", copy.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning: consuming duplicate"), "{stderr}");
    assert_eq!(lib.documents().len(), 2);
}

#[test]
fn trash_restore_and_empty() {
    let lib = Library::new();
    let inbox = lib.inbox();
    write_pdf(&inbox, "a.pdf", &["first"]);
    write_pdf(&inbox, "b.pdf", &["second"]);
    lib.ok(&["consume", inbox.to_str().unwrap()]);

    lib.ok(&["documents", "delete", "1"]);
    assert_eq!(
        lib.json(&["documents", "list"]).as_array().unwrap().len(),
        1
    );
    let trash = lib.json(&["trash", "list"]);
    assert_eq!(trash.as_array().unwrap().len(), 1);
    assert_eq!(trash[0]["id"], 1);
    assert_eq!(lib.stored_files().len(), 2, "trashing keeps the files");
    let (code, _, stderr) = lib.run(&["documents", "delete", "1"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("already in the trash"), "{stderr}");

    lib.ok(&["documents", "restore", "1"]);
    assert_eq!(
        lib.json(&["documents", "list"]).as_array().unwrap().len(),
        2
    );
    assert!(lib.documents()[0]["restored_at"].is_string());

    lib.ok(&["documents", "delete", "1"]);
    // Without a terminal, emptying needs --yes; nothing happens otherwise.
    let (code, _, stderr) = lib.run(&["trash", "empty"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(lib.stored_files().len(), 2);
    let dry = lib.json(&["trash", "empty", "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(lib.stored_files().len(), 2);

    let done = lib.json(&["trash", "empty", "--yes"]);
    assert_eq!(done["documents"][0]["id"], 1);
    assert_eq!(lib.stored_files(), ["0000002.pdf"]);
    assert_eq!(lib.documents().len(), 1);
}

#[test]
fn file_names_follow_the_format() {
    let lib = Library::new();
    let inbox = lib.inbox();
    let (code, _, stderr) = lib.run(&["storage-paths", "add", "Broken", "--path", "{{ title"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("invalid --path template"), "{stderr}");

    write_pdf(&inbox, "Letter.pdf", &["Dear customer"]);
    let (code, _, stderr) = lib.run_env(
        &["consume", inbox.to_str().unwrap()],
        &[(
            "PD_FILENAME_FORMAT",
            "{{ created_year }}/{{ correspondent }}/{{ title }}",
        )],
    );
    assert_eq!(code, 0, "{stderr}");
    // No correspondent: the `-none-` placeholder ends up as "none" in the name.
    let year = lib.documents()[0]["created"].as_str().unwrap()[..4].to_owned();
    assert_eq!(lib.stored_files(), [format!("{year}/none/Letter.pdf")]);
    assert_eq!(
        lib.documents()[0]["filename"],
        format!("{year}/none/Letter.pdf")
    );
}

#[test]
fn objects_with_match_rules() {
    let lib = Library::new();
    lib.ok(&["tags", "add", "Inbox", "--inbox", "--algorithm", "none"]);
    lib.ok(&[
        "tags",
        "add",
        "Finance",
        "--match",
        "invoice bill",
        "--algorithm",
        "any",
    ]);
    lib.ok(&[
        "tags", "add", "Taxes", "--parent", "Finance", "--color", "#ff0000",
    ]);
    lib.ok(&[
        "correspondents",
        "add",
        "ACME",
        "--match",
        "ACME Ltd",
        "--algorithm",
        "literal",
        "--case-sensitive",
    ]);
    lib.ok(&[
        "types",
        "add",
        "Invoice",
        "--match",
        "^Invoice",
        "--algorithm",
        "regex",
    ]);
    lib.ok(&[
        "storage-paths",
        "add",
        "By year",
        "--path",
        "{{ created_year }}/{{ title }}",
    ]);

    let tags = lib.json(&["tags", "list"]);
    let finance = tags
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Finance")
        .unwrap();
    assert_eq!(finance["match"], "invoice bill");
    assert_eq!(finance["matching_algorithm"], 1);
    assert_eq!(finance["is_insensitive"], true);
    let taxes = tags
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Taxes")
        .unwrap();
    assert_eq!(taxes["parent"], finance["id"]);
    assert_eq!(taxes["color"], "#ff0000");
    let acme = &lib.json(&["correspondents", "list"])[0];
    assert_eq!(acme["matching_algorithm"], 3);
    assert_eq!(acme["is_insensitive"], false);
    assert_eq!(
        lib.json(&["storage-paths", "list"])[0]["path"],
        "{{ created_year }}/{{ title }}"
    );

    let (code, _, stderr) = lib.run(&["tags", "add", "Finance"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("Finance"), "{stderr}");
    let (code, _, stderr) = lib.run(&["tags", "add", "X", "--algorithm", "sometimes"]);
    assert_eq!(code, 2, "a bad flag is a usage error");
    assert!(stderr.contains("sometimes"), "{stderr}");

    // Inbox tags go on every consumed document.
    let inbox = lib.inbox();
    write_pdf(&inbox, "x.pdf", &["hello"]);
    lib.ok(&["consume", inbox.to_str().unwrap()]);
    let inbox_id = tags
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Inbox")
        .unwrap()["id"]
        .clone();
    assert_eq!(lib.documents()[0]["tags"], Value::Array(vec![inbox_id]));

    // Removing a parent removes its children; documents stay.
    lib.ok(&["tags", "remove", "Finance"]);
    let names: Vec<_> = lib
        .json(&["tags", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, vec![Value::from("Inbox")]);
    lib.ok(&["tags", "remove", "Inbox"]);
    assert_eq!(lib.documents().len(), 1);
    assert_eq!(lib.documents()[0]["tags"], Value::Array(vec![]));
}

#[test]
fn migrate_down_to_zero_and_back() {
    let lib = Library::new();
    let status = lib.json(&["status"]);
    let latest = status["database"]["latest_migration"].as_i64().unwrap();
    assert_eq!(status["database"]["migration"].as_i64().unwrap(), latest);
    assert_eq!(status["database"]["backend"], "SQLite");

    let report = lib.json(&["migrate", "--to", "0"]);
    assert_eq!(report["to"], 0);
    let (code, _, stderr) = lib.run(&["documents", "list"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("pd init"), "{stderr}");
    let (code, _, stderr) = lib.run(&["migrate", "--to", "999"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("999"), "{stderr}");

    lib.ok(&["migrate"]);
    let listed = lib.json(&["migrate", "--list"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["applied"] == true)
    );
    assert_eq!(lib.json(&["documents", "list"]), Value::Array(vec![]));
}

#[test]
fn commands_without_a_library_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("pd").unwrap();
    let output = cmd
        .env_clear()
        .arg("--data-dir")
        .arg(dir.path().join("nothing-here"))
        .args(["documents", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pd init"));
}
