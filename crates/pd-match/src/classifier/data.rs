//! What the classifier learns from (spec §6.5): the objects that use the auto algorithm
//! and the documents that are not in the trash and carry no inbox tag, with only their
//! auto objects as labels; and the fingerprint that says whether any of it changed.

use std::collections::BTreeSet;

use pd_core::{Id, MatchRule, MatchingAlgorithm};
use pd_store::{DocumentFilter, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The ids of the objects that use the auto algorithm, per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AutoObjects {
    pub correspondents: BTreeSet<Id>,
    pub document_types: BTreeSet<Id>,
    pub storage_paths: BTreeSet<Id>,
    pub tags: BTreeSet<Id>,
}

impl AutoObjects {
    /// Whether no object uses the auto algorithm (then there is nothing to learn).
    pub fn is_empty(&self) -> bool {
        self.correspondents.is_empty()
            && self.document_types.is_empty()
            && self.storage_paths.is_empty()
            && self.tags.is_empty()
    }

    /// Reads them from the library.
    pub async fn load(store: &Store) -> pd_store::Result<AutoObjects> {
        fn auto<'a>(objects: impl Iterator<Item = (Id, &'a MatchRule)>) -> BTreeSet<Id> {
            objects
                .filter(|(_, rule)| rule.algorithm == MatchingAlgorithm::Auto)
                .map(|(id, _)| id)
                .collect()
        }
        let mut conn = store.db().conn().await?;
        Ok(AutoObjects {
            correspondents: auto(
                conn.correspondents()
                    .await?
                    .iter()
                    .map(|o| (o.id, &o.matching)),
            ),
            document_types: auto(
                conn.document_types()
                    .await?
                    .iter()
                    .map(|o| (o.id, &o.matching)),
            ),
            storage_paths: auto(
                conn.storage_paths()
                    .await?
                    .iter()
                    .map(|o| (o.id, &o.matching)),
            ),
            tags: auto(conn.tags().await?.iter().map(|o| (o.id, &o.matching))),
        })
    }
}

/// One document the classifier learns from, with its auto objects only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrainingDocument {
    pub id: Id,
    pub content: String,
    pub correspondent: Option<Id>,
    pub document_type: Option<Id>,
    pub storage_path: Option<Id>,
    /// Its tags that use the auto algorithm, ascending.
    pub tags: Vec<Id>,
}

/// The training documents of the library, by id: not trashed (versions are documents
/// too), no inbox tag. Each keeps only the labels that are auto objects.
pub async fn training_documents(
    store: &Store,
    auto: &AutoObjects,
) -> pd_store::Result<Vec<TrainingDocument>> {
    let mut conn = store.db().conn().await?;
    let inbox: BTreeSet<Id> = conn
        .tags()
        .await?
        .into_iter()
        .filter(|t| t.is_inbox_tag)
        .map(|t| t.id)
        .collect();
    let mut docs = conn.documents(&DocumentFilter::all()).await?;
    docs.sort_by_key(|d| d.id);
    let keep = |set: &BTreeSet<Id>, id: Option<Id>| id.filter(|id| set.contains(id));
    Ok(docs
        .into_iter()
        .filter(|d| !d.tags.iter().any(|t| inbox.contains(t)))
        .map(|d| TrainingDocument {
            id: d.id,
            correspondent: keep(&auto.correspondents, d.correspondent),
            document_type: keep(&auto.document_types, d.document_type),
            storage_path: keep(&auto.storage_paths, d.storage_path),
            tags: d
                .tags
                .iter()
                .copied()
                .filter(|t| auto.tags.contains(t))
                .collect(),
            content: d.content,
        })
        .collect())
}

/// SHA-256 over everything training depends on: the format version, the auto objects,
/// and per document its id, content and labels. Equal fingerprints give equal models.
pub fn fingerprint(auto: &AutoObjects, docs: &[TrainingDocument]) -> String {
    let mut h = Sha256::new();
    h.update(super::FORMAT_VERSION.to_le_bytes());
    for set in [
        &auto.correspondents,
        &auto.document_types,
        &auto.storage_paths,
        &auto.tags,
    ] {
        h.update((set.len() as u64).to_le_bytes());
        for id in set {
            h.update(id.to_le_bytes());
        }
    }
    let label = |id: Option<Id>| id.unwrap_or(-1).to_le_bytes();
    for d in docs {
        h.update(d.id.to_le_bytes());
        h.update((d.content.len() as u64).to_le_bytes());
        h.update(d.content.as_bytes());
        h.update(label(d.correspondent));
        h.update(label(d.document_type));
        h.update(label(d.storage_path));
        h.update((d.tags.len() as u64).to_le_bytes());
        for t in &d.tags {
            h.update(t.to_le_bytes());
        }
    }
    hex::encode(h.finalize())
}
