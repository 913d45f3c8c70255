//! `cargo xtask bench export`: times the release `pd` binary's `pd export DIR` (full, then
//! an unchanged re-run that must write no file) and `pd import DIR` into a fresh library
//! (every checksum verified) on a generated library — originals and archives of a few KiB,
//! 8 KiB thumbnails — next to paperless-ngx 3.0.5's `document_exporter` /
//! `document_importer` on 1,000 documents. With `/usr/bin/time` installed, each command's
//! peak resident memory is shown too. Each of R runs (3 by default) starts
//! from an empty export folder and a new library; the median run is compared. Then
//! `pd backup` of the library and `pd restore` of that backup into a new library are
//! timed the same way (paperless-ngx has no counterpart).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::build_release;
use super::run_json;
use crate::{show, target_dir};

const USAGE: &str = "bench export [--docs N] [--size-kib K] [--runs R]";

/// paperless-ngx 3.0.5 on a 1,000-document library (from the issue): full export,
/// unchanged re-run, import.
const PAPERLESS_DOCS: usize = 1000;
const PAPERLESS_EXPORT: f64 = 9.9;
const PAPERLESS_RERUN: f64 = 5.85;
const PAPERLESS_IMPORT: f64 = 12.3;

pub fn run(args: &[String]) -> Result<()> {
    let (mut docs, mut size_kib, mut runs) = (1000usize, 4usize, 3usize);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--docs" => docs = value()?.parse().context("--docs takes a number")?,
            "--size-kib" => size_kib = value()?.parse().context("--size-kib takes a number")?,
            "--runs" => runs = value()?.parse().context("--runs takes a number")?,
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    if docs == 0 || size_kib == 0 || runs == 0 {
        bail!("--docs, --size-kib and --runs must be at least 1");
    }
    build_release(&["-p", "pd-store", "--example", "bench_library"])?;
    build_release(&["-p", "pd-cli", "--bin", "pd"])?;
    let release = target_dir().join("release");
    let pd = release.join("pd");
    let dir = target_dir().join(format!("bench/export-{docs}-{size_kib}k"));
    // Nothing is deleted before or between the timed runs: ext4 searches its inode tables
    // for recently freed inodes (up to five minutes back) on every file it creates, which
    // after removing a previous run's thousands of files made the same export take several
    // times longer. Earlier runs are moved aside and removed when the bench is done.
    let aside = target_dir().join(format!(
        "bench/export-aside-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    if dir.exists() {
        std::fs::rename(&dir, &aside).with_context(|| format!("moving {} aside", dir.display()))?;
    }
    let library = dir.join("library");
    let generated = run_json(
        Command::new(release.join("examples/bench_library"))
            .arg(&library)
            .arg(docs.to_string())
            .arg(size_kib.to_string()),
    )?;
    println!(
        "library: {docs} documents, originals and archives of ~{size_kib} KiB, 8 KiB \
         thumbnails ({}; generated in {:.2} s)",
        library.display(),
        generated["generate_seconds"].as_f64().unwrap_or(f64::NAN)
    );

    let (mut fulls, mut reruns, mut imports) = (Vec::new(), Vec::new(), Vec::new());
    let (mut backup_runs, mut restore_runs) = (Vec::new(), Vec::new());
    for round in 1..=runs {
        println!("run {round} of {runs}:");
        // The library is reused; every run starts from no export and no imported library,
        // in folders of its own.
        let round_dir = dir.join(format!("run-{round}"));
        let export = round_dir.join("export");
        let imported = round_dir.join("imported");
        let backups = round_dir.join("backups");
        let restored = round_dir.join("restored");
        std::fs::create_dir_all(&export)
            .with_context(|| format!("creating {}", export.display()))?;
        let full = timed(&pd, &library, &["export".as_ref(), export.as_os_str()])?;
        let files = full.report["files_written"].as_u64().unwrap_or(0);
        println!(
            "full export:      {:>8.3} s  {files} files, {:.1} MB written{}",
            full.seconds,
            full.report["bytes_written"].as_f64().unwrap_or(f64::NAN) / 1e6,
            full.memory()
        );

        let before = mtimes(&export)?;
        let rerun = timed(&pd, &library, &["export".as_ref(), export.as_os_str()])?;
        let after = mtimes(&export)?;
        let touched = after
            .iter()
            .filter(|(path, mtime)| before.get(*path) != Some(*mtime))
            .count();
        println!(
            "unchanged re-run: {:>8.3} s  {touched} of {} files written (by mtime; pd reports {}){}",
            rerun.seconds,
            after.len(),
            rerun.report["files_written"],
            rerun.memory()
        );

        run_json(
            Command::new(&pd)
                .arg("--data-dir")
                .arg(&imported)
                .args(["--json", "init"]),
        )?;
        let import = timed(&pd, &imported, &["import".as_ref(), export.as_os_str()])?;
        let verified = import.report["files_verified"].as_u64().unwrap_or(0);
        let documents = import.report["imported"]["documents"].as_u64().unwrap_or(0);
        println!(
            "import:           {:>8.3} s  {documents} documents, {verified} checksums verified, \
             {} files placed{}",
            import.seconds,
            import.report["files_placed"],
            import.memory()
        );

        if touched != 0 {
            bail!("the unchanged re-run wrote {touched} files; it must write none");
        }
        // Originals and archives carry a checksum each; all of them must have been verified.
        if documents != docs as u64 || verified != 2 * docs as u64 {
            bail!(
                "import verified {verified} checksums of {documents} documents; \
                 expected {docs} documents and {} checksums",
                2 * docs
            );
        }
        fulls.push(full);
        reruns.push(rerun);
        imports.push(import);

        std::fs::create_dir_all(&backups)
            .with_context(|| format!("creating {}", backups.display()))?;
        let backup = timed(&pd, &library, &["backup".as_ref(), backups.as_os_str()])?;
        let archive = PathBuf::from(backup.report["archive"].as_str().unwrap_or_default());
        println!(
            "backup:           {:>8.3} s  {} members, {:.1} MB in, {:.1} MB archive{}",
            backup.seconds,
            backup.report["header"]["files"],
            backup.report["header"]["bytes"]
                .as_f64()
                .unwrap_or(f64::NAN)
                / 1e6,
            backup.report["archive_bytes"].as_f64().unwrap_or(f64::NAN) / 1e6,
            backup.memory()
        );
        run_json(
            Command::new(&pd)
                .arg("--data-dir")
                .arg(&restored)
                .args(["--json", "init"]),
        )?;
        let restore = timed(&pd, &restored, &["restore".as_ref(), archive.as_os_str()])?;
        let documents = restore.report["import"]["imported"]["documents"]
            .as_u64()
            .unwrap_or(0);
        println!(
            "restore:          {:>8.3} s  {documents} documents, {} members checked{}",
            restore.seconds,
            restore.report["files_checked"],
            restore.memory()
        );
        if documents != docs as u64 {
            bail!("restore wrote {documents} documents of {docs}");
        }
        backup_runs.push(backup);
        restore_runs.push(restore);
    }
    let (backup, restore) = (median(backup_runs), median(restore_runs));
    println!(
        "median of {runs}: backup {:.3} s{}; restore {:.3} s{}",
        backup.seconds,
        backup.memory(),
        restore.seconds,
        restore.memory()
    );
    let (full, rerun, import) = (median(fulls), median(reruns), median(imports));
    println!(
        "median of {runs}: full export {:.3} s{}; unchanged re-run {:.3} s{}; import {:.3} s{}",
        full.seconds,
        full.memory(),
        rerun.seconds,
        rerun.memory(),
        import.seconds,
        import.memory()
    );

    if docs == PAPERLESS_DOCS {
        println!("\ntask                 pd          paperless-ngx 3.0.5  factor");
        for (task, ours, theirs) in [
            ("full export", full.seconds, PAPERLESS_EXPORT),
            ("unchanged re-run", rerun.seconds, PAPERLESS_RERUN),
            ("import", import.seconds, PAPERLESS_IMPORT),
        ] {
            println!(
                "{task:<20} {ours:>7.3} s   {theirs:>7.2} s            {:>6.0}x",
                theirs / ours
            );
        }
    } else {
        println!("(paperless-ngx 3.0.5 was measured on {PAPERLESS_DOCS} documents only)");
    }

    for round in 1..=runs {
        let round_dir = dir.join(format!("run-{round}"));
        std::fs::remove_dir_all(&round_dir)
            .with_context(|| format!("removing {}", round_dir.display()))?;
    }
    if aside.exists() {
        std::fs::remove_dir_all(&aside).with_context(|| format!("removing {}", aside.display()))?;
    }
    Ok(())
}

/// One timed `pd` run: wall-clock seconds, its JSON report and, when `/usr/bin/time` is
/// there to measure it, its peak resident memory in KiB.
struct Timed {
    seconds: f64,
    report: Value,
    peak_kib: Option<u64>,
}

impl Timed {
    fn memory(&self) -> String {
        match self.peak_kib {
            Some(kib) => format!(", peak RSS {:.1} MiB", kib as f64 / 1024.0),
            None => String::new(),
        }
    }
}

fn timed(pd: &Path, data: &Path, args: &[&std::ffi::OsStr]) -> Result<Timed> {
    let time = Path::new("/usr/bin/time");
    let peak_file = data.with_extension("peak-rss");
    let mut command = if time.exists() {
        let mut command = Command::new(time);
        command.args(["-f", "%M", "-o"]).arg(&peak_file).arg(pd);
        command
    } else {
        Command::new(pd)
    };
    command
        .arg("--data-dir")
        .arg(data)
        .args(["--json", "--no-progress-bar"])
        .args(args);
    let started = Instant::now();
    let output = command
        .output()
        .with_context(|| format!("cannot start `{}`", show(&command)))?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "`{}` failed: {}{}",
            show(&command),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("`{}` printed no JSON", show(&command)))?;
    let peak_kib = std::fs::read_to_string(&peak_file)
        .ok()
        .and_then(|text| text.lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&peak_file);
    Ok(Timed {
        seconds,
        report,
        peak_kib,
    })
}

/// The run with the median time (the upper one of an even count).
fn median(mut runs: Vec<Timed>) -> Timed {
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    runs.swap_remove(runs.len() / 2)
}

/// Every regular file below `dir` with its modification time.
fn mtimes(dir: &Path) -> Result<HashMap<PathBuf, SystemTime>> {
    let mut out = HashMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let entry = entry?;
            let meta = entry.metadata()?;
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                out.insert(entry.path(), meta.modified()?);
            }
        }
    }
    Ok(out)
}
