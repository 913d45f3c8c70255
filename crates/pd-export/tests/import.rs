//! Importing paperless-ngx 3.0.5's own exports, field by field, in every form.

mod common;

use std::collections::HashMap;

use common::*;
use pd_core::CustomFieldValue;
use pd_export::{ImportOptions, import};
use pd_store::{DocumentFilter, TrashFilter};
use serde_json::Value;

fn opts() -> ImportOptions {
    ImportOptions::default()
}

/// Compares the library with the manifest, record by record.
async fn assert_matches_manifest(
    store: &pd_store::Store,
    records: &[Value],
    export: &std::path::Path,
) {
    let mut c = store.db().conn().await.unwrap();
    let docs = c
        .documents(&DocumentFilter {
            trash: TrashFilter::Include,
            ids: None,
        })
        .await
        .unwrap();
    let manifest_docs = of_model(records, "documents.document");
    assert_eq!(docs.len(), manifest_docs.len());
    for r in manifest_docs {
        let f = &r["fields"];
        let d = docs.iter().find(|d| d.id == r["pk"]).unwrap();
        assert_eq!(d.title, f["title"].as_str().unwrap());
        assert_eq!(d.content, f["content"].as_str().unwrap());
        assert_eq!(d.checksum, f["checksum"].as_str().unwrap());
        assert_eq!(
            d.archive_checksum.as_deref(),
            f["archive_checksum"].as_str()
        );
        assert_eq!(d.created.to_string(), f["created"].as_str().unwrap());
        assert_eq!(d.correspondent, f["correspondent"].as_i64());
        assert_eq!(d.document_type, f["document_type"].as_i64());
        assert_eq!(d.storage_path, f["storage_path"].as_i64());
        assert_eq!(d.owner, f["owner"].as_i64());
        assert_eq!(d.archive_serial_number, f["archive_serial_number"].as_i64());
        assert_eq!(d.filename.as_deref(), f["filename"].as_str());
        assert_eq!(
            d.archive_filename.as_deref(),
            f["archive_filename"].as_str()
        );
        assert_eq!(
            d.original_filename.as_deref(),
            f["original_filename"].as_str()
        );
        assert_eq!(d.mime_type, f["mime_type"].as_str().unwrap());
        let mut tags: Vec<i64> = f["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_i64().unwrap())
            .collect();
        tags.sort();
        assert_eq!(d.tags, tags);
        let media = store.media();
        let read = |p: std::path::PathBuf| std::fs::read(p).unwrap();
        let exported = |key: &str| read(export.join(r[key].as_str().unwrap()));
        assert_eq!(
            read(media.original_path(d).unwrap()),
            exported("__exported_file_name__")
        );
        assert_eq!(
            read(media.thumbnail_path(d)),
            exported("__exported_thumbnail_name__")
        );
        if r.get("__exported_archive_name__").is_some() {
            assert_eq!(
                read(media.archive_path(d).unwrap().unwrap()),
                exported("__exported_archive_name__")
            );
        }
    }
    let tags = c.tags().await.unwrap();
    assert_eq!(tags.len(), of_model(records, "documents.tag").len());
    for r in of_model(records, "documents.tag") {
        let t = tags.iter().find(|t| t.id == r["pk"]).unwrap();
        assert_eq!(t.name, r["fields"]["name"].as_str().unwrap());
        assert_eq!(t.color, r["fields"]["color"].as_str().unwrap());
        assert_eq!(t.parent, r["fields"]["tn_parent"].as_i64());
        assert_eq!(
            t.is_inbox_tag,
            r["fields"]["is_inbox_tag"].as_bool().unwrap()
        );
        assert_eq!(t.matching.pattern, r["fields"]["match"].as_str().unwrap());
        assert_eq!(
            i64::from(t.matching.algorithm.code()),
            r["fields"]["matching_algorithm"].as_i64().unwrap()
        );
    }
    let corr = c.correspondents().await.unwrap();
    assert_eq!(
        corr.len(),
        of_model(records, "documents.correspondent").len()
    );
    for r in of_model(records, "documents.correspondent") {
        let x = corr.iter().find(|x| x.id == r["pk"]).unwrap();
        assert_eq!(x.name, r["fields"]["name"].as_str().unwrap());
        assert_eq!(x.owner, r["fields"]["owner"].as_i64());
    }
    assert_eq!(
        c.document_types().await.unwrap().len(),
        of_model(records, "documents.documenttype").len()
    );
    assert_eq!(
        c.storage_paths().await.unwrap().len(),
        of_model(records, "documents.storagepath").len()
    );
    let mut notes = HashMap::new();
    let mut instances = HashMap::new();
    for d in &docs {
        for n in c.notes(d.id).await.unwrap() {
            notes.insert(n.id, n);
        }
        for i in c.custom_field_instances(d.id).await.unwrap() {
            instances.insert(i.id, i);
        }
    }
    assert_eq!(notes.len(), of_model(records, "documents.note").len());
    for r in of_model(records, "documents.note") {
        let n = &notes[&r["pk"].as_i64().unwrap()];
        assert_eq!(n.note, r["fields"]["note"].as_str().unwrap());
        assert_eq!(n.document, r["fields"]["document"].as_i64().unwrap());
        assert_eq!(n.user, r["fields"]["user"].as_i64());
    }
    assert_eq!(
        instances.len(),
        of_model(records, "documents.customfieldinstance").len()
    );
    for r in of_model(records, "documents.customfieldinstance") {
        let i = &instances[&r["pk"].as_i64().unwrap()];
        let f = &r["fields"];
        assert_eq!(i.field, f["field"].as_i64().unwrap());
        let expected = match i.value.as_ref().unwrap() {
            CustomFieldValue::Float(v) => f["value_float"].as_f64() == Some(*v),
            CustomFieldValue::Integer(v) => f["value_int"].as_i64() == Some(*v),
            CustomFieldValue::String(v) => f["value_text"].as_str() == Some(v),
            CustomFieldValue::Url(v) => f["value_url"].as_str() == Some(v),
            CustomFieldValue::DocumentLink(v) => f["value_document_ids"] == serde_json::json!(v),
            other => panic!("unexpected value {other:?}"),
        };
        assert!(expected, "instance {}: {:?} vs {f}", i.id, i.value);
    }
    assert_eq!(
        c.custom_fields().await.unwrap().len(),
        of_model(records, "documents.customfield").len()
    );
    let users = c.users().await.unwrap();
    for r in of_model(records, "auth.user") {
        let u = users.iter().find(|u| u.id == r["pk"]).unwrap();
        assert_eq!(u.username, r["fields"]["username"].as_str().unwrap());
        assert_eq!(u.password, r["fields"]["password"].as_str().unwrap());
    }
    let accounts = c.mail_accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].password, "s3cret-mail-password");
    let rules = c.mail_rules().await.unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].filter_subject.as_deref(), Some("invoice"));
    // Every record of a model pd does not use is kept verbatim.
    let kept = c.paperless_records().await.unwrap();
    let others: Vec<&Value> = records
        .iter()
        .filter(|r| !pd_export::manifest::models::KNOWN.contains(&r["model"].as_str().unwrap()))
        .collect();
    assert_eq!(kept.len(), others.len());
    for r in others {
        let k = kept
            .iter()
            .find(|k| {
                k.model == r["model"].as_str().unwrap()
                    && r["pk"] == serde_json::from_str::<Value>(&k.pk).unwrap()
            })
            .unwrap();
        assert_eq!(&k.record, r);
    }
}

#[tokio::test]
async fn imports_the_directory_export_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path()).await;
    let report = import(&store, &fixture(), &opts()).await.unwrap();
    assert_eq!(report.imported.documents, 30);
    assert_eq!(report.files_verified, 45);
    assert_eq!(report.files_placed, 75);
    assert_matches_manifest(&store, &read_manifest(&fixture()), &fixture()).await;
    // New rows get ids above the imported ones.
    let mut c = store.db().conn().await.unwrap();
    let tag = c
        .insert_tag(&pd_store::NewTag::new("after import"))
        .await
        .unwrap();
    assert!(tag.id > 15);
}

#[tokio::test]
async fn imports_the_zip_export_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path()).await;
    let report = import(&store, &fixture_zip(), &opts()).await.unwrap();
    assert_eq!(report.kind, pd_export::SourceKind::Zip);
    assert_matches_manifest(&store, &read_manifest(&fixture()), &fixture()).await;
}

/// The fixture rewritten as `-sm -p` would write it: files under originals/, archive/,
/// thumbnails/; each document with its notes and custom field values in
/// json/<name>-manifest.json.
#[tokio::test]
async fn imports_split_manifests_with_folder_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("split");
    std::fs::create_dir_all(&export).unwrap();
    std::fs::copy(
        fixture().join("metadata.json"),
        export.join("metadata.json"),
    )
    .unwrap();
    let records = read_manifest(&fixture());
    let mut main = Vec::new();
    for r in &records {
        match r["model"].as_str().unwrap() {
            "documents.note" | "documents.customfieldinstance" => {}
            "documents.document" => {
                let mut doc = r.clone();
                for (key, folder) in [
                    ("__exported_file_name__", "originals"),
                    ("__exported_archive_name__", "archive"),
                    ("__exported_thumbnail_name__", "thumbnails"),
                ] {
                    if let Some(name) = r.get(key).and_then(Value::as_str) {
                        let to = export.join(folder).join(name);
                        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                        std::fs::copy(fixture().join(name), to).unwrap();
                        doc[key] = Value::String(format!("{folder}/{name}"));
                    }
                }
                let mut split = vec![doc];
                split.extend(
                    records
                        .iter()
                        .filter(|x| {
                            matches!(
                                x["model"].as_str(),
                                Some("documents.note" | "documents.customfieldinstance")
                            ) && x["fields"]["document"] == r["pk"]
                        })
                        .cloned(),
                );
                let stem = r["__exported_file_name__"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches(".pdf");
                let path = export.join("json").join(format!("{stem}-manifest.json"));
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, serde_json::to_vec(&split).unwrap()).unwrap();
            }
            _ => main.push(r.clone()),
        }
    }
    write_manifest(&export, &main);
    let store = library(dir.path()).await;
    let report = import(&store, &export, &opts()).await.unwrap();
    assert_eq!(report.imported.documents, 30);
    assert_eq!(report.imported.notes, 3);
    assert_eq!(report.imported.custom_field_instances, 7);
    // Compare against the fixture itself (same records, original file names).
    assert_matches_manifest(&store, &records, &fixture()).await;
}

#[tokio::test]
async fn a_non_empty_library_is_refused_and_merge_skips_present_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path()).await;
    import(&store, &fixture(), &opts()).await.unwrap();
    let before = snapshot(&store).await;
    let err = import(&store, &fixture(), &opts()).await.unwrap_err();
    assert!(
        err.to_string().contains("not empty") && err.to_string().contains("--merge"),
        "{err}"
    );
    assert_eq!(snapshot(&store).await, before);

    // A copy of the export with one new document (a new file, a new checksum).
    let export = export_copy(dir.path());
    let mut records = read_manifest(&export);
    let mut extra = of_model(&records, "documents.document")[0].clone();
    let bytes = b"%PDF-1.4 a new document".to_vec();
    std::fs::write(export.join("new.pdf"), &bytes).unwrap();
    extra["pk"] = 31.into();
    extra["fields"]["checksum"] = pd_store::media::sha256_bytes(&bytes).into();
    extra["fields"]["filename"] = "0000001.pdf".into();
    extra["fields"]["archive_serial_number"] = 289.into();
    extra["__exported_file_name__"] = "new.pdf".into();
    extra
        .as_object_mut()
        .unwrap()
        .remove("__exported_archive_name__");
    records.push(extra);
    write_manifest(&export, &records);
    let merge = ImportOptions {
        merge: true,
        ..opts()
    };
    let report = import(&store, &export, &merge).await.unwrap();
    assert_eq!(report.imported.documents, 1);
    assert_eq!(report.skipped_documents.len(), 30);
    assert_eq!(report.imported.tags, 0, "tags are reused by name");
    let mut c = store.db().conn().await.unwrap();
    let new = c.document(31).await.unwrap();
    assert_eq!(new.tags, c.document(1).await.unwrap().tags);
    assert_ne!(
        new.filename.as_deref(),
        Some("0000001.pdf"),
        "a taken name is not reused"
    );
    assert_eq!(new.archive_serial_number, None, "a taken ASN is dropped");
    assert_eq!(
        std::fs::read(store.media().original_path(&new).unwrap()).unwrap(),
        bytes
    );
}

#[tokio::test]
async fn dry_run_checks_everything_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path()).await;
    let before = snapshot(&store).await;
    let report = import(
        &store,
        &fixture(),
        &ImportOptions {
            dry_run: true,
            ..opts()
        },
    )
    .await
    .unwrap();
    assert_eq!(report.imported.documents, 30);
    assert_eq!(report.files_verified, 45);
    assert_eq!(snapshot(&store).await, before);
}

/// The fixture's manifest with its documents first (last pk first) and document 1 made
/// a version of document 30, which it now comes before: a manifest order in which every
/// reference points forward.
fn documents_first_with_a_version(export: &std::path::Path) -> Vec<Value> {
    let records = read_manifest(export);
    let mut docs: Vec<Value> = of_model(&records, "documents.document")
        .into_iter()
        .cloned()
        .collect();
    docs.reverse();
    for d in &mut docs {
        if d["pk"] == 1 {
            d["fields"]["root_document"] = 30.into();
            d["fields"]["version_index"] = 1.into();
        }
    }
    let version = docs.iter().position(|d| d["pk"] == 1).unwrap();
    let root = docs.iter().position(|d| d["pk"] == 30).unwrap();
    docs.swap(version, root);
    let rest = records
        .iter()
        .filter(|r| r["model"] != "documents.document")
        .cloned();
    docs.into_iter().chain(rest).collect()
}

#[tokio::test]
async fn references_may_point_forward_and_versions_may_precede_their_roots() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    let records = documents_first_with_a_version(&export);
    write_manifest(&export, &records);

    let store = library(&dir.path().join("kept")).await;
    let report = import(&store, &export, &opts()).await.unwrap();
    assert_eq!(report.imported.documents, 30);
    assert_matches_manifest(&store, &records, &export).await;
    let mut c = store.db().conn().await.unwrap();
    assert_eq!(c.document(1).await.unwrap().root_document, Some(30));

    // With --merge every id is handed out anew, roots first: the version must point at
    // its root's new id.
    let store = library(&dir.path().join("merged")).await;
    store
        .db()
        .conn()
        .await
        .unwrap()
        .insert_correspondent("already here", &pd_core::MatchRule::default(), None)
        .await
        .unwrap();
    let merge = ImportOptions {
        merge: true,
        ..opts()
    };
    let report = import(&store, &export, &merge).await.unwrap();
    assert_eq!(report.imported.documents, 30);
    let docs = store
        .db()
        .conn()
        .await
        .unwrap()
        .documents(&DocumentFilter {
            trash: TrashFilter::Include,
            ids: None,
        })
        .await
        .unwrap();
    let by_checksum = |pk: i64| {
        let sum = of_model(&records, "documents.document")
            .into_iter()
            .find(|r| r["pk"] == pk)
            .unwrap()["fields"]["checksum"]
            .as_str()
            .unwrap()
            .to_owned();
        docs.iter().find(|d| d.checksum == sum).unwrap().clone()
    };
    let (version, root) = (by_checksum(1), by_checksum(30));
    assert_ne!(root.id, 30, "ids were handed out anew");
    assert_eq!(version.root_document, Some(root.id));
    assert_eq!(root.root_document, None);
}

#[tokio::test]
async fn a_reference_to_a_record_that_never_comes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_copy(dir.path());
    let mut records = documents_first_with_a_version(&export);
    for r in &mut records {
        if r["model"] == "documents.document" && r["pk"] == 7 {
            r["fields"]["tags"] = serde_json::json!([9999]);
        }
    }
    write_manifest(&export, &records);
    let store = library(dir.path()).await;
    let before = snapshot(&store).await;
    let err = import(&store, &export, &opts()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "documents.document pk=7: tags refers to tag 9999, which is not in the export"
    );
    assert_eq!(snapshot(&store).await, before);
}

#[tokio::test]
async fn import_export_and_verify_report_their_progress_to_the_end() {
    use pd_export::ImportProgress::{Checking, Placing, Writing};
    use std::sync::Mutex;

    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path()).await;
    let steps = Mutex::new(Vec::new());
    let report = pd_export::import_with(&store, &fixture(), &opts(), &|step| {
        steps.lock().unwrap().push(step);
    })
    .await
    .unwrap();
    let steps = steps.into_inner().unwrap();
    let phase = |s: &pd_export::ImportProgress| match s {
        Checking { .. } => 0,
        Writing { .. } => 1,
        Placing { .. } => 2,
    };
    assert!(
        steps.windows(2).all(|w| phase(&w[0]) <= phase(&w[1])),
        "phases come in order"
    );
    let manifest_bytes = std::fs::metadata(fixture().join("manifest.json"))
        .unwrap()
        .len();
    assert!(steps.contains(&Checking {
        done: manifest_bytes,
        total: manifest_bytes
    }));
    assert_eq!(
        steps.iter().rfind(|s| phase(s) == 1),
        Some(&Writing {
            done: 30,
            total: 30
        })
    );
    let placed = report.files_placed as u64;
    assert_eq!(
        steps.last(),
        Some(&Placing {
            done: placed,
            total: placed
        })
    );

    let target = dir.path().join("export");
    std::fs::create_dir(&target).unwrap();
    let seen = Mutex::new(Vec::new());
    pd_export::export_with(&store, &target, &Default::default(), &|done, total| {
        seen.lock().unwrap().push((done, total));
    })
    .await
    .unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen, (0..=30).map(|done| (done, 30)).collect::<Vec<_>>());

    let seen = Mutex::new(Vec::new());
    let verified = pd_export::verify_with(&target, &Default::default(), &|done, total| {
        seen.lock().unwrap().push((done, total));
    })
    .unwrap();
    let mut seen = seen.into_inner().unwrap();
    seen.sort_unstable();
    let files = verified.files_checked as u64;
    assert!(files > 30);
    assert_eq!(
        seen,
        (0..=files).map(|done| (done, files)).collect::<Vec<_>>()
    );
}
