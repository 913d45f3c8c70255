//! `cargo xtask bench ocr`: `pd consume` (release build) of a generated scanned PDF,
//! next to OCRmyPDF 17 (from PyPI, in the private bench venv) on the same file with the
//! same language and as many jobs as cores — what paperless-ngx runs for every scan.
//! Both sides' text is compared word by word with the text that was drawn.
//!
//! OCRmyPDF also writes a PDF/A (it requires Ghostscript, which this command installs
//! with apt-get when it is missing); pd does not yet — the archive step joins pd's side
//! when the PDF/A writer lands — so pd's figure is OCR + thumbnail + storing the
//! document.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use pd_pipeline::sample::{sample_scan_texts, scanned_pdf};

use super::{build_release, run_json, venv_python};
use crate::{run_checked, show, target_dir};

const USAGE: &str = "bench ocr [--pages N] [--dpi D] [--language L] [--no-reference]";

/// The OCRmyPDF paperless-ngx 3 runs.
const OCRMYPDF: &str = "ocrmypdf>=17,<18";
/// Runs of each side; the best counts.
const RUNS: usize = 3;

pub fn run(rest: &[String]) -> Result<()> {
    let mut pages = 8usize;
    let mut dpi = 300u32;
    let mut language = "eng".to_owned();
    let mut reference = true;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--pages" => {
                pages = value("--pages")?
                    .parse()
                    .context("--pages takes a number")?
            }
            "--dpi" => dpi = value("--dpi")?.parse().context("--dpi takes a number")?,
            "--language" => language = value("--language")?.clone(),
            "--no-reference" => reference = false,
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    if pages == 0 || dpi < 70 {
        bail!("--pages must be at least 1 and --dpi at least 70");
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);

    let dir = bench_dir()?;
    let texts: Vec<&str> = sample_scan_texts()
        .into_iter()
        .cycle()
        .take(pages)
        .collect();
    let pdf = dir.join("scans.pdf");
    std::fs::write(&pdf, scanned_pdf(&texts, dpi))
        .with_context(|| format!("writing {}", pdf.display()))?;
    let truth = words(&texts.join("\n"));
    println!(
        "input: {pages} scanned A4 pages at {dpi} dpi (JPEG in an image-only PDF, {:.1} MiB), \
         {} words drawn, language {language}, {cores} cores",
        std::fs::metadata(&pdf)?.len() as f64 / 1024.0 / 1024.0,
        truth.values().sum::<usize>()
    );

    build_release(&["-p", "pd-cli", "--bin", "pd"])?;
    let pd = target_dir().join("release/pd");
    let python = if reference {
        ensure_ghostscript()?;
        Some(venv_python("ocrmypdf", OCRMYPDF)?)
    } else {
        None
    };

    // The two sides take turns, so that both see the same load on a shared machine;
    // the best of three runs of each counts.
    let mut best_pd = f64::MAX;
    let mut best_reference = f64::MAX;
    let mut pd_text = String::new();
    let out = dir.join("ocrmypdf.pdf");
    for run in 0..RUNS {
        let data = dir.join(format!("data-{run}"));
        let pd_cmd = |args: &[&str]| {
            let mut command = Command::new(&pd);
            command
                .arg("--data-dir")
                .arg(&data)
                .args(args)
                .args(["--no-progress-bar", "--json"])
                .env("PD_OCR_LANGUAGE", &language)
                .env("PD_OCR_DPI", dpi.to_string());
            command
        };
        run_json(&mut pd_cmd(&["init"]))?;
        let started = Instant::now();
        let report = run_json(&mut pd_cmd(&["consume", &pdf.to_string_lossy()]))?;
        best_pd = best_pd.min(started.elapsed().as_secs_f64());
        let document = &report["consumed"][0]["document"];
        if document["page_count"].as_u64() != Some(pages as u64) {
            bail!("pd did not consume the scan: {report}");
        }
        pd_text = document["content"].as_str().unwrap_or_default().to_owned();

        if let Some(python) = &python {
            let mut command = Command::new(python);
            command
                .args(["-m", "ocrmypdf", "--quiet", "-l", &language])
                .args(["--jobs", &cores.to_string(), "--output-type", "pdfa"])
                .arg(&pdf)
                .arg(&out);
            let started = Instant::now();
            let status = command
                .status()
                .with_context(|| format!("cannot start `{}`", show(&command)))?;
            if !status.success() {
                bail!("`{}` failed ({status})", show(&command));
            }
            best_reference = best_reference.min(started.elapsed().as_secs_f64());
        }
    }
    let pd_rate = pages as f64 * 60.0 / best_pd;
    println!(
        "pd consume (OCR, thumbnail, store):          {best_pd:>6.2} s  best of {RUNS}, {pd_rate:>6.1} pages/min"
    );
    report_words("pd", &truth, &words(&pd_text));
    let Some(python) = python else {
        return Ok(());
    };
    let version = Command::new(&python)
        .args(["-m", "ocrmypdf", "--version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let text = Command::new("pdftotext")
        .arg(&out)
        .arg("-")
        .output()
        .context("pdftotext (Debian poppler-utils) reads OCRmyPDF's text")?;
    let reference_rate = pages as f64 * 60.0 / best_reference;
    println!(
        "OCRmyPDF {version} (OCR, PDF/A, --jobs {cores}): {best_reference:>6.2} s  best of {RUNS}, \
         {reference_rate:>6.1} pages/min"
    );
    report_words(
        "OCRmyPDF",
        &truth,
        &words(&String::from_utf8_lossy(&text.stdout)),
    );
    println!(
        "-> pd reads {:.2}x the pages per minute of OCRmyPDF",
        pd_rate / reference_rate
    );
    std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    Ok(())
}

/// Words (letters and digits, lower case) with their counts.
fn words(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// How many of the drawn words `found` has (each counted as often as it was drawn at
/// most), and how many words it has that were not drawn.
fn report_words(who: &str, truth: &HashMap<String, usize>, found: &HashMap<String, usize>) {
    let drawn: usize = truth.values().sum();
    let matched: usize = truth
        .iter()
        .map(|(word, &n)| n.min(found.get(word).copied().unwrap_or(0)))
        .sum();
    let total: usize = found.values().sum();
    println!(
        "  {who}: {matched} of {drawn} drawn words found ({:.1} %), {} other words",
        matched as f64 * 100.0 / drawn.max(1) as f64,
        total - matched
    );
}

/// OCRmyPDF's PDF/A needs Ghostscript: installed here, for the bench only.
fn ensure_ghostscript() -> Result<()> {
    if Command::new("gs").arg("--version").output().is_ok() {
        return Ok(());
    }
    println!("bench: installing ghostscript (Debian) for OCRmyPDF's PDF/A output");
    run_checked(Command::new("apt-get").args(["update", "-qq"]))?;
    let mut install = Command::new("apt-get");
    install
        .args([
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "ghostscript",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive");
    run_checked(&mut install).with_context(|| format!("`{}` (run as root)", show(&install)))
}

/// A fresh folder under the target folder for the bench's files.
fn bench_dir() -> Result<PathBuf> {
    let dir = target_dir().join(format!("bench/ocr-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
