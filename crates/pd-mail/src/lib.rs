//! # pd-mail — documents by e-mail
//!
//! Fetches mail over IMAP with paperless-ngx's mail accounts and rules
//! (`pd_core::MailAccount`, `pd_core::MailRule`) and consumes attachments, or whole
//! mails as `.eml`, with pd's consumer; sends documents over SMTP.
//!
//! - [`fetch_mail`] — `pd mail fetch`: rules in order, the IMAP SEARCH on the server,
//!   headers first, bodies only of mails that pass and were never handled, actions only
//!   after every consumption of a mail succeeded, every handled mail remembered by
//!   (rule, folder, UIDVALIDITY, UID) and Message-ID.
//! - [`test_account`] — log in and list the folders.
//! - [`send_documents`] — `pd mail send`: documents as attachments through SMTP.
//! - [`MailSettings`] — `PD_EMAIL_*`: internal hosts, an extra CA file, the SMTP server.
//!
//! Passwords and tokens never appear in reports, errors or `Debug` output.
//!
//! ```
//! use pd_mail::{FetchOptions, MailSettings};
//!
//! let settings = MailSettings::load_with(|name| match name {
//!     "PD_EMAIL_ALLOW_INTERNAL_HOSTS" => Some("true".into()),
//!     _ => None,
//! })
//! .unwrap();
//! let opts = FetchOptions { account: Some("Work".into()), settings };
//! assert!(opts.settings.allow_internal_hosts);
//! ```

pub mod connect;
mod error;
mod fetch;
pub mod headers;
pub mod message;
pub mod rule;
mod send;
pub mod session;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{MailError, Result};
pub use fetch::{
    AccountReport, FetchOptions, FetchReport, MailDocument, RuleReport, fetch_mail, test_account,
};
pub use send::{SendOptions, SendReport, send_documents};
pub use session::TransferCounts;
pub use settings::{MailSettings, SmtpSettings};
