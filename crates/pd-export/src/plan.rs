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
use pd_store::{Conn, Store};
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

/// Old → new ids of everything but documents, for the documents that follow.
pub(crate) struct ObjectIds {
    users: IdMap,
    correspondents: IdMap,
    document_types: IdMap,
    storage_paths: IdMap,
    tags: IdMap,
    fields: IdMap,
}

/// Rewrites `data`'s objects (everything but documents, notes and custom field
/// instances) to the ids they get in the library and drops what `--merge` reuses.
pub(crate) async fn remap_objects<C: DerefMut<Target = AnyConnection> + Send>(
    conn: &mut Conn<C>,
    data: &mut ImportData,
    merge: bool,
    reused: &mut Reused,
) -> Result<ObjectIds> {
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
    let correspondents = objects!(data.correspondents, IdTable::Correspondents, existing);
    let existing = if merge {
        conn.document_types().await?
    } else {
        Vec::new()
    };
    let document_types = objects!(data.document_types, IdTable::DocumentTypes, existing);
    let existing = if merge {
        conn.storage_paths().await?
    } else {
        Vec::new()
    };
    let storage_paths = objects!(data.storage_paths, IdTable::StoragePaths, existing);
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
        r.assign_document_type = document_types.get(r.assign_document_type);
        r.assign_correspondent = correspondents.get(r.assign_correspondent);
        r.assign_tags = r.assign_tags.iter().map(|t| tags.must(*t)).collect();
        true
    });
    Ok(ObjectIds {
        users,
        correspondents,
        document_types,
        storage_paths,
        tags,
        fields,
    })
}

/// What a planned document is.
pub(crate) enum Planned {
    /// Its ids remapped and its files named: to be written.
    Write,
    /// The library holds its checksum: skipped, its references pointed at that document.
    Present,
}

/// Plans the documents one at a time as they come (roots before their versions): their
/// ids (kept, remapped, or skipped as present with `--merge`), their references, and
/// the names of their stored files. What it keeps per document is an id pair and two
/// 16-byte name keys, so its memory hardly grows with the export.
pub(crate) struct DocumentPlanner {
    keep: bool,
    objects: ObjectIds,
    documents: IdMap,
    /// The library's documents by checksum, ASNs and stored names (empty unless
    /// `--merge`: without it the library is empty).
    present: HashMap<u128, Id>,
    asns: HashSet<i64>,
    taken_originals: HashSet<u128>,
    taken_archives: HashSet<u128>,
    /// The library's objects, for the names of documents filed under them.
    library: LibraryObjects,
    /// Export ids of documents skipped as present.
    pub skipped: Vec<Id>,
    /// Things dropped or adjusted.
    pub warnings: Vec<String>,
}

#[derive(Default)]
struct LibraryObjects {
    correspondents: Vec<pd_core::Correspondent>,
    document_types: Vec<pd_core::DocumentType>,
    storage_paths: Vec<pd_core::StoragePath>,
    tags: Vec<pd_core::Tag>,
    users: Vec<pd_core::User>,
}

impl DocumentPlanner {
    /// Reads what the library holds (nothing when not merging: it is empty).
    pub async fn new<C: DerefMut<Target = AnyConnection> + Send>(
        conn: &mut Conn<C>,
        objects: ObjectIds,
        merge: bool,
    ) -> Result<DocumentPlanner> {
        let mut planner = DocumentPlanner {
            keep: !merge,
            objects,
            documents: IdMap::new(conn, IdTable::Documents).await?,
            present: HashMap::new(),
            asns: HashSet::new(),
            taken_originals: HashSet::new(),
            taken_archives: HashSet::new(),
            library: LibraryObjects::default(),
            skipped: Vec::new(),
            warnings: Vec::new(),
        };
        if merge {
            // Rows without their text: a large library is not loaded whole.
            for d in conn.documents_for_integrity().await? {
                planner.present.insert(path_key(&d.checksum), d.id);
                planner.asns.extend(d.archive_serial_number);
                if let Some(name) = &d.filename {
                    planner.taken_originals.insert(path_key(name));
                }
                if let Some(name) = &d.archive_filename {
                    planner.taken_archives.insert(path_key(name));
                }
            }
            planner.library = LibraryObjects {
                correspondents: conn.correspondents().await?,
                document_types: conn.document_types().await?,
                storage_paths: conn.storage_paths().await?,
                tags: conn.tags().await?,
                users: conn.users().await?,
            };
        }
        Ok(planner)
    }

    /// Plans one document: skipped when the library has its checksum, else its id and
    /// references remapped and its stored names chosen — the export's `filename` /
    /// `archive_filename` when safe and free, else the library's naming (as the
    /// consumer names files). Fails when a target already exists in the media folder.
    pub fn plan(
        &mut self,
        store: &Store,
        data: &ImportData,
        e: &mut ExportedDocument,
    ) -> Result<Planned> {
        let d = &mut e.document;
        if let Some(&id) = self.present.get(&path_key(&d.checksum)) {
            self.documents.reuse(d.id, id);
            self.skipped.push(d.id);
            return Ok(Planned::Present);
        }
        d.id = self.documents.assign(d.id, self.keep);
        let o = &self.objects;
        d.owner = o.users.get(d.owner);
        d.correspondent = o.correspondents.get(d.correspondent);
        d.document_type = o.document_types.get(d.document_type);
        d.storage_path = o.storage_paths.get(d.storage_path);
        d.root_document = self.documents.get(d.root_document);
        d.tags = d.tags.iter().map(|t| o.tags.must(*t)).collect();
        d.tags.sort_unstable();
        d.tags.dedup();
        if let Some(asn) = d.archive_serial_number
            && self.asns.contains(&asn)
        {
            self.warnings.push(format!(
                "document \"{}\": archive serial number {asn} is already used in the library; \
                 imported without one",
                d.title
            ));
            d.archive_serial_number = None;
        }
        self.name_files(store, data, e)?;
        Ok(Planned::Write)
    }

    fn name_files(
        &mut self,
        store: &Store,
        data: &ImportData,
        e: &mut ExportedDocument,
    ) -> Result<()> {
        let media = store.media();
        let lib = &self.library;
        let mut ctx = FilenameContext::new(e.document.clone());
        let d = &e.document;
        ctx.correspondent = d.correspondent.and_then(|id| {
            data.correspondents
                .iter()
                .chain(&lib.correspondents)
                .find(|c| c.id == id)
                .cloned()
        });
        ctx.document_type = d.document_type.and_then(|id| {
            data.document_types
                .iter()
                .chain(&lib.document_types)
                .find(|c| c.id == id)
                .cloned()
        });
        ctx.storage_path = d.storage_path.and_then(|id| {
            data.storage_paths
                .iter()
                .chain(&lib.storage_paths)
                .find(|c| c.id == id)
                .cloned()
        });
        ctx.owner = d.owner.and_then(|id| {
            data.users
                .iter()
                .chain(&lib.users)
                .find(|c| c.id == id)
                .cloned()
        });
        ctx.tags = data
            .tags
            .iter()
            .chain(&lib.tags)
            .filter(|t| d.tags.contains(&t.id))
            .cloned()
            .collect();
        let originals_dir = media.originals_dir();
        // A GnuPG-stored original keeps its `.gpg` suffix until `pd decrypt`.
        let suffix = d.storage_type.suffix();
        let filename = choose(
            d.filename.as_deref().filter(|n| n.ends_with(suffix)),
            &mut self.taken_originals,
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
                    &mut self.taken_archives,
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
                    self.warnings.push(format!(
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
        Ok(())
    }

    /// Rewrites the notes and custom field instances to the documents' new ids, once
    /// every document is planned; those of skipped documents are dropped.
    pub async fn remap_dependents<C: DerefMut<Target = AnyConnection> + Send>(
        &self,
        conn: &mut Conn<C>,
        data: &mut ImportData,
    ) -> Result<()> {
        let keep = self.keep;
        let skipped: HashSet<Id> = self.skipped.iter().copied().collect();
        let docs = &self.documents;
        let mut notes = IdMap::new(conn, IdTable::Notes).await?;
        data.notes.retain(|n| !skipped.contains(&n.document));
        for n in &mut data.notes {
            n.id = notes.assign(n.id, keep);
            n.document = docs.must(n.document);
            n.user = self.objects.users.get(n.user);
        }
        let mut instances = IdMap::new(conn, IdTable::CustomFieldInstances).await?;
        data.custom_field_instances
            .retain(|i| !skipped.contains(&i.document));
        for i in &mut data.custom_field_instances {
            i.id = instances.assign(i.id, keep);
            i.document = docs.must(i.document);
            i.field = self.objects.fields.must(i.field);
            if let Some(CustomFieldValue::DocumentLink(links)) = &mut i.value {
                *links = links.iter().map(|l| docs.must(*l)).collect();
            }
        }
        Ok(())
    }
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
