//! Parsing real files on disk, PDFs through the libpdfium the normal lookup finds
//! (`cargo xtask deps` installs it into `.deps/pdfium/`).

use std::path::{Path, PathBuf};

use pd_pipeline::sample::{raw_pdf, sample_documents, text_pdf};
use pd_pipeline::{ParseError, PdfEngine, locate_pdfium, parse_document, sniff_mime_type};

fn engine() -> PdfEngine {
    PdfEngine::new(None).unwrap_or_else(|err| panic!("{err}"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn content_decides_the_type_not_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut bmp = b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0".to_vec();
    bmp.extend_from_slice(&40u32.to_le_bytes());
    bmp.extend_from_slice(&[0; 40]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("invoice.txt", text_pdf(&["Invoice"]), "application/pdf"),
        (
            "photo.pdf",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
            "image/png",
        ),
        (
            "scan.png",
            b"\xff\xd8\xff\xe0\0\x10JFIF\0".to_vec(),
            "image/jpeg",
        ),
        ("fax.jpg", b"II*\0\x08\0\0\0\0\0".to_vec(), "image/tiff"),
        (
            "logo.tif",
            b"GIF89a\x01\0\x01\0\x80\0\0".to_vec(),
            "image/gif",
        ),
        ("image.gif", bmp, "image/bmp"),
        (
            "picture.bmp",
            b"RIFF\x24\0\0\0WEBPVP8 \0\0".to_vec(),
            "image/webp",
        ),
        (
            "mail.txt",
            b"Received: from mx.example.org\r\nFrom: Billing <billing@example.org>\r\n\
              To: anna@example.org\r\nSubject: Your invoice\r\n\r\nSee attachment.\r\n"
                .to_vec(),
            "message/rfc822",
        ),
        (
            "notes.pdf",
            "Grüße, 3. Mai 2024\n".as_bytes().to_vec(),
            "text/plain",
        ),
        (
            "table.csv",
            b"date,amount\n2024-01-02,3.50\n".to_vec(),
            "text/csv",
        ),
        ("table.CSV", b"date;amount\n".to_vec(), "text/csv"),
        (
            "data.csv",
            b"\0\x01\x02\x03binary".to_vec(),
            "application/octet-stream",
        ),
        (
            "archive.zip",
            b"PK\x03\x04\x14\0\0\0\x08\0".to_vec(),
            "application/octet-stream",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = write(dir.path(), name, &bytes);
        assert_eq!(sniff_mime_type(&path).unwrap(), expected, "{name}");
    }
}

#[test]
fn one_page_pdf_round_trips_through_pdfium() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Invoice INV-2024-0317\nDate: 12 March 2024\nTotal due: 297.66 GBP";
    let path = write(dir.path(), "invoice.pdf", &text_pdf(&[text]));

    let parsed = parse_document(&path, Some(&engine())).unwrap();
    assert_eq!(parsed.mime_type, "application/pdf");
    assert_eq!(parsed.content, text);
    assert_eq!(parsed.page_count, Some(1));
}

#[test]
fn three_page_pdf_round_trips_with_german_text() {
    let dir = tempfile::tempdir().unwrap();
    let pages = [
        "Mietvertrag\nzwischen Hausverwaltung Lindenhof und Tobias Krüger",
        "§ 3 Miete\nDie Miete beträgt 840,00 € monatlich.",
        "Leipzig, den 28.02.2024\nMit freundlichen Grüßen",
    ];
    let path = write(dir.path(), "vertrag.pdf", &text_pdf(&pages));

    let parsed = parse_document(&path, Some(&engine())).unwrap();
    assert_eq!(parsed.page_count, Some(3));
    assert_eq!(parsed.content, pages.join("\n"));
}

#[test]
fn blank_pdf_pages_have_empty_content() {
    // The pages have no text layer, so they are OCRed, and Tesseract finds nothing.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "blank.pdf", &text_pdf(&["", ""]));
    let parsed = parse_document(&path, Some(&engine())).unwrap();
    assert_eq!(parsed.content, "");
    assert_eq!(parsed.page_count, Some(2));
}

#[test]
fn empty_file_is_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "scan.pdf", b"");
    let err = parse_document(&path, None).unwrap_err();
    assert!(
        matches!(&err, ParseError::Empty { path: p } if p == &path),
        "{err:?}"
    );
    assert_eq!(err.to_string(), format!("{} is empty", path.display()));
}

#[test]
fn corrupt_and_truncated_pdfs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let whole = text_pdf(&["Some text"]);
    let cases = [
        (
            "garbage.pdf",
            b"%PDF-1.7\nthis is not a PDF at all\n".to_vec(),
        ),
        ("truncated.pdf", whole[..40].to_vec()),
    ];
    for (name, bytes) in cases {
        let path = write(dir.path(), name, &bytes);
        let err = parse_document(&path, Some(&engine())).unwrap_err();
        let ParseError::Corrupt { path: p, message } = &err else {
            panic!("{name}: expected Corrupt, got {err:?}");
        };
        assert_eq!(p, &path);
        assert!(message.contains("PDFium"), "{message}");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn password_protected_pdf_is_reported_as_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    // Standard security handler, revision 2; the empty password matches neither O nor U.
    let o = "5a".repeat(32);
    let u = "c3".repeat(32);
    let encrypt = format!("<< /Filter /Standard /V 1 /R 2 /Length 40 /O <{o}> /U <{u}> /P -44 >>");
    let pdf = raw_pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            &encrypt,
        ],
        "/Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]",
    );
    let path = write(dir.path(), "locked.pdf", &pdf);
    let err = parse_document(&path, Some(&engine())).unwrap_err();
    assert!(
        matches!(&err, ParseError::Encrypted { path: p } if p == &path),
        "{err:?}"
    );
    assert!(err.to_string().contains("password"), "{err}");
}

#[test]
fn hand_written_pdf_without_encryption_opens() {
    // Guards the encrypted test: the same structure minus /Encrypt is a valid PDF.
    let dir = tempfile::tempdir().unwrap();
    let pdf = raw_pdf(
        &[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ],
        "",
    );
    let path = write(dir.path(), "plain.pdf", &pdf);
    let parsed = parse_document(&path, Some(&engine())).unwrap();
    assert_eq!(parsed.page_count, Some(1));
}

#[test]
fn plain_text_and_csv_are_read_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let note = "Dentist on 7 May 2024\n  - bring the insurance card\n";
    let path = write(dir.path(), "note.txt", note.as_bytes());
    let parsed = parse_document(&path, None).unwrap();
    assert_eq!(parsed.mime_type, "text/plain");
    assert_eq!(parsed.content, note);
    assert_eq!(parsed.page_count, None);

    let latin1 = write(
        dir.path(),
        "brief.txt",
        b"Gr\xfc\xdfe aus K\xf6ln, 01.02.2024",
    );
    assert_eq!(
        parse_document(&latin1, None).unwrap().content,
        "Grüße aus Köln, 01.02.2024"
    );

    let csv = write(dir.path(), "bank.csv", b"date;amount\n2024-01-02;-3,50\n");
    let parsed = parse_document(&csv, None).unwrap();
    assert_eq!(parsed.mime_type, "text/csv");
    assert_eq!(parsed.content, "date;amount\n2024-01-02;-3,50\n");
}

#[test]
fn other_types_are_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "archive.zip", b"PK\x03\x04\x14\0\0\0\x08\0");
    let err = parse_document(&path, None).unwrap_err();
    assert!(
        matches!(&err, ParseError::Unsupported { mime_type } if mime_type == "application/octet-stream"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Unsupported mime type application/octet-stream"
    );
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let path = Path::new("/nonexistent/folder/file.pdf");
    let err = parse_document(path, None).unwrap_err();
    assert!(
        matches!(&err, ParseError::Io { path: p, .. } if p == path),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("/nonexistent/folder/file.pdf"),
        "{err}"
    );
}

#[test]
fn bogus_configured_pdfium_path_lists_where_it_looked() {
    let bogus = Path::new("/opt/no-such-dir/libpdfium.so");
    let err = locate_pdfium(Some(bogus)).unwrap_err();
    let ParseError::PdfiumMissing { searched } = &err else {
        panic!("expected PdfiumMissing, got {err:?}");
    };
    assert_eq!(searched, &vec![bogus.to_path_buf()]);
    let message = err.to_string();
    assert!(
        message.contains("/opt/no-such-dir/libpdfium.so"),
        "{message}"
    );
    assert!(message.contains("cargo xtask deps"), "{message}");
    assert!(message.contains("PD_PDFIUM_PATH"), "{message}");
}

#[test]
fn engine_binds_once_and_is_shared_across_threads() {
    let first = engine();
    let second = PdfEngine::new(None).unwrap();
    assert_eq!(first.library_path(), second.library_path());
    assert!(first.library_path().is_file());

    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..4)
        .map(|i| {
            let text = format!("Document {i}\nDated 0{}.01.2024", i + 1);
            write(dir.path(), &format!("{i}.pdf"), &text_pdf(&[&text]))
        })
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .iter()
            .map(|path| scope.spawn(move || parse_document(path, Some(&first)).unwrap()))
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            let parsed = handle.join().unwrap();
            assert_eq!(
                parsed.content,
                format!("Document {i}\nDated 0{}.01.2024", i + 1)
            );
        }
    });
}

#[test]
fn sample_documents_parse_with_their_dates() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();
    let expectations = [
        ("Brightwater", "12 March 2024", 1),
        ("Elektro Sonnenberg", "15.01.2024", 1),
        ("Harbor Mutual", "November 2, 2023", 1),
        ("Lindenhof", "28. Februar 2024", 1),
        ("Greenfield", "20 May 2024", 3),
    ];
    let samples = sample_documents();
    for (name, bytes) in &samples {
        let path = write(dir.path(), name, bytes);
        let parsed = parse_document(&path, Some(&engine)).unwrap();
        if name.ends_with(".txt") {
            assert_eq!(parsed.mime_type, "text/plain");
            assert!(parsed.content.contains("7 May 2024"));
            continue;
        }
        let (sender, date, pages) = expectations
            .iter()
            .find(|(sender, _, _)| name.contains(sender))
            .unwrap_or_else(|| panic!("no expectation for {name}"));
        assert_eq!(parsed.mime_type, "application/pdf", "{name}");
        assert_eq!(parsed.page_count, Some(*pages), "{name}");
        assert!(
            parsed.content.contains(sender),
            "{name}: {}",
            parsed.content
        );
        assert!(parsed.content.contains(date), "{name}: {}", parsed.content);
    }
}
