//! Damaged input of every type the parser reads: zero bytes, garbage behind the right
//! magic number, truncated files, password protection and encryption. Each is a clear
//! error naming the file, never a panic.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat};
use pd_pipeline::sample::{image_pdf, raw_pdf, text_image};
use pd_pipeline::{ParseError, ParseOptions, PdfEngine, parse_document_with};

fn options() -> ParseOptions {
    ParseOptions {
        engine: Some(PdfEngine::new(None).unwrap_or_else(|err| panic!("{err}"))),
        ..ParseOptions::default()
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn scan() -> DynamicImage {
    DynamicImage::ImageLuma8(text_image("Damaged\nscan", 4))
}

fn encoded(format: ImageFormat) -> Vec<u8> {
    let image = if format == ImageFormat::Png || format == ImageFormat::Tiff {
        scan()
    } else {
        DynamicImage::ImageRgb8(scan().to_rgb8())
    };
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

const FORMATS: [(ImageFormat, &str, &str); 6] = [
    (ImageFormat::Png, "png", "PNG"),
    (ImageFormat::Jpeg, "jpg", "JPEG"),
    (ImageFormat::Tiff, "tif", "TIFF"),
    (ImageFormat::WebP, "webp", "WebP"),
    (ImageFormat::Gif, "gif", "GIF"),
    (ImageFormat::Bmp, "bmp", "BMP"),
];

fn expect_corrupt_image(path: &Path, format: &str) {
    let err = parse_document_with(path, &options()).unwrap_err();
    let ParseError::CorruptImage {
        path: p, format: f, ..
    } = &err
    else {
        panic!("{}: expected CorruptImage, got {err:?}", path.display());
    };
    assert_eq!(p, path);
    assert_eq!(*f, format);
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains(&format!("as a {format} image")),
        "{message}"
    );
}

#[test]
fn zero_byte_files_of_every_type_are_empty() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "a.png", "a.jpg", "a.tif", "a.webp", "a.gif", "a.bmp", "a.pdf", "a.eml", "a.txt",
    ] {
        let path = write(dir.path(), name, b"");
        let err = parse_document_with(&path, &options()).unwrap_err();
        assert!(
            matches!(&err, ParseError::Empty { path: p } if p == &path),
            "{name}: {err:?}"
        );
        assert!(err.to_string().ends_with("is empty"), "{err}");
    }
}

#[test]
fn images_with_garbage_behind_the_magic_number_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    for (format, extension, name) in FORMATS {
        let whole = encoded(format);
        // The sniffed header stays, the rest is noise.
        let keep = match format {
            ImageFormat::WebP => 16,
            ImageFormat::Bmp => 18,
            _ => 8,
        };
        let mut bytes = whole[..keep].to_vec();
        bytes.extend((0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        let path = write(dir.path(), &format!("garbage.{extension}"), &bytes);
        expect_corrupt_image(&path, name);
    }
}

#[test]
fn truncated_images_are_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    for (format, extension, name) in FORMATS {
        let whole = encoded(format);
        let path = write(
            dir.path(),
            &format!("truncated.{extension}"),
            &whole[..whole.len() / 2],
        );
        expect_corrupt_image(&path, name);
    }
}

#[test]
fn a_damaged_later_tiff_page_fails_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let page = scan().to_luma8();
    let mut out = Cursor::new(Vec::new());
    let mut encoder = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    for _ in 0..2 {
        encoder
            .write_image::<tiff::encoder::colortype::Gray8>(page.width(), page.height(), &page)
            .unwrap();
    }
    let mut bytes = out.into_inner();
    // Point page 2's pixel data (its strip offsets) past the end of the file.
    let second_ifd = {
        let first = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
        let entries = u16::from_le_bytes(bytes[first..first + 2].try_into().unwrap()) as usize;
        let at = first + 2 + entries * 12;
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
    };
    let entries = u16::from_le_bytes(bytes[second_ifd..second_ifd + 2].try_into().unwrap());
    for i in 0..entries as usize {
        let entry = second_ifd + 2 + i * 12;
        let tag = u16::from_le_bytes(bytes[entry..entry + 2].try_into().unwrap());
        if tag == 273 {
            // StripOffsets: make every strip start far beyond the file.
            let count = u32::from_le_bytes(bytes[entry + 4..entry + 8].try_into().unwrap());
            let far = 0x7fff_0000u32.to_le_bytes();
            if count == 1 {
                bytes[entry + 8..entry + 12].copy_from_slice(&far);
            } else {
                let at =
                    u32::from_le_bytes(bytes[entry + 8..entry + 12].try_into().unwrap()) as usize;
                for s in 0..count as usize {
                    bytes[at + 4 * s..at + 4 * s + 4].copy_from_slice(&far);
                }
            }
        }
    }
    let path = write(dir.path(), "fax.tif", &bytes);
    expect_corrupt_image(&path, "TIFF");
    let message = parse_document_with(&path, &options())
        .unwrap_err()
        .to_string();
    assert!(message.contains("page 2"), "{message}");
}

#[test]
fn damaged_scanned_pdfs_are_corrupt_and_locked_ones_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let image = scan();
    let whole = image_pdf(&[(&image, 300.0)]);
    for (name, bytes) in [
        ("truncated.pdf", whole[..whole.len() / 2].to_vec()),
        (
            "garbage.pdf",
            b"%PDF-1.7\n\x00\x01\x02 not a PDF body\n".to_vec(),
        ),
    ] {
        let path = write(dir.path(), name, &bytes);
        let err = parse_document_with(&path, &options()).unwrap_err();
        assert!(
            matches!(&err, ParseError::Corrupt { .. }),
            "{name}: {err:?}"
        );
        assert!(err.to_string().contains(name), "{err}");
    }
    // Standard security handler, revision 2; the empty password matches neither O nor U.
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
    let path = write(dir.path(), "locked.pdf", &locked);
    let err = parse_document_with(&path, &options()).unwrap_err();
    assert!(matches!(&err, ParseError::Encrypted { .. }), "{err:?}");
    assert!(err.to_string().contains("password"), "{err}");
}

#[test]
fn damaged_and_encrypted_mail() {
    let dir = tempfile::tempdir().unwrap();
    let whole = "Return-Path: <billing@example.org>\r\nFrom: Billing <billing@example.org>\r\n\
        To: anna@example.org\r\nSubject: Invoice\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/mixed; boundary=\"part\"\r\n\r\n--part\r\n\
        Content-Type: text/plain\r\n\r\nYour invoice is attached.\r\n--part--\r\n";
    let cases: [(&str, String, &str); 4] = [
        (
            "cut-in-header.eml",
            whole[..whole.find("MIME-Version").unwrap()].to_owned(),
            "inside its header",
        ),
        (
            "cut-in-body.eml",
            whole[..whole.find("attached").unwrap()].to_owned(),
            "never closes",
        ),
        (
            "no-boundary.eml",
            whole.replace("; boundary=\"part\"", ""),
            "no boundary",
        ),
        (
            "smime.eml",
            "From: a@example.org\r\nTo: b@example.org\r\nMessage-ID: <1@example.org>\r\n\
             Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIAGCSqG\r\n"
                .to_owned(),
            "encrypted e-mail (S/MIME)",
        ),
    ];
    for (name, content, expected) in cases {
        let path = write(dir.path(), name, content.as_bytes());
        let err = parse_document_with(&path, &options()).unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::CorruptMessage { .. } | ParseError::EncryptedMessage { .. }
            ),
            "{name}: {err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(expected), "{name}: {message}");
        assert!(message.contains(name), "{message}");
    }
    let path = write(dir.path(), "whole.eml", whole.as_bytes());
    let parsed = parse_document_with(&path, &options()).unwrap();
    assert_eq!(parsed.mime_type, "message/rfc822");
    assert_eq!(parsed.content, "Your invoice is attached.");
    assert_eq!(parsed.page_count, None);
}
