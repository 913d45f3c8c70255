use serde::{Deserialize, Serialize};

/// How an object's `match` pattern is applied to a document's content.
///
/// The numeric codes are paperless-ngx's and appear in its exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "i16", into = "i16")]
pub enum MatchingAlgorithm {
    /// 0: never matches automatically.
    None,
    /// 1: any of the words (the default).
    #[default]
    Any,
    /// 2: all of the words.
    All,
    /// 3: the pattern as one literal string.
    Literal,
    /// 4: a regular expression.
    Regex,
    /// 5: fuzzy word matching.
    Fuzzy,
    /// 6: the trained classifier decides.
    Auto,
}

impl MatchingAlgorithm {
    /// Every algorithm, in code order.
    pub const ALL: [MatchingAlgorithm; 7] = [
        Self::None,
        Self::Any,
        Self::All,
        Self::Literal,
        Self::Regex,
        Self::Fuzzy,
        Self::Auto,
    ];

    /// paperless-ngx's numeric code.
    pub fn code(self) -> i16 {
        self as i16
    }

    /// The algorithm for a numeric code, if it is one.
    pub fn from_code(code: i16) -> Option<Self> {
        Self::ALL.get(usize::try_from(code).ok()?).copied()
    }

    /// The short name used on the command line (`none`, `any`, `all`, `literal`,
    /// `regex`, `fuzzy`, `auto`).
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Any => "any",
            Self::All => "all",
            Self::Literal => "literal",
            Self::Regex => "regex",
            Self::Fuzzy => "fuzzy",
            Self::Auto => "auto",
        }
    }

    /// Parses a name as printed by [`MatchingAlgorithm::name`] or a numeric code.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        if let Ok(code) = text.parse::<i16>() {
            return Self::from_code(code);
        }
        Self::ALL.into_iter().find(|a| a.name() == text)
    }
}

impl TryFrom<i16> for MatchingAlgorithm {
    type Error = String;
    fn try_from(code: i16) -> Result<Self, String> {
        Self::from_code(code).ok_or_else(|| format!("unknown matching algorithm {code}"))
    }
}

impl From<MatchingAlgorithm> for i16 {
    fn from(a: MatchingAlgorithm) -> i16 {
        a.code()
    }
}

impl std::fmt::Display for MatchingAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The matching rule every correspondent, tag, document type and storage path carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRule {
    /// The pattern; its meaning depends on the algorithm. Called `match` in exports.
    #[serde(rename = "match")]
    pub pattern: String,
    /// Called `matching_algorithm` in exports.
    #[serde(rename = "matching_algorithm")]
    pub algorithm: MatchingAlgorithm,
    /// Case-insensitive matching (the default).
    pub is_insensitive: bool,
}

impl Default for MatchRule {
    fn default() -> Self {
        MatchRule {
            pattern: String::new(),
            algorithm: MatchingAlgorithm::Any,
            is_insensitive: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for a in MatchingAlgorithm::ALL {
            assert_eq!(MatchingAlgorithm::from_code(a.code()), Some(a));
            assert_eq!(MatchingAlgorithm::parse(a.name()), Some(a));
        }
        assert_eq!(MatchingAlgorithm::from_code(7), None);
        assert_eq!(MatchingAlgorithm::from_code(-1), None);
        assert_eq!(
            MatchingAlgorithm::parse("REGEX"),
            Some(MatchingAlgorithm::Regex)
        );
        assert_eq!(
            MatchingAlgorithm::parse("5"),
            Some(MatchingAlgorithm::Fuzzy)
        );
        assert_eq!(MatchingAlgorithm::parse("sometimes"), None);
    }

    #[test]
    fn serialises_like_paperless() {
        let rule = MatchRule {
            pattern: "acme".into(),
            algorithm: MatchingAlgorithm::Literal,
            is_insensitive: false,
        };
        let json = serde_json::to_value(&rule).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"match": "acme", "matching_algorithm": 3, "is_insensitive": false})
        );
        assert!(
            serde_json::from_value::<MatchRule>(
                serde_json::json!({"match": "", "matching_algorithm": 9, "is_insensitive": true})
            )
            .is_err()
        );
    }
}
