//! Archive versions made by `pd consume` (and `pd archive` for scans) through the real
//! binary, per `PD_ARCHIVE_FILE_GENERATION`: `auto` archives images and scanned PDFs but
//! not PDFs with a text layer, `always` archives those too, `never` nothing; text never
//! gets one. Every archive is stored under `documents/archive/` with its SHA-256
//! recorded, passes the independent PDF/A-2B validator and has the OCR words as text.
//! Damaged or encrypted files leave the library as it was.

mod common;
#[path = "../../pd-pipeline/tests/support/pdfa.rs"]
mod pdfa;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use common::Library;
use image::{DynamicImage, ImageFormat};
use pd_pipeline::sample::{image_pdf, raw_pdf, text_image, text_pdf};
use serde_json::Value;

fn scan(text: &str) -> DynamicImage {
    DynamicImage::ImageLuma8(text_image(text, 4))
}

fn png(image: &DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A scanned invoice (PNG), a scanned two-page contract (image-only PDF), a letter with
/// a text layer and a text note, in the library's inbox.
fn fill_inbox(lib: &Library) -> PathBuf {
    let inbox = lib.inbox();
    std::fs::write(
        inbox.join("invoice.png"),
        png(&scan("Invoice from Brightwater\nTotal 119 EUR")),
    )
    .unwrap();
    let one = scan("Scanned contract\nSigned in Leeds");
    let two = scan("Appendix with prices");
    std::fs::write(
        inbox.join("contract.pdf"),
        image_pdf(&[(&one, 300.0), (&two, 300.0)]),
    )
    .unwrap();
    std::fs::write(
        inbox.join("letter.pdf"),
        text_pdf(&["Dear Anna,\nthe harbour opens in May."]),
    )
    .unwrap();
    std::fs::write(inbox.join("note.txt"), "Buy milk\n").unwrap();
    inbox
}

fn by_name<'a>(docs: &'a [Value], name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["original_filename"] == name)
        .unwrap_or_else(|| panic!("no document from {name}"))
}

fn archive_dir(lib: &Library) -> PathBuf {
    lib.media().join("documents/archive")
}

/// The files in the archive folder, sorted (none when it does not exist).
fn archive_files(lib: &Library) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(archive_dir(lib))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Checks the document's recorded archive: its file, checksum, PDF/A-2B conformance,
/// page count and words (case ignored: OCR of the bitmap font mixes up a few).
fn assert_archive(lib: &Library, doc: &Value, pages: usize, words: &[&str]) -> PathBuf {
    let name = doc["archive_filename"]
        .as_str()
        .unwrap_or_else(|| panic!("no archive: {doc}"));
    let path = archive_dir(lib).join(name);
    let sha = pd_store::media::sha256_file(&path).unwrap();
    assert_eq!(doc["archive_checksum"], Value::String(sha), "{doc}");
    pdfa::assert_pdfa_2b(&path, pages);
    let text = pdfa::pdftotext(&path).to_lowercase();
    for word in words {
        assert!(
            text.contains(&word.to_lowercase()),
            "`{word}` not in the archive of {}: {text}",
            doc["original_filename"]
        );
    }
    path
}

fn assert_no_archive(doc: &Value) {
    assert!(doc["archive_filename"].is_null(), "{doc}");
    assert!(doc["archive_checksum"].is_null(), "{doc}");
}

fn consume(lib: &Library, inbox: &Path, generation: &str) -> Value {
    let report = lib.expect_json(
        0,
        &["consume", inbox.to_str().unwrap()],
        &[("PD_ARCHIVE_FILE_GENERATION", generation)],
    );
    assert_eq!(report["consumed"].as_array().unwrap().len(), 4, "{report}");
    report
}

#[test]
fn auto_archives_scans_but_not_pdfs_with_text() {
    let lib = Library::new();
    let inbox = fill_inbox(&lib);
    consume(&lib, &inbox, "auto");
    let docs = lib.documents();
    let invoice = by_name(&docs, "invoice.png");
    // Named as the library names archives: the original's name with `.pdf`.
    let original = invoice["filename"].as_str().unwrap();
    assert_eq!(
        invoice["archive_filename"],
        original.replace(".png", ".pdf"),
        "{invoice}"
    );
    assert_archive(&lib, invoice, 1, &["Invoice", "Brightwater", "119"]);
    let contract = by_name(&docs, "contract.pdf");
    assert_archive(
        &lib,
        contract,
        2,
        &["Scanned", "contract", "Leeds", "Appendix", "prices"],
    );
    assert_no_archive(by_name(&docs, "letter.pdf"));
    assert_no_archive(by_name(&docs, "note.txt"));
    assert_eq!(archive_files(&lib).len(), 2, "{:?}", archive_files(&lib));
    // The sanity checker hashes the archives against their recorded checksums.
    lib.ok(&["sanity"]);
}

#[test]
fn always_archives_pdfs_with_text_too_and_never_archives_nothing() {
    let lib = Library::new();
    let inbox = fill_inbox(&lib);
    consume(&lib, &inbox, "always");
    let docs = lib.documents();
    assert_archive(&lib, by_name(&docs, "invoice.png"), 1, &["Brightwater"]);
    assert_archive(
        &lib,
        by_name(&docs, "contract.pdf"),
        2,
        &["Leeds", "prices"],
    );
    assert_archive(
        &lib,
        by_name(&docs, "letter.pdf"),
        1,
        &["Dear", "Anna,", "harbour", "May."],
    );
    assert_no_archive(by_name(&docs, "note.txt"));
    assert_eq!(archive_files(&lib).len(), 3);
    lib.ok(&["sanity"]);

    let lib = Library::new();
    let inbox = fill_inbox(&lib);
    consume(&lib, &inbox, "never");
    for doc in lib.documents() {
        assert_no_archive(&doc);
    }
    assert!(archive_files(&lib).is_empty(), "{:?}", archive_files(&lib));

    // `pd archive` makes them later, from a fresh OCR of the scans.
    let report = lib.expect_json(
        0,
        &["archive", "--dpi", "100"],
        &[("PD_ARCHIVE_FILE_GENERATION", "auto")],
    );
    assert_eq!(report["archived"].as_array().unwrap().len(), 2, "{report}");
    assert_eq!(report["failed"].as_array().unwrap().len(), 0, "{report}");
    let docs = lib.documents();
    assert_archive(&lib, by_name(&docs, "invoice.png"), 1, &["Brightwater"]);
    assert_archive(
        &lib,
        by_name(&docs, "contract.pdf"),
        2,
        &["Leeds", "prices"],
    );
    assert_no_archive(by_name(&docs, "letter.pdf"));
    lib.ok(&["sanity"]);
}

#[test]
fn damaged_and_encrypted_files_leave_no_archive_and_no_document() {
    let lib = Library::new();
    let inbox = lib.inbox();
    let image = scan("Damaged scan");
    let pdf = image_pdf(&[(&image, 300.0)]);
    let bytes = png(&image);
    std::fs::write(inbox.join("truncated.pdf"), &pdf[..pdf.len() / 2]).unwrap();
    std::fs::write(inbox.join("truncated.png"), &bytes[..bytes.len() / 2]).unwrap();
    let locked = raw_pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            &format!(
                "<< /Filter /Standard /V 1 /R 2 /Length 40 /O <{}> /U <{}> /P -44 >>",
                "5a".repeat(32),
                "c3".repeat(32)
            ),
        ],
        "/Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> \
         <00112233445566778899aabbccddeeff>]",
    );
    std::fs::write(inbox.join("locked.pdf"), locked).unwrap();
    let (code, stdout, stderr) = lib.run_env(
        &["consume", inbox.to_str().unwrap(), "--json"],
        &[("PD_ARCHIVE_FILE_GENERATION", "always")],
    );
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["failed"].as_array().unwrap().len(), 3, "{report}");
    assert!(stderr.contains("password-protected"), "{stderr}");
    assert!(stderr.contains("cannot be opened as a PDF"), "{stderr}");
    assert!(lib.documents().is_empty());
    assert!(archive_files(&lib).is_empty());
    assert!(lib.stored_files().is_empty());
}
