//! Writes a generated library for `cargo xtask bench retag`: the labelled classifier
//! corpus as documents, and correspondents, document types, storage paths and tags with
//! rules of every algorithm (the corpus' own labels are auto objects, four in five
//! documents keep them, the rest wait in the inbox for the retagger to fill in).
//!
//! usage: retag_library DATA_DIR [DOCS] [SEED]   (DATA_DIR must not exist yet)

#[path = "../benches/classifier/corpus.rs"]
mod corpus;

use pd_core::{Config, Id, MatchRule, MatchingAlgorithm, NewDocument};
use pd_store::Store;
use pd_store::db::NewTag;

/// Rules of every algorithm but auto, as (name suffix, algorithm, pattern), with
/// patterns made of words of the first document so that they match some documents.
fn rules(words: &[&str]) -> Vec<(&'static str, MatchingAlgorithm, String)> {
    let w = |i: usize| words[i % words.len()];
    vec![
        (
            "any",
            MatchingAlgorithm::Any,
            format!("{} \"{} {}\"", w(3), w(10), w(11)),
        ),
        ("all", MatchingAlgorithm::All, format!("{} {}", w(1), w(2))),
        (
            "literal",
            MatchingAlgorithm::Literal,
            format!("{} {}", w(4), w(5)),
        ),
        (
            "regex",
            MatchingAlgorithm::Regex,
            format!(r"\b{}\w*\s+{}", w(6), w(7)),
        ),
        (
            "fuzzy",
            MatchingAlgorithm::Fuzzy,
            format!("{}, {} {}", w(20), w(21), w(22)),
        ),
        ("none", MatchingAlgorithm::None, "ignored".to_owned()),
    ]
}

fn rule(algorithm: MatchingAlgorithm, pattern: &str) -> MatchRule {
    MatchRule {
        pattern: pattern.into(),
        algorithm,
        is_insensitive: true,
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(data) = args.first() else {
        eprintln!("usage: retag_library DATA_DIR [DOCS] [SEED]");
        std::process::exit(2);
    };
    let docs: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    let store = Store::init(&Config::for_data_dir(data))
        .await
        .expect("a new library");
    let mut tx = store.db().begin().await.expect("a transaction");
    let auto = rule(MatchingAlgorithm::Auto, "");

    let mut correspondents: Vec<Id> = Vec::new();
    let mut types: Vec<Id> = Vec::new();
    let mut paths: Vec<Id> = Vec::new();
    let mut tags: Vec<Id> = Vec::new();
    for i in 1..=corpus::CORRESPONDENTS {
        let name = format!("Correspondent {i:02}");
        let c = tx.insert_correspondent(&name, &auto, None).await;
        correspondents.push(c.expect("insert").id);
    }
    for i in 1..=corpus::DOCUMENT_TYPES {
        let name = format!("Type {i:02}");
        let t = tx.insert_document_type(&name, &auto, None).await;
        types.push(t.expect("insert").id);
    }
    for i in 1..=corpus::STORAGE_PATHS {
        let (name, template) = (format!("Path {i:02}"), format!("path{i}/{{{{ title }}}}"));
        let p = tx.insert_storage_path(&name, &template, &auto, None).await;
        paths.push(p.expect("insert").id);
    }
    for i in 1..=corpus::TAGS {
        let mut tag = NewTag::new(format!("Tag {i:02}"));
        tag.matching = auto.clone();
        tags.push(tx.insert_tag(&tag).await.expect("insert").id);
    }
    // Documents not labelled yet wait in the inbox, so they are no training data.
    let mut inbox = NewTag::new("Inbox");
    inbox.is_inbox_tag = true;
    let inbox = tx.insert_tag(&inbox).await.expect("insert").id;
    let corpus = corpus::generate(docs, seed);
    let first: Vec<&str> = corpus[0].content.split_whitespace().collect();
    for (suffix, algorithm, pattern) in rules(&first) {
        let r = rule(algorithm, &pattern);
        tx.insert_correspondent(&format!("Rule {suffix}"), &r, None)
            .await
            .expect("insert");
        tx.insert_document_type(&format!("Rule {suffix}"), &r, None)
            .await
            .expect("insert");
        tx.insert_storage_path(&format!("Rule {suffix}"), "rules/{{ title }}", &r, None)
            .await
            .expect("insert");
        let mut tag = NewTag::new(format!("Rule {suffix}"));
        tag.matching = r;
        tx.insert_tag(&tag).await.expect("insert");
    }

    let now = pd_core::now();
    let originals = store.media().originals_dir();
    std::fs::create_dir_all(&originals).expect("originals folder");
    for d in corpus {
        // Each document has its file, as in a real library: retag moves it when its
        // storage path changes.
        let file = d.content.clone().into_bytes();
        let labelled = d.id % 5 != 0;
        let pick = |ids: &[Id], label: Option<i64>| {
            label.filter(|_| labelled).map(|l| ids[l as usize - 1])
        };
        let new = NewDocument {
            title: format!("Document {}", d.id),
            created: now.date(),
            added: now,
            mime_type: "text/plain".into(),
            original_filename: Some(format!("{:06}.txt", d.id)),
            checksum: pd_store::media::sha256_bytes(&file),
            archive_checksum: None,
            page_count: None,
            archive_serial_number: None,
            correspondent: pick(&correspondents, d.correspondent),
            document_type: pick(&types, d.document_type),
            storage_path: pick(&paths, d.storage_path),
            owner: None,
            tags: if labelled {
                d.tags.iter().map(|t| tags[*t as usize - 1]).collect()
            } else {
                vec![inbox]
            },
            content: d.content,
        };
        let id = tx.insert_document(&new).await.expect("insert");
        let name = format!("{id:07}.txt");
        pd_store::media::write_atomic(&originals.join(&name), &file).expect("original");
        tx.set_document_files(id, Some(&name), None, now)
            .await
            .expect("file name");
    }
    tx.commit().await.expect("commit");
    println!("{docs} documents written to {data}");
}
