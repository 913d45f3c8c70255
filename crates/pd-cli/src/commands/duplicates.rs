//! `pd duplicates`: near-duplicate and exact-duplicate documents, and trashing them.

use std::io::IsTerminal;

use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use pd_core::Id;
use pd_match::duplicates::{
    self, DuplicateOptions, DuplicateReport, KeepRule, find_duplicates_with_progress,
};
use pd_store::Store;
use serde::Serialize;

use crate::output::{Output, Status, table};

/// The flags of `pd duplicates`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DuplicatesArgs {
    #[command(subcommand)]
    action: Option<DuplicatesAction>,
    /// Report pairs whose similarity (rapidfuzz's fuzz.ratio of the processed contents,
    /// as paperless-ngx's document_fuzzy_match computes it) is at least this, 0–100.
    #[arg(
        long,
        default_value_t = duplicates::DEFAULT_RATIO,
        value_parser = parse_ratio,
        allow_negative_numbers = true
    )]
    ratio: f64,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    processes: Option<u32>,
    /// Move near-duplicates to the trash: per cluster of similar documents one is kept,
    /// and only documents above the ratio with a kept one go (never along a chain).
    #[arg(long)]
    delete: bool,
    /// Which document of each cluster --delete keeps.
    #[arg(long, value_enum, default_value = "oldest")]
    keep: Keep,
    /// With --delete: do not ask for confirmation (needed when not on a terminal).
    #[arg(long, short = 'y', requires = "delete")]
    yes: bool,
    /// With --delete: show what would go to the trash and change nothing.
    #[arg(long, requires = "delete")]
    dry_run: bool,
}

#[derive(Debug, Subcommand)]
enum DuplicatesAction {
    /// Record that two documents are not duplicates; later runs leave the pair out.
    Ignore {
        /// One document's id.
        a: Id,
        /// The other's.
        b: Id,
    },
    /// Forget that two documents were recorded as not duplicates.
    Unignore {
        /// One document's id.
        a: Id,
        /// The other's.
        b: Id,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Keep {
    /// The document added first.
    Oldest,
    /// The document added last.
    Newest,
    /// The document with the largest original file.
    Largest,
}

fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(r) if (0.0..=100.0).contains(&r) => Ok(r),
        _ => Err(format!("the ratio must be between 0 and 100, not {text:?}")),
    }
}

#[derive(Serialize)]
struct DuplicatesOutput {
    #[serde(flatten)]
    report: DuplicateReport,
    /// Ids moved to the trash by this run.
    trashed: Vec<Id>,
}

pub async fn run(store: &Store, args: DuplicatesArgs, out: &Output) -> Result<Status> {
    match args.action {
        Some(DuplicatesAction::Ignore { a, b }) => {
            let new = store.db().conn().await?.ignore_duplicate_pair(a, b).await?;
            let done = serde_json::json!({ "ignored": [a.min(b), a.max(b)], "new": new });
            out.report(&done, |_| {
                if new {
                    format!("documents {a} and {b} are recorded as not duplicates")
                } else {
                    format!("documents {a} and {b} were already recorded as not duplicates")
                }
            });
            return Ok(Status::Ok);
        }
        Some(DuplicatesAction::Unignore { a, b }) => {
            let removed = store
                .db()
                .conn()
                .await?
                .unignore_duplicate_pair(a, b)
                .await?;
            let done = serde_json::json!({ "unignored": [a.min(b), a.max(b)], "removed": removed });
            out.report(&done, |_| {
                if removed {
                    format!("documents {a} and {b} may be reported as duplicates again")
                } else {
                    format!("documents {a} and {b} were not recorded as not duplicates")
                }
            });
            return Ok(Status::Ok);
        }
        None => {}
    }

    let keep = match args.keep {
        Keep::Oldest => KeepRule::Oldest,
        Keep::Newest => KeepRule::Newest,
        Keep::Largest => KeepRule::Largest,
    };
    let docs = duplicates::load_documents(store, keep == KeepRule::Largest).await?;
    let opts = DuplicateOptions {
        ratio: args.ratio,
        threads: args.processes.map(|n| n as usize),
        keep,
        ignored: store.db().conn().await?.duplicate_ignores().await?,
    };
    let bar = out.progress(docs.len() as u64, "Matching");
    let bar_in_search = bar.clone();
    let report = tokio::task::spawn_blocking(move || {
        find_duplicates_with_progress(&docs, &opts, &|done, _| bar_in_search.set_position(done))
    })
    .await??;
    bar.finish_and_clear();

    let planned = report.to_delete();
    let mut output = DuplicatesOutput {
        report,
        trashed: Vec::new(),
    };
    if !args.delete || args.dry_run || planned.is_empty() {
        out.report(&output, |o| render(&o.report, args.delete, &[]));
        return Ok(Status::Ok);
    }
    let confirmed = args.yes || {
        // What the question is about; without a terminal there is no question.
        if std::io::stdin().is_terminal() {
            eprintln!("{}", render(&output.report, true, &[]));
        }
        out.confirm(&format!("Move {} document(s) to the trash?", planned.len()))
    };
    if !confirmed {
        out.report(&output, |o| render(&o.report, true, &[]));
        bail!("nothing deleted: confirm on a terminal or pass --yes");
    }
    output.trashed = duplicates::trash_duplicates(store, &output.report)
        .await?
        .iter()
        .map(|d| d.id)
        .collect();
    out.report(&output, |o| render(&o.report, true, &o.trashed));
    Ok(Status::Ok)
}

fn render(r: &DuplicateReport, delete: bool, trashed: &[Id]) -> String {
    let mut lines = Vec::new();
    if r.pairs.is_empty() {
        lines.push("No duplicate documents found.".to_owned());
    } else {
        lines.push(format!("Fuzzy matches (threshold: {:.1}%)", r.ratio));
        let rows: Vec<Vec<String>> = r
            .pairs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                vec![
                    (i + 1).to_string(),
                    format!("#{} {}", p.a.id, p.a.title),
                    format!("#{} {}", p.b.id, p.b.title),
                    format!("{:.1}%", p.ratio),
                ]
            })
            .collect();
        lines.push(table(
            &["#", "DOCUMENT A", "DOCUMENT B", "SIMILARITY"],
            &rows,
        ));
        lines.push(format!("Found {} matching pair(s).", r.pairs.len()));
    }
    if r.ignored_pairs > 0 {
        lines.push(format!(
            "{} pair(s) recorded as not duplicates left out.",
            r.ignored_pairs
        ));
    }
    if !r.skipped_empty.is_empty() {
        lines.push(format!(
            "{} document(s) with empty content skipped.",
            r.skipped_empty.len()
        ));
    }
    if !r.exact_duplicates.is_empty() {
        lines.push("Exact duplicates (same checksum):".to_owned());
        for g in &r.exact_duplicates {
            let docs: Vec<String> = g
                .documents
                .iter()
                .map(|d| format!("#{} {}", d.id, d.title))
                .collect();
            lines.push(format!("  {}", docs.join(", ")));
        }
    }
    if delete {
        let title = |id: Id| {
            r.pairs
                .iter()
                .find_map(|p| {
                    (p.a.id == id)
                        .then(|| p.a.title.clone())
                        .or_else(|| (p.b.id == id).then(|| p.b.title.clone()))
                })
                .unwrap_or_default()
        };
        let planned: Vec<String> = r
            .clusters
            .iter()
            .flat_map(|c| &c.delete)
            .map(|d| {
                format!(
                    "  #{} {} ({:.1}% like #{} {}, kept)",
                    d.id,
                    title(d.id),
                    d.ratio,
                    d.duplicate_of,
                    title(d.duplicate_of)
                )
            })
            .collect();
        if planned.is_empty() {
            lines.push("Nothing to move to the trash.".to_owned());
        } else if trashed.is_empty() {
            lines.push(format!(
                "Would move {} document(s) to the trash:",
                planned.len()
            ));
            lines.extend(planned);
        } else {
            lines.push(format!("Moved {} document(s) to the trash:", trashed.len()));
            lines.extend(planned);
            lines.push("Restore with `pd documents restore ID…`.".to_owned());
        }
    }
    lines.join("\n")
}
