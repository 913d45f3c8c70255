//! Trains pd's classifier on the training part of a labelled corpus and scores it on
//! the held-out part; prints one JSON object (used by `cargo xtask bench classifier`).
//!
//! usage: classifier_eval CORPUS.json [MIN_CONFIDENCE]
//!
//! The corpus is `[{"id", "content", "correspondent", "document_type", "storage_path",
//! "tags", "test"}, …]` with `null` for no label and `test: true` for held-out documents.

use std::time::Instant;

use pd_match::classifier::{Classifier, DEFAULT_MIN_CONFIDENCE, TrainingDocument};
use serde_json::{Value, json};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: classifier_eval CORPUS.json [MIN_CONFIDENCE]");
        std::process::exit(2);
    };
    let min_confidence = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_MIN_CONFIDENCE);
    let text = std::fs::read_to_string(path).expect("readable corpus");
    let corpus: Vec<Value> = serde_json::from_str(&text).expect("a JSON corpus");
    drop(text);
    let label = |v: &Value| v.as_i64();
    let doc = |v: &Value| TrainingDocument {
        id: v["id"].as_i64().unwrap_or_default(),
        content: v["content"].as_str().unwrap_or_default().to_owned(),
        correspondent: label(&v["correspondent"]),
        document_type: label(&v["document_type"]),
        storage_path: label(&v["storage_path"]),
        tags: v["tags"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default(),
    };
    let (test, train): (Vec<&Value>, Vec<&Value>) = corpus
        .iter()
        .partition(|v| v["test"].as_bool() == Some(true));
    let train: Vec<TrainingDocument> = train.into_iter().map(doc).collect();
    let test: Vec<TrainingDocument> = test.into_iter().map(doc).collect();
    drop(corpus);
    let rss_before = peak_rss_kb();

    let start = Instant::now();
    let model = Classifier::train(&train, String::new()).with_min_confidence(min_confidence);
    let train_seconds = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let predictions: Vec<_> = test.iter().map(|d| model.predict(&d.content)).collect();
    let predict_seconds = start.elapsed().as_secs_f64();

    let n = test.len().max(1) as f64;
    let accuracy = |right: usize| right as f64 / n;
    let mut right = [0usize; 4];
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (d, p) in test.iter().zip(&predictions) {
        right[0] += usize::from(p.correspondent.map(|x| x.0) == d.correspondent);
        right[1] += usize::from(p.document_type.map(|x| x.0) == d.document_type);
        right[2] += usize::from(p.storage_path.map(|x| x.0) == d.storage_path);
        let mut tags: Vec<i64> = p.tags.iter().map(|t| t.0).collect();
        tags.sort_unstable();
        right[3] += usize::from(tags == d.tags);
        tp += tags.iter().filter(|t| d.tags.contains(t)).count();
        fp += tags.iter().filter(|t| !d.tags.contains(t)).count();
        fn_ += d.tags.iter().filter(|t| !tags.contains(t)).count();
    }
    let labels = model.labels();
    println!(
        "{}",
        json!({
            "train_documents": train.len(),
            "test_documents": test.len(),
            "features": labels.features,
            "train_seconds": train_seconds,
            "predict_seconds": predict_seconds,
            "peak_rss_kb": peak_rss_kb(),
            "rss_before_training_kb": rss_before,
            "min_confidence": min_confidence,
            "accuracy": {
                "correspondent": accuracy(right[0]),
                "document_type": accuracy(right[1]),
                "storage_path": accuracy(right[2]),
                "tags_exact": accuracy(right[3]),
                "tags_f1": 2.0 * tp as f64 / (2 * tp + fp + fn_).max(1) as f64,
            },
        })
    );
}

/// The process's peak resident memory (Linux `VmHWM`), in kB.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
