//! `cargo xtask bench sanity`: pd's sanity check on a generated library (originals,
//! archives and thumbnails of a chosen size), through the library and through the `pd`
//! binary, next to what the cores can hash and to paperless-ngx 3.0.5's figures.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::build_release;
use super::run_json;
use crate::{show, target_dir};

const USAGE: &str = "bench sanity [--docs N] [--size-kib K] [--dir DIR]";

/// paperless-ngx 3.0.5's `document_sanity_checker`, measured on this kind of machine.
const PAPERLESS_SECONDS: &[(usize, f64)] = &[(1000, 3.48), (5000, 8.15)];

pub fn run(rest: &[String]) -> Result<()> {
    let (mut docs, mut size_kib, mut dir) = (1000usize, 64usize, None::<PathBuf>);
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--docs" => docs = value()?.parse().context("--docs takes a number")?,
            "--size-kib" => size_kib = value()?.parse().context("--size-kib takes a number")?,
            "--dir" => dir = Some(PathBuf::from(value()?)),
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    if docs == 0 || size_kib == 0 {
        bail!("--docs and --size-kib must be at least 1");
    }
    let dir = dir.unwrap_or_else(|| target_dir().join(format!("bench/sanity-{docs}-{size_kib}k")));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    build_release(&["-p", "pd-store", "--example", "sanity_bench"])?;
    build_release(&["-p", "pd-cli", "--bin", "pd"])?;
    let release = target_dir().join("release");

    println!(
        "library: {docs} documents, originals and archives of ~{size_kib} KiB, 8 KiB thumbnails ({})",
        dir.display()
    );
    let lib = run_json(
        Command::new(release.join("examples/sanity_bench"))
            .arg(&dir)
            .arg(docs.to_string())
            .arg((size_kib).to_string()),
    )?;
    let mb = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN) / 1e6;
    println!(
        "library, full check:    {:>8.3} s  {:.0} MB hashed in {} files, {:.0} MB/s \
         ({:.0}% of the {:.0} MB/s {} threads hash in memory)",
        lib["full_seconds"].as_f64().unwrap_or(f64::NAN),
        mb(&lib["bytes_hashed"]),
        lib["files"],
        mb(&lib["throughput_bytes_per_second"]),
        lib["share_of_capacity"].as_f64().unwrap_or(f64::NAN) * 100.0,
        mb(&lib["hash_capacity_bytes_per_second"]),
        lib["threads"],
    );
    println!(
        "library, changed only:  {:>8.3} s",
        lib["changed_only_seconds"].as_f64().unwrap_or(f64::NAN)
    );

    // The whole command as an administrator runs it: process start, database, report.
    let mut best = f64::MAX;
    for _ in 0..3 {
        let mut command = Command::new(release.join("pd"));
        command
            .arg("--data-dir")
            .arg(&dir)
            .args(["sanity", "--no-progress-bar", "--json"]);
        let started = Instant::now();
        let output = command
            .output()
            .with_context(|| format!("cannot start `{}`", show(&command)))?;
        best = best.min(started.elapsed().as_secs_f64());
        if !output.status.success() {
            bail!(
                "`{}` reported problems on the generated library: {}",
                show(&command),
                String::from_utf8_lossy(&output.stdout)
            );
        }
    }
    println!("pd sanity (binary):     {best:>8.3} s  best of 3");
    if let Some((_, seconds)) = PAPERLESS_SECONDS.iter().find(|(n, _)| *n == docs) {
        println!(
            "paperless-ngx 3.0.5:    {seconds:>8.3} s  ({docs} documents) -> {:.0}x faster",
            seconds / best
        );
    }
    Ok(())
}
