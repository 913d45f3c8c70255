//! A parsed [`Query`] to tantivy queries over pd's fields.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query as TQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime, Term};
use time::OffsetDateTime;

use super::dates::{Calendar, Resolved, Span};
use super::{DateField, NumberField, Query, QueryError, Target, TextField};
use crate::schema::{Fields, SearchLanguage};

/// What compiling needs besides the query.
pub(crate) struct Compiler<'a> {
    pub fields: &'a Fields,
    pub language: SearchLanguage,
    pub now: OffsetDateTime,
    /// The query text, for error positions.
    pub text: &'a str,
}

type Boxed = Box<dyn TQuery>;

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push((t.position, t.text.clone()));
    }
    out
}

fn any(mut queries: Vec<Boxed>) -> Boxed {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries.remove(0),
        _ => Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Should, q)).collect(),
        )),
    }
}

impl Compiler<'_> {
    fn error(&self, needle: &str, message: String) -> QueryError {
        let pos = self
            .text
            .find(needle)
            .map_or(0, |b| self.text[..b].chars().count());
        QueryError::new(self.text, pos, message)
    }

    /// The fields a target searches, each with its boost.
    fn text_fields(&self, target: &Target) -> Vec<(Field, f32, Option<String>)> {
        let f = self.fields;
        match target {
            Target::Default => vec![
                (f.title, 2.0, None),
                (f.content, 1.0, None),
                (f.correspondent, 1.0, None),
                (f.document_type, 1.0, None),
                (f.tag, 1.0, None),
            ],
            Target::Text(t) => vec![(
                match t {
                    TextField::Title => f.title,
                    TextField::Content => f.content,
                    TextField::Correspondent => f.correspondent,
                    TextField::DocumentType => f.document_type,
                    TextField::StoragePath => f.storage_path,
                    TextField::Tag => f.tag,
                    TextField::Notes => f.notes,
                    TextField::OriginalFilename => f.original_filename,
                    TextField::Checksum => f.checksum,
                    TextField::MimeType => f.mime_type,
                },
                1.0,
                None,
            )],
            Target::CustomField(key) => vec![(f.custom_fields, 1.0, Some(key.clone()))],
            Target::Number(_) | Target::Date(_) => Vec::new(),
        }
    }

    fn term(field: Field, path: &Option<String>, text: &str) -> Term {
        match path {
            Some(path) => {
                let mut term = Term::from_field_json_path(field, path, false);
                term.append_type_and_str(text);
                term
            }
            None => Term::from_field_text(field, text),
        }
    }

    fn is_raw(target: &Target) -> bool {
        matches!(
            target,
            Target::Text(TextField::Checksum | TextField::MimeType)
        )
    }

    /// Returns `None` for a word or phrase with nothing searchable in it (punctuation).
    fn text_query(&self, q: &Query) -> Option<Boxed> {
        let (target, text) = match q {
            Query::Word { target, text, .. } | Query::Phrase { target, text, .. } => (target, text),
            _ => return None,
        };
        let mut per_field = Vec::new();
        for (field, boost, path) in self.text_fields(target) {
            let toks: Vec<(usize, String)> = if Self::is_raw(target) {
                vec![(0, text.trim().to_ascii_lowercase())]
            } else {
                let analyzer = match q {
                    // A prefix is matched as typed, not as a stem.
                    Query::Word { prefix: true, .. } => SearchLanguage::NONE,
                    _ => self.language,
                };
                tokens(&mut analyzer.analyzer(), text)
            };
            if toks.is_empty() {
                return None;
            }
            let one: Boxed = match (q, toks.len()) {
                (Query::Word { fuzzy: Some(n), .. }, 1) => Box::new(FuzzyTermQuery::new(
                    Self::term(field, &path, &toks[0].1),
                    *n,
                    true,
                )),
                (Query::Word { prefix: true, .. }, 1) => Box::new(FuzzyTermQuery::new_prefix(
                    Self::term(field, &path, &toks[0].1),
                    0,
                    true,
                )),
                (_, 1) => Box::new(TermQuery::new(
                    Self::term(field, &path, &toks[0].1),
                    IndexRecordOption::WithFreqs,
                )),
                _ => {
                    let slop = match q {
                        Query::Phrase { slop, .. } => *slop,
                        _ => 0,
                    };
                    let terms = toks
                        .iter()
                        .map(|(p, t)| (*p, Self::term(field, &path, t)))
                        .collect();
                    Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
                }
            };
            per_field.push(if boost == 1.0 {
                one
            } else {
                Box::new(BoostQuery::new(one, boost))
            });
        }
        Some(any(per_field))
    }

    fn number_field(&self, field: NumberField) -> Field {
        let f = self.fields;
        match field {
            NumberField::Id => f.id,
            NumberField::Asn => f.asn,
            NumberField::PageCount => f.page_count,
            NumberField::NumNotes => f.num_notes,
            NumberField::TagId => f.tag_id,
            NumberField::CorrespondentId => f.correspondent_id,
            NumberField::DocumentTypeId => f.document_type_id,
            NumberField::StoragePathId => f.storage_path_id,
            NumberField::OwnerId => f.owner_id,
        }
    }

    fn date_span(
        &self,
        field: DateField,
        lo: &Option<super::DateExpr>,
        hi: &Option<super::DateExpr>,
        exclusive: bool,
    ) -> Result<(Option<OffsetDateTime>, Option<OffsetDateTime>), QueryError> {
        let cal = match field {
            DateField::Created => Calendar::Utc,
            DateField::Added | DateField::Modified => Calendar::Local,
        };
        let resolve = |e: &Option<super::DateExpr>| -> Result<Option<Resolved>, QueryError> {
            e.as_ref()
                .map(|e| {
                    e.resolve(self.now, cal).ok_or_else(|| {
                        self.error(
                            &e.0,
                            format!(
                                "invalid date value {:?}: use 2020, 2020-03, 2020-03-15, today, \
                                 yesterday, \"this month\", \"previous year\", now-7d or \"-7 days\"",
                                e.0
                            ),
                        )
                    })
                })
                .transpose()
        };
        let (a, b) = (resolve(lo)?, resolve(hi)?);
        if lo == hi
            && let Some(r) = a
        {
            let Span { start, end } = r.alone(self.now);
            return Ok((Some(start), Some(end)));
        }
        let mut start = a.map(|r| if exclusive { r.end() } else { r.start() });
        let mut end = b.map(|r| if exclusive { r.start() } else { r.end() });
        if let (Some(ra), Some(rb)) = (a, b)
            && ra.start() > rb.start()
        {
            // Reversed bounds are swapped, as in paperless-ngx.
            start = Some(if exclusive { rb.end() } else { rb.start() });
            end = Some(if exclusive { ra.start() } else { ra.end() });
        }
        Ok((start, end))
    }

    /// Compiles the whole query.
    pub fn compile(&self, q: &Query) -> Result<Boxed, QueryError> {
        Ok(match q {
            Query::And(parts) => {
                let mut clauses = Vec::new();
                for p in parts {
                    match p {
                        Query::Not(inner) => clauses.push((Occur::MustNot, self.compile(inner)?)),
                        Query::Word { .. } | Query::Phrase { .. } => {
                            if let Some(tq) = self.text_query(p) {
                                clauses.push((Occur::Must, tq));
                            }
                        }
                        other => clauses.push((Occur::Must, self.compile(other)?)),
                    }
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    if clauses.is_empty() {
                        return Err(QueryError::new(
                            self.text,
                            0,
                            "the query has no word to search for",
                        ));
                    }
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Query::Or(parts) => {
                let mut out = Vec::new();
                for p in parts {
                    out.push(self.compile(p)?);
                }
                any(out)
            }
            Query::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery)),
                (Occur::MustNot, self.compile(inner)?),
            ])),
            Query::Word { text, .. } | Query::Phrase { text, .. } => match self.text_query(q) {
                Some(tq) => tq,
                None => {
                    return Err(self.error(
                        text,
                        format!("{text:?} has no letters or digits to search for"),
                    ));
                }
            },
            Query::Numbers { field, lo, hi } => {
                let field = self.number_field(*field);
                if lo == hi && lo.is_some() {
                    Box::new(TermQuery::new(
                        Term::from_field_u64(field, lo.unwrap_or_default()),
                        IndexRecordOption::Basic,
                    ))
                } else {
                    let bound = |v: &Option<u64>| match v {
                        Some(v) => Bound::Included(Term::from_field_u64(field, *v)),
                        None => Bound::Unbounded,
                    };
                    Box::new(RangeQuery::new(bound(lo), bound(hi)))
                }
            }
            Query::Dates {
                field,
                lo,
                hi,
                exclusive,
            } => {
                let f = match field {
                    DateField::Created => self.fields.created,
                    DateField::Added => self.fields.added,
                    DateField::Modified => self.fields.modified,
                };
                let (start, end) = self.date_span(*field, lo, hi, *exclusive)?;
                let term = |t: OffsetDateTime| Term::from_field_date(f, DateTime::from_utc(t));
                Box::new(RangeQuery::new(
                    start.map_or(Bound::Unbounded, |s| Bound::Included(term(s))),
                    end.map_or(Bound::Unbounded, |e| Bound::Excluded(term(e))),
                ))
            }
        })
    }
}
