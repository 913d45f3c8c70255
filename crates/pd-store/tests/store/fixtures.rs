//! Data the tests share.

use pd_core::{
    Date, Id, MailAccount, MailAccountType, MailAction, MailAttachmentType, MailConsumptionScope,
    MailCorrespondentFrom, MailRule, MailSecurity, MailTitleFrom, NewDocument, Timestamp,
};
use time::macros::{date, datetime};

/// A time stamp with microseconds.
pub const ADDED: Timestamp = datetime!(2024-02-29 23:59:58.123456 UTC);
pub const CREATED: Date = date!(2023 - 12 - 31);

/// A SHA-256-shaped checksum made from a seed.
pub fn checksum(seed: &str) -> String {
    let hex: String = seed.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{hex:0>64}")
}

/// A document with every optional field empty.
pub fn new_doc(title: &str) -> NewDocument {
    NewDocument {
        title: title.into(),
        content: String::new(),
        created: CREATED,
        added: ADDED,
        mime_type: "application/pdf".into(),
        original_filename: None,
        checksum: checksum(title),
        archive_checksum: None,
        page_count: None,
        archive_serial_number: None,
        correspondent: None,
        document_type: None,
        storage_path: None,
        owner: None,
        tags: vec![],
    }
}

pub fn mail_account(name: &str) -> MailAccount {
    MailAccount {
        id: 0,
        name: name.into(),
        imap_server: "imap.example.invalid".into(),
        imap_port: Some(993),
        imap_security: MailSecurity::StartTls,
        username: "ünïcode@example.invalid".into(),
        password: "s3cret".into(),
        is_token: true,
        character_set: "UTF-8".into(),
        account_type: MailAccountType::GmailOAuth,
        refresh_token: Some("refresh".into()),
        owner: None,
    }
}

pub fn mail_rule(name: &str, account: Id) -> MailRule {
    MailRule {
        id: 0,
        name: name.into(),
        account,
        order: 0,
        enabled: true,
        folder: "INBOX".into(),
        filter_from: None,
        filter_to: None,
        filter_subject: None,
        filter_body: None,
        filter_attachment_filename_include: None,
        filter_attachment_filename_exclude: None,
        maximum_age: 30,
        attachment_type: MailAttachmentType::AttachmentsOnly,
        consumption_scope: MailConsumptionScope::AttachmentsOnly,
        pdf_layout: 0,
        action: MailAction::MarkRead,
        action_parameter: None,
        assign_title_from: MailTitleFrom::Subject,
        assign_tags: vec![],
        assign_document_type: None,
        assign_correspondent_from: MailCorrespondentFrom::Nothing,
        assign_correspondent: None,
        assign_owner_from_rule: true,
        stop_processing: false,
        owner: None,
    }
}
