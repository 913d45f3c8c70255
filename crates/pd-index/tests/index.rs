//! The index built from a real store: query forms, ranking, following changes, stale
//! and corrupt indexes rebuilt, an interrupted rebuild resumed.

use std::ops::ControlFlow;

use pd_core::{Config, Id, MatchRule, NewDocument};
use pd_index::{
    IndexSync, ReindexOptions, SearchIndex, SearchLanguage, SearchOptions, index_dir, open_current,
    reindex,
};
use pd_store::Store;
use pd_store::db::NewTag;
use time::macros::{date, datetime};

struct Library {
    _dir: tempfile::TempDir,
    store: Store,
}

fn new_doc(title: &str, content: &str, created: time::Date) -> NewDocument {
    NewDocument {
        title: title.into(),
        content: content.into(),
        created,
        added: datetime!(2024-05-10 09:00 UTC),
        mime_type: "text/plain".into(),
        original_filename: Some(format!("{title}.txt")),
        checksum: format!("{:064x}", title.len() * 7919 + content.len()),
        archive_checksum: None,
        page_count: Some(1),
        archive_serial_number: None,
        correspondent: None,
        document_type: None,
        storage_path: None,
        owner: None,
        tags: vec![],
    }
}

async fn library() -> Library {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(&Config::for_data_dir(dir.path().join("data")))
        .await
        .unwrap();
    let mut conn = store.db().conn().await.unwrap();
    let acme = conn
        .insert_correspondent("ACME Power", &MatchRule::default(), None)
        .await
        .unwrap();
    let bills = conn.insert_tag(&NewTag::new("Bills")).await.unwrap();
    let mut a = new_doc(
        "Electricity bill",
        "Your electricity invoice for March. Amount due 120 EUR.",
        date!(2021 - 03 - 31),
    );
    a.correspondent = Some(acme.id);
    a.tags = vec![bills.id];
    a.archive_serial_number = Some(42);
    let a = conn.insert_document(&a).await.unwrap();
    conn.add_note(a, "call them about the meter", None)
        .await
        .unwrap();
    let b = new_doc(
        "Holiday letter",
        "Dear Anna, the holiday in Müller's cabin was lovely.",
        date!(2020 - 07 - 01),
    );
    conn.insert_document(&b).await.unwrap();
    let c = new_doc(
        "Water invoice",
        "Water invoice invoice invoice for 2022, amount due.",
        date!(2022 - 01 - 15),
    );
    conn.insert_document(&c).await.unwrap();
    drop(conn);
    Library { _dir: dir, store }
}

fn opts() -> SearchOptions {
    SearchOptions {
        now: datetime!(2022-01-20 12:00 UTC),
        ..SearchOptions::default()
    }
}

fn ids(index: &SearchIndex, q: &str) -> Vec<Id> {
    let found = index
        .search(q, &opts())
        .unwrap_or_else(|e| panic!("{q}: {e}"));
    let mut ids: Vec<Id> = found.hits.iter().map(|h| h.id).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn every_query_form_on_a_real_index() {
    let lib = library().await;
    let (index, rebuilt) = open_current(&lib.store).await.unwrap();
    assert!(rebuilt.is_some(), "a library without an index gets one");
    let cases: &[(&str, &[Id])] = &[
        ("invoice", &[1, 3]),
        ("invoices", &[1, 3]), // stemmed
        ("muller", &[2]),      // ASCII-folded
        ("\"amount due\"", &[1, 3]),
        ("\"due amount\"", &[]),
        ("invoice AND water", &[3]),
        ("electricity OR holiday", &[1, 2]),
        ("invoice NOT water", &[1]),
        ("invoice -water", &[1]),
        ("title:bill", &[1]),
        ("content:bill", &[]),
        ("correspondent:acme", &[1]),
        ("tag:bills", &[1]),
        ("bills", &[1]), // tags are searched by default
        ("notes:meter", &[1]),
        ("meter", &[]), // notes are not
        ("asn:42", &[1]),
        ("asn:[40 to 50]", &[1]),
        ("created:2021", &[1]),
        ("created:[2020 to 2021]", &[1, 2]),
        ("created:[2021 to 2020]", &[1, 2]), // reversed bounds are swapped
        ("created:[2022-01-01 to]", &[3]),
        ("created:\"this year\"", &[3]),
        ("created:\"previous year\"", &[1]),
        ("added:[2024 to 2024]", &[1, 2, 3]),
        ("added:yesterday", &[]),
        ("invoise~", &[1, 3]), // fuzzy, on stems
        ("watr~1", &[3]),
        ("holi*", &[2]),
        ("original_filename:holiday", &[2]),
        ("page_count:1 water", &[3]),
    ];
    for (q, expected) in cases {
        assert_eq!(ids(&index, q), *expected, "{q}");
    }
    // A malformed query is an error that says why, never a panic.
    let err = index.search("title:(bill", &opts()).unwrap_err();
    assert!(err.to_string().contains("never closed"), "{err}");
    let err = index.search("created:soon", &opts()).unwrap_err();
    assert!(
        err.to_string().contains("invalid date value \"soon\""),
        "{err}"
    );
}

#[tokio::test]
async fn ranking_snippets_paging_and_more_like_this() {
    let lib = library().await;
    let (index, _) = open_current(&lib.store).await.unwrap();
    let found = index.search("invoice", &opts()).unwrap();
    assert_eq!(found.total, 2);
    // Both have "invoice" in the title; four mentions beat one.
    assert_eq!(found.hits[0].id, 3);
    assert_eq!(found.hits[0].score, 1.0);
    assert!(found.hits[1].score < 1.0);
    let hl = &found.hits[0].highlights[0];
    let (s, e) = hl.matches[0];
    assert_eq!(hl.fragment[s..e].to_lowercase(), "invoice");
    let page2 = SearchOptions {
        page: 2,
        page_size: 1,
        ..opts()
    };
    let page2 = index.search("invoice", &page2).unwrap();
    assert_eq!((page2.total, page2.hits.len(), page2.hits[0].id), (2, 1, 1));
    // More like this: the other invoice first, never the document itself.
    let like = index.more_like_this(3, &opts()).unwrap();
    assert!(!like.hits.iter().any(|h| h.id == 3));
    assert_eq!(like.hits.first().map(|h| h.id), Some(1));
    assert!(matches!(
        index.more_like_this(99, &opts()),
        Err(pd_index::Error::NotIndexed(99))
    ));
}

#[tokio::test]
async fn the_index_follows_changes_and_detects_what_it_missed() {
    let lib = library().await;
    drop(open_current(&lib.store).await.unwrap());
    // A change bracketed by IndexSync is applied and the index stays current.
    let sync = IndexSync::begin(&lib.store).await.unwrap();
    lib.store.trash_document(3).await.unwrap();
    let report = sync.finish(&lib.store, &[3]).await.unwrap();
    assert_eq!((report.indexed, report.removed, report.stale), (0, 1, None));
    let (index, rebuilt) = open_current(&lib.store).await.unwrap();
    assert_eq!(rebuilt, None);
    assert_eq!(ids(&index, "invoice"), [1]);
    drop(index);
    let sync = IndexSync::begin(&lib.store).await.unwrap();
    lib.store.restore_document(3).await.unwrap();
    sync.finish(&lib.store, &[3]).await.unwrap();
    let (index, rebuilt) = open_current(&lib.store).await.unwrap();
    assert_eq!(rebuilt, None);
    assert_eq!(ids(&index, "invoice"), [1, 3]);
    drop(index);
    // A change the index did not see (a tag renamed) is detected and the index rebuilt.
    let mut conn = lib.store.db().conn().await.unwrap();
    let mut tag = conn.tag(1).await.unwrap();
    tag.name = "Utilities".into();
    conn.update_tag(&tag).await.unwrap();
    drop(conn);
    let (index, rebuilt) = open_current(&lib.store).await.unwrap();
    assert!(rebuilt.unwrap().contains("library changed"));
    assert_eq!(ids(&index, "tag:utilities"), [1]);
}

#[tokio::test]
async fn stale_or_corrupt_indexes_are_rebuilt() {
    let lib = library().await;
    let dir = index_dir(lib.store.config());
    drop(open_current(&lib.store).await.unwrap());
    // Built for another language: rebuilt.
    let settings = dir.join("pd-index.json");
    let text = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, text.replace("\"english\"", "\"german\"")).unwrap();
    let (index, why) = open_current(&lib.store).await.unwrap();
    assert!(why.unwrap().contains("language"));
    drop(index);
    // Garbled files: detected, rebuilt, never trusted.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".idx") || name.ends_with(".store") || name.ends_with(".term") {
            std::fs::write(&path, b"garbage").unwrap();
        }
    }
    let language = SearchLanguage::from_ocr("eng");
    assert!(matches!(
        SearchIndex::open(&dir, language),
        Err(pd_index::Error::NeedsRebuild(_))
    ));
    let (index, why) = open_current(&lib.store).await.unwrap();
    assert!(why.unwrap().contains("damaged"));
    assert_eq!(ids(&index, "invoice"), [1, 3]);
}

#[tokio::test]
async fn an_interrupted_rebuild_resumes() {
    let lib = library().await;
    let opts = ReindexOptions {
        batch_size: 1,
        restart: false,
    };
    let mut batches = 0;
    let first = reindex(&lib.store, &opts, &mut |_, _| {
        batches += 1;
        if batches == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .await
    .unwrap();
    assert!(first.interrupted);
    assert_eq!((first.indexed, first.documents), (2, 2));
    let second = reindex(&lib.store, &opts, &mut |_, _| ControlFlow::Continue(()))
        .await
        .unwrap();
    assert_eq!(second.resumed_after, Some(2));
    assert_eq!(
        (second.indexed, second.documents, second.interrupted),
        (1, 3, false)
    );
    let (index, rebuilt) = open_current(&lib.store).await.unwrap();
    assert_eq!(rebuilt, None);
    assert_eq!(ids(&index, "invoice"), [1, 3]);
    // Optimize merges the batches' segments into one.
    let report = index.optimize().unwrap();
    assert!(report.segments_before >= 2, "{report:?}");
    assert_eq!((report.segments_after, report.documents), (1, 3));
}
