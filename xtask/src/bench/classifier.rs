//! `cargo xtask bench classifier`: pd's classifier against paperless-ngx's approach
//! (scikit-learn's CountVectorizer with 1–2-grams and an MLPClassifier per target, in a
//! private venv under `target/`) on one generated, labelled corpus: held-out accuracy,
//! training time and peak memory.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::build_release;
use super::{run_json, venv_python};
use crate::target_dir;

#[path = "../../../crates/pd-match/benches/classifier/corpus.rs"]
mod generator;

pub const USAGE: &str =
    "bench classifier [--docs N] [--seed S] [--min-confidence C] [--no-reference]";

const REFERENCE: &str = include_str!("classifier_reference.py");

/// Every fifth document is held out for testing.
const TEST_EVERY: i64 = 5;

pub fn run(args: &[String]) -> Result<()> {
    let (mut docs, mut seed, mut reference) = (1000usize, 42u64, true);
    let mut min_confidence: Option<String> = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--docs" => docs = value()?.parse().context("--docs takes a number")?,
            "--seed" => seed = value()?.parse().context("--seed takes a number")?,
            "--min-confidence" => min_confidence = Some(value()?.clone()),
            "--no-reference" => reference = false,
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }

    let path = target_dir()
        .join("corpus")
        .join(format!("classifier-{docs}-{seed}.json"));
    write_corpus(&generator::generate(docs, seed), &path)?;
    println!(
        "corpus: {docs} labelled documents, every {TEST_EVERY}th held out ({})",
        path.display()
    );

    build_release(&["-p", "pd-match", "--example", "classifier_eval"])?;
    let eval = target_dir().join("release/examples/classifier_eval");
    let mut command = Command::new(eval);
    command.arg(&path);
    if let Some(c) = &min_confidence {
        command.arg(c);
    }
    let pd = run_json(&mut command)?;
    print_row("pd", &pd);
    if !reference {
        return Ok(());
    }

    let python = venv_python("sklearn", "scikit-learn")?;
    let script = target_dir().join("corpus/bench_classifier_reference.py");
    std::fs::write(&script, REFERENCE).with_context(|| format!("writing {}", script.display()))?;
    println!(
        "reference: training (scikit-learn, paperless-ngx's CountVectorizer + MLPClassifier)…"
    );
    let py = run_json(Command::new(python).arg(&script).arg(&path))?;
    print_row("reference", &py);
    let ratio =
        |key: &str| py[key].as_f64().unwrap_or(f64::NAN) / pd[key].as_f64().unwrap_or(f64::NAN);
    println!(
        "pd trains {:.0}× faster with {:.1}× less peak memory ({:.0} MB vs {:.0} MB)",
        ratio("train_seconds"),
        ratio("peak_rss_kb"),
        pd["peak_rss_kb"].as_f64().unwrap_or(f64::NAN) / 1024.0,
        py["peak_rss_kb"].as_f64().unwrap_or(f64::NAN) / 1024.0,
    );
    Ok(())
}

fn print_row(who: &str, r: &Value) {
    let a = &r["accuracy"];
    let pct = |v: &Value| v.as_f64().unwrap_or(f64::NAN) * 100.0;
    println!(
        "{who:<10} train {:>8.3} s, peak {:>6.0} MB, {} features | accuracy: correspondent \
         {:.1} %, document type {:.1} %, storage path {:.1} %, tags exact {:.1} %, tag F1 {:.1} %",
        r["train_seconds"].as_f64().unwrap_or(f64::NAN),
        r["peak_rss_kb"].as_f64().unwrap_or(f64::NAN) / 1024.0,
        r["features"],
        pct(&a["correspondent"]),
        pct(&a["document_type"]),
        pct(&a["storage_path"]),
        pct(&a["tags_exact"]),
        pct(&a["tags_f1"]),
    );
}

/// `[{"id", "content", "correspondent", "document_type", "storage_path", "tags", "test"}]`.
fn write_corpus(corpus: &[generator::LabeledDocument], path: &Path) -> Result<()> {
    let docs: Vec<Value> = corpus
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "content": d.content,
                "correspondent": d.correspondent,
                "document_type": d.document_type,
                "storage_path": d.storage_path,
                "tags": d.tags,
                "test": d.id % TEST_EVERY == 0,
            })
        })
        .collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, serde_json::to_string(&docs)?)
        .with_context(|| format!("writing {}", path.display()))
}
