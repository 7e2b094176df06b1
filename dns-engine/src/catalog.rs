//! The catalog: every zone this engine is authoritative for, as one immutable snapshot.
//!
//! Readers take a snapshot ([`SharedCatalog::snapshot`]: a lock held only long enough to clone
//! an `Arc`) and answer from it for as long as they like; a writer builds a complete new
//! [`Catalog`] and swaps it in whole ([`SharedCatalog::replace`]). Readers therefore never wait
//! on a zone reload and never see half a change. Zones themselves are shared `Arc`s, so a reload
//! of one zone builds a new catalog that reuses every other zone unchanged.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use hickory_proto::rr::Name;

use crate::model::LowerName;
use crate::xfr::{TransferCounters, TransferPolicy};
pub use crate::zone::Zone;

/// The set of zones served, keyed by apex name.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    zones: HashMap<LowerName, Arc<Zone>>,
    /// The same zones by the lower-case wire form of their apex, for the fast path
    /// ([`crate::fast`]), which finds them from the question's octets.
    wire: HashMap<Box<[u8]>, Arc<Zone>>,
    /// The label counts of the apexes held, deepest first: `find` only tries suffixes of
    /// those lengths, a handful of lookups instead of one per label of the query name (34
    /// labels for an ip6.arpa PTR name).
    depths: Vec<u8>,
}

impl Catalog {
    /// A catalog without zones: every query is refused.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A catalog serving `zones`; of two zones with the same apex the later one wins.
    pub fn from_zones(zones: impl IntoIterator<Item = Zone>) -> Self {
        Self::indexed(
            zones
                .into_iter()
                .map(|zone| (zone.apex().clone(), Arc::new(zone)))
                .collect(),
        )
    }

    /// A catalog serving zones already shared elsewhere.
    pub fn from_shared(zones: impl IntoIterator<Item = Arc<Zone>>) -> Self {
        Self::indexed(
            zones
                .into_iter()
                .map(|zone| (zone.apex().clone(), zone))
                .collect(),
        )
    }

    fn indexed(zones: HashMap<LowerName, Arc<Zone>>) -> Self {
        let wire = zones
            .iter()
            .filter_map(|(apex, zone)| Some((wire_key(apex)?, Arc::clone(zone))))
            .collect();
        Self {
            depths: depths_of(&zones),
            zones,
            wire,
        }
    }

    /// The zone whose apex has the lower-case wire form `apex`.
    pub(crate) fn zone_by_wire(&self, apex: &[u8]) -> Option<&Arc<Zone>> {
        self.wire.get(apex)
    }

    /// The label counts of the apexes held, deepest first.
    pub(crate) fn depths(&self) -> &[u8] {
        &self.depths
    }

    /// A new catalog with `zone` added, or replacing the zone with the same apex. Every other
    /// zone is shared with `self`, not copied.
    #[must_use]
    pub fn with_zone(&self, zone: Arc<Zone>) -> Self {
        let mut zones = self.zones.clone();
        let mut wire = self.wire.clone();
        if let Some(key) = wire_key(zone.apex()) {
            wire.insert(key, Arc::clone(&zone));
        }
        zones.insert(zone.apex().clone(), zone);
        Self {
            depths: depths_of(&zones),
            zones,
            wire,
        }
    }

    /// A new catalog without the zone whose apex is `origin`.
    #[must_use]
    pub fn without_zone(&self, origin: &Name) -> Self {
        let apex = LowerName::new(origin);
        let mut zones = self.zones.clone();
        let mut wire = self.wire.clone();
        zones.remove(&apex);
        if let Some(key) = wire_key(&apex) {
            wire.remove(&key);
        }
        Self {
            depths: depths_of(&zones),
            zones,
            wire,
        }
    }

    /// The zone whose apex is exactly `origin`.
    pub fn zone(&self, origin: &Name) -> Option<&Arc<Zone>> {
        self.zones.get(&LowerName::new(origin))
    }

    /// How many zones the catalog holds.
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// Whether the catalog holds no zones at all.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The records of every zone, each zone's SOA included.
    pub fn record_count(&self) -> usize {
        self.zones.values().map(|zone| zone.record_count()).sum()
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
        let labels = name.num_labels();
        self.depths
            .iter()
            .filter(|&&depth| depth <= labels)
            .find_map(|&depth| self.zones.get(&name.trim_to(depth)))
    }
}

/// The label counts of the apexes of `zones`, deepest first, each once.
fn depths_of(zones: &HashMap<LowerName, Arc<Zone>>) -> Vec<u8> {
    let mut depths: Vec<u8> = zones.keys().map(LowerName::num_labels).collect();
    depths.sort_unstable_by(|a, b| b.cmp(a));
    depths.dedup();
    depths
}

/// The key of the fast path's index of zones: the apex in lower-case wire form.
fn wire_key(apex: &LowerName) -> Option<Box<[u8]>> {
    Some(crate::fast::compiled::wire_name(apex.as_name())?.into_boxed_slice())
}

/// The catalog as the engine holds it: a pointer to the current snapshot, swapped whole.
///
/// Cheap to clone; every clone sees the same current catalog. The lock only guards the pointer,
/// is never held across an `.await`, and a poisoned lock still holds a valid snapshot, so
/// poisoning is ignored rather than turned into a panic on the query path.
///
/// Changes to single zones ([`SharedCatalog::insert_zone`], [`SharedCatalog::remove_zone`]) are
/// copy-on-write: a new catalog is built beside the current one (sharing every unchanged zone)
/// and swapped in. Writers take turns on a separate mutex, so two concurrent reloads cannot lose
/// each other's change, and readers only ever wait for the pointer swap itself.
#[derive(Clone, Debug, Default)]
pub struct SharedCatalog(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    current: RwLock<Arc<Catalog>>,
    /// Counts the swaps of `current`, bumped after each: a reader that saw a generation and
    /// then took the snapshot holds one at least that new.
    generation: AtomicU64,
    writer: Mutex<()>,
    /// Zones whose latest build could not be signed (apex → the error): they are served from
    /// their last good snapshot, and the operator and owner are told.
    signing_failures: Mutex<HashMap<Name, String>>,
    /// Who may transfer zones, and the catalog zone (see [`crate::xfr`]).
    transfer: RwLock<Arc<TransferPolicy>>,
    /// Transfers served, by kind.
    transfers: TransferCounters,
}

impl SharedCatalog {
    /// A handle serving `catalog`.
    pub fn new(catalog: Catalog) -> Self {
        Self(Arc::new(Shared {
            current: RwLock::new(Arc::new(catalog)),
            generation: AtomicU64::new(0),
            writer: Mutex::new(()),
            signing_failures: Mutex::new(HashMap::new()),
            transfer: RwLock::new(Arc::new(TransferPolicy::default())),
            transfers: TransferCounters::default(),
        }))
    }

    /// How many transfers went out, by kind.
    pub fn transfer_counters(&self) -> &TransferCounters {
        &self.0.transfers
    }

    /// The current transfer policy.
    pub fn transfer_policy(&self) -> Arc<TransferPolicy> {
        match self.0.transfer.read() {
            Ok(current) => Arc::clone(&current),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Changes the transfer policy (keys, networks, catalog zone) with `change`.
    pub fn update_transfer_policy(&self, change: impl FnOnce(&mut TransferPolicy)) {
        let mut current = match self.0.transfer.write() {
            Ok(current) => current,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut next = TransferPolicy::clone(&current);
        change(&mut next);
        *current = Arc::new(next);
    }

    /// Records that the latest build of the zone at `origin` could not be signed (`Some`), or
    /// that it was (`None`).
    pub fn set_signing_failure(&self, origin: &Name, failure: Option<String>) {
        let mut failures = self
            .0
            .signing_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match failure {
            Some(why) => {
                failures.insert(origin.clone(), why);
            }
            None => {
                failures.remove(origin);
            }
        }
    }

    /// Why the latest build of the zone at `origin` could not be signed, if it could not.
    pub fn signing_failure(&self, origin: &Name) -> Option<String> {
        self.0
            .signing_failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(origin)
            .cloned()
    }

    /// The current snapshot. It stays valid (and unchanged) however often the catalog is
    /// replaced while it is in use.
    pub fn snapshot(&self) -> Arc<Catalog> {
        match self.0.current.read() {
            Ok(current) => Arc::clone(&current),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// How many times the snapshot has been replaced. The UDP workers read this once per batch
    /// and take a new [`SharedCatalog::snapshot`] only when it changed, instead of taking the
    /// lock for every datagram.
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Makes `catalog` the current snapshot and returns the previous one.
    pub fn replace(&self, catalog: Catalog) -> Arc<Catalog> {
        let _writer = self.0.writer.lock().unwrap_or_else(|p| p.into_inner());
        self.swap(Arc::new(catalog))
    }

    /// Adds `zone`, or replaces the zone with the same apex, and returns the zone it replaced.
    pub fn insert_zone(&self, zone: Zone) -> Option<Arc<Zone>> {
        let zone = Arc::new(zone);
        let _writer = self.0.writer.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.snapshot();
        let previous = current.zones.get(zone.apex()).cloned();
        self.swap(Arc::new(current.with_zone(zone)));
        previous
    }

    /// Stops serving the zone whose apex is `origin`; returns it if it was served.
    pub fn remove_zone(&self, origin: &Name) -> Option<Arc<Zone>> {
        let _writer = self.0.writer.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.snapshot();
        let previous = current.zone(origin).cloned()?;
        self.swap(Arc::new(current.without_zone(origin)));
        Some(previous)
    }

    fn swap(&self, next: Arc<Catalog>) -> Arc<Catalog> {
        let previous = match self.0.current.write() {
            Ok(mut current) => std::mem::replace(&mut *current, next),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), next),
        };
        self.0.generation.fetch_add(1, Ordering::Release);
        previous
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

    fn zone(origin: &str) -> Zone {
        let origin = Name::from_ascii(origin).unwrap();
        let soa =
            crate::model::validate_rrset(&origin, "@", "SOA", 60, &["ns h 1 1 1 1 1"]).unwrap();
        Zone::new(&origin, [soa]).unwrap()
    }

    #[test]
    fn find_picks_the_longest_matching_zone() {
        let catalog = Catalog::from_zones([zone("example.com."), zone("sub.Example.com.")]);
        let find = |text: &str| {
            let name = LowerName::new(&Name::from_ascii(text).unwrap());
            catalog.find(&name).map(|zone| zone.origin().to_string())
        };
        assert_eq!(find("www.example.com.").as_deref(), Some("example.com."));
        assert_eq!(
            find("a.SUB.example.com.").as_deref(),
            Some("sub.Example.com.")
        );
        assert_eq!(
            find("sub.example.com.").as_deref(),
            Some("sub.Example.com.")
        );
        assert_eq!(find("example.net."), None);
        assert_eq!(find("com."), None);
    }

    #[test]
    fn zones_are_swapped_copy_on_write() {
        let shared = SharedCatalog::default();
        assert!(shared.insert_zone(zone("example.com.")).is_none());
        let first = shared.snapshot();
        assert!(shared.insert_zone(zone("example.net.")).is_none());
        let second = shared.snapshot();
        assert_eq!((first.len(), second.len()), (1, 2));
        let origin = Name::from_ascii("example.com.").unwrap();
        // The unchanged zone is shared between snapshots, not copied.
        assert!(Arc::ptr_eq(
            first.zone(&origin).unwrap(),
            second.zone(&origin).unwrap()
        ));
        let replaced = shared.insert_zone(zone("EXAMPLE.com.")).unwrap();
        assert!(Arc::ptr_eq(&replaced, first.zone(&origin).unwrap()));
        assert!(shared.remove_zone(&origin).is_some());
        assert!(shared.remove_zone(&origin).is_none());
        assert_eq!(shared.snapshot().len(), 1);
        assert_eq!(first.len(), 1, "old snapshots never change");
    }

    #[test]
    fn find_follows_zones_added_and_removed() {
        // The depth index must track every swap, or a zone would become unreachable.
        let catalog = Catalog::empty().with_zone(Arc::new(zone("example.com.")));
        let deep = "8.b.d.0.1.0.0.2.ip6.arpa.";
        let catalog = catalog.with_zone(Arc::new(zone(deep)));
        let find = |catalog: &Catalog, text: &str| {
            let name = LowerName::new(&Name::from_ascii(text).unwrap());
            catalog.find(&name).map(|zone| zone.origin().to_string())
        };
        let ptr = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
        assert_eq!(find(&catalog, ptr).as_deref(), Some(deep));
        assert_eq!(
            find(&catalog, "a.b.example.com.").as_deref(),
            Some("example.com.")
        );
        let catalog = catalog.without_zone(&Name::from_ascii(deep).unwrap());
        assert_eq!(find(&catalog, ptr), None);
        assert_eq!(
            find(&catalog, "example.com.").as_deref(),
            Some("example.com.")
        );
    }
}
