use serde::{Deserialize, Serialize};

use crate::{Id, MatchRule, Timestamp};

/// Who a document is from or to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correspondent {
    pub id: Id,
    pub name: String,
    #[serde(flatten)]
    pub matching: MatchRule,
    pub owner: Option<Id>,
}

/// What kind of document it is (invoice, contract, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentType {
    pub id: Id,
    pub name: String,
    #[serde(flatten)]
    pub matching: MatchRule,
    pub owner: Option<Id>,
}

/// A label; tags nest up to five levels deep and one or more may be inbox tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: Id,
    pub name: String,
    #[serde(flatten)]
    pub matching: MatchRule,
    pub owner: Option<Id>,
    /// `#rrggbb`; paperless-ngx's default is [`Tag::DEFAULT_COLOR`].
    pub color: String,
    /// Newly consumed documents get every inbox tag.
    pub is_inbox_tag: bool,
    /// The parent tag (paperless-ngx's `tn_parent`).
    pub parent: Option<Id>,
}

impl Tag {
    /// paperless-ngx's default tag colour.
    pub const DEFAULT_COLOR: &'static str = "#a6cee3";
    /// The deepest nesting paperless-ngx allows (a root tag has depth 1).
    pub const MAX_DEPTH: usize = 5;

    /// Whether `color` has the `#rrggbb` form.
    pub fn is_valid_color(color: &str) -> bool {
        color.len() == 7
            && color.starts_with('#')
            && color[1..].chars().all(|c| c.is_ascii_hexdigit())
    }
}

/// Where a document's files go: `path` is a Jinja file name template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoragePath {
    pub id: Id,
    pub name: String,
    #[serde(flatten)]
    pub matching: MatchRule,
    pub owner: Option<Id>,
    /// The file name template, e.g. `{{ correspondent }}/{{ created_year }}/{{ title }}`.
    pub path: String,
}

/// A note on a document. Notes are soft-deleted with their document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: Id,
    pub document: Id,
    pub note: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created: Timestamp,
    pub user: Option<Id>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub deleted_at: Option<Timestamp>,
}

/// A user, as far as pd needs one: to own objects and to name them in file names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Id,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Django's password hash as exported (`pbkdf2_sha256$…`), kept for round trips.
    pub password: String,
    pub is_superuser: bool,
    pub is_staff: bool,
    pub is_active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub date_joined: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_colours() {
        assert!(Tag::is_valid_color(Tag::DEFAULT_COLOR));
        assert!(Tag::is_valid_color("#00FF7a"));
        assert!(!Tag::is_valid_color("#00FF7"));
        assert!(!Tag::is_valid_color("00FF7aa"));
        assert!(!Tag::is_valid_color("#00GG7a"));
    }
}
