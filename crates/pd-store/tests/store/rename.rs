//! The renamer: moves, collisions, problems reported before any move, journal replay.

use pd_core::MatchRule;
use pd_store::db::FileKind;
use pd_store::rename::{ProblemKind, RenameOptions, rename};

use crate::common::store_test;
use crate::library::{Files, Library, write};

fn with_format(db: pd_store::Database, format: &str) -> Library {
    Library::with_config(db, |c| c.filename_format = Some(format.into()))
}

fn apply() -> RenameOptions {
    RenameOptions::default()
}

store_test!(async fn files_follow_the_format_and_the_database_follows_the_files(db) {
    let lib = with_format(db, "{{ title }}/{{ title }}");
    let a = lib.add("alpha", Files { archive: Some(b"arch a"), ..Files::default() }).await;
    let b = lib.add("beta", Files::default()).await;
    let dry = rename(&lib.store, &RenameOptions { dry_run: true, ..apply() }).await.unwrap();
    assert_eq!(dry.moves.len(), 3);
    assert!(dry.moves.iter().all(|m| !m.done));
    assert_eq!(lib.document(a.id).await.filename.as_deref(), Some("0000001.pdf"));

    let report = rename(&lib.store, &apply()).await.unwrap();
    assert!(!report.has_failures(), "{report:#?}");
    assert!(report.moves.iter().all(|m| m.done));
    let a = lib.document(a.id).await;
    let b = lib.document(b.id).await;
    assert_eq!(a.filename.as_deref(), Some("alpha/alpha.pdf"));
    assert_eq!(a.archive_filename.as_deref(), Some("alpha/alpha.pdf"));
    assert_eq!(b.filename.as_deref(), Some("beta/beta.pdf"));
    assert_eq!(
        Library::files_below(&lib.originals()),
        vec!["alpha/alpha.pdf", "beta/beta.pdf"]
    );
    let journal = lib.store.db().conn().await.unwrap().rename_journal().await.unwrap();
    assert!(journal.is_empty());
    // Nothing left to do.
    let again = rename(&lib.store, &apply()).await.unwrap();
    assert!(again.moves.is_empty(), "{again:#?}");

    // Old folders are removed once empty.
    let mut a = a;
    a.title = "gamma".into();
    lib.save(&a).await;
    let one = rename(&lib.store, &RenameOptions { ids: Some(vec![a.id]), ..apply() }).await.unwrap();
    assert_eq!(one.moves.len(), 2);
    assert_eq!(
        Library::files_below(&lib.originals()),
        vec!["beta/beta.pdf", "gamma/gamma.pdf"]
    );
    let report = pd_store::sanity::check(&lib.store, &Default::default()).await.unwrap();
    assert_eq!(report.worst_level(), None, "{report:#?}");
});

store_test!(async fn collisions_get_suffixes_and_are_reported(db) {
    let lib = with_format(db, "{{ title }}");
    let a = lib.add("same", Files { original: b"a", ..Files::default() }).await;
    let b = lib.add("same", Files { original: b"b", ..Files::default() }).await;
    let c = lib.add("foreign", Files { original: b"c", ..Files::default() }).await;
    write(&lib.originals().join("foreign.pdf"), b"not ours");
    let report = rename(&lib.store, &apply()).await.unwrap();
    assert!(!report.has_failures(), "{report:#?}");
    assert_eq!(lib.document(a.id).await.filename.as_deref(), Some("same.pdf"));
    assert_eq!(lib.document(b.id).await.filename.as_deref(), Some("same_01.pdf"));
    assert_eq!(lib.document(c.id).await.filename.as_deref(), Some("foreign_01.pdf"));
    let mut collisions: Vec<_> = report
        .moves
        .iter()
        .filter_map(|m| m.collision.as_ref().map(|c| (m.document_id, c.wanted.clone(), c.taken_by)))
        .collect();
    collisions.sort();
    assert_eq!(
        collisions,
        vec![(b.id, "same.pdf".to_string(), Some(a.id)), (c.id, "foreign.pdf".to_string(), None)]
    );
    assert_eq!(std::fs::read(lib.originals().join("foreign.pdf")).unwrap(), b"not ours");
});

store_test!(async fn a_name_freed_in_the_same_run_is_used_without_suffix(db) {
    let lib = with_format(db, "{{ title }}");
    let a = lib.add("x", Files { original: b"a", ..Files::default() }).await;
    let b = lib.add("y", Files { original: b"b", ..Files::default() }).await;
    rename(&lib.store, &apply()).await.unwrap();
    // Now a wants b's name and b wants a new one.
    let mut a = lib.document(a.id).await;
    let mut b = lib.document(b.id).await;
    a.title = "y".into();
    b.title = "z".into();
    lib.save(&a).await;
    lib.save(&b).await;
    let report = rename(&lib.store, &apply()).await.unwrap();
    assert!(report.moves.iter().all(|m| m.collision.is_none()), "{report:#?}");
    assert_eq!(lib.document(a.id).await.filename.as_deref(), Some("y.pdf"));
    assert_eq!(lib.document(b.id).await.filename.as_deref(), Some("z.pdf"));
    assert_eq!(std::fs::read(lib.originals().join("y.pdf")).unwrap(), b"a");
    // A cycle: both want the other's name; suffixes break it and nothing is lost.
    let mut a = lib.document(a.id).await;
    let mut b = lib.document(b.id).await;
    a.title = "z".into();
    b.title = "y".into();
    lib.save(&a).await;
    lib.save(&b).await;
    let report = rename(&lib.store, &apply()).await.unwrap();
    assert!(!report.has_failures(), "{report:#?}");
    let a = lib.document(a.id).await;
    let b = lib.document(b.id).await;
    assert_eq!(std::fs::read(lib.originals().join(a.filename.unwrap())).unwrap(), b"a");
    assert_eq!(std::fs::read(lib.originals().join(b.filename.unwrap())).unwrap(), b"b");
});

store_test!(async fn problems_are_reported_and_leave_their_documents_alone(db) {
    let lib = with_format(db, "{{ title }}");
    let mut conn = lib.store.db().conn().await.unwrap();
    let escape = conn
        .insert_storage_path("escape", "../../{{ title }}", &MatchRule::default(), None)
        .await
        .unwrap();
    let long = conn
        .insert_storage_path(
            "long",
            "{{ title }}{{ title }}{{ title }}{{ title }}",
            &MatchRule::default(),
            None,
        )
        .await
        .unwrap();
    let broken = conn
        .insert_storage_path("broken", "{{ title ", &MatchRule::default(), None)
        .await
        .unwrap();
    drop(conn);
    let mut ids = Vec::new();
    for (title, path) in [("escaping", escape.id), (&"t".repeat(100), long.id), ("broken", broken.id)] {
        let mut doc = lib.add(title, Files { original: title.as_bytes(), ..Files::default() }).await;
        doc.storage_path = Some(path);
        lib.save(&doc).await;
        ids.push(doc.id);
    }
    let gone = lib.add("gone", Files { original: b"gone", ..Files::default() }).await;
    std::fs::remove_file(lib.store.media().original_path(&gone).unwrap()).unwrap();
    let fine = lib.add("fine", Files { original: b"fine", ..Files::default() }).await;

    let report = rename(&lib.store, &apply()).await.unwrap();
    let problems: Vec<_> = report.problems.iter().map(|p| (p.document_id, p.problem)).collect();
    assert_eq!(
        problems,
        vec![
            (ids[0], ProblemKind::UnsafePath),
            (ids[1], ProblemKind::NameTooLong),
            (ids[2], ProblemKind::TemplateFailed),
            (gone.id, ProblemKind::SourceMissing),
        ]
    );
    assert!(report.has_failures());
    for id in ids {
        assert_eq!(lib.document(id).await.filename, Some(format!("{id:07}.pdf")));
    }
    assert_eq!(lib.document(fine.id).await.filename.as_deref(), Some("fine.pdf"));
});

store_test!(async fn the_journal_is_replayed_after_a_crash(db) {
    let lib = with_format(db, "{{ title }}");
    let moved = lib.add("moved", Files { original: b"m", ..Files::default() }).await;
    let unmoved = lib.add("unmoved", Files { original: b"u", ..Files::default() }).await;
    let linked = lib.add("linked", Files { original: b"l", ..Files::default() }).await;
    let dir = lib.originals();
    let mut conn = lib.store.db().conn().await.unwrap();
    let now = pd_core::now();
    for (doc, to) in [(&moved, "moved.pdf"), (&unmoved, "unmoved.pdf"), (&linked, "linked.pdf")] {
        let from = doc.filename.clone().unwrap();
        conn.insert_rename_journal(doc.id, &[(FileKind::Original, from, to.into())], now)
            .await
            .unwrap();
    }
    drop(conn);
    // Crashed after the move, before the database update; before the move; and between
    // the link and the removal of the old name.
    std::fs::rename(dir.join("0000001.pdf"), dir.join("moved.pdf")).unwrap();
    std::fs::hard_link(dir.join("0000003.pdf"), dir.join("linked.pdf")).unwrap();

    let sanity = pd_store::sanity::check(&lib.store, &Default::default()).await.unwrap();
    let interrupted = sanity
        .documents
        .iter()
        .flat_map(|d| &d.issues)
        .filter(|i| i.kind == pd_store::sanity::IssueKind::InterruptedRename)
        .count();
    assert_eq!(interrupted, 3);

    let dry = rename(&lib.store, &RenameOptions { dry_run: true, ..apply() }).await.unwrap();
    assert_eq!(dry.recovered.len(), 3);
    assert_eq!(lib.document(moved.id).await.filename.as_deref(), Some("0000001.pdf"));

    let report = rename(&lib.store, &apply()).await.unwrap();
    assert_eq!(report.recovered.len(), 3, "{report:#?}");
    assert!(!report.has_failures(), "{report:#?}");
    for (doc, name, bytes) in [(&moved, "moved.pdf", b"m"), (&unmoved, "unmoved.pdf", b"u"), (&linked, "linked.pdf", b"l")] {
        let doc = lib.document(doc.id).await;
        assert_eq!(doc.filename.as_deref(), Some(name));
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), bytes);
    }
    assert_eq!(Library::files_below(&dir), vec!["linked.pdf", "moved.pdf", "unmoved.pdf"]);
    let clean = pd_store::sanity::check(&lib.store, &Default::default()).await.unwrap();
    assert_eq!(clean.worst_level(), None, "{clean:#?}");
});
