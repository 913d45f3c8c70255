//! `pd search` and `pd index`: consumed text files found, more like this, the index
//! following deletes and restores, malformed queries as usage errors.

mod common;

use common::{Library, consumed_ids};
use serde_json::Value;

fn library() -> (Library, Vec<i64>) {
    let lib = Library::new();
    let inbox = lib.inbox();
    let files = [
        (
            "electricity-bill.txt",
            "Your electricity invoice for March. Amount due: 120 EUR.",
        ),
        (
            "water-invoice.txt",
            "Water invoice for 2022. Amount due: 40 EUR. Invoice number 7.",
        ),
        (
            "holiday-letter.txt",
            "Dear Anna, the holiday in the Müller cabin was lovely.",
        ),
    ];
    for (name, text) in files {
        std::fs::write(inbox.join(name), text).unwrap();
    }
    let report = lib.json(&["consume", inbox.to_str().unwrap()]);
    let ids = consumed_ids(&report);
    assert_eq!(ids.len(), 3);
    (lib, ids)
}

fn hit_ids(report: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = report["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

fn id_of(lib: &Library, title: &str) -> i64 {
    let report = lib.json(&["search", &format!("title:\"{title}\"")]);
    report["hits"][0]["id"].as_i64().unwrap()
}

#[test]
fn consumed_documents_are_found_ranked_and_highlighted() {
    let (lib, _) = library();
    let water = id_of(&lib, "water invoice");
    let bill = id_of(&lib, "electricity bill");
    let report = lib.json(&["search", "invoice"]);
    assert_eq!(report["total"], 2);
    assert_eq!(report["hits"][0]["id"], water, "more mentions rank first");
    assert_eq!(report["hits"][0]["score"], 1.0);
    assert_eq!(hit_ids(&lib.json(&["search", "muller"])).len(), 1);
    assert_eq!(
        hit_ids(&lib.json(&["search", "\"amount due\" -water"])),
        [bill]
    );
    let page = lib.json(&["search", "invoice", "--page", "2", "--page-size", "1"]);
    assert_eq!(
        (page["total"].as_i64(), hit_ids(&page)),
        (Some(2), vec![bill])
    );
    let text = lib.ok(&["search", "electricity"]);
    assert!(text.contains("*electricity*"), "{text}");
    assert!(text.contains("1 document(s) found"), "{text}");
    // More like this: the other invoice, not the document itself.
    let like = lib.json(&["search", "--like", &water.to_string()]);
    assert_eq!(like["hits"][0]["id"], bill);
}

#[test]
fn the_index_follows_delete_and_restore() {
    let (lib, _) = library();
    let water = id_of(&lib, "water invoice");
    lib.ok(&["documents", "delete", &water.to_string()]);
    let (code, stdout, stderr) = lib.run(&["search", "invoice", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("rebuilt"),
        "kept current, not rebuilt: {stderr}"
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert!(!hit_ids(&report).contains(&water));
    lib.ok(&["documents", "restore", &water.to_string()]);
    assert!(hit_ids(&lib.json(&["search", "invoice"])).contains(&water));
}

#[test]
fn malformed_queries_are_usage_errors() {
    let (lib, _) = library();
    let (code, stdout, stderr) = lib.run(&["search", "title:(bill"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("never closed"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let (code, _, stderr) = lib.run(&["search", "created:soonish"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("invalid date value \"soonish\""),
        "{stderr}"
    );
    let (code, _, stderr) = lib.run(&["search", "--like", "999"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("999"), "{stderr}");
}

#[test]
fn reindex_and_optimize() {
    let (lib, _) = library();
    let report = lib.json(&["index", "reindex", "--batch-size", "1"]);
    assert_eq!(
        (report["indexed"].as_i64(), report["documents"].as_i64()),
        (Some(3), Some(3))
    );
    let optimized = lib.json(&["index", "optimize"]);
    assert!(
        optimized["segments_before"].as_i64().unwrap() >= 2,
        "{optimized}"
    );
    assert_eq!(optimized["segments_after"], 1);
    assert_eq!(lib.json(&["search", "invoice"])["total"], 2);
}

#[test]
fn consuming_several_files_brings_a_current_index_up_to_date() {
    let lib = Library::new();
    lib.ok(&["index", "reindex"]);
    let inbox = lib.inbox();
    std::fs::write(inbox.join("a.txt"), "The gas invoice for April.").unwrap();
    std::fs::write(inbox.join("b.txt"), "The gas meter was read in May.").unwrap();
    let ids = consumed_ids(&lib.json(&["consume", inbox.to_str().unwrap()]));
    assert_eq!(ids.len(), 2);
    let (code, stdout, stderr) = lib.run(&["search", "--json", "gas"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        !stderr.contains("rebuilt"),
        "consume left the index stale: {stderr}"
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let mut found: Vec<i64> = report["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    found.sort();
    assert_eq!(found, ids);
}
