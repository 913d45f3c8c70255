//! Legacy paperless installations: `pd import --from-instance` reads them in place
//! (SQLite and PostgreSQL, the table layouts of paperless-ng 1.x and paperless-ngx 3.x)
//! without changing them, `pd decrypt` turns their GnuPG-stored documents (encrypted by
//! the real `gpg` with several ciphers, armored and binary) into plain files, and
//! `pd sanity` then finds nothing. Killing `pd decrypt` anywhere never loses a document.

mod common;
#[path = "legacy/instance.rs"]
mod instance;

use std::path::Path;
use std::time::Duration;

use common::Library;
use instance::{Backend, Instance, Layout, LegacyDoc, PASSPHRASE, Stored};
use pd_core::StorageType;
use pd_export::legacy::checksum::hash_bytes;
use serde_json::Value;

const PASS_ENV: (&str, &str) = ("PD_PASSPHRASE", PASSPHRASE);

fn gpg(cipher: &'static str, armor: bool) -> Stored {
    Stored::Gpg { cipher, armor }
}

/// A paperless-ng 1.x library: four GnuPG documents (four ciphers, armored and binary,
/// default and stored names, a sub-folder) and one plain document with an archive.
fn ng1_docs() -> Vec<LegacyDoc> {
    let mut a = LegacyDoc::new(1, "Invoice ACME", "application/pdf", gpg("AES256", false));
    a.filename = Some("0000001.pdf");
    a.tags = vec![1, 2];
    a.correspondent = Some(1);
    let b = LegacyDoc::new(2, "Letter", "application/pdf", gpg("CAST5", true));
    let mut c = LegacyDoc::new(3, "Notes", "text/plain", gpg("TWOFISH", false));
    c.filename = Some("2019/notes.txt");
    c.plain = b"plain text notes \xe2\x9c\x93\n".to_vec();
    let mut d = LegacyDoc::new(4, "Receipt", "image/jpeg", gpg("AES128", true));
    d.filename = Some("0000004.jpg");
    d.plain = vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0, 0, 0xff, 0xd9];
    let mut e = LegacyDoc::new(5, "Plain scan", "application/pdf", Stored::Plain);
    e.filename = Some("0000005.pdf");
    e.archive = Some(b"%PDF-1.7 archive of 5".to_vec());
    e.tags = vec![2];
    vec![a, b, c, d, e]
}

fn import(lib: &Library, inst: &Instance) -> Value {
    lib.expect_json(
        0,
        &[
            "import",
            "--from-instance",
            "--database",
            &inst.database,
            "--media",
            inst.media.to_str().unwrap(),
        ],
        &[],
    )
}

fn sanity(lib: &Library) -> Value {
    lib.expect_json(0, &["sanity"], &[])
}

fn doc(lib: &Library, id: i64) -> pd_core::Document {
    let config = pd_core::Config::for_data_dir(lib.data());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = pd_store::Store::open(&config).await.unwrap();
        store.db().conn().await.unwrap().document(id).await.unwrap()
    })
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Imports, decrypts and checks a paperless-ng 1.x installation.
fn ng1_round_trip(backend: Backend) {
    let inst = Instance::build(Layout::Ng1, backend, ng1_docs());
    let before = inst.snapshot();
    let lib = Library::new();
    let report = import(&lib, &inst);
    assert_eq!(report["kind"], "instance");
    assert_eq!(report["imported"]["documents"], 5);
    assert_eq!(report["imported"]["tags"], 2);
    assert_eq!(report["imported"]["correspondents"], 1);
    assert_eq!(report["imported"]["document_types"], 1);
    assert_eq!(report["imported"]["users"], 1);
    // The plain original and its archive were checked against their MD5s.
    assert_eq!(report["files_verified"], 2);
    assert_eq!(
        inst.snapshot(),
        before,
        "the import changed the installation"
    );

    for d in &inst.docs {
        let stored = doc(&lib, d.id);
        let plain = hash_bytes(&d.plain);
        if d.is_gpg() {
            assert_eq!(stored.storage_type, StorageType::Gpg);
            assert_eq!(stored.checksum, plain.md5, "a GnuPG row keeps its MD5");
            assert_eq!(stored.source_filename(), d.stored_name());
            assert!(lib.original(&d.stored_name()).is_file());
            assert!(lib.thumbnail(d.id).with_extension("webp.gpg").is_file());
        } else {
            assert_eq!(stored.storage_type, StorageType::Unencrypted);
            assert_eq!(stored.checksum, plain.sha256, "plain rows get SHA-256");
            assert_eq!(
                stored.archive_checksum.as_deref(),
                Some(hash_bytes(d.archive.as_ref().unwrap()).sha256.as_str())
            );
            assert_eq!(stored.archive_filename.as_deref(), Some("0000005.pdf"));
        }
    }
    let first = doc(&lib, 1);
    assert_eq!(first.tags, vec![1, 2]);
    assert_eq!(first.correspondent, Some(1));
    assert_eq!(first.created.to_string(), "2019-05-06");
    let tags = lib.json(&["tags", "list"]);
    let bills = tags
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "bills")
        .unwrap();
    assert_eq!(bills["color"], "#e31a1c", "paperless colour 6");

    // A legacy library is not broken: GnuPG documents are only noted.
    let report = sanity(&lib);
    assert_eq!(report["summary"]["total_issues"], 0, "{report:#}");

    let dry = lib.expect_json(0, &["decrypt", "--dry-run"], &[]);
    assert_eq!(dry["decrypted"].as_array().unwrap().len(), 4);
    assert_eq!(dry["decrypted"][1]["from"], "0000002.pdf.gpg");
    assert_eq!(dry["decrypted"][1]["to"], "0000002.pdf");
    assert!(
        lib.original("0000002.pdf.gpg").is_file(),
        "a dry run changes nothing"
    );

    let (code, stdout, stderr) = lib.run_env(&["decrypt", "--json"], &[PASS_ENV]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains(PASSPHRASE) && !stderr.contains(PASSPHRASE));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["decrypted"].as_array().unwrap().len(), 4);
    assert_eq!(report["failed"].as_array().unwrap().len(), 0);
    for d in inst.docs.iter().filter(|d| d.is_gpg()) {
        let stored = doc(&lib, d.id);
        assert_eq!(stored.storage_type, StorageType::Unencrypted);
        assert_eq!(stored.checksum, hash_bytes(&d.plain).sha256);
        assert_eq!(stored.source_filename(), d.plain_name());
        assert_eq!(read(&lib.original(&d.plain_name())), d.plain);
        assert_eq!(read(&lib.thumbnail(d.id)), d.thumbnail);
        assert!(!lib.original(&d.stored_name()).exists());
        assert!(!lib.thumbnail(d.id).with_extension("webp.gpg").exists());
    }
    let report = sanity(&lib);
    assert_eq!(report["summary"]["total_issues"], 0, "{report:#}");
    assert!(
        report["documents"].as_array().unwrap().is_empty(),
        "{report:#}"
    );

    // Nothing is left to do.
    let again = lib.expect_json(0, &["decrypt"], &[PASS_ENV]);
    assert_eq!(again["encrypted_documents"], 0);
    assert_eq!(inst.snapshot(), before);
}

#[test]
fn ng1_sqlite_installation_imports_decrypts_and_is_sane() {
    ng1_round_trip(Backend::Sqlite);
}

#[test]
fn ng1_postgres_installation_imports_decrypts_and_is_sane() {
    ng1_round_trip(Backend::Postgres);
}

fn ngx3_docs() -> Vec<LegacyDoc> {
    let mut a = LegacyDoc::new(7, "Contract", "application/pdf", Stored::Plain);
    a.filename = Some("2024/Contract.pdf");
    a.archive = Some(b"%PDF-1.7 archived contract".to_vec());
    a.tags = vec![1, 2];
    a.correspondent = Some(1);
    let mut b = LegacyDoc::new(9, "Old trash", "text/plain", Stored::Plain);
    b.filename = Some("2024/Old trash.txt");
    b.plain = b"thrown away".to_vec();
    vec![a, b]
}

fn ngx3_round_trip(backend: Backend) {
    let inst = Instance::build(Layout::Ngx3, backend, ngx3_docs());
    let before = inst.snapshot();
    let lib = Library::new();
    let report = import(&lib, &inst);
    let c = &report["imported"];
    assert_eq!(c["documents"], 2);
    assert_eq!(c["users"], 2);
    assert_eq!(c["tags"], 2);
    assert_eq!(c["storage_paths"], 1);
    assert_eq!(c["custom_fields"], 2);
    assert_eq!(c["custom_field_instances"], 2);
    assert_eq!(c["notes"], 1);
    assert_eq!(report["files_verified"], 3);
    assert_eq!(
        inst.snapshot(),
        before,
        "the import changed the installation"
    );

    let contract = doc(&lib, 7);
    assert_eq!(contract.filename.as_deref(), Some("2024/Contract.pdf"));
    assert_eq!(
        contract.archive_filename.as_deref(),
        Some("2024/Contract.pdf")
    );
    assert_eq!(contract.owner, Some(1));
    assert_eq!(contract.storage_path, Some(1));
    assert_eq!(contract.created.to_string(), "2024-03-01");
    assert_eq!(contract.page_count, Some(2));
    assert_eq!(contract.original_filename.as_deref(), Some("scan.pdf"));
    assert_eq!(contract.tags, vec![1, 2]);
    assert!(doc(&lib, 9).is_trashed());

    let config = pd_core::Config::for_data_dir(lib.data());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = pd_store::Store::open(&config).await.unwrap();
        let mut conn = store.db().conn().await.unwrap();
        let tags = conn.tags().await.unwrap();
        let taxes = tags.iter().find(|t| t.name == "taxes").unwrap();
        assert_eq!(taxes.parent, Some(1));
        assert!(taxes.is_inbox_tag);
        assert_eq!(taxes.owner, Some(1));
        assert_eq!(taxes.color, "#00ff00");
        let notes = conn.notes(7).await.unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].note, "Paid on time");
        let values = conn.custom_field_instances(7).await.unwrap();
        let shown: Vec<String> = values
            .iter()
            .map(|i| format!("{}={:?}", i.field, i.value))
            .collect();
        assert_eq!(
            shown,
            vec![
                "1=Some(Monetary(\"EUR123.45\"))".to_owned(),
                "2=Some(Select(\"b2\"))".to_owned()
            ]
        );
        let paths = conn.storage_paths().await.unwrap();
        assert_eq!(paths[0].path, "{{ created_year }}/{{ title }}");
    });
    let report = sanity(&lib);
    assert_eq!(report["summary"]["total_issues"], 0, "{report:#}");
    let nothing = lib.expect_json(0, &["decrypt"], &[PASS_ENV]);
    assert_eq!(nothing["encrypted_documents"], 0);
}

#[test]
fn ngx3_sqlite_installation_imports_everything() {
    ngx3_round_trip(Backend::Sqlite);
}

#[test]
fn ngx3_postgres_installation_imports_everything() {
    ngx3_round_trip(Backend::Postgres);
}

#[test]
fn a_damaged_installation_imports_nothing() {
    let inst = Instance::build(Layout::Ng1, Backend::Sqlite, ng1_docs());
    // The plain document's file no longer has the MD5 the database holds.
    std::fs::write(
        inst.media.join("documents/originals/0000005.pdf"),
        b"changed",
    )
    .unwrap();
    let lib = Library::new();
    let (code, stdout, stderr) = lib.run(&[
        "import",
        "--from-instance",
        "--database",
        &inst.database,
        "--media",
        inst.media.to_str().unwrap(),
    ]);
    assert_ne!(code, 0, "{stdout}");
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert!(stderr.contains("0000005.pdf"), "{stderr}");
    assert!(lib.documents().is_empty());
    assert!(lib.stored_files().is_empty());

    let (code, _, stderr) = lib.run(&[
        "import",
        "--from-instance",
        "--database",
        inst.media.join("nothing.sqlite3").to_str().unwrap(),
        "--media",
        inst.media.to_str().unwrap(),
    ]);
    assert_ne!(code, 0);
    assert!(stderr.contains("nothing.sqlite3"), "{stderr}");
    assert!(
        !inst.media.join("nothing.sqlite3").exists(),
        "nothing is created"
    );
}

/// A library imported from a 1.x installation, for the decryption tests.
fn imported(docs: Vec<LegacyDoc>) -> (Library, Instance) {
    let inst = Instance::build(Layout::Ng1, Backend::Sqlite, docs);
    let lib = Library::new();
    import(&lib, &inst);
    (lib, inst)
}

/// Every file of the library's media folder with its SHA-256.
fn media_snapshot(lib: &Library) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, hash_bytes(&std::fs::read(&p).unwrap()).sha256));
            }
        }
    }
    walk(&lib.media(), &lib.media(), &mut files);
    files.sort();
    files
}

#[test]
fn a_wrong_passphrase_stops_before_changing_anything() {
    let (lib, _inst) = imported(ng1_docs());
    let before = media_snapshot(&lib);
    let (code, stdout, stderr) = lib.run(&["decrypt", "--passphrase", "not the passphrase"]);
    assert_ne!(code, 0, "{stdout}");
    assert!(stderr.contains("wrong passphrase"), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert!(!stderr.contains("not the passphrase") && !stdout.contains("not the passphrase"));
    assert_eq!(media_snapshot(&lib), before);
    for id in 1..=4 {
        assert_eq!(doc(&lib, id).storage_type, StorageType::Gpg);
    }

    let (code, _, stderr) = lib.run(&["decrypt"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("PD_PASSPHRASE"), "{stderr}");
    assert_eq!(media_snapshot(&lib), before);
}

#[test]
fn damaged_files_and_checksum_mismatches_stay_encrypted() {
    let mut docs = ng1_docs();
    docs.truncate(4);
    let (lib, _inst) = imported(docs);
    // Document 2: a byte of its ciphertext flipped. Document 3: not OpenPGP at all.
    // Document 4: the database's checksum is of something else.
    let armored = lib.original("0000002.pdf.gpg");
    let mut bytes = read(&armored);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let body = text.find("\n\n").unwrap() + 10;
    bytes[body] = if bytes[body] == b'A' { b'B' } else { b'A' };
    std::fs::write(&armored, &bytes).unwrap();
    std::fs::write(lib.original("2019/notes.txt.gpg"), b"garbage, not OpenPGP").unwrap();
    lib.edit_documents(&[4], |d| d.checksum = hash_bytes(b"other").md5);
    let before = media_snapshot(&lib);

    let report = lib.expect_json(1, &["decrypt"], &[PASS_ENV]);
    let decrypted: Vec<i64> = report["decrypted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(decrypted, vec![1]);
    let failed: Vec<(i64, String)> = report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_i64().unwrap(),
                f["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert!(failed[0].1.contains("cannot be decrypted"), "{failed:?}");
    assert!(
        failed[1].1.contains("not a readable GnuPG file"),
        "{failed:?}"
    );
    assert!(failed[2].1.contains("checksum mismatch"), "{failed:?}");
    for id in [2, 3, 4] {
        assert_eq!(doc(&lib, id).storage_type, StorageType::Gpg);
    }
    // The three documents' files are as they were; only document 1 changed.
    let after = media_snapshot(&lib);
    let untouched = |snap: &[(String, String)]| -> Vec<(String, String)> {
        snap.iter()
            .filter(|(p, _)| !p.contains("0000001"))
            .cloned()
            .collect()
    };
    assert_eq!(untouched(&after), untouched(&before));
    assert!(lib.original("0000001.pdf").is_file());
}

/// After an interrupted run: every document is still encrypted with its original
/// ciphertext, or decrypted with a plain original that matches its checksum.
fn assert_nothing_lost(lib: &Library, inst: &Instance, ciphertexts: &[(i64, Vec<u8>)]) {
    for d in inst.docs.iter().filter(|d| d.is_gpg()) {
        let stored = doc(lib, d.id);
        match stored.storage_type {
            StorageType::Gpg => {
                let (_, cipher) = ciphertexts.iter().find(|(id, _)| *id == d.id).unwrap();
                assert_eq!(&read(&lib.original(&d.stored_name())), cipher);
                assert_eq!(stored.checksum, hash_bytes(&d.plain).md5);
            }
            StorageType::Unencrypted => {
                assert_eq!(read(&lib.original(&d.plain_name())), d.plain);
                assert_eq!(stored.checksum, hash_bytes(&d.plain).sha256);
                assert_eq!(read(&lib.thumbnail(d.id)), d.thumbnail);
            }
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// A small deterministic generator for kill delays.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

#[test]
fn killing_decrypt_anywhere_never_loses_a_document() {
    let mut docs = ng1_docs();
    docs.truncate(3);
    let (template, inst) = imported(docs);
    let ciphertexts: Vec<(i64, Vec<u8>)> = inst
        .docs
        .iter()
        .map(|d| (d.id, read(&template.original(&d.stored_name()))))
        .collect();
    let fresh = || {
        let lib = Library::uninitialised();
        copy_dir(&template.data(), &lib.data());
        lib
    };
    // Three documents with a thumbnail each: five steps apiece (plain original, plain
    // thumbnail, database, two removals).
    let steps = 15;
    let mut trials = 0;
    for step in 1..=steps {
        let lib = fresh();
        let (code, _, _) = lib.run_env(
            &["decrypt"],
            &[PASS_ENV, ("PD_DECRYPT_ABORT_AFTER_STEP", &step.to_string())],
        );
        assert_ne!(code, 0, "step {step}: the run should have been aborted");
        assert_nothing_lost(&lib, &inst, &ciphertexts);
        // A second interruption on top of the first, then a run that finishes.
        let (_, _, _) = lib.run_env(
            &["decrypt"],
            &[PASS_ENV, ("PD_DECRYPT_ABORT_AFTER_STEP", "2")],
        );
        assert_nothing_lost(&lib, &inst, &ciphertexts);
        lib.expect_json(0, &["decrypt"], &[PASS_ENV]);
        assert_nothing_lost(&lib, &inst, &ciphertexts);
        let report = sanity(&lib);
        assert_eq!(
            report["summary"]["total_issues"], 0,
            "step {step}: {report:#}"
        );
        trials += 1;
    }
    // Real SIGKILLs at pseudo-random moments.
    let mut rng = Lcg(0x005e_ed1e_9ac7);
    for _ in 0..8 {
        let lib = fresh();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pd"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(PASS_ENV.0, PASS_ENV.1)
            .arg("--data-dir")
            .arg(lib.data())
            .args(["--no-progress-bar", "decrypt"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.next(400)));
        let _ = child.kill();
        let _ = child.wait();
        assert_nothing_lost(&lib, &inst, &ciphertexts);
        lib.expect_json(0, &["decrypt"], &[PASS_ENV]);
        assert_nothing_lost(&lib, &inst, &ciphertexts);
        let report = sanity(&lib);
        assert_eq!(report["summary"]["total_issues"], 0, "{report:#}");
        trials += 1;
    }
    assert!(trials >= 20);
}

#[test]
fn gnupg_documents_survive_an_export_and_import() {
    let (lib, inst) = imported(ng1_docs());
    let target = lib.folder("export");
    lib.ok(&["export", target.to_str().unwrap()]);
    let manifest: Value = serde_json::from_slice(&read(&target.join("manifest.json"))).unwrap();
    let records: Vec<&Value> = manifest
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["model"] == "documents.document")
        .collect();
    assert_eq!(records.len(), 5);
    for r in &records {
        let encrypted = r["pk"].as_i64().unwrap() != 5;
        let name = r["__exported_file_name__"].as_str().unwrap();
        let thumbnail = r["__exported_thumbnail_name__"].as_str().unwrap();
        if encrypted {
            assert_eq!(r["fields"]["storage_type"], "gpg", "{r:#}");
            assert!(
                name.ends_with(".gpg") && thumbnail.ends_with(".webp.gpg"),
                "{r:#}"
            );
        } else {
            // paperless-ngx 3 does not know the field: plain documents do not carry it.
            assert!(r["fields"].get("storage_type").is_none(), "{r:#}");
        }
    }

    let other = Library::new();
    other.ok(&["import", target.to_str().unwrap()]);
    for d in inst.docs.iter().filter(|d| d.is_gpg()) {
        let stored = doc(&other, d.id);
        assert_eq!(stored.storage_type, StorageType::Gpg);
        assert_eq!(stored.source_filename(), d.stored_name());
    }
    let report = other.expect_json(0, &["decrypt"], &[PASS_ENV]);
    assert_eq!(report["decrypted"].as_array().unwrap().len(), 4);
    for d in &inst.docs {
        assert_eq!(read(&other.original(&d.plain_name())), d.plain);
    }
    let report = sanity(&other);
    assert_eq!(report["summary"]["total_issues"], 0, "{report:#}");
}
