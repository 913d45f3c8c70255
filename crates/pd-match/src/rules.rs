//! The library's match rules, compiled, and what they do to one document: which
//! correspondent, document type, storage path and tags it gets, as paperless-ngx's
//! consumer and retagger decide it.
//!
//! Candidates are the objects the document's owner may see (all of them for a document
//! without owner or an owner who is a superuser; else the owner's and the unowned ones —
//! pd keeps no per-object permissions), in name order, so "the first match" is the
//! alphabetically first. An object is a hit when its rule matches the content, or when
//! it uses the auto algorithm and the classifier predicted it.

use std::collections::{BTreeSet, HashMap, HashSet};

use pd_core::{Correspondent, DocumentType, Id, MatchingAlgorithm, StoragePath, Tag};
use serde::Serialize;

use crate::matching::{Content, MatchReason, Matcher};

/// One matchable object with its compiled rule.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: Id,
    pub name: String,
    pub owner: Option<Id>,
    pub matcher: Matcher,
}

impl Candidate {
    fn new(id: Id, name: &str, owner: Option<Id>, rule: &pd_core::MatchRule) -> Candidate {
        Candidate {
            id,
            name: name.to_owned(),
            owner,
            matcher: Matcher::new(rule),
        }
    }

    fn is_auto(&self) -> bool {
        self.matcher.rule().algorithm == MatchingAlgorithm::Auto
    }
}

/// What the classifier predicts for a document, each with its confidence (0 to 1).
/// Only predictions of objects that use the auto algorithm count.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Predictions {
    pub correspondent: Option<(Id, f64)>,
    pub document_type: Option<(Id, f64)>,
    pub storage_path: Option<(Id, f64)>,
    pub tags: Vec<(Id, f64)>,
}

/// A matching object and why it matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: Id,
    pub name: String,
    pub reason: MatchReason,
}

/// The four kinds of matchable objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Correspondent,
    DocumentType,
    StoragePath,
    Tags,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Correspondent => "correspondent",
            Field::DocumentType => "document type",
            Field::StoragePath => "storage path",
            Field::Tags => "tags",
        }
    }
}

/// Every match rule of a library, compiled.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub correspondents: Vec<Candidate>,
    pub document_types: Vec<Candidate>,
    pub storage_paths: Vec<Candidate>,
    pub tags: Vec<Candidate>,
    /// Per tag: inbox flag, parent, and whether it is "manual" (no pattern, not auto).
    tag_info: HashMap<Id, TagInfo>,
    superusers: HashSet<Id>,
}

#[derive(Debug, Clone)]
struct TagInfo {
    inbox: bool,
    parent: Option<Id>,
    manual: bool,
    owner: Option<Id>,
}

impl RuleSet {
    /// Compiles the rules. Each list must be in name order (as the store returns them).
    pub fn new(
        correspondents: &[Correspondent],
        document_types: &[DocumentType],
        storage_paths: &[StoragePath],
        tags: &[Tag],
        superusers: impl IntoIterator<Item = Id>,
    ) -> RuleSet {
        RuleSet {
            correspondents: correspondents
                .iter()
                .map(|o| Candidate::new(o.id, &o.name, o.owner, &o.matching))
                .collect(),
            document_types: document_types
                .iter()
                .map(|o| Candidate::new(o.id, &o.name, o.owner, &o.matching))
                .collect(),
            storage_paths: storage_paths
                .iter()
                .map(|o| Candidate::new(o.id, &o.name, o.owner, &o.matching))
                .collect(),
            tags: tags
                .iter()
                .map(|o| Candidate::new(o.id, &o.name, o.owner, &o.matching))
                .collect(),
            tag_info: tags
                .iter()
                .map(|t| {
                    let info = TagInfo {
                        inbox: t.is_inbox_tag,
                        parent: t.parent,
                        manual: t.matching.pattern.is_empty()
                            && t.matching.algorithm != MatchingAlgorithm::Auto,
                        owner: t.owner,
                    };
                    (t.id, info)
                })
                .collect(),
            superusers: superusers.into_iter().collect(),
        }
    }

    /// Loads and compiles every rule of the library.
    pub async fn load(store: &pd_store::Store) -> pd_store::Result<RuleSet> {
        let mut conn = store.db().conn().await?;
        let correspondents = conn.correspondents().await?;
        let document_types = conn.document_types().await?;
        let storage_paths = conn.storage_paths().await?;
        let tags = conn.tags().await?;
        let superusers: Vec<Id> = conn
            .users()
            .await?
            .into_iter()
            .filter(|u| u.is_superuser)
            .map(|u| u.id)
            .collect();
        Ok(RuleSet::new(
            &correspondents,
            &document_types,
            &storage_paths,
            &tags,
            superusers,
        ))
    }

    /// Warnings of broken rules (invalid regular expressions), one per rule.
    pub fn warnings(&self) -> Vec<String> {
        let kinds = [
            ("correspondent", &self.correspondents),
            ("document type", &self.document_types),
            ("storage path", &self.storage_paths),
            ("tag", &self.tags),
        ];
        let mut out = Vec::new();
        for (kind, list) in kinds {
            for c in list {
                if let Some(w) = c.matcher.warning() {
                    out.push(format!("{kind} \"{}\": {w}", c.name));
                }
            }
        }
        out
    }

    /// Whether any object uses the auto algorithm (the classifier is needed).
    pub fn uses_auto(&self) -> bool {
        [
            &self.correspondents,
            &self.document_types,
            &self.storage_paths,
            &self.tags,
        ]
        .iter()
        .any(|list| list.iter().any(Candidate::is_auto))
    }

    fn visible(&self, object_owner: Option<Id>, document_owner: Option<Id>) -> bool {
        match document_owner {
            None => true,
            Some(user) => {
                self.superusers.contains(&user)
                    || object_owner.is_none()
                    || object_owner == Some(user)
            }
        }
    }

    fn candidates(&self, field: Field) -> &[Candidate] {
        match field {
            Field::Correspondent => &self.correspondents,
            Field::DocumentType => &self.document_types,
            Field::StoragePath => &self.storage_paths,
            Field::Tags => &self.tags,
        }
    }

    /// The objects of one kind that match the document, in name order.
    pub fn hits(
        &self,
        field: Field,
        content: &Content<'_>,
        owner: Option<Id>,
        predictions: &Predictions,
    ) -> Vec<Hit> {
        let predicted: Vec<(Id, f64)> = match field {
            Field::Correspondent => predictions.correspondent.into_iter().collect(),
            Field::DocumentType => predictions.document_type.into_iter().collect(),
            Field::StoragePath => predictions.storage_path.into_iter().collect(),
            Field::Tags => predictions.tags.clone(),
        };
        self.candidates(field)
            .iter()
            .filter(|c| self.visible(c.owner, owner))
            .filter_map(|c| {
                let reason = c.matcher.find(content).or_else(|| {
                    if !c.is_auto() {
                        return None;
                    }
                    predicted
                        .iter()
                        .find(|(id, _)| *id == c.id)
                        .map(|(_, confidence)| MatchReason::Classifier {
                            confidence: *confidence,
                        })
                })?;
                Some(Hit {
                    id: c.id,
                    name: c.name.clone(),
                    reason,
                })
            })
            .collect()
    }

    /// The inbox tags a new document of this owner gets, with their ancestors.
    pub fn inbox_tags(&self, owner: Option<Id>) -> Vec<Id> {
        let inbox: Vec<Id> = self
            .tags
            .iter()
            .filter(|c| self.tag_info.get(&c.id).is_some_and(|t| t.inbox))
            .filter(|c| self.visible(self.tag_info[&c.id].owner, owner))
            .map(|c| c.id)
            .collect();
        self.with_ancestors(inbox.iter().copied())
            .into_iter()
            .collect()
    }

    /// Whether the tag is an inbox tag.
    pub fn is_inbox_tag(&self, id: Id) -> bool {
        self.tag_info.get(&id).is_some_and(|t| t.inbox)
    }

    /// The tags and all their ancestors.
    pub fn with_ancestors(&self, tags: impl IntoIterator<Item = Id>) -> BTreeSet<Id> {
        let mut out = BTreeSet::new();
        for tag in tags {
            let mut current = Some(tag);
            while let Some(id) = current {
                if !out.insert(id) {
                    break;
                }
                current = self.tag_info.get(&id).and_then(|t| t.parent);
            }
        }
        out
    }

    /// The name of an object, for reports.
    pub fn name_of(&self, field: Field, id: Id) -> String {
        self.candidates(field)
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    }
}

/// How a document's fields are set from the hits (paperless-ngx's setter flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetOptions {
    /// Overwrite set values (clearing them when nothing matches) and remove tags that
    /// rules or the classifier manage (paperless-ngx's `replace`, `--overwrite`).
    pub replace: bool,
    /// When several objects match, take the first by name instead of none.
    pub use_first: bool,
}

/// The current values of the fields a plan may change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrentValues {
    pub correspondent: Option<Id>,
    pub document_type: Option<Id>,
    pub storage_path: Option<Id>,
    pub tags: Vec<Id>,
}

/// What one single-valued field setter decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    /// The hit chosen (paperless-ngx counts every such selection as "set").
    pub selected: Option<Hit>,
    /// Every hit, in name order.
    pub hits: Vec<Hit>,
    /// Why nothing was assigned, or which of several was taken.
    pub note: Option<String>,
    /// The value the field gets, if it changes.
    pub new_value: Option<Option<Id>>,
}

/// paperless-ngx's `set_correspondent` / `set_document_type` / `set_storage_path`:
/// returns `None` when the field is set and must be kept.
pub fn select(
    field: Field,
    current: Option<Id>,
    hits: Vec<Hit>,
    opts: SetOptions,
) -> Option<Selection> {
    if current.is_some() && !opts.replace {
        return None;
    }
    let mut note = None;
    let selected = if hits.len() > 1 {
        let names: Vec<&str> = hits.iter().map(|h| h.name.as_str()).collect();
        if opts.use_first {
            note = Some(format!(
                "{} {}s match ({}), taking the first",
                hits.len(),
                field.name(),
                names.join(", ")
            ));
            hits.first().cloned()
        } else {
            note = Some(format!(
                "{} {}s match ({}), assigning none (--use-first takes the first)",
                hits.len(),
                field.name(),
                names.join(", ")
            ));
            return Some(Selection {
                selected: None,
                hits,
                note,
                new_value: None,
            });
        }
    } else {
        hits.first().cloned()
    };
    let target = selected.as_ref().map(|h| h.id);
    let new_value = ((selected.is_some() || opts.replace) && target != current).then_some(target);
    Some(Selection {
        selected,
        hits,
        note,
        new_value,
    })
}

/// What paperless-ngx's `set_tags` does to a document's tags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagChanges {
    /// Tags added: the hits the document lacked, then their ancestors.
    pub added: Vec<(Id, Option<MatchReason>)>,
    /// Tags removed by `replace`: those no longer matching that are neither inbox tags
    /// nor "manual" tags (no pattern and not auto).
    pub removed: Vec<Id>,
    /// The tags afterwards, sorted.
    pub tags: Vec<Id>,
}

/// The tag half of the setters: with `replace`, rule- and classifier-managed tags that
/// no longer match go; every hit is added with its ancestors.
///
/// Changes are net: a managed tag that still matches is kept, not counted as removed
/// and added again (paperless-ngx counts it as both).
pub fn set_tags(rules: &RuleSet, current: &[Id], hits: &[Hit], replace: bool) -> TagChanges {
    let current: BTreeSet<Id> = current.iter().copied().collect();
    let mut kept: BTreeSet<Id> = current.clone();
    if replace {
        kept.retain(|id| rules.tag_info.get(id).is_none_or(|t| t.inbox || t.manual));
    }
    let hit_ids: Vec<Id> = hits.iter().map(|h| h.id).collect();
    let new: BTreeSet<Id> = kept
        .iter()
        .copied()
        .chain(rules.with_ancestors(hit_ids.iter().copied()))
        .collect();
    let added = new
        .difference(&current)
        .map(|id| {
            let reason = hits.iter().find(|h| h.id == *id).map(|h| h.reason.clone());
            (*id, reason)
        })
        .collect();
    let removed = current.difference(&new).copied().collect();
    TagChanges {
        added,
        removed,
        tags: new.into_iter().collect(),
    }
}

/// Something that predicts a document's objects from its text: the classifier.
pub trait Predict: Sync {
    fn predict(&self, text: &str) -> Predictions;
}

/// Which fields a [`plan`] looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub correspondent: bool,
    pub document_type: bool,
    pub tags: bool,
    pub storage_path: bool,
}

impl Targets {
    pub const ALL: Targets = Targets {
        correspondent: true,
        document_type: true,
        tags: true,
        storage_path: true,
    };

    pub fn any(self) -> bool {
        self.correspondent || self.document_type || self.tags || self.storage_path
    }
}

/// What the rules do to one document.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Plan {
    pub correspondent: Option<Selection>,
    pub document_type: Option<Selection>,
    pub tags: Option<TagChanges>,
    pub storage_path: Option<Selection>,
}

impl Plan {
    /// The values after the plan.
    pub fn apply(&self, current: &CurrentValues) -> CurrentValues {
        let pick = |sel: &Option<Selection>, old: Option<Id>| {
            sel.as_ref().and_then(|s| s.new_value).unwrap_or(old)
        };
        CurrentValues {
            correspondent: pick(&self.correspondent, current.correspondent),
            document_type: pick(&self.document_type, current.document_type),
            storage_path: pick(&self.storage_path, current.storage_path),
            tags: match &self.tags {
                Some(t) => t.tags.clone(),
                None => current.tags.clone(),
            },
        }
    }
}

/// Runs the setters paperless-ngx runs, in its order (correspondent, document type,
/// tags, storage path), on one document's effective content.
pub fn plan(
    rules: &RuleSet,
    current: &CurrentValues,
    owner: Option<Id>,
    text: &str,
    predictor: Option<&dyn Predict>,
    targets: Targets,
    opts: SetOptions,
) -> Plan {
    let content = Content::new(text);
    let predictions = match predictor {
        Some(p) if rules.uses_auto() => p.predict(text),
        _ => Predictions::default(),
    };
    let single = |field: Field, enabled: bool, value: Option<Id>| {
        if !enabled || (value.is_some() && !opts.replace) {
            return None;
        }
        select(
            field,
            value,
            rules.hits(field, &content, owner, &predictions),
            opts,
        )
    };
    Plan {
        correspondent: single(
            Field::Correspondent,
            targets.correspondent,
            current.correspondent,
        ),
        document_type: single(
            Field::DocumentType,
            targets.document_type,
            current.document_type,
        ),
        tags: targets.tags.then(|| {
            let hits = rules.hits(Field::Tags, &content, owner, &predictions);
            set_tags(rules, &current.tags, &hits, opts.replace)
        }),
        storage_path: single(
            Field::StoragePath,
            targets.storage_path,
            current.storage_path,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pd_core::MatchRule;

    fn tag(id: Id, name: &str, pattern: &str, algorithm: MatchingAlgorithm) -> Tag {
        Tag {
            id,
            name: name.into(),
            matching: MatchRule {
                pattern: pattern.into(),
                algorithm,
                is_insensitive: true,
            },
            owner: None,
            color: Tag::DEFAULT_COLOR.into(),
            is_inbox_tag: false,
            parent: None,
        }
    }

    fn hit(id: Id, name: &str) -> Hit {
        Hit {
            id,
            name: name.into(),
            reason: MatchReason::Word { term: name.into() },
        }
    }

    #[test]
    fn overwrite_keeps_inbox_and_manual_tags() {
        use MatchingAlgorithm::*;
        let mut inbox = tag(1, "Inbox", "", None);
        inbox.is_inbox_tag = true;
        let tags = [
            inbox,
            tag(2, "Manual", "", Any),
            tag(3, "Stale rule", "gone", Any),
            tag(4, "Auto", "", Auto),
            tag(5, "Leftover", "x", None),
            tag(6, "Fresh", "fresh", Any),
            tag(7, "Still", "still", Any),
        ];
        let rules = RuleSet::new(&[], &[], &[], &tags, []);
        let hits = [hit(6, "Fresh"), hit(7, "Still")];
        let changes = set_tags(&rules, &[1, 2, 3, 4, 5, 7], &hits, true);
        assert_eq!(changes.removed, [3, 4, 5]);
        assert_eq!(changes.added.iter().map(|a| a.0).collect::<Vec<_>>(), [6]);
        assert_eq!(changes.tags, [1, 2, 6, 7]);
        let changes = set_tags(&rules, &[1, 2, 3, 4, 5, 7], &hits, false);
        assert!(changes.removed.is_empty());
        assert_eq!(changes.tags, [1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn ancestors_come_along() {
        let mut child = tag(3, "Child", "x", MatchingAlgorithm::Any);
        child.parent = Some(2);
        let mut middle = tag(2, "Middle", "", MatchingAlgorithm::None);
        middle.parent = Some(1);
        let rules = RuleSet::new(
            &[],
            &[],
            &[],
            &[tag(1, "Root", "", MatchingAlgorithm::None), middle, child],
            [],
        );
        let changes = set_tags(&rules, &[], &[hit(3, "Child")], false);
        assert_eq!(changes.tags, [1, 2, 3]);
        assert!(changes.added.iter().any(|(id, r)| *id == 3 && r.is_some()));
        assert!(changes.added.iter().any(|(id, r)| *id == 1 && r.is_none()));
    }

    #[test]
    fn selection_rules() {
        let two = vec![hit(1, "A"), hit(2, "B")];
        let opts = SetOptions::default();
        // Ambiguous without use_first: nothing.
        let s = select(Field::Correspondent, None, two.clone(), opts).unwrap();
        assert_eq!(s.selected, None);
        assert_eq!(s.new_value, None);
        assert!(s.note.unwrap().contains("2 correspondents match"));
        let first = SetOptions {
            use_first: true,
            ..opts
        };
        let s = select(Field::Correspondent, None, two.clone(), first).unwrap();
        assert_eq!(s.new_value, Some(Some(1)));
        // A set value is kept unless replacing.
        assert!(select(Field::Correspondent, Some(9), two.clone(), first).is_none());
        let replace = SetOptions {
            replace: true,
            use_first: true,
        };
        assert_eq!(
            select(Field::Correspondent, Some(9), two, replace)
                .unwrap()
                .new_value,
            Some(Some(1))
        );
        // Replacing with nothing matching clears the value.
        assert_eq!(
            select(Field::Correspondent, Some(9), vec![], replace)
                .unwrap()
                .new_value,
            Some(None)
        );
        // Re-selecting the same value is a selection but no change.
        let s = select(Field::Correspondent, Some(1), vec![hit(1, "A")], replace).unwrap();
        assert!(s.selected.is_some() && s.new_value.is_none());
    }

    #[test]
    fn owners_see_their_own_and_unowned_objects() {
        let mut mine = tag(1, "Mine", "word", MatchingAlgorithm::Any);
        mine.owner = Some(10);
        let mut theirs = tag(2, "Theirs", "word", MatchingAlgorithm::Any);
        theirs.owner = Some(11);
        let shared = tag(3, "Shared", "word", MatchingAlgorithm::Any);
        let rules = RuleSet::new(&[], &[], &[], &[mine, theirs, shared], [12]);
        let content = Content::new("a word");
        let ids = |owner| {
            rules
                .hits(Field::Tags, &content, owner, &Predictions::default())
                .iter()
                .map(|h| h.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(Some(10)), [1, 3]);
        assert_eq!(ids(None), [1, 2, 3]);
        assert_eq!(ids(Some(12)), [1, 2, 3]);
    }

    #[test]
    fn auto_objects_match_through_predictions_only() {
        let auto = tag(1, "Auto", "", MatchingAlgorithm::Auto);
        let rule = tag(2, "Rule", "", MatchingAlgorithm::Any);
        let rules = RuleSet::new(&[], &[], &[], &[auto, rule], []);
        let content = Content::new("text");
        let predictions = Predictions {
            tags: vec![(1, 0.8), (2, 0.9)],
            ..Predictions::default()
        };
        let hits = rules.hits(Field::Tags, &content, None, &predictions);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].reason, MatchReason::Classifier { confidence: 0.8 });
        assert!(
            rules
                .hits(Field::Tags, &content, None, &Predictions::default())
                .is_empty()
        );
    }
}
