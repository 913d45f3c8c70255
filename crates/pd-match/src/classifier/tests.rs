//! Classifier tests: learning on a generated corpus, the model file, and training
//! against a real store (what is learned from, skipping, rebuilding).

use pd_core::{Config, MatchRule, MatchingAlgorithm, NewDocument};
use pd_store::Store;
use pd_store::db::NewTag;

use super::*;

#[path = "../../benches/classifier/corpus.rs"]
mod corpus;

fn training(docs: &[corpus::LabeledDocument]) -> Vec<TrainingDocument> {
    docs.iter()
        .map(|d| TrainingDocument {
            id: d.id,
            content: d.content.clone(),
            correspondent: d.correspondent,
            document_type: d.document_type,
            storage_path: d.storage_path,
            tags: d.tags.clone(),
        })
        .collect()
}

#[test]
fn learns_a_generated_library() {
    let all = corpus::generate(600, 7);
    let (train, test) = all.split_at(480);
    let model = Classifier::train(&training(train), "fp".into());
    let labels = model.labels();
    assert_eq!(labels.correspondents, corpus::CORRESPONDENTS as usize);
    assert_eq!(labels.document_types, corpus::DOCUMENT_TYPES as usize);
    assert_eq!(labels.storage_paths, corpus::STORAGE_PATHS as usize);
    assert_eq!(labels.tags, corpus::TAGS as usize);
    assert!(labels.features > 100, "{labels:?}");

    let (mut right_c, mut right_t, mut right_p) = (0, 0, 0);
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for d in test {
        let p = model.predict(&d.content);
        right_c += usize::from(p.correspondent.map(|x| x.0) == d.correspondent);
        right_t += usize::from(p.document_type.map(|x| x.0) == d.document_type);
        right_p += usize::from(p.storage_path.map(|x| x.0) == d.storage_path);
        let predicted: Vec<Id> = p.tags.iter().map(|t| t.0).collect();
        tp += predicted.iter().filter(|t| d.tags.contains(t)).count();
        fp += predicted.iter().filter(|t| !d.tags.contains(t)).count();
        fn_ += d.tags.iter().filter(|t| !predicted.contains(t)).count();
        for (_, confidence) in p.correspondent.iter().chain(&p.tags) {
            assert!((DEFAULT_MIN_CONFIDENCE..=1.0).contains(confidence));
        }
    }
    let n = test.len() as f64;
    let share = |right: usize| right as f64 / n;
    let f1 = 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64;
    assert!(
        share(right_c) > 0.6,
        "correspondent accuracy {}",
        share(right_c)
    );
    assert!(
        share(right_t) > 0.75,
        "document type accuracy {}",
        share(right_t)
    );
    assert!(
        share(right_p) > 0.6,
        "storage path accuracy {}",
        share(right_p)
    );
    assert!(f1 > 0.7, "tag F1 {f1}");
}

#[test]
fn low_confidence_means_no_suggestion() {
    let docs = training(&corpus::generate(300, 3));
    let model = Classifier::train(&docs, String::new());
    let sure = model.predict(&docs[0].content);
    assert!(sure.correspondent.is_some() || sure.document_type.is_some());
    // Text the model knows nothing of: "none" or too unsure for anything.
    let unknown = model.predict("zzqx wvvy");
    assert_eq!(unknown.correspondent, None);
    assert_eq!(unknown.document_type, None);
    assert!(unknown.tags.is_empty());
    // The same model, demanding near-certainty, suggests less, and only what passes.
    let strict = model.clone().with_min_confidence(0.999);
    let mut fewer = 0;
    for d in &docs {
        let (lax, tight) = (model.predict(&d.content), strict.predict(&d.content));
        assert!(tight.correspondent.is_none_or(|(_, p)| p >= 0.999));
        assert!(tight.tags.len() <= lax.tags.len());
        fewer += usize::from(lax.correspondent.is_some() && tight.correspondent.is_none());
    }
    assert!(fewer > 0);
    // Probabilities are there for explanations even when nothing is suggested.
    let probabilities = model.probabilities("zzqx wvvy");
    assert_eq!(
        probabilities.correspondent.len(),
        corpus::CORRESPONDENTS as usize
    );
}

#[test]
fn only_targets_with_labels_are_learned() {
    let docs: Vec<TrainingDocument> = (0..20)
        .map(|i| TrainingDocument {
            id: i,
            content: format!("alpha beta {}", if i % 2 == 0 { "gamma" } else { "delta" }),
            tags: if i % 2 == 0 { vec![5] } else { vec![] },
            ..TrainingDocument::default()
        })
        .collect();
    let model = Classifier::train(&docs, String::new());
    assert_eq!(
        model.labels(),
        LabelCounts {
            tags: 1,
            features: model.labels().features,
            ..LabelCounts::default()
        }
    );
    assert_eq!(model.predict("alpha gamma").correspondent, None);
    assert_eq!(
        model
            .predict("alpha gamma")
            .tags
            .iter()
            .map(|t| t.0)
            .collect::<Vec<_>>(),
        [5]
    );
    assert!(model.predict("alpha delta").tags.is_empty());
}

#[test]
fn a_cached_model_is_read_again_only_when_its_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(MODEL_FILE_NAME);
    assert!(Classifier::load_cached(&path).unwrap().is_none());
    let docs = training(&corpus::generate(200, 11));
    Classifier::train(&docs, "first".into())
        .save(&path)
        .unwrap();
    let first = Classifier::load_cached(&path).unwrap().unwrap();
    assert_eq!(first.fingerprint(), "first");
    let again = Classifier::load_cached(&path).unwrap().unwrap();
    assert!(
        Arc::ptr_eq(&first, &again),
        "the same file is not read twice"
    );

    // Training again replaces the file: the new model is read.
    Classifier::train(&docs, "second".into())
        .save(&path)
        .unwrap();
    let second = Classifier::load_cached(&path).unwrap().unwrap();
    assert_eq!(second.fingerprint(), "second");

    // A file that went bad is refused, and one that went away is no model.
    std::fs::write(&path, b"not a model").unwrap();
    assert!(Classifier::load_cached(&path).is_err());
    std::fs::remove_file(&path).unwrap();
    assert!(Classifier::load_cached(&path).unwrap().is_none());
}

#[test]
fn model_files_round_trip_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(MODEL_FILE_NAME);
    assert!(Classifier::load(&path).unwrap().is_none());
    let docs = training(&corpus::generate(200, 11));
    let model = Classifier::train(&docs, "abc".into());
    model.save(&path).unwrap();
    let loaded = Classifier::load(&path).unwrap().unwrap();
    assert_eq!(loaded.fingerprint(), "abc");
    for d in docs.iter().take(20) {
        assert_eq!(loaded.predict(&d.content), model.predict(&d.content));
    }

    let good = std::fs::read(&path).unwrap();
    let refused = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        Classifier::load(&path).unwrap_err()
    };
    // One changed byte in the body: the checksum no longer matches.
    let mut flipped = good.clone();
    let last = flipped.len() - 2;
    flipped[last] ^= 0x01;
    assert!(matches!(refused(&flipped), LoadError::Corrupt { .. }));
    assert!(matches!(
        refused(&good[..good.len() / 2]),
        LoadError::Corrupt { .. }
    ));
    assert!(matches!(
        refused(b"\x80\x04pickle"),
        LoadError::Corrupt { .. }
    ));
    // A valid checksum over a body that does not fit together.
    let body = br#"{"fingerprint":"","documents":1,"vocabulary":{"terms":["a"],"idf":[]},
        "correspondent":null,"document_type":null,"storage_path":null,"tags":null}"#;
    let header = format!(
        "pd-classifier {FORMAT_VERSION} {}\n",
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(body))
    );
    assert!(matches!(
        refused(&[header.as_bytes(), body].concat()),
        LoadError::Corrupt { .. }
    ));
    // Another format version.
    let text = String::from_utf8(good.clone()).unwrap();
    let other = text.replacen(
        &format!("pd-classifier {FORMAT_VERSION} "),
        "pd-classifier 0 ",
        1,
    );
    assert!(matches!(
        refused(other.as_bytes()),
        LoadError::Incompatible { .. }
    ));
}

// --- Against a real store ---------------------------------------------------------

struct Library {
    _dir: tempfile::TempDir,
    store: Store,
}

async fn library() -> Library {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(&Config::for_data_dir(dir.path().join("data")))
        .await
        .unwrap();
    Library { _dir: dir, store }
}

fn rule(algorithm: MatchingAlgorithm, pattern: &str) -> MatchRule {
    MatchRule {
        pattern: pattern.into(),
        algorithm,
        is_insensitive: true,
    }
}

fn new_document(title: &str, content: &str) -> NewDocument {
    NewDocument {
        title: title.into(),
        content: content.into(),
        created: pd_core::now().date(),
        added: pd_core::now(),
        mime_type: "text/plain".into(),
        original_filename: None,
        checksum: format!("{:064x}", title.len() * 7919 + content.len()),
        archive_checksum: None,
        page_count: None,
        archive_serial_number: None,
        correspondent: None,
        document_type: None,
        storage_path: None,
        owner: None,
        tags: Vec::new(),
    }
}

/// A library with an auto correspondent, a rule-based one, an auto tag and an inbox tag,
/// and documents labelled with them. Returns (auto correspondent, auto tag, inbox tag).
async fn labelled(lib: &Library) -> (Id, Id, Id) {
    let mut conn = lib.store.db().conn().await.unwrap();
    let power = conn
        .insert_correspondent("Power Co", &rule(MatchingAlgorithm::Auto, ""), None)
        .await
        .unwrap();
    let clinic = conn
        .insert_correspondent("Clinic", &rule(MatchingAlgorithm::Any, "clinic"), None)
        .await
        .unwrap();
    let mut auto_tag = NewTag::new("Utilities");
    auto_tag.matching = rule(MatchingAlgorithm::Auto, "");
    let auto_tag = conn.insert_tag(&auto_tag).await.unwrap();
    let mut inbox = NewTag::new("Inbox");
    inbox.is_inbox_tag = true;
    let inbox = conn.insert_tag(&inbox).await.unwrap();
    for i in 0..30 {
        let mut doc = if i % 2 == 0 {
            let mut d = new_document(&format!("power {i}"), "electricity bill kwh meter reading");
            d.correspondent = Some(power.id);
            d.tags = vec![auto_tag.id];
            d
        } else {
            let mut d = new_document(&format!("clinic {i}"), "dental clinic appointment invoice");
            d.correspondent = Some(clinic.id);
            d
        };
        doc.content.push_str(&format!(" number {i}"));
        conn.insert_document(&doc).await.unwrap();
    }
    (power.id, auto_tag.id, inbox.id)
}

#[tokio::test]
async fn trains_from_auto_objects_and_skips_when_unchanged() {
    let lib = library().await;
    let (power, utilities, inbox) = labelled(&lib).await;
    let opts = TrainOptions::default();
    let report = train(&lib.store, &opts).await.unwrap();
    assert!(report.trained, "{report:?}");
    assert_eq!(report.documents, 30);
    // The rule-based correspondent is no label: only "Power Co" (and none) is learned.
    assert_eq!(report.labels.correspondents, 1);
    assert_eq!(report.labels.tags, 1);
    assert_eq!(report.labels.document_types, 0);
    assert!(report.model_file.is_file());

    let model = Classifier::load(&report.model_file).unwrap().unwrap();
    let p = model.predict("your electricity bill");
    assert_eq!(p.correspondent.map(|c| c.0), Some(power));
    assert_eq!(p.tags.iter().map(|t| t.0).collect::<Vec<_>>(), [utilities]);
    assert_eq!(model.predict("clinic appointment").correspondent, None);

    // Nothing changed: skipped, the file is not rewritten.
    let written = std::fs::metadata(&report.model_file)
        .unwrap()
        .modified()
        .unwrap();
    let again = train(&lib.store, &opts).await.unwrap();
    assert!(!again.trained);
    assert_eq!(again.skipped.as_deref(), Some("training data unchanged"));
    assert_eq!(again.documents, 30);
    assert_eq!(
        std::fs::metadata(&report.model_file)
            .unwrap()
            .modified()
            .unwrap(),
        written
    );
    let forced = train(
        &lib.store,
        &TrainOptions {
            force: true,
            ..opts
        },
    )
    .await
    .unwrap();
    assert!(forced.trained);

    // A document in the inbox is no training data; adding one changes nothing.
    let mut conn = lib.store.db().conn().await.unwrap();
    let mut waiting = new_document("new", "electricity something");
    waiting.tags = vec![inbox];
    conn.insert_document(&waiting).await.unwrap();
    assert!(!train(&lib.store, &opts).await.unwrap().trained);

    // A new labelled document is a change.
    let mut more = new_document("more", "electricity bill again");
    more.correspondent = Some(power);
    conn.insert_document(&more).await.unwrap();
    let retrained = train(&lib.store, &opts).await.unwrap();
    assert!(retrained.trained);
    assert_eq!(retrained.documents, 31);

    // The set of auto objects changing is a change too.
    conn.insert_document_type("Letter", &rule(MatchingAlgorithm::Auto, ""), None)
        .await
        .unwrap();
    assert!(train(&lib.store, &opts).await.unwrap().trained);
}

#[tokio::test]
async fn corrupt_and_incompatible_models_are_rebuilt() {
    let lib = library().await;
    labelled(&lib).await;
    let opts = TrainOptions::default();
    let path = train(&lib.store, &opts).await.unwrap().model_file;
    let good = std::fs::read(&path).unwrap();

    let mut corrupt = good.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0x20;
    std::fs::write(&path, &corrupt).unwrap();
    let report = train(&lib.store, &opts).await.unwrap();
    assert!(report.trained, "a corrupt model is not trusted: {report:?}");
    assert!(report.discarded.unwrap().contains("corrupt"));
    assert!(Classifier::load(&path).unwrap().is_some());

    let text = String::from_utf8(good).unwrap();
    std::fs::write(
        &path,
        text.replacen("pd-classifier 1 ", "pd-classifier 99 ", 1),
    )
    .unwrap();
    let report = train(&lib.store, &opts).await.unwrap();
    assert!(report.trained);
    assert!(report.discarded.unwrap().contains("format version 99"));
    assert!(Classifier::load(&path).unwrap().is_some());
}

#[tokio::test]
async fn without_auto_objects_the_model_goes_and_without_documents_it_fails() {
    let lib = library().await;
    let path = model_path(lib.store.config());
    std::fs::write(&path, b"an old model").unwrap();
    let report = train(&lib.store, &TrainOptions::default()).await.unwrap();
    assert!(!report.trained && report.removed);
    assert!(!path.exists());

    let mut conn = lib.store.db().conn().await.unwrap();
    conn.insert_correspondent("Auto", &rule(MatchingAlgorithm::Auto, ""), None)
        .await
        .unwrap();
    let err = train(&lib.store, &TrainOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, ClassifierError::NoTrainingData));
}
