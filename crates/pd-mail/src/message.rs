//! A downloaded mail, read with mail-parser: sender, subject, date, attachments, and the
//! text a whole mail stored as `.eml` is searched by.

use mail_parser::{MessageParser, MimeHeaders};

/// An attachment (or inline part) of a mail.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    /// `attachment`, `inline`, or empty.
    pub disposition: String,
    pub content: Vec<u8>,
}

/// What pd needs of a downloaded mail.
#[derive(Debug, Clone)]
pub struct MailMessage {
    pub subject: String,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub date: Option<pd_core::Timestamp>,
    pub attachments: Vec<Attachment>,
    /// Headers and text bodies, for a mail consumed as `.eml`.
    pub text: String,
}

impl MailMessage {
    /// Reads a raw RFC 5322 message; `None` if it is not one.
    pub fn parse(raw: &[u8]) -> Option<MailMessage> {
        let msg = MessageParser::default().parse(raw)?;
        let subject = msg.subject().unwrap_or_default().trim().to_owned();
        let from = msg.from().and_then(|a| a.first());
        let from_address = from
            .and_then(|a| a.address())
            .map(str::to_owned)
            .filter(|a| !a.is_empty());
        let from_name = from
            .and_then(|a| a.name())
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        let date = msg
            .date()
            .and_then(|d| time::OffsetDateTime::from_unix_timestamp(d.to_timestamp()).ok());
        let mut attachments = Vec::new();
        for part in msg.attachments() {
            let Some(filename) = part.attachment_name().map(|n| n.trim().to_owned()) else {
                continue;
            };
            if filename.is_empty() {
                continue;
            }
            let disposition = part
                .content_disposition()
                .map(|d| d.ctype().to_ascii_lowercase())
                .unwrap_or_default();
            attachments.push(Attachment {
                filename,
                disposition,
                content: part.contents().to_vec(),
            });
        }
        let mut text = String::new();
        let address_list = |a: Option<&mail_parser::Address<'_>>| {
            a.map(|a| {
                a.iter()
                    .map(|addr| match (addr.name(), addr.address()) {
                        (Some(n), Some(e)) => format!("{n} <{e}>"),
                        (None, Some(e)) => e.to_owned(),
                        (Some(n), None) => n.to_owned(),
                        (None, None) => String::new(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
        };
        text.push_str(&format!("Subject: {subject}\n"));
        text.push_str(&format!("From: {}\n", address_list(msg.from())));
        text.push_str(&format!("To: {}\n", address_list(msg.to())));
        if let Some(d) = msg.date() {
            text.push_str(&format!("Date: {}\n", d.to_rfc3339()));
        }
        if !attachments.is_empty() {
            let names: Vec<&str> = attachments.iter().map(|a| a.filename.as_str()).collect();
            text.push_str(&format!("Attachments: {}\n", names.join(", ")));
        }
        text.push('\n');
        for i in 0..msg.text_body_count() {
            if let Some(body) = msg.body_text(i) {
                text.push_str(body.trim());
                text.push('\n');
            }
        }
        Some(MailMessage {
            subject,
            from_address,
            from_name,
            date,
            attachments,
            text: text.trim().to_owned(),
        })
    }
}

/// A file name safe to create: no path separators or control characters, not empty,
/// at most 200 characters.
pub fn safe_file_name(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let cleaned: String = cleaned.chars().take(200).collect();
    if cleaned.is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sender_subject_and_attachments() {
        let raw = b"From: Ann Example <ann@example.com>\r\nTo: me@example.com\r\n\
Subject: Invoice 7\r\nMessage-ID: <a@b>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
Hello there\r\n--b\r\nContent-Type: text/plain; name=\"inv.txt\"\r\n\
Content-Disposition: attachment; filename=\"inv.txt\"\r\n\r\nTotal 12\r\n--b--\r\n";
        let m = MailMessage::parse(raw).unwrap();
        assert_eq!(m.subject, "Invoice 7");
        assert_eq!(m.from_address.as_deref(), Some("ann@example.com"));
        assert_eq!(m.from_name.as_deref(), Some("Ann Example"));
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].filename, "inv.txt");
        assert_eq!(m.attachments[0].disposition, "attachment");
        assert_eq!(m.attachments[0].content, b"Total 12");
        assert!(m.text.contains("Hello there"), "{}", m.text);
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_file_name("../../etc/passwd", "x"), "_.._etc_passwd");
        assert_eq!(safe_file_name("  ", "mail.eml"), "mail.eml");
    }
}
