//! `pd thumbnails` through the real binary: all documents or one, JSON, warnings for
//! placeholders and exit code 1 for failures; and the thumbnails `pd consume` writes.

mod common;

use std::path::PathBuf;

use common::Library;
use pd_pipeline::sample::text_pdf;
use serde_json::Value;

/// A library with two consumed PDFs and a text file: ids 1 and 2 are the PDFs.
fn library() -> Library {
    let lib = Library::new();
    let inbox = lib.inbox();
    std::fs::write(
        inbox.join("a invoice.pdf"),
        text_pdf(&["Invoice 17\nTotal 12 EUR"]),
    )
    .unwrap();
    std::fs::write(
        inbox.join("b letter.pdf"),
        text_pdf(&["Dear Anna,\nhello."]),
    )
    .unwrap();
    std::fs::write(inbox.join("c note.txt"), "Buy milk\n").unwrap();
    lib.ok(&["consume", inbox.to_str().unwrap()]);
    lib
}

/// The width and height of a WebP file, which must decode.
fn webp_size(path: &PathBuf) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (image.width(), image.height())
}

#[test]
fn consume_writes_a_thumbnail_per_document() {
    let lib = library();
    assert_eq!(webp_size(&lib.thumbnail(1)), (500, 708));
    assert_eq!(webp_size(&lib.thumbnail(2)), (500, 708));
    assert_eq!(webp_size(&lib.thumbnail(3)), (500, 700));
}

#[test]
fn all_documents_not_in_the_trash_get_new_thumbnails() {
    let lib = library();
    lib.expect(0, &["documents", "delete", "2"]);
    for id in 1..=3 {
        std::fs::write(lib.thumbnail(id), b"stale").unwrap();
    }
    let report = lib.json(&["thumbnails"]);
    assert_eq!(report["documents"], 2);
    assert_eq!(report["pages"], 1);
    assert_eq!(report["text"], 1);
    assert_eq!(report["failed"].as_array().unwrap().len(), 0);
    let quarter = std::thread::available_parallelism().map_or(1, usize::from) / 4;
    assert_eq!(
        report["processes"],
        quarter.clamp(1, 2),
        "a quarter of the cores, at least 1"
    );
    assert_eq!(webp_size(&lib.thumbnail(1)), (500, 708));
    assert_eq!(webp_size(&lib.thumbnail(3)), (500, 700));
    assert_eq!(
        std::fs::read(lib.thumbnail(2)).unwrap(),
        b"stale",
        "trashed"
    );

    let text = lib.expect(0, &["thumbnails", "--processes", "2"]);
    assert!(
        text.contains("2 thumbnail(s) made for 2 document(s)"),
        "{text}"
    );
    assert!(text.contains("on 2 thread(s)"), "{text}");
}

#[test]
fn one_document_with_document_flag() {
    let lib = library();
    std::fs::remove_file(lib.thumbnail(1)).unwrap();
    std::fs::remove_file(lib.thumbnail(3)).unwrap();
    let report = lib.json(&["thumbnails", "--document", "1"]);
    assert_eq!(report["documents"], 1);
    assert!(lib.thumbnail(1).exists());
    assert!(!lib.thumbnail(3).exists());
    lib.expect(0, &["thumbnails", "-d", "3"]);
    assert!(lib.thumbnail(3).exists());

    let (code, _, stderr) = lib.run(&["thumbnails", "--document", "99"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("99"), "{stderr}");
    let (code, _, stderr) = lib.run(&["thumbnails", "--processes", "0"]);
    assert_eq!(code, 2, "a usage error: {stderr}");
}

#[test]
fn placeholders_warn_and_failures_exit_one() {
    let lib = library();
    // Damage one PDF (placeholder + warning) and remove another's original (failure).
    std::fs::write(lib.original("0000001.pdf"), b"%PDF-1.4\nbroken").unwrap();
    std::fs::remove_file(lib.original("0000002.pdf")).unwrap();
    let (code, stdout, stderr) = lib.run(&["thumbnails", "--json"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["placeholders"], 1);
    assert_eq!(report["warnings"][0]["document_id"], 1);
    assert_eq!(report["failed"][0]["document_id"], 2);
    assert!(stderr.contains("warning: document 1:"), "{stderr}");
    assert!(stderr.contains("generic thumbnail"), "{stderr}");
    assert!(stderr.contains("Failed document 2:"), "{stderr}");
    assert_eq!(webp_size(&lib.thumbnail(1)), (500, 700));
    // The failed document keeps its old thumbnail.
    assert_eq!(webp_size(&lib.thumbnail(2)), (500, 708));
}
