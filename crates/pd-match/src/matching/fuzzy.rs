//! `partial_ratio`: the best Indel similarity between the shorter string and any
//! equally long stretch of the longer one, as Python's `rapidfuzz.fuzz.partial_ratio`
//! scores it, built on the `rapidfuzz` crate's Indel distance.

use std::collections::HashSet;

use rapidfuzz::distance::indel;

use super::words::{is_space, is_word};

/// The score a fuzzy rule needs (paperless-ngx's `score_cutoff`).
pub const FUZZY_THRESHOLD: f64 = 90.0;

/// Python's `rapidfuzz.fuzz.partial_ratio(s1, s2)`, 0 to 100, over Unicode scalar
/// values (Python's characters).
///
/// The shorter string (`s1` when both are as long) is compared with every stretch of
/// the longer one as long as itself, and with the longer one's prefixes and suffixes
/// that are shorter than that; the best normalised Indel similarity wins
/// (`100 · (1 − distance / (len₁ + len₂))`). Equally long strings are also tried the
/// other way round. Two empty strings score 100, one empty string 0.
///
/// ```
/// use pd_match::partial_ratio;
/// assert_eq!(partial_ratio("springfield miss", "1220 main street springfield miss"), 100.0);
/// assert_eq!(partial_ratio("springfield miss", "1220 main street springf eld miss"), 93.75);
/// ```
pub fn partial_ratio(s1: &str, s2: &str) -> f64 {
    let a: Vec<char> = s1.chars().collect();
    let b: Vec<char> = s2.chars().collect();
    partial_ratio_chars(&a, &b)
}

pub(crate) fn partial_ratio_chars(a: &[char], b: &[char]) -> f64 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return if long.is_empty() { 100.0 } else { 0.0 };
    }
    let best = best_window(short, long);
    if a.len() == b.len() && best < 100.0 {
        best.max(best_window(long, short))
    } else {
        best
    }
}

/// The best score of `needle` (not longer than `haystack`) against the stretches of
/// `haystack`. A stretch whose edge character does not occur in the needle can be
/// skipped: dropping that character scores at least as well, and that shorter stretch
/// (or its shifted neighbour) is tried too.
fn best_window(needle: &[char], haystack: &[char]) -> f64 {
    let n = needle.len();
    let m = haystack.len();
    let chars: HashSet<char> = needle.iter().copied().collect();
    let scorer = indel::BatchComparator::new(needle.iter().copied());
    let score = |window: &[char]| {
        let total = n + window.len();
        let distance = scorer.distance(window.iter().copied());
        100.0 * (1.0 - distance as f64 / total as f64)
    };
    let mut best: f64 = 0.0;
    // Prefixes shorter than the needle.
    for len in 1..n {
        if chars.contains(&haystack[len - 1]) {
            best = best.max(score(&haystack[..len]));
        }
    }
    // Stretches as long as the needle.
    for start in 0..=m - n {
        if best >= 100.0 {
            return best;
        }
        if chars.contains(&haystack[start + n - 1]) {
            best = best.max(score(&haystack[start..start + n]));
        }
    }
    // Suffixes shorter than the needle.
    for start in m - n + 1..m {
        if chars.contains(&haystack[start]) {
            best = best.max(score(&haystack[start..]));
        }
    }
    best
}

/// A fuzzy rule's view of a text: every character that is neither a word character
/// nor white space removed (not replaced), lower-cased when the rule is
/// case-insensitive.
pub(crate) fn fuzzy_text(text: &str, lowercase: bool) -> Vec<char> {
    let kept: String = text
        .chars()
        .filter(|&c| is_word(c) || is_space(c))
        .collect();
    if lowercase {
        kept.to_lowercase().chars().collect()
    } else {
        kept.chars().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_cases() {
        assert_eq!(partial_ratio("", ""), 100.0);
        assert_eq!(partial_ratio("a", ""), 0.0);
        assert_eq!(partial_ratio("", "a"), 0.0);
        assert_eq!(partial_ratio("abc", "abc"), 100.0);
        assert_eq!(partial_ratio("bca", "abc"), 80.0);
    }

    #[test]
    fn stripping() {
        let text: String = fuzzy_text("Springfield, Miss.", true).into_iter().collect();
        assert_eq!(text, "springfield miss");
        let text: String = fuzzy_text("Ünïcode_OK—yes", false).into_iter().collect();
        assert_eq!(text, "Ünïcode_OKyes");
    }
}
