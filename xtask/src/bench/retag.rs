//! `cargo xtask bench retag`: times `pd retag -c -T -t -s` on a generated library
//! (1,000 documents by default) with rules of every algorithm — auto objects with a
//! trained classifier included. paperless-ngx 3.0.5's `document_retagger -c -T -t -s`
//! took 56.8 s on such a library.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::build_release;
use crate::{show, target_dir};

pub const USAGE: &str = "bench retag [--docs N] [--seed S] [--runs R]";

/// paperless-ngx 3.0.5 on a 1,000-document library (from the issue).
const PAPERLESS_SECONDS: f64 = 56.8;

pub fn run(args: &[String]) -> Result<()> {
    let (mut docs, mut seed, mut runs) = (1000usize, 42u64, 3usize);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--docs" => docs = value()?.parse().context("--docs takes a number")?,
            "--seed" => seed = value()?.parse().context("--seed takes a number")?,
            "--runs" => runs = value()?.parse().context("--runs takes a number")?,
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    build_release(&["-p", "pd-cli"])?;
    build_release(&["-p", "pd-match", "--example", "retag_library"])?;
    let release = target_dir().join("release");
    let pd = release.join("pd");
    let writer = release.join("examples/retag_library");
    let data = target_dir().join("bench-retag/data");

    let mut times = Vec::new();
    for run in 1..=runs {
        // Every run starts from the same library, so each one has the same work to do.
        if data.exists() {
            std::fs::remove_dir_all(&data)
                .with_context(|| format!("removing {}", data.display()))?;
        }
        let status = Command::new(&writer)
            .arg(&data)
            .arg(docs.to_string())
            .arg(seed.to_string())
            .status()
            .context("cannot start retag_library")?;
        if !status.success() {
            bail!("retag_library failed ({status})");
        }
        let train = pd_json(&pd, &data, &["classifier", "train"])?;
        let start = Instant::now();
        let report = pd_json(&pd, &data, &["retag", "-c", "-T", "-t", "-s"])?;
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "run {run}: retag {seconds:.3} s — {} documents processed, {} changed: {} \
             correspondents, {} document types, {} storage paths set, {} tags added \
             (classifier trained first in {:.3} s)",
            report["documents_processed"],
            report["documents_changed"],
            report["correspondents_set"],
            report["document_types_set"],
            report["storage_paths_set"],
            report["tags_added"],
            train["seconds"].as_f64().unwrap_or(f64::NAN),
        );
        times.push(seconds);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "pd retag -c -T -t -s on {docs} documents: median {median:.3} s, best {:.3} s \
         (whole process); paperless-ngx 3.0.5: {PAPERLESS_SECONDS} s, {:.0}× faster",
        times[0],
        PAPERLESS_SECONDS / median
    );
    Ok(())
}

fn pd_json(pd: &Path, data: &Path, args: &[&str]) -> Result<Value> {
    let mut command = Command::new(pd);
    command
        .arg("--data-dir")
        .arg(data)
        .arg("--json")
        .arg("--no-progress-bar")
        .args(args);
    let output = command
        .output()
        .with_context(|| format!("cannot start `{}`", show(&command)))?;
    if !output.status.success() {
        bail!(
            "`{}` failed: {}",
            show(&command),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout)
        .with_context(|| format!("`{}` printed no JSON", show(&command)))
}
