//! `cargo xtask bench ocr`: `pd consume` (release build) of a generated scanned PDF,
//! next to OCRmyPDF 17 (from PyPI, in the private bench venv) on the same file with the
//! same language and as many jobs as cores — what paperless-ngx runs for every scan.
//! Both sides write a PDF/A: pd's consume makes the archive version
//! (`PD_ARCHIVE_FILE_GENERATION=always`), OCRmyPDF runs with `--output-type pdfa` (it
//! requires Ghostscript, which this command installs with apt-get when it is missing).
//! Both sides' text (pd's stored content and its archive, OCRmyPDF's output) is
//! compared word by word with the text that was drawn.
//!
//! The sides take turns; each run's wall time and CPU time (user + system of the
//! process and everything it ran, from `/proc/self/stat`) are printed, and the best
//! counts. `--pd-env KEY=VALUE` (repeatable) sets a variable for pd, to compare OCR
//! settings (`PD_OCR_BILEVEL=true`, `PD_OCR_INVERTED_TEXT=true`, or
//! `PD_OCR_LIBRARY=false` for the `tesseract` program instead of libtesseract).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use pd_pipeline::sample::{sample_scan_texts, scanned_pdf};

use super::{build_release, run_json, venv_python};
use crate::{run_checked, show, target_dir};

const USAGE: &str =
    "bench ocr [--pages N] [--dpi D] [--language L] [--runs R] [--pd-env K=V]... [--no-reference]";

/// The OCRmyPDF paperless-ngx 3 runs.
const OCRMYPDF: &str = "ocrmypdf>=17,<18";

pub fn run(rest: &[String]) -> Result<()> {
    let mut pages = 8usize;
    let mut dpi = 300u32;
    let mut language = "eng".to_owned();
    let mut reference = true;
    let mut runs = 3usize;
    let mut pd_env: Vec<(String, String)> = Vec::new();
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
            "--runs" => runs = value("--runs")?.parse().context("--runs takes a number")?,
            "--pd-env" => {
                let pair = value("--pd-env")?;
                let (key, val) = pair
                    .split_once('=')
                    .with_context(|| format!("--pd-env takes KEY=VALUE, not `{pair}`"))?;
                pd_env.push((key.to_owned(), val.to_owned()));
            }
            "--no-reference" => reference = false,
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    if pages == 0 || dpi < 70 || runs == 0 {
        bail!("--pages and --runs must be at least 1 and --dpi at least 70");
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
    // the best run of each counts.
    let mut best_pd = Timing::worst();
    let mut best_reference = Timing::worst();
    let mut pd_text = String::new();
    let mut pd_archive = PathBuf::new();
    let out = dir.join("ocrmypdf.pdf");
    for run in 0..runs {
        let data = dir.join(format!("data-{run}"));
        let pd_cmd = |args: &[&str]| {
            let mut command = Command::new(&pd);
            command
                .arg("--data-dir")
                .arg(&data)
                .args(args)
                .args(["--no-progress-bar", "--json"])
                .env("PD_OCR_LANGUAGE", &language)
                .env("PD_OCR_DPI", dpi.to_string())
                .env("PD_ARCHIVE_FILE_GENERATION", "always")
                .envs(pd_env.iter().map(|(k, v)| (k, v)));
            command
        };
        run_json(&mut pd_cmd(&["init"]))?;
        let (report, timing) =
            timed(|| run_json(&mut pd_cmd(&["consume", &pdf.to_string_lossy()])))?;
        let document = &report["consumed"][0]["document"];
        if document["page_count"].as_u64() != Some(pages as u64) {
            bail!("pd did not consume the scan: {report}");
        }
        let Some(archive) = document["archive_filename"].as_str() else {
            bail!("pd made no archive: {report}");
        };
        pd_archive = data.join("media/documents/archive").join(archive);
        pd_text = document["content"].as_str().unwrap_or_default().to_owned();
        println!("run {}: pd       {timing}", run + 1);
        best_pd = best_pd.best(timing);

        if let Some(python) = &python {
            let mut command = Command::new(python);
            command
                .args(["-m", "ocrmypdf", "--quiet", "-l", &language])
                .args(["--jobs", &cores.to_string(), "--output-type", "pdfa"])
                .arg(&pdf)
                .arg(&out);
            let ((), timing) = timed(|| {
                let status = command
                    .status()
                    .with_context(|| format!("cannot start `{}`", show(&command)))?;
                if !status.success() {
                    bail!("`{}` failed ({status})", show(&command));
                }
                Ok(())
            })?;
            println!("run {}: OCRmyPDF {timing}", run + 1);
            best_reference = best_reference.best(timing);
        }
    }
    println!("load average after the runs: {}", load_average());
    let pd_rate = pages as f64 * 60.0 / best_pd.wall;
    println!(
        "pd consume (OCR, thumbnail, PDF/A archive, store): best {best_pd} of {runs}, \
         {pd_rate:.1} pages/min, {:.2} CPU-s/page",
        best_pd.cpu / pages as f64
    );
    report_words("pd content", &truth, &words(&pd_text));
    report_words("pd archive", &truth, &words(&pdftotext(&pd_archive)?));
    let Some(python) = python else {
        return Ok(());
    };
    let version = Command::new(&python)
        .args(["-m", "ocrmypdf", "--version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let reference_rate = pages as f64 * 60.0 / best_reference.wall;
    println!(
        "OCRmyPDF {version} (OCR, PDF/A, --jobs {cores}): best {best_reference} of {runs}, \
         {reference_rate:.1} pages/min, {:.2} CPU-s/page",
        best_reference.cpu / pages as f64
    );
    report_words("OCRmyPDF", &truth, &words(&pdftotext(&out)?));
    println!(
        "-> pd reads {:.2}x the pages per minute of OCRmyPDF (best wall times), \
         {:.2}x by CPU time",
        pd_rate / reference_rate,
        best_reference.cpu / best_pd.cpu
    );
    std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    Ok(())
}

/// One run's wall time and the CPU time it and its children used.
#[derive(Debug, Clone, Copy)]
struct Timing {
    wall: f64,
    cpu: f64,
}

impl Timing {
    fn worst() -> Timing {
        Timing {
            wall: f64::MAX,
            cpu: f64::MAX,
        }
    }

    /// The lower of each.
    fn best(self, other: Timing) -> Timing {
        Timing {
            wall: self.wall.min(other.wall),
            cpu: self.cpu.min(other.cpu),
        }
    }
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:6.2} s wall, {:6.2} CPU-s", self.wall, self.cpu)
    }
}

/// Runs `work` (which waits for the processes it starts) and measures it.
fn timed<T>(work: impl FnOnce() -> Result<T>) -> Result<(T, Timing)> {
    let cpu_before = children_cpu_seconds()?;
    let started = Instant::now();
    let value = work()?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = children_cpu_seconds()? - cpu_before;
    Ok((value, Timing { wall, cpu }))
}

/// User + system CPU seconds of this process's waited-for children and theirs
/// (`cutime` and `cstime` in `/proc/self/stat`, in clock ticks of 1/100 s on Linux).
fn children_cpu_seconds() -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `cutime` and `cstime` are fields 16 and 17 of the whole line: 13 and 14 here.
    let ticks = |i: usize| -> Result<f64> {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .context("unexpected /proc/self/stat")
    };
    Ok((ticks(13)? + ticks(14)?) / 100.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn pdftotext(pdf: &std::path::Path) -> Result<String> {
    let text = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .context("pdftotext (Debian poppler-utils) reads the archives' text")?;
    Ok(String::from_utf8_lossy(&text.stdout).into_owned())
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
