//! What an import will write: ids (kept in an empty library, remapped with `--merge`,
//! where objects with the same name are reused and documents already present by checksum
//! are skipped) and the stored file names.

use std::collections::{HashMap, HashSet};
use std::ops::DerefMut;
use std::path::PathBuf;

use pd_core::{CustomFieldValue, Id};
use pd_store::db::IdTable;
use pd_store::media::Media;
use pd_store::naming::{FilenameContext, MAX_PATH_CHARS, generate_unique_filename_with};
use pd_store::{Conn, DocumentFilter, Store, TrashFilter};
use sqlx::AnyConnection;

use crate::convert::{ExportedDocument, ImportData};
use crate::export::sink::path_key;
use crate::source::check_relative;
use crate::{Error, Result};

/// A named document's files, in the order they are placed: the original, the archive
/// (when the export has one), the thumbnail (likewise), each as its path in the export
/// and where it goes in the media folder.
pub(crate) fn document_files<'a>(
    media: &Media,
    e: &'a ExportedDocument,
) -> Result<Vec<(&'a str, PathBuf)>> {
    let d = &e.document;
    let mut files = Vec::with_capacity(3);
    if let Some(name) = &d.filename {
        files.push((
            e.file.as_str(),
            pd_store::media::join_inside(&media.originals_dir(), name)?,
        ));
    }
    if let (Some(name), Some(source)) = (&d.archive_filename, &e.archive) {
        files.push((
            source.as_str(),
            pd_store::media::join_inside(&media.archive_dir(), name)?,
        ));
    }
    if let Some(source) = &e.thumbnail {
        files.push((source.as_str(), media.thumbnail_path(d)));
    }
    Ok(files)
}

/// Old id → new id for one kind of object.
#[derive(Debug, Default)]
struct IdMap {
    map: HashMap<Id, Id>,
    next: Id,
}

impl IdMap {
    async fn new<C: DerefMut<Target = AnyConnection> + Send>(
        conn: &mut Conn<C>,
        table: IdTable,
    ) -> Result<IdMap> {
        Ok(IdMap {
            map: HashMap::new(),
            next: conn.max_id(table).await? + 1,
        })
    }

    /// Keeps `old` in an empty library, else hands out the next free id.
    fn assign(&mut self, old: Id, keep: bool) -> Id {
        let new = if keep { old } else { self.next };
        self.next = self.next.max(new + 1);
        self.map.insert(old, new);
        new
    }

    fn reuse(&mut self, old: Id, existing: Id) {
        self.map.insert(old, existing);
    }

    fn get(&self, old: Option<Id>) -> Option<Id> {
        old.and_then(|o| self.map.get(&o).copied())
    }

    fn must(&self, old: Id) -> Id {
        self.map.get(&old).copied().unwrap_or(old)
    }
}

/// How many existing objects `--merge` reused instead of importing.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Reused {
    /// Users, correspondents, types, storage paths, tags, custom fields, mail accounts
    /// and rules that matched an existing one by name.
    pub objects: usize,
}

/// Rewrites `data` to the ids it gets in the library, drops what `--merge` reuses or
/// skips, and returns the export ids of documents skipped as already present.
pub(crate) async fn remap<C: DerefMut<Target = AnyConnection> + Send>(
    conn: &mut Conn<C>,
    data: &mut ImportData,
    merge: bool,
    reused: &mut Reused,
) -> Result<Vec<Id>> {
    let keep = !merge;
    let mut users = IdMap::new(conn, IdTable::Users).await?;
    let existing_users: HashMap<String, Id> = if merge {
        conn.users()
            .await?
            .into_iter()
            .map(|u| (u.username, u.id))
            .collect()
    } else {
        HashMap::new()
    };
    data.users
        .retain_mut(|u| match existing_users.get(&u.username) {
            Some(&id) => {
                users.reuse(u.id, id);
                reused.objects += 1;
                false
            }
            None => {
                u.id = users.assign(u.id, keep);
                true
            }
        });

    macro_rules! objects {
        ($list:expr, $table:expr, $existing:expr) => {{
            let mut ids = IdMap::new(conn, $table).await?;
            let existing: HashMap<(String, Option<Id>), Id> = if merge {
                $existing
                    .into_iter()
                    .map(|o| ((o.name, o.owner), o.id))
                    .collect()
            } else {
                HashMap::new()
            };
            for o in $list.iter_mut() {
                o.owner = users.get(o.owner);
            }
            $list.retain_mut(|o| match existing.get(&(o.name.clone(), o.owner)) {
                Some(&id) => {
                    ids.reuse(o.id, id);
                    reused.objects += 1;
                    false
                }
                None => {
                    o.id = ids.assign(o.id, keep);
                    true
                }
            });
            ids
        }};
    }
    let existing = if merge {
        conn.correspondents().await?
    } else {
        Vec::new()
    };
    let corr = objects!(data.correspondents, IdTable::Correspondents, existing);
    let existing = if merge {
        conn.document_types().await?
    } else {
        Vec::new()
    };
    let types = objects!(data.document_types, IdTable::DocumentTypes, existing);
    let existing = if merge {
        conn.storage_paths().await?
    } else {
        Vec::new()
    };
    let paths = objects!(data.storage_paths, IdTable::StoragePaths, existing);
    let existing = if merge {
        conn.tags().await?
    } else {
        Vec::new()
    };
    let tags = objects!(data.tags, IdTable::Tags, existing);
    for t in &mut data.tags {
        t.parent = tags.get(t.parent);
    }

    let mut fields = IdMap::new(conn, IdTable::CustomFields).await?;
    let existing_fields = if merge {
        conn.custom_fields().await?
    } else {
        Vec::new()
    };
    let mut field_error = None;
    data.custom_fields.retain_mut(
        |f| match existing_fields.iter().find(|e| e.name == f.name) {
            Some(e) => {
                if e.data_type != f.data_type {
                    field_error = Some(Error::Invalid(format!(
                        "the library's custom field \"{}\" holds {} values, the export's {}",
                        f.name,
                        e.data_type.name(),
                        f.data_type.name()
                    )));
                }
                fields.reuse(f.id, e.id);
                reused.objects += 1;
                false
            }
            None => {
                f.id = fields.assign(f.id, keep);
                true
            }
        },
    );
    if let Some(e) = field_error {
        return Err(e);
    }

    // Documents: skip those whose checksum the library holds, pointing their references
    // at the document already there.
    let mut docs = IdMap::new(conn, IdTable::Documents).await?;
    let existing_docs = if merge {
        conn.documents(&DocumentFilter {
            trash: TrashFilter::Include,
            ids: None,
        })
        .await?
    } else {
        Vec::new()
    };
    let by_checksum: HashMap<&str, Id> = existing_docs
        .iter()
        .map(|d| (d.checksum.as_str(), d.id))
        .collect();
    let asns: HashSet<i64> = existing_docs
        .iter()
        .filter_map(|d| d.archive_serial_number)
        .collect();
    let mut skipped = Vec::new();
    data.documents.retain_mut(|e| {
        let d = &mut e.document;
        if let Some(&id) = by_checksum.get(d.checksum.as_str()) {
            docs.reuse(d.id, id);
            skipped.push(d.id);
            return false;
        }
        d.id = docs.assign(d.id, keep);
        true
    });
    for e in &mut data.documents {
        let d = &mut e.document;
        d.owner = users.get(d.owner);
        d.correspondent = corr.get(d.correspondent);
        d.document_type = types.get(d.document_type);
        d.storage_path = paths.get(d.storage_path);
        d.root_document = docs.get(d.root_document);
        d.tags = d.tags.iter().map(|t| tags.must(*t)).collect();
        d.tags.sort_unstable();
        d.tags.dedup();
        if let Some(asn) = d.archive_serial_number
            && asns.contains(&asn)
        {
            data.warnings.push(format!(
                "document \"{}\": archive serial number {asn} is already used in the library; \
                 imported without one",
                d.title
            ));
            d.archive_serial_number = None;
        }
    }

    let skipped_set: HashSet<Id> = skipped.iter().copied().collect();
    let mut notes = IdMap::new(conn, IdTable::Notes).await?;
    data.notes.retain(|n| !skipped_set.contains(&n.document));
    for n in &mut data.notes {
        n.id = notes.assign(n.id, keep);
        n.document = docs.must(n.document);
        n.user = users.get(n.user);
    }
    let mut instances = IdMap::new(conn, IdTable::CustomFieldInstances).await?;
    data.custom_field_instances
        .retain(|i| !skipped_set.contains(&i.document));
    for i in &mut data.custom_field_instances {
        i.id = instances.assign(i.id, keep);
        i.document = docs.must(i.document);
        i.field = fields.must(i.field);
        if let Some(CustomFieldValue::DocumentLink(links)) = &mut i.value {
            *links = links.iter().map(|l| docs.must(*l)).collect();
        }
    }

    let mut accounts = IdMap::new(conn, IdTable::MailAccounts).await?;
    let existing_accounts = if merge {
        conn.mail_accounts().await?
    } else {
        Vec::new()
    };
    data.mail_accounts.retain_mut(|a| {
        a.owner = users.get(a.owner);
        match existing_accounts.iter().find(|e| e.name == a.name) {
            Some(e) => {
                accounts.reuse(a.id, e.id);
                reused.objects += 1;
                false
            }
            None => {
                a.id = accounts.assign(a.id, keep);
                true
            }
        }
    });
    let mut rules = IdMap::new(conn, IdTable::MailRules).await?;
    let existing_rules = if merge {
        conn.mail_rules().await?
    } else {
        Vec::new()
    };
    data.mail_rules.retain_mut(|r| {
        r.owner = users.get(r.owner);
        if existing_rules
            .iter()
            .any(|e| e.name == r.name && e.owner == r.owner)
        {
            reused.objects += 1;
            return false;
        }
        r.id = rules.assign(r.id, keep);
        r.account = accounts.must(r.account);
        r.assign_document_type = types.get(r.assign_document_type);
        r.assign_correspondent = corr.get(r.assign_correspondent);
        r.assign_tags = r.assign_tags.iter().map(|t| tags.must(*t)).collect();
        true
    });
    Ok(skipped)
}

/// Chooses every document's stored names: the export's `filename` / `archive_filename`
/// when safe and free, else the library's naming (as the consumer names files).
pub(crate) async fn name_files<C: DerefMut<Target = AnyConnection> + Send>(
    store: &Store,
    conn: &mut Conn<C>,
    data: &mut ImportData,
) -> Result<()> {
    let media = store.media();
    let existing = conn
        .documents(&DocumentFilter {
            trash: TrashFilter::Include,
            ids: None,
        })
        .await?;
    let mut taken_originals: HashSet<u128> = existing
        .iter()
        .filter_map(|d| d.filename.as_deref().map(path_key))
        .collect();
    let mut taken_archives: HashSet<u128> = existing
        .iter()
        .filter_map(|d| d.archive_filename.as_deref().map(path_key))
        .collect();
    drop(existing);
    let correspondents = conn.correspondents().await?;
    let document_types = conn.document_types().await?;
    let storage_paths = conn.storage_paths().await?;
    let tags = conn.tags().await?;
    let users = conn.users().await?;
    for e in &mut data.documents {
        let mut ctx = FilenameContext::new(e.document.clone());
        let d = &e.document;
        ctx.correspondent = d.correspondent.and_then(|id| {
            data.correspondents
                .iter()
                .chain(&correspondents)
                .find(|c| c.id == id)
                .cloned()
        });
        ctx.document_type = d.document_type.and_then(|id| {
            data.document_types
                .iter()
                .chain(&document_types)
                .find(|c| c.id == id)
                .cloned()
        });
        ctx.storage_path = d.storage_path.and_then(|id| {
            data.storage_paths
                .iter()
                .chain(&storage_paths)
                .find(|c| c.id == id)
                .cloned()
        });
        ctx.owner = d.owner.and_then(|id| {
            data.users
                .iter()
                .chain(&users)
                .find(|c| c.id == id)
                .cloned()
        });
        ctx.tags = data
            .tags
            .iter()
            .chain(&tags)
            .filter(|t| d.tags.contains(&t.id))
            .cloned()
            .collect();
        let originals_dir = media.originals_dir();
        // A GnuPG-stored original keeps its `.gpg` suffix until `pd decrypt`.
        let suffix = d.storage_type.suffix();
        let filename = choose(
            d.filename.as_deref().filter(|n| n.ends_with(suffix)),
            &mut taken_originals,
            &|name| originals_dir.join(name).exists(),
            || {
                let plain = generate_unique_filename_with(&ctx, store.naming(), false, &|name| {
                    originals_dir.join(format!("{name}{suffix}")).exists()
                })
                .path;
                format!("{plain}{suffix}")
            },
        );
        let doc = &mut e.document;
        doc.filename = Some(filename);
        match &e.archive {
            Some(_) => {
                let archive_dir = media.archive_dir();
                let name = choose(
                    doc.archive_filename.as_deref(),
                    &mut taken_archives,
                    &|name| archive_dir.join(name).exists(),
                    || {
                        generate_unique_filename_with(&ctx, store.naming(), true, &|name| {
                            archive_dir.join(name).exists()
                        })
                        .path
                    },
                );
                doc.archive_filename = Some(name);
            }
            None => {
                if doc.archive_filename.is_some() || doc.archive_checksum.is_some() {
                    data.warnings.push(format!(
                        "document \"{}\": the export has no archive file; imported without one",
                        doc.title
                    ));
                }
                doc.archive_filename = None;
                doc.archive_checksum = None;
            }
        }
        for (_, target) in document_files(media, e)? {
            if target.exists() {
                return Err(Error::Invalid(format!(
                    "{} already exists in the media folder; nothing was imported",
                    target.display()
                )));
            }
        }
    }
    Ok(())
}

/// The export's name when safe and free, else a generated one; marks it taken.
fn choose(
    exported: Option<&str>,
    taken: &mut HashSet<u128>,
    on_disk: &dyn Fn(&str) -> bool,
    generate: impl FnOnce() -> String,
) -> String {
    let usable = exported.filter(|name| {
        check_relative(name).is_ok()
            && name.chars().count() <= MAX_PATH_CHARS
            && !taken.contains(&path_key(name))
            && !on_disk(name)
    });
    let name = match usable {
        Some(name) => name.to_owned(),
        None => {
            let mut name = generate();
            let mut n = 1;
            while taken.contains(&path_key(&name)) {
                // The generator checks the disk only; names planned in this import count too.
                // A GnuPG-stored original's `.gpg` stays last: the counter goes before
                // the real extension (`a_01.pdf.gpg`).
                let (plain, gpg) = match name.strip_suffix(".gpg") {
                    Some(plain) => (plain, ".gpg"),
                    None => (name.as_str(), ""),
                };
                name = match plain.rsplit_once('.') {
                    Some((stem, ext)) => format!("{stem}_{n:02}.{ext}{gpg}"),
                    None => format!("{plain}_{n:02}{gpg}"),
                };
                n += 1;
            }
            name
        }
    };
    taken.insert(path_key(&name));
    name
}
