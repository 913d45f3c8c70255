//! `cargo xtask corpus`: a generated library with planted near-duplicates, as JSON (and
//! optionally as text files to consume with `pd consume`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

#[path = "../../crates/pd-match/benches/duplicates/corpus.rs"]
mod generator;

pub use generator::{CorpusDocument, generate};

pub const USAGE: &str = "corpus [--docs N] [--seed S] [--out FILE] [--txt DIR]";

/// Parses the corpus flags and writes the corpus.
pub fn run(args: &[String]) -> Result<()> {
    let mut docs = 1000;
    let mut seed = 42;
    let mut out = None;
    let mut txt = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--docs" => docs = value()?.parse().context("--docs takes a number")?,
            "--seed" => seed = value()?.parse().context("--seed takes a number")?,
            "--out" => out = Some(PathBuf::from(value()?)),
            "--txt" => txt = Some(PathBuf::from(value()?)),
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    let out = out.unwrap_or_else(|| default_path(docs, seed));
    let corpus = generate(docs, seed);
    write_json(&corpus, &out)?;
    let planted = corpus.iter().filter(|d| d.planted.is_some()).count();
    println!(
        "{} documents ({planted} planted near-duplicates) written to {}",
        corpus.len(),
        out.display()
    );
    if let Some(dir) = txt {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for d in &corpus {
            let path = dir.join(format!("{:06}.txt", d.id));
            std::fs::write(&path, &d.content)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        println!("text files written to {}", dir.display());
    }
    Ok(())
}

pub fn default_path(docs: usize, seed: u64) -> PathBuf {
    crate::target_dir()
        .join("corpus")
        .join(format!("duplicates-{docs}-{seed}.json"))
}

/// `[{"id", "title", "content", "planted_from", "planted_kind"}, …]`.
pub fn write_json(corpus: &[CorpusDocument], path: &Path) -> Result<()> {
    let docs: Vec<serde_json::Value> = corpus
        .iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id,
                "title": d.title,
                "content": d.content,
                "planted_from": d.planted.map(|p| p.0),
                "planted_kind": d.planted.map(|p| p.1),
            })
        })
        .collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, serde_json::to_string(&docs)?)
        .with_context(|| format!("writing {}", path.display()))
}
