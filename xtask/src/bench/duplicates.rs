//! `cargo xtask bench duplicates`: pd's duplicate search against the reference
//! (Python rapidfuzz over all pairs, as paperless-ngx computes it) on one generated corpus.

use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::build_release;
use super::{run_json, venv_python};
use crate::{corpus, target_dir};

pub const USAGE: &str = "bench duplicates [--docs N] [--seed S] [--ratio R] [--no-reference]";

const REFERENCE: &str = include_str!("duplicates_reference.py");

pub fn run(rest: &[String]) -> Result<()> {
    let (mut docs, mut seed, mut ratio, mut reference) = (1000usize, 42u64, 85.0f64, true);
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--docs" => docs = value()?.parse().context("--docs takes a number")?,
            "--seed" => seed = value()?.parse().context("--seed takes a number")?,
            "--ratio" => ratio = value()?.parse().context("--ratio takes a number")?,
            "--no-reference" => reference = false,
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }

    let path = corpus::default_path(docs, seed);
    let generated = corpus::generate(docs, seed);
    corpus::write_json(&generated, &path)?;
    let planted = generated.iter().filter(|d| d.planted.is_some()).count();
    println!(
        "corpus: {docs} documents, {planted} planted near-duplicates, {:.0} kB ({})",
        generated.iter().map(|d| d.content.len()).sum::<usize>() as f64 / 1000.0,
        path.display()
    );

    build_release(&["-p", "pd-match", "--example", "duplicates_search"])?;
    let search = target_dir().join("release/examples/duplicates_search");
    let pd = run_json(Command::new(search).arg(&path).arg(ratio.to_string()))?;
    let pd_seconds = pd["seconds"].as_f64().unwrap_or(f64::NAN);
    let stats = &pd["stats"];
    println!(
        "pd:        {pd_seconds:>10.4} s  {} pairs found; of {} pairs, {} in the length \
         window, {} past the histogram bound, {} past the class bound, {} past the LCS filter",
        pd["pairs"].as_array().map_or(0, Vec::len),
        stats["pairs"],
        stats["length_candidates"],
        stats["class_checked"],
        stats["verified"],
        stats["scored"]
    );
    if !reference {
        return Ok(());
    }

    let python = venv_python("rapidfuzz", "rapidfuzz")?;
    let script = target_dir().join("corpus/bench_reference.py");
    std::fs::write(&script, REFERENCE).with_context(|| format!("writing {}", script.display()))?;
    println!("reference: running (Python rapidfuzz over all pairs, one process)…");
    let py = run_json(
        Command::new(python)
            .arg(&script)
            .arg(&path)
            .arg(ratio.to_string()),
    )?;
    let py_seconds = py["seconds"].as_f64().unwrap_or(f64::NAN);
    println!(
        "reference: {py_seconds:>10.4} s  {} pairs found",
        py["pairs"].as_array().map_or(0, Vec::len)
    );
    println!("speed-up:  {:.0}×", py_seconds / pd_seconds);
    let (same, note) = compare(&pd["pairs"], &py["pairs"]);
    println!(
        "pair sets identical (ids, order, ratios to 1e-9): {}{note}",
        if same { "yes" } else { "NO" }
    );
    if !same {
        bail!("pd and the reference disagree");
    }
    Ok(())
}

/// Whether both lists hold the same pairs in the same order with the same ratios.
fn compare(pd: &Value, reference: &Value) -> (bool, String) {
    let rows = |v: &Value| -> Vec<(i64, i64, f64)> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|p| {
                        (
                            p[0].as_i64().unwrap_or(-1),
                            p[1].as_i64().unwrap_or(-1),
                            p[2].as_f64().unwrap_or(f64::NAN),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (a, b) = (rows(pd), rows(reference));
    if a.len() != b.len() {
        return (false, format!(" ({} vs {} pairs)", a.len(), b.len()));
    }
    for (x, y) in a.iter().zip(&b) {
        if (x.0, x.1) != (y.0, y.1) || (x.2 - y.2).abs() > 1e-9 * y.2.max(1.0) {
            return (false, format!(" (first difference: {x:?} vs {y:?})"));
        }
    }
    (true, String::new())
}
