//! `pd mail fetch|send|accounts|rules`: mail accounts and rules, fetching over IMAP and
//! sending documents over SMTP. Passwords are read from stdin or an environment
//! variable, never from the command line, and never printed.

use std::io::Read;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use pd_core::{
    Id, MailAccount, MailAccountType, MailAction, MailAttachmentType, MailConsumptionScope,
    MailCorrespondentFrom, MailRule, MailSecurity, MailTitleFrom,
};
use pd_mail::{FetchOptions, FetchReport, MailSettings, SendOptions, fetch_mail};
use pd_store::Store;
use serde::Serialize;

use crate::output::{Output, Status, table};

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Fetch mail for every enabled rule (of one account with --account) and consume
    /// what the rules select; headers first, bodies only of new matching mail.
    Fetch {
        /// Only this account.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
    /// Send documents as attachments of one mail through the SMTP server of
    /// PD_EMAIL_HOST, PD_EMAIL_PORT, … (the archive version when there is one).
    Send(SendArgs),
    /// Manage mail accounts.
    #[command(subcommand)]
    Accounts(AccountCommand),
    /// Manage mail rules.
    #[command(subcommand)]
    Rules(RuleCommand),
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Recipient (repeatable).
    #[arg(long = "to", required = true, value_name = "ADDR")]
    pub to: Vec<String>,
    /// Subject; the documents' titles by default.
    #[arg(long)]
    pub subject: Option<String>,
    /// Text of the mail.
    #[arg(long)]
    pub message: Option<String>,
    /// Ids of the documents to attach.
    #[arg(required = true, value_name = "DOCUMENT")]
    pub documents: Vec<Id>,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// List the mail accounts (never their passwords).
    List,
    /// Add a mail account.
    Add {
        /// The account's name.
        name: String,
        #[command(flatten)]
        fields: AccountFields,
    },
    /// Change a mail account.
    Edit {
        /// The account's current name.
        name: String,
        /// A new name.
        #[arg(long)]
        rename: Option<String>,
        #[command(flatten)]
        fields: AccountFields,
    },
    /// Remove a mail account with its rules.
    Remove {
        /// The account's name.
        name: String,
    },
    /// Log in and list the account's folders.
    Test {
        /// The account's name.
        name: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Security {
    None,
    Ssl,
    Starttls,
}

#[derive(Debug, Args)]
pub struct AccountFields {
    /// IMAP server host name.
    #[arg(long)]
    server: Option<String>,
    /// IMAP port (default 993 with ssl, else 143).
    #[arg(long)]
    port: Option<u16>,
    /// Connection security.
    #[arg(long, value_enum)]
    security: Option<Security>,
    /// Login name.
    #[arg(long)]
    username: Option<String>,
    /// Read the password (or token) from the first line of standard input.
    #[arg(long, conflicts_with = "password_env")]
    password_stdin: bool,
    /// Read the password (or token) from this environment variable.
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    /// The password is an OAuth access token (XOAUTH2).
    #[arg(long)]
    token: Option<bool>,
    /// Character set of the IMAP SEARCH (default UTF-8).
    #[arg(long)]
    character_set: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RuleCommand {
    /// List the mail rules in processing order.
    List,
    /// Add a mail rule.
    Add {
        /// The rule's name.
        name: String,
        #[command(flatten)]
        fields: Box<RuleFields>,
    },
    /// Change a mail rule.
    Edit {
        /// The rule's current name.
        name: String,
        /// A new name.
        #[arg(long)]
        rename: Option<String>,
        #[command(flatten)]
        fields: Box<RuleFields>,
    },
    /// Remove a mail rule (and what it remembers of processed mail).
    Remove {
        /// The rule's name.
        name: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Scope {
    Attachments,
    Eml,
    Everything,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AttachmentKind {
    Attachments,
    Everything,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Action {
    Read,
    Flag,
    Move,
    Delete,
    Tag,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TitleFrom {
    Subject,
    Filename,
    None,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CorrespondentFrom {
    Nothing,
    Email,
    Name,
    Custom,
}

#[derive(Debug, Args)]
pub struct RuleFields {
    /// The account the rule reads.
    #[arg(long)]
    account: Option<String>,
    /// Folder to read (default INBOX).
    #[arg(long)]
    folder: Option<String>,
    /// Position among the account's rules (lower first).
    #[arg(long)]
    order: Option<i32>,
    /// Enable or disable the rule.
    #[arg(long)]
    enabled: Option<bool>,
    /// Only mail whose From contains this.
    #[arg(long)]
    from: Option<String>,
    /// Only mail whose To contains this.
    #[arg(long)]
    to: Option<String>,
    /// Only mail whose subject contains this.
    #[arg(long)]
    subject: Option<String>,
    /// Only mail whose body contains this.
    #[arg(long)]
    body: Option<String>,
    /// Attachments whose names match one of these comma-separated patterns.
    #[arg(long)]
    include: Option<String>,
    /// Not attachments whose names match one of these comma-separated patterns.
    #[arg(long)]
    exclude: Option<String>,
    /// Only mail at most this many days old (0: any age; default 30).
    #[arg(long)]
    maximum_age: Option<i32>,
    /// Attachments only, or inline parts too.
    #[arg(long, value_enum)]
    attachment_type: Option<AttachmentKind>,
    /// What is consumed: attachments, the whole mail as .eml, or both.
    #[arg(long, value_enum)]
    scope: Option<Scope>,
    /// What happens to a mail after its documents were consumed (default read).
    #[arg(long, value_enum)]
    action: Option<Action>,
    /// Folder for move; keyword for tag (`apple:<colour>` for Apple Mail colours).
    #[arg(long)]
    action_parameter: Option<String>,
    /// Where the title comes from.
    #[arg(long, value_enum)]
    title_from: Option<TitleFrom>,
    /// Where the correspondent comes from.
    #[arg(long, value_enum)]
    correspondent_from: Option<CorrespondentFrom>,
    /// The correspondent for --correspondent-from custom (by name).
    #[arg(long)]
    correspondent: Option<String>,
    /// Document type to assign (by name).
    #[arg(long)]
    document_type: Option<String>,
    /// Tags to assign (by name, repeatable; replaces the rule's tags).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Stop processing the account's later rules once this one consumed something.
    #[arg(long)]
    stop_processing: Option<bool>,
}

pub async fn run(store: &Store, cmd: MailCommand, out: &Output) -> Result<Status> {
    match cmd {
        MailCommand::Fetch { account } => fetch(store, account, out).await,
        MailCommand::Send(args) => send(store, args, out).await,
        MailCommand::Accounts(cmd) => accounts(store, cmd, out).await,
        MailCommand::Rules(cmd) => rules(store, cmd, out).await,
    }
}

async fn fetch(store: &Store, account: Option<String>, out: &Output) -> Result<Status> {
    let opts = FetchOptions {
        account,
        settings: MailSettings::from_env()?,
    };
    let bar = out.progress(0, "fetching mail");
    let report = fetch_mail(store, &opts, &|what| bar.set_message(what.to_owned())).await?;
    bar.finish_and_clear();
    for w in &report.warnings {
        out.warn(w);
    }
    out.report(&report, render_fetch);
    Ok(if report.failed() {
        Status::Failed
    } else {
        Status::Ok
    })
}

fn render_fetch(r: &FetchReport) -> String {
    let mut text = String::new();
    if !r.documents.is_empty() {
        let rows: Vec<Vec<String>> = r
            .documents
            .iter()
            .map(|d| {
                vec![
                    d.document_id.to_string(),
                    d.title.clone(),
                    d.original_filename.clone(),
                    format!("{} / {}", d.account, d.rule),
                ]
            })
            .collect();
        text.push_str(&table(&["ID", "TITLE", "FILE", "ACCOUNT / RULE"], &rows));
        text.push('\n');
    }
    for a in &r.accounts {
        if let Some(e) = &a.error {
            text.push_str(&format!("error: {e}\n"));
        }
        if let Some(s) = &a.skipped {
            text.push_str(&format!("{s}\n"));
        }
        for rr in &a.rules {
            match &rr.error {
                Some(e) => text.push_str(&format!("error: {e}\n")),
                None => text.push_str(&format!(
                    "{} / {}: {} matched, {} new, {} consumed, {} without documents, {} failed\n",
                    a.account,
                    rr.rule,
                    rr.matched,
                    rr.new,
                    rr.documents,
                    rr.without_consumption,
                    rr.failures.len()
                )),
            }
            for f in &rr.failures {
                text.push_str(&format!("  failed: {f}\n"));
            }
        }
    }
    text.push_str(&format!(
        "{} document(s) added; downloaded {} header(s) and {} mail(s) ({} bytes)",
        r.documents.len(),
        r.transfer.headers,
        r.transfer.bodies,
        r.transfer.body_bytes
    ));
    text
}

async fn send(store: &Store, args: SendArgs, out: &Output) -> Result<Status> {
    let opts = SendOptions {
        to: args.to,
        documents: args.documents,
        subject: args.subject,
        message: args.message,
        settings: MailSettings::from_env()?,
    };
    let report = pd_mail::send_documents(store, &opts).await?;
    out.report(&report, |r| {
        let names: Vec<&str> = r.attachments.iter().map(|a| a.file_name.as_str()).collect();
        format!(
            "sent {} document(s) to {} through {}: {}",
            r.attachments.len(),
            r.to.join(", "),
            r.server,
            names.join(", ")
        )
    });
    Ok(Status::Ok)
}

/// A mail account as shown: everything but the secrets.
#[derive(Serialize)]
struct AccountView {
    id: Id,
    name: String,
    imap_server: String,
    imap_port: Option<i32>,
    imap_security: MailSecurity,
    username: String,
    is_token: bool,
    character_set: String,
    account_type: MailAccountType,
    rules: usize,
}

fn security_name(s: MailSecurity) -> &'static str {
    match s {
        MailSecurity::None => "none",
        MailSecurity::Ssl => "ssl",
        MailSecurity::StartTls => "starttls",
    }
}

fn read_password(fields: &AccountFields) -> Result<Option<String>> {
    if fields.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_to_string(&mut line)
            .context("cannot read the password from standard input")?;
        let line = line.lines().next().unwrap_or_default().to_owned();
        if line.is_empty() {
            bail!("--password-stdin: standard input holds no password");
        }
        return Ok(Some(line));
    }
    if let Some(var) = &fields.password_env {
        let value = std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| anyhow!("--password-env: the variable {var} is not set"))?;
        return Ok(Some(value));
    }
    Ok(None)
}

fn apply_account(account: &mut MailAccount, fields: &AccountFields) -> Result<()> {
    if let Some(v) = &fields.server {
        account.imap_server = v.clone();
    }
    if let Some(v) = fields.port {
        account.imap_port = Some(i32::from(v));
    }
    if let Some(v) = fields.security {
        account.imap_security = match v {
            Security::None => MailSecurity::None,
            Security::Ssl => MailSecurity::Ssl,
            Security::Starttls => MailSecurity::StartTls,
        };
    }
    if let Some(v) = &fields.username {
        account.username = v.clone();
    }
    if let Some(v) = read_password(fields)? {
        account.password = v;
    }
    if let Some(v) = fields.token {
        account.is_token = v;
    }
    if let Some(v) = &fields.character_set {
        account.character_set = v.clone();
    }
    Ok(())
}

async fn account_by_name(store: &Store, name: &str) -> Result<MailAccount> {
    let mut conn = store.db().conn().await?;
    conn.mail_accounts()
        .await?
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| anyhow!("no mail account named {name:?}"))
}

async fn accounts(store: &Store, cmd: AccountCommand, out: &Output) -> Result<Status> {
    match cmd {
        AccountCommand::List => {
            let mut conn = store.db().conn().await?;
            let rules = conn.mail_rules().await?;
            let views: Vec<AccountView> = conn
                .mail_accounts()
                .await?
                .into_iter()
                .map(|a| AccountView {
                    rules: rules.iter().filter(|r| r.account == a.id).count(),
                    id: a.id,
                    name: a.name,
                    imap_server: a.imap_server,
                    imap_port: a.imap_port,
                    imap_security: a.imap_security,
                    username: a.username,
                    is_token: a.is_token,
                    character_set: a.character_set,
                    account_type: a.account_type,
                })
                .collect();
            out.report(&views, |v| {
                let rows: Vec<Vec<String>> = v
                    .iter()
                    .map(|a| {
                        vec![
                            a.name.clone(),
                            a.imap_server.clone(),
                            a.imap_port.map(|p| p.to_string()).unwrap_or_default(),
                            security_name(a.imap_security).into(),
                            a.username.clone(),
                            a.rules.to_string(),
                        ]
                    })
                    .collect();
                table(
                    &["NAME", "SERVER", "PORT", "SECURITY", "USER", "RULES"],
                    &rows,
                )
            });
            Ok(Status::Ok)
        }
        AccountCommand::Add { name, fields } => {
            let mut account = MailAccount {
                id: 0,
                name,
                imap_server: String::new(),
                imap_port: None,
                imap_security: MailSecurity::default(),
                username: String::new(),
                password: String::new(),
                is_token: false,
                character_set: "UTF-8".into(),
                account_type: MailAccountType::Imap,
                refresh_token: None,
                owner: None,
            };
            apply_account(&mut account, &fields)?;
            if account.imap_server.is_empty() || account.username.is_empty() {
                bail!("a mail account needs --server and --username");
            }
            if account.password.is_empty() {
                bail!("a mail account needs a password: --password-stdin or --password-env VAR");
            }
            let mut conn = store.db().conn().await?;
            let added = conn.insert_mail_account(&account).await?;
            out.report(
                &serde_json::json!({ "added": added.name, "id": added.id }),
                |_| format!("added mail account {} (#{})", added.name, added.id),
            );
            Ok(Status::Ok)
        }
        AccountCommand::Edit {
            name,
            rename,
            fields,
        } => {
            let mut account = account_by_name(store, &name).await?;
            apply_account(&mut account, &fields)?;
            if let Some(new) = rename {
                account.name = new;
            }
            let mut conn = store.db().conn().await?;
            conn.update_mail_account(&account).await?;
            out.report(
                &serde_json::json!({ "changed": account.name, "id": account.id }),
                |_| format!("changed mail account {}", account.name),
            );
            Ok(Status::Ok)
        }
        AccountCommand::Remove { name } => {
            let account = account_by_name(store, &name).await?;
            let mut conn = store.db().conn().await?;
            conn.delete_mail_account(account.id).await?;
            out.report(&serde_json::json!({ "removed": name }), |_| {
                format!("removed mail account {name} and its rules")
            });
            Ok(Status::Ok)
        }
        AccountCommand::Test { name } => {
            let account = account_by_name(store, &name).await?;
            let settings = MailSettings::from_env()?;
            let folders = pd_mail::test_account(&account, &settings).await?;
            out.report(
                &serde_json::json!({ "account": name, "folders": folders }),
                |_| format!("logged in to {name}; folders:\n{}", folders.join("\n")),
            );
            Ok(Status::Ok)
        }
    }
}

async fn rule_by_name(store: &Store, name: &str) -> Result<MailRule> {
    let mut conn = store.db().conn().await?;
    conn.mail_rules()
        .await?
        .into_iter()
        .find(|r| r.name == name)
        .ok_or_else(|| anyhow!("no mail rule named {name:?}"))
}

fn non_empty(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_owned())
}

async fn apply_rule(store: &Store, rule: &mut MailRule, f: &RuleFields) -> Result<()> {
    let mut conn = store.db().conn().await?;
    if let Some(name) = &f.account {
        rule.account = conn
            .mail_accounts()
            .await?
            .into_iter()
            .find(|a| &a.name == name)
            .ok_or_else(|| anyhow!("no mail account named {name:?}"))?
            .id;
    }
    if let Some(v) = &f.folder {
        rule.folder = v.clone();
    }
    if let Some(v) = f.order {
        rule.order = v;
    }
    if let Some(v) = f.enabled {
        rule.enabled = v;
    }
    for (target, value) in [
        (&mut rule.filter_from, &f.from),
        (&mut rule.filter_to, &f.to),
        (&mut rule.filter_subject, &f.subject),
        (&mut rule.filter_body, &f.body),
        (&mut rule.filter_attachment_filename_include, &f.include),
        (&mut rule.filter_attachment_filename_exclude, &f.exclude),
        (&mut rule.action_parameter, &f.action_parameter),
    ] {
        if let Some(v) = value {
            *target = non_empty(v);
        }
    }
    if let Some(v) = f.maximum_age {
        if v < 0 {
            bail!("--maximum-age must be 0 or more days");
        }
        rule.maximum_age = v;
    }
    if let Some(v) = f.attachment_type {
        rule.attachment_type = match v {
            AttachmentKind::Attachments => MailAttachmentType::AttachmentsOnly,
            AttachmentKind::Everything => MailAttachmentType::Everything,
        };
    }
    if let Some(v) = f.scope {
        rule.consumption_scope = match v {
            Scope::Attachments => MailConsumptionScope::AttachmentsOnly,
            Scope::Eml => MailConsumptionScope::EmlOnly,
            Scope::Everything => MailConsumptionScope::Everything,
        };
    }
    if let Some(v) = f.action {
        rule.action = match v {
            Action::Read => MailAction::MarkRead,
            Action::Flag => MailAction::Flag,
            Action::Move => MailAction::Move,
            Action::Delete => MailAction::Delete,
            Action::Tag => MailAction::Tag,
        };
    }
    if let Some(v) = f.title_from {
        rule.assign_title_from = match v {
            TitleFrom::Subject => MailTitleFrom::Subject,
            TitleFrom::Filename => MailTitleFrom::Filename,
            TitleFrom::None => MailTitleFrom::None,
        };
    }
    if let Some(v) = f.correspondent_from {
        rule.assign_correspondent_from = match v {
            CorrespondentFrom::Nothing => MailCorrespondentFrom::Nothing,
            CorrespondentFrom::Email => MailCorrespondentFrom::Email,
            CorrespondentFrom::Name => MailCorrespondentFrom::Name,
            CorrespondentFrom::Custom => MailCorrespondentFrom::Custom,
        };
    }
    if let Some(name) = &f.correspondent {
        rule.assign_correspondent = Some(
            conn.correspondent_by_name(name)
                .await?
                .ok_or_else(|| anyhow!("no correspondent named {name:?}"))?
                .id,
        );
    }
    if let Some(name) = &f.document_type {
        rule.assign_document_type = Some(
            conn.document_type_by_name(name)
                .await?
                .ok_or_else(|| anyhow!("no document type named {name:?}"))?
                .id,
        );
    }
    if !f.tags.is_empty() {
        let mut ids = Vec::new();
        for name in &f.tags {
            ids.push(
                conn.tag_by_name(name)
                    .await?
                    .ok_or_else(|| anyhow!("no tag named {name:?}"))?
                    .id,
            );
        }
        rule.assign_tags = ids;
    }
    if let Some(v) = f.stop_processing {
        rule.stop_processing = v;
    }
    if matches!(rule.action, MailAction::Move | MailAction::Tag) && rule.action_parameter.is_none()
    {
        bail!("--action move and --action tag need --action-parameter");
    }
    if rule.assign_correspondent_from == MailCorrespondentFrom::Custom
        && rule.assign_correspondent.is_none()
    {
        bail!("--correspondent-from custom needs --correspondent NAME");
    }
    Ok(())
}

async fn rules(store: &Store, cmd: RuleCommand, out: &Output) -> Result<Status> {
    match cmd {
        RuleCommand::List => {
            let mut conn = store.db().conn().await?;
            let accounts = conn.mail_accounts().await?;
            let rules = conn.mail_rules().await?;
            out.report(&rules, |rules| {
                let rows: Vec<Vec<String>> = rules
                    .iter()
                    .map(|r| {
                        vec![
                            r.order.to_string(),
                            r.name.clone(),
                            accounts
                                .iter()
                                .find(|a| a.id == r.account)
                                .map(|a| a.name.clone())
                                .unwrap_or_default(),
                            r.folder.clone(),
                            format!("{:?}", r.consumption_scope),
                            format!("{:?}", r.action),
                            if r.enabled { "yes" } else { "no" }.into(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ORDER", "NAME", "ACCOUNT", "FOLDER", "SCOPE", "ACTION", "ENABLED",
                    ],
                    &rows,
                )
            });
            Ok(Status::Ok)
        }
        RuleCommand::Add { name, fields } => {
            if fields.account.is_none() {
                bail!("a mail rule needs --account NAME");
            }
            let mut rule = MailRule {
                id: 0,
                name,
                account: 0,
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
                attachment_type: MailAttachmentType::default(),
                consumption_scope: MailConsumptionScope::default(),
                pdf_layout: 0,
                action: MailAction::default(),
                action_parameter: None,
                assign_title_from: MailTitleFrom::default(),
                assign_tags: Vec::new(),
                assign_document_type: None,
                assign_correspondent_from: MailCorrespondentFrom::default(),
                assign_correspondent: None,
                assign_owner_from_rule: true,
                stop_processing: false,
                owner: None,
            };
            apply_rule(store, &mut rule, &fields).await?;
            let mut conn = store.db().conn().await?;
            let added = conn.insert_mail_rule(&rule).await?;
            out.report(&added, |r| {
                format!("added mail rule {} (#{})", r.name, r.id)
            });
            Ok(Status::Ok)
        }
        RuleCommand::Edit {
            name,
            rename,
            fields,
        } => {
            let mut rule = rule_by_name(store, &name).await?;
            apply_rule(store, &mut rule, &fields).await?;
            if let Some(new) = rename {
                rule.name = new;
            }
            let mut conn = store.db().conn().await?;
            conn.update_mail_rule(&rule).await?;
            out.report(&rule, |r| format!("changed mail rule {}", r.name));
            Ok(Status::Ok)
        }
        RuleCommand::Remove { name } => {
            let rule = rule_by_name(store, &name).await?;
            let mut conn = store.db().conn().await?;
            conn.delete_mail_rule(rule.id).await?;
            out.report(&serde_json::json!({ "removed": name }), |_| {
                format!("removed mail rule {name}")
            });
            Ok(Status::Ok)
        }
    }
}
