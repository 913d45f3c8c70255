//! Moving stored files to the names their templates give, so that disk and database never
//! drift apart.
//!
//! [`rename`] is paperless-ngx's `document_renamer` and also the one way pd moves a
//! stored file (a title or correspondent edit calls it with [`RenameOptions::ids`]).
//! It works in two phases:
//!
//! 1. **Plan**, before touching anything: for every document (not trashed) the names
//!    [`naming::generate_unique_filename_with`] gives for the original and the archive,
//!    checked against every file on disk, every name in the database and every move
//!    planned so far. A name that another document or a foreign file holds is a
//!    *collision*, resolved with a `_01` suffix and reported. A template that fails or
//!    renders `..` or an absolute path, a name over the database's 1024 characters or
//!    the file system's limits (255 bytes a component, 4095 a path), and a file that is
//!    not where the database says are *problems*: that document is left alone and the
//!    problem reported.
//! 2. **Apply**, holding the media lock, in batches of up to 256 documents: write a
//!    journal entry per file (one commit for the batch), move each file (a hard link then
//!    the old name's removal, never replacing a file; a document whose move fails is put
//!    back), then in one transaction record the new names and remove the batch's journal
//!    entries. Empty folders left behind are removed.
//!
//! A crash can stop this anywhere. The next run (or `pd sanity --fix --apply`) first
//! replays the journal ([`recover`]): a file found only at its new name gets that name
//! recorded, a file still at its old name keeps it, a file at both names (the crash hit
//! between link and removal) loses its old name. Nothing is ever overwritten or deleted.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> pd_store::Result<()> {
//! use pd_store::rename::{RenameOptions, rename};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = pd_store::Store::init(&pd_core::Config::for_data_dir(dir.path())).await?;
//! let report = rename(&store, &RenameOptions { dry_run: true, ..Default::default() }).await?;
//! assert!(report.moves.is_empty() && report.problems.is_empty());
//! # Ok(()) }
//! ```

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use pd_core::{Document, Id};
use serde::Serialize;

use crate::db::{DocumentFilter, FileKind, JournalEntry, TrashFilter};
use crate::media::{MediaLock, join_inside};
use crate::naming::{
    self, FilenameContext, GeneratedName, MAX_PATH_CHARS, generate_unique_filename_with,
    normalise_relative,
};
use crate::{Error, FilenameLookup, Result, Store};

/// Longest file name component most file systems take, in bytes.
pub const MAX_COMPONENT_BYTES: usize = 255;
/// Longest path Linux takes, in bytes (`PATH_MAX` less the terminating zero).
pub const MAX_PATH_BYTES: usize = 4095;

/// What [`rename`] does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenameOptions {
    /// Plan and report; move nothing (an interrupted rename is reported, not finished).
    pub dry_run: bool,
    /// Only these documents (all other documents' names still count as taken).
    pub ids: Option<Vec<Id>>,
    /// Fault injection for crash tests: the process aborts right after this many steps
    /// (journal writes, links, removals, commits), as if it had been killed there.
    pub abort_after_steps: Option<u64>,
}

/// One file move, planned or made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileMove {
    pub document_id: Id,
    pub title: String,
    pub kind: FileKind,
    /// Relative to the originals or archive folder.
    pub from: String,
    pub to: String,
    /// Set when the wanted name was taken and a suffixed one is used.
    pub collision: Option<Collision>,
    /// The move was made (always false in a dry run).
    pub done: bool,
    /// Why the move failed (the document then keeps both of its old names).
    pub error: Option<String>,
}

/// A wanted name that was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collision {
    /// The name the template gives.
    pub wanted: String,
    /// The document holding it, or `None` for a file no document claims.
    pub taken_by: Option<Id>,
}

/// Why a document is left where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The template failed (syntax error, undefined variable, empty result).
    TemplateFailed,
    /// The template rendered an absolute path or one with `..`.
    UnsafePath,
    /// The name is too long for the database or the file system.
    NameTooLong,
    /// The file is not where the database says.
    SourceMissing,
}

/// A document that is not renamed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenameProblem {
    pub document_id: Id,
    pub title: String,
    pub kind: FileKind,
    pub problem: ProblemKind,
    pub message: String,
}

/// An interrupted move the journal replay settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecoveredMove {
    pub document_id: Id,
    pub kind: FileKind,
    pub from: String,
    pub to: String,
    /// The name the database now records.
    pub recorded: Option<String>,
    pub note: String,
}

/// What [`rename`] found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenameReport {
    pub dry_run: bool,
    pub documents_checked: usize,
    /// Interrupted moves finished (or, in a dry run, found) before planning.
    pub recovered: Vec<RecoveredMove>,
    pub moves: Vec<FileMove>,
    pub problems: Vec<RenameProblem>,
}

impl RenameReport {
    /// Whether anything went wrong: a problem or a failed move.
    pub fn has_failures(&self) -> bool {
        !self.problems.is_empty() || self.moves.iter().any(|m| m.error.is_some())
    }
}

/// Counts steps and aborts the process after the configured one (crash tests only).
#[derive(Debug, Default)]
pub(crate) struct Steps {
    limit: Option<u64>,
    done: AtomicU64,
}

impl Steps {
    pub(crate) fn new(limit: Option<u64>) -> Steps {
        Steps {
            limit,
            done: AtomicU64::new(0),
        }
    }

    fn step(&self) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if self.limit == Some(n) {
            std::process::abort();
        }
    }
}

/// Plans and (unless `dry_run`) makes every move; see the module documentation.
pub async fn rename(store: &Store, opts: &RenameOptions) -> Result<RenameReport> {
    let steps = Steps::new(opts.abort_after_steps);
    let lock = if opts.dry_run {
        None
    } else {
        Some(store.media().lock()?)
    };
    let recovered = match &lock {
        Some(lock) => recover_with(store, lock, &steps).await?,
        None => pending(store).await?,
    };
    let mut conn = store.db().conn().await?;
    let all = conn
        .documents(&DocumentFilter {
            trash: TrashFilter::Include,
            ids: None,
        })
        .await?;
    let lookup = FilenameLookup::load(&mut conn).await?;
    let mut contexts = Vec::new();
    for doc in all.iter().filter(|d| !d.is_trashed()) {
        if opts.ids.as_ref().is_some_and(|ids| !ids.contains(&doc.id)) {
            continue;
        }
        contexts.push(store.filename_context_with(&mut conn, doc, &lookup).await?);
    }
    drop(conn);
    let mut plan = plan(store, &all, &contexts);
    let mut report = RenameReport {
        dry_run: opts.dry_run,
        documents_checked: contexts.len(),
        recovered,
        moves: Vec::new(),
        problems: std::mem::take(&mut plan.problems),
    };
    if lock.is_none() {
        report.moves = plan.moves;
        return Ok(report);
    }
    // Moves grouped per document, in plan order.
    let mut order: Vec<Id> = Vec::new();
    let mut by_doc: HashMap<Id, Vec<FileMove>> = HashMap::new();
    for m in plan.moves {
        if !by_doc.contains_key(&m.document_id) {
            order.push(m.document_id);
        }
        by_doc.entry(m.document_id).or_default().push(m);
    }
    let mut batch: Vec<(Id, Vec<FileMove>)> = Vec::new();
    // Every name the batch's moves leave or take. A move onto a name another move of the
    // batch leaves (a name freed in this run) waits for the next batch, so the journal
    // never holds a chain of moves that a replay could confuse.
    let mut names: HashSet<(FileKind, String)> = HashSet::new();
    for id in order {
        let moves = by_doc.remove(&id).unwrap_or_default();
        let chained = moves.iter().any(|m| {
            names.contains(&(m.kind, m.from.clone())) || names.contains(&(m.kind, m.to.clone()))
        });
        if chained || batch.len() == BATCH {
            apply_and_report(store, &mut batch, &steps, &mut report.moves).await;
            names.clear();
        }
        for m in &moves {
            names.insert((m.kind, m.from.clone()));
            names.insert((m.kind, m.to.clone()));
        }
        batch.push((id, moves));
    }
    apply_and_report(store, &mut batch, &steps, &mut report.moves).await;
    Ok(report)
}

/// Finishes interrupted moves left in the journal. The caller holds the media lock.
pub async fn recover(store: &Store, lock: &MediaLock) -> Result<Vec<RecoveredMove>> {
    recover_with(store, lock, &Steps::default()).await
}

/// The journal as it stands, for dry runs.
async fn pending(store: &Store) -> Result<Vec<RecoveredMove>> {
    let journal = store.db().conn().await?.rename_journal().await?;
    Ok(journal
        .into_iter()
        .map(|e| RecoveredMove {
            document_id: e.document_id,
            kind: e.kind,
            from: e.from_name,
            to: e.to_name,
            recorded: None,
            note: "interrupted; the next run that is not a dry run finishes it".into(),
        })
        .collect())
}

fn kind_dir(store: &Store, kind: FileKind) -> PathBuf {
    match kind {
        FileKind::Original => store.media().originals_dir(),
        FileKind::Archive => store.media().archive_dir(),
    }
}

async fn recover_with(
    store: &Store,
    _lock: &MediaLock,
    steps: &Steps,
) -> Result<Vec<RecoveredMove>> {
    let journal = store.db().conn().await?.rename_journal().await?;
    let mut by_doc: Vec<(Id, Vec<JournalEntry>)> = Vec::new();
    for entry in journal {
        match by_doc.iter_mut().find(|(id, _)| *id == entry.document_id) {
            Some((_, entries)) => entries.push(entry),
            None => by_doc.push((entry.document_id, vec![entry])),
        }
    }
    let mut recovered = Vec::new();
    for (id, entries) in by_doc {
        let mut tx = store.db().begin().await?;
        let doc = match tx.document(id).await {
            Ok(doc) => Some(doc),
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        let mut names = doc
            .as_ref()
            .map(|d| (d.filename.clone(), d.archive_filename.clone()));
        let mut emptied = Vec::new();
        for entry in &entries {
            let dir = kind_dir(store, entry.kind);
            let from = join_inside(&dir, &entry.from_name)?;
            let to = join_inside(&dir, &entry.to_name)?;
            let (at_from, at_to) = (present(&from), present(&to));
            let (recorded, note) = match (at_from, at_to) {
                (false, true) => (Some(entry.to_name.clone()), "finished: the file had moved"),
                (true, false) => (
                    Some(entry.from_name.clone()),
                    "rolled back: the file had not moved",
                ),
                (true, true) if same_file(&from, &to) => {
                    std::fs::remove_file(&from)
                        .map_err(|e| Error::io("cannot remove", &from, e))?;
                    steps.step();
                    (
                        Some(entry.to_name.clone()),
                        "finished: the old name of the moved file was removed",
                    )
                }
                (true, true) => (
                    Some(entry.from_name.clone()),
                    "rolled back: a different file is at the new name and is left in place",
                ),
                (false, false) => (None, "the file is at neither name; nothing changed"),
            };
            if let (Some(names), Some(name)) = (names.as_mut(), &recorded) {
                match entry.kind {
                    FileKind::Original => names.0 = Some(name.clone()),
                    FileKind::Archive => names.1 = Some(name.clone()),
                }
            }
            if recorded.as_deref() == Some(entry.to_name.as_str()) {
                emptied.push((from, dir));
            }
            recovered.push(RecoveredMove {
                document_id: id,
                kind: entry.kind,
                from: entry.from_name.clone(),
                to: entry.to_name.clone(),
                recorded: if doc.is_some() { recorded } else { None },
                note: if doc.is_some() {
                    note.to_owned()
                } else {
                    "the document no longer exists; nothing changed".to_owned()
                },
            });
        }
        if let (Some(doc), Some((filename, archive))) = (&doc, names)
            && (filename != doc.filename || archive != doc.archive_filename)
        {
            tx.set_document_files(id, filename.as_deref(), archive.as_deref(), pd_core::now())
                .await?;
        }
        tx.delete_rename_journal(id).await?;
        tx.commit().await?;
        steps.step();
        for (from, dir) in emptied {
            if let Some(parent) = from.parent() {
                naming::delete_empty_directories(parent, &dir);
            }
        }
    }
    Ok(recovered)
}

/// Anything, a dangling symlink included, at `path`.
fn present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Moves without ever replacing a file: a hard link to the new name (which fails if the
/// name is taken), then the old name's removal. Where hard links are not possible it
/// falls back to a rename after checking the target is free (the media lock keeps
/// other pd processes out).
pub(crate) fn move_no_replace(from: &Path, to: &Path, steps: &Steps) -> Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("cannot create", dir, e))?;
    }
    match std::fs::hard_link(from, to) {
        Ok(()) => {
            steps.step();
            if let Err(e) = std::fs::remove_file(from) {
                let _ = std::fs::remove_file(to);
                return Err(Error::io("cannot remove", from, e));
            }
            steps.step();
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::Conflict(format!(
            "cannot move {} to {}: the target exists",
            from.display(),
            to.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Error::io("cannot move", from, e)),
        Err(_) => {
            crate::media::move_file(from, to)?;
            steps.step();
            steps.step();
            Ok(())
        }
    }
}

/// Applies a batch (if any) and moves its outcome into `out`.
async fn apply_and_report(
    store: &Store,
    batch: &mut Vec<(Id, Vec<FileMove>)>,
    steps: &Steps,
    out: &mut Vec<FileMove>,
) {
    if batch.is_empty() {
        return;
    }
    if let Err(e) = apply_batch(store, batch, steps).await {
        for m in batch.iter_mut().flat_map(|(_, moves)| moves.iter_mut()) {
            m.done = false;
            m.error.get_or_insert_with(|| e.to_string());
        }
    }
    out.extend(batch.drain(..).flat_map(|(_, moves)| moves));
}

/// Documents whose moves share one journal write and one commit.
const BATCH: usize = 256;

/// Moves the files of a batch of documents: announces every move in the journal (one
/// commit), moves each document's files (a document whose move fails is put back), then
/// records the new names and clears the batch's journal entries in one transaction.
/// Replaying the journal settles each entry on its own, and no move of a batch takes a
/// name another one leaves, so a crash anywhere in between is repaired as it would be for
/// a single document.
async fn apply_batch(
    store: &Store,
    batch: &mut [(Id, Vec<FileMove>)],
    steps: &Steps,
) -> Result<()> {
    let now = pd_core::now();
    let mut tx = store.db().begin().await?;
    for (id, moves) in batch.iter() {
        let announced: Vec<(FileKind, String, String)> = moves
            .iter()
            .map(|m| (m.kind, m.from.clone(), m.to.clone()))
            .collect();
        tx.insert_rename_journal(*id, &announced, now).await?;
    }
    tx.commit().await?;
    steps.step();

    let mut made: Vec<(PathBuf, PathBuf, PathBuf)> = Vec::new();
    for (_, moves) in batch.iter_mut() {
        let mut mine = Vec::new();
        let mut failure = None;
        for m in moves.iter() {
            let dir = kind_dir(store, m.kind);
            let result = join_inside(&dir, &m.from).and_then(|from| {
                let to = join_inside(&dir, &m.to)?;
                move_no_replace(&from, &to, steps)?;
                Ok((from, to, dir.clone()))
            });
            match result {
                Ok(paths) => mine.push(paths),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        match failure {
            None => made.extend(mine),
            Some(e) => {
                put_back(mine)?;
                for m in moves.iter_mut() {
                    m.error = Some(e.to_string());
                }
            }
        }
    }

    if let Err(e) = record(store, batch).await {
        // Put back what moved, then forget the announcements.
        put_back(made)?;
        let mut conn = store.db().conn().await?;
        for (id, _) in batch.iter() {
            conn.delete_rename_journal(*id).await?;
        }
        return Err(e);
    }
    steps.step();
    for m in batch
        .iter_mut()
        .flat_map(|(_, moves)| moves.iter_mut())
        .filter(|m| m.error.is_none())
    {
        m.done = true;
    }
    for (from, _, dir) in made {
        if let Some(parent) = from.parent() {
            naming::delete_empty_directories(parent, &dir);
        }
    }
    Ok(())
}

/// Moves files back to where they were, newest first.
fn put_back(made: Vec<(PathBuf, PathBuf, PathBuf)>) -> Result<()> {
    for (from, to, dir) in made.into_iter().rev() {
        move_no_replace(&to, &from, &Steps::default())?;
        if let Some(parent) = to.parent() {
            naming::delete_empty_directories(parent, &dir);
        }
    }
    Ok(())
}

/// Records the new names of the documents whose files moved and removes the batch's
/// journal entries, in one transaction.
async fn record(store: &Store, batch: &[(Id, Vec<FileMove>)]) -> Result<()> {
    let mut tx = store.db().begin().await?;
    for (id, moves) in batch {
        if moves.iter().all(|m| m.error.is_none()) {
            let doc = tx.document(*id).await?;
            let mut filename = doc.filename.clone();
            let mut archive = doc.archive_filename.clone();
            for m in moves {
                match m.kind {
                    FileKind::Original => filename = Some(m.to.clone()),
                    FileKind::Archive => archive = Some(m.to.clone()),
                }
            }
            tx.set_document_files(*id, filename.as_deref(), archive.as_deref(), pd_core::now())
                .await?;
        }
        tx.delete_rename_journal(*id).await?;
    }
    tx.commit().await
}

/// The planned moves and the documents left alone.
struct Plan {
    moves: Vec<FileMove>,
    problems: Vec<RenameProblem>,
}

/// Which names are taken in one folder: every name in the database (trash included),
/// every move planned so far, and every file on disk not vacated by a planned move.
struct Space {
    dir: PathBuf,
    claims: HashMap<String, Id>,
    vacated: HashSet<String>,
}

impl Space {
    fn new(dir: PathBuf, docs: &[Document], kind: FileKind) -> Space {
        let claims = docs
            .iter()
            .filter_map(|d| {
                let name = match kind {
                    FileKind::Original => Some(d.source_filename()),
                    FileKind::Archive => d.archive_filename.clone(),
                }?;
                Some((normalise_relative(&name), d.id))
            })
            .collect();
        Space {
            dir,
            claims,
            vacated: HashSet::new(),
        }
    }

    /// Who holds `name`, from `me`'s point of view: `Some(Some(id))` another document,
    /// `Some(None)` a file no document claims, `None` nobody.
    fn holder(&self, name: &str, me: Id) -> Option<Option<Id>> {
        match self.claims.get(name) {
            Some(id) if *id == me => None,
            Some(id) => Some(Some(*id)),
            None if self.vacated.contains(name) => None,
            None if present(&self.dir.join(name)) => Some(None),
            None => None,
        }
    }

    fn take(&mut self, from: &str, to: &str, me: Id) {
        self.claims.remove(from);
        self.vacated.insert(from.to_owned());
        self.claims.insert(to.to_owned(), me);
    }
}

/// What one file of one document should become.
enum Wanted {
    Stay,
    Move {
        to: String,
        collision: Option<Collision>,
    },
    Problem(ProblemKind, String),
}

fn plan(store: &Store, all: &[Document], contexts: &[FilenameContext]) -> Plan {
    let opts = store.naming();
    let mut spaces = [
        Space::new(store.media().originals_dir(), all, FileKind::Original),
        Space::new(store.media().archive_dir(), all, FileKind::Archive),
    ];
    let mut result = Plan {
        moves: Vec::new(),
        problems: Vec::new(),
    };
    // (context index, kind) still to place. A document whose wanted name another
    // document holds waits a round: that one may move away first.
    let mut pending: Vec<(usize, FileKind)> = Vec::new();
    for (i, ctx) in contexts.iter().enumerate() {
        pending.push((i, FileKind::Original));
        if ctx.document.archive_filename.is_some() {
            pending.push((i, FileKind::Archive));
        }
    }
    // Without progress in a round the rest wait on each other (a cycle): place them all.
    let mut force = false;
    // The archive name follows the original's new name (`scan.png` -> `scan.pdf`).
    let mut new_original: HashMap<usize, String> = HashMap::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting: Vec<(usize, FileKind)> = Vec::new();
        for (i, kind) in pending {
            if kind == FileKind::Archive && waiting.contains(&(i, FileKind::Original)) {
                waiting.push((i, kind));
                continue;
            }
            let renamed;
            let ctx = match new_original.get(&i) {
                Some(name) if kind == FileKind::Archive => {
                    let mut ctx = contexts[i].clone();
                    ctx.document.filename = Some(name.clone());
                    renamed = ctx;
                    &renamed
                }
                _ => &contexts[i],
            };
            let doc = &ctx.document;
            let space = &mut spaces[kind as usize];
            let archive = kind == FileKind::Archive;
            let current = match kind {
                FileKind::Original => doc.source_filename(),
                FileKind::Archive => doc.archive_filename.clone().unwrap_or_default(),
            };
            let current = normalise_relative(&current);
            let ideal = generate_unique_filename_with(ctx, opts, archive, &|_| false);
            if !force
                && ideal.path != current
                && matches!(space.holder(&ideal.path, doc.id), Some(Some(_)))
            {
                waiting.push((i, kind));
                continue;
            }
            let chosen = generate_unique_filename_with(ctx, opts, archive, &|name| {
                space.holder(name, doc.id).is_some()
            });
            match judge(space, doc, &current, &ideal, chosen) {
                Wanted::Stay => {}
                Wanted::Problem(problem, message) => result.problems.push(RenameProblem {
                    document_id: doc.id,
                    title: doc.title.clone(),
                    kind,
                    problem,
                    message,
                }),
                Wanted::Move { to, collision } => {
                    space.take(&current, &to, doc.id);
                    if kind == FileKind::Original {
                        new_original.insert(i, to.clone());
                    }
                    result.moves.push(FileMove {
                        document_id: doc.id,
                        title: doc.title.clone(),
                        kind,
                        from: current,
                        to,
                        collision,
                        done: false,
                        error: None,
                    });
                }
            }
        }
        force = waiting.len() == before;
        pending = waiting;
    }
    result
}

/// Whether and where one file moves, or why it cannot.
fn judge(
    space: &Space,
    doc: &Document,
    current: &str,
    ideal: &GeneratedName,
    chosen: GeneratedName,
) -> Wanted {
    if let Some(warning) = chosen.warning.or_else(|| ideal.warning.clone()) {
        let problem = if warning.contains("unsafe path") {
            ProblemKind::UnsafePath
        } else if warning.contains("exceeds") {
            ProblemKind::NameTooLong
        } else {
            ProblemKind::TemplateFailed
        };
        return Wanted::Problem(problem, format!("{warning}; the file stays at {current}"));
    }
    if chosen.path == current {
        return Wanted::Stay;
    }
    if let Some(message) = too_long(&space.dir, &chosen.path) {
        return Wanted::Problem(ProblemKind::NameTooLong, message);
    }
    let source = space.dir.join(current);
    if !source.is_file() {
        return Wanted::Problem(
            ProblemKind::SourceMissing,
            format!(
                "the file is not at {} (see `pd sanity`); it cannot be renamed",
                source.display()
            ),
        );
    }
    let collision = (chosen.path != ideal.path).then(|| Collision {
        wanted: ideal.path.clone(),
        taken_by: space.holder(&ideal.path, doc.id).flatten(),
    });
    Wanted::Move {
        to: chosen.path,
        collision,
    }
}

/// Why `name` under `dir` is too long for the database or the file system, if it is.
fn too_long(dir: &Path, name: &str) -> Option<String> {
    if name.chars().count() > MAX_PATH_CHARS {
        return Some(format!(
            "the name is longer than the database's {MAX_PATH_CHARS} characters: {name}"
        ));
    }
    if let Some(part) = name.split('/').find(|c| c.len() > MAX_COMPONENT_BYTES) {
        return Some(format!(
            "the name part {part:?} is {} bytes long; file systems take {MAX_COMPONENT_BYTES}",
            part.len()
        ));
    }
    let full = dir.join(name).as_os_str().len();
    (full > MAX_PATH_BYTES).then(|| {
        format!("the full path would be {full} bytes long; Linux takes {MAX_PATH_BYTES}: {name}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_caught() {
        let dir = Path::new("/media/documents/originals");
        assert!(too_long(dir, "a/b.pdf").is_none());
        let part = "x".repeat(256);
        let message = too_long(dir, &format!("a/{part}.pdf")).unwrap();
        assert!(message.contains("255"), "{message}");
        // Multi-byte characters count in bytes.
        assert!(too_long(dir, &format!("{}.pdf", "ä".repeat(126))).is_some());
        let deep = vec!["y".repeat(200); 21].join("/");
        assert!(too_long(dir, &deep).is_some());
    }

    #[test]
    fn moves_never_replace() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pdf");
        let b = dir.path().join("sub/b.pdf");
        std::fs::write(&a, b"a").unwrap();
        move_no_replace(&a, &b, &Steps::default()).unwrap();
        assert!(!a.exists());
        assert_eq!(std::fs::read(&b).unwrap(), b"a");
        std::fs::write(&a, b"other").unwrap();
        assert!(matches!(
            move_no_replace(&a, &b, &Steps::default()),
            Err(Error::Conflict(_))
        ));
        assert_eq!(std::fs::read(&b).unwrap(), b"a");
        assert_eq!(std::fs::read(&a).unwrap(), b"other");
    }
}
