//! The fuzzy duplicate search against paperless-ngx's own results and against brute force.

use std::path::PathBuf;

use pd_match::duplicates::{
    DuplicateDocument, DuplicateOptions, PreparedText, all_pairs, default_process, find_duplicates,
    ratio, similar_pairs,
};
use proptest::prelude::*;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/paperless-3.0.5")
}

/// The documents of the fixture export, straight from its manifest.
fn fixture_documents() -> Vec<DuplicateDocument> {
    let path = fixture_dir().join("export-default/manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    manifest
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["model"] == "documents.document")
        .filter(|o| o["fields"]["deleted_at"].is_null())
        .map(|o| {
            let f = &o["fields"];
            DuplicateDocument {
                id: o["pk"].as_i64().unwrap(),
                title: f["title"].as_str().unwrap().to_owned(),
                content: f["content"].as_str().unwrap().to_owned(),
                checksum: f["checksum"].as_str().unwrap().to_owned(),
                added: pd_core::now(),
                size: None,
            }
        })
        .collect()
}

/// `(pk_a, pk_b, ratio)` rows of the TSV paperless-ngx's `document_fuzzy_match` wrote.
fn expected_pairs() -> Vec<(i64, i64, f64)> {
    let text = std::fs::read_to_string(fixture_dir().join("fuzzy-match-ratio-85.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (a, b, r) = (col("pk_a"), col("pk_b"), col("ratio"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            (
                cells[a].parse().unwrap(),
                cells[b].parse().unwrap(),
                cells[r].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn duplicates_of_the_fixture_library_are_paperless_ngx_s() {
    let docs = fixture_documents();
    assert_eq!(docs.len(), 30);
    let report = find_duplicates(&docs, &DuplicateOptions::default()).unwrap();
    let found: Vec<(i64, i64, f64)> = report
        .pairs
        .iter()
        .map(|p| (p.a.id, p.b.id, p.ratio))
        .collect();
    let expected = expected_pairs();
    assert_eq!(found.len(), expected.len(), "{found:?}");
    for (f, e) in found.iter().zip(&expected) {
        assert_eq!((f.0, f.1), (e.0, e.1), "{found:?}");
        assert!((f.2 - e.2).abs() <= 1e-9 * e.2, "{f:?} vs {e:?}");
    }
    // The planted exact copy (same content, other file) is not a checksum duplicate.
    assert!(report.exact_duplicates.is_empty());
    assert!(report.skipped_empty.is_empty());
    // The length and histogram bounds left only a fraction of the 435 pairs to score.
    assert_eq!(report.stats.pairs, 435);
    assert!(
        report.stats.verified < report.stats.pairs,
        "{:?}",
        report.stats
    );
}

#[test]
fn duplicates_of_the_fixture_library_at_every_ratio_match_brute_force() {
    let texts: Vec<PreparedText> = fixture_documents()
        .iter()
        .map(|d| PreparedText::new(default_process(&d.content)))
        .collect();
    for r in [40.0, 70.0, 85.0, 97.5] {
        let (pruned, _) = similar_pairs(&texts, r, &|_| {});
        assert_eq!(pruned, all_pairs(&texts, r), "ratio {r}");
    }
}

/// Indel ratio by the textbook LCS table, to check the bit-parallel scorer.
fn naive_ratio(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 100.0;
    }
    let mut row = vec![0usize; b.len() + 1];
    for &x in a {
        let mut diag = 0;
        for (j, &y) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = if x == y {
                diag + 1
            } else {
                row[j + 1].max(row[j])
            };
            diag = up;
        }
    }
    let lcs = row[b.len()];
    let total = a.len() + b.len();
    100.0 * (1.0 - (total - 2 * lcs) as f64 / total as f64)
}

/// Texts that are often near each other: variations of a few seeds, plus Unicode,
/// punctuation, empty and long ones.
fn corpus() -> impl Strategy<Value = Vec<String>> {
    let piece = prop_oneof![
        4 => "[a-e ]{0,40}",
        2 => "[A-Za-z0-9 .,;:!?\\-\\n\\t]{0,60}",
        1 => "\\PC{0,30}",
        1 => "[äöüßÄÖÜİΣσς½²٣Ⅻ①Ⓐ\u{301}\u{a0}\u{2003}_ x]{0,25}",
        1 => Just(String::new()),
        1 => "[!?.,;: ]{0,10}",
        1 => "[ab ]{300,700}",
    ];
    (prop::collection::vec(piece, 1..4), 2..12usize, any::<u64>()).prop_map(|(seeds, n, salt)| {
        (0..n)
            .map(|i| {
                let seed = &seeds[i % seeds.len()];
                let mut chars: Vec<char> = seed.chars().collect();
                // Deterministic small edits so that pairs land near every threshold.
                let mut x = salt.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                for _ in 0..(i % 5) {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let pos = (x >> 33) as usize % (chars.len() + 1);
                    match (x >> 20) % 3 {
                        0 => chars.insert(pos, 'x'),
                        1 if pos < chars.len() => {
                            chars.remove(pos);
                        }
                        _ => chars.insert(pos, ' '),
                    }
                }
                chars.into_iter().collect()
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn duplicates_pruned_search_equals_all_pairs(contents in corpus()) {
        let texts: Vec<PreparedText> = contents
            .iter()
            .map(|c| PreparedText::new(default_process(c)))
            .collect();
        for r in [0.0, 25.0, 50.0, 66.6, 80.0, 85.0, 90.0, 95.0, 99.0, 100.0] {
            let (pruned, stats) = similar_pairs(&texts, r, &|_| {});
            prop_assert_eq!(&pruned, &all_pairs(&texts, r), "ratio {}", r);
            prop_assert_eq!(stats.matches as usize, pruned.len());
        }
    }

    #[test]
    fn duplicates_scores_are_indel_ratios(a in "\\PC{0,80}", b in "\\PC{0,80}") {
        let (a, b) = (default_process(&a), default_process(&b));
        let expected = naive_ratio(&a, &b);
        prop_assert!((ratio(&a, &b) - expected).abs() < 1e-9, "{} vs {}", ratio(&a, &b), expected);
    }
}

/// Hundreds of texts from a few templates with small edits: the search takes its texts in
/// blocks and their candidates in tiles of more than a hundred, and still finds exactly
/// the pairs of the all-pairs scoring.
#[test]
fn duplicates_pruned_search_over_many_blocks_equals_all_pairs() {
    let templates = [
        "invoice number for the period amount due within thirty days thank you",
        "dear customer we confirm the change of your contract from next month",
        "letter regarding your account balance please find the statement enclosed",
        "reminder the payment for the invoice is overdue please transfer the amount",
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let contents: Vec<String> = (0..520)
        .map(|i| {
            let mut chars: Vec<char> = templates[i % templates.len()]
                .repeat(1 + i % 3)
                .chars()
                .collect();
            for _ in 0..next() % 40 {
                let pos = next() as usize % (chars.len() + 1);
                match next() % 3 {
                    0 => chars.insert(pos, char::from(b'a' + (next() % 26) as u8)),
                    1 if pos < chars.len() => {
                        chars.remove(pos);
                    }
                    _ => chars.insert(pos, char::from(b'0' + (next() % 10) as u8)),
                }
            }
            chars.into_iter().collect()
        })
        .collect();
    let texts: Vec<PreparedText> = contents
        .iter()
        .map(|c| PreparedText::new(default_process(c)))
        .collect();
    for r in [70.0, 85.0] {
        let (pruned, stats) = similar_pairs(&texts, r, &|_| {});
        assert_eq!(pruned, all_pairs(&texts, r), "ratio {r}");
        // Not a vacuous comparison: many pairs found, and many ruled out by the classes.
        assert!(pruned.len() > 1000, "{} pairs at {r}", pruned.len());
        assert!(stats.verified < stats.class_checked, "{stats:?}");
    }
}
