//! `pd archive`: make the missing PDF/A archive versions (paperless-ngx's
//! document_archiver).

use anyhow::Result;
use clap::Args;
use pd_core::Id;
use pd_pipeline::archive::{
    ArchiveProgress, ArchiveReport, ArchiveRunOptions, OcrPageSource, PageSource, archive_documents,
};
use pd_pipeline::{ParseOptions, PdfEngine};
use pd_store::Store;

use crate::output::{Output, Status, table};

/// The flags of `pd archive`.
#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// Only this document (all documents not in the trash by default).
    #[arg(short = 'd', long, value_name = "ID")]
    pub document: Option<Id>,
    /// Make archives again for documents that have one (kept under their names).
    #[arg(short = 'f', long)]
    pub overwrite: bool,
    /// Show which documents would get an archive, and their names; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Rendering resolution of PDF pages that are not OCRed (default: the OCR
    /// resolution, PD_OCR_DPI).
    #[arg(long, value_name = "DPI", value_parser = clap::value_parser!(u16).range(36..=1200))]
    pub dpi: Option<u16>,
}

/// Exit code 1 when any document could not be converted.
pub async fn run(store: &Store, args: ArchiveArgs, out: &Output) -> Result<Status> {
    let opts = ArchiveRunOptions {
        document: args.document,
        overwrite: args.overwrite,
        dry_run: args.dry_run,
        ..ArchiveRunOptions::from_config(store.config())
    };
    let dpi = args.dpi.map_or(store.config().ocr.dpi as f32, f32::from);
    let engine = PdfEngine::new(store.config().pdfium_path.as_deref())?;
    // Images and scanned pages through OCR (PD_OCR_*), other PDF pages rendered with
    // their text layer.
    let source = OcrPageSource {
        options: ParseOptions::from_config(store.config(), Some(engine)),
        dpi,
    };
    let sources: [&dyn PageSource; 1] = [&source];
    let bar = out.progress(0, "archives");
    let progress = |event| match event {
        ArchiveProgress::Started { documents } => bar.set_length(documents as u64),
        ArchiveProgress::Done { .. } => bar.inc(1),
    };
    let report = archive_documents(store, &sources, &opts, &progress).await?;
    bar.finish_and_clear();
    for f in &report.failed {
        eprintln!("error: document {}: {}", f.document_id, f.reason);
    }
    out.report(&report, render);
    Ok(if report.failed.is_empty() {
        Status::Ok
    } else {
        Status::Failed
    })
}

fn render(r: &ArchiveReport) -> String {
    let mut text = String::new();
    let verb = if r.dry_run {
        "would archive"
    } else {
        "archived"
    };
    if !r.archived.is_empty() {
        let rows: Vec<Vec<String>> = r
            .archived
            .iter()
            .map(|a| {
                let mut row = vec![format!("#{}", a.document_id), a.archive_filename.clone()];
                if !r.dry_run {
                    row.push(a.pages.to_string());
                    row.push(format!("{:.1} KiB", a.bytes as f64 / 1024.0));
                }
                row
            })
            .collect();
        let headers: &[&str] = if r.dry_run {
            &["DOCUMENT", "ARCHIVE"]
        } else {
            &["DOCUMENT", "ARCHIVE", "PAGES", "SIZE"]
        };
        text.push_str(&table(headers, &rows));
        text.push_str("\n\n");
    }
    let not_archived: Vec<Vec<String>> = r
        .skipped
        .iter()
        .map(|s| {
            vec![
                format!("#{}", s.document_id),
                "skipped".into(),
                s.reason.clone(),
            ]
        })
        .chain(r.failed.iter().map(|f| {
            vec![
                format!("#{}", f.document_id),
                "failed".into(),
                f.reason.clone(),
            ]
        }))
        .collect();
    if !not_archived.is_empty() {
        text.push_str(&table(&["DOCUMENT", "", "WHY"], &not_archived));
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "{verb} {} of {} document(s); {} already had one, {} skipped, {} failed; {:.2} s",
        r.archived.len(),
        r.documents,
        r.already_archived,
        r.skipped.len(),
        r.failed.len(),
        r.seconds
    ));
    text
}
