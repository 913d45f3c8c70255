//! Criterion benches: a full reindex of 1,000 generated documents from a SQLite
//! library, and typical queries on it. `cargo bench -p pd-index --bench index`.

use std::ops::ControlFlow;

use criterion::{Criterion, criterion_group, criterion_main};
use pd_index::{ReindexOptions, SearchOptions, open_current, reindex};

mod library;

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = rt.block_on(library::build(dir.path(), 1000));
    let opts = ReindexOptions {
        restart: true,
        ..ReindexOptions::default()
    };
    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.bench_function("reindex 1000 documents", |b| {
        b.iter(|| {
            rt.block_on(reindex(
                &store,
                &opts,
                &mut |_, _| ControlFlow::Continue(()),
            ))
            .expect("reindex")
        })
    });
    let (index, _) = rt.block_on(open_current(&store)).expect("index");
    for q in library::QUERIES {
        group.bench_function(format!("query {q}"), |b| {
            b.iter(|| index.search(q, &SearchOptions::default()).expect("search"))
        });
    }
    group.finish();
}

criterion_group!(index, benches);
criterion_main!(index);
