//! paperless-ngx's matching algorithms, compiled once per rule and run on many texts.
//!
//! A [`Matcher`] is a compiled [`MatchRule`]; [`Matcher::find`] runs it on a document's
//! content and says why it matched ([`MatchReason`]: the term, the matched text, the
//! fuzzy score). The semantics are paperless-ngx 3's:
//!
//! - An empty or blank pattern never matches, whatever the algorithm.
//! - **none** never matches; **auto** never matches here — its hits come from the
//!   classifier.
//! - **any** / **all**: the pattern is split into terms (double-quoted phrases or runs
//!   of non-space characters; inner white space of a phrase matches any run of white
//!   space); each term must occur as `\b<term>\b`. Any one term (any) or every term in
//!   any order (all) must be found.
//! - **literal**: the whole pattern, spaces and all, as `\b<pattern>\b`.
//! - **regex**: the pattern, unanchored, case-insensitive unless the rule says
//!   otherwise.
//! - **fuzzy**: punctuation (anything neither a word character nor white space) is
//!   removed from pattern and content, both are lower-cased when case-insensitive, and
//!   [`partial_ratio`] must reach 90.
//!
//! ## Word-boundary quirks, kept on purpose
//!
//! `\b` sits between a word character (letter, digit, `_`) and anything else, so a term
//! that starts or ends with a non-word character behaves as in paperless-ngx: `C++`
//! never matches "I use C++ daily" (after `+` and before a space there is no
//! boundary); `$100` does not match "costs $100" but does match "x$100"; `12 34 56`
//! (any) matches "120, 34, and 56" through `34` but not "123456". Word characters are
//! Python's (`str.isalnum()` or `_`), so imported rules behave the same.
//!
//! ## Case
//!
//! Case-insensitive rules fold case as the `regex` crate does (Unicode simple case
//! folding, as Python's `re.IGNORECASE`); fuzzy rules lower-case both sides.
//!
//! ## Regular expressions: syntax and limits
//!
//! paperless-ngx compiles regex rules with Python's backtracking `regex` module and
//! stops a search after 0.1 s, because a pattern like `(a+)+$` can take exponential
//! time there. pd uses the `regex` crate, whose searches take time linear in the text
//! for a given pattern, so no search can run away: `(a+)+$` on 5,000 `a`s followed by
//! `X` answers "no match" at once. What can still run away is the size of the compiled
//! pattern (`\w{1000}{1000}`): compiling is limited to [`REGEX_SIZE_LIMIT`] bytes, and a
//! pattern over it is treated like an invalid one — never a match, with a warning.
//! Python-only syntax (look-around, back-references, possessive quantifiers) is
//! invalid here and gets the same treatment; `$` matches only at the very end (Python
//! also matches before a final newline).

mod fuzzy;
mod words;

use std::cell::OnceCell;

use pd_core::{MatchRule, MatchingAlgorithm};
use regex::{Regex, RegexBuilder};
use serde::Serialize;

pub use fuzzy::{FUZZY_THRESHOLD, partial_ratio};
use fuzzy::{fuzzy_text, partial_ratio_chars};
use words::BoundedTerm;
pub(crate) use words::{is_word, split_terms};

/// The most memory a compiled regex rule may take; larger ones are rejected.
pub const REGEX_SIZE_LIMIT: usize = 2 << 20;

/// Why a rule matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchReason {
    /// any: this term was found.
    Word { term: String },
    /// all: every one of these terms was found.
    AllWords { terms: Vec<String> },
    /// literal: the whole pattern was found.
    Literal { text: String },
    /// regex: this text matched.
    Regex { matched: String },
    /// fuzzy: the best partial ratio.
    Fuzzy { score: f64 },
    /// auto: the classifier predicted it with this confidence (0 to 1).
    Classifier { confidence: f64 },
}

impl std::fmt::Display for MatchReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MatchReason::Word { term } => write!(f, "contains the word \"{term}\""),
            MatchReason::AllWords { terms } => {
                write!(f, "contains all of \"{}\"", terms.join("\", \""))
            }
            MatchReason::Literal { text } => write!(f, "contains \"{text}\""),
            MatchReason::Regex { matched } => write!(f, "regex matched \"{matched}\""),
            MatchReason::Fuzzy { score } => write!(f, "fuzzy score {score:.1}"),
            MatchReason::Classifier { confidence } => {
                write!(f, "classifier, confidence {:.0}%", confidence * 100.0)
            }
        }
    }
}

/// A document's text as the matchers read it, with the fuzzy views computed once.
pub struct Content<'a> {
    text: &'a str,
    fuzzy_lower: OnceCell<Vec<char>>,
    fuzzy_exact: OnceCell<Vec<char>>,
}

impl<'a> Content<'a> {
    pub fn new(text: &'a str) -> Content<'a> {
        Content {
            text,
            fuzzy_lower: OnceCell::new(),
            fuzzy_exact: OnceCell::new(),
        }
    }

    /// The text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    fn fuzzy(&self, lowercase: bool) -> &[char] {
        let cell = if lowercase {
            &self.fuzzy_lower
        } else {
            &self.fuzzy_exact
        };
        cell.get_or_init(|| fuzzy_text(self.text, lowercase))
    }
}

#[derive(Debug, Clone)]
enum Compiled {
    Never,
    Any(Vec<BoundedTerm>),
    All(Vec<BoundedTerm>),
    Literal(BoundedTerm),
    Regex(Regex),
    Fuzzy { needle: Vec<char>, lowercase: bool },
}

/// A compiled match rule.
///
/// ```
/// use pd_core::{MatchRule, MatchingAlgorithm};
/// use pd_match::{Content, MatchReason, Matcher};
///
/// let rule = MatchRule {
///     pattern: "invoice \"total due\"".into(),
///     algorithm: MatchingAlgorithm::All,
///     is_insensitive: true,
/// };
/// let matcher = Matcher::new(&rule);
/// let text = "INVOICE 42\nTotal\n due: 10 EUR";
/// assert_eq!(
///     matcher.find(&Content::new(text)),
///     Some(MatchReason::AllWords { terms: vec!["invoice".into(), "total due".into()] })
/// );
/// assert_eq!(matcher.find(&Content::new("total: 10 EUR")), None);
/// ```
#[derive(Debug, Clone)]
pub struct Matcher {
    rule: MatchRule,
    compiled: Compiled,
    warning: Option<String>,
}

impl Matcher {
    /// Compiles a rule. A rule that cannot be compiled (an invalid or too large regular
    /// expression) never matches and carries a [`Matcher::warning`].
    pub fn new(rule: &MatchRule) -> Matcher {
        let insensitive = rule.is_insensitive;
        let mut warning = None;
        let compiled = if rule.pattern.trim().is_empty() {
            Compiled::Never
        } else {
            let terms = || -> Result<Vec<BoundedTerm>, regex::Error> {
                split_terms(&rule.pattern)
                    .iter()
                    .map(|t| BoundedTerm::words(t, insensitive))
                    .collect()
            };
            let built = match rule.algorithm {
                MatchingAlgorithm::None | MatchingAlgorithm::Auto => Ok(Compiled::Never),
                MatchingAlgorithm::Any => terms().map(Compiled::Any),
                MatchingAlgorithm::All => terms().map(Compiled::All),
                MatchingAlgorithm::Literal => {
                    BoundedTerm::literal(&rule.pattern, insensitive).map(Compiled::Literal)
                }
                MatchingAlgorithm::Regex => RegexBuilder::new(&rule.pattern)
                    .case_insensitive(insensitive)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .dfa_size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map(Compiled::Regex),
                MatchingAlgorithm::Fuzzy => Ok(Compiled::Fuzzy {
                    needle: fuzzy_text(&rule.pattern, insensitive),
                    lowercase: insensitive,
                }),
            };
            built.unwrap_or_else(|e| {
                warning = Some(format!(
                    "error while processing regular expression {}: {}",
                    shorten(&rule.pattern),
                    one_line(&e.to_string())
                ));
                Compiled::Never
            })
        };
        Matcher {
            rule: rule.clone(),
            compiled,
            warning,
        }
    }

    /// The rule this matcher was compiled from.
    pub fn rule(&self) -> &MatchRule {
        &self.rule
    }

    /// Why the rule can never match, if it is broken (an invalid regular expression).
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// Whether the rule matches the content, and why.
    pub fn find(&self, content: &Content<'_>) -> Option<MatchReason> {
        let text = content.text();
        match &self.compiled {
            Compiled::Never => None,
            Compiled::Any(terms) => terms.iter().find_map(|t| {
                t.find(text).map(|_| MatchReason::Word {
                    term: t.text.clone(),
                })
            }),
            Compiled::All(terms) => {
                terms
                    .iter()
                    .all(|t| t.find(text).is_some())
                    .then(|| MatchReason::AllWords {
                        terms: terms.iter().map(|t| t.text.clone()).collect(),
                    })
            }
            Compiled::Literal(term) => term.find(text).map(|_| MatchReason::Literal {
                text: term.text.clone(),
            }),
            Compiled::Regex(regex) => regex.find(text).map(|m| MatchReason::Regex {
                matched: m.as_str().to_owned(),
            }),
            Compiled::Fuzzy { .. } => {
                let score = self.fuzzy_score(content)?;
                (score >= FUZZY_THRESHOLD).then_some(MatchReason::Fuzzy { score })
            }
        }
    }

    /// For a fuzzy rule, its best partial ratio on the content, matched or not.
    pub fn fuzzy_score(&self, content: &Content<'_>) -> Option<f64> {
        match &self.compiled {
            Compiled::Fuzzy { needle, lowercase } => {
                Some(partial_ratio_chars(needle, content.fuzzy(*lowercase)))
            }
            _ => None,
        }
    }
}

/// Whether `rule` matches `text`: [`Matcher::new`] and [`Matcher::find`] in one call,
/// for a single check.
pub fn matches(rule: &MatchRule, text: &str) -> Option<MatchReason> {
    Matcher::new(rule).find(&Content::new(text))
}

/// At most 80 characters of a pattern, for messages.
fn shorten(pattern: &str) -> String {
    let flat = one_line(pattern);
    if flat.chars().count() <= 80 {
        flat
    } else {
        let mut s: String = flat.chars().take(79).collect();
        s.push('…');
        s
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
