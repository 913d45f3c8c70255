//! `pd match explain`: every rule's verdict on one document.

use anyhow::Result;
use clap::{Args, Subcommand};
use pd_match::classifier::{Classifier, model_path};
use pd_match::explain::{Explanation, explain};
use pd_match::rules::RuleSet;
use pd_store::Store;

use crate::output::{Output, Status, table};

#[derive(Debug, Subcommand)]
pub enum MatchCommand {
    /// Show, for every correspondent, document type, tag and storage path, whether its
    /// rule matches the document and why: the word or phrase found, the fuzzy score,
    /// the classifier's confidence — or why not.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The document's id.
    pub document: i64,
}

pub async fn run(store: &Store, cmd: MatchCommand, out: &Output) -> Result<Status> {
    match cmd {
        MatchCommand::Explain(args) => {
            let rules = RuleSet::load(store).await?;
            let model = if rules.uses_auto() {
                Classifier::load(&model_path(store.config())).unwrap_or_else(|e| {
                    out.warn(&format!("{e}; run `pd classifier train`"));
                    None
                })
            } else {
                None
            };
            let explanation = explain(store, args.document, model.as_ref()).await?;
            out.report(&explanation, render);
            Ok(Status::Ok)
        }
    }
}

fn render(e: &Explanation) -> String {
    let rows: Vec<Vec<String>> = e
        .rules
        .iter()
        .map(|r| {
            vec![
                r.field.name().to_owned(),
                r.name.clone(),
                if r.pattern.is_empty() {
                    r.algorithm.clone()
                } else {
                    format!("{} {:?}", r.algorithm, r.pattern)
                },
                if r.matches { "yes" } else { "no" }.to_owned(),
                match (&r.reason, &r.note) {
                    (Some(reason), _) => reason.to_string(),
                    (None, Some(note)) => note.clone(),
                    (None, None) => String::new(),
                },
            ]
        })
        .collect();
    let mut text = format!("Document {} \"{}\"\n", e.document, e.title);
    if rows.is_empty() {
        text.push_str(
            "The library has no correspondents, document types, tags or storage paths.\n",
        );
    } else {
        text.push_str(&table(&["KIND", "NAME", "RULE", "MATCHES", "WHY"], &rows));
        text.push('\n');
    }
    text.push_str(&format!("Classifier: {}", e.classifier));
    text
}
