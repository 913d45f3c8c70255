//! PDF/A-2B archives written from synthetic scans, from generated born-digital PDFs,
//! over several pages and with Tesseract's word boxes; each one passes the independent
//! PDF/A validator and `pdftotext` finds its words. Broken inputs write nothing.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use font8x8::UnicodeFonts;
use image::{DynamicImage, GrayImage, Luma, Rgb, RgbImage};
use pd_pipeline::archive::{
    ArchiveError, ArchiveOptions, ArchivePage, ArchiveWord, ImageCompression, archive_from_pdf,
    archive_pdf_bytes, write_archive,
};
use pd_pipeline::sample::{raw_pdf, text_pdf};
use pd_pipeline::{ParseError, PdfEngine};
use support::pdfa::{assert_fonts_embedded, assert_pdfa_2b, pdftotext, words};

fn engine() -> PdfEngine {
    PdfEngine::new(None).unwrap_or_else(|err| panic!("{err}"))
}

/// A white page of `width` × `height` pixels.
fn blank(width: u32, height: u32) -> GrayImage {
    GrayImage::from_pixel(width, height, Luma([255]))
}

/// Draws `line` with font8x8 at `scale` from (`x`, `y`) and returns its words' boxes,
/// the last one ending the line.
fn draw_line(page: &mut GrayImage, x: u32, y: u32, scale: u32, line: &str) -> Vec<ArchiveWord> {
    let advance = 8 * scale;
    for (i, ch) in line.chars().enumerate() {
        let Some(rows) = font8x8::BASIC_FONTS.get(ch) else {
            continue;
        };
        for (row, bits) in rows.iter().enumerate() {
            for col in 0..8u32 {
                if bits & (1 << col) != 0 {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let px = x + i as u32 * advance + col * scale + dx;
                            let py = y + row as u32 * scale + dy;
                            page.put_pixel(px, py, Luma([0]));
                        }
                    }
                }
            }
        }
    }
    let mut boxes = Vec::new();
    let mut start = 0;
    for word in line.split(' ') {
        if !word.is_empty() {
            boxes.push(ArchiveWord::new(
                word,
                x + start as u32 * advance,
                y,
                word.chars().count() as u32 * advance,
                8 * scale,
            ));
        }
        start += word.chars().count() + 1;
    }
    if let Some(last) = boxes.pop() {
        boxes.push(last.ending_line());
    }
    boxes
}

/// A scanned-looking page (300 dpi, black on white) with `lines`, and its words.
fn scan(lines: &[&str]) -> (DynamicImage, Vec<ArchiveWord>) {
    let mut page = blank(1275, 1650); // 4.25 × 5.5 inches at 300 dpi
    let mut words = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        words.extend(draw_line(&mut page, 100, 120 + i as u32 * 80, 5, line));
    }
    (DynamicImage::ImageLuma8(page), words)
}

fn assert_contains_in_order(text: &str, expected: &[&str]) {
    let found = words(text);
    let mut at = 0;
    for word in expected {
        match found[at..].iter().position(|w| w == word) {
            Some(i) => at += i + 1,
            None => panic!("{word:?} not found (in order) in {found:?}"),
        }
    }
}

fn tmp_pdf(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn synthetic_scan_is_pdfa_2b_and_its_words_are_extracted_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (image, words) = scan(&["INVOICE 2024-017", "TOTAL 119.00 EUR", "THANK YOU"]);
    let page = ArchivePage {
        image: &image,
        dpi: 300.0,
        words: &words,
    };
    let dest = dir.path().join("archive").join("0000001.pdf");
    let options = ArchiveOptions {
        title: Some("Invoice & receipt: Grüße".into()),
        ..ArchiveOptions::default()
    };
    let out = write_archive(&[page], &options, &dest).unwrap();
    assert_eq!(out.pages, 1);
    let bytes = std::fs::read(&dest).unwrap();
    assert_eq!(out.bytes, bytes.len() as u64);
    assert_eq!(out.sha256, pd_store::media::sha256_bytes(&bytes));
    // A bilevel scan is stored one bit per pixel: far below its 2 MB of pixels.
    assert!(out.bytes < 60_000, "{} bytes", out.bytes);

    assert_pdfa_2b(&dest, 1);
    assert_fonts_embedded(&dest);
    let text = pdftotext(&dest);
    assert_contains_in_order(
        &text,
        &[
            "INVOICE", "2024-017", "TOTAL", "119.00", "EUR", "THANK", "YOU",
        ],
    );
    // No temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(dest.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("0000001.pdf")]);
}

#[test]
fn page_size_follows_the_resolution_and_words_land_on_their_boxes() {
    let dir = tempfile::tempdir().unwrap();
    let (image, words) = scan(&["LEFT TOP"]);
    let dest = dir.path().join("a.pdf");
    let page = ArchivePage {
        image: &image,
        dpi: 150.0,
        words: &words,
    };
    write_archive(&[page], &ArchiveOptions::default(), &dest).unwrap();
    // 1275 × 1650 pixels at 150 dpi: 8.5 × 11 inches, US Letter.
    let info = Command::new("pdfinfo").arg(&dest).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("612 x 792 pts"), "{info}");

    // "LEFT" is drawn at x 100 px, y 120 px with 40 px glyphs, four of them: at 150 dpi
    // its box starts 48 pt from the left and 57.6 pt from the top, and it is set 19.2 pt
    // high and stretched to the next word ("TOP" at x 300 px = 144 pt) but for a space
    // of a fifth of that size (3.84 pt).
    let bbox = Command::new("pdftotext")
        .args(["-bbox"])
        .arg(&dest)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&bbox.stdout);
    let line = html
        .lines()
        .find(|l| l.contains(">LEFT<"))
        .unwrap_or_else(|| panic!("{html}"));
    let attr = |name: &str| -> f32 {
        let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    assert!((attr("xMin") - 48.0).abs() < 1.0, "{line}");
    assert!((attr("yMin") - 57.6).abs() < 1.0, "{line}");
    assert!((attr("xMax") - 140.16).abs() < 1.0, "{line}");
}

#[test]
fn several_pages_of_colour_and_grey_stay_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (first, first_words) = scan(&["FIRST PAGE ALPHA"]);
    let (second, second_words) = scan(&["SECOND PAGE BRAVO"]);
    // A colour photograph with a caption: JPEG.
    let photo = RgbImage::from_fn(600, 400, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let photo = DynamicImage::ImageRgb8(photo);
    let photo_words = [ArchiveWord::new("CAPTION", 10, 10, 200, 30).ending_line()];
    let pages = [
        ArchivePage {
            image: &first,
            dpi: 300.0,
            words: &first_words,
        },
        ArchivePage {
            image: &photo,
            dpi: 100.0,
            words: &photo_words,
        },
        ArchivePage {
            image: &second,
            dpi: 300.0,
            words: &second_words,
        },
    ];
    let dest = dir.path().join("multi.pdf");
    let out = write_archive(&pages, &ArchiveOptions::default(), &dest).unwrap();
    assert_eq!(out.pages, 3);
    assert_pdfa_2b(&dest, 3);
    let text = pdftotext(&dest);
    assert_contains_in_order(&text, &["FIRST", "ALPHA", "CAPTION", "SECOND", "BRAVO"]);
    // pdftotext separates pages with form feeds.
    assert_eq!(text.matches('\u{c}').count(), 3, "{text:?}");
    let bytes = std::fs::read(&dest).unwrap();
    assert!(bytes.windows(9).any(|w| w == b"DCTDecode"));

    // Forced lossless and forced JPEG are valid too.
    for (name, compression) in [
        ("lossless.pdf", ImageCompression::Lossless),
        ("jpeg.pdf", ImageCompression::Jpeg(60)),
    ] {
        let dest = dir.path().join(name);
        let options = ArchiveOptions {
            compression,
            ..ArchiveOptions::default()
        };
        write_archive(&pages, &options, &dest).unwrap();
        assert_pdfa_2b(&dest, 3);
        assert_contains_in_order(&pdftotext(&dest), &["FIRST", "CAPTION", "BRAVO"]);
    }
}

#[test]
fn unicode_words_survive_extraction() {
    let dir = tempfile::tempdir().unwrap();
    let image = DynamicImage::ImageLuma8(blank(800, 300));
    let words = [
        ArchiveWord::new("Straße", 50, 50, 200, 40),
        ArchiveWord::new("Œuvre", 270, 50, 200, 40),
        ArchiveWord::new("日本語", 490, 50, 150, 40).ending_line(),
        ArchiveWord::new("😀", 50, 150, 40, 40).ending_line(),
    ];
    let dest = dir.path().join("unicode.pdf");
    let page = ArchivePage {
        image: &image,
        dpi: 200.0,
        words: &words,
    };
    write_archive(&[page], &ArchiveOptions::default(), &dest).unwrap();
    assert_pdfa_2b(&dest, 1);
    assert_contains_in_order(&pdftotext(&dest), &["Straße", "Œuvre", "日本語", "😀"]);
}

#[test]
fn born_digital_pdf_is_rendered_with_its_text_layer() {
    let dir = tempfile::tempdir().unwrap();
    let src = tmp_pdf(
        dir.path(),
        "letter.pdf",
        &text_pdf(&[
            "Harbor Mutual Insurance\nPolicy number HM-5528\nDear Ms. Holloway,",
            "Second page: renewal premium $1,284.00",
        ]),
    );
    let before = std::fs::read(&src).unwrap();
    let dest = dir.path().join("archive.pdf");
    let out = archive_from_pdf(&engine(), &src, 150.0, &ArchiveOptions::default(), &dest)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.pages, 2);
    assert_pdfa_2b(&dest, 2);
    assert_fonts_embedded(&dest);
    assert_contains_in_order(
        &pdftotext(&dest),
        &[
            "Harbor",
            "Mutual",
            "Insurance",
            "Policy",
            "HM-5528",
            "Dear",
            "Holloway,",
            "Second",
            "renewal",
            "$1,284.00",
        ],
    );
    // The archive is pictures plus invisible text: the original's Helvetica is gone.
    let archive = std::fs::read(&dest).unwrap();
    assert!(!archive.windows(9).any(|w| w == b"Helvetica"));
    assert_eq!(
        std::fs::read(&src).unwrap(),
        before,
        "the original is untouched"
    );
}

#[test]
fn broken_encrypted_and_empty_pdfs_are_clear_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out").join("archive.pdf");
    let engine = engine();
    let good = text_pdf(&["Hello"]);

    let empty = tmp_pdf(dir.path(), "empty.pdf", b"");
    let err =
        archive_from_pdf(&engine, &empty, 150.0, &ArchiveOptions::default(), &dest).unwrap_err();
    assert!(
        matches!(err, ArchiveError::Source(ParseError::Empty { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("empty.pdf"), "{err}");

    let truncated = tmp_pdf(dir.path(), "truncated.pdf", &good[..good.len() / 3]);
    let corrupt = tmp_pdf(
        dir.path(),
        "corrupt.pdf",
        b"%PDF-1.7\nthis is not a pdf at all",
    );
    for path in [&truncated, &corrupt] {
        let err =
            archive_from_pdf(&engine, path, 150.0, &ArchiveOptions::default(), &dest).unwrap_err();
        assert!(
            matches!(err, ArchiveError::Source(ParseError::Corrupt { .. })),
            "{}: {err}",
            path.display()
        );
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
    }

    // A user password (empty owner key material is enough for PDFium to ask for one).
    let encrypted = tmp_pdf(
        dir.path(),
        "encrypted.pdf",
        &raw_pdf(
            &[
                "<< /Type /Catalog /Pages 2 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
                "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 \
                 /O <6f0a6b1b7a1c1d5e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e> \
                 /U <1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d00000000000000000000000000000000> >>",
            ],
            "/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]",
        ),
    );
    let err = archive_from_pdf(
        &engine,
        &encrypted,
        150.0,
        &ArchiveOptions::default(),
        &dest,
    )
    .unwrap_err();
    assert!(
        matches!(err, ArchiveError::Source(ParseError::Encrypted { .. })),
        "{err}"
    );

    let missing = dir.path().join("missing.pdf");
    let err =
        archive_from_pdf(&engine, &missing, 150.0, &ArchiveOptions::default(), &dest).unwrap_err();
    assert!(matches!(err, ArchiveError::Read { .. }), "{err}");

    assert!(!dest.exists());
    assert!(!dest.parent().unwrap().exists(), "nothing was created");
}

#[test]
fn pages_that_cannot_be_written_are_refused() {
    let none: [ArchivePage<'_>; 0] = [];
    assert!(matches!(
        archive_pdf_bytes(&none, &ArchiveOptions::default()),
        Err(ArchiveError::NoPages)
    ));
    let image = DynamicImage::ImageLuma8(blank(10, 10));
    for dpi in [0.0, -3.0, f32::NAN] {
        let page = ArchivePage {
            image: &image,
            dpi,
            words: &[],
        };
        let err = archive_pdf_bytes(&[page], &ArchiveOptions::default()).unwrap_err();
        assert!(err.to_string().starts_with("page 1: resolution"), "{err}");
    }
    let tiny_dpi = ArchivePage {
        image: &image,
        dpi: 0.01,
        words: &[],
    };
    let err = archive_pdf_bytes(&[tiny_dpi], &ArchiveOptions::default()).unwrap_err();
    assert!(err.to_string().contains("larger than 200 inches"), "{err}");
}

/// Word boxes from the `tesseract` binary's TSV output (level 5 rows), in its order,
/// a line ending where the next word's block, paragraph or line number changes.
fn tesseract_words(image: &Path) -> Vec<ArchiveWord> {
    let out = Command::new("tesseract")
        .arg(image)
        .args(["stdout", "-l", "eng", "--psm", "6", "tsv"])
        .env("OMP_THREAD_LIMIT", "1")
        .output()
        .expect("tesseract runs (Debian tesseract-ocr, tesseract-ocr-eng)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tsv = String::from_utf8_lossy(&out.stdout);
    let mut rows: Vec<((u32, u32, u32), ArchiveWord)> = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" || cols[11].trim().is_empty() {
            continue;
        }
        let n = |i: usize| cols[i].parse::<u32>().unwrap();
        rows.push((
            (n(2), n(3), n(4)),
            ArchiveWord::new(cols[11].trim(), n(6), n(7), n(8), n(9)),
        ));
    }
    let mut words: Vec<ArchiveWord> = Vec::new();
    for (i, (key, word)) in rows.iter().enumerate() {
        let ends = rows.get(i + 1).is_none_or(|(next, _)| next != key);
        words.push(if ends {
            word.clone().ending_line()
        } else {
            word.clone()
        });
    }
    words
}

#[test]
fn tesseract_word_boxes_make_a_searchable_archive() {
    let dir = tempfile::tempdir().unwrap();
    let (image, _) = scan(&["HELLO ARCHIVE", "TEST 42 PAGES"]);
    let png = dir.path().join("scan.png");
    image
        .save_with_format(&png, image::ImageFormat::Png)
        .unwrap();
    let words = tesseract_words(&png);
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    assert!(
        texts.contains(&"HELLO") && texts.contains(&"ARCHIVE"),
        "{texts:?}"
    );
    assert!(
        words.iter().filter(|w| w.line_end).count() >= 2,
        "{words:?}"
    );

    let dest = dir.path().join("ocr.pdf");
    let page = ArchivePage {
        image: &image,
        dpi: 300.0,
        words: &words,
    };
    write_archive(&[page], &ArchiveOptions::default(), &dest).unwrap();
    assert_pdfa_2b(&dest, 1);
    // Every word Tesseract read is in the archive's text, in Tesseract's order.
    assert_contains_in_order(&pdftotext(&dest), &texts);
}
