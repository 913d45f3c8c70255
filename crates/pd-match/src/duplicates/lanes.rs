//! The class bound's LCS, one text against [`LANES`] patterns side by side: a
//! bit-parallel column per pattern (Hyyrö's 64 cells a word) in the lanes of a vector.
//!
//! **One text, many patterns.** All lanes read the same text, so at each step they look
//! up the same id. The patterns' match words are laid out for that: a table with a row
//! per id of the text, and in each row, word by word, the [`LANES`] patterns' match words
//! side by side. A step is then one plain load of the text's next row index and, per
//! word, one vector load of the lanes' match words, with nothing gathered lane by lane.
//! (Comparing one pattern with several texts instead makes every lane look up its own
//! id: eight separate loads put together into vectors at every word and step, which took
//! twice as long.) Every document keeps, per class, the match words of the ids it holds
//! ([`PatternBits`]), so filling a table is copying words, a known number of them per
//! id (the copy is compiled for each width up to eight words, with no loop to leave),
//! and the ids the text lacks are left out.
//!
//! **The band.** Each lane comes with its band: pattern letter `i` may match text letter
//! `j` only if `−below ≤ pos(i) − pos(j) ≤ above` (positions in the whole texts). The
//! steps run in segments of [`SEGMENT`], the text's words, and over a segment every lane
//! computes the same pattern words: from the lowest word some lane's band still reaches
//! to the highest word some lane's band has reached. Every text and pattern keeps, per
//! word, where its first and last letter stand ([`PatternBits::spans`]): that is all the
//! band needs. Before the first step, the lanes' bands are merged word by word
//! ([`Reach`]): a word is past once its last letter stands more than `below` before the
//! segment's first letter in every lane that has the word, and reached once its first
//! letter stands no more than `above` after the segment's last letter in some lane. Over
//! the segments the two ends then only move up, a word at a time, with no lane looked at
//! again. The end never comes down, so the words past it are still the all-ones they
//! started as.
//!
//! Skipping words is the full computation on a match matrix with some matches deleted
//! (why is in [`super::lcs`]): words below the segment's first see no match and a carry
//! of zero, so they keep their value and pass zero on; words past the end are all ones,
//! which a carry passes through unchanged. Every deleted match lies outside its lane's
//! band, and computing words outside a band only keeps matches. Hyyrö's recurrence holds
//! for any match matrix, so each lane computes an LCS between the LCS over its band's
//! matches and the unrestricted LCS. The words of patterns shorter than the others have
//! no match past their end and stay all ones, as do the bits past a pattern's last
//! letter, so a lane's LCS so far is the count of zero bits in its column.
//!
//! **No lane is given up.** A lane's LCS grows by at most one per step, so a lane whose
//! zeros plus the steps left fall below what its class must reach could stop there. But
//! the eight lanes of a call share their steps, and the steps stop only once all eight
//! have stopped, which on the generated corpus almost never happens (98 % of the steps
//! were run): the checks, a count of every column's zeros per segment, cost more than
//! they saved. Without them a whole comparison runs with no look at its lanes (9 % off
//! the search at 20,000 documents, with the merged bands).

/// How many patterns [`Lanes::lcs`] compares at once: eight words, one 512-bit vector or
/// two 256-bit ones.
pub(super) const LANES: usize = 8;

/// Ids a class can have: one byte.
pub(super) const IDS: usize = 256;

/// How many steps lanes run between updates of their bands: a word of the text, as
/// [`TextRows::spans`] has them.
const SEGMENT: usize = 64;

/// One text's letters of a class as a pattern: the ids it holds, and where each occurs.
#[derive(Clone, Copy)]
pub(super) struct PatternBits<'a> {
    /// How many letters of the class the text has.
    pub len: usize,
    /// The ids it holds, each once, in increasing order.
    pub ids: &'a [u8],
    /// For each of `ids` in turn, its match words: bit `i % 64` of word `i / 64` is set
    /// where letter `i` is that id; `⌈len / 64⌉` words an id.
    pub bits: &'a [u64],
    /// For each word, where its first and its last letter stand in the whole text.
    pub spans: &'a [[u32; 2]],
}

/// A pattern to compare, and its band.
#[derive(Clone, Copy)]
pub(super) struct Lane<'a> {
    pub pattern: PatternBits<'a>,
    /// How far a matched pattern letter may stand after (`above`) or before (`below`) the
    /// text letter it matches, in the whole texts.
    pub above: usize,
    pub below: usize,
}

impl Lane<'_> {
    /// An empty pattern, to fill an array of lanes.
    pub const NONE: Lane<'static> = Lane {
        pattern: PatternBits {
            len: 0,
            ids: &[],
            bits: &[],
            spans: &[],
        },
        above: 0,
        below: 0,
    };
}

/// How many 64-bit words a pattern of `len` letters takes.
pub(super) fn words(len: usize) -> usize {
    len.div_ceil(64)
}

/// Appends the [`PatternBits`] of a text's class ids to `ids` and `bits`. `slots`: a
/// buffer of [`IDS`] entries to reuse between calls (all `u16::MAX`, as each call leaves
/// it).
pub(super) fn pattern_bits(
    class_ids: &[u8],
    slots: &mut [u16; IDS],
    ids: &mut Vec<u8>,
    bits: &mut Vec<u64>,
) {
    let first = ids.len();
    for &id in class_ids {
        if slots[id as usize] == u16::MAX {
            slots[id as usize] = 0;
            ids.push(id);
        }
    }
    ids[first..].sort_unstable();
    let words = words(class_ids.len());
    let base = bits.len();
    bits.resize(base + (ids.len() - first) * words, 0);
    // Word by word, each id's bits from one comparison of the word's 64 letters with it
    // (a few vector instructions), not a bit set letter by letter.
    for (w, letters) in class_ids.chunks(64).enumerate() {
        let mut chunk = [0u8; 64];
        chunk[..letters.len()].copy_from_slice(letters);
        // Letters past the end are not the id's: they are masked off.
        let valid = u64::MAX >> (64 - letters.len());
        for (slot, &id) in ids[first..].iter().enumerate() {
            bits[base + slot * words + w] = equal_mask(&chunk, id) & valid;
        }
    }
    for &id in &ids[first..] {
        slots[id as usize] = u16::MAX;
    }
}

/// Bit `k` set where `chunk[k] == id`: sixteen letters a comparison (SSE2, which every
/// x86-64 processor has).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn equal_mask(chunk: &[u8; 64], id: u8) -> u64 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    let mut mask = 0;
    // SAFETY: every x86-64 processor has SSE2, and each load reads the 16 bytes of
    // `part`, unaligned.
    unsafe {
        let needle = _mm_set1_epi8(id as i8);
        for (q, part) in chunk.chunks_exact(16).enumerate() {
            let letters = _mm_loadu_si128(part.as_ptr().cast());
            let equal = _mm_movemask_epi8(_mm_cmpeq_epi8(letters, needle)) as u16;
            mask |= u64::from(equal) << (16 * q);
        }
    }
    mask
}

/// Bit `k` set where `chunk[k] == id`.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn equal_mask(chunk: &[u8; 64], id: u8) -> u64 {
    chunk
        .iter()
        .enumerate()
        .fold(0, |mask, (k, &x)| mask | (u64::from(x == id) << k))
}

/// A text's ids of one class as rows of a [`Lanes`] table: each different id gets a row,
/// in order of first appearance.
pub(super) struct TextRows {
    /// The text, as rows.
    rows: Vec<u8>,
    /// The row of each id, `u16::MAX` for none.
    row_of: Box<[u16; IDS]>,
    /// The id of each row.
    ids: Vec<u8>,
    /// For each [`SEGMENT`] of the text, where its first and its last letter stand in the
    /// whole text.
    spans: Vec<[u32; 2]>,
}

impl TextRows {
    pub fn new() -> TextRows {
        TextRows {
            rows: Vec::new(),
            row_of: Box::new([u16::MAX; IDS]),
            ids: Vec::new(),
            spans: Vec::new(),
        }
    }

    /// Takes the ids of another text, and the [`PatternBits::spans`] of its words.
    pub fn set(&mut self, text: &[u8], spans: &[[u32; 2]]) {
        debug_assert_eq!(spans.len(), words(text.len()));
        self.spans.clear();
        self.spans.extend_from_slice(spans);
        for &id in &self.ids {
            self.row_of[id as usize] = u16::MAX;
        }
        self.ids.clear();
        self.rows.clear();
        for &id in text {
            let row = &mut self.row_of[id as usize];
            if *row == u16::MAX {
                *row = self.ids.len() as u16;
                self.ids.push(id);
            }
            // At most `IDS` ids: every row fits a byte.
            self.rows.push(*row as u8);
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

/// The lanes' table and columns, kept from one comparison to the next.
pub(super) struct Lanes {
    /// Row by row, word by word, the lanes' match words.
    table: Vec<[u64; LANES]>,
    /// The DP columns, word by word, a lane per pattern.
    columns: Vec<[u64; LANES]>,
    /// The lanes' bands, merged word by word.
    reach: Vec<Reach>,
}

/// Where the lanes' bands put one pattern word (see the module documentation): the word
/// is past once a segment's first letter stands after `past`, and reached once a
/// segment's last letter stands at or after `from`.
#[derive(Clone, Copy)]
struct Reach {
    past: usize,
    from: usize,
}

impl Lanes {
    pub fn new() -> Lanes {
        Lanes {
            table: Vec::new(),
            columns: Vec::new(),
            reach: Vec::new(),
        }
    }

    /// For each lane `l` (up to [`LANES`]), a number at least the LCS of its pattern and
    /// `text` over the matches inside `lanes[l]`'s band and at most the unrestricted LCS.
    /// See the module documentation.
    pub fn lcs(&mut self, text: &TextRows, lanes: &[Lane]) -> [usize; LANES] {
        self.run(text, lanes, Kernel::detect())
    }

    fn run(&mut self, text: &TextRows, lanes: &[Lane], kernel: Kernel) -> [usize; LANES] {
        assert!(lanes.len() <= LANES, "at most {LANES} patterns at once");
        let mut result = [0usize; LANES];
        let widths: [usize; LANES] =
            std::array::from_fn(|l| lanes.get(l).map_or(0, |lane| words(lane.pattern.len)));
        let stride = widths.iter().copied().max().unwrap_or(0);
        let n = text.len();
        if stride == 0 || n == 0 {
            return result;
        }
        // The table: a row per id of the text, each pattern's words of that id in its lane
        // (ids the text lacks are left out).
        let rows = text.ids.len();
        self.table.clear();
        self.table.resize(rows * stride, [0; LANES]);
        let table = &mut self.table[..];
        for (l, pattern) in lanes.iter().map(|lane| &lane.pattern).enumerate() {
            let width = widths[l];
            if width == 0 {
                continue;
            }
            debug_assert_eq!(pattern.bits.len(), pattern.ids.len() * width);
            // A copy of a known number of words is a few moves, with no loop to leave.
            let text = (&*text.row_of, stride);
            match width {
                1 => fill(table, text, pattern.ids, pattern.bits.as_chunks::<1>().0, l),
                2 => fill(table, text, pattern.ids, pattern.bits.as_chunks::<2>().0, l),
                3 => fill(table, text, pattern.ids, pattern.bits.as_chunks::<3>().0, l),
                4 => fill(table, text, pattern.ids, pattern.bits.as_chunks::<4>().0, l),
                5 => fill(table, text, pattern.ids, pattern.bits.as_chunks::<5>().0, l),
                6 => fill(table, text, pattern.ids, pattern.bits.as_chunks::<6>().0, l),
                7 => fill(table, text, pattern.ids, pattern.bits.as_chunks::<7>().0, l),
                8 => fill(table, text, pattern.ids, pattern.bits.as_chunks::<8>().0, l),
                _ => fill(
                    table,
                    text,
                    pattern.ids,
                    pattern.bits.chunks_exact(width),
                    l,
                ),
            }
        }
        self.columns.clear();
        self.columns.resize(stride, [!0; LANES]);
        // Each word's reach: past when every lane with the word is past it, reached when
        // any is.
        self.reach.clear();
        self.reach.resize(
            stride,
            Reach {
                past: 0,
                from: usize::MAX,
            },
        );
        for lane in lanes {
            for (reach, span) in self.reach.iter_mut().zip(lane.pattern.spans) {
                let [first, last] = span.map(|p| p as usize);
                reach.past = reach.past.max(last.saturating_add(lane.below));
                reach.from = reach.from.min(first.saturating_sub(lane.above));
            }
        }
        // The words computed: from `first` to `end`, both only ever moving up.
        let (mut first, mut end) = (0, 0);
        for (segment, rows) in text.rows.chunks(SEGMENT).enumerate() {
            let [first_at, last_at] = text.spans[segment].map(|p| p as usize);
            while first < stride && self.reach[first].past < first_at {
                first += 1;
            }
            while end < stride && self.reach[end].from <= last_at {
                end += 1;
            }
            if first < end {
                steps(
                    kernel,
                    &self.table[first..],
                    stride,
                    &mut self.columns[first..end],
                    rows,
                );
            }
        }
        let zeros = zeros(kernel, &self.columns);
        result[..lanes.len()].copy_from_slice(&zeros[..lanes.len()]);
        result
    }
}

/// Copies a pattern's match words into lane `l` of the table, in the row of each id the
/// text holds (`(row_of, stride)`: the text's row of each id, `u16::MAX` for none, and the
/// words a row has); `bits`: the words of each of `ids` in turn.
#[inline(always)]
fn fill<'a, B: AsRef<[u64]> + ?Sized + 'a>(
    table: &mut [[u64; LANES]],
    (row_of, stride): (&[u16; IDS], usize),
    ids: &[u8],
    bits: impl IntoIterator<Item = &'a B>,
    l: usize,
) {
    for (&id, bits) in ids.iter().zip(bits) {
        let row = row_of[id as usize];
        if row == u16::MAX {
            continue;
        }
        let bits = bits.as_ref();
        let slots = &mut table[usize::from(row) * stride..][..bits.len()];
        for (slot, &word) in slots.iter_mut().zip(bits) {
            slot[l] = word;
        }
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
    /// 512-bit vectors where the processor has them and can count their bits, else
    /// 256-bit vectors (it then also counts a word's bits with one instruction), else
    /// plain words. A 512-bit step does a word of all eight lanes in one operation; on
    /// an Intel Xeon it took a quarter off the search.
    fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
        {
            return Kernel::Avx512;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            return Kernel::Avx2;
        }
        Kernel::Portable
    }
}

/// Every lane's LCS so far: the zero bits of its column (bits past a pattern's end stay
/// ones).
fn zeros(kernel: Kernel, columns: &[[u64; LANES]]) -> [usize; LANES] {
    match kernel {
        // SAFETY: `Kernel::detect` chose it: the processor has the feature.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { zeros_avx512(columns) },
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { zeros_popcnt(columns) },
        Kernel::Portable => zeros_generic(columns),
    }
}

/// [`zeros_generic`] with the processor's bit count instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn zeros_popcnt(columns: &[[u64; LANES]]) -> [usize; LANES] {
    zeros_generic(columns)
}

/// [`zeros_generic`] with 512-bit vectors, which count the bits of all eight lanes' words
/// at once.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq,popcnt")]
fn zeros_avx512(columns: &[[u64; LANES]]) -> [usize; LANES] {
    zeros_generic(columns)
}

#[inline(always)]
fn zeros_generic(columns: &[[u64; LANES]]) -> [usize; LANES] {
    let mut zeros = [0u32; LANES];
    for column in columns {
        for (z, w) in zeros.iter_mut().zip(column) {
            *z += w.count_zeros();
        }
    }
    zeros.map(|z| z as usize)
}

/// Runs the steps of `rows` over `columns` (the first words of the table's rows, which
/// are `stride` words apart).
fn steps(
    kernel: Kernel,
    table: &[[u64; LANES]],
    stride: usize,
    columns: &mut [[u64; LANES]],
    rows: &[u8],
) {
    match kernel {
        // SAFETY: `Kernel::detect` chose the kernel, so the processor has the feature.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { steps_avx512(table, stride, columns, rows) },
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { steps_avx2(table, stride, columns, rows) },
        Kernel::Portable => steps_generic(table, stride, columns, rows),
    }
}

/// [`steps_generic`] compiled for 256-bit vectors: four lanes per operation.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn steps_avx2(table: &[[u64; LANES]], stride: usize, columns: &mut [[u64; LANES]], rows: &[u8]) {
    steps_generic(table, stride, columns, rows)
}

/// [`steps_generic`] compiled for 512-bit vectors: all eight lanes per operation.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn steps_avx512(table: &[[u64; LANES]], stride: usize, columns: &mut [[u64; LANES]], rows: &[u8]) {
    steps_generic(table, stride, columns, rows)
}

/// Columns of up to eight words are held in local variables, which the compiler can keep
/// in registers from the first step to the last (through memory, each step would wait
/// for the previous one's stores).
#[inline(always)]
fn steps_generic(table: &[[u64; LANES]], stride: usize, columns: &mut [[u64; LANES]], rows: &[u8]) {
    match columns.len() {
        0 => {}
        1 => steps_kept::<1>(table, stride, columns, rows),
        2 => steps_kept::<2>(table, stride, columns, rows),
        3 => steps_kept::<3>(table, stride, columns, rows),
        4 => steps_kept::<4>(table, stride, columns, rows),
        5 => steps_kept::<5>(table, stride, columns, rows),
        6 => steps_kept::<6>(table, stride, columns, rows),
        7 => steps_kept::<7>(table, stride, columns, rows),
        8 => steps_kept::<8>(table, stride, columns, rows),
        _ => steps_in(table, stride, columns, rows),
    }
}

/// [`steps_generic`] over exactly `N` words, held in local variables.
#[inline(always)]
fn steps_kept<const N: usize>(
    table: &[[u64; LANES]],
    stride: usize,
    columns: &mut [[u64; LANES]],
    rows: &[u8],
) {
    let mut held: [[u64; LANES]; N] = std::array::from_fn(|w| columns[w]);
    // One check for the segment's highest row rather than one per step (2–3 % of the
    // search).
    let top = rows.iter().copied().max().unwrap_or(0) as usize;
    assert!(top * stride + N <= table.len(), "a row past the table");
    for &row in rows {
        let at = row as usize * stride;
        // SAFETY: `row ≤ top`, so the `N` words from `at` lie within `table` (checked
        // above), and `[[u64; LANES]; N]` has the layout of `N` consecutive entries.
        let m: &[[u64; LANES]; N] = unsafe { &*table.as_ptr().add(at).cast() };
        step(&mut held, m);
    }
    columns[..N].copy_from_slice(&held);
}

/// [`steps_generic`] on the columns where they are.
#[inline(always)]
fn steps_in(table: &[[u64; LANES]], stride: usize, columns: &mut [[u64; LANES]], rows: &[u8]) {
    let width = columns.len();
    for &row in rows {
        let at = row as usize * stride;
        step(columns, &table[at..at + width]);
    }
}

/// One step of Hyyrö's recurrence for every lane: `S ← (S + U) | (S − U)`, `U = S & M`,
/// the sum carried from word to word. As `U ⊆ S`, `S − U` is `S & !M`: with the `|`,
/// one three-input logic instruction on 512-bit vectors, and one operation fewer a word
/// (9 % less time with one thread at 5,000 documents).
#[inline(always)]
fn step(columns: &mut [[u64; LANES]], matches: &[[u64; LANES]]) {
    let mut carry = [0u64; LANES];
    for (column, m) in columns.iter_mut().zip(matches) {
        for l in 0..LANES {
            let s = column[l];
            let u = s & m[l];
            let sum = s.wrapping_add(u).wrapping_add(carry[l]);
            // The carry out of `s + u + carry` is the majority of their top bits:
            // `(s & u) | ((s | u) & !sum)`, which is `u | (s & !sum)` as `u ⊆ s`
            // (no unsigned 64-bit comparison, which 256-bit vectors lack).
            carry[l] = (u | (s & !sum)) >> 63;
            column[l] = sum | (s & !m[l]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duplicates::lcs::tests::{naive_banded_lcs, naive_lcs, symbols};

    /// Symbols of a small test alphabet as class ids.
    fn ids(text: &[u32]) -> Vec<u8> {
        text.iter().map(|&s| u8::try_from(s).unwrap()).collect()
    }

    /// No band: wider than any test text, and small enough for the textbook's arithmetic.
    const WIDE: usize = 1 << 40;

    /// A text's [`PatternBits`], owned.
    struct Owned {
        len: usize,
        ids: Vec<u8>,
        bits: Vec<u64>,
        spans: Vec<[u32; 2]>,
    }

    impl Owned {
        /// `positions`: where each letter stands in its whole text (increasing).
        fn new(class_ids: &[u8], positions: &[u32]) -> Owned {
            let (mut ids, mut bits) = (Vec::new(), Vec::new());
            pattern_bits(class_ids, &mut [u16::MAX; IDS], &mut ids, &mut bits);
            Owned {
                len: class_ids.len(),
                ids,
                bits,
                spans: spans(positions),
            }
        }

        fn bits(&self) -> PatternBits<'_> {
            PatternBits {
                len: self.len,
                ids: &self.ids,
                bits: &self.bits,
                spans: &self.spans,
            }
        }
    }

    /// The first and last of every 64 positions.
    fn spans(positions: &[u32]) -> Vec<[u32; 2]> {
        positions
            .chunks(64)
            .map(|word| [word[0], word[word.len() - 1]])
            .collect()
    }

    /// Positions `0, 1, 2, …`: a text that is its own whole.
    fn dense(len: usize) -> Vec<u32> {
        (0..len as u32).collect()
    }

    /// Every kernel the processor runs, the portable one included.
    fn kernels() -> Vec<Kernel> {
        let mut kernels = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            kernels.push(Kernel::Avx2);
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
        {
            kernels.push(Kernel::Avx512);
        }
        kernels
    }

    /// One pattern of a [`check`]: its text and band.
    type Case = (String, usize, usize);

    /// `text` against the `cases`' patterns through every kernel, each lane checked
    /// against the textbook: at least the LCS over its band's matches and at most the
    /// unrestricted LCS. Letters stand at positions that skip ahead by `gaps`, as the
    /// letters of one class do in a whole text.
    fn check(
        text: &str,
        cases: &[Case],
        gaps: &[u32],
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let mut all = vec![text];
        all.extend(cases.iter().map(|c| c.0.as_str()));
        let s = symbols(&all);
        let positions = |len: usize, offset: usize| -> Vec<u32> {
            let mut at = 0u32;
            (0..len)
                .map(|i| {
                    at += 1 + gaps
                        .get((i + offset) % gaps.len().max(1))
                        .copied()
                        .unwrap_or(0);
                    at
                })
                .collect()
        };
        let places: Vec<Vec<u32>> = (0..all.len())
            .map(|t| positions(s.texts[t].len(), 7 * t))
            .collect();
        let owned: Vec<Owned> = (1..all.len())
            .map(|t| Owned::new(&ids(&s.texts[t]), &places[t]))
            .collect();
        let lanes: Vec<Lane> = owned
            .iter()
            .zip(cases)
            .map(|(o, c)| Lane {
                pattern: o.bits(),
                above: c.1,
                below: c.2,
            })
            .collect();
        let mut rows = TextRows::new();
        // A text set before is forgotten.
        let before = ids(&s.texts[1..].concat());
        rows.set(&before, &spans(&dense(before.len())));
        rows.set(&ids(&s.texts[0]), &spans(&places[0]));
        let mut computed = Lanes::new();
        for kernel in kernels() {
            let got = computed.run(&rows, &lanes, kernel);
            for (l, lane) in lanes.iter().enumerate() {
                let pattern = (&s.texts[l + 1][..], &places[l + 1][..]);
                let whole = naive_lcs(pattern.0, &s.texts[0]);
                let band =
                    naive_banded_lcs(pattern, (&s.texts[0], &places[0]), lane.above, lane.below);
                proptest::prop_assert!(band <= got[l], "lane {l}: {} {band}", got[l]);
                proptest::prop_assert!(got[l] <= whole, "lane {l}: {} {whole}", got[l]);
            }
        }
        Ok(())
    }

    /// Patterns without a band: each lane's result is its LCS.
    fn check_textbook(
        text: &str,
        patterns: &[String],
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let cases: Vec<Case> = patterns.iter().map(|p| (p.clone(), WIDE, WIDE)).collect();
        check(text, &cases, &[])
    }

    proptest::proptest! {
        /// Patterns of different lengths side by side get each their own LCS; patterns of
        /// up to ten words, so columns held in registers and columns in memory.
        #[test]
        fn lanes_agree_with_the_textbook_table(
            text in "[abcd ]{0,300}",
            patterns in proptest::collection::vec("[abcde ]{0,640}", 0..=LANES),
        ) {
            check_textbook(&text, &patterns)?;
        }

        /// The same with more ids, and ids of the text that no pattern holds.
        #[test]
        fn lanes_agree_with_the_textbook_table_over_many_ids(
            text in "[a-z0-9 ]{0,200}",
            patterns in proptest::collection::vec("[a-v ]{0,200}", 0..=LANES),
        ) {
            check_textbook(&text, &patterns)?;
        }

        /// Each lane lies between the LCS over its band's matches and the unrestricted
        /// LCS.
        #[test]
        fn lanes_lie_between_their_band_and_the_whole(
            text in "[ab é1]{0,300}",
            cases in proptest::collection::vec(
                ("[abcé1 ]{0,300}", 0usize..300, 0usize..300),
                0..=LANES,
            ),
            gaps in proptest::collection::vec(0u32..4, 1..400),
        ) {
            check(&text, &cases, &gaps)?;
        }
    }

    #[test]
    fn pattern_bits_hold_each_id_once_with_its_places() {
        let (mut ids, mut bits) = (vec![9], vec![7]);
        let mut slots = [u16::MAX; IDS];
        let text: Vec<u8> = (0..70).map(|i| [3, 1, 3][i % 3]).collect();
        pattern_bits(&text, &mut slots, &mut ids, &mut bits);
        assert_eq!(ids, vec![9, 1, 3]);
        assert_eq!(bits.len(), 1 + 2 * 2);
        let places = |words: &[u64]| -> Vec<usize> {
            (0..128)
                .filter(|&i| words[i / 64] >> (i % 64) & 1 == 1)
                .collect()
        };
        let ones: Vec<usize> = (0..70).filter(|i| i % 3 == 1).collect();
        let threes: Vec<usize> = (0..70).filter(|i| i % 3 != 1).collect();
        assert_eq!(places(&bits[1..3]), ones);
        assert_eq!(places(&bits[3..5]), threes);
        assert!(slots.iter().all(|&s| s == u16::MAX));
    }
}
