use serde::{Deserialize, Serialize};

use crate::{Date, Id, Timestamp};

/// The data types paperless-ngx offers for custom fields (`data_type` in exports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomFieldType {
    String,
    Url,
    Date,
    Boolean,
    Integer,
    Float,
    Monetary,
    #[serde(rename = "documentlink")]
    DocumentLink,
    Select,
    #[serde(rename = "longtext")]
    LongText,
}

impl CustomFieldType {
    /// Every type, in paperless-ngx's order.
    pub const ALL: [CustomFieldType; 10] = [
        Self::String,
        Self::Url,
        Self::Date,
        Self::Boolean,
        Self::Integer,
        Self::Float,
        Self::Monetary,
        Self::DocumentLink,
        Self::Select,
        Self::LongText,
    ];

    /// The name stored in the database and in exports (`documentlink`, `longtext`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Url => "url",
            Self::Date => "date",
            Self::Boolean => "boolean",
            Self::Integer => "integer",
            Self::Float => "float",
            Self::Monetary => "monetary",
            Self::DocumentLink => "documentlink",
            Self::Select => "select",
            Self::LongText => "longtext",
        }
    }

    /// The type for a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// A custom field definition. Names are globally unique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: Id,
    pub name: String,
    pub data_type: CustomFieldType,
    /// `{"select_options": [{"id", "label"}…]}` for select, `{"default_currency"}` for monetary.
    pub extra_data: Option<serde_json::Value>,
    #[serde(with = "time::serde::rfc3339")]
    pub created: Timestamp,
}

impl CustomField {
    /// The label of a select option id, if the field is a select field that has it.
    pub fn select_label(&self, option_id: &str) -> Option<&str> {
        self.extra_data
            .as_ref()?
            .get("select_options")?
            .as_array()?
            .iter()
            .find(|o| o.get("id").and_then(|v| v.as_str()) == Some(option_id))?
            .get("label")?
            .as_str()
    }
}

/// A custom field's value on one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum CustomFieldValue {
    String(String),
    Url(String),
    Date(Date),
    Boolean(bool),
    Integer(i64),
    Float(f64),
    /// `EUR123.45`, `GBP-5.00`, or a plain decimal.
    Monetary(String),
    #[serde(rename = "documentlink")]
    DocumentLink(Vec<Id>),
    /// The chosen option's id.
    Select(String),
    #[serde(rename = "longtext")]
    LongText(String),
}

impl CustomFieldValue {
    /// The field type this value belongs to.
    pub fn data_type(&self) -> CustomFieldType {
        match self {
            Self::String(_) => CustomFieldType::String,
            Self::Url(_) => CustomFieldType::Url,
            Self::Date(_) => CustomFieldType::Date,
            Self::Boolean(_) => CustomFieldType::Boolean,
            Self::Integer(_) => CustomFieldType::Integer,
            Self::Float(_) => CustomFieldType::Float,
            Self::Monetary(_) => CustomFieldType::Monetary,
            Self::DocumentLink(_) => CustomFieldType::DocumentLink,
            Self::Select(_) => CustomFieldType::Select,
            Self::LongText(_) => CustomFieldType::LongText,
        }
    }
}

/// A custom field set on a document; `value` is `None` when the field is present but unset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldInstance {
    pub id: Id,
    pub document: Id,
    pub field: Id,
    pub value: Option<CustomFieldValue>,
    #[serde(with = "time::serde::rfc3339")]
    pub created: Timestamp,
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_match_paperless() {
        for t in CustomFieldType::ALL {
            assert_eq!(CustomFieldType::parse(t.name()), Some(t));
            let json = serde_json::to_value(t).unwrap();
            assert_eq!(json, serde_json::Value::String(t.name().into()));
        }
    }

    #[test]
    fn select_labels() {
        let field = CustomField {
            id: 1,
            name: "Priority".into(),
            data_type: CustomFieldType::Select,
            extra_data: Some(serde_json::json!({"select_options": [
                {"id": "a1", "label": "High"}, {"id": "b2", "label": "Low"}]})),
            created: crate::now(),
        };
        assert_eq!(field.select_label("b2"), Some("Low"));
        assert_eq!(field.select_label("zz"), None);
    }
}
