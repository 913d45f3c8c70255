//! Rows written with the ids they already have: what an import of an export needs, where
//! the export's primary keys must survive (relations, permissions and audit records refer
//! to them). Nothing here checks names or references first: the caller validates the
//! whole import, and the database's own constraints back it, so a bad row fails the
//! caller's transaction. After importing rows, [`Conn::reset_id_sequences`] makes new rows
//! get ids above the restored ones.
//!
//! Also the verbatim records of paperless-ngx models pd does not use
//! ([`PaperlessRecord`], table `paperless_records`), kept for a later export.

use std::ops::DerefMut;

use pd_core::{
    Correspondent, CustomField, CustomFieldInstance, Document, DocumentType, Id, MailAccount,
    MailRule, MatchRule, Note, StoragePath, Tag, User,
};
use serde::Serialize;
use sqlx::AnyConnection;

use super::fields::{VALUE_COLUMNS, ValueColumns};
use super::sql::{RowExt, date, flag, marks, opt_ts, ts};
use super::{Backend, Conn, Query};
use crate::Result;

/// Tables whose ids [`Conn::reset_id_sequences`] moves past.
const ID_TABLES: [&str; 12] = [
    "users",
    "correspondents",
    "document_types",
    "storage_paths",
    "tags",
    "documents",
    "custom_fields",
    "custom_field_instances",
    "notes",
    "mail_accounts",
    "mail_rules",
    "paperless_records",
];

/// The tables a restore writes ids into, by what they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdTable {
    /// `users`
    Users,
    /// `correspondents`
    Correspondents,
    /// `document_types`
    DocumentTypes,
    /// `storage_paths`
    StoragePaths,
    /// `tags`
    Tags,
    /// `documents`
    Documents,
    /// `custom_fields`
    CustomFields,
    /// `custom_field_instances`
    CustomFieldInstances,
    /// `notes`
    Notes,
    /// `mail_accounts`
    MailAccounts,
    /// `mail_rules`
    MailRules,
}

impl IdTable {
    fn name(self) -> &'static str {
        match self {
            IdTable::Users => "users",
            IdTable::Correspondents => "correspondents",
            IdTable::DocumentTypes => "document_types",
            IdTable::StoragePaths => "storage_paths",
            IdTable::Tags => "tags",
            IdTable::Documents => "documents",
            IdTable::CustomFields => "custom_fields",
            IdTable::CustomFieldInstances => "custom_field_instances",
            IdTable::Notes => "notes",
            IdTable::MailAccounts => "mail_accounts",
            IdTable::MailRules => "mail_rules",
        }
    }
}

/// A record of a paperless-ngx model pd does not use, kept verbatim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaperlessRecord {
    /// The model label, e.g. `auth.permission`.
    pub model: String,
    /// The primary key as JSON text (`12`, or `"abc"` for a text key).
    pub pk: String,
    /// The whole record (`model`, `pk`, `fields`, …) as it was in the manifest.
    pub record: serde_json::Value,
}

/// One bound value of a generic insert.
enum Val {
    Int(Option<i64>),
    Text(Option<String>),
}

fn int(v: impl Into<i64>) -> Val {
    Val::Int(Some(v.into()))
}

fn opt_int<T: Into<i64>>(v: Option<T>) -> Val {
    Val::Int(v.map(Into::into))
}

fn text(v: &str) -> Val {
    Val::Text(Some(v.to_owned()))
}

fn opt_text(v: Option<&str>) -> Val {
    Val::Text(v.map(str::to_owned))
}

fn bind(q: Query, values: Vec<Val>) -> Query {
    values.into_iter().fold(q, |q, v| match v {
        Val::Int(v) => q.bind(v),
        Val::Text(v) => q.bind(v),
    })
}

fn matching(m: &MatchRule) -> [Val; 3] {
    [
        text(&m.pattern),
        int(m.algorithm.code()),
        int(flag(m.is_insensitive)),
    ]
}

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    async fn insert_row(&mut self, table: &str, columns: &str, values: Vec<Val>) -> Result<()> {
        let q = self.query(&format!(
            "INSERT INTO {table} ({columns}) VALUES ({})",
            marks(values.len())
        ));
        self.execute(bind(q, values)).await?;
        Ok(())
    }

    /// The highest id in a table, 0 when it is empty.
    pub async fn max_id(&mut self, table: IdTable) -> Result<Id> {
        let q = self.query(&format!(
            "SELECT id FROM {} ORDER BY id DESC LIMIT 1",
            table.name()
        ));
        match self.fetch_optional(q).await? {
            Some(r) => r.int("id"),
            None => Ok(0),
        }
    }

    /// Makes the next generated id of every table greater than its largest id. Needed on
    /// PostgreSQL after rows were written with explicit ids; SQLite and MariaDB move their
    /// counters by themselves.
    pub async fn reset_id_sequences(&mut self) -> Result<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        for table in ID_TABLES {
            let q = self.query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ));
            self.execute(q).await?;
        }
        Ok(())
    }

    /// Writes a user with its id, password hash and join date.
    pub async fn import_user(&mut self, u: &User) -> Result<()> {
        let values = vec![
            int(u.id),
            text(&u.username),
            text(&u.first_name),
            text(&u.last_name),
            text(&u.email),
            text(&u.password),
            int(flag(u.is_superuser)),
            int(flag(u.is_staff)),
            int(flag(u.is_active)),
            text(&ts(u.date_joined)),
        ];
        self.insert_row(
            "users",
            "id, username, first_name, last_name, email, password, is_superuser, is_staff, \
             is_active, date_joined",
            values,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn import_matchable(
        &mut self,
        table: &str,
        id: Id,
        name: &str,
        m: &MatchRule,
        owner: Option<Id>,
        extra: &[&str],
        extra_values: Vec<Val>,
    ) -> Result<()> {
        let mut columns =
            "id, name, match_pattern, matching_algorithm, is_insensitive, owner_id".to_owned();
        for c in extra {
            columns.push_str(", ");
            columns.push_str(c);
        }
        let mut values = vec![int(id), text(name)];
        values.extend(matching(m));
        values.push(opt_int(owner));
        values.extend(extra_values);
        self.insert_row(table, &columns, values).await
    }

    /// Writes a correspondent with its id.
    pub async fn import_correspondent(&mut self, c: &Correspondent) -> Result<()> {
        self.import_matchable(
            "correspondents",
            c.id,
            &c.name,
            &c.matching,
            c.owner,
            &[],
            vec![],
        )
        .await
    }

    /// Writes a document type with its id.
    pub async fn import_document_type(&mut self, t: &DocumentType) -> Result<()> {
        self.import_matchable(
            "document_types",
            t.id,
            &t.name,
            &t.matching,
            t.owner,
            &[],
            vec![],
        )
        .await
    }

    /// Writes a storage path with its id.
    pub async fn import_storage_path(&mut self, p: &StoragePath) -> Result<()> {
        self.import_matchable(
            "storage_paths",
            p.id,
            &p.name,
            &p.matching,
            p.owner,
            &["path"],
            vec![text(&p.path)],
        )
        .await
    }

    /// Writes a tag with its id; its parent must have been written before it.
    pub async fn import_tag(&mut self, t: &Tag) -> Result<()> {
        let extra = ["color", "is_inbox_tag", "parent_id"];
        let values = vec![text(&t.color), int(flag(t.is_inbox_tag)), opt_int(t.parent)];
        self.import_matchable("tags", t.id, &t.name, &t.matching, t.owner, &extra, values)
            .await
    }

    /// Writes a custom field definition with its id.
    pub async fn import_custom_field(&mut self, f: &CustomField) -> Result<()> {
        let values = vec![
            int(f.id),
            text(&f.name),
            text(f.data_type.name()),
            Val::Text(f.extra_data.as_ref().map(|v| v.to_string())),
            text(&ts(f.created)),
        ];
        self.insert_row(
            "custom_fields",
            "id, name, data_type, extra_data, created",
            values,
        )
        .await
    }

    /// Writes a document with its id, every field as given (file names, checksums, trash
    /// state, versions) and its tags. A root document must be written before its versions.
    pub async fn import_document(&mut self, d: &Document) -> Result<()> {
        let values = vec![
            int(d.id),
            text(&d.title),
            text(&d.content),
            text(&date(d.created)),
            text(&ts(d.added)),
            text(&ts(d.modified)),
            text(&d.mime_type),
            opt_text(d.original_filename.as_deref()),
            opt_text(d.filename.as_deref()),
            opt_text(d.archive_filename.as_deref()),
            text(&d.checksum),
            opt_text(d.archive_checksum.as_deref()),
            opt_int(d.page_count),
            opt_int(d.archive_serial_number),
            opt_int(d.correspondent),
            opt_int(d.document_type),
            opt_int(d.storage_path),
            opt_int(d.owner),
            Val::Text(opt_ts(d.deleted_at)),
            Val::Text(opt_ts(d.restored_at)),
            opt_text(d.transaction_id.as_deref()),
            opt_int(d.root_document),
            opt_int(d.version_index),
            opt_text(d.version_label.as_deref()),
            text(d.storage_type.as_str()),
        ];
        self.insert_row(
            "documents",
            "id, title, content, created, added, modified, mime_type, original_filename, \
             filename, archive_filename, checksum, archive_checksum, page_count, \
             archive_serial_number, correspondent_id, document_type_id, storage_path_id, \
             owner_id, deleted_at, restored_at, transaction_id, root_document_id, \
             version_index, version_label, storage_type",
            values,
        )
        .await?;
        self.write_tags(d.id, &d.tags).await
    }

    /// Writes a note with its id.
    pub async fn import_note(&mut self, n: &Note) -> Result<()> {
        let values = vec![
            int(n.id),
            int(n.document),
            text(&n.note),
            text(&ts(n.created)),
            opt_int(n.user),
            Val::Text(opt_ts(n.deleted_at)),
        ];
        self.insert_row(
            "notes",
            "id, document_id, note, created, user_id, deleted_at",
            values,
        )
        .await
    }

    /// Writes a custom field instance with its id and value.
    pub async fn import_custom_field_instance(&mut self, i: &CustomFieldInstance) -> Result<()> {
        let columns = ValueColumns::of(i.value.as_ref())?;
        let q = self.query(&format!(
            "INSERT INTO custom_field_instances (id, document_id, field_id, created, deleted_at, \
             {}) VALUES (?, ?, ?, ?, ?, {})",
            VALUE_COLUMNS.join(", "),
            marks(VALUE_COLUMNS.len())
        ));
        let q = q
            .bind(i.id)
            .bind(i.document)
            .bind(i.field)
            .bind(ts(i.created))
            .bind(opt_ts(i.deleted_at));
        self.execute(columns.bind(q)).await?;
        Ok(())
    }

    /// Writes a mail account with its id.
    pub async fn import_mail_account(&mut self, a: &MailAccount) -> Result<()> {
        let values = vec![
            int(a.id),
            text(&a.name),
            text(&a.imap_server),
            opt_int(a.imap_port),
            int(a.imap_security.code()),
            text(&a.username),
            text(&a.password),
            int(flag(a.is_token)),
            text(&a.character_set),
            int(a.account_type.code()),
            opt_text(a.refresh_token.as_deref()),
            opt_int(a.owner),
        ];
        self.insert_row(
            "mail_accounts",
            "id, name, imap_server, imap_port, imap_security, username, password, is_token, \
             character_set, account_type, refresh_token, owner_id",
            values,
        )
        .await
    }

    /// Writes a mail rule with its id and tags.
    pub async fn import_mail_rule(&mut self, r: &MailRule) -> Result<()> {
        let values = vec![
            int(r.id),
            text(&r.name),
            int(r.account),
            int(r.order),
            int(flag(r.enabled)),
            text(&r.folder),
            opt_text(r.filter_from.as_deref()),
            opt_text(r.filter_to.as_deref()),
            opt_text(r.filter_subject.as_deref()),
            opt_text(r.filter_body.as_deref()),
            opt_text(r.filter_attachment_filename_include.as_deref()),
            opt_text(r.filter_attachment_filename_exclude.as_deref()),
            int(r.maximum_age),
            int(r.attachment_type.code()),
            int(r.consumption_scope.code()),
            int(r.pdf_layout),
            int(r.action.code()),
            opt_text(r.action_parameter.as_deref()),
            int(r.assign_title_from.code()),
            opt_int(r.assign_document_type),
            int(r.assign_correspondent_from.code()),
            opt_int(r.assign_correspondent),
            int(flag(r.assign_owner_from_rule)),
            int(flag(r.stop_processing)),
            opt_int(r.owner),
        ];
        self.insert_row(
            "mail_rules",
            "id, name, account_id, rule_order, enabled, folder, filter_from, filter_to, \
             filter_subject, filter_body, filter_attachment_filename_include, \
             filter_attachment_filename_exclude, maximum_age, attachment_type, \
             consumption_scope, pdf_layout, action, action_parameter, assign_title_from, \
             assign_document_type_id, assign_correspondent_from, assign_correspondent_id, \
             assign_owner_from_rule, stop_processing, owner_id",
            values,
        )
        .await?;
        let mut tags = r.assign_tags.clone();
        tags.sort_unstable();
        tags.dedup();
        for tag in tags {
            self.insert_row(
                "mail_rule_tags",
                "rule_id, tag_id",
                vec![int(r.id), int(tag)],
            )
            .await?;
        }
        Ok(())
    }

    /// Keeps a record of a paperless-ngx model pd does not use. Returns `false` (and
    /// writes nothing) when a record of that model and pk is already kept.
    pub async fn insert_paperless_record(&mut self, r: &PaperlessRecord) -> Result<bool> {
        let q = self
            .query("SELECT id FROM paperless_records WHERE model = ? AND pk = ?")
            .bind(r.model.clone())
            .bind(r.pk.clone());
        if self.fetch_optional(q).await?.is_some() {
            return Ok(false);
        }
        let values = vec![text(&r.model), text(&r.pk), text(&r.record.to_string())];
        self.insert_row("paperless_records", "model, pk, record", values)
            .await?;
        Ok(true)
    }

    /// Every kept paperless-ngx record, in the order they were imported.
    pub async fn paperless_records(&mut self) -> Result<Vec<PaperlessRecord>> {
        let q = self.query("SELECT model, pk, record FROM paperless_records ORDER BY id");
        self.fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                let record = r.text("record")?;
                Ok(PaperlessRecord {
                    model: r.text("model")?,
                    pk: r.text("pk")?,
                    record: serde_json::from_str(&record).map_err(|e| {
                        crate::Error::Invalid(format!(
                            "a kept paperless-ngx record is not JSON: {e}"
                        ))
                    })?,
                })
            })
            .collect()
    }
}
