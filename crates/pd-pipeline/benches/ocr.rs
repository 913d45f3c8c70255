//! OCR throughput (`cargo bench -p pd-pipeline --bench ocr`): one scanned A4 page read
//! by Tesseract, and a scanned PDF of several pages parsed (PDFium renders at 300 dpi,
//! Tesseract reads) with one page at a time and one per core. `cargo xtask bench ocr`
//! times the `pd` binary on the same kind of pages against OCRmyPDF.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use image::DynamicImage;
use pd_pipeline::ocr::{Tesseract, default_jobs, ocr_image};
use pd_pipeline::sample::{image_pdf, sample_scans};
use pd_pipeline::{ParseOptions, PdfEngine, parse_document_with};

const DPI: u32 = 300;
const PDF_PAGES: usize = 4;

fn page(c: &mut Criterion) {
    let tesseract = Tesseract::new(None, "eng").unwrap_or_else(|e| panic!("{e}"));
    let scan = DynamicImage::ImageLuma8(sample_scans(DPI).swap_remove(0));
    let mut group = c.benchmark_group("ocr");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1));
    group.bench_function("one A4 page at 300 dpi, Tesseract eng", |b| {
        b.iter(|| ocr_image(&tesseract, &scan, DPI as f32).unwrap())
    });
    group.finish();
}

fn scanned_pdf(c: &mut Criterion) {
    let engine = PdfEngine::new(None).unwrap_or_else(|e| panic!("{e}"));
    let scans: Vec<DynamicImage> = sample_scans(DPI)
        .into_iter()
        .cycle()
        .take(PDF_PAGES)
        .map(DynamicImage::ImageLuma8)
        .collect();
    let pages: Vec<(&DynamicImage, f32)> = scans.iter().map(|s| (s, DPI as f32)).collect();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("scan.pdf");
    std::fs::write(&pdf, image_pdf(&pages)).unwrap();

    let mut group = c.benchmark_group("scanned pdf");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PDF_PAGES as u64));
    let mut jobs = vec![1];
    if default_jobs() > 1 {
        jobs.push(default_jobs());
    }
    for jobs in jobs {
        let options = ParseOptions {
            engine: Some(engine),
            jobs,
            ..ParseOptions::default()
        };
        group.bench_function(format!("{PDF_PAGES} pages, {jobs} at a time"), |b| {
            b.iter(|| {
                let parsed = parse_document_with(&pdf, &options).unwrap();
                assert_eq!(parsed.ocr_pages.len(), PDF_PAGES);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, page, scanned_pdf);
criterion_main!(benches);
