//! `cargo xtask bench <what>`: measurements of pd's hot paths on generated data, next
//! to the paperless-ngx figures or a reference implementation where one exists.

mod archive;
mod classifier;
mod duplicates;
mod export;
mod index;
mod mail;
mod ocr;
mod retag;
mod sanity;
mod thumbnails;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::{cargo, run_checked, show, target_dir};

pub const USAGE: &str = "\
bench archive [--docs N] [--dpi D]
                  time `pd archive` on N generated one-page PDFs (render + text layer + PDF/A)
  bench classifier [--docs N] [--seed S] [--min-confidence C] [--no-reference]
                  train pd's classifier and scikit-learn's (paperless-ngx's model) on one corpus
  bench duplicates [--docs N] [--seed S] [--ratio R] [--no-reference]
                  time pd's duplicate search against Python rapidfuzz over all pairs
  bench export [--docs N] [--size-kib K] [--runs R]
                  time `pd export` (full and unchanged re-run) and `pd import` against paperless-ngx
  bench index [--docs N]
                  time a full reindex of 1,000 and N (10,000) generated documents, and queries
  bench mail [--mails N]
                  time `pd mail fetch` of a Dovecot mailbox (500 mails, 10 matching), first and second run
  bench ocr [--pages N] [--dpi D] [--language L] [--runs R] [--pd-env K=V]... [--no-reference]
                  time `pd consume` (OCR + PDF/A archive) of a scanned PDF against OCRmyPDF 17,
                  in turns, with CPU time and the words read
  bench retag [--docs N] [--seed S] [--runs R]
                  time `pd retag -c -T -t -s` on a generated library with rules of every algorithm
  bench sanity [--docs N] [--size-kib K] [--dir DIR]
                  time pd's full and changed-only sanity check on a generated library
  bench thumbnails [--docs N]
                  time `pd thumbnails` on N generated one-page PDFs against paperless-ngx";

pub fn run(args: &[String]) -> Result<()> {
    let Some((what, rest)) = args.split_first() else {
        bail!("what to benchmark?\n  {USAGE}");
    };
    match what.as_str() {
        "archive" => archive::run(rest),
        "classifier" => classifier::run(rest),
        "duplicates" => duplicates::run(rest),
        "export" => export::run(rest),
        "index" => index::run(rest),
        "mail" => mail::run(rest),
        "ocr" => ocr::run(rest),
        "retag" => retag::run(rest),
        "sanity" => sanity::run(rest),
        "thumbnails" => thumbnails::run(rest),
        other => bail!("unknown benchmark `{other}`:\n  {USAGE}"),
    }
}

/// Runs `command` and parses what it prints on stdout as JSON.
fn run_json(command: &mut Command) -> Result<Value> {
    let output = command
        .output()
        .with_context(|| format!("cannot start `{}`", show(command)))?;
    if !output.status.success() {
        bail!(
            "`{}` failed: {}",
            show(command),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout)
        .with_context(|| format!("`{}` printed no JSON", show(command)))
}

/// A Python that can `import module`, in the private venv `target/bench-venv` (made on
/// first use, `package` installed from PyPI). pd itself never needs Python.
fn venv_python(module: &str, package: &str) -> Result<PathBuf> {
    let venv = target_dir().join("bench-venv");
    let python = venv.join("bin/python");
    if imports(&python, module) {
        return Ok(python);
    }
    if !python.is_file() {
        run_checked(Command::new("python3").args(["-m", "venv"]).arg(&venv)).context(
            "the reference needs python3 with venv (Debian: apt-get install python3-venv)",
        )?;
    }
    run_checked(Command::new(&python).args(["-m", "pip", "install", "--quiet", package]))?;
    if !imports(&python, module) {
        bail!("{package} did not install into {}", venv.display());
    }
    Ok(python)
}

fn imports(python: &Path, module: &str) -> bool {
    python.is_file()
        && Command::new(python)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// `cargo build --release --quiet` with `what` (`-p CRATE --bin|--example NAME`).
fn build_release(what: &[&str]) -> Result<()> {
    run_checked(cargo().args(["build", "--release", "--quiet"]).args(what))
}
