//! Correspondents, document types, storage paths and tags.

use pd_core::{MatchRule, MatchingAlgorithm, Tag};
use pd_store::{Error, NewTag, NewUser};

use crate::common::store_test;
use crate::fixtures::new_doc;

fn rule(algorithm: MatchingAlgorithm) -> MatchRule {
    MatchRule {
        pattern: "Ünïcödé [a-z]+ 日本".into(),
        algorithm,
        is_insensitive: false,
    }
}

fn conflict(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Conflict(msg)) => msg,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn invalid(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Invalid(msg)) => msg,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

store_test!(async fn correspondents_types_and_paths_round_trip(db) {
    let mut c = db.conn().await.unwrap();
    let owner = c.insert_user(&NewUser::new("owner")).await.unwrap();
    for algorithm in MatchingAlgorithm::ALL {
        let name = format!("Körper {algorithm}");
        let made = c
            .insert_correspondent(&name, &rule(algorithm), Some(owner.id))
            .await
            .unwrap();
        assert_eq!(c.correspondent(made.id).await.unwrap(), made);
        assert_eq!(made.matching.algorithm, algorithm);
    }
    let all = c.correspondents().await.unwrap();
    assert_eq!(all.len(), MatchingAlgorithm::ALL.len());
    let names: Vec<_> = all.iter().map(|x| x.name.clone()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by name");

    let t = c
        .insert_document_type("Rechnung", &MatchRule::default(), None)
        .await
        .unwrap();
    assert_eq!(t.matching, MatchRule::default());
    assert_eq!(c.document_type(t.id).await.unwrap(), t);
    assert_eq!(c.document_type_by_name("Rechnung").await.unwrap(), Some(t.clone()));
    assert_eq!(c.document_type_by_name("nope").await.unwrap(), None);
    assert_eq!(c.document_types().await.unwrap(), vec![t.clone()]);

    let p = c
        .insert_storage_path("Jahr", "{{ created_year }}/{{ title }}", &rule(MatchingAlgorithm::Regex), None)
        .await
        .unwrap();
    assert_eq!(c.storage_path(p.id).await.unwrap(), p);
    let mut changed = p.clone();
    changed.name = "Year".into();
    changed.path = "{{ correspondent }}/{{ title }}".into();
    changed.matching = MatchRule::default();
    changed.owner = Some(owner.id);
    c.update_storage_path(&changed).await.unwrap();
    assert_eq!(c.storage_path(p.id).await.unwrap(), changed);
    assert_eq!(c.storage_paths().await.unwrap(), vec![changed.clone()]);

    // Deleting leaves documents in place without the object.
    let corr = all[0].clone();
    let doc = c
        .insert_document(&pd_core::NewDocument {
            correspondent: Some(corr.id),
            document_type: Some(t.id),
            storage_path: Some(p.id),
            ..new_doc("filed")
        })
        .await
        .unwrap();
    c.delete_correspondent(corr.id).await.unwrap();
    c.delete_document_type(t.id).await.unwrap();
    c.delete_storage_path(p.id).await.unwrap();
    let doc = c.document(doc).await.unwrap();
    assert_eq!((doc.correspondent, doc.document_type, doc.storage_path), (None, None, None));
    assert!(matches!(c.correspondent(corr.id).await, Err(Error::NotFound { kind: "correspondent", .. })));
    assert!(matches!(c.delete_document_type(t.id).await, Err(Error::NotFound { .. })));
    assert!(matches!(c.update_storage_path(&changed).await, Err(Error::NotFound { .. })));
});

store_test!(async fn names_are_unique_per_owner_and_among_unowned(db) {
    let mut c = db.conn().await.unwrap();
    let u1 = c.insert_user(&NewUser::new("u1")).await.unwrap();
    let u2 = c.insert_user(&NewUser::new("u2")).await.unwrap();
    let m = MatchRule::default();

    let bank = c.insert_correspondent("Bank", &m, None).await.unwrap();
    assert_eq!(
        conflict(c.insert_correspondent("Bank", &m, None).await),
        "a correspondent named \"Bank\" already exists"
    );
    // Names are compared exactly.
    c.insert_correspondent("bank", &m, None).await.unwrap();
    let owned = c.insert_correspondent("Bank", &m, Some(u1.id)).await.unwrap();
    conflict(c.insert_correspondent("Bank", &m, Some(u1.id)).await);
    c.insert_correspondent("Bank", &m, Some(u2.id)).await.unwrap();
    // The unowned one is found by name.
    assert_eq!(c.correspondent_by_name("Bank").await.unwrap(), Some(bank.clone()));
    // Renaming or re-owning onto a taken name is refused too.
    let mut moved = owned.clone();
    moved.owner = Some(u2.id);
    conflict(c.update_correspondent(&moved).await);
    moved.owner = None;
    conflict(c.update_correspondent(&moved).await);
    // Saving an object unchanged is not a conflict with itself.
    c.update_correspondent(&bank).await.unwrap();

    c.insert_document_type("Letter", &m, None).await.unwrap();
    assert_eq!(
        conflict(c.insert_document_type("Letter", &m, None).await),
        "a document type named \"Letter\" already exists"
    );
    c.insert_document_type("Letter", &m, Some(u1.id)).await.unwrap();
    c.insert_storage_path("Path", "x", &m, Some(u1.id)).await.unwrap();
    assert_eq!(
        conflict(c.insert_storage_path("Path", "y", &m, Some(u1.id)).await),
        "a storage path named \"Path\" already exists"
    );
    c.insert_storage_path("Path", "x", &m, None).await.unwrap();
    c.insert_tag(&NewTag::new("X")).await.unwrap();
    assert_eq!(
        conflict(c.insert_tag(&NewTag::new("X")).await),
        "a tag named \"X\" already exists"
    );
    c.insert_tag(&NewTag { owner: Some(u2.id), ..NewTag::new("X") }).await.unwrap();

    invalid(c.insert_correspondent("", &m, None).await);
    invalid(c.insert_correspondent(&"n".repeat(129), &m, None).await);
    c.insert_correspondent(&"ñ".repeat(128), &m, None).await.unwrap();
});

store_test!(async fn tags_round_trip(db) {
    let mut c = db.conn().await.unwrap();
    let owner = c.insert_user(&NewUser::new("owner")).await.unwrap();
    let inbox = c
        .insert_tag(&NewTag {
            name: "Posteingang 📥".into(),
            matching: rule(MatchingAlgorithm::Fuzzy),
            owner: Some(owner.id),
            color: "#A1b2C3".into(),
            is_inbox_tag: true,
            parent: None,
        })
        .await
        .unwrap();
    assert_eq!(c.tag(inbox.id).await.unwrap(), inbox);
    assert!(inbox.is_inbox_tag);
    let plain = c.insert_tag(&NewTag::new("plain")).await.unwrap();
    assert_eq!(plain.color, Tag::DEFAULT_COLOR);
    assert!(!plain.is_inbox_tag);
    assert_eq!(c.tag_by_name("plain").await.unwrap(), Some(plain.clone()));
    assert_eq!(c.tags().await.unwrap(), vec![inbox.clone(), plain.clone()]);

    let mut changed = plain.clone();
    changed.color = "#000000".into();
    changed.is_inbox_tag = true;
    changed.parent = Some(inbox.id);
    c.update_tag(&changed).await.unwrap();
    assert_eq!(c.tag(plain.id).await.unwrap(), changed);

    for bad in ["red", "#12345", "#1234567", "#12345g"] {
        invalid(c.insert_tag(&NewTag { color: bad.into(), ..NewTag::new("bad") }).await);
        let mut t = changed.clone();
        t.color = bad.into();
        invalid(c.update_tag(&t).await);
    }
    assert!(matches!(
        c.insert_tag(&NewTag { parent: Some(9999), ..NewTag::new("orphan") }).await,
        Err(Error::NotFound { kind: "tag", .. })
    ));
});

store_test!(async fn tag_hierarchy_rules(db) {
    let mut c = db.conn().await.unwrap();
    // A chain of five levels: t[0] is the root.
    let mut chain: Vec<Tag> = Vec::new();
    for level in 0..5 {
        let parent = chain.last().map(|t| t.id);
        chain.push(
            c.insert_tag(&NewTag { parent, ..NewTag::new(format!("level {}", level + 1)) })
                .await
                .unwrap(),
        );
    }
    let ids: Vec<_> = chain.iter().map(|t| t.id).collect();
    assert_eq!(c.tag_ancestors(ids[4]).await.unwrap(), vec![ids[3], ids[2], ids[1], ids[0]]);
    assert!(c.tag_ancestors(ids[0]).await.unwrap().is_empty());

    // A sixth level is too deep.
    assert_eq!(
        invalid(c.insert_tag(&NewTag { parent: Some(ids[4]), ..NewTag::new("level 6") }).await),
        "Maximum nesting depth exceeded."
    );
    // Itself and its descendants cannot be its parent.
    let mut t = chain[1].clone();
    t.parent = Some(t.id);
    assert_eq!(invalid(c.update_tag(&t).await), "Cannot set itself as parent.");
    t.parent = Some(ids[3]);
    assert_eq!(invalid(c.update_tag(&t).await), "Cannot set parent to a descendant.");
    // Moving a subtree so that it ends deeper than five levels is refused.
    let other = c.insert_tag(&NewTag::new("other root")).await.unwrap();
    let other_child = c
        .insert_tag(&NewTag { parent: Some(other.id), ..NewTag::new("other child") })
        .await
        .unwrap();
    let mut sub = chain[3].clone(); // levels 4 and 5: a subtree two levels high
    sub.parent = Some(ids[3 - 1]);
    c.update_tag(&sub).await.unwrap();
    sub.parent = Some(other_child.id); // 2 + 2 = 4 levels: fine
    c.update_tag(&sub).await.unwrap();
    let mut whole = chain[0].clone(); // five levels high, now three (level 4 moved away)
    whole.parent = Some(other_child.id); // 2 + 3 = 5 levels: fine
    c.update_tag(&whole).await.unwrap();
    let mut too_deep = other.clone();
    let grand = c
        .insert_tag(&NewTag { parent: None, ..NewTag::new("new root") })
        .await
        .unwrap();
    too_deep.parent = Some(grand.id); // other's subtree is five high: 1 + 5 = 6
    assert_eq!(invalid(c.update_tag(&too_deep).await), "Maximum nesting depth exceeded.");

    // Deleting a tag deletes its subtree and takes it off documents.
    let doc = c
        .insert_document(&pd_core::NewDocument {
            tags: vec![ids[4], ids[1], grand.id],
            ..new_doc("tagged")
        })
        .await
        .unwrap();
    c.delete_tag(other.id).await.unwrap();
    let left: Vec<_> = c.tags().await.unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(left, vec![grand.id]);
    assert_eq!(c.document(doc).await.unwrap().tags, vec![grand.id]);
    assert!(matches!(c.delete_tag(other.id).await, Err(Error::NotFound { .. })));
    assert!(matches!(c.tag_ancestors(ids[4]).await, Err(Error::NotFound { .. })));
});
