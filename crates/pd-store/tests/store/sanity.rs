//! The sanity checker: every defect it knows, with its level; `--changed-only`; fixes.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use pd_store::sanity::{
    self, CheckMode, FileOpener, FixKind, FixOptions, FixOutcome, IssueKind, Level, SanityOptions,
    SanityReport, StdFiles, ThumbnailGenerator,
};

use crate::common::store_test;
use crate::library::{Files, Library, write};

/// Makes the named files unreadable, as a mode-000 file is for a user who does not own
/// it. Tests run as root, who reads anything, so permissions cannot do this.
struct Unreadable(Vec<PathBuf>);

impl FileOpener for Unreadable {
    fn open(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        if self.0.iter().any(|p| p == path) {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        }
        StdFiles.open(path)
    }
}

fn kinds(report: &SanityReport, id: i64) -> Vec<(Level, IssueKind)> {
    report
        .documents
        .iter()
        .find(|d| d.id == id)
        .map(|d| d.issues.iter().map(|i| (i.level, i.kind)).collect())
        .unwrap_or_default()
}

async fn check(lib: &Library) -> SanityReport {
    sanity::check(&lib.store, &SanityOptions::default())
        .await
        .unwrap()
}

store_test!(async fn a_healthy_library_is_clean(db) {
    let lib = Library::new(db);
    let empty = check(&lib).await;
    assert_eq!(empty.worst_level(), None);
    assert_eq!(empty.summary.sentence(), "no issues");
    lib.add("one", Files { archive: Some(b"%PDF archive"), ..Files::default() }).await;
    lib.add("two", Files::default()).await;
    let report = check(&lib).await;
    assert_eq!(report.worst_level(), None, "{report:#?}");
    assert!(report.documents.is_empty() && report.global.is_empty());
    assert_eq!(report.documents_checked, 2);
    assert_eq!(report.files_hashed, 3);
    assert_eq!(report.mode, CheckMode::Full);
});

store_test!(async fn every_defect_is_reported_with_its_level(db) {
    let lib = Library::new(db);
    let media = lib.store.media().clone();
    let missing = lib.add("missing original", Files::default()).await;
    std::fs::remove_file(media.original_path(&missing).unwrap()).unwrap();
    let corrupt = lib.add("corrupt original", Files::default()).await;
    write(&media.original_path(&corrupt).unwrap(), b"%PDF-1.4 bit rot");
    let unreadable = lib.add("unreadable original", Files::default()).await;
    let mut sum_only = lib.add("archive checksum only", Files::default()).await;
    sum_only.archive_checksum = Some(pd_store::media::sha256_bytes(b"x"));
    lib.save(&sum_only).await;
    let name_only = lib.add("archive name only", Files { archive: Some(b"arch"), ..Files::default() }).await;
    let mut without_sum = lib.document(name_only.id).await;
    without_sum.archive_checksum = None;
    lib.save(&without_sum).await;
    let no_archive = lib.add("archive missing", Files { archive: Some(b"arch 2"), ..Files::default() }).await;
    std::fs::remove_file(media.archive_path(&no_archive).unwrap().unwrap()).unwrap();
    let bad_archive = lib.add("archive corrupt", Files { archive: Some(b"arch 3"), ..Files::default() }).await;
    write(&media.archive_path(&bad_archive).unwrap().unwrap(), b"arch 3 changed");
    let unreadable_archive = lib.add("archive unreadable", Files { archive: Some(b"arch 4"), ..Files::default() }).await;
    let no_thumb = lib.add("thumbnail missing", Files { thumbnail: false, ..Files::default() }).await;
    let bad_thumb = lib.add("thumbnail unreadable", Files::default()).await;
    let empty = lib.add("no content", Files { content: "", ..Files::default() }).await;
    let trashed = lib.add("trashed and missing", Files::default()).await;
    lib.store.trash_document(trashed.id).await.unwrap();
    std::fs::remove_file(media.original_path(&trashed).unwrap()).unwrap();
    let orphan = lib.originals().join("sub/stray.pdf");
    write(&orphan, b"stray");
    // Real globs: none of these is an orphan.
    for ignored in [".DS_Store", "._0000001.pdf", "@eaDir/0000001.pdf/SYNOFILE_THUMB.jpg"] {
        write(&lib.originals().join(ignored), b"clutter");
    }

    let opener = Unreadable(vec![
        media.original_path(&unreadable).unwrap(),
        media.archive_path(&unreadable_archive).unwrap().unwrap(),
        media.thumbnail_path(&bad_thumb),
    ]);
    let report = sanity::check_with(&lib.store, &SanityOptions::default(), &opener, &|_| {})
        .await
        .unwrap();
    use IssueKind as K;
    use Level::*;
    let expect = [
        (missing.id, vec![(Error, K::OriginalMissing)]),
        (corrupt.id, vec![(Error, K::OriginalChecksumMismatch)]),
        (unreadable.id, vec![(Error, K::OriginalUnreadable)]),
        (sum_only.id, vec![(Error, K::ArchiveChecksumWithoutFilename)]),
        (name_only.id, vec![(Error, K::ArchiveFilenameWithoutChecksum)]),
        (no_archive.id, vec![(Error, K::ArchiveMissing)]),
        (bad_archive.id, vec![(Error, K::ArchiveChecksumMismatch)]),
        (unreadable_archive.id, vec![(Error, K::ArchiveUnreadable)]),
        (no_thumb.id, vec![(Error, K::ThumbnailMissing)]),
        (bad_thumb.id, vec![(Error, K::ThumbnailUnreadable)]),
        (empty.id, vec![(Info, K::NoContent)]),
        (trashed.id, vec![(Error, K::OriginalMissing)]),
    ];
    for (id, want) in &expect {
        assert_eq!(&kinds(&report, *id), want, "document {id}: {report:#?}");
    }
    assert_eq!(report.documents.len(), expect.len());
    assert!(report.documents.iter().find(|d| d.id == trashed.id).unwrap().trashed);
    let mismatch = &report.documents.iter().find(|d| d.id == corrupt.id).unwrap().issues[0];
    assert!(mismatch.message.contains(&corrupt.checksum), "{}", mismatch.message);

    // The archive of "archive name only" is claimed; the file of "archive checksum only"
    // has no name, so only the stray file is an orphan.
    let orphans: Vec<_> = report.global.iter().map(|i| (i.level, i.kind, i.path.clone())).collect();
    assert_eq!(
        orphans,
        vec![(Warning, K::OrphanedFile, Some(orphan.to_string_lossy().into_owned()))]
    );
    assert_eq!(report.summary.documents_with_errors, 11);
    assert_eq!(report.summary.documents_with_infos, 1);
    assert_eq!(report.summary.global_warnings, 1);
    assert_eq!(report.summary.total_issues, 12);
    assert_eq!(report.worst_level(), Some(Error));
});

store_test!(async fn warnings_alone_and_infos_alone(db) {
    let lib = Library::new(db);
    lib.add("empty", Files { content: "", ..Files::default() }).await;
    let report = check(&lib).await;
    assert_eq!(report.worst_level(), None);
    assert_eq!(report.summary.documents_with_infos, 1);
    assert_eq!(report.summary.total_issues, 0);
    write(&lib.store.media().root().join("notes.txt"), b"x");
    let report = check(&lib).await;
    assert_eq!(report.worst_level(), Some(Level::Warning));
});

store_test!(async fn a_file_with_mode_000(db) {
    use std::os::unix::fs::PermissionsExt;
    let lib = Library::new(db);
    let doc = lib.add("locked", Files::default()).await;
    let path = lib.store.media().original_path(&doc).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    let report = check(&lib).await;
    // Root reads it anyway (then the library is clean); anyone else cannot.
    if std::fs::read(&path).is_ok() {
        assert_eq!(report.worst_level(), None, "{report:#?}");
    } else {
        assert_eq!(kinds(&report, doc.id), vec![(Level::Error, IssueKind::OriginalUnreadable)]);
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
});

store_test!(async fn changed_only_hashes_changed_files_and_runs_full_checks_when_due(db) {
    let lib = Library::new(db);
    let a = lib.add("a", Files { archive: Some(b"archive a"), ..Files::default() }).await;
    let b = lib.add("b", Files { original: b"%PDF b", ..Files::default() }).await;
    let opts = SanityOptions { changed_only: true, ..SanityOptions::default() };
    let first = sanity::check(&lib.store, &opts).await.unwrap();
    assert_eq!(first.mode, CheckMode::Full);
    assert!(first.mode_reason.contains("no full check"), "{}", first.mode_reason);
    assert_eq!(first.files_hashed, 3);

    let second = sanity::check(&lib.store, &opts).await.unwrap();
    assert_eq!(second.mode, CheckMode::ChangedOnly, "{}", second.mode_reason);
    assert_eq!((second.files_hashed, second.files_unchanged), (0, 3));
    assert!(second.last_full_check.is_some());

    // Same size, new content and modification time: hashed again, and caught.
    let path = lib.store.media().original_path(&b).unwrap();
    std::fs::write(&path, b"%PDF c").unwrap();
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).unwrap();
    let third = sanity::check(&lib.store, &opts).await.unwrap();
    assert_eq!((third.files_hashed, third.files_unchanged), (1, 2));
    assert_eq!(kinds(&third, b.id), vec![(Level::Error, IssueKind::OriginalChecksumMismatch)]);
    // A file that failed is hashed every time until it verifies.
    let fourth = sanity::check(&lib.store, &opts).await.unwrap();
    assert_eq!(fourth.files_hashed, 1);

    // A changed checksum in the database means hashing again too.
    let mut a = lib.document(a.id).await;
    a.checksum = "0".repeat(64);
    lib.save(&a).await;
    let fifth = sanity::check(&lib.store, &opts).await.unwrap();
    assert_eq!(fifth.files_hashed, 2);

    let due = SanityOptions { full_check_every_days: 0, ..opts };
    let full = sanity::check(&lib.store, &due).await.unwrap();
    assert_eq!(full.mode, CheckMode::Full);
    assert_eq!(full.files_hashed, 3);
    let runs = lib.store.db().conn().await.unwrap().sanity_runs().await.unwrap();
    assert_eq!(runs.len(), 6);
    assert_eq!(runs.iter().filter(|r| r.full_check).count(), 2);
});

struct FakeThumbnails;

impl ThumbnailGenerator for FakeThumbnails {
    fn generate(&self, original: &Path, _mime: &str, dest: &Path) -> Result<(), String> {
        assert!(original.is_file());
        std::fs::write(dest, b"RIFF-new-WEBP").map_err(|e| e.to_string())
    }
}

store_test!(async fn fixes_list_first_and_then_repair_without_guessing(db) {
    let lib = Library::new(db);
    let media = lib.store.media().clone();
    let doc = lib.add("archived", Files { archive: Some(b"arch"), thumbnail: false, ..Files::default() }).await;
    let mut without_sum = lib.document(doc.id).await;
    without_sum.archive_checksum = None;
    lib.save(&without_sum).await;
    let corrupt = lib.add("corrupt", Files::default()).await;
    write(&media.original_path(&corrupt).unwrap(), b"changed");
    let orphan = lib.originals().join("x/stray.pdf");
    write(&orphan, b"stray");

    let report = check(&lib).await;
    let plan = sanity::fix(&lib.store, &report, &FixOptions::default(), None).await.unwrap();
    assert!(!plan.applied);
    let outcome = |r: &sanity::FixReport, kind| {
        r.actions.iter().find(|a| a.kind == kind).map(|a| a.outcome)
    };
    assert_eq!(outcome(&plan, FixKind::RecomputeArchiveChecksum), Some(FixOutcome::Planned));
    assert_eq!(outcome(&plan, FixKind::QuarantineOrphan), Some(FixOutcome::Planned));
    assert_eq!(outcome(&plan, FixKind::RegenerateThumbnail), Some(FixOutcome::NotYetPossible));
    assert_eq!(outcome(&plan, FixKind::None), Some(FixOutcome::NotFixable));
    // A dry run changes nothing.
    assert!(orphan.exists());
    assert!(lib.document(doc.id).await.archive_checksum.is_none());

    let apply = FixOptions { apply: true, ..FixOptions::default() };
    let done = sanity::fix(&lib.store, &report, &apply, Some(&FakeThumbnails)).await.unwrap();
    assert_eq!(outcome(&done, FixKind::RecomputeArchiveChecksum), Some(FixOutcome::Done));
    assert_eq!(outcome(&done, FixKind::QuarantineOrphan), Some(FixOutcome::Done));
    assert_eq!(outcome(&done, FixKind::RegenerateThumbnail), Some(FixOutcome::Done));
    assert_eq!(
        lib.document(doc.id).await.archive_checksum,
        Some(pd_store::media::sha256_bytes(b"arch"))
    );
    assert!(!orphan.exists());
    assert!(!orphan.parent().unwrap().exists(), "the emptied folder is removed");
    let quarantined = PathBuf::from(&done.quarantine_dir).join("documents/originals/x/stray.pdf");
    assert_eq!(std::fs::read(quarantined).unwrap(), b"stray");
    assert!(media.thumbnail_path(&doc).is_file());
    // The corrupt original is left as it is.
    assert_eq!(std::fs::read(media.original_path(&corrupt).unwrap()).unwrap(), b"changed");

    let after = check(&lib).await;
    assert_eq!(after.documents.len(), 1, "{after:#?}");
    assert_eq!(kinds(&after, corrupt.id), vec![(Level::Error, IssueKind::OriginalChecksumMismatch)]);
    assert!(after.global.is_empty());
});
