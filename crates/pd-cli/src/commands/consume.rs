use anyhow::Result;
use pd_match::classifier::{AutoObjects, ClassifierError, TrainOptions, TrainReport, train};
use pd_pipeline::consume::{ConsumedDocument, collect_files, consume_file_unindexed};
use pd_pipeline::pdfium::PdfEngine;
use pd_store::Store;
use serde::Serialize;

use crate::cli::ConsumeArgs;
use crate::output::{Output, Status, table};

#[derive(Serialize)]
struct ConsumeReport {
    consumed: Vec<ConsumedDocument>,
    failed: Vec<Failure>,
    /// Retraining after documents were stored, when an object uses auto matching.
    classifier: Option<TrainReport>,
}

#[derive(Serialize)]
struct Failure {
    path: String,
    error: String,
}

/// Retrains the classifier when an object uses auto matching and the training data
/// changed; a library without auto rules pays one query per object kind.
async fn retrain(store: &Store, out: &Output) -> Result<Option<TrainReport>> {
    if AutoObjects::load(store).await?.is_empty() {
        return Ok(None);
    }
    match train(store, &TrainOptions::default()).await {
        Ok(report) => Ok(Some(report)),
        Err(ClassifierError::NoTrainingData) => Ok(None),
        Err(e) => {
            out.warn(&format!("the classifier was not retrained: {e}"));
            Ok(None)
        }
    }
}

pub async fn run(store: &Store, args: &ConsumeArgs, out: &Output) -> Result<Status> {
    // Every path is checked before the first file is consumed.
    let files = collect_files(&args.paths)?;
    // Text files need no PDF engine; PDFs report a missing engine one by one.
    let engine = PdfEngine::new(store.config().pdfium_path.as_deref()).ok();
    let bar = out.progress(files.len() as u64, "consuming");
    let mut report = ConsumeReport {
        consumed: Vec::new(),
        failed: Vec::new(),
        classifier: None,
    };
    // One index update for the whole run: a per-file one would fingerprint the library
    // and commit the index once per file.
    let sync = pd_index::IndexSync::begin(store).await;
    for file in &files {
        bar.set_message(file.display().to_string());
        match consume_file_unindexed(store, engine.as_ref(), file).await {
            Ok(done) => {
                for warning in &done.warnings {
                    bar.suspend(|| out.warn(warning));
                }
                report.consumed.push(done);
            }
            Err(e) => {
                let error = e.to_string();
                bar.suspend(|| eprintln!("error: {error}"));
                report.failed.push(Failure {
                    path: file.display().to_string(),
                    error,
                });
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let ids: Vec<i64> = report.consumed.iter().map(|c| c.document.id).collect();
    if !ids.is_empty() {
        super::index::follow(out, async { sync?.finish(store, &ids).await }.await);
    }
    if !report.consumed.is_empty() {
        report.classifier = retrain(store, out).await?;
    }
    out.report(&report, |r| {
        let rows: Vec<Vec<String>> = r
            .consumed
            .iter()
            .map(|c| {
                vec![
                    c.document.id.to_string(),
                    c.document.title.clone(),
                    c.document.filename.clone().unwrap_or_default(),
                    c.source.display().to_string(),
                ]
            })
            .collect();
        let mut text = String::new();
        if !rows.is_empty() {
            text.push_str(&table(&["ID", "TITLE", "STORED AS", "FROM"], &rows));
            text.push('\n');
        }
        text.push_str(&format!(
            "{} consumed, {} failed",
            r.consumed.len(),
            r.failed.len()
        ));
        if let Some(c) = &r.classifier {
            text.push('\n');
            text.push_str(&super::classifier::render(c));
        }
        text
    });
    Ok(if report.failed.is_empty() {
        Status::Ok
    } else {
        Status::Failed
    })
}
