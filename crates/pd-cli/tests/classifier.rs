//! The classifier and `pd match explain` through the real `pd` binary: training,
//! skipping, rebuilding a corrupt model, auto matching at consume and retag time, and
//! every rule's verdict on a document.

mod common;

use common::{Library, consumed_ids};
use serde_json::Value;

impl Library {
    /// Consumes text files; returns the report.
    fn consume(&self, folder: &str, files: &[(String, String)]) -> Value {
        let inbox = self.folder(folder);
        for (name, text) in files {
            std::fs::write(inbox.join(name), text).unwrap();
        }
        self.json(&["consume", inbox.to_str().unwrap()])
    }

    /// Sets documents' correspondent and tags the way a user labels them in a UI.
    fn label(&self, ids: &[i64], correspondent: i64, tag: i64) {
        self.edit_documents(ids, |doc| {
            doc.correspondent = Some(correspondent);
            doc.tags = vec![tag];
        });
    }
}

/// A library with an auto correspondent and tag, a rule-based correspondent, and 24
/// documents of which the power bills are labelled. Returns (library, power, utilities,
/// clinic).
fn labelled_library() -> (Library, i64, i64, i64) {
    let lib = Library::new();
    let power = lib.add("correspondents", "Power Co", "auto", "", &[]);
    let clinic = lib.add("correspondents", "Clinic", "any", "clinic", &[]);
    let utilities = lib.add("tags", "Utilities", "auto", "", &[]);
    let files: Vec<(String, String)> = (0..24)
        .map(|i| {
            let text = if i % 2 == 0 {
                format!("Electricity bill {i}: meter reading, kwh used, power tariff")
            } else {
                format!("Dental clinic {i}: appointment reminder and invoice")
            };
            (format!("doc{i:02}.txt"), text)
        })
        .collect();
    let report = lib.consume("first", &files);
    let consumed = consumed_ids(&report);
    assert_eq!(consumed.len(), 24);
    let bills: Vec<i64> = consumed.iter().copied().step_by(2).collect();
    lib.label(&bills, power, utilities);
    (lib, power, utilities, clinic)
}

#[test]
fn classifier_train_learns_skips_and_rebuilds() {
    let lib = Library::new();
    let report = lib.json(&["classifier", "train"]);
    assert_eq!(report["trained"], false);
    assert_eq!(report["skipped"], "no object uses the auto algorithm");
    drop(lib);

    let (lib, _, _, _) = labelled_library();
    let report = lib.json(&["classifier", "train"]);
    assert_eq!(report["trained"], true, "{report}");
    assert_eq!(report["documents"], 24);
    assert_eq!(report["labels"]["correspondents"], 1);
    assert_eq!(report["labels"]["tags"], 1);
    assert_eq!(report["labels"]["document_types"], 0);
    assert!(report["seconds"].as_f64().unwrap() >= 0.0);
    let model = lib.data().join("classifier.model");
    assert!(model.is_file());

    let again = lib.json(&["classifier", "train"]);
    assert_eq!(again["trained"], false);
    assert_eq!(again["skipped"], "training data unchanged");
    let text = lib.ok(&["classifier", "train"]);
    assert!(text.contains("training data unchanged"), "{text}");
    let forced = lib.json(&["classifier", "train", "--force"]);
    assert_eq!(forced["trained"], true);

    // A damaged model is not trusted: it is replaced, with a warning.
    let mut bytes = std::fs::read(&model).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&model, &bytes).unwrap();
    let (code, stdout, stderr) = lib.run(&["classifier", "train", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let rebuilt: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rebuilt["trained"], true);
    assert!(
        rebuilt["discarded"]
            .as_str()
            .unwrap()
            .contains("checksum mismatch")
    );
    assert!(stderr.contains("corrupt classifier model"), "{stderr}");

    let help = lib.ok(&["classifier", "train", "--help"]);
    assert!(help.contains("--force") && help.contains("auto"), "{help}");
}

#[test]
fn auto_rules_match_at_consume_and_retag_and_explain_says_why() {
    let (lib, power, utilities, clinic) = labelled_library();
    lib.json(&["classifier", "train"]);

    // Consuming uses the model; the new document changes the data, so it retrains.
    let report = lib.consume(
        "second",
        &[(
            "new.txt".to_owned(),
            "Your electricity bill: kwh and meter reading".to_owned(),
        )],
    );
    let id = consumed_ids(&report)[0];
    let doc = &report["consumed"][0]["document"];
    assert_eq!(doc["correspondent"], power, "{report}");
    assert_eq!(doc["tags"], Value::from(vec![utilities]));
    assert_eq!(report["classifier"]["trained"], true, "{report}");
    assert_eq!(report["classifier"]["documents"], 25);

    let explanation = lib.json(&["match", "explain", &id.to_string()]);
    assert_eq!(explanation["document"], id);
    let rules = explanation["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 3);
    let rule = |name: &str| rules.iter().find(|r| r["name"] == name).unwrap();
    assert_eq!(rule("Power Co")["matches"], true);
    assert_eq!(rule("Power Co")["reason"]["kind"], "classifier");
    assert!(rule("Power Co")["reason"]["confidence"].as_f64().unwrap() >= 0.5);
    assert_eq!(rule("Clinic")["matches"], false);
    assert_eq!(rule("Clinic")["id"], clinic);
    assert_eq!(rule("Clinic")["note"], "none of the terms is in the text");
    assert_eq!(rule("Utilities")["field"], "tags");
    let text = lib.ok(&["match", "explain", &id.to_string()]);
    assert!(text.contains("classifier, confidence"), "{text}");
    assert!(text.contains("Clinic"), "{text}");

    // A clinic letter: the rule says why it matches, the auto rule why not.
    let letter = consumed_ids(&lib.consume(
        "third",
        &[(
            "letter.txt".to_owned(),
            "Clinic appointment moved".to_owned(),
        )],
    ))[0];
    let explanation = lib.json(&["match", "explain", &letter.to_string()]);
    let rules = explanation["rules"].as_array().unwrap();
    let rule = |name: &str| rules.iter().find(|r| r["name"] == name).unwrap();
    assert_eq!(rule("Clinic")["reason"]["kind"], "word");
    assert_eq!(rule("Clinic")["reason"]["term"], "clinic");
    assert_eq!(rule("Power Co")["matches"], false);
    assert!(
        rule("Power Co")["note"]
            .as_str()
            .unwrap()
            .starts_with("auto: classifier probability"),
        "{explanation}"
    );

    // The retagger uses the model too: here for the bill, now back in the inbox (so no
    // training document) without its correspondent.
    let inbox = lib.json(&["tags", "add", "Inbox", "--inbox", "--algorithm", "none"])["id"]
        .as_i64()
        .unwrap();
    lib.edit_documents(&[id], |doc| {
        doc.correspondent = None;
        doc.tags = vec![inbox];
    });
    let retag = lib.json(&["retag", "-c", "-i", "--dry-run"]);
    let change = retag["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("{retag}"));
    assert_eq!(change["changes"][0]["new"], "Power Co");
    assert!(
        change["changes"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("classifier, confidence"),
        "{retag}"
    );

    let (code, _, stderr) = lib.run(&["match", "explain", "999"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("not found"), "{stderr}");
}
