//! `pd decrypt`: GnuPG-stored documents of old paperless installations become plain
//! files.

use anyhow::Result;
use clap::Args;
use pd_export::{DecryptOptions, DecryptProgress, DecryptReport};
use pd_store::Store;

use crate::output::{Output, Status, table};

/// Crash tests set this to make pd abort after that many steps.
const ABORT_AFTER_VAR: &str = "PD_DECRYPT_ABORT_AFTER_STEP";

#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// The GnuPG passphrase the old installation used (its PAPERLESS_PASSPHRASE); read
    /// from PD_PASSPHRASE when not given. Never printed.
    #[arg(long, value_name = "P", env = "PD_PASSPHRASE", hide_env_values = true)]
    pub passphrase: Option<String>,
    /// List the documents that would be decrypted; read and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(store: &Store, args: DecryptArgs, out: &Output) -> Result<Status> {
    let opts = DecryptOptions {
        passphrase: args.passphrase,
        dry_run: args.dry_run,
        abort_after_steps: std::env::var(ABORT_AFTER_VAR)
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    let bar = out.progress(0, "decrypting");
    let progress = |event| match event {
        DecryptProgress::Start { documents } => bar.set_length(documents),
        DecryptProgress::DocumentDone => bar.inc(1),
    };
    let report = pd_export::decrypt_with(store, &opts, &progress).await;
    bar.finish_and_clear();
    let report = report?;
    for w in &report.warnings {
        out.warn(w);
    }
    out.report(&report, render);
    Ok(if report.is_clean() {
        Status::Ok
    } else {
        Status::Failed
    })
}

fn render(r: &DecryptReport) -> String {
    let mut parts = Vec::new();
    if !r.decrypted.is_empty() {
        let rows: Vec<Vec<String>> = r
            .decrypted
            .iter()
            .map(|d| {
                vec![
                    format!("#{} {}", d.id, d.title),
                    format!("{} -> {}", d.from, d.to),
                    if d.thumbnail { "yes" } else { "no" }.to_owned(),
                ]
            })
            .collect();
        parts.push(table(&["DOCUMENT", "ORIGINAL", "THUMBNAIL"], &rows));
    }
    if !r.failed.is_empty() {
        let rows: Vec<Vec<String>> = r
            .failed
            .iter()
            .map(|f| {
                vec![
                    format!("#{} {}", f.id, f.title),
                    f.path.display().to_string(),
                    f.error.clone(),
                ]
            })
            .collect();
        parts.push(format!(
            "Left encrypted:\n{}",
            table(&["DOCUMENT", "FILE", "PROBLEM"], &rows)
        ));
    }
    let verb = if r.dry_run {
        "Would decrypt"
    } else {
        "Decrypted"
    };
    let mut summary = format!(
        "{verb} {} of {} GnuPG-stored documents",
        r.decrypted.len(),
        r.encrypted_documents
    );
    if !r.failed.is_empty() {
        summary.push_str(&format!("; {} left encrypted", r.failed.len()));
    }
    if !r.leftovers_removed.is_empty() {
        summary.push_str(&format!(
            "; removed {} files an interrupted run left",
            r.leftovers_removed.len()
        ));
    }
    summary.push_str(".\n");
    parts.push(summary);
    parts.join("\n")
}
