//! `cargo xtask bench thumbnails`: `pd thumbnails` (release build) on a library of
//! generated one-page PDFs, next to paperless-ngx's `document_thumbnails`, which took
//! 19.5 minutes for 1,000 documents on this kind of machine.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use pd_pipeline::sample::text_pdf;

use super::build_release;
use super::run_json;
use crate::{show, target_dir};

const USAGE: &str = "bench thumbnails [--docs N]";

/// paperless-ngx's `document_thumbnails` on 1,000 documents, in seconds.
const PAPERLESS_SECONDS_PER_1000: f64 = 19.5 * 60.0;

pub fn run(rest: &[String]) -> Result<()> {
    let mut docs = 1000usize;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--docs" => {
                docs = it
                    .next()
                    .context("--docs needs a value")?
                    .parse()
                    .context("--docs takes a number")?;
            }
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    if docs == 0 {
        bail!("--docs must be at least 1");
    }

    build_release(&["-p", "pd-cli", "--bin", "pd"])?;
    let pd = target_dir().join("release/pd");
    let dir = tempfile_dir()?;
    let inbox = dir.join("inbox");
    let data = dir.join("data");
    write_inbox(&inbox, docs)?;

    let pd_cmd = |args: &[&str]| {
        let mut command = Command::new(&pd);
        command
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .args(["--no-progress-bar", "--json"]);
        command
    };
    run_json(&mut pd_cmd(&["init"]))?;
    let started = Instant::now();
    let consumed = run_json(&mut pd_cmd(&["consume", &inbox.to_string_lossy()]))?;
    let consumed_count = consumed["consumed"].as_array().map_or(0, Vec::len);
    if consumed_count != docs {
        bail!("only {consumed_count} of {docs} documents were consumed");
    }
    println!(
        "library: {docs} one-page PDFs consumed in {:.1} s (parse, thumbnail, store) in {}",
        started.elapsed().as_secs_f64(),
        dir.display()
    );

    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let default = (cores / 4).max(1);
    let mut settings = vec![default];
    if cores != default {
        settings.push(cores);
    }
    let mut best_overall = f64::MAX;
    for processes in settings {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let mut command = pd_cmd(&["thumbnails", "--processes", &processes.to_string()]);
            let started = Instant::now();
            let report = run_json(&mut command)?;
            best = best.min(started.elapsed().as_secs_f64());
            let failed = report["failed"].as_array().map_or(0, Vec::len);
            let pages = report["pages"].as_u64().unwrap_or(0);
            if failed > 0 || pages != docs as u64 {
                bail!(
                    "`{}`: {pages} pages rendered, {failed} failed",
                    show(&command)
                );
            }
        }
        best_overall = best_overall.min(best);
        println!(
            "pd thumbnails --processes {processes}: {best:>7.2} s  best of 3, {:.1} ms per document",
            best * 1000.0 / docs as f64
        );
    }
    let paperless = PAPERLESS_SECONDS_PER_1000 * docs as f64 / 1000.0;
    println!(
        "paperless-ngx document_thumbnails: {paperless:>7.1} s  (19.5 min per 1,000, scaled) \
         -> pd is {:.0}x faster",
        paperless / best_overall
    );
    let sizes = thumbnail_sizes(&data.join("media/documents/thumbnails"))?;
    println!(
        "thumbnails: {} files, {:.1} KiB on average (lossless WebP, 500 px wide)",
        sizes.0,
        sizes.1 as f64 / sizes.0.max(1) as f64 / 1024.0
    );
    std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    Ok(())
}

/// A fresh folder under the target folder for the bench library.
fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = target_dir().join(format!("bench/thumbnails-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// `docs` different one-page invoices, about 20 lines each.
pub(super) fn write_inbox(inbox: &Path, docs: usize) -> Result<()> {
    std::fs::create_dir_all(inbox).with_context(|| format!("creating {}", inbox.display()))?;
    for i in 0..docs {
        let mut text = format!(
            "Brightwater Office Supplies Ltd.\n14 Canal Street, Manchester\n\nINVOICE {i:06}\n\
             Invoice date: {} March 2024\nCustomer number: C-{:05}\n\nItem  Qty  Amount\n",
            1 + i % 28,
            (i * 7919) % 100_000
        );
        for line in 0..12 {
            text.push_str(&format!(
                "Article {:04}, pack of {}  {}  {}.{:02}\n",
                (i + line * 31) % 10_000,
                1 + line % 5,
                1 + (i + line) % 9,
                (i * 13 + line * 17) % 500,
                (i + line) % 100
            ));
        }
        text.push_str("\nPlease pay within 30 days.");
        let path = inbox.join(format!("invoice-{i:06}.pdf"));
        std::fs::write(&path, text_pdf(&[&text]))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Count and total bytes of the files in `dir`.
fn thumbnail_sizes(dir: &Path) -> Result<(usize, u64)> {
    let mut count = 0;
    let mut bytes = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let meta = entry?.metadata()?;
        count += 1;
        bytes += meta.len();
    }
    Ok((count, bytes))
}
