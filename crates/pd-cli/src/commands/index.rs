//! `pd index reindex|optimize`: the search index rebuilt or its segments merged.

use std::ops::ControlFlow;

use anyhow::Result;
use clap::Subcommand;
use pd_index::index::OptimizeReport;
use pd_index::{ReindexOptions, ReindexReport, SearchIndex, SearchLanguage, index_dir, reindex};
use pd_store::Store;

use crate::output::{Output, Status};

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Rebuild the search index from the database, in batches; an interrupted rebuild
    /// resumes where it stopped (unless the library changed since, or --restart).
    Reindex {
        /// Documents per committed batch (bounds memory).
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
        batch_size: u32,
        /// Start from scratch even when an interrupted rebuild could be resumed.
        #[arg(long)]
        restart: bool,
    },
    /// Merge the index's segments into one and drop deleted documents.
    Optimize,
}

pub async fn run(store: &Store, cmd: IndexCommand, out: &Output) -> Result<Status> {
    match cmd {
        IndexCommand::Reindex {
            batch_size,
            restart,
        } => {
            let opts = ReindexOptions {
                batch_size: batch_size as usize,
                restart,
            };
            let bar = out.progress(0, "indexing");
            let report = reindex(store, &opts, &mut |done, total| {
                bar.set_length(total);
                bar.set_position(done);
                ControlFlow::Continue(())
            })
            .await?;
            bar.finish_and_clear();
            if let Some(why) = &report.restarted_because {
                out.warn(&format!("started over: {why}"));
            }
            out.report(&report, render_reindex);
            Ok(Status::Ok)
        }
        IndexCommand::Optimize => {
            let language = SearchLanguage::from_ocr(&store.config().ocr.language);
            let index = match SearchIndex::open(&index_dir(store.config()), language) {
                Ok(index) => index,
                Err(pd_index::Error::NeedsRebuild(why)) => {
                    anyhow::bail!("{why}: run `pd index reindex` first")
                }
                Err(e) => return Err(e.into()),
            };
            let report = index.optimize()?;
            out.report(&report, |r: &OptimizeReport| {
                format!(
                    "{} document(s); segments: {} before, {} after",
                    r.documents, r.segments_before, r.segments_after
                )
            });
            Ok(Status::Ok)
        }
    }
}

fn render_reindex(r: &ReindexReport) -> String {
    let mut text = String::new();
    if let Some(after) = r.resumed_after {
        text.push_str(&format!(
            "resumed an interrupted rebuild after document {after}\n"
        ));
    }
    text.push_str(&format!(
        "{} document(s) indexed, {} in the index, {} segment(s)",
        r.indexed, r.documents, r.segments
    ));
    text
}

/// Reports an index update that followed a change to the library: a failure is a
/// warning (the database has the change; the next search rebuilds the index).
pub fn follow(out: &Output, synced: pd_index::Result<pd_index::SyncReport>) {
    if let Err(e) = synced {
        out.warn(&format!(
            "the search index was not updated ({e}); the next search rebuilds it"
        ));
    }
}
