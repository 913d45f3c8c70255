//! What a mail's headers and structure tell before its body is downloaded: its
//! Message-ID and subject (ENVELOPE) and its parts' dispositions and file names
//! (BODYSTRUCTURE).

use async_imap::imap_proto::{BodyStructure, ContentDisposition, ContentType};
use async_imap::types::Fetch;

/// A part of a mail that may be an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    /// `attachment`, `inline`, or empty when the part has no disposition.
    pub disposition: String,
    /// The file name as the structure gives it (possibly still RFC 2047/2231 encoded).
    pub filename: Option<String>,
}

/// One mail as ENVELOPE and BODYSTRUCTURE describe it.
#[derive(Debug, Clone)]
pub struct MailHeader {
    pub uid: u32,
    pub message_id: Option<String>,
    pub subject: String,
    pub parts: Vec<PartInfo>,
}

impl MailHeader {
    /// Reads a `UID ENVELOPE BODYSTRUCTURE` fetch; `None` without a UID.
    pub fn from_fetch(fetch: &Fetch) -> Option<MailHeader> {
        let uid = fetch.uid?;
        let envelope = fetch.envelope();
        let text = |b: &Option<std::borrow::Cow<'_, [u8]>>| {
            b.as_deref()
                .map(|b| String::from_utf8_lossy(b).trim().to_owned())
        };
        let message_id = envelope
            .and_then(|e| text(&e.message_id))
            .filter(|m| !m.is_empty());
        let subject = envelope.and_then(|e| text(&e.subject)).unwrap_or_default();
        let mut parts = Vec::new();
        if let Some(body) = fetch.bodystructure() {
            collect_parts(body, &mut parts);
        }
        Some(MailHeader {
            uid,
            message_id,
            subject,
            parts,
        })
    }
}

fn param<'a>(
    params: &'a Option<Vec<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)>>,
    name: &str,
) -> Option<&'a str> {
    params.as_ref()?.iter().find_map(|(k, v)| {
        let k = k.to_ascii_lowercase();
        // RFC 2231 names (`filename*`, `filename*0*`) count as the name itself.
        (k == name || k.starts_with(&format!("{name}*"))).then_some(v.as_ref())
    })
}

fn part_info(ty: &ContentType<'_>, disposition: &Option<ContentDisposition<'_>>) -> PartInfo {
    let filename = disposition
        .as_ref()
        .and_then(|d| param(&d.params, "filename"))
        .or_else(|| param(&ty.params, "name"))
        .map(str::to_owned);
    PartInfo {
        disposition: disposition
            .as_ref()
            .map(|d| d.ty.to_ascii_lowercase())
            .unwrap_or_default(),
        filename,
    }
}

fn collect_parts(body: &BodyStructure<'_>, out: &mut Vec<PartInfo>) {
    match body {
        BodyStructure::Basic { common, .. }
        | BodyStructure::Text { common, .. }
        | BodyStructure::Message { common, .. } => {
            let info = part_info(&common.ty, &common.disposition);
            if info.filename.is_some() || !info.disposition.is_empty() {
                out.push(info);
            }
        }
        BodyStructure::Multipart { bodies, .. } => {
            for b in bodies {
                collect_parts(b, out);
            }
        }
    }
}
