//! `pd sanity`: check every stored file, optionally repair what needs no guessing.

use anyhow::Result;
use clap::Args;
use pd_pipeline::PdfEngine;
use pd_pipeline::thumbnail::Thumbnailer;
use pd_store::Store;
use pd_store::sanity::{
    self, FixOptions, FixOutcome, FixReport, Level, SanityOptions, SanityProgress, SanityReport,
};
use serde::Serialize;

use crate::output::{Output, Status, table};

#[derive(Debug, Args)]
pub struct SanityArgs {
    /// Hash only files whose size or modification time changed since they were last
    /// verified; a full check still runs when none ran for --full-every days.
    #[arg(long)]
    pub changed_only: bool,
    /// With --changed-only: run a full check when the last one is this many days old.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub full_every: u32,
    /// Hashing threads (default: every core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// List the repairs that need no guessing: finish interrupted renames, compute a
    /// missing archive checksum, move orphans to <data dir>/quarantine, render missing
    /// thumbnails. Changes nothing without --apply.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: make the repairs.
    #[arg(long, requires = "fix")]
    pub apply: bool,
}

#[derive(Serialize)]
struct CheckAndFix<'a> {
    check: &'a SanityReport,
    fix: &'a FixReport,
}

/// Exit code 0 when clean (infos allowed), 1 with warnings only, 2 with errors — of what
/// the check found, also when --fix --apply repaired it afterwards.
pub async fn run(store: &Store, args: SanityArgs, out: &Output) -> Result<Status> {
    let opts = SanityOptions {
        changed_only: args.changed_only,
        full_check_every_days: args.full_every,
        threads: args.threads.map(usize::from),
    };
    let bar = out.progress(0, "hashing");
    let progress = |event| match event {
        SanityProgress::Reading { bytes, .. } => bar.set_length(bytes),
        SanityProgress::FileDone { bytes } => bar.inc(bytes),
    };
    let report = sanity::check_with(store, &opts, &sanity::StdFiles, &progress).await?;
    bar.finish_and_clear();
    if args.fix {
        let fix_opts = FixOptions {
            apply: args.apply,
            quarantine_dir: None,
        };
        let engine = PdfEngine::new(store.config().pdfium_path.as_deref()).ok();
        let thumbnails = Thumbnailer::new(engine);
        let fixed = sanity::fix(store, &report, &fix_opts, Some(&thumbnails)).await?;
        for warning in thumbnails.take_warnings() {
            out.warn(&warning);
        }
        let both = CheckAndFix {
            check: &report,
            fix: &fixed,
        };
        out.report(&both, |b| {
            format!("{}\n\n{}", render_check(b.check), render_fix(b.fix))
        });
    } else {
        out.report(&report, render_check);
    }
    Ok(match report.worst_level() {
        Some(Level::Error) => Status::Errors,
        Some(_) => Status::Failed,
        None => Status::Ok,
    })
}

fn render_check(r: &SanityReport) -> String {
    let mode = match r.mode {
        sanity::CheckMode::Full => "full check",
        sanity::CheckMode::ChangedOnly => "changed files only",
    };
    let mut lines = vec![
        format!("Sanity check: {mode} ({})", r.mode_reason),
        format!(
            "{} document(s); {} file(s) hashed ({}), {} unchanged skipped; {:.2} s on {} thread(s)",
            r.documents_checked,
            r.files_hashed,
            human_bytes(r.bytes_hashed),
            r.files_unchanged,
            r.seconds,
            r.threads
        ),
        String::new(),
    ];
    let mut rows = Vec::new();
    for doc in &r.documents {
        let trashed = if doc.trashed { " (trash)" } else { "" };
        for issue in &doc.issues {
            rows.push(vec![
                issue.level.to_string(),
                format!("#{} {}{trashed}", doc.id, doc.title),
                issue.message.clone(),
            ]);
        }
    }
    for issue in &r.global {
        rows.push(vec![
            issue.level.to_string(),
            "(global)".into(),
            issue.message.clone(),
        ]);
    }
    if rows.is_empty() {
        lines.push("No issues found.".into());
    } else {
        lines.push(table(&["LEVEL", "DOCUMENT", "ISSUE"], &rows));
        lines.push(String::new());
        lines.push(format!("Summary: {}.", r.summary.sentence()));
    }
    lines.join("\n")
}

fn render_fix(f: &FixReport) -> String {
    if f.actions.is_empty() {
        return "Nothing to repair.".into();
    }
    let rows: Vec<Vec<String>> = f
        .actions
        .iter()
        .map(|a| {
            let outcome = match a.outcome {
                FixOutcome::Planned => "would do",
                FixOutcome::Done => "done",
                FixOutcome::NotYetPossible => "not yet possible",
                FixOutcome::Skipped => "skipped",
                FixOutcome::NotFixable => "not fixable",
                FixOutcome::Failed => "FAILED",
            };
            vec![
                a.document_id
                    .map_or("(global)".into(), |id| format!("#{id}")),
                outcome.into(),
                a.description.clone(),
                a.detail.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let mut text = table(&["DOCUMENT", "OUTCOME", "REPAIR", "DETAIL"], &rows);
    if !f.applied {
        text.push_str("\n\nNothing was changed: add --apply to make these repairs.");
    }
    text
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
