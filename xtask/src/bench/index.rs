//! `cargo xtask bench index`: a full reindex of generated libraries (1,000 documents
//! and `--docs N`, 10,000 by default) and typical queries, in a release build.
//! paperless-ngx 3.0.5's `document_index reindex` took 5.74 s on 1,000 documents.

use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::build_release;
use crate::target_dir;

pub const USAGE: &str = "bench index [--docs N]";

const PAPERLESS_SECONDS: f64 = 5.74;

pub fn run(args: &[String]) -> Result<()> {
    let mut docs = 10_000usize;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--docs" => docs = value()?.parse().context("--docs takes a number")?,
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    build_release(&["-p", "pd-index", "--example", "index_bench"])?;
    let exe = target_dir().join("release/examples/index_bench");
    let dir = target_dir().join("bench-index");
    let mut sizes = vec![1000.to_string()];
    if docs != 1000 {
        sizes.push(docs.to_string());
    }
    let output = Command::new(&exe)
        .arg(&dir)
        .args(&sizes)
        .output()
        .context("cannot start index_bench")?;
    if !output.status.success() {
        bail!(
            "index_bench failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let r: Value = serde_json::from_str(line).context("index_bench printed no JSON")?;
        let seconds = r["reindex_s"].as_f64().unwrap_or(f64::NAN);
        print!("reindex of {} documents: {seconds:.3} s", r["docs"]);
        if r["docs"] == 1000 {
            print!(
                " (paperless-ngx 3.0.5: {PAPERLESS_SECONDS} s, {:.0}× faster)",
                PAPERLESS_SECONDS / seconds
            );
        }
        println!(
            ", {} segment(s); peak memory of the process so far {:.0} MB",
            r["segments"],
            r["peak_rss_mb"].as_f64().unwrap_or(f64::NAN)
        );
        for q in r["queries"].as_array().into_iter().flatten() {
            println!(
                "  {:<45} {:>6} hits  median {:.2} ms  p99 {:.2} ms  max {:.2} ms (200 runs)",
                q["query"].as_str().unwrap_or_default(),
                q["hits"],
                q["median_ms"].as_f64().unwrap_or(f64::NAN),
                q["p99_ms"].as_f64().unwrap_or(f64::NAN),
                q["max_ms"].as_f64().unwrap_or(f64::NAN)
            );
        }
    }
    Ok(())
}
