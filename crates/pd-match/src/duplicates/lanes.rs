//! The class bound's LCS, [`LANES`] texts side by side against one pattern: a
//! bit-parallel column per text (Hyyrö's 64 cells a word) in the lanes of a vector, each
//! kept to its band, each given up once it can no longer reach what it needs.
//!
//! **Ids laid out once per text.** A text's characters of one class are stored, once per
//! document, as one-byte ids numbered for the whole corpus (see `classes`), and a
//! pattern keeps, word by word, a table of 256 match words indexed by id. So a lane's
//! step is two plain loads — its text's next id, then that id's word in the table — with
//! nothing looked up per pair (or, with 512-bit vectors, a permute of the table's first
//! words for all lanes at once). Id [`NO_MATCH`] belongs to no character: its match words
//! are all zero, and a lane that has nothing to compute at a step reads it.
//!
//! **The band.** Each lane comes with its band: pattern character `i` may match text
//! character `j` only if `−below ≤ pos(i) − pos(j) ≤ above` (positions in the whole
//! texts). At text position `q` the band holds the pattern characters from the `lo`-th,
//! `lo` counting those before `q − below`, to the `hi`-th, `hi` counting those at or
//! before `q + above`; both only grow with `q`. A lane is *active* from the step at which
//! `hi` first exceeds zero to the one at which `lo` reaches the pattern's length, or
//! longer; outside that its band is empty and it reads [`NO_MATCH`]. The steps are run in
//! segments of [`SEGMENT`], from one multiple of it to the next: a lane's activity is
//! taken to start at one and to stop at one or at its text's end, past which it reads
//! the [`PADDING`] that follows every text. Over a segment every active lane computes the
//! same words: from the lowest `lo / 64` any of them has at
//! the segment's first step to the highest `⌈hi / 64⌉` any of them has at its last step,
//! or reached before (the end never shrinks, so the words above it are still all ones).
//! As `lo` and `hi` only grow, that covers every active lane's band at every step of the
//! segment, and finding it costs a few comparisons per lane and segment, nothing per step.
//!
//! **Marks, not positions.** Of a text's positions a lane is given only its *marks*: where
//! every [`SEGMENT`]-th character stands, and the last one (see [`Marker`]); so is the
//! pattern. That is all the band needs, taken on the safe side: a character's position is
//! at least the mark at or before it and at most the mark after it (or the last
//! character's), so `lo` is taken no higher and `hi` no lower than the band's (the
//! pattern's positions are needed only at its words' first and last characters), and the
//! lane is made active no later and stopped no sooner. A lane active where its band is
//! empty, or computing words outside its band, only keeps matches the band would have
//! deleted (below), and a longer activity only adds steps to the early exit's count.
//! Segments start at multiples of [`SEGMENT`], so their first step's position is a mark
//! itself, as are the pattern's words' first characters. The marks take a [`SEGMENT`]-th of the positions' bytes: what
//! a lane reads of a text it has not seen yet is mostly its ids, and no text keeps its
//! positions.
//!
//! Computing a lane's words outside its band, or skipping words, is the full computation
//! on a match matrix with some matches deleted (why skipping is deleting is in
//! [`super::lcs`]); here every deleted match lies outside the lane's band and every kept
//! one is a match of equal ids. Hyyrö's recurrence holds for any match matrix, so each
//! lane computes an LCS that lies between the LCS over its band's matches and the
//! unrestricted LCS (of the id sequences).
//!
//! **Giving up early.** That computed LCS grows by at most one per step, and not at all
//! at inactive steps (a column without matches keeps its value). So after step `j` a lane
//! ends with at most `ℓ_j + r_j`: what its column holds now plus its active steps left
//! (however long its activity was taken to be).
//! Every [`SEGMENT`] steps (and before the first) each lane with a need is checked;
//! once `ℓ_j + r_j` is below the need, the lane stops and reports that sum, which is below
//! the need and still at least the LCS over its band. When no lane has anything left to
//! compute, the whole comparison stops.

/// How many texts [`ClassPattern::lcs_lanes_banded`] compares at once: eight words, one
/// 512-bit vector or two 256-bit ones.
pub(super) const LANES: usize = 8;

/// Ids a class can have: one byte.
pub(super) const IDS: usize = 256;

/// The id of no character: its match words are all zero.
pub(super) const NO_MATCH: u8 = u8::MAX;

/// How many [`NO_MATCH`] ids follow a lane's text: a lane whose text ends inside a segment
/// reads them up to the segment's end, so that segments need not be split where texts
/// end. A step reading [`NO_MATCH`] leaves the column as it is.
pub(super) const PADDING: usize = SEGMENT;

/// `ids` followed by [`PADDING`] [`NO_MATCH`] ids, as a [`Lane`]'s text is stored.
#[cfg(test)]
pub(super) fn padded(ids: &[u8]) -> Vec<u8> {
    let mut text = Vec::with_capacity(ids.len() + PADDING);
    text.extend_from_slice(ids);
    text.resize(ids.len() + PADDING, NO_MATCH);
    text
}

/// How many steps lanes run between updates of their bands' words and checks of whether
/// they can still reach their need. Shorter computes fewer words outside the bands and
/// gives up sooner, but costs more in updates and checks (a check counts the zeros of
/// every lane's column). 64 measured best on the generated corpus (`cargo xtask bench
/// duplicates`); 32, 96 and 128 took more time.
const SEGMENT: usize = 64;

/// A pattern text of class ids, and the lanes' columns compared with it.
pub(super) struct ClassPattern {
    len: usize,
    /// The highest id in the pattern: the ids above have no match anywhere in it.
    top: u8,
    /// `bits[w][id]`: word `w` of where `id` occurs in the pattern.
    bits: Vec<[u64; IDS]>,
    /// The DP columns, word by word, a lane per text.
    columns: Vec<[u64; LANES]>,
    /// [`NO_MATCH`] ids, read by lanes with nothing to compute.
    padding: Vec<u8>,
}

/// One text of [`ClassPattern::lcs_lanes_banded`], its band, and the LCS it must reach.
pub(super) struct Lane<'a> {
    /// Class ids, none of them [`NO_MATCH`], followed by [`PADDING`] [`NO_MATCH`] ids that
    /// are not part of the text.
    pub text: &'a [u8],
    /// The marks ([`Marker`]) of where the characters of `text` stand in its whole text.
    pub marks: &'a [u32],
    /// How far a matched pattern character may stand after (`above`) or before
    /// (`below`) the text character it matches; `usize::MAX` for both: no band.
    pub above: usize,
    pub below: usize,
    /// Below this the lane's result only needs to be below it too: the lane may stop.
    pub need: usize,
}

/// At most where character `i` of a text stands, from its marks ([`Marker`]): the next
/// mark, or the last.
fn at_most(marks: &[u32], i: usize) -> usize {
    marks[i.div_ceil(SEGMENT).min(marks.len() - 1)] as usize
}

/// At least where character `i` of a text stands, from its marks ([`Marker`]): the mark
/// at or before it.
fn at_least(marks: &[u32], i: usize) -> usize {
    marks[i / SEGMENT] as usize
}

/// A text's marks from all its positions (increasing).
#[cfg(test)]
pub(super) fn marks(positions: &[u32]) -> Vec<u32> {
    let mut marker = Marker::new(positions.len());
    positions.iter().for_each(|&p| marker.push(p));
    marker.finish()
}

/// Makes a text's *marks*: where every [`SEGMENT`]-th character (the 0th, the
/// `SEGMENT`-th, …) stands, and then where the last one does; all the lanes need to know
/// of a text's positions, as a lane's text or as the pattern. The positions are given one
/// at a time, so they need not be kept.
pub(super) struct Marker {
    marks: Vec<u32>,
    seen: usize,
    last: Option<u32>,
}

impl Marker {
    /// For a text of `len` characters: the marks take exactly their room.
    pub fn new(len: usize) -> Marker {
        Marker {
            marks: Vec::with_capacity(len.div_ceil(SEGMENT) + usize::from(len > 0)),
            seen: 0,
            last: None,
        }
    }

    /// The next character's position (increasing).
    pub fn push(&mut self, position: u32) {
        if self.seen.is_multiple_of(SEGMENT) {
            self.marks.push(position);
        }
        self.seen += 1;
        self.last = Some(position);
    }

    pub fn finish(mut self) -> Vec<u32> {
        self.marks.extend(self.last);
        self.marks
    }
}

/// Which compilation of the lanes' inner loop runs.
#[derive(Clone, Copy)]
enum Kernel {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Portable,
}

impl Kernel {
    /// 512-bit vectors where the processor has them, else 256-bit ones (either way it
    /// also counts bits with one instruction), else plain words. The 512-bit kernel
    /// ([`avx512`]) takes patterns whose ids it can permute and columns of up to four
    /// words, the 256-bit one the rest. It saves the eight loads per word and step that
    /// fetch the lanes' match words, but a 512-bit operation costs two 256-bit ones on
    /// the processors measured (AMD Zen 4), so it took 5–7 % off the whole search at
    /// 5,000 documents, no more: the steps are bound by the vector units' throughput.
    fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Kernel::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Kernel::Avx2;
            }
        }
        Kernel::Portable
    }
}

/// A lane's schedule: the steps at which it is active.
#[derive(Clone, Copy, Default)]
struct Activity {
    start: usize,
    stop: usize,
}

/// Steps `from..to` of the lanes in the bit set `lanes`, over words `first..end`.
#[derive(Clone, Copy)]
struct Run {
    from: usize,
    to: usize,
    first: usize,
    end: usize,
    lanes: u32,
}

impl ClassPattern {
    /// The pattern of a text of class ids; none may be [`NO_MATCH`].
    pub fn new(ids: &[u8]) -> ClassPattern {
        let words = ids.len().div_ceil(64).max(1);
        let mut bits = vec![[0u64; IDS]; words];
        for (i, &id) in ids.iter().enumerate() {
            assert!(id != NO_MATCH, "no character has the id {NO_MATCH}");
            bits[i / 64][id as usize] |= 1 << (i % 64);
        }
        ClassPattern {
            len: ids.len(),
            top: ids.iter().copied().max().unwrap_or(0),
            bits,
            columns: vec![[!0; LANES]; words],
            padding: Vec::new(),
        }
    }

    /// For each lane `l` (up to [`LANES`]), a number at least the LCS of the pattern and
    /// `lanes[l].text` over the matches of pattern character `i` with text character `j`
    /// for which `−below ≤ pos(i) − pos(j) ≤ above` (`pos` being where a character stands
    /// in its whole text, known from the texts' marks ([`Marker`]): `lanes[l].marks`, and
    /// `mine` for the pattern); when it is at least `lanes[l].need`, it is also at most the
    /// unrestricted LCS. See the module documentation.
    pub fn lcs_lanes_banded(&mut self, mine: &[u32], lanes: &[Lane]) -> [usize; LANES] {
        self.run(mine, lanes, Kernel::detect())
    }

    fn run(&mut self, mine: &[u32], lanes: &[Lane], kernel: Kernel) -> [usize; LANES] {
        assert!(lanes.len() <= LANES, "at most {LANES} texts at once");
        let n = self.len;
        assert_eq!(
            mine.len(),
            n.div_ceil(SEGMENT) + usize::from(n > 0),
            "the pattern's marks"
        );
        let mut result = [0usize; LANES];
        if n == 0 {
            return result;
        }
        let words = self.bits.len();
        // When each lane is active: from the step at which `hi > 0` (pattern character 0
        // stands at or before `q + above`) to the one at which `lo = n` (character
        // `n − 1` stands before `q − below`).
        let mut activity = [Activity::default(); LANES];
        for (a, lane) in activity.iter_mut().zip(lanes) {
            let len = lane.text.len() - PADDING;
            debug_assert!(lane.text[len..].iter().all(|&id| id == NO_MATCH));
            assert_eq!(
                lane.marks.len(),
                len.div_ceil(SEGMENT) + usize::from(len > 0)
            );
            let above = (mine[0] as usize).saturating_sub(lane.above);
            let below = (mine[mine.len() - 1] as usize).saturating_add(lane.below);
            // On the safe side, from the marks: started at the last mark before the
            // band's start, stopped at the first mark past its end. Usually the band
            // reaches both ends of the text: then no search.
            let sampled = &lane.marks[..len.div_ceil(SEGMENT)];
            a.start = match above {
                0 => 0,
                _ => {
                    SEGMENT
                        * sampled
                            .partition_point(|&p| (p as usize) < above)
                            .saturating_sub(1)
                }
            };
            a.stop = match lane.marks.last() {
                Some(&p) if p as usize > below => {
                    (SEGMENT * sampled.partition_point(|&p| p as usize <= below)).min(len)
                }
                _ => len,
            };
        }
        // Segments are the steps between multiples of `SEGMENT`: every lane starts at
        // one, and stops at one or at its text's end, past which it reads its padding.
        let active = || {
            activity
                .iter()
                .take(lanes.len())
                .filter(|a| a.start < a.stop)
        };
        let longest = active().map(|a| a.stop).max().unwrap_or(0);
        let mut s = active().map(|a| a.start).min().unwrap_or(longest);
        if self.padding.len() < longest + SEGMENT {
            self.padding.resize(longest + SEGMENT, NO_MATCH);
        }
        for column in &mut self.columns {
            *column = [!0; LANES];
        }

        // Each lane's band at the current segment: its first word and its end.
        let (mut lo_word, mut end_word) = ([0usize; LANES], [0usize; LANES]);
        let mut dead = 0u32;
        // The words computed end here; the ones above are all ones.
        let mut end = 0usize;
        while s < longest {
            // Before every segment: give up the lanes that can no longer reach their need.
            let mut busy = false;
            let zeros = self.zeros(kernel, end);
            for (l, lane) in lanes.iter().enumerate() {
                let a = activity[l];
                if dead & (1 << l) != 0 || s >= a.stop {
                    continue;
                }
                let most = zeros[l] + a.stop.saturating_sub(s.max(a.start));
                if most < lane.need {
                    dead |= 1 << l;
                    result[l] = most;
                } else {
                    busy = true;
                }
            }
            if !busy {
                break;
            }
            let t = s + SEGMENT;
            let (mut live, mut first) = (0u32, usize::MAX);
            for (l, lane) in lanes.iter().enumerate() {
                let a = activity[l];
                if dead & (1 << l) != 0 || s < a.start || s >= a.stop {
                    continue;
                }
                live |= 1 << l;
                // `lo / 64` at the segment's first step, `⌈hi / 64⌉` at its last.
                let q = at_least(lane.marks, s);
                while 64 * lo_word[l] + 63 < n
                    && at_most(mine, 64 * lo_word[l] + 63).saturating_add(lane.below) < q
                {
                    lo_word[l] += 1;
                }
                let q = at_most(lane.marks, t - 1).saturating_add(lane.above);
                while end_word[l] < words && at_least(mine, 64 * end_word[l]) <= q {
                    end_word[l] += 1;
                }
                first = first.min(lo_word[l]);
                end = end.max(end_word[l]);
            }
            if live != 0 && first < end {
                let run = Run {
                    from: s,
                    to: t,
                    first,
                    end,
                    lanes: live,
                };
                self.steps(kernel, lanes, run);
            }
            s = t;
        }
        let zeros = self.zeros(kernel, end);
        for (l, out) in result.iter_mut().enumerate().take(lanes.len()) {
            if dead & (1 << l) == 0 {
                *out = zeros[l];
            }
        }
        result
    }

    /// Runs the steps of `run`; the lanes not in it read [`NO_MATCH`].
    fn steps(&mut self, kernel: Kernel, lanes: &[Lane], run: Run) {
        let count = run.to - run.from;
        let padding = &self.padding[..count];
        let texts: [&[u8]; LANES] = std::array::from_fn(|l| {
            if run.lanes & (1 << l) != 0 {
                &lanes[l].text[run.from..run.to]
            } else {
                padding
            }
        });
        let bits = &self.bits[run.first..run.end];
        let columns = &mut self.columns[run.first..run.end];
        // SAFETY (all three): `Kernel::detect` chose the kernel, so the processor has the
        // features (and AVX-512 Foundation comes with AVX2).
        #[cfg(target_arch = "x86_64")]
        if let Kernel::Avx512 = kernel
            && usize::from(self.top) < avx512::PERMUTED - 1
            && bits.len() <= avx512::HELD
        {
            return unsafe { avx512::steps(bits, columns, texts, count, self.top) };
        }
        match kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 | Kernel::Avx2 => unsafe { steps_avx2(bits, columns, texts, count) },
            Kernel::Portable => steps_generic(bits, columns, texts, count),
        }
    }

    /// Every lane's LCS so far: the zero bits of its column below the pattern's length.
    /// Only the words below `end` have been computed; those above are all ones.
    fn zeros(&self, kernel: Kernel, end: usize) -> [usize; LANES] {
        let full = self.len / 64;
        let rest = self.len % 64;
        let columns = &self.columns[..end.min(self.columns.len())];
        let tail = (rest > 0 && full < columns.len()).then(|| (columns[full], (1u64 << rest) - 1));
        let columns = &columns[..full.min(columns.len())];
        match kernel {
            // SAFETY: `Kernel::detect` chose it: the processor has the feature.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 | Kernel::Avx2 => unsafe { zeros_popcnt(columns, tail) },
            Kernel::Portable => zeros_generic(columns, tail),
        }
    }
}

/// [`zeros_generic`] with the processor's bit count instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn zeros_popcnt(columns: &[[u64; LANES]], tail: Option<([u64; LANES], u64)>) -> [usize; LANES] {
    zeros_generic(columns, tail)
}

/// The zero bits of each lane in `columns`, and in `tail`'s column under its mask.
#[inline(always)]
fn zeros_generic(columns: &[[u64; LANES]], tail: Option<([u64; LANES], u64)>) -> [usize; LANES] {
    let mut zeros = [0u32; LANES];
    for column in columns {
        for (z, w) in zeros.iter_mut().zip(column) {
            *z += (!w).count_ones();
        }
    }
    if let Some((column, mask)) = tail {
        for (z, w) in zeros.iter_mut().zip(column) {
            *z += (!w & mask).count_ones();
        }
    }
    zeros.map(|z| z as usize)
}

/// The steps with 512-bit vectors: the eight lanes in one vector, and their match words
/// looked up by permuting the pattern's first match words rather than loaded lane by
/// lane. A lane's ids come eight steps at a time, one 64-bit load, and are shifted into
/// place step by step.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{IDS, LANES, NO_MATCH};

    /// How many ids are looked up by permuting: those below `PERMUTED − 1`. Every other
    /// id, [`NO_MATCH`] among them, is read as `PERMUTED − 1`, whose match words must be
    /// zero: the pattern's ids must be below it.
    pub(super) const PERMUTED: usize = 32;

    /// Up to how many words the columns are held in registers.
    pub(super) const HELD: usize = 4;

    /// `count` steps of every lane over at most [`HELD`] words, as
    /// [`steps_generic`](super::steps_generic) computes them; `top`: the pattern's highest
    /// id, below `PERMUTED − 1`.
    #[target_feature(enable = "avx512f")]
    pub(super) fn steps(
        bits: &[[u64; IDS]],
        columns: &mut [[u64; LANES]],
        texts: [&[u8]; LANES],
        count: usize,
        top: u8,
    ) {
        let wide = usize::from(top) >= PERMUTED / 2 - 1;
        match (columns.len(), wide) {
            (1, false) => held::<1, false>(bits, columns, texts, count),
            (2, false) => held::<2, false>(bits, columns, texts, count),
            (3, false) => held::<3, false>(bits, columns, texts, count),
            (4, false) => held::<4, false>(bits, columns, texts, count),
            (1, true) => held::<1, true>(bits, columns, texts, count),
            (2, true) => held::<2, true>(bits, columns, texts, count),
            (3, true) => held::<3, true>(bits, columns, texts, count),
            (4, true) => held::<4, true>(bits, columns, texts, count),
            _ => unreachable!("at most {HELD} words"),
        }
    }

    /// [`steps`] over `N` words. `WIDE`: ids up to `PERMUTED − 2` (two permutes a word),
    /// else up to `PERMUTED / 2 − 2` (one).
    #[target_feature(enable = "avx512f")]
    fn held<const N: usize, const WIDE: bool>(
        bits: &[[u64; IDS]],
        columns: &mut [[u64; LANES]],
        texts: [&[u8]; LANES],
        count: usize,
    ) {
        let mut tables = [[_mm512_setzero_si512(); 4]; N];
        let mut held = [_mm512_setzero_si512(); N];
        for w in 0..N {
            for (q, table) in tables[w]
                .iter_mut()
                .enumerate()
                .take(if WIDE { 4 } else { 2 })
            {
                // SAFETY: `bits[w]` holds `IDS` ≥ `PERMUTED` words, so eight from `8 q`.
                *table = unsafe { _mm512_loadu_si512(bits[w][8 * q..].as_ptr().cast()) };
            }
            // SAFETY: eight words.
            held[w] = unsafe { _mm512_loadu_si512(columns[w].as_ptr().cast()) };
        }
        let last = if WIDE { PERMUTED - 1 } else { PERMUTED / 2 - 1 };
        let last = _mm512_set1_epi64(last as i64);
        let byte = _mm512_set1_epi64(0xff);
        let upper = _mm512_set1_epi64(PERMUTED as i64 / 2);
        let mut at = 0;
        while at < count {
            let block = (count - at).min(8);
            // Eight steps of a lane's ids in one 64-bit word, the first in the lowest
            // byte; a shorter block is filled up with `NO_MATCH`.
            let word = |l: usize| -> i64 {
                let bytes = match texts[l].get(at..at + 8) {
                    Some(eight) => eight.try_into().unwrap_or([NO_MATCH; 8]),
                    None => {
                        let mut bytes = [NO_MATCH; 8];
                        bytes[..block].copy_from_slice(&texts[l][at..at + block]);
                        bytes
                    }
                };
                i64::from_le_bytes(bytes)
            };
            let mut ids = _mm512_set_epi64(
                word(7),
                word(6),
                word(5),
                word(4),
                word(3),
                word(2),
                word(1),
                word(0),
            );
            for _ in 0..block {
                let id = _mm512_min_epu64(_mm512_and_si512(ids, byte), last);
                ids = _mm512_srli_epi64::<8>(ids);
                let high = _mm512_test_epi64_mask(id, upper);
                let mut carry = _mm512_setzero_si512();
                for w in 0..N {
                    let [t0, t1, t2, t3] = tables[w];
                    let mut m = _mm512_permutex2var_epi64(t0, id, t1);
                    if WIDE {
                        let m2 = _mm512_permutex2var_epi64(t2, id, t3);
                        m = _mm512_mask_blend_epi64(high, m, m2);
                    }
                    let s = held[w];
                    let u = _mm512_and_si512(s, m);
                    let sum = _mm512_add_epi64(_mm512_add_epi64(s, u), carry);
                    // The carry out of `s + u + carry`: `u | (s & !sum)`, as `u ⊆ s`.
                    carry =
                        _mm512_srli_epi64::<63>(_mm512_or_si512(u, _mm512_andnot_si512(sum, s)));
                    held[w] = _mm512_or_si512(sum, _mm512_andnot_si512(m, s));
                }
            }
            at += block;
        }
        for w in 0..N {
            // SAFETY: eight words.
            unsafe { _mm512_storeu_si512(columns[w].as_mut_ptr().cast(), held[w]) };
        }
    }
}

/// [`steps_generic`] compiled for 256-bit vectors: four lanes per operation.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn steps_avx2(
    bits: &[[u64; IDS]],
    columns: &mut [[u64; LANES]],
    texts: [&[u8]; LANES],
    count: usize,
) {
    steps_generic(bits, columns, texts, count)
}

/// `count` steps of every lane over the given words: lane `l` reads `texts[l]`. Runs of
/// up to four words keep their columns in local variables, which the compiler can hold
/// in registers from the first step to the last (through memory, each step would wait
/// for the previous one's stores).
#[inline(always)]
fn steps_generic(
    bits: &[[u64; IDS]],
    columns: &mut [[u64; LANES]],
    texts: [&[u8]; LANES],
    count: usize,
) {
    match columns.len() {
        1 => steps_kept::<1>(bits, columns, texts, count),
        2 => steps_kept::<2>(bits, columns, texts, count),
        3 => steps_kept::<3>(bits, columns, texts, count),
        4 => steps_kept::<4>(bits, columns, texts, count),
        _ => steps_in(bits, columns, texts, count),
    }
}

/// [`steps_generic`] over exactly `N` words, held in local variables.
#[inline(always)]
fn steps_kept<const N: usize>(
    bits: &[[u64; IDS]],
    columns: &mut [[u64; LANES]],
    texts: [&[u8]; LANES],
    count: usize,
) {
    let mut held: [[u64; LANES]; N] = std::array::from_fn(|w| columns[w]);
    steps_in(&bits[..N], &mut held, texts, count);
    columns[..N].copy_from_slice(&held);
}

/// [`steps_generic`] on the columns where they are.
#[inline(always)]
fn steps_in(
    bits: &[[u64; IDS]],
    columns: &mut [[u64; LANES]],
    texts: [&[u8]; LANES],
    count: usize,
) {
    // The texts zipped, which checks their lengths once rather than at every step.
    let [t0, t1, t2, t3, t4, t5, t6, t7] = texts.map(|t| &t[..count]);
    let steps = t0
        .iter()
        .zip(t1)
        .zip(t2)
        .zip(t3)
        .zip(t4)
        .zip(t5)
        .zip(t6)
        .zip(t7);
    for (((((((&i0, &i1), &i2), &i3), &i4), &i5), &i6), &i7) in steps {
        let ids = [i0, i1, i2, i3, i4, i5, i6, i7];
        let mut carry = [0u64; LANES];
        for (table, column) in bits.iter().zip(columns.iter_mut()) {
            let m: [u64; LANES] = std::array::from_fn(|l| table[ids[l] as usize]);
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duplicates::lcs::tests::{naive_banded_lcs, naive_lcs, symbols};

    /// Symbols of a small test alphabet as class ids.
    fn ids(text: &[u32]) -> Vec<u8> {
        text.iter()
            .map(|&s| u8::try_from(s).ok().filter(|&id| id != NO_MATCH).unwrap())
            .collect()
    }

    /// Positions `0, 1, 2, …`: a text that is its own whole.
    fn dense(len: usize) -> Vec<u32> {
        (0..len as u32).collect()
    }

    /// Every lane unbanded and without a need, through the given kernel.
    fn lcs_lanes(pattern: &[u32], others: &[Vec<u8>], kernel: Kernel) -> [usize; LANES] {
        let their_marks: Vec<Vec<u32>> = others.iter().map(|t| marks(&dense(t.len()))).collect();
        let texts: Vec<Vec<u8>> = others.iter().map(|t| padded(t)).collect();
        let lanes: Vec<Lane> = texts
            .iter()
            .zip(&their_marks)
            .map(|(text, marks)| Lane {
                text,
                marks,
                above: usize::MAX,
                below: usize::MAX,
                need: 0,
            })
            .collect();
        ClassPattern::new(&ids(pattern)).run(&marks(&dense(pattern.len())), &lanes, kernel)
    }

    /// Every kernel the processor runs, the portable one included.
    fn kernels() -> Vec<Kernel> {
        let mut kernels = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            if std::arch::is_x86_feature_detected!("avx2") {
                kernels.push(Kernel::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                kernels.push(Kernel::Avx512);
            }
        }
        kernels
    }

    /// Each kernel's lanes, unbanded, against the textbook table.
    fn check_textbook(
        x: &str,
        others: &[String],
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut all = vec![x];
        all.extend(others.iter().map(String::as_str));
        let s = symbols(&all);
        let texts: Vec<Vec<u8>> = s.texts[1..].iter().map(|t| ids(t)).collect();
        for kernel in kernels() {
            let got = lcs_lanes(&s.texts[0], &texts, kernel);
            for (l, t) in s.texts[1..].iter().enumerate() {
                proptest::prop_assert_eq!(got[l], naive_lcs(&s.texts[0], t));
            }
        }
        Ok(())
    }

    proptest::proptest! {
        /// Texts of different lengths side by side get each their own LCS; patterns of
        /// up to seven words, so columns held in registers and columns in memory.
        #[test]
        fn lanes_agree_with_the_textbook_table(
            x in "[abcd ]{0,400}",
            others in proptest::collection::vec("[abcde ]{0,200}", 0..=LANES),
        ) {
            check_textbook(&x, &others)?;
        }

        /// The same with more ids: the 512-bit kernel permutes two pairs of vectors.
        #[test]
        fn lanes_agree_with_the_textbook_table_over_many_ids(
            x in "[a-v ]{0,200}",
            others in proptest::collection::vec("[a-x ]{0,200}", 0..=LANES),
        ) {
            check_textbook(&x, &others)?;
        }

        /// Patterns with ids past those the 512-bit kernel permutes (it falls back to
        /// loading the match words), and texts with ids the pattern lacks (it reads them
        /// as an id without matches).
        #[test]
        fn lanes_agree_with_the_textbook_table_past_the_permuted_ids(
            x in "[a-z0-9 ]{0,200}",
            few in "[a-d ]{0,200}",
            others in proptest::collection::vec("[a-z0-9 ]{0,200}", 0..=LANES),
        ) {
            check_textbook(&x, &others)?;
            check_textbook(&few, &others)?;
        }

        /// Each banded lane lies between the LCS over its band's matches and the
        /// unrestricted LCS, or, given up early, below its need and at least the LCS over
        /// its band; texts are sparse subsequences of longer ones, as class projections
        /// are, with positions that skip ahead at random.
        #[test]
        fn banded_lanes_lie_between_the_band_and_the_whole(
            x in "[ab é1]{0,150}",
            others in proptest::collection::vec(
                ("[abcé1 ]{0,200}", 0usize..300, 0usize..300, 0usize..160),
                0..=LANES,
            ),
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
            let their_marks: Vec<Vec<u32>> = theirs.iter().map(|p| marks(p)).collect();
            let texts: Vec<Vec<u8>> = s.texts[1..].iter().map(|t| padded(&ids(t))).collect();
            let lanes: Vec<Lane> = others
                .iter()
                .enumerate()
                .map(|(l, o)| Lane {
                    text: &texts[l],
                    marks: &their_marks[l],
                    above: o.1,
                    below: o.2,
                    need: o.3,
                })
                .collect();
            for kernel in kernels() {
                let mut pattern = ClassPattern::new(&ids(&s.texts[0]));
                let got = pattern.run(&marks(&mine), &lanes, kernel);
                for (l, lane) in lanes.iter().enumerate() {
                    let whole = naive_lcs(&s.texts[0], &s.texts[l + 1]);
                    let band = naive_banded_lcs(
                        (&s.texts[0], &mine),
                        (&s.texts[l + 1], &theirs[l]),
                        lane.above,
                        lane.below,
                    );
                    proptest::prop_assert!(band <= got[l], "{} {} {}", band, got[l], whole);
                    proptest::prop_assert!(
                        got[l] < lane.need || got[l] <= whole,
                        "{} {} {} {}", band, got[l], whole, lane.need
                    );
                }
            }
        }

        /// A lane whose need is at most its band's LCS is never given up: it gets the
        /// same result as without a need.
        #[test]
        fn a_reachable_need_changes_nothing(
            x in "[abc ]{1,200}",
            y in "[abcd ]{1,260}",
            above in 0usize..300,
            below in 0usize..300,
            short in 0usize..5,
        ) {
            let s = symbols(&[&x, &y]);
            let (mine, theirs) = (dense(s.texts[0].len()), dense(s.texts[1].len()));
            let text = padded(&ids(&s.texts[1]));
            let their_marks = marks(&theirs);
            let lane = |need| Lane {
                text: &text,
                marks: &their_marks,
                above,
                below,
                need,
            };
            let mut pattern = ClassPattern::new(&ids(&s.texts[0]));
            let my_marks = marks(&mine);
            let free = pattern.lcs_lanes_banded(&my_marks, &[lane(0)])[0];
            let band = naive_banded_lcs(
                (&s.texts[0], &mine),
                (&s.texts[1], &theirs),
                above,
                below,
            );
            let need = band.saturating_sub(short);
            proptest::prop_assert_eq!(pattern.lcs_lanes_banded(&my_marks, &[lane(need)])[0], free);
        }
    }

    #[test]
    fn a_lane_that_cannot_reach_its_need_stops_below_it() {
        // Two texts with nothing in common but long enough to keep a lane busy: the lane
        // stops at a check with a bound below its need, and a lane beside it that can
        // reach its need is computed to the end.
        let x: String = "ab".repeat(200);
        let y: String = "cd".repeat(200);
        let s = symbols(&[&x, &y, &x]);
        let (mine, their_marks) = (dense(400), marks(&dense(400)));
        let (other, same) = (padded(&ids(&s.texts[1])), padded(&ids(&s.texts[2])));
        let lanes = [
            Lane {
                text: &other,
                marks: &their_marks,
                above: usize::MAX,
                below: usize::MAX,
                need: 300,
            },
            Lane {
                text: &same,
                marks: &their_marks,
                above: usize::MAX,
                below: usize::MAX,
                need: 400,
            },
        ];
        let got = ClassPattern::new(&ids(&s.texts[0])).lcs_lanes_banded(&marks(&mine), &lanes);
        // Computed to the end, the first lane would report its LCS, 0.
        assert!(0 < got[0] && got[0] < 300, "{got:?}");
        assert_eq!(got[1], 400);
    }
}
