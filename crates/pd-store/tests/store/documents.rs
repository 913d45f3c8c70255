//! Documents: round trips, lookups, ASNs, the trash, transactions.

use pd_core::{CustomFieldType, CustomFieldValue, Document, MatchRule, NewDocument, StorageType};
use pd_store::{DocumentFilter, Error, NewTag, NewUser, TrashFilter};
use time::macros::{date, datetime};

use crate::common::store_test;
use crate::fixtures::{ADDED, CREATED, checksum, new_doc};

const TX: &str = "6f1c2a8e-4d3b-4f6a-9c1e-2b7d8e9f0a1b";

fn filter(trash: TrashFilter, ids: Option<Vec<i64>>) -> DocumentFilter {
    DocumentFilter { trash, ids }
}

store_test!(async fn documents_round_trip_every_field(db) {
    let mut c = db.conn().await.unwrap();
    let owner = c.insert_user(&NewUser::new("owner")).await.unwrap();
    let m = MatchRule::default();
    let corr = c.insert_correspondent("ACME", &m, None).await.unwrap();
    let ty = c.insert_document_type("Invoice", &m, None).await.unwrap();
    let path = c.insert_storage_path("P", "{{ title }}", &m, None).await.unwrap();
    let t1 = c.insert_tag(&NewTag::new("a")).await.unwrap();
    let t2 = c.insert_tag(&NewTag::new("b")).await.unwrap();
    let new = NewDocument {
        title: "Ünïcödé – 請求書 🧾".into(),
        content: "line one\nline two\t'quoted' \"double\" ? $1 \\ %".into(),
        created: date!(1999 - 01 - 02),
        added: datetime!(2024-03-04 05:06:07.000089 UTC),
        mime_type: "image/jpeg".into(),
        original_filename: Some("Scan 1.JPG".into()),
        checksum: checksum("orig"),
        archive_checksum: Some(checksum("arch")),
        page_count: Some(12),
        archive_serial_number: Some(7),
        correspondent: Some(corr.id),
        document_type: Some(ty.id),
        storage_path: Some(path.id),
        owner: Some(owner.id),
        tags: vec![t2.id, t1.id, t2.id],
    };
    let id = c.insert_document(&new).await.unwrap();
    let doc = c.document(id).await.unwrap();
    let expected = Document {
        id,
        title: new.title.clone(),
        content: new.content.clone(),
        created: new.created,
        added: new.added,
        modified: new.added,
        mime_type: new.mime_type.clone(),
        original_filename: new.original_filename.clone(),
        filename: None,
        archive_filename: None,
        checksum: new.checksum.clone(),
        archive_checksum: new.archive_checksum.clone(),
        page_count: Some(12),
        archive_serial_number: Some(7),
        correspondent: Some(corr.id),
        document_type: Some(ty.id),
        storage_path: Some(path.id),
        owner: Some(owner.id),
        tags: vec![t1.id, t2.id],
        deleted_at: None,
        restored_at: None,
        transaction_id: None,
        root_document: None,
        version_index: None,
        version_label: None,
        storage_type: StorageType::Unencrypted,
    };
    assert_eq!(doc, expected);

    // Every field but id and added is written back; NULLs survive.
    let other = c.insert_document(&new_doc("other")).await.unwrap();
    let changed = Document {
        title: "x".repeat(128),
        content: String::new(),
        created: date!(2030 - 12 - 31),
        added: datetime!(2000-01-01 0:00 UTC), // ignored
        modified: datetime!(2025-06-07 08:09:10.999999 UTC),
        mime_type: "application/pdf".into(),
        original_filename: None,
        filename: Some("2030/x.pdf".into()),
        archive_filename: Some("2030/x.pdf".into()),
        checksum: checksum("new"),
        archive_checksum: None,
        page_count: None,
        archive_serial_number: None,
        correspondent: None,
        document_type: None,
        storage_path: None,
        owner: None,
        tags: vec![t2.id],
        deleted_at: Some(datetime!(2025-01-01 00:00:00.000001 UTC)),
        restored_at: Some(datetime!(2025-01-02 00:00 UTC)),
        transaction_id: Some(TX.into()),
        root_document: Some(other),
        version_index: Some(2),
        version_label: Some("v2 ✓".into()),
        storage_type: StorageType::Gpg,
        ..doc.clone()
    };
    c.update_document(&changed).await.unwrap();
    assert_eq!(
        c.document(id).await.unwrap(),
        Document { added: doc.added, ..changed.clone() }
    );
    let mut too_long = changed.clone();
    too_long.title = "x".repeat(129);
    assert!(matches!(c.update_document(&too_long).await, Err(Error::Invalid(_))));

    // File names.
    let when = datetime!(2026-01-01 12:00:00.5 UTC);
    c.set_document_files(other, Some("a/b.pdf"), None, when).await.unwrap();
    let o = c.document(other).await.unwrap();
    assert_eq!((o.filename.as_deref(), o.archive_filename, o.modified), (Some("a/b.pdf"), None, when));
    assert!(matches!(
        c.set_document_files(other, Some("2030/x.pdf"), None, when).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        c.set_document_files(other, None, Some("2030/x.pdf"), when).await,
        Err(Error::Conflict(_))
    ));
    c.set_document_files(other, None, None, when).await.unwrap();
    assert_eq!(c.document(other).await.unwrap().filename, None);

    assert!(matches!(c.document(9999).await, Err(Error::NotFound { kind: "document", .. })));
    let mut ghost = changed.clone();
    ghost.id = 9999;
    assert!(matches!(c.update_document(&ghost).await, Err(Error::NotFound { .. })));
    assert!(matches!(
        c.insert_document(&NewDocument { tags: vec![9999], ..new_doc("bad tag") }).await,
        Err(Error::NotFound { kind: "tag", .. })
    ));
});

store_test!(async fn filters_checksums_and_asns(db) {
    let mut c = db.conn().await.unwrap();
    let tag = c.insert_tag(&NewTag::new("t")).await.unwrap();
    let a = c
        .insert_document(&NewDocument { tags: vec![tag.id], ..new_doc("a") })
        .await
        .unwrap();
    let b = c
        .insert_document(&NewDocument {
            archive_checksum: Some(checksum("shared")),
            archive_serial_number: Some(0),
            ..new_doc("b")
        })
        .await
        .unwrap();
    let d = c
        .insert_document(&NewDocument {
            checksum: checksum("shared"),
            archive_serial_number: Some(Document::MAX_ASN),
            tags: vec![tag.id],
            ..new_doc("d")
        })
        .await
        .unwrap();
    c.trash_document(b, ADDED, TX).await.unwrap();

    let ids = |docs: Vec<Document>| docs.into_iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(ids(c.documents(&DocumentFilter::default()).await.unwrap()), vec![a, d]);
    assert_eq!(ids(c.documents(&filter(TrashFilter::Only, None)).await.unwrap()), vec![b]);
    assert_eq!(ids(c.documents(&filter(TrashFilter::Include, None)).await.unwrap()), vec![a, b, d]);
    assert_eq!(
        ids(c.documents(&filter(TrashFilter::Include, Some(vec![d, 9999, b]))).await.unwrap()),
        vec![b, d]
    );
    assert_eq!(ids(c.documents(&filter(TrashFilter::Exclude, Some(vec![b]))).await.unwrap()), Vec::<i64>::new());
    let all = c.documents(&DocumentFilter::default()).await.unwrap();
    assert_eq!(all[0].tags, vec![tag.id]);
    assert_eq!(all[1].tags, vec![tag.id]);
    // Many ids at once.
    let many: Vec<i64> = (1..=1200).collect();
    assert_eq!(ids(c.documents(&filter(TrashFilter::Include, Some(many))).await.unwrap()), vec![a, b, d]);

    // Checksum lookups see the archive checksum and the trash.
    assert_eq!(ids(c.documents_by_checksum(&checksum("shared")).await.unwrap()), vec![b, d]);
    assert_eq!(ids(c.documents_by_checksum(&checksum("a")).await.unwrap()), vec![a]);
    assert!(c.documents_by_checksum("nothing").await.unwrap().is_empty());

    // ASNs: 0 and the maximum are fine, outside is not, and a trashed document keeps its own.
    assert_eq!(c.document_by_asn(0).await.unwrap().map(|d| d.id), Some(b));
    assert_eq!(c.document_by_asn(Document::MAX_ASN).await.unwrap().map(|d| d.id), Some(d));
    assert_eq!(c.document_by_asn(5).await.unwrap(), None);
    for bad in [-1, Document::MAX_ASN + 1] {
        assert!(matches!(
            c.insert_document(&NewDocument { archive_serial_number: Some(bad), ..new_doc("bad") }).await,
            Err(Error::Invalid(_))
        ));
    }
    match c.insert_document(&NewDocument { archive_serial_number: Some(0), ..new_doc("dup") }).await {
        Err(Error::Conflict(msg)) => assert!(msg.contains("trash"), "{msg}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let mut doc_a = c.document(a).await.unwrap();
    doc_a.archive_serial_number = Some(Document::MAX_ASN);
    assert!(matches!(c.update_document(&doc_a).await, Err(Error::Conflict(_))));
    doc_a.archive_serial_number = Some(1);
    c.update_document(&doc_a).await.unwrap();
    assert_eq!(c.document_by_asn(1).await.unwrap().map(|d| d.id), Some(a));
});

store_test!(async fn trash_restore_and_delete(db) {
    let mut c = db.conn().await.unwrap();
    let user = c.insert_user(&NewUser::new("writer")).await.unwrap();
    let field = c
        .insert_custom_field("Amount", CustomFieldType::Integer, None)
        .await
        .unwrap();
    let root = c.insert_document(&new_doc("root")).await.unwrap();
    let version = c.insert_document(&new_doc("version")).await.unwrap();
    let mut v = c.document(version).await.unwrap();
    v.root_document = Some(root);
    v.version_index = Some(1);
    c.update_document(&v).await.unwrap();
    let bystander = c.insert_document(&new_doc("bystander")).await.unwrap();
    let note = c.add_note(root, "keep me", Some(user.id)).await.unwrap();
    c.add_note(version, "version note", None).await.unwrap();
    c.add_note(bystander, "not involved", None).await.unwrap();
    c.set_custom_field_value(root, field.id, Some(&CustomFieldValue::Integer(5)))
        .await
        .unwrap();

    let at = datetime!(2024-05-06 07:08:09.101112 UTC);
    c.trash_document(root, at, TX).await.unwrap();
    for id in [root, version] {
        let d = c.document(id).await.unwrap();
        assert_eq!(d.deleted_at, Some(at), "document {id}");
        assert_eq!(d.transaction_id.as_deref(), Some(TX));
        assert!(d.is_trashed());
        for n in c.notes(id).await.unwrap() {
            assert_eq!(n.deleted_at, Some(at));
        }
    }
    assert_eq!(c.custom_field_instances(root).await.unwrap()[0].deleted_at, Some(at));
    assert_eq!(c.notes(bystander).await.unwrap()[0].deleted_at, None);
    assert!(c.document(bystander).await.unwrap().deleted_at.is_none());
    assert!(matches!(c.trash_document(root, at, TX).await, Err(Error::Invalid(_))));
    assert!(matches!(c.restore_document(bystander, at).await, Err(Error::Invalid(_))));

    let back = datetime!(2024-05-07 00:00:00.000001 UTC);
    c.restore_document(root, back).await.unwrap();
    let r = c.document(root).await.unwrap();
    assert_eq!((r.deleted_at, r.restored_at), (None, Some(back)));
    assert!(c.document(version).await.unwrap().deleted_at.is_none());
    assert_eq!(c.notes(root).await.unwrap(), vec![note.clone()]);
    assert!(c.notes(version).await.unwrap()[0].deleted_at.is_none());
    assert!(c.custom_field_instances(root).await.unwrap()[0].deleted_at.is_none());
    let counts = c.library_counts().await.unwrap();
    assert_eq!((counts.documents, counts.trashed_documents), (3, 0));

    // Hard delete takes the versions, notes, values and tags along.
    c.trash_document(root, at, TX).await.unwrap();
    c.delete_document(root).await.unwrap();
    for id in [root, version] {
        assert!(matches!(c.document(id).await, Err(Error::NotFound { .. })));
        assert!(c.notes(id).await.unwrap().is_empty());
        assert!(c.custom_field_instances(id).await.unwrap().is_empty());
    }
    let counts = c.library_counts().await.unwrap();
    assert_eq!((counts.documents, counts.trashed_documents, counts.notes), (1, 0, 1));
    assert!(matches!(c.delete_document(root).await, Err(Error::NotFound { .. })));
    assert!(matches!(c.trash_document(root, at, TX).await, Err(Error::NotFound { .. })));
});

store_test!(async fn transactions_commit_or_roll_back(db) {
    let mut tx = db.begin().await.unwrap();
    let tag = tx.insert_tag(&NewTag::new("tx tag")).await.unwrap();
    let id = tx
        .insert_document(&NewDocument { tags: vec![tag.id], ..new_doc("in a transaction") })
        .await
        .unwrap();
    assert_eq!(tx.document(id).await.unwrap().tags, vec![tag.id]);
    tx.rollback().await.unwrap();
    let mut c = db.conn().await.unwrap();
    assert!(matches!(c.document(id).await, Err(Error::NotFound { .. })));
    assert!(c.tags().await.unwrap().is_empty());
    drop(c);

    // Dropping a transaction without committing rolls it back too.
    {
        let mut tx = db.begin().await.unwrap();
        tx.insert_document(&new_doc("dropped")).await.unwrap();
    }
    let mut tx = db.begin().await.unwrap();
    let kept = tx.insert_document(&new_doc("committed")).await.unwrap();
    // A failing call inside a transaction leaves the transaction usable.
    assert!(tx.insert_document(&NewDocument { tags: vec![9999], ..new_doc("bad") }).await.is_err());
    tx.commit().await.unwrap();
    let mut c = db.conn().await.unwrap();
    let docs = c.documents(&DocumentFilter::default()).await.unwrap();
    assert_eq!(docs.iter().map(|d| d.id).collect::<Vec<_>>(), vec![kept]);
    assert_eq!(docs[0].created, CREATED);
});

store_test!(async fn decrypted_documents_switch_storage_type_once(db) {
    let mut c = db.conn().await.unwrap();
    let id = c.insert_document(&new_doc("legacy")).await.unwrap();
    let other = c.insert_document(&new_doc("other")).await.unwrap();
    let mut doc = c.document(id).await.unwrap();
    assert_eq!(doc.storage_type, StorageType::Unencrypted);
    doc.storage_type = StorageType::Gpg;
    doc.filename = Some("2020/scan.pdf.gpg".into());
    doc.checksum = "0123456789abcdef0123456789abcdef".into();
    c.update_document(&doc).await.unwrap();
    let stored = c.document(id).await.unwrap();
    assert_eq!(stored.storage_type, StorageType::Gpg);
    assert_eq!(stored.source_filename(), "2020/scan.pdf.gpg");

    // A name another document holds is refused and nothing changes.
    c.set_document_files(other, Some("2020/scan.pdf"), None, ADDED)
        .await
        .unwrap();
    let taken = c
        .set_document_decrypted(id, Some("2020/scan.pdf"), &checksum("plain"), ADDED)
        .await;
    assert!(matches!(taken, Err(Error::Conflict(_))), "{taken:?}");
    assert_eq!(c.document(id).await.unwrap(), stored);

    let at = datetime!(2026-01-02 03:04:05 UTC);
    c.set_document_decrypted(id, Some("2020/scan-1.pdf"), &checksum("plain"), at)
        .await
        .unwrap();
    let plain = c.document(id).await.unwrap();
    assert_eq!(plain.storage_type, StorageType::Unencrypted);
    assert_eq!(plain.filename.as_deref(), Some("2020/scan-1.pdf"));
    assert_eq!(plain.checksum, checksum("plain"));
    assert_eq!(plain.modified, at);
    // A second switch finds nothing encrypted: it is refused, not repeated.
    let again = c
        .set_document_decrypted(id, Some("2020/other.pdf"), &checksum("x"), at)
        .await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    assert_eq!(c.document(id).await.unwrap(), plain);
});
