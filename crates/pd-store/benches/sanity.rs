//! Hashing and sanity-check throughput on a generated library (`cargo bench -p pd-store`).
//! `cargo xtask bench sanity` measures larger libraries and the `pd` binary.

mod library;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pd_store::sanity::{self, SanityOptions};

const DOCS: usize = 300;
const SIZE: usize = 256 * 1024;

fn hashing(c: &mut Criterion) {
    let data = vec![7u8; 8 << 20];
    let mut group = c.benchmark_group("sha256");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("8 MiB in memory, one thread", |b| {
        b.iter(|| pd_store::media::sha256_bytes(&data))
    });
    group.finish();
}

fn sanity_check(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = runtime.block_on(library::library(dir.path(), DOCS, SIZE));
    let full = SanityOptions::default();
    // Warm the page cache and find the volume read by one check.
    let report = runtime.block_on(sanity::check(&store, &full)).unwrap();
    assert_eq!(report.worst_level(), None);
    let mut group = c.benchmark_group("sanity");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(report.bytes_hashed));
    group.bench_function(format!("full check, {DOCS} documents, all cores"), |b| {
        b.iter(|| runtime.block_on(sanity::check(&store, &full)).unwrap())
    });
    let one = SanityOptions {
        threads: Some(1),
        ..SanityOptions::default()
    };
    group.bench_function(format!("full check, {DOCS} documents, one thread"), |b| {
        b.iter(|| runtime.block_on(sanity::check(&store, &one)).unwrap())
    });
    let changed = SanityOptions {
        changed_only: true,
        ..SanityOptions::default()
    };
    group.bench_function(format!("changed only, {DOCS} unchanged documents"), |b| {
        b.iter(|| runtime.block_on(sanity::check(&store, &changed)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, hashing, sanity_check);
criterion_main!(benches);
