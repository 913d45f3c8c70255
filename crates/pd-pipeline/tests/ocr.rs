//! OCR of real files the tests make themselves: text drawn into images (PNG, JPEG,
//! TIFF with several pages, WebP, GIF, BMP) and image-only PDFs, read back by the
//! Tesseract on `PATH` (Debian `tesseract-ocr` and `tesseract-ocr-eng`, which
//! `cargo xtask deps` installs).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, GrayImage, ImageFormat};
use pd_core::OcrMode;
use pd_pipeline::ocr::{OcrError, Tesseract, ocr_image, ocr_images};
use pd_pipeline::sample::{image_pdf, text_image, text_pdf};
use pd_pipeline::{ParseError, ParseOptions, PdfEngine, parse_document, parse_document_with};

fn engine() -> PdfEngine {
    PdfEngine::new(None).unwrap_or_else(|err| panic!("{err}"))
}

fn options() -> ParseOptions {
    ParseOptions {
        engine: Some(engine()),
        ..ParseOptions::default()
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A multi-page grey TIFF, one page per image.
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

/// OCR of the bitmap font mixes up a few letters' case (`f`/`F`), so case is ignored.
fn assert_words(content: &str, words: &[&str]) {
    let text = content.to_lowercase();
    for word in words {
        assert!(
            text.contains(&word.to_lowercase()),
            "`{word}` not found in:\n{content}"
        );
    }
}

/// A language code Tesseract has no pack for here.
fn missing_language() -> &'static str {
    let listing = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .unwrap();
    let installed = String::from_utf8_lossy(&listing.stdout).into_owned();
    ["fra", "ita", "spa", "nld", "tur", "heb"]
        .into_iter()
        .find(|lang| !installed.lines().any(|l| l.trim() == *lang))
        .expect("some language is not installed")
}

const LETTER: &str = "Invoice from Brightwater\nTotal due within thirty days";

#[test]
fn every_image_format_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let scan = DynamicImage::ImageLuma8(text_image(LETTER, 4));
    let colour = DynamicImage::ImageRgb8(scan.to_rgb8());
    let cases = [
        ("scan.png", encode(&scan, ImageFormat::Png), "image/png"),
        ("scan.jpg", encode(&colour, ImageFormat::Jpeg), "image/jpeg"),
        (
            "scan.webp",
            encode(&colour, ImageFormat::WebP),
            "image/webp",
        ),
        ("scan.gif", encode(&colour, ImageFormat::Gif), "image/gif"),
        ("scan.bmp", encode(&colour, ImageFormat::Bmp), "image/bmp"),
        ("scan.tif", tiff(&[scan.to_luma8()]), "image/tiff"),
    ];
    let options = options();
    for (name, bytes, mime) in cases {
        // The name says nothing: the content decides.
        let path = write(dir.path(), &format!("{name}.bin"), &bytes);
        let parsed = parse_document_with(&path, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(parsed.mime_type, mime, "{name}");
        assert_eq!(parsed.page_count, Some(1), "{name}");
        assert_words(
            &parsed.content,
            &["Invoice", "Brightwater", "Total", "thirty", "days"],
        );
        assert_eq!(parsed.ocr_pages.len(), 1, "{name}");
        assert!(
            parsed.ocr_pages[0].image.is_none(),
            "images are not kept unless asked"
        );
    }
}

#[test]
fn every_page_of_a_multi_page_tiff_is_read_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let pages = [
        text_image("First page\nAlpha Bravo", 4),
        text_image("Second page\nCharlie Delta", 4),
        text_image("Third page\nEcho Foxtrot", 4),
    ];
    let path = write(dir.path(), "fax.tiff", &tiff(&pages));
    let parsed = parse_document_with(&path, &options()).unwrap();
    assert_eq!(parsed.mime_type, "image/tiff");
    assert_eq!(parsed.page_count, Some(3));
    assert_words(
        &parsed.content,
        &["First", "Alpha", "Second", "Delta", "Third", "Foxtrot"],
    );
    let order: Vec<usize> = ["Alpha", "Charlie", "Echo"]
        .iter()
        .map(|w| parsed.content.find(w).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", parsed.content);
    let indexes: Vec<usize> = parsed.ocr_pages.iter().map(|p| p.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
}

#[test]
fn image_only_pdf_is_ocred_page_by_page_with_images_kept_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let one = DynamicImage::ImageLuma8(text_image("Scanned contract\nPage one", 4));
    let two = DynamicImage::ImageRgb8(
        DynamicImage::ImageLuma8(text_image("Signed by Margaret\nPage two", 4)).to_rgb8(),
    );
    let path = write(
        dir.path(),
        "scan.pdf",
        &image_pdf(&[(&one, 300.0), (&two, 300.0)]),
    );
    let options = ParseOptions {
        keep_page_images: true,
        ..options()
    };
    let parsed = parse_document_with(&path, &options).unwrap();
    assert_eq!(parsed.mime_type, "application/pdf");
    assert_eq!(parsed.page_count, Some(2));
    assert_words(
        &parsed.content,
        &["Scanned", "contract", "Signed", "Margaret"],
    );
    assert!(parsed.content.find("contract") < parsed.content.find("Margaret"));
    assert_eq!(parsed.ocr_pages.len(), 2);
    for (page, scan) in parsed.ocr_pages.iter().zip([&one, &two]) {
        assert_eq!(page.dpi, 300.0);
        let image = page.image.as_ref().expect("kept");
        // Rendered at 300 dpi, the page is as large as the image it holds.
        assert!(image.width().abs_diff(scan.width()) <= 2, "{page:?}");
        assert!(image.height().abs_diff(scan.height()) <= 2, "{page:?}");
        assert_eq!((page.width, page.height), (image.width(), image.height()));
        assert!(!page.words.is_empty());
        assert!(page.words.last().unwrap().line_end);
    }
}

#[test]
fn ocr_image_gives_words_with_boxes_in_reading_order() {
    let tesseract = Tesseract::new(None, "eng").unwrap();
    let scale = 4;
    let image = DynamicImage::ImageLuma8(text_image("Hello there\nGeneral Kenobi", scale));
    let read = ocr_image(&tesseract, &image, 300.0).unwrap();
    let words: Vec<&str> = read.words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(words, ["Hello", "there", "General", "Kenobi"], "{read:?}");
    let ends: Vec<bool> = read.words.iter().map(|w| w.line_end).collect();
    assert_eq!(ends, [false, true, false, true]);
    assert_eq!(read.text, "Hello there\nGeneral Kenobi");
    // `text_image` leaves a margin of two 8-pixel cells; lines are 12 cells apart.
    let margin = 2 * 8 * scale;
    let hello = &read.words[0];
    assert!(hello.left.abs_diff(margin) <= 4, "{hello:?}");
    assert!(hello.top.abs_diff(margin) <= 4, "{hello:?}");
    let there = &read.words[1];
    assert!(
        there.left.abs_diff(margin + 6 * 8 * scale) <= 4,
        "{there:?}"
    );
    let general = &read.words[2];
    assert!(
        general.top.abs_diff(margin + 12 * scale) <= 4,
        "{general:?}"
    );
    assert!(
        general.height >= 6 * scale && general.height <= 9 * scale,
        "{general:?}"
    );
    assert!(
        read.words
            .iter()
            .all(|w| (0.0..=100.0).contains(&w.confidence))
    );
    let mean = read.words.iter().map(|w| w.confidence).sum::<f32>() / 4.0;
    assert!(mean > 50.0, "{read:?}");
}

#[test]
fn words_far_from_the_edges_keep_their_place_on_the_page() {
    // Tesseract reads only the part of a page with ink on it: the boxes it gives are
    // moved back onto the whole page.
    let scale = 4;
    let text = text_image("Hello there\nGeneral Kenobi", scale);
    let mut page = GrayImage::from_pixel(2480, 3508, image::Luma([255]));
    image::imageops::replace(&mut page, &text, 900, 1700);
    let page = DynamicImage::ImageLuma8(page);
    let margin = 2 * 8 * scale;
    let library = Tesseract::new(None, "eng").unwrap();
    for tesseract in [library.clone(), library.library(false)] {
        let read = ocr_image(&tesseract, &page, 300.0).unwrap();
        let words: Vec<&str> = read.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(words, ["Hello", "there", "General", "Kenobi"], "{read:?}");
        let hello = &read.words[0];
        assert!(
            hello.left.abs_diff(900 + margin) <= 4 && hello.top.abs_diff(1700 + margin) <= 4,
            "{}: {hello:?}",
            tesseract.reader()
        );
        let general = &read.words[2];
        assert!(
            general.top.abs_diff(1700 + margin + 12 * scale) <= 4,
            "{}: {general:?}",
            tesseract.reader()
        );
    }
}

#[test]
fn several_images_in_one_run_keep_their_own_words_and_boxes() {
    let first = DynamicImage::ImageLuma8(text_image("Alpha invoice", 4));
    let blank = DynamicImage::ImageLuma8(GrayImage::from_pixel(400, 300, image::Luma([255])));
    let third = DynamicImage::ImageRgb8(
        DynamicImage::ImageLuma8(text_image("Gamma receipt\nTotal 42", 3)).to_rgb8(),
    );
    let pages = [(&first, 300.0), (&blank, 300.0), (&third, 200.0)];
    for bilevel in [true, false] {
        let tesseract = Tesseract::new(None, "eng").unwrap().bilevel(bilevel);
        let read = ocr_images(&tesseract, &pages).unwrap();
        assert_eq!(read.len(), 3);
        let words =
            |i: usize| -> Vec<&str> { read[i].words.iter().map(|w| w.text.as_str()).collect() };
        assert_eq!(
            words(0),
            ["Alpha", "invoice"],
            "bilevel {bilevel}: {read:?}"
        );
        assert!(words(1).is_empty(), "bilevel {bilevel}: {read:?}");
        assert_eq!(
            words(2),
            ["Gamma", "receipt", "Total", "42"],
            "bilevel {bilevel}: {read:?}"
        );
        assert_eq!(read[2].text, "Gamma receipt\nTotal 42");
        // Boxes are in each image's own pixels: the third's margin is 2 cells of 24.
        let gamma = &read[2].words[0];
        assert!(
            gamma.left.abs_diff(48) <= 4 && gamma.top.abs_diff(48) <= 4,
            "{gamma:?}"
        );
        // The same as one image at a time.
        let alone = ocr_image(&tesseract, &third, 200.0).unwrap();
        let boxes = |words: &[pd_pipeline::ocr::OcrWord]| -> Vec<(String, u32, u32, u32, u32)> {
            words
                .iter()
                .map(|w| (w.text.clone(), w.left, w.top, w.width, w.height))
                .collect()
        };
        assert_eq!(boxes(&alone.words), boxes(&read[2].words));
    }
}

#[test]
fn two_languages_are_read_with_plus_syntax() {
    let dir = tempfile::tempdir().unwrap();
    let scan = DynamicImage::ImageLuma8(text_image(
        "Rechnung und Lieferschein\nInvoice and delivery note",
        4,
    ));
    let path = write(dir.path(), "beleg.png", &encode(&scan, ImageFormat::Png));
    let mut options = options();
    options.ocr.language = "deu+eng".into();
    let parsed = parse_document_with(&path, &options).unwrap();
    assert_words(
        &parsed.content,
        &["Rechnung", "Lieferschein", "Invoice", "delivery"],
    );
}

#[test]
fn missing_language_pack_names_the_debian_package() {
    let dir = tempfile::tempdir().unwrap();
    let scan = DynamicImage::ImageLuma8(text_image("Bonjour", 4));
    let path = write(dir.path(), "lettre.png", &encode(&scan, ImageFormat::Png));
    let language = missing_language();
    let mut options = options();
    options.ocr.language = format!("eng+{language}");
    let err = parse_document_with(&path, &options).unwrap_err();
    let ParseError::Ocr {
        source:
            OcrError::LanguageMissing {
                language: missing,
                package,
                ..
            },
        ..
    } = &err
    else {
        panic!("expected a missing language, got {err:?}");
    };
    assert_eq!(missing, language);
    assert_eq!(package, &format!("tesseract-ocr-{language}"));
    let message = err.to_string();
    assert!(
        message.contains(&format!("tesseract-ocr-{language}")),
        "{message}"
    );
    assert!(message.contains("lettre.png"), "{message}");
}

#[test]
fn missing_tesseract_names_the_debian_package() {
    let dir = tempfile::tempdir().unwrap();
    let scan = DynamicImage::ImageLuma8(text_image("Hello", 4));
    let path = write(dir.path(), "scan.png", &encode(&scan, ImageFormat::Png));
    let options = ParseOptions {
        tesseract: Some(PathBuf::from("/nonexistent/bin/tesseract")),
        ..options()
    };
    let err = parse_document_with(&path, &options).unwrap_err();
    assert!(
        matches!(
            &err,
            ParseError::Ocr {
                source: OcrError::TesseractMissing { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("tesseract-ocr"), "{err}");
}

#[test]
fn ocr_modes_decide_which_pdf_pages_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let born_digital = write(
        dir.path(),
        "letter.pdf",
        &text_pdf(&["Quarterly statement\nAccount summary"]),
    );
    let scan = DynamicImage::ImageLuma8(text_image("Scanned receipt", 4));
    let scanned = write(dir.path(), "receipt.pdf", &image_pdf(&[(&scan, 300.0)]));
    let without_tesseract = |mode| {
        let mut options = ParseOptions {
            tesseract: Some(PathBuf::from("/nonexistent/bin/tesseract")),
            ..options()
        };
        options.ocr.mode = mode;
        options
    };
    // skip and redo keep a visible text layer: Tesseract is not even needed.
    for mode in [OcrMode::Skip, OcrMode::Redo] {
        let parsed = parse_document_with(&born_digital, &without_tesseract(mode)).unwrap();
        assert_eq!(parsed.content, "Quarterly statement\nAccount summary");
        assert!(parsed.ocr_pages.is_empty());
        // A page without text needs it, in every mode.
        let err = parse_document_with(&scanned, &without_tesseract(mode)).unwrap_err();
        assert!(matches!(err, ParseError::Ocr { .. }), "{err:?}");
    }
    // force reads every page, text layer or not.
    let mut force = options();
    force.ocr.mode = OcrMode::Force;
    let parsed = parse_document_with(&born_digital, &force).unwrap();
    assert_eq!(parsed.ocr_pages.len(), 1);
    assert_words(
        &parsed.content,
        &["Quarterly", "statement", "Account", "summary"],
    );
    let mut redo = options();
    redo.ocr.mode = OcrMode::Redo;
    let parsed = parse_document_with(&scanned, &redo).unwrap();
    assert_words(&parsed.content, &["Scanned", "receipt"]);
}

#[test]
fn default_parse_document_reads_images_too() {
    let dir = tempfile::tempdir().unwrap();
    let scan = DynamicImage::ImageLuma8(text_image("Parking ticket", 4));
    let path = write(dir.path(), "ticket.png", &encode(&scan, ImageFormat::Png));
    let parsed = parse_document(&path, None).unwrap();
    assert_words(&parsed.content, &["Parking", "ticket"]);
}

/// Words with their boxes and confidences, to compare two readings exactly.
fn exact(words: &[pd_pipeline::ocr::OcrWord]) -> Vec<(String, u32, u32, u32, u32, u32, bool)> {
    words
        .iter()
        .map(|w| {
            let confidence = (w.confidence * 1000.0).round() as u32;
            (
                w.text.clone(),
                w.left,
                w.top,
                w.width,
                w.height,
                confidence,
                w.line_end,
            )
        })
        .collect()
}

#[test]
fn the_library_and_the_program_read_the_same_words() {
    // A full scanned A4 letter and a small colour image at another resolution.
    let letter = DynamicImage::ImageLuma8(pd_pipeline::sample::sample_scans(300).remove(0));
    let small = DynamicImage::ImageRgb8(
        DynamicImage::ImageLuma8(text_image("Gamma receipt\nTotal 42", 3)).to_rgb8(),
    );
    let pages = [(&letter, 300.0), (&small, 200.0)];
    for bilevel in [true, false] {
        let library = Tesseract::new(None, "eng").unwrap().bilevel(bilevel);
        assert!(library.uses_library(), "{}", library.reader());
        assert!(library.reader().starts_with("libtesseract "));
        let program = library.clone().library(false);
        assert!(!program.uses_library());
        assert!(
            program.reader().contains("tesseract"),
            "{}",
            program.reader()
        );

        let by_library = ocr_images(&library, &pages).unwrap();
        let by_program = ocr_images(&program, &pages).unwrap();
        assert_eq!(by_library.len(), 2);
        assert!(by_library[0].words.len() > 50, "{:?}", by_library[0]);
        for (a, b) in by_library.iter().zip(&by_program) {
            assert_eq!(exact(&a.words), exact(&b.words), "bilevel {bilevel}");
            assert_eq!(a.text, b.text, "bilevel {bilevel}");
        }
        // An engine comes back from the pool for the next pages: still the same.
        let again = ocr_image(&library, &small, 200.0).unwrap();
        assert_eq!(exact(&again.words), exact(&by_program[1].words));
    }
}

#[test]
fn a_library_that_cannot_be_opened_leaves_the_reading_to_the_program() {
    let image = DynamicImage::ImageLuma8(text_image("Hello there\nGeneral Kenobi", 4));
    let missing = Path::new("/nonexistent/lib/libtesseract.so.5");
    // libc opens, but it is not Tesseract.
    let not_tesseract = Path::new("libc.so.6");
    for (path, why) in [
        (missing, "/nonexistent/lib/libtesseract.so.5"),
        (not_tesseract, "TessBaseAPICreate"),
    ] {
        let tesseract = Tesseract::new(None, "eng").unwrap().library_at(path);
        assert!(!tesseract.uses_library());
        let reader = tesseract.reader();
        assert!(reader.starts_with("the program tesseract"), "{reader}");
        assert!(reader.contains(why), "{reader}");
        let read = ocr_image(&tesseract, &image, 300.0).unwrap();
        assert_eq!(read.text, "Hello there\nGeneral Kenobi");
    }
}

#[test]
fn a_configured_program_reads_the_pages_itself() {
    let tesseract = Tesseract::new(Some(Path::new("tesseract")), "eng").unwrap();
    assert!(!tesseract.uses_library());
    assert!(
        tesseract.reader().contains("configured"),
        "{}",
        tesseract.reader()
    );
    let mut options = options();
    options.ocr.library = false;
    let dir = tempfile::tempdir().unwrap();
    let scan = DynamicImage::ImageLuma8(text_image("Parking ticket", 4));
    let path = write(dir.path(), "ticket.png", &encode(&scan, ImageFormat::Png));
    let parsed = parse_document_with(&path, &options).unwrap();
    assert_words(&parsed.content, &["Parking", "ticket"]);
}
