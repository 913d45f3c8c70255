use anyhow::Result;
use pd_core::Document;
use pd_store::Store;
use pd_store::db::{DocumentFilter, TrashFilter};
use serde::Serialize;

use crate::cli::DocumentsCommand;
use crate::output::{Output, Status, table};

pub async fn run(store: &Store, cmd: DocumentsCommand, out: &Output) -> Result<Status> {
    match cmd {
        DocumentsCommand::List(args) => {
            let filter = DocumentFilter {
                trash: if args.all {
                    TrashFilter::Include
                } else {
                    TrashFilter::Exclude
                },
                ..DocumentFilter::default()
            };
            let docs = store.db().conn().await?.documents(&filter).await?;
            print_documents(out, &docs);
            Ok(Status::Ok)
        }
        DocumentsCommand::Show { id } => {
            let mut conn = store.db().conn().await?;
            let doc = conn.document(id).await?;
            let notes = conn.notes(id).await?;
            let detail = DocumentDetail {
                document: doc,
                notes,
            };
            out.report(&detail, |d| {
                let doc = &d.document;
                let mut text = serde_json::to_value(doc)
                    .ok()
                    .and_then(|v| v.as_object().cloned())
                    .map(|fields| {
                        fields
                            .iter()
                            .filter(|(k, _)| k.as_str() != "content")
                            .map(|(k, v)| format!("{k:>22}: {}", plain(v)))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default();
                text.push_str(&format!("\n{:>22}:\n{}", "content", doc.content));
                for note in &d.notes {
                    text.push_str(&format!("\nnote ({}): {}", note.created.date(), note.note));
                }
                text
            });
            Ok(Status::Ok)
        }
        DocumentsCommand::Delete { ids, dry_run } => {
            let mut trashed = Vec::new();
            if dry_run {
                let mut conn = store.db().conn().await?;
                for id in ids {
                    trashed.push(conn.document(id).await?);
                }
            } else {
                let sync = pd_index::IndexSync::begin(store).await?;
                for id in &ids {
                    trashed.push(store.trash_document(*id).await?);
                }
                super::index::follow(out, sync.finish(store, &ids).await);
            }
            out.report(&trashed, |docs| {
                let verb = if dry_run { "would move" } else { "moved" };
                let lines: Vec<String> = docs
                    .iter()
                    .map(|d| format!("{verb} document {} ({}) to the trash", d.id, d.title))
                    .collect();
                lines.join("\n")
            });
            Ok(Status::Ok)
        }
        DocumentsCommand::Restore { ids } => {
            let mut restored = Vec::new();
            let sync = pd_index::IndexSync::begin(store).await?;
            for id in &ids {
                restored.push(store.restore_document(*id).await?);
            }
            super::index::follow(out, sync.finish(store, &ids).await);
            out.report(&restored, |docs| {
                let lines: Vec<String> = docs
                    .iter()
                    .map(|d| format!("restored document {} ({})", d.id, d.title))
                    .collect();
                lines.join("\n")
            });
            Ok(Status::Ok)
        }
    }
}

#[derive(Serialize)]
struct DocumentDetail {
    document: Document,
    notes: Vec<pd_core::Note>,
}

fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// Prints documents as a table (id, created, title, pages, file) or JSON.
pub fn print_documents(out: &Output, docs: &[Document]) {
    out.report(&docs, |docs| {
        let rows: Vec<Vec<String>> = docs
            .iter()
            .map(|d| {
                vec![
                    d.id.to_string(),
                    d.created.to_string(),
                    d.title.clone(),
                    d.page_count.map(|p| p.to_string()).unwrap_or_default(),
                    d.source_filename(),
                    if d.is_trashed() {
                        "trashed".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect();
        format!(
            "{}\n{} document(s)",
            table(&["ID", "CREATED", "TITLE", "PAGES", "FILE", ""], &rows),
            docs.len()
        )
    });
}
