//! `pd thumbnails`: make the thumbnails again (paperless-ngx's document_thumbnails).

use anyhow::Result;
use clap::Args;
use pd_core::Id;
use pd_pipeline::PdfEngine;
use pd_pipeline::thumbnail::{
    ThumbnailOptions, ThumbnailProgress, ThumbnailReport, default_processes, regenerate_thumbnails,
};
use pd_store::Store;

use crate::output::{Output, Status, table};

/// The flags of `pd thumbnails`.
#[derive(Debug, Args)]
pub struct ThumbnailsArgs {
    /// Only this document (all documents not in the trash by default).
    #[arg(short = 'd', long, value_name = "ID")]
    pub document: Option<Id>,
    /// Documents worked on at once (default: a quarter of the cores, at least 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub processes: Option<u16>,
}

/// Exit code 1 when any document got no new thumbnail; placeholders are warnings.
pub async fn run(store: &Store, args: ThumbnailsArgs, out: &Output) -> Result<Status> {
    let opts = ThumbnailOptions {
        document: args.document,
        processes: args.processes.map_or_else(default_processes, usize::from),
    };
    let engine = PdfEngine::new(store.config().pdfium_path.as_deref()).ok();
    let bar = out.progress(0, "thumbnails");
    let progress = |event| match event {
        ThumbnailProgress::Started { documents } => bar.set_length(documents as u64),
        ThumbnailProgress::Done { .. } => bar.inc(1),
    };
    let report = regenerate_thumbnails(store, engine.as_ref(), &opts, &progress).await?;
    bar.finish_and_clear();
    for w in &report.warnings {
        out.warn(&format!("document {}: {}", w.document_id, w.message));
    }
    for f in &report.failed {
        eprintln!("error: Failed document {}: {}", f.document_id, f.error);
    }
    out.report(&report, render);
    Ok(if report.failed.is_empty() {
        Status::Ok
    } else {
        Status::Failed
    })
}

fn render(r: &ThumbnailReport) -> String {
    let mut text = String::new();
    if !r.failed.is_empty() {
        let rows: Vec<Vec<String>> = r
            .failed
            .iter()
            .map(|f| vec![format!("#{}", f.document_id), f.error.clone()])
            .collect();
        text.push_str(&table(&["DOCUMENT", "ERROR"], &rows));
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "{} thumbnail(s) made for {} document(s): {} page(s) rendered, {} from text, \
         {} placeholder(s); {} failed; {:.2} s on {} thread(s)",
        r.pages + r.text + r.placeholders,
        r.documents,
        r.pages,
        r.text,
        r.placeholders,
        r.failed.len(),
        r.seconds,
        r.processes
    ));
    text
}
