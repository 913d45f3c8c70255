//! `pd sanity` through the real binary: levels, exit codes, JSON, `--changed-only`,
//! the ignore list and `--fix`.

mod common;

use std::path::{Path, PathBuf};

use common::Library;

/// A library with two consumed text documents and the thumbnails the consumer drew.
fn library() -> Library {
    let lib = Library::new();
    let inbox = lib.inbox();
    std::fs::write(inbox.join("letter.txt"), "Dear reader,\n").unwrap();
    std::fs::write(inbox.join("bill.txt"), "Amount due: 12 EUR\n").unwrap();
    lib.ok(&["consume", inbox.to_str().unwrap()]);
    lib
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_clean_library_exits_zero() {
    let lib = library();
    let text = lib.expect(0, &["sanity"]);
    assert!(text.contains("No issues found."), "{text}");
    assert!(text.contains("2 document(s); 2 file(s) hashed"), "{text}");
    let report = lib.json(&["sanity"]);
    assert_eq!(report["mode"], "full");
    assert_eq!(report["summary"]["total_issues"], 0);
}

#[test]
fn warnings_exit_one_and_errors_exit_two() {
    let lib = library();
    write(&lib.original("stray.pdf"), b"stray");
    let text = lib.expect(1, &["sanity"]);
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("(global)"), "{text}");
    assert!(text.contains("Summary: 1 global warning."), "{text}");

    std::fs::write(lib.original("0000001.txt"), "tampered").unwrap();
    std::fs::remove_file(lib.original("0000002.txt")).unwrap();
    let text = lib.expect(2, &["sanity"]);
    assert!(text.contains("#1 bill"), "{text}");
    assert!(text.contains("original corrupt"), "{text}");
    assert!(text.contains("#2 letter"), "{text}");
    assert!(text.contains("original missing"), "{text}");
    assert!(
        text.contains("Summary: 2 documents with errors, 1 global warning."),
        "{text}"
    );
    let report = lib.expect_json(2, &["sanity"], &[]);
    let kinds: Vec<&str> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["issues"][0]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["original_checksum_mismatch", "original_missing"]);
    assert_eq!(report["global"][0]["kind"], "orphaned_file");
    assert_eq!(report["documents"][0]["issues"][0]["level"], "error");
}

#[test]
fn trashed_documents_are_checked_too() {
    let lib = library();
    lib.expect(0, &["documents", "delete", "1"]);
    std::fs::remove_file(lib.original("0000001.txt")).unwrap();
    let report = lib.expect_json(2, &["sanity"], &[]);
    assert_eq!(report["documents"][0]["id"], 1);
    assert_eq!(report["documents"][0]["trashed"], true);
}

#[test]
fn the_ignore_list_is_configurable() {
    let lib = library();
    write(&lib.original("._0000001.txt"), b"mac clutter");
    lib.expect(0, &["sanity"]);
    write(&lib.media().join("scratch/a.tmp"), b"x");
    lib.expect(1, &["sanity"]);
    lib.expect_env(0, &["sanity"], &[("PD_SANITY_IGNORE", "._*,*.tmp")]);
    std::fs::write(
        lib.data().join("pd.toml"),
        "sanity_ignore = [\"scratch/*\", \"._*\"]\n",
    )
    .unwrap();
    lib.expect(0, &["sanity"]);
    let (code, _, stderr) = lib.run_env(&["sanity"], &[("PD_SANITY_IGNORE", "[oops")]);
    assert_eq!(code, 1);
    assert!(stderr.contains("[oops"), "{stderr}");
}

#[test]
fn changed_only_says_what_it_did() {
    let lib = library();
    let first = lib.json(&["sanity", "--changed-only"]);
    assert_eq!(first["mode"], "full");
    let second = lib.json(&["sanity", "--changed-only"]);
    assert_eq!(second["mode"], "changed_only");
    assert_eq!(second["files_hashed"], 0);
    assert_eq!(second["files_unchanged"], 2);
    let text = lib.expect(0, &["sanity", "--changed-only", "--threads", "1"]);
    assert!(text.contains("changed files only"), "{text}");
    let due = lib.json(&["sanity", "--changed-only", "--full-every", "0"]);
    assert_eq!(due["mode"], "full");
}

#[test]
fn fix_lists_first_and_applies_on_request() {
    let lib = library();
    let stray = lib.original("old/stray.pdf");
    write(&stray, b"stray");
    let thumbnail = lib.thumbnail(2);
    let drawn = std::fs::read(&thumbnail).unwrap();
    std::fs::remove_file(&thumbnail).unwrap();
    let text = lib.expect(2, &["sanity", "--fix"]);
    assert!(text.contains("would do"), "{text}");
    assert!(text.contains("render the thumbnail again"), "{text}");
    assert!(!text.contains("not yet possible"), "{text}");
    assert!(text.contains("add --apply"), "{text}");
    assert!(stray.exists());
    assert!(!thumbnail.exists());

    let both = lib.expect_json(2, &["sanity", "--fix", "--apply"], &[]);
    assert_eq!(both["fix"]["applied"], true);
    let quarantine = PathBuf::from(both["fix"]["quarantine_dir"].as_str().unwrap());
    assert!(quarantine.starts_with(lib.data().join("quarantine")));
    assert_eq!(
        std::fs::read(quarantine.join("documents/originals/old/stray.pdf")).unwrap(),
        b"stray"
    );
    assert!(!stray.exists());
    let outcomes: Vec<(&str, &str)> = both["fix"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["kind"].as_str().unwrap(), a["outcome"].as_str().unwrap()))
        .collect();
    assert!(
        outcomes.contains(&("regenerate_thumbnail", "done")),
        "{outcomes:?}"
    );
    // The thumbnail is drawn again, the same as the consumer drew it; all is clean.
    assert_eq!(std::fs::read(&thumbnail).unwrap(), drawn);
    let after = lib.json(&["sanity"]);
    assert_eq!(after["summary"]["total_issues"], 0);

    let (code, _, stderr) = lib.run(&["sanity", "--apply"]);
    assert_eq!(code, 2, "--apply needs --fix: {stderr}");
}
