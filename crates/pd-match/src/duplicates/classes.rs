//! A cheap and much tighter upper bound on the LCS: split the alphabet into classes and
//! add up the LCS of each class's letters.
//!
//! Put every character in one of [`CLASSES`] classes, and write `a|i` for the text `a`
//! with every character outside class `i` removed. A common subsequence of `a` and `b`,
//! restricted to the characters of class `i`, is a common subsequence of `a|i` and `b|i`;
//! the classes share no character, so
//!
//! ```text
//! LCS(a, b) ≤ Σ_i LCS(a|i, b|i) ≤ Σ_i Σ_{c ∈ i} min(count_a(c), count_b(c)).
//! ```
//!
//! The right-hand sum is the character-count bound, known without looking at the texts.
//! Replacing one class's term by its exact `LCS(a|i, b|i)` keeps the sum an upper bound
//! and lowers it, so the classes are computed one by one and the pair is dropped as soon
//! as the sum falls below the LCS the limit needs. With the classes of about equal
//! frequency each projection is a small part of the text, and its LCS costs the square
//! of that part of the full LCS. Texts that are merely in the same language and from the
//! same templates share their character counts (which is why the count bound lets them
//! through) but not the order of their letters: one or two classes usually settle them.
//! A pair whose sum stays at or above the need after every class goes on to the exact,
//! full LCS ([`super::lcs`]).
//!
//! **The band.** Only alignments with at least `need` matches matter, and every match
//! `(i, j)` of such an alignment has `−(|b| − need) ≤ i − j ≤ |a| − need` (see
//! [`super::lcs`]). Restricted to class `i`, such an alignment keeps its positions in
//! the whole texts, so it is a common subsequence of `a|i` and `b|i` whose matched
//! characters stand within that band. Each class's LCS is therefore computed with the
//! matches outside the band allowed to be deleted: only the 64-bit words of `a|i` that
//! some lane's band reaches at a step are computed ([`Lanes::lcs`]), which is exactly
//! deleting the matches of the words left out (words below the band see no match and a
//! carry of zero, words above it were never touched and stay all ones).
//! The result lies between the banded and the unrestricted class LCS, so the sum still
//! bounds the LCS of every pair that can reach the need, and pairs that cannot are the
//! only ones it may drop.
//!
//! **Class ids.** Within its class each symbol gets a one-byte id, most frequent first,
//! numbered once for the corpus, and every text's letters of each class are stored once,
//! as these ids and as the match words of the ids it holds, so comparing a pair looks
//! nothing up per character. A class of more than 256 symbols (only large scripts have
//! that many) gives its rarest ones one shared id. Merging characters can only lengthen common subsequences, so the class LCS
//! computed over the ids is still at least the class LCS over the characters, and the
//! sum still bounds the LCS. (The count bound keeps the characters apart.)
//!
//! **Every class to its end.** A pair stays only if the class's LCS reaches its *class
//! need*: the pair's need minus what the other terms of the sum add up to. A lane could
//! stop once it can no longer reach that, but the lanes of a call share their steps, and
//! it would take all eight stopping to save any: each class's LCS is computed to its end
//! ([`super::lanes`]).

use super::lanes::{IDS, LANES, Lane, Lanes, PatternBits, TextRows, pattern_bits, words};

/// How many classes the alphabet is split into. Fewer make each class's LCS cost more;
/// more make each class's letters alike enough that its LCS is close to its counts and
/// the bound loses its edge. Seven was best on the generated corpus of letters and
/// invoices (callgrind, 1,000 documents: 2.26 billion instructions, against 2.28 with
/// six and 2.39 with nine).
pub(super) const CLASSES: usize = 7;

/// The fewest symbols a class made of several gets: a class of one symbol has its count
/// bound for LCS and costs nothing, but takes nothing off the sum either.
const MIN_SYMBOLS: usize = 2;

/// Which class each symbol belongs to, and its id there.
pub(super) struct Partition {
    class_of: Vec<u8>,
    id_of: Vec<u8>,
    /// Each symbol's place in order of frequency, most frequent first.
    rank_of: Vec<u32>,
    /// Class `c` holds the symbols ranked `starts[c]..starts[c + 1]`.
    starts: [u32; CLASSES + 1],
}

/// The highest class id: the ids of a class are `0..=LAST_ID`, and the symbols past it
/// share it.
const LAST_ID: usize = IDS - 1;

impl Partition {
    /// Classes of neighbouring frequencies, of about equal total frequency: the symbols,
    /// most frequent first, are cut into [`CLASSES`] runs, each closed once it holds its
    /// share of what is left and at least [`MIN_SYMBOLS`] symbols; a symbol as frequent as
    /// a whole share on its own (the space) stays alone. The last class takes the rest.
    /// Within a class, ids go most frequent first. `frequency[s]`: how often symbol `s`
    /// occurs in all texts.
    ///
    /// Symbols of like frequency make a class whose letters vary: its projections of two
    /// unrelated texts have a short LCS for their length. Mixing one frequent symbol with
    /// rare ones (classes filled round-robin) gives classes that are mostly that symbol,
    /// and took 8 % more instructions on the generated corpus.
    pub fn banded(frequency: &[u64]) -> Partition {
        let alphabet = frequency.len();
        let mut by_frequency: Vec<usize> = (0..alphabet).collect();
        by_frequency.sort_by_key(|&s| (std::cmp::Reverse(frequency[s]), s));
        let mut class_of = vec![0u8; alphabet];
        let mut id_of = vec![0u8; alphabet];
        let mut rank_of = vec![0u32; alphabet];
        for (rank, &s) in by_frequency.iter().enumerate() {
            rank_of[s] = rank as u32;
        }
        let mut starts = [alphabet as u32; CLASSES + 1];
        let mut left: u64 = frequency.iter().sum();
        let mut symbols = by_frequency.into_iter().peekable();
        for (class, start) in starts.iter_mut().take(CLASSES).enumerate() {
            *start = symbols.peek().map_or(alphabet as u32, |&s| rank_of[s]);
            let share = left / (CLASSES - class) as u64;
            let (mut members, mut load) = (0usize, 0u64);
            while let Some(&s) = symbols.peek() {
                let last = class == CLASSES - 1;
                let full = load >= share && members >= MIN_SYMBOLS;
                let alone = members == 1 && load >= share;
                if !last && (full || alone) {
                    break;
                }
                symbols.next();
                class_of[s] = class as u8;
                id_of[s] = members.min(LAST_ID) as u8;
                members += 1;
                load += frequency[s];
            }
            left -= load;
        }
        Partition {
            class_of,
            id_of,
            rank_of,
            starts,
        }
    }

    /// A text split into its classes. `scratch`: buffers to reuse between calls.
    pub fn project(&self, text: &[u32], scratch: &mut Scratch) -> Projection {
        // How often each symbol occurs, counted by symbol, and the symbols seen, so that
        // the counts need no sorting of the text.
        let Scratch {
            counts: count_of,
            places,
        } = scratch;
        count_of.resize(self.class_of.len(), 0);
        let mut seen = Vec::new();
        for &s in text {
            let count = &mut count_of[s as usize];
            if *count == 0 {
                seen.push(s);
            }
            *count += 1;
        }
        let mut sizes = [0usize; CLASSES];
        for &s in &seen {
            sizes[self.class_of[s as usize] as usize] += count_of[s as usize] as usize;
        }
        // Kept for the whole search, a byte per character, in one allocation: no spare
        // capacity.
        let mut ids_at = [0u32; CLASSES + 1];
        for c in 0..CLASSES {
            ids_at[c + 1] = ids_at[c] + sizes[c] as u32;
        }
        let mut ids = vec![0u8; text.len()];
        // Each letter's id at its place among its class's letters, and where it stands
        // in the whole text.
        places.resize(text.len(), 0);
        let mut next: [usize; CLASSES] = std::array::from_fn(|c| ids_at[c] as usize);
        for (at, &s) in text.iter().enumerate() {
            let c = self.class_of[s as usize] as usize;
            let k = next[c];
            ids[k] = self.id_of[s as usize];
            places[k] = at as u32;
            next[c] = k + 1;
        }
        // Where each word of each class starts and ends in the whole text.
        let mut spans_at = [0u32; CLASSES + 1];
        for c in 0..CLASSES {
            spans_at[c + 1] = spans_at[c] + words(sizes[c]) as u32;
        }
        let mut spans = Vec::with_capacity(spans_at[CLASSES] as usize);
        for c in 0..CLASSES {
            let places = &places[ids_at[c] as usize..ids_at[c + 1] as usize];
            spans.extend(
                places
                    .chunks(64)
                    .map(|word| [word[0], word[word.len() - 1]]),
            );
        }
        // Each class as a pattern: the ids it holds and their match words.
        let (mut held, mut bits) = (Vec::new(), Vec::new());
        let (mut held_at, mut bits_at) = ([0u32; CLASSES + 1], [0u32; CLASSES + 1]);
        let mut slots = [u16::MAX; IDS];
        for c in 0..CLASSES {
            let class = &ids[ids_at[c] as usize..ids_at[c + 1] as usize];
            pattern_bits(class, &mut slots, &mut held, &mut bits);
            held_at[c + 1] = held.len() as u32;
            bits_at[c + 1] = bits.len() as u32;
        }
        held.shrink_to_fit();
        bits.shrink_to_fit();
        let mut counts = [0u32; COUNTED];
        let mut rare = Vec::new();
        let mut distinct = [0u32; CLASSES];
        let mut squares = [0u64; CLASSES];
        for s in seen {
            let count = std::mem::take(&mut count_of[s as usize]);
            let c = self.class_of[s as usize] as usize;
            match self.rank_of[s as usize] as usize {
                rank if rank < COUNTED => counts[rank] = count,
                rank => rare.push((rank as u32, count)),
            }
            distinct[c] += 1;
            squares[c] += u64::from(count) * u64::from(count);
        }
        rare.sort_unstable();
        rare.shrink_to_fit();
        Projection {
            len: text.len(),
            ids,
            ids_at,
            held,
            held_at,
            bits,
            bits_at,
            spans,
            spans_at,
            counts,
            rare,
            distinct,
            squares,
        }
    }
}

/// Buffers [`Partition::project`] reuses from one text to the next.
#[derive(Default)]
pub(super) struct Scratch {
    /// By symbol, how often it occurs (all zeros between calls).
    counts: Vec<u32>,
    /// Each letter's place in the whole text, class by class.
    places: Vec<u32>,
}

/// One text's characters per class, in text order, and how often each symbol occurs.
pub(super) struct Projection {
    /// The whole text's length.
    len: usize,
    /// Class by class: its characters' class ids, in text order; class `c`'s from
    /// `ids_at[c]` to `ids_at[c + 1]`. One allocation for all classes: a first look at a
    /// text is one miss in the cache, not one per class.
    ids: Vec<u8>,
    ids_at: [u32; CLASSES + 1],
    /// Class by class, the text as a pattern ([`PatternBits`]): the ids it holds (class
    /// `c`'s from `held_at[c]`) and their match words (from `bits_at[c]`).
    held: Vec<u8>,
    held_at: [u32; CLASSES + 1],
    bits: Vec<u64>,
    bits_at: [u32; CLASSES + 1],
    /// Class by class, for each of its words, where its first and its last letter stand
    /// in the whole text; class `c`'s from `spans_at[c]`.
    spans: Vec<[u32; 2]>,
    spans_at: [u32; CLASSES + 1],
    /// How often each of the [`COUNTED`] most frequent symbols occurs, by rank.
    counts: [u32; COUNTED],
    /// `(rank, occurrences)` of the rarer symbols that occur, by rank.
    rare: Vec<(u32, u32)>,
    /// Per class: how many different symbols occur.
    distinct: [u32; CLASSES],
    /// Per class: the sum of its symbols' occurrences squared.
    squares: [u64; CLASSES],
}

impl Projection {
    /// Class `c`'s ids.
    fn class_ids(&self, c: usize) -> &[u8] {
        &self.ids[self.ids_at[c] as usize..self.ids_at[c + 1] as usize]
    }

    /// How many letters of class `c` the text has.
    fn class_len(&self, c: usize) -> u32 {
        self.ids_at[c + 1] - self.ids_at[c]
    }

    /// Class `c` as a pattern.
    fn pattern(&self, c: usize) -> PatternBits<'_> {
        PatternBits {
            len: (self.ids_at[c + 1] - self.ids_at[c]) as usize,
            ids: &self.held[self.held_at[c] as usize..self.held_at[c + 1] as usize],
            bits: &self.bits[self.bits_at[c] as usize..self.bits_at[c + 1] as usize],
            spans: self.spans(c),
        }
    }

    /// Asks for the lines of the projection that locate its classes, as a candidate is
    /// queued for a class: by the time its lanes are filled they are in the cache.
    fn prefetch_index(&self) {
        prefetch(&raw const self.ids_at);
        prefetch(&raw const self.held_at);
        prefetch(&raw const self.bits_at);
        prefetch(&raw const self.spans_at);
        prefetch(&raw const self.held);
        prefetch(&raw const self.bits);
        prefetch(&raw const self.spans);
    }

    /// Asks for class `c`'s pattern: its ids, spans and match words.
    fn prefetch_pattern(&self, c: usize) {
        let pattern = self.pattern(c);
        prefetch(pattern.ids.as_ptr());
        prefetch(pattern.spans.as_ptr());
        for line in pattern.bits.chunks(8) {
            prefetch(line.as_ptr());
        }
    }

    /// Class `c`'s [`PatternBits::spans`].
    fn spans(&self, c: usize) -> &[[u32; 2]] {
        &self.spans[self.spans_at[c] as usize..self.spans_at[c + 1] as usize]
    }
}

/// A hint that the cache line holding `at` will be read soon. It reads nothing and
/// cannot fault; where the processor has no such hint it does nothing.
#[inline(always)]
fn prefetch<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads no memory: any address will do.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// How many of the most frequent symbols a [`Projection`] counts in an array, by rank,
/// rather than in a list: comparing two arrays is a few vector instructions, merging two
/// lists a branch per symbol; and the array is part of the projection, not one more
/// place in memory. Classes are runs of ranks, so each class's counts are a run of the
/// array.
const COUNTED: usize = 64;

/// Per class `c`, `Σ_s min(count_x(s), count_y(s))` over the symbols `s` of `c`
/// (`starts`: the partition's runs of ranks). All classes in one go, so the arrays are
/// compared as one.
fn common_counts(x: &Projection, y: &Projection, starts: &[u32; CLASSES + 1]) -> [usize; CLASSES] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the processor has the feature the function is compiled for.
        return unsafe { common_counts_avx512(x, y, starts) };
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has the feature the function is compiled for.
        return unsafe { common_counts_avx2(x, y, starts) };
    }
    common_counts_generic(x, y, starts)
}

/// [`common_counts`] compiled for 256-bit vectors: a class's array is two of them, with
/// a minimum of unsigned 32-bit numbers in one instruction (128-bit vectors without
/// SSE4.1 have none).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn common_counts_avx2(
    x: &Projection,
    y: &Projection,
    starts: &[u32; CLASSES + 1],
) -> [usize; CLASSES] {
    common_counts_generic(x, y, starts)
}

/// [`common_counts`] compiled for 512-bit vectors: a class's array is one of them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn common_counts_avx512(
    x: &Projection,
    y: &Projection,
    starts: &[u32; CLASSES + 1],
) -> [usize; CLASSES] {
    common_counts_generic(x, y, starts)
}

#[inline(always)]
fn common_counts_generic(
    x: &Projection,
    y: &Projection,
    starts: &[u32; CLASSES + 1],
) -> [usize; CLASSES] {
    let common: [u32; COUNTED] = std::array::from_fn(|r| x.counts[r].min(y.counts[r]));
    let mut sums: [usize; CLASSES] = std::array::from_fn(|c| {
        let run = (starts[c] as usize).min(COUNTED)..(starts[c + 1] as usize).min(COUNTED);
        common[run].iter().map(|&n| n as usize).sum()
    });
    if !x.rare.is_empty() && !y.rare.is_empty() {
        common_rare(&x.rare, &y.rare, starts, &mut sums);
    }
    sums
}

/// Adds `min(count_x(s), count_y(s))` of the symbols of two count lists (sorted by rank)
/// to their classes' sums.
fn common_rare(
    x: &[(u32, u32)],
    y: &[(u32, u32)],
    starts: &[u32; CLASSES + 1],
    sums: &mut [usize; CLASSES],
) {
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        match x[i].0.cmp(&y[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let class = starts[1..].partition_point(|&start| start <= x[i].0);
                sums[class] += x[i].1.min(y[j].1) as usize;
                i += 1;
                j += 1;
            }
        }
    }
}

/// A text to compare with, and the LCS it must reach.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    /// Its index in the projections.
    pub other: usize,
    pub need: usize,
}

/// How many consecutive shorter texts a block of texts works through together ([`Tiles`]):
/// their projections take some hundred kilobytes, which stay in the processor's
/// second-level cache while every text of the block compares with them.
const TILE: usize = 128;

/// The bound for a block of texts, each compared with many shorter ones (as patterns,
/// [`LANES`] at a time).
///
/// The texts of a block are neighbours in length order, so their candidates are mostly
/// the same shorter texts. Rather than each text reading every candidate's counts and
/// patterns from memory in turn, the block goes through the candidates a tile of
/// [`TILE`] texts at a time, and every text of the block takes its candidates in that
/// tile before the next tile is read. On 20,000 documents reading the candidates was
/// most of the time. A text's candidates of a tile go into lanes in order of their
/// class's length: the lanes compute every word any of them needs, and patterns of about
/// the same length have their words at about the same places (7 % fewer kernel
/// instructions on 1,000 documents).
pub(super) struct ClassBound {
    /// The partition's runs of ranks, one per class.
    starts: [u32; CLASSES + 1],
    lanes: Lanes,
    texts: Vec<Text>,
}

/// One text of a block and its candidates still alive: each with the sum of its class
/// bounds and the class bounds themselves.
struct Text {
    order: [usize; CLASSES],
    alive: Vec<(Candidate, u32, [u32; CLASSES])>,
    /// The candidates (places in `alive`) the current class computes, in decreasing
    /// order of their text.
    todo: Vec<usize>,
    rows: TextRows,
}

/// The tiles a block's candidate lists are walked through: lists in decreasing order of
/// their texts, and each step a tile of [`TILE`] texts, the highest first.
struct Tiles {
    cursors: Vec<usize>,
}

impl Tiles {
    fn new(lists: usize) -> Tiles {
        Tiles {
            cursors: vec![0; lists],
        }
    }

    /// The next tile: the highest tile any list has left; `None` when every list is done.
    /// `next(list, cursor)`: the text at a list's cursor, or `None` past its end.
    fn next(&self, next: impl Fn(usize, usize) -> Option<usize>) -> Option<usize> {
        self.cursors
            .iter()
            .enumerate()
            .filter_map(|(list, &cursor)| next(list, cursor))
            .max()
            .map(|text| text / TILE)
    }
}

impl ClassBound {
    pub fn new(partition: &Partition) -> ClassBound {
        ClassBound {
            starts: partition.starts,
            lanes: Lanes::new(),
            texts: Vec::new(),
        }
    }

    /// For each `(text, candidates)` of the block, keeps the candidates the bound leaves
    /// room for: each `(other, need)` whose `LCS(projections[text], projections[other]) ≥
    /// need` is still possible. Those dropped have a smaller LCS for certain. Candidates
    /// must be shorter texts (their patterns), in decreasing order. Each text computes its
    /// classes in its own order (its most varied first), [`LANES`] candidates at a time.
    pub fn retain_reachable(
        &mut self,
        block: &mut [(usize, Vec<Candidate>)],
        projections: &[Projection],
    ) {
        let starts = self.starts;
        self.texts.resize_with(block.len(), || Text {
            order: [0; CLASSES],
            alive: Vec::new(),
            todo: Vec::new(),
            rows: TextRows::new(),
        });
        for (text, (mine, _)) in self.texts.iter_mut().zip(block.iter()) {
            text.order = class_order(&projections[*mine]);
            text.alive.clear();
        }
        // The count bounds, tile by tile.
        let mut tiles = Tiles::new(block.len());
        let at = |list: usize, cursor: usize| block[list].1.get(cursor).map(|c| c.other);
        while let Some(tile) = tiles.next(at) {
            for (list, (text, (mine, candidates))) in
                self.texts.iter_mut().zip(block.iter()).enumerate()
            {
                let mine = &projections[*mine];
                let cursor = &mut tiles.cursors[list];
                while let Some(&candidate) =
                    candidates.get(*cursor).filter(|c| c.other / TILE == tile)
                {
                    *cursor += 1;
                    let upper = common_counts(mine, &projections[candidate.other], &starts)
                        .map(|n| n as u32);
                    let bound: u32 = upper.iter().sum();
                    if bound as usize >= candidate.need {
                        text.alive.push((candidate, bound, upper));
                    }
                }
            }
        }
        // Class by class in each text's order, tile by tile.
        for round in 0..CLASSES {
            for (text, (mine, _)) in self.texts.iter_mut().zip(block.iter()) {
                let mine = &projections[*mine];
                let c = text.order[round];
                text.todo.clear();
                // With one symbol on either side, the LCS is the count bound itself.
                if mine.distinct[c] <= 1 {
                    continue;
                }
                let alive = &text.alive;
                text.todo.extend((0..alive.len()).filter(|&i| {
                    let (candidate, _, _) = alive[i];
                    candidate.need > 0 && projections[candidate.other].distinct[c] > 1
                }));
                if !text.todo.is_empty() {
                    text.rows.set(mine.class_ids(c), mine.spans(c));
                }
            }
            let mut tiles = Tiles::new(block.len());
            let mut pending: Vec<Vec<usize>> = vec![Vec::new(); block.len()];
            let mut by_len: Vec<u64> = Vec::new();
            while let Some(tile) = tiles.next(|list, cursor| {
                let text = &self.texts[list];
                text.todo.get(cursor).map(|&i| text.alive[i].0.other)
            }) {
                for list in 0..block.len() {
                    let cursor = &mut tiles.cursors[list];
                    loop {
                        let text = &self.texts[list];
                        let Some(&i) = text
                            .todo
                            .get(*cursor)
                            .filter(|&&i| text.alive[i].0.other / TILE == tile)
                        else {
                            break;
                        };
                        *cursor += 1;
                        projections[text.alive[i].0.other].prefetch_index();
                        pending[list].push(i);
                    }
                    // Lanes side by side compute the words any of them needs: patterns
                    // of about the same length have their words at about the same
                    // places, so they go together.
                    let pending = &mut pending[list];
                    if pending.len() >= LANES {
                        let text = &self.texts[list];
                        sort_by_class_len(
                            pending,
                            text,
                            text.order[round],
                            projections,
                            &mut by_len,
                        );
                        let full = pending.len() / LANES * LANES;
                        // Each chunk's patterns are asked for while the chunk before
                        // it runs: at 20,000 documents, reading them had stalled the
                        // lanes for 5 % of the search.
                        let c = self.texts[list].order[round];
                        let mut chunks = pending[..full].chunks(LANES).peekable();
                        while let Some(chunk) = chunks.next() {
                            if let Some(next) = chunks.peek() {
                                let text = &self.texts[list];
                                for &i in next.iter() {
                                    projections[text.alive[i].0.other].prefetch_pattern(c);
                                }
                            }
                            self.compute(block[list].0, list, round, chunk, projections);
                        }
                        pending.drain(..full);
                    }
                }
            }
            for (list, chunk) in pending.iter().enumerate() {
                if !chunk.is_empty() {
                    self.compute(block[list].0, list, round, chunk, projections);
                }
            }
            for text in &mut self.texts {
                text.alive
                    .retain(|&(candidate, bound, _)| bound as usize >= candidate.need);
            }
        }
        for (text, (_, candidates)) in self.texts.iter().zip(block.iter_mut()) {
            candidates.clear();
            candidates.extend(text.alive.iter().map(|&(candidate, _, _)| candidate));
        }
    }

    /// Computes the class of `round` for the candidates `chunk` (places in the alive list)
    /// of the block's text `list`, `projections[mine]`.
    fn compute(
        &mut self,
        mine: usize,
        list: usize,
        round: usize,
        chunk: &[usize],
        projections: &[Projection],
    ) {
        let mine = &projections[mine];
        let text = &mut self.texts[list];
        let c = text.order[round];
        let mut lanes = [Lane::NONE; LANES];
        for (lane, &i) in lanes.iter_mut().zip(chunk.iter()) {
            let (candidate, _, _) = &text.alive[i];
            let other = &projections[candidate.other];
            *lane = Lane {
                pattern: other.pattern(c),
                above: other.len.saturating_sub(candidate.need),
                below: mine.len.saturating_sub(candidate.need),
            };
        }
        let lcs = self.lanes.lcs(&text.rows, &lanes[..chunk.len()]);
        for (&i, lcs) in chunk.iter().zip(lcs) {
            let (_, bound, upper) = &mut text.alive[i];
            *bound = *bound - upper[c] + lcs.min(upper[c] as usize) as u32;
        }
    }

    /// Whether the bound leaves room for an LCS of `need` between `projections[1]` and
    /// `projections[0]`: `false` proves `LCS < need`. One candidate through
    /// [`ClassBound::retain_reachable`].
    #[cfg(test)]
    fn may_reach(&mut self, projections: &[Projection; 2], need: usize) -> bool {
        let mut block = [(1, vec![Candidate { other: 0, need }])];
        self.retain_reachable(&mut block, projections);
        !block[0].1.is_empty()
    }
}

/// Sorts `pending` (places in `text.alive`) by the length of their candidate's class `c`.
/// `keys`: a buffer to reuse. Each key is one number, the length above the place, so a
/// look at another text is taken once per candidate, not once per comparison.
fn sort_by_class_len(
    pending: &mut Vec<usize>,
    text: &Text,
    c: usize,
    projections: &[Projection],
    keys: &mut Vec<u64>,
) {
    keys.clear();
    keys.extend(pending.iter().map(|&i| {
        let place = u32::try_from(i).expect("fewer than 2³² candidates a text");
        let len = projections[text.alive[i].0.other].class_len(c);
        u64::from(len) << 32 | u64::from(place)
    }));
    keys.sort_unstable();
    pending.clear();
    pending.extend(keys.iter().map(|&key| key as u32 as usize));
}

/// A text's classes, its most varied first: the more alike a class's letters, the closer
/// its LCS to its count bound, and the less computing it can take off the sum. How alike:
/// the chance that two of the text's letters of the class are equal, `Σ count² / len²`,
/// compared without division.
fn class_order(mine: &Projection) -> [usize; CLASSES] {
    let mut order: [usize; CLASSES] = std::array::from_fn(|c| c);
    let alike = |c: usize| -> (u128, u128) {
        let squares = mine.squares[c];
        let len = mine.class_ids(c).len() as u64;
        // An empty class: as alike as can be (it is skipped anyway).
        match len {
            0 => (1, 1),
            _ => (squares as u128, len as u128 * len as u128),
        }
    };
    order.sort_by(|&x, &y| {
        let ((sx, lx), (sy, ly)) = (alike(x), alike(y));
        (sx * ly).cmp(&(sy * lx)).then(x.cmp(&y))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duplicates::lcs::tests::{Symbols, naive_lcs, symbols};

    proptest::proptest! {
        /// The bound never rules out an LCS that is really there, and never lets through
        /// a need above the count bound.
        #[test]
        fn the_bound_never_drops_a_reachable_lcs(
            x in "[a-l ]{0,300}",
            y in "[a-n ]{0,300}",
            slack in 0usize..40,
        ) {
            check_bound(&x, &y, false, slack)?;
        }

        /// The same with Unicode letters, digits and punctuation among them.
        #[test]
        fn the_bound_never_drops_a_reachable_lcs_in_any_script(
            x in "[a-fäß€½٣,.!Ωω ]{0,300}",
            y in "[a-gäß€½٣,.!Ωω ]{0,300}",
            slack in 0usize..40,
        ) {
            check_bound(&x, &y, false, slack)?;
        }

        /// More than [`COUNTED`] symbols, and classes of more than 256: their counts in the
        /// array and in the list.
        #[test]
        fn the_bound_never_drops_a_reachable_lcs_over_large_classes(
            x in "[a-e\u{400}-\u{4ff} ]{0,300}",
            y in "[a-e\u{400}-\u{4ff} ]{0,300}",
            slack in 0usize..40,
        ) {
            check_bound(&x, &y, false, slack)?;
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

        /// Long texts: many words per class, bands narrower than the texts.
        #[test]
        fn the_bound_never_drops_a_reachable_lcs_of_long_texts(
            x in "[a-p 0-9]{1500,2500}",
            edits in proptest::collection::vec((0usize..2500, "[a-z]{0,3}"), 0..120),
            slack in 0usize..40,
        ) {
            // `y`: `x` with some stretches replaced, so the LCS is long.
            let mut y: Vec<char> = x.chars().collect();
            for (at, with) in &edits {
                let at = at % (y.len() + 1);
                let end = (at + with.len().max(1)).min(y.len());
                y.splice(at..end, with.chars());
            }
            let y: String = y.into_iter().collect();
            check_bound(&x, &y, false, slack)?;
        }
    }

    /// The bound never rules out an LCS that is really there, nor one a little below it,
    /// and never lets through a need above the count bound.
    /// `crowded`: with [`crowd`] in the corpus.
    fn check_bound(
        x: &str,
        y: &str,
        crowded: bool,
        slack: usize,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        {
            let mut s = symbols(&[x, y]);
            if crowded {
                crowd(&mut s);
            }
            let partition = Partition::banded(&s.frequency());
            let (pa, pb) = (
                partition.project(&s.texts[0], &mut Scratch::default()),
                partition.project(&s.texts[1], &mut Scratch::default()),
            );
            let lcs = naive_lcs(&s.texts[0], &s.texts[1]);
            let pair = [pb, pa];
            let mut bound = ClassBound::new(&partition);
            proptest::prop_assert!(bound.may_reach(&pair, lcs));
            proptest::prop_assert!(bound.may_reach(&pair, lcs.saturating_sub(slack)));
            let counts: usize = common_counts(&pair[1], &pair[0], &partition.starts)
                .iter()
                .sum();
            // The count bound, symbol by symbol.
            let occurrences =
                |text: &[u32], symbol: u32| text.iter().filter(|&&t| t == symbol).count();
            let naive: usize = (0..s.alphabet as u32)
                .map(|x| occurrences(&s.texts[0], x).min(occurrences(&s.texts[1], x)))
                .sum();
            proptest::prop_assert_eq!(counts, naive);
            proptest::prop_assert!(!bound.may_reach(&pair, counts + 1));
        }
        Ok(())
    }

    /// Adds a text of 300 new symbols per class, each more frequent than any symbol of
    /// texts of 600 characters together: the texts' symbols come after their classes'
    /// 256th and share one id there.
    fn crowd(s: &mut Symbols) {
        let first = s.alphabet as u32;
        s.alphabet += 300 * CLASSES;
        s.texts.push(
            (first..s.alphabet as u32)
                .flat_map(|symbol| std::iter::repeat_n(symbol, 601))
                .collect(),
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Classes of more than 256 characters, the texts' sharing an id: the bound
        /// still never drops a reachable LCS.
        #[test]
        fn the_bound_never_drops_a_reachable_lcs_with_shared_ids(
            x in "[a-fäß€ ]{0,300}",
            y in "[a-gäß€ ]{0,300}",
            slack in 0usize..40,
        ) {
            check_bound(&x, &y, true, slack)?;
        }
    }

    #[test]
    fn rare_characters_of_a_crowded_class_share_its_last_id() {
        let mut s = symbols(&["abc"]);
        crowd(&mut s);
        let partition = Partition::banded(&s.frequency());
        for &symbol in &s.texts[0] {
            assert_eq!(partition.id_of[symbol as usize] as usize, LAST_ID);
        }
        assert_eq!(
            (0..CLASSES)
                .map(|c| (0..s.alphabet)
                    .filter(|&x| partition.class_of[x] as usize == c)
                    .map(|x| partition.id_of[x])
                    .collect::<std::collections::BTreeSet<u8>>()
                    .len())
                .sum::<usize>(),
            CLASSES * (LAST_ID + 1)
        );
    }

    #[test]
    fn same_letters_in_another_order_are_told_apart() {
        // Equal character counts, so the count bound alone allows an LCS of 26, but the
        // letters run backwards: the class LCS shows the order does not match.
        let forward: String = ('a'..='z').collect();
        let backward: String = forward.chars().rev().collect();
        let s = symbols(&[&forward, &backward]);
        let partition = Partition::banded(&s.frequency());
        let (pa, pb) = (
            partition.project(&s.texts[0], &mut Scratch::default()),
            partition.project(&s.texts[1], &mut Scratch::default()),
        );
        let pair = [pb, pa];
        let mut bound = ClassBound::new(&partition);
        assert!(!bound.may_reach(&pair, 20));
        // Each of the seven classes holds three or four letters; reversed, they have an
        // LCS of one each, so the bound comes down to at most 7 (the band an LCS of 9
        // would need removes more), and the true LCS of 1 is never ruled out.
        assert!(!bound.may_reach(&pair, 9));
        assert!(bound.may_reach(&pair, 1));
    }

    #[test]
    fn classes_are_runs_of_neighbouring_frequencies() {
        let text = "aaaaaaaabbbbccdd efgh";
        let s = symbols(&[text]);
        let partition = Partition::banded(&s.frequency());
        let symbol = |c: char| s.texts[0][text.find(c).unwrap()] as usize;
        let classes: Vec<u8> = "abcd efgh"
            .chars()
            .map(|c| partition.class_of[symbol(c)])
            .collect();
        // 21 characters: a share of 3 for the first of the 7 classes. 'a' (8 times) holds a
        // share on its own and stays alone; so do 'b' (4, share 13 / 6), 'c', 'd' and ' '
        // as the shares shrink; 'e' alone falls short of a share of 2, so 'f' joins it;
        // the last class takes the rest.
        assert_eq!(classes, vec![0, 1, 2, 3, 4, 5, 5, 6, 6]);
        // Within a class, ids in order of frequency (ties: first appearance).
        assert_eq!(partition.id_of[symbol('e')], 0);
        assert_eq!(partition.id_of[symbol('f')], 1);
    }
}
