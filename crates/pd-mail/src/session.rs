//! The IMAP commands the fetcher sends, with the transfer counters that show what was
//! downloaded (headers versus whole mails).

use std::collections::HashMap;

use futures_util::TryStreamExt;
use pd_core::{MailAction, MailRule};
use serde::Serialize;

use crate::connect::Session;
use crate::error::{MailError, Result};
use crate::headers::MailHeader;
use crate::rule::{TagAction, action_parameter, quote, tag_action};

/// How many mails one `UID FETCH` asks for.
pub const FETCH_BATCH: usize = 100;

/// What the fetcher downloaded: header fetches (ENVELOPE and BODYSTRUCTURE, a few
/// hundred bytes each) and whole mails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TransferCounts {
    /// Mails whose ENVELOPE and BODYSTRUCTURE were fetched.
    pub headers: u64,
    /// Mails whose whole body was downloaded.
    pub bodies: u64,
    /// Bytes of those bodies.
    pub body_bytes: u64,
}

impl std::ops::AddAssign for TransferCounts {
    fn add_assign(&mut self, o: TransferCounts) {
        self.headers += o.headers;
        self.bodies += o.bodies;
        self.body_bytes += o.body_bytes;
    }
}

/// A UID set in IMAP syntax, consecutive UIDs as ranges (`1:5,9`).
pub fn uid_set(uids: &[u32]) -> String {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}:{end}")
        });
        i += 1;
    }
    parts.join(",")
}

pub(crate) fn imap_err(
    account: &str,
    command: &str,
) -> impl Fn(async_imap::error::Error) -> MailError + use<> {
    let account = account.to_owned();
    let command = command.to_owned();
    move |e| MailError::Imap {
        account: account.clone(),
        command: command.clone(),
        message: e.to_string(),
    }
}

/// ENVELOPE and BODYSTRUCTURE of these mails; no body is downloaded.
pub async fn fetch_headers(
    session: &mut Session,
    account: &str,
    uids: &[u32],
    counts: &mut TransferCounts,
) -> Result<Vec<MailHeader>> {
    let mut out = Vec::with_capacity(uids.len());
    for chunk in uids.chunks(FETCH_BATCH * 5) {
        let err = imap_err(account, "UID FETCH (ENVELOPE BODYSTRUCTURE)");
        let fetches: Vec<_> = session
            .uid_fetch(uid_set(chunk), "(UID ENVELOPE BODYSTRUCTURE)")
            .await
            .map_err(&err)?
            .try_collect()
            .await
            .map_err(&err)?;
        for f in &fetches {
            if let Some(h) = MailHeader::from_fetch(f) {
                counts.headers += 1;
                out.push(h);
            }
        }
    }
    out.sort_by_key(|h| h.uid);
    out.dedup_by_key(|h| h.uid);
    Ok(out)
}

/// The whole mails (`BODY.PEEK[]`, which leaves `\Seen` alone), by UID.
pub async fn fetch_bodies(
    session: &mut Session,
    account: &str,
    uids: &[u32],
    counts: &mut TransferCounts,
) -> Result<HashMap<u32, Vec<u8>>> {
    let err = imap_err(account, "UID FETCH BODY.PEEK[]");
    let fetches: Vec<_> = session
        .uid_fetch(uid_set(uids), "(UID BODY.PEEK[])")
        .await
        .map_err(&err)?
        .try_collect()
        .await
        .map_err(&err)?;
    let mut out = HashMap::new();
    for f in &fetches {
        if let (Some(uid), Some(body)) = (f.uid, f.body()) {
            counts.bodies += 1;
            counts.body_bytes += body.len() as u64;
            out.insert(uid, body.to_vec());
        }
    }
    Ok(out)
}

async fn store_flags(session: &mut Session, account: &str, uid: u32, what: &str) -> Result<()> {
    let err = imap_err(account, &format!("UID STORE {what}"));
    let _: Vec<_> = session
        .uid_store(uid.to_string(), what)
        .await
        .map_err(&err)?
        .try_collect()
        .await
        .map_err(&err)?;
    Ok(())
}

/// Runs a rule's action on one mail.
pub async fn apply_action(
    session: &mut Session,
    account: &str,
    rule: &MailRule,
    uid: u32,
    gmail: bool,
) -> Result<()> {
    match rule.action {
        MailAction::MarkRead => store_flags(session, account, uid, "+FLAGS.SILENT (\\Seen)").await,
        MailAction::Flag => store_flags(session, account, uid, "+FLAGS.SILENT (\\Flagged)").await,
        MailAction::Delete => {
            store_flags(session, account, uid, "+FLAGS.SILENT (\\Deleted)").await?;
            let err = imap_err(account, "UID EXPUNGE");
            let _: Vec<_> = session
                .uid_expunge(uid.to_string())
                .await
                .map_err(&err)?
                .try_collect()
                .await
                .map_err(&err)?;
            Ok(())
        }
        MailAction::Move => {
            let target = action_parameter(rule)?;
            session
                .uid_mv(uid.to_string(), target)
                .await
                .map_err(imap_err(account, "UID MOVE"))
        }
        MailAction::Tag => match tag_action(rule)? {
            TagAction::Keyword(k) if gmail => {
                store_flags(
                    session,
                    account,
                    uid,
                    &format!("+X-GM-LABELS ({})", quote(&k)),
                )
                .await
            }
            TagAction::Keyword(k) => {
                store_flags(session, account, uid, &format!("+FLAGS.SILENT ({k})")).await
            }
            TagAction::Apple(bits) => {
                store_flags(
                    session,
                    account,
                    uid,
                    "-FLAGS.SILENT ($MailFlagBit0 $MailFlagBit1 $MailFlagBit2)",
                )
                .await?;
                let mut flags = vec!["\\Flagged".to_owned()];
                flags.extend(bits.iter().map(|b| format!("$MailFlagBit{b}")));
                store_flags(
                    session,
                    account,
                    uid,
                    &format!("+FLAGS.SILENT ({})", flags.join(" ")),
                )
                .await
            }
        },
    }
}

/// Every folder of the account, by name.
pub async fn list_folders(session: &mut Session, account: &str) -> Result<Vec<String>> {
    let err = imap_err(account, "LIST");
    let names: Vec<_> = session
        .list(Some(""), Some("*"))
        .await
        .map_err(&err)?
        .try_collect()
        .await
        .map_err(&err)?;
    let mut folders: Vec<String> = names.iter().map(|n| n.name().to_owned()).collect();
    folders.sort();
    Ok(folders)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_use_ranges() {
        assert_eq!(uid_set(&[5, 1, 2, 3, 9, 10, 12]), "1:3,5,9:10,12");
        assert_eq!(uid_set(&[7]), "7");
    }
}
