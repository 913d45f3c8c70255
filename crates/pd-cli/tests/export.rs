//! `pd export`: paperless-ngx 3's format, round trips through `pd import`, and truly
//! incremental re-runs.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use common::Library;
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/paperless-3.0.5")
        .join(name);
    path.to_string_lossy().into_owned()
}

/// A library holding the fixture.
fn fixture_library() -> Library {
    let lib = Library::new();
    lib.ok(&["import", &fixture("export-default")]);
    lib
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Every file below `dir` with its modification time and bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, (SystemTime, Vec<u8>)> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (SystemTime, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let m = std::fs::metadata(&p).unwrap().modified().unwrap();
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, (m, std::fs::read(&p).unwrap()));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

fn records(path: &Path) -> Vec<Value> {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn export_matches_paperless_and_round_trips_without_loss() {
    let lib = fixture_library();
    let export = lib.folder("export");
    let report = lib.json(&["export", &s(&export)]);
    assert_eq!(report["documents"], 30);
    assert_eq!(report["records"], 480);
    assert_eq!(lib.json(&["verify", &s(&export)])["files_checked"], 75);
    lib.ok(&["verify", &s(&export)]);

    // Field by field against what paperless-ngx itself wrote. pd keeps neither a user's
    // groups nor the order of a document's tags (it sorts them).
    let theirs = records(&PathBuf::from(fixture("export-default/manifest.json")));
    let ours = records(&export.join("manifest.json"));
    assert_eq!(theirs.len(), ours.len());
    for (t, o) in theirs.iter().zip(&ours) {
        assert_eq!(
            (&t["model"], &t["pk"]),
            (&o["model"], &o["pk"]),
            "manifest order"
        );
        for (name, value) in t["fields"].as_object().unwrap() {
            let mine = &o["fields"][name];
            match (t["model"].as_str().unwrap(), name.as_str()) {
                ("auth.user", "groups") => {}
                ("documents.document", "tags") => {
                    let mut a: Vec<i64> = serde_json::from_value(value.clone()).unwrap();
                    a.sort();
                    assert_eq!(serde_json::to_value(a).unwrap(), *mine);
                }
                _ => assert_eq!(value, mine, "{} pk={} {name}", t["model"], t["pk"]),
            }
        }
        assert_eq!(
            t["fields"].as_object().unwrap().len(),
            o["fields"].as_object().unwrap().len()
        );
        for key in [
            "__exported_file_name__",
            "__exported_thumbnail_name__",
            "__exported_archive_name__",
        ] {
            assert_eq!(t.get(key), o.get(key), "{key}");
        }
    }
    assert_eq!(
        std::fs::read(fixture("export-default/metadata.json")).unwrap(),
        std::fs::read(export.join("metadata.json")).unwrap()
    );

    // pd import of the export into a fresh library, exported again: byte for byte the same
    // manifest, so nothing (kept paperless-ngx records included) was lost.
    let second = Library::new();
    second.ok(&["import", &s(&export)]);
    let again = second.folder("again");
    second.ok(&["export", &s(&again)]);
    assert_eq!(
        std::fs::read(export.join("manifest.json")).unwrap(),
        std::fs::read(again.join("manifest.json")).unwrap()
    );
    assert_eq!(
        snapshot(&export).keys().collect::<Vec<_>>(),
        snapshot(&again).keys().collect::<Vec<_>>()
    );
}

#[test]
fn re_export_writes_nothing_and_a_change_rewrites_only_its_files() {
    let lib = fixture_library();
    let export = lib.folder("export");
    lib.ok(&["export", &s(&export)]);
    let before = snapshot(&export);
    let report = lib.json(&["export", &s(&export)]);
    assert_eq!(report["files_written"], 0);
    assert_eq!(snapshot(&export), before, "bytes and mtimes unchanged");

    lib.edit_documents(&[2], |d| d.title = "Renamed receipt".into());
    let report = lib.json(&["export", &s(&export), "-d"]);
    let after = snapshot(&export);
    assert_eq!(report["files_written"], 4);
    let mut written = Vec::new();
    for (name, (mtime, bytes)) in &after {
        if before.get(name).map(|(m, b)| (m, b)) != Some((mtime, bytes)) {
            written.push(name.clone());
        }
    }
    written.sort();
    assert_eq!(
        written,
        [
            "2021-11-11 Dr. Emily Carter Dental Practice Renamed receipt-thumbnail.webp",
            "2021-11-11 Dr. Emily Carter Dental Practice Renamed receipt.pdf",
            "manifest.json",
            "pd-checksums.json",
        ]
    );
    let deleted: Vec<String> = serde_json::from_value(report["files_deleted"].clone()).unwrap();
    assert_eq!(deleted.len(), 2, "{deleted:?}");
    assert!(
        deleted
            .iter()
            .all(|d| d.contains("Receipt 2021-11 Dr. 856")),
        "{deleted:?}"
    );
    lib.ok(&["verify", &s(&export)]);
}

#[test]
fn every_form_round_trips() {
    let lib = fixture_library();
    for (flags, files) in [
        (vec!["--split-manifest"], 30 + 75 + 3),
        (vec!["-p"], 75 + 3),
        (vec!["-p", "--split-manifest"], 30 + 75 + 3),
        (vec!["--no-archive", "--no-thumbnail"], 30 + 3),
        (vec!["--data-only"], 3),
        (vec!["-f"], 75 + 3),
    ] {
        let export = lib.folder(&format!("export{}", flags.join("")));
        let mut args = vec!["export", "--passphrase", "pw"];
        args.extend(&flags);
        let target = s(&export);
        args.push(&target);
        let report = lib.json(&args);
        assert_eq!(report["files_written"], files, "{flags:?}");
        let manifest = std::fs::read_to_string(export.join("manifest.json")).unwrap();
        assert!(!manifest.contains("s3cret-mail-password"), "{flags:?}");
        if flags.contains(&"--data-only") {
            assert_eq!(std::fs::read_dir(&export).unwrap().count(), 3);
            continue;
        }
        lib.ok(&["verify", &target]);
        let fresh = Library::new();
        let report = fresh.json(&["import", "--passphrase", "pw", &target]);
        assert_eq!(report["imported"]["documents"], 30, "{flags:?}");
        let (code, _, stderr) = fresh.run(&["import", "--merge", &target]);
        assert_eq!(code, 1, "no passphrase must fail: {stderr}");
        // A passphrase re-export reuses salt and tokens: nothing is written.
        let report = lib.json(&args);
        assert_eq!(report["files_written"], 0, "{flags:?}");
    }
}

#[test]
fn zip_export_imports_and_delete_cleans_the_target() {
    let lib = fixture_library();
    let target = lib.folder("zips");
    std::fs::write(target.join("old.txt"), "x").unwrap();
    let report = lib.json(&["export", "-z", "--zip-name", "backup.v1", "-d", &s(&target)]);
    let zip = target.join("backup.zip");
    assert_eq!(report["zip"], s(&zip));
    let names: Vec<_> = std::fs::read_dir(&target)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, ["backup.zip"]);
    lib.ok(&["verify", &s(&zip)]);
    let fresh = Library::new();
    assert_eq!(
        fresh.json(&["import", &s(&zip)])["imported"]["documents"],
        30
    );
    let (code, _, stderr) = lib.run(&["export", "-z", "-c", &s(&target)]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no effect"), "{stderr}");
}

#[test]
fn delete_removes_stale_files_only() {
    let lib = fixture_library();
    let export = lib.folder("export");
    std::fs::create_dir_all(export.join("stale/deeper")).unwrap();
    std::fs::write(export.join("stale/deeper/old.pdf"), "x").unwrap();
    lib.ok(&["export", &s(&export)]);
    assert!(
        export.join("stale/deeper/old.pdf").exists(),
        "kept without -d"
    );
    let report = lib.json(&["export", "-d", &s(&export)]);
    assert_eq!(
        report["files_deleted"],
        serde_json::json!(["stale/deeper/old.pdf"])
    );
    assert!(!export.join("stale").exists());
    assert_eq!(report["files_written"], 0);
    lib.ok(&["verify", &s(&export)]);
}
