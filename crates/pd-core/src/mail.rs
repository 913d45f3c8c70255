use serde::{Deserialize, Serialize};

use crate::Id;

macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? } default $default:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "i16", into = "i16")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// paperless-ngx's numeric code.
            pub fn code(self) -> i16 { match self { $(Self::$variant => $code),+ } }
            /// The value for a numeric code, if it is one.
            pub fn from_code(code: i16) -> Option<Self> {
                match code { $($code => Some(Self::$variant),)+ _ => None }
            }
        }
        impl Default for $name { fn default() -> Self { Self::$default } }
        impl TryFrom<i16> for $name {
            type Error = String;
            fn try_from(code: i16) -> Result<Self, String> {
                Self::from_code(code).ok_or_else(|| format!("unknown {} {code}", stringify!($name)))
            }
        }
        impl From<$name> for i16 { fn from(v: $name) -> i16 { v.code() } }
    };
}

coded_enum! {
    /// How the IMAP connection is secured.
    MailSecurity { None = 1, Ssl = 2, StartTls = 3 } default Ssl
}
coded_enum! {
    /// Plain IMAP login or an OAuth provider.
    MailAccountType { Imap = 1, GmailOAuth = 2, OutlookOAuth = 3 } default Imap
}
coded_enum! {
    /// Which attachments a rule consumes.
    MailAttachmentType { AttachmentsOnly = 1, Everything = 2 } default AttachmentsOnly
}
coded_enum! {
    /// What of a mail is consumed.
    MailConsumptionScope { AttachmentsOnly = 1, EmlOnly = 2, Everything = 3 } default AttachmentsOnly
}
coded_enum! {
    /// What happens to a mail after its documents were consumed.
    MailAction { Delete = 1, Move = 2, MarkRead = 3, Flag = 4, Tag = 5 } default MarkRead
}
coded_enum! {
    /// Where a consumed mail document's title comes from.
    MailTitleFrom { Subject = 1, Filename = 2, None = 3 } default Subject
}
coded_enum! {
    /// Where a consumed mail document's correspondent comes from.
    MailCorrespondentFrom { Nothing = 1, Email = 2, Name = 3, Custom = 4 } default Nothing
}

/// An IMAP account. The password is a secret: never print it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct MailAccount {
    pub id: Id,
    pub name: String,
    pub imap_server: String,
    pub imap_port: Option<i32>,
    pub imap_security: MailSecurity,
    pub username: String,
    pub password: String,
    /// The password is an OAuth access token (XOAUTH2).
    pub is_token: bool,
    pub character_set: String,
    pub account_type: MailAccountType,
    pub refresh_token: Option<String>,
    pub owner: Option<Id>,
}

impl std::fmt::Debug for MailAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailAccount")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("imap_server", &self.imap_server)
            .field("imap_port", &self.imap_port)
            .field("imap_security", &self.imap_security)
            .field("username", &self.username)
            .field("password", &"<secret>")
            .field("is_token", &self.is_token)
            .field("character_set", &self.character_set)
            .field("account_type", &self.account_type)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<secret>"),
            )
            .field("owner", &self.owner)
            .finish()
    }
}

/// A mail rule: which mails of an account to consume and what to do with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailRule {
    pub id: Id,
    pub name: String,
    pub account: Id,
    pub order: i32,
    pub enabled: bool,
    pub folder: String,
    pub filter_from: Option<String>,
    pub filter_to: Option<String>,
    pub filter_subject: Option<String>,
    pub filter_body: Option<String>,
    pub filter_attachment_filename_include: Option<String>,
    pub filter_attachment_filename_exclude: Option<String>,
    /// Days; 0 means no limit.
    pub maximum_age: i32,
    pub attachment_type: MailAttachmentType,
    pub consumption_scope: MailConsumptionScope,
    pub pdf_layout: i16,
    pub action: MailAction,
    pub action_parameter: Option<String>,
    pub assign_title_from: MailTitleFrom,
    pub assign_tags: Vec<Id>,
    pub assign_document_type: Option<Id>,
    pub assign_correspondent_from: MailCorrespondentFrom,
    pub assign_correspondent: Option<Id>,
    pub assign_owner_from_rule: bool,
    pub stop_processing: bool,
    pub owner: Option<Id>,
}

/// What became of a mail a rule handled (paperless-ngx's `ProcessedMail.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProcessedMailStatus {
    /// Every document was consumed and the action ran.
    Success,
    /// A consumption or the action failed; the mail is not retried.
    Failed,
    /// Nothing in the mail was to be consumed.
    ProcessedWoConsumption,
}

impl ProcessedMailStatus {
    /// The text paperless-ngx stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
            Self::ProcessedWoConsumption => "PROCESSED_WO_CONSUMPTION",
        }
    }

    /// The status for a stored text, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "SUCCESS" => Some(Self::Success),
            "FAILED" => Some(Self::Failed),
            "PROCESSED_WO_CONSUMPTION" => Some(Self::ProcessedWoConsumption),
            _ => None,
        }
    }
}

/// A mail a rule has handled, remembered so that it is never downloaded or consumed again.
/// It is known by (rule, folder, UIDVALIDITY, UID) and, after a UIDVALIDITY change, by
/// its Message-ID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessedMail {
    pub id: Id,
    pub rule: Id,
    pub folder: String,
    pub uid_validity: Option<u32>,
    pub uid: u32,
    pub message_id: Option<String>,
    pub subject: String,
    pub received: Option<crate::Timestamp>,
    pub processed: crate::Timestamp,
    pub status: ProcessedMailStatus,
    pub error: Option<String>,
    pub owner: Option<Id>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_defaults_follow_paperless() {
        assert_eq!(MailSecurity::default(), MailSecurity::Ssl);
        assert_eq!(MailAction::default().code(), 3);
        assert_eq!(MailAction::from_code(5), Some(MailAction::Tag));
        assert_eq!(MailAction::from_code(6), None);
        assert_eq!(
            MailCorrespondentFrom::from_code(4),
            Some(MailCorrespondentFrom::Custom)
        );
    }

    #[test]
    fn debug_hides_the_password() {
        let account = MailAccount {
            id: 1,
            name: "Mail".into(),
            imap_server: "imap.example.invalid".into(),
            imap_port: Some(993),
            imap_security: MailSecurity::Ssl,
            username: "me".into(),
            password: "s3cret".into(),
            is_token: false,
            character_set: "UTF-8".into(),
            account_type: MailAccountType::Imap,
            refresh_token: Some("tok3n".into()),
            owner: None,
        };
        let shown = format!("{account:?}");
        assert!(!shown.contains("s3cret"));
        assert!(!shown.contains("tok3n"));
    }
}
