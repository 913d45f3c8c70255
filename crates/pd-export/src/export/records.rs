//! The library as paperless-ngx 3 manifest records: fields in model definition order,
//! values encoded as Django's `DjangoJSONEncoder` writes them, and the JSON text framed
//! and indented exactly as paperless-ngx's exporter writes it.

use std::collections::HashMap;

use pd_core::{
    Correspondent, CustomField, CustomFieldInstance, CustomFieldValue, Document, DocumentType, Id,
    MailAccount, MailRule, MatchRule, Note, StoragePath, Tag, Timestamp, User,
};
use serde_json::{Value, json};

use crate::manifest::models;

/// One record to write: keys in the order paperless-ngx writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct OutRecord {
    /// The model label.
    pub model: String,
    /// The primary key.
    pub pk: Value,
    /// `fields`, in order.
    pub fields: Vec<(String, Value)>,
    /// `__exported_*_name__` keys and any other extra top-level key, in order.
    pub extras: Vec<(String, Value)>,
}

impl OutRecord {
    fn new(model: &str, pk: Id, fields: Vec<(&str, Value)>) -> OutRecord {
        OutRecord {
            model: model.to_owned(),
            pk: pk.into(),
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            extras: Vec::new(),
        }
    }

    /// A kept record as it was imported (its `fields` in the order the database kept).
    pub fn from_kept(record: &Value) -> OutRecord {
        let obj = record.as_object();
        let get = |k: &str| obj.and_then(|o| o.get(k)).cloned();
        OutRecord {
            model: get("model")
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            pk: get("pk").unwrap_or(Value::Null),
            fields: match get("fields") {
                Some(Value::Object(m)) => m.into_iter().collect(),
                _ => Vec::new(),
            },
            extras: obj
                .map(|o| {
                    o.iter()
                        .filter(|(k, _)| !matches!(k.as_str(), "model" | "pk" | "fields"))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// A field's value.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A field's value, mutable.
    pub fn field_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.fields
            .iter_mut()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Sets (or adds) an extra top-level key.
    pub fn set_extra(&mut self, key: &str, value: Value) {
        match self.extras.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.extras.push((key.to_owned(), value)),
        }
    }

    /// Removes an extra top-level key.
    pub fn remove_extra(&mut self, key: &str) -> Option<Value> {
        let i = self.extras.iter().position(|(k, _)| k == key)?;
        Some(self.extras.remove(i).1)
    }

    /// The record as paperless-ngx writes it: `json.dumps(indent=2, ensure_ascii=False)`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\n  \"model\": ");
        scalar(out, &Value::String(self.model.clone()));
        out.extend_from_slice(b",\n  \"pk\": ");
        write_value(out, &self.pk, 1);
        out.extend_from_slice(b",\n  \"fields\": ");
        write_object(out, self.fields.iter().map(|(k, v)| (k.as_str(), v)), 1);
        for (k, v) in &self.extras {
            out.extend_from_slice(b",\n  ");
            scalar(out, &Value::String(k.clone()));
            out.extend_from_slice(b": ");
            write_value(out, v, 1);
        }
        out.extend_from_slice(b"\n}");
    }
}

/// A manifest: `[` + records joined by `,\n` + `\n]` (`[\n]` when empty).
pub fn manifest_bytes<'a>(records: impl IntoIterator<Item = &'a OutRecord>) -> Vec<u8> {
    let mut out = b"[".to_vec();
    let mut first = true;
    for r in records {
        if first {
            first = false;
        } else {
            out.extend_from_slice(b",\n");
        }
        r.write_to(&mut out);
    }
    out.extend_from_slice(b"\n]");
    out
}

/// Any JSON value indented as Python's `json.dumps(indent=2)`; used for `metadata.json`.
pub fn pretty(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, value, 0);
    out
}

fn indent(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    out.extend(std::iter::repeat_n(b' ', depth * 2));
}

fn scalar(out: &mut Vec<u8>, v: &Value) {
    // serde_json escapes what Python's json.dumps(ensure_ascii=False) escapes.
    out.extend_from_slice(serde_json::to_string(v).unwrap_or_default().as_bytes());
}

fn write_object<'a>(
    out: &mut Vec<u8>,
    entries: impl Iterator<Item = (&'a str, &'a Value)>,
    depth: usize,
) {
    let mut any = false;
    for (k, v) in entries {
        out.push(if any { b',' } else { b'{' });
        any = true;
        indent(out, depth + 1);
        scalar(out, &Value::String(k.to_owned()));
        out.extend_from_slice(b": ");
        write_value(out, v, depth + 1);
    }
    if any {
        indent(out, depth);
        out.push(b'}');
    } else {
        out.extend_from_slice(b"{}");
    }
}

fn write_value(out: &mut Vec<u8>, v: &Value, depth: usize) {
    match v {
        Value::Object(m) => write_object(out, m.iter().map(|(k, v)| (k.as_str(), v)), depth),
        Value::Array(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                out.push(if i == 0 { b'[' } else { b',' });
                indent(out, depth + 1);
                write_value(out, item, depth + 1);
            }
            indent(out, depth);
            out.push(b']');
        }
        other => scalar(out, other),
    }
}

/// A time stamp as `DjangoJSONEncoder` writes it: UTC, milliseconds only when there are
/// sub-second digits, `Z` for the offset.
pub fn timestamp(t: &Timestamp) -> Value {
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let micros = t.microsecond();
    if micros != 0 {
        s.push_str(&format!(".{:03}", micros / 1000));
    }
    s.push('Z');
    Value::String(s)
}

fn opt_ts(t: &Option<Timestamp>) -> Value {
    t.as_ref().map(timestamp).unwrap_or(Value::Null)
}

fn date(d: &pd_core::Date) -> Value {
    Value::String(d.to_string())
}

fn matching<'a>(owner: Option<Id>, name: &str, m: &MatchRule) -> Vec<(&'a str, Value)> {
    vec![
        ("owner", json!(owner)),
        ("name", json!(name)),
        ("match", json!(m.pattern)),
        ("matching_algorithm", json!(m.algorithm.code())),
        ("is_insensitive", json!(m.is_insensitive)),
    ]
}

/// `documents.correspondent`
pub fn correspondent(c: &Correspondent) -> OutRecord {
    OutRecord::new(
        models::CORRESPONDENT,
        c.id,
        matching(c.owner, &c.name, &c.matching),
    )
}

/// `documents.documenttype`
pub fn document_type(t: &DocumentType) -> OutRecord {
    OutRecord::new(
        models::DOCUMENT_TYPE,
        t.id,
        matching(t.owner, &t.name, &t.matching),
    )
}

/// `documents.storagepath`
pub fn storage_path(p: &StoragePath) -> OutRecord {
    let mut fields = matching(p.owner, &p.name, &p.matching);
    fields.push(("path", json!(p.path)));
    OutRecord::new(models::STORAGE_PATH, p.id, fields)
}

/// Every `documents.tag`, with django-treenode's cached tree fields (`tn_*`) computed
/// from the parents: siblings ordered by name, priority 0.
pub fn tags(tags: &[Tag]) -> Vec<OutRecord> {
    let mut children: HashMap<Option<Id>, Vec<&Tag>> = HashMap::new();
    for t in tags {
        let parent = t.parent.filter(|p| tags.iter().any(|o| o.id == *p));
        children.entry(parent).or_default().push(t);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    }
    // Depth-first order gives tn_order; descendants are contiguous in it.
    let mut order: Vec<(Id, Vec<Id>)> = Vec::new(); // (tag, ancestors)
    fn walk(
        parent: Option<Id>,
        ancestors: &mut Vec<Id>,
        children: &HashMap<Option<Id>, Vec<&Tag>>,
        order: &mut Vec<(Id, Vec<Id>)>,
    ) {
        for t in children.get(&parent).into_iter().flatten() {
            order.push((t.id, ancestors.clone()));
            ancestors.push(t.id);
            walk(Some(t.id), ancestors, children, order);
            ancestors.pop();
        }
    }
    walk(None, &mut Vec::new(), &children, &mut order);
    let pos: HashMap<Id, usize> = order
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let join = |ids: &[Id]| ids.iter().map(Id::to_string).collect::<Vec<_>>().join(",");
    let mut out = Vec::with_capacity(tags.len());
    for t in tags {
        let Some(&at) = pos.get(&t.id) else { continue };
        let ancestors = &order[at].1;
        let descendants: Vec<Id> = order[at + 1..]
            .iter()
            .take_while(|(_, a)| a.contains(&t.id))
            .map(|(id, _)| *id)
            .collect();
        let depth = order[at + 1..at + 1 + descendants.len()]
            .iter()
            .map(|(_, a)| a.len() - ancestors.len())
            .max()
            .unwrap_or(0);
        let kids: Vec<Id> = children
            .get(&Some(t.id))
            .into_iter()
            .flatten()
            .map(|c| c.id)
            .collect();
        let parent = t.parent.filter(|p| pos.contains_key(p));
        let siblings_all: Vec<Id> = children
            .get(&parent)
            .into_iter()
            .flatten()
            .map(|c| c.id)
            .collect();
        let index = siblings_all.iter().position(|id| *id == t.id).unwrap_or(0);
        let siblings: Vec<Id> = siblings_all.into_iter().filter(|id| *id != t.id).collect();
        let mut fields = vec![
            ("tn_ancestors_pks", json!(join(ancestors))),
            ("tn_ancestors_count", json!(ancestors.len())),
            ("tn_children_pks", json!(join(&kids))),
            ("tn_children_count", json!(kids.len())),
            ("tn_depth", json!(depth)),
            ("tn_descendants_pks", json!(join(&descendants))),
            ("tn_descendants_count", json!(descendants.len())),
            ("tn_index", json!(index)),
            ("tn_level", json!(ancestors.len() + 1)),
            ("tn_parent", json!(parent)),
            ("tn_priority", json!(0)),
            ("tn_order", json!(at)),
            ("tn_siblings_pks", json!(join(&siblings))),
            ("tn_siblings_count", json!(siblings.len())),
        ];
        fields.extend(matching(t.owner, &t.name, &t.matching));
        fields.push(("color", json!(t.color)));
        fields.push(("is_inbox_tag", json!(t.is_inbox_tag)));
        out.push(OutRecord::new(models::TAG, t.id, fields));
    }
    out
}

/// `auth.user` (groups, permissions and last login are not kept by pd).
pub fn user(u: &User) -> OutRecord {
    OutRecord::new(
        models::USER,
        u.id,
        vec![
            ("password", json!(u.password)),
            ("last_login", Value::Null),
            ("is_superuser", json!(u.is_superuser)),
            ("username", json!(u.username)),
            ("first_name", json!(u.first_name)),
            ("last_name", json!(u.last_name)),
            ("email", json!(u.email)),
            ("is_staff", json!(u.is_staff)),
            ("is_active", json!(u.is_active)),
            ("date_joined", timestamp(&u.date_joined)),
            ("groups", json!([])),
            ("user_permissions", json!([])),
        ],
    )
}

/// `paperless_mail.mailaccount`, secrets in plain text (encrypted later with a passphrase).
pub fn mail_account(a: &MailAccount) -> OutRecord {
    OutRecord::new(
        models::MAIL_ACCOUNT,
        a.id,
        vec![
            ("owner", json!(a.owner)),
            ("name", json!(a.name)),
            ("imap_server", json!(a.imap_server)),
            ("imap_port", json!(a.imap_port)),
            ("imap_security", json!(a.imap_security.code())),
            ("username", json!(a.username)),
            ("password", json!(a.password)),
            ("is_token", json!(a.is_token)),
            ("character_set", json!(a.character_set)),
            ("account_type", json!(a.account_type.code())),
            ("refresh_token", json!(a.refresh_token)),
            ("expiration", Value::Null),
        ],
    )
}

/// `paperless_mail.mailrule`
pub fn mail_rule(r: &MailRule) -> OutRecord {
    OutRecord::new(
        models::MAIL_RULE,
        r.id,
        vec![
            ("owner", json!(r.owner)),
            ("name", json!(r.name)),
            ("order", json!(r.order)),
            ("account", json!(r.account)),
            ("enabled", json!(r.enabled)),
            ("folder", json!(r.folder)),
            ("filter_from", json!(r.filter_from)),
            ("filter_to", json!(r.filter_to)),
            ("filter_subject", json!(r.filter_subject)),
            ("filter_body", json!(r.filter_body)),
            (
                "filter_attachment_filename_include",
                json!(r.filter_attachment_filename_include),
            ),
            (
                "filter_attachment_filename_exclude",
                json!(r.filter_attachment_filename_exclude),
            ),
            ("maximum_age", json!(r.maximum_age)),
            ("attachment_type", json!(r.attachment_type.code())),
            ("consumption_scope", json!(r.consumption_scope.code())),
            ("pdf_layout", json!(r.pdf_layout)),
            ("action", json!(r.action.code())),
            ("action_parameter", json!(r.action_parameter)),
            ("assign_title_from", json!(r.assign_title_from.code())),
            ("assign_document_type", json!(r.assign_document_type)),
            (
                "assign_correspondent_from",
                json!(r.assign_correspondent_from.code()),
            ),
            ("assign_correspondent", json!(r.assign_correspondent)),
            ("assign_owner_from_rule", json!(r.assign_owner_from_rule)),
            ("stop_processing", json!(r.stop_processing)),
            ("assign_tags", json!(r.assign_tags)),
        ],
    )
}

/// `documents.customfield`
pub fn custom_field(f: &CustomField) -> OutRecord {
    OutRecord::new(
        models::CUSTOM_FIELD,
        f.id,
        vec![
            ("created", timestamp(&f.created)),
            ("name", json!(f.name)),
            ("data_type", json!(f.data_type.name())),
            ("extra_data", f.extra_data.clone().unwrap_or(Value::Null)),
        ],
    )
}

/// The amount of a monetary value (`EUR123.45` → `"123.45"`), as paperless-ngx's
/// generated column holds it.
fn monetary_amount(v: &str) -> Value {
    let digits = v.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    match digits.parse::<f64>() {
        Ok(n) if n.is_finite() => Value::String(format!("{n:.2}")),
        _ => Value::Null,
    }
}

/// `documents.customfieldinstance`
pub fn custom_field_instance(i: &CustomFieldInstance) -> OutRecord {
    use CustomFieldValue as V;
    let mut slots: Vec<(&str, Value)> = [
        "value_text",
        "value_bool",
        "value_url",
        "value_date",
        "value_int",
        "value_float",
        "value_monetary",
        "value_monetary_amount",
        "value_document_ids",
        "value_select",
        "value_long_text",
    ]
    .into_iter()
    .map(|k| (k, Value::Null))
    .collect();
    let mut set = |name: &str, v: Value| {
        if let Some(slot) = slots.iter_mut().find(|(k, _)| *k == name) {
            slot.1 = v;
        }
    };
    match &i.value {
        None => {}
        Some(V::String(s)) => set("value_text", json!(s)),
        Some(V::Url(s)) => set("value_url", json!(s)),
        Some(V::Date(d)) => set("value_date", date(d)),
        Some(V::Boolean(b)) => set("value_bool", json!(b)),
        Some(V::Integer(n)) => set("value_int", json!(n)),
        Some(V::Float(f)) => set("value_float", json!(f)),
        Some(V::Monetary(m)) => {
            set("value_monetary", json!(m));
            set("value_monetary_amount", monetary_amount(m));
        }
        Some(V::DocumentLink(ids)) => set("value_document_ids", json!(ids)),
        Some(V::Select(s)) => set("value_select", json!(s)),
        Some(V::LongText(s)) => set("value_long_text", json!(s)),
    }
    let mut fields = vec![
        ("deleted_at", opt_ts(&i.deleted_at)),
        ("restored_at", Value::Null),
        ("transaction_id", Value::Null),
        ("created", timestamp(&i.created)),
        ("document", json!(i.document)),
        ("field", json!(i.field)),
    ];
    fields.extend(slots);
    OutRecord::new(models::CUSTOM_FIELD_INSTANCE, i.id, fields)
}

/// `documents.note`
pub fn note(n: &Note) -> OutRecord {
    OutRecord::new(
        models::NOTE,
        n.id,
        vec![
            ("deleted_at", opt_ts(&n.deleted_at)),
            ("restored_at", Value::Null),
            ("transaction_id", Value::Null),
            ("note", json!(n.note)),
            ("created", timestamp(&n.created)),
            ("document", json!(n.document)),
            ("user", json!(n.user)),
        ],
    )
}

/// `documents.document`, without the `__exported_*` keys (the caller adds them). A
/// GnuPG-stored document also carries paperless-ngx 2's `storage_type: "gpg"`, which
/// paperless-ngx 3 does not know: such a library should be decrypted before it is
/// exported for paperless-ngx 3.
pub fn document(d: &Document) -> OutRecord {
    let mut record = OutRecord::new(
        models::DOCUMENT,
        d.id,
        vec![
            ("deleted_at", opt_ts(&d.deleted_at)),
            ("restored_at", opt_ts(&d.restored_at)),
            ("transaction_id", json!(d.transaction_id)),
            ("owner", json!(d.owner)),
            ("correspondent", json!(d.correspondent)),
            ("storage_path", json!(d.storage_path)),
            ("title", json!(d.title)),
            ("document_type", json!(d.document_type)),
            ("content", json!(d.content)),
            ("mime_type", json!(d.mime_type)),
            ("checksum", json!(d.checksum)),
            ("archive_checksum", json!(d.archive_checksum)),
            ("page_count", json!(d.page_count)),
            ("created", date(&d.created)),
            ("modified", timestamp(&d.modified)),
            ("added", timestamp(&d.added)),
            ("filename", json!(d.filename)),
            ("archive_filename", json!(d.archive_filename)),
            ("original_filename", json!(d.original_filename)),
            ("archive_serial_number", json!(d.archive_serial_number)),
            ("root_document", json!(d.root_document)),
            ("version_index", json!(d.version_index)),
            ("version_label", json!(d.version_label)),
            ("tags", json!(d.tags)),
        ],
    );
    if d.is_encrypted() {
        record
            .fields
            .push(("storage_type".to_owned(), json!(d.storage_type.as_str())));
    }
    record
}

/// The position of a model in paperless-ngx's manifest (§3.3); models it does not list
/// come after those it does, before the documents.
pub fn model_rank(model: &str) -> usize {
    const ORDER: [&str; 31] = [
        models::CORRESPONDENT,
        models::TAG,
        models::DOCUMENT_TYPE,
        models::STORAGE_PATH,
        models::MAIL_ACCOUNT,
        models::MAIL_RULE,
        "documents.savedview",
        "documents.savedviewfilterrule",
        "auth.group",
        models::USER,
        "documents.uisettings",
        "contenttypes.contenttype",
        "auth.permission",
        "guardian.userobjectpermission",
        "guardian.groupobjectpermission",
        "documents.workflowtrigger",
        "documents.workflowaction",
        "documents.workflowactionemail",
        "documents.workflowactionwebhook",
        "documents.workflow",
        models::CUSTOM_FIELD,
        models::CUSTOM_FIELD_INSTANCE,
        "paperless.applicationconfiguration",
        models::NOTE,
        "documents.sharelink",
        "socialaccount.socialaccount",
        "socialaccount.socialapp",
        models::SOCIAL_TOKEN,
        "mfa.authenticator",
        "auditlog.logentry",
        // Written after the documents.
        "documents.sharelinkbundle",
    ];
    match ORDER.iter().position(|m| *m == model) {
        Some(30) => 200,
        Some(i) => 2 * i,
        None => 57,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_gpg_documents_carry_a_storage_type() {
        let mut doc: Document = serde_json::from_value(json!({
            "id": 3, "title": "t", "content": "", "created": "2020-01-02",
            "added": "2020-01-02T00:00:00Z", "modified": "2020-01-02T00:00:00Z",
            "mime_type": "application/pdf", "original_filename": null, "filename": null,
            "archive_filename": null, "checksum": "0", "archive_checksum": null,
            "page_count": null, "archive_serial_number": null, "correspondent": null,
            "document_type": null, "storage_path": null, "owner": null, "tags": [],
            "deleted_at": null, "restored_at": null, "transaction_id": null,
            "root_document": null, "version_index": null, "version_label": null
        }))
        .unwrap();
        assert_eq!(document(&doc).field("storage_type"), None);
        doc.storage_type = pd_core::StorageType::Gpg;
        assert_eq!(document(&doc).field("storage_type"), Some(&json!("gpg")));
    }

    #[test]
    fn framing_and_indent_follow_paperless() {
        assert_eq!(manifest_bytes([]), b"[\n]");
        let mut r = OutRecord::new(
            "documents.tag",
            2,
            vec![("name", json!("Ä")), ("l", json!([1, 2])), ("e", json!([]))],
        );
        r.set_extra("__exported_file_name__", json!("a.pdf"));
        let text = String::from_utf8(manifest_bytes([&r, &r])).unwrap();
        let one = "{\n  \"model\": \"documents.tag\",\n  \"pk\": 2,\n  \"fields\": {\n    \"name\": \"Ä\",\n    \"l\": [\n      1,\n      2\n    ],\n    \"e\": []\n  },\n  \"__exported_file_name__\": \"a.pdf\"\n}";
        assert_eq!(text, format!("[{one},\n{one}\n]"));
    }

    #[test]
    fn timestamps_like_django() {
        let t = time::macros::datetime!(2026-11-25 03:45:21.201_999 UTC);
        assert_eq!(timestamp(&t), json!("2026-11-25T03:45:21.201Z"));
        let t = time::macros::datetime!(2021-11-14 16:17:00 +02:00);
        assert_eq!(timestamp(&t), json!("2021-11-14T14:17:00Z"));
    }
}
