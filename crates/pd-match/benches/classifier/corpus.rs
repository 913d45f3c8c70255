//! A generated, labelled library for training and testing classifiers: documents of
//! pseudo-words where each correspondent, document type and tag has characteristic
//! words that appear with some probability among shared filler, with confusable
//! correspondents (pairs share half their words), documents without a correspondent,
//! and a few wrong labels. Deterministic for a seed; no dependencies, so the tests,
//! the criterion bench and `cargo xtask bench classifier` share it.

#![allow(dead_code)]

/// Correspondent ids are `1..=CORRESPONDENTS`, and so on.
pub const CORRESPONDENTS: i64 = 12;
pub const DOCUMENT_TYPES: i64 = 6;
pub const STORAGE_PATHS: i64 = 4;
pub const TAGS: i64 = 10;

/// One generated document with its true labels.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledDocument {
    pub id: i64,
    pub content: String,
    pub correspondent: Option<i64>,
    pub document_type: Option<i64>,
    pub storage_path: Option<i64>,
    pub tags: Vec<i64>,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "sor", "tam", "vel", "qui", "ra", "den", "po", "lis", "gar", "fu",
    "bel", "ton", "wen", "xi", "zor", "har", "mun", "pel", "sti", "dra", "cho", "ver", "lum",
    "nik", "os", "ter",
];

fn word(rng: &mut Rng) -> String {
    let n = 2 + rng.below(2);
    (0..n)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
        .collect()
}

fn words(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n).map(|_| word(rng)).collect()
}

/// `docs` documents for `seed`, ids from 1.
pub fn generate(docs: usize, seed: u64) -> Vec<LabeledDocument> {
    let mut rng = Rng(seed ^ 0xC1A5_5EED);
    let filler = words(&mut rng, 1500);
    let mut correspondent_words: Vec<Vec<String>> = Vec::new();
    for c in 0..CORRESPONDENTS as usize {
        let mut own = words(&mut rng, 10);
        if c % 2 == 1 {
            // Confusable with the previous one: half the words are shared.
            own[..5].clone_from_slice(&correspondent_words[c - 1][..5]);
        }
        correspondent_words.push(own);
    }
    let type_words: Vec<Vec<String>> = (0..DOCUMENT_TYPES).map(|_| words(&mut rng, 8)).collect();
    let tag_words: Vec<Vec<String>> = (0..TAGS).map(|_| words(&mut rng, 8)).collect();

    let mut out = Vec::with_capacity(docs);
    for id in 1..=docs as i64 {
        let correspondent =
            (!rng.chance(0.15)).then(|| 1 + rng.below(CORRESPONDENTS as u64) as i64);
        let document_type = (!rng.chance(0.1)).then(|| 1 + rng.below(DOCUMENT_TYPES as u64) as i64);
        // Storage paths follow the correspondent's group, as a user's filing would.
        let storage_path = correspondent.map(|c| 1 + (c - 1) % STORAGE_PATHS);
        let mut tags: Vec<i64> = (1..=TAGS).filter(|_| rng.chance(0.15)).collect();
        if let Some(t) = document_type.filter(|t| *t <= 3) {
            // Some types usually carry a tag.
            if rng.chance(0.8) && !tags.contains(&t) {
                tags.push(t);
                tags.sort_unstable();
            }
        }

        let length = 120 + rng.below(250) as usize;
        let mut text: Vec<String> = Vec::with_capacity(length + 40);
        for _ in 0..length {
            // Zipf-like filler: small indices are much more common.
            let r = rng.below(filler.len() as u64) as f64 / filler.len() as f64;
            let index = (r * r * r * filler.len() as f64) as usize;
            text.push(filler[index].clone());
        }
        let mut plant = |rng: &mut Rng, vocabulary: &[String], p: f64| {
            for w in vocabulary {
                if rng.chance(p) {
                    let at = rng.below(text.len() as u64 + 1) as usize;
                    text.insert(at, w.clone());
                }
            }
        };
        if let Some(c) = correspondent {
            plant(&mut rng, &correspondent_words[c as usize - 1], 0.5);
        }
        if let Some(t) = document_type {
            plant(&mut rng, &type_words[t as usize - 1], 0.5);
        }
        for t in &tags {
            plant(&mut rng, &tag_words[*t as usize - 1], 0.45);
        }
        // A few labels are simply wrong, as in any real library.
        let correspondent = if rng.chance(0.03) {
            Some(1 + rng.below(CORRESPONDENTS as u64) as i64)
        } else {
            correspondent
        };
        let mut content = String::new();
        for (i, w) in text.iter().enumerate() {
            if i > 0 {
                content.push(if i % 14 == 0 { '\n' } else { ' ' });
            }
            content.push_str(w);
        }
        out.push(LabeledDocument {
            id,
            content,
            correspondent,
            document_type,
            storage_path,
            tags,
        });
    }
    out
}
