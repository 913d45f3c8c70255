use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use pd_match::classifier::{AutoObjects, ClassifierError, TrainOptions, TrainReport, train};
use pd_pipeline::consume::{ConsumedDocument, collect_files, consume_file_unindexed};
use pd_pipeline::pdfium::PdfEngine;
use pd_pipeline::watch::{ConsumptionFolder, WatchOptions};
use pd_store::Store;
use serde::Serialize;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Notify;

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

/// While watching, the classifier is retrained at most this often (and when stopping).
const RETRAIN_EVERY: Duration = Duration::from_secs(600);

pub async fn run(store: &Store, args: &ConsumeArgs, out: &Output) -> Result<Status> {
    if let Some(folder) = &args.watch {
        return watch(store, folder, out).await;
    }
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
    out.report(&report, render);
    Ok(if report.failed.is_empty() {
        Status::Ok
    } else {
        Status::Failed
    })
}

fn render(r: &ConsumeReport) -> String {
    let rows: Vec<Vec<String>> = r
        .consumed
        .iter()
        .map(|c| {
            vec![
                c.document.id.to_string(),
                c.document.title.clone(),
                c.document.filename.clone().unwrap_or_default(),
                c.document
                    .archive_filename
                    .clone()
                    .unwrap_or_else(|| "-".into()),
                c.source.display().to_string(),
            ]
        })
        .collect();
    let mut text = String::new();
    if !rows.is_empty() {
        text.push_str(&table(
            &["ID", "TITLE", "STORED AS", "ARCHIVE", "FROM"],
            &rows,
        ));
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
}

/// `pd consume --watch DIR`: consume what is dropped into `folder` until Ctrl-C or
/// SIGTERM; then the report of everything consumed and failed.
async fn watch(store: &Store, folder: &Path, out: &Output) -> Result<Status> {
    let options = WatchOptions::from_config(&store.config().consumer)?;
    let mut inbox = ConsumptionFolder::new(folder, options)?;
    let engine = PdfEngine::new(store.config().pdfium_path.as_deref()).ok();

    // Handlers are in place before the first look, so a signal never kills pd mid-file.
    let stop = Arc::new(AtomicBool::new(false));
    let wake = Arc::new(Notify::new());
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    {
        let (stop, wake) = (Arc::clone(&stop), Arc::clone(&wake));
        tokio::spawn(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            stop.store(true, Ordering::SeqCst);
            wake.notify_one();
        });
    }
    out.note(&format!(
        "watching {} for documents (Ctrl-C to stop)",
        folder.display()
    ));

    let mut report = ConsumeReport {
        consumed: Vec::new(),
        failed: Vec::new(),
        classifier: None,
    };
    let mut untrained = false;
    let mut trained_at = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let batch = inbox.poll(store, engine.as_ref(), &stop).await?;
        for warning in &batch.warnings {
            out.warn(warning);
        }
        for done in batch.consumed {
            for warning in &done.warnings {
                out.warn(warning);
            }
            out.note(&format!(
                "consumed {} as #{} {}",
                done.source.display(),
                done.document.id,
                done.document.title
            ));
            untrained = true;
            report.consumed.push(done);
        }
        for failure in batch.failed {
            let error = if failure.removed {
                format!("{} (the file was removed)", failure.error)
            } else {
                failure.error
            };
            eprintln!("error: {error}");
            report.failed.push(Failure {
                path: failure.path.display().to_string(),
                error,
            });
        }
        if untrained && trained_at.elapsed() >= RETRAIN_EVERY {
            report.classifier = retrain(store, out).await?;
            untrained = false;
            trained_at = Instant::now();
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(inbox.interval()) => {}
            _ = wake.notified() => {}
        }
    }
    if untrained {
        report.classifier = retrain(store, out).await?;
    }
    out.note("stopped watching");
    out.report(&report, render);
    Ok(if report.failed.is_empty() {
        Status::Ok
    } else {
        Status::Failed
    })
}
