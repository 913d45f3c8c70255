//! `pd rename`: move stored files to the names their templates give.

use anyhow::Result;
use clap::Args;
use pd_store::Store;
use pd_store::rename::{self, RenameOptions, RenameReport};

use crate::output::{Output, Status, table};

/// Crash tests set this to make pd abort after that many file-move steps.
const ABORT_AFTER_VAR: &str = "PD_RENAME_ABORT_AFTER_STEP";

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Show the planned moves, collisions and problems; move nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only these documents (repeatable); all documents not in the trash by default.
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<i64>,
}

pub async fn run(store: &Store, args: RenameArgs, out: &Output) -> Result<Status> {
    let opts = RenameOptions {
        dry_run: args.dry_run,
        ids: (!args.ids.is_empty()).then_some(args.ids),
        abort_after_steps: std::env::var(ABORT_AFTER_VAR)
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    let report = rename::rename(store, &opts).await?;
    out.report(&report, render);
    Ok(if report.has_failures() {
        Status::Failed
    } else {
        Status::Ok
    })
}

pub(crate) fn render(r: &RenameReport) -> String {
    let mut parts = Vec::new();
    if !r.recovered.is_empty() {
        let rows: Vec<Vec<String>> = r
            .recovered
            .iter()
            .map(|m| {
                vec![
                    format!("#{}", m.document_id),
                    m.kind.to_string(),
                    format!("{} -> {}", m.from, m.to),
                    m.note.clone(),
                ]
            })
            .collect();
        parts.push(format!(
            "Interrupted renames:\n{}",
            table(&["DOCUMENT", "FILE", "MOVE", "OUTCOME"], &rows)
        ));
    }
    if !r.problems.is_empty() {
        let rows: Vec<Vec<String>> = r
            .problems
            .iter()
            .map(|p| {
                vec![
                    format!("#{} {}", p.document_id, p.title),
                    p.kind.to_string(),
                    p.message.clone(),
                ]
            })
            .collect();
        parts.push(format!(
            "Left where they are:\n{}",
            table(&["DOCUMENT", "FILE", "PROBLEM"], &rows)
        ));
    }
    let verb = if r.dry_run { "would move" } else { "moved" };
    if !r.moves.is_empty() {
        let rows: Vec<Vec<String>> = r
            .moves
            .iter()
            .map(|m| {
                let note = match (&m.error, &m.collision) {
                    (Some(e), _) => format!("FAILED: {e}"),
                    (None, Some(c)) => match c.taken_by {
                        Some(id) => format!("{} is document #{id}'s", c.wanted),
                        None => format!("{} is taken by a file of no document", c.wanted),
                    },
                    (None, None) => String::new(),
                };
                vec![
                    format!("#{} {}", m.document_id, m.title),
                    m.kind.to_string(),
                    m.from.clone(),
                    m.to.clone(),
                    note,
                ]
            })
            .collect();
        parts.push(table(&["DOCUMENT", "FILE", "FROM", "TO", "NOTE"], &rows));
    }
    let done = r.moves.iter().filter(|m| m.done || r.dry_run).count();
    let failed = r.moves.iter().filter(|m| m.error.is_some()).count();
    parts.push(format!(
        "{} document(s) checked; {verb} {done} file(s), {failed} failed, {} problem(s).",
        r.documents_checked,
        r.problems.len()
    ));
    parts.join("\n\n")
}
