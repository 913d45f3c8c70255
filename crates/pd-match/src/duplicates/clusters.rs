//! Clusters of near-duplicate pairs and the deletion plan that never follows a chain.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pd_core::Id;

use super::{DuplicateCluster, DuplicateDocument, DuplicatePair, KeepRule, PlannedDeletion};

/// Groups `pairs` into connected clusters and plans, per cluster: keep one document by
/// `keep`, delete its direct near-duplicates, and repeat on what is left (split into its
/// own connected parts), until every member is kept or deleted.
pub(super) fn plan(
    pairs: &[DuplicatePair],
    docs: &[&DuplicateDocument],
    keep: KeepRule,
) -> Vec<DuplicateCluster> {
    let by_id: HashMap<Id, &DuplicateDocument> = docs.iter().map(|d| (d.id, *d)).collect();
    let mut edges: BTreeMap<Id, BTreeMap<Id, f64>> = BTreeMap::new();
    for p in pairs {
        edges.entry(p.a.id).or_default().insert(p.b.id, p.ratio);
        edges.entry(p.b.id).or_default().insert(p.a.id, p.ratio);
    }
    let all: BTreeSet<Id> = edges.keys().copied().collect();
    components(&all, &edges)
        .into_iter()
        .map(|members| {
            let mut cluster = DuplicateCluster {
                documents: members.iter().copied().collect(),
                keep: Vec::new(),
                delete: Vec::new(),
            };
            let mut left = members;
            while !left.is_empty() {
                for part in components(&left, &edges) {
                    let Some(kept) = part
                        .iter()
                        .copied()
                        .max_by(|&x, &y| preference(keep, &by_id, x, y))
                    else {
                        continue;
                    };
                    cluster.keep.push(kept);
                    left.remove(&kept);
                    for (&other, &ratio) in &edges[&kept] {
                        if part.contains(&other) && left.remove(&other) {
                            cluster.delete.push(PlannedDeletion {
                                id: other,
                                duplicate_of: kept,
                                ratio,
                            });
                        }
                    }
                }
            }
            cluster.keep.sort_unstable();
            cluster.delete.sort_by_key(|d| d.id);
            cluster
        })
        .collect()
}

/// `Greater` when `x` is the better document to keep.
fn preference(
    keep: KeepRule,
    by_id: &HashMap<Id, &DuplicateDocument>,
    x: Id,
    y: Id,
) -> std::cmp::Ordering {
    let age = |id: Id| by_id.get(&id).map(|d| (d.added, id));
    let oldest_first = age(y).cmp(&age(x));
    match keep {
        KeepRule::Oldest => oldest_first,
        KeepRule::Newest => oldest_first.reverse(),
        KeepRule::Largest => {
            let size = |id: Id| by_id.get(&id).and_then(|d| d.size).unwrap_or(0);
            size(x).cmp(&size(y)).then(oldest_first)
        }
    }
}

/// The connected parts of the graph restricted to `nodes`, each sorted, in order of their
/// smallest id.
fn components(nodes: &BTreeSet<Id>, edges: &BTreeMap<Id, BTreeMap<Id, f64>>) -> Vec<BTreeSet<Id>> {
    let mut seen = BTreeSet::new();
    let mut parts = Vec::new();
    for &start in nodes {
        if !seen.insert(start) {
            continue;
        }
        let mut part = BTreeSet::from([start]);
        let mut stack = vec![start];
        while let Some(n) = stack.pop() {
            for &m in edges.get(&n).into_iter().flat_map(|e| e.keys()) {
                if nodes.contains(&m) && seen.insert(m) {
                    part.insert(m);
                    stack.push(m);
                }
            }
        }
        parts.push(part);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duplicates::DocumentRef;

    fn doc(id: Id, size: u64) -> DuplicateDocument {
        DuplicateDocument {
            id,
            title: String::new(),
            content: String::new(),
            checksum: String::new(),
            added: pd_core::now() + time::Duration::seconds(id),
            size: Some(size),
        }
    }

    fn pair(a: Id, b: Id) -> DuplicatePair {
        let r = |id| DocumentRef {
            id,
            title: String::new(),
        };
        DuplicatePair {
            a: r(a),
            b: r(b),
            ratio: 90.0,
        }
    }

    fn deleted(c: &DuplicateCluster) -> Vec<Id> {
        c.delete.iter().map(|d| d.id).collect()
    }

    #[test]
    fn a_chain_is_not_deleted_along() {
        let docs: Vec<DuplicateDocument> = (1..=3).map(|i| doc(i, 10)).collect();
        let refs: Vec<&DuplicateDocument> = docs.iter().collect();
        let pairs = [pair(1, 2), pair(2, 3)];
        let c = plan(&pairs, &refs, KeepRule::Oldest);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].documents, vec![1, 2, 3]);
        assert_eq!(c[0].keep, vec![1, 3]);
        assert_eq!(deleted(&c[0]), vec![2]);
        // Kept newest: 3 stays, 2 goes, and 1 is then on its own.
        let c = plan(&pairs, &refs, KeepRule::Newest);
        assert_eq!(c[0].keep, vec![1, 3]);
        assert_eq!(deleted(&c[0]), vec![2]);
    }

    #[test]
    fn a_star_keeps_its_centre_when_it_is_largest() {
        let docs = [doc(1, 5), doc(2, 50), doc(3, 5), doc(4, 5)];
        let refs: Vec<&DuplicateDocument> = docs.iter().collect();
        let pairs = [pair(1, 2), pair(2, 3), pair(2, 4)];
        let c = plan(&pairs, &refs, KeepRule::Largest);
        assert_eq!(c[0].keep, vec![2]);
        assert_eq!(deleted(&c[0]), vec![1, 3, 4]);
        assert!(c[0].delete.iter().all(|d| d.duplicate_of == 2));
    }

    #[test]
    fn separate_clusters_and_cliques() {
        let docs: Vec<DuplicateDocument> = (1..=5).map(|i| doc(i, 1)).collect();
        let refs: Vec<&DuplicateDocument> = docs.iter().collect();
        let pairs = [pair(1, 2), pair(1, 3), pair(2, 3), pair(4, 5)];
        let c = plan(&pairs, &refs, KeepRule::Oldest);
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].keep.clone(), deleted(&c[0])), (vec![1], vec![2, 3]));
        assert_eq!((c[1].keep.clone(), deleted(&c[1])), (vec![4], vec![5]));
    }
}
