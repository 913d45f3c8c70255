//! `sanity_bench DIR DOCS SIZE_KIB`: generates (or reuses) a library in DIR and prints,
//! as JSON, how fast a full and a changed-only sanity check run on it, next to how fast
//! the cores hash data already in memory. Driven by `cargo xtask bench sanity`.

#[path = "../benches/library/mod.rs"]
mod library;

use std::time::Instant;

use pd_store::sanity::{self, SanityOptions};
use rayon::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, docs, size_kib] = args.as_slice() else {
        eprintln!("usage: sanity_bench DIR DOCS SIZE_KIB");
        std::process::exit(2);
    };
    let docs: usize = docs.parse().expect("DOCS is a number");
    let size = size_kib.parse::<usize>().expect("SIZE_KIB is a number") * 1024;
    let started = Instant::now();
    let store = library::library(std::path::Path::new(dir), docs, size).await;
    let generated = started.elapsed().as_secs_f64();

    let full = SanityOptions::default();
    // The first check warms the page cache; the best of three is reported.
    let warm = sanity::check(&store, &full).await.unwrap();
    assert_eq!(
        warm.worst_level(),
        None,
        "the generated library is not clean"
    );
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        sanity::check(&store, &full).await.unwrap();
        best = best.min(t.elapsed().as_secs_f64());
    }
    let changed = SanityOptions {
        changed_only: true,
        ..SanityOptions::default()
    };
    let t = Instant::now();
    let report = sanity::check(&store, &changed).await.unwrap();
    let changed_seconds = t.elapsed().as_secs_f64();
    assert_eq!(report.mode, sanity::CheckMode::ChangedOnly);

    // What the cores can hash: each thread hashes its own buffer in memory.
    let threads = rayon::current_num_threads();
    let chunk = vec![0x5au8; 64 << 20];
    let t = Instant::now();
    (0..threads * 2).into_par_iter().for_each(|_| {
        std::hint::black_box(pd_store::media::sha256_bytes(&chunk));
    });
    let capacity = (threads * 2 * chunk.len()) as f64 / t.elapsed().as_secs_f64();

    let throughput = warm.bytes_hashed as f64 / best;
    println!(
        "{}",
        serde_json::json!({
            "documents": docs,
            "files": warm.files_hashed + docs as u64,
            "bytes_hashed": warm.bytes_hashed,
            "threads": threads,
            "generate_seconds": generated,
            "full_seconds": best,
            "throughput_bytes_per_second": throughput,
            "hash_capacity_bytes_per_second": capacity,
            "share_of_capacity": throughput / capacity,
            "changed_only_seconds": changed_seconds,
        })
    );
}
