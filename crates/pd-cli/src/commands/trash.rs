use anyhow::{Result, bail};
use pd_store::Store;
use pd_store::trash::EmptyTrashOptions;

use crate::cli::TrashCommand;
use crate::commands::documents::print_documents;
use crate::output::{Output, Status};

pub async fn run(store: &Store, cmd: TrashCommand, out: &Output) -> Result<Status> {
    match cmd {
        TrashCommand::List => {
            print_documents(out, &store.trashed_documents().await?);
            Ok(Status::Ok)
        }
        TrashCommand::Empty(args) => {
            let mut opts = EmptyTrashOptions {
                ids: (!args.ids.is_empty()).then(|| args.ids.clone()),
                older_than_days: args.older_than,
                dry_run: true,
            };
            let preview = store.empty_trash(&opts).await?;
            if !args.dry_run && !preview.documents.is_empty() {
                if !args.yes
                    && !out.confirm(&format!(
                        "Remove {} document(s) and their files for good?",
                        preview.documents.len()
                    ))
                {
                    bail!("nothing removed: confirm on a terminal or pass --yes");
                }
                opts.dry_run = false;
            }
            let report = if opts.dry_run {
                preview
            } else {
                let sync = pd_index::IndexSync::begin(store).await?;
                let report = store.empty_trash(&opts).await?;
                let ids: Vec<i64> = report.documents.iter().map(|d| d.id).collect();
                super::index::follow(out, sync.finish(store, &ids).await);
                report
            };
            for warning in &report.warnings {
                out.warn(warning);
            }
            out.report(&report, |r| {
                let verb = if r.dry_run { "would remove" } else { "removed" };
                let mut lines: Vec<String> = r
                    .documents
                    .iter()
                    .map(|d| match &d.original_kept_at {
                        Some(kept) => format!(
                            "{verb} document {} ({}); original kept at {}",
                            d.id,
                            d.title,
                            kept.display()
                        ),
                        None => format!("{verb} document {} ({})", d.id, d.title),
                    })
                    .collect();
                lines.push(format!("{} document(s)", r.documents.len()));
                lines.join("\n")
            });
            Ok(Status::Ok)
        }
    }
}
