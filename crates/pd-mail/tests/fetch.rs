//! `fetch_mail` against a real Dovecot: filters, scopes, actions, rule order, what is
//! remembered between runs, UIDVALIDITY, failures, TLS.

use pd_core::{
    Config, MailAccount, MailAction, MailAttachmentType, MailConsumptionScope,
    MailCorrespondentFrom, MailRule, MailSecurity, MailTitleFrom, ProcessedMailStatus,
};
use pd_mail::testing::{Dovecot, mail};
use pd_mail::{FetchOptions, FetchReport, MailSettings, fetch_mail};
use pd_store::Store;

struct Lib {
    _dir: tempfile::TempDir,
    store: Store,
}

async fn library_with(config: impl FnOnce(&mut Config)) -> Lib {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::for_data_dir(dir.path().join("data"));
    config(&mut cfg);
    let store = Store::init(&cfg).await.unwrap();
    Lib { _dir: dir, store }
}

async fn library() -> Lib {
    library_with(|_| {}).await
}

impl Lib {
    async fn account(&self, account: MailAccount) -> MailAccount {
        let mut conn = self.store.db().conn().await.unwrap();
        conn.insert_mail_account(&account).await.unwrap()
    }

    async fn rule(&self, rule: MailRule) -> MailRule {
        let mut conn = self.store.db().conn().await.unwrap();
        conn.insert_mail_rule(&rule).await.unwrap()
    }

    async fn fetch(&self, settings: MailSettings) -> FetchReport {
        let opts = FetchOptions {
            account: None,
            settings,
        };
        fetch_mail(&self.store, &opts, &|_| {}).await.unwrap()
    }

    async fn titles(&self) -> Vec<String> {
        let docs = pd_pipeline::consume::library_documents(&self.store)
            .await
            .unwrap();
        let mut t: Vec<String> = docs.into_iter().map(|d| d.title).collect();
        t.sort();
        t
    }
}

fn rule(name: &str, account: &MailAccount, folder: &str) -> MailRule {
    MailRule {
        id: 0,
        name: name.into(),
        account: account.id,
        order: 0,
        enabled: true,
        folder: folder.into(),
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
        assign_title_from: MailTitleFrom::Filename,
        assign_tags: vec![],
        assign_document_type: None,
        assign_correspondent_from: MailCorrespondentFrom::Nothing,
        assign_correspondent: None,
        assign_owner_from_rule: true,
        stop_processing: false,
        owner: None,
    }
}

/// A mail from `from` with one attachment `name` whose text is unique to it.
fn with_attachment(from: &str, subject: &str, name: &str) -> Vec<u8> {
    mail(
        from,
        "me@example.com",
        subject,
        &format!("{name}@test"),
        "see attached",
        &[(
            name,
            "attachment",
            &format!("content of {name} from {from}"),
        )],
    )
}

fn assert_ok(report: &FetchReport) {
    assert!(!report.failed(), "{report:#?}");
}

#[tokio::test]
async fn each_filter_selects_its_mail() {
    let server = Dovecot::start();
    let lib = library().await;
    let account = lib
        .account(server.account("main", "alice", MailSecurity::None))
        .await;
    let folders = ["from", "to", "subject", "body", "names", "age"];
    for f in folders {
        server.append("alice", f, &[]).await;
    }
    server
        .append(
            "alice",
            "from",
            &[
                with_attachment("billing@acme.test", "x", "from-yes.txt"),
                with_attachment("other@else.test", "x", "from-no.txt"),
            ],
        )
        .await;
    server
        .append(
            "alice",
            "to",
            &[
                mail(
                    "a@b.test",
                    "invoices@me.test",
                    "x",
                    "to1@t",
                    "b",
                    &[("to-yes.txt", "attachment", "t1")],
                ),
                mail(
                    "a@b.test",
                    "private@me.test",
                    "x",
                    "to2@t",
                    "b",
                    &[("to-no.txt", "attachment", "t2")],
                ),
            ],
        )
        .await;
    server
        .append(
            "alice",
            "subject",
            &[
                with_attachment("a@b.test", "Your Invoice 42", "subject-yes.txt"),
                with_attachment("a@b.test", "Newsletter", "subject-no.txt"),
            ],
        )
        .await;
    server
        .append(
            "alice",
            "body",
            &[
                mail(
                    "a@b.test",
                    "me@t",
                    "x",
                    "b1@t",
                    "payment is due",
                    &[("body-yes.txt", "attachment", "b1")],
                ),
                mail(
                    "a@b.test",
                    "me@t",
                    "x",
                    "b2@t",
                    "hello friend",
                    &[("body-no.txt", "attachment", "b2")],
                ),
            ],
        )
        .await;
    server
        .append(
            "alice",
            "names",
            &[mail(
                "a@b.test",
                "me@t",
                "x",
                "n1@t",
                "b",
                &[
                    ("invoice-1.txt", "attachment", "n1"),
                    ("invoice-draft.txt", "attachment", "n2"),
                    ("photo.txt", "attachment", "n3"),
                ],
            )],
        )
        .await;
    // One mail received long ago (IMAP internal date), one now.
    {
        let mut s = server.session("alice").await;
        s.append(
            "age",
            None,
            Some("\"01-Jan-2020 10:00:00 +0000\""),
            with_attachment("a@b.test", "old", "age-no.txt"),
        )
        .await
        .unwrap();
        s.append(
            "age",
            None,
            None,
            with_attachment("a@b.test", "new", "age-yes.txt"),
        )
        .await
        .unwrap();
        s.logout().await.unwrap();
    }
    lib.rule(MailRule {
        filter_from: Some("acme.test".into()),
        ..rule("from", &account, "from")
    })
    .await;
    lib.rule(MailRule {
        filter_to: Some("invoices@".into()),
        ..rule("to", &account, "to")
    })
    .await;
    lib.rule(MailRule {
        filter_subject: Some("invoice".into()),
        ..rule("subject", &account, "subject")
    })
    .await;
    lib.rule(MailRule {
        filter_body: Some("payment".into()),
        ..rule("body", &account, "body")
    })
    .await;
    lib.rule(MailRule {
        filter_attachment_filename_include: Some("INVOICE*".into()),
        filter_attachment_filename_exclude: Some("*draft*".into()),
        ..rule("names", &account, "names")
    })
    .await;
    lib.rule(MailRule {
        maximum_age: 10,
        ..rule("age", &account, "age")
    })
    .await;
    let report = lib.fetch(server.settings()).await;
    assert_ok(&report);
    assert_eq!(
        lib.titles().await,
        [
            "age-yes",
            "body-yes",
            "from-yes",
            "invoice-1",
            "subject-yes",
            "to-yes"
        ]
    );
}

#[tokio::test]
async fn scopes_and_attachment_types() {
    let server = Dovecot::start();
    let lib = library().await;
    let account = lib
        .account(server.account("main", "alice", MailSecurity::None))
        .await;
    let two_parts = |id: &str| {
        mail(
            "Ann Sender <ann@sender.test>",
            "me@t",
            &format!("Scope {id}"),
            &format!("{id}@t"),
            &format!("the body of {id}"),
            &[
                (
                    &format!("{id}-attached.txt"),
                    "attachment",
                    &format!("attached {id}"),
                ),
                (
                    &format!("{id}-inline.txt"),
                    "inline",
                    &format!("inline {id}"),
                ),
            ],
        )
    };
    let eml_mail = two_parts("e");
    server
        .append("alice", "eml", std::slice::from_ref(&eml_mail))
        .await;
    for (folder, id) in [("att", "a"), ("both", "b"), ("inline", "i")] {
        server.append("alice", folder, &[two_parts(id)]).await;
    }
    server
        .append(
            "alice",
            "att",
            &[mail(
                "x@t",
                "me@t",
                "No files",
                "nofiles@t",
                "text only",
                &[],
            )],
        )
        .await;
    lib.rule(rule("att", &account, "att")).await;
    lib.rule(MailRule {
        consumption_scope: MailConsumptionScope::EmlOnly,
        assign_title_from: MailTitleFrom::Subject,
        assign_correspondent_from: MailCorrespondentFrom::Name,
        ..rule("eml", &account, "eml")
    })
    .await;
    lib.rule(MailRule {
        consumption_scope: MailConsumptionScope::Everything,
        ..rule("both", &account, "both")
    })
    .await;
    lib.rule(MailRule {
        attachment_type: MailAttachmentType::Everything,
        assign_correspondent_from: MailCorrespondentFrom::Email,
        ..rule("inline", &account, "inline")
    })
    .await;
    let report = lib.fetch(server.settings()).await;
    assert_ok(&report);
    assert_eq!(
        lib.titles().await,
        [
            "Scope b",
            "Scope e",
            "a-attached",
            "b-attached",
            "i-attached",
            "i-inline"
        ]
    );
    let docs = pd_pipeline::consume::library_documents(&lib.store)
        .await
        .unwrap();
    let eml = docs.iter().find(|d| d.title == "Scope e").unwrap();
    assert_eq!(eml.mime_type, "message/rfc822");
    assert!(eml.content.contains("the body of e"), "{}", eml.content);
    // The .eml is the mail as the server holds it.
    let stored = std::fs::read(lib.store.media().original_path(eml).unwrap()).unwrap();
    assert_eq!(stored, eml_mail);
    let mut conn = lib.store.db().conn().await.unwrap();
    let ann = conn
        .correspondent_by_name("Ann Sender")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(eml.correspondent, Some(ann.id));
    let by_address = conn
        .correspondent_by_name("ann@sender.test")
        .await
        .unwrap()
        .unwrap();
    let inline = docs.iter().find(|d| d.title == "i-inline").unwrap();
    assert_eq!(inline.correspondent, Some(by_address.id));
    // The mail without attachments was recorded without downloading its body.
    let att = report.accounts[0]
        .rules
        .iter()
        .find(|r| r.rule == "att")
        .unwrap();
    assert_eq!((att.without_consumption, att.bodies_downloaded), (1, 1));
    let processed = conn.processed_mails().await.unwrap();
    assert_eq!(processed.len(), 5);
    assert!(processed.iter().any(
        |p| p.status == ProcessedMailStatus::ProcessedWoConsumption && p.subject == "No files"
    ));
}

#[tokio::test]
async fn each_action_runs_on_the_server() {
    let server = Dovecot::start();
    let lib = library().await;
    let account = lib
        .account(server.account("main", "alice", MailSecurity::None))
        .await;
    let folders = ["read", "flag", "move", "delete", "tag", "apple"];
    for f in folders {
        server
            .append(
                "alice",
                f,
                &[with_attachment("a@b.test", f, &format!("{f}.txt"))],
            )
            .await;
    }
    server.append("alice", "Archive", &[]).await;
    lib.rule(rule("read", &account, "read")).await;
    lib.rule(MailRule {
        action: MailAction::Flag,
        ..rule("flag", &account, "flag")
    })
    .await;
    lib.rule(MailRule {
        action: MailAction::Move,
        action_parameter: Some("Archive".into()),
        ..rule("move", &account, "move")
    })
    .await;
    lib.rule(MailRule {
        action: MailAction::Delete,
        ..rule("delete", &account, "delete")
    })
    .await;
    lib.rule(MailRule {
        action: MailAction::Tag,
        action_parameter: Some("paperless".into()),
        ..rule("tag", &account, "tag")
    })
    .await;
    lib.rule(MailRule {
        action: MailAction::Tag,
        action_parameter: Some("apple:green".into()),
        ..rule("apple", &account, "apple")
    })
    .await;
    let report = lib.fetch(server.settings()).await;
    assert_ok(&report);
    assert_eq!(lib.titles().await.len(), 6);
    let flags = |f: Vec<(u32, Vec<String>)>| f.into_iter().next().unwrap().1.join(" ");
    assert!(flags(server.flags("alice", "read").await).contains("Seen"));
    let flagged = flags(server.flags("alice", "flag").await);
    assert!(
        flagged.contains("Flagged") && !flagged.contains("Seen"),
        "{flagged}"
    );
    assert_eq!(server.count("alice", "move").await, 0);
    assert_eq!(server.count("alice", "Archive").await, 1);
    assert_eq!(server.count("alice", "delete").await, 0);
    assert!(flags(server.flags("alice", "tag").await).contains("paperless"));
    let apple = flags(server.flags("alice", "apple").await);
    assert!(
        apple.contains("Flagged")
            && apple.contains("$MailFlagBit0")
            && apple.contains("$MailFlagBit1")
            && !apple.contains("$MailFlagBit2"),
        "{apple}"
    );
    // Every action also keeps the mail out of the next SEARCH or the records.
    let again = lib.fetch(server.settings()).await;
    assert_ok(&again);
    assert!(again.documents.is_empty());
    assert_eq!(again.transfer.bodies, 0);
}

#[tokio::test]
async fn overlapping_rules_only_the_first_consumes_and_stop_processing() {
    let server = Dovecot::start();
    let lib = library().await;
    let account = lib
        .account(server.account("main", "alice", MailSecurity::None))
        .await;
    server
        .append(
            "alice",
            "INBOX",
            &[
                with_attachment("a@b.test", "one", "one.txt"),
                with_attachment("a@b.test", "two", "two.txt"),
            ],
        )
        .await;
    server
        .append(
            "alice",
            "Other",
            &[with_attachment("a@b.test", "three", "three.txt")],
        )
        .await;
    // Both match every mail of INBOX and do not mark them read.
    lib.rule(MailRule {
        order: 1,
        action: MailAction::Flag,
        ..rule("first", &account, "INBOX")
    })
    .await;
    lib.rule(MailRule {
        order: 2,
        action: MailAction::Tag,
        action_parameter: Some("second".into()),
        stop_processing: true,
        ..rule("second", &account, "INBOX")
    })
    .await;
    lib.rule(MailRule {
        order: 3,
        ..rule("third", &account, "Other")
    })
    .await;
    let report = lib.fetch(server.settings()).await;
    assert_ok(&report);
    let rules = &report.accounts[0].rules;
    assert_eq!(
        rules.len(),
        2,
        "stop_processing ends the account's run: {rules:#?}"
    );
    assert_eq!((rules[0].rule.as_str(), rules[0].documents), ("first", 2));
    assert_eq!((rules[1].rule.as_str(), rules[1].documents), ("second", 0));
    assert_eq!(lib.titles().await, ["one", "two"]);
    for (_, f) in server.flags("alice", "INBOX").await {
        assert!(!f.join(" ").contains("second"), "{f:?}");
    }
}

#[tokio::test]
async fn reruns_download_nothing_and_a_new_uidvalidity_consumes_only_new_mail() {
    let server = Dovecot::start();
    let lib = library().await;
    let account = lib
        .account(server.account("main", "alice", MailSecurity::None))
        .await;
    let old = vec![
        with_attachment("a@b.test", "one", "one.txt"),
        mail("a@b.test", "me@t", "plain", "plain@t", "no attachment", &[]),
    ];
    server.append("alice", "Box", &old).await;
    // Delete would be a poor test of re-runs; a move target keeps the mail visible.
    lib.rule(MailRule {
        action: MailAction::Tag,
        action_parameter: Some("seen-by-pd".into()),
        ..rule("box", &account, "Box")
    })
    .await;
    let first = lib.fetch(server.settings()).await;
    assert_ok(&first);
    assert_eq!(first.documents.len(), 1);
    let validity = server.uid_validity("alice", "Box").await;

    // The mailbox is recreated: new UIDVALIDITY, the same mails (without the keyword)
    // and a new one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let mut again = old.clone();
    again.push(with_attachment("a@b.test", "fresh", "fresh.txt"));
    server.recreate("alice", "Box", &again).await;
    assert_ne!(server.uid_validity("alice", "Box").await, validity);
    let second = lib.fetch(server.settings()).await;
    assert_ok(&second);
    let rr = &second.accounts[0].rules[0];
    assert_eq!(second.documents.len(), 1, "{second:#?}");
    assert_eq!(second.documents[0].title, "fresh");
    assert_eq!(rr.known_by_message_id, 2, "{rr:#?}");
    assert_eq!(second.transfer.bodies, 1);
    assert_eq!(lib.titles().await, ["fresh", "one"]);

    let third = lib.fetch(server.settings()).await;
    assert_ok(&third);
    assert!(third.documents.is_empty());
    assert_eq!((third.transfer.headers, third.transfer.bodies), (0, 0));
}

#[tokio::test]
async fn a_failed_consumption_performs_no_action() {
    let server = Dovecot::start();
    let lib = library_with(|c| c.consumer_delete_duplicates = true).await;
    let account = lib
        .account(server.account("main", "alice", MailSecurity::None))
        .await;
    // The second mail carries a copy of the first one's attachment: a duplicate the
    // library refuses.
    let dup = |subject: &str, id: &str| {
        mail(
            "a@b.test",
            "me@t",
            subject,
            id,
            "b",
            &[("same.txt", "attachment", "identical content")],
        )
    };
    server
        .append("alice", "INBOX", &[dup("first", "d1@t")])
        .await;
    lib.rule(rule("inbox", &account, "INBOX")).await;
    assert_ok(&lib.fetch(server.settings()).await);
    server
        .append("alice", "INBOX", &[dup("second", "d2@t")])
        .await;
    let report = lib.fetch(server.settings()).await;
    assert!(report.failed());
    let rr = &report.accounts[0].rules[0];
    assert_eq!(rr.failures.len(), 1, "{rr:#?}");
    assert!(rr.failures[0].contains("duplicate"), "{}", rr.failures[0]);
    let flags = server.flags("alice", "INBOX").await;
    assert!(flags[0].1.join(" ").contains("Seen"));
    assert!(
        !flags[1].1.join(" ").contains("Seen"),
        "no action after a failure: {flags:?}"
    );
    let mut conn = lib.store.db().conn().await.unwrap();
    let processed = conn.processed_mails().await.unwrap();
    assert_eq!(processed[1].status, ProcessedMailStatus::Failed);
    assert!(processed[1].error.as_deref().unwrap().contains("duplicate"));
    // Recorded: the failed mail is not downloaded again.
    let again = lib.fetch(server.settings()).await;
    assert_eq!(again.transfer.bodies, 0);
}

#[tokio::test]
async fn a_bad_password_fails_its_account_only_and_is_never_shown() {
    let server = Dovecot::start();
    let lib = library().await;
    let bad = lib
        .account(MailAccount {
            password: "Wr0ng-Passw0rd-xyz".into(),
            ..server.account("broken", "alice", MailSecurity::None)
        })
        .await;
    let good = lib
        .account(server.account("good", "bob", MailSecurity::None))
        .await;
    server
        .append(
            "bob",
            "INBOX",
            &[with_attachment("a@b.test", "hi", "bob.txt")],
        )
        .await;
    lib.rule(rule("bad", &bad, "INBOX")).await;
    lib.rule(rule("good", &good, "INBOX")).await;
    let report = lib.fetch(server.settings()).await;
    assert!(report.failed());
    let broken = report
        .accounts
        .iter()
        .find(|a| a.account == "broken")
        .unwrap();
    let error = broken.error.as_deref().unwrap();
    assert!(
        error.contains("Error while authenticating account broken"),
        "{error}"
    );
    assert_eq!(lib.titles().await, ["bob"]);
    let json = serde_json::to_string(&report).unwrap();
    for secret in ["Wr0ng-Passw0rd-xyz", "hunter2-bob"] {
        assert!(!json.contains(secret), "{json}");
        assert!(!format!("{report:?}").contains(secret));
    }
}

#[tokio::test]
async fn tls_starttls_xoauth2_and_the_internal_host_check() {
    let server = Dovecot::start();
    let lib = library().await;
    server
        .append(
            "alice",
            "INBOX",
            &[with_attachment("a@b.test", "tls", "tls.txt")],
        )
        .await;
    server
        .append(
            "bob",
            "INBOX",
            &[with_attachment("a@b.test", "starttls", "starttls.txt")],
        )
        .await;
    let tls = lib
        .account(server.account("tls", "alice", MailSecurity::Ssl))
        .await;
    let starttls = lib
        .account(server.account("starttls", "bob", MailSecurity::StartTls))
        .await;
    lib.rule(rule("tls", &tls, "INBOX")).await;
    lib.rule(rule("starttls", &starttls, "INBOX")).await;
    // Without the test CA, the server's certificate is not trusted.
    let untrusted = lib
        .fetch(MailSettings {
            certificate_file: None,
            ..server.settings()
        })
        .await;
    assert!(untrusted.failed());
    for a in &untrusted.accounts {
        let e = a.error.as_deref().unwrap();
        assert!(e.contains("TLS with localhost"), "{e}");
    }
    // Loopback is refused unless allowed.
    let blocked = lib.fetch(MailSettings::default()).await;
    let e = blocked.accounts[0].error.as_deref().unwrap();
    assert!(e.contains("resolves to a non-public address"), "{e}");

    let report = lib.fetch(server.settings()).await;
    assert_ok(&report);
    assert_eq!(lib.titles().await, ["starttls", "tls"]);

    // XOAUTH2: Dovecot checks the bearer token against the passdb.
    let token = MailAccount {
        is_token: true,
        ..server.account("oauth", "alice", MailSecurity::Ssl)
    };
    let folders = pd_mail::test_account(&token, &server.settings())
        .await
        .unwrap();
    assert!(folders.contains(&"INBOX".to_owned()), "{folders:?}");
    let wrong = MailAccount {
        password: "not-the-token".into(),
        ..token
    };
    let e = pd_mail::test_account(&wrong, &server.settings())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Error while authenticating account oauth"),
        "{e}"
    );
    assert!(!e.contains("not-the-token"));
}

#[tokio::test]
async fn a_second_fetch_of_500_mails_downloads_no_body() {
    let server = Dovecot::start();
    let lib = library().await;
    let account = lib
        .account(server.account("main", "alice", MailSecurity::None))
        .await;
    // Ten mails match the rule's SEARCH: eight with an attachment, two without.
    let mails: Vec<Vec<u8>> = (0..500)
        .map(|i| match i % 50 {
            7 if i < 400 => with_attachment(
                "a@b.test",
                &format!("Invoice {i}"),
                &format!("file-{i}.txt"),
            ),
            7 => mail(
                "a@b.test",
                "me@t",
                &format!("Invoice reminder {i}"),
                &format!("r{i}@t"),
                "pay",
                &[],
            ),
            _ => with_attachment(
                "a@b.test",
                &format!("Newsletter {i}"),
                &format!("file-{i}.txt"),
            ),
        })
        .collect();
    server.append("alice", "INBOX", &mails).await;
    lib.rule(MailRule {
        filter_subject: Some("invoice".into()),
        action: MailAction::Flag,
        ..rule("invoices", &account, "INBOX")
    })
    .await;
    let before = server.server_body_count("alice");
    let first = lib.fetch(server.settings()).await;
    assert_ok(&first);
    assert_eq!(first.documents.len(), 8);
    // Headers of the ten, bodies only of the eight with something to consume.
    assert_eq!((first.transfer.headers, first.transfer.bodies), (10, 8));
    assert_eq!(server.server_body_count("alice") - before, 8);

    // The two without attachments still match the SEARCH (never flagged); their
    // records keep them from being fetched again.
    let second = lib.fetch(server.settings()).await;
    assert_ok(&second);
    assert_eq!(second.accounts[0].rules[0].matched, 2);
    assert!(second.documents.is_empty());
    assert_eq!((second.transfer.headers, second.transfer.bodies), (0, 0));
    assert_eq!(server.server_body_count("alice") - before, 8);
}
