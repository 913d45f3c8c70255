//! Tags: a matchable kind with a colour, an inbox flag and a parent (five levels at most).

use std::collections::HashMap;
use std::ops::DerefMut;

use pd_core::{Id, MatchRule, Tag};
use sqlx::AnyConnection;

use super::Conn;
use super::sql::RowExt;
use crate::{Error, Result};

/// A tag to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTag {
    pub name: String,
    pub matching: MatchRule,
    pub owner: Option<Id>,
    /// `#rrggbb`.
    pub color: String,
    pub is_inbox_tag: bool,
    pub parent: Option<Id>,
}

impl NewTag {
    /// A tag with paperless-ngx's defaults: any-word matching, the default colour, no
    /// parent, no owner.
    pub fn new(name: impl Into<String>) -> NewTag {
        NewTag {
            name: name.into(),
            matching: MatchRule::default(),
            owner: None,
            color: Tag::DEFAULT_COLOR.to_owned(),
            is_inbox_tag: false,
            parent: None,
        }
    }
}

/// Every tag's parent, for walking the hierarchy in memory.
struct Tree {
    parent: HashMap<Id, Option<Id>>,
}

impl Tree {
    /// `id`'s ancestors, nearest first. Stops at a cycle rather than looping.
    fn ancestors(&self, id: Id) -> Vec<Id> {
        let mut out = Vec::new();
        let mut current = self.parent.get(&id).copied().flatten();
        while let Some(p) = current {
            if p == id || out.contains(&p) || out.len() > self.parent.len() {
                break;
            }
            out.push(p);
            current = self.parent.get(&p).copied().flatten();
        }
        out
    }

    /// Depth of `id`: a root tag is at depth 1.
    fn depth(&self, id: Id) -> usize {
        self.ancestors(id).len() + 1
    }

    /// `id`'s descendants, breadth first.
    fn descendants(&self, id: Id) -> Vec<Id> {
        let mut out: Vec<Id> = Vec::new();
        let mut frontier = vec![id];
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for (&child, &parent) in &self.parent {
                if parent.is_some_and(|p| frontier.contains(&p))
                    && child != id
                    && !out.contains(&child)
                {
                    next.push(child);
                }
            }
            next.sort_unstable();
            out.extend_from_slice(&next);
            frontier = next;
        }
        out
    }

    /// Levels in the subtree rooted at `id` (1 for a leaf).
    fn height(&self, id: Id) -> usize {
        self.descendants(id)
            .iter()
            .map(|d| self.ancestors(*d).iter().take_while(|a| **a != id).count() + 2)
            .max()
            .unwrap_or(1)
    }
}

fn check_color(color: &str) -> Result<()> {
    if Tag::is_valid_color(color) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "invalid tag colour \"{color}\": expected #rrggbb"
        )))
    }
}

fn too_deep() -> Error {
    Error::Invalid("Maximum nesting depth exceeded.".into())
}

impl<C: DerefMut<Target = AnyConnection> + Send> Conn<C> {
    async fn tag_tree(&mut self) -> Result<Tree> {
        let rows = self
            .fetch_all(self.query("SELECT id, parent_id FROM tags"))
            .await?;
        let parent = rows
            .iter()
            .map(|r| Ok((r.int("id")?, r.opt_int("parent_id")?)))
            .collect::<Result<_>>()?;
        Ok(Tree { parent })
    }

    /// Adds a tag. Its parent must exist and the new tag may be at most five levels deep.
    pub async fn insert_tag(&mut self, new: &NewTag) -> Result<Tag> {
        check_color(&new.color)?;
        if let Some(parent) = new.parent {
            let tree = self.tag_tree().await?;
            if !tree.parent.contains_key(&parent) {
                return Err(Error::not_found("tag", parent));
            }
            if tree.depth(parent) + 1 > Tag::MAX_DEPTH {
                return Err(too_deep());
            }
        }
        let mut tag = Tag {
            id: 0,
            name: new.name.clone(),
            matching: new.matching.clone(),
            owner: new.owner,
            color: new.color.clone(),
            is_inbox_tag: new.is_inbox_tag,
            parent: new.parent,
        };
        tag.id = self.object_insert(&tag).await?;
        Ok(tag)
    }

    /// Every tag, by name.
    pub async fn tags(&mut self) -> Result<Vec<Tag>> {
        self.object_all().await
    }

    /// The tag with this id.
    pub async fn tag(&mut self, id: Id) -> Result<Tag> {
        self.object_get(id).await
    }

    /// The tag with this name (the unowned one if several users have one).
    pub async fn tag_by_name(&mut self, name: &str) -> Result<Option<Tag>> {
        self.object_by_name(name).await
    }

    /// Writes every field of the tag but its id, with paperless-ngx's checks on the
    /// parent: not itself, not one of its descendants, and the moved subtree no deeper
    /// than five levels.
    pub async fn update_tag(&mut self, tag: &Tag) -> Result<()> {
        check_color(&tag.color)?;
        let tree = self.tag_tree().await?;
        if !tree.parent.contains_key(&tag.id) {
            return Err(Error::not_found("tag", tag.id));
        }
        if let Some(parent) = tag.parent {
            if parent == tag.id {
                return Err(Error::Invalid("Cannot set itself as parent.".into()));
            }
            if !tree.parent.contains_key(&parent) {
                return Err(Error::not_found("tag", parent));
            }
            if tree.descendants(tag.id).contains(&parent) {
                return Err(Error::Invalid("Cannot set parent to a descendant.".into()));
            }
            if tree.depth(parent) + tree.height(tag.id) > Tag::MAX_DEPTH {
                return Err(too_deep());
            }
        } else if tree.height(tag.id) > Tag::MAX_DEPTH {
            return Err(too_deep());
        }
        self.object_update(tag).await
    }

    /// Deletes a tag and every tag below it; documents and mail rules lose them.
    pub async fn delete_tag(&mut self, id: Id) -> Result<()> {
        let tree = self.tag_tree().await?;
        if !tree.parent.contains_key(&id) {
            return Err(Error::not_found("tag", id));
        }
        let mut doomed = tree.descendants(id);
        doomed.reverse();
        doomed.push(id);
        let mut tx = self.nested().await?;
        for tag in doomed {
            for sql in [
                "DELETE FROM document_tags WHERE tag_id = ?",
                "DELETE FROM mail_rule_tags WHERE tag_id = ?",
                "DELETE FROM tags WHERE id = ?",
            ] {
                let q = tx.query(sql).bind(tag);
                tx.execute(q).await?;
            }
        }
        tx.commit().await
    }

    /// The tag's ancestors, its parent first and the root last.
    pub async fn tag_ancestors(&mut self, id: Id) -> Result<Vec<Id>> {
        let tree = self.tag_tree().await?;
        if !tree.parent.contains_key(&id) {
            return Err(Error::not_found("tag", id));
        }
        Ok(tree.ancestors(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_walks() {
        // 1 ─ 2 ─ 3 ─ 4 ; 1 ─ 5
        let tree = Tree {
            parent: HashMap::from([
                (1, None),
                (2, Some(1)),
                (3, Some(2)),
                (4, Some(3)),
                (5, Some(1)),
            ]),
        };
        assert_eq!(tree.ancestors(4), vec![3, 2, 1]);
        assert_eq!(tree.depth(1), 1);
        assert_eq!(tree.depth(4), 4);
        assert_eq!(tree.descendants(1), vec![2, 5, 3, 4]);
        assert_eq!(tree.height(1), 4);
        assert_eq!(tree.height(3), 2);
        assert_eq!(tree.height(4), 1);
        let cyclic = Tree {
            parent: HashMap::from([(1, Some(2)), (2, Some(1))]),
        };
        assert_eq!(cyclic.ancestors(1), vec![2]);
    }
}
