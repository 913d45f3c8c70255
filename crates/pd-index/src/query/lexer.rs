//! Splits a query into tokens, each with its character position.

use super::QueryError;

/// One token of a query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    /// `+` before a clause: it must match (as every clause does by default).
    Must,
    /// `name:` directly followed by its value.
    Field(String),
    /// A bare word, with any `~N`, `*` suffix still attached.
    Word(String),
    /// A quoted phrase and its slop (`"a b"~2`).
    Phrase(String, u32),
    /// `[lo to hi]` (`exclusive` for `{lo to hi}`); the raw bounds, `None` when open.
    Range {
        lo: Option<String>,
        hi: Option<String>,
        exclusive: bool,
    },
}

fn is_special(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '[' | ']' | '{' | '}')
}

/// The tokens of `query` with their positions.
pub(crate) fn lex(query: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => {
                out.push((i, Tok::LParen));
                i += 1;
            }
            ')' => {
                out.push((i, Tok::RParen));
                i += 1;
            }
            '"' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .ok_or_else(|| QueryError::new(query, start, "this quote is never closed"))?;
                let text: String = chars[i + 1..i + 1 + close].iter().collect();
                i += close + 2;
                let mut slop = 0;
                if chars.get(i) == Some(&'~') {
                    let digits: String = chars[i + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .collect();
                    slop = digits.parse().map_err(|_| {
                        QueryError::new(
                            query,
                            i,
                            "a phrase's ~ needs a number of words (\"a b\"~2)",
                        )
                    })?;
                    i += 1 + digits.len();
                }
                out.push((start, Tok::Phrase(text, slop)));
            }
            '[' | '{' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']' || c == '}')
                    .ok_or_else(|| QueryError::new(query, start, "this range is never closed"))?;
                let inner: String = chars[i + 1..i + 1 + close].iter().collect();
                let exclusive = c == '{';
                if (chars[i + 1 + close] == '}') != exclusive {
                    return Err(QueryError::new(
                        query,
                        i + 1 + close,
                        "a range opened with [ closes with ], one opened with { with }",
                    ));
                }
                i += close + 2;
                out.push((start, range(query, start, &inner, exclusive)?));
            }
            ']' | '}' => {
                return Err(QueryError::new(query, i, "this bracket closes no range"));
            }
            '-' | '!' | '+' if chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) => {
                out.push((i, if c == '+' { Tok::Must } else { Tok::Not }));
                i += 1;
            }
            _ => {
                while i < chars.len() && !is_special(chars[i]) {
                    // `name:` ends a token when a value follows it.
                    if chars[i] == ':' && i > start {
                        let name: String = chars[start..i].iter().collect();
                        if name
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                        {
                            i += 1;
                            out.push((start, Tok::Field(name)));
                            break;
                        }
                    }
                    i += 1;
                }
                if matches!(out.last(), Some((s, Tok::Field(_))) if *s == start) {
                    if chars.get(i).is_none_or(|c| c.is_whitespace()) {
                        return Err(QueryError::new(query, start, "this field has no value"));
                    }
                    continue;
                }
                let word: String = chars[start..i].iter().collect();
                out.push((
                    start,
                    match word.as_str() {
                        "AND" | "&&" => Tok::And,
                        "OR" | "||" => Tok::Or,
                        "NOT" => Tok::Not,
                        _ => Tok::Word(word),
                    },
                ));
            }
        }
    }
    Ok(out)
}

/// `lo to hi` inside range brackets, either bound possibly empty (open).
fn range(query: &str, at: usize, inner: &str, exclusive: bool) -> Result<Tok, QueryError> {
    let lower = inner.to_ascii_lowercase();
    let padded = format!(" {lower} ");
    let Some(split) = padded.find(" to ") else {
        return Err(QueryError::new(
            query,
            at,
            "a range needs \"to\" between its bounds, as in [2020 to 2021]",
        ));
    };
    // Positions in `padded` are one more than in `inner`; ASCII lower-casing keeps them.
    let lo = inner.get(..split.saturating_sub(1)).unwrap_or("").trim();
    let hi = inner.get(split + 3..).unwrap_or("").trim();
    let bound = |s: &str| (!s.is_empty() && s != "*").then(|| s.to_owned());
    Ok(Tok::Range {
        lo: bound(lo),
        hi: bound(hi),
        exclusive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(q: &str) -> Vec<Tok> {
        lex(q).unwrap().into_iter().map(|(_, t)| t).collect()
    }

    #[test]
    fn words_fields_phrases_ranges() {
        assert_eq!(
            toks(r#"title:"a b"~2 -x tag:(y OR z) created:[2020 TO 2021]"#)[..2],
            [Tok::Field("title".into()), Tok::Phrase("a b".into(), 2)]
        );
        assert_eq!(
            toks("created:[-1 week to now]")[1],
            Tok::Range {
                lo: Some("-1 week".into()),
                hi: Some("now".into()),
                exclusive: false
            }
        );
        assert_eq!(
            toks("asn:[ to 5]")[1],
            Tok::Range {
                lo: None,
                hi: Some("5".into()),
                exclusive: false
            }
        );
        assert_eq!(
            toks("a - b"),
            [
                Tok::Word("a".into()),
                Tok::Word("-".into()),
                Tok::Word("b".into())
            ]
        );
        assert_eq!(toks("http://x")[0], Tok::Field("http".into()));
    }

    #[test]
    fn errors_name_the_place() {
        let e = lex(r#"a "b c"#).unwrap_err();
        assert_eq!(e.position, 2);
        assert!(e.message.contains("quote"));
        assert!(
            lex("created:[2020 2021]")
                .unwrap_err()
                .message
                .contains("\"to\"")
        );
        assert!(lex("title: x").unwrap_err().message.contains("no value"));
        assert_eq!(lex("a ] b").unwrap_err().position, 2);
    }
}
