//! Rows written with the ids an export gives them, and kept paperless-ngx records.

use pd_core::{Correspondent, MatchRule, Tag};
use pd_store::NewTag;
use pd_store::db::{IdTable, PaperlessRecord};

use crate::common::store_test;

store_test!(async fn rows_keep_their_ids_and_sequences_move_past_them(db) {
    let mut tx = db.begin().await.unwrap();
    let c = Correspondent { id: 42, name: "ACME".into(), matching: MatchRule::default(), owner: None };
    tx.import_correspondent(&c).await.unwrap();
    let parent = Tag {
        id: 7, name: "parent".into(), matching: MatchRule::default(), owner: None,
        color: "#112233".into(), is_inbox_tag: true, parent: None,
    };
    let child = Tag { id: 9, name: "child".into(), parent: Some(7), is_inbox_tag: false, ..parent.clone() };
    tx.import_tag(&parent).await.unwrap();
    tx.import_tag(&child).await.unwrap();
    tx.reset_id_sequences().await.unwrap();
    tx.commit().await.unwrap();

    let mut c2 = db.conn().await.unwrap();
    assert_eq!(c2.correspondent(42).await.unwrap(), c);
    assert_eq!(c2.tag(9).await.unwrap(), child);
    assert_eq!(c2.max_id(IdTable::Tags).await.unwrap(), 9);
    let next = c2.insert_tag(&NewTag::new("next")).await.unwrap();
    assert!(next.id > 9, "{}", next.id);
    let next = c2.insert_correspondent("B", &MatchRule::default(), None).await.unwrap();
    assert!(next.id > 42, "{}", next.id);
});

store_test!(async fn paperless_records_are_kept_verbatim_once(db) {
    let mut c = db.conn().await.unwrap();
    let record = serde_json::json!({"model": "auth.permission", "pk": 3,
        "fields": {"name": "Can add ünïcode", "codename": "add_x", "content_type": 1}});
    let kept = PaperlessRecord { model: "auth.permission".into(), pk: "3".into(), record: record.clone() };
    assert!(c.insert_paperless_record(&kept).await.unwrap());
    assert!(!c.insert_paperless_record(&kept).await.unwrap());
    let other = PaperlessRecord { model: "documents.savedview".into(), pk: "3".into(), record: serde_json::json!({}) };
    assert!(c.insert_paperless_record(&other).await.unwrap());
    let all = c.paperless_records().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0], kept);
});
