//! The classifier behind the auto matching algorithm: it learns a library's
//! correspondents, document types, storage paths and tags from its documents, as
//! paperless-ngx's `document_create_classifier` does (spec §6.5), and predicts them for
//! new text with a confidence.
//!
//! **What it learns from.** Only objects that use the auto algorithm take part; if none
//! does, there is nothing to learn and an existing model file is removed. The documents
//! are those not in the trash (versions included) that carry no inbox tag, by id; each
//! one's labels are its auto correspondent, document type and storage path (or none)
//! and its auto tags. A target is learned only when some document has such a label.
//!
//! **Features.** paperless-ngx's pre-processing (lower case, runs of word characters)
//! and its `CountVectorizer` terms: words of two or more characters and pairs of
//! adjacent words, dropping terms found in under 1 % of the documents. Each document
//! becomes a sparse vector of `1 + ln(count)` times the term's inverse document
//! frequency, scaled to unit length.
//!
//! **Models.** Where paperless-ngx trains a 100-unit neural network per target on dense
//! rows, pd trains linear models on the sparse vectors: a softmax regression for each
//! one-of-many target (with "none" as a class) and a logistic regression per tag. They
//! train in a fraction of the time and memory and are as accurate on text (see
//! `cargo xtask bench classifier`).
//!
//! **Confidence.** Every prediction carries its probability; below
//! [`DEFAULT_MIN_CONFIDENCE`] (or the value set with [`Classifier::with_min_confidence`])
//! nothing is suggested, so an unsure model does not hand every document the majority
//! correspondent.
//!
//! **The model file** (`<data dir>/classifier.model`, see [`file`]) carries a format
//! version and the SHA-256 of its body, and holds plain data only. A corrupt or
//! incompatible file is never used: training replaces it. Training is skipped when the
//! stored model's fingerprint (a SHA-256 over the auto objects and every training
//! document's id, content and labels) equals the library's.
//!
//! ```
//! use pd_match::classifier::{Classifier, TrainingDocument};
//!
//! let doc = |id, content: &str, correspondent| TrainingDocument {
//!     id,
//!     content: content.into(),
//!     correspondent,
//!     ..TrainingDocument::default()
//! };
//! let docs: Vec<TrainingDocument> = (0..40)
//!     .map(|i| match i % 2 {
//!         0 => doc(i, "electricity bill from power company kwh usage", Some(7)),
//!         _ => doc(i, "dental appointment invoice from the clinic", None),
//!     })
//!     .collect();
//! let model = Classifier::train(&docs, String::new());
//! let (id, confidence) = model.predict("your power company bill, kwh").correspondent.unwrap();
//! assert_eq!(id, 7);
//! assert!(confidence > 0.5);
//! assert_eq!(model.predict("clinic appointment").correspondent, None);
//! ```

mod data;
pub mod file;
mod model;
#[cfg(test)]
mod tests;
mod text;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use pd_core::{Config, Id};
use pd_store::Store;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use data::{AutoObjects, TrainingDocument, fingerprint, training_documents};
pub use file::{FORMAT_VERSION, LoadError};
use model::{MultiLabel, NO_LABEL, SingleLabel};
pub use text::tokens;
use text::{SparseVector, Vocabulary};

use crate::rules::{Predict, Predictions};

/// The model file's name in the data folder.
pub const MODEL_FILE_NAME: &str = "classifier.model";

/// Predictions less probable than this are not suggested.
pub const DEFAULT_MIN_CONFIDENCE: f64 = 0.5;

/// Where a library keeps its model.
pub fn model_path(config: &Config) -> PathBuf {
    config.data_dir.join(MODEL_FILE_NAME)
}

/// A trained classifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Classifier {
    /// What it was trained on (see [`fingerprint`]).
    fingerprint: String,
    documents: usize,
    vocabulary: Vocabulary,
    correspondent: Option<SingleLabel>,
    document_type: Option<SingleLabel>,
    storage_path: Option<SingleLabel>,
    tags: Option<MultiLabel>,
    #[serde(skip, default = "default_min_confidence")]
    min_confidence: f64,
}

fn default_min_confidence() -> f64 {
    DEFAULT_MIN_CONFIDENCE
}

/// How many objects of each kind a model can predict, and its vocabulary size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LabelCounts {
    pub correspondents: usize,
    pub document_types: usize,
    pub storage_paths: usize,
    pub tags: usize,
    /// Terms (words and word pairs) in the vocabulary.
    pub features: usize,
}

/// Every object a model can predict with its probability for one text, whether or not
/// it reaches the confidence threshold.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Probabilities {
    pub correspondent: Vec<(Id, f64)>,
    pub document_type: Vec<(Id, f64)>,
    pub storage_path: Vec<(Id, f64)>,
    pub tags: Vec<(Id, f64)>,
}

impl Classifier {
    /// Learns from the documents; `fingerprint` is stored to recognise the same data
    /// later.
    pub fn train(docs: &[TrainingDocument], fingerprint: String) -> Classifier {
        let token_lists: Vec<Vec<String>> =
            docs.par_iter().map(|d| text::tokens(&d.content)).collect();
        let vocabulary = Vocabulary::learn(&token_lists);
        let xs: Vec<SparseVector> = token_lists
            .par_iter()
            .map(|t| vocabulary.vectorize(t))
            .collect();
        drop(token_lists);
        let features = vocabulary.len();
        let single = |label: fn(&TrainingDocument) -> Option<Id>| {
            let labels: Vec<i64> = docs.iter().map(|d| label(d).unwrap_or(NO_LABEL)).collect();
            labels
                .iter()
                .any(|l| *l != NO_LABEL)
                .then(|| SingleLabel::train(&xs, &labels, features))
        };
        let ((correspondent, document_type), (storage_path, tags)) = rayon::join(
            || {
                rayon::join(
                    || single(|d| d.correspondent),
                    || single(|d| d.document_type),
                )
            },
            || {
                rayon::join(
                    || single(|d| d.storage_path),
                    || {
                        let sets: Vec<Vec<i64>> = docs.iter().map(|d| d.tags.clone()).collect();
                        sets.iter()
                            .any(|s| !s.is_empty())
                            .then(|| MultiLabel::train(&xs, &sets, features))
                    },
                )
            },
        );
        Classifier {
            fingerprint,
            documents: docs.len(),
            vocabulary,
            correspondent,
            document_type,
            storage_path,
            tags,
            min_confidence: DEFAULT_MIN_CONFIDENCE,
        }
    }

    /// The same model with another confidence threshold (0 to 1).
    pub fn with_min_confidence(mut self, min_confidence: f64) -> Classifier {
        self.min_confidence = min_confidence;
        self
    }

    /// The confidence threshold.
    pub fn min_confidence(&self) -> f64 {
        self.min_confidence
    }

    /// The fingerprint of the data it was trained on.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// How many documents it was trained on.
    pub fn documents(&self) -> usize {
        self.documents
    }

    /// What it can predict.
    pub fn labels(&self) -> LabelCounts {
        let count = |m: &Option<SingleLabel>| m.as_ref().map_or(0, |m| m.labels().count());
        LabelCounts {
            correspondents: count(&self.correspondent),
            document_types: count(&self.document_type),
            storage_paths: count(&self.storage_path),
            tags: self.tags.as_ref().map_or(0, |m| m.labels().len()),
            features: self.vocabulary.len(),
        }
    }

    /// The suggestions for a text: the most probable correspondent, document type and
    /// storage path unless "none" is likelier or the probability is under the
    /// threshold, and every tag at least that probable (and over one half).
    pub fn predict(&self, text: &str) -> Predictions {
        let x = self.vocabulary.vectorize(&text::tokens(text));
        if x.indices.is_empty() {
            // Not one known word: no evidence for anything.
            return Predictions::default();
        }
        let single = |m: &Option<SingleLabel>| {
            let (label, p) = m.as_ref()?.predict(&x)?;
            (label != NO_LABEL && p >= self.min_confidence).then_some((label, p))
        };
        let tag_threshold = self.min_confidence.max(0.5);
        Predictions {
            correspondent: single(&self.correspondent),
            document_type: single(&self.document_type),
            storage_path: single(&self.storage_path),
            tags: self.tags.as_ref().map_or_else(Vec::new, |m| {
                m.predict(&x)
                    .into_iter()
                    .filter(|(_, p)| *p >= tag_threshold)
                    .collect()
            }),
        }
    }

    /// Every object's probability for a text (for explanations).
    pub fn probabilities(&self, text: &str) -> Probabilities {
        let x = self.vocabulary.vectorize(&text::tokens(text));
        let single = |m: &Option<SingleLabel>| -> Vec<(Id, f64)> {
            m.as_ref().map_or_else(Vec::new, |m| {
                m.probabilities(&x)
                    .into_iter()
                    .filter(|(l, _)| *l != NO_LABEL)
                    .collect()
            })
        };
        Probabilities {
            correspondent: single(&self.correspondent),
            document_type: single(&self.document_type),
            storage_path: single(&self.storage_path),
            tags: self.tags.as_ref().map_or_else(Vec::new, |m| m.predict(&x)),
        }
    }

    /// Reads a model file; `Ok(None)` when there is none. A corrupt or incompatible
    /// file is an error, and should be replaced by training.
    pub fn load(path: &Path) -> Result<Option<Classifier>, LoadError> {
        file::load(path)
    }

    /// [`Classifier::load`], read again only when the file has changed since the last
    /// call for the same path (its size, modification time or, on Unix, inode: training
    /// replaces the file by renaming a new one over it): a consumer that matches every
    /// new document with the model reads it once, not once per document, and still
    /// sees a model trained meanwhile. `Ok(None)` when there is no file.
    pub fn load_cached(path: &Path) -> Result<Option<Arc<Classifier>>, LoadError> {
        static LAST: Mutex<Option<(PathBuf, FileStamp, Arc<Classifier>)>> = Mutex::new(None);
        let Some(stamp) = FileStamp::of(path) else {
            return Classifier::load(path).map(|model| model.map(Arc::new));
        };
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((cached, cached_stamp, model)) = last.as_ref()
            && cached == path
            && *cached_stamp == stamp
        {
            return Ok(Some(Arc::clone(model)));
        }
        let model = Classifier::load(path)?.map(Arc::new);
        *last = model
            .as_ref()
            .map(|model| (path.to_owned(), stamp, Arc::clone(model)));
        Ok(model)
    }

    /// Writes the model file atomically.
    pub fn save(&self, path: &Path) -> pd_store::Result<()> {
        file::save(self, path)
    }

    /// After deserialising: rebuilds the lookups and checks the parts fit together.
    fn check_and_prepare(&mut self) -> bool {
        self.min_confidence = DEFAULT_MIN_CONFIDENCE;
        if !self.vocabulary.rebuild_lookup() {
            return false;
        }
        let features = self.vocabulary.len();
        [&self.correspondent, &self.document_type, &self.storage_path]
            .iter()
            .all(|m| m.as_ref().is_none_or(|m| m.is_consistent(features)))
            && self.tags.as_ref().is_none_or(|m| m.is_consistent(features))
    }
}

/// What tells one version of a file from the next without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl FileStamp {
    fn of(path: &Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        })
    }
}

impl Predict for Classifier {
    fn predict(&self, text: &str) -> Predictions {
        Classifier::predict(self, text)
    }
}

/// How [`train`] runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainOptions {
    /// Train even when the data has not changed.
    pub force: bool,
    /// Write the model file (and remove it when nothing uses auto); off for dry runs.
    pub save: bool,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            force: false,
            save: true,
        }
    }
}

/// What [`train`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainReport {
    /// A new model was trained.
    pub trained: bool,
    /// Why not, when it was not.
    pub skipped: Option<String>,
    /// Documents learned from (or that the kept model was learned from).
    pub documents: usize,
    /// What the model can predict.
    pub labels: LabelCounts,
    pub seconds: f64,
    pub model_file: PathBuf,
    /// Why an existing model file was not trusted (corrupt, incompatible).
    pub discarded: Option<String>,
    /// The model file was removed because no object uses the auto algorithm.
    pub removed: bool,
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    /// Objects use the auto algorithm but no document can be learned from (every one
    /// is trashed or has an inbox tag).
    #[error("no training data available: every document is in the trash or has an inbox tag")]
    NoTrainingData,
    #[error(transparent)]
    Store(#[from] pd_store::Error),
}

/// Trains the library's classifier and saves it, unless the data has not changed since
/// the saved model was trained (then it is kept).
pub async fn train(store: &Store, opts: &TrainOptions) -> Result<TrainReport, ClassifierError> {
    Ok(update(store, opts).await?.0)
}

/// [`train`], returning the model too: the new one, the kept one, or none when no
/// object uses the auto algorithm.
pub async fn update(
    store: &Store,
    opts: &TrainOptions,
) -> Result<(TrainReport, Option<Classifier>), ClassifierError> {
    let start = Instant::now();
    let path = model_path(store.config());
    let mut report = TrainReport {
        trained: false,
        skipped: None,
        documents: 0,
        labels: LabelCounts::default(),
        seconds: 0.0,
        model_file: path.clone(),
        discarded: None,
        removed: false,
    };
    let auto = AutoObjects::load(store).await?;
    if auto.is_empty() {
        report.skipped = Some("no object uses the auto algorithm".to_owned());
        if opts.save && path.exists() {
            std::fs::remove_file(&path)
                .map_err(|e| pd_store::Error::io("cannot remove", &path, e))?;
            report.removed = true;
        }
        report.seconds = start.elapsed().as_secs_f64();
        return Ok((report, None));
    }
    let docs = training_documents(store, &auto).await?;
    if docs.is_empty() {
        return Err(ClassifierError::NoTrainingData);
    }
    let fingerprint = fingerprint(&auto, &docs);
    match Classifier::load(&path) {
        Ok(Some(model)) if !opts.force && model.fingerprint == fingerprint => {
            report.skipped = Some("training data unchanged".to_owned());
            report.documents = model.documents;
            report.labels = model.labels();
            report.seconds = start.elapsed().as_secs_f64();
            return Ok((report, Some(model)));
        }
        Ok(_) => {}
        Err(e) => report.discarded = Some(e.to_string()),
    }
    let model = Classifier::train(&docs, fingerprint);
    if opts.save {
        model.save(&path)?;
    }
    report.trained = true;
    report.documents = model.documents;
    report.labels = model.labels();
    report.seconds = start.elapsed().as_secs_f64();
    Ok((report, Some(model)))
}
