//! Custom fields and their values on documents (one value column per type, as in
//! paperless-ngx).

use std::ops::DerefMut;

use pd_core::{CustomField, CustomFieldInstance, CustomFieldType, CustomFieldValue, Id};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::sql::{RowExt, conflict_on_unique, date, flag, ts};
use super::{Conn, check_len};
use crate::{Error, Result};

/// The value columns, in the order [`ValueColumns::bind`] binds them.
pub(super) const VALUE_COLUMNS: [&str; 10] = [
    "value_text",
    "value_url",
    "value_date",
    "value_bool",
    "value_int",
    "value_float",
    "value_monetary",
    "value_document_ids",
    "value_select",
    "value_long_text",
];

const INSTANCE_COLUMNS: &str = "i.id, i.document_id, i.field_id, i.created, i.deleted_at, \
     i.value_text, i.value_url, i.value_date, i.value_bool, i.value_int, i.value_float, \
     i.value_monetary, i.value_document_ids, i.value_select, i.value_long_text, f.data_type";

/// One value spread over the columns: all NULL but the one of its type.
#[derive(Default)]
pub(super) struct ValueColumns {
    text: Option<String>,
    url: Option<String>,
    date: Option<String>,
    boolean: Option<i16>,
    int: Option<i64>,
    float: Option<f64>,
    monetary: Option<String>,
    document_ids: Option<String>,
    select: Option<String>,
    long_text: Option<String>,
}

impl ValueColumns {
    pub(super) fn of(value: Option<&CustomFieldValue>) -> Result<ValueColumns> {
        let mut c = ValueColumns::default();
        match value {
            None => {}
            Some(CustomFieldValue::String(s)) => {
                check_len("a string field's value", s, 128)?;
                c.text = Some(s.clone());
            }
            Some(CustomFieldValue::Url(s)) => c.url = Some(s.clone()),
            Some(CustomFieldValue::Date(d)) => c.date = Some(date(*d)),
            Some(CustomFieldValue::Boolean(b)) => c.boolean = Some(flag(*b)),
            Some(CustomFieldValue::Integer(i)) => c.int = Some(*i),
            Some(CustomFieldValue::Float(f)) => {
                if !f.is_finite() {
                    return Err(Error::Invalid(format!(
                        "a float field's value must be a finite number, not {f}"
                    )));
                }
                c.float = Some(*f);
            }
            Some(CustomFieldValue::Monetary(s)) => {
                check_len("a monetary field's value", s, 128)?;
                c.monetary = Some(s.clone());
            }
            Some(CustomFieldValue::DocumentLink(ids)) => {
                c.document_ids =
                    Some(serde_json::to_string(ids).map_err(|e| {
                        Error::Invalid(format!("cannot encode document links: {e}"))
                    })?);
            }
            Some(CustomFieldValue::Select(s)) => {
                check_len("a select field's option id", s, 16)?;
                c.select = Some(s.clone());
            }
            Some(CustomFieldValue::LongText(s)) => c.long_text = Some(s.clone()),
        }
        Ok(c)
    }

    pub(super) fn bind(self, q: super::Query) -> super::Query {
        let q = q
            .bind(self.text)
            .bind(self.url)
            .bind(self.date)
            .bind(self.boolean)
            .bind(self.int);
        // sqlx 0.9's Any driver turns a NULL `f64` into a NULL `f32` (and the reverse) for
        // PostgreSQL; a statement prepared with a `float4` parameter then rejects an
        // `f64`. Binding a NULL `f32` yields the `float8` NULL we need.
        let q = match self.float {
            Some(f) => q.bind(f),
            None => q.bind(None::<f32>),
        };
        q.bind(self.monetary)
            .bind(self.document_ids)
            .bind(self.select)
            .bind(self.long_text)
    }
}

fn data_type(name: &str) -> Result<CustomFieldType> {
    CustomFieldType::parse(name)
        .ok_or_else(|| Error::Invalid(format!("unknown custom field type {name:?}")))
}

fn field_from_row(r: &AnyRow) -> Result<CustomField> {
    let extra_data = r
        .opt_text("extra_data")?
        .map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| Error::Invalid(format!("bad extra_data of custom field: {e}")))
        })
        .transpose()?;
    Ok(CustomField {
        id: r.int("id")?,
        name: r.text("name")?,
        data_type: data_type(&r.text("data_type")?)?,
        extra_data,
        created: r.ts("created")?,
    })
}

fn value_from_row(r: &AnyRow, ty: CustomFieldType) -> Result<Option<CustomFieldValue>> {
    use CustomFieldValue as V;
    Ok(match ty {
        CustomFieldType::String => r.opt_text("value_text")?.map(V::String),
        CustomFieldType::Url => r.opt_text("value_url")?.map(V::Url),
        CustomFieldType::Date => r.opt_date("value_date")?.map(V::Date),
        CustomFieldType::Boolean => r.opt_flag("value_bool")?.map(V::Boolean),
        CustomFieldType::Integer => r.opt_int("value_int")?.map(V::Integer),
        CustomFieldType::Float => r.opt_float("value_float")?.map(V::Float),
        CustomFieldType::Monetary => r.opt_text("value_monetary")?.map(V::Monetary),
        CustomFieldType::DocumentLink => match r.opt_text("value_document_ids")? {
            Some(json) => Some(V::DocumentLink(serde_json::from_str(&json).map_err(
                |e| Error::Invalid(format!("bad document links {json:?}: {e}")),
            )?)),
            None => None,
        },
        CustomFieldType::Select => r.opt_text("value_select")?.map(V::Select),
        CustomFieldType::LongText => r.opt_text("value_long_text")?.map(V::LongText),
    })
}

fn instance_from_row(r: &AnyRow) -> Result<CustomFieldInstance> {
    let ty = data_type(&r.text("data_type")?)?;
    Ok(CustomFieldInstance {
        id: r.int("id")?,
        document: r.int("document_id")?,
        field: r.int("field_id")?,
        value: value_from_row(r, ty)?,
        created: r.ts("created")?,
        deleted_at: r.opt_ts("deleted_at")?,
    })
}

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    /// Defines a custom field. Names are globally unique.
    pub async fn insert_custom_field(
        &mut self,
        name: &str,
        data_type: CustomFieldType,
        extra_data: Option<&serde_json::Value>,
    ) -> Result<CustomField> {
        if name.trim().is_empty() {
            return Err(Error::Invalid("a custom field needs a name".into()));
        }
        check_len("the custom field name", name, 128)?;
        let taken = || Error::Conflict(format!("a custom field named \"{name}\" already exists"));
        let q = self
            .query("SELECT id FROM custom_fields WHERE name = ?")
            .bind(name.to_owned());
        if self.fetch_optional(q).await?.is_some() {
            return Err(taken());
        }
        let created = pd_core::now();
        let q = self
            .query(
                "INSERT INTO custom_fields (name, data_type, extra_data, created) \
                 VALUES (?, ?, ?, ?) RETURNING id",
            )
            .bind(name.to_owned())
            .bind(data_type.name())
            .bind(extra_data.map(|v| v.to_string()))
            .bind(ts(created));
        let id = self
            .fetch_one(q)
            .await
            .map_err(|e| conflict_on_unique(e, taken))?
            .int("id")?;
        Ok(CustomField {
            id,
            name: name.to_owned(),
            data_type,
            extra_data: extra_data.cloned(),
            created,
        })
    }

    /// Every custom field, by id.
    pub async fn custom_fields(&mut self) -> Result<Vec<CustomField>> {
        let q = self.query(
            "SELECT id, name, data_type, extra_data, created FROM custom_fields ORDER BY id",
        );
        self.fetch_all(q)
            .await?
            .iter()
            .map(field_from_row)
            .collect()
    }

    /// The custom field with this id.
    pub async fn custom_field(&mut self, id: Id) -> Result<CustomField> {
        let q = self
            .query(
                "SELECT id, name, data_type, extra_data, created FROM custom_fields WHERE id = ?",
            )
            .bind(id);
        match self.fetch_optional(q).await? {
            Some(r) => field_from_row(&r),
            None => Err(Error::not_found("custom field", id)),
        }
    }

    /// Sets (or, with `None`, unsets) a custom field's value on a document, adding the
    /// field to the document if it was not there. The value's type must be the field's.
    pub async fn set_custom_field_value(
        &mut self,
        document: Id,
        field: Id,
        value: Option<&CustomFieldValue>,
    ) -> Result<CustomFieldInstance> {
        let def = self.custom_field(field).await?;
        if let Some(v) = value
            && v.data_type() != def.data_type
        {
            return Err(Error::Invalid(format!(
                "custom field \"{}\" holds {} values, not {}",
                def.name,
                def.data_type.name(),
                v.data_type().name()
            )));
        }
        let columns = ValueColumns::of(value)?;
        let mut tx = self.nested().await?;
        tx.require("documents", "document", document).await?;
        let q = tx
            .query("SELECT id FROM custom_field_instances WHERE document_id = ? AND field_id = ?")
            .bind(document)
            .bind(field);
        let id = match tx.fetch_optional(q).await? {
            Some(r) => {
                let id = r.int("id")?;
                let set: Vec<String> = VALUE_COLUMNS.iter().map(|c| format!("{c} = ?")).collect();
                let q = tx.query(&format!(
                    "UPDATE custom_field_instances SET {} WHERE id = ?",
                    set.join(", ")
                ));
                tx.execute(columns.bind(q).bind(id)).await?;
                id
            }
            None => {
                let q = tx.query(&format!(
                    "INSERT INTO custom_field_instances (document_id, field_id, created, {}) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    VALUE_COLUMNS.join(", ")
                ));
                let q = columns.bind(q.bind(document).bind(field).bind(ts(pd_core::now())));
                tx.fetch_one(q).await?.int("id")?
            }
        };
        let q = tx
            .query(&format!(
                "SELECT {INSTANCE_COLUMNS} FROM custom_field_instances i \
                 JOIN custom_fields f ON f.id = i.field_id WHERE i.id = ?"
            ))
            .bind(id);
        let instance = instance_from_row(&tx.fetch_one(q).await?)?;
        tx.commit().await?;
        Ok(instance)
    }

    /// The custom fields set on a document, soft-deleted ones included, by id.
    pub async fn custom_field_instances(
        &mut self,
        document: Id,
    ) -> Result<Vec<CustomFieldInstance>> {
        let q = self
            .query(&format!(
                "SELECT {INSTANCE_COLUMNS} FROM custom_field_instances i \
                 JOIN custom_fields f ON f.id = i.field_id WHERE i.document_id = ? ORDER BY i.id"
            ))
            .bind(document);
        self.fetch_all(q)
            .await?
            .iter()
            .map(instance_from_row)
            .collect()
    }

    /// Every document's custom field values, each document's in the order
    /// [`Conn::custom_field_instances`] gives: one query instead of one per document.
    pub async fn custom_field_instances_by_document(
        &mut self,
    ) -> Result<std::collections::HashMap<Id, Vec<CustomFieldInstance>>> {
        let q = self.query(&format!(
            "SELECT {INSTANCE_COLUMNS} FROM custom_field_instances i \
             JOIN custom_fields f ON f.id = i.field_id ORDER BY i.document_id, i.id"
        ));
        let mut out: std::collections::HashMap<Id, Vec<CustomFieldInstance>> = Default::default();
        for r in self.fetch_all(q).await? {
            let instance = instance_from_row(&r)?;
            out.entry(instance.document).or_default().push(instance);
        }
        Ok(out)
    }
}
