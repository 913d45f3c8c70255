//! Times a full reindex of generated libraries and typical queries, for
//! `cargo xtask bench index`. Usage: `index_bench DIR DOCS…`; prints one JSON line per
//! library size.

use std::ops::ControlFlow;
use std::time::Instant;

use pd_index::{ReindexOptions, SearchOptions, open_current, reindex};

#[path = "../benches/library.rs"]
mod library;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((dir, sizes)) = args.split_first() else {
        eprintln!("usage: index_bench DIR DOCS…");
        std::process::exit(2);
    };
    for docs in sizes {
        let docs: usize = docs.parse().expect("DOCS is a number");
        let dir = std::path::Path::new(dir).join(format!("lib-{docs}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("clean");
        }
        let store = library::build(&dir, docs).await;
        let opts = ReindexOptions {
            restart: true,
            ..ReindexOptions::default()
        };
        let start = Instant::now();
        reindex(&store, &opts, &mut |_, _| ControlFlow::Continue(()))
            .await
            .expect("reindex");
        let reindex_s = start.elapsed().as_secs_f64();
        let (index, _) = open_current(&store).await.expect("index");
        let mut queries = Vec::new();
        for q in library::QUERIES {
            let mut times: Vec<f64> = (0..RUNS)
                .map(|_| {
                    let t = Instant::now();
                    index.search(q, &SearchOptions::default()).expect("search");
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            times.sort_by(f64::total_cmp);
            let total = index
                .search(q, &SearchOptions::default())
                .expect("search")
                .total;
            queries.push(serde_json::json!({
                "query": q, "hits": total, "median_ms": times[RUNS / 2],
                "p99_ms": times[RUNS * 99 / 100], "max_ms": times[RUNS - 1]
            }));
        }
        let json = serde_json::json!({
            "docs": docs, "reindex_s": reindex_s, "segments": index.segment_count().expect("segments"),
            "queries": queries, "peak_rss_mb": peak_rss_mb(),
        });
        println!("{json}");
    }
}

/// Runs of each query; the median and the 99th percentile are reported.
const RUNS: usize = 200;

/// The process's peak resident memory so far (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
