//! From a document's text to a sparse feature vector: paperless-ngx's pre-processing and
//! `CountVectorizer(ngram_range=(1, 2), min_df=0.01)` tokens, weighted the way a linear
//! model likes them (sub-linear term frequency, inverse document frequency, unit length).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::matching::is_word;

/// Terms found in fewer than this share of the training documents are dropped
/// (paperless-ngx's `min_df=0.01`).
pub const MIN_DOCUMENT_FREQUENCY: f64 = 0.01;

/// The words of a text as paperless-ngx's classifier sees them: the text lower-cased,
/// split into runs of word characters (`\b\w+\b`), and only runs of two or more
/// characters kept (scikit-learn's default token pattern `\b\w\w+\b`).
pub fn tokens(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    let mut start = None;
    let mut len = 0;
    for (i, c) in lower.char_indices() {
        if is_word(c) {
            if start.is_none() {
                start = Some(i);
                len = 0;
            }
            len += 1;
        } else if let Some(s) = start.take()
            && len >= 2
        {
            out.push(lower[s..i].to_owned());
        }
    }
    if let Some(s) = start
        && len >= 2
    {
        out.push(lower[s..].to_owned());
    }
    out
}

/// A sparse vector: feature indices (ascending) and their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVector {
    /// The dot product with one dense row of weights.
    pub fn dot(&self, row: &[f32]) -> f32 {
        self.indices
            .iter()
            .zip(&self.values)
            .map(|(i, v)| row[*i as usize] * v)
            .sum()
    }
}

/// Key of a unigram (`second == NONE`) or bigram in the token table.
const NONE: u32 = u32::MAX;

fn key(first: u32, second: u32) -> u64 {
    (u64::from(first) << 32) | u64::from(second)
}

/// The learned vocabulary: the kept unigrams and bigrams and their inverse document
/// frequencies.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vocabulary {
    /// The terms, sorted: `"word"` or `"word word"`.
    terms: Vec<String>,
    /// Per term, `ln((1 + n) / (1 + df)) + 1`.
    idf: Vec<f32>,
    #[serde(skip)]
    lookup: Lookup,
}

/// Token ids and n-gram keys of the vocabulary, rebuilt after loading.
#[derive(Debug, Clone, Default)]
struct Lookup {
    tokens: HashMap<String, u32>,
    features: HashMap<u64, u32>,
}

impl Vocabulary {
    /// Learns the vocabulary of the documents' token lists.
    pub fn learn(documents: &[Vec<String>]) -> Vocabulary {
        let mut tokens: HashMap<&str, u32> = HashMap::new();
        let mut names: Vec<&str> = Vec::new();
        let mut df: HashMap<u64, u32> = HashMap::new();
        let mut seen: Vec<u64> = Vec::new();
        for doc in documents {
            seen.clear();
            let ids: Vec<u32> = doc
                .iter()
                .map(|t| {
                    *tokens.entry(t.as_str()).or_insert_with(|| {
                        names.push(t.as_str());
                        (names.len() - 1) as u32
                    })
                })
                .collect();
            seen.extend(ids.iter().map(|a| key(*a, NONE)));
            seen.extend(ids.windows(2).map(|w| key(w[0], w[1])));
            seen.sort_unstable();
            seen.dedup();
            for k in &seen {
                *df.entry(*k).or_default() += 1;
            }
        }
        let n = documents.len() as f64;
        let min_count = MIN_DOCUMENT_FREQUENCY * n;
        let mut kept: Vec<(String, u32)> = df
            .into_iter()
            .filter(|(_, count)| f64::from(*count) >= min_count)
            .map(|(k, count)| {
                let (a, b) = ((k >> 32) as u32, k as u32);
                let term = if b == NONE {
                    names[a as usize].to_owned()
                } else {
                    format!("{} {}", names[a as usize], names[b as usize])
                };
                (term, count)
            })
            .collect();
        kept.sort_unstable();
        let idf = kept
            .iter()
            .map(|(_, count)| (((1.0 + n) / (1.0 + f64::from(*count))).ln() + 1.0) as f32)
            .collect();
        let mut vocabulary = Vocabulary {
            terms: kept.into_iter().map(|(t, _)| t).collect(),
            idf,
            lookup: Lookup::default(),
        };
        vocabulary.rebuild_lookup();
        vocabulary
    }

    /// Rebuilds the lookup tables from the terms (after deserialising). Fails when the
    /// stored data is inconsistent.
    pub fn rebuild_lookup(&mut self) -> bool {
        if self.terms.len() != self.idf.len() {
            return false;
        }
        let mut lookup = Lookup::default();
        for (index, term) in self.terms.iter().enumerate() {
            let mut id = |t: &str| {
                let next = lookup.tokens.len() as u32;
                *lookup.tokens.entry(t.to_owned()).or_insert(next)
            };
            let k = match term.split_once(' ') {
                None => key(id(term), NONE),
                Some((a, b)) => {
                    let a = id(a);
                    key(a, id(b))
                }
            };
            if lookup.features.insert(k, index as u32).is_some() {
                return false;
            }
        }
        self.lookup = lookup;
        true
    }

    /// The number of features.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// The feature vector of a token list: for each known term `1 + ln(count)` times
    /// its idf, scaled to unit length.
    pub fn vectorize(&self, tokens: &[String]) -> SparseVector {
        let ids: Vec<Option<u32>> = tokens
            .iter()
            .map(|t| self.lookup.tokens.get(t.as_str()).copied())
            .collect();
        let mut counts: HashMap<u32, u32> = HashMap::new();
        let mut count = |k: u64| {
            if let Some(f) = self.lookup.features.get(&k) {
                *counts.entry(*f).or_default() += 1;
            }
        };
        for id in ids.iter().flatten() {
            count(key(*id, NONE));
        }
        for pair in ids.windows(2) {
            if let [Some(a), Some(b)] = pair {
                count(key(*a, *b));
            }
        }
        let mut entries: Vec<(u32, f32)> = counts
            .into_iter()
            .map(|(f, c)| (f, (1.0 + (c as f32).ln()) * self.idf[f as usize]))
            .collect();
        entries.sort_unstable_by_key(|e| e.0);
        let norm = entries.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
        let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
        SparseVector {
            indices: entries.iter().map(|e| e.0).collect(),
            values: entries.iter().map(|e| e.1 * scale).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_follow_paperless_preprocessing() {
        assert_eq!(
            tokens("Invoice #42: ACME-Ltd, a Straße_1 é x"),
            ["invoice", "42", "acme", "ltd", "straße_1"]
        );
    }

    #[test]
    fn rare_terms_are_dropped_and_bigrams_kept() {
        let mut docs: Vec<Vec<String>> = (0..150)
            .map(|i| tokens(&format!("common words here {}", i % 3)))
            .collect();
        docs.push(tokens("unique rarity"));
        let vocabulary = Vocabulary::learn(&docs);
        assert!(vocabulary.terms.contains(&"common words".to_owned()));
        // "unique" is in 1 of 151 documents: under 1 %.
        assert!(!vocabulary.terms.iter().any(|t| t.contains("unique")));
        let v = vocabulary.vectorize(&tokens("common words common"));
        assert_eq!(v.indices.len(), 3); // common, words, "common words"
        let norm: f32 = v.values.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(
            vocabulary
                .vectorize(&tokens("nothing known"))
                .indices
                .is_empty()
        );
    }
}
