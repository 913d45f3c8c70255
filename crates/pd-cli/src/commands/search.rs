//! `pd search`: the full-text index queried with paperless-ngx's query language.

use std::io::IsTerminal;

use anyhow::Result;
use clap::Args;
use pd_index::{Error, SearchOptions, SearchResults, open_current};
use pd_store::Store;

use crate::output::{Output, Status, table};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The query: words, "phrases", AND/OR/NOT, field:value (title, content,
    /// correspondent, type, path, tag, notes, asn, custom_fields.<name>…), dates such as
    /// created:[2020 to 2021], added:yesterday or created:"previous month", word~ (fuzzy)
    /// and prefix*.
    #[arg(required_unless_present = "like", value_name = "QUERY")]
    pub query: Vec<String>,
    /// Find documents like this one instead (more like this).
    #[arg(long, value_name = "ID", conflicts_with = "query")]
    pub like: Option<i64>,
    /// Which page of results.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub page: u32,
    /// Results per page.
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub page_size: u32,
}

pub async fn run(store: &Store, args: &SearchArgs, out: &Output) -> Result<Status> {
    let (index, rebuilt) = open_current(store).await?;
    if let Some(why) = rebuilt {
        out.warn(&format!("the search index was rebuilt first: {why}"));
    }
    let opts = SearchOptions {
        page: args.page as usize,
        page_size: args.page_size as usize,
        ..SearchOptions::default()
    };
    let found = match args.like {
        Some(id) => index.more_like_this(id, &opts),
        None => index.search(&args.query.join(" "), &opts),
    };
    let results = match found {
        Ok(results) => results,
        // A malformed query is a usage error: exit code 2, as clap's own.
        Err(e @ Error::Query(_)) => {
            out.error(&e.into());
            return Ok(Status::Errors);
        }
        Err(e) => return Err(e.into()),
    };
    let bold = std::io::stdout().is_terminal();
    out.report(&results, |r| render(r, bold));
    Ok(Status::Ok)
}

/// A fragment with its matches marked: bold on a terminal, else `*word*`.
fn mark(fragment: &str, matches: &[(usize, usize)], bold: bool) -> String {
    let (open, close) = if bold {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("*", "*")
    };
    let mut text = String::new();
    let mut at = 0;
    for &(start, end) in matches {
        if start < at || end > fragment.len() {
            continue;
        }
        text.push_str(&fragment[at..start]);
        text.push_str(open);
        text.push_str(&fragment[start..end]);
        text.push_str(close);
        at = end;
    }
    text.push_str(&fragment[at..]);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn render(r: &SearchResults, bold: bool) -> String {
    let rows: Vec<Vec<String>> = r
        .hits
        .iter()
        .map(|h| {
            vec![
                h.id.to_string(),
                format!("{:.2}", h.score),
                h.created.clone().unwrap_or_default(),
                h.correspondent.clone().unwrap_or_default(),
                h.title.clone(),
            ]
        })
        .collect();
    let mut text = String::new();
    if !rows.is_empty() {
        text.push_str(&table(
            &["ID", "SCORE", "CREATED", "CORRESPONDENT", "TITLE"],
            &rows,
        ));
        text.push('\n');
        for h in &r.hits {
            for hl in &h.highlights {
                text.push_str(&format!(
                    "  #{} {}: {}\n",
                    h.id,
                    hl.field,
                    mark(&hl.fragment, &hl.matches, bold)
                ));
            }
        }
    }
    let first = (r.page - 1) * r.page_size + 1;
    let last = first + r.hits.len().saturating_sub(1);
    if r.hits.is_empty() {
        text.push_str(&format!("{} document(s) found", r.total));
    } else {
        text.push_str(&format!(
            "{} document(s) found, showing {first}–{last} (page {})",
            r.total, r.page
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_marked() {
        assert_eq!(
            mark("an invoice\nfor you", &[(3, 10)], false),
            "an *invoice* for you"
        );
    }
}
