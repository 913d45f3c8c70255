//! The retagger: applies the match rules to documents already in the library, with
//! paperless-ngx's `document_retagger` flags and semantics.
//!
//! Documents are those not in the trash (versions included), optionally only those with
//! an inbox tag and only ids in a range. For each, in this order: correspondent,
//! document type, tags, storage path (see [`crate::rules::plan`]). Matching runs in
//! parallel; the changes are then written in one transaction, so a failed run changes
//! nothing. With `dry_run` nothing is written and the report lists every change that
//! would be made (document, field, old → new, why).
//!
//! Differences from paperless-ngx, on purpose: tag changes are reported net (a managed
//! tag that still matches under `overwrite` is neither "removed" nor "added"), and the
//! dry run reports exactly what the real run then does.
//!
//! As in paperless-ngx, where saving a document moves its files, a document whose new
//! correspondent, type, tags or storage path change the name its template gives has its
//! files moved after the changes are committed — by [`pd_store::rename`], the journaled
//! mover, so a crash in between is repaired by the next `pd rename` or `pd sanity --fix`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use pd_core::{Document, Id};
use pd_store::rename::{RenameOptions, RenameReport, rename};
use pd_store::{DocumentFilter, Store};
use rayon::prelude::*;
use serde::Serialize;

use crate::rules::{
    CurrentValues, Field, Plan, Predict, RuleSet, Selection, SetOptions, Targets, plan,
};

/// What to retag and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetagOptions {
    /// Which fields (`-c`, `-t`, `-T`, `-s`). None selected: nothing happens.
    pub targets: Targets,
    /// Only documents with at least one inbox tag (`-i`).
    pub inbox_only: bool,
    /// Only documents with `lo <= id <= hi` (`--id-range`).
    pub id_range: Option<(Id, Id)>,
    /// Overwrite and remove (`-f`) and take the first of several matches (`--use-first`).
    pub set: SetOptions,
    /// Compute and report, change nothing.
    pub dry_run: bool,
}

/// One change to one field of a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub field: Field,
    /// The old value's name (for tags: the tag removed).
    pub old: Option<String>,
    /// The new value's name (for tags: the tag added).
    pub new: Option<String>,
    /// Why: the rule's match, the classifier, or why a value goes.
    pub reason: String,
}

/// What the retagger does to one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentChanges {
    pub id: Id,
    pub title: String,
    pub changes: Vec<Change>,
    /// Ambiguities: several objects matched and none (or the first) was taken.
    pub notes: Vec<String>,
}

/// The retagger's result.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RetagReport {
    pub dry_run: bool,
    /// No field was selected, so nothing was looked at.
    pub no_targets: bool,
    pub documents_processed: usize,
    /// Documents whose fields changed (or would change).
    pub documents_changed: usize,
    /// Selections made, as paperless-ngx counts them (re-selecting the current value
    /// under `overwrite` included).
    pub correspondents_set: usize,
    pub document_types_set: usize,
    pub storage_paths_set: usize,
    /// Tags added and removed (net).
    pub tags_added: usize,
    pub tags_removed: usize,
    /// Documents with changes or notes, by id.
    pub documents: Vec<DocumentChanges>,
    /// Broken rules (invalid regular expressions), which never match.
    pub warnings: Vec<String>,
    /// The files of changed documents moved to their new names (not in a dry run).
    pub files: Option<RenameReport>,
}

/// The content matching reads: for a document with versions, its newest version's.
pub(crate) fn effective_contents(docs: &[Document]) -> HashMap<Id, &str> {
    let mut latest: HashMap<Id, (Id, &str)> = HashMap::new();
    for doc in docs {
        if let Some(root) = doc.root_document {
            let entry = latest.entry(root).or_insert((doc.id, doc.content.as_str()));
            if doc.id > entry.0 {
                *entry = (doc.id, doc.content.as_str());
            }
        }
    }
    docs.iter()
        .map(|d| {
            let text = match latest.get(&d.id) {
                Some((_, text)) if d.root_document.is_none() => text,
                _ => d.content.as_str(),
            };
            (d.id, text)
        })
        .collect()
}

/// Retags the library. `progress` is called with the number of documents matched so
/// far and their total (from several threads).
pub async fn retag(
    store: &Store,
    opts: &RetagOptions,
    predictor: Option<&dyn Predict>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> pd_store::Result<RetagReport> {
    let mut report = RetagReport {
        dry_run: opts.dry_run,
        ..RetagReport::default()
    };
    if !opts.targets.any() {
        report.no_targets = true;
        return Ok(report);
    }
    let rules = RuleSet::load(store).await?;
    report.warnings = rules.warnings();
    let docs = store
        .db()
        .conn()
        .await?
        .documents(&DocumentFilter::all())
        .await?;
    let contents = effective_contents(&docs);
    let selected: Vec<&Document> = docs
        .iter()
        .filter(|d| !opts.inbox_only || d.tags.iter().any(|t| rules.is_inbox_tag(*t)))
        .filter(|d| {
            opts.id_range
                .is_none_or(|(lo, hi)| (lo..=hi).contains(&d.id))
        })
        .collect();
    let done = AtomicU64::new(0);
    let total = selected.len() as u64;
    let plans: Vec<(&Document, CurrentValues, Plan)> = selected
        .par_iter()
        .map(|doc| {
            let current = CurrentValues {
                correspondent: doc.correspondent,
                document_type: doc.document_type,
                storage_path: doc.storage_path,
                tags: doc.tags.clone(),
            };
            let text = contents.get(&doc.id).copied().unwrap_or_default();
            let p = plan(
                &rules,
                &current,
                doc.owner,
                text,
                predictor,
                opts.targets,
                opts.set,
            );
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            (*doc, current, p)
        })
        .collect();

    report.documents_processed = plans.len();
    let mut updates = Vec::new();
    for (doc, current, p) in &plans {
        let changes = describe(&rules, current, p, opts.set.replace);
        let mut notes = Vec::new();
        for sel in [&p.correspondent, &p.document_type, &p.storage_path] {
            if let Some(note) = sel.as_ref().and_then(|s| s.note.clone()) {
                notes.push(note);
            }
        }
        let count = |sel: &Option<Selection>| {
            usize::from(sel.as_ref().is_some_and(|s| s.selected.is_some()))
        };
        report.correspondents_set += count(&p.correspondent);
        report.document_types_set += count(&p.document_type);
        report.storage_paths_set += count(&p.storage_path);
        if let Some(t) = &p.tags {
            report.tags_added += t.added.len();
            report.tags_removed += t.removed.len();
        }
        if !changes.is_empty() {
            report.documents_changed += 1;
            let after = p.apply(current);
            let mut updated = (*doc).clone();
            updated.correspondent = after.correspondent;
            updated.document_type = after.document_type;
            updated.storage_path = after.storage_path;
            updated.tags = after.tags;
            updates.push(updated);
        }
        if !changes.is_empty() || !notes.is_empty() {
            report.documents.push(DocumentChanges {
                id: doc.id,
                title: doc.title.clone(),
                changes,
                notes,
            });
        }
    }
    if !opts.dry_run && !updates.is_empty() {
        let mut tx = store.db().begin().await?;
        for doc in &updates {
            tx.update_document(doc).await?;
        }
        tx.commit().await?;
        let moved = RenameOptions {
            ids: Some(updates.iter().map(|d| d.id).collect()),
            ..RenameOptions::default()
        };
        report.files = Some(rename(store, &moved).await?);
    }
    Ok(report)
}

/// Every field change of a plan, with old and new names and the reason.
fn describe(rules: &RuleSet, current: &CurrentValues, p: &Plan, replace: bool) -> Vec<Change> {
    let mut out = Vec::new();
    let name = |field, id: Option<Id>| id.map(|id| rules.name_of(field, id));
    let single = |out: &mut Vec<Change>, field: Field, sel: &Option<Selection>, old: Option<Id>| {
        let Some(sel) = sel else { return };
        let Some(new) = sel.new_value else { return };
        let reason = match &sel.selected {
            Some(hit) => hit.reason.to_string(),
            None if replace => "no rule matches any more (--overwrite)".to_owned(),
            None => String::new(),
        };
        out.push(Change {
            field,
            old: name(field, old),
            new: name(field, new),
            reason,
        });
    };
    single(
        &mut out,
        Field::Correspondent,
        &p.correspondent,
        current.correspondent,
    );
    single(
        &mut out,
        Field::DocumentType,
        &p.document_type,
        current.document_type,
    );
    if let Some(tags) = &p.tags {
        for id in &tags.removed {
            out.push(Change {
                field: Field::Tags,
                old: Some(rules.name_of(Field::Tags, *id)),
                new: None,
                reason: "its rule no longer matches (--overwrite)".to_owned(),
            });
        }
        for (id, reason) in &tags.added {
            out.push(Change {
                field: Field::Tags,
                old: None,
                new: Some(rules.name_of(Field::Tags, *id)),
                reason: match reason {
                    Some(r) => r.to_string(),
                    None => "parent of a matching tag".to_owned(),
                },
            });
        }
    }
    single(
        &mut out,
        Field::StoragePath,
        &p.storage_path,
        current.storage_path,
    );
    out
}
