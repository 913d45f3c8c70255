//! Manifest records → pd-core types, and the checks that need the whole manifest:
//! duplicate pks, references to records that are not there, tag cycles.

use std::collections::{BTreeMap, HashMap, HashSet};

use pd_core::{
    Correspondent, CustomField, CustomFieldInstance, CustomFieldType, CustomFieldValue, Document,
    DocumentType, Id, MailAccount, MailRule, MatchRule, MatchingAlgorithm, Note, StoragePath,
    StorageType, Tag, User,
};
use pd_store::db::PaperlessRecord;

use crate::export::sink::path_key;
use crate::manifest::{Fields, Record, models, parse_date};
use crate::{Error, Result};

/// A document with the export's paths of its files.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedDocument {
    /// The document's pk in the export (its `document.id` may be remapped).
    pub export_id: Id,
    /// The document as the export describes it.
    pub document: Document,
    /// The original's path inside the export.
    pub file: String,
    /// The archive PDF's path inside the export.
    pub archive: Option<String>,
    /// The thumbnail's path inside the export.
    pub thumbnail: Option<String>,
}

/// Everything an export holds, as pd's types, keyed by the export's ids.
#[derive(Debug, Default)]
pub struct ImportData {
    /// `auth.user` records.
    pub users: Vec<User>,
    /// `documents.correspondent` records.
    pub correspondents: Vec<Correspondent>,
    /// `documents.documenttype` records.
    pub document_types: Vec<DocumentType>,
    /// `documents.storagepath` records.
    pub storage_paths: Vec<StoragePath>,
    /// Parents before children.
    pub tags: Vec<Tag>,
    /// `documents.customfield` records.
    pub custom_fields: Vec<CustomField>,
    /// Documents held in memory (an installation's database), roots before their
    /// versions. An export's documents are not kept: [`ImportData::add_streamed`] hands
    /// each to its caller, and the import reads them again as it writes them.
    pub documents: Vec<ExportedDocument>,
    /// `documents.note` records, soft-deleted ones included.
    pub notes: Vec<Note>,
    /// `documents.customfieldinstance` records, soft-deleted ones included.
    pub custom_field_instances: Vec<CustomFieldInstance>,
    /// `paperless_mail.mailaccount` records, secrets decrypted.
    pub mail_accounts: Vec<MailAccount>,
    /// `paperless_mail.mailrule` records.
    pub mail_rules: Vec<MailRule>,
    /// Records of models pd does not use, in manifest order.
    pub other_records: Vec<PaperlessRecord>,
    /// Things that were dropped or adjusted, for the report.
    pub warnings: Vec<String>,
    /// How many documents (held or handed out) are versions of another.
    pub versions: usize,
    /// The export id of every document, held or handed out.
    document_ids: HashSet<Id>,
    /// The ids of the objects read so far, to check a document's references as it comes.
    known: Known,
    /// Document references to objects not read yet when the document came; checked
    /// once the whole export is read.
    deferred: Vec<Deferred>,
    /// Every `(model, pk)` read, by [`path_key`] of both.
    seen: HashSet<u128>,
    /// Custom field instances wait for every field to be known (split manifests).
    pending_instances: Vec<Record>,
}

fn rule(f: &Fields) -> Result<MatchRule> {
    let code = f.int_or("matching_algorithm", 1)?;
    let algorithm = i16::try_from(code)
        .ok()
        .and_then(MatchingAlgorithm::from_code)
        .ok_or_else(|| {
            Error::Invalid(format!(
                "{} pk={}: unknown matching algorithm {code}",
                f.record.model, f.record.pk
            ))
        })?;
    Ok(MatchRule {
        pattern: f.str_or("match", "")?,
        algorithm,
        is_insensitive: f.bool_or("is_insensitive", true)?,
    })
}

fn coded<T>(f: &Fields, name: &str, default: i64, from: fn(i16) -> Option<T>) -> Result<T> {
    let code = f.int_or(name, default)?;
    i16::try_from(code).ok().and_then(from).ok_or_else(|| {
        Error::Invalid(format!(
            "{} pk={}: unknown {name} {code}",
            f.record.model, f.record.pk
        ))
    })
}

impl ImportData {
    /// Adds one record (decrypted already). Fails on a duplicate `(model, pk)`, a
    /// non-integer pk of a model pd maps, or a field of the wrong type.
    pub fn add(&mut self, record: Record) -> Result<()> {
        if let Some(e) = self.add_streamed(record)? {
            self.documents.push(e);
        }
        Ok(())
    }

    /// [`ImportData::add`], except that a document is handed back instead of kept (its
    /// id and references are still checked).
    pub fn add_streamed(&mut self, record: Record) -> Result<Option<ExportedDocument>> {
        let key = path_key(&format!("{}\0{}", record.model, record.pk));
        if !self.seen.insert(key) {
            return Err(Error::Invalid(format!(
                "duplicate record: {} pk={} appears more than once in the manifest",
                record.model, record.pk
            )));
        }
        if !record.is_known_model() {
            self.other_records.push(PaperlessRecord {
                pk: record.pk.to_string(),
                model: record.model.clone(),
                record: serde_json::to_value(&record)
                    .map_err(|e| Error::Invalid(format!("cannot keep a record: {e}")))?,
            });
            return Ok(None);
        }
        let id = record.int_pk().ok_or_else(|| {
            Error::Invalid(format!(
                "{} has pk {}, which is not an integer",
                record.model, record.pk
            ))
        })?;
        if record.model == models::CUSTOM_FIELD_INSTANCE {
            self.pending_instances.push(record);
            return Ok(None);
        }
        let f = Fields { record: &record };
        match record.model.as_str() {
            models::USER => self.users.push(User {
                id,
                username: f.req_str("username")?,
                first_name: f.str_or("first_name", "")?,
                last_name: f.str_or("last_name", "")?,
                email: f.str_or("email", "")?,
                password: f.str_or("password", "")?,
                is_superuser: f.bool_or("is_superuser", false)?,
                is_staff: f.bool_or("is_staff", false)?,
                is_active: f.bool_or("is_active", true)?,
                date_joined: f.ts_or_now("date_joined")?,
            }),
            models::CORRESPONDENT => self.correspondents.push(Correspondent {
                id,
                name: f.req_str("name")?,
                matching: rule(&f)?,
                owner: f.opt_int("owner")?,
            }),
            models::DOCUMENT_TYPE => self.document_types.push(DocumentType {
                id,
                name: f.req_str("name")?,
                matching: rule(&f)?,
                owner: f.opt_int("owner")?,
            }),
            models::STORAGE_PATH => self.storage_paths.push(StoragePath {
                id,
                name: f.req_str("name")?,
                matching: rule(&f)?,
                owner: f.opt_int("owner")?,
                path: f.str_or("path", "")?,
            }),
            models::TAG => self.tags.push(Tag {
                id,
                name: f.req_str("name")?,
                matching: rule(&f)?,
                owner: f.opt_int("owner")?,
                color: f.str_or("color", Tag::DEFAULT_COLOR)?,
                is_inbox_tag: f.bool_or("is_inbox_tag", false)?,
                parent: f.opt_int("tn_parent")?,
            }),
            models::CUSTOM_FIELD => {
                let ty = f.req_str("data_type")?;
                self.custom_fields.push(CustomField {
                    id,
                    name: f.req_str("name")?,
                    data_type: CustomFieldType::parse(&ty).ok_or_else(|| {
                        Error::Invalid(format!("custom field pk={id}: unknown data type {ty:?}"))
                    })?,
                    extra_data: f.value("extra_data").cloned(),
                    created: f.ts_or_now("created")?,
                })
            }
            models::NOTE => self.notes.push(Note {
                id,
                document: f
                    .opt_int("document")?
                    .ok_or_else(|| Error::Invalid(format!("note pk={id} names no document")))?,
                note: f.str_or("note", "")?,
                created: f.ts_or_now("created")?,
                user: f.opt_int("user")?,
                deleted_at: f.opt_ts("deleted_at")?,
            }),
            models::MAIL_ACCOUNT => self.mail_accounts.push(mail_account(&f, id)?),
            models::MAIL_RULE => self.mail_rules.push(mail_rule(&f, id)?),
            models::DOCUMENT => {
                let e = document(&f, id)?;
                self.note_document(&e.document);
                return Ok(Some(e));
            }
            _ => {}
        }
        if let Some(set) = self.known.set_mut(record.model.as_str()) {
            set.insert(id);
        }
        Ok(None)
    }

    /// How many documents were read, held or handed out.
    pub fn document_count(&self) -> usize {
        self.document_ids.len()
    }

    /// Records a document's id and checks its references to the objects read so far;
    /// those to objects not read yet wait for [`ImportData::finish`].
    fn note_document(&mut self, d: &Document) {
        self.document_ids.insert(d.id);
        if d.root_document.is_some() {
            self.versions += 1;
        }
        let single = [
            (Ref::Owner, d.owner),
            (Ref::Correspondent, d.correspondent),
            (Ref::DocumentType, d.document_type),
            (Ref::StoragePath, d.storage_path),
            (Ref::Root, d.root_document),
        ];
        let tags = d.tags.iter().map(|&t| (Ref::Tag, Some(t)));
        for (to, target) in single.into_iter().chain(tags) {
            if let Some(target) = target
                && !self.known.holds(to, target, &self.document_ids)
            {
                self.deferred.push(Deferred {
                    document: d.id,
                    to,
                    target,
                });
            }
        }
    }

    /// Converts what waited for the whole manifest, orders tags and documents, and checks
    /// every reference. Call once after the last [`ImportData::add`].
    pub fn finish(&mut self) -> Result<()> {
        let fields: HashMap<Id, CustomFieldType> = self
            .custom_fields
            .iter()
            .map(|f| (f.id, f.data_type))
            .collect();
        for record in std::mem::take(&mut self.pending_instances) {
            let f = Fields { record: &record };
            let id = record.int_pk().unwrap_or_default();
            let field = f.opt_int("field")?.unwrap_or_default();
            let ty = *fields.get(&field).ok_or_else(|| {
                dangling(&record.model, &record.pk, "field", "custom field", field)
            })?;
            self.custom_field_instances.push(CustomFieldInstance {
                id,
                document: f.opt_int("document")?.unwrap_or_default(),
                field,
                value: instance_value(&f, ty)?,
                created: f.ts_or_now("created")?,
                deleted_at: f.opt_ts("deleted_at")?,
            });
        }
        self.tags = order_tags(std::mem::take(&mut self.tags))?;
        self.documents
            .sort_by_key(|d| (d.document.root_document.is_some(), d.document.id));
        self.check_references()
    }

    fn check_references(&mut self) -> Result<()> {
        let Known {
            users,
            correspondents: corr,
            document_types: types,
            storage_paths: paths,
            tags,
        } = &self.known;
        let docs = &self.document_ids;
        let accounts: HashSet<Id> = self.mail_accounts.iter().map(|c| c.id).collect();
        let check = |model: &str,
                     pk: Id,
                     field: &str,
                     kind: &str,
                     set: &HashSet<Id>,
                     v: Option<Id>| {
            match v {
                Some(v) if !set.contains(&v) => Err(dangling(model, &pk.into(), field, kind, v)),
                _ => Ok(()),
            }
        };
        for (model, list) in [
            (
                models::CORRESPONDENT,
                self.correspondents
                    .iter()
                    .map(|o| (o.id, o.owner))
                    .collect::<Vec<_>>(),
            ),
            (
                models::DOCUMENT_TYPE,
                self.document_types
                    .iter()
                    .map(|o| (o.id, o.owner))
                    .collect(),
            ),
            (
                models::STORAGE_PATH,
                self.storage_paths.iter().map(|o| (o.id, o.owner)).collect(),
            ),
            (
                models::TAG,
                self.tags.iter().map(|o| (o.id, o.owner)).collect(),
            ),
            (
                models::MAIL_ACCOUNT,
                self.mail_accounts.iter().map(|o| (o.id, o.owner)).collect(),
            ),
            (
                models::MAIL_RULE,
                self.mail_rules.iter().map(|o| (o.id, o.owner)).collect(),
            ),
        ] {
            for (id, owner) in list {
                check(model, id, "owner", "user", users, owner)?;
            }
        }
        for t in &self.tags {
            check(models::TAG, t.id, "tn_parent", "tag", tags, t.parent)?;
        }
        for d in std::mem::take(&mut self.deferred) {
            let set = match d.to {
                Ref::Owner => users,
                Ref::Correspondent => corr,
                Ref::DocumentType => types,
                Ref::StoragePath => paths,
                Ref::Tag => tags,
                Ref::Root => docs,
            };
            check(
                models::DOCUMENT,
                d.document,
                d.to.field(),
                d.to.kind(),
                set,
                Some(d.target),
            )?;
        }
        for n in &self.notes {
            check(
                models::NOTE,
                n.id,
                "document",
                "document",
                docs,
                Some(n.document),
            )?;
            check(models::NOTE, n.id, "user", "user", users, n.user)?;
        }
        for i in &mut self.custom_field_instances {
            let m = models::CUSTOM_FIELD_INSTANCE;
            check(m, i.id, "document", "document", docs, Some(i.document))?;
            if let Some(CustomFieldValue::DocumentLink(links)) = &mut i.value {
                let before = links.len();
                links.retain(|l| docs.contains(l));
                if links.len() != before {
                    self.warnings.push(format!(
                        "custom field instance {}: links to documents not in the export were dropped",
                        i.id
                    ));
                }
            }
        }
        for r in &self.mail_rules {
            let m = models::MAIL_RULE;
            check(
                m,
                r.id,
                "account",
                "mail account",
                &accounts,
                Some(r.account),
            )?;
            check(
                m,
                r.id,
                "assign_document_type",
                "document type",
                types,
                r.assign_document_type,
            )?;
            check(
                m,
                r.id,
                "assign_correspondent",
                "correspondent",
                corr,
                r.assign_correspondent,
            )?;
            for t in &r.assign_tags {
                check(m, r.id, "assign_tags", "tag", tags, Some(*t))?;
            }
        }
        Ok(())
    }
}

fn dangling(model: &str, pk: &serde_json::Value, field: &str, kind: &str, target: Id) -> Error {
    Error::Invalid(format!(
        "{model} pk={pk}: {field} refers to {kind} {target}, which is not in the export"
    ))
}

/// Parents before children; a cycle is an error.
fn order_tags(tags: Vec<Tag>) -> Result<Vec<Tag>> {
    let mut by_id: BTreeMap<Id, Tag> = tags.into_iter().map(|t| (t.id, t)).collect();
    let mut out: Vec<Tag> = Vec::with_capacity(by_id.len());
    let mut placed: HashSet<Id> = HashSet::new();
    while !by_id.is_empty() {
        let ready: Vec<Id> = by_id
            .values()
            .filter(|t| {
                t.parent
                    .is_none_or(|p| placed.contains(&p) || !by_id.contains_key(&p))
            })
            .map(|t| t.id)
            .collect();
        if ready.is_empty() {
            let ids: Vec<String> = by_id.keys().map(Id::to_string).collect();
            return Err(Error::Invalid(format!(
                "the tags {} form a parent cycle",
                ids.join(", ")
            )));
        }
        for id in ready {
            if let Some(t) = by_id.remove(&id) {
                placed.insert(id);
                out.push(t);
            }
        }
    }
    Ok(out)
}

/// Which object a document field refers to.
#[derive(Debug, Clone, Copy)]
enum Ref {
    Owner,
    Correspondent,
    DocumentType,
    StoragePath,
    Tag,
    Root,
}

impl Ref {
    /// The manifest field.
    fn field(self) -> &'static str {
        match self {
            Ref::Owner => "owner",
            Ref::Correspondent => "correspondent",
            Ref::DocumentType => "document_type",
            Ref::StoragePath => "storage_path",
            Ref::Tag => "tags",
            Ref::Root => "root_document",
        }
    }

    /// What it refers to, in words.
    fn kind(self) -> &'static str {
        match self {
            Ref::Owner => "user",
            Ref::Correspondent => "correspondent",
            Ref::DocumentType => "document type",
            Ref::StoragePath => "storage path",
            Ref::Tag => "tag",
            Ref::Root => "document",
        }
    }
}

/// A document's reference to an object not read yet when the document came.
#[derive(Debug)]
struct Deferred {
    document: Id,
    to: Ref,
    target: Id,
}

/// The ids of the objects documents refer to, as far as read.
#[derive(Debug, Default)]
struct Known {
    users: HashSet<Id>,
    correspondents: HashSet<Id>,
    document_types: HashSet<Id>,
    storage_paths: HashSet<Id>,
    tags: HashSet<Id>,
}

impl Known {
    /// The set a record of `model` goes into, if documents refer to that model.
    fn set_mut(&mut self, model: &str) -> Option<&mut HashSet<Id>> {
        match model {
            models::USER => Some(&mut self.users),
            models::CORRESPONDENT => Some(&mut self.correspondents),
            models::DOCUMENT_TYPE => Some(&mut self.document_types),
            models::STORAGE_PATH => Some(&mut self.storage_paths),
            models::TAG => Some(&mut self.tags),
            _ => None,
        }
    }

    fn holds(&self, to: Ref, id: Id, documents: &HashSet<Id>) -> bool {
        match to {
            Ref::Owner => self.users.contains(&id),
            Ref::Correspondent => self.correspondents.contains(&id),
            Ref::DocumentType => self.document_types.contains(&id),
            Ref::StoragePath => self.storage_paths.contains(&id),
            Ref::Tag => self.tags.contains(&id),
            Ref::Root => documents.contains(&id),
        }
    }
}

/// A document record as pd's document with the export's paths of its files.
pub(crate) fn document(f: &Fields, id: Id) -> Result<ExportedDocument> {
    let r = f.record;
    let checksum = f.req_str("checksum")?;
    let created = f
        .opt_str("created")?
        .and_then(|s| parse_date(&s))
        .ok_or_else(|| Error::Invalid(format!("document pk={id}: \"created\" is not a date")))?;
    let mut tags = f.ids("tags")?;
    tags.sort_unstable();
    tags.dedup();
    let file = r.exported_file_name.clone().ok_or_else(|| {
        Error::Invalid(format!(
            "document pk={id} does not name its file (__exported_file_name__)"
        ))
    })?;
    let document = Document {
        id,
        title: f.str_or("title", "")?,
        content: f.str_or("content", "")?,
        created,
        added: f.ts_or_now("added")?,
        modified: f.ts_or_now("modified")?,
        mime_type: f.req_str("mime_type")?,
        original_filename: f.opt_str("original_filename")?,
        filename: f.opt_str("filename")?,
        archive_filename: f.opt_str("archive_filename")?,
        checksum,
        archive_checksum: f.opt_str("archive_checksum")?,
        page_count: f.opt_int("page_count")?.and_then(|n| i32::try_from(n).ok()),
        archive_serial_number: f.opt_int("archive_serial_number")?,
        correspondent: f.opt_int("correspondent")?,
        document_type: f.opt_int("document_type")?,
        storage_path: f.opt_int("storage_path")?,
        owner: f.opt_int("owner")?,
        tags,
        deleted_at: f.opt_ts("deleted_at")?,
        restored_at: f.opt_ts("restored_at")?,
        transaction_id: f.opt_str("transaction_id")?,
        root_document: f.opt_int("root_document")?,
        version_index: f
            .opt_int("version_index")?
            .and_then(|n| i32::try_from(n).ok()),
        version_label: f.opt_str("version_label")?,
        storage_type: match f.opt_str("storage_type")? {
            None => StorageType::Unencrypted,
            Some(name) => StorageType::parse(&name).ok_or_else(|| {
                Error::Invalid(format!(
                    "document pk={id}: unknown storage_type {name:?} \
                     (expected \"unencrypted\" or \"gpg\")"
                ))
            })?,
        },
    };
    Ok(ExportedDocument {
        export_id: id,
        document,
        file,
        archive: r.exported_archive_name.clone(),
        thumbnail: r.exported_thumbnail_name.clone(),
    })
}

fn instance_value(f: &Fields, ty: CustomFieldType) -> Result<Option<CustomFieldValue>> {
    use CustomFieldType as T;
    Ok(match ty {
        T::String => f.opt_str("value_text")?.map(CustomFieldValue::String),
        T::Url => f.opt_str("value_url")?.map(CustomFieldValue::Url),
        T::Date => f.opt_date("value_date")?.map(CustomFieldValue::Date),
        T::Boolean => match f.value("value_bool") {
            None => None,
            Some(_) => Some(CustomFieldValue::Boolean(f.bool_or("value_bool", false)?)),
        },
        T::Integer => f.opt_int("value_int")?.map(CustomFieldValue::Integer),
        T::Float => match f.value("value_float") {
            None => None,
            Some(v) => Some(CustomFieldValue::Float(v.as_f64().ok_or_else(|| {
                Error::Invalid(format!(
                    "custom field instance pk={}: value_float is not a number",
                    f.record.pk
                ))
            })?)),
        },
        T::Monetary => f.opt_str("value_monetary")?.map(CustomFieldValue::Monetary),
        T::DocumentLink => match f.value("value_document_ids") {
            None => None,
            Some(_) => Some(CustomFieldValue::DocumentLink(f.ids("value_document_ids")?)),
        },
        T::Select => f.opt_str("value_select")?.map(CustomFieldValue::Select),
        T::LongText => f
            .opt_str("value_long_text")?
            .map(CustomFieldValue::LongText),
    })
}

fn mail_account(f: &Fields, id: Id) -> Result<MailAccount> {
    use pd_core::{MailAccountType, MailSecurity};
    Ok(MailAccount {
        id,
        name: f.req_str("name")?,
        imap_server: f.str_or("imap_server", "")?,
        imap_port: f.opt_int("imap_port")?.and_then(|p| i32::try_from(p).ok()),
        imap_security: coded(f, "imap_security", 2, MailSecurity::from_code)?,
        username: f.str_or("username", "")?,
        password: f.str_or("password", "")?,
        is_token: f.bool_or("is_token", false)?,
        character_set: f.str_or("character_set", "UTF-8")?,
        account_type: coded(f, "account_type", 1, MailAccountType::from_code)?,
        refresh_token: f.opt_str("refresh_token")?,
        owner: f.opt_int("owner")?,
    })
}

fn mail_rule(f: &Fields, id: Id) -> Result<MailRule> {
    use pd_core::{
        MailAction, MailAttachmentType, MailConsumptionScope, MailCorrespondentFrom, MailTitleFrom,
    };
    let int32 = |name: &str, default: i64| -> Result<i32> {
        Ok(i32::try_from(f.int_or(name, default)?).unwrap_or_default())
    };
    Ok(MailRule {
        id,
        name: f.req_str("name")?,
        account: f
            .opt_int("account")?
            .ok_or_else(|| Error::Invalid(format!("mail rule pk={id} names no account")))?,
        order: int32("order", 0)?,
        enabled: f.bool_or("enabled", true)?,
        folder: f.str_or("folder", "INBOX")?,
        filter_from: f.opt_str("filter_from")?,
        filter_to: f.opt_str("filter_to")?,
        filter_subject: f.opt_str("filter_subject")?,
        filter_body: f.opt_str("filter_body")?,
        filter_attachment_filename_include: f.opt_str("filter_attachment_filename_include")?,
        filter_attachment_filename_exclude: f.opt_str("filter_attachment_filename_exclude")?,
        maximum_age: int32("maximum_age", 30)?,
        attachment_type: coded(f, "attachment_type", 1, MailAttachmentType::from_code)?,
        consumption_scope: coded(f, "consumption_scope", 1, MailConsumptionScope::from_code)?,
        pdf_layout: i16::try_from(f.int_or("pdf_layout", 0)?).unwrap_or_default(),
        action: coded(f, "action", 3, MailAction::from_code)?,
        action_parameter: f.opt_str("action_parameter")?,
        assign_title_from: coded(f, "assign_title_from", 1, MailTitleFrom::from_code)?,
        assign_tags: f.ids("assign_tags")?,
        assign_document_type: f.opt_int("assign_document_type")?,
        assign_correspondent_from: coded(
            f,
            "assign_correspondent_from",
            1,
            MailCorrespondentFrom::from_code,
        )?,
        assign_correspondent: f.opt_int("assign_correspondent")?,
        assign_owner_from_rule: f.bool_or("assign_owner_from_rule", true)?,
        stop_processing: f.bool_or("stop_processing", false)?,
        owner: f.opt_int("owner")?,
    })
}
