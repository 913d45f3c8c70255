//! Telling a file's type from its first bytes. Magic numbers for the few binary
//! formats pd meets are short enough to write down, which keeps a dependency out.

use std::io::Read;
use std::path::Path;

use super::ParseError;

/// How much of a file is looked at.
const SNIFF_LEN: u64 = 8 * 1024;

/// The mime type of the file at `path`, judged from its content, not its name.
///
/// Recognised: `application/pdf` (`%PDF-` within the first 1024 bytes, as readers
/// accept), `image/png`, `image/jpeg`, `image/tiff`, `image/gif`, `image/bmp`,
/// `image/webp`, `message/rfc822` (text that opens with mail header lines),
/// `text/plain` (text without NUL bytes: UTF-8, or single-byte text such as Latin-1),
/// and `text/csv` for text in a file named `*.csv`. Anything else is
/// `application/octet-stream`.
///
/// # Errors
///
/// [`ParseError::Empty`] for a zero-byte file, [`ParseError::Io`] when it cannot be read.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// // The name says text, the content says PNG.
/// let file = dir.path().join("scan.txt");
/// std::fs::write(&file, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")?;
/// assert_eq!(pd_pipeline::sniff_mime_type(&file)?, "image/png");
/// # Ok(())
/// # }
/// ```
pub fn sniff_mime_type(path: &Path) -> Result<&'static str, ParseError> {
    let file = std::fs::File::open(path).map_err(|e| ParseError::io(path, e))?;
    let mut head = Vec::with_capacity(SNIFF_LEN as usize);
    file.take(SNIFF_LEN)
        .read_to_end(&mut head)
        .map_err(|e| ParseError::io(path, e))?;
    if head.is_empty() {
        return Err(ParseError::Empty {
            path: path.to_path_buf(),
        });
    }
    let is_csv_name = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    Ok(sniff_bytes(&head, is_csv_name))
}

/// The mime type of content starting with `head`.
pub(crate) fn sniff_bytes(head: &[u8], is_csv_name: bool) -> &'static str {
    if let Some(binary) = sniff_binary(head) {
        return binary;
    }
    let Some(text) = as_text(head) else {
        return "application/octet-stream";
    };
    if looks_like_mail(&text) {
        "message/rfc822"
    } else if is_csv_name {
        "text/csv"
    } else {
        "text/plain"
    }
}

fn sniff_binary(head: &[u8]) -> Option<&'static str> {
    let pdf_window = &head[..head.len().min(1024)];
    if pdf_window.windows(5).any(|w| w == b"%PDF-") {
        return Some("application/pdf");
    }
    let mime = if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if head.starts_with(b"\xff\xd8\xff") {
        "image/jpeg"
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        "image/tiff"
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        "image/gif"
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        "image/webp"
    } else if is_bmp(head) {
        "image/bmp"
    } else {
        return None;
    };
    Some(mime)
}

/// "BM" alone is too weak (text can start with it): also require a known DIB header size.
fn is_bmp(head: &[u8]) -> bool {
    if head.len() < 18 || !head.starts_with(b"BM") {
        return false;
    }
    let dib_size = u32::from_le_bytes([head[14], head[15], head[16], head[17]]);
    matches!(dib_size, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
}

/// The head as text, if it is text: no NULs, and either UTF-8 (a character cut off at
/// the end of the sample is fine) or single-byte text without control characters.
fn as_text(head: &[u8]) -> Option<String> {
    if head.contains(&0) {
        return None;
    }
    match std::str::from_utf8(head) {
        Ok(text) => Some(text.to_owned()),
        Err(err) if err.error_len().is_none() => {
            Some(String::from_utf8_lossy(&head[..err.valid_up_to()]).into_owned())
        }
        Err(_) => {
            let control = |b: &u8| *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b);
            if head.iter().any(control) || head.contains(&0x7f) {
                None
            } else {
                Some(head.iter().map(|&b| char::from(b)).collect())
            }
        }
    }
}

/// Header fields that mark a message; one alone could be a note that starts "Subject:".
const MAIL_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "content-type",
    "reply-to",
    "delivered-to",
];

/// Mail opens with a block of `Name: value` lines (continuations indented) ended by a
/// blank line or the end of the sample, with at least two well-known header names,
/// one of them `From` or `Received`/`Return-Path`/`Message-ID`.
fn looks_like_mail(text: &str) -> bool {
    let mut known = 0;
    let mut origin = false;
    let mut fields = 0;
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if fields == 0 {
                return false;
            }
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid_name {
            return false;
        }
        fields += 1;
        let name = name.to_ascii_lowercase();
        if MAIL_HEADERS.contains(&name.as_str()) {
            known += 1;
        }
        if matches!(
            name.as_str(),
            "from" | "received" | "return-path" | "message-id"
        ) {
            origin = true;
        }
    }
    known >= 2 && origin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(sniff_bytes(b"%PDF-1.7\n", false), "application/pdf");
        assert_eq!(
            sniff_bytes(b"\r\n junk before the header %PDF-1.4", false),
            "application/pdf"
        );
        assert_eq!(sniff_bytes(b"\x89PNG\r\n\x1a\n\0\0", false), "image/png");
        assert_eq!(
            sniff_bytes(b"\xff\xd8\xff\xe0\0\x10JFIF", false),
            "image/jpeg"
        );
        assert_eq!(sniff_bytes(b"II*\0\x08\0\0\0", false), "image/tiff");
        assert_eq!(sniff_bytes(b"MM\0*\0\0\0\x08", false), "image/tiff");
        assert_eq!(sniff_bytes(b"GIF89a\x01\0\x01\0", false), "image/gif");
        assert_eq!(sniff_bytes(b"RIFF\x24\0\0\0WEBPVP8 ", false), "image/webp");
        let mut bmp = b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0".to_vec();
        bmp.extend_from_slice(&40u32.to_le_bytes());
        assert_eq!(sniff_bytes(&bmp, false), "image/bmp");
    }

    #[test]
    fn pdf_header_past_1024_bytes_is_not_a_pdf() {
        let mut head = vec![b' '; 1100];
        head.extend_from_slice(b"%PDF-1.7");
        assert_eq!(sniff_bytes(&head, false), "text/plain");
    }

    #[test]
    fn text_starting_with_bm_is_text() {
        assert_eq!(
            sniff_bytes(b"BMW service on 2024-03-01", false),
            "text/plain"
        );
    }

    #[test]
    fn text_and_csv() {
        assert_eq!(
            sniff_bytes("Grüße aus Köln\n".as_bytes(), false),
            "text/plain"
        );
        assert_eq!(
            sniff_bytes(b"Gr\xfc\xdfe aus K\xf6ln\n", false),
            "text/plain"
        );
        assert_eq!(
            sniff_bytes(b"date;amount\n2024-01-02;3.50\n", true),
            "text/csv"
        );
        // A cut-off multi-byte character at the end of the sample is still text.
        assert_eq!(sniff_bytes(&"aä".as_bytes()[..2], false), "text/plain");
    }

    #[test]
    fn binary_is_octet_stream() {
        assert_eq!(sniff_bytes(b"abc\0def", false), "application/octet-stream");
        assert_eq!(
            sniff_bytes(b"\x01\x02\x03\xfe\xff", true),
            "application/octet-stream"
        );
    }

    #[test]
    fn mail_needs_a_header_block() {
        let mail = "Return-Path: <a@example.org>\r\nFrom: Anna <a@example.org>\r\n\
                    To: b@example.org\r\nSubject: Invoice\r\n  continued\r\n\r\nHello";
        assert_eq!(sniff_bytes(mail.as_bytes(), false), "message/rfc822");
        assert_eq!(
            sniff_bytes(b"Subject: shopping\nmilk, eggs\n", false),
            "text/plain"
        );
        assert_eq!(
            sniff_bytes(b"From: me\nTo: you\n\nhi", false),
            "message/rfc822"
        );
        assert_eq!(
            sniff_bytes(b"Note: call back\nFrom: the office\n", false),
            "text/plain"
        );
    }
}
