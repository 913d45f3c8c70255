//! Word characters, term splitting and `\b…\b` searches with Python's notion of a word.
//!
//! paperless-ngx searches `\b<term>\b` with Python's `re`, whose word characters are
//! letters, digits and numeric characters (`str.isalnum()`) plus `_`. The `regex`
//! crate's Unicode `\b` also counts combining marks and connector punctuation as word
//! characters, so the boundaries are checked here instead, with Python's definition.

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};

/// A word character as Python's `re` sees one: `str.isalnum()` or `_`.
pub(crate) fn is_word(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    static LETTER_OR_NUMBER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\A[\p{L}\p{N}]\z").expect("a valid class"));
    let mut buf = [0; 4];
    LETTER_OR_NUMBER.is_match(c.encode_utf8(&mut buf))
}

/// White space as Python's `str.isspace()` sees it (Unicode White_Space plus the
/// information separators U+001C to U+001F).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `\s` as a regex class.
const SPACE_CLASS: &str = r"[\s\x1C-\x1F]";

/// Whether a `\b` holds at byte offset `at` of `text`.
fn boundary(text: &str, at: usize) -> bool {
    let before = text[..at].chars().next_back().is_some_and(is_word);
    let after = text[at..].chars().next().is_some_and(is_word);
    before != after
}

/// A search for `\b<term>\b`.
#[derive(Debug, Clone)]
pub(crate) struct BoundedTerm {
    /// The term as the rule wrote it (for explanations).
    pub text: String,
    regex: Regex,
}

impl BoundedTerm {
    /// `pieces` are matched literally, separated by one or more white space characters.
    fn new(text: String, pieces: &[&str], case_insensitive: bool) -> Result<Self, regex::Error> {
        let escaped: Vec<String> = pieces.iter().map(|p| regex::escape(p)).collect();
        let pattern = escaped.join(&format!("{SPACE_CLASS}+"));
        let regex = RegexBuilder::new(&pattern)
            .case_insensitive(case_insensitive)
            .build()?;
        Ok(BoundedTerm { text, regex })
    }

    /// A term of an any/all rule: runs of white space inside it match any white space.
    pub fn words(term: &str, case_insensitive: bool) -> Result<Self, regex::Error> {
        let pieces: Vec<&str> = term.split(' ').collect();
        BoundedTerm::new(term.to_owned(), &pieces, case_insensitive)
    }

    /// A literal rule: the whole pattern, spaces and all, exactly.
    pub fn literal(pattern: &str, case_insensitive: bool) -> Result<Self, regex::Error> {
        BoundedTerm::new(pattern.to_owned(), &[pattern], case_insensitive)
    }

    /// The first occurrence with a word boundary on both sides, as `(start, end)`.
    ///
    /// For each start position the term matches at most one way (its pieces are
    /// literal and white space runs are taken whole), so trying the occurrences left to
    /// right finds exactly what Python's backtracking search finds.
    pub fn find(&self, text: &str) -> Option<(usize, usize)> {
        let mut at = 0;
        while let Some(m) = self.regex.find_at(text, at) {
            if boundary(text, m.start()) && boundary(text, m.end()) {
                return Some((m.start(), m.end()));
            }
            let next = text[m.start()..].chars().next()?;
            at = m.start() + next.len_utf8();
        }
        None
    }
}

/// Splits an any/all pattern into terms as paperless-ngx does: double-quoted phrases
/// (quotes removed) or runs of non-space characters, each trimmed and with inner white
/// space runs collapsed to one space. An unterminated quote stays part of its term.
pub(crate) fn split_terms(pattern: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut rest = pattern;
    loop {
        rest = rest.trim_start_matches(is_space);
        if rest.is_empty() {
            break;
        }
        // `"([^"]+)"` is tried first at every position.
        if let Some(after_quote) = rest.strip_prefix('"')
            && let Some(end) = after_quote.find('"')
            && end > 0
        {
            terms.push(collapse(&after_quote[..end]));
            rest = &after_quote[end + 1..];
            continue;
        }
        // `(\S+)`: everything up to the next white space, quotes included.
        let end = rest.find(is_space).unwrap_or(rest.len());
        terms.push(collapse(&rest[..end]));
        rest = &rest[end..];
    }
    terms
}

/// Trims and collapses white space runs to single spaces.
fn collapse(term: &str) -> String {
    term.split(is_space)
        .filter(|piece| !piece.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_split_like_paperless() {
        assert_eq!(
            split_terms("  some random  words \"with   quotes  \" and   spaces"),
            ["some", "random", "words", "with quotes", "and", "spaces"]
        );
        assert_eq!(split_terms("\"unterminated"), ["\"unterminated"]);
        assert_eq!(split_terms("a\"b c\"d"), ["a\"b", "c\"d"]);
        assert_eq!(split_terms("\"\" x"), ["\"\"", "x"]);
        // A phrase of only spaces is an empty term, as in paperless-ngx.
        assert_eq!(split_terms("\"   \""), [""]);
        assert!(split_terms("   ").is_empty());
    }

    #[test]
    fn python_word_characters() {
        for c in ['a', 'Z', '0', '_', 'ä', 'ß', 'ж', '日', '²'] {
            assert!(is_word(c), "{c}");
        }
        // Combining marks and other connector punctuation are not word characters.
        for c in ['-', ' ', '$', '+', '\u{301}', '\u{203F}'] {
            assert!(!is_word(c), "{c:?}");
        }
        assert!(is_space('\u{1f}') && is_space('\u{a0}') && !is_space('x'));
    }

    #[test]
    fn boundaries_are_checked_on_the_text() {
        let t = BoundedTerm::words("$100", true).unwrap();
        assert_eq!(t.find("costs $100"), None);
        assert_eq!(t.find("x$100"), Some((1, 5)));
        let t = BoundedTerm::words("c++", true).unwrap();
        assert_eq!(t.find("I use C++ daily"), None);
        let t = BoundedTerm::words("alpha", true).unwrap();
        assert_eq!(t.find("alphas and alpha"), Some((11, 16)));
        // An empty term matches wherever there is a boundary.
        let t = BoundedTerm::words("", true).unwrap();
        assert_eq!(t.find("  x"), Some((2, 2)));
        assert_eq!(t.find("   "), None);
    }
}
