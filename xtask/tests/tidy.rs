//! Conventions checked mechanically, so they hold without anyone remembering them.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn crates() -> Vec<PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    dirs.sort();
    dirs
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_eight_crates_exist_with_a_front_page() {
    let names: Vec<String> = crates()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "pd-cli",
            "pd-core",
            "pd-export",
            "pd-index",
            "pd-mail",
            "pd-match",
            "pd-pipeline",
            "pd-store"
        ]
    );
    for dir in crates() {
        let front = if dir.ends_with("pd-cli") {
            "src/main.rs"
        } else {
            "src/lib.rs"
        };
        let text = std::fs::read_to_string(dir.join(front)).unwrap();
        assert!(
            text.starts_with("//! "),
            "{} must open with a module doc that teaches the crate",
            dir.join(front).display()
        );
    }
}

#[test]
fn no_unfinished_code_in_libraries() {
    let mut files = Vec::new();
    for dir in crates() {
        rust_files(&dir.join("src"), &mut files);
    }
    let banned = [
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
        concat!("dbg", "!("),
    ];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in banned {
            assert!(!text.contains(word), "{} contains {word}", file.display());
        }
    }
}

#[test]
fn architecture_names_every_crate_and_the_readme_the_commands() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    for dir in crates() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            architecture.contains(&format!("`{name}`")),
            "ARCHITECTURE.md misses {name}"
        );
    }
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("cargo xtask quickstart"));
    assert!(readme.contains("cargo xtask test"));
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.contains("cargo xtask test"),
        ".ci/run must run the README's test command"
    );
}
