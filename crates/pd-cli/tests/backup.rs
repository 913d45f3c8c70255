//! `pd backup` / `pd restore`: one `.tar.gz` that round-trips the library without loss,
//! and every hostile or broken archive refused with nothing written.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::Library;
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/paperless-3.0.5")
        .join(name);
    path.to_string_lossy().into_owned()
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A library holding the paperless-ngx fixture (30 documents, tags, notes, custom fields,
/// mail, and records of models pd only keeps).
fn fixture_library() -> Library {
    let lib = Library::new();
    lib.ok(&["import", &fixture("export-default")]);
    lib
}

/// One tar member, as the tests read and forge them.
#[derive(Clone)]
struct Member {
    name: String,
    kind: tar::EntryType,
    data: Vec<u8>,
    link: Option<String>,
}

impl Member {
    fn file(name: &str, data: Vec<u8>) -> Member {
        Member {
            name: name.into(),
            kind: tar::EntryType::Regular,
            data,
            link: None,
        }
    }
}

fn read_members(path: &Path) -> Vec<Member> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.push(Member {
            name: String::from_utf8(entry.path_bytes().into_owned()).unwrap(),
            kind: entry.header().entry_type(),
            data,
            link: None,
        });
    }
    out
}

/// Writes members verbatim: names and link targets go into the header as they are, so
/// `../` and absolute names reach the archive.
fn write_members(path: &Path, members: &[Member]) {
    let file = std::fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for m in members {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(m.kind);
        h.set_size(m.data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        let raw = m.name.as_bytes();
        if raw.len() < 100 {
            h.as_old_mut().name[..raw.len()].copy_from_slice(raw);
            if let Some(link) = &m.link {
                h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
            }
            h.set_cksum();
            builder.append(&h, &m.data[..]).unwrap();
        } else {
            builder.append_data(&mut h, &m.name, &m.data[..]).unwrap();
        }
    }
    builder.into_inner().unwrap().finish().unwrap();
}

/// Recomputes `pd-checksums.json` and the header's counts from the members, as an
/// attacker who knows the format would.
fn reseal(members: &mut [Member]) {
    let mut files = serde_json::Map::new();
    for m in members.iter() {
        if m.name != "pd-backup.json" && m.name != "pd-checksums.json" {
            files.insert(
                m.name.clone(),
                json!({"sha256": pd_store::media::sha256_bytes(&m.data), "size": m.data.len()}),
            );
        }
    }
    let sums =
        serde_json::to_vec_pretty(&json!({"format": "pd-checksums/1", "files": files})).unwrap();
    for m in members.iter_mut() {
        if m.name == "pd-checksums.json" {
            m.data = sums.clone();
        }
    }
    let count = members.len() - 1;
    let bytes: usize = members[1..].iter().map(|m| m.data.len()).sum();
    edit_header(members, |h| {
        h["files"] = json!(count);
        h["bytes"] = json!(bytes);
    });
}

fn edit_header(members: &mut [Member], edit: impl FnOnce(&mut Value)) {
    assert_eq!(members[0].name, "pd-backup.json");
    let mut header: Value = serde_json::from_slice(&members[0].data).unwrap();
    edit(&mut header);
    members[0].data = serde_json::to_vec_pretty(&header).unwrap();
}

/// Nothing of a refused restore is left: no document, no stored file, no staging folder.
fn assert_untouched(lib: &Library) {
    assert!(lib.documents().is_empty());
    let mut media_files = Vec::new();
    for dir in ["originals", "archive", "thumbnails"] {
        let dir = lib.media().join("documents").join(dir);
        if let Ok(entries) = std::fs::read_dir(&dir) {
            media_files.extend(entries.flatten().map(|e| e.path()));
        }
    }
    assert!(media_files.is_empty(), "{media_files:?}");
    let staging: Vec<_> = std::fs::read_dir(lib.data())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pd-"))
        .map(|e| e.path())
        .collect();
    assert!(staging.is_empty(), "{staging:?}");
}

#[test]
fn backup_restores_into_an_empty_library_without_loss() {
    let lib = fixture_library();
    let report = lib.json(&["backup"]);
    let archive = PathBuf::from(report["archive"].as_str().unwrap());
    assert_eq!(archive.parent().unwrap(), lib.data().join("backups"));
    let name = archive.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("pd-backup-") && name.ends_with("Z.tar.gz"),
        "{name}"
    );
    assert_eq!(report["header"]["documents"], 30);
    assert_eq!(
        report["header"]["migration"],
        pd_store::db::latest_version()
    );
    assert_eq!(report["header"]["pd_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["records"], 480);

    // One tar.gz: the header first, the documents in a tree a person can read (the
    // fixture's storage paths, else correspondent/title), the checksums last.
    let members = read_members(&archive);
    assert_eq!(members[0].name, "pd-backup.json");
    assert_eq!(members.last().unwrap().name, "pd-checksums.json");
    let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
    assert!(names.contains(&"manifest.json") && names.contains(&"metadata.json"));
    let originals: Vec<&&str> = names
        .iter()
        .filter(|n| n.starts_with("originals/"))
        .collect();
    assert_eq!(originals.len(), 30);
    assert!(
        originals.iter().all(|n| n.matches('/').count() >= 2),
        "{originals:?}"
    );
    assert!(names.contains(&"originals/Acme Insurance/Contract 2019-10 Acme 535.pdf"));
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("thumbnails/"))
            .count(),
        30
    );
    assert!(names.iter().any(|n| n.starts_with("archive/")));
    assert_eq!(
        members.len() - 1,
        report["header"]["files"].as_u64().unwrap() as usize
    );

    // pd verify reads a backup like an export.
    let verified = lib.json(&["verify", &s(&archive)]);
    assert_eq!(verified["kind"], "backup");
    assert_eq!(verified["files_checked"], 75);
    assert!(verified["extra"].as_array().unwrap().is_empty());

    // Restored into a new library, exported again: the same manifest byte for byte, the
    // same documents, and a clean sanity check.
    let second = Library::new();
    let restored = second.json(&["restore", &s(&archive)]);
    assert_eq!(restored["import"]["imported"]["documents"], 30);
    assert_eq!(restored["files_checked"], 77);
    second.ok(&["sanity"]);
    let (a, b) = (lib.folder("a"), second.folder("b"));
    lib.ok(&["export", &s(&a)]);
    second.ok(&["export", &s(&b)]);
    assert_eq!(
        std::fs::read(a.join("manifest.json")).unwrap(),
        std::fs::read(b.join("manifest.json")).unwrap()
    );
    assert_eq!(
        std::fs::read(a.join("pd-checksums.json")).unwrap(),
        std::fs::read(b.join("pd-checksums.json")).unwrap()
    );
    assert_eq!(lib.documents(), second.documents());

    // Unpacked, the backup is an export pd import (and paperless-ngx) reads.
    let unpacked = second.folder("unpacked");
    for m in &members {
        let path = unpacked.join(&m.name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &m.data).unwrap();
    }
    let third = Library::new();
    third.ok(&["import", &s(&unpacked)]);
    assert_eq!(third.documents(), lib.documents());

    // A library that holds data is refused, unless --merge, which skips what is there.
    let (code, _, err) = second.run(&["restore", &s(&archive)]);
    assert_eq!(code, 1);
    assert!(err.contains("not empty"), "{err}");
    let merged = second.json(&["restore", "--merge", &s(&archive)]);
    assert_eq!(merged["import"]["imported"]["documents"], 0);
    assert_eq!(
        merged["import"]["skipped_documents"]
            .as_array()
            .unwrap()
            .len(),
        30
    );
    assert_eq!(second.documents().len(), 30);
}

#[test]
fn backup_goes_where_it_is_told_and_never_overwrites() {
    let lib = Library::new();
    lib.ok(&["tags", "add", "Invoices"]);
    let folder = lib.folder("somewhere");
    let report = lib.json(&["backup", &s(&folder)]);
    let archive = PathBuf::from(report["archive"].as_str().unwrap());
    assert_eq!(archive.parent().unwrap(), folder);
    let named = folder.join("mine.tar.gz");
    lib.json(&["backup", &s(&named)]);
    assert!(named.is_file());
    let (code, _, err) = lib.run(&["backup", &s(&named)]);
    assert_eq!(code, 1);
    assert!(err.contains("refusing to overwrite"), "{err}");
    let (code, _, err) = lib.run(&["backup", &s(&lib.root().join("missing/x.tar.gz"))]);
    assert_eq!(code, 1);
    assert!(err.contains("does not exist"), "{err}");
    // Two backups and no temporary file left beside them.
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".tar.gz") && !n.starts_with('.'))
    );

    // An empty library's backup restores too: the tag comes back.
    let second = Library::new();
    second.ok(&["restore", &s(&named)]);
    assert!(second.ok(&["tags", "list"]).contains("Invoices"));
}

/// Every hostile or broken archive is refused with a message that says why, and the
/// library it was restored into stays exactly as it was.
#[test]
fn hostile_archives_are_refused_and_nothing_is_written() {
    let lib = fixture_library();
    let archive = PathBuf::from(lib.json(&["backup"])["archive"].as_str().unwrap());
    let good = read_members(&archive);
    let original = good
        .iter()
        .position(|m| m.name.starts_with("originals/"))
        .unwrap();
    let target = Library::new();
    let forge = |name: &str, members: &[Member]| -> PathBuf {
        let path = target.root().join(name);
        write_members(&path, members);
        path
    };

    let mut cases: Vec<(&str, PathBuf, &str)> = Vec::new();

    let mut m = good.clone();
    m.insert(2, Member::file("../escaped.pdf", b"%PDF".to_vec()));
    cases.push((
        "traversal",
        forge("traversal.tar.gz", &m),
        "contains \"..\"",
    ));

    let mut m = good.clone();
    m.insert(
        2,
        Member::file("originals/../../escaped.pdf", b"%PDF".to_vec()),
    );
    cases.push((
        "inner traversal",
        forge("inner.tar.gz", &m),
        "contains \"..\"",
    ));

    let mut m = good.clone();
    m.insert(2, Member::file("/tmp/pd-absolute.pdf", b"%PDF".to_vec()));
    cases.push(("absolute", forge("absolute.tar.gz", &m), "is absolute"));

    let mut m = good.clone();
    m.insert(
        2,
        Member {
            name: "originals/link.pdf".into(),
            kind: tar::EntryType::Symlink,
            data: vec![],
            link: Some("/etc/passwd".into()),
        },
    );
    cases.push(("symlink", forge("symlink.tar.gz", &m), "is a symlink"));

    let mut m = good.clone();
    m.insert(
        2,
        Member {
            name: "originals/hard.pdf".into(),
            kind: tar::EntryType::Link,
            data: vec![],
            link: Some("manifest.json".into()),
        },
    );
    cases.push(("hard link", forge("hardlink.tar.gz", &m), "is a hard link"));

    let mut m = good.clone();
    m.insert(
        2,
        Member {
            name: "originals/null".into(),
            kind: tar::EntryType::Char,
            data: vec![],
            link: None,
        },
    );
    cases.push(("device", forge("device.tar.gz", &m), "is a device"));

    let mut m = good.clone();
    m.insert(2, m[original].clone());
    cases.push(("duplicate", forge("duplicate.tar.gz", &m), "appears twice"));

    // A bomb: 64 MiB of zeros (a few KiB packed) where the header declares far less;
    // refused as soon as the declared size is passed.
    let mut m = good.clone();
    m[original].data = vec![0u8; 64 << 20];
    cases.push(("bomb", forge("bomb.tar.gz", &m), "more than"));

    // A header that declares more than any library holds.
    let mut m = good.clone();
    edit_header(&mut m, |h| h["bytes"] = json!(1u64 << 50));
    cases.push(("huge", forge("huge.tar.gz", &m), "more than the limit"));

    let mut m = good.clone();
    edit_header(&mut m, |h| h["migration"] = json!(999));
    let newer = format!(
        "only knows migrations up to {}",
        pd_store::db::latest_version()
    );
    cases.push(("newer schema", forge("newer.tar.gz", &m), &newer));

    let mut m = good.clone();
    m[0].data = b"{\"format\": ".to_vec();
    cases.push(("malformed header", forge("header.tar.gz", &m), "malformed"));

    let mut m = good.clone();
    m.remove(0);
    cases.push(("no header", forge("noheader.tar.gz", &m), "not a pd backup"));

    // A malformed manifest, resealed so that every checksum matches.
    let mut m = good.clone();
    let i = m.iter().position(|m| m.name == "manifest.json").unwrap();
    m[i].data = b"[{\"model\": \"documents.tag\", \"pk\": 1,".to_vec();
    reseal(&mut m);
    cases.push((
        "malformed manifest",
        forge("manifest.tar.gz", &m),
        "manifest.json",
    ));

    // A changed original: its checksum in pd-checksums.json no longer matches.
    let mut m = good.clone();
    m[original].data[0] ^= 0xff;
    cases.push((
        "wrong checksum",
        forge("corrupt.tar.gz", &m),
        "checksum mismatch",
    ));

    // The same, resealed: the manifest's checksum of the original still catches it.
    let mut m = good.clone();
    m[original].data[0] ^= 0xff;
    reseal(&mut m);
    cases.push((
        "resealed",
        forge("resealed.tar.gz", &m),
        "checksum mismatch",
    ));

    // A member that pd-checksums.json does not list.
    let mut m = good.clone();
    m.insert(2, Member::file("originals/smuggled.pdf", b"%PDF".to_vec()));
    edit_header(&mut m, |h| {
        h["files"] = json!(h["files"].as_u64().unwrap() + 1);
        h["bytes"] = json!(h["bytes"].as_u64().unwrap() + 4);
    });
    cases.push(("unlisted", forge("unlisted.tar.gz", &m), "not listed"));

    // Cut short.
    let bytes = std::fs::read(&archive).unwrap();
    let cut = target.root().join("truncated.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    cases.push((
        "truncated",
        cut,
        "not a readable .tar.gz|truncated|incomplete",
    ));

    let plain = target.root().join("plain.tar");
    std::fs::write(&plain, b"not gzip at all").unwrap();
    cases.push(("not gzip", plain, "not gzip-compressed"));

    for (what, path, message) in &cases {
        let (code, stdout, stderr) = target.run(&["restore", &s(path)]);
        assert_eq!(code, 1, "{what}: {stdout}{stderr}");
        assert!(
            message.split('|').any(|m| stderr.contains(m)),
            "{what}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
        assert_untouched(&target);
    }
    assert!(!Path::new("/tmp/pd-absolute.pdf").exists());
    assert!(!target.root().join("escaped.pdf").exists());

    // pd verify names the corrupt member of a backup.
    let corrupt = &cases.iter().find(|c| c.0 == "wrong checksum").unwrap().1;
    let report = target.expect_json(1, &["verify", &s(corrupt)], &[]);
    assert_eq!(
        report["corrupt"][0]["path"].as_str(),
        Some(good[original].name.as_str())
    );
}
