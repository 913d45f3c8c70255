//! `bench_library DIR DOCS SIZE_KIB`: generates (or reuses) a library in DIR with DOCS
//! documents — originals and archives of about SIZE_KIB KiB, 8 KiB thumbnails — that the
//! `pd` binary can open. Driven by `cargo xtask bench export`.

#[path = "../benches/library/mod.rs"]
mod library;

use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, docs, size_kib] = args.as_slice() else {
        eprintln!("usage: bench_library DIR DOCS SIZE_KIB");
        std::process::exit(2);
    };
    let docs: usize = docs.parse().expect("DOCS is a number");
    let size = size_kib.parse::<usize>().expect("SIZE_KIB is a number") * 1024;
    let started = Instant::now();
    library::library(std::path::Path::new(dir), docs, size).await;
    println!(
        "{}",
        serde_json::json!({ "documents": docs, "generate_seconds": started.elapsed().as_secs_f64() })
    );
}
