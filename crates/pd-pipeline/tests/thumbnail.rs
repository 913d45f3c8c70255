//! Thumbnails of real files, decoded back with `image`; the consumer storing them; and
//! `regenerate_thumbnails` over a library. PDFs go through the libpdfium the normal
//! lookup finds (`cargo xtask deps` installs it into `.deps/pdfium/`).

use std::path::{Path, PathBuf};

use image::RgbImage;
use pd_core::Config;
use pd_pipeline::PdfEngine;
use pd_pipeline::consume::consume_file;
use pd_pipeline::sample::{raw_pdf, text_pdf};
use pd_pipeline::thumbnail::{
    ThumbnailKind, ThumbnailOptions, ThumbnailProgress, placeholder, regenerate_thumbnails,
    render_thumbnail, write_thumbnail,
};
use pd_store::Store;

fn engine() -> PdfEngine {
    PdfEngine::new(None).unwrap_or_else(|err| panic!("{err}"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Decodes WebP bytes, failing the test when they are not a WebP image.
fn decode(webp: &[u8]) -> RgbImage {
    assert!(webp.starts_with(b"RIFF") && &webp[8..12] == b"WEBP");
    image::load_from_memory_with_format(webp, image::ImageFormat::WebP)
        .expect("a valid WebP")
        .to_rgb8()
}

fn dark_pixels(image: &RgbImage) -> usize {
    image
        .pixels()
        .filter(|p| p.0.iter().all(|&c| c < 100))
        .count()
}

/// One page with the given box entries and a filled black square at (0,0)–(100,100).
fn boxed_page(boxes: &str) -> Vec<u8> {
    let content = "0 0 0 rg 0 0 100 100 re f";
    raw_pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            &format!("<< /Type /Page /Parent 2 0 R {boxes} /Contents 4 0 R >>"),
            &format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len()
            ),
        ],
        "",
    )
}

#[test]
fn a_pdf_thumbnail_is_the_first_page_500_pixels_wide() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = text_pdf(&[
        "INVOICE 2024-017\nBrightwater Office Supplies\nTotal due: 297.66 GBP",
        "Second page, never in the thumbnail",
    ]);
    let path = write(dir.path(), "invoice.pdf", &pdf);
    let thumb = render_thumbnail(&path, "application/pdf", Some(&engine())).unwrap();
    assert_eq!(thumb.kind, ThumbnailKind::Page);
    assert!(thumb.warning.is_none());
    // A4 (595 × 842 pt) at 300 dpi is 2479 px wide, shrunk to 500.
    assert_eq!((thumb.width, thumb.height), (500, 708));
    let image = decode(&thumb.webp);
    assert_eq!(image.dimensions(), (500, 708));
    // Text near the top left, white everywhere else, no transparency left.
    assert!(dark_pixels(&image) > 50, "the text is drawn");
    assert_eq!(image.get_pixel(499, 707).0, [255, 255, 255]);
    assert!(thumb.webp.len() < 150_000, "{} bytes", thumb.webp.len());
}

#[test]
fn the_crop_box_is_what_is_shown_and_small_pages_are_not_enlarged() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();
    // Cropped to the black square's lower left 100 × 100 points: all black, square.
    let cropped = write(
        dir.path(),
        "cropped.pdf",
        &boxed_page("/MediaBox [0 0 595 842] /CropBox [0 0 100 100]"),
    );
    let thumb = render_thumbnail(&cropped, "application/pdf", Some(&engine)).unwrap();
    // 100 pt at 300 dpi is 417 px: below 500, so it stays that size.
    assert_eq!((thumb.width, thumb.height), (417, 417));
    let image = decode(&thumb.webp);
    assert_eq!(image.get_pixel(208, 208).0, [0, 0, 0]);

    let wide = write(
        dir.path(),
        "wide.pdf",
        &boxed_page("/MediaBox [0 0 1000 100]"),
    );
    let thumb = render_thumbnail(&wide, "application/pdf", Some(&engine)).unwrap();
    assert_eq!((thumb.width, thumb.height), (500, 50));
}

#[test]
fn text_files_are_drawn_on_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let note = write(
        dir.path(),
        "note.txt",
        "Dentist on 7 May 2024\nbring the card\n".as_bytes(),
    );
    let thumb = render_thumbnail(&note, "text/plain", None).unwrap();
    assert_eq!(thumb.kind, ThumbnailKind::Text);
    let image = decode(&thumb.webp);
    assert_eq!(image.dimensions(), (500, 700));
    assert!(dark_pixels(&image) > 100);
    // Latin-1 CSV, not UTF-8: drawn all the same.
    let csv = write(dir.path(), "table.csv", b"Stra\xdfe;Betrag\nHaupt;12\n");
    let thumb = render_thumbnail(&csv, "text/csv", None).unwrap();
    assert_eq!(thumb.kind, ThumbnailKind::Text);
    assert!(dark_pixels(&decode(&thumb.webp)) > 50);
}

#[test]
fn broken_and_locked_pdfs_get_the_placeholder_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();
    let truncated = text_pdf(&["Invoice"]);
    let broken = write(dir.path(), "broken.pdf", &truncated[..40]);
    let thumb = render_thumbnail(&broken, "application/pdf", Some(&engine)).unwrap();
    assert_eq!(thumb.kind, ThumbnailKind::Placeholder);
    let warning = thumb.warning.unwrap();
    assert!(warning.contains("broken.pdf"), "{warning}");
    assert!(warning.contains("generic thumbnail"), "{warning}");
    assert_eq!(decode(&thumb.webp).dimensions(), (500, 700));

    let o = "5a".repeat(32);
    let u = "c3".repeat(32);
    let encrypt = format!("<< /Filter /Standard /V 1 /R 2 /Length 40 /O <{o}> /U <{u}> /P -44 >>");
    let locked = raw_pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            &encrypt,
        ],
        "/Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]",
    );
    let locked = write(dir.path(), "locked.pdf", &locked);
    let thumb = render_thumbnail(&locked, "application/pdf", Some(&engine)).unwrap();
    assert_eq!(thumb.kind, ThumbnailKind::Placeholder);
    assert!(thumb.warning.unwrap().contains("password"));
    // The placeholder is the same picture whatever went wrong.
    assert_eq!(thumb.webp, placeholder("PDF", None).unwrap().webp);
}

#[test]
fn thumbnails_are_written_atomically_over_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("documents/thumbnails/0000007.webp");
    let thumb = placeholder("TEXT", None).unwrap();
    write_thumbnail(&thumb, &dest).unwrap();
    std::fs::write(&dest, b"old").unwrap();
    write_thumbnail(&thumb, &dest).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), thumb.webp);
    let names: Vec<_> = std::fs::read_dir(dest.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["0000007.webp"]);
}

async fn library(dir: &Path) -> Store {
    Store::init(&Config::for_data_dir(dir.join("data")))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_consumer_stores_a_thumbnail_with_every_document() {
    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path()).await;
    let engine = engine();
    let pdf = write(
        dir.path(),
        "letter.pdf",
        &text_pdf(&["Dear Anna,\nthe rent rises."]),
    );
    let txt = write(dir.path(), "note.txt", b"Buy milk\n");
    for (path, width, height) in [(&pdf, 500, 708), (&txt, 500, 700)] {
        let done = consume_file(&store, Some(&engine), path).await.unwrap();
        assert!(done.warnings.is_empty(), "{:?}", done.warnings);
        let thumb = store.media().thumbnail_path(&done.document);
        let image = decode(&std::fs::read(&thumb).unwrap());
        assert_eq!(image.dimensions(), (width, height));
    }
    let names: Vec<_> = std::fs::read_dir(store.media().thumbnails_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(names, ["0000001.webp", "0000002.webp"]);
}

#[tokio::test]
async fn regenerating_replaces_thumbnails_of_documents_not_in_the_trash() {
    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path()).await;
    let engine = engine();
    let mut ids = Vec::new();
    for i in 0..3 {
        let text = format!("Document number {i}");
        let path = write(dir.path(), &format!("doc{i}.pdf"), &text_pdf(&[&text]));
        ids.push(
            consume_file(&store, Some(&engine), &path)
                .await
                .unwrap()
                .document,
        );
    }
    store.trash_document(ids[2].id).await.unwrap();
    for doc in &ids {
        std::fs::write(store.media().thumbnail_path(doc), b"stale").unwrap();
    }
    let events = std::sync::Mutex::new(Vec::new());
    let progress = |e: ThumbnailProgress| events.lock().unwrap().push(e);
    let opts = ThumbnailOptions {
        document: None,
        processes: 2,
    };
    let report = regenerate_thumbnails(&store, Some(&engine), &opts, &progress)
        .await
        .unwrap();
    assert_eq!(
        (report.documents, report.pages, report.failed.len()),
        (2, 2, 0)
    );
    assert_eq!(report.processes, 2);
    assert_eq!(
        events.lock().unwrap().len(),
        3,
        "started + one per document"
    );
    for doc in &ids[..2] {
        let bytes = std::fs::read(store.media().thumbnail_path(doc)).unwrap();
        assert_eq!(decode(&bytes).width(), 500);
    }
    let trashed = std::fs::read(store.media().thumbnail_path(&ids[2])).unwrap();
    assert_eq!(trashed, b"stale");

    // One document; a missing original is that document's failure, not the run's.
    std::fs::remove_file(store.media().original_path(&ids[1]).unwrap()).unwrap();
    let one = ThumbnailOptions {
        document: Some(ids[1].id),
        processes: 1,
    };
    let report = regenerate_thumbnails(&store, Some(&engine), &one, &|_| {})
        .await
        .unwrap();
    assert_eq!(report.documents, 1);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].document_id, ids[1].id);
    let trashed = ThumbnailOptions {
        document: Some(ids[2].id),
        processes: 1,
    };
    let err = regenerate_thumbnails(&store, Some(&engine), &trashed, &|_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("trash"), "{err}");
}
