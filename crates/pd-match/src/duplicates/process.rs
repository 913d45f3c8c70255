//! The text each document is compared by: paperless-ngx's emptiness test and rapidfuzz's
//! `utils.default_process`, reproduced character for character.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether paperless-ngx skips this content: empty after Python's `str.strip()`.
///
/// Python strips every character `str.isspace()` accepts: Unicode `White_Space` plus the
/// four information separators U+001C–U+001F, which Rust's `char::is_whitespace` lacks.
pub fn is_blank(content: &str) -> bool {
    content.chars().all(is_python_space)
}

fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// rapidfuzz's `utils.default_process`: every character that is not alphanumeric becomes
/// one space (runs are not collapsed), alphanumerics are lower-cased one-for-one, and
/// leading and trailing spaces are trimmed.
///
/// Alphanumeric is Python's `str.isalnum()`: a letter (`Lu`, `Ll`, `Lt`, `Lm`, `Lo`) or a
/// number (`Nd`, `Nl`, `No`) — not Rust's `char::is_alphanumeric`, which also accepts
/// combining marks and symbols with the `Alphabetic` property (`Ⓐ`, Devanagari vowel
/// signs). Lower-casing keeps one character per character: the first of its lower-case
/// mapping, so `İ` becomes `i` and the final-sigma rule is not applied, as in rapidfuzz.
///
/// ```
/// use pd_match::duplicates::default_process;
///
/// let text: String = default_process("  Hello,  WORLD! Café ½ İ_x ").into_iter().collect();
/// assert_eq!(text, "hello   world  café ½ i x");
/// ```
pub fn default_process(content: &str) -> Vec<char> {
    default_process_str(content).chars().collect()
}

/// [`default_process`] as a string: what the search keeps of each document.
///
/// ```
/// use pd_match::duplicates::default_process_str;
///
/// assert_eq!(default_process_str(" Straße 12b, Köln! "), "straße 12b  köln");
/// ```
pub fn default_process_str(content: &str) -> String {
    let mut out = Vec::with_capacity(content.len());
    for run in Runs::of(content) {
        match run {
            // Most text is ASCII: a table, with no branch on the kind of character.
            Run::Ascii(bytes) => out.extend(bytes.iter().map(|&b| ASCII[usize::from(b)])),
            Run::Other(c) => {
                let mut buf = [0; 4];
                out.extend_from_slice(process_char(c).encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    let end = out.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    out.truncate(end);
    let start = out.iter().position(|&b| b != b' ').unwrap_or(out.len());
    out.drain(..start);
    String::from_utf8(out).expect("whole characters, each encoded as UTF-8")
}

/// A stretch of text: a run of ASCII bytes, or one character outside ASCII.
pub(super) enum Run<'a> {
    Ascii(&'a [u8]),
    Other(char),
}

/// A text as its [`Run`]s. Nearly all of a document is ASCII, and a run is read a byte at
/// a time, with nothing to decode and a length known in advance.
pub(super) struct Runs<'a>(&'a str);

impl<'a> Runs<'a> {
    pub fn of(text: &'a str) -> Runs<'a> {
        Runs(text)
    }
}

impl<'a> Iterator for Runs<'a> {
    type Item = Run<'a>;

    fn next(&mut self) -> Option<Run<'a>> {
        let ascii = ascii_len(self.0.as_bytes());
        if ascii > 0 {
            let (run, rest) = self.0.split_at(ascii);
            self.0 = rest;
            return Some(Run::Ascii(run.as_bytes()));
        }
        let mut chars = self.0.chars();
        let c = chars.next()?;
        self.0 = chars.as_str();
        Some(Run::Other(c))
    }
}

/// How many bytes at the start of `bytes` are ASCII: eight at a time while they are.
fn ascii_len(bytes: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let (words, _) = bytes.as_chunks::<8>();
    let whole = words
        .iter()
        .position(|w| u64::from_ne_bytes(*w) & HIGH != 0)
        .unwrap_or(words.len());
    let from = whole * 8;
    from + bytes[from..]
        .iter()
        .position(|b| !b.is_ascii())
        .unwrap_or(bytes.len() - from)
}

/// How often each ASCII byte occurs. Counted in four tables in turn, so that a run of one
/// byte (spaces) does not make each count wait for the one before.
pub(super) struct AsciiCounts([[u32; 128]; 4]);

impl AsciiCounts {
    pub fn new() -> AsciiCounts {
        AsciiCounts([[0; 128]; 4])
    }

    /// Counts `run`'s bytes, which must be ASCII.
    pub fn add(&mut self, run: &[u8]) {
        let (quads, rest) = run.as_chunks::<4>();
        let [t0, t1, t2, t3] = &mut self.0;
        for q in quads {
            t0[usize::from(q[0] & 127)] += 1;
            t1[usize::from(q[1] & 127)] += 1;
            t2[usize::from(q[2] & 127)] += 1;
            t3[usize::from(q[3] & 127)] += 1;
        }
        for &b in rest {
            t0[usize::from(b & 127)] += 1;
        }
    }

    /// Each byte's count.
    pub fn totals(&self) -> [u32; 128] {
        std::array::from_fn(|b| self.0.iter().map(|t| t[b]).sum())
    }
}

/// [`process_char`] of every ASCII character.
const ASCII: [u8; 128] = {
    let mut table = [b' '; 128];
    let mut b = 0;
    while b < 128 {
        if (b as u8).is_ascii_alphanumeric() {
            table[b] = (b as u8).to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

fn process_char(c: char) -> char {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            ' '
        };
    }
    if is_python_alnum(c) {
        c.to_lowercase().next().unwrap_or(c)
    } else {
        ' '
    }
}

fn is_python_alnum(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::UppercaseLetter
            | GeneralCategory::LowercaseLetter
            | GeneralCategory::TitlecaseLetter
            | GeneralCategory::ModifierLetter
            | GeneralCategory::OtherLetter
            | GeneralCategory::DecimalNumber
            | GeneralCategory::LetterNumber
            | GeneralCategory::OtherNumber
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn processed(s: &str) -> String {
        default_process(s).into_iter().collect()
    }

    #[test]
    fn punctuation_and_whitespace_become_single_spaces() {
        assert_eq!(processed("Hello,  World!"), "hello   world");
        assert_eq!(processed("a\tb\nc\u{a0}d\u{2003}e_f"), "a b c d e f");
        assert_eq!(processed("!!!"), "");
        assert_eq!(processed(""), "");
        assert_eq!(processed("  x  "), "x");
    }

    #[test]
    fn unicode_letters_and_numbers_are_kept_lower_cased() {
        assert_eq!(processed("Café ÄÖÜ ß"), "café äöü ß");
        assert_eq!(processed("½ ² ٣ Ⅻ"), "½ ² ٣ ⅻ");
        assert_eq!(processed("İ"), "i");
        assert_eq!(processed("ΟΔΟΣ"), "οδοσ");
        // Symbols with the Alphabetic property and combining marks are not alphanumeric.
        assert_eq!(processed("Ⓐx\u{301}"), "x");
        assert_eq!(processed("× ÷ € ©"), "");
    }

    #[test]
    fn the_ascii_table_is_the_character_rule() {
        for b in 0..128u8 {
            assert_eq!(ASCII[b as usize] as char, process_char(b as char), "{b}");
        }
    }

    #[test]
    fn blank_is_python_strip() {
        assert!(is_blank(""));
        assert!(is_blank(
            " \t\n\r\u{b}\u{c}\u{1c}\u{1f}\u{85}\u{a0}\u{3000}"
        ));
        assert!(!is_blank("\u{200b}"));
        assert!(!is_blank("!!!"));
    }

    /// A text's runs, written back as the text they cover.
    fn rejoined(text: &str) -> (String, Vec<bool>) {
        let mut out = String::new();
        let mut kinds = Vec::new();
        for run in Runs::of(text) {
            match run {
                Run::Ascii(bytes) => {
                    assert!(!bytes.is_empty() && bytes.is_ascii());
                    out.push_str(std::str::from_utf8(bytes).unwrap());
                    kinds.push(true);
                }
                Run::Other(c) => {
                    assert!(!c.is_ascii());
                    out.push(c);
                    kinds.push(false);
                }
            }
        }
        (out, kinds)
    }

    #[test]
    fn runs_cover_the_text_ascii_together_and_other_characters_one_by_one() {
        let (text, kinds) = rejoined("Straße 12345678 Köln€€ and on, to the end");
        assert_eq!(text, "Straße 12345678 Köln€€ and on, to the end");
        assert_eq!(kinds, [true, false, true, false, true, false, false, true]);
        assert_eq!(rejoined(""), (String::new(), vec![]));
        // Non-ASCII right after, and well past, a whole eight-byte word.
        for at in 0..20 {
            let text = format!("{}é{}", "x".repeat(at), "y".repeat(at));
            assert_eq!(rejoined(&text).0, text);
            assert_eq!(ascii_len(text.as_bytes()), at);
        }
    }

    #[test]
    fn ascii_counts_count_every_byte() {
        let text = "   aaa  b\tc ~ aaaaaaaaaaaaa\n";
        let mut counts = AsciiCounts::new();
        counts.add(text.as_bytes());
        counts.add(b"a");
        let totals = counts.totals();
        for b in 0..128u8 {
            let expected = text.bytes().filter(|&x| x == b).count() + usize::from(b == b'a');
            assert_eq!(totals[b as usize] as usize, expected, "{b}");
        }
    }
}
