//! `pd mail …` against a real Dovecot and a real SMTP sink: accounts and rules managed
//! from the command line, fetch, send, exit codes, and no password in any output.

mod common;

use common::Library;
use pd_mail::testing::{Dovecot, SmtpSink, mail};
use serde_json::Value;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn accounts_rules_fetch_and_send() {
    let server = Dovecot::start();
    let sink = SmtpSink::start();
    block_on(server.append(
        "alice",
        "INBOX",
        &[
            mail(
                "billing@acme.test",
                "me@t",
                "Invoice 2024-7",
                "inv@t",
                "attached",
                &[(
                    "invoice.txt",
                    "attachment",
                    "Invoice 2024-7, total 12.00 EUR",
                )],
            ),
            mail(
                "friend@t",
                "me@t",
                "Hello",
                "hello@t",
                "no invoice here",
                &[],
            ),
        ],
    ));
    let lib = Library::new();
    let ca = server.ca_file.display().to_string();
    let imaps = server.imaps_port.to_string();
    let sink_port = sink.port.to_string();
    let env = [
        ("PD_EMAIL_ALLOW_INTERNAL_HOSTS", "true"),
        ("PD_EMAIL_CERTIFICATE_FILE", ca.as_str()),
        ("ALICE_PASSWORD", "secret"),
        ("WRONG_PASSWORD", "Not-The-Password-42"),
        ("PD_EMAIL_HOST", "127.0.0.1"),
        ("PD_EMAIL_PORT", sink_port.as_str()),
        ("PD_EMAIL_FROM", "pd@example.com"),
    ];
    let pd = |code: i32, args: &[&str]| -> (String, String) {
        let (got, stdout, stderr) = lib.run_env(args, &env);
        assert_eq!(got, code, "pd {args:?}:\n{stdout}\n{stderr}");
        for secret in ["secret", "Not-The-Password-42"] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{stdout}{stderr}"
            );
        }
        (stdout, stderr)
    };
    let json = |code: i32, args: &[&str]| -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let (stdout, _) = pd(code, &all);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    };

    pd(
        0,
        &[
            "mail",
            "accounts",
            "add",
            "work",
            "--server",
            "localhost",
            "--port",
            &imaps,
            "--security",
            "ssl",
            "--username",
            "alice",
            "--password-env",
            "ALICE_PASSWORD",
        ],
    );
    let (_, stderr) = pd(
        1,
        &[
            "mail",
            "accounts",
            "add",
            "nopass",
            "--server",
            "x",
            "--username",
            "y",
        ],
    );
    assert!(stderr.contains("needs a password"), "{stderr}");
    let accounts = json(0, &["mail", "accounts", "list"]);
    assert_eq!(accounts[0]["name"], "work");
    assert!(accounts[0].get("password").is_none());
    let tested = json(0, &["mail", "accounts", "test", "work"]);
    assert!(
        tested["folders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "INBOX")
    );

    let (_, stderr) = pd(
        1,
        &[
            "mail",
            "rules",
            "add",
            "bad",
            "--account",
            "work",
            "--action",
            "move",
        ],
    );
    assert!(stderr.contains("--action-parameter"), "{stderr}");
    json(
        0,
        &[
            "mail",
            "rules",
            "add",
            "invoices",
            "--account",
            "work",
            "--subject",
            "invoice",
            "--title-from",
            "filename",
        ],
    );
    assert_eq!(
        json(0, &["mail", "rules", "list"])
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let first = json(0, &["mail", "fetch"]);
    let docs = first["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1, "{first:#}");
    assert_eq!(docs[0]["title"], "invoice");
    assert_eq!(first["transfer"]["bodies"], 1);
    let again = json(0, &["mail", "fetch", "--account", "work"]);
    assert_eq!(again["documents"].as_array().unwrap().len(), 0);
    assert_eq!(again["transfer"]["bodies"], 0);
    let (_, stderr) = pd(1, &["mail", "fetch", "--account", "nobody"]);
    assert!(
        stderr.contains("no mail account named \"nobody\""),
        "{stderr}"
    );

    // A missing folder fails the rule: exit code 1, a clear message.
    pd(
        0,
        &["mail", "rules", "edit", "invoices", "--folder", "Nope"],
    );
    let (stdout, _) = pd(1, &["mail", "fetch"]);
    assert!(
        stdout.contains("Folder Nope does not exist in account work"),
        "{stdout}"
    );

    // A wrong password: a clear error that does not show it.
    pd(
        0,
        &[
            "mail",
            "accounts",
            "edit",
            "work",
            "--password-env",
            "WRONG_PASSWORD",
        ],
    );
    let (_, stderr) = pd(1, &["mail", "accounts", "test", "work"]);
    assert!(
        stderr.contains("Error while authenticating account work"),
        "{stderr}"
    );

    // Send the consumed document; the sink receives it intact.
    let id = docs[0]["document_id"].as_i64().unwrap().to_string();
    let sent = json(0, &["mail", "send", "--to", "someone@example.com", &id]);
    assert_eq!(sent["attachments"][0]["file_name"], "invoice.txt");
    let received = sink.messages();
    assert_eq!(received.len(), 1);
    let message = pd_mail::message::MailMessage::parse(&received[0]).unwrap();
    assert_eq!(message.subject, "invoice");
    assert_eq!(message.attachments.len(), 1);
    let stored = std::fs::read(
        lib.originals().join(
            std::fs::read_dir(lib.originals())
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .file_name(),
        ),
    )
    .unwrap();
    assert_eq!(message.attachments[0].content, stored);
    assert_eq!(stored, b"Invoice 2024-7, total 12.00 EUR");
    let (_, stderr) = pd(1, &["mail", "send", "--to", "someone@example.com", "999"]);
    assert!(stderr.contains("999"), "{stderr}");

    pd(0, &["mail", "accounts", "remove", "work"]);
    assert!(
        json(0, &["mail", "rules", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}
