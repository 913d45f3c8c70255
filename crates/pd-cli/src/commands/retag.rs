//! `pd retag`: the match rules applied to the library.

use anyhow::Result;
use pd_match::classifier::{Classifier, ClassifierError, TrainOptions, update};
use pd_match::retag::{RetagOptions, RetagReport, retag};
use pd_match::rules::{Predict, RuleSet, SetOptions, Targets};
use pd_store::Store;

use crate::cli::RetagArgs;
use crate::output::{Output, Status, table};

pub async fn run(store: &Store, args: &RetagArgs, out: &Output) -> Result<Status> {
    let opts = RetagOptions {
        targets: Targets {
            correspondent: args.correspondent,
            document_type: args.document_type,
            tags: args.tags,
            storage_path: args.storage_path,
        },
        inbox_only: args.inbox_only,
        id_range: args.id_range.as_deref().map(|r| (r[0], r[1])),
        set: SetOptions {
            replace: args.overwrite,
            use_first: args.use_first,
        },
        dry_run: args.dry_run,
    };
    let model = if opts.targets.any() {
        classifier_for(store, args.dry_run, out).await?
    } else {
        None
    };
    let bar = out.progress(0, "retagging");
    let predictor = model.as_ref().map(|m| m as &dyn Predict);
    let sync = pd_index::IndexSync::begin(store).await?;
    let report = retag(store, &opts, predictor, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    if !report.dry_run {
        let changed: Vec<i64> = report.documents.iter().map(|d| d.id).collect();
        super::index::follow(out, sync.finish(store, &changed).await);
    }
    for warning in &report.warnings {
        out.warn(warning);
    }
    out.report(&report, render);
    Ok(match &report.files {
        Some(files) if files.has_failures() => Status::Failed,
        _ => Status::Ok,
    })
}

/// The classifier when a rule uses the auto algorithm: the saved model, trained first
/// when it is missing, outdated or corrupt (in memory only for a dry run).
async fn classifier_for(store: &Store, dry_run: bool, out: &Output) -> Result<Option<Classifier>> {
    if !RuleSet::load(store).await?.uses_auto() {
        return Ok(None);
    }
    let opts = TrainOptions {
        force: false,
        save: !dry_run,
    };
    match update(store, &opts).await {
        Ok((report, model)) => {
            if let Some(why) = &report.discarded {
                out.warn(&format!("{why}; retrained"));
            }
            Ok(model)
        }
        Err(ClassifierError::NoTrainingData) => {
            out.warn("auto rules match nothing: no document to train the classifier on");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn render(r: &RetagReport) -> String {
    if r.no_targets {
        return "No targets selected: use -c, -T, -t or -s to say what to retag.".to_owned();
    }
    let mut text = String::new();
    let rows: Vec<Vec<String>> = r
        .documents
        .iter()
        .flat_map(|d| {
            let changes = d.changes.iter().map(move |c| {
                vec![
                    d.id.to_string(),
                    d.title.clone(),
                    c.field.name().to_owned(),
                    format!(
                        "{} → {}",
                        c.old.as_deref().unwrap_or("-"),
                        c.new.as_deref().unwrap_or("-")
                    ),
                    c.reason.clone(),
                ]
            });
            let notes = d.notes.iter().map(move |n| {
                vec![
                    d.id.to_string(),
                    d.title.clone(),
                    String::new(),
                    String::new(),
                    n.clone(),
                ]
            });
            changes.chain(notes)
        })
        .collect();
    if !rows.is_empty() {
        text.push_str(&table(&["ID", "TITLE", "FIELD", "CHANGE", "WHY"], &rows));
        text.push('\n');
    }
    let verb = if r.dry_run { "would be " } else { "" };
    text.push_str(&format!(
        "{} document(s) processed, {} {verb}changed: correspondents set {}, document types \
         set {}, tags added {}, tags removed {}, storage paths set {}",
        r.documents_processed,
        r.documents_changed,
        r.correspondents_set,
        r.document_types_set,
        r.tags_added,
        r.tags_removed,
        r.storage_paths_set
    ));
    if let Some(files) = r
        .files
        .as_ref()
        .filter(|f| !f.moves.is_empty() || !f.problems.is_empty() || !f.recovered.is_empty())
    {
        text.push_str(
            "

Stored files:
",
        );
        text.push_str(&super::rename::render(files));
    }
    text
}
