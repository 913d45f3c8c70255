//! `pd rename` through the real binary, and the crash test: pd is stopped at every step
//! of a rename (through `PD_RENAME_ABORT_AFTER_STEP`, which makes it abort right after
//! that step, as a kill would), then run again; every document's file must be where the
//! database says, with its checksum, and no file may be lost or left over.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const FORMAT: (&str, &str) = ("PD_FILENAME_FORMAT", "{{ title }}/{{ created_year }}");

struct Library {
    _dir: tempfile::TempDir,
    data: PathBuf,
}

impl Library {
    fn new() -> Library {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let lib = Library { _dir: dir, data };
        lib.expect(0, &["init"], &[]);
        lib
    }

    /// A copy of this library's data folder (database and media) in a new directory.
    fn copy(&self) -> Library {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        copy_dir(&self.data, &data);
        Library { _dir: dir, data }
    }

    fn originals(&self) -> PathBuf {
        self.data.join("media/documents/originals")
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = Command::cargo_bin("pd").unwrap();
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .envs(env.iter().copied());
        let output = cmd.output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn expect(&self, code: i32, args: &[&str], env: &[(&str, &str)]) -> String {
        let (got, stdout, stderr) = self.run(args, env);
        assert_eq!(got, code, "pd {args:?}:\n{stdout}\n{stderr}");
        stdout
    }

    fn json(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let stdout = self.expect(0, &all, env);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("pd {args:?}: {e}\n{stdout}"))
    }

    /// Document id -> stored file name, trash included.
    fn names(&self) -> BTreeMap<i64, String> {
        self.json(&["documents", "list", "--all"], &[])
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["id"].as_i64().unwrap(),
                    d["filename"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect(&self.originals(), &self.originals(), &mut out);
        out.sort();
        out
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            out.push(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
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
    let inbox = lib._dir.path().join("inbox");
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
    lib.expect(0, &["consume", inbox.to_str().unwrap()], &[]);
    for id in 1..=n {
        let thumb = lib.data.join(format!("media/documents/thumbnails/{id:07}.webp"));
        std::fs::write(thumb, b"RIFF....WEBP").unwrap();
    }
    lib
}

#[test]
fn rename_follows_the_format_after_a_dry_run() {
    let lib = library(3);
    let before = lib.names();
    let dry = lib.json(&["rename", "--dry-run"], &[FORMAT]);
    assert_eq!(dry["moves"].as_array().unwrap().len(), 3);
    assert_eq!(lib.names(), before);
    let text = lib.expect(0, &["rename"], &[FORMAT]);
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
    assert_eq!(lib.files(), got);
    lib.expect(0, &["sanity"], &[]);
    let again = lib.json(&["rename"], &[FORMAT]);
    assert!(again["moves"].as_array().unwrap().is_empty());
}

#[test]
fn killed_at_any_step_the_next_run_repairs_everything() {
    let template = library(12);
    let checksums: BTreeMap<i64, String> = template
        .json(&["documents", "list", "--all"], &[])
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_i64().unwrap(),
                d["checksum"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // The uninterrupted result, and how many steps it takes: a journal write, a link and
    // a removal per file, and a commit, per document.
    let reference = template.copy();
    let moves = reference.json(&["rename"], &[FORMAT])["moves"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(moves, 12);
    let expected = reference.names();
    let steps = moves as u64 * 4;

    let mut trials = 0;
    let mut crashes: Vec<(u64, Option<u64>)> = (1..=steps).map(|k| (k, None)).collect();
    // Also killed again while repairing.
    crashes.extend((1..=steps).step_by(4).map(|k| (k, Some(1 + k % 3))));
    for (k, second) in crashes {
        let lib = template.copy();
        let abort = k.to_string();
        let (code, stdout, stderr) = lib.run(
            &["rename"],
            &[FORMAT, ("PD_RENAME_ABORT_AFTER_STEP", &abort)],
        );
        assert_ne!(code, 0, "step {k} of {steps} did not stop pd:\n{stdout}\n{stderr}");
        if let Some(j) = second {
            let again = j.to_string();
            let (code, _, _) = lib.run(
                &["rename"],
                &[FORMAT, ("PD_RENAME_ABORT_AFTER_STEP", &again)],
            );
            assert_ne!(code, 0, "the repair run did not stop at step {j} (after {k})");
        }
        lib.expect(0, &["rename"], &[FORMAT]);
        // Every document's file is where the database says, with its content.
        let names = lib.names();
        assert_eq!(names, expected, "after a stop at step {k} then {second:?}");
        for (id, name) in &names {
            let path = lib.originals().join(name);
            assert_eq!(
                pd_store::media::sha256_file(&path).unwrap(),
                checksums[id],
                "document {id} after a stop at step {k}"
            );
        }
        // No file lost, none left over, no journal entry left.
        let mut stored: Vec<String> = names.into_values().collect();
        stored.sort();
        assert_eq!(lib.files(), stored, "after a stop at step {k}");
        lib.expect(0, &["sanity"], &[]);
        trials += 1;
    }
    assert!(trials >= 50, "{trials} trials");
    // One more than the last step: pd runs to the end.
    let lib = template.copy();
    let beyond = (steps + 1).to_string();
    lib.expect(0, &["rename"], &[FORMAT, ("PD_RENAME_ABORT_AFTER_STEP", &beyond)]);
    assert_eq!(lib.names(), expected);
}
