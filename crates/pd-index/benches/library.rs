//! A generated library for the index benches: the duplicate bench's letters and
//! invoices (2.5 kB each), stored in a SQLite library with tags and correspondents.

use pd_core::{Config, MatchRule, NewDocument};
use pd_store::Store;
use pd_store::db::NewTag;

#[path = "../../pd-match/benches/duplicates/corpus.rs"]
mod generator;

/// A library of `docs` generated documents in `dir`.
pub async fn build(dir: &std::path::Path, docs: usize) -> Store {
    let store = Store::init(&Config::for_data_dir(dir))
        .await
        .expect("library");
    let mut tx = store.db().begin().await.expect("transaction");
    let mut correspondents = Vec::new();
    for name in [
        "ACME Power",
        "City Water",
        "Dr. Smith",
        "Bank of Examples",
        "Insurer",
    ] {
        let c = tx
            .insert_correspondent(name, &MatchRule::default(), None)
            .await
            .expect("c");
        correspondents.push(c.id);
    }
    let mut tags = Vec::new();
    for name in ["Bills", "Health", "Taxes", "Insurance", "Travel", "Home"] {
        tags.push(tx.insert_tag(&NewTag::new(name)).await.expect("tag").id);
    }
    for (i, d) in generator::generate(docs, 42).into_iter().enumerate() {
        let year = 2015 + (i % 10) as i32;
        let created = time::Date::from_calendar_date(year, time::Month::March, 1 + (i % 28) as u8)
            .expect("date");
        let doc = NewDocument {
            title: d.title,
            content: d.content,
            created,
            added: pd_core::now(),
            mime_type: "text/plain".into(),
            original_filename: Some(format!("{i:06}.txt")),
            checksum: format!("{i:064x}"),
            archive_checksum: None,
            page_count: Some(1 + (i % 3) as i32),
            archive_serial_number: Some(i as i64 + 1),
            correspondent: Some(correspondents[i % correspondents.len()]),
            document_type: None,
            storage_path: None,
            owner: None,
            tags: vec![tags[i % tags.len()]],
        };
        tx.insert_document(&doc).await.expect("document");
    }
    tx.commit().await.expect("commit");
    store
}

/// Typical queries: a word, a phrase, a field with a date range, a fuzzy word.
pub const QUERIES: [&str; 4] = [
    "invoice",
    "\"our records\"",
    "correspondent:acme created:[2018 to 2020]",
    "technican~1",
];
