//! `pd tags|correspondents|types|storage-paths list|add|remove`.

use anyhow::{Context, Result, bail};
use pd_core::{Id, MatchRule, Tag};
use pd_store::Store;
use pd_store::db::NewTag;
use pd_store::naming::validate_template;
use serde::Serialize;

use crate::cli::{AddObjectArgs, ObjectCommand};
use crate::output::{Output, Status, table};

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Tag,
    Correspondent,
    DocumentType,
    StoragePath,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Tag => "tag",
            Kind::Correspondent => "correspondent",
            Kind::DocumentType => "document type",
            Kind::StoragePath => "storage path",
        }
    }
}

/// One object of any kind, as listed.
#[derive(Debug, Clone, Serialize)]
struct Object {
    id: Id,
    name: String,
    #[serde(flatten)]
    matching: MatchRule,
    owner: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_inbox_tag: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

impl Object {
    fn plain(id: Id, name: String, matching: MatchRule, owner: Option<Id>) -> Object {
        Object {
            id,
            name,
            matching,
            owner,
            color: None,
            is_inbox_tag: None,
            parent: None,
            path: None,
        }
    }

    fn from_tag(t: Tag) -> Object {
        Object {
            color: Some(t.color),
            is_inbox_tag: Some(t.is_inbox_tag),
            parent: t.parent,
            ..Object::plain(t.id, t.name, t.matching, t.owner)
        }
    }
}

async fn list(store: &Store, kind: Kind) -> Result<Vec<Object>> {
    let mut conn = store.db().conn().await?;
    Ok(match kind {
        Kind::Tag => conn
            .tags()
            .await?
            .into_iter()
            .map(Object::from_tag)
            .collect(),
        Kind::Correspondent => conn
            .correspondents()
            .await?
            .into_iter()
            .map(|c| Object::plain(c.id, c.name, c.matching, c.owner))
            .collect(),
        Kind::DocumentType => conn
            .document_types()
            .await?
            .into_iter()
            .map(|c| Object::plain(c.id, c.name, c.matching, c.owner))
            .collect(),
        Kind::StoragePath => conn
            .storage_paths()
            .await?
            .into_iter()
            .map(|s| Object {
                path: Some(s.path),
                ..Object::plain(s.id, s.name, s.matching, s.owner)
            })
            .collect(),
    })
}

/// Finds an object by id or exact name.
fn find<'a>(objects: &'a [Object], key: &str, kind: Kind) -> Result<&'a Object> {
    let by_id = key.parse::<Id>().ok();
    objects
        .iter()
        .find(|o| Some(o.id) == by_id)
        .or_else(|| objects.iter().find(|o| o.name == key))
        .with_context(|| format!("no {} named or numbered {key:?}", kind.name()))
}

pub async fn run(store: &Store, kind: Kind, cmd: ObjectCommand, out: &Output) -> Result<Status> {
    match cmd {
        ObjectCommand::List => {
            let objects = list(store, kind).await?;
            out.report(&objects, |objects| render(kind, objects));
        }
        ObjectCommand::Add(args) => {
            let added = add(store, kind, &args).await?;
            out.report(&added, |o| {
                format!("added {} {} ({})", kind.name(), o.id, o.name)
            });
        }
        ObjectCommand::Remove { name, dry_run } => {
            let objects = list(store, kind).await?;
            let object = find(&objects, &name, kind)?.clone();
            if !dry_run {
                let mut conn = store.db().conn().await?;
                match kind {
                    Kind::Tag => conn.delete_tag(object.id).await?,
                    Kind::Correspondent => conn.delete_correspondent(object.id).await?,
                    Kind::DocumentType => conn.delete_document_type(object.id).await?,
                    Kind::StoragePath => conn.delete_storage_path(object.id).await?,
                }
            }
            out.report(&object, |o| {
                let verb = if dry_run { "would remove" } else { "removed" };
                let mut text = format!("{verb} {} {} ({})", kind.name(), o.id, o.name);
                if matches!(kind, Kind::Tag) {
                    text.push_str(" and its child tags; documents keep existing without them");
                }
                text
            });
        }
    }
    Ok(Status::Ok)
}

async fn add(store: &Store, kind: Kind, args: &AddObjectArgs) -> Result<Object> {
    let is_tag = matches!(kind, Kind::Tag);
    if !is_tag && (args.color.is_some() || args.inbox || args.parent.is_some()) {
        bail!("--color, --inbox and --parent are for tags only");
    }
    if !matches!(kind, Kind::StoragePath) && args.path.is_some() {
        bail!("--path is for storage paths only");
    }
    if args.name.trim().is_empty() {
        bail!("the name must not be empty");
    }
    let matching = MatchRule {
        pattern: args.pattern.clone(),
        algorithm: args.algorithm,
        is_insensitive: !args.case_sensitive,
    };
    let mut conn = store.db().conn().await?;
    let owner = match &args.owner {
        Some(username) => Some(
            conn.user_by_username(username)
                .await?
                .with_context(|| format!("no user named {username:?}"))?
                .id,
        ),
        None => None,
    };
    Ok(match kind {
        Kind::Tag => {
            let color = args
                .color
                .clone()
                .unwrap_or_else(|| Tag::DEFAULT_COLOR.to_owned());
            if !Tag::is_valid_color(&color) {
                bail!("invalid colour {color:?}: use #rrggbb");
            }
            let parent = match &args.parent {
                Some(key) => Some(find(&list(store, Kind::Tag).await?, key, Kind::Tag)?.id),
                None => None,
            };
            let tag = conn
                .insert_tag(&NewTag {
                    name: args.name.clone(),
                    matching,
                    owner,
                    color,
                    is_inbox_tag: args.inbox,
                    parent,
                })
                .await?;
            Object::from_tag(tag)
        }
        Kind::Correspondent => {
            let c = conn
                .insert_correspondent(&args.name, &matching, owner)
                .await?;
            Object::plain(c.id, c.name, c.matching, c.owner)
        }
        Kind::DocumentType => {
            let t = conn
                .insert_document_type(&args.name, &matching, owner)
                .await?;
            Object::plain(t.id, t.name, t.matching, t.owner)
        }
        Kind::StoragePath => {
            let Some(path) = &args.path else {
                bail!("a storage path needs --path TEMPLATE");
            };
            validate_template(path).map_err(|e| anyhow::anyhow!("invalid --path template: {e}"))?;
            let s = conn
                .insert_storage_path(&args.name, path, &matching, owner)
                .await?;
            Object {
                path: Some(s.path),
                ..Object::plain(s.id, s.name, s.matching, s.owner)
            }
        }
    })
}

fn render(kind: Kind, objects: &[Object]) -> String {
    let mut headers = vec!["ID", "NAME", "ALGORITHM", "MATCH", "CASE"];
    match kind {
        Kind::Tag => headers.extend(["COLOR", "INBOX", "PARENT"]),
        Kind::StoragePath => headers.push("PATH"),
        _ => {}
    }
    let rows: Vec<Vec<String>> = objects
        .iter()
        .map(|o| {
            let mut row = vec![
                o.id.to_string(),
                o.name.clone(),
                o.matching.algorithm.to_string(),
                o.matching.pattern.clone(),
                if o.matching.is_insensitive {
                    "insensitive"
                } else {
                    "sensitive"
                }
                .to_owned(),
            ];
            match kind {
                Kind::Tag => {
                    row.push(o.color.clone().unwrap_or_default());
                    row.push(
                        if o.is_inbox_tag == Some(true) {
                            "yes"
                        } else {
                            ""
                        }
                        .to_owned(),
                    );
                    row.push(o.parent.map(|p| p.to_string()).unwrap_or_default());
                }
                Kind::StoragePath => row.push(o.path.clone().unwrap_or_default()),
                _ => {}
            }
            row
        })
        .collect();
    format!(
        "{}\n{} {}(s)",
        table(&headers, &rows),
        objects.len(),
        kind.name()
    )
}
