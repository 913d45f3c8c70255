//! `cargo xtask bench mail`: a real Dovecot with a mailbox of N mails (default 500), of
//! which 10 match the rule (8 with an attachment, 2 without); `fetch_mail` run twice
//! on a fresh library. Prints JSON: seconds and transfer counts of both runs, and the
//! bodies Dovecot itself reports having sent.

use std::time::Instant;

use pd_core::{Config, MailAction, MailRule, MailSecurity};
use pd_mail::testing::{Dovecot, mail};
use pd_mail::{FetchOptions, fetch_mail};
use pd_store::Store;

#[tokio::main]
async fn main() {
    let mails: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("the number of mails"))
        .unwrap_or(500);
    let server = Dovecot::start();
    let messages: Vec<Vec<u8>> = (0..mails)
        .map(|i| {
            let matching = i % (mails / 10).max(1) == 7;
            let attachment = format!("Statement {i}: {}", "lorem ipsum ".repeat(400));
            let name = format!("file-{i}.txt");
            match (matching, i % 5 == 2) {
                (true, true) => mail(
                    "a@b.test",
                    "me@t",
                    &format!("Invoice reminder {i}"),
                    &format!("{i}@t"),
                    "pay",
                    &[],
                ),
                (true, false) => mail(
                    "a@b.test",
                    "me@t",
                    &format!("Invoice {i}"),
                    &format!("{i}@t"),
                    "see",
                    &[(&name, "attachment", &attachment)],
                ),
                _ => mail(
                    "a@b.test",
                    "me@t",
                    &format!("Newsletter {i}"),
                    &format!("{i}@t"),
                    "news",
                    &[(&name, "attachment", &attachment)],
                ),
            }
        })
        .collect();
    server.append("alice", "INBOX", &messages).await;

    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(&Config::for_data_dir(dir.path().join("data")))
        .await
        .unwrap();
    let account = {
        let mut conn = store.db().conn().await.unwrap();
        let account = conn
            .insert_mail_account(&server.account("bench", "alice", MailSecurity::Ssl))
            .await
            .unwrap();
        conn.insert_mail_rule(&MailRule {
            id: 0,
            name: "invoices".into(),
            account: account.id,
            order: 0,
            enabled: true,
            folder: "INBOX".into(),
            filter_from: None,
            filter_to: None,
            filter_subject: Some("invoice".into()),
            filter_body: None,
            filter_attachment_filename_include: None,
            filter_attachment_filename_exclude: None,
            maximum_age: 0,
            attachment_type: Default::default(),
            consumption_scope: Default::default(),
            pdf_layout: 0,
            action: MailAction::Flag,
            action_parameter: None,
            assign_title_from: Default::default(),
            assign_tags: vec![],
            assign_document_type: None,
            assign_correspondent_from: Default::default(),
            assign_correspondent: None,
            assign_owner_from_rule: true,
            stop_processing: false,
            owner: None,
        })
        .await
        .unwrap();
        account
    };
    let opts = FetchOptions {
        account: Some(account.name.clone()),
        settings: server.settings(),
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let started = Instant::now();
        let report = fetch_mail(&store, &opts, &|_| {}).await.unwrap();
        let seconds = started.elapsed().as_secs_f64();
        assert!(!report.failed(), "{report:#?}");
        runs.push(serde_json::json!({
            "seconds": seconds,
            "documents": report.documents.len(),
            "transfer": report.transfer,
        }));
    }
    let out = serde_json::json!({
        "mails": mails,
        "runs": runs,
        "server_bodies_sent": server.server_body_count("alice"),
    });
    println!("{out}");
}
