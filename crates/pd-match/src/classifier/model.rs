//! Linear models on sparse vectors, trained by stochastic gradient descent: a softmax
//! (multinomial logistic) regression for one-of-many targets and one logistic
//! regression per tag for the multi-label tags.
//!
//! Training is deterministic: the documents are shuffled with a fixed seed. Each update
//! touches only the non-zero features of one document, so an epoch costs the number of
//! non-zero entries times the number of classes, and memory is one dense weight row per
//! class.

use serde::{Deserialize, Serialize};

use super::text::SparseVector;

/// Passes over the training data.
const EPOCHS: usize = 25;
/// The step size at the first epoch; it decays as `1 / (1 + epoch / 5)`.
const LEARNING_RATE: f32 = 60.0;
/// The bias learns slower than the weights, so a prior never outweighs the words.
const BIAS_RATE: f32 = 0.05;
/// L2 penalty, applied to the weights each update touches.
const L2: f32 = 1e-5;

/// A small, seedable random number generator (SplitMix64) for shuffling.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Weights of `classes` linear functions over `features` inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Linear {
    features: usize,
    /// Row-major: class `c`'s weights are `weights[c * features..][..features]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl Linear {
    fn new(classes: usize, features: usize) -> Linear {
        Linear {
            features,
            weights: vec![0.0; classes * features],
            bias: vec![0.0; classes],
        }
    }

    fn classes(&self) -> usize {
        self.bias.len()
    }

    fn scores(&self, x: &SparseVector) -> Vec<f32> {
        (0..self.classes())
            .map(|c| self.bias[c] + x.dot(&self.weights[c * self.features..][..self.features]))
            .collect()
    }

    /// One gradient step: `gradient[c]` is d(loss)/d(score of class c).
    fn step(&mut self, x: &SparseVector, gradient: &[f32], rate: f32) {
        for (c, g) in gradient.iter().enumerate() {
            if *g == 0.0 {
                continue;
            }
            let row = &mut self.weights[c * self.features..][..self.features];
            for (i, v) in x.indices.iter().zip(&x.values) {
                let w = &mut row[*i as usize];
                *w -= rate * (g * v + L2 * *w);
            }
            self.bias[c] -= rate * BIAS_RATE * g;
        }
    }

    fn is_consistent(&self) -> bool {
        self.weights.len() == self.classes() * self.features
            && self.weights.iter().chain(&self.bias).all(|w| w.is_finite())
    }

    /// Trains by SGD; `gradient` turns the scores and a document's index into the
    /// gradient of its loss.
    fn fit(&mut self, xs: &[SparseVector], mut gradient: impl FnMut(&[f32], usize) -> Vec<f32>) {
        let mut order: Vec<usize> = (0..xs.len()).collect();
        let mut rng = SplitMix(0x5EED);
        for epoch in 0..EPOCHS {
            rng.shuffle(&mut order);
            let rate = LEARNING_RATE / (1.0 + epoch as f32 / 5.0);
            for &i in &order {
                let scores = self.scores(&xs[i]);
                let g = gradient(&scores, i);
                self.step(&xs[i], &g, rate);
            }
        }
    }
}

fn softmax(scores: &[f32]) -> Vec<f32> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// One of several classes (or none): a softmax regression. Class labels are object ids;
/// [`NO_LABEL`] stands for "none of them".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SingleLabel {
    /// The class labels, ascending.
    classes: Vec<i64>,
    model: Linear,
}

/// The label of documents without a value for the target (paperless-ngx's `-1`).
pub const NO_LABEL: i64 = -1;

impl SingleLabel {
    /// Trains on vectors and their labels ([`NO_LABEL`] for none).
    pub fn train(xs: &[SparseVector], labels: &[i64], features: usize) -> SingleLabel {
        let mut classes: Vec<i64> = labels.to_vec();
        classes.sort_unstable();
        classes.dedup();
        let targets: Vec<usize> = labels
            .iter()
            .map(|l| classes.binary_search(l).unwrap_or_default())
            .collect();
        let mut model = Linear::new(classes.len(), features);
        model.fit(xs, |scores, i| {
            let mut p = softmax(scores);
            p[targets[i]] -= 1.0;
            p
        });
        SingleLabel { classes, model }
    }

    /// The most probable class and its probability.
    pub fn predict(&self, x: &SparseVector) -> Option<(i64, f64)> {
        let p = softmax(&self.model.scores(x));
        let (best, prob) = p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
        Some((self.classes[best], f64::from(*prob)))
    }

    /// Every class with its probability.
    pub fn probabilities(&self, x: &SparseVector) -> Vec<(i64, f64)> {
        self.classes
            .iter()
            .zip(softmax(&self.model.scores(x)))
            .map(|(c, p)| (*c, f64::from(p)))
            .collect()
    }

    /// The object ids it can predict (without [`NO_LABEL`]).
    pub fn labels(&self) -> impl Iterator<Item = i64> + '_ {
        self.classes.iter().copied().filter(|c| *c != NO_LABEL)
    }

    pub(super) fn is_consistent(&self, features: usize) -> bool {
        self.model.features == features
            && self.model.classes() == self.classes.len()
            && self.model.is_consistent()
    }
}

/// Any number of labels: one logistic regression per label.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MultiLabel {
    /// The labels (tag ids), ascending.
    labels: Vec<i64>,
    model: Linear,
}

impl MultiLabel {
    /// Trains on vectors and each one's label set.
    pub fn train(xs: &[SparseVector], label_sets: &[Vec<i64>], features: usize) -> MultiLabel {
        let mut labels: Vec<i64> = label_sets.iter().flatten().copied().collect();
        labels.sort_unstable();
        labels.dedup();
        let mut model = Linear::new(labels.len(), features);
        model.fit(xs, |scores, i| {
            labels
                .iter()
                .zip(scores)
                .map(|(label, s)| sigmoid(*s) - f32::from(u8::from(label_sets[i].contains(label))))
                .collect()
        });
        MultiLabel { labels, model }
    }

    /// Every label with its probability.
    pub fn predict(&self, x: &SparseVector) -> Vec<(i64, f64)> {
        self.labels
            .iter()
            .zip(self.model.scores(x))
            .map(|(l, s)| (*l, f64::from(sigmoid(s))))
            .collect()
    }

    /// The labels it can predict.
    pub fn labels(&self) -> &[i64] {
        &self.labels
    }

    pub(super) fn is_consistent(&self, features: usize) -> bool {
        self.model.features == features
            && self.model.classes() == self.labels.len()
            && self.model.is_consistent()
    }
}
