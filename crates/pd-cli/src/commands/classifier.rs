//! `pd classifier train`: learn the auto matching model from the library.

use anyhow::Result;
use clap::{Args, Subcommand};
use pd_match::classifier::{TrainOptions, TrainReport, train};
use pd_store::Store;

use crate::output::{Output, Status};

#[derive(Debug, Subcommand)]
pub enum ClassifierCommand {
    /// Train the model behind the auto matching algorithm (paperless-ngx's
    /// document_create_classifier).
    ///
    /// It learns the correspondents, document types, storage paths and tags that use
    /// the auto algorithm from the documents that are not in the trash and have no
    /// inbox tag, and saves the model as classifier.model in the data folder. Training
    /// is skipped when that data has not changed since the saved model was trained; a
    /// corrupt or outdated model file is replaced. When no object uses auto, the model
    /// file is removed. `pd consume` retrains by itself after storing documents.
    Train(TrainArgs),
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Train even when the training data has not changed.
    #[arg(long)]
    pub force: bool,
}

pub async fn run(store: &Store, cmd: ClassifierCommand, out: &Output) -> Result<Status> {
    match cmd {
        ClassifierCommand::Train(args) => {
            let opts = TrainOptions {
                force: args.force,
                save: true,
            };
            let report = train(store, &opts).await?;
            if let Some(why) = &report.discarded {
                out.warn(&format!("{why}; replaced by a new model"));
            }
            out.report(&report, render);
            Ok(Status::Ok)
        }
    }
}

/// One line about a training run, also used after `pd consume`.
pub fn render(r: &TrainReport) -> String {
    let l = &r.labels;
    let what = format!(
        "{} correspondent(s), {} document type(s), {} storage path(s), {} tag(s), {} terms",
        l.correspondents, l.document_types, l.storage_paths, l.tags, l.features
    );
    match (&r.skipped, r.trained) {
        (_, true) => format!(
            "Classifier trained on {} document(s) in {:.2} s: {what} ({})",
            r.documents,
            r.seconds,
            r.model_file.display()
        ),
        (Some(why), false) if r.removed => {
            format!("Classifier not trained: {why}; model file removed")
        }
        (Some(why), false) if r.documents > 0 => format!(
            "Classifier not trained: {why} (model of {} document(s): {what})",
            r.documents
        ),
        (Some(why), false) => format!("Classifier not trained: {why}"),
        (None, false) => "Classifier not trained".to_owned(),
    }
}
