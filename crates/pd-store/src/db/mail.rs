//! Mail accounts and mail rules.

use std::collections::{HashMap, HashSet};
use std::ops::DerefMut;

use pd_core::{
    Id, MailAccount, MailAccountType, MailAction, MailAttachmentType, MailConsumptionScope,
    MailCorrespondentFrom, MailRule, MailSecurity, MailTitleFrom, ProcessedMail,
    ProcessedMailStatus,
};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::sql::{RowExt, conflict_on_unique, flag, marks, opt_ts, ts};
use super::{Conn, Query, check_len};
use crate::{Error, Result};

const ACCOUNT_COLUMNS: &str = "id, name, imap_server, imap_port, imap_security, username, \
     password, is_token, character_set, account_type, refresh_token, owner_id";

const RULE_COLUMNS: &str = "id, name, account_id, rule_order, enabled, folder, filter_from, \
     filter_to, filter_subject, filter_body, filter_attachment_filename_include, \
     filter_attachment_filename_exclude, maximum_age, attachment_type, consumption_scope, \
     pdf_layout, action, action_parameter, assign_title_from, assign_document_type_id, \
     assign_correspondent_from, assign_correspondent_id, assign_owner_from_rule, \
     stop_processing, owner_id";

/// `columns` without the leading `id`: what an insert or update writes.
fn written(columns: &str) -> impl Iterator<Item = &str> {
    columns["id, ".len()..].split(", ")
}

/// `name = ?, …`: each of `columns` but the leading `id` set from a placeholder.
fn sets(columns: &str) -> String {
    written(columns)
        .map(|c| format!("{c} = ?"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds a mail account's values in the order of [`ACCOUNT_COLUMNS`] after `id`: the
/// one list an insert and an update share.
fn bind_account(q: Query, account: &MailAccount) -> Query {
    q.bind(account.name.clone())
        .bind(account.imap_server.clone())
        .bind(account.imap_port)
        .bind(account.imap_security.code())
        .bind(account.username.clone())
        .bind(account.password.clone())
        .bind(flag(account.is_token))
        .bind(account.character_set.clone())
        .bind(account.account_type.code())
        .bind(account.refresh_token.clone())
        .bind(account.owner)
}

/// Binds a mail rule's values in the order of [`RULE_COLUMNS`] after `id`.
fn bind_rule(q: Query, rule: &MailRule) -> Query {
    q.bind(rule.name.clone())
        .bind(rule.account)
        .bind(rule.order)
        .bind(flag(rule.enabled))
        .bind(rule.folder.clone())
        .bind(rule.filter_from.clone())
        .bind(rule.filter_to.clone())
        .bind(rule.filter_subject.clone())
        .bind(rule.filter_body.clone())
        .bind(rule.filter_attachment_filename_include.clone())
        .bind(rule.filter_attachment_filename_exclude.clone())
        .bind(rule.maximum_age)
        .bind(rule.attachment_type.code())
        .bind(rule.consumption_scope.code())
        .bind(rule.pdf_layout)
        .bind(rule.action.code())
        .bind(rule.action_parameter.clone())
        .bind(rule.assign_title_from.code())
        .bind(rule.assign_document_type)
        .bind(rule.assign_correspondent_from.code())
        .bind(rule.assign_correspondent)
        .bind(flag(rule.assign_owner_from_rule))
        .bind(flag(rule.stop_processing))
        .bind(rule.owner)
}

/// Decodes one of pd-core's coded mail enums, naming the column when the code is unknown.
fn coded<T>(r: &AnyRow, column: &str, from_code: fn(i16) -> Option<T>) -> Result<T> {
    let code = r.int16(column)?;
    from_code(code).ok_or_else(|| Error::Invalid(format!("unknown code {code} in column {column}")))
}

fn account_from_row(r: &AnyRow) -> Result<MailAccount> {
    Ok(MailAccount {
        id: r.int("id")?,
        name: r.text("name")?,
        imap_server: r.text("imap_server")?,
        imap_port: r.opt_int32("imap_port")?,
        imap_security: coded(r, "imap_security", MailSecurity::from_code)?,
        username: r.text("username")?,
        password: r.text("password")?,
        is_token: r.flag("is_token")?,
        character_set: r.text("character_set")?,
        account_type: coded(r, "account_type", MailAccountType::from_code)?,
        refresh_token: r.opt_text("refresh_token")?,
        owner: r.opt_int("owner_id")?,
    })
}

fn rule_from_row(r: &AnyRow) -> Result<MailRule> {
    Ok(MailRule {
        id: r.int("id")?,
        name: r.text("name")?,
        account: r.int("account_id")?,
        order: r.int32("rule_order")?,
        enabled: r.flag("enabled")?,
        folder: r.text("folder")?,
        filter_from: r.opt_text("filter_from")?,
        filter_to: r.opt_text("filter_to")?,
        filter_subject: r.opt_text("filter_subject")?,
        filter_body: r.opt_text("filter_body")?,
        filter_attachment_filename_include: r.opt_text("filter_attachment_filename_include")?,
        filter_attachment_filename_exclude: r.opt_text("filter_attachment_filename_exclude")?,
        maximum_age: r.int32("maximum_age")?,
        attachment_type: coded(r, "attachment_type", MailAttachmentType::from_code)?,
        consumption_scope: coded(r, "consumption_scope", MailConsumptionScope::from_code)?,
        pdf_layout: r.int16("pdf_layout")?,
        action: coded(r, "action", MailAction::from_code)?,
        action_parameter: r.opt_text("action_parameter")?,
        assign_title_from: coded(r, "assign_title_from", MailTitleFrom::from_code)?,
        assign_tags: Vec::new(),
        assign_document_type: r.opt_int("assign_document_type_id")?,
        assign_correspondent_from: coded(
            r,
            "assign_correspondent_from",
            MailCorrespondentFrom::from_code,
        )?,
        assign_correspondent: r.opt_int("assign_correspondent_id")?,
        assign_owner_from_rule: r.flag("assign_owner_from_rule")?,
        stop_processing: r.flag("stop_processing")?,
        owner: r.opt_int("owner_id")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    /// Adds a mail account (its `id` is ignored). Account names are unique.
    pub async fn insert_mail_account(&mut self, account: &MailAccount) -> Result<MailAccount> {
        if account.name.trim().is_empty() {
            return Err(Error::Invalid("a mail account needs a name".into()));
        }
        check_len("the mail account name", &account.name, 256)?;
        let taken = || {
            Error::Conflict(format!(
                "a mail account named \"{}\" already exists",
                account.name
            ))
        };
        let q = self
            .query("SELECT id FROM mail_accounts WHERE name = ?")
            .bind(account.name.clone());
        if self.fetch_optional(q).await?.is_some() {
            return Err(taken());
        }
        let q = bind_account(
            self.query(&format!(
                "INSERT INTO mail_accounts ({}) VALUES ({}) RETURNING id",
                &ACCOUNT_COLUMNS["id, ".len()..],
                marks(written(ACCOUNT_COLUMNS).count())
            )),
            account,
        );
        let id = self
            .fetch_one(q)
            .await
            .map_err(|e| conflict_on_unique(e, taken))?
            .int("id")?;
        Ok(MailAccount {
            id,
            ..account.clone()
        })
    }

    /// Every mail account, by id.
    pub async fn mail_accounts(&mut self) -> Result<Vec<MailAccount>> {
        let q = self.query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM mail_accounts ORDER BY id"
        ));
        self.fetch_all(q)
            .await?
            .iter()
            .map(account_from_row)
            .collect()
    }

    /// Adds a mail rule with its tags (its `id` is ignored). Rule names are unique per
    /// owner and among unowned rules.
    pub async fn insert_mail_rule(&mut self, rule: &MailRule) -> Result<MailRule> {
        if rule.name.trim().is_empty() {
            return Err(Error::Invalid("a mail rule needs a name".into()));
        }
        check_len("the mail rule name", &rule.name, 256)?;
        let taken = || {
            Error::Conflict(format!(
                "a mail rule named \"{}\" already exists",
                rule.name
            ))
        };
        let mut tx = self.nested().await?;
        tx.require("mail_accounts", "mail account", rule.account)
            .await?;
        for tag in &rule.assign_tags {
            tx.require("tags", "tag", *tag).await?;
        }
        let q = tx
            .query("SELECT id FROM mail_rules WHERE name = ? AND COALESCE(owner_id, 0) = ?")
            .bind(rule.name.clone())
            .bind(rule.owner.unwrap_or(0));
        if tx.fetch_optional(q).await?.is_some() {
            return Err(taken());
        }
        let q = bind_rule(
            tx.query(&format!(
                "INSERT INTO mail_rules ({}) VALUES ({}) RETURNING id",
                &RULE_COLUMNS["id, ".len()..],
                marks(written(RULE_COLUMNS).count())
            )),
            rule,
        );
        let id = tx
            .fetch_one(q)
            .await
            .map_err(|e| conflict_on_unique(e, taken))?
            .int("id")?;
        let mut tags = rule.assign_tags.clone();
        tags.sort_unstable();
        tags.dedup();
        for tag in &tags {
            let q = tx
                .query("INSERT INTO mail_rule_tags (rule_id, tag_id) VALUES (?, ?)")
                .bind(id)
                .bind(*tag);
            tx.execute(q).await?;
        }
        tx.commit().await?;
        Ok(MailRule {
            id,
            assign_tags: tags,
            ..rule.clone()
        })
    }

    /// Every mail rule, in processing order (`order`, then id), with its tags sorted.
    pub async fn mail_rules(&mut self) -> Result<Vec<MailRule>> {
        let q = self.query(&format!(
            "SELECT {RULE_COLUMNS} FROM mail_rules ORDER BY rule_order, id"
        ));
        let mut rules = self
            .fetch_all(q)
            .await?
            .iter()
            .map(rule_from_row)
            .collect::<Result<Vec<_>>>()?;
        let q = self.query("SELECT rule_id, tag_id FROM mail_rule_tags ORDER BY rule_id, tag_id");
        let mut tags: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in self.fetch_all(q).await? {
            tags.entry(r.int("rule_id")?)
                .or_default()
                .push(r.int("tag_id")?);
        }
        for rule in &mut rules {
            rule.assign_tags = tags.remove(&rule.id).unwrap_or_default();
        }
        Ok(rules)
    }

    /// Writes every field of the mail account but its id. Names stay unique.
    pub async fn update_mail_account(&mut self, account: &MailAccount) -> Result<()> {
        if account.name.trim().is_empty() {
            return Err(Error::Invalid("a mail account needs a name".into()));
        }
        check_len("the mail account name", &account.name, 256)?;
        let taken = || {
            Error::Conflict(format!(
                "a mail account named \"{}\" already exists",
                account.name
            ))
        };
        let mut tx = self.nested().await?;
        tx.require("mail_accounts", "mail account", account.id)
            .await?;
        let q = tx
            .query("SELECT id FROM mail_accounts WHERE name = ? AND id <> ?")
            .bind(account.name.clone())
            .bind(account.id);
        if tx.fetch_optional(q).await?.is_some() {
            return Err(taken());
        }
        let q = bind_account(
            tx.query(&format!(
                "UPDATE mail_accounts SET {} WHERE id = ?",
                sets(ACCOUNT_COLUMNS)
            )),
            account,
        )
        .bind(account.id);
        tx.execute(q)
            .await
            .map_err(|e| conflict_on_unique(e, taken))?;
        tx.commit().await
    }

    /// Deletes a mail account with its rules and what they processed.
    pub async fn delete_mail_account(&mut self, id: Id) -> Result<()> {
        let mut tx = self.nested().await?;
        tx.require("mail_accounts", "mail account", id).await?;
        // Explicit rather than trusting every backend's cascade with foreign keys off.
        for sql in [
            "DELETE FROM processed_mail WHERE rule_id IN \
             (SELECT id FROM mail_rules WHERE account_id = ?)",
            "DELETE FROM mail_rule_tags WHERE rule_id IN \
             (SELECT id FROM mail_rules WHERE account_id = ?)",
            "DELETE FROM mail_rules WHERE account_id = ?",
            "DELETE FROM mail_accounts WHERE id = ?",
        ] {
            let q = tx.query(sql).bind(id);
            tx.execute(q).await?;
        }
        tx.commit().await
    }

    /// Writes every field of the mail rule but its id, and replaces its tags.
    pub async fn update_mail_rule(&mut self, rule: &MailRule) -> Result<()> {
        if rule.name.trim().is_empty() {
            return Err(Error::Invalid("a mail rule needs a name".into()));
        }
        check_len("the mail rule name", &rule.name, 256)?;
        let taken = || {
            Error::Conflict(format!(
                "a mail rule named \"{}\" already exists",
                rule.name
            ))
        };
        let mut tx = self.nested().await?;
        tx.require("mail_rules", "mail rule", rule.id).await?;
        tx.require("mail_accounts", "mail account", rule.account)
            .await?;
        for tag in &rule.assign_tags {
            tx.require("tags", "tag", *tag).await?;
        }
        let q = tx
            .query(
                "SELECT id FROM mail_rules WHERE name = ? AND COALESCE(owner_id, 0) = ? \
                 AND id <> ?",
            )
            .bind(rule.name.clone())
            .bind(rule.owner.unwrap_or(0))
            .bind(rule.id);
        if tx.fetch_optional(q).await?.is_some() {
            return Err(taken());
        }
        let q = bind_rule(
            tx.query(&format!(
                "UPDATE mail_rules SET {} WHERE id = ?",
                sets(RULE_COLUMNS)
            )),
            rule,
        )
        .bind(rule.id);
        tx.execute(q)
            .await
            .map_err(|e| conflict_on_unique(e, taken))?;
        let q = tx
            .query("DELETE FROM mail_rule_tags WHERE rule_id = ?")
            .bind(rule.id);
        tx.execute(q).await?;
        let mut tags = rule.assign_tags.clone();
        tags.sort_unstable();
        tags.dedup();
        for tag in &tags {
            let q = tx
                .query("INSERT INTO mail_rule_tags (rule_id, tag_id) VALUES (?, ?)")
                .bind(rule.id)
                .bind(*tag);
            tx.execute(q).await?;
        }
        tx.commit().await
    }

    /// Deletes a mail rule with its tags and what it processed.
    pub async fn delete_mail_rule(&mut self, id: Id) -> Result<()> {
        let mut tx = self.nested().await?;
        tx.require("mail_rules", "mail rule", id).await?;
        for sql in [
            "DELETE FROM processed_mail WHERE rule_id = ?",
            "DELETE FROM mail_rule_tags WHERE rule_id = ?",
            "DELETE FROM mail_rules WHERE id = ?",
        ] {
            let q = tx.query(sql).bind(id);
            tx.execute(q).await?;
        }
        tx.commit().await
    }

    /// The UIDs a rule already handled in `folder`: those recorded under `uid_validity`,
    /// and, when it is known, those recorded before UIDVALIDITY was (rows without one).
    /// With an unknown UIDVALIDITY, every recorded UID counts.
    pub async fn processed_mail_uids(
        &mut self,
        rule: Id,
        folder: &str,
        uid_validity: Option<u32>,
    ) -> Result<HashSet<u32>> {
        let q = match uid_validity {
            Some(v) => self
                .query(
                    "SELECT uid FROM processed_mail WHERE rule_id = ? AND folder = ? \
                     AND (uid_validity = ? OR uid_validity IS NULL)",
                )
                .bind(rule)
                .bind(folder.to_owned())
                .bind(i64::from(v)),
            None => self
                .query("SELECT uid FROM processed_mail WHERE rule_id = ? AND folder = ?")
                .bind(rule)
                .bind(folder.to_owned()),
        };
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                let uid = r.int("uid")?;
                u32::try_from(uid).map_err(|_| {
                    Error::Invalid(format!("UID {uid} out of range in processed_mail"))
                })
            })
            .collect()
    }

    /// The Message-IDs a rule already handled, in any folder or UIDVALIDITY.
    pub async fn processed_message_ids(&mut self, rule: Id) -> Result<HashSet<String>> {
        let q = self
            .query(
                "SELECT message_id FROM processed_mail WHERE rule_id = ? \
                 AND message_id IS NOT NULL",
            )
            .bind(rule);
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| r.text("message_id"))
            .collect()
    }

    /// Records a handled mail (its `id` is ignored). A Message-ID longer than the column
    /// is not kept: such a mail is known by its UID only.
    pub async fn record_processed_mail(&mut self, mail: &ProcessedMail) -> Result<ProcessedMail> {
        check_len("the folder name", &mail.folder, 255)?;
        let message_id = mail.message_id.clone().filter(|m| m.chars().count() <= 255);
        let q = self
            .query(
                "INSERT INTO processed_mail (rule_id, folder, uid_validity, uid, message_id, \
                 subject, received, processed, status, error, owner_id) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(mail.rule)
            .bind(mail.folder.clone())
            .bind(mail.uid_validity.map(i64::from))
            .bind(i64::from(mail.uid))
            .bind(message_id.clone())
            .bind(mail.subject.clone())
            .bind(opt_ts(mail.received))
            .bind(ts(mail.processed))
            .bind(mail.status.as_str())
            .bind(mail.error.clone())
            .bind(mail.owner);
        let id = self.fetch_one(q).await?.int("id")?;
        Ok(ProcessedMail {
            id,
            message_id,
            ..mail.clone()
        })
    }

    /// Every processed mail, by id.
    pub async fn processed_mails(&mut self) -> Result<Vec<ProcessedMail>> {
        let q = self.query(
            "SELECT id, rule_id, folder, uid_validity, uid, message_id, subject, received, \
             processed, status, error, owner_id FROM processed_mail ORDER BY id",
        );
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                let status = r.text("status")?;
                Ok(ProcessedMail {
                    id: r.int("id")?,
                    rule: r.int("rule_id")?,
                    folder: r.text("folder")?,
                    uid_validity: r
                        .opt_int("uid_validity")?
                        .map(|v| u32::try_from(v).unwrap_or_default()),
                    uid: u32::try_from(r.int("uid")?).unwrap_or_default(),
                    message_id: r.opt_text("message_id")?,
                    subject: r.text("subject")?,
                    received: r.opt_ts("received")?,
                    processed: r.ts("processed")?,
                    status: ProcessedMailStatus::parse(&status).ok_or_else(|| {
                        Error::Invalid(format!("unknown status {status} in processed_mail"))
                    })?,
                    error: r.opt_text("error")?,
                    owner: r.opt_int("owner_id")?,
                })
            })
            .collect()
    }
}
