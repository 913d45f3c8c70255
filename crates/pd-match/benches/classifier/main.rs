//! Classifier training and prediction on a generated, labelled library of 1,000
//! documents (`cargo bench -p pd-match --bench classifier`).

mod corpus;

use criterion::{Criterion, criterion_group, criterion_main};
use pd_match::classifier::{Classifier, TrainingDocument};

fn documents(n: usize) -> Vec<TrainingDocument> {
    corpus::generate(n, 42)
        .into_iter()
        .map(|d| TrainingDocument {
            id: d.id,
            content: d.content,
            correspondent: d.correspondent,
            document_type: d.document_type,
            storage_path: d.storage_path,
            tags: d.tags,
        })
        .collect()
}

fn classifier(c: &mut Criterion) {
    let mut group = c.benchmark_group("classifier");
    group.sample_size(10);
    let docs = documents(1_000);
    group.bench_function("train, 1000 documents", |b| {
        b.iter(|| Classifier::train(&docs, String::new()).labels())
    });
    let model = Classifier::train(&docs, String::new());
    group.bench_function("predict, 1000 documents", |b| {
        b.iter(|| {
            docs.iter()
                .filter(|d| model.predict(&d.content).correspondent.is_some())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, classifier);
criterion_main!(benches);
