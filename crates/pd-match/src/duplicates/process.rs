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
    let bytes = content.as_bytes();
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        // Most text is ASCII: a table, with no branch on the kind of character.
        if let Some(&processed) = ASCII.get(b as usize) {
            out.push(processed);
            at += 1;
        } else {
            let c = content[at..]
                .chars()
                .next()
                .expect("a character starts here");
            let mut buf = [0; 4];
            out.extend_from_slice(process_char(c).encode_utf8(&mut buf).as_bytes());
            at += c.len_utf8();
        }
    }
    let end = out.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    out.truncate(end);
    let start = out.iter().position(|&b| b != b' ').unwrap_or(out.len());
    out.drain(..start);
    String::from_utf8(out).expect("whole characters, each encoded as UTF-8")
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
}
