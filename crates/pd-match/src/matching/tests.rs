//! The cases of paperless-ngx's own matching tests, one table row per rule.

use pd_core::{MatchRule, MatchingAlgorithm};

use super::*;

struct Case {
    pattern: &'static str,
    algorithm: MatchingAlgorithm,
    case_sensitive: bool,
    matching: &'static [&'static str],
    not_matching: &'static [&'static str],
}

use MatchingAlgorithm::{All, Any, Fuzzy, Literal, Regex as Re};

const fn case(
    pattern: &'static str,
    algorithm: MatchingAlgorithm,
    matching: &'static [&'static str],
    not_matching: &'static [&'static str],
) -> Case {
    Case {
        pattern,
        algorithm,
        case_sensitive: false,
        matching,
        not_matching,
    }
}

const fn sensitive(
    pattern: &'static str,
    algorithm: MatchingAlgorithm,
    matching: &'static [&'static str],
    not_matching: &'static [&'static str],
) -> Case {
    Case {
        pattern,
        algorithm,
        case_sensitive: true,
        matching,
        not_matching,
    }
}

const CASES: &[Case] = &[
    case("", MatchingAlgorithm::None, &[], &["no", "match"]),
    case("match", MatchingAlgorithm::None, &[], &["match"]),
    case("keyword", MatchingAlgorithm::Auto, &[], &["keyword"]),
    // all
    case(
        "alpha charlie gamma",
        All,
        &["I have alpha, charlie, and gamma in me"],
        &[
            "I have alpha in me",
            "I have charlie in me",
            "I have gamma in me",
            "I have alpha and charlie in me",
            "I have alphas, charlie, and gamma in me",
            "I have alphas in me",
            "I have bravo in me",
        ],
    ),
    case(
        "12 34 56",
        All,
        &["I have 12 34, and 56 in me"],
        &[
            "I have 12 in me",
            "I have 34 in me",
            "I have 56 in me",
            "I have 12 and 34 in me",
            "I have 120, 34, and 56 in me",
            "I have 123456 in me",
            "I have 01234567 in me",
        ],
    ),
    case(
        "brown fox \"lazy dogs\"",
        All,
        &[
            "the quick brown fox jumped over the lazy dogs",
            "the quick brown fox jumped over the lazy  dogs",
            "the quick brown fox jumped over the lazy\ndogs",
        ],
        &[
            "the quick fox jumped over the lazy dogs",
            "the quick brown wolf jumped over the lazy dogs",
            "the quick brown fox jumped over the fat dogs",
            "the quick brown fox jumped over the lazy... dogs",
        ],
    ),
    // any
    case(
        "alpha charlie gamma",
        Any,
        &[
            "I have alpha in me",
            "I have charlie in me",
            "I have gamma in me",
            "I have alpha, charlie, and gamma in me",
            "I have alpha and charlie in me",
        ],
        &["I have alphas in me", "I have bravo in me"],
    ),
    case(
        "12 34 56",
        Any,
        &[
            "I have 12 in me",
            "I have 34 in me",
            "I have 56 in me",
            "I have 12 and 34 in me",
            "I have 12, 34, and 56 in me",
            "I have 120, 34, and 56 in me",
        ],
        &["I have 123456 in me", "I have 01234567 in me"],
    ),
    case(
        "\"brown fox\" \" lazy  dogs \"",
        Any,
        &["the quick brown fox", "jumped over the lazy  dogs."],
        &["the lazy fox jumped over the brown dogs"],
    ),
    // literal
    case(
        "alpha charlie gamma",
        Literal,
        &["I have 'alpha charlie gamma' in me"],
        &[
            "I have alpha in me",
            "I have charlie in me",
            "I have gamma in me",
            "I have alpha and charlie in me",
            "I have alpha, charlie, and gamma in me",
            "I have alphas, charlie, and gamma in me",
            "I have alphas in me",
            "I have bravo in me",
        ],
    ),
    case(
        "12 34 56",
        Literal,
        &["I have 12 34 56 in me"],
        &[
            "I have 12 in me",
            "I have 34 in me",
            "I have 56 in me",
            "I have 12 and 34 in me",
            "I have 12 34, and 56 in me",
            "I have 120, 34, and 560 in me",
            "I have 120, 340, and 560 in me",
            "I have 123456 in me",
            "I have 01234567 in me",
            // Literal keeps spaces literal: no white space relaxation.
            "I have 12  34 56 in me",
        ],
    ),
    // regex
    case(
        r"alpha\w+gamma",
        Re,
        &[
            "I have alpha_and_gamma in me",
            "I have alphas_and_gamma in me",
        ],
        &[
            "I have alpha in me",
            "I have gamma in me",
            "I have alpha and charlie in me",
            "I have alpha,and,gamma in me",
            "I have alpha and gamma in me",
            "I have alpha, charlie, and gamma in me",
            "I have alphas, charlie, and gamma in me",
            "I have alphas in me",
        ],
    ),
    case("[", Re, &[], &["Don't match this", "["]),
    // fuzzy
    case(
        "Springfield, Miss.",
        Fuzzy,
        &[
            "1220 Main Street, Springf eld, Miss.",
            "1220 Main Street, Spring field, Miss.",
            "1220 Main Street, Springfeld, Miss.",
            "1220 Main Street Springfield Miss",
        ],
        &["1220 Main Street, Springfield, Mich."],
    ),
    // the word-boundary quirks
    case("C++", Any, &[], &["I use C++ daily", "C++"]),
    case(
        "$100",
        Any,
        &["x$100", "pay x$100 now"],
        &["costs $100", "$100"],
    ),
    case(
        "a.b",
        Literal,
        &["see a.b here"],
        &["see axb here", "see a b here"],
    ),
    // blank patterns never match
    case("   ", Any, &[], &["   ", "anything"]),
    case(" \n", Re, &[], &[" \n"]),
    // case-sensitive rules
    sensitive(
        "alpha charlie gamma",
        All,
        &[
            "I have alpha, charlie, and gamma in me",
            "I have gamma, charlie, and alpha in me",
        ],
        &[
            "I have Alpha, charlie, and gamma in me",
            "I have gamma, Charlie, and alpha in me",
            "I have alpha, charlie, and Gamma in me",
            "I have gamma, charlie, and ALPHA in me",
        ],
    ),
    sensitive(
        "Alpha charlie Gamma",
        All,
        &[
            "I have Alpha, charlie, and Gamma in me",
            "I have Gamma, charlie, and Alpha in me",
        ],
        &[
            "I have Alpha, charlie, and gamma in me",
            "I have gamma, charlie, and alpha in me",
            "I have alpha, charlie, and Gamma in me",
            "I have Gamma, Charlie, and ALPHA in me",
        ],
    ),
    sensitive(
        "brown fox \"lazy dogs\"",
        All,
        &[
            "the quick brown fox jumped over the lazy dogs",
            "the quick brown fox jumped over the lazy  dogs",
        ],
        &[
            "the quick Brown fox jumped over the lazy dogs",
            "the quick brown Fox jumped over the lazy  dogs",
            "the quick brown fox jumped over the Lazy dogs",
            "the quick brown fox jumped over the lazy  Dogs",
        ],
    ),
    sensitive(
        "alpha charlie gamma",
        Any,
        &[
            "I have alpha in me",
            "I have charlie in me",
            "I have gamma in me",
            "I have alpha, charlie, and gamma in me",
            "I have alpha and charlie in me",
        ],
        &[
            "I have Alpha in me",
            "I have chaRLie in me",
            "I have gamMA in me",
            "I have aLPha, cHArlie, and gAMma in me",
            "I have AlphA and CharlIe in me",
        ],
    ),
    sensitive(
        "Alpha Charlie Gamma",
        Any,
        &[
            "I have Alpha in me",
            "I have Charlie in me",
            "I have Gamma in me",
            "I have Alpha, Charlie, and Gamma in me",
            "I have Alpha and Charlie in me",
        ],
        &[
            "I have alpha in me",
            "I have ChaRLie in me",
            "I have GamMA in me",
            "I have ALPha, CHArlie, and GAMma in me",
            "I have AlphA and CharlIe in me",
        ],
    ),
    sensitive(
        "\"brown fox\" \" lazy  dogs \"",
        Any,
        &["the quick brown fox", "jumped over the lazy  dogs."],
        &["the quick Brown fox", "jumped over the lazy  Dogs."],
    ),
    sensitive(
        "alpha charlie gamma",
        Literal,
        &["I have 'alpha charlie gamma' in me"],
        &[
            "I have 'Alpha charlie gamma' in me",
            "I have 'alpha Charlie gamma' in me",
            "I have 'alpha charlie Gamma' in me",
            "I have 'Alpha Charlie Gamma' in me",
        ],
    ),
    sensitive(
        "Alpha Charlie Gamma",
        Literal,
        &["I have 'Alpha Charlie Gamma' in me"],
        &[
            "I have 'Alpha charlie gamma' in me",
            "I have 'alpha Charlie gamma' in me",
            "I have 'alpha charlie Gamma' in me",
            "I have 'alpha charlie gamma' in me",
        ],
    ),
    sensitive(
        r"alpha\w+gamma",
        Re,
        &[
            "I have alpha_and_gamma in me",
            "I have alphas_and_gamma in me",
        ],
        &[
            "I have Alpha_and_Gamma in me",
            "I have alpHAs_and_gaMMa in me",
        ],
    ),
    sensitive(
        r"Alpha\w+gamma",
        Re,
        &[
            "I have Alpha_and_gamma in me",
            "I have Alphas_and_gamma in me",
        ],
        &[
            "I have Alpha_and_Gamma in me",
            "I have alphas_and_gamma in me",
        ],
    ),
    sensitive(
        "Springfield",
        Fuzzy,
        &["in Springfeld"],
        &["in SPRINGFIELD"],
    ),
];

#[test]
fn paperless_matching_cases() {
    let mut failures = Vec::new();
    for case in CASES {
        let rule = MatchRule {
            pattern: case.pattern.into(),
            algorithm: case.algorithm,
            is_insensitive: !case.case_sensitive,
        };
        let matcher = Matcher::new(&rule);
        for text in case.matching {
            if matcher.find(&Content::new(text)).is_none() {
                failures.push(format!(
                    "{:?} {:?} should match {text:?}",
                    case.algorithm, case.pattern
                ));
            }
        }
        for text in case.not_matching {
            if let Some(reason) = matcher.find(&Content::new(text)) {
                failures.push(format!(
                    "{:?} {:?} should not match {text:?} ({reason})",
                    case.algorithm, case.pattern
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reasons_name_the_term_and_score() {
    let rule = |pattern: &str, algorithm| MatchRule {
        pattern: pattern.into(),
        algorithm,
        is_insensitive: true,
    };
    assert_eq!(
        matches(&rule("alpha \"lazy dogs\"", Any), "the LAZY\n dogs"),
        Some(MatchReason::Word {
            term: "lazy dogs".into()
        })
    );
    assert_eq!(
        matches(&rule(r"no\.\s*\d+", Re), "Receipt No. 42"),
        Some(MatchReason::Regex {
            matched: "No. 42".into()
        })
    );
    assert_eq!(
        matches(
            &rule("Springfield, Miss.", Fuzzy),
            "1220 Main Street, Springf eld, Miss."
        ),
        Some(MatchReason::Fuzzy { score: 93.75 })
    );
    let fuzzy = Matcher::new(&rule("Springfield, Miss.", Fuzzy));
    assert_eq!(
        fuzzy.fuzzy_score(&Content::new("1220 Main Street, Springfield, Mich.")),
        Some(87.5)
    );
}

#[test]
fn invalid_and_oversized_regexes_warn_and_never_match() {
    let rule = |pattern: &str| MatchRule {
        pattern: pattern.into(),
        algorithm: Re,
        is_insensitive: true,
    };
    for pattern in ["[", r"(?<=a)b", r"(a)\1", r"\w{1000}{1000}"] {
        let matcher = Matcher::new(&rule(pattern));
        let warning = matcher.warning().unwrap_or_default();
        assert!(
            warning.contains("regular expression"),
            "{pattern}: {warning:?}"
        );
        assert_eq!(matcher.find(&Content::new("ab aa b")), None, "{pattern}");
    }
    assert!(Matcher::new(&rule("ok")).warning().is_none());
}

#[test]
fn catastrophic_backtracking_is_just_no_match() {
    let rule = MatchRule {
        pattern: "(a+)+$".into(),
        algorithm: Re,
        is_insensitive: true,
    };
    let text = format!("{}X", "a".repeat(5000));
    let matcher = Matcher::new(&rule);
    assert!(matcher.warning().is_none());
    assert_eq!(matcher.find(&Content::new(&text)), None);
    // And on a long document too.
    let text = format!("{}X", "a".repeat(1_000_000));
    assert_eq!(matcher.find(&Content::new(&text)), None);
}

#[test]
fn unicode_case_and_words() {
    let rule = |pattern: &str, algorithm| MatchRule {
        pattern: pattern.into(),
        algorithm,
        is_insensitive: true,
    };
    assert!(matches(&rule("müller", Any), "Herr MÜLLER, Straße").is_some());
    assert!(matches(&rule("straße", Literal), "Herr MÜLLER, STRAßE 5").is_some());
    // `ü` is a word character, so "mü" is not a word of "müller".
    assert!(matches(&rule("mü", Any), "müller").is_none());
    assert!(matches(&rule("Stadtwerke", Fuzzy), "STADTWERKE Musterstadt").is_some());
}
