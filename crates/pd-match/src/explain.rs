//! `pd match explain`: for one document, every rule of the library — correspondents,
//! document types, tags, storage paths — and whether it matches the document's
//! effective content, with why (the term, the fuzzy score, the classifier's
//! confidence) or why not.

use pd_core::{Id, MatchingAlgorithm};
use pd_store::{DocumentFilter, Store};
use serde::Serialize;

use crate::classifier::Classifier;
use crate::matching::{Content, FUZZY_THRESHOLD, MatchReason};
use crate::retag::effective_contents;
use crate::rules::{Field, Predictions, RuleSet};

/// One rule and its verdict on the document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleVerdict {
    pub field: Field,
    pub id: Id,
    pub name: String,
    /// The algorithm's name (`any`, `fuzzy`, `auto`, …).
    pub algorithm: String,
    pub pattern: String,
    pub matches: bool,
    /// Why it matches.
    pub reason: Option<MatchReason>,
    /// Why it does not, or a detail (the best fuzzy score, the classifier's
    /// probability, a broken pattern).
    pub note: Option<String>,
}

/// Every rule's verdict on one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub document: Id,
    pub title: String,
    /// Whether a classifier model was used for the auto rules, and which threshold.
    pub classifier: String,
    /// Correspondents, document types, tags, storage paths; each in name order.
    pub rules: Vec<RuleVerdict>,
}

/// Explains the rules for a document that is not in the trash.
pub async fn explain(
    store: &Store,
    id: Id,
    classifier: Option<&Classifier>,
) -> pd_store::Result<Explanation> {
    let rules = RuleSet::load(store).await?;
    let docs = store
        .db()
        .conn()
        .await?
        .documents(&DocumentFilter::all())
        .await?;
    let doc = docs
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| pd_store::Error::not_found("document", id))?;
    let text = effective_contents(&docs)
        .get(&id)
        .copied()
        .unwrap_or_default();
    Ok(explain_text(
        &rules, id, &doc.title, doc.owner, text, classifier,
    ))
}

/// The explanation for a text (the part of [`explain`] that needs no store).
pub fn explain_text(
    rules: &RuleSet,
    id: Id,
    title: &str,
    owner: Option<Id>,
    text: &str,
    classifier: Option<&Classifier>,
) -> Explanation {
    let content = Content::new(text);
    let uses_auto = rules.uses_auto();
    let (predictions, probabilities) = match classifier {
        Some(c) if uses_auto => (c.predict(text), Some(c.probabilities(text))),
        _ => (Predictions::default(), None),
    };
    let classifier_note = match (uses_auto, classifier) {
        (false, _) => "not needed: no rule uses the auto algorithm".to_owned(),
        (true, None) => "no trained model: auto rules match nothing".to_owned(),
        (true, Some(c)) => format!(
            "trained on {} documents; suggestions need {:.0}% confidence",
            c.documents(),
            c.min_confidence() * 100.0
        ),
    };
    let mut verdicts = Vec::new();
    for (field, candidates) in [
        (Field::Correspondent, &rules.correspondents),
        (Field::DocumentType, &rules.document_types),
        (Field::Tags, &rules.tags),
        (Field::StoragePath, &rules.storage_paths),
    ] {
        let hits = rules.hits(field, &content, owner, &predictions);
        for candidate in candidates {
            let rule = candidate.matcher.rule();
            let hit = hits.iter().find(|h| h.id == candidate.id);
            let note = if hit.is_some() {
                None
            } else if candidate.matcher.find(&content).is_some()
                || (rule.algorithm == MatchingAlgorithm::Auto
                    && predicted(&predictions, field, candidate.id))
            {
                Some("matches, but belongs to another owner than the document's".to_owned())
            } else if let Some(warning) = candidate.matcher.warning() {
                Some(warning.to_owned())
            } else {
                Some(why_not(
                    rule.algorithm,
                    &rule.pattern,
                    candidate.matcher.fuzzy_score(&content),
                    probabilities
                        .as_ref()
                        .map(|p| probability(p, field, candidate.id)),
                ))
            };
            verdicts.push(RuleVerdict {
                field,
                id: candidate.id,
                name: candidate.name.clone(),
                algorithm: rule.algorithm.name().to_owned(),
                pattern: rule.pattern.clone(),
                matches: hit.is_some(),
                reason: hit.map(|h| h.reason.clone()),
                note,
            });
        }
    }
    Explanation {
        document: id,
        title: title.to_owned(),
        classifier: classifier_note,
        rules: verdicts,
    }
}

fn predicted(p: &Predictions, field: Field, id: Id) -> bool {
    match field {
        Field::Correspondent => p.correspondent.is_some_and(|x| x.0 == id),
        Field::DocumentType => p.document_type.is_some_and(|x| x.0 == id),
        Field::StoragePath => p.storage_path.is_some_and(|x| x.0 == id),
        Field::Tags => p.tags.iter().any(|x| x.0 == id),
    }
}

/// The classifier's probability for an object, if it knows the object.
fn probability(p: &crate::classifier::Probabilities, field: Field, id: Id) -> Option<f64> {
    let list = match field {
        Field::Correspondent => &p.correspondent,
        Field::DocumentType => &p.document_type,
        Field::StoragePath => &p.storage_path,
        Field::Tags => &p.tags,
    };
    list.iter().find(|x| x.0 == id).map(|x| x.1)
}

fn why_not(
    algorithm: MatchingAlgorithm,
    pattern: &str,
    fuzzy_score: Option<f64>,
    probability: Option<Option<f64>>,
) -> String {
    match algorithm {
        MatchingAlgorithm::None => "algorithm none never matches".to_owned(),
        MatchingAlgorithm::Auto => match probability {
            None => "auto: no trained classifier model".to_owned(),
            Some(None) => {
                "auto: the model never learned it (no training document has it)".to_owned()
            }
            Some(Some(p)) => format!(
                "auto: classifier probability {:.0}%, not the suggestion",
                p * 100.0
            ),
        },
        _ if pattern.trim().is_empty() => "no pattern: never matches".to_owned(),
        MatchingAlgorithm::Fuzzy => format!(
            "best fuzzy score {:.1}, needs {FUZZY_THRESHOLD}",
            fuzzy_score.unwrap_or(0.0)
        ),
        MatchingAlgorithm::All => "not every term is in the text".to_owned(),
        MatchingAlgorithm::Any => "none of the terms is in the text".to_owned(),
        MatchingAlgorithm::Literal => "the text is not in it as a whole phrase".to_owned(),
        MatchingAlgorithm::Regex => "the expression finds nothing".to_owned(),
    }
}
