//! The harness the `pd` integration tests share: a [`Library`] is a temporary directory
//! whose `data` folder the real `pd` binary works on (`pd --data-dir <tmp>/data …`, run
//! through assert_cmd with a cleared environment), with helpers that run commands, check
//! their exit codes, parse their `--json` output and find the files a library keeps.
//!
//! Each test file includes it with `mod common;` and `use common::Library;`. Helpers only
//! one file needs stay in that file, as functions or in an `impl Library` block there.

// Every file in `tests/` is a crate of its own and uses only some of these helpers; the
// rest would be reported as dead code in each of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// A `pd` library in a temporary directory, removed when dropped.
pub struct Library {
    dir: tempfile::TempDir,
}

impl Library {
    /// A new, empty library: `pd init` has run.
    pub fn new() -> Library {
        let lib = Library::uninitialised();
        lib.ok(&["init"]);
        lib
    }

    /// A new temporary directory with no library in it yet.
    pub fn uninitialised() -> Library {
        Library {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The temporary directory, which holds `data` and any folders the test makes.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A folder `name` in the temporary directory (beside `data`), created if missing.
    pub fn folder(&self, name: &str) -> PathBuf {
        let folder = self.root().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        folder
    }

    /// The folder `inbox` in the temporary directory, created if missing.
    pub fn inbox(&self) -> PathBuf {
        self.folder("inbox")
    }

    /// The library's data folder, the one `--data-dir` names.
    pub fn data(&self) -> PathBuf {
        self.root().join("data")
    }

    pub fn media(&self) -> PathBuf {
        self.data().join("media")
    }

    /// Where the stored originals are.
    pub fn originals(&self) -> PathBuf {
        self.media().join("documents/originals")
    }

    /// The stored original with this file name (relative to the originals folder).
    pub fn original(&self, name: &str) -> PathBuf {
        self.originals().join(name)
    }

    /// Document `id`'s thumbnail.
    pub fn thumbnail(&self, id: i64) -> PathBuf {
        self.media()
            .join(format!("documents/thumbnails/{id:07}.webp"))
    }

    /// `pd --data-dir <data> <args>` with a cleared environment but for `PATH` (and
    /// `PD_PDFIUM_PATH`, where set, so that PDFs can be read).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("pd").unwrap();
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .arg("--data-dir")
            .arg(self.data())
            .args(args);
        if let Ok(path) = std::env::var("PD_PDFIUM_PATH") {
            cmd.env("PD_PDFIUM_PATH", path);
        }
        cmd
    }

    /// Runs `pd args`: (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_env(args, &[])
    }

    /// Runs `pd args` with these environment variables set as well.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let output = self
            .command(args)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs `pd args`, which must exit with `code`; returns stdout.
    pub fn expect(&self, code: i32, args: &[&str]) -> String {
        self.expect_env(code, args, &[])
    }

    /// Runs `pd args` with these environment variables, which must exit with `code`;
    /// returns stdout.
    pub fn expect_env(&self, code: i32, args: &[&str], env: &[(&str, &str)]) -> String {
        let (got, stdout, stderr) = self.run_env(args, env);
        assert_eq!(got, code, "pd {args:?}:\n{stdout}\n{stderr}");
        stdout
    }

    /// Runs `pd args`, which must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.expect(0, args)
    }

    /// Runs `pd args --json`, which must succeed; returns the parsed output.
    pub fn json(&self, args: &[&str]) -> Value {
        self.expect_json(0, args, &[])
    }

    /// Runs `pd args --json` with these environment variables, which must exit with
    /// `code`; returns the parsed output.
    pub fn expect_json(&self, code: i32, args: &[&str], env: &[(&str, &str)]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let stdout = self.expect_env(code, &all, env);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("pd {args:?}: {e}\n{stdout}"))
    }

    /// Adds an object with a match rule: `kind` is `tags`, `correspondents`, `types` or
    /// `storage-paths`; `extra` are more flags. Returns its id.
    pub fn add(
        &self,
        kind: &str,
        name: &str,
        algorithm: &str,
        pattern: &str,
        extra: &[&str],
    ) -> i64 {
        let mut args = vec![
            kind,
            "add",
            name,
            "--algorithm",
            algorithm,
            "--match",
            pattern,
        ];
        args.extend_from_slice(extra);
        self.json(&args)["id"].as_i64().unwrap()
    }

    /// Every document, the trash included (`pd documents list --all`).
    pub fn documents(&self) -> Vec<Value> {
        self.json(&["documents", "list", "--all"])
            .as_array()
            .unwrap()
            .clone()
    }

    /// The files below the originals folder, relative to it, sorted.
    pub fn stored_files(&self) -> Vec<String> {
        let mut files = Vec::new();
        collect(&self.originals(), &self.originals(), &mut files);
        files.sort();
        files
    }

    /// Changes these documents straight in the database, as a user editing them in a UI
    /// would.
    pub fn edit_documents(&self, ids: &[i64], mut edit: impl FnMut(&mut pd_core::Document)) {
        let config = pd_core::Config::for_data_dir(self.data());
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let store = pd_store::Store::open(&config).await.unwrap();
            let mut conn = store.db().conn().await.unwrap();
            for id in ids {
                let mut doc = conn.document(*id).await.unwrap();
                edit(&mut doc);
                conn.update_document(&doc).await.unwrap();
            }
        });
    }
}

/// The ids of the documents a `pd consume --json` report says were consumed.
pub fn consumed_ids(report: &Value) -> Vec<i64> {
    report["consumed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["document"]["id"].as_i64().unwrap())
        .collect()
}

/// Adds the paths of the files below `dir`, relative to `root`, to `out`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}
