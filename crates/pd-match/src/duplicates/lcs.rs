//! An exact filter for the pairs the bounds let through: the length of the longest common
//! subsequence (LCS), computed bit-parallel (Hyyrö's 64 cells per machine word), which
//! gives up as soon as the pair can no longer reach the limit.
//!
//! After `r` characters of the longer text `b`, the LCS of `a` with that prefix is known
//! for every prefix of `a`. Whatever the rest of `b` adds, the final LCS is at most
//! `ℓ(i*, r) + (|b| − r)` with `i* = r + |a| − |b|` (a longer prefix of `a` gains at most one
//! per character, and the rest of `b` matches at most `|b| − r` characters). When that is
//! below the LCS the limit needs, no alignment can reach it and the pair is dropped.
//! Unrelated texts are usually dropped a third of the way through; the few pairs that
//! get through are then scored by the `rapidfuzz` crate, so reported ratios are its own.
//!
//! Only the part of the column that a good enough alignment can reach is computed
//! (Ukkonen's band). In an alignment with `ℓ ≥ need` matches, a match of `a[i]` with
//! `b[j]` has `i − j ≤ |a| − need` and `j − i ≤ |b| − need` (each side's skipped
//! characters before the match count at most once), so row `j` needs only the words
//! holding positions `j − (|b| − need) ..= j + (|a| − need)`. Skipping the others is
//! exactly the full computation with the matches outside the band deleted from the match
//! matrix: words above the band are still all ones, which a carry passes through
//! unchanged; words below it see no match and a carry of zero from below, so they keep
//! their value and pass zero on — that is, they can be left as they are. So the filter
//! computes the LCS of a problem that still holds every good enough alignment and no
//! better one: results within the limit are exact, and so is the early exit.

use std::collections::HashMap;

use rayon::prelude::*;

use super::process::{AsciiCounts, Run, Runs};

/// Small integer symbols for the characters of a corpus: the ASCII characters it holds in
/// their order, then the others in order of first appearance (reading the texts in order).
/// A text's symbols are made when needed and not kept: four bytes a character for every
/// text would be most of the search's memory.
pub(super) struct Alphabet {
    /// ASCII characters, nearly all of them, are looked up in a table, not hashed.
    ascii: [u32; 128],
    others: HashMap<char, u32>,
    /// How often each symbol occurs in all the texts, by symbol.
    frequency: Vec<u64>,
}

impl Alphabet {
    /// The alphabet of `texts`, and for each text `summary` of its [`CharCounts`], taken
    /// while they are at hand. Each text's counts and its own characters outside ASCII are
    /// found in parallel; only those are numbered and added up one after another.
    pub fn with_summaries<T: Send>(
        texts: &[&str],
        summary: impl Fn(&CharCounts) -> T + Sync,
    ) -> (Alphabet, Vec<T>) {
        let (seen, summaries): (Vec<CharCounts>, Vec<T>) = texts
            .par_iter()
            .map(|t| {
                let counts = CharCounts::of(t);
                let summary = summary(&counts);
                (counts, summary)
            })
            .unzip();
        let mut ascii_counts = [0u64; 128];
        for s in &seen {
            for (total, &n) in ascii_counts.iter_mut().zip(&s.ascii) {
                *total += u64::from(n);
            }
        }
        let mut ascii = [NONE; 128];
        let mut frequency = Vec::new();
        for (slot, &n) in ascii.iter_mut().zip(&ascii_counts) {
            if n > 0 {
                *slot = frequency.len() as u32;
                frequency.push(n);
            }
        }
        let mut others: HashMap<char, u32> = HashMap::new();
        for s in &seen {
            for &c in &s.firsts {
                let n = u64::from(s.others[&c]);
                let symbol = *others.entry(c).or_insert_with(|| {
                    frequency.push(0);
                    frequency.len() as u32 - 1
                });
                frequency[symbol as usize] += n;
            }
        }
        let alphabet = Alphabet {
            ascii,
            others,
            frequency,
        };
        (alphabet, summaries)
    }

    /// How many symbols there are.
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// The symbols of `text`, which must be one of the texts the alphabet was made of,
    /// written over `out`.
    pub fn symbols_into(&self, text: &str, out: &mut Vec<u32>) {
        out.clear();
        for run in Runs::of(text) {
            match run {
                Run::Ascii(bytes) => out.extend(bytes.iter().map(|&b| self.ascii[usize::from(b)])),
                Run::Other(c) => out.push(self.others[&c]),
            }
        }
    }

    /// The symbols of `text` (one of the alphabet's texts).
    pub fn symbols(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len());
        self.symbols_into(text, &mut out);
        out
    }

    /// How often each symbol occurs in all the alphabet's texts.
    pub fn frequency(&self) -> &[u64] {
        &self.frequency
    }
}

/// One text's character counts, and its characters outside ASCII in order of first
/// appearance.
pub(super) struct CharCounts {
    pub ascii: [u32; 128],
    firsts: Vec<char>,
    /// A text in a large script may hold thousands of different characters.
    pub others: HashMap<char, u32>,
}

impl CharCounts {
    fn of(text: &str) -> CharCounts {
        let mut ascii = AsciiCounts::new();
        let (mut firsts, mut others) = (Vec::new(), HashMap::new());
        for run in Runs::of(text) {
            match run {
                Run::Ascii(bytes) => ascii.add(bytes),
                Run::Other(c) => {
                    let count = others.entry(c).or_insert(0);
                    if *count == 0 {
                        firsts.push(c);
                    }
                    *count += 1;
                }
            }
        }
        CharCounts {
            ascii: ascii.totals(),
            firsts,
            others,
        }
    }
}

/// Where each symbol of the pattern text occurs, a bit per position.
pub(super) struct Pattern {
    len: usize,
    words: usize,
    /// Symbol id → row in `bits`, or `NONE` for symbols the pattern lacks.
    row_of: Vec<u32>,
    bits: Vec<u64>,
    /// The DP column, reused between comparisons.
    column: Vec<u64>,
}

const NONE: u32 = u32::MAX;

impl Pattern {
    pub fn new(text: &[u32], alphabet: usize) -> Pattern {
        let words = text.len().div_ceil(64).max(1);
        let mut row_of = vec![NONE; alphabet];
        let mut rows = 0u32;
        for &s in text {
            if row_of[s as usize] == NONE {
                row_of[s as usize] = rows;
                rows += 1;
            }
        }
        let mut bits = vec![0u64; rows as usize * words];
        for (i, &s) in text.iter().enumerate() {
            bits[row_of[s as usize] as usize * words + i / 64] |= 1 << (i % 64);
        }
        Pattern {
            len: text.len(),
            words,
            row_of,
            bits,
            column: vec![0; words],
        }
    }

    /// The LCS of the pattern and `other` if their Indel distance
    /// (`|a| + |b| − 2·LCS`) is at most `max_distance`, else `None`. `other` must be at
    /// least as long as the pattern.
    pub fn lcs_within(&mut self, other: &[u32], max_distance: usize) -> Option<usize> {
        debug_assert!(other.len() >= self.len);
        let total = self.len + other.len();
        // The LCS needed for a distance within the limit.
        let need = total.saturating_sub(max_distance).div_ceil(2);
        if need > self.len {
            return None;
        }
        let words = self.words;
        // How far above and below the diagonal a match of a good enough alignment can lie.
        let above = self.len - need;
        let below = other.len() - need;
        let column = &mut self.column;
        column.fill(!0);
        let shift = other.len() - self.len;
        for (r, &symbol) in other.iter().enumerate() {
            let row = self.row_of[symbol as usize];
            if row != NONE {
                let first = r.saturating_sub(below) / 64;
                let end = ((r + above) / 64 + 1).min(words);
                let matches = &self.bits[row as usize * words..][first..end];
                let mut carry = false;
                for (s, &m) in column[first..end].iter_mut().zip(matches) {
                    let u = *s & m;
                    let (sum, c1) = s.overflowing_add(u);
                    let (sum, c2) = sum.overflowing_add(carry as u64);
                    carry = c1 || c2;
                    *s = sum | (*s - u);
                }
            }
            // Check now and then: the bound costs a pass over the column.
            let seen = r + 1;
            if seen % 32 == 0 && seen > shift {
                let prefix = seen - shift;
                if common_in_prefix(column, prefix) + (other.len() - seen) < need {
                    return None;
                }
            }
        }
        let lcs = common_in_prefix(column, self.len);
        (lcs >= need).then_some(lcs)
    }
}

impl Pattern {
    /// The LCS of the pattern and `other`, of any lengths: the whole column, no band and
    /// no early exit, checked against the textbook table.
    #[cfg(test)]
    pub fn lcs(&mut self, other: &[u32]) -> usize {
        let words = self.words;
        let column = &mut self.column;
        column.fill(!0);
        for &symbol in other {
            let row = self.row_of[symbol as usize];
            if row == NONE {
                continue;
            }
            let matches = &self.bits[row as usize * words..][..words];
            let mut carry = false;
            for (s, &m) in column.iter_mut().zip(matches) {
                let u = *s & m;
                let (sum, c1) = s.overflowing_add(u);
                let (sum, c2) = sum.overflowing_add(carry as u64);
                carry = c1 || c2;
                *s = sum | (*s - u);
            }
        }
        common_in_prefix(column, self.len)
    }
}

/// The LCS with the first `len` characters of the pattern: the zero bits below `len`.
fn common_in_prefix(column: &[u64], len: usize) -> usize {
    let full = len / 64;
    let mut zeros: u32 = column[..full].iter().map(|w| (!w).count_ones()).sum();
    let rest = len % 64;
    if rest > 0 {
        zeros += (!column[full] & ((1u64 << rest) - 1)).count_ones();
    }
    zeros as usize
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The textbook LCS table, the reference the duplicate search's LCS code is tested
    /// against.
    pub(in crate::duplicates) fn naive_lcs(a: &[u32], b: &[u32]) -> usize {
        let mut row = vec![0usize; b.len() + 1];
        for &x in a {
            let mut diag = 0;
            for (j, &y) in b.iter().enumerate() {
                let up = row[j + 1];
                row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
                diag = up;
            }
        }
        row[b.len()]
    }

    /// The textbook LCS table over the matches of `a[i]` with `b[j]` whose positions
    /// satisfy `−below ≤ pos_a(i) − pos_b(j) ≤ above`.
    pub(in crate::duplicates) fn naive_banded_lcs(
        (a, pos_a): (&[u32], &[u32]),
        (b, pos_b): (&[u32], &[u32]),
        above: usize,
        below: usize,
    ) -> usize {
        let mut row = vec![0usize; b.len() + 1];
        for (&x, &pa) in a.iter().zip(pos_a) {
            let mut diag = 0;
            for (j, (&y, &pb)) in b.iter().zip(pos_b).enumerate() {
                let up = row[j + 1];
                let in_band = (pa as i64 - pb as i64) <= above as i64
                    && (pb as i64 - pa as i64) <= below as i64;
                row[j + 1] = if x == y && in_band {
                    diag + 1
                } else {
                    up.max(row[j])
                };
                diag = up;
            }
        }
        row[b.len()]
    }

    /// Every text as symbols of one [`Alphabet`].
    pub(in crate::duplicates) struct Symbols {
        pub texts: Vec<Vec<u32>>,
        pub alphabet: usize,
    }

    impl Symbols {
        /// How often each symbol occurs in all texts.
        pub fn frequency(&self) -> Vec<u64> {
            let mut counts = vec![0u64; self.alphabet];
            for &s in self.texts.iter().flatten() {
                counts[s as usize] += 1;
            }
            counts
        }
    }

    pub(in crate::duplicates) fn symbols(texts: &[&str]) -> Symbols {
        let (alphabet, _) = Alphabet::with_summaries(texts, |_| ());
        let frequency = alphabet.frequency().to_vec();
        let symbols = Symbols {
            texts: texts.iter().map(|t| alphabet.symbols(t)).collect(),
            alphabet: alphabet.len(),
        };
        assert_eq!(symbols.frequency(), frequency);
        symbols
    }

    proptest::proptest! {
        #[test]
        fn lcs_within_agrees_with_the_textbook_table(
            x in "[abc ]{0,200}",
            y in "[abc d]{0,260}",
            limit in 0usize..500,
        ) {
            let s = symbols(&[&x, &y]);
            let (mut a, mut b) = (&s.texts[0], &s.texts[1]);
            if a.len() > b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            let lcs = naive_lcs(a, b);
            let want = (a.len() + b.len() - 2 * lcs <= limit).then_some(lcs);
            proptest::prop_assert_eq!(Pattern::new(a, s.alphabet).lcs_within(b, limit), want);
        }

        /// `junk + core` against `core + tail`: the best alignment runs as far from the
        /// diagonal (above or below it) as the band allows, so a band one word too
        /// narrow on either side loses it.
        #[test]
        fn lcs_within_keeps_alignments_at_the_edge_of_the_band(
            junk in "[xy]{1,150}",
            core in "[abc ]{1,250}",
            tail in "[xyz]{0,200}",
            slack in 0usize..3,
            junk_first in proptest::bool::ANY,
        ) {
            let (x, y) = if junk_first {
                (format!("{junk}{core}"), format!("{core}{tail}"))
            } else {
                (format!("{core}{tail}"), format!("{junk}{core}"))
            };
            let s = symbols(&[&x, &y]);
            let (mut a, mut b) = (&s.texts[0], &s.texts[1]);
            if a.len() > b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            let lcs = naive_lcs(a, b);
            let limit = a.len() + b.len() - 2 * lcs + slack;
            proptest::prop_assert_eq!(Pattern::new(a, s.alphabet).lcs_within(b, limit), Some(lcs));
        }
    }

    #[test]
    fn symbols_are_ascii_in_its_order_then_the_others_in_order_of_first_appearance() {
        let s = symbols(&["ba€a", "€ßb", "", "ß\u{7f}\u{80}"]);
        // 'a', 'b', DEL; then '€', 'ß', U+0080.
        assert_eq!(s.texts[0], vec![1, 0, 3, 0]);
        assert_eq!(s.texts[1], vec![3, 4, 1]);
        assert!(s.texts[2].is_empty());
        assert_eq!(s.texts[3], vec![4, 2, 5]);
        assert_eq!(s.alphabet, 6);
    }

    #[test]
    fn lcs_is_exact_across_word_boundaries() {
        let long_a: String = (0..300)
            .map(|i| (b'a' + (i * 7 % 26) as u8) as char)
            .collect();
        let long_b: String = (0..340)
            .map(|i| (b'a' + (i * 11 % 26) as u8) as char)
            .collect();
        let cases = [
            ("", "abc"),
            ("abc", "abc"),
            ("abc", "xaybzc"),
            ("first document", "other first document"),
            (long_a.as_str(), long_b.as_str()),
            (&long_a[..130], &long_a[3..200]),
        ];
        for (a, b) in cases {
            let s = symbols(&[a, b]);
            let (ta, tb) = (&s.texts[0], &s.texts[1]);
            let want = naive_lcs(ta, tb);
            let mut p = Pattern::new(ta, s.alphabet);
            assert_eq!(p.lcs(tb), want, "{a:?} {b:?}");
            assert_eq!(Pattern::new(tb, s.alphabet).lcs(ta), want, "{b:?} {a:?}");
            assert_eq!(
                p.lcs_within(tb, ta.len() + tb.len()),
                Some(want),
                "{a:?} {b:?}"
            );
            // Exactly at the limit it is found, one below it is not.
            let distance = ta.len() + tb.len() - 2 * want;
            assert_eq!(p.lcs_within(tb, distance), Some(want));
            if distance > 0 {
                assert_eq!(p.lcs_within(tb, distance - 1), None);
            }
        }
    }
}
