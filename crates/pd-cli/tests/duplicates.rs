//! `pd duplicates` on real libraries: pairs, exact duplicates, ignored pairs, and
//! `--delete` moving documents to the trash without following chains.

mod common;

use common::Library;
use serde_json::Value;

impl Library {
    /// Consumes one text file per content, in order (ids 1, 2, …).
    fn consume(&self, contents: &[&str]) {
        let inbox = self.inbox();
        for (i, content) in contents.iter().enumerate() {
            let path = inbox.join(format!("doc{}.txt", i + 1));
            std::fs::write(&path, content).unwrap();
            self.ok(&["consume", path.to_str().unwrap()]);
        }
    }

    /// Ids of the documents in the trash.
    fn trashed(&self) -> Vec<i64> {
        self.json(&["trash", "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect()
    }
}

fn pairs(report: &Value) -> Vec<(i64, i64)> {
    report["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["a"]["id"].as_i64().unwrap(),
                p["b"]["id"].as_i64().unwrap(),
            )
        })
        .collect()
}

const BOB: &str = "First document, scanned by Bob.\n";
const ALICE: &str = "First document, scanned by Alice.\n";
const OTHER: &str = "An invoice for three boxes of paper clips.\n";

/// A~B and B~C above 85, A and C below: a chain.
const CHAIN_A: &str =
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike";
const CHAIN_B: &str =
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet xray yankee zulu";
const CHAIN_C: &str =
    "alpha bravo charlie delta quebec romeo golf hotel india juliet xray yankee zulu";

#[test]
fn duplicates_reports_pairs_exact_copies_and_skips_empty_content() {
    let lib = Library::new();
    lib.consume(&[BOB, ALICE, OTHER, " \n\t", BOB]);
    let report = lib.json(&["duplicates"]);
    // As paperless-ngx: highest ratio first, ties by id; the empty document is skipped.
    assert_eq!(pairs(&report), [(1, 5), (1, 2), (2, 5)]);
    assert_eq!(report["pairs"][0]["ratio"], 100.0);
    let r = report["pairs"][1]["ratio"].as_f64().unwrap();
    // "first document  scanned by bob" vs "… alice": 2·27 / 62.
    assert!((r - 87.096_774_193).abs() < 1e-6, "{r}");
    assert_eq!(report["skipped_empty"], serde_json::json!([4]));
    let exact = report["exact_duplicates"].as_array().unwrap();
    assert_eq!(exact.len(), 1);
    assert_eq!(exact[0]["documents"][0]["id"], 1);
    assert_eq!(exact[0]["documents"][1]["id"], 5);
    assert_eq!(report["stats"]["documents"], 4);

    let text = lib.ok(&["duplicates"]);
    assert!(text.contains("Found 3 matching pair(s)."), "{text}");
    assert!(text.contains("#1 doc1"), "{text}");
    assert!(text.contains("87.1%"), "{text}");
    assert!(text.contains("Exact duplicates"), "{text}");

    assert!(pairs(&lib.json(&["duplicates", "--ratio", "90"])).len() == 1);
    let none = lib.ok(&["duplicates", "--ratio", "100", "--processes", "1"]);
    assert!(none.contains("Found 1 matching pair(s)."), "{none}");
}

#[test]
fn duplicates_ratio_and_processes_are_checked() {
    let lib = Library::new();
    for bad in ["101", "-1", "lots"] {
        let (code, _, stderr) = lib.run(&["duplicates", "--ratio", bad]);
        assert_eq!(code, 2, "{bad}: {stderr}");
        assert!(
            stderr.contains("the ratio must be between 0 and 100"),
            "{stderr}"
        );
    }
    let (code, _, stderr) = lib.run(&["duplicates", "--processes", "0"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = lib.run(&["duplicates", "--yes"]);
    assert_eq!(code, 2, "--yes without --delete: {stderr}");
    let text = lib.ok(&["duplicates", "--ratio", "0"]);
    assert!(text.contains("No duplicate documents found."), "{text}");
    for help in [
        &["duplicates", "--help"][..],
        &["duplicates", "ignore", "--help"],
    ] {
        assert!(lib.ok(help).contains("Usage: pd"));
    }
}

#[test]
fn duplicates_delete_asks_and_without_a_terminal_deletes_nothing() {
    let lib = Library::new();
    lib.consume(&[BOB, ALICE, OTHER]);
    let (code, stdout, stderr) = lib.run(&["duplicates", "--delete"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("nothing deleted: confirm on a terminal or pass --yes"),
        "{stderr}"
    );
    assert!(
        stdout.contains("Would move 1 document(s) to the trash"),
        "{stdout}"
    );
    assert!(lib.trashed().is_empty());

    let dry = lib.json(&["duplicates", "--delete", "--dry-run"]);
    assert_eq!(dry["trashed"], serde_json::json!([]));
    assert!(lib.trashed().is_empty());
}

#[test]
fn duplicates_delete_yes_moves_to_the_trash_restorably() {
    let lib = Library::new();
    lib.consume(&[BOB, OTHER, ALICE, BOB]);
    let report = lib.json(&["duplicates", "--delete", "--yes"]);
    assert_eq!(report["trashed"], serde_json::json!([3, 4]));
    assert_eq!(lib.trashed(), [3, 4]);
    // Files stay until the trash is emptied; documents come back.
    assert_eq!(std::fs::read_dir(lib.originals()).unwrap().count(), 4);
    lib.ok(&["documents", "restore", "3", "4"]);
    assert!(lib.trashed().is_empty());

    // Keep the newest instead: 4 stays, its near-duplicates 1 and 3 go.
    let text = lib.ok(&["duplicates", "--delete", "--yes", "--keep", "newest"]);
    assert!(text.contains("Moved 2 document(s) to the trash"), "{text}");
    assert_eq!(lib.trashed(), [1, 3]);
    // Nothing left to delete: a second run changes nothing.
    let again = lib.json(&["duplicates", "--delete", "--yes"]);
    assert_eq!(again["trashed"], serde_json::json!([]));
    assert!(again["pairs"].as_array().unwrap().is_empty());
}

#[test]
fn duplicates_delete_never_follows_a_chain() {
    let lib = Library::new();
    lib.consume(&[CHAIN_A, CHAIN_B, CHAIN_C]);
    let report = lib.json(&["duplicates"]);
    // B is like A (85.9) and like C (91.1); A and C are not alike (76.9).
    assert_eq!(pairs(&report), [(2, 3), (1, 2)], "{report:#}");
    let cluster = &report["clusters"][0];
    assert_eq!(cluster["documents"], serde_json::json!([1, 2, 3]));
    assert_eq!(cluster["keep"], serde_json::json!([1, 3]));
    // paperless-ngx would delete B and C (each pair's second document); pd deletes B only,
    // since C is like no document that stays.
    let deleted = lib.json(&["duplicates", "--delete", "--yes"]);
    assert_eq!(deleted["trashed"], serde_json::json!([2]));
    assert_eq!(lib.trashed(), [2]);
    // With B gone, A and C are no pair.
    assert!(pairs(&lib.json(&["duplicates"])).is_empty());
}

#[test]
fn duplicates_ignored_pairs_are_left_out() {
    let lib = Library::new();
    lib.consume(&[BOB, ALICE, OTHER]);
    let text = lib.ok(&["duplicates", "ignore", "2", "1"]);
    assert!(text.contains("not duplicates"), "{text}");
    let again = lib.json(&["duplicates", "ignore", "1", "2"]);
    assert_eq!(again["new"], false);
    let report = lib.json(&["duplicates"]);
    assert!(pairs(&report).is_empty());
    assert_eq!(report["ignored_pairs"], 1);
    let (code, _, stderr) = lib.run(&["duplicates", "ignore", "1", "1"]);
    assert_eq!(code, 1, "{stderr}");
    let (code, _, stderr) = lib.run(&["duplicates", "ignore", "1", "99"]);
    assert_eq!(code, 1, "{stderr}");
    lib.ok(&["duplicates", "unignore", "1", "2"]);
    assert_eq!(pairs(&lib.json(&["duplicates"])), [(1, 2)]);
}
