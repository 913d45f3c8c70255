//! `pd consume` of scans (images of every kind, image-only PDFs) and e-mails through
//! the real binary, with files the tests make; and damaged input of every type, which
//! must fail clearly and leave the library as it was.

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use common::Library;
use image::{DynamicImage, GrayImage, ImageFormat};
use pd_pipeline::sample::{image_pdf, raw_pdf, text_image};
use serde_json::Value;

fn scan(text: &str) -> DynamicImage {
    DynamicImage::ImageLuma8(text_image(text, 4))
}

fn save(dir: &Path, name: &str, image: &DynamicImage, format: ImageFormat) -> PathBuf {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, out.into_inner()).unwrap();
    path
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

fn webp_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let image = image::load_from_memory_with_format(&bytes, ImageFormat::WebP).unwrap();
    (image.width(), image.height())
}

fn by_name<'a>(docs: &'a [Value], name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["original_filename"] == name)
        .unwrap_or_else(|| panic!("no document from {name}"))
}

fn content(doc: &Value) -> &str {
    doc["content"].as_str().unwrap()
}

/// OCR of the bitmap font mixes up a few letters' case (`f`/`F`), so case is ignored.
fn assert_words(doc: &Value, words: &[&str]) {
    let text = content(doc).to_lowercase();
    for word in words {
        assert!(text.contains(&word.to_lowercase()), "`{word}` not in {doc}");
    }
}

/// Every file below `dir`, relative to it, sorted (an absent folder has none).
fn files_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn scans_and_mail_are_consumed_with_text_pages_dates_and_thumbnails() {
    let lib = Library::new();
    let inbox = lib.inbox();
    let letter = scan("Invoice from Brightwater\nDated 14 March 2024");
    save(&inbox, "invoice.png", &letter, ImageFormat::Png);
    save(
        &inbox,
        "receipt.jpg",
        &DynamicImage::ImageRgb8(scan("Bakery receipt\nCroissant and coffee").to_rgb8()),
        ImageFormat::Jpeg,
    );
    save(
        &inbox,
        "flyer.webp",
        &scan("Summer festival flyer"),
        ImageFormat::WebP,
    );
    std::fs::write(
        inbox.join("fax.tif"),
        tiff(&[
            text_image("Fax cover sheet", 4),
            text_image("Second page of the fax", 4),
        ]),
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
        inbox.join("reminder.eml"),
        "Return-Path: <dentist@example.org>\r\nFrom: Dr. Hartmann <dentist@example.org>\r\n\
         To: anna@example.org\r\nSubject: Appointment\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n\
         <html><body><p>Your appointment is on 7 May 2024.</p><p>Kind regards</p></body></html>\r\n",
    )
    .unwrap();

    let report = lib.json(&["consume", inbox.to_str().unwrap()]);
    assert_eq!(report["failed"].as_array().unwrap().len(), 0, "{report}");
    assert_eq!(report["consumed"].as_array().unwrap().len(), 6, "{report}");

    let docs = lib.documents();
    let invoice = by_name(&docs, "invoice.png");
    assert_eq!(invoice["mime_type"], "image/png");
    assert_eq!(invoice["page_count"], 1);
    assert_words(invoice, &["Invoice", "Brightwater", "March"]);
    assert_eq!(
        invoice["created"], "2024-03-14",
        "dated from its OCR text: {invoice}"
    );

    let receipt = by_name(&docs, "receipt.jpg");
    assert_eq!(receipt["mime_type"], "image/jpeg");
    assert_words(receipt, &["Bakery", "receipt", "Croissant", "coffee"]);
    let flyer = by_name(&docs, "flyer.webp");
    assert_eq!(flyer["mime_type"], "image/webp");
    assert_words(flyer, &["Summer", "festival"]);

    let fax = by_name(&docs, "fax.tif");
    assert_eq!(fax["mime_type"], "image/tiff");
    assert_eq!(fax["page_count"], 2);
    assert_words(fax, &["Fax", "cover", "Second", "page"]);

    let contract = by_name(&docs, "contract.pdf");
    assert_eq!(contract["mime_type"], "application/pdf");
    assert_eq!(contract["page_count"], 2);
    assert_words(
        contract,
        &["Scanned", "contract", "Leeds", "Appendix", "prices"],
    );

    let mail = by_name(&docs, "reminder.eml");
    assert_eq!(mail["mime_type"], "message/rfc822");
    assert_eq!(mail["page_count"], Value::Null);
    assert_eq!(
        content(mail),
        "Your appointment is on 7 May 2024.\nKind regards"
    );
    assert_eq!(mail["created"], "2024-05-07");

    // Thumbnails: images and scanned pages shrunk to 500 pixels wide, never enlarged.
    let thumb = |doc: &Value| webp_size(&lib.thumbnail(doc["id"].as_i64().unwrap()));
    let (width, height) = thumb(invoice);
    assert_eq!(width, 500);
    let expected = (letter.height() as f32 * 500.0 / letter.width() as f32).round() as u32;
    assert!(height.abs_diff(expected) <= 1, "{height} vs {expected}");
    let (width, _) = thumb(contract);
    assert_eq!(width, 500.min(one.width()));
    assert_eq!(thumb(mail), (500, 700), "mail gets the placeholder");
    let stored = lib.stored_files();
    for extension in ["png", "jpg", "webp", "tif", "pdf", "eml"] {
        assert!(
            stored.iter().any(|f| f.ends_with(&format!(".{extension}"))),
            "{stored:?}"
        );
    }
}

#[test]
fn damaged_input_of_every_type_fails_clearly_and_changes_nothing() {
    let lib = Library::new();
    let inbox = lib.inbox();
    let image = scan("Damaged scan");
    let encoded = |format: ImageFormat| {
        let mut out = Cursor::new(Vec::new());
        let image = if format == ImageFormat::Jpeg || format == ImageFormat::Gif {
            DynamicImage::ImageRgb8(image.to_rgb8())
        } else {
            image.clone()
        };
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    };
    let half = |bytes: Vec<u8>| bytes[..bytes.len() / 2].to_vec();
    let pdf = image_pdf(&[(&image, 300.0)]);
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
        "/Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]",
    );
    let mail = "From: a@example.org\r\nTo: b@example.org\r\nSubject: Hi\r\n\
        Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
        Content-Type: text/plain\r\n\r\nHello there, this message is cut";
    let smime = "From: a@example.org\r\nTo: b@example.org\r\nMessage-ID: <1@x>\r\n\
        Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIAGCSqG\r\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.png", Vec::new(), "is empty"),
        ("empty.pdf", Vec::new(), "is empty"),
        ("empty.eml", Vec::new(), "is empty"),
        (
            "truncated.png",
            half(encoded(ImageFormat::Png)),
            "as a PNG image",
        ),
        (
            "truncated.jpg",
            half(encoded(ImageFormat::Jpeg)),
            "as a JPEG image",
        ),
        (
            "truncated.tif",
            half(encoded(ImageFormat::Tiff)),
            "as a TIFF image",
        ),
        (
            "truncated.webp",
            half(encoded(ImageFormat::WebP)),
            "as a WebP image",
        ),
        (
            "truncated.gif",
            half(encoded(ImageFormat::Gif)),
            "as a GIF image",
        ),
        (
            "truncated.bmp",
            half(encoded(ImageFormat::Bmp)),
            "as a BMP image",
        ),
        (
            "garbage.png",
            [&b"\x89PNG\r\n\x1a\n"[..], &[0x55; 300]].concat(),
            "as a PNG image",
        ),
        ("truncated.pdf", half(pdf), "cannot be opened as a PDF"),
        ("locked.pdf", locked, "password-protected"),
        ("cut.eml", mail.as_bytes().to_vec(), "truncated"),
        ("secret.eml", smime.as_bytes().to_vec(), "encrypted e-mail"),
    ];
    for (name, bytes, _) in &cases {
        std::fs::write(inbox.join(name), bytes).unwrap();
    }
    let before: Vec<(String, Vec<u8>)> = files_below(&inbox)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(inbox.join(&f)).unwrap();
            (f, bytes)
        })
        .collect();

    let (code, stdout, stderr) = lib.run(&["consume", inbox.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["consumed"].as_array().unwrap().len(), 0, "{report}");
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), cases.len(), "{report}");
    for (name, _, expected) in &cases {
        let failure = failed
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not reported: {report}"));
        let error = failure["error"].as_str().unwrap();
        assert!(error.contains(expected), "{name}: {error}");
        assert!(error.contains(name), "{name}: {error}");
        assert!(stderr.contains(name), "{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Nothing was stored, nothing half-written, the sources are untouched.
    assert!(lib.documents().is_empty());
    assert_eq!(
        files_below(&lib.media().join("documents")),
        Vec::<String>::new()
    );
    let after: Vec<(String, Vec<u8>)> = files_below(&inbox)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(inbox.join(&f)).unwrap();
            (f, bytes)
        })
        .collect();
    assert!(before == after, "the inbox changed");
}

#[test]
fn missing_tesseract_or_language_pack_is_named_and_nothing_is_stored() {
    let lib = Library::new();
    let inbox = lib.inbox();
    let png = save(&inbox, "scan.png", &scan("Hello"), ImageFormat::Png);
    let png = png.to_str().unwrap();

    // No tesseract on PATH.
    let empty = lib.folder("empty-bin");
    let (code, _, stderr) = lib.run_env(&["consume", png], &[("PATH", empty.to_str().unwrap())]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("Tesseract is not installed"), "{stderr}");
    assert!(stderr.contains("tesseract-ocr"), "{stderr}");

    // A language without its pack.
    let listing = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .unwrap();
    let installed = String::from_utf8_lossy(&listing.stdout).into_owned();
    let missing = ["fra", "ita", "spa", "nld", "tur", "heb"]
        .into_iter()
        .find(|lang| !installed.lines().any(|l| l.trim() == *lang))
        .unwrap();
    let (code, _, stderr) = lib.run_env(
        &["consume", png],
        &[("PD_OCR_LANGUAGE", &format!("deu+{missing}"))],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "install the Debian package tesseract-ocr-{missing}"
        )),
        "{stderr}"
    );
    assert!(lib.documents().is_empty());
    assert!(lib.stored_files().is_empty());
}
