//! `pd export`, `pd import`, `pd backup` and `pd restore` killed (SIGKILL) at random
//! points of a run over 210 generated documents: after every kill the library is as it
//! was and consistent, the previous export or backup is intact, and running the command
//! again completes it.
//!
//! The delays come from a seeded generator, as fractions of the command's duration
//! (measured once per test on an uninterrupted run); each command is killed 20 times
//! (backup and restore 10), runs that end before their kill not counted.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Library;
use serde_json::{Value, json};

/// Trials per command for export and import.
const TRIALS: usize = 20;
/// Trials per command for backup and restore.
const ARCHIVE_TRIALS: usize = 10;
/// Copies of the fixture's 30 documents in the generated library.
const COPIES: usize = 7;
/// Documents in the generated library.
const DOCUMENTS: usize = 30 * COPIES;

/// SplitMix64: a small, seeded, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A delay within `0..=1.1 × full`, so some kills land after the end.
    fn delay(&mut self, full: Duration) -> Duration {
        let max = (full.as_micros() as u64 * 11 / 10).max(1);
        Duration::from_micros(self.next() % max)
    }
}

/// Kills runs of one command at seeded random points of its measured duration. A run
/// that ends before its kill (the machine got faster than when it was measured) shrinks
/// the later delays, so that every test gets its number of real kills.
struct Killer {
    rng: Rng,
    full: Duration,
    scale: f64,
    /// Runs killed so far.
    killed: usize,
    /// Runs started so far.
    runs: usize,
}

impl Killer {
    fn new(seed: u64, full: Duration) -> Killer {
        Killer {
            rng: Rng(seed),
            full,
            scale: 1.0,
            killed: 0,
            runs: 0,
        }
    }

    /// Whether fewer than `n` runs were killed yet (and the runs are not out of hand).
    fn wants(&self, n: usize) -> bool {
        assert!(
            self.runs <= 4 * n,
            "only {} of {} runs killed",
            self.killed,
            self.runs
        );
        self.killed < n
    }

    /// Runs `pd args` on `lib` and kills it at the next point; whether it was killed.
    fn run(&mut self, lib: &Library, args: &[&str]) -> bool {
        self.runs += 1;
        let delay = self.rng.delay(self.full).mul_f64(self.scale);
        let killed = kill_after(lib, args, delay);
        if killed {
            self.killed += 1;
        } else {
            self.scale *= 0.8;
        }
        killed
    }
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/paperless-3.0.5/export-default")
}

/// An export of `COPIES` × the fixture's documents: each copy gets new pks, a distinct
/// original (the fixture's bytes plus a line naming the copy), its own title, and no
/// archive; the first copy keeps the fixture's notes and custom field values.
fn generated_export(dir: &Path) {
    let source = fixture();
    let records: Vec<Value> =
        serde_json::from_slice(&std::fs::read(source.join("manifest.json")).unwrap()).unwrap();
    let mut out = Vec::new();
    let mut docs = Vec::new();
    for r in records {
        if r["model"] == "documents.document" {
            docs.push(r);
        } else {
            out.push(r);
        }
    }
    for copy in 0..COPIES {
        for d in &docs {
            let mut d = d.clone();
            let pk = d["pk"].as_i64().unwrap() + 1000 * copy as i64;
            let name = d["__exported_file_name__"].as_str().unwrap().to_owned();
            let mut bytes = std::fs::read(source.join(&name)).unwrap();
            if copy > 0 {
                bytes.extend_from_slice(format!("\n% copy {copy}\n").as_bytes());
            }
            let file = format!("copy{copy}/{name}");
            let thumb = format!("copy{copy}/{pk}-thumbnail.webp");
            std::fs::create_dir_all(dir.join(format!("copy{copy}"))).unwrap();
            std::fs::write(dir.join(&file), &bytes).unwrap();
            std::fs::copy(
                source.join(d["__exported_thumbnail_name__"].as_str().unwrap()),
                dir.join(&thumb),
            )
            .unwrap();
            d["pk"] = json!(pk);
            let fields = d["fields"].as_object_mut().unwrap();
            fields.insert(
                "checksum".into(),
                json!(pd_store::media::sha256_bytes(&bytes)),
            );
            fields.insert("archive_checksum".into(), Value::Null);
            fields.insert("archive_filename".into(), Value::Null);
            if copy > 0 {
                fields.insert("archive_serial_number".into(), Value::Null);
            }
            fields.insert("filename".into(), json!(format!("{pk:07}.pdf")));
            let title = format!("{} #{copy}", fields["title"].as_str().unwrap());
            fields.insert("title".into(), json!(title));
            let record = d.as_object_mut().unwrap();
            record.remove("__exported_archive_name__");
            record.insert("__exported_file_name__".into(), json!(file));
            record.insert("__exported_thumbnail_name__".into(), json!(thumb));
            out.push(d);
        }
    }
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec(&out).unwrap()).unwrap();
    std::fs::copy(source.join("metadata.json"), dir.join("metadata.json")).unwrap();
}

/// Copies a folder tree.
fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// A new library whose data folder is a copy of `lib`'s.
fn clone(lib: &Library) -> Library {
    let copy = Library::uninitialised();
    copy_dir(&lib.data(), &copy.data());
    copy
}

/// Runs `pd args` on `lib`; kills it with SIGKILL after `delay` unless it ended.
/// Returns whether it was killed.
fn kill_after(lib: &Library, args: &[&str], delay: Duration) -> bool {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("pd"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .arg("--data-dir")
        .arg(lib.data())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let killed = child.try_wait().unwrap().is_none();
    if killed {
        child.kill().unwrap(); // SIGKILL on Unix
    }
    let status = child.wait().unwrap();
    assert!(killed || status.success(), "pd {args:?}: {status}");
    killed
}

/// How long `pd args` takes on `lib` (which it changes).
fn timed(lib: &Library, args: &[&str]) -> Duration {
    let start = Instant::now();
    lib.ok(args);
    start.elapsed()
}

/// Every file below `dir`, relative.
fn files(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                walk(root, &e.path(), out);
            } else {
                out.insert(s(e.path().strip_prefix(root).unwrap()));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// After a killed import or restore into an empty library: no document was written (or,
/// killed after the commit, all of them), and the sanity check finds no error — at most
/// files the killed run was placing, which its journal names for the next run to remove.
fn assert_empty_or_complete(lib: &Library, complete: &[Value]) -> bool {
    let docs = lib.documents();
    let (code, stdout, stderr) = lib.run(&["sanity", "--json"]);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    if docs.as_slice() == complete {
        assert_eq!(code, 0, "{stdout}");
        return true;
    }
    assert!(docs.is_empty(), "{} documents after a kill", docs.len());
    assert!(report["documents"].as_array().unwrap().is_empty());
    let journal: Value = std::fs::read(lib.data().join(".pd-import-placing.json"))
        .map(|b| serde_json::from_slice(&b).unwrap_or(json!({"files": []})))
        .unwrap_or(json!({"files": []}));
    let placing: BTreeSet<String> = journal["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    for issue in report["global"].as_array().unwrap() {
        assert_eq!(issue["kind"], "orphaned_file", "{issue}");
        let path = issue["path"].as_str().unwrap();
        let name = Path::new(path).file_name().unwrap().to_string_lossy();
        assert!(
            placing.contains(path) || name.starts_with(".pd-tmp-"),
            "{path} is neither being placed nor a temporary copy"
        );
    }
    false
}

#[test]
fn killed_exports_leave_the_previous_export_intact_and_complete_on_rerun() {
    let generated = Library::uninitialised();
    let source = generated.folder("generated");
    generated_export(&source);
    let lib = Library::new();
    lib.ok(&["import", &s(&source)]);
    let previous = lib.folder("previous");
    lib.ok(&["export", "-d", &s(&previous)]);
    let old_manifest = std::fs::read(previous.join("manifest.json")).unwrap();

    // The library changes: a third of the titles, so their files get new names.
    let docs = lib.documents();
    let ids: Vec<i64> = docs
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .step_by(3)
        .collect();
    lib.edit_documents(&ids, |d| d.title.push_str(" (revised)"));
    let before = lib.documents();
    let reference = lib.folder("reference");
    let full = timed(&lib, &["export", "-d", &s(&reference)]);
    let new_manifest = std::fs::read(reference.join("manifest.json")).unwrap();
    assert_ne!(old_manifest, new_manifest);

    let mut killer = Killer::new(0x5EED_0001, full);
    let mut trial = 0;
    while killer.wants(TRIALS) {
        trial += 1;
        let target = lib.root().join(format!("trial-{trial}"));
        copy_dir(&previous, &target);
        killer.run(&lib, &["export", "-d", &s(&target)]);

        // The previous export (or, killed at the very end, the new one) is complete.
        let manifest = std::fs::read(target.join("manifest.json")).unwrap();
        assert!(
            manifest == old_manifest || manifest == new_manifest,
            "trial {trial}"
        );
        let report = lib.json(&["verify", &s(&target)]);
        assert_eq!(report["documents"], DOCUMENTS, "trial {trial}");
        // The library is as it was.
        assert_eq!(lib.documents(), before, "trial {trial}");

        // Running it again completes the new export, stale files deleted.
        lib.ok(&["export", "-d", &s(&target)]);
        let report = lib.json(&["verify", &s(&target)]);
        assert!(report["interrupted_export"].as_array().unwrap().is_empty());
        assert_eq!(files(&reference), files(&target), "trial {trial}");
        assert_eq!(
            std::fs::read(target.join("manifest.json")).unwrap(),
            new_manifest
        );
        assert_eq!(
            std::fs::read(target.join("pd-checksums.json")).unwrap(),
            std::fs::read(reference.join("pd-checksums.json")).unwrap(),
            "trial {trial}"
        );
        std::fs::remove_dir_all(&target).unwrap();
    }
    lib.ok(&["sanity"]);
}

#[test]
fn killed_imports_leave_the_library_untouched_and_complete_on_rerun() {
    let generated = Library::uninitialised();
    let source = generated.folder("generated");
    generated_export(&source);
    let empty = Library::new();
    let reference = clone(&empty);
    let full = timed(&reference, &["import", &s(&source)]);
    let complete = reference.documents();
    assert_eq!(complete.len(), DOCUMENTS);

    let mut killer = Killer::new(0x5EED_0002, full);
    let mut interrupted = 0;
    let mut trial = 0;
    while killer.wants(TRIALS) {
        trial += 1;
        let lib = clone(&empty);
        killer.run(&lib, &["import", &s(&source)]);
        if assert_empty_or_complete(&lib, &complete) {
            continue;
        }
        interrupted += 1;
        // Running it again imports everything and removes what the killed run placed.
        lib.ok(&["import", &s(&source)]);
        assert_eq!(lib.documents(), complete, "trial {trial}");
        lib.ok(&["sanity"]);
        assert!(!lib.data().join(".pd-import-placing.json").exists());
    }
    assert!(interrupted > 0);
}

#[test]
fn killed_backups_and_restores_leave_everything_intact() {
    let generated = Library::uninitialised();
    let source = generated.folder("generated");
    generated_export(&source);
    let lib = Library::new();
    lib.ok(&["import", &s(&source)]);
    let complete = lib.documents();
    let folder = lib.folder("backups");
    let start = Instant::now();
    let archive = PathBuf::from(
        lib.json(&["backup", &s(&folder)])["archive"]
            .as_str()
            .unwrap(),
    );
    let full = start.elapsed();

    let mut killer = Killer::new(0x5EED_0003, full);
    let mut trial = 0;
    while killer.wants(ARCHIVE_TRIALS) {
        trial += 1;
        killer.run(&lib, &["backup", &s(&folder)]);
        // Only complete archives carry the name; each of them verifies.
        for name in files(&folder) {
            let path = folder.join(&name);
            if name.starts_with(".pd-backup-tmp-") {
                continue;
            }
            assert!(name.ends_with(".tar.gz"), "{name}");
            lib.ok(&["verify", &s(&path)]);
            if path != archive {
                std::fs::remove_file(&path).unwrap();
            }
        }
        assert_eq!(lib.documents(), complete, "trial {trial}");
        // Again: a complete backup, and the killed run's temporary file is gone.
        let again = lib.json(&["backup", &s(&folder)]);
        let path = PathBuf::from(again["archive"].as_str().unwrap());
        lib.ok(&["verify", &s(&path)]);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            files(&folder).len(),
            1,
            "trial {trial}: {:?}",
            files(&folder)
        );
    }
    lib.ok(&["sanity"]);

    let empty = Library::new();
    let reference = clone(&empty);
    let full = timed(&reference, &["restore", &s(&archive)]);
    assert_eq!(reference.documents(), complete);
    let mut killer = Killer::new(0x5EED_0004, full);
    let mut trial = 0;
    while killer.wants(ARCHIVE_TRIALS) {
        trial += 1;
        let target = clone(&empty);
        killer.run(&target, &["restore", &s(&archive)]);
        if assert_empty_or_complete(&target, &complete) {
            continue;
        }
        target.ok(&["restore", &s(&archive)]);
        assert_eq!(target.documents(), complete, "trial {trial}");
        target.ok(&["sanity"]);
        let leftovers: Vec<_> = std::fs::read_dir(target.data())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".pd-"))
            .collect();
        assert!(leftovers.is_empty(), "trial {trial}: {leftovers:?}");
    }
}
