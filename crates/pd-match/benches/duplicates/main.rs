//! The fuzzy duplicate search on generated libraries of 1,000 and 5,000 documents
//! (`cargo bench -p pd-match --bench duplicates`).

mod corpus;

use criterion::{Criterion, criterion_group, criterion_main};
use pd_match::duplicates::{DuplicateDocument, DuplicateOptions, find_duplicates};

fn documents(n: usize) -> Vec<DuplicateDocument> {
    corpus::generate(n, 42)
        .into_iter()
        .map(|d| DuplicateDocument {
            id: d.id,
            title: d.title,
            content: d.content,
            checksum: format!("{:064x}", d.id),
            added: pd_core::now(),
            size: None,
        })
        .collect()
}

fn search(c: &mut Criterion) {
    let mut group = c.benchmark_group("duplicates");
    group.sample_size(10);
    for n in [1_000, 5_000] {
        let docs = documents(n);
        for ratio in [85.0, 95.0] {
            let opts = DuplicateOptions {
                ratio,
                ..DuplicateOptions::default()
            };
            group.bench_function(format!("{n} documents, ratio {ratio}"), |b| {
                b.iter(|| find_duplicates(&docs, &opts).map(|r| r.pairs.len()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
