//! Archive throughput (`cargo bench -p pd-pipeline --bench archive`): an A4 scan at
//! 300 dpi with 50 lines of words written as a PDF/A-2B page (bilevel, lossless), the
//! same page in colour (JPEG), and a born-digital A4 page rendered by PDFium at 300 dpi
//! with its text layer. `cargo xtask bench archive` times `pd archive` on a library.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use image::DynamicImage;
use pd_pipeline::PdfEngine;
use pd_pipeline::archive::{ArchiveOptions, ArchivePage, archive_from_pdf, archive_pdf_bytes};
use pd_pipeline::sample::{sample_documents, scanned_page_with_words};

fn lines() -> Vec<String> {
    (0..50)
        .map(|i| {
            format!("LINE {i:02} OF THE GENERATED SCAN, WITH INVOICE 2024-{i:03} AND 12.50 EUR")
        })
        .collect()
}

fn pages(c: &mut Criterion) {
    let lines = lines();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (scan, words) = scanned_page_with_words(&lines);
    let bilevel = DynamicImage::ImageLuma8(scan);
    let colour = DynamicImage::ImageRgb8(bilevel.to_rgb8());
    let mut tinted = colour.to_rgb8();
    for p in tinted.pixels_mut() {
        p[2] = p[2].saturating_sub(40); // a yellowish paper: a colour page
    }
    let tinted = DynamicImage::ImageRgb8(tinted);

    let mut group = c.benchmark_group("archive page");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    for (name, image) in [
        ("A4 300 dpi bilevel scan, Flate", &bilevel),
        ("A4 300 dpi colour scan, JPEG", &tinted),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let page = ArchivePage {
                    image,
                    dpi: 300.0,
                    words: &words,
                };
                archive_pdf_bytes(&[page], &ArchiveOptions::default()).unwrap()
            })
        });
    }

    let engine = PdfEngine::new(None).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let (_, invoice) = sample_documents().swap_remove(0);
    let src = dir.path().join("invoice.pdf");
    std::fs::write(&src, invoice).unwrap();
    let dest = dir.path().join("archive.pdf");
    group.bench_function("A4 born-digital PDF: PDFium 300 dpi + text layer", |b| {
        b.iter(|| {
            archive_from_pdf(&engine, &src, 300.0, &ArchiveOptions::default(), &dest).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
