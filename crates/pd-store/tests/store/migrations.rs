//! Migrations: up from empty, each step down and up with data, down to nothing.

use pd_core::{
    Correspondent, CustomField, CustomFieldInstance, CustomFieldType, CustomFieldValue, Document,
    DocumentType, MailAccount, MailRule, MatchRule, MatchingAlgorithm, Note, StoragePath, Tag,
    User,
};
use pd_store::db::{FileKind, FileRecord, JournalEntry, SanityRun};
use pd_store::{Backend, Database, DocumentFilter, Error, NewTag, NewUser, TrashFilter};
use time::macros::date;

use crate::common::store_test;
use crate::fixtures::{mail_account, mail_rule, new_doc};

const LIBRARY_TABLES: [&str; 10] = [
    "correspondents",
    "custom_field_instances",
    "custom_fields",
    "document_tags",
    "document_types",
    "documents",
    "notes",
    "storage_paths",
    "tags",
    "users",
];
const MAIL_TABLES: [&str; 3] = ["mail_accounts", "mail_rule_tags", "mail_rules"];

/// Everything the library holds, as read back through the API.
#[derive(Debug, Clone, PartialEq, Default)]
struct Library {
    users: Vec<User>,
    correspondents: Vec<Correspondent>,
    document_types: Vec<DocumentType>,
    storage_paths: Vec<StoragePath>,
    tags: Vec<Tag>,
    documents: Vec<Document>,
    custom_fields: Vec<CustomField>,
    instances: Vec<CustomFieldInstance>,
    notes: Vec<Note>,
    mail_accounts: Vec<MailAccount>,
    mail_rules: Vec<MailRule>,
    file_records: Vec<FileRecord>,
    sanity_runs: Vec<SanityRun>,
    rename_journal: Vec<JournalEntry>,
}

/// Every migration's version, ascending.
fn versions() -> Vec<i64> {
    Database::migrations().iter().map(|m| m.version).collect()
}

/// What a database migrated down to `version` still holds of `full`.
fn held(full: &Library, version: i64) -> Library {
    let mut lib = full.clone();
    if version < 2 {
        lib.mail_accounts.clear();
        lib.mail_rules.clear();
    }
    if version < 3 {
        lib.file_records.clear();
        lib.sanity_runs.clear();
        lib.rename_journal.clear();
    }
    if version < STORAGE_TYPE {
        // Not readable with this pd's document columns (see `read`); the climb back to
        // the top shows they were kept.
        lib.documents.clear();
    }
    lib
}

/// The migration that added `documents.storage_type`.
const STORAGE_TYPE: i64 = 6;

/// Reads what a database at `version` can hold (mail from version 2 on).
async fn read(db: &Database, version: i64) -> Library {
    let mut c = db.conn().await.unwrap();
    // Below the storage type's migration the documents table lacks a column this pd
    // reads; their notes and custom fields are still read, by id.
    let documents = if version >= STORAGE_TYPE {
        c.documents(&DocumentFilter {
            trash: TrashFilter::Include,
            ids: None,
        })
        .await
        .unwrap()
    } else {
        Vec::new()
    };
    let max_id = c.max_id(pd_store::db::IdTable::Documents).await.unwrap();
    let mut instances = Vec::new();
    let mut notes = Vec::new();
    for id in 1..=max_id {
        instances.extend(c.custom_field_instances(id).await.unwrap());
        notes.extend(c.notes(id).await.unwrap());
    }
    let (mail_accounts, mail_rules) = if version >= 2 {
        (
            c.mail_accounts().await.unwrap(),
            c.mail_rules().await.unwrap(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let (file_records, sanity_runs, rename_journal) = if version >= 3 {
        (
            c.sanity_file_records().await.unwrap(),
            c.sanity_runs().await.unwrap(),
            c.rename_journal().await.unwrap(),
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Library {
        users: c.users().await.unwrap(),
        correspondents: c.correspondents().await.unwrap(),
        document_types: c.document_types().await.unwrap(),
        storage_paths: c.storage_paths().await.unwrap(),
        tags: c.tags().await.unwrap(),
        documents,
        custom_fields: c.custom_fields().await.unwrap(),
        instances,
        notes,
        mail_accounts,
        mail_rules,
        file_records,
        sanity_runs,
        rename_journal,
    }
}

/// Fills a migrated database with one of everything.
async fn populate(db: &Database) -> Library {
    let mut c = db.conn().await.unwrap();
    let alice = c
        .insert_user(&NewUser {
            first_name: "Ålice".into(),
            is_superuser: true,
            ..NewUser::new("alice")
        })
        .await
        .unwrap();
    c.insert_user(&NewUser::new("bob")).await.unwrap();
    let rule = MatchRule {
        pattern: "ACME GmbH".into(),
        algorithm: MatchingAlgorithm::Literal,
        is_insensitive: false,
    };
    let acme = c.insert_correspondent("ACME", &rule, None).await.unwrap();
    c.insert_correspondent("ACME", &MatchRule::default(), Some(alice.id))
        .await
        .unwrap();
    let invoice = c
        .insert_document_type("Invoice", &rule, Some(alice.id))
        .await
        .unwrap();
    let path = c
        .insert_storage_path("By year", "{{ created_year }}/{{ title }}", &rule, None)
        .await
        .unwrap();
    let root = c
        .insert_tag(&NewTag {
            color: "#ff0000".into(),
            is_inbox_tag: true,
            ..NewTag::new("Inbox")
        })
        .await
        .unwrap();
    let child = c
        .insert_tag(&NewTag {
            parent: Some(root.id),
            ..NewTag::new("Child")
        })
        .await
        .unwrap();
    let doc = c
        .insert_document(&pd_core::NewDocument {
            content: "Grüße – 你好".into(),
            original_filename: Some("scan.pdf".into()),
            archive_checksum: Some(crate::fixtures::checksum("archive")),
            page_count: Some(3),
            archive_serial_number: Some(42),
            correspondent: Some(acme.id),
            document_type: Some(invoice.id),
            storage_path: Some(path.id),
            owner: Some(alice.id),
            tags: vec![child.id, root.id],
            ..new_doc("Rechnung")
        })
        .await
        .unwrap();
    c.insert_document(&new_doc("plain")).await.unwrap();
    let values = [
        CustomFieldValue::String("text ✓".into()),
        CustomFieldValue::Url("https://example.invalid/x".into()),
        CustomFieldValue::Date(date!(2021 - 07 - 04)),
        CustomFieldValue::Boolean(true),
        CustomFieldValue::Integer(-7),
        CustomFieldValue::Float(2.5),
        CustomFieldValue::Monetary("EUR123.45".into()),
        CustomFieldValue::DocumentLink(vec![doc]),
        CustomFieldValue::Select("opt1".into()),
        CustomFieldValue::LongText("long\ntext".into()),
    ];
    for value in &values {
        let ty = value.data_type();
        let extra = (ty == CustomFieldType::Select)
            .then(|| serde_json::json!({"select_options": [{"id": "opt1", "label": "One"}]}));
        let field = c
            .insert_custom_field(&format!("field {}", ty.name()), ty, extra.as_ref())
            .await
            .unwrap();
        c.set_custom_field_value(doc, field.id, Some(value))
            .await
            .unwrap();
    }
    c.add_note(doc, "a note ✍", Some(alice.id)).await.unwrap();
    let account = c.insert_mail_account(&mail_account("Mail")).await.unwrap();
    c.insert_mail_rule(&MailRule {
        assign_tags: vec![root.id],
        ..mail_rule("Rule", account.id)
    })
    .await
    .unwrap();
    let at = pd_core::now();
    c.update_sanity_file_records(
        &[],
        &[FileRecord {
            document_id: doc,
            kind: FileKind::Original,
            filename: "2023/Rechnung.pdf".into(),
            size: 1234,
            mtime_ns: 1_700_000_000_123_456_789,
            checksum: crate::fixtures::checksum("Rechnung"),
            verified_at: at,
        }],
    )
    .await
    .unwrap();
    c.insert_sanity_run(&SanityRun {
        started_at: at,
        finished_at: at,
        full_check: true,
        files_hashed: 2,
        bytes_hashed: 5000,
        errors: 1,
        warnings: 0,
    })
    .await
    .unwrap();
    c.insert_rename_journal(
        doc,
        &[(FileKind::Archive, "a.pdf".into(), "b/ä.pdf".into())],
        at,
    )
    .await
    .unwrap();
    drop(c);
    read(db, Database::latest_version()).await
}

store_test!(empty async fn migrating_up_from_empty(db) {
    assert_eq!(db.applied_version().await.unwrap(), 0);
    assert!(db.table_names().await.unwrap().is_empty());
    let latest = Database::latest_version();
    let report = db.migrate().await.unwrap();
    assert_eq!(report.from, 0);
    assert_eq!(report.to, latest);
    assert_eq!(report.applied, versions());
    assert!(report.reverted.is_empty());
    assert_eq!(db.applied_version().await.unwrap(), latest);
    let tables = db.table_names().await.unwrap();
    for t in LIBRARY_TABLES.iter().chain(&MAIL_TABLES) {
        assert!(tables.contains(&t.to_string()), "{t} missing from {tables:?}");
    }
    let again = db.migrate().await.unwrap();
    assert!(again.applied.is_empty() && again.reverted.is_empty());
    assert_eq!((again.from, again.to), (latest, latest));
});

store_test!(async fn each_step_down_and_up_keeps_data(db) {
    let latest = Database::latest_version();
    let full = populate(&db).await;
    assert_eq!(full.documents.len(), 2);
    assert_eq!(full.instances.len(), 10);
    assert_eq!(full.mail_rules.len(), 1);
    assert_eq!(full.file_records.len(), 1);
    assert_eq!(full.sanity_runs.len(), 1);
    assert_eq!(full.rename_journal.len(), 1);
    // What a database at version 1 can hold: everything but mail and later tables.
    let mut library_only = held(&full, 1);
    library_only.documents = full.documents.clone();
    for k in (2..=latest).rev() {
        let below = k - 1;
        assert_eq!(db.applied_version().await.unwrap(), k);
        let down = db.migrate_to(below).await.unwrap();
        assert_eq!((down.from, down.to), (k, below));
        assert_eq!(down.reverted, vec![k]);
        assert_eq!(read(&db, below).await, held(&full, below));
        // Going down drops migration k's tables with their rows; the rest is kept.
        let up = db.migrate_to(k).await.unwrap();
        assert_eq!(up.applied, vec![k]);
        let mut kept = held(&full, below);
        if k >= STORAGE_TYPE {
            // Readable again; 0006 brings the column back with its default.
            kept.documents = full.documents.clone();
        }
        assert_eq!(read(&db, k).await, kept);
        db.migrate_to(below).await.unwrap();
    }
    // Back at the top, the library is whole and mail works again.
    db.migrate().await.unwrap();
    assert_eq!(read(&db, latest).await, library_only);
    let mut c = db.conn().await.unwrap();
    c.insert_mail_account(&mail_account("Mail")).await.unwrap();
    assert_eq!(c.mail_accounts().await.unwrap().len(), 1);
});

store_test!(async fn migrating_to_zero_removes_every_table(db) {
    populate(&db).await;
    let report = db.migrate_to(0).await.unwrap();
    assert_eq!(report.reverted, versions().into_iter().rev().collect::<Vec<_>>());
    assert_eq!(report.to, 0);
    assert_eq!(db.applied_version().await.unwrap(), 0);
    // Only sqlx's bookkeeping table is left.
    assert_eq!(db.table_names().await.unwrap(), vec!["_sqlx_migrations".to_string()]);
    let report = db.migrate().await.unwrap();
    assert_eq!(report.applied, versions());
    let counts = db.conn().await.unwrap().library_counts().await.unwrap();
    assert_eq!(counts, Default::default());
});

store_test!(async fn targets_outside_the_known_range_are_refused(db) {
    let latest = Database::latest_version();
    for target in [latest + 1, -1] {
        match db.migrate_to(target).await {
            Err(Error::Invalid(msg)) => {
                assert!(msg.contains(&target.to_string()), "{msg}");
                assert!(msg.contains(&latest.to_string()), "{msg}");
            }
            other => panic!("expected Invalid for {target}, got {other:?}"),
        }
    }
    assert_eq!(db.applied_version().await.unwrap(), latest);
});

store_test!(async fn a_newer_database_is_refused(db) {
    let latest = Database::latest_version();
    let future = latest + 1;
    let checksum = match db.backend() {
        Backend::Postgres => "'\\x00'::bytea",
        _ => "X'00'",
    };
    let sql = format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ({future}, 'from the future', TRUE, {checksum}, 0)"
    );
    let mut c = db.conn().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(c.connection()).await.unwrap();
    drop(c);
    assert_eq!(db.applied_version().await.unwrap(), future);
    let err = db.migrate().await.unwrap_err();
    assert!(matches!(err, Error::DatabaseTooNew { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("database is at migration {future}, this pd knows up to {latest}")
    );
});

#[tokio::test]
async fn connection_errors_name_the_backend_and_hide_the_password() {
    for (url, backend) in [
        ("postgres://pd:s3cret@127.0.0.1:1/pd", "PostgreSQL"),
        ("mariadb://pd:s3cret@127.0.0.1:1/pd", "MariaDB/MySQL"),
    ] {
        let err = Database::connect(url).await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        assert!(text.contains(backend), "{text}");
        assert!(text.contains("pd:***@127.0.0.1:1"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
    let err = Database::connect("oracle://x").await.unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn sqlite_creates_its_directory_and_sets_every_connection_up() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep/er/pd.sqlite3");
    let db = Database::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    assert!(file.exists());
    // Hold several connections at once so that more than one is set up.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(db.conn().await.unwrap());
    }
    for c in &mut conns {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(c.connection())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(c.connection())
            .await
            .unwrap();
        assert_eq!(fk, 1);
        let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(c.connection())
            .await
            .unwrap();
        assert_eq!(timeout, 10_000);
    }
    drop(conns);
    db.close().await;
}
