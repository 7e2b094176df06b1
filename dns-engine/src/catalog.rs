//! The catalog: every zone this engine is authoritative for, as one immutable snapshot.
//!
//! Readers take a snapshot ([`SharedCatalog::snapshot`]: a lock held only long enough to clone
//! an `Arc`) and answer from it for as long as they like; a writer builds a complete new
//! [`Catalog`] and swaps it in whole ([`SharedCatalog::replace`]). Readers therefore never wait
//! on a zone reload and never see half a change. Zones themselves are shared `Arc`s, so a reload
//! of one zone builds a new catalog that reuses every other zone unchanged.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::model::LowerName;

/// An immutable snapshot of one zone.
///
/// The zone model (records, SOA, delegations) arrives with the next issue. Until then this type
/// has no values, so the compiler itself proves that a catalog is empty and that lookup can only
/// refuse; turning it into a struct will point at every place that must learn to answer.
#[derive(Debug)]
pub enum Zone {}

/// The set of zones served, keyed by apex name.
#[derive(Debug, Default)]
pub struct Catalog {
    zones: HashMap<LowerName, Arc<Zone>>,
}

impl Catalog {
    /// A catalog without zones: every query is refused.
    pub fn empty() -> Self {
        Self::default()
    }

    /// How many zones the catalog holds.
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// Whether the catalog holds no zones at all.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The zone that is the nearest ancestor of `name` (or `name` itself), if we serve one.
    ///
    /// RFC 1034 §4.3.2 step 2: "Search the available zones for the zone which is the nearest
    /// ancestor to QNAME." Walking from the full name towards the root finds the longest match
    /// first, so a hosted child zone wins over its hosted parent.
    pub fn find(&self, name: &LowerName) -> Option<&Arc<Zone>> {
        if self.zones.is_empty() {
            // Nothing to find, and nothing to allocate while not finding it.
            return None;
        }
        (0..=name.num_labels())
            .rev()
            .find_map(|labels| self.zones.get(&name.trim_to(labels)))
    }
}

/// The catalog as the engine holds it: a pointer to the current snapshot, swapped whole.
///
/// Cheap to clone; every clone sees the same current catalog. The lock only guards the pointer,
/// is never held across an `.await`, and a poisoned lock still holds a valid snapshot, so
/// poisoning is ignored rather than turned into a panic on the query path.
#[derive(Clone, Debug, Default)]
pub struct SharedCatalog(Arc<RwLock<Arc<Catalog>>>);

impl SharedCatalog {
    /// A handle serving `catalog`.
    pub fn new(catalog: Catalog) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(catalog))))
    }

    /// The current snapshot. It stays valid (and unchanged) however often the catalog is
    /// replaced while it is in use.
    pub fn snapshot(&self) -> Arc<Catalog> {
        match self.0.read() {
            Ok(current) => Arc::clone(&current),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Makes `catalog` the current snapshot and returns the previous one.
    pub fn replace(&self, catalog: Catalog) -> Arc<Catalog> {
        let next = Arc::new(catalog);
        match self.0.write() {
            Ok(mut current) => std::mem::replace(&mut *current, next),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), next),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use hickory_proto::rr::Name;

    use super::*;

    #[test]
    fn empty_catalog_finds_nothing() {
        let catalog = Catalog::empty();
        assert!(catalog.is_empty());
        assert_eq!(catalog.len(), 0);
        for name in [".", "com.", "www.example.com."] {
            let name = LowerName::new(&Name::from_ascii(name).unwrap());
            assert!(catalog.find(&name).is_none(), "{name}");
        }
    }

    #[test]
    fn replace_swaps_the_snapshot_and_old_snapshots_stay_valid() {
        let shared = SharedCatalog::default();
        let before = shared.snapshot();
        let returned = shared.replace(Catalog::empty());
        assert!(Arc::ptr_eq(&before, &returned));
        let after = shared.snapshot();
        assert!(!Arc::ptr_eq(&before, &after));
        // A clone of the handle sees the same current snapshot.
        assert!(Arc::ptr_eq(&shared.clone().snapshot(), &after));
        assert!(before.is_empty());
    }
}
