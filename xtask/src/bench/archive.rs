//! `cargo xtask bench archive`: `pd archive` (release build) on a library of generated
//! one-page A4 PDFs with a text layer, every page rendered by PDFium at 300 dpi and
//! written with its words as PDF/A-2B (`PD_ARCHIVE_FILE_GENERATION=always`); pages per
//! second, archive sizes, and one archive checked by the PDF/A validator when
//! `cargo xtask deps` has installed it.

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::thumbnails::write_inbox;
use super::{build_release, run_json};
use crate::{show, target_dir, workspace_root};

const USAGE: &str = "bench archive [--docs N] [--dpi D]";

pub fn run(rest: &[String]) -> Result<()> {
    let mut docs = 200usize;
    let mut dpi = 300u32;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> Result<usize> {
            it.next()
                .with_context(|| format!("{name} needs a value"))?
                .parse()
                .with_context(|| format!("{name} takes a number"))
        };
        match flag.as_str() {
            "--docs" => docs = value("--docs")?,
            "--dpi" => dpi = u32::try_from(value("--dpi")?)?,
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    if docs == 0 {
        bail!("--docs must be at least 1");
    }

    build_release(&["-p", "pd-cli", "--bin", "pd"])?;
    let pd = target_dir().join("release/pd");
    let dir = target_dir().join(format!("bench/archive-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let inbox = dir.join("inbox");
    let data = dir.join("data");
    write_inbox(&inbox, docs)?;
    let pd_cmd = |args: &[&str]| {
        let mut command = Command::new(&pd);
        command
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .args(["--no-progress-bar", "--json"])
            .env("PD_ARCHIVE_FILE_GENERATION", "always");
        command
    };
    run_json(&mut pd_cmd(&["init"]))?;
    run_json(&mut pd_cmd(&["consume", &inbox.to_string_lossy()]))?;

    let dpi_arg = dpi.to_string();
    let mut best = f64::MAX;
    let mut bytes = 0u64;
    for run in 0..3 {
        let mut args = vec!["archive", "--dpi", &dpi_arg];
        if run > 0 {
            args.push("--overwrite");
        }
        let mut command = pd_cmd(&args);
        let started = Instant::now();
        let report = run_json(&mut command)?;
        best = best.min(started.elapsed().as_secs_f64());
        let archived = report["archived"].as_array().map_or(&[][..], Vec::as_slice);
        let failed = report["failed"].as_array().map_or(0, Vec::len);
        if archived.len() != docs || failed > 0 {
            bail!(
                "`{}`: {} archived, {failed} failed",
                show(&command),
                archived.len()
            );
        }
        bytes = archived.iter().filter_map(|a| a["bytes"].as_u64()).sum();
    }
    println!(
        "pd archive --dpi {dpi}: {docs} one-page A4 PDFs in {best:.2} s (best of 3): \
         {:.1} pages/s, {:.0} ms per page",
        docs as f64 / best,
        best * 1000.0 / docs as f64
    );
    println!(
        "archives: {:.1} KiB per page on average (PDFium-rendered page, lossless Flate grey, \
         invisible text layer)",
        bytes as f64 / docs as f64 / 1024.0
    );

    let python = workspace_root().join(".deps/pdfa-venv/bin/python");
    if python.is_file() {
        let first = data.join("media/documents/archive/0000001.pdf");
        let out = Command::new(&python)
            .args([
                "-c",
                "import sys, page\nr = page.validate_pdf(sys.argv[1], profile='2b')\n\
                 print('compliant' if r.is_compliant else [f.rule_id for f in r.failures])",
            ])
            .arg(&first)
            .output()
            .context("running the PDF/A validator")?;
        println!(
            "page-validation (PDF/A-2B) on {}: {}",
            first.display(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
    std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    Ok(())
}
