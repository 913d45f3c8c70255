//! `pd rename` through the real binary, and the crash test: pd is stopped at every step
//! of a rename (through `PD_RENAME_ABORT_AFTER_STEP`, which makes it abort right after
//! that step, as a kill would), then run again; every document's file must be where the
//! database says, with its checksum, and no file may be lost or left over.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::Library;

const FORMAT: (&str, &str) = ("PD_FILENAME_FORMAT", "{{ title }}/{{ created_year }}");

impl Library {
    /// A copy of this library's data folder (database and media) in a new directory.
    fn copy(&self) -> Library {
        let copy = Library::uninitialised();
        copy_dir(&self.data(), &copy.data());
        copy
    }

    /// Document id -> SHA-256 of its original.
    fn checksums(&self) -> BTreeMap<i64, String> {
        self.documents()
            .iter()
            .map(|d| {
                (
                    d["id"].as_i64().unwrap(),
                    d["checksum"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Every document's file is where the database says, with its checksum, and no
    /// other file is stored; `pd sanity` agrees.
    fn assert_intact(
        &self,
        names: BTreeMap<i64, String>,
        checksums: &BTreeMap<i64, String>,
        k: u64,
    ) {
        for (id, name) in &names {
            assert_eq!(
                pd_store::media::sha256_file(&self.originals().join(name)).unwrap(),
                checksums[id],
                "document {id} after a stop at step {k}"
            );
        }
        let mut stored: Vec<String> = names.into_values().collect();
        stored.sort();
        assert_eq!(self.stored_files(), stored, "after a stop at step {k}");
        self.ok(&["sanity"]);
    }

    /// Document id -> stored file name, trash included.
    fn names(&self) -> BTreeMap<i64, String> {
        self.documents()
            .iter()
            .map(|d| {
                (
                    d["id"].as_i64().unwrap(),
                    d["filename"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A library of `n` text documents, two of them with the same title, and thumbnails.
fn library(n: usize) -> Library {
    let lib = Library::new();
    let inbox = lib.inbox();
    for i in 0..n {
        let name = if i < 2 {
            format!("{i}/same title.txt")
        } else {
            format!("doc {i:02}.txt")
        };
        let path = inbox.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("document number {i}\n")).unwrap();
    }
    lib.ok(&["consume", inbox.to_str().unwrap()]);
    for id in 1..=n as i64 {
        std::fs::write(lib.thumbnail(id), b"RIFF....WEBP").unwrap();
    }
    lib
}

#[test]
fn rename_follows_the_format_after_a_dry_run() {
    let lib = library(3);
    let before = lib.names();
    let dry = lib.expect_json(0, &["rename", "--dry-run"], &[FORMAT]);
    assert_eq!(dry["moves"].as_array().unwrap().len(), 3);
    assert_eq!(lib.names(), before);
    let text = lib.expect_env(0, &["rename"], &[FORMAT]);
    assert!(text.contains("moved 3 file(s), 0 failed"), "{text}");
    assert!(text.contains("same title/2"), "{text}");
    let names: Vec<String> = lib.names().into_values().collect();
    let year = time::OffsetDateTime::now_utc().year();
    // The second "same title" gets a suffix; the collision is in the report.
    assert!(text.contains("is document #"), "{text}");
    let mut expected = vec![
        format!("same title/{year}.txt"),
        format!("same title/{year}_01.txt"),
        format!("doc 02/{year}.txt"),
    ];
    let mut got = names.clone();
    got.sort();
    expected.sort();
    // Creation dates come from the files' modification times: this year.
    assert_eq!(got, expected);
    assert_eq!(lib.stored_files(), got);
    lib.ok(&["sanity"]);
    let again = lib.expect_json(0, &["rename"], &[FORMAT]);
    assert!(again["moves"].as_array().unwrap().is_empty());
}

#[test]
fn killed_at_any_step_the_next_run_repairs_everything() {
    let template = library(24);
    let checksums = template.checksums();
    // The uninterrupted result, and how many steps it takes: one batch, so a journal
    // write, a link and a removal per file, and a commit.
    let reference = template.copy();
    let moves = reference.expect_json(0, &["rename"], &[FORMAT])["moves"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(moves, 24);
    let expected = reference.names();
    let steps = 2 + moves as u64 * 2;

    let mut trials = 0;
    let mut crashes: Vec<(u64, Option<u64>)> = (1..=steps).map(|k| (k, None)).collect();
    // Also killed again while repairing.
    crashes.extend((1..=steps).step_by(4).map(|k| (k, Some(1 + k % 3))));
    for (k, second) in crashes {
        let lib = template.copy();
        let abort = k.to_string();
        let (code, stdout, stderr) = lib.run_env(
            &["rename"],
            &[FORMAT, ("PD_RENAME_ABORT_AFTER_STEP", &abort)],
        );
        assert_ne!(
            code, 0,
            "step {k} of {steps} did not stop pd:\n{stdout}\n{stderr}"
        );
        if let Some(j) = second {
            let again = j.to_string();
            let (code, _, _) = lib.run_env(
                &["rename"],
                &[FORMAT, ("PD_RENAME_ABORT_AFTER_STEP", &again)],
            );
            assert_ne!(
                code, 0,
                "the repair run did not stop at step {j} (after {k})"
            );
        }
        lib.expect_env(0, &["rename"], &[FORMAT]);
        // Every document's file is where the database says, with its content.
        let names = lib.names();
        assert_eq!(names, expected, "after a stop at step {k} then {second:?}");
        // No file lost, none left over, no journal entry left.
        lib.assert_intact(names, &checksums, k);
        trials += 1;
    }
    assert!(trials >= 50, "{trials} trials");
    // One more than the last step: pd runs to the end.
    let lib = template.copy();
    let beyond = (steps + 1).to_string();
    lib.expect_env(
        0,
        &["rename"],
        &[FORMAT, ("PD_RENAME_ABORT_AFTER_STEP", &beyond)],
    );
    assert_eq!(lib.names(), expected);
}

#[test]
fn killed_while_a_name_changes_hands_the_next_run_repairs_everything() {
    // Document 1 leaves "same title/<year>.txt" and another document takes that name in
    // the same run: a stop between the two moves must not confuse the replay.
    let template = library(3);
    template.expect_env(0, &["rename"], &[FORMAT]);
    template.edit_documents(&[1], |d| d.title = "elsewhere".into());
    template.edit_documents(&[3], |d| d.title = "same title".into());
    let checksums = template.checksums();
    let reference = template.copy();
    reference.expect_env(0, &["rename"], &[FORMAT]);
    let expected = reference.names();
    let before = template.names();
    assert!(
        expected.values().any(|name| before[&1] == *name),
        "no name changes hands: {before:?} -> {expected:?}"
    );

    let mut stopped = 0;
    for k in 1u64.. {
        let lib = template.copy();
        let abort = k.to_string();
        let (code, _, _) = lib.run_env(
            &["rename"],
            &[FORMAT, ("PD_RENAME_ABORT_AFTER_STEP", &abort)],
        );
        if code == 0 {
            break;
        }
        stopped += 1;
        lib.expect_env(0, &["rename"], &[FORMAT]);
        let names = lib.names();
        assert_eq!(names, expected, "after a stop at step {k}");
        lib.assert_intact(names, &checksums, k);
    }
    assert!(stopped >= 8, "only {stopped} steps");
}
