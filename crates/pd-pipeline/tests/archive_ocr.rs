//! Archives of documents that go through OCR: every image type pd reads (a two-page
//! TIFF among them), an image-only PDF and a PDF with one scanned and one text page.
//! The pages come from the parse (with their images kept), each archive passes the
//! independent PDF/A-2B validator, and `pdftotext` finds the words that were drawn.

mod support;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, GrayImage, ImageFormat};
use pd_pipeline::archive::{ArchiveError, ArchiveOptions, ArchiveWriter, parsed_pages};
use pd_pipeline::sample::{image_pdf, raw_pdf, text_image};
use pd_pipeline::{ParseError, ParseOptions, PdfEngine, parse_document_with};
use support::pdfa::{assert_pdfa_2b, pdftotext};

fn options() -> ParseOptions {
    ParseOptions {
        engine: Some(PdfEngine::new(None).unwrap_or_else(|err| panic!("{err}"))),
        keep_page_images: true,
        ..ParseOptions::default()
    }
}

fn scan(text: &str) -> DynamicImage {
    DynamicImage::ImageLuma8(text_image(text, 4))
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    // JPEG and GIF take colour here, as they usually come.
    let image = if matches!(format, ImageFormat::Jpeg | ImageFormat::Gif) {
        DynamicImage::ImageRgb8(image.to_rgb8())
    } else {
        image.clone()
    };
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn tiff(pages: &[GrayImage]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut encoder = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    for page in pages {
        encoder
            .write_image::<tiff::encoder::colortype::Gray8>(page.width(), page.height(), page)
            .unwrap();
    }
    out.into_inner()
}

/// Parses `path` with its page images kept and writes its archive to `dest`; returns
/// the page count.
fn archive(path: &Path, dest: &Path) -> Result<usize, ArchiveError> {
    let options = options();
    let parsed = parse_document_with(path, &options)?;
    let mut writer = ArchiveWriter::new(ArchiveOptions::default());
    let pages = parsed_pages(parsed, path, &options, 150.0, &mut |page| {
        writer.add_page(&page.as_page())
    })?;
    std::fs::write(dest, writer.finish()?).unwrap();
    Ok(pages)
}

/// OCR of the bitmap font mixes up a few letters' case, so case is ignored.
fn assert_words(pdf: &Path, expected: &[&str]) {
    let text = pdftotext(pdf).to_lowercase();
    for word in expected {
        assert!(
            text.contains(&word.to_lowercase()),
            "`{word}` not in the text of {}: {text}",
            pdf.display()
        );
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn every_image_type_gets_a_valid_archive_with_its_words() {
    let dir = tempfile::tempdir().unwrap();
    let image = scan("Invoice Brightwater\nTotal amount 119 EUR");
    let cases = [
        ("scan.png", ImageFormat::Png),
        ("scan.jpg", ImageFormat::Jpeg),
        ("scan.webp", ImageFormat::WebP),
        ("scan.gif", ImageFormat::Gif),
        ("scan.bmp", ImageFormat::Bmp),
    ];
    for (name, format) in cases {
        let path = write(dir.path(), name, &encoded(&image, format));
        let dest = dir.path().join(format!("{name}.pdf"));
        assert_eq!(archive(&path, &dest).unwrap(), 1, "{name}");
        assert_pdfa_2b(&dest, 1);
        assert_words(&dest, &["Invoice", "Brightwater", "Total", "amount", "119"]);
    }

    let fax = write(
        dir.path(),
        "fax.tif",
        &tiff(&[
            text_image("Fax cover sheet", 4),
            text_image("Second page greetings", 4),
        ]),
    );
    let dest = dir.path().join("fax.pdf");
    assert_eq!(archive(&fax, &dest).unwrap(), 2);
    assert_pdfa_2b(&dest, 2);
    assert_words(&dest, &["Fax", "cover", "sheet", "Second", "greetings"]);
    let text = pdftotext(&dest).to_lowercase();
    assert!(
        text.find("cover") < text.find("greetings"),
        "pages out of order: {text}"
    );
}

#[test]
fn scanned_and_mixed_pdfs_get_valid_archives_with_all_their_words() {
    let dir = tempfile::tempdir().unwrap();
    let one = scan("Scanned contract\nSigned in Leeds");
    let two = scan("Appendix with prices");
    let scanned = write(
        dir.path(),
        "contract.pdf",
        &image_pdf(&[(&one, 300.0), (&two, 300.0)]),
    );
    let dest = dir.path().join("contract-archive.pdf");
    assert_eq!(archive(&scanned, &dest).unwrap(), 2);
    assert_pdfa_2b(&dest, 2);
    assert_words(
        &dest,
        &["Scanned", "contract", "Leeds", "Appendix", "prices"],
    );

    // A PDF whose first page has text and whose second is a scan: the first keeps
    // its own words, the second gets Tesseract's.
    let mixed = write(
        dir.path(),
        "mixed.pdf",
        &mixed_pdf("Harbour office letter", &two),
    );
    let parsed = parse_document_with(&mixed, &options()).unwrap();
    assert_eq!(parsed.ocr_pages.len(), 1, "only the scanned page is read");
    let dest = dir.path().join("mixed-archive.pdf");
    assert_eq!(archive(&mixed, &dest).unwrap(), 2);
    assert_pdfa_2b(&dest, 2);
    assert_words(
        &dest,
        &["Harbour", "office", "letter", "Appendix", "prices"],
    );
    let text = pdftotext(&dest).to_lowercase();
    assert!(text.find("harbour") < text.find("appendix"), "{text}");
}

/// A two-page A4 PDF: `text` set in Helvetica, then `scan` as an image at 300 dpi.
fn mixed_pdf(text: &str, scan: &DynamicImage) -> Vec<u8> {
    use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
    let (catalog, tree, font) = (Ref::new(1), Ref::new(2), Ref::new(3));
    let (first, first_content) = (Ref::new(4), Ref::new(5));
    let (second, second_content, image) = (Ref::new(6), Ref::new(7), Ref::new(8));
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([first, second]).count(2);
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    let a4 = Rect::new(0.0, 0.0, 595.0, 842.0);

    let mut page = pdf.page(first);
    page.parent(tree).media_box(a4).contents(first_content);
    page.resources().fonts().pair(Name(b"F1"), font);
    page.finish();
    let mut content = Content::new();
    content
        .begin_text()
        .set_font(Name(b"F1"), 14.0)
        .next_line(72.0, 760.0)
        .show(Str(text.as_bytes()))
        .end_text();
    pdf.stream(first_content, &content.finish());

    let grey = scan.to_luma8();
    let (width, height) = grey.dimensions();
    let data = zlib(grey.as_raw());
    let mut xobject = pdf.image_xobject(image, &data);
    xobject.filter(Filter::FlateDecode);
    xobject.width(width as i32).height(height as i32);
    xobject.color_space().device_gray();
    xobject.bits_per_component(8);
    xobject.finish();
    let (w, h) = (width as f32 * 72.0 / 300.0, height as f32 * 72.0 / 300.0);
    let mut page = pdf.page(second);
    page.parent(tree)
        .media_box(Rect::new(0.0, 0.0, w, h))
        .contents(second_content);
    page.resources().x_objects().pair(Name(b"Im1"), image);
    page.finish();
    let mut content = Content::new();
    content
        .save_state()
        .transform([w, 0.0, 0.0, h, 0.0, 0.0])
        .x_object(Name(b"Im1"))
        .restore_state();
    pdf.stream(second_content, &content.finish());
    pdf.finish()
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn broken_and_encrypted_pdfs_give_no_archive() {
    let dir = tempfile::tempdir().unwrap();
    let image = scan("Damaged scan");
    let pdf = image_pdf(&[(&image, 300.0)]);
    let truncated = write(dir.path(), "truncated.pdf", &pdf[..pdf.len() / 2]);
    let locked = write(
        dir.path(),
        "locked.pdf",
        &raw_pdf(
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
        ),
    );
    let dest = dir.path().join("out.pdf");
    let err = archive(&truncated, &dest).unwrap_err();
    assert!(
        matches!(err, ArchiveError::Source(ParseError::Corrupt { .. })),
        "{err}"
    );
    let err = archive(&locked, &dest).unwrap_err();
    assert!(
        matches!(err, ArchiveError::Source(ParseError::Encrypted { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("password-protected"), "{err}");
    assert!(!dest.exists());
}
