//! Searching: ranked, paged hits with highlighted snippets; more like this.

use pd_core::Id;
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, MoreLikeThisQuery, Occur, Query as TQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};
use time::OffsetDateTime;

use crate::index::SearchIndex;
use crate::query::compile::Compiler;
use crate::{Error, Result, query};

/// Paging and the "now" that relative dates are resolved against.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// 1-based page number.
    pub page: usize,
    /// Hits per page.
    pub page_size: usize,
    /// The moment `today`, `now-7d`… mean; its offset is the local time zone.
    pub now: OffsetDateTime,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            page: 1,
            page_size: 25,
            now: OffsetDateTime::now_local().unwrap_or_else(|_| OffsetDateTime::now_utc()),
        }
    }
}

/// A highlighted passage of one field.
#[derive(Debug, Clone, Serialize)]
pub struct Highlight {
    /// `content`, `title` or `notes`.
    pub field: &'static str,
    /// The passage.
    pub fragment: String,
    /// Byte ranges of `fragment` that matched.
    pub matches: Vec<(usize, usize)>,
}

/// One found document.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub id: Id,
    /// The score divided by the best score of the whole result (1.0 for the best).
    pub score: f32,
    pub title: String,
    pub correspondent: Option<String>,
    pub created: Option<String>,
    pub highlights: Vec<Highlight>,
}

/// One page of results.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// All documents that matched.
    pub total: usize,
    pub page: usize,
    pub page_size: usize,
    pub hits: Vec<SearchHit>,
}

fn first_text(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

impl SearchIndex {
    /// Searches with the query language of [`crate::query`]; a malformed query is
    /// [`Error::Query`], saying where and why.
    pub fn search(&self, text: &str, opts: &SearchOptions) -> Result<SearchResults> {
        let parsed = query::parse(text)?;
        let compiler = Compiler {
            fields: &self.fields,
            language: self.language(),
            now: opts.now,
            text,
        };
        let q = compiler.compile(&parsed)?;
        self.run(q.as_ref(), opts)
    }

    /// Documents like document `id` (tantivy's more-like-this over its stored text, at
    /// most 12 query terms), the document itself left out.
    pub fn more_like_this(&self, id: Id, opts: &SearchOptions) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let address = self.address(&searcher, id)?.ok_or(Error::NotIndexed(id))?;
        let mlt = MoreLikeThisQuery::builder()
            .with_max_query_terms(12)
            .with_min_doc_frequency(1)
            .with_min_term_frequency(1)
            .with_min_word_length(2)
            .with_document(address);
        let q = BooleanQuery::new(vec![
            (Occur::Must, Box::new(mlt) as Box<dyn TQuery>),
            (Occur::MustNot, Box::new(self.id_query(id))),
        ]);
        self.run(&q, opts)
    }

    /// Whether document `id` is in the index.
    pub fn contains(&self, id: Id) -> Result<bool> {
        Ok(self.address(&self.reader.searcher(), id)?.is_some())
    }

    fn id_query(&self, id: Id) -> TermQuery {
        TermQuery::new(
            Term::from_field_u64(self.fields.id, id as u64),
            IndexRecordOption::Basic,
        )
    }

    fn address(&self, searcher: &Searcher, id: Id) -> Result<Option<DocAddress>> {
        let found =
            searcher.search(&self.id_query(id), &TopDocs::with_limit(1).order_by_score())?;
        Ok(found.first().map(|(_, a)| *a))
    }

    fn run(&self, q: &dyn TQuery, opts: &SearchOptions) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let page = opts.page.max(1);
        let size = opts.page_size.max(1);
        let offset = (page - 1).saturating_mul(size);
        let (top, best, total) = searcher.search(
            q,
            &(
                TopDocs::with_limit(size)
                    .and_offset(offset)
                    .order_by_score(),
                TopDocs::with_limit(1).order_by_score(),
                Count,
            ),
        )?;
        let max = best.first().map_or(1.0, |(s, _)| *s).max(f32::MIN_POSITIVE);
        let f = &self.fields;
        let generators: Vec<(&'static str, SnippetGenerator)> = [
            ("content", f.content),
            ("title", f.title),
            ("notes", f.notes),
        ]
        .into_iter()
        .filter_map(|(name, field)| {
            SnippetGenerator::create(&searcher, q, field)
                .ok()
                .map(|mut g| {
                    g.set_max_num_chars(160);
                    (name, g)
                })
        })
        .collect();
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let id = doc
                .get_first(f.id)
                .and_then(|v| v.as_u64())
                .unwrap_or_default() as Id;
            let highlights = generators
                .iter()
                .filter_map(|(name, g)| {
                    let s = g.snippet_from_doc(&doc);
                    (!s.highlighted().is_empty()).then(|| Highlight {
                        field: name,
                        fragment: s.fragment().to_owned(),
                        matches: s.highlighted().iter().map(|r| (r.start, r.end)).collect(),
                    })
                })
                .collect();
            let created = doc
                .get_first(f.created)
                .and_then(|v| v.as_datetime())
                .map(|d| d.into_utc().date().to_string());
            hits.push(SearchHit {
                id,
                score: score / max,
                title: first_text(&doc, f.title).unwrap_or_default(),
                correspondent: first_text(&doc, f.correspondent),
                created,
                highlights,
            });
        }
        Ok(SearchResults {
            total,
            page,
            page_size: size,
            hits,
        })
    }
}
