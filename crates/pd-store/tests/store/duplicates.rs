//! Pairs recorded as "not a duplicate".

use pd_store::{Database, Error};

use crate::common::store_test;
use crate::fixtures::new_doc;

store_test!(async fn duplicate_ignores_round_trip(db) {
    let mut c = db.conn().await.unwrap();
    let a = c.insert_document(&new_doc("a")).await.unwrap();
    let b = c.insert_document(&new_doc("b")).await.unwrap();
    let d = c.insert_document(&new_doc("d")).await.unwrap();
    assert!(c.duplicate_ignores().await.unwrap().is_empty());
    assert!(c.ignore_duplicate_pair(b, a).await.unwrap());
    assert!(!c.ignore_duplicate_pair(a, b).await.unwrap());
    assert!(c.ignore_duplicate_pair(d, a).await.unwrap());
    assert!(c.duplicate_pair_ignored(b, a).await.unwrap());
    assert!(!c.duplicate_pair_ignored(b, d).await.unwrap());
    assert_eq!(c.duplicate_ignores().await.unwrap(), vec![(a, b), (a, d)]);
    assert!(matches!(c.ignore_duplicate_pair(a, a).await, Err(Error::Invalid(_))));
    assert!(matches!(
        c.ignore_duplicate_pair(a, 9999).await,
        Err(Error::NotFound { kind: "document", .. })
    ));
    assert!(c.unignore_duplicate_pair(d, a).await.unwrap());
    assert!(!c.unignore_duplicate_pair(d, a).await.unwrap());
    // Removing a document for good removes its pairs.
    let mut tx = db.begin().await.unwrap();
    tx.trash_document(b, pd_core::now(), "t").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(c.duplicate_ignores().await.unwrap(), vec![(a, b)]);
    drop(c);
    let mut c = db.conn().await.unwrap();
    c.delete_document(b).await.unwrap();
    assert!(c.duplicate_ignores().await.unwrap().is_empty());
    assert!(Database::latest_version() >= 4);
});
