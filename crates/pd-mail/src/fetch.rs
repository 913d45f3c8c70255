//! `pd mail fetch`: every enabled rule of every account (or one account), in order.
//!
//! Per rule: SELECT the folder, read UIDVALIDITY, run the rule's IMAP SEARCH on the
//! server, drop the UIDs this rule already handled in this UIDVALIDITY (and those an
//! earlier rule consumed in this run), fetch ENVELOPE and BODYSTRUCTURE of the rest,
//! drop mails whose Message-ID the rule already handled (a recreated mailbox) and mails
//! with nothing to consume, and only then download the remaining bodies. Each mail's
//! documents are consumed; the action runs only when all of them succeeded; the mail
//! is recorded either way, so it is never downloaded again.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use pd_core::{
    Id, MailAccount, MailAttachmentType, MailConsumptionScope, MailCorrespondentFrom, MailRule,
    MailTitleFrom, MatchRule, MatchingAlgorithm, ProcessedMail, ProcessedMailStatus,
};
use pd_pipeline::consume::{Assignments, ConsumeError, consume_file_with};
use pd_pipeline::{ParseError, Parsed, PdfEngine};
use pd_store::Store;
use serde::Serialize;

use crate::connect::{Session, connect};
use crate::error::{MailError, Result};
use crate::headers::MailHeader;
use crate::message::{MailMessage, safe_file_name};
use crate::rule::{FilenameFilter, action_parameter, search_query, tag_action};
use crate::session::{
    FETCH_BATCH, TransferCounts, apply_action, fetch_bodies, fetch_headers, imap_err, list_folders,
};
use crate::settings::MailSettings;

/// What `pd mail fetch` works on.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// Only this account (by name); all accounts when `None`.
    pub account: Option<String>,
    pub settings: MailSettings,
}

/// What a fetch did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FetchReport {
    pub accounts: Vec<AccountReport>,
    /// Every document consumed from mail.
    pub documents: Vec<MailDocument>,
    /// What was downloaded, over all accounts.
    pub transfer: TransferCounts,
    /// Search index notices; the documents are stored all the same.
    pub warnings: Vec<String>,
}

impl FetchReport {
    /// Whether an account, a rule or a mail failed.
    pub fn failed(&self) -> bool {
        self.accounts.iter().any(|a| {
            a.error.is_some()
                || a.rules
                    .iter()
                    .any(|r| r.error.is_some() || !r.failures.is_empty())
        })
    }
}

/// One account's run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AccountReport {
    pub account: String,
    /// Connecting or logging in failed; no rule ran.
    pub error: Option<String>,
    /// Why the account was not fetched although nothing failed.
    pub skipped: Option<String>,
    pub rules: Vec<RuleReport>,
}

/// One rule's run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuleReport {
    pub rule: String,
    pub folder: String,
    /// Mails the server's SEARCH matched.
    pub matched: usize,
    /// Of those, mails this rule had not handled before.
    pub new: usize,
    /// New UIDs whose Message-ID the rule had handled (after a UIDVALIDITY change).
    pub known_by_message_id: usize,
    /// Mails with nothing to consume, recorded without consuming.
    pub without_consumption: usize,
    /// Mails whose documents were all consumed and whose action ran.
    pub succeeded: usize,
    /// Documents consumed.
    pub documents: usize,
    /// Mails whose whole body was downloaded.
    pub bodies_downloaded: usize,
    /// Mails that failed (a consumption or the action), with the reason.
    pub failures: Vec<String>,
    /// The rule could not run (missing folder, bad settings, IMAP error).
    pub error: Option<String>,
}

/// A document consumed from a mail.
#[derive(Debug, Clone, Serialize)]
pub struct MailDocument {
    pub account: String,
    pub rule: String,
    pub uid: u32,
    pub subject: String,
    pub document_id: Id,
    pub title: String,
    pub original_filename: String,
}

struct Run<'a> {
    store: &'a Store,
    settings: &'a MailSettings,
    engine: Option<PdfEngine>,
    today: time::Date,
    scratch: tempfile::TempDir,
    report: FetchReport,
}

/// Fetches mail for every enabled rule of every account (or of `opts.account`).
/// One failing account or rule is reported and the others go on; the error is for
/// what stops everything (the database, an unknown account name).
pub async fn fetch_mail(
    store: &Store,
    opts: &FetchOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<FetchReport> {
    let (accounts, rules) = {
        let mut conn = store.db().conn().await?;
        (conn.mail_accounts().await?, conn.mail_rules().await?)
    };
    let accounts: Vec<MailAccount> = match &opts.account {
        Some(name) => {
            let found: Vec<_> = accounts.into_iter().filter(|a| &a.name == name).collect();
            if found.is_empty() {
                return Err(MailError::NotFound(format!(
                    "no mail account named {name:?}"
                )));
            }
            found
        }
        None => accounts,
    };
    let scratch = tempfile::Builder::new()
        .prefix("pd-mail-")
        .tempdir()
        .map_err(|source| MailError::Io {
            what: "cannot create a scratch folder for attachments".into(),
            source,
        })?;
    let mut run = Run {
        store,
        settings: &opts.settings,
        engine: PdfEngine::new(store.config().pdfium_path.as_deref()).ok(),
        today: pd_core::now().date(),
        scratch,
        report: FetchReport::default(),
    };
    // One index update for the whole run, as `pd consume` does.
    let sync = pd_index::IndexSync::begin(store).await;
    for account in &accounts {
        progress(&account.name);
        let account_rules: Vec<&MailRule> = rules
            .iter()
            .filter(|r| r.account == account.id && r.enabled)
            .collect();
        let report = run.account(account, &account_rules, progress).await;
        run.report.accounts.push(report);
    }
    let ids: Vec<Id> = run.report.documents.iter().map(|d| d.document_id).collect();
    if !ids.is_empty() {
        let synced = match sync {
            Ok(sync) => sync.finish(store, &ids).await,
            Err(e) => Err(e),
        };
        if let Err(e) = synced {
            run.report.warnings.push(format!(
                "the search index was not updated ({e}); the next search rebuilds it"
            ));
        }
    }
    Ok(run.report)
}

/// Logs in to an account and lists its folders (`pd mail accounts test`).
pub async fn test_account(account: &MailAccount, settings: &MailSettings) -> Result<Vec<String>> {
    let mut session = connect(account, settings).await?;
    let folders = list_folders(&mut session, &account.name).await;
    let _ = session.logout().await;
    folders
}

/// One mail, from BODYSTRUCTURE to its record.
struct MailInFolder<'a> {
    rule: &'a MailRule,
    uid_validity: Option<u32>,
    header: &'a MailHeader,
}

impl Run<'_> {
    async fn account(
        &mut self,
        account: &MailAccount,
        rules: &[&MailRule],
        progress: &(dyn Fn(&str) + Sync),
    ) -> AccountReport {
        let mut report = AccountReport {
            account: account.name.clone(),
            ..AccountReport::default()
        };
        if rules.is_empty() {
            report.skipped = Some(format!(
                "No rules enabled for account {}. Skipping.",
                account.name
            ));
            return report;
        }
        let mut session = match connect(account, self.settings).await {
            Ok(s) => s,
            Err(e) => {
                report.error = Some(e.to_string());
                return report;
            }
        };
        let gmail = session
            .capabilities()
            .await
            .map(|c| c.has_str("X-GM-EXT-1"))
            .unwrap_or(false);
        // Mails consumed by an earlier rule of this run: only the first rule consumes.
        let mut queued: HashSet<(String, Option<u32>, u32)> = HashSet::new();
        let mut consumed_so_far = 0;
        for rule in rules {
            progress(&format!("{} / {}", account.name, rule.name));
            let mut rr = RuleReport {
                rule: rule.name.clone(),
                folder: rule.folder.clone(),
                ..RuleReport::default()
            };
            if let Err(e) = self
                .rule(&mut session, account, rule, gmail, &mut queued, &mut rr)
                .await
            {
                rr.error = Some(e.to_string());
            }
            consumed_so_far += rr.documents;
            report.rules.push(rr);
            if rule.stop_processing && consumed_so_far > 0 {
                break;
            }
        }
        let _ = session.logout().await;
        report
    }

    async fn rule(
        &mut self,
        session: &mut Session,
        account: &MailAccount,
        rule: &MailRule,
        gmail: bool,
        queued: &mut HashSet<(String, Option<u32>, u32)>,
        rr: &mut RuleReport,
    ) -> Result<()> {
        let missing = |folder: &str| MailError::FolderMissing {
            rule: rule.name.clone(),
            folder: folder.to_owned(),
            account: account.name.clone(),
        };
        match rule.action {
            // Fail early, before anything is consumed, when the move target is missing.
            pd_core::MailAction::Move => {
                let target = action_parameter(rule)?;
                session.select(target).await.map_err(|_| missing(target))?;
            }
            pd_core::MailAction::Tag => {
                tag_action(rule)?;
            }
            _ => {}
        }
        let filter = FilenameFilter::new(rule)?;
        let mailbox = session
            .select(&rule.folder)
            .await
            .map_err(|_| missing(&rule.folder))?;
        let uid_validity = mailbox.uid_validity;
        let query = search_query(rule, &account.character_set, gmail, self.today)?;
        let found = session
            .uid_search(&query)
            .await
            .map_err(imap_err(&account.name, &format!("UID SEARCH {query}")))?;
        rr.matched = found.len();
        let (done, known_ids) = {
            let mut conn = self.store.db().conn().await?;
            (
                conn.processed_mail_uids(rule.id, &rule.folder, uid_validity)
                    .await?,
                conn.processed_message_ids(rule.id).await?,
            )
        };
        let mut new: Vec<u32> = found
            .into_iter()
            .filter(|uid| {
                !done.contains(uid) && !queued.contains(&(rule.folder.clone(), uid_validity, *uid))
            })
            .collect();
        new.sort_unstable();
        rr.new = new.len();
        if new.is_empty() {
            return Ok(());
        }
        let mut transfer = TransferCounts::default();
        let headers = fetch_headers(session, &account.name, &new, &mut transfer).await;
        self.report.transfer += transfer;
        let mut wanted = Vec::new();
        for header in headers? {
            let mail = MailInFolder {
                rule,
                uid_validity,
                header: &header,
            };
            if header
                .message_id
                .as_ref()
                .is_some_and(|m| known_ids.contains(m))
            {
                rr.known_by_message_id += 1;
                self.record(
                    &mail,
                    None,
                    ProcessedMailStatus::ProcessedWoConsumption,
                    None,
                )
                .await?;
                continue;
            }
            if !may_consume(rule, &filter, &header) {
                rr.without_consumption += 1;
                self.record(
                    &mail,
                    None,
                    ProcessedMailStatus::ProcessedWoConsumption,
                    None,
                )
                .await?;
                continue;
            }
            wanted.push(header);
        }
        for chunk in wanted.chunks(FETCH_BATCH) {
            let uids: Vec<u32> = chunk.iter().map(|h| h.uid).collect();
            let mut transfer = TransferCounts::default();
            let bodies = fetch_bodies(session, &account.name, &uids, &mut transfer).await;
            self.report.transfer += transfer;
            let bodies = bodies?;
            rr.bodies_downloaded += bodies.len();
            for header in chunk {
                let mail = MailInFolder {
                    rule,
                    uid_validity,
                    header,
                };
                let Some(raw) = bodies.get(&header.uid) else {
                    // Gone since the SEARCH (another client moved it): try again next run.
                    continue;
                };
                let consumed = self
                    .mail(session, account, &mail, raw, &filter, gmail, rr)
                    .await?;
                if consumed {
                    queued.insert((rule.folder.clone(), uid_validity, header.uid));
                }
            }
        }
        Ok(())
    }

    /// Consumes one mail, runs the action and records it. `Ok(true)` when a document
    /// was consumed; an error only when the database fails.
    #[allow(clippy::too_many_arguments)]
    async fn mail(
        &mut self,
        session: &mut Session,
        account: &MailAccount,
        mail: &MailInFolder<'_>,
        raw: &[u8],
        filter: &FilenameFilter,
        gmail: bool,
        rr: &mut RuleReport,
    ) -> Result<bool> {
        let rule = mail.rule;
        let uid = mail.header.uid;
        let Some(message) = MailMessage::parse(raw) else {
            let error = format!("UID {uid}: not a readable mail");
            rr.failures.push(error.clone());
            self.record(mail, None, ProcessedMailStatus::Failed, Some(error))
                .await?;
            return Ok(false);
        };
        let dir = self.scratch.path().join(format!("{}-{uid}", rule.id));
        let files = match self.files(&dir, rule, &message, raw, filter).await {
            Ok(files) => files,
            Err(e) => {
                let error = format!("UID {uid} ({}): {e}", message.subject);
                rr.failures.push(error.clone());
                self.record(
                    mail,
                    Some(&message),
                    ProcessedMailStatus::Failed,
                    Some(error),
                )
                .await?;
                return Ok(false);
            }
        };
        let mut failures = Vec::new();
        let mut documents = 0;
        for (path, assign) in files {
            match consume_file_with(self.store, self.engine.as_ref(), &path, assign).await {
                Ok(done) => {
                    documents += 1;
                    self.report.warnings.extend(done.warnings.iter().cloned());
                    self.report.documents.push(MailDocument {
                        account: account.name.clone(),
                        rule: rule.name.clone(),
                        uid,
                        subject: message.subject.clone(),
                        document_id: done.document.id,
                        title: done.document.title.clone(),
                        original_filename: done
                            .document
                            .original_filename
                            .clone()
                            .unwrap_or_default(),
                    });
                }
                // A type the consumer cannot read is skipped, as paperless-ngx does.
                Err(ConsumeError::Parse {
                    source: ParseError::Unsupported { .. },
                    ..
                }) => {}
                Err(e) => failures.push(e.to_string()),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        rr.documents += documents;
        let (status, error) = if !failures.is_empty() {
            (ProcessedMailStatus::Failed, Some(failures.join("; ")))
        } else if documents == 0 {
            rr.without_consumption += 1;
            (ProcessedMailStatus::ProcessedWoConsumption, None)
        } else {
            match apply_action(session, &account.name, rule, uid, gmail).await {
                Ok(()) => {
                    rr.succeeded += 1;
                    (ProcessedMailStatus::Success, None)
                }
                Err(e) => (ProcessedMailStatus::Failed, Some(e.to_string())),
            }
        };
        if let Some(e) = &error {
            rr.failures
                .push(format!("UID {uid} ({}): {e}", message.subject));
        }
        self.record(mail, Some(&message), status, error).await?;
        Ok(documents > 0)
    }

    /// The files of a mail to consume, written to `dir`, with what to assign to each.
    async fn files(
        &self,
        dir: &Path,
        rule: &MailRule,
        message: &MailMessage,
        raw: &[u8],
        filter: &FilenameFilter,
    ) -> Result<Vec<(PathBuf, Assignments)>> {
        let write = |path: &Path, bytes: &[u8]| -> Result<()> {
            let io = |source| MailError::Io {
                what: format!("cannot write {}", path.display()),
                source,
            };
            std::fs::create_dir_all(path.parent().unwrap_or(dir)).map_err(io)?;
            std::fs::write(path, bytes).map_err(io)
        };
        let correspondent = self.correspondent(rule, message).await?;
        let subject = (!message.subject.is_empty()).then(|| message.subject.clone());
        let mut files = Vec::new();
        if matches!(
            rule.consumption_scope,
            MailConsumptionScope::EmlOnly | MailConsumptionScope::Everything
        ) {
            let name = format!("{}.eml", safe_file_name(&message.subject, "mail"));
            let path = dir.join("eml").join(name);
            write(&path, raw)?;
            files.push((
                path,
                Assignments {
                    title: subject.clone(),
                    correspondent,
                    document_type: rule.assign_document_type,
                    tags: rule.assign_tags.clone(),
                    // paperless-ngx: the rule's owner, always, for the .eml.
                    owner: rule.owner,
                    parsed: Some(Parsed {
                        mime_type: "message/rfc822".into(),
                        content: message.text.clone(),
                        page_count: None,
                        ..Parsed::default()
                    }),
                },
            ));
        }
        if matches!(
            rule.consumption_scope,
            MailConsumptionScope::AttachmentsOnly | MailConsumptionScope::Everything
        ) {
            for (i, att) in message.attachments.iter().enumerate() {
                if rule.attachment_type == MailAttachmentType::AttachmentsOnly
                    && att.disposition != "attachment"
                {
                    continue;
                }
                if !filter.accepts(&att.filename) {
                    continue;
                }
                let name = safe_file_name(&att.filename, "attachment");
                let path = dir.join(i.to_string()).join(&name);
                write(&path, &att.content)?;
                let title = match rule.assign_title_from {
                    MailTitleFrom::Subject => subject.clone(),
                    MailTitleFrom::Filename => {
                        Some(pd_pipeline::consume::title_from_file_name(&name))
                    }
                    MailTitleFrom::None => None,
                };
                files.push((
                    path,
                    Assignments {
                        title,
                        correspondent,
                        document_type: rule.assign_document_type,
                        tags: rule.assign_tags.clone(),
                        owner: if rule.assign_owner_from_rule {
                            rule.owner
                        } else {
                            None
                        },
                        parsed: None,
                    },
                ));
            }
        }
        Ok(files)
    }

    /// The correspondent a rule assigns: none, the fixed one, or one named after the
    /// sender's address or name, created (literal match on its name) when missing.
    async fn correspondent(&self, rule: &MailRule, message: &MailMessage) -> Result<Option<Id>> {
        let name = match rule.assign_correspondent_from {
            MailCorrespondentFrom::Nothing => return Ok(None),
            MailCorrespondentFrom::Custom => return Ok(rule.assign_correspondent),
            MailCorrespondentFrom::Email => message.from_address.clone(),
            MailCorrespondentFrom::Name => message
                .from_name
                .clone()
                .or_else(|| message.from_address.clone()),
        };
        let Some(name) = name else {
            return Ok(None);
        };
        let mut conn = self.store.db().conn().await?;
        if let Some(c) = conn.correspondent_by_name(&name).await? {
            return Ok(Some(c.id));
        }
        let matching = MatchRule {
            pattern: name.clone(),
            algorithm: MatchingAlgorithm::Literal,
            is_insensitive: true,
        };
        Ok(Some(
            conn.insert_correspondent(&name, &matching, None).await?.id,
        ))
    }

    async fn record(
        &self,
        mail: &MailInFolder<'_>,
        message: Option<&MailMessage>,
        status: ProcessedMailStatus,
        error: Option<String>,
    ) -> Result<()> {
        let record = ProcessedMail {
            id: 0,
            rule: mail.rule.id,
            folder: mail.rule.folder.clone(),
            uid_validity: mail.uid_validity,
            uid: mail.header.uid,
            message_id: mail.header.message_id.clone(),
            subject: message
                .map(|m| m.subject.clone())
                .unwrap_or_else(|| mail.header.subject.clone()),
            received: message.and_then(|m| m.date),
            processed: pd_core::now(),
            status,
            error,
            owner: mail.rule.owner,
        };
        let mut conn = self.store.db().conn().await?;
        conn.record_processed_mail(&record).await?;
        Ok(())
    }
}

/// Whether BODYSTRUCTURE leaves anything for the rule to consume; a mail without is
/// recorded without downloading its body.
fn may_consume(rule: &MailRule, filter: &FilenameFilter, header: &MailHeader) -> bool {
    if rule.consumption_scope != MailConsumptionScope::AttachmentsOnly {
        return true;
    }
    header.parts.iter().any(|p| {
        let Some(name) = &p.filename else {
            return false;
        };
        (rule.attachment_type == MailAttachmentType::Everything || p.disposition == "attachment")
            && filter.may_accept(name)
    })
}
