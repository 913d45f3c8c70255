//! Tokens to a [`Query`] tree (recursive descent: OR of ANDs of unary clauses).

use super::lexer::{Tok, lex};
use super::{DateExpr, FIELD_NAMES, Query, QueryError, Target, target_named};

struct Parser<'q> {
    query: &'q str,
    toks: Vec<(usize, Tok)>,
    at: usize,
}

/// Parses a query; an empty query or one with nothing to search for is an error.
pub fn parse(query: &str) -> Result<Query, QueryError> {
    let mut p = Parser {
        query,
        toks: lex(query)?,
        at: 0,
    };
    if p.toks.is_empty() {
        return Err(QueryError::new(query, 0, "the query is empty"));
    }
    let q = p.or()?;
    if let Some((pos, tok)) = p.toks.get(p.at) {
        let what = if *tok == Tok::RParen {
            "this parenthesis closes nothing"
        } else {
            "unexpected text"
        };
        return Err(QueryError::new(query, *pos, what));
    }
    Ok(q)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }

    fn pos(&self) -> usize {
        self.toks
            .get(self.at)
            .map_or(self.query.chars().count(), |(p, _)| *p)
    }

    fn err(&self, message: impl Into<String>) -> QueryError {
        QueryError::new(self.query, self.pos(), message)
    }

    fn or(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Query::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                None | Some(Tok::Or | Tok::RParen) => break,
                Some(Tok::And) => {
                    self.at += 1;
                    parts.push(self.unary()?);
                }
                Some(_) => parts.push(self.unary()?),
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Query::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Query, QueryError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.at += 1;
                Ok(Query::Not(Box::new(self.unary()?)))
            }
            Some(Tok::Must) => {
                self.at += 1;
                self.unary()
            }
            Some(Tok::And | Tok::Or) => Err(self.err("AND and OR go between two clauses")),
            None => Err(self.err("the query ends where a word was expected")),
            _ => self.primary(&Target::Default),
        }
    }

    fn group(&mut self, target: &Target) -> Result<Query, QueryError> {
        let open = self.pos();
        self.at += 1;
        let q = self.with_target(target, |p| p.or())?;
        if self.peek() != Some(&Tok::RParen) {
            return Err(QueryError::new(
                self.query,
                open,
                "this parenthesis is never closed",
            ));
        }
        self.at += 1;
        Ok(q)
    }

    /// Parses with every unqualified clause inside looking at `target`.
    fn with_target(
        &mut self,
        target: &Target,
        f: impl FnOnce(&mut Self) -> Result<Query, QueryError>,
    ) -> Result<Query, QueryError> {
        let q = f(self)?;
        Ok(retarget(q, target))
    }

    fn primary(&mut self, target: &Target) -> Result<Query, QueryError> {
        let pos = self.pos();
        let Some(tok) = self.peek().cloned() else {
            return Err(self.err("the query ends where a word was expected"));
        };
        match tok {
            Tok::LParen => self.group(target),
            Tok::Field(name) => {
                if *target != Target::Default {
                    return Err(self.err("a field cannot be named inside another field's value"));
                }
                let field = target_named(&name).ok_or_else(|| {
                    QueryError::new(
                        self.query,
                        pos,
                        format!(
                            "unknown field {name:?} (known: {FIELD_NAMES}); put text with a \
                             colon in quotes"
                        ),
                    )
                })?;
                self.at += 1;
                if self.peek() == Some(&Tok::LParen) {
                    return self.group(&field);
                }
                self.primary(&field)
            }
            Tok::Word(word) => {
                self.at += 1;
                self.word(target, &word, pos)
            }
            Tok::Phrase(text, slop) => {
                self.at += 1;
                match target {
                    Target::Date(field) => Ok(Query::Dates {
                        field: *field,
                        lo: Some(DateExpr(text.clone())),
                        hi: Some(DateExpr(text)),
                        exclusive: false,
                    }),
                    Target::Number(_) => self.word(target, &text, pos),
                    _ => Ok(Query::Phrase {
                        target: target.clone(),
                        text,
                        slop,
                    }),
                }
            }
            Tok::Range { lo, hi, exclusive } => {
                self.at += 1;
                match target {
                    Target::Date(field) => Ok(Query::Dates {
                        field: *field,
                        lo: lo.map(DateExpr),
                        hi: hi.map(DateExpr),
                        exclusive,
                    }),
                    Target::Number(field) => {
                        let num = |s: Option<String>| -> Result<Option<u64>, QueryError> {
                            s.map(|s| {
                                s.parse::<u64>().map_err(|_| {
                                    QueryError::new(
                                        self.query,
                                        pos,
                                        format!("{s:?} is not a number"),
                                    )
                                })
                            })
                            .transpose()
                        };
                        let (mut lo, mut hi) = (num(lo)?, num(hi)?);
                        if exclusive {
                            lo = lo.map(|n| n.saturating_add(1));
                            hi = match hi {
                                Some(0) => return Ok(Query::Or(Vec::new())),
                                h => h.map(|n| n - 1),
                            };
                        }
                        Ok(Query::Numbers {
                            field: *field,
                            lo,
                            hi,
                        })
                    }
                    _ => Err(QueryError::new(
                        self.query,
                        pos,
                        "ranges work on dates (created, added, modified) and numbers (asn, \
                         page_count, id, …), not on text",
                    )),
                }
            }
            Tok::RParen => Err(self.err("a word was expected before this parenthesis")),
            Tok::And | Tok::Or | Tok::Not | Tok::Must => Err(self.err("a word was expected here")),
        }
    }

    fn word(&self, target: &Target, word: &str, pos: usize) -> Result<Query, QueryError> {
        match target {
            Target::Number(field) => {
                let n = word.parse::<u64>().map_err(|_| {
                    QueryError::new(self.query, pos, format!("{word:?} is not a number"))
                })?;
                Ok(Query::Numbers {
                    field: *field,
                    lo: Some(n),
                    hi: Some(n),
                })
            }
            Target::Date(field) => {
                let expr = DateExpr(word.to_owned());
                Ok(Query::Dates {
                    field: *field,
                    lo: Some(expr.clone()),
                    hi: Some(expr),
                    exclusive: false,
                })
            }
            Target::Text(super::TextField::Tag) if word.contains(',') => Ok(Query::And(
                word.split(',')
                    .filter(|w| !w.is_empty())
                    .map(|w| self.word(target, w, pos))
                    .collect::<Result<_, _>>()?,
            )),
            _ => {
                let (text, fuzzy) = match word.rsplit_once('~') {
                    Some((text, n)) if !text.is_empty() => {
                        let n = if n.is_empty() {
                            1
                        } else {
                            n.parse::<u8>().ok().filter(|n| *n <= 2).ok_or_else(|| {
                                QueryError::new(
                                    self.query,
                                    pos,
                                    "a fuzzy word takes ~, ~1 or ~2 (edits allowed)",
                                )
                            })?
                        };
                        (text, Some(n))
                    }
                    _ => (word, None),
                };
                let (text, prefix) = match text.strip_suffix('*') {
                    Some(t) if !t.is_empty() => (t, true),
                    _ => (text, false),
                };
                Ok(Query::Word {
                    target: target.clone(),
                    text: text.to_owned(),
                    fuzzy,
                    prefix,
                })
            }
        }
    }
}

/// Points every clause still looking at the default fields at `target`.
fn retarget(q: Query, target: &Target) -> Query {
    if *target == Target::Default {
        return q;
    }
    match q {
        Query::And(v) => Query::And(v.into_iter().map(|q| retarget(q, target)).collect()),
        Query::Or(v) => Query::Or(v.into_iter().map(|q| retarget(q, target)).collect()),
        Query::Not(q) => Query::Not(Box::new(retarget(*q, target))),
        Query::Word {
            target: Target::Default,
            text,
            fuzzy,
            prefix,
        } => {
            let p = Parser {
                query: "",
                toks: Vec::new(),
                at: 0,
            };
            let word = match (fuzzy, prefix) {
                (Some(n), _) => format!("{text}~{n}"),
                (None, true) => format!("{text}*"),
                _ => text,
            };
            p.word(target, &word, 0).unwrap_or(Query::Or(Vec::new()))
        }
        Query::Phrase {
            target: Target::Default,
            text,
            slop,
        } => match target {
            Target::Date(field) => Query::Dates {
                field: *field,
                lo: Some(DateExpr(text.clone())),
                hi: Some(DateExpr(text)),
                exclusive: false,
            },
            _ => Query::Phrase {
                target: target.clone(),
                text,
                slop,
            },
        },
        other => other,
    }
}
