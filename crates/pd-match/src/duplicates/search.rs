//! The pruned all-pairs search and its brute-force reference.

use std::sync::atomic::{AtomicU64, Ordering};

use rapidfuzz::fuzz::{self, Args};

use super::classes::{Candidate, ClassBound, Partition, Projection, Scratch};
use super::lcs::{Alphabet, CharCounts, Pattern};
use rayon::prelude::*;
use serde::Serialize;

/// Buckets of the character histogram: space, `a`–`z`, `0`–`9`, and 27 shared by every
/// other character (merging characters into a bucket only weakens the bound).
const BUCKETS: usize = 64;
const OTHER_BUCKETS: u32 = 27;

/// One document's processed text and its signature.
#[derive(Debug, Clone)]
pub struct PreparedText {
    /// The processed text, as UTF-8: a byte a character for most text, where a `char`
    /// takes four.
    text: String,
    /// Its length in characters.
    len: usize,
}

impl PreparedText {
    /// Wraps text that has already been through
    /// [`default_process`](super::default_process).
    pub fn new(chars: Vec<char>) -> PreparedText {
        PreparedText::processed(chars.into_iter().collect())
    }

    /// A document's content, through [`default_process`](super::default_process).
    pub fn of(content: &str) -> PreparedText {
        PreparedText::processed(super::default_process_str(content))
    }

    /// Wraps text that has already been through
    /// [`default_process_str`](super::default_process_str).
    fn processed(text: String) -> PreparedText {
        PreparedText {
            len: text.chars().count(),
            text,
        }
    }

    /// The processed text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The processed characters.
    pub fn chars(&self) -> std::str::Chars<'_> {
        self.text.chars()
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// [`bucket_of`] every ASCII character.
const ASCII_BUCKETS: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = bucket_of(b as u8 as char) as u8;
        b += 1;
    }
    table
};

const fn bucket_of(c: char) -> usize {
    match c {
        ' ' => 0,
        'a'..='z' => 1 + (c as usize - 'a' as usize),
        '0'..='9' => 27 + (c as usize - '0' as usize),
        _ => 37 + ((c as u32).wrapping_mul(0x9E37_79B1) >> 16) as usize % OTHER_BUCKETS as usize,
    }
}

/// Two documents (indices into the searched slice, `a < b`) at or above the ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SimilarPair {
    pub a: usize,
    pub b: usize,
    /// `fuzz.ratio`, 0–100, exactly as rapidfuzz computes it.
    pub ratio: f64,
}

/// How much work the search did: what the bounds saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SearchStats {
    /// Documents compared (empty ones excluded).
    pub documents: u64,
    /// Every unordered pair of them.
    pub pairs: u64,
    /// Pairs inside the length window, whose signatures were compared.
    pub length_candidates: u64,
    /// Pairs past the histogram bound, checked with the class bound.
    pub class_checked: u64,
    /// Pairs no bound could rule out, checked with the full bit-parallel LCS filter.
    pub verified: u64,
    /// Pairs the LCS filter let through, scored by rapidfuzz.
    pub scored: u64,
    /// Pairs at or above the ratio.
    pub matches: u64,
}

/// The largest Indel distance a pair with `total_len` characters in all may have and still
/// reach the ratio, plus one: the margin absorbs any floating-point rounding in rapidfuzz's
/// own comparison, so no bound built on it can drop a pair rapidfuzz keeps.
fn max_distance(total_len: usize, slack: f64) -> usize {
    (total_len as f64 * slack).floor() as usize + 1
}

/// Every text's length and histogram, in order of length: the window a text is compared
/// with is one stretch of memory, read front to back, and the next text's window is
/// nearly the same one, still in the cache.
struct Signatures {
    lens: Vec<usize>,
    histograms: Vec<[u16; BUCKETS]>,
}

impl Signatures {
    /// `order`: the texts' indices by length; `histograms`: theirs, in the texts' order.
    fn new(texts: &[PreparedText], histograms: &[[u16; BUCKETS]], order: &[usize]) -> Signatures {
        Signatures {
            lens: order.iter().map(|&i| texts[i].len()).collect(),
            histograms: order.iter().map(|&i| histograms[i]).collect(),
        }
    }
}

/// A text's character counts per bucket, saturating at `u16::MAX` (capped counts differ
/// by no more than the true counts do, so the bound stays valid; 16-bit counts halve the
/// bytes compared per pair). From the counts the alphabet takes anyway: no pass of its
/// own over the text.
fn histogram(counts: &CharCounts) -> [u16; BUCKETS] {
    let mut buckets = [0u32; BUCKETS];
    for (b, &n) in counts.ascii.iter().enumerate() {
        buckets[usize::from(ASCII_BUCKETS[b])] += n;
    }
    for (&c, &n) in &counts.others {
        buckets[bucket_of(c)] += n;
    }
    buckets.map(|n| u16::try_from(n).unwrap_or(u16::MAX))
}

/// Lower bound on the Indel distance: the L1 distance of the character histograms.
#[inline(always)]
fn histogram_bound(a: &[u16; BUCKETS], b: &[u16; BUCKETS]) -> usize {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| x.abs_diff(y) as u32)
        .sum::<u32>() as usize
}

/// The texts before the `q`-th by length (as long or shorter) that pass the length and
/// histogram bounds against it, pushed onto `candidates` (by their place in length order,
/// nearest first); returns how many were inside the length window.
fn scan_window(
    signatures: &Signatures,
    q: usize,
    slack: f64,
    candidates: &mut Vec<Candidate>,
) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512bw") {
        // SAFETY: the processor has the feature the function is compiled for.
        return unsafe { scan_window_avx512(signatures, q, slack, candidates) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has the feature the function is compiled for.
        return unsafe { scan_window_avx2(signatures, q, slack, candidates) };
    }
    scan_window_generic(signatures, q, slack, candidates)
}

/// [`scan_window`] compiled for 256-bit vectors: a histogram comparison is four of them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_window_avx2(
    signatures: &Signatures,
    q: usize,
    slack: f64,
    candidates: &mut Vec<Candidate>,
) -> u64 {
    scan_window_generic(signatures, q, slack, candidates)
}

/// [`scan_window`] compiled for 512-bit vectors: a histogram comparison is two of them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn scan_window_avx512(
    signatures: &Signatures,
    q: usize,
    slack: f64,
    candidates: &mut Vec<Candidate>,
) -> u64 {
    scan_window_generic(signatures, q, slack, candidates)
}

#[inline(always)]
fn scan_window_generic(
    signatures: &Signatures,
    q: usize,
    slack: f64,
    candidates: &mut Vec<Candidate>,
) -> u64 {
    let (len_b, histogram_b) = (signatures.lens[q], &signatures.histograms[q]);
    let shorter = signatures.lens[..q]
        .iter()
        .zip(&signatures.histograms[..q])
        .rev();
    let mut inside = 0;
    for (p, (&len_a, histogram_a)) in (0..q).rev().zip(shorter) {
        let total = len_a + len_b;
        let limit = max_distance(total, slack);
        // Sorted by length, so once the length gap exceeds the limit it does for every
        // shorter text too (the gap grows by 1 per character, the limit by less).
        // (Below ratio 50 the limit grows by more than half a character per character,
        // where rounding could make two steps at once: no early stop.)
        if len_b - len_a > limit {
            if slack < 0.5 {
                break;
            }
            continue;
        }
        inside += 1;
        if histogram_bound(histogram_a, histogram_b) > limit {
            continue;
        }
        let need = total.saturating_sub(limit).div_ceil(2);
        candidates.push(Candidate { other: p, need });
    }
    inside
}

/// How many texts, next to each other in length order, go through the class bound
/// together (see [`ClassBound`]).
const BLOCK: usize = 32;

/// Scores a pair as paperless-ngx does: `fuzz.ratio(a, b, score_cutoff=ratio)` kept when
/// it is at least `ratio`. (rapidfuzz 0.5's `RatioBatchComparator`, which would reuse the
/// pattern bit vectors of `a`, returns wrong scores, so each pair is scored on its own.)
fn score(a: &PreparedText, b: &PreparedText, ratio: f64) -> Option<f64> {
    let args = Args::default().score_cutoff(ratio / 100.0);
    fuzz::ratio_with_args(a.chars(), b.chars(), &args)
        .map(|s| s * 100.0)
        .filter(|&r| r >= ratio)
}

fn sort_pairs(pairs: &mut [SimilarPair]) {
    pairs.sort_by(|x, y| {
        y.ratio
            .total_cmp(&x.ratio)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
}

/// Every pair of `texts` whose ratio is at least `ratio` (0–100), highest ratio first, ties
/// by `(a, b)`: the pruned search. Runs on the current rayon pool; `progress` is called with
/// the number of documents whose pairs are done.
pub fn similar_pairs(
    texts: &[PreparedText],
    ratio: f64,
    progress: &(dyn Fn(u64) + Sync),
) -> (Vec<SimilarPair>, SearchStats) {
    let slack = ((100.0 - ratio) / 100.0).clamp(0.0, 1.0);
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| (texts[i].len(), i));
    let strs: Vec<&str> = texts.iter().map(PreparedText::text).collect();
    let (alphabet, histograms) = Alphabet::with_summaries(&strs, histogram);
    let partition = Partition::banded(alphabet.frequency());
    // Signatures and projections in order of length, where each text's window lies.
    let signatures = Signatures::new(texts, &histograms, &order);
    drop(histograms);
    let projections: Vec<Projection> = order
        .par_iter()
        .map_init(
            || (Vec::new(), Scratch::default()),
            |(symbols, scratch), &i| {
                alphabet.symbols_into(strs[i], symbols);
                partition.project(symbols, scratch)
            },
        )
        .collect();
    let done = AtomicU64::new(0);
    // Blocks of texts next to each other in length order, which share most of their
    // candidates: the class bound reads each candidate once per tile for the whole block.
    let blocks: Vec<std::ops::Range<usize>> = (0..order.len())
        .step_by(BLOCK)
        .map(|start| start..(start + BLOCK).min(order.len()))
        .collect();
    let per_block: Vec<(Vec<SimilarPair>, SearchStats)> = blocks
        .into_par_iter()
        .map_init(
            || ClassBound::new(&partition),
            |classes, block| {
                let mut stats = SearchStats::default();
                let mut found = Vec::new();
                let mut lists: Vec<(usize, Vec<Candidate>)> = block
                    .clone()
                    .map(|q| {
                        let mut candidates = Vec::new();
                        stats.length_candidates +=
                            scan_window(&signatures, q, slack, &mut candidates);
                        stats.class_checked += candidates.len() as u64;
                        (q, candidates)
                    })
                    .collect();
                classes.retain_reachable(&mut lists, &projections);
                for (q, candidates) in lists {
                    let b = order[q];
                    let text_b = &texts[b];
                    let mut symbols_b = Vec::new();
                    for Candidate { other: p, .. } in candidates {
                        let a = order[p];
                        let text_a = &texts[a];
                        let limit = max_distance(text_a.len() + text_b.len(), slack);
                        stats.verified += 1;
                        // Few pairs get this far: the shorter text's pattern is built for
                        // each.
                        if symbols_b.is_empty() {
                            alphabet.symbols_into(&text_b.text, &mut symbols_b);
                        }
                        let mut pattern =
                            Pattern::new(&alphabet.symbols(&text_a.text), alphabet.len());
                        if pattern.lcs_within(&symbols_b, limit).is_none() {
                            continue;
                        }
                        stats.scored += 1;
                        if let Some(r) = score(text_a, text_b, ratio) {
                            found.push(SimilarPair {
                                a: a.min(b),
                                b: a.max(b),
                                ratio: r,
                            });
                        }
                    }
                }
                progress(
                    done.fetch_add(block.len() as u64, Ordering::Relaxed) + block.len() as u64,
                );
                (found, stats)
            },
        )
        .collect();
    let n = texts.len() as u64;
    let mut stats = SearchStats {
        documents: n,
        pairs: n * n.saturating_sub(1) / 2,
        ..SearchStats::default()
    };
    let mut pairs = Vec::new();
    for (found, s) in per_block {
        stats.length_candidates += s.length_candidates;
        stats.class_checked += s.class_checked;
        stats.verified += s.verified;
        stats.scored += s.scored;
        pairs.extend(found);
    }
    stats.matches = pairs.len() as u64;
    sort_pairs(&mut pairs);
    (pairs, stats)
}

/// The same result by scoring every pair: paperless-ngx's algorithm, the reference the
/// pruned search is tested against.
pub fn all_pairs(texts: &[PreparedText], ratio: f64) -> Vec<SimilarPair> {
    let mut pairs = Vec::new();
    for a in 0..texts.len() {
        for b in a + 1..texts.len() {
            if let Some(r) = score(&texts[a], &texts[b], ratio) {
                pairs.push(SimilarPair { a, b, ratio: r });
            }
        }
    }
    sort_pairs(&mut pairs);
    pairs
}

/// `fuzz.ratio` of two processed texts without a cutoff, 0–100.
pub fn ratio(a: &[char], b: &[char]) -> f64 {
    fuzz::ratio(a.iter().copied(), b.iter().copied()) * 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duplicates::default_process;

    fn texts(contents: &[&str]) -> Vec<PreparedText> {
        contents
            .iter()
            .map(|c| PreparedText::new(default_process(c)))
            .collect()
    }

    #[test]
    fn paperless_examples() {
        let a = default_process("first document");
        let b = default_process("other first document");
        assert!((ratio(&a, &b) - 82.352_941).abs() < 1e-5);
        let t = texts(&[
            "first document scanned by bob",
            "first document scanned by alice",
        ]);
        let (pairs, _) = similar_pairs(&t, 85.0, &|_| {});
        assert_eq!(pairs.len(), 1);
        assert!((pairs[0].ratio - 86.666_667).abs() < 1e-5);
        let (pairs, _) = similar_pairs(
            &texts(&["first document", "other first document"]),
            85.0,
            &|_| {},
        );
        assert!(pairs.is_empty());
    }

    #[test]
    fn punctuation_only_texts_are_equal() {
        let (pairs, _) = similar_pairs(&texts(&["!!!", "???", "word"]), 85.0, &|_| {});
        assert_eq!(
            pairs,
            vec![SimilarPair {
                a: 0,
                b: 1,
                ratio: 100.0
            }]
        );
    }

    #[test]
    fn ratio_zero_reports_every_pair() {
        let t = texts(&["abc", "xyz", "completely different and much longer"]);
        let (pairs, stats) = similar_pairs(&t, 0.0, &|_| {});
        assert_eq!(pairs.len(), 3);
        assert_eq!(stats.verified, 3);
        assert_eq!(pairs, all_pairs(&t, 0.0));
    }

    #[test]
    fn ties_are_ordered_by_ids() {
        let t = texts(&["same text", "other words", "same text", "same text"]);
        let (pairs, _) = similar_pairs(&t, 90.0, &|_| {});
        let ids: Vec<(usize, usize)> = pairs.iter().map(|p| (p.a, p.b)).collect();
        assert_eq!(ids, vec![(0, 2), (0, 3), (2, 3)]);
    }
}
