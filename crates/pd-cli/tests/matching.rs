//! Match rules through the real `pd` binary: what consuming applies, and `pd retag`.

mod common;

use std::collections::BTreeMap;

use common::{Library, consumed_ids};
use serde_json::Value;

impl Library {
    /// Consumes text files with these names and contents; returns their document ids.
    fn consume(&self, files: &[(&str, &str)]) -> Vec<i64> {
        let inbox = self.folder(&format!("inbox-{}", files[0].0));
        for (name, text) in files {
            std::fs::write(inbox.join(name), text).unwrap();
        }
        consumed_ids(&self.json(&["consume", inbox.to_str().unwrap()]))
    }

    fn document(&self, id: i64) -> Value {
        self.json(&["documents", "show", &id.to_string()])["document"].clone()
    }

    /// Every document's (correspondent, type, storage path, tags), by id.
    fn snapshot(&self) -> BTreeMap<i64, (Value, Value, Value, Value)> {
        self.json(&["documents", "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["id"].as_i64().unwrap(),
                    (
                        d["correspondent"].clone(),
                        d["document_type"].clone(),
                        d["storage_path"].clone(),
                        d["tags"].clone(),
                    ),
                )
            })
            .collect()
    }
}

fn ids(values: &[i64]) -> Value {
    Value::from(values.to_vec())
}

#[test]
fn consuming_applies_the_rules() {
    let lib = Library::new();
    let inbox = lib.add("tags", "Inbox", "none", "", &["--inbox"]);
    let finance = lib.add("tags", "Finance", "none", "", &[]);
    let invoice_tag = lib.add(
        "tags",
        "Invoices",
        "any",
        "invoice bill",
        &["--parent", "Finance"],
    );
    let _unrelated = lib.add("tags", "Zebra", "any", "zebra", &[]);
    let paid = lib.add("tags", "Paid", "literal", "paid in full", &[]);
    // Two correspondents match: the first by name wins.
    let beta = lib.add("correspondents", "Beta Ltd", "fuzzy", "Acme Ltd.", &[]);
    let _alpha_missing = lib.add("correspondents", "Aardvark", "regex", r"^Aardvark", &[]);
    let alpha = lib.add("correspondents", "Alpha", "all", "acme \"ltd\"", &[]);
    let receipt = lib.add("types", "Receipt", "regex", r"receipt\s+no\.?\s*\d+", &[]);
    let bills = lib.add(
        "storage-paths",
        "Bills",
        "any",
        "invoice",
        &["--path", "bills/{{ correspondent }}/{{ title }}"],
    );

    let id = lib.consume(&[(
        "scan.txt",
        "ACME Ltd\nInvoice for receipt no. 42\nPaid  in full? No: paid in full.\n",
    )])[0];
    let doc = lib.document(id);
    assert_eq!(doc["correspondent"], alpha, "{doc}");
    assert_ne!(doc["correspondent"], beta);
    assert_eq!(doc["document_type"], receipt);
    assert_eq!(doc["storage_path"], bills);
    assert_eq!(doc["tags"], ids(&[inbox, finance, invoice_tag, paid]));
    // The storage path's template named the stored file.
    assert_eq!(doc["filename"], "bills/Alpha/scan.txt");

    // Nothing matches: only the inbox tag.
    let id = lib.consume(&[("other.txt", "A letter about nothing.\n")])[0];
    let doc = lib.document(id);
    assert_eq!(doc["tags"], ids(&[inbox]));
    assert_eq!(doc["correspondent"], Value::Null);
    assert_eq!(doc["storage_path"], Value::Null);
}

#[test]
fn invalid_regex_rules_warn_and_never_match() {
    let lib = Library::new();
    lib.add("tags", "Broken", "regex", "[unclosed", &[]);
    let inbox = lib.folder("in");
    std::fs::write(inbox.join("a.txt"), "[unclosed bracket").unwrap();
    let (code, _, stderr) = lib.run(&["consume", inbox.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Broken") && stderr.contains("regular expression"),
        "{stderr}"
    );
    assert_eq!(lib.document(1)["tags"], ids(&[]));
    let (code, _, stderr) = lib.run(&["retag", "-T"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("Broken"), "{stderr}");
}

#[test]
fn retag_applies_rules_added_later() {
    let lib = Library::new();
    let docs = lib.consume(&[
        ("a.txt", "Invoice from ACME, total due 10 EUR"),
        ("b.txt", "Contract with Globex"),
        ("c.txt", "Nothing to see"),
    ]);
    let acme = lib.add("correspondents", "ACME", "any", "acme", &[]);
    let invoice = lib.add("types", "Invoice", "literal", "total due", &[]);
    let money = lib.add("tags", "Money", "any", "eur usd", &[]);
    let path = lib.add(
        "storage-paths",
        "Contracts",
        "all",
        "contract globex",
        &["--path", "c/{{ title }}"],
    );

    // No targets: nothing happens.
    let out = lib.ok(&["retag"]);
    assert!(out.contains("No targets"), "{out}");

    // A dry run reports every change and changes nothing.
    let before = lib.snapshot();
    let report = lib.json(&["retag", "-c", "-T", "-t", "-s", "--dry-run"]);
    assert_eq!(lib.snapshot(), before);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["documents_processed"], 3);
    assert_eq!(report["documents_changed"], 2);
    assert_eq!(report["correspondents_set"], 1);
    assert_eq!(report["document_types_set"], 1);
    assert_eq!(report["storage_paths_set"], 1);
    assert_eq!(report["tags_added"], 1);
    let first = &report["documents"][0];
    assert_eq!(first["id"], docs[0]);
    let change = &first["changes"][0];
    assert_eq!(change["field"], "correspondent");
    assert_eq!(change["old"], Value::Null);
    assert_eq!(change["new"], "ACME");
    assert!(
        change["reason"].as_str().unwrap().contains("acme"),
        "{change}"
    );
    let text = lib.ok(&["retag", "-c", "-T", "-t", "-s", "--dry-run"]);
    assert!(
        text.contains("- → ACME") && text.contains("would be changed"),
        "{text}"
    );

    // The real run does exactly that.
    let real = lib.json(&["retag", "-c", "-T", "-t", "-s"]);
    assert_eq!(real["documents"], report["documents"]);
    let a = lib.document(docs[0]);
    assert_eq!(
        (&a["correspondent"], &a["document_type"], &a["tags"]),
        (&Value::from(acme), &Value::from(invoice), &ids(&[money]))
    );
    assert_eq!(lib.document(docs[1])["storage_path"], path);
    // Running again changes nothing.
    assert_eq!(
        lib.json(&["retag", "-c", "-T", "-t", "-s"])["documents_changed"],
        0
    );
}

#[test]
fn retag_use_first_id_range_and_inbox_only() {
    let lib = Library::new();
    let docs = lib.consume(&[
        ("1.txt", "alpha beta"),
        ("2.txt", "alpha beta"),
        ("3.txt", "alpha beta"),
    ]);
    let beta = lib.add("correspondents", "Beta", "any", "beta", &[]);
    let _alpha = lib.add("correspondents", "Alpha", "any", "alpha", &[]);
    let alpha_id = lib.json(&["correspondents", "list"])[0]["id"].clone();
    assert_ne!(alpha_id, beta);

    // Two match: without --use-first nothing is assigned, with a note.
    let report = lib.json(&["retag", "-c"]);
    assert_eq!(report["documents_changed"], 0);
    assert_eq!(report["correspondents_set"], 0);
    let note = report["documents"][0]["notes"][0].as_str().unwrap();
    assert!(
        note.contains("2 correspondents match (Alpha, Beta)"),
        "{note}"
    );

    // --use-first takes the first by name; --id-range limits it (inclusive).
    let lo = docs[1].to_string();
    let report = lib.json(&["retag", "-c", "--use-first", "--id-range", &lo, &lo]);
    assert_eq!(report["documents_processed"], 1);
    assert_eq!(lib.document(docs[1])["correspondent"], alpha_id);
    assert_eq!(lib.document(docs[0])["correspondent"], Value::Null);

    let (code, _, stderr) = lib.run(&["retag", "-c", "--id-range", "1"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = lib.run(&["retag", "-c", "--id-range", "1", "x"]);
    assert_eq!(code, 2, "{stderr}");

    // -i: only documents with an inbox tag (none has one yet: they came before it).
    lib.add("tags", "Inbox", "none", "", &["--inbox"]);
    let report = lib.json(&["retag", "-c", "--use-first", "-i"]);
    assert_eq!(report["documents_processed"], 0);
    let new = lib.consume(&[("4.txt", "beta only")])[0];
    assert_eq!(
        lib.document(new)["correspondent"],
        beta,
        "consuming took the match"
    );
    let report = lib.json(&["retag", "-c", "--use-first", "-i", "-f"]);
    assert_eq!(report["documents_processed"], 1);
}

#[test]
fn overwrite_replaces_values_and_removes_only_managed_tags() {
    let lib = Library::new();
    let inbox = lib.add("tags", "Inbox", "none", "", &["--inbox"]);
    let manual = lib.add("tags", "Manual", "any", "", &[]);
    let stale = lib.add("tags", "Stale", "any", "zebra", &[]);
    let auto = lib.add("tags", "Auto", "auto", "", &[]);
    let leftover = lib.add("tags", "Leftover", "none", "zebra", &[]);
    let kept = lib.add("tags", "Kept", "any", "lion", &[]);
    let old = lib.add("correspondents", "Old", "any", "zebra", &[]);
    let id = lib.consume(&[("z.txt", "zebra and lion")])[0];
    assert_eq!(lib.document(id)["tags"], ids(&[inbox, stale, kept]));
    assert_eq!(lib.document(id)["correspondent"], old);

    // Change the library so the old rules no longer match: rewrite the file's text in
    // the database, and give the document the manual, auto and leftover tags.
    lib.edit_documents(&[id], |doc| {
        doc.content = "lion and tiger".into();
        doc.tags.extend([manual, auto, leftover]);
    });
    let new = lib.add("correspondents", "New", "any", "tiger", &[]);

    // Without -f nothing is removed and the correspondent stays.
    let report = lib.json(&["retag", "-c", "-T"]);
    assert_eq!(report["documents_changed"], 0);

    let report = lib.json(&["retag", "-c", "-T", "-f", "--dry-run"]);
    let changes = &report["documents"][0]["changes"];
    let removed: Vec<&str> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["field"] == "tags" && c["new"].is_null())
        .map(|c| c["old"].as_str().unwrap())
        .collect();
    assert_eq!(removed, ["Stale", "Auto", "Leftover"]);
    assert_eq!(report["tags_removed"], 3);
    assert_eq!(changes[0]["old"], "Old");
    assert_eq!(changes[0]["new"], "New");

    lib.ok(&["retag", "-c", "-T", "-f"]);
    let doc = lib.document(id);
    assert_eq!(doc["tags"], ids(&[inbox, manual, kept]));
    assert_eq!(doc["correspondent"], new);

    // -f with nothing matching clears the value.
    lib.ok(&["correspondents", "remove", "New"]);
    lib.edit_documents(&[id], |doc| {
        doc.correspondent = Some(old);
        doc.content = "nothing".into();
    });
    let report = lib.json(&["retag", "-c", "-f"]);
    assert_eq!(report["correspondents_set"], 0);
    assert_eq!(report["documents"][0]["changes"][0]["new"], Value::Null);
    assert_eq!(lib.document(id)["correspondent"], Value::Null);
}
