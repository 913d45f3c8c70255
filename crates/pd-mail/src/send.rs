//! `pd mail send`: documents as attachments of one mail, through the SMTP server of
//! [`SmtpSettings`](crate::SmtpSettings). A document's archive version goes when it
//! has one, else its original.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use pd_core::Id;
use pd_store::Store;
use serde::Serialize;

use crate::error::{MailError, Result};
use crate::settings::MailSettings;

/// What to send to whom.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    pub to: Vec<String>,
    pub documents: Vec<Id>,
    /// The subject; the documents' titles when `None`.
    pub subject: Option<String>,
    /// The text of the mail.
    pub message: Option<String>,
    pub settings: MailSettings,
}

/// One attached document.
#[derive(Debug, Clone, Serialize)]
pub struct SentAttachment {
    pub document_id: Id,
    pub file_name: String,
    pub bytes: u64,
    /// The archive version was sent (else the original).
    pub archive: bool,
}

/// What was sent.
#[derive(Debug, Clone, Serialize)]
pub struct SendReport {
    pub to: Vec<String>,
    pub subject: String,
    pub server: String,
    pub attachments: Vec<SentAttachment>,
}

fn file_name(title: &str, fallback: &str, ext: &str) -> String {
    let base = crate::message::safe_file_name(title, fallback);
    format!("{base}{ext}")
}

/// Sends the documents as attachments of one mail.
pub async fn send_documents(store: &Store, opts: &SendOptions) -> Result<SendReport> {
    let smtp = &opts.settings.smtp;
    let server = format!("{}:{}", smtp.host, smtp.port);
    if opts.to.is_empty() {
        return Err(MailError::Config("no recipient (--to) given".into()));
    }
    if opts.documents.is_empty() {
        return Err(MailError::Config("no document to send".into()));
    }
    let parse_box = |what: &str, addr: &str| -> Result<Mailbox> {
        addr.parse()
            .map_err(|e| MailError::Config(format!("{what} {addr:?} is not a mail address: {e}")))
    };
    let from = parse_box("PD_EMAIL_FROM", &smtp.from)?;
    let to: Vec<Mailbox> = opts
        .to
        .iter()
        .map(|a| parse_box("the recipient", a))
        .collect::<Result<_>>()?;

    // Every document is read before anything is sent.
    let media = store.media();
    let mut parts = Vec::new();
    let mut attachments = Vec::new();
    let mut titles = Vec::new();
    {
        let mut conn = store.db().conn().await?;
        for &id in &opts.documents {
            let doc = conn.document(id).await?;
            let (path, archive, mime) = match media.archive_path(&doc)? {
                Some(p) if p.is_file() => (p, true, "application/pdf".to_owned()),
                _ => (media.original_path(&doc)?, false, doc.mime_type.clone()),
            };
            let bytes = std::fs::read(&path).map_err(|e| {
                MailError::Document(format!(
                    "document #{id}: cannot read {}: {e}",
                    path.display()
                ))
            })?;
            let ext = if archive {
                ".pdf"
            } else {
                pd_core::mime_extension(&mime)
            };
            let name = file_name(&doc.title, &format!("document-{id}"), ext);
            let content_type = ContentType::parse(&mime)
                .unwrap_or_else(|_| ContentType::parse("application/octet-stream").expect("valid"));
            attachments.push(SentAttachment {
                document_id: id,
                file_name: name.clone(),
                bytes: bytes.len() as u64,
                archive,
            });
            titles.push(if doc.title.is_empty() {
                name.clone()
            } else {
                doc.title.clone()
            });
            parts.push(Attachment::new(name).body(bytes, content_type));
        }
    }
    let subject = opts.subject.clone().unwrap_or_else(|| titles.join(", "));
    let mut builder = Message::builder().from(from).subject(subject.clone());
    for mailbox in to {
        builder = builder.to(mailbox);
    }
    let mut body =
        MultiPart::mixed().singlepart(SinglePart::plain(opts.message.clone().unwrap_or_default()));
    for part in parts {
        body = body.singlepart(part);
    }
    let email = builder
        .multipart(body)
        .map_err(|e| MailError::Config(format!("cannot build the mail: {e}")))?;

    let smtp_err = |message: String| MailError::Smtp {
        server: server.clone(),
        message,
    };
    let mut transport =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host).port(smtp.port);
    if smtp.use_tls || smtp.use_ssl {
        let mut tls = TlsParameters::builder(smtp.host.clone());
        if let Some(path) = &opts.settings.certificate_file {
            let pem = std::fs::read(path).map_err(|e| {
                MailError::Config(format!("PD_EMAIL_CERTIFICATE_FILE {}: {e}", path.display()))
            })?;
            let cert = Certificate::from_pem(&pem).map_err(|e| {
                MailError::Config(format!("PD_EMAIL_CERTIFICATE_FILE {}: {e}", path.display()))
            })?;
            tls = tls.add_root_certificate(cert);
        }
        let tls = tls.build_rustls().map_err(|e| smtp_err(e.to_string()))?;
        transport = transport.tls(if smtp.use_ssl {
            Tls::Wrapper(tls)
        } else {
            Tls::Required(tls)
        });
    }
    if !smtp.username.is_empty() {
        transport = transport.credentials(Credentials::new(
            smtp.username.clone(),
            smtp.password.clone(),
        ));
    }
    transport
        .build()
        .send(email)
        .await
        .map_err(|e| smtp_err(e.to_string()))?;
    Ok(SendReport {
        to: opts.to.clone(),
        subject,
        server,
        attachments,
    })
}
