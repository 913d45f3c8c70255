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

/// Every text as small integer symbols, one id per distinct character in the corpus.
pub(super) struct Symbols {
    pub texts: Vec<Vec<u32>>,
    pub alphabet: usize,
}

impl Symbols {
    pub fn new<'a>(texts: impl Iterator<Item = &'a [char]>) -> Symbols {
        // Ids in order of first appearance; ASCII characters, nearly all of them, are looked
        // up in a table instead of hashed.
        let mut ascii = [NONE; 128];
        let mut ids: HashMap<char, u32> = HashMap::new();
        let mut alphabet = 0u32;
        let texts = texts
            .map(|t| {
                t.iter()
                    .map(|&c| {
                        let slot = match ascii.get_mut(c as usize) {
                            Some(slot) => slot,
                            None => ids.entry(c).or_insert(NONE),
                        };
                        if *slot == NONE {
                            *slot = alphabet;
                            alphabet += 1;
                        }
                        *slot
                    })
                    .collect()
            })
            .collect();
        Symbols {
            texts,
            alphabet: alphabet as usize,
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
    /// Where the all-zero row starts in `bits`.
    no_match: usize,
    /// The DP column, reused between comparisons.
    column: Vec<u64>,
    /// The DP columns of `lcs_lanes`, word by word, a lane per text.
    lanes: Vec<[u64; LANES]>,
    /// `lcs_lanes`' match row of every lane at every step (32-bit: half the bytes to
    /// write and read per step).
    starts: Vec<[u32; LANES]>,
    /// `lcs_lanes`' words to compute at every step: `first..end`.
    ranges: Vec<(u32, u32)>,
}

/// One text of [`Pattern::lcs_lanes_banded`] and its band.
pub(super) struct Lane<'a> {
    pub text: &'a [u32],
    /// Where each character of `text` stands in its whole text (empty when unbounded).
    pub positions: &'a [u32],
    /// How far a matched pattern character may stand after (`above`) or before
    /// (`below`) the text character it matches; `usize::MAX` for both: no band.
    pub above: usize,
    pub below: usize,
}

/// How many texts [`Pattern::lcs_lanes`] compares at once: a 512-bit vector of words.
pub(super) const LANES: usize = 8;

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
        // One more row, all zeros: the row of symbols the pattern lacks, for `lcs_lanes`.
        let mut bits = vec![0u64; (rows as usize + 1) * words];
        for (i, &s) in text.iter().enumerate() {
            bits[row_of[s as usize] as usize * words + i / 64] |= 1 << (i % 64);
        }
        Pattern {
            len: text.len(),
            words,
            row_of,
            no_match: rows as usize * words,
            bits,
            column: vec![0; words],
            lanes: vec![[0; LANES]; words],
            starts: Vec::new(),
            ranges: Vec::new(),
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
    /// no early exit. The reference [`Pattern::lcs_lanes`] is tested against.
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

    /// The LCS of the pattern with each of up to [`LANES`] texts, computed side by side:
    /// lane `l` is [`Pattern::lcs`] of `others[l]`, the arithmetic of all lanes done as one
    /// vector operation where the processor has wide vectors. A text that has ended, and
    /// a lane without a text, reads the all-zero row, which leaves its column as it is.
    #[cfg(test)]
    pub fn lcs_lanes(&mut self, others: &[&[u32]]) -> [usize; LANES] {
        let lanes: Vec<Lane> = others
            .iter()
            .map(|&text| Lane {
                text,
                positions: &[],
                above: usize::MAX,
                below: usize::MAX,
            })
            .collect();
        self.lcs_lanes_banded(&[], &lanes)
    }

    /// [`Pattern::lcs_lanes`] with each lane's matches kept to its band: lane `l` gets at
    /// least the LCS of the pattern and `lanes[l].text` over the matches of pattern
    /// character `i` with text character `j` for which `−below ≤ pos(i) − pos(j) ≤ above`
    /// (`pos` being where a character stands in its whole text: `lanes[l].positions`,
    /// and `mine` for the pattern, both increasing), and at most
    /// the unrestricted LCS. Only the words that hold some lane's band are computed; why
    /// skipping the others is the same as deleting their matches is in the module
    /// documentation.
    pub fn lcs_lanes_banded(&mut self, mine: &[u32], lanes: &[Lane]) -> [usize; LANES] {
        assert!(lanes.len() <= LANES, "at most {LANES} texts at once");
        self.fill_starts(mine, lanes);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the processor has the feature the function is compiled for.
            return unsafe { self.lcs_lanes_avx512() };
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has the feature the function is compiled for.
            return unsafe { self.lcs_lanes_avx2() };
        }
        self.lcs_lanes_generic()
    }

    /// Fills `starts` and `ranges`: where each lane's match row begins, step by step, and
    /// which words the step must compute, one pass per text, so the main loop reads a row
    /// of starts instead of looking symbols up lane by lane. Steps past a text's end,
    /// lanes without a text, and steps whose band holds no pattern position get the
    /// all-zero row.
    fn fill_starts(&mut self, mine: &[u32], lanes: &[Lane]) {
        let longest = lanes.iter().map(|o| o.text.len()).max().unwrap_or(0);
        assert!(
            u32::try_from(self.bits.len()).is_ok(),
            "match rows addressable with 32 bits"
        );
        self.starts.clear();
        self.starts.resize(longest, [self.no_match as u32; LANES]);
        self.ranges.clear();
        self.ranges.resize(longest, (u32::MAX, 0));
        let words = self.words;
        let n = self.len;
        for (l, lane) in lanes.iter().enumerate() {
            let unbounded = lane.above == usize::MAX && lane.below == usize::MAX;
            // The band's words at text position `q`: from `lo / 64`, where `lo` counts the
            // pattern characters before `q − below`, to `⌈hi / 64⌉`, where `hi` counts
            // those at or before `q + above`; both only grow with `q`. `lo / 64` passes
            // `w` once the `64·w`-th pattern character stands before `q − below`, and
            // `⌈hi / 64⌉` passes `e` once character `64·e` stands at or before `q + above`.
            let lo_after = |w: usize| -> usize {
                match (64 * w).checked_sub(1).filter(|&i| i < n && w > 0) {
                    Some(i) => (mine[i] as usize).saturating_add(lane.below),
                    None => usize::MAX,
                }
            };
            let end_from = |e: usize| -> usize {
                if 64 * e < n {
                    (mine[64 * e] as usize).saturating_sub(lane.above)
                } else {
                    usize::MAX
                }
            };
            let (mut lo_word, mut end_word) = (0usize, 0usize);
            let (mut next_lo, mut next_end) = if unbounded {
                (usize::MAX, usize::MAX)
            } else {
                (lo_after(1), end_from(0))
            };
            for (j, ((step, range), &symbol)) in self
                .starts
                .iter_mut()
                .zip(self.ranges.iter_mut())
                .zip(lane.text)
                .enumerate()
            {
                let row = self.row_of[symbol as usize];
                if row == NONE {
                    continue;
                }
                if unbounded {
                    end_word = words;
                } else {
                    let q = lane.positions[j] as usize;
                    while q > next_lo {
                        lo_word += 1;
                        next_lo = lo_after(lo_word + 1);
                    }
                    while q >= next_end && next_end != usize::MAX {
                        end_word += 1;
                        next_end = end_from(end_word);
                    }
                    if end_word <= lo_word {
                        continue;
                    }
                }
                step[l] = row * words as u32;
                range.0 = range.0.min(lo_word as u32);
                range.1 = range.1.max(end_word as u32);
            }
        }
        // Words above every band so far must stay untouched (all ones): the end of the
        // computed words only ever grows.
        let mut end = 0;
        for range in &mut self.ranges {
            end = end.max(range.1);
            range.1 = end;
        }
        for column in &mut self.lanes {
            *column = [!0; LANES];
        }
    }

    /// [`Pattern::lcs_lanes_banded`] compiled for 512-bit vectors: the eight lanes'
    /// arithmetic becomes one vector operation each. (Fetching the match words with a
    /// gather instruction instead of eight loads measured twice as slow here.)
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn lcs_lanes_avx512(&mut self) -> [usize; LANES] {
        self.lcs_lanes_generic()
    }

    /// [`Pattern::lcs_lanes_banded`] compiled for 256-bit vectors: four lanes per
    /// operation.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn lcs_lanes_avx2(&mut self) -> [usize; LANES] {
        self.lcs_lanes_generic()
    }

    /// [`Pattern::lcs_lanes`] through the portable loop, whatever the processor.
    #[cfg(test)]
    fn lcs_lanes_portable(&mut self, others: &[&[u32]]) -> [usize; LANES] {
        let lanes: Vec<Lane> = others
            .iter()
            .map(|&text| Lane {
                text,
                positions: &[],
                above: usize::MAX,
                below: usize::MAX,
            })
            .collect();
        self.fill_starts(&[], &lanes);
        self.lcs_lanes_generic()
    }

    /// The lanes' computation over what [`Pattern::fill_starts`] prepared.
    #[inline(always)]
    fn lcs_lanes_generic(&mut self) -> [usize; LANES] {
        for (start, &(first, end)) in self.starts.iter().zip(&self.ranges) {
            if first >= end {
                continue;
            }
            let mut carry = [0u64; LANES];
            let (first, end) = (first as usize, end as usize);
            for (w, column) in self.lanes[first..end].iter_mut().enumerate() {
                let w = w + first;
                let mut m = [0u64; LANES];
                for (m, &start) in m.iter_mut().zip(start) {
                    *m = self.bits[start as usize + w];
                }
                for l in 0..LANES {
                    let s = column[l];
                    let u = s & m[l];
                    let sum = s.wrapping_add(u).wrapping_add(carry[l]);
                    // The carry out of `s + u + carry` is the majority of their top bits:
                    // `(s & u) | ((s | u) & !sum)`, which is `u | (s & !sum)` as `u ⊆ s`
                    // (no unsigned 64-bit comparison, which 256-bit vectors lack).
                    carry[l] = (u | (s & !sum)) >> 63;
                    column[l] = sum | (s - u);
                }
            }
        }
        self.lane_results()
    }

    /// Each lane's LCS: the zero bits below the pattern's length.
    fn lane_results(&self) -> [usize; LANES] {
        let mut lcs = [0usize; LANES];
        for (l, out) in lcs.iter_mut().enumerate() {
            let full = self.len / 64;
            let mut zeros: u32 = self.lanes[..full]
                .iter()
                .map(|w| (!w[l]).count_ones())
                .sum();
            let rest = self.len % 64;
            if rest > 0 {
                zeros += (!self.lanes[full][l] & ((1u64 << rest) - 1)).count_ones();
            }
            *out = zeros as usize;
        }
        lcs
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

    pub(in crate::duplicates) fn symbols(texts: &[&str]) -> Symbols {
        let chars: Vec<Vec<char>> = texts.iter().map(|t| t.chars().collect()).collect();
        Symbols::new(chars.iter().map(Vec::as_slice))
    }

    proptest::proptest! {
        /// Texts of different lengths side by side get each their own LCS.
        #[test]
        fn lanes_agree_with_the_textbook_table(
            x in "[abcd ]{0,150}",
            others in proptest::collection::vec("[abcde ]{0,200}", 0..=LANES),
        ) {
            let mut all = vec![x.as_str()];
            all.extend(others.iter().map(String::as_str));
            let s = symbols(&all);
            let texts: Vec<&[u32]> = s.texts[1..].iter().map(Vec::as_slice).collect();
            let mut pattern = Pattern::new(&s.texts[0], s.alphabet);
            // The dispatching entry point (512-bit vectors where the processor has them)
            // and the portable loop, each on its own.
            let got = pattern.lcs_lanes(&texts);
            let portable = pattern.lcs_lanes_portable(&texts);
            for (l, t) in texts.iter().enumerate() {
                let want = naive_lcs(&s.texts[0], t);
                proptest::prop_assert_eq!(got[l], want);
                proptest::prop_assert_eq!(portable[l], want);
            }
        }

        /// Each banded lane lies between the LCS over its band's matches and the
        /// unrestricted LCS; texts are sparse subsequences of longer ones, as class
        /// projections are, with positions that skip ahead at random.
        #[test]
        fn banded_lanes_lie_between_the_band_and_the_whole(
            x in "[ab é1]{0,150}",
            others in proptest::collection::vec(("[abcé1 ]{0,200}", 0usize..300, 0usize..300), 0..=LANES),
            gaps in proptest::collection::vec(0u32..4, 400),
        ) {
            let mut all = vec![x.as_str()];
            all.extend(others.iter().map(|o| o.0.as_str()));
            let s = symbols(&all);
            // Positions: increasing, with gaps like those of a class's characters.
            let positions = |len: usize, offset: usize| -> Vec<u32> {
                let mut at = 0u32;
                (0..len)
                    .map(|i| {
                        at += 1 + gaps[(i + offset) % gaps.len()];
                        at
                    })
                    .collect()
            };
            let mine = positions(s.texts[0].len(), 0);
            let theirs: Vec<Vec<u32>> =
                (1..all.len()).map(|t| positions(s.texts[t].len(), 7 * t)).collect();
            let lanes: Vec<Lane> = others
                .iter()
                .enumerate()
                .map(|(l, o)| Lane {
                    text: &s.texts[l + 1],
                    positions: &theirs[l],
                    above: o.1,
                    below: o.2,
                })
                .collect();
            let mut pattern = Pattern::new(&s.texts[0], s.alphabet);
            let got = pattern.lcs_lanes_banded(&mine, &lanes);
            for (l, lane) in lanes.iter().enumerate() {
                let whole = naive_lcs(&s.texts[0], lane.text);
                let band = naive_banded_lcs(
                    (&s.texts[0], &mine),
                    (lane.text, lane.positions),
                    lane.above,
                    lane.below,
                );
                proptest::prop_assert!(band <= got[l] && got[l] <= whole, "{} {} {}", band, got[l], whole);
            }
        }

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
    fn symbols_are_numbered_in_order_of_first_appearance() {
        let s = symbols(&["ab€a", "€ßb", "", "ß\u{7f}\u{80}"]);
        assert_eq!(s.texts[0], vec![0, 1, 2, 0]);
        assert_eq!(s.texts[1], vec![2, 3, 1]);
        assert!(s.texts[2].is_empty());
        assert_eq!(s.texts[3], vec![3, 4, 5]);
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
            assert_eq!(p.lcs_lanes(&[tb])[0], want, "{a:?} {b:?}");
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
