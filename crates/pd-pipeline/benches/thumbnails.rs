//! Thumbnail throughput (`cargo bench -p pd-pipeline --bench thumbnails`): one page
//! rendered and encoded, one text page drawn, and `regenerate_thumbnails` over a small
//! library on one thread and on every core. `cargo xtask bench thumbnails` times the
//! `pd` binary on 1,000 documents against paperless-ngx.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pd_core::Config;
use pd_pipeline::PdfEngine;
use pd_pipeline::consume::consume_file;
use pd_pipeline::sample::{sample_documents, text_pdf};
use pd_pipeline::thumbnail::{ThumbnailOptions, regenerate_thumbnails, render_thumbnail};
use pd_store::Store;

const LIBRARY_DOCS: usize = 100;

fn single(c: &mut Criterion) {
    let engine = PdfEngine::new(None).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let (_, invoice) = sample_documents().swap_remove(0);
    let pdf = dir.path().join("invoice.pdf");
    std::fs::write(&pdf, invoice).unwrap();
    let note = dir.path().join("note.txt");
    std::fs::write(
        &note,
        "Dear landlord,\n\nthe heating has failed again.\n".repeat(12),
    )
    .unwrap();

    let mut group = c.benchmark_group("thumbnail");
    group.throughput(Throughput::Elements(1));
    group.bench_function("A4 invoice: PDFium render + lossless WebP", |b| {
        b.iter(|| render_thumbnail(&pdf, "application/pdf", Some(&engine)).unwrap())
    });
    group.bench_function("text file: drawn + lossless WebP", |b| {
        b.iter(|| render_thumbnail(&note, "text/plain", None).unwrap())
    });
    group.finish();
}

fn library(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine = PdfEngine::new(None).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let store = runtime.block_on(async {
        let store = Store::init(&Config::for_data_dir(dir.path().join("data")))
            .await
            .unwrap();
        for i in 0..LIBRARY_DOCS {
            let text = format!(
                "Invoice {i:05}\nTotal due: {}.{:02} EUR\nThank you.",
                i * 7,
                i % 100
            );
            let path = dir.path().join(format!("{i:05}.pdf"));
            std::fs::write(&path, text_pdf(&[&text])).unwrap();
            consume_file(&store, Some(&engine), &path).await.unwrap();
        }
        store
    });
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut group = c.benchmark_group("regenerate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LIBRARY_DOCS as u64));
    for processes in [1, cores] {
        let opts = ThumbnailOptions {
            document: None,
            processes,
        };
        group.bench_function(
            format!("{LIBRARY_DOCS} one-page PDFs, {processes} thread(s)"),
            |b| {
                b.iter(|| {
                    let report = runtime
                        .block_on(regenerate_thumbnails(&store, Some(&engine), &opts, &|_| {}))
                        .unwrap();
                    assert_eq!(report.pages, LIBRARY_DOCS);
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, single, library);
criterion_main!(benches);
