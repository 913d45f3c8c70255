//! pd-match's matching against expected values computed by Python's rapidfuzz, re and
//! regex (see `tests/data/generate.py`, which also says how to regenerate them).

use std::path::PathBuf;

use pd_core::{MatchRule, MatchingAlgorithm};
use pd_match::{Content, Matcher, partial_ratio};
use serde_json::Value;

fn data(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn partial_ratio_agrees_with_python_rapidfuzz() {
    let cases = data("partial_ratio.json");
    let cases = cases.as_array().unwrap();
    assert!(cases.len() > 300);
    let mut failures = Vec::new();
    for case in cases {
        let (a, b) = (case[0].as_str().unwrap(), case[1].as_str().unwrap());
        let expected = case[2].as_f64().unwrap();
        let got = partial_ratio(a, b);
        if (got - expected).abs() > 1e-9 {
            failures.push(format!(
                "partial_ratio({a:?}, {b:?}) = {got}, Python says {expected}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every rule of the paperless-ngx 3.0.5 fixture against every document of it.
#[test]
fn fixture_rules_match_as_in_python() {
    let manifest_path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/paperless-3.0.5/export-default/manifest.json");
    let Ok(text) = std::fs::read_to_string(&manifest_path) else {
        panic!("the fixture is missing: {}", manifest_path.display());
    };
    let manifest: Value = serde_json::from_str(&text).unwrap();
    let objects = manifest.as_array().unwrap();
    let mut documents: Vec<(i64, String)> = objects
        .iter()
        .filter(|o| o["model"] == "documents.document")
        .map(|o| {
            (
                o["pk"].as_i64().unwrap(),
                o["fields"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    documents.sort();
    let expected = data("fixture_matches.json");
    let mut algorithms_seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for want in expected.as_array().unwrap() {
        let object = objects
            .iter()
            .find(|o| o["model"] == want["model"] && o["pk"] == want["pk"])
            .unwrap();
        let fields = &object["fields"];
        let rule = MatchRule {
            pattern: fields["match"].as_str().unwrap().to_owned(),
            algorithm: MatchingAlgorithm::from_code(
                fields["matching_algorithm"].as_i64().unwrap() as i16
            )
            .unwrap(),
            is_insensitive: fields["is_insensitive"].as_bool().unwrap(),
        };
        algorithms_seen.insert(rule.algorithm.code());
        let matcher = Matcher::new(&rule);
        let got: Vec<i64> = documents
            .iter()
            .filter(|(_, content)| matcher.find(&Content::new(content)).is_some())
            .map(|(id, _)| *id)
            .collect();
        let want_ids: Vec<i64> = want["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        if got != want_ids {
            failures.push(format!(
                "{} {} ({:?} {:?}): pd {got:?}, Python {want_ids:?}",
                want["model"], want["name"], rule.algorithm, rule.pattern
            ));
        }
    }
    assert_eq!(
        algorithms_seen.len(),
        7,
        "the fixture has rules of every algorithm"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
