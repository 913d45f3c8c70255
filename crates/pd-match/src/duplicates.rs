//! Near-duplicate documents: paperless-ngx's `document_fuzzy_match`, exact and fast.
//!
//! # What is reported
//!
//! Exactly the pairs paperless-ngx 3 reports. Each document's content goes through
//! rapidfuzz's `utils.default_process` ([`default_process`]: non-alphanumerics become
//! spaces, lower case, trimmed); documents whose raw content is empty after Python's
//! `strip()` are skipped; every other pair `(a, b)`, `a.id < b.id`, is scored with
//! `fuzz.ratio(a, b, score_cutoff=R)` — the normalized Indel similarity
//! `100 · (1 − d / (|a| + |b|))`, where the Indel distance `d` counts the insertions and
//! deletions that turn one text into the other, `d = |a| + |b| − 2·LCS(a, b)` — and
//! kept when the score is at least `R`. Pairs come highest ratio first, ties in id order
//! (paperless-ngx's sequential order). Scores are computed by the `rapidfuzz` crate with
//! the same cutoff arithmetic as Python's rapidfuzz, so ratios agree to the last bit.
//!
//! # Why it is fast, and why it is still exact
//!
//! A pair of texts with `L = |a| + |b|` characters in all reaches ratio `R` only if
//! `d ≤ L · (100 − R) / 100`. The search uses a limit `k(L)` one larger than that (so
//! floating-point rounding in the final comparison can never matter) and rules a pair out
//! only when a *lower bound* on `d` exceeds `k(L)`. A pair with `d ≤ k(L)` has every lower
//! bound `≤ k(L)` too, so no reported pair is ever dropped; the bounds only decide which
//! pairs are worth scoring.
//!
//! 1. **Length.** Every character of the longer text beyond the shorter one's length
//!    must be inserted: `d ≥ ||a| − |b||`. Texts are sorted by length and each is
//!    compared only with longer ones inside its window; the window closes at the first
//!    text too long, since `|b| − |a|` grows by one per character while `k(L)` grows by
//!    less (`(100 − R) / 100 < 1`), so pairs beyond it are never visited.
//! 2. **Character counts.** An LCS matches equal characters, so
//!    `LCS ≤ Σ_c min(count_a(c), count_b(c))`, hence
//!    `d ≥ Σ_c |count_a(c) − count_b(c)|`: the L1 distance of the character histograms.
//!    The histogram has 64 buckets (space, `a`–`z`, `0`–`9`, and 27 buckets shared by all
//!    other characters); counting several characters in one bucket can only lower the
//!    distance, so the bound stays valid. It costs 64 additions per pair, with no look at
//!    the texts.
//! 3. **Classes.** The alphabet is split into seven classes of neighbouring frequencies
//!    (runs of the symbols in order of frequency, each holding about its share); the LCS
//!    of the whole texts is at most the sum of the LCSs of their letters of each class, and
//!    each of those is at most the class's common character count. Class by class, the
//!    count is replaced by the class's real LCS, until the sum falls below what the limit
//!    needs (see `classes`). Texts in the same language from the same templates pass the
//!    count bound but rarely survive a few classes; a class's LCS costs the square of its
//!    share of the text times the full LCS, and each text is compared with eight shorter
//!    ones side by side, a vector lane each. A pair within
//!    the limit has an LCS alignment inside the band of step 4, and that alignment's
//!    letters of class `i` are a common subsequence of `a|i` and `b|i` inside the same band
//!    (positions counted in the whole texts), so each class's LCS is computed only over the
//!    words of `a|i` some lane's band reaches: the bound stays above the LCS of every pair
//!    that can reach the ratio, and gets cheaper and a little tighter. Every text's
//!    letters of each class are stored once as one-byte class ids and as the match words
//!    of the ids it holds; the eight patterns' match words are copied into one table with
//!    a row per id of the text, so a step loads the next id's row, all lanes' words in
//!    one go, with nothing looked up per pair (see `lanes`). The lanes' bands are merged
//!    word by word before the first step, and each class's LCS is computed to its end:
//!    the eight lanes share their steps, so stopping a lane that can no longer reach its
//!    class's need saves nothing until all eight have stopped, which almost never happens.
//!    Texts next to each other in length order share most of their candidates, so they
//!    go through the bound in blocks, the block's candidates a tile at a time: a
//!    candidate's data is read from memory once per tile for the whole block. Within a
//!    tile, a text's candidates go into lanes in order of their class's length: eight
//!    lanes compute every word any of them needs, and patterns of about the same length
//!    have their words at about the same places.
//! 4. **LCS with early exit.** Survivors get their LCS computed bit-parallel (Hyyrö, 64
//!    cells a word), the shorter text's match masks built for each pair (few get this far).
//!    Every 32 characters of the longer text `b`, the LCS is bounded from above by what
//!    is matched so far on the diagonal plus what is left of `b` (see `lcs`); once that
//!    bound falls below the LCS the limit needs, the pair is dropped. Positions of the
//!    shorter text too far above the diagonal for any alignment within the limit are
//!    not computed at all (half of Ukkonen's band; why that stays exact is in `lcs`).
//!    The distance is exact for every pair within the limit, so only those get through.
//! 5. **Scoring.** What gets through is scored by the `rapidfuzz` crate with the cutoff,
//!    so every reported ratio is rapidfuzz's own number.
//!
//! Work is spread over a rayon pool (every core by default). How much each bound saved is
//! in [`SearchStats`].
//!
//! # Beyond paperless-ngx
//!
//! [`find_duplicates`] also groups documents with the same checksum, leaves out pairs
//! recorded as "not a duplicate", and groups pairs into clusters with a deletion plan that
//! never deletes along a chain: per cluster it keeps one document ([`KeepRule`]), plans its
//! direct near-duplicates for the trash, and treats what is left of the cluster the same
//! way, so every planned document is itself above the ratio with a document that stays.
//!
//! ```
//! use pd_match::duplicates::{DuplicateDocument, DuplicateOptions, find_duplicates};
//!
//! let doc = |id, content: &str| DuplicateDocument {
//!     id,
//!     title: format!("doc {id}"),
//!     content: content.into(),
//!     checksum: format!("{id:064}"),
//!     added: pd_core::now(),
//!     size: None,
//! };
//! let docs = [
//!     doc(1, "first document scanned by bob"),
//!     doc(2, "first document scanned by alice"),
//!     doc(3, ""),
//! ];
//! let report = find_duplicates(&docs, &DuplicateOptions::default()).unwrap();
//! assert_eq!(report.pairs.len(), 1);
//! assert_eq!((report.pairs[0].a.id, report.pairs[0].b.id), (1, 2));
//! assert_eq!(format!("{:.1}", report.pairs[0].ratio), "86.7");
//! assert_eq!(report.skipped_empty, vec![3]);
//! assert_eq!(report.to_delete(), vec![2]);
//! ```

mod classes;
mod clusters;
mod lanes;
mod lcs;
mod process;
mod search;

use std::collections::{BTreeMap, HashSet};

use pd_core::{Document, Id, Timestamp};
use pd_store::Store;
use pd_store::db::DocumentFilter;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use process::{default_process, default_process_str, is_blank};
pub use search::{PreparedText, SearchStats, SimilarPair, all_pairs, ratio, similar_pairs};

/// paperless-ngx's default `--ratio`.
pub const DEFAULT_RATIO: f64 = 85.0;

/// What the search needs of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateDocument {
    pub id: Id,
    pub title: String,
    pub content: String,
    /// SHA-256 of the original: equal checksums are exact duplicates.
    pub checksum: String,
    /// When it entered the library: [`KeepRule::Oldest`] and [`KeepRule::Newest`].
    #[serde(with = "time::serde::rfc3339")]
    pub added: Timestamp,
    /// The original's size in bytes, for [`KeepRule::Largest`] (unknown counts as 0).
    pub size: Option<u64>,
}

impl From<&Document> for DuplicateDocument {
    fn from(d: &Document) -> DuplicateDocument {
        DuplicateDocument {
            id: d.id,
            title: d.title.clone(),
            content: d.content.clone(),
            checksum: d.checksum.clone(),
            added: d.added,
            size: None,
        }
    }
}

/// Which document of a cluster stays when near-duplicates are deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeepRule {
    /// The one added first (ties: the lower id).
    #[default]
    Oldest,
    /// The one added last (ties: the higher id).
    Newest,
    /// The one with the largest original file (ties: the oldest).
    Largest,
}

/// How [`find_duplicates`] searches.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateOptions {
    /// Report pairs whose `fuzz.ratio` is at least this, 0–100.
    pub ratio: f64,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Which document of a cluster the deletion plan keeps.
    pub keep: KeepRule,
    /// Pairs recorded as "not a duplicate", in either order; they are left out.
    pub ignored: Vec<(Id, Id)>,
}

impl Default for DuplicateOptions {
    fn default() -> Self {
        DuplicateOptions {
            ratio: DEFAULT_RATIO,
            threads: None,
            keep: KeepRule::default(),
            ignored: Vec::new(),
        }
    }
}

/// Why a search cannot run.
#[derive(Debug, thiserror::Error)]
pub enum DuplicateError {
    #[error("the ratio must be between 0 and 100, not {0}")]
    InvalidRatio(f64),
    #[error("the number of worker threads must be at least 1")]
    InvalidThreads,
    #[error("cannot start the worker threads: {0}")]
    ThreadPool(String),
}

/// A document as the report names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentRef {
    pub id: Id,
    pub title: String,
}

/// Two documents whose contents are at least the ratio alike; `a.id < b.id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicatePair {
    pub a: DocumentRef,
    pub b: DocumentRef,
    /// `fuzz.ratio`, 0–100, unrounded.
    pub ratio: f64,
}

/// A document the deletion plan moves to the trash, and the kept one it duplicates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedDeletion {
    pub id: Id,
    pub duplicate_of: Id,
    pub ratio: f64,
}

/// Documents connected by near-duplicate pairs, with what the plan keeps and deletes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateCluster {
    /// Every member, by id.
    pub documents: Vec<Id>,
    /// Members that stay, by id.
    pub keep: Vec<Id>,
    /// Members that `--delete` moves to the trash.
    pub delete: Vec<PlannedDeletion>,
}

/// Documents whose originals have the same checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExactDuplicateGroup {
    pub checksum: String,
    pub documents: Vec<DocumentRef>,
}

/// What [`find_duplicates`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateReport {
    pub ratio: f64,
    pub keep: KeepRule,
    /// Documents looked at.
    pub documents: usize,
    /// Documents left out because their content is empty.
    pub skipped_empty: Vec<Id>,
    /// Near-duplicate pairs, highest ratio first.
    pub pairs: Vec<DuplicatePair>,
    /// Pairs found but left out because they were recorded as not duplicates.
    pub ignored_pairs: usize,
    /// The pairs grouped, with the deletion plan.
    pub clusters: Vec<DuplicateCluster>,
    /// Groups of documents with the same checksum.
    pub exact_duplicates: Vec<ExactDuplicateGroup>,
    pub stats: SearchStats,
}

impl DuplicateReport {
    /// The ids the deletion plan moves to the trash, ascending.
    pub fn to_delete(&self) -> Vec<Id> {
        let mut ids: Vec<Id> = self
            .clusters
            .iter()
            .flat_map(|c| c.delete.iter().map(|d| d.id))
            .collect();
        ids.sort_unstable();
        ids
    }
}

/// Finds near-duplicate and exact-duplicate documents; see the module documentation.
pub fn find_duplicates(
    docs: &[DuplicateDocument],
    opts: &DuplicateOptions,
) -> Result<DuplicateReport, DuplicateError> {
    find_duplicates_with_progress(docs, opts, &|_, _| {})
}

/// [`find_duplicates`], calling `progress(done, total)` as documents are finished.
pub fn find_duplicates_with_progress(
    docs: &[DuplicateDocument],
    opts: &DuplicateOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<DuplicateReport, DuplicateError> {
    if !(0.0..=100.0).contains(&opts.ratio) {
        return Err(DuplicateError::InvalidRatio(opts.ratio));
    }
    if opts.threads == Some(0) {
        return Err(DuplicateError::InvalidThreads);
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = opts.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool
        .build()
        .map_err(|e| DuplicateError::ThreadPool(e.to_string()))?;

    let mut sorted: Vec<&DuplicateDocument> = docs.iter().collect();
    sorted.sort_by_key(|d| d.id);
    let (skipped, searched): (Vec<&DuplicateDocument>, Vec<&DuplicateDocument>) =
        sorted.iter().partition(|d| is_blank(&d.content));

    let (found, stats) = pool.install(|| {
        let texts: Vec<PreparedText> = searched
            .par_iter()
            .map(|d| PreparedText::of(&d.content))
            .collect();
        let total = texts.len() as u64;
        similar_pairs(&texts, opts.ratio, &|done| progress(done, total))
    });

    let ignored: HashSet<(Id, Id)> = opts
        .ignored
        .iter()
        .map(|&(a, b)| (a.min(b), a.max(b)))
        .collect();
    let doc_ref = |d: &DuplicateDocument| DocumentRef {
        id: d.id,
        title: d.title.clone(),
    };
    let mut pairs = Vec::with_capacity(found.len());
    let mut ignored_pairs = 0;
    for p in &found {
        let (a, b) = (searched[p.a], searched[p.b]);
        if ignored.contains(&(a.id, b.id)) {
            ignored_pairs += 1;
            continue;
        }
        pairs.push(DuplicatePair {
            a: doc_ref(a),
            b: doc_ref(b),
            ratio: p.ratio,
        });
    }

    let clusters = clusters::plan(&pairs, &searched, opts.keep);

    let mut by_checksum: BTreeMap<&str, Vec<DocumentRef>> = BTreeMap::new();
    for d in &sorted {
        by_checksum.entry(&d.checksum).or_default().push(doc_ref(d));
    }
    let mut exact_duplicates: Vec<ExactDuplicateGroup> = by_checksum
        .into_iter()
        .filter(|(_, docs)| docs.len() > 1)
        .map(|(checksum, documents)| ExactDuplicateGroup {
            checksum: checksum.to_owned(),
            documents,
        })
        .collect();
    exact_duplicates.sort_by_key(|g| g.documents[0].id);

    Ok(DuplicateReport {
        ratio: opts.ratio,
        keep: opts.keep,
        documents: docs.len(),
        skipped_empty: skipped.iter().map(|d| d.id).collect(),
        pairs,
        ignored_pairs,
        clusters,
        exact_duplicates,
        stats,
    })
}

/// The library's documents outside the trash, as the search needs them; with `sizes`, the
/// originals' file sizes too (for [`KeepRule::Largest`]).
pub async fn load_documents(
    store: &Store,
    sizes: bool,
) -> pd_store::Result<Vec<DuplicateDocument>> {
    let docs = store
        .db()
        .conn()
        .await?
        .documents(&DocumentFilter::all())
        .await?;
    Ok(docs
        .iter()
        .map(|d| {
            let mut doc = DuplicateDocument::from(d);
            if sizes {
                doc.size = store
                    .media()
                    .original_path(d)
                    .ok()
                    .and_then(|p| std::fs::metadata(p).ok())
                    .map(|m| m.len());
            }
            doc
        })
        .collect())
}

/// Moves the plan's documents to the trash (restorable), in id order; stops at the first
/// failure, leaving the ones already moved in the trash.
pub async fn trash_duplicates(
    store: &Store,
    report: &DuplicateReport,
) -> pd_store::Result<Vec<Document>> {
    let mut trashed = Vec::new();
    for id in report.to_delete() {
        trashed.push(store.trash_document(id).await?);
    }
    Ok(trashed)
}
