//! Users, custom fields, notes, mail and the library counts.

use pd_core::{
    CustomFieldType, CustomFieldValue, MailAction, MailCorrespondentFrom, MailRule, MatchRule,
};
use pd_store::{Error, LibraryCounts, NewTag, NewUser};
use time::macros::date;

use crate::common::store_test;
use crate::fixtures::{mail_account, mail_rule, new_doc};

store_test!(async fn users_round_trip(db) {
    let mut c = db.conn().await.unwrap();
    let before = pd_core::now();
    let new = NewUser {
        username: "jürgen".into(),
        first_name: "Jürgen".into(),
        last_name: "Ñoño".into(),
        email: "j@example.invalid".into(),
        password: "pbkdf2_sha256$870000$salt$hash=".into(),
        is_superuser: true,
        is_staff: true,
        is_active: false,
    };
    let user = c.insert_user(&new).await.unwrap();
    assert!(user.date_joined >= before);
    assert_eq!(c.user(user.id).await.unwrap(), user);
    assert_eq!(c.user_by_username("jürgen").await.unwrap(), Some(user.clone()));
    assert_eq!(c.user_by_username("JÜRGEN").await.unwrap(), None);
    let plain = c.insert_user(&NewUser::new("plain")).await.unwrap();
    assert!(plain.is_active && !plain.is_staff && !plain.is_superuser);
    assert_eq!(c.users().await.unwrap(), vec![user, plain]);
    match c.insert_user(&NewUser::new("plain")).await {
        Err(Error::Conflict(msg)) => assert_eq!(msg, "a user named \"plain\" already exists"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(c.user(999).await, Err(Error::NotFound { kind: "user", .. })));
});

store_test!(async fn custom_fields_hold_every_type(db) {
    let mut c = db.conn().await.unwrap();
    let doc = c.insert_document(&new_doc("with fields")).await.unwrap();
    let linked = c.insert_document(&new_doc("linked")).await.unwrap();
    let values = [
        CustomFieldValue::String("ß".repeat(128)),
        CustomFieldValue::Url("https://example.invalid/?q=1&r=ü".into()),
        CustomFieldValue::Date(date!(1970 - 01 - 01)),
        CustomFieldValue::Boolean(false),
        CustomFieldValue::Integer(i64::from(i32::MIN)),
        CustomFieldValue::Float(-0.125),
        CustomFieldValue::Monetary("GBP-5.00".into()),
        CustomFieldValue::DocumentLink(vec![linked, doc]),
        CustomFieldValue::Select("a1".into()),
        CustomFieldValue::LongText("x".repeat(10_000)),
    ];
    let select = serde_json::json!({"select_options": [{"id": "a1", "label": "Hoch"}]});
    let mut fields = Vec::new();
    for value in &values {
        let ty = value.data_type();
        let extra = match ty {
            CustomFieldType::Select => Some(&select),
            _ => None,
        };
        let field = c.insert_custom_field(ty.name(), ty, extra).await.unwrap();
        assert_eq!(field.extra_data.as_ref(), extra);
        let inst = c.set_custom_field_value(doc, field.id, Some(value)).await.unwrap();
        assert_eq!((inst.document, inst.field), (doc, field.id));
        assert_eq!(inst.value.as_ref(), Some(value));
        assert_eq!(inst.deleted_at, None);
        fields.push(field);
    }
    assert_eq!(c.custom_fields().await.unwrap(), fields);
    assert_eq!(fields[8].select_label("a1"), Some("Hoch"));
    let read: Vec<_> = c
        .custom_field_instances(doc)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.value)
        .collect();
    assert_eq!(read, values.iter().cloned().map(Some).collect::<Vec<_>>());

    // Changing and clearing a value keeps one instance per field.
    let int_field = fields[4].id;
    c.set_custom_field_value(doc, int_field, Some(&CustomFieldValue::Integer(42))).await.unwrap();
    let cleared = c.set_custom_field_value(doc, int_field, None).await.unwrap();
    assert_eq!(cleared.value, None);
    let instances = c.custom_field_instances(doc).await.unwrap();
    assert_eq!(instances.len(), values.len());
    assert_eq!(instances[4].value, None);
    assert_eq!(c.custom_field(int_field).await.unwrap(), fields[4]);

    // The value must have the field's type; names are unique.
    match c.set_custom_field_value(doc, int_field, Some(&CustomFieldValue::String("7".into()))).await {
        Err(Error::Invalid(msg)) => assert!(msg.contains("integer"), "{msg}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(matches!(
        c.set_custom_field_value(doc, fields[0].id, Some(&CustomFieldValue::String("x".repeat(129)))).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        c.set_custom_field_value(doc, fields[5].id, Some(&CustomFieldValue::Float(f64::NAN))).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        c.set_custom_field_value(9999, int_field, None).await,
        Err(Error::NotFound { kind: "document", .. })
    ));
    assert!(matches!(
        c.set_custom_field_value(doc, 9999, None).await,
        Err(Error::NotFound { kind: "custom field", .. })
    ));
    match c.insert_custom_field("integer", CustomFieldType::String, None).await {
        Err(Error::Conflict(msg)) => assert_eq!(msg, "a custom field named \"integer\" already exists"),
        other => panic!("expected a conflict, got {other:?}"),
    }
});

store_test!(async fn notes_round_trip(db) {
    let mut c = db.conn().await.unwrap();
    let user = c.insert_user(&NewUser::new("author")).await.unwrap();
    let doc = c.insert_document(&new_doc("noted")).await.unwrap();
    let first = c.add_note(doc, "Erste Notiz ✓\nzweite Zeile", Some(user.id)).await.unwrap();
    let second = c.add_note(doc, "", None).await.unwrap();
    assert_eq!(first.document, doc);
    assert_eq!(c.notes(doc).await.unwrap(), vec![first, second]);
    assert!(matches!(c.add_note(9999, "x", None).await, Err(Error::NotFound { .. })));
});

store_test!(async fn mail_accounts_and_rules_round_trip(db) {
    let mut c = db.conn().await.unwrap();
    let owner = c.insert_user(&NewUser::new("owner")).await.unwrap();
    let account = c.insert_mail_account(&mail_account("Posteingang")).await.unwrap();
    assert_eq!(c.mail_accounts().await.unwrap(), vec![account.clone()]);
    assert_eq!(account.password, "s3cret");
    let mut minimal = mail_account("minimal");
    minimal.imap_port = None;
    minimal.refresh_token = None;
    let minimal = c.insert_mail_account(&minimal).await.unwrap();
    assert_eq!(c.mail_accounts().await.unwrap(), vec![account.clone(), minimal]);
    assert!(matches!(c.insert_mail_account(&mail_account("Posteingang")).await, Err(Error::Conflict(_))));

    let t1 = c.insert_tag(&NewTag::new("one")).await.unwrap();
    let t2 = c.insert_tag(&NewTag::new("two")).await.unwrap();
    let corr = c.insert_correspondent("ACME", &MatchRule::default(), None).await.unwrap();
    let ty = c.insert_document_type("Bill", &MatchRule::default(), None).await.unwrap();
    let full = MailRule {
        order: 5,
        enabled: false,
        folder: "INBOX/Rechnungen".into(),
        filter_from: Some("billing@example.invalid".into()),
        filter_to: Some("me@example.invalid".into()),
        filter_subject: Some("Rechnung".into()),
        filter_body: Some("Betrag".into()),
        filter_attachment_filename_include: Some("*.pdf,*.PDF".into()),
        filter_attachment_filename_exclude: Some("logo*".into()),
        maximum_age: 0,
        attachment_type: pd_core::MailAttachmentType::Everything,
        consumption_scope: pd_core::MailConsumptionScope::Everything,
        pdf_layout: 3,
        action: MailAction::Move,
        action_parameter: Some("Archiv".into()),
        assign_title_from: pd_core::MailTitleFrom::Filename,
        assign_tags: vec![t2.id, t1.id],
        assign_document_type: Some(ty.id),
        assign_correspondent_from: MailCorrespondentFrom::Custom,
        assign_correspondent: Some(corr.id),
        assign_owner_from_rule: false,
        stop_processing: true,
        owner: Some(owner.id),
        ..mail_rule("Rechnungen", account.id)
    };
    let full = c.insert_mail_rule(&full).await.unwrap();
    assert_eq!(full.assign_tags, vec![t1.id, t2.id]);
    let early = c.insert_mail_rule(&mail_rule("early", account.id)).await.unwrap();
    assert_eq!(c.mail_rules().await.unwrap(), vec![early.clone(), full.clone()]);

    // Names are unique per owner and among unowned rules.
    assert!(matches!(c.insert_mail_rule(&mail_rule("early", account.id)).await, Err(Error::Conflict(_))));
    c.insert_mail_rule(&MailRule { owner: Some(owner.id), ..mail_rule("early", account.id) })
        .await
        .unwrap();
    assert!(matches!(
        c.insert_mail_rule(&mail_rule("orphan", 9999)).await,
        Err(Error::NotFound { kind: "mail account", .. })
    ));
    // Deleting a tag takes it off the rule.
    c.delete_tag(t1.id).await.unwrap();
    let rules = c.mail_rules().await.unwrap();
    let full_now = rules.iter().find(|r| r.id == full.id).unwrap();
    assert_eq!(full_now.assign_tags, vec![t2.id]);
});

store_test!(async fn library_counts_count_everything(db) {
    let mut c = db.conn().await.unwrap();
    assert_eq!(c.library_counts().await.unwrap(), LibraryCounts::default());
    let user = c.insert_user(&NewUser::new("u")).await.unwrap();
    let m = MatchRule::default();
    c.insert_correspondent("c", &m, None).await.unwrap();
    c.insert_document_type("t", &m, None).await.unwrap();
    c.insert_document_type("t2", &m, None).await.unwrap();
    c.insert_storage_path("p", "x", &m, None).await.unwrap();
    c.insert_tag(&NewTag::new("a")).await.unwrap();
    c.insert_custom_field("f", CustomFieldType::Boolean, None).await.unwrap();
    let kept = c.insert_document(&new_doc("kept")).await.unwrap();
    let gone = c.insert_document(&new_doc("gone")).await.unwrap();
    c.add_note(kept, "n", Some(user.id)).await.unwrap();
    c.trash_document(gone, pd_core::now(), "tx").await.unwrap();
    let account = c.insert_mail_account(&mail_account("m")).await.unwrap();
    c.insert_mail_rule(&mail_rule("r", account.id)).await.unwrap();
    assert_eq!(
        c.library_counts().await.unwrap(),
        LibraryCounts {
            documents: 1,
            trashed_documents: 1,
            correspondents: 1,
            document_types: 2,
            tags: 1,
            storage_paths: 1,
            custom_fields: 1,
            notes: 1,
            users: 1,
            mail_accounts: 1,
            mail_rules: 1,
        }
    );
    let json = serde_json::to_value(c.library_counts().await.unwrap()).unwrap();
    assert_eq!(json["trashed_documents"], 1);
});

store_test!(async fn mail_edits_and_processed_mail(db) {
    let mut c = db.conn().await.unwrap();
    let mut account = c.insert_mail_account(&mail_account("one")).await.unwrap();
    let other = c.insert_mail_account(&mail_account("two")).await.unwrap();
    account.imap_server = "imap.changed.invalid".into();
    account.password = "n3w".into();
    c.update_mail_account(&account).await.unwrap();
    assert_eq!(c.mail_accounts().await.unwrap()[0], account);
    let clash = pd_core::MailAccount { name: "two".into(), ..account.clone() };
    assert!(matches!(c.update_mail_account(&clash).await, Err(Error::Conflict(_))));

    let tag = c.insert_tag(&NewTag::new("mail")).await.unwrap();
    let mut rule = c.insert_mail_rule(&mail_rule("r", account.id)).await.unwrap();
    rule.folder = "Archive".into();
    rule.assign_tags = vec![tag.id];
    rule.account = other.id;
    c.update_mail_rule(&rule).await.unwrap();
    assert_eq!(c.mail_rules().await.unwrap(), vec![rule.clone()]);

    let record = |uid_validity: Option<u32>, uid: u32, message_id: Option<&str>| pd_core::ProcessedMail {
        id: 0,
        rule: rule.id,
        folder: "Archive".into(),
        uid_validity,
        uid,
        message_id: message_id.map(str::to_owned),
        subject: "Rechnung".into(),
        received: None,
        processed: pd_core::now(),
        status: pd_core::ProcessedMailStatus::Success,
        error: None,
        owner: None,
    };
    c.record_processed_mail(&record(Some(7), 1, Some("<a@x>"))).await.unwrap();
    c.record_processed_mail(&record(Some(8), 2, None)).await.unwrap();
    c.record_processed_mail(&record(None, 3, Some(&"x".repeat(300)))).await.unwrap();
    let uids = |s: &[u32]| s.iter().copied().collect::<std::collections::HashSet<u32>>();
    // The current UIDVALIDITY's and those recorded before UIDVALIDITY was known.
    assert_eq!(c.processed_mail_uids(rule.id, "Archive", Some(7)).await.unwrap(), uids(&[1, 3]));
    assert_eq!(c.processed_mail_uids(rule.id, "Archive", None).await.unwrap(), uids(&[1, 2, 3]));
    assert!(c.processed_mail_uids(rule.id, "INBOX", Some(7)).await.unwrap().is_empty());
    // An over-long Message-ID is not kept.
    assert_eq!(
        c.processed_message_ids(rule.id).await.unwrap(),
        ["<a@x>".to_owned()].into_iter().collect()
    );
    let all = c.processed_mails().await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].status, pd_core::ProcessedMailStatus::Success);

    c.delete_mail_account(other.id).await.unwrap();
    assert!(c.mail_rules().await.unwrap().is_empty());
    assert!(c.processed_mails().await.unwrap().is_empty());
    assert_eq!(c.mail_accounts().await.unwrap(), vec![account]);
    assert!(matches!(c.delete_mail_rule(rule.id).await, Err(Error::NotFound { .. })));
});
