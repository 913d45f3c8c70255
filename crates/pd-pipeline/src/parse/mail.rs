//! E-mail messages (`.eml`, `message/rfc822`): the text body, read with `mail-parser`.

use std::path::Path;

use mail_parser::{MessageParser, MimeHeaders};

use super::ParseError;

/// The text of the message in `bytes`: every plain-text body part, else the HTML body
/// parts as text, joined by blank lines. Attachments are not read. `path` only names
/// the file in errors.
///
/// # Errors
///
/// [`ParseError::CorruptMessage`] for a message that ends inside its header or before
/// its last MIME part closes (a truncated file), a multipart message without a
/// boundary, or one with no header at all;
/// [`ParseError::EncryptedMessage`] for S/MIME or PGP/MIME encrypted mail.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::path::Path;
///
/// let mail = b"From: Anna <anna@example.org>\r\nTo: bob@example.org\r\n\
///              Subject: Invoice\r\n\r\nThe invoice is due on 3 May 2024.\r\n";
/// let body = pd_pipeline::parse::mail_body(mail, Path::new("invoice.eml"))?;
/// assert_eq!(body.trim(), "The invoice is due on 3 May 2024.");
/// # Ok(())
/// # }
/// ```
pub fn mail_body(bytes: &[u8], path: &Path) -> Result<String, ParseError> {
    let corrupt = |message: &str| ParseError::CorruptMessage {
        path: path.to_path_buf(),
        message: message.to_owned(),
    };
    let header_end = find(bytes, b"\r\n\r\n")
        .or_else(|| find(bytes, b"\n\n"))
        .ok_or_else(|| corrupt("it ends inside its header (the file is truncated)"))?;
    let message = MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| corrupt("it has no message header"))?;
    if message.headers().is_empty() {
        return Err(corrupt("it has no message header"));
    }

    if let Some(content_type) = message.content_type() {
        let ctype = content_type.ctype().to_ascii_lowercase();
        let subtype = content_type.subtype().unwrap_or("").to_ascii_lowercase();
        let encrypted = match (ctype.as_str(), subtype.as_str()) {
            ("multipart", "encrypted") => Some("PGP/MIME"),
            ("application", "pkcs7-mime" | "x-pkcs7-mime") => {
                let smime_type = content_type
                    .attribute("smime-type")
                    .unwrap_or("enveloped-data")
                    .to_ascii_lowercase();
                (smime_type == "enveloped-data" || smime_type == "authenveloped-data")
                    .then_some("S/MIME")
            }
            _ => None,
        };
        if let Some(scheme) = encrypted {
            return Err(ParseError::EncryptedMessage {
                path: path.to_path_buf(),
                scheme,
            });
        }
        if ctype == "multipart" {
            let boundary = content_type
                .attribute("boundary")
                .filter(|b| !b.is_empty())
                .ok_or_else(|| corrupt("it is a multipart message with no boundary"))?;
            let closing = format!("--{boundary}--");
            if find(&bytes[header_end..], closing.as_bytes()).is_none() {
                return Err(corrupt(
                    "its last MIME part never closes (the file is truncated)",
                ));
            }
        }
    }

    // mail-parser lists HTML parts among the text parts when a message has no plain
    // text alternative, and converts them to text.
    let parts: Vec<String> = (0..message.text_body_count())
        .filter_map(|index| message.body_text(index))
        // HTML's &nbsp; is layout, not content: search and matching want a space.
        .map(|text| text.replace('\u{a0}', " "))
        .collect();
    Ok(parts.join("\n\n"))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(mail: &str) -> Result<String, ParseError> {
        mail_body(mail.as_bytes(), Path::new("m.eml"))
    }

    #[test]
    fn plain_text_part_wins_over_html() {
        let mail = "From: a@example.org\r\nTo: b@example.org\r\nSubject: Hi\r\n\
            MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
            --b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain body, 3 May 2024\r\n\
            --b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML body</p>\r\n--b1--\r\n";
        assert_eq!(body(mail).unwrap().trim(), "Plain body, 3 May 2024");
    }

    #[test]
    fn html_only_mail_is_read_as_text() {
        let mail = "From: a@example.org\r\nTo: b@example.org\r\n\
            Content-Type: text/html; charset=utf-8\r\n\r\n\
            <html><head><style>p {color: red}</style></head><body><p>Dear Anna,</p>\
            <p>your invoice&nbsp;#17 is &euro;12 &amp; due.</p><script>x()</script></body></html>\r\n";
        let text = body(mail).unwrap();
        assert!(text.contains("Dear Anna,"), "{text}");
        assert!(text.contains("your invoice #17 is €12 & due."), "{text}");
        assert!(!text.contains("color"), "{text}");
        assert!(!text.contains("x()"), "{text}");
        assert!(!text.contains('<'), "{text}");
    }

    #[test]
    fn truncated_and_encrypted_mail_are_errors() {
        let err = body("From: a@example.org\r\nTo: b@exam").unwrap_err();
        assert!(matches!(err, ParseError::CorruptMessage { .. }), "{err}");
        let err = body(
            "From: a@example.org\r\nTo: b@example.org\r\n\
             Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\n\
             Content-Type: text/plain\r\n\r\nHello, this was cut",
        )
        .unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        let err = body(
            "From: a@example.org\r\nTo: b@example.org\r\n\
             Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAxggE=\r\n",
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::EncryptedMessage {
                    scheme: "S/MIME",
                    ..
                }
            ),
            "{err}"
        );
        let err = body(
            "From: a@example.org\r\nTo: b@example.org\r\n\
             Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"e\"\r\n\r\n\
             --e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--e--\r\n",
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::EncryptedMessage {
                    scheme: "PGP/MIME",
                    ..
                }
            ),
            "{err}"
        );
    }
}
