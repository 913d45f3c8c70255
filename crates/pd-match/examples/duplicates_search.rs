//! Times the duplicate search on a corpus file, for `cargo xtask bench duplicates`.
//!
//! `duplicates_search CORPUS.json RATIO` reads `[{"id": …, "content": …}, …]` and prints
//! `{"seconds": …, "stats": …, "pairs": [[a, b, ratio], …]}`.

use std::time::Instant;

use pd_match::duplicates::{DuplicateDocument, DuplicateOptions, find_duplicates};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, ratio] = args.as_slice() else {
        return Err("usage: duplicates_search CORPUS.json RATIO".into());
    };
    let corpus: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let docs: Vec<DuplicateDocument> = corpus
        .iter()
        .map(|d| DuplicateDocument {
            id: d["id"].as_i64().unwrap_or_default(),
            title: String::new(),
            content: d["content"].as_str().unwrap_or_default().to_owned(),
            checksum: format!("{:064x}", d["id"].as_i64().unwrap_or_default()),
            added: pd_core::now(),
            size: None,
        })
        .collect();
    let opts = DuplicateOptions {
        ratio: ratio.parse()?,
        ..DuplicateOptions::default()
    };
    let start = Instant::now();
    let report = find_duplicates(&docs, &opts)?;
    let seconds = start.elapsed().as_secs_f64();
    let pairs: Vec<(i64, i64, f64)> = report
        .pairs
        .iter()
        .map(|p| (p.a.id, p.b.id, p.ratio))
        .collect();
    let out = serde_json::json!({ "seconds": seconds, "stats": report.stats, "pairs": pairs });
    println!("{out}");
    Ok(())
}
